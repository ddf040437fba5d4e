"""Accounting: where every input record ended. Released, awaiting annotation (which id, why), dropped as
a duplicate (of which id, in which split), or quarantined (why). The run stops unless every record is in
exactly one place. A record near others says so in `near`: its cluster, the similarity, class and reason
of its closest pair."""

from __future__ import annotations

import pandas as pd

from ..contract import Fate, require
from ..errors import ReleaseError
from ..report import StageReport
from ..tagging.pii import masked


def account(table: pd.DataFrame) -> tuple[list[dict], StageReport]:
    """One line per input record, in file order, from the working table after its last stage."""
    lines = []
    columns = ["input_key", "file", "row", "fate", "id", "duplicate_of", "reason", "split"]
    require(table, [*columns, "source_index"], "accounting")
    near = [c for c in ("cluster_id", "similarity", "pair_class", "near_reason") if c in table]
    for rec in table.sort_values(["source_index", "row"])[columns + near].to_dict("records"):
        outcome = Fate(rec["fate"]).value
        lines.append({
            "input": rec["input_key"], "file": rec["file"], "row": int(rec["row"]), "outcome": outcome,
            "id": rec["id"] if outcome in ("released", "awaiting") else None,
            "duplicate_of": rec["duplicate_of"] if outcome == "duplicate" else None,
            "split": rec["split"] if outcome in ("released", "duplicate") and isinstance(rec["split"], str) else None,
            "reason": rec["reason"] if outcome in ("quarantined", "awaiting") else None,
            "near": {"cluster_id": rec["cluster_id"] if isinstance(rec["cluster_id"], str) else None,
                     "similarity": rec["similarity"], "pair_class": rec["pair_class"],
                     "reason": masked(rec["near_reason"])}
            if near and isinstance(rec["pair_class"], str) else None,
        })
    totals = {"input records": len(table)}
    for fate in Fate:
        totals[fate.value] = sum(line["outcome"] == fate.value for line in lines)
    held = [line["id"] for line in lines if line["outcome"] in ("released", "awaiting")]
    awaiting = {line["id"] for line in lines if line["outcome"] == "awaiting"}
    broken = (
        sum(totals[fate.value] for fate in Fate) != totals["input records"]
        or len({line["input"] for line in lines}) != len(lines)
        or len(set(held)) != len(held)
        or any(line["split"] is None for line in lines if line["outcome"] == "released")
        # a duplicate points at a released record (and is in its split) or at one awaiting annotation
        or any(line["split"] is None and line["duplicate_of"] not in awaiting
               for line in lines if line["outcome"] == "duplicate")
    )
    if broken:
        raise ReleaseError(f"accounting does not add up ({totals}); nothing was written")
    return lines, StageReport("accounting", counts=totals)
