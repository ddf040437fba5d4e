"""Annotations: Label Studio exports to annotation records, agreement, resolution, and the release.

- `annotation_records`: a stored export (JSON, unchanged from the server) to one row per annotation,
  validated against the labeling config and the record rules, annotators pseudonymized.
- `resolve`: per item, ground truth > adjudication > majority of annotators (annotation/config.yaml);
  items whose majority does not decide go to the adjudication queue.
- `agreement_table`: Krippendorff's alpha per batch and field.
- `apply_annotations`: decided judgements replace the source's in the release; items annotators
  flagged as invalid are quarantined with their reason (nothing is dropped silently).
"""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from .agreement import alpha, masi, nominal
from .history import ReleaseError
from .labeling import CONTROLS, YES, labeling_config
from .report import StageReport
from .schema import schemas
from .sources import SourceSet

ANNOTATION_DIR = Path(__file__).resolve().parent.parent / "annotation"  # config.yaml lives here
SINGLE = ("label", "primary_viewpoint", "borderline_type", "invalid")
MULTIPLE = ("viewpoints", "regions")
TEXT = ("comment_en", "invalid_reason")
# What annotators decide: the record's judgement fields that have a control (not gsn_goal); the rest of
# a record stays as its source wrote it.
DECIDED = tuple(f for f in schemas().judgement_fields if f in {name for name, _, _ in CONTROLS})
AGREEMENT_FIELDS = {"label": nominal, "borderline": nominal, "primary_viewpoint": nominal,
                    "viewpoints": masi, "regions": masi}


@lru_cache(maxsize=1)
def config() -> dict:
    return yaml.safe_load((ANNOTATION_DIR / "config.yaml").read_text(encoding="utf-8"))


# -- exports to records ------------------------------------------------------------------------------

def newest_exports(annotation_dir: Path) -> list[Path]:
    """The newest stored export of each project under annotation/exports/<kind>/."""
    found = []
    for kind in config()["projects"]:
        folder = annotation_dir / "exports" / kind
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        found += files[-1:]
    return found


def result_values(result: list[dict]) -> dict:
    """Label Studio result items -> {control name: value} (aliases, i.e. stable codes)."""
    values: dict = {}
    for item in result:
        value = item.get("value") or {}
        if "choices" in value:
            values[item["from_name"]] = list(value["choices"])
        elif "text" in value:
            text = value["text"]
            values[item["from_name"]] = "\n".join(text) if isinstance(text, list) else str(text)
    return values


def judgement(values: dict) -> dict:
    """Control values -> record fields, as one annotator decided them."""
    out = {name: (values.get(name) or [None])[0] for name in SINGLE}
    out.update({name: values.get(name) or [] for name in MULTIPLE})
    out.update({name: values.get(name) or None for name in TEXT})
    out["borderline"] = (values.get("borderline") or [None])[0] == YES
    out["invalid"] = out["invalid"] == "invalid"
    out["fictional"] = "fictional" in (values.get("fictional") or [])
    if out["primary_viewpoint"] is None and len(out["viewpoints"]) == 1:
        out["primary_viewpoint"] = out["viewpoints"][0]
    return out


def check(result: list[dict], decided: dict) -> str | None:
    """Why an annotation cannot be used, or None. Label Studio stores any value it is sent; the
    labeling config and the record rules are checked here, on the way out."""
    errors = interface(labeling_config()).validate_prediction({"result": result}, return_errors=True)
    if errors:
        return "; ".join(map(str, errors))
    if decided["invalid"]:
        return None  # a flagged item need not be labelled
    problems = schemas().validate(decided, only=DECIDED)
    return "; ".join(f"{f}: {m}" for f, m in problems) or None


@lru_cache(maxsize=2)
def interface(config_xml: str):
    from label_studio_sdk.label_interface import LabelInterface
    return LabelInterface(config_xml)


def annotation_records(export: list[dict], kind: str, source_set: SourceSet) -> tuple[pd.DataFrame, StageReport]:
    """One row per annotation of a stored export; the annotator appears only as a pseudonym."""
    report = StageReport(f"annotations ({kind})")
    rows = []
    for task in export:
        for annotation in task.get("annotations") or []:
            who = annotation.get("completed_by")
            identity = who.get("email") or str(who.get("id")) if isinstance(who, dict) else str(who)
            result = annotation.get("result") or []
            decided = judgement(result_values(result))
            problem = None if annotation.get("was_cancelled") else check(result, decided)
            rows.append({
                "kind": kind, "task": task["id"], "id": (task.get("data") or {}).get("id"),
                "batch": (task.get("data") or {}).get("batch"), "annotation": annotation["id"],
                "annotator": source_set.pseudonym(identity), "ground_truth": bool(annotation.get("ground_truth")),
                "cancelled": bool(annotation.get("was_cancelled")), "updated_at": annotation.get("updated_at"),
                "problem": problem, **decided,
            })
            if problem:
                report.problems.append(f"task {task['id']} annotation {annotation['id']}: {problem}")
    table = pd.DataFrame(rows, columns=["kind", "task", "id", "batch", "annotation", "annotator", "ground_truth",
                                        "cancelled", "updated_at", "problem", *SINGLE, *MULTIPLE, *TEXT,
                                        "borderline", "fictional"])
    report.counts = {"annotations": len(table), "cancelled": int(table["cancelled"].sum()),
                     "unusable": int(table["problem"].notna().sum()), "items": int(table["id"].nunique())}
    return table, report


def load_annotations(annotation_dir: Path | None, source_set: SourceSet
                     ) -> tuple[pd.DataFrame, list[Path], StageReport]:
    """Records of the newest stored export of each project (no folder, or none stored: an empty table)."""
    frames, report = [], StageReport("annotations")
    paths = newest_exports(annotation_dir) if annotation_dir is not None else []
    for path in paths:
        kind = path.parent.name
        try:
            export = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ReleaseError(f"{path}: not a Label Studio JSON export ({exc}); remove or replace it") from None
        table, sub = annotation_records(export, kind, source_set)
        frames.append(table)
        report.counts.update({f"{k} ({kind})": v for k, v in sub.counts.items()})
        report.problems += sub.problems
    if not paths:
        report.notes.append("no stored annotation export: source labels stand")
    return (pd.concat(frames, ignore_index=True) if frames else annotation_records([], "annotation", source_set)[0],
            paths, report)


# -- resolution --------------------------------------------------------------------------------------

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
    for name in ("label", "primary_viewpoint", "borderline"):
        decided[name] = winner(votes[name].tolist(), share)
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


def resolve(annotations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, StageReport]:
    """Per item: (decisions, adjudication queue). Decisions carry `label_source`."""
    rules = config()["resolution"]
    report = StageReport("resolution")
    usable = latest_per_annotator(annotations[~annotations["cancelled"] & annotations["problem"].isna()])
    decisions, queue = [], []
    for item, group in usable.groupby("id", sort=True):
        truth = group[group["ground_truth"]].sort_values("updated_at")
        adjudicated = group[group["kind"] == "adjudication"].sort_values("updated_at")
        votes = group[group["kind"] == "annotation"]
        if len(truth) or len(adjudicated):
            chosen = (truth if len(truth) else adjudicated).iloc[-1].to_dict()
            decided = {k: chosen[k] for k in (*DECIDED, "invalid")}
            source = "ground_truth" if len(truth) else "adjudication"
        elif len(votes) >= rules["min_annotations"]:
            decided, why = majority(votes, rules["majority"])
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


def agreement_table(annotations: pd.DataFrame) -> pd.DataFrame:
    """Krippendorff's alpha per batch (and `all`) and field, over items with two or more annotations."""
    usable = latest_per_annotator(annotations[(annotations["kind"] == "annotation") & ~annotations["cancelled"]
                                              & annotations["problem"].isna() & ~annotations["invalid"]])
    rows = []
    for batch, part in [("all", usable), *sorted(usable.groupby("batch"))]:
        row = {"batch": batch, "items": int((part.groupby("id").size() >= 2).sum())}
        for name, distance in AGREEMENT_FIELDS.items():
            to_value = frozenset if distance is masi else (lambda v: v)
            units = [[to_value(v) for v in g[name]] for _, g in part.groupby("id")]
            row[name] = alpha(units, distance)
        rows.append(row)
    return pd.DataFrame(rows)


# -- into the release ------------------------------------------------------------------------------

def apply_annotations(table: pd.DataFrame, decisions: pd.DataFrame) -> tuple[pd.DataFrame, StageReport]:
    """Decided judgements replace the kept records' own; items decided invalid, and the duplicates that
    pointed at them, are quarantined with the annotators' reason."""
    report = StageReport("apply annotations")
    table = table.copy()
    if decisions.empty:
        return table, report
    by_id = decisions.set_index("id")
    kept = table.index[(table["outcome"] == "kept") & table["id"].isin(by_id.index)]
    orphans = sorted(set(by_id.index) - set(table.loc[table["outcome"] == "kept", "id"]))
    if orphans:  # the prompt was edited or removed since it was annotated: its annotations no longer apply
        report.problems.append(f"{len(orphans)} annotated item(s) are not in this data: {', '.join(orphans[:10])}")
    for i in kept:
        decided = by_id.loc[table.at[i, "id"]]
        if decided["invalid"]:
            rejected = table.at[i, "id"]
            # The annotators' own words stay in the export: free text may quote personal data.
            reason = f"annotators flagged {rejected} as invalid or needing a rewrite ({decided['label_source']})"
            followers = table.index[(table["outcome"] == "duplicate") & (table["duplicate_of"] == rejected)]
            table.loc[[i, *followers], ["outcome", "status"]] = "quarantined"
            table.loc[[i, *followers], "reason"] = [f"{table.at[j, 'where']}: {reason}" for j in [i, *followers]]
            table.loc[[i, *followers], "id"] = None
            table.loc[table["contrast_id"] == rejected, "contrast_id"] = None  # its pair stays, unpaired
            report.count("quarantined by annotators", 1 + len(followers))
            continue
        # Annotators can mark invented personal data but not unmark a source's mark: an item they
        # believe holds real personal data is flagged invalid instead.
        fictional = bool(decided["fictional"]) or bool(table.at[i, "fictional"])
        for name in DECIDED:
            table.at[i, name] = decided[name]
        table.at[i, "fictional"] = fictional
        table.at[i, "label_source"] = decided["label_source"]
        table.at[i, "annotated"] = True
        goal = table.at[i, "gsn_goal"]
        if isinstance(goal, str) and schemas().validate(table.loc[i].to_dict(), only=("gsn_goal", "viewpoints")):
            table.at[i, "gsn_goal"] = None  # the goal belonged to a viewpoint the annotators removed
            report.notes.append(f"{table.at[i, 'id']}: goal {goal} dropped, no longer under its viewpoints")
        report.count(f"labels from {decided['label_source']}")
    return table, report
