"""The release pipeline: stages wired in order. Each stage is a function in its own module."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__
from .card import card
from .dedup import collapse_exact
from .history import ReleaseError, load_history, parse_version
from .ids import assign_ids
from .ingest import ingest
from .release import changelog_markdown, changes, config_tables, shard_path, write_parquet, write_release
from .report import StageReport
from .schema import schemas
from .splits import assign_splits
from .sources import load_sources

OUTCOME = {"kept": "released", "duplicate": "duplicate", "quarantined": "quarantined"}


@dataclass
class ReleaseResult:
    version: str
    path: Path | None  # None when nothing changed since the newest release
    reports: list[StageReport] = field(default_factory=list)
    up_to_date_with: str | None = None


def code_version() -> dict:
    root = Path(__file__).resolve().parent.parent
    version = {"package": __version__, "git_commit": None}
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "curation", "schemas"],
                               capture_output=True, text=True)
        if commit.returncode == 0:
            version["git_commit"] = commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        pass
    return version


def account(table: pd.DataFrame, split_of: dict[str, str]) -> tuple[list[dict], dict]:
    """One line per input record saying where it ended. Fails unless every record is in exactly one place."""
    lines = []
    for rec in table.sort_values(["source_index", "row"]).to_dict("records"):
        outcome = OUTCOME[rec["outcome"]]
        target = rec["id"] if outcome == "released" else rec["duplicate_of"]
        lines.append({
            "input": rec["input_key"], "file": rec["file"], "row": int(rec["row"]), "outcome": outcome,
            "id": rec["id"] if outcome == "released" else None,
            "duplicate_of": rec["duplicate_of"] if outcome == "duplicate" else None,
            "split": split_of.get(target) if target else None,
            "reason": rec["reason"] if outcome == "quarantined" else None,
        })
    totals = {"input records": len(table)}
    for outcome in OUTCOME.values():
        totals[outcome] = sum(line["outcome"] == outcome for line in lines)
    released_ids = [line["id"] for line in lines if line["outcome"] == "released"]
    broken = (
        totals["released"] + totals["duplicate"] + totals["quarantined"] != totals["input records"]
        or len({line["input"] for line in lines}) != len(lines)
        or len(set(released_ids)) != len(released_ids)
        or set(released_ids) != set(split_of)
        or any(line["split"] is None for line in lines if line["outcome"] == "duplicate")
    )
    if broken:
        raise ReleaseError(f"accounting does not add up ({totals}); nothing was written")
    return lines, totals


def parquet_sha256(table) -> str:
    sink = io.BytesIO()
    write_parquet(table, sink)
    return hashlib.sha256(sink.getvalue()).hexdigest()


def release(raw_dir: Path, out_dir: Path, version: str | None = None, card_path: Path | None = None) -> ReleaseResult:
    source_set = load_sources(raw_dir)
    history = load_history(out_dir)
    version = (version or history.next_version()).removeprefix("v")
    if (out_dir / f"v{version}").exists():
        raise ReleaseError(f"{out_dir / f'v{version}'} already exists; a released version is never overwritten")
    if history.latest and parse_version(version) <= parse_version(history.latest.version):
        raise ReleaseError(f"version {version} is not newer than the newest release v{history.latest.version}")

    table, ingest_report = ingest(source_set)
    table, dedup_report = collapse_exact(table)
    table, id_report = assign_ids(table, history, version)
    records = table[table["outcome"] == "kept"].sort_values("id").reset_index(drop=True)
    records["split"], split_report = assign_splits(records, history.ids())
    lines, totals = account(table, dict(zip(records["id"], records["split"])))
    reports = [ingest_report, dedup_report, id_report, split_report,
               StageReport("accounting", counts=totals)]

    tables = config_tables(records)
    latest = history.latest
    if latest is not None and all(
        parquet_sha256(t) == latest.manifest["files"][shard_path(c, s)]["sha256"]
        for c, splits in tables.items() for s, t in splits.items()
    ):
        return ReleaseResult(version, None, reports, up_to_date_with=latest.version)

    change = changes(latest, records)
    rows_per_config = {c: {s: t.num_rows for s, t in splits.items()} for c, splits in tables.items()}
    card_text = card(version, records, tables, totals, change)
    summary = "\n".join(["# Curation report", "", "```", *[l for r in reports for l in r.lines(10**9)], "```", ""])
    texts = {
        "README.md": card_text,
        "CHANGELOG.md": changelog_markdown(version, change),
        "reports/accounting.jsonl": "".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines),
        "reports/summary.md": summary,
    }
    manifest = {
        "dataset": schemas().dataset["name"],
        "version": version,
        "previous_version": latest.version if latest else None,
        "canary_guid": schemas().dataset["canary_guid"],
        "code": code_version(),
        "inputs": source_set.fingerprints(),
        "configs": {c: {"files": {s: shard_path(c, s) for s in splits}, "rows": rows_per_config[c]}
                    for c, splits in tables.items()},
        "accounting": totals,
        "changes": {k: (len(v) if isinstance(v, (list, dict)) else v) for k, v in change.items()},
    }
    path = write_release(out_dir, version, tables, texts, manifest)
    if card_path is not None:
        shutil.copyfile(path / "README.md", card_path)
    return ReleaseResult(version, path, reports)
