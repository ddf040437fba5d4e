"""Splits `dev` and `test`, stratified by (primary viewpoint, borderline), deterministic and stable.

- An id keeps the split of the newest release that holds it: a `test` item never moves to `dev`.
- A contrast pair is one unit: it lands in one split (an earlier member's split if it has one). So is a
  near-duplicate cluster (texts linked for review, e.g. minimal pairs), together with the released items
  it is near: an item near a released `test` item never enters `dev`, and vice versa.
- New units are assigned within their stratum, in the order of the sha256 of their smallest id, each to
  the split that brings the stratum's share of `test` closest to the configured fraction (ties: dev).
"""

from __future__ import annotations

import hashlib

import pandas as pd

from ..contract import Context, Fate, released, stage
from ..report import StageReport
from ..schema import schemas


def units(ids: list[str], contrast_ids: list, clusters: list) -> list[list[int]]:
    """Row positions grouped by contrast pair and near-duplicate cluster (a single record is a unit of one)."""
    position = {rid: i for i, rid in enumerate(ids)}
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    first_in: dict[str, int] = {}
    for i, (other, cluster) in enumerate(zip(contrast_ids, clusters)):
        for j in (position.get(other) if isinstance(other, str) else None,
                  first_in.setdefault(cluster, i) if isinstance(cluster, str) else None):
            if j is not None:
                a, b = root(i), root(j)
                parent[max(a, b)] = min(a, b)
    out: dict[int, list[int]] = {}
    for i in range(len(ids)):
        out.setdefault(root(i), []).append(i)
    return list(out.values())


@stage("splits")
def assign_splits(table: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, StageReport]:
    """Adds `split`: each released record's, and each duplicate's (the split of the record it duplicates)."""
    table = table.copy()
    records = table[released(table)]
    near = context.near_released
    near_splits = near.groupby("cluster_id")["split"].agg(list).to_dict() if near is not None and len(near) else {}
    split, report = split_records(records, context.history.split_of if context.history else {}, near_splits)
    split_of = dict(zip(records["id"], split))
    table["split"] = None
    table.loc[records.index, "split"] = split
    duplicate = table["fate"] == Fate.DUPLICATE
    table.loc[duplicate, "split"] = table.loc[duplicate, "duplicate_of"].map(split_of)
    return table, report


def split_records(records: pd.DataFrame, earlier_split: dict[str, str],
                  near_released: dict[str, list[str]] | None = None) -> tuple[pd.Series, StageReport]:
    """The split of each released record (index aligned with `records`). `near_released`: cluster id ->
    the splits of released items in that cluster that this release no longer holds."""
    config = schemas().dataset["splits"]
    dev, test = config["names"]
    fraction = float(config["test_fraction"])
    report = StageReport("splits")
    ids = records["id"].tolist()
    primary = records["primary_viewpoint"].tolist()
    borderline = records["borderline"].astype(bool).tolist()
    split: list[str | None] = [None] * len(records)
    counts: dict[tuple, list[int]] = {}  # stratum -> [test, total]
    pending = []
    clusters = records["cluster_id"].tolist() if "cluster_id" in records else [None] * len(records)
    for unit in units(ids, records["contrast_id"].tolist(), clusters):
        stratum = (primary[unit[0]], any(borderline[i] for i in unit))
        known = [earlier_split[ids[i]] for i in unit if ids[i] in earlier_split]
        known += [s for c in {clusters[i] for i in unit} for s in (near_released or {}).get(c, [])]
        tally = counts.setdefault(stratum, [0, 0])
        if known:
            if len(set(known)) > 1:
                report.problems.append(f"linked items {', '.join(ids[i] for i in unit)} (a contrast pair or a "
                                       "near-duplicate cluster) were released in different splits; each keeps its "
                                       "split (an item never leaves test)")
            for i in unit:
                # Stability first; a new member joins its unit's split (test if the unit was split).
                split[i] = earlier_split.get(ids[i], test if test in known else known[0])
                tally[0] += split[i] == test
                tally[1] += 1
            report.count("kept earlier split", len(unit))
        else:
            first_id = min(ids[i] for i in unit)
            pending.append((hashlib.sha256(first_id.encode()).hexdigest(), stratum, unit))
    for _, stratum, unit in sorted(pending):
        tally = counts.setdefault(stratum, [0, 0])
        size = len(unit)
        to_test = abs((tally[0] + size) / (tally[1] + size) - fraction)
        to_dev = abs(tally[0] / (tally[1] + size) - fraction)
        chosen = test if to_test < to_dev else dev
        for i in unit:
            split[i] = chosen
        tally[0] += size if chosen == test else 0
        tally[1] += size
        report.count(f"new to {chosen}", size)
    return pd.Series(split, index=records.index, name="split"), report
