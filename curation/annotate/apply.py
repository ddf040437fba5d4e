"""Annotations into the release: which records annotators have judged (before dedup, so that an annotated
record is kept over its unannotated duplicate), and their decisions applied to the records kept."""

from __future__ import annotations

import pandas as pd

from ..contract import Context, Fate, kept, released, stage
from ..release.ids import prospective_id
from ..report import StageReport
from ..schema import schemas
from .controls import CONTROLS
from .exports import DECIDED

KEEPS_SOURCE = {c.name for c in CONTROLS if c.keeps_source}


@stage("mark annotated")
def mark_annotated(table: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, StageReport]:
    """Adds `annotated`: the record's id (the one it keeps from an earlier release, or the one its text will
    be given) is in the stored annotation exports. A table that already says so keeps its mark."""
    report = StageReport("annotated")
    table = table.copy()
    marked = table["annotated"].astype(bool) if "annotated" in table else pd.Series(False, index=table.index)
    judged = context.judged
    if judged:
        ok = kept(table)
        ids = [prospective_id(t, r) if good else None for good, t, r in zip(ok, table["text"], table["released_id"])]
        marked |= pd.Series([i in judged for i in ids], index=table.index)
    table["annotated"] = marked
    report.counts = {"annotated records": int(marked.sum())}
    return table, report


@stage("apply annotations")
def apply_annotations(table: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, StageReport]:
    """Decided judgements (`context.decisions`) replace the kept records' own, and a record awaiting
    annotation that annotators decided is released; items decided invalid, and the duplicates that pointed
    at them, are quarantined with the annotators' reason. A pair whose other half is not released is
    released unpaired."""
    report = StageReport("apply annotations")
    table = table.copy()
    decisions = context.decisions
    by_id = decisions.set_index("id") if len(decisions) else pd.DataFrame(columns=["invalid"])
    judged = table.index[kept(table) & table["id"].isin(by_id.index)]
    orphans = sorted(set(by_id.index) - set(table.loc[kept(table), "id"]))
    if orphans:  # the prompt was edited or removed since it was annotated: its annotations no longer apply
        report.problems.append(f"{len(orphans)} annotated item(s) are not in this data: {', '.join(orphans[:10])}")
    for i in judged:
        decided = by_id.loc[table.at[i, "id"]]
        if decided["invalid"]:
            rejected = table.at[i, "id"]
            # The annotators' own words stay in the export: free text may quote personal data.
            reason = f"annotators flagged {rejected} as invalid or needing a rewrite ({decided['label_source']})"
            followers = table.index[(table["fate"] == Fate.DUPLICATE) & (table["duplicate_of"] == rejected)]
            table.loc[[i, *followers], "fate"] = Fate.QUARANTINED.value
            table.loc[[i, *followers], "reason"] = [f"{table.at[j, 'where']}: {reason}" for j in [i, *followers]]
            table.loc[[i, *followers], "id"] = None
            report.count("quarantined by annotators", 1 + len(followers))
            continue
        # Annotators can mark invented personal data but not unmark a source's mark: an item they
        # believe holds real personal data is flagged invalid instead.
        fictional = bool(decided["fictional"]) or bool(table.at[i, "fictional"])
        for name in DECIDED:
            if name in KEEPS_SOURCE and not isinstance(decided[name], str):
                continue  # an optional control left empty: the source's value stands
            table.at[i, name] = decided[name]
        table.at[i, "fictional"] = fictional
        comment = decided.get("comment_en")
        if isinstance(comment, str) and comment.strip():  # an adjudicator's note replaces the contributor's
            table.at[i, "comment_en"] = comment.strip()
        table.at[i, "label_source"] = decided["label_source"]
        table.at[i, "annotated"] = True
        goal = table.at[i, "gsn_goal"]
        if isinstance(goal, str) and schemas().validate(table.loc[i].to_dict(), only=("gsn_goal", "viewpoints")):
            table.at[i, "gsn_goal"] = None  # the goal belonged to a viewpoint the annotators removed
            report.notes.append(f"{table.at[i, 'id']}: goal {goal} dropped, no longer under its viewpoints")
        report.count(f"labels from {decided['label_source']}")
        if table.at[i, "fate"] == Fate.AWAITING and not schemas().undecided(table.loc[i].to_dict()):
            table.at[i, "fate"] = Fate.RELEASED.value
            table.at[i, "reason"] = None
            report.count("released after annotation")
    unpaired = table["contrast_id"].notna() & ~table["contrast_id"].isin(table.loc[released(table), "id"])
    table.loc[unpaired, "contrast_id"] = None
    report.counts["awaiting annotation"] = int((table["fate"] == Fate.AWAITING).sum())
    return table, report
