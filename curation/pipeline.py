"""The release pipeline: stages wired in order. Each stage is a function in its own module."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .accounting import account
from .annotations import agreement_table, apply_annotations, load_annotations, resolve
from .card import card
from .coverage import coverage
from .dedup import collapse_exact
from .history import History, ReleaseError, load_history, parse_version, sha256_file
from .ids import assign_ids
from .ingest import ingest
from .neardup import collapse_near, near_markdown
from .release import (changelog_markdown, changes, config_tables, ensure_new, manifest, same_data,
                      summary_markdown, write_release)
from .report import StageReport
from .screening import refuse_real_personal_data, screen
from .sources import SourceSet, load_sources
from .splits import assign_splits
from .tagging import suggestion_quality, tag


@dataclass
class Candidates:
    """Every input record after ingest, dedup and ids: what would be released before annotation, and the
    stored annotations (their ids decide which of two duplicates is kept)."""
    version: str
    source_set: SourceSet
    history: History
    table: pd.DataFrame
    reports: list[StageReport]
    near_released: pd.DataFrame  # released items no longer in the batch that joined a near-duplicate cluster
    annotations: pd.DataFrame
    exports: list[Path]
    annotation_report: StageReport

    @property
    def records(self) -> pd.DataFrame:
        return self.table[self.table["outcome"] == "kept"].sort_values("id").reset_index(drop=True)


@dataclass
class ReleaseResult:
    version: str
    path: Path | None  # None when nothing changed since the newest release
    reports: list[StageReport] = field(default_factory=list)
    up_to_date_with: str | None = None


def candidates(raw_dir: Path, out_dir: Path, version: str | None = None,
               annotation_dir: Path | None = None) -> Candidates:
    source_set = load_sources(raw_dir)
    annotations, exports, annotation_report = load_annotations(annotation_dir, source_set)
    history = load_history(out_dir)
    chosen = (version or history.next_version()).removeprefix("v")
    parse_version(chosen)
    ensure_new(out_dir, chosen)
    latest = history.latest
    if latest and parse_version(chosen) <= parse_version(latest.version):
        raise ReleaseError(f"version {chosen} is not newer than the newest release v{latest.version}")
    table, ingest_report = ingest(source_set)
    table, dedup_report = collapse_exact(table, history, judged=set(annotations["id"]))
    table, near_released, near_report = collapse_near(table, history.latest_records())
    table, id_report = assign_ids(table, history, chosen)
    return Candidates(chosen, source_set, history, table, [ingest_report, dedup_report, near_report, id_report],
                      near_released, annotations, exports, annotation_report)


def release(raw_dir: Path, out_dir: Path, version: str | None = None, card_path: Path | None = None,
            annotation_dir: Path | None = None) -> ReleaseResult:
    """Run every stage on the sources in `raw_dir` and the annotation exports stored under
    `annotation_dir` (None: no annotations), and write `out_dir/vVERSION/`. Without an explicit version,
    inputs that give exactly the newest release's data write nothing."""
    found = candidates(raw_dir, out_dir, version, annotation_dir)
    annotations, exports, load_report = found.annotations, found.exports, found.annotation_report
    decisions, queue, resolve_report = resolve(annotations)
    table, apply_report = apply_annotations(found.table, decisions)
    records = table[table["outcome"] == "kept"].sort_values("id").reset_index(drop=True)
    if records.empty:
        raise ReleaseError("no input record is valid, so there is nothing to release:\n"
                           + "\n".join(found.reports[0].lines()))
    near_splits = found.near_released.groupby("cluster_id")["split"].agg(list).to_dict()
    records["split"], split_report = assign_splits(records, found.history.ids(), near_splits)
    split_of = dict(zip(records["id"], records["split"]))
    lines, accounting_report = account(table, split_of)
    tags, _ = tag(records, "text", "label")
    hits, screen_report = screen(records, tags["pii"])
    viewpoint_coverage, goal_coverage, coverage_report = coverage(records)
    reports = [*found.reports, load_report, resolve_report, apply_report, split_report, accounting_report,
               suggestion_quality(records, tags), coverage_report, screen_report]
    refuse_real_personal_data(hits)

    tables = config_tables(records)
    latest = found.history.latest
    if version is None and latest is not None and same_data(tables, latest):
        return ReleaseResult(found.version, None, reports, up_to_date_with=latest.version)
    change = changes(latest, records)
    totals = accounting_report.counts
    agreement = agreement_table(annotations)
    texts = {
        "README.md": card(found.version, records, tables, totals, change, agreement, len(queue),
                          viewpoint_coverage, goal_coverage),
        "CHANGELOG.md": changelog_markdown(found.version, change),
        "reports/accounting.jsonl": "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
        "reports/summary.md": summary_markdown(reports),
        "reports/personal_data.jsonl": "".join(json.dumps(hit, ensure_ascii=False) + "\n"
                                               for hit in hits.to_dict("records")),
        "reports/near_duplicates.md": near_markdown(table, found.near_released, split_of),
    }
    inputs = found.source_set.fingerprints() + [
        {"path": f"{annotation_dir.name}/{p.relative_to(annotation_dir)}", "sha256": sha256_file(p),
         "bytes": p.stat().st_size} for p in exports]
    doc = manifest(found.version, latest, inputs, tables, totals, change)
    path = write_release(out_dir, found.version, tables, texts, doc)
    if card_path is not None:
        shutil.copyfile(path / "README.md", card_path)
    return ReleaseResult(found.version, path, reports)
