"""Exact deduplication: records with the same matching form are one prompt, kept once.

Which record is kept (documented in the dataset card):
1. a record whose prompt an earlier release already holds, the earliest release first, and among those the
   one with the released text itself (it keeps that release's id: ids.py);
2. a decided record over one awaiting annotation;
3. expert over peer over crowd;
4. annotated over unannotated (a prompt annotators have judged: its released id, or the id it would get,
   is in the stored annotation exports);
5. earliest: by submission time where the source records one, then by order in sources.yaml, then row.
The others are `duplicate` with `duplicate_of_key` pointing at the kept record.
"""

from __future__ import annotations

import pandas as pd

from ..contract import Context, Fate, kept, stage
from ..release.ids import carried
from ..report import StageReport
from ..schema import schemas
from ..text import matching_forms


@stage("match forms")
def add_matching_forms(table: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, StageReport]:
    """Adds `match_form` to usable records and, where an earlier release holds the form, `released_in`
    (which release first), `released_text` (it holds this very text) and `released_id` (the id the prompt
    keeps: ids.carried)."""
    report = StageReport("matching forms")
    table = table.copy()
    ok = kept(table)
    table["match_form"] = None
    table.loc[ok, "match_form"] = matching_forms(table.loc[ok, "text"].tolist())
    history = context.history
    released = history.by_form if history else {}
    earlier = [released.get(form, []) for form in table["match_form"]]
    after_every_release = len(history.releases) + 1 if history else 1
    table["released_in"] = [recs[0]["release"] if recs else after_every_release for recs in earlier]
    table["released_text"] = [any(r["text"] == t for r in recs) for recs, t in zip(earlier, table["text"])]
    table["released_id"] = [carried(t, recs)["id"] if recs else None for recs, t in zip(earlier, table["text"])]
    report.counts = {"forms": int(ok.sum()), "held by an earlier release": int(table["released_id"].notna().sum())}
    return table, report


def keep_order(table: pd.DataFrame) -> pd.DataFrame:
    """The table sorted so that the record to keep comes first in each group."""
    submitted = table["submitted_at"] if "submitted_at" in table else pd.Series(None, index=table.index)
    return table.assign(
        _released=table.get("released_in", 0),
        _unreleased_text=~table.get("released_text", pd.Series(False, index=table.index)).astype(bool),
        _awaiting=table["fate"] == Fate.AWAITING,
        _origin=table["origin"].map(schemas().origin_rank),
        _unannotated=~table["annotated"].astype(bool),
        _no_time=submitted.isna(),
        _time=submitted.where(submitted.notna(), ""),
    ).sort_values(["_released", "_unreleased_text", "_awaiting", "_origin", "_unannotated", "_no_time", "_time",
                   "source_index", "row"], kind="stable")


@stage("exact duplicates")
def collapse_exact(table: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, StageReport]:
    """Records with the same matching form: the first in keep order stays, the others become `duplicate`
    with `duplicate_of_key` (the input key of the record kept)."""
    report = StageReport("dedup (exact)")
    table = table.copy()
    ok = kept(table)
    ordered = keep_order(table[ok])
    first = ~ordered["match_form"].duplicated()
    kept_key = dict(zip(ordered.loc[first, "match_form"], ordered.loc[first, "input_key"]))
    dropped = first[~first].index
    table.loc[dropped, "fate"] = Fate.DUPLICATE.value
    table["duplicate_of_key"] = None
    table.loc[dropped, "duplicate_of_key"] = table.loc[dropped, "match_form"].map(kept_key)
    compared = schemas().judgement_fields
    groups = ordered[ordered["match_form"].isin(set(table.loc[dropped, "match_form"]))]
    groups = groups.astype({f: str for f in compared})  # lists and None compare as text
    by_form = groups.groupby("match_form", sort=False)
    summary = by_form[compared].nunique().join(by_form["where"].agg(", ".join))
    for _, row in summary.iterrows():
        differing = [f for f in compared if row[f] > 1]
        if differing:
            report.problems.append(f"duplicates disagree on {', '.join(differing)} (kept the first): {row['where']}")
        else:
            report.notes.append(f"same prompt, kept the first: {row['where']}")
    report.counts = {
        "kept": int(first.sum()),
        "dropped as duplicate": len(dropped),
        "duplicate groups": int(groups["match_form"].nunique()),
    }
    return table, report
