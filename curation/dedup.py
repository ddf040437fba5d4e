"""Exact deduplication: records with the same matching form are one prompt, kept once.

Which record is kept (documented in the dataset card):
1. a record whose prompt an earlier release already holds keeps that release's id (handled in ids.py);
2. expert over peer over crowd;
3. annotated over unannotated;
4. earliest: by submission time where the source records one, then by order in sources.yaml, then row.
The others are `duplicate` with `duplicate_of_key` pointing at the kept record.
"""

from __future__ import annotations

import pandas as pd

from .normalize import matching_form
from .report import StageReport

ORIGIN_RANK = {"expert": 0, "peer": 1, "crowd": 2}
# Fields whose disagreement inside a duplicate group a reviewer must see.
COMPARED = ("label", "primary_viewpoint", "borderline")


def keep_order(table: pd.DataFrame) -> pd.DataFrame:
    """The table sorted so that the record to keep comes first in each group."""
    submitted = table["submitted_at"] if "submitted_at" in table else pd.Series(None, index=table.index)
    return table.assign(
        _origin=table["origin"].map(ORIGIN_RANK),
        _unannotated=~table["annotated"].astype(bool),
        _no_time=submitted.isna(),
        _time=submitted.fillna(""),
    ).sort_values(["_origin", "_unannotated", "_no_time", "_time", "source_index", "row"], kind="stable")


def collapse_exact(table: pd.DataFrame) -> tuple[pd.DataFrame, StageReport]:
    """Adds `match_form`, `outcome` (`kept`/`duplicate`/`quarantined`) and `duplicate_of_key`."""
    report = StageReport("dedup (exact)")
    table = table.copy()
    ok = table["status"] == "ok"
    table["match_form"] = None
    table.loc[ok, "match_form"] = table.loc[ok, "text"].map(matching_form)
    table["outcome"] = "quarantined"
    table["duplicate_of_key"] = None
    ordered = keep_order(table[ok])
    for form, group in ordered.groupby("match_form", sort=False):
        kept_key = group["input_key"].iloc[0]
        table.loc[group.index[0], "outcome"] = "kept"
        if len(group) == 1:
            continue
        rest = group.index[1:]
        table.loc[rest, "outcome"] = "duplicate"
        table.loc[rest, "duplicate_of_key"] = kept_key
        report.count("duplicate groups")
        differing = [f for f in COMPARED if group[f].astype(str).nunique() > 1]
        members = ", ".join(group["where"])
        if differing:
            report.problems.append(f"duplicates disagree on {', '.join(differing)} (kept the first): {members}")
        else:
            report.notes.append(f"same prompt, kept the first: {members}")
    report.counts = {
        "kept": int((table["outcome"] == "kept").sum()),
        "dropped as duplicate": int((table["outcome"] == "duplicate").sum()),
        **report.counts,
    }
    return table, report
