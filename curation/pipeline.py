"""The release pipeline: the stages of schemas/pipeline.yaml wired in order over one working table.

  ingest → match forms → mark annotated → exact duplicates → near duplicates → ids
         → apply annotations → splits → accounting → (released records) tagging, screening, coverage
         → configs, card, changelog, reports → one atomic write

Each stage is `stage(table, context) -> (table, report)` in its own package; this module only wires them.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .annotate import agreement_table, apply_annotations, decide, load_annotations, mark_annotated
from .annotate.controls import RESPONSES
from .contamination import index_files
from .contract import Context, kept, released
from .dedup.exact import add_matching_forms, collapse_exact
from .dedup.near import collapse_near
from .dedup.review import near_markdown
from .errors import ReleaseError
from .fileinfo import file_entry
from .ingest import ingest, load_sources
from .progress import quiet, step_line
from .release import account, assign_ids, assign_splits, load_history, parse_version
from .release.card import card
from .release.changes import (
    NO_JUDGEMENT,
    changelog_markdown,
    changes,
    lost_decisions,
    lost_report,
    previous_rows,
    prompt_fates,
    release_note,
    response_changes,
    response_fates,
    why_undecided,
)
from .release.configs import aisev_csv, config_tables, response_tables, same_data
from .release.coverage import coverage, coverage_png
from .release.layout import COVERAGE_PNG, RESPONSES_PNG, check_out, ensure_new, manifest, write_release
from .report import StageReport, summary_markdown
from .responses.graders import checked_by_people, grader_files
from .responses.judging import judged_rows, stored_responses
from .responses.scores import difficulty_csv, scores_markdown, scores_png
from .suggest import model_files, preset_files, train, training_examples
from .suggest.evaluation import evaluate
from .tagging import load_reviews, refuse_real_personal_data, screen, tag

# The working table's stages after ingest, in order (schemas/pipeline.yaml).
BEFORE_ANNOTATIONS = (add_matching_forms, mark_annotated, collapse_exact, collapse_near, assign_ids)
AFTER_ANNOTATIONS = (apply_annotations, assign_splits)


@dataclass
class Candidates:
    """Every input record after ingest, dedup and ids, before annotations are applied. `records`: what
    annotators are sent (records awaiting annotation included)."""
    context: Context
    table: pd.DataFrame
    reports: list[StageReport]
    exports: list[Path]

    @property
    def records(self) -> pd.DataFrame:
        return self.table[kept(self.table)].sort_values("id").reset_index(drop=True)

    @property
    def source_set(self):
        return self.context.source_set

    @property
    def annotations(self) -> pd.DataFrame:
        return self.context.annotations


@dataclass
class ReleaseResult:
    version: str
    path: Path | None  # None when nothing changed since the newest release
    reports: list[StageReport] = field(default_factory=list)
    up_to_date_with: str | None = None
    decisions_lost: dict[str, str] = field(default_factory=dict)  # item or response key -> why (changes.py)


def run(table: pd.DataFrame, context: Context, stages, step=quiet) -> tuple[pd.DataFrame, list[StageReport]]:
    reports = []
    for stage in stages:
        step(stage.stage_name)
        table, report = stage(table, context)
        reports.append(report)
    return table, reports


def candidates(raw_dir: Path, out_dir: Path, version: str | None = None,
               annotation_dir: Path | None = None, step=quiet) -> Candidates:
    """Sources, earlier releases and stored annotations read once; the stages up to ids run."""
    check_out(out_dir)  # before the pipeline runs, not at its last step
    source_set = load_sources(raw_dir)
    step("annotation exports")
    annotations, exports, annotation_report = load_annotations(annotation_dir, source_set)
    step("earlier releases")
    history = load_history(out_dir)
    chosen = (version or history.next_version()).removeprefix("v")
    number = parse_version(chosen)
    ensure_new(out_dir, chosen)
    latest = history.latest
    if latest and number <= parse_version(latest.version):
        raise ReleaseError(f"version {chosen} is not newer than the newest release v{latest.version}")
    context = Context(version=chosen, source_set=source_set, history=history, annotations=annotations)
    step("ingest")
    table, ingest_report = ingest(source_set)
    table, reports = run(table, context, BEFORE_ANNOTATIONS, step)
    return Candidates(context, table, [ingest_report, annotation_report, *reports], exports)


def decided_records(raw_dir: Path, out_dir: Path, annotation_dir: Path | None, step=quiet) -> pd.DataFrame:
    """The records a release made now would hold (people's decisions applied, splits assigned), unwritten."""
    found = candidates(raw_dir, out_dir, None, annotation_dir, step)
    step("decide")
    found.context.decisions, _, _ = decide(found.context.annotations)
    table, _ = run(found.table, found.context, AFTER_ANNOTATIONS, step)
    return table[released(table)].sort_values("id").reset_index(drop=True)


def release(raw_dir: Path, out_dir: Path, version: str | None = None, card_path: Path | None = None,
            annotation_dir: Path | None = None, responses_dir: Path | None = None) -> ReleaseResult:
    """Run every stage on the sources in `raw_dir` and the annotation exports stored under
    `annotation_dir` (None: no annotations), with the model responses stored under `responses_dir` (None:
    none) and their judgements (exports under `annotation_dir` too), and write `out_dir/vVERSION/`. Without an
    explicit version, inputs that give exactly the newest release's data write nothing."""
    with step_line("release") as step:
        return release_steps(raw_dir, out_dir, version, card_path, annotation_dir, responses_dir, step)


def release_steps(raw_dir: Path, out_dir: Path, version: str | None, card_path: Path | None,
                  annotation_dir: Path | None, responses_dir: Path | None, step) -> ReleaseResult:
    """release(), showing each step on `step`."""
    found = candidates(raw_dir, out_dir, version, annotation_dir, step)
    context = found.context
    step("decide")
    context.decisions, queue, decide_report = decide(context.annotations)
    table, reports = run(found.table, context, AFTER_ANNOTATIONS, step)
    records = table[released(table)].sort_values("id").reset_index(drop=True)
    if records.empty:
        held = int((table["fate"] == "awaiting").sum())
        raise ReleaseError("no input record is ready to release"
                           + (f" ({held} awaiting annotation: `curation annotate push`)" if held else "")
                           + ":\n" + "\n".join(found.reports[0].lines()))
    lines, accounting_report = account(table)
    step("tagging and personal-data screening")
    tags, _ = tag(records, "text", "label")
    reviews = load_reviews(raw_dir)
    hits, screen_report = screen(records, tags["pii"], reviews)
    viewpoint_coverage, goal_coverage, coverage_report = coverage(records)
    reports = [*found.reports, decide_report, *reports, accounting_report, coverage_report, screen_report]
    refuse_real_personal_data(hits)

    step("suggestion model")  # learns from every decision people made; measured by a sibling without the test split
    presets = preset_files(raw_dir)
    model = train(training_examples(records, presets))
    model_report, model_lines = evaluate(model, records, presets)
    reports.append(model_report)

    step("model responses")
    responses, response_files = stored_responses(responses_dir)
    judgements, judgement_exports, judgement_report = load_annotations(annotation_dir, context.source_set, RESPONSES)
    verdicts, response_queue, verdict_report = decide(judgements, RESPONSES)
    judged, response_hits, response_lines, judged_report = judged_rows(responses, verdicts, records,
                                                                       reviews, response_queue)
    reports += [judgement_report, verdict_report, judged_report]
    checked = checked_by_people(verdicts, responses_dir)
    tables = config_tables(records)
    if len(judged):
        tables["responses"] = response_tables(judged)
    latest = context.history.latest
    if version is None and latest is not None and same_data(tables, latest):
        return ReleaseResult(context.version, None, reports, up_to_date_with=latest.version)
    step("changes, card and reports")
    change = changes(latest, records)
    if latest is not None:
        # People's decisions never leave silently: each one that left is named, with why.
        before = previous_rows(latest, "default")
        change["decisions_lost"] = lost_decisions(
            before, records, "id", why_undecided(context.annotations, queue, prompt_fates(table, before)),
            NO_JUDGEMENT if annotation_dir is not None else "no annotations were read (--annotations none, the "
                                                             "default for a raw folder other than data/raw)")
        before = previous_rows(latest, "responses")
        change["verdicts_lost"] = lost_decisions(
            before, judged, "key", why_undecided(judgements, response_queue,
                                                 response_fates(response_lines, before, responses_dir is not None)),
            NO_JUDGEMENT if annotation_dir is not None else "no judgements were read (--annotations none)")
        change.update(response_changes(before, judged))
        reports.append(lost_report(change))
    totals = accounting_report.counts
    split_of = dict(zip(records["id"], records["split"]))
    response_section = scores_markdown(judged, records, agreement_table(judgements, RESPONSES), RESPONSES_PNG,
                                       checked)
    texts = {
        "README.md": card(context.version, records, tables, totals, change, agreement_table(context.annotations),
                          len(queue), viewpoint_coverage, goal_coverage, response_section, model_lines),
        "CHANGELOG.md": changelog_markdown(context.version, change, release_note(raw_dir, context.version)),
        "reports/accounting.jsonl": "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
        "reports/summary.md": summary_markdown(reports),
        "reports/personal_data.jsonl": "".join(json.dumps(hit, ensure_ascii=False) + "\n"
                                               for hit in [*hits.to_dict("records"),
                                                           *response_hits.to_dict("records")]),
        "reports/near_duplicates.md": near_markdown(table, context.near_released, split_of),
        **aisev_csv(tables),
        COVERAGE_PNG: coverage_png(goal_coverage),
        **index_files(records, context.version),
        **model_files(model),
        **({"reports/response_accounting.jsonl": "".join(json.dumps(line, ensure_ascii=False) + "\n"
                                                          for line in response_lines),
            "reports/response_prompts.csv": difficulty_csv(judged)} if len(responses) else {}),
        **({RESPONSES_PNG: scores_png(judged, records)} if (judged["verdict"] != "unusable").any() else {}),
        **({"reports/automatic_graders.md": checked} if checked else {}),
    }
    inputs = context.source_set.fingerprints() + [
        {"path": f"{annotation_dir.name}/{p.relative_to(annotation_dir)}", **file_entry(p)}
        for p in dict.fromkeys([*found.exports, *judgement_exports])] + [
        {"path": f"{responses_dir.name}/{p.relative_to(responses_dir)}", **file_entry(p)}
        for p in [*response_files, *(grader_files(responses_dir) if responses_dir is not None else [])]] + [
        {"path": str(p.relative_to(raw_dir)), **file_entry(p)} for p in presets]
    doc = manifest(context.version, latest.version if latest else None, inputs, tables, totals, change)
    doc["suggestion_model"] = {"model_version": model.version, "folder": "model"}
    step("write")
    path = write_release(out_dir, context.version, tables, texts, doc)
    if card_path is not None:
        shutil.copyfile(path / "README.md", card_path)
    return ReleaseResult(context.version, path, reports,
                         decisions_lost={**change.get("decisions_lost", {}), **change.get("verdicts_lost", {})})
