"""Coverage of a release: items per viewpoint and per goal of AISI's goal trees (schemas/gsn/), in every
split, against the targets in dataset.yaml. An item under a goal counts for every goal above it (a leaf
item covers its second-level goal and its viewpoint's top goal). What is under target, and which parts of
the tree have no item at all, is called out: a benchmark thin on a goal says little about it. The picture
(`coverage_png`) shows the whole tree at a glance."""

from __future__ import annotations

import io

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
    """(per viewpoint, per goal of the tree in tree order with `level` and `leaf`, report). The goal target
    (dataset.yaml `coverage.goal`) applies to second-level goals; leaves are counted, not targeted."""
    s = schemas()
    tree = s.goal_tree
    targets = s.dataset["coverage"]
    report = StageReport("coverage")
    viewpoints = count_table([(v["code"], v["ja"]) for v in s.viewpoints], records["viewpoints"],
                             records["split"], targets["viewpoint"])
    lineage = records["gsn_goal"].map(lambda g: list(tree.lineage(g)) if isinstance(g, str) else [])
    goals = count_table([(g.id, g.name) for g in tree.goals.values()], lineage, records["split"], {})
    goals["level"] = [tree[g].level for g in goals["code"]]
    goals["leaf"] = [tree[g].leaf for g in goals["code"]]
    second = goals["level"] == "SecondGoal"
    targeted = count_table([(g, "") for g in goals.loc[second, "code"]], lineage, records["split"], targets["goal"])
    goals.loc[second, "under_target"] = targeted["under_target"].values
    under = viewpoints[viewpoints["under_target"] != ""]
    report.counts["viewpoints under target"] = len(under)
    report.problems += [f"viewpoint {r.code} ({r.name}) is under target: {r.under_target}" for r in under.itertuples()]
    under = goals[goals["under_target"] != ""]
    report.counts["goals under target"] = len(under)
    report.problems += [f"goal {r.code} ({r.name}) is under target: {r.under_target}" for r in under.itertuples()]
    leaves = goals[goals["leaf"]]
    report.counts["leaf goals with items"] = int((leaves["all"] > 0).sum())
    report.counts["leaf goals"] = len(leaves)
    with_items = dict(zip(leaves["code"], leaves["all"] > 0))
    report.notes += [f"{g}: {sum(with_items[leaf] for leaf in tree.leaves_under(g))} of "
                     f"{len(tree.leaves_under(g))} leaf goals have items"
                     for g in goals.loc[second, "code"] if not tree[g].leaf]
    usable, left_out = goal_tree_use(records)
    report.counts["rows usable by aisev's goal-tree scoring (leaf goal)"] = int(usable["usable"].sum())
    report.notes += [f"usable by goal-tree scoring, {r['ja']}: {r['usable']} of {r['rows']}"
                     for r in usable.to_dict("records")]
    report.problems += [f"not usable by aisev's goal-tree scoring: {line}" for line in left_out]
    return viewpoints, goals, report


def coverage_png(goals: pd.DataFrame) -> bytes:
    """The goal trees as one picture: a row per viewpoint, a cell per leaf goal grouped under a bar for its
    second-level goal (which counts the items under it at any depth), shaded by items, empty ones marked.
    Byte for byte the same for the same counts (no timestamp or software version in the file)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Rectangle

    tree = schemas().goal_tree
    count = dict(zip(goals["code"], goals["all"]))
    rows = []  # per viewpoint: [(second-level goal, [leaf ids])]
    for v in schemas().viewpoints:
        top = tree.top(v["number"])
        groups = [(second, tree.leaves_under(second)) for second in top.children]
        rows.append((f"G{v['number']} {v['code']}", groups))
    width = max(sum(len(leaves) + 1 for _, leaves in groups) for _, groups in rows)
    most = max([count.get(g, 0) for _, groups in rows for _, leaves in groups for g in leaves] + [1])
    fig, ax = plt.subplots(figsize=(2.2 + width * 0.16, 0.6 + len(rows) * 0.7), dpi=100)
    cmap = plt.get_cmap("Blues")

    def cell(x: float, y: float, w: float, h: float, n: int) -> None:
        face = cmap(0.25 + 0.75 * min(n, most) / most) if n else "white"
        ax.add_patch(Rectangle((x, y), w, h, facecolor=face, edgecolor="0.6" if n else "#d62728",
                               linewidth=0.4 if n else 0.8, hatch=None if n else "////"))

    for y, (label, groups) in enumerate(rows):
        x = 0
        ax.text(-0.6, y + 0.35, label, ha="right", va="center", fontsize=7)
        for second, leaves in groups:
            for k, goal in enumerate(leaves):
                cell(x + k, y, 0.85, 0.6, count.get(goal, 0))
            cell(x, y + 0.66, len(leaves) - 0.15, 0.14, count.get(second, 0))
            ax.text(x, y + 0.84, second, fontsize=5, va="top", color="0.3")
            x += len(leaves) + 1
    ax.set_xlim(-0.5, width)
    ax.set_ylim(len(rows) + 0.2, -0.4)
    ax.axis("off")
    ax.set_title("Items per goal of AISI's GSN trees: a cell per leaf goal, a bar per second-level goal "
                 "(red hatched: no item; darker: more items)",
                 fontsize=8, loc="left")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def goal_tree_use(records: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Per viewpoint (by primary viewpoint, as aisev files a row): rows, and rows aisev's goal-tree (GSN)
    scoring can use: it registers a row only when its goal is a leaf and answers `unknown` for any other,
    so such rows are not scored. With the lines that say which rows are left out and why."""
    s = schemas()
    tree = s.goal_tree
    leaf = records["gsn_goal"].map(lambda g: isinstance(g, str) and tree[g].leaf)
    rows = [{"number": v["number"], "ja": v["ja"], "rows": int((records["primary_viewpoint"] == v["code"]).sum()),
             "usable": int(((records["primary_viewpoint"] == v["code"]) & leaf).sum())} for v in s.viewpoints]
    lines = []
    for goal, group in records[~leaf].groupby(records["gsn_goal"].fillna(""), sort=True):
        why = (f"name `{goal}`, a {tree[goal].level} goal, not a leaf" if goal else
               "name no goal (the aisev CSV gives them their viewpoint's top goal `G<n>-1`)")
        lines.append(f"{len(group)} rows {why}: " + ", ".join(sorted(group["id"])[:5])
                     + (" …" if len(group) > 5 else ""))
    return pd.DataFrame(rows), lines
