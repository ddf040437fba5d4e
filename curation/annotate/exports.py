"""Stored Label Studio exports to annotation records: one row per annotation, validated against the labeling
config and the record rules, annotators pseudonymized. Exports are read once per run (`load_annotations`).

People's judgements accumulate: every stored export of a project contributes, whichever Label Studio server
it came from (a pull names the server in the file name, so two servers' task and annotation ids never
collide), and of an annotation seen in several exports the newest edit counts. A judgement leaves only when
it is withdrawn on purpose (annotation/withdrawals.jsonl, `curation annotate withdraw`), never because a
newer export lacks it."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..errors import ReleaseError
from ..ingest import SourceSet
from ..report import StageReport
from ..schema import schemas
from .controls import CONTROLS, PROMPTS, RESPONSES, Subject, decided_fields, result_values, upgraded
from .interface import labeling_config

# What annotators decide: the record's judgement fields that have a control; the rest of a record (its
# requirement) stays as its source wrote it.
DECIDED = tuple(f for f in schemas().judgement_fields if f in {c.name for c in CONTROLS})
HEADER = ["kind", "server", "task", "id", "batch", "annotation", "annotator", "user", "ground_truth", "cancelled",
          "updated_at", "problem", "withdrawn"]
WITHDRAWALS = "withdrawals.jsonl"
# A pull names the server it came from: <UTC time>.<server>.json; an export stored before servers were named is
# <UTC time>.json, all from one unnamed server.
EXPORT_NAME = re.compile(r"^(?P<stamp>\d{8}T\d{6,12}Z)(?:\.(?P<server>ls-[0-9a-f]{8,32}))?\.json$")


def columns(subject: Subject) -> list[str]:
    return [*HEADER, *subject.fields]


def stored_exports(annotation_dir: Path, subject: Subject = PROMPTS) -> list[Path]:
    """Every stored export of each of the subject's projects under annotation/exports/<kind>/, oldest first.
    A file there that is not named as a pull names exports stops the run: it would be read as nobody's."""
    found = []
    for kind in subject.kinds:
        folder = annotation_dir / "exports" / kind
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        for path in files:
            if not EXPORT_NAME.match(path.name):
                raise ReleaseError(f"{path}: not named as `curation annotate pull` names exports "
                                   "(<UTC time>[.<server>].json); rename or remove it")
        found += sorted(files, key=lambda p: EXPORT_NAME.match(p.name)["stamp"])
    return found


def server_of(path: Path) -> str:
    """The Label Studio server an export came from ('' for one stored before servers were named)."""
    match = EXPORT_NAME.match(path.name)
    return (match["server"] or "") if match else ""


def check(result: list[dict], decided: dict, subject: Subject = PROMPTS) -> str | None:
    """Why an annotation cannot be used, or None. Label Studio stores any value it is sent; the
    labeling config and the record rules are checked here, on the way out. `decided` is what `result` says, so
    a result seen before (the same choices by another annotator, or the same annotation in another export:
    every stored export is read) is not checked again."""
    key = (subject.name, json.dumps(result, sort_keys=True, ensure_ascii=False))
    if key not in CHECKED:
        if len(CHECKED) >= CHECKED_AT_MOST:
            CHECKED.clear()
        CHECKED[key] = result_problem(result, decided, subject)
    return CHECKED[key]


CHECKED: dict[tuple[str, str], str | None] = {}
CHECKED_AT_MOST = 100_000  # distinct results remembered; a few MB


def result_problem(result: list[dict], decided: dict, subject: Subject) -> str | None:
    """check() for a result not seen before."""
    errors = interface(labeling_config(subject)).validate_prediction({"result": result}, return_errors=True)
    if errors:
        return "; ".join(map(str, errors))
    if subject is RESPONSES:
        problems = response_problems(decided)
    elif decided["invalid"]:
        return None  # a flagged item need not be labelled
    else:
        problems = schemas().validate(decided, only=DECIDED)
        problems += [(missing, "is empty: an item needs one") for missing in schemas().undecided(decided)]
    return "; ".join(f"{f}: {m}" for f, m in problems) or None


def response_problems(decided: dict) -> list[tuple[str, str]]:
    """A response judgement's problems: its fields (response.yaml) and the rules among them: a violation
    names its viewpoints and severity, and only a violation does."""
    fields = [f for f in schemas().response_fields if f.name in RESPONSES.fields]
    problems = schemas().field_problems(fields, decided)
    if not decided.get("verdict"):
        problems.append(("verdict", "is empty: a judgement needs one"))
    violating = decided.get("verdict") == "violating"
    for name in ("violation_viewpoints", "severity"):
        if violating and not decided.get(name):
            problems.append((name, "is empty: a violating response needs one"))
        if not violating and decided.get(name):
            problems.append((name, "is only for a violating response"))
    return problems


@lru_cache(maxsize=2)
def interface(config_xml: str):
    from label_studio_sdk.label_interface import LabelInterface
    return LabelInterface(config_xml)


def user_emails(export: list) -> dict[int, str]:
    """Label Studio user id -> e-mail, from every annotation whose annotator object gives both."""
    out = {}
    for task in export:
        annotations = task.get("annotations") if isinstance(task, dict) else None
        for annotation in annotations if isinstance(annotations, list) else []:
            who = annotation.get("completed_by") if isinstance(annotation, dict) else None
            if isinstance(who, dict) and isinstance(who.get("id"), int) and isinstance(who.get("email"), str) \
                    and who["email"].strip():
                out[who["id"]] = who["email"].strip().casefold()
    return out


def identities(who, emails: dict[int, str], server: str = "") -> tuple[str | None, str | None]:
    """Who annotated: (the person, as their e-mail: the one identity that is the same on every Label Studio
    server, or their user id where no e-mail is known; their user id on this server, or None). An export may
    give the annotator object or just the user id, mapped to the e-mail when the export knows it. A bare
    user id is a person only on its own server. (None, None): nobody."""
    if isinstance(who, dict):
        email, who = who.get("email"), who.get("id")
        if isinstance(email, str) and email.strip():
            user = int(who) if isinstance(who, int) and not isinstance(who, bool) else None
            return f"e-mail {email.strip().casefold()}", user_identity(user, server)
    if isinstance(who, bool) or who is None:
        return None, None
    if isinstance(who, int) or (isinstance(who, str) and who.strip().isascii() and who.strip().isdecimal()):
        user = user_identity(int(who), server)
        return (f"e-mail {emails[int(who)]}" if int(who) in emails else user), user
    if isinstance(who, str) and who.strip():
        return f"e-mail {who.strip().casefold()}", None
    return None, None


def user_identity(user: int | None, server: str) -> str | None:
    return None if user is None else f"user {user}" + (f" on {server}" if server else "")


def utc_time(value) -> str | None:
    """An export's time as one UTC form that sorts as time ("…T15:20:44.000000Z" before "…T15:20:44.500000Z",
    "+09:00" read as such): '' for none, None for a value that is not a time. A time without a zone is UTC."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


SCALAR = (str, int)


def malformed_task(task) -> str | None:
    """What a task lacks to be read (an export is server output, but stored files can be edited), or None."""
    if not isinstance(task, dict) or not isinstance(task.get("id"), SCALAR) or isinstance(task.get("id"), bool):
        return "has no id"
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return "has no item id in its data"
    if not isinstance(task.get("annotations") or [], list):
        return "has annotations that are not a list"
    return None


def malformed_result(annotation: dict) -> str | None:
    """What an annotation's result lacks to be read as today's controls store them, or None."""
    result = annotation.get("result") or []
    if not isinstance(result, list):
        return "a result that is not a list"
    for item in result:
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(item, dict) or not isinstance(item.get("from_name"), str) or not isinstance(value, dict):
            return "a result item without from_name or value"
        choices, paths, text = value.get("choices"), value.get("taxonomy"), value.get("text")
        if choices is not None and not (isinstance(choices, list) and all(isinstance(c, str) for c in choices)):
            return "choices that are not a list of codes"
        if paths is not None and not (isinstance(paths, list) and all(
                isinstance(p, list) and all(isinstance(c, str) for c in p) for p in paths)):
            return "taxonomy paths that are not lists of codes"
        if text is not None and not isinstance(text, str) and not (
                isinstance(text, list) and all(isinstance(t, str) for t in text)):
            return "text that is not text"
    if not isinstance(annotation.get("was_cancelled", False), bool):
        return "was_cancelled that is not true or false"
    if utc_time(annotation.get("updated_at")) is None:
        return "updated_at that is not a time"
    return None


def annotation_key(annotation: dict, server: str) -> str:
    """An annotation's key among every server's: the UUID Label Studio gives each annotation (`unique_id`),
    else its id, after the server's name when the export names one."""
    unique = annotation.get("unique_id")
    if isinstance(unique, str) and unique.strip():
        return unique.strip()
    return f"{server}/{annotation['id']}" if server else str(annotation["id"])


def annotation_records(export: list, kind: str, source_set: SourceSet, subject: Subject = PROMPTS,
                       server: str = "") -> tuple[pd.DataFrame, StageReport]:
    """One row per annotation of a stored export; the annotator appears only as a pseudonym. A task or an
    annotation the export does not describe completely is reported and left out, never guessed. `annotation`
    is the annotation's key among every server's (annotation_key); `user` the annotator's user id on the
    server, pseudonymized, where the export gives one."""
    report = StageReport(f"annotations ({kind})")
    rows = []
    emails = user_emails(export)
    on = f" on {server}" if server else ""
    for n, task in enumerate(export, start=1):
        problem = malformed_task(task)
        if problem:
            report.problems.append(f"task #{n} of the export{on} {problem}: left out")
            continue
        for annotation in task.get("annotations") or []:
            if not isinstance(annotation, dict) or not isinstance(annotation.get("id"), SCALAR):
                report.problems.append(f"task {task['id']}{on}: an annotation without an id: left out")
                continue
            who, user = identities(annotation.get("completed_by"), emails, server)
            result = annotation.get("result") or []
            problem = malformed_result(annotation)
            if problem:
                decided = decided_fields({}, subject)
            else:
                result = upgraded(result)
                decided = decided_fields(result_values(result), subject)
                problem = None if annotation.get("was_cancelled") else check(result, decided, subject)
            if who is None:  # a vote nobody cast cannot be counted once per person
                problem = "no annotator (completed_by is empty): the vote cannot be counted"
            rows.append({
                "kind": kind, "server": server, "task": task["id"], "id": (task.get("data") or {}).get("id"),
                "batch": (task.get("data") or {}).get("batch"),
                "annotation": annotation_key(annotation, server),
                "annotator": source_set.pseudonym(who, f"the {kind} export") if who else None,
                "user": source_set.pseudonym(user, f"the {kind} export") if user else None,
                "ground_truth": bool(annotation.get("ground_truth")),
                "cancelled": annotation.get("was_cancelled") is True,
                "updated_at": utc_time(annotation.get("updated_at")) or "",
                "problem": problem, "withdrawn": None, **decided,
            })
            if problem:
                report.problems.append(f"task {task['id']}{on} annotation {annotation['id']}: {problem}")
    table = pd.DataFrame(rows, columns=columns(subject))
    report.counts = {"annotations": len(table), "cancelled": int(table["cancelled"].sum()),
                     "unusable": int(table["problem"].notna().sum()), "items": int(table["id"].nunique())}
    return table, report


UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def one_person_one_identity(annotations: pd.DataFrame) -> pd.DataFrame:
    """An annotator whom one export names by user id only is the person another export of the same server
    names by e-mail too: one voter, not two."""
    named = annotations[annotations["user"].notna() & (annotations["annotator"] != annotations["user"])]
    person = dict(zip(named["user"], named["annotator"]))
    bare = annotations["annotator"] == annotations["user"]
    return annotations.assign(annotator=annotations["annotator"].where(
        ~bare, annotations["user"].map(person).fillna(annotations["annotator"])))


def load_annotations(annotation_dir: Path | None, source_set: SourceSet, subject: Subject = PROMPTS
                     ) -> tuple[pd.DataFrame, list[Path], StageReport]:
    """Every judgement of every stored export of the subject's projects, an annotation seen in several exports
    once (its newest edit), withdrawn ones marked in `withdrawn` with the reason (no folder, or none stored:
    an empty table). Also the files read: the exports and the withdrawals."""
    from .withdrawals import read_withdrawals, withdrawn

    frames, report = [], StageReport("annotations" if subject is PROMPTS else f"judgements of {subject.name}")
    paths = stored_exports(annotation_dir, subject) if annotation_dir is not None else []
    for path in paths:
        kind, server = path.parent.name, server_of(path)
        try:
            export = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ReleaseError(f"{path}: not a Label Studio JSON export ({type(exc).__name__}); "
                               "remove or replace it") from None
        if not isinstance(export, list):
            raise ReleaseError(f"{path}: not a Label Studio JSON export (a list of tasks); remove or replace it")
        table, sub = annotation_records(export, kind, source_set, subject, server)
        frames.append(table.assign(export=len(frames)))
        report.count(f"exports ({kind})")
        report.problems += [f"{path.name}: {p}" for p in sub.problems]
    empty = annotation_records([], subject.voting, source_set, subject)[0]
    every = one_person_one_identity(pd.concat(frames, ignore_index=True) if frames else empty.assign(export=0))
    # An annotation in several exports (every pull holds them all) counts once: its newest edit, and of equal
    # edits the newest export's copy. A key that is not Label Studio's UUID (a hand-made export's, or one of
    # an older server's) is an annotation only with its item and annotator: two servers count ids from 1.
    uuid = every["annotation"].str.fullmatch(UUID)
    same = [every["kind"], every["annotation"], every["id"], every["annotator"].where(~uuid, "")]
    table = (every.assign(same=pd.Series(list(zip(*same)), index=every.index, dtype=object))
             .sort_values(["updated_at", "export"], kind="stable")
             .drop_duplicates("same", keep="last")
             .sort_values(["export", "kind", "task", "annotation"], kind="stable")
             .drop(columns=["export", "same"]).reset_index(drop=True))
    withdrawals, withdrawal_file = read_withdrawals(annotation_dir)
    table["withdrawn"] = withdrawn(table, withdrawals)
    for kind in subject.kinds:
        part = table[table["kind"] == kind]
        if len(part):
            report.count(f"annotations ({kind})", len(part))
            report.count(f"items ({kind})", int(part["id"].nunique()))
    report.counts.update({"seen in more than one export": len(every) - len(table),
                          "cancelled": int(table["cancelled"].sum()),
                          "unusable": int(table["problem"].notna().sum()),
                          "withdrawn": int(table["withdrawn"].notna().sum())})
    for (item, reason), group in table[table["withdrawn"].notna()].groupby(["id", "withdrawn"], sort=True):
        report.notes.append(f"{item}: {len(group)} judgement(s) withdrawn: {reason}")
    if not paths:
        report.notes.append("no stored annotation export: source labels stand" if subject is PROMPTS
                            else f"no stored export of judged {subject.name}")
    return table, [*paths, *withdrawal_file], report
