"""Decisions: per item (a prompt, or a model response), ground truth > adjudication > majority of
annotators (annotation/config.yaml); items whose majority does not decide go to the adjudication queue.
Agreement: Krippendorff's alpha per batch and field."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from ..report import StageReport
from ..schema import schemas
from .agreement import alpha, masi, nominal
from .controls import CONTROLS, PROMPTS, RESPONSES, Subject
from .exports import DECIDED
from .settings import config

MULTIPLE = tuple(c.name for c in CONTROLS if c.multiple and not c.flag)
AGREEMENT_FIELDS = {
    "prompts": {"label": nominal, "borderline": nominal, "primary_viewpoint": nominal, "viewpoints": masi,
                "regions": masi},
    "responses": {"verdict": nominal, "violation_viewpoints": masi, "severity": nominal},
}


def in_force(annotations: pd.DataFrame) -> pd.Series:
    """Judgements that count: not skipped, readable, not withdrawn."""
    return ~annotations["cancelled"] & annotations["problem"].isna() & annotations["withdrawn"].isna()


def latest_per_annotator(annotations: pd.DataFrame) -> pd.DataFrame:
    """One vote per person: an annotator who annotated an item twice counts once, with the newer one."""
    return (annotations.sort_values("updated_at", kind="stable")
            .drop_duplicates(["kind", "id", "annotator"], keep="last"))


def winner(values: list, share: float):
    """The value more than `share` of the votes chose, or None."""
    if not values:
        return None
    value, votes = Counter(values).most_common(1)[0]
    return value if votes / len(values) > share else None


def majority(group: pd.DataFrame, share: float) -> tuple[dict | None, str | None]:
    """The majority's judgement, or (None, why not) when label, primary viewpoint, borderline or the
    borderline type split, or when what the majority chose breaks a record rule."""
    n = len(group)
    if group["invalid"].sum() / n > share:
        return {"invalid": True}, None
    votes = group[~group["invalid"]]  # a flagged annotation votes on validity only
    decided = {"invalid": False}
    decided["fictional"] = bool(winner(votes["fictional"].tolist(), share))
    # Optional fields without a majority keep the source's value (apply.py).
    decided["requirement"] = winner(votes["requirement"].tolist(), share)
    decided["gsn_goal"] = winner(votes["gsn_goal"].tolist(), share)
    for name in ("label", "primary_viewpoint", "borderline"):
        decided[name] = winner(votes[name].tolist(), share)
        if name == "label" and votes[name].isna().all():
            continue  # judged by its requirement alone
        if decided[name] is None:
            counts = Counter(v for v in votes[name] if v is not None)
            return None, f"{name} split: " + ", ".join(f"{v}×{c}" for v, c in counts.items())
    decided["borderline_type"] = None
    if decided["borderline"]:
        types = votes.loc[votes["borderline"], "borderline_type"].tolist()
        decided["borderline_type"] = winner(types, share)
        if decided["borderline_type"] is None and any(types):
            return None, "borderline_type split: " + ", ".join(f"{v}×{c}" for v, c in Counter(types).items())
    for name in MULTIPLE:
        counted = Counter(code for codes in votes[name] for code in codes)
        decided[name] = [code for code, c in counted.items() if c / len(votes) > share]
    if decided["primary_viewpoint"] not in decided["viewpoints"]:
        decided["viewpoints"].insert(0, decided["primary_viewpoint"])
    broken = schemas().validate(decided, only=DECIDED)
    if broken:
        return None, "the majority's choices break a rule: " + "; ".join(f"{f}: {m}" for f, m in broken)
    return decided, None


def response_majority(group: pd.DataFrame, share: float) -> tuple[dict | None, str | None]:
    """The majority's verdict on a response, or (None, why not) when the verdict splits, or, for a
    violation, its viewpoints or severity do (among those who saw a violation). Free-text comments are
    not taken from votes: only an adjudicator's comment is released."""
    verdict = winner(group["verdict"].tolist(), share)
    if verdict is None:
        return None, "verdict split: " + ", ".join(f"{v}×{c}" for v, c in Counter(group["verdict"]).items())
    decided = {"verdict": verdict, "violation_viewpoints": [], "severity": None, "comment_en": None}
    if verdict == "violating":
        seen = group[group["verdict"] == verdict]
        counted = Counter(code for codes in seen["violation_viewpoints"] for code in codes)
        decided["violation_viewpoints"] = sorted(code for code, c in counted.items() if c / len(seen) > share)
        decided["severity"] = winner(seen["severity"].tolist(), share)
        if not decided["violation_viewpoints"]:
            return None, "violation_viewpoints split: " + ", ".join(f"{v}×{c}" for v, c in counted.items())
        if decided["severity"] is None:
            return None, "severity split: " + ", ".join(f"{v}×{c}" for v, c in Counter(seen["severity"]).items())
    return decided, None


MAJORITY = {"prompts": majority, "responses": response_majority}
VIOLATION_FIELDS = ("violation_viewpoints", "severity")


def decide(annotations: pd.DataFrame, subject: Subject = PROMPTS) -> tuple[pd.DataFrame, pd.DataFrame, StageReport]:
    """Per item: (decisions, adjudication queue). Decisions carry `label_source`."""
    rules = config()["resolution"]
    report = StageReport("resolution" if subject is PROMPTS else f"resolution ({subject.name})")
    usable = latest_per_annotator(annotations[in_force(annotations)])
    # A comment is one person's words, never a majority's: only an adjudicator's (or ground truth's) is taken.
    fields = (*DECIDED, "invalid", "comment_en") if subject is PROMPTS else RESPONSES.fields
    decisions, queue = [], []
    for item, group in usable.groupby("id", sort=True):
        truth = group[group["ground_truth"]].sort_values("updated_at")
        adjudicated = group[group["kind"] == subject.adjudication].sort_values("updated_at")
        votes = group[group["kind"] == subject.voting]
        if len(truth) or len(adjudicated):
            chosen = (truth if len(truth) else adjudicated).iloc[-1].to_dict()
            decided = {k: chosen[k] for k in fields}
            source = "ground_truth" if len(truth) else "adjudication"
        elif len(votes) >= rules["min_annotations"]:
            decided, why = MAJORITY[subject.name](votes, rules["majority"])
            source = "annotators"
            if decided is None:
                queue.append({"id": item, "batch": votes["batch"].iloc[0], "reason": why,
                              "annotations": votes["annotation"].tolist()})
                continue
        else:
            report.count("outstanding (fewer annotations than required)")
            continue
        decisions.append({"id": item, "label_source": source, "annotations": len(group), **decided})
        report.count(f"decided by {source}")
    report.count("to adjudication", len(queue))
    report.notes += [f"{q['id']}: {q['reason']}" for q in queue]
    return pd.DataFrame(decisions), pd.DataFrame(queue, columns=["id", "batch", "reason", "annotations"]), report


def agreement_table(annotations: pd.DataFrame, subject: Subject = PROMPTS) -> pd.DataFrame:
    """Krippendorff's alpha per batch (and `all`) and field, over items with two or more annotations. A
    prompt flagged invalid votes on nothing else."""
    keep = (annotations["kind"] == subject.voting) & in_force(annotations)
    if subject is PROMPTS:
        keep &= ~annotations["invalid"]
    usable = latest_per_annotator(annotations[keep.astype(bool)])
    rows = []
    for batch, part in [("all", usable), *sorted(usable.groupby("batch"))]:
        row = {"batch": batch, "items": int((part.groupby("id").size() >= 2).sum())}
        for name, distance in AGREEMENT_FIELDS[subject.name].items():
            to_value = frozenset if distance is masi else (lambda v: v)
            # A violation's viewpoints and severity are compared among those who saw a violation.
            scope = part[part["verdict"] == "violating"] if name in VIOLATION_FIELDS else part
            units = [[to_value(v) for v in g[name]] for _, g in scope.groupby("id")]
            row[name] = alpha(units, distance)
        rows.append(row)
    return pd.DataFrame(rows)
