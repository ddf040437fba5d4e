"""The suggestion model: linear models over features.py's vectors, trained on decided items.

Heads: `viewpoints` (one-vs-rest: every viewpoint a prompt probes), `primary` (multinomial blended with
the one-vs-rest heads, its probabilities calibrated by a temperature fitted on held-out folds),
`borderline` and `label` (binary).
The leaf goal is chosen inside a viewpoint by similarity to each leaf's prototype: the mean vector of the
items decided for it plus AISI's own text of the goal, so that a leaf nobody has used yet can still be
suggested; its softmax temperature is fitted on held-out folds too. A model is plain arrays and tables
(store.py writes them as Parquet and JSON): the same examples and settings give the same bytes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from ..schema import schemas
from .features import SETTINGS, features, vectors, vocabulary

EXAMPLE_COLUMNS = ["kind", "id", "text", "viewpoints", "primary_viewpoint", "gsn_goal", "label", "borderline"]
TEMPERATURES = np.geomspace(0.02, 8.0, 121)  # a grid: the fitted temperature is the same on every machine


@dataclass
class Model:
    version: str
    features: list[str]
    idf: np.ndarray
    classes: dict[str, list[str]]  # head -> its classes (the columns of weights[head])
    weights: dict[str, np.ndarray]  # head -> features × classes, float32
    bias: dict[str, np.ndarray]
    temperature: dict[str, float]  # primary, goal
    goals: list[str]  # leaves, the rows of prototypes
    prototypes: sp.csr_matrix  # leaves × features, L2-normalized
    examples: pd.DataFrame  # what it was trained on (EXAMPLE_COLUMNS): the hint's nearest decided items
    info: dict  # counts and settings, written to model.json

    @property
    def learned_from(self) -> str:
        """What it was trained on, in words: `258 aisi-preset, 727 decided, 254 goal examples`."""
        return ", ".join(f"{n} {kind}" for kind, n in self.info["examples"].items()) + " examples"

    @property
    def index(self) -> dict[str, int]:
        return {f: i for i, f in enumerate(self.features)}

    def vectors(self, texts: list[str]) -> sp.csr_matrix:
        return vectors([features(t) for t in texts], self.index, self.idf)


def model_version(examples: pd.DataFrame) -> str:
    """A hash of what the model learns from (every example's kind, id, text and labels) and the settings."""
    digest = hashlib.sha256(json.dumps(SETTINGS, sort_keys=True).encode())
    for row in examples[EXAMPLE_COLUMNS].itertuples(index=False):
        digest.update(json.dumps([None if v is None or v != v else v for v in
                                  (list(x) if isinstance(x, (list, np.ndarray)) else x for x in row)],
                                 ensure_ascii=False).encode())
    return "sm-" + digest.hexdigest()[:16]


def weighted(examples: pd.DataFrame) -> np.ndarray:
    """AISI's goal texts describe a goal rather than ask as a user would: they count for less."""
    return np.where(examples["kind"] == "goal", SETTINGS["goal_text_weight"],
                    np.where(examples["kind"] == "aisi-preset", SETTINGS["preset_weight"], 1.0))


def balanced(weight: np.ndarray, examples: pd.DataFrame) -> np.ndarray:
    """Weights that bring every viewpoint's total of prompts (decided items and presets, not goal texts)
    towards the same, fully at `balance` 1: AISI's presets are mostly two viewpoints, and a prior learned
    from them would pull every prompt there."""
    primary = examples["primary_viewpoint"]
    prompts = (primary.notna() & (examples["kind"] != "goal")).to_numpy()
    totals = pd.Series(weight[prompts]).groupby(primary[prompts].to_numpy()).sum()
    share = np.where(prompts, primary.map(totals.mean() / totals).fillna(1.0).to_numpy(), 1.0)
    return weight * share ** SETTINGS["balance"]


def linear(x: sp.csr_matrix, y: np.ndarray, weight: np.ndarray) -> LogisticRegression:
    # Newton-CG: a few exact steps; L-BFGS needs ~10x the time on 10k items × 25k features (measured).
    return LogisticRegression(C=SETTINGS["C"], solver="newton-cg", max_iter=SETTINGS["max_iter"], tol=1e-4
                              ).fit(x, y, sample_weight=weight)


def head(x: sp.csr_matrix, labels: pd.Series, weight: np.ndarray, classes: list[str]
         ) -> tuple[np.ndarray, np.ndarray]:
    """Weights and biases of a multinomial head over `classes`; a class never seen gets no chance."""
    w = np.zeros((x.shape[1], len(classes)), dtype=np.float32)
    b = np.full(len(classes), -30.0, dtype=np.float32)
    known = labels.notna().to_numpy()
    seen = sorted(set(labels[known]))
    if len(seen) == 1:
        b[classes.index(seen[0])] = 0.0
    elif len(seen) > 1:
        fit = linear(x[known], labels[known].to_numpy(), weight[known])
        cols = [classes.index(c) for c in fit.classes_]
        if len(seen) == 2:  # sklearn keeps one column for two classes: the second's log-odds
            w[:, cols[1]], b[cols[1]] = fit.coef_[0], fit.intercept_[0]
            b[cols[0]] = 0.0
        else:
            w[:, cols], b[cols] = fit.coef_.T, fit.intercept_
    return w, b


def one_vs_rest(x: sp.csr_matrix, sets: pd.Series, weight: np.ndarray, classes: list[str]
                ) -> tuple[np.ndarray, np.ndarray]:
    """One binary head per class (multi-label): column k is the log-odds that class k applies."""
    w = np.zeros((x.shape[1], len(classes)), dtype=np.float32)
    b = np.full(len(classes), -30.0, dtype=np.float32)
    for k, code in enumerate(classes):
        y = np.array([code in s for s in sets])
        if y.all():
            b[k] = 30.0
        elif y.any():
            fit = linear(x, y, weight)
            w[:, k], b[k] = fit.coef_[0], fit.intercept_[0]
    return w, b


def primary(x: sp.csr_matrix, examples: pd.DataFrame, weight: np.ndarray, codes: list[str],
            viewpoints: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The primary viewpoint's head: the multinomial's logits blended with the one-vs-rest viewpoints' log-odds
    (`primary_ovr_share`), still one linear head. The one-vs-rest heads, each fitted against all others, carry
    over better to AISI's presets; the multinomial fits the release's items (measured on both)."""
    w, b = head(x, examples["primary_viewpoint"], weight, codes)
    share = SETTINGS["primary_ovr_share"]
    if not share:
        return w, b
    vw, vb = viewpoints or one_vs_rest(x, examples["viewpoints"], weight, codes)
    return ((1 - share) * w + share * vw).astype(np.float32), ((1 - share) * b + share * vb).astype(np.float32)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def best_temperature(logits: np.ndarray, truth: np.ndarray) -> float:
    """The temperature of the grid with the least negative log-likelihood of the true classes."""
    if not len(truth):
        return 1.0
    losses = [-np.log(softmax(logits, t)[np.arange(len(truth)), truth] + 1e-12).mean() for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def folds(n: int) -> list[np.ndarray]:
    """Deterministic held-out folds (every k-th example)."""
    k = min(SETTINGS["folds"], n)
    return [np.arange(i, n, k) for i in range(k)] if k > 1 else []


def prototypes(x: sp.csr_matrix, goals: pd.Series, weight: np.ndarray, leaves: list[str]) -> sp.csr_matrix:
    """Each leaf's mean example vector, L2-normalized (a leaf without examples: a zero row)."""
    rows = goals.map({g: i for i, g in enumerate(leaves)})
    known = rows.notna().to_numpy()
    member = sp.csr_matrix((weight[known], (rows[known].astype(int).to_numpy(), np.flatnonzero(known))),
                           shape=(len(leaves), x.shape[0]), dtype=np.float32)
    sums = (member @ x).tocsr()
    norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1))).ravel()
    norms[norms == 0] = 1
    return (sp.diags(1 / norms).astype(np.float32) @ sums).tocsr()


def leaf_logits(x: sp.csr_matrix, protos: sp.csr_matrix) -> np.ndarray:
    return np.asarray((x @ protos.T).todense(), dtype=np.float32)


def within(viewpoint_of_leaf: np.ndarray, viewpoints: np.ndarray, logits: np.ndarray, temperature: float
           ) -> np.ndarray:
    """P(leaf | the row's viewpoint): a softmax over the leaves of that viewpoint only."""
    masked = np.where(viewpoint_of_leaf[None, :] == viewpoints[:, None], logits, -np.inf)
    return softmax(masked, temperature)


def train(examples: pd.DataFrame) -> Model:
    """A model from examples (EXAMPLE_COLUMNS; `kind` decided, aisi-preset or goal)."""
    examples = examples[EXAMPLE_COLUMNS].reset_index(drop=True)
    s = schemas()
    codes = [v["code"] for v in s.viewpoints]
    docs = [features(t) for t in examples["text"]]
    names, idf = vocabulary(docs)
    index = {f: i for i, f in enumerate(names)}
    x = vectors(docs, index, idf)
    weight = weighted(examples)
    w, b, classes, temperature = {}, {}, {}, {}
    classes["viewpoints"] = classes["primary"] = codes
    even = balanced(weight, examples)
    w["viewpoints"], b["viewpoints"] = one_vs_rest(x, examples["viewpoints"], even, codes)
    w["primary"], b["primary"] = primary(x, examples, even, codes, (w["viewpoints"], b["viewpoints"]))
    for name, values in (("borderline", ["no", "yes"]), ("label", ["safe", "unsafe"])):
        column = examples[name].map(lambda v: None if v is None or v != v else
                                    ("yes" if v is True else "no" if v is False else v))
        classes[name] = values
        w[name], b[name] = head(x, column, weight, values)

    leaves = [g.id for g in s.goal_tree.goals.values() if g.leaf]
    viewpoint_of_leaf = np.array([s.viewpoint_of_goal(g) for g in leaves])
    # Held-out folds of the people's decisions fit the temperatures: scores then mean what they say.
    decided = np.flatnonzero((examples["kind"] != "goal").to_numpy() & examples["primary_viewpoint"].notna().to_numpy())
    primary_logits, primary_truth, goal_logits, goal_truth, goal_viewpoints = [], [], [], [], []
    for held in folds(len(decided)):
        test = decided[held]
        train_rows = np.setdiff1d(np.arange(len(examples)), test)
        fw, fb = primary(x[train_rows], examples.iloc[train_rows],
                         balanced(weight[train_rows], examples.iloc[train_rows]), codes)
        primary_logits.append(x[test] @ fw + fb)
        primary_truth.append(examples["primary_viewpoint"].iloc[test].map(codes.index).to_numpy())
        with_leaf = test[examples["gsn_goal"].iloc[test].isin(leaves).to_numpy()]
        if len(with_leaf):
            protos = prototypes(x[train_rows], examples["gsn_goal"].iloc[train_rows], weight[train_rows], leaves)
            goal_logits.append(leaf_logits(x[with_leaf], protos))
            goal_truth.append(examples["gsn_goal"].iloc[with_leaf].map(leaves.index).to_numpy())
            goal_viewpoints.append(viewpoint_of_leaf[goal_truth[-1]])
    temperature["primary"] = best_temperature(np.vstack(primary_logits), np.concatenate(primary_truth)) \
        if primary_logits else 1.0
    if goal_logits:
        logits, truth = np.vstack(goal_logits), np.concatenate(goal_truth)
        grid = [-np.log(within(viewpoint_of_leaf, np.concatenate(goal_viewpoints), logits, t)
                        [np.arange(len(truth)), truth] + 1e-12).mean() for t in TEMPERATURES]
        temperature["goal"] = float(TEMPERATURES[int(np.argmin(grid))])
    else:
        temperature["goal"] = SETTINGS["goal_temperature"]
    info = {
        "settings": SETTINGS,
        "examples": {k: int(n) for k, n in examples["kind"].value_counts().sort_index().items()},
        "features": len(names),
    }
    return Model(model_version(examples), names, idf, classes, w, b, temperature, leaves,
                 prototypes(x, examples["gsn_goal"], weight, leaves), examples, info)
