"""`curation`: one subcommand per stage. The commands only wire stages together and print their reports."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import LabelStudioError, PublishError, ReleaseError, SourceError
from .progress import step_line

A_DAY = 86400  # the longest timeout a flag takes: seconds, a finite number a client's timer can hold


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest import ingest, load_sources
    from .ingest.values import ASSIGNED_LATER
    from .schema import schemas

    table, report = ingest(load_sources(Path(args.raw)))
    print("\n".join(report.lines(max_problems=10**6)))
    if args.out:
        columns = ["input_key", "where", "fate", "reason"] + [
            f for f in schemas().field_names if f not in ASSIGNED_LATER]
        with open(args.out, "w", encoding="utf-8") as out:
            for rec in table[columns].to_dict("records"):
                out.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
        print(f"wrote {len(table)} records to {args.out}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from .pipeline import release
    from .release.inputs import lost_warning, release_inputs, shipped_reference, split_warning
    from .release.layout import check_out

    raw, out = Path(args.raw), Path(args.out)
    check_out(out)  # before anything is read or printed
    folders, said = release_inputs(raw, {"annotations": args.annotations, "responses": args.responses})
    print(said)
    reference = shipped_reference(out)
    result = release(raw, out, args.version, Path(args.card) if args.card else None, folders["annotations"],
                     folders["responses"])
    for report in result.reports:
        print("\n".join(report.lines()))
    if result.path is None:
        print(f"nothing to release: the inputs give exactly the data of v{result.up_to_date_with} "
              f"({out / ('v' + result.up_to_date_with)})")
        return 0
    print(f"released v{result.version} -> {result.path}")
    warnings = lost_warning(result.decisions_lost, result.path / "CHANGELOG.md")
    for line in warnings + (split_warning(reference, result.path) if reference else []):
        print(line, file=sys.stderr)
    return 0


def cmd_tag(args: argparse.Namespace) -> int:
    import pandas as pd

    from .ingest.tables import read_table, write_output
    from .suggest import ARROW_TYPES as SUGGESTED
    from .suggest.store import scorer_for
    from .tagging import ARROW_TYPES, tag

    with step_line("tag") as step:
        step("read")
        table = read_table(Path(args.input), args.text_column, {"--label-column": args.label_column})
        step(f"tag {len(table):,} rows")
        step("suggestion model")
        scorer, said = scorer_for(args.model, Path(args.releases))
        tags, report = tag(table, args.text_column, args.label_column, scorer)
        # An input column of the same name (a release's own `regions`) is kept; the tag is written beside it.
        renamed = {c: f"tag_{c}" for c in tags.columns if c in table.columns}
        out = pd.concat([table, tags.rename(columns=renamed)], axis=1)
        step("write")
        types = {**ARROW_TYPES, **(SUGGESTED if scorer is not None else {})}
        write_output(out, Path(args.out), {renamed.get(c, c): t for c, t in types.items()})
    print("\n".join([said, *report.lines()]))
    if renamed:
        print("input already had " + ", ".join(renamed) + "; tags written as " + ", ".join(renamed.values()))
    print(f"wrote {len(out)} rows to {args.out}")
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    """Train the suggestion model on the items people have decided so far (sources and every stored
    export), without writing a release, as a release trains its own."""
    from .pipeline import decided_records
    from .suggest import preset_files, train, training_examples, write_model

    raw = Path(args.raw)
    with step_line("suggest train") as step:
        records = decided_records(raw, Path(args.out), Path(args.annotations), step)
        step(f"train on {len(records):,} decided items")
        model = train(training_examples(records, preset_files(raw)))
        folder = write_model(model, Path(args.to))
    print(f"model {model.version} -> {folder} ({model.learned_from}); use it with --model {folder}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from .ingest.readers import excel_header_row
    from .schema import schemas

    data = excel_header_row(schemas().formats["crowd-csv"], english=args.english).encode(args.encoding)
    Path(args.out).write_bytes(data)
    print(f"wrote the crowd template ({args.encoding}) to {args.out}")
    return 0


def cmd_annotate(args: argparse.Namespace) -> int:
    from .annotate import decide, load_annotations
    from .annotate.controls import SUBJECTS
    from .annotate.server import Server, pull, push, push_adjudication, status
    from .ingest import load_sources
    from .pipeline import candidates
    from .suggest.store import scorer_for

    annotation_dir = Path(args.annotations)
    if args.action == "withdraw":  # no server: a withdrawal is recorded beside the exports
        from .annotate.controls import subject_of
        from .annotate.withdrawals import withdraw

        if not args.item or not args.reason:
            raise ReleaseError("annotate withdraw needs --item ID and --reason TEXT")
        entries, judgements = withdraw(annotation_dir, load_sources(Path(args.raw)), args.item, args.reason,
                                       args.annotator, args.project)
        for entry in entries:
            print(f"withdrew the {entry['project']} judgements of {entry['item']} by "
                  f"{entry['annotator'] or 'every annotator'} made up to {entry['withdrawn_at']}")
        decisions = decide(judgements, subject_of(entries[0]["project"]))[0]
        still = decisions[decisions["id"] == entries[0]["item"]] if len(decisions) else decisions
        print(f"its decision still holds: decided by {still['label_source'].iloc[0]} from the judgements left"
              if len(still) else "no people's decision holds it now; the next release names it in its changelog")
        return 0
    server = Server()
    if args.action == "status":
        print(status(server).to_string(index=False))
        return 0
    if args.action == "pull":
        _, report = pull(server, annotation_dir / "exports")
        print("\n".join(report.lines()))
        source_set = load_sources(Path(args.raw))  # only the pseudonym key is needed
        for subject in SUBJECTS:  # every stored export read back and checked
            print("\n".join(load_annotations(annotation_dir, source_set, subject)[2].lines()))
        return 0
    found = candidates(Path(args.raw), Path(args.out), annotation_dir=annotation_dir)
    if args.action == "rescore":
        from .annotate.suggestions import rescore

        scorer, said = scorer_for(args.model, Path(args.out))
        if scorer is None:
            raise ReleaseError("annotate rescore needs a model: --model FOLDER, or a release that holds one")
        print("\n".join([said, *rescore(server, found.records, scorer).lines()]))
        return 0
    decisions, queue, resolved = decide(found.annotations)
    if args.adjudication:
        print("\n".join(resolved.lines()))
        report = push_adjudication(server, found.records, queue, found.annotations)
    else:
        todo = not_yet_decided(found.records, decisions, "id", args.again)
        scorer, said = scorer_for(args.model, Path(args.out))
        report = push(server, todo, scorer=scorer, uncertainty=args.order == "uncertainty")
        report.notes.append(said)
        report.counts["already decided by people: not sent"] = len(found.records) - len(todo)
    print("\n".join(report.lines()))
    return 0


def not_yet_decided(items, decisions, key: str, again: bool):
    """The items no stored people's decision holds (all with --again): a push to a fresh server does not ask
    annotators again what the stored judgements already decide."""
    decided = set(decisions["id"]) if len(decisions) else set()
    return items if again else items[~items[key].isin(decided)]


def cmd_dedup(args: argparse.Namespace) -> int:
    from .dedup.table import ARROW_TYPES, dedup_table
    from .ingest.tables import read_table, write_output

    with step_line("dedup") as step:
        step("read")
        frame = read_table(Path(args.input), args.text_column,
                           {"--label-column": args.label_column, "--id-column": args.id_column})
        step(f"exact and near duplicates of {len(frame):,} rows")
        out, report = dedup_table(frame, args.text_column, args.label_column, args.id_column)
        step("write")
        write_output(out, Path(args.out), ARROW_TYPES)
    print("\n".join(report.lines()))
    print(f"wrote {len(out)} rows to {args.out}")
    return 0


def cmd_contamination(args: argparse.Namespace) -> int:
    from .contamination.run import corpus_files, outside_inputs, scan_corpora
    from .release.layout import outside_releases

    out, release = Path(args.out), Path(args.release)
    if out.is_dir():
        raise SourceError(f"--out {out}: a folder; give the report's file name")
    if not out.parent.is_dir():
        raise SourceError(f"--out {out}: no folder {out.parent}")
    outputs = [(out, "--out"), *([(Path(args.work), "--work")] if args.work else [])]
    for path, flag in outputs:
        outside_releases(path, flag)
        outside_inputs(path, flag, release, [])
    files = corpus_files(args.corpus)
    for path, flag in outputs:
        outside_inputs(path, flag, release, files)
    if args.max_document_mb is not None and not args.max_document_mb > 0:
        raise SourceError(f"--max-document-mb {args.max_document_mb}: a size above 0")
    report = scan_corpora(args.corpus, release, text_field=args.text_field, engine=args.engine,
                          address=args.address, tasks=args.tasks, workers=args.workers,
                          work_dir=Path(args.work) if args.work else None, min_coverage=args.min_coverage,
                          max_document_bytes=int(args.max_document_mb * 1e6) if args.max_document_mb else None,
                          connect_timeout=args.connect_timeout)
    out.write_text(report.jsonl(), encoding="utf-8")
    print("\n".join(report.lines()))
    print(f"wrote {len(report.matches)} matched documents and {len(report.problems)} problems to {out}")
    return 1 if report.matches else 3 if report.problems else 0


def cmd_responses(args: argparse.Namespace) -> int:
    import pandas as pd

    from .release.layout import outside_releases
    from .responses import collect, responses_of, store
    from .responses.graders import grader_verdicts, store_grader_verdicts

    release, out = Path(args.release), Path(args.out)
    outside_releases(out, "--out")
    if args.action == "collect":
        if not 1 <= args.timeout <= A_DAY or not 0 <= args.max_retries <= 100:
            raise SourceError(f"--timeout must be 1 to {A_DAY} seconds and --max-retries 0 to 100")
        if args.limit is not None and args.limit < 1:
            raise SourceError("--limit must be at least 1 prompt (leave it out for every prompt)")
        log = collect(release, args.split, args.model, out / "logs", limit=args.limit,
                      chat_completions=args.chat_completions, timeout=args.timeout, max_retries=args.max_retries)
        logs = [(log, "collect")]
    else:
        from inspect_ai.log import read_eval_log

        logs = []
        for path in map(Path, args.logs):
            try:
                logs.append((read_eval_log(str(path)), path.name))
            except Exception as exc:  # noqa: BLE001 (any unreadable log: one line naming it)
                raise SourceError(f"{path}: not an Inspect evaluation log ({type(exc).__name__})") from None
    found = [(log, *responses_of(log, release, source)) for log, source in logs]
    added, kept = store(pd.concat([frame for _, frame, _ in found], ignore_index=True), out)
    # The automatic graders' scores in the logs, kept to be checked against the people's verdicts.
    scored = store_grader_verdicts(pd.concat([grader_verdicts(log, frame, release) for log, frame, _ in found],
                                             ignore_index=True), out)
    failed = sum(n for _, _, n in found)
    print(f"[responses] {added} added, {kept} already stored, under {out}; automatic grader verdicts: "
          f"{scored[0]} added, {scored[1]} already stored"
          + (f"; {failed} samples have no answer (the model call errored, or gave no output) and were not "
             "stored: rerun to collect them" if failed else ""))
    return 3 if failed else 0


def cmd_responses_push(args: argparse.Namespace) -> int:
    from .annotate import decide, load_annotations
    from .annotate.controls import RESPONSES
    from .annotate.server import Server
    from .ingest import load_sources
    from .responses.judging import push_response_adjudication, push_responses, stored_responses

    server = Server()
    responses, _ = stored_responses(Path(args.out))
    judgements, _, checked = load_annotations(Path(args.annotations), load_sources(Path(args.raw)), RESPONSES)
    decisions, queue, resolved = decide(judgements, RESPONSES)
    if args.adjudication:
        print("\n".join([*checked.lines(), *resolved.lines()]))
        report = push_response_adjudication(server, responses, Path(args.releases), queue, judgements)
    else:
        todo = not_yet_decided(responses, decisions, "key", args.again)
        report = push_responses(server, todo, Path(args.releases))
        report.counts["already decided by people: not sent"] = len(responses) - len(todo)
    print("\n".join(report.lines()))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from .release.publish import publish

    repo = args.repo or os.environ.get("HF_REPO")
    if not repo:
        raise PublishError("no target repo: pass --repo ORG/NAME or set HF_REPO")
    if not 0 < args.timeout <= A_DAY:  # inf or 1e10 would overflow the client's timer
        raise PublishError(f"--timeout must be above 0 and at most {A_DAY} seconds")
    result = publish(Path(args.path), repo, yes=args.yes, timeout=args.timeout)
    print("\n".join(result.lines()))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="curation", description="Curate Japanese LLM-safety prompts into releases.")
    sub = p.add_subparsers(dest="command", required=True)
    ing = sub.add_parser("ingest", help="read and validate every declared input; report quarantined rows")
    ing.add_argument("--raw", default="data/raw", help="folder with sources.yaml (default: data/raw)")
    ing.add_argument("--out", help="write every input record with its fate (released so far, or quarantined) "
                                   "to this JSONL file")
    ing.set_defaults(run=cmd_ingest)
    rel = sub.add_parser("release", help="run the whole pipeline and write OUT/vVERSION/")
    rel.add_argument("--raw", default="data/raw", help="folder with sources.yaml (default: data/raw)")
    rel.add_argument("--out", default="data/release", help="folder of releases (default: data/release)")
    rel.add_argument("--version", help="SemVer of the new release (default: next minor after the newest)")
    rel.add_argument("--card", help="also copy the dataset card here (make release: DATASET_CARD.md)")
    rel.add_argument("--annotations", help="the folder whose exports/ are read (none: no exports; default: "
                                            "annotation for data/raw, none for another raw folder)")
    rel.add_argument("--responses", help="the stored model responses to release once judged (none: none; "
                                          "default: data/responses for data/raw, none for another raw folder)")
    rel.set_defaults(run=cmd_release)
    ann = sub.add_parser("annotate", help="send tasks to Label Studio, pull annotations, show progress "
                                          "(LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY)")
    ann.add_argument("action", choices=["push", "pull", "status", "withdraw", "rescore"],
                     help="withdraw: take back judgements on purpose (the only way a stored judgement stops "
                          "counting; recorded in ANNOTATIONS/withdrawals.jsonl, named in the next changelog)")
    ann.add_argument("--adjudication", action="store_true", help="push: send unresolved items for review")
    ann.add_argument("--again", action="store_true", help="push: send items the stored judgements already decide too "
                                                          "(by default only the undecided are sent)")
    ann.add_argument("--order", choices=["id", "uncertainty"], default="id",
                     help="push: uncertainty = least confident suggestion first (imported and served so)")
    ann.add_argument("--model", help="push, rescore: the suggestion model folder (default: the newest release's; "
                                     "none: the lexicons)")
    ann.add_argument("--item", help="withdraw: the prompt id (jt-…) or response key (rs-…)")
    ann.add_argument("--project", help="withdraw: only this project's judgements, as annotation/config.yaml names it "
                                       "(default: every project holding judgements of the item)")
    ann.add_argument("--annotator", help="withdraw: only this annotator's judgements (their Label Studio e-mail, "
                                         "stored only as a pseudonym; default: everyone's)")
    ann.add_argument("--reason", help="withdraw: why, released in the changelog (no personal data)")
    ann.add_argument("--raw", default="data/raw")
    ann.add_argument("--out", default="data/release")
    ann.add_argument("--annotations", default="annotation", help="where exports/ are stored (default: annotation)")
    ann.set_defaults(run=cmd_annotate)
    tag = sub.add_parser("tag", help="suggest viewpoints and borderline, detect regions, sensitive topics and "
                                     "personal data in any table; write it to Parquet with the tags")
    tag.add_argument("input", help="a .csv (UTF-8 or CP932), .jsonl or .parquet file")
    tag.add_argument("--text-column", default="text", help="the column holding the prompt (default: text)")
    tag.add_argument("--label-column", help="safe/unsafe labels, if any: a safe prompt that looks unsafe is "
                                            "a borderline candidate")
    tag.add_argument("--out", required=True, help="the Parquet file to write")
    tag.add_argument("--model", help="the suggestion model folder (default: the newest release's under --releases; "
                                     "none: the lexicons)")
    tag.add_argument("--releases", default="data/release", help="where the default model is looked for")
    tag.set_defaults(run=cmd_tag)
    sug = sub.add_parser("suggest", help="the suggestion model: train it on the items people decided so far")
    sug.add_argument("action", choices=["train"])
    sug.add_argument("--raw", default="data/raw")
    sug.add_argument("--out", default="data/release", help="the releases (ids and splits follow them)")
    sug.add_argument("--annotations", default="annotation", help="where exports/ are stored (default: annotation)")
    sug.add_argument("--to", default="annotation/models", help="the model is written to TO/<model_version>/")
    sug.set_defaults(run=cmd_suggest)
    tpl = sub.add_parser("template", help="write the empty crowd-csv template that crowd workers fill in")
    tpl.add_argument("--out", default="crowd-template.csv")
    tpl.add_argument("--encoding", default="cp932", choices=["cp932", "utf-8-sig"],
                     help="cp932 opens directly in Japanese Excel (default); utf-8-sig is Excel's CSV UTF-8")
    tpl.add_argument("--english", action="store_true", help="English headers instead of Japanese")
    tpl.set_defaults(run=cmd_template)
    ded = sub.add_parser("dedup", help="find exact and near duplicates in any table (.parquet, .jsonl, .csv)")
    ded.add_argument("input", help="a .parquet, .jsonl or .csv file (CSV: UTF-8, with or without BOM, or CP932)")
    ded.add_argument("--text-column", default="text", help="the column to compare (default: text)")
    ded.add_argument("--out", required=True, help="the Parquet file to write: every row plus cluster_id, kept, "
                                                  "duplicate_of, similarity, pair_class, pair_reason")
    ded.add_argument("--label-column", help="rows whose labels differ are never merged, only linked")
    ded.add_argument("--id-column", help="duplicate_of names this column's value (default: the row number)")
    ded.set_defaults(run=cmd_dedup)
    con = sub.add_parser("contamination", help="scan training corpora for a release's items (its decontamination "
                                               "index): exit 1 when one (or the canary) is found, 3 when none "
                                               "is but some lines or files could not be read, 0 when clean")
    con.add_argument("corpus", nargs="+", help="files, folders or globs: JSONL, Parquet or plain text, .gz/.zst too")
    con.add_argument("--release", required=True, help="a release folder, e.g. data/release/v0.7.0")
    con.add_argument("--text-field", default="text", help="the JSONL field / Parquet column holding the text "
                                                          "(default: text)")
    con.add_argument("--engine", default="local", choices=["local", "ray"],
                     help="local: datatrove's LocalPipelineExecutor; ray: its RayPipelineExecutor on --address")
    con.add_argument("--address", help="the Ray cluster to join (default: RAY_ADDRESS, else a new local one)")
    con.add_argument("--tasks", type=int, help="tasks the files are shared out between (default: one per worker)")
    con.add_argument("--workers", type=int, help="tasks running at once (default: the cores; on Ray the cluster's)")
    con.add_argument("--work", help="an empty folder for the tasks' output and logs, which every node can write "
                                    "(default: a temporary folder; on a cluster: shared storage)")
    con.add_argument("--min-coverage", type=float, help="report an item when this share of its windows is found "
                                                        "(default: the index's)")
    con.add_argument("--max-document-mb", type=float, help="a longer JSONL line, text line or Parquet text is a "
                                                           "problem in the report, not scanned (default: 8)")
    con.add_argument("--connect-timeout", type=float, default=20.0,
                     help="seconds to wait for the Ray cluster at --address to answer (default: 20)")
    con.add_argument("--out", default="contamination.jsonl", help="the report: one JSON line per matched document")
    con.set_defaults(run=cmd_contamination)
    res = sub.add_parser("responses", help="model responses to a release's prompts, stored under data/responses/ "
                                           "(a rerun adds nothing twice)")
    res_sub = res.add_subparsers(dest="action", required=True)
    col = res_sub.add_parser("collect", help="run the release's Inspect task with a model and store its answers")
    col.add_argument("--release", required=True, help="a release folder, e.g. data/release/v0.7.0")
    col.add_argument("--split", default="test", choices=["dev", "test"])
    col.add_argument("--model", required=True, help="PROVIDER/NAME as Inspect names models (its usual keys apply)")
    col.add_argument("--limit", type=int, help="only the first N prompts")
    col.add_argument("--chat-completions", action="store_true",
                     help="an OpenAI-compatible server (OPENAI_BASE_URL) with only /v1/chat/completions")
    col.add_argument("--timeout", type=int, default=120, help="seconds one request to the model may take, "
                                                              "each attempt (default: 120)")
    col.add_argument("--max-retries", type=int, default=3,
                     help="retries of a request that failed or timed out (default: 3); then the run stops, "
                          "keeping the answers so far")
    imp = res_sub.add_parser("import", help="store the answers in Inspect evaluation logs (aisev's too)")
    imp.add_argument("logs", nargs="+", help=".eval or .json logs written by Inspect")
    imp.add_argument("--release", required=True, help="the release whose prompts the logs answered")
    for sp in (col, imp):
        sp.add_argument("--out", default="data/responses", help="the responses folder (default: data/responses)")
        sp.set_defaults(run=cmd_responses)
    jud = res_sub.add_parser("push", help="send the stored responses to Label Studio's judging project (blind: "
                                          "the model is not shown; LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY); "
                                          "`curation annotate pull` stores the judgements, `status` shows them")
    jud.add_argument("--adjudication", action="store_true", help="send the responses whose verdict the votes "
                                                                 "left open to the adjudication project")
    jud.add_argument("--again", action="store_true", help="send responses the stored judgements already decide too "
                                                          "(by default only the undecided are sent)")
    jud.add_argument("--out", default="data/responses", help="the responses folder (default: data/responses)")
    jud.add_argument("--releases", default="data/release", help="the folder of the releases they answered")
    jud.add_argument("--annotations", default="annotation", help="where exports/ are stored (default: annotation)")
    jud.add_argument("--raw", default="data/raw", help="the folder with sources.yaml (its pseudonym key)")
    jud.set_defaults(run=cmd_responses_push)
    pub = sub.add_parser("publish", help="push a release folder to a Hub dataset repo, tagged vX.Y.Z (dry run "
                                          "unless --yes)")
    pub.add_argument("path", help="a release folder, e.g. data/release/v0.1.0")
    pub.add_argument("--repo", help="ORG/NAME of the dataset repo (default: $HF_REPO)")
    pub.add_argument("--yes", action="store_true", help="really push; without it, only show what would be pushed")
    pub.add_argument("--timeout", type=float, default=60, help="seconds any request may wait for the Hub's "
                                                                "answer (default: 60)")
    pub.set_defaults(run=cmd_publish)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (SourceError, ReleaseError, LabelStudioError, PublishError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file the command was pointed at cannot be read or written: what and why
        print(f"error: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
