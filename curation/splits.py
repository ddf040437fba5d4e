"""Splits `dev` and `test`, stratified by (primary viewpoint, borderline), deterministic and stable.

- An id keeps the split of the newest release that holds it: a `test` item never moves to `dev`.
- A contrast pair is one unit: it lands in one split (an earlier member's split if it has one).
- New units are assigned within their stratum, in the order of the sha256 of their smallest id, each to
  the split that brings the stratum's share of `test` closest to the configured fraction (ties: dev).
"""

from __future__ import annotations

import hashlib

import pandas as pd

from .report import StageReport
from .schema import schemas


def units(ids: list[str], contrast_ids: list) -> list[list[int]]:
    """Row positions grouped by contrast pair (a single record is a unit of one)."""
    position = {rid: i for i, rid in enumerate(ids)}
    seen, out = set(), []
    for i, other in enumerate(contrast_ids):
        if i in seen:
            continue
        members = sorted({i, position[other]}) if isinstance(other, str) and other in position else [i]
        seen.update(members)
        out.append(members)
    return out


def assign_splits(records: pd.DataFrame, earlier_split: dict[str, str]) -> tuple[pd.Series, StageReport]:
    """The split of each released record (index aligned with `records`)."""
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
    for unit in units(ids, records["contrast_id"].tolist()):
        stratum = (primary[unit[0]], any(borderline[i] for i in unit))
        known = [earlier_split[ids[i]] for i in unit if ids[i] in earlier_split]
        tally = counts.setdefault(stratum, [0, 0])
        if known:
            if len(set(known)) > 1:
                report.problems.append(f"pair {', '.join(ids[i] for i in unit)} was released in different splits; "
                                       "each keeps its split (an item never leaves test)")
            for i in unit:
                # Stability first; a new member joins its pair's split (test if the pair was split).
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
