"""Accounting: where every input record ended. Released, dropped as a duplicate (of which id, in which
split), or quarantined (why). The run stops unless every record is in exactly one place. A record near
others says so in `near`: its cluster, the similarity, class and reason of its closest pair."""

from __future__ import annotations

import pandas as pd

from .history import ReleaseError
from .report import StageReport

OUTCOME = {"kept": "released", "duplicate": "duplicate", "quarantined": "quarantined"}


def account(table: pd.DataFrame, split_of: dict[str, str]) -> tuple[list[dict], StageReport]:
    """One line per input record, in file order; `split_of` maps each released id to its split."""
    lines = []
    columns = ["input_key", "file", "row", "outcome", "id", "duplicate_of", "reason"]
    near = [c for c in ("cluster_id", "similarity", "pair_class", "near_reason") if c in table]
    for rec in table.sort_values(["source_index", "row"])[columns + near].to_dict("records"):
        outcome = OUTCOME[rec["outcome"]]
        target = rec["id"] if outcome == "released" else rec["duplicate_of"]
        lines.append({
            "input": rec["input_key"], "file": rec["file"], "row": int(rec["row"]), "outcome": outcome,
            "id": rec["id"] if outcome == "released" else None,
            "duplicate_of": rec["duplicate_of"] if outcome == "duplicate" else None,
            "split": split_of.get(target) if isinstance(target, str) else None,
            "reason": rec["reason"] if outcome == "quarantined" else None,
            "near": {"cluster_id": rec["cluster_id"] if isinstance(rec["cluster_id"], str) else None,
                     "similarity": rec["similarity"], "pair_class": rec["pair_class"], "reason": rec["near_reason"]}
            if near and isinstance(rec["pair_class"], str) else None,
        })
    totals = {"input records": len(table)}
    for outcome in OUTCOME.values():
        totals[outcome] = sum(line["outcome"] == outcome for line in lines)
    released_ids = [line["id"] for line in lines if line["outcome"] == "released"]
    broken = (
        totals["released"] + totals["duplicate"] + totals["quarantined"] != totals["input records"]
        or len({line["input"] for line in lines}) != len(lines)
        or len(set(released_ids)) != len(released_ids)
        or set(released_ids) != set(split_of)
        or any(line["split"] is None for line in lines if line["outcome"] == "duplicate")
    )
    if broken:
        raise ReleaseError(f"accounting does not add up ({totals}); nothing was written")
    return lines, StageReport("accounting", counts=totals)
