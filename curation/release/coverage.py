"""Coverage of a release against the targets in dataset.yaml: items per viewpoint and per goal id, in
every split. What is under target is called out (a benchmark thin on a viewpoint says little about it)."""

from __future__ import annotations

import pandas as pd

from ..report import StageReport
from ..schema import schemas


def count_table(keys: list[tuple[str, str]], members: pd.Series, split: pd.Series, target: dict) -> pd.DataFrame:
    """One row per (code, name): items per split, in all, the target and how far under it."""
    names = schemas().dataset["splits"]["names"]
    exploded = pd.DataFrame({"code": members, "split": split}).explode("code").dropna()
    counts = exploded.groupby(["code", "split"]).size()
    rows = []
    for code, name in keys:
        row = {"code": code, "name": name, **{sp: int(counts.get((code, sp), 0)) for sp in names}}
        row["all"] = sum(row[sp] for sp in names)
        short = [f"{scope} {row[scope]}/{target[scope]}" for scope in ("all", *names)
                 if scope in target and row[scope] < target[scope]]
        row["under_target"] = ", ".join(short)
        rows.append(row)
    return pd.DataFrame(rows)


def coverage(records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, StageReport]:
    """(per viewpoint, per goal id, report)."""
    s = schemas()
    targets = s.dataset["coverage"]
    report = StageReport("coverage")
    viewpoints = count_table([(v["code"], v["ja"]) for v in s.viewpoints], records["viewpoints"],
                             records["split"], targets["viewpoint"])
    goals = count_table([(g, name) for v in s.viewpoints for g, name in v["goals"].items()],
                        records["gsn_goal"].map(lambda g: [g] if isinstance(g, str) else []),
                        records["split"], targets["goal"])
    for kind, table in (("viewpoint", viewpoints), ("goal", goals)):
        under = table[table["under_target"] != ""]
        report.counts[f"{kind}s under target"] = len(under)
        report.problems += [f"{kind} {r.code} ({r.name}) is under target: {r.under_target}" for r in under.itertuples()]
    return viewpoints, goals, report
