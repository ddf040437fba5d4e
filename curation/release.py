"""Release: the released records to a Hub-ready folder `OUT/vX.Y.Z/`, written atomically.

Layout (what `datasets.load_dataset(folder)` and the Hub read alike):
  README.md                               the dataset card (YAML front matter + Markdown)
  data/<split>-00000-of-00001.parquet     config `default`
  aisev/<split>-00000-of-00001.parquet    config `aisev`
  borderline/<split>-00000-of-00001.parquet  config `borderline`
  CHANGELOG.md, manifest.json, reports/accounting.jsonl, reports/summary.md
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .history import MANIFEST, Release, ReleaseError, sha256_file
from .schema import schemas

CONFIG_DIRS = {"default": "data", "aisev": "aisev", "borderline": "borderline"}
# Compared between versions for the changelog's "relabelled".
LABEL_FIELDS = ("viewpoints", "primary_viewpoint", "gsn_goal", "label", "borderline", "borderline_type",
                "contrast_id", "regions")


def shard_path(config: str, split: str) -> str:
    return f"{CONFIG_DIRS[config]}/{split}-00000-of-00001.parquet"


def default_rows(records: pd.DataFrame) -> pd.DataFrame:
    """Released fields plus `split`, sorted by id, with missing values as None (never NaN)."""
    return without_nan(records[schemas().field_names + ["split"]].sort_values("id", kind="stable"))


def without_nan(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype(object)
    return frame.where(frame.notna(), None)


def aisev_rows(records: pd.DataFrame) -> pd.DataFrame:
    """aisev's upload columns. Scorer `requirement` when the item has a requirement, or has no reference
    answer (then the label's default requirement from taxonomy.yaml); `model_graded_qa` otherwise."""
    taxonomy = schemas()
    default_requirement = {entry["code"]: entry["requirement"] for entry in taxonomy.taxonomy["labels"]}
    rows = []
    for rec in default_rows(records).to_dict("records"):
        graded = rec["requirement"] is None and rec["reference_answer"] is not None
        rows.append({
            "ID": rec["id"],
            "text": rec["text"],
            "ten_perspective": taxonomy.viewpoint_by_code[rec["primary_viewpoint"]]["ja"],
            "scorer": "model_graded_qa" if graded else "requirement",
            "requirement": None if graded else (rec["requirement"] or default_requirement[rec["label"]]),
            "output": rec["reference_answer"],
            "gsn_perspective": rec["gsn_goal"],
            "split": rec["split"],
        })
    return pd.DataFrame(rows, columns=[*taxonomy.aisev_columns, "split"])


def borderline_rows(records: pd.DataFrame) -> pd.DataFrame:
    """Borderline items and their contrasts (which share their split by construction)."""
    rows = default_rows(records)
    partners = set(rows.loc[rows["borderline"], "contrast_id"].dropna())
    return rows[rows["borderline"] | rows["id"].isin(partners)]


def config_tables(records: pd.DataFrame) -> dict[str, dict[str, pa.Table]]:
    """config -> split -> Arrow table, with the schema derived from schemas/."""
    canary = {b"canary": schemas().dataset["canary"].encode("utf-8")}
    built = {
        "default": (default_rows(records), schemas().arrow_schema),
        "aisev": (aisev_rows(records), schemas().aisev_arrow_schema),
        "borderline": (borderline_rows(records), schemas().arrow_schema),
    }
    out: dict[str, dict[str, pa.Table]] = {}
    for config, (frame, arrow_schema) in built.items():
        out[config] = {}
        for split in schemas().dataset["splits"]["names"]:
            part = without_nan(frame[frame["split"] == split].drop(columns="split"))
            out[config][split] = pa.Table.from_pylist(part.to_dict("records"),
                                                      schema=arrow_schema.with_metadata(canary))
    return out


def write_parquet(table: pa.Table, path) -> None:
    # Fixed writer options: the same table always gives the same bytes.
    pq.write_table(table, path, compression="zstd", compression_level=9, use_dictionary=True,
                   write_statistics=True, row_group_size=100_000)


def changes(previous: Release | None, records: pd.DataFrame) -> dict:
    """What changed against the previous version: ids added, removed, relabelled, text changed, moved."""
    current = default_rows(records).set_index("id")
    if previous is None:
        return {"previous_version": None, "added": sorted(current.index), "removed": [], "relabelled": {},
                "text_changed": [], "moved_split": {}}
    before = previous.records.set_index("id")
    common = sorted(set(current.index) & set(before.index))
    relabelled = {}
    for rid in common:
        diff = {f: {"from": _plain(before.at[rid, f]), "to": _plain(current.at[rid, f])}
                for f in LABEL_FIELDS if _plain(before.at[rid, f]) != _plain(current.at[rid, f])}
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
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and pd.isna(value):
        return None
    return value


def changelog_markdown(version: str, change: dict) -> str:
    lines = [f"# Changelog: v{version}", "", schemas().dataset["canary"], ""]
    prev = change["previous_version"]
    lines.append(f"Compared with v{prev}." if prev else "First release.")
    lines.append("")
    for title, key in (("Added", "added"), ("Removed", "removed"), ("Text changed", "text_changed")):
        lines.append(f"## {title} ({len(change[key])})")
        lines += [f"- `{rid}`" for rid in change[key]] + [""]
    lines.append(f"## Relabelled ({len(change['relabelled'])})")
    for rid, diff in change["relabelled"].items():
        parts = "; ".join(f"{f}: {d['from']} → {d['to']}" for f, d in diff.items())
        lines.append(f"- `{rid}`: {parts}")
    lines += ["", f"## Moved between splits ({len(change['moved_split'])})"]
    lines += [f"- `{rid}`: {d['from']} → {d['to']}" for rid, d in change["moved_split"].items()]
    return "\n".join(lines) + "\n"


def write_release(
    out_dir: Path, version: str, tables: dict[str, dict[str, pa.Table]], texts: dict[str, str], manifest: dict
) -> Path:
    """Write everything into a temporary folder beside the target, then rename it into place.
    An existing version is never touched."""
    final = out_dir / f"v{version}"
    if final.exists():
        raise ReleaseError(f"{final} already exists; a released version is never overwritten (choose VERSION=)")
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
        manifest["files"] = {
            str(p.relative_to(tmp)): {"sha256": sha256_file(p), "bytes": p.stat().st_size}
            for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.rename(tmp, final)  # fails if the version appeared meanwhile: nothing is overwritten
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
