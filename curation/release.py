"""Release: the released records to a Hub-ready folder `OUT/vX.Y.Z/`, written atomically.

Layout (what `datasets.load_dataset(folder)` and the Hub read alike):
  README.md                                  the dataset card (card.py)
  data/<split>-00000-of-00001.parquet        config `default`
  aisev/<split>-00000-of-00001.parquet       config `aisev`
  borderline/<split>-00000-of-00001.parquet  config `borderline`
  CHANGELOG.md, manifest.json, reports/accounting.jsonl, reports/summary.md
A split (or config) with no rows is left out: `datasets` cannot read an empty Parquet split.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__
from .history import MANIFEST, Release, ReleaseError, sha256_file
from .report import StageReport
from .schema import schemas

CONFIG_DIRS = {"default": "data", "aisev": "aisev", "borderline": "borderline"}
Tables = dict[str, dict[str, pa.Table]]  # config -> split -> rows


def shard_path(config: str, split: str) -> str:
    return f"{CONFIG_DIRS[config]}/{split}-00000-of-00001.parquet"


def without_nan(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype(object)
    return frame.where(frame.notna(), None)


def default_rows(records: pd.DataFrame) -> pd.DataFrame:
    """Released fields plus `split`, sorted by id, with missing values as None (never NaN)."""
    return without_nan(records[schemas().field_names + ["split"]].sort_values("id", kind="stable"))


def aisev_rows(records: pd.DataFrame) -> pd.DataFrame:
    """aisev's upload columns (schemas/dataset.yaml): every row scorable by the `requirement` scorer, with
    the label's default requirement from taxonomy.yaml where the item has none, and a goal id on every
    row (the viewpoint's own `G<n>-1` where the item has none)."""
    taxonomy = schemas()
    default_requirement = {entry["code"]: entry["requirement"] for entry in taxonomy.taxonomy["labels"]}
    rows = default_rows(records)
    primary = {v["code"]: v for v in taxonomy.viewpoints}
    return without_nan(pd.DataFrame({
        "ID": rows["id"],
        "text": rows["text"],
        "ten_perspective": rows["primary_viewpoint"].map(lambda code: primary[code]["ja"]),
        "scorer": "requirement",
        "requirement": rows["requirement"].where(rows["requirement"].notna(), rows["label"].map(default_requirement)),
        "gsn_perspective": rows["gsn_goal"].where(
            rows["gsn_goal"].notna(), rows["primary_viewpoint"].map(lambda code: f"G{primary[code]['number']}-1")),
        "split": rows["split"],
    }))


def borderline_rows(records: pd.DataFrame) -> pd.DataFrame:
    """Borderline items and their contrasts (which share their split by construction)."""
    rows = default_rows(records)
    partners = set(rows.loc[rows["borderline"].astype(bool), "contrast_id"].dropna())
    return rows[rows["borderline"].astype(bool) | rows["id"].isin(partners)]


def config_tables(records: pd.DataFrame) -> Tables:
    """config -> split -> Arrow table with the schema derived from schemas/; empty splits left out."""
    canary = {b"canary": schemas().dataset["canary"].encode("utf-8")}
    built = {
        "default": (default_rows(records), schemas().arrow_schema),
        "aisev": (aisev_rows(records), schemas().aisev_arrow_schema),
        "borderline": (borderline_rows(records), schemas().arrow_schema),
    }
    out: Tables = {}
    for config, (frame, arrow_schema) in built.items():
        for split in schemas().dataset["splits"]["names"]:
            part = frame[frame["split"] == split].drop(columns="split")
            if len(part):
                table = pa.Table.from_pandas(part, schema=arrow_schema, preserve_index=False)
                out.setdefault(config, {})[split] = table.replace_schema_metadata(canary)  # no pandas metadata
    return out


def row_counts(tables: Tables) -> dict[str, dict[str, int]]:
    return {c: {s: t.num_rows for s, t in splits.items()} for c, splits in tables.items()}


def same_data(tables: Tables, latest: Release) -> bool:
    """True when every config and split holds exactly the rows of the newest release (by content, so a
    different Parquet writer version does not count as a change)."""
    listed = {c: v["files"] for c, v in latest.manifest["configs"].items()}
    if {c: set(s) for c, s in listed.items()} != {c: set(s) for c, s in tables.items()}:
        return False
    return all(pq.read_table(latest.path / listed[c][s]).equals(t, check_metadata=False)
               for c, splits in tables.items() for s, t in splits.items())


def write_parquet(table: pa.Table, path) -> None:
    # Fixed writer options: the same table always gives the same bytes (with the same pyarrow).
    pq.write_table(table, path, compression="zstd", compression_level=9, use_dictionary=True,
                   write_statistics=True, row_group_size=100_000)


# -- what changed, and the texts of a release --------------------------------------------------------

def changes(previous: Release | None, records: pd.DataFrame) -> dict:
    """Against the previous version: ids added, removed, relabelled, with changed text, moved split."""
    current = default_rows(records).set_index("id")
    if previous is None:
        return {"previous_version": None, "added": sorted(current.index), "removed": [], "relabelled": {},
                "text_changed": [], "moved_split": {}}
    before = without_nan(previous.records).set_index("id")
    common = sorted(set(current.index) & set(before.index))
    # A field an older release did not have yet is a schema change, not a relabelling.
    compared = [f for f in (*schemas().judgement_fields, "contrast_id", "label_source") if f in before.columns]
    relabelled = {}
    for rid in common:
        diff = {f: {"from": _plain(before.at[rid, f]), "to": _plain(current.at[rid, f])}
                for f in compared if _plain(before.at[rid, f]) != _plain(current.at[rid, f])}
        if diff:
            relabelled[rid] = diff
    return {
        "previous_version": previous.version,
        "added": sorted(set(current.index) - set(before.index)),
        "removed": sorted(set(before.index) - set(current.index)),
        "relabelled": relabelled,
        "text_changed": [rid for rid in common if before.at[rid, "text"] != current.at[rid, "text"]],
        "moved_split": {rid: {"from": before.at[rid, "split"], "to": current.at[rid, "split"]}
                        for rid in common if before.at[rid, "split"] != current.at[rid, "split"]},
    }


def _plain(value):
    return value.tolist() if hasattr(value, "tolist") else value


def changelog_markdown(version: str, change: dict) -> str:
    lines = [f"# Changelog: v{version}", "", schemas().dataset["canary"], ""]
    prev = change["previous_version"]
    lines += [f"Compared with v{prev}." if prev else "First release.", ""]
    for title, key in (("Added", "added"), ("Removed", "removed"), ("Text changed", "text_changed")):
        lines.append(f"## {title} ({len(change[key])})")
        lines += [f"- `{rid}`" for rid in change[key]] + [""]
    lines.append(f"## Relabelled ({len(change['relabelled'])})")
    for rid, diff in change["relabelled"].items():
        lines.append(f"- `{rid}`: " + "; ".join(f"{f}: {d['from']} → {d['to']}" for f, d in diff.items()))
    lines += ["", f"## Moved between splits ({len(change['moved_split'])})"]
    lines += [f"- `{rid}`: {d['from']} → {d['to']}" for rid, d in change["moved_split"].items()]
    return "\n".join(lines) + "\n"


def summary_markdown(reports: list[StageReport]) -> str:
    return "\n".join(["# Curation report", "", "```", *[l for r in reports for l in r.lines(10**9)], "```", ""])


def code_version() -> dict:
    """The package version, the git commit of the code (+dirty when curation/ or schemas/ differ from it),
    and the Parquet writer, which decides the bytes of the data files."""
    root = Path(__file__).resolve().parent.parent
    version = {"package": __version__, "git_commit": None, "pyarrow": pa.__version__}
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "curation", "schemas"],
                               capture_output=True, text=True)
        if commit.returncode == 0:
            version["git_commit"] = commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        pass
    return version


def manifest(version: str, previous: Release | None, inputs: list[dict], tables: Tables, totals: dict,
             change: dict) -> dict:
    """Everything but the file checksums, which write_release adds once the files exist."""
    return {
        "dataset": schemas().dataset["name"],
        "version": version,
        "previous_version": previous.version if previous else None,
        "canary_guid": schemas().dataset["canary_guid"],
        "code": code_version(),
        "inputs": inputs,
        "configs": {c: {"files": {s: shard_path(c, s) for s in splits}, "rows": row_counts(tables)[c]}
                    for c, splits in tables.items()},
        "accounting": totals,
        "changes": {k: (len(v) if isinstance(v, (list, dict)) else v) for k, v in change.items()},
    }


# -- writing ---------------------------------------------------------------------------------------

def ensure_new(out_dir: Path, version: str) -> Path:
    final = out_dir / f"v{version}"
    if final.exists():
        raise ReleaseError(f"{final} already exists; a released version is never overwritten (choose VERSION=)")
    return final


def write_release(out_dir: Path, version: str, tables: Tables, texts: dict[str, str], manifest_doc: dict) -> Path:
    """Write everything into a temporary folder beside the target, then rename it into place.
    An existing version is never touched."""
    final = ensure_new(out_dir, version)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".tmp-v{version}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        for config, splits in tables.items():
            for split, table in splits.items():
                (tmp / shard_path(config, split)).parent.mkdir(parents=True, exist_ok=True)
                write_parquet(table, tmp / shard_path(config, split))
        for rel, text in texts.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(text, encoding="utf-8")
        manifest_doc["files"] = {
            str(p.relative_to(tmp)): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
            for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest_doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.rename(tmp, final)  # fails if the version appeared meanwhile: nothing is overwritten
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
