"""Withdrawn judgements: the one way a person's decision leaves a release on purpose.

annotation/withdrawals.jsonl holds one withdrawal a line (written by `curation annotate withdraw`):
the project, the item, whose judgements (a pseudonym; none: everyone's), up to when and why. A judgement
made or edited after its withdrawal counts again. The file is an input of every release (in its manifest),
so a withdrawal is as reproducible and as visible as the judgements themselves.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..errors import ReleaseError
from ..ingest import SourceSet
from ..tagging.pii import detect
from .exports import WITHDRAWALS, load_annotations, utc_time
from .settings import config

FIELDS = ("project", "item", "annotator", "withdrawn_at", "reason")


def problems(entry) -> list[str]:
    """What makes a line of the withdrawals file unusable."""
    if not isinstance(entry, dict):
        return ["not a JSON object"]
    found = [f"{name}: missing or not text" for name in ("project", "item", "withdrawn_at", "reason")
             if not isinstance(entry.get(name), str) or not entry[name].strip()]
    if isinstance(entry.get("project"), str) and entry["project"] not in config()["projects"]:
        found.append(f"project: not one of {', '.join(config()['projects'])}")
    if entry.get("annotator") is not None and not isinstance(entry["annotator"], str):
        found.append("annotator: not a pseudonym")
    if isinstance(entry.get("withdrawn_at"), str) and not utc_time(entry["withdrawn_at"]):
        found.append("withdrawn_at: not a time (ISO 8601, e.g. 2026-12-07T23:00:00Z)")
    if isinstance(entry.get("reason"), str) and detect(entry["reason"]):
        found.append("reason: holds what looks like personal data (it is released in the changelog)")
    found += [f"{name}: not a field of a withdrawal" for name in entry if name not in FIELDS]
    return found


def read_withdrawals(annotation_dir: Path | None) -> tuple[list[dict], list[Path]]:
    """The recorded withdrawals (their times in UTC), and the file when there is one. A line that cannot be
    read stops the run: a withdrawal silently skipped would release a decision someone took back."""
    path = annotation_dir / WITHDRAWALS if annotation_dir is not None else None
    if path is None or not path.is_file():
        return [], []
    entries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            raise ReleaseError(f"{path} line {n}: not JSON") from None
        found = problems(entry)
        if found:
            raise ReleaseError(f"{path} line {n}: " + "; ".join(found))
        entries.append({**entry, "withdrawn_at": utc_time(entry["withdrawn_at"]), "line": n})
    return entries, [path]


def withdrawn(annotations: pd.DataFrame, withdrawals: list[dict]) -> pd.Series:
    """Per annotation, why it is withdrawn (None: it counts). A withdrawal covers the judgements of its
    project, item and annotator (every annotator when it names none) made or edited up to its time."""
    out = pd.Series([None] * len(annotations), index=annotations.index, dtype=object)
    for entry in withdrawals:
        hit = covered(annotations, entry)
        out[hit & out.isna()] = f"{entry['reason']} ({WITHDRAWALS} line {entry['line']})"
    return out


def covered(annotations: pd.DataFrame, entry: dict) -> pd.Series:
    """The judgements a withdrawal covers (times compared in one UTC form: annotate/exports.utc_time)."""
    hit = ((annotations["kind"] == entry["project"]) & (annotations["id"] == entry["item"])
           & (annotations["updated_at"] <= entry["withdrawn_at"]))
    if entry.get("annotator"):
        hit &= annotations["annotator"] == entry["annotator"]
    return hit


def withdraw(annotation_dir: Path, source_set: SourceSet, item: str, reason: str, annotator: str | None = None,
             project: str | None = None, now: datetime | None = None) -> tuple[list[dict], pd.DataFrame]:
    """Record the withdrawal of the stored judgements of `item` (appended; the file is never rewritten): in
    `project`, or in every project holding judgements of it. `annotator`: only the judgements of the person
    with this e-mail, stored only as its pseudonym. The reason is released in changelogs: personal data in
    it is refused, and so is a withdrawal that would cover no stored judgement. Returns the entries written
    and the judgements of the item's subject with every withdrawal applied (to tell whether a decision holds)."""
    from .controls import SUBJECTS

    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    person = source_set.pseudonym(f"e-mail {annotator.strip().casefold()}", "--annotator") if annotator else None
    base = {"item": item.strip(), "annotator": person, "withdrawn_at": stamp, "reason": " ".join(reason.split())}
    for subject in SUBJECTS:
        judgements = load_annotations(annotation_dir, source_set, subject)[0]
        kinds = [project] if project else list(subject.kinds)
        entries = [{"project": kind, **base} for kind in kinds]
        entries = [e for e in entries if covered(judgements, {**e, "withdrawn_at": stamp}).any()]
        if entries:
            break
    else:
        raise ReleaseError(f"cannot withdraw: no stored judgement of {base['item']}"
                           + (f" in project {project}" if project else "") + (" by that annotator" if person else "")
                           + " (run `curation annotate pull` first?); nothing recorded")
    for entry in entries:
        found = problems(entry)
        if found:
            raise ReleaseError("cannot withdraw: " + "; ".join(found))
    path = annotation_dir / WITHDRAWALS
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as out:
        out.writelines(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries)
    # The judgements already read, with every withdrawal now recorded applied: the exports are not read again.
    return entries, judgements.assign(withdrawn=withdrawn(judgements, read_withdrawals(annotation_dir)[0]))
