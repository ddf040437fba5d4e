"""The release pipeline: stages wired in order. Each stage is a function in its own module."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .accounting import account
from .card import card
from .dedup import collapse_exact
from .history import ReleaseError, load_history, parse_version
from .ids import assign_ids
from .ingest import ingest
from .release import (changelog_markdown, changes, config_tables, ensure_new, manifest, same_data,
                      summary_markdown, write_release)
from .report import StageReport
from .sources import load_sources
from .splits import assign_splits


@dataclass
class ReleaseResult:
    version: str
    path: Path | None  # None when nothing changed since the newest release
    reports: list[StageReport] = field(default_factory=list)
    up_to_date_with: str | None = None


def release(raw_dir: Path, out_dir: Path, version: str | None = None, card_path: Path | None = None) -> ReleaseResult:
    """Run every stage on the sources in `raw_dir` and write `out_dir/vVERSION/`. Without an explicit
    version, inputs that give exactly the newest release's data write nothing."""
    source_set = load_sources(raw_dir)
    history = load_history(out_dir)
    chosen = (version or history.next_version()).removeprefix("v")
    parse_version(chosen)
    ensure_new(out_dir, chosen)
    latest = history.latest
    if latest and parse_version(chosen) <= parse_version(latest.version):
        raise ReleaseError(f"version {chosen} is not newer than the newest release v{latest.version}")

    table, ingest_report = ingest(source_set)
    table, dedup_report = collapse_exact(table)
    table, id_report = assign_ids(table, history, chosen)
    records = table[table["outcome"] == "kept"].sort_values("id").reset_index(drop=True)
    if records.empty:
        raise ReleaseError("no input record is valid, so there is nothing to release:\n"
                           + "\n".join(ingest_report.lines()))
    records["split"], split_report = assign_splits(records, history.ids())
    lines, accounting_report = account(table, dict(zip(records["id"], records["split"])))
    reports = [ingest_report, dedup_report, id_report, split_report, accounting_report]

    tables = config_tables(records)
    if version is None and latest is not None and same_data(tables, latest):
        return ReleaseResult(chosen, None, reports, up_to_date_with=latest.version)
    change = changes(latest, records)
    totals = accounting_report.counts
    texts = {
        "README.md": card(chosen, records, tables, totals, change),
        "CHANGELOG.md": changelog_markdown(chosen, change),
        "reports/accounting.jsonl": "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
        "reports/summary.md": summary_markdown(reports),
    }
    doc = manifest(chosen, latest, source_set.fingerprints(), tables, totals, change)
    path = write_release(out_dir, chosen, tables, texts, doc)
    if card_path is not None:
        shutil.copyfile(path / "README.md", card_path)
    return ReleaseResult(chosen, path, reports)
