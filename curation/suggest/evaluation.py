"""The model measured blind. A release's model learns from every decided item; its quality is measured
on a sibling trained the same way without the release's `test` split (which keeps near-duplicate clusters
and contrast pairs whole, so no near copy of a test item is trained on) and scored on that split, with
bootstrap intervals; AISI's presets are scored by a sibling trained without them; and quality against
the number of training items (learning curve). The shipped model, with more to learn from, is at least
as good as the sibling measured, as the learning curve shows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..report import StageReport
from ..schema import schemas
from .examples import decided_examples, goal_examples, preset_examples, training_examples
from .model import Model, train
from .predict import Scorer

RESAMPLES = 1000  # bootstrap resamples (seeded: the same release gives the same intervals)
METRICS = ("viewpoints micro F1", "viewpoints macro F1", "primary top-1", "leaf top-1", "leaf top-3")


def per_item(out: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """One row per item: true/false positives and negatives per viewpoint, primary hit, leaf hits (NaN where
    the item has no leaf goal)."""
    codes = [v["code"] for v in schemas().viewpoints]
    rows = []
    for (_, o), (_, t) in zip(out.iterrows(), truth.iterrows()):
        got, want = set(o["suggested_viewpoints"]), set(t["viewpoints"])
        row = {f"{k}:{c}": int((c in got) == pos and (c in want) == truth_)
               for c in codes for k, pos, truth_ in (("tp", True, True), ("fp", True, False), ("fn", False, True))}
        first = o["suggested_viewpoints"][0] if len(o["suggested_viewpoints"]) else None
        row["primary"] = float(first == t["primary_viewpoint"])
        leaf = t["gsn_goal"]
        has_leaf = isinstance(leaf, str)
        row["leaf1"] = float(o["suggested_goal"] == leaf) if has_leaf else np.nan
        row["leaf3"] = float(leaf in [g["goal"] for g in o["suggested_goals"]]) if has_leaf else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def summarize(items: pd.DataFrame) -> dict[str, float]:
    codes = [v["code"] for v in schemas().viewpoints]
    tp, fp, fn = (np.array([items[f"{k}:{c}"].sum() for c in codes], dtype=float) for k in ("tp", "fp", "fn"))

    def f1(t, p, n):
        return np.divide(2 * t, 2 * t + p + n, out=np.zeros_like(t), where=(2 * t + p + n) > 0)

    present = (tp + fn) > 0  # macro over the viewpoints the items probe
    return {"viewpoints micro F1": float(f1(tp.sum(), fp.sum(), fn.sum())),
            "viewpoints macro F1": float(f1(tp, fp, fn)[present].mean()) if present.any() else float("nan"),
            "primary top-1": float(items["primary"].mean()),
            "leaf top-1": float(items["leaf1"].mean()), "leaf top-3": float(items["leaf3"].mean())}


def with_intervals(items: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """metric -> (value, 2.5%, 97.5%) over bootstrap resamples of the items."""
    rng = np.random.default_rng(0)
    draws = [summarize(items.iloc[rng.integers(0, len(items), len(items))]) for _ in range(RESAMPLES)]
    point = summarize(items)
    return {m: (point[m], *interval([d[m] for d in draws])) for m in METRICS}


def interval(values: list[float]) -> tuple[float, float]:
    """The central 95% of the resampled values (NaN when no resample has the metric: no leaf goals)."""
    values = [v for v in values if not np.isnan(v)]
    return tuple(np.percentile(values, [2.5, 97.5])) if values else (np.nan, np.nan)


def shown(value: float) -> str:
    return "–" if np.isnan(value) else f"{value:.2f}"


def measured(scorer: Scorer, truth: pd.DataFrame) -> pd.DataFrame:
    return per_item(scorer.suggest(truth["text"].tolist()), truth.reset_index(drop=True))


def table_lines(rows: dict[str, dict[str, tuple[float, float, float]]], counts: dict[str, int]) -> list[str]:
    out = ["| scored on | items | " + " | ".join(METRICS) + " |", "|---|---|" + "---|" * len(METRICS)]
    for name, values in rows.items():
        out.append(f"| {name} | {counts[name]} | " + " | ".join(
            "–" if np.isnan(v[0]) else f"{shown(v[0])} [{shown(v[1])}, {shown(v[2])}]" for v in values.values()) + " |")
    return out


def learning_curve(train_records: pd.DataFrame, truth: pd.DataFrame, presets: pd.DataFrame,
                   shares=(0.25, 0.5)) -> list[tuple[int, dict[str, float]]]:
    """Quality on `truth` of models trained on the first share of the decided items (in id order) plus
    the presets and goal texts (all of them: the release's own model, scored already)."""
    decided = decided_examples(train_records.sort_values("id", kind="stable"))
    out = []
    for share in shares:
        n = int(round(len(decided) * share))
        model = train(pd.concat([decided.head(n), presets, goal_examples()], ignore_index=True))
        out.append((n, summarize(measured(Scorer(model), truth))))
    return out


def evaluate(model: Model, records: pd.DataFrame, preset_paths: list) -> tuple[StageReport, list[str]]:
    """The release's report of its model (and the card's lines): blind scores on the test split, AISI's
    presets left out of training, and a learning curve."""
    report = StageReport("suggestion model (measured blind)")
    test = records[records["split"] == "test"]
    train_part = records[records["split"] != "test"]
    truth = decided_examples(test)
    presets = preset_examples(preset_paths)
    scorer = Scorer(train(training_examples(train_part, preset_paths)))
    rows, counts = {}, {}
    scored = [("the release's test split", scorer, truth)]
    if len(presets):
        scored.append(("AISI's presets (left out of training)", Scorer(train(training_examples(train_part, []))),
                       presets))
    for name, by, items in scored:
        if len(items):
            rows[name], counts[name] = with_intervals(measured(by, items)), len(items)
    whole = {m: v[0] for m, v in rows.get("the release's test split", {}).items()}
    lines = [f"Model `{model.version}`, trained on {model.learned_from}. Measured on a sibling trained "
             f"the same way without the test split (`{scorer.model.version}`: {scorer.model.learned_from}). "
             "Values with 95% bootstrap intervals; leaf scores over items with a leaf goal.", "",
             *table_lines(rows, counts)]
    if len(truth):
        curve = [*learning_curve(train_part, truth, presets), (int(scorer.model.info["examples"].get("decided", 0)),
                                                                 whole)]
        lines += ["", "Learning curve (test split; decided items in training, besides presets and goal texts):", "",
                  "| decided items | " + " | ".join(METRICS) + " |", "|---|" + "---|" * len(METRICS)]
        lines += [f"| {n} | " + " | ".join(shown(v) for v in m.values()) + " |" for n, m in curve]
    report.notes = lines
    report.counts = {f"{kind} examples": n for kind, n in model.info["examples"].items()}
    return report, lines
