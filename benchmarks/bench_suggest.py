"""Benchmark: the suggestion model (curation/suggest, issue 25) measured blind, against the lexicon tagger
it replaces, on the newest release's decided items, on the independent leaf-goal set `leaf_eval.jsonl` and
on AISI's presets; its learning curve; uncertainty order against random order; and its speed at 10,000
training items and 5,000 open tasks.

    make bench                                    # writes benchmarks/results-suggest.md
    .venv/bin/python benchmarks/bench_suggest.py --quick

Targets (issue 25): on the independent set primary top-1 >= 0.75 and the true leaf among suggested_goals
>= 0.50; AISI's presets left out of training primary top-1 >= 0.60; uncertainty order reaches random
order's F1 with >= 25% fewer labels; train at 10k items and re-score 5k tasks each <= 60 s. Every value is
printed as measured, PASS or FAIL.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from curation.release.history import release_folders  # noqa: E402
from curation.schema import schemas  # noqa: E402
from curation.suggest import Scorer, preset_files, train, training_examples  # noqa: E402
from curation.suggest.evaluation import per_item, summarize, with_intervals  # noqa: E402
from curation.tagging.tagger import tag_text  # noqa: E402

LEAF_EVAL = HERE / "leaf_eval.jsonl"
CORPUS = ROOT.parent / "shared" / "bench" / "aozora_sentences.parquet"
DATA_FILE = re.compile(r"(?P<split>[a-z]+)-\d{5}-of-\d{5}\.parquet")


def newest_release(out_dir: Path) -> Path:
    held = [p for p in release_folders(out_dir) if any(DATA_FILE.fullmatch(f.name) for f in (p / "data").glob("*"))]
    if not held:
        sys.exit(f"{out_dir}: no release with data/<split>-*.parquet files")
    return held[-1]


def release_records(folder: Path) -> pd.DataFrame:
    """Every released row, with the split its file name gives."""
    parts = [pd.read_parquet(f).assign(split=DATA_FILE.fullmatch(f.name)["split"])
             for f in sorted((folder / "data").glob("*.parquet")) if DATA_FILE.fullmatch(f.name)]
    return pd.concat(parts, ignore_index=True)


def lexicon_suggest(texts: list[str]) -> pd.DataFrame:
    """The old tagger's suggestions in the model's columns (it names one goal, so its top 3 is that goal)."""
    tags = [tag_text(t) for t in texts]
    return pd.DataFrame({"suggested_viewpoints": [t.suggested_viewpoints for t in tags],
                         "suggested_goal": [t.suggested_goal for t in tags],
                         "suggested_goals": [[{"goal": t.suggested_goal}] if t.suggested_goal else [] for t in tags]})


def measured(suggest, truth: pd.DataFrame) -> pd.DataFrame:
    return per_item(suggest(truth["text"].tolist()), truth.reset_index(drop=True))


def precision_recall(items: pd.DataFrame) -> str:
    """Micro and macro precision / recall of the viewpoints (macro over the viewpoints the items probe)."""
    codes = [v["code"] for v in schemas().viewpoints]
    tp, fp, fn = (np.array([items[f"{k}:{c}"].sum() for c in codes], dtype=float) for k in ("tp", "fp", "fn"))
    present = (tp + fn) > 0
    p = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
    r = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=(tp + fn) > 0)
    return (f"{tp.sum() / max(tp.sum() + fp.sum(), 1):.2f} / {tp.sum() / max(tp.sum() + fn.sum(), 1):.2f} | "
            f"{p[present].mean():.2f} / {r[present].mean():.2f}")


def quality_table(rows: list[tuple[str, str, pd.DataFrame]]) -> list[str]:
    """One line per (set, suggester): every metric with its 95% bootstrap interval, and precision/recall."""
    first = with_intervals(rows[0][2])
    out = ["| scored on | suggester | items (with leaf) | " + " | ".join(first) + " | micro P / R | macro P / R |",
           "|---|---|---|" + "---|" * (len(first) + 2)]
    for name, by, items in rows:
        values = with_intervals(items)
        out.append(f"| {name} | {by} | {len(items)} ({int(items['leaf1'].notna().sum())}) | " + " | ".join(
            "–" if np.isnan(v) else f"{v:.2f} [{lo:.2f}, {hi:.2f}]" for v, lo, hi in values.values())
            + f" | {precision_recall(items)} |")
    return out


def per_viewpoint(truth: pd.DataFrame, scored: dict[str, pd.DataFrame]) -> list[str]:
    """Primary top-1 and the true leaf among the top 3, per gold primary viewpoint, for each suggester."""
    out = ["| primary viewpoint | items | " + " | ".join(f"{n}: primary top-1 | {n}: leaf top-3" for n in scored)
           + " |", "|---|---|" + "---|---|" * len(scored)]
    gold = truth["primary_viewpoint"].reset_index(drop=True)
    for v in schemas().viewpoints:
        rows = gold == v["code"]
        if rows.any():
            cells = [f"{items.loc[rows, m].mean():.2f}" if items.loc[rows, m].notna().any() else "–"
                     for items in scored.values() for m in ("primary", "leaf3")]
            out.append(f"| {v['code']} | {int(rows.sum())} | " + " | ".join(cells) + " |")
    return out


def verdict(value: float, target: float) -> str:
    return f"{value:.3f} (target ≥ {target:.2f}: {'PASS' if value >= target else 'FAIL'})"


def compared(rows: list[tuple[str, pd.DataFrame, pd.DataFrame]]) -> list[str]:
    """The model against the lexicon tagger on the same items, same run."""
    out = ["| scored on | metric | lexicons | model | difference | ratio |", "|---|---|---|---|---|---|"]
    for name, lexicon_items, model_items in rows:
        old, new = summarize(lexicon_items), summarize(model_items)
        for metric in ("viewpoints micro F1", "primary top-1", "leaf top-3"):
            ratio = f"{new[metric] / old[metric]:.1f}×" if old[metric] > 0 else "–"
            out.append(f"| {name} | {metric} | {old[metric]:.2f} | {new[metric]:.2f} | "
                       f"{new[metric] - old[metric]:+.2f} | {ratio} |")
    return out


class Data:
    """The newest release's decided items (test split apart), AISI's presets and the goal texts, as the
    model's training examples."""

    def __init__(self, release: Path, raw: Path):
        self.release = release
        records = release_records(release)
        self.preset_paths = preset_files(raw)
        examples = training_examples(records, self.preset_paths)
        decided = examples[examples["kind"] == "decided"]
        is_test = decided["id"].isin(set(records.loc[records["split"] == "test", "id"]))
        self.pool = decided[~is_test].reset_index(drop=True)  # the blind sibling trains on these
        self.test = decided[is_test].reset_index(drop=True)
        self.presets = examples[examples["kind"] == "aisi-preset"].reset_index(drop=True)
        self.goals = examples[examples["kind"] == "goal"].reset_index(drop=True)

    def model(self, decided: pd.DataFrame, presets: bool = True, goals: bool = True):
        """Trained on `decided` (kept in the pool's id order) plus the presets and the goal texts unless told."""
        parts = [decided.sort_values("id", kind="stable"), self.presets if presets else None,
                 self.goals if goals else None]
        return train(pd.concat([p for p in parts if p is not None and len(p)], ignore_index=True))


def timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    print(f"  {label}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return out


def blind_and_independent(data: Data) -> tuple[list[str], dict]:
    """Sections 1-4: the test split, the independent leaf set and AISI's presets, model against lexicons."""
    release_model = timed("train the blind sibling", data.model, data.pool)
    all_model = timed("train on all decided items", data.model, pd.concat([data.pool, data.test]))
    no_presets = timed("train without the presets", data.model, pd.concat([data.pool, data.test]), presets=False)
    leaf = pd.DataFrame([json.loads(line) for line in LEAF_EVAL.read_text(encoding="utf-8").splitlines()
                         if line.strip()])
    release_suggest, all_suggest = Scorer(release_model).suggest, Scorer(all_model).suggest
    test = {"lexicons": measured(lexicon_suggest, data.test), "model": measured(release_suggest, data.test)}
    indep = {"lexicons": measured(lexicon_suggest, leaf), "blind sibling": measured(release_suggest, leaf),
             "release's model": measured(all_suggest, leaf)}
    preset = {"lexicons": measured(lexicon_suggest, data.presets),
              "model": measured(Scorer(no_presets).suggest, data.presets)}
    info = lambda m: ", ".join(f"{n} {k}" for k, n in m.info["examples"].items())  # noqa: E731
    abstained = lambda m, texts: float((Scorer(m).suggest(texts)["suggested_viewpoints"].map(len) == 0).mean())  # noqa: E731,E501
    out = ["## 1. Blind: the release's test split", "",
           f"Release `{data.release.name}`: {len(data.pool)} decided items outside the test split, {len(data.test)} "
           f"in it. The model is the blind sibling a release measures (`{release_model.version}`: {info(release_model)}"
           " examples; the test split left out, with its near-duplicate clusters and contrast pairs) and scored on "
           "the test split; the lexicon tagger (`tag_text`, no model) on the same items. Values with 95% bootstrap "
           "intervals (`curation.suggest.evaluation.with_intervals`, 1,000 resamples); leaf scores over the items "
           "whose decided goal is a leaf; an item the model abstains on counts as a miss. Model abstained on "
           f"{abstained(release_model, data.test['text'].tolist()):.0%} of the items.", "",
           *quality_table([("test split", n, items) for n, items in test.items()]), "",
           "## 2. Independent set: `leaf_eval.jsonl`", "",
           f"{len(leaf)} prompts written independently of the project's data and models, 24 per viewpoint, each "
           "with a leaf goal (`leaf_eval.md`). *Blind sibling*: the one above (trained without the test split, as "
           f"a release measures its model). *Release's model* (`{all_model.version}`, what `curation tag` uses by "
           f"default): every decided item of the release ({info(all_model)} examples).", "",
           *quality_table([("leaf_eval", n, items) for n, items in indep.items()]), ""]
    for name in ("blind sibling", "release's model"):
        s = summarize(indep[name])
        out.append(f"- {name}: primary top-1 {verdict(s['primary top-1'], 0.75)}; true leaf among "
                   f"suggested_goals {verdict(s['leaf top-3'], 0.50)}.")
    out += ["", "Per viewpoint:", "", *per_viewpoint(leaf, indep), "",
            "## 3. AISI's presets left out of training", "",
            f"Model `{no_presets.version}` trained on every decided item of the release and the goal texts "
            f"({info(no_presets)} examples), no preset; scored on the {len(data.presets)} presets "
            f"(`data/raw/training/aisi-presets/`: {', '.join(p.name for p in data.preset_paths)}).", "",
            *quality_table([("AISI presets", n, items) for n, items in preset.items()]), "",
            f"- model: primary top-1 {verdict(summarize(preset['model'])['primary top-1'], 0.60)}.", "",
            "Per viewpoint:", "", *per_viewpoint(data.presets, preset), "",
            "## 4. Against the lexicon tagger (same items, same run)", "",
            *compared([("test split", test["lexicons"], test["model"]),
                       ("leaf_eval (blind sibling)", indep["lexicons"], indep["blind sibling"]),
                       ("AISI presets (left out)", preset["lexicons"], preset["model"])])]
    return out, {"release": release_model, "test": test["model"]}


def learning_curve(data: Data, release_model, shares: list[float]) -> list[str]:
    """Section 5: nested random subsets of the pool (seeded), presets and goal texts always in."""
    order = np.random.default_rng(0).permutation(len(data.pool))
    out = ["## 5. Learning curve", "",
           "Quality on the test split against the decided items in training: nested random subsets of the "
           f"{len(data.pool)} items outside the test split (seed 0), plus the presets and goal texts every time "
           "(0 = presets and goal texts alone).", "",
           "| decided items | viewpoints micro F1 | viewpoints macro F1 | primary top-1 | leaf top-1 | leaf top-3 |",
           "|---|---|---|---|---|---|"]
    for share in shares:
        n = int(round(len(data.pool) * share))
        model = release_model if n == len(data.pool) else timed(f"curve at {n}", data.model, data.pool.iloc[order[:n]])
        s = summarize(measured(Scorer(model).suggest, data.test))
        out.append(f"| {n} | " + " | ".join("–" if np.isnan(v) else f"{v:.2f}" for v in s.values()) + " |")
    return out


def simulate(data: Data, chosen: list[int], choose, budgets: list[int], presets: bool, cache: dict) -> list[dict]:
    """One labelling run: from the seed items, add the items `choose(model, remaining)` ranks first, retrain
    at each budget (with the presets and goal texts, or with neither), score the test split. Models of the
    same item set are trained once (`cache`)."""
    chosen, curve, model = list(chosen), [], None
    for budget in budgets:
        if len(chosen) < budget:
            taken = set(chosen)
            remaining = [i for i in range(len(data.pool)) if i not in taken]
            chosen += choose(model, remaining)[:budget - len(chosen)]
        key = (frozenset(chosen), presets)
        if key not in cache:
            model = data.model(data.pool.iloc[chosen], presets=presets, goals=presets)
            cache[key] = (model, summarize(measured(Scorer(model).suggest, data.test)))
        model, scores = cache[key]
        curve.append({"labels": budget, "F1": scores["viewpoints micro F1"], "top-1": scores["primary top-1"]})
    return curve


def labels_to_reach(curve: pd.DataFrame, target: float, metric: str) -> float:
    """Labels at which the curve first reaches `target` (linear between budgets); NaN when it never does."""
    above = np.flatnonzero(curve[metric].to_numpy() >= target - 1e-9)
    if not len(above):
        return float("nan")
    k = above[0]
    if k == 0:
        return float(curve["labels"].iloc[0])
    (n0, n1), (f0, f1) = curve["labels"].iloc[k - 1:k + 1], curve[metric].iloc[k - 1:k + 1]
    return float(n0 + (n1 - n0) * (target - f0) / (f1 - f0))


def active_learning(data: Data, seed_size: int, batch: int, seed_sets: int, orders: int,
                    settings: list[bool]) -> list[str]:
    """Section 6: the product's order (lowest `suggestion_score` first) against random order, from the same
    seed items, at the same budgets; averaged over several seed sets, as one curve is noisy."""
    starts = [list(np.random.default_rng(s).choice(len(data.pool), seed_size, replace=False))
              for s in range(seed_sets)]
    budgets = [*range(seed_size, len(data.pool), batch), len(data.pool)]
    # Targets: random order's value at a quarter, half and three quarters of the pool. Not the whole pool:
    # every order ends with the same model there, so which curve "reaches" it first is noise.
    targets = sorted({min(budgets, key=lambda b: abs(b - share * len(data.pool))) for share in (0.25, 0.5, 0.75)})

    def uncertain(model, remaining):
        scores = Scorer(model).suggest(data.pool["text"].iloc[remaining].tolist())["suggestion_score"].to_numpy()
        return [remaining[j] for j in np.argsort(scores, kind="stable")]

    def shuffled(seed):
        rank = np.random.default_rng(seed).permutation(len(data.pool))
        return lambda model, remaining: sorted(remaining, key=rank.__getitem__)

    def mean(runs: list[list[dict]]) -> pd.DataFrame:
        return pd.concat([pd.DataFrame(r) for r in runs]).groupby("labels").mean().reset_index()

    out = ["## 6. Uncertainty order against random order", "",
           f"Simulated labelling of the {len(data.pool)} decided items outside the test split, from {seed_sets} "
           f"seed sets of {seed_size} items (drawn with seeds 0-{seed_sets - 1}), then batches of {batch}, the "
           "model retrained at each budget and scored on the test split. *Uncertainty*: the pool items with the "
           "lowest `suggestion_score` first, the order Label Studio serves (the margin between the two likeliest "
           "primary viewpoints' calibrated probabilities); the mean over the seed sets. *Random*: the mean of "
           f"{orders} random orders from each seed set ({seed_sets * orders} in all). Labels needed: the first "
           "budget where a curve reaches the target (linear between budgets), for each order by the same rule; "
           "per seed set, its uncertainty curve against the same random mean."]
    for presets in settings:
        cache: dict = {}
        unc_runs, random_runs = [], []
        for s, start in enumerate(starts):
            unc_runs.append(timed(f"uncertainty run, seed set {s}", simulate, data, start, uncertain, budgets,
                                  presets, cache))
            for k in range(orders):
                random_runs.append(timed(f"random run {k + 1}, seed set {s}", simulate, data, start,
                                         shuffled(1 + s * orders + k), budgets, presets, cache))
        unc, random = mean(unc_runs), mean(random_runs)
        out += ["", "### " + ("Presets and goal texts in training (as the product trains)" if presets else
                              "Decided items only (no presets, no goal texts: the sharper simulation)"), "",
                "| labels | uncertainty F1 | random F1 (mean) | uncertainty top-1 | random top-1 (mean) |",
                "|---|---|---|---|---|"]
        out += [f"| {n} | {u:.3f} | {r:.3f} | {ut:.3f} | {rt:.3f} |" for n, u, r, ut, rt in
                zip(budgets, unc["F1"], random["F1"], unc["top-1"], random["top-1"])]
        out += ["", "| target (random order's value) | metric | labels, random | labels, uncertainty | fewer labels "
                "| fewer labels, per seed set |", "|---|---|---|---|---|---|"]
        for metric in ("F1", "top-1"):
            for budget in targets:
                target = float(random.loc[random["labels"] == budget, metric].iloc[0])
                n_random, n_unc = labels_to_reach(random, target, metric), labels_to_reach(unc, target, metric)
                saving = "not reached" if np.isnan(n_unc) else f"{1 - n_unc / n_random:.0%}"
                verdict_ = "" if np.isnan(n_unc) else f" ({'PASS' if 1 - n_unc / n_random >= 0.25 else 'FAIL'} vs 25%)"
                each = [labels_to_reach(pd.DataFrame(r), target, metric) for r in unc_runs]
                out.append(f"| {target:.3f} (at {budget} labels) | {metric} | {n_random:.0f} | "
                           f"{'–' if np.isnan(n_unc) else f'{n_unc:.0f}'} | {saving}{verdict_} | "
                           + ", ".join("–" if np.isnan(n) else f"{1 - n / n_random:.0%}" for n in each) + " |")
    return out


def speed(data: Data, items: int, tasks: int, corpus_path: Path) -> list[str]:
    """Section 7: train at `items` decided items, re-score `tasks` open tasks; run first, so peak RSS is its."""
    corpus = pd.read_parquet(corpus_path, columns=["text"])["text"]
    decided = pd.concat([data.pool, data.test], ignore_index=True)

    def perturbed(n: int, offset: int) -> pd.DataFrame:
        rows = decided.iloc[np.arange(n) % len(decided)].reset_index(drop=True)
        extra = corpus.iloc[offset:offset + n].reset_index(drop=True)
        return rows.assign(id=[f"synthetic-{offset + i:06d}" for i in range(n)], text=extra + "　" + rows["text"])

    examples = perturbed(items, 0)
    open_tasks = perturbed(tasks, items)["text"].tolist()
    start = time.perf_counter()
    model = data.model(examples)
    trained = time.perf_counter() - start
    start = time.perf_counter()
    scorer = Scorer(model)
    scorer.suggest(open_tasks)
    suggested = time.perf_counter() - start
    start = time.perf_counter()
    scorer.why(open_tasks)
    explained = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ["## 7. Speed", "",
            f"{items:,} decided items made from the release's {len(decided)} by perturbing their texts (a real "
            "Japanese sentence from Aozora Bunko put before each text, the labels copied, cycling through the "
            f"items), plus the {len(data.presets)} presets and {len(data.goals)} goal texts; {tasks:,} open tasks "
            "made the same way from other Aozora sentences. One process on a 2-core machine.", "",
            "| step | seconds | target |", "|---|---|---|",
            f"| train at {items:,} decided items ({model.info['features']:,} features) | {trained:.1f} | "
            f"≤ 60: {'PASS' if trained <= 60 else 'FAIL'} |",
            f"| re-score {tasks:,} open tasks: `Scorer.suggest` | {suggested:.1f} | |",
            f"| their hints: `Scorer.why` | {explained:.1f} | |",
            f"| re-score in all (suggest + why) | {suggested + explained:.1f} | "
            f"≤ 60: {'PASS' if suggested + explained <= 60 else 'FAIL'} |", "",
            f"Peak resident memory of the process: {peak:,.0f} MB."]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", default=str(ROOT / "data" / "release"), help="the newest release under it")
    parser.add_argument("--raw", default=str(ROOT / "data" / "raw"), help="its training/*/*.csv are the presets")
    parser.add_argument("--items", type=int, default=10000, help="decided items for the training speed run")
    parser.add_argument("--tasks", type=int, default=5000, help="open tasks for the re-scoring speed run")
    parser.add_argument("--seed-items", type=int, default=20, help="labelled items before the first round")
    parser.add_argument("--batch", type=int, default=20, help="items labelled per round")
    parser.add_argument("--seed-sets", type=int, default=2, help="seed sets the simulation starts from")
    parser.add_argument("--random-orders", type=int, default=3, help="random orders averaged, per seed set")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: fewer items, larger batches, one seed set, 5 random orders, one setting")
    parser.add_argument("--corpus", default=str(CORPUS), help="Aozora sentences (the speed run's texts)")
    parser.add_argument("--out", default=str(HERE / "results-suggest.md"))
    args = parser.parse_args()
    if args.quick:
        args.items, args.tasks, args.batch, args.seed_sets, args.random_orders = 2000, 1000, 40, 1, 5
    data = Data(newest_release(Path(args.releases)), Path(args.raw))
    load = os.getloadavg()[0]  # other work on the machine slows every timing: say how much there was
    started = time.perf_counter()
    lines = timed("speed", speed, data, args.items, args.tasks, Path(args.corpus))
    quality, held = blind_and_independent(data)
    lines = [*quality, "", *learning_curve(data, held["release"], [0.0, 0.1, 0.25, 0.5, 1.0]), "",
             *active_learning(data, args.seed_items, args.batch, args.seed_sets, args.random_orders,
                              [True] if args.quick else [True, False]), "", *lines]
    text = "\n".join(["# Suggestion model benchmark", "",
                      f"Release `{data.release.name}`; the whole run took {time.perf_counter() - started:.0f} s"
                      + (" (`--quick`)" if args.quick else "") + f"; load average at the start {load:.1f} "
                      f"on {os.cpu_count()} cores.", "", *lines, ""])
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
