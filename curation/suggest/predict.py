"""A model's suggestions for prompts: viewpoints (the first is the primary), the leaf goal inside the
primary viewpoint, the three likeliest leaves overall with their scores, borderline and label, and why
(the lexicon hits and the nearest decided items). Below `abstain_below` the model suggests no viewpoint
and no goal: an annotator is better served by no prefill than by a guess.

`suggestion_score` is the margin between the two likeliest primary viewpoints' calibrated probabilities:
lowest for the prompt the model can least tell apart, the one a label teaches it most. Label Studio serves
the lowest first; in the simulated labelling (benchmarks/bench_suggest.py) this order needed fewer labels
than the primary's probability alone or the distribution's entropy."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from ..schema import schemas
from .features import LEXICON, SETTINGS
from .model import Model, leaf_logits, softmax

ARROW_TYPES = {
    "suggested_viewpoints": pa.list_(pa.string()), "suggested_goal": pa.string(),
    "suggested_goals": pa.list_(pa.struct([("goal", pa.string()), ("score", pa.float32())])),
    "suggestion_score": pa.float32(), "suggested_borderline": pa.bool_(), "suggested_label": pa.string(),
}


WHY_ROWS = 512  # texts compared with every decided item at a time (512 × 10k items: 40 MB)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(z, -60, 60)))


class Scorer:
    """A model ready to score: its examples' vectors are made once, when a hint first needs them."""

    def __init__(self, model: Model):
        self.model = model
        self.last: tuple[tuple[str, ...], sp.csr_matrix] | None = None
        codes = model.classes["primary"]
        self.leaf_viewpoint = np.array([codes.index(schemas().viewpoint_of_goal(g)) for g in model.goals])

    def probabilities(self, x: sp.csr_matrix) -> dict[str, np.ndarray]:
        m = self.model
        out = {"viewpoints": sigmoid(x @ m.weights["viewpoints"] + m.bias["viewpoints"]),
               "primary": softmax(x @ m.weights["primary"] + m.bias["primary"], m.temperature["primary"])}
        for name in ("borderline", "label"):
            out[name] = softmax(x @ m.weights[name] + m.bias[name])[:, 1]
        logits = leaf_logits(x, m.prototypes)
        joint = np.zeros_like(logits)
        for k in range(len(m.classes["primary"])):  # P(viewpoint) × P(leaf | viewpoint)
            cols = np.flatnonzero(self.leaf_viewpoint == k)
            joint[:, cols] = softmax(logits[:, cols], m.temperature["goal"]) * out["primary"][:, [k]]
        out["goals"] = joint
        return out

    def vectors(self, texts: list[str]) -> sp.csr_matrix:
        """The texts' vectors; the last ones are kept: a push asks for suggestions and then for their hints,
        and tokenizing the same texts twice would double the cost."""
        key = tuple(texts)
        if self.last is None or self.last[0] != key:
            self.last = (key, self.model.vectors(texts))
        return self.last[1]

    def suggest(self, texts: list[str]) -> pd.DataFrame:
        m = self.model
        x = self.vectors(texts)
        p = self.probabilities(x)
        codes = m.classes["primary"]
        known = np.diff(x.indptr) > 0
        rows = []
        for i in range(len(texts)):
            k = int(np.argmax(p["primary"][i]))
            first, second = np.sort(p["primary"][i])[-2:][::-1]
            order = np.argsort(-p["goals"][i], kind="stable")
            inside = [j for j in order if self.leaf_viewpoint[j] == k]
            # The primary viewpoint's best leaf and the likeliest others, listed by score (highest first).
            top = sorted([inside[0], *[j for j in order if j != inside[0]][:SETTINGS["top_goals"] - 1]],
                         key=lambda j: -p["goals"][i, j])
            # No feature the model knows: nothing to go on, the score is only the classes' prior.
            confident = first >= SETTINGS["abstain_below"] and known[i]
            others = [codes[j] for j in np.argsort(-p["viewpoints"][i], kind="stable")
                      if j != k and p["viewpoints"][i, j] >= 0.5]
            rows.append({
                "suggested_viewpoints": [codes[k], *others] if confident else [],
                "suggested_goal": m.goals[inside[0]] if confident else None,
                "suggested_goals": [{"goal": m.goals[j], "score": round(float(p["goals"][i, j]), 4)} for j in top]
                if confident else [],
                "suggestion_score": round(float(first - second), 4),
                "suggested_borderline": bool(p["borderline"][i] > 0.5),  # no evidence either way: no
                "suggested_label": "unsafe" if p["label"][i] > 0.5 else "safe",
            })
        return pd.DataFrame(rows, columns=list(ARROW_TYPES))

    @cached_property
    def decided(self) -> tuple[pd.DataFrame, sp.csr_matrix]:
        items = self.model.examples[self.model.examples["kind"] != "goal"].reset_index(drop=True)
        return items, self.model.vectors(items["text"].tolist())

    def why(self, texts: list[str]) -> list[dict]:
        """Per text: the lexicons that fired and the nearest decided items (id, primary viewpoint, goal)."""
        m = self.model
        x = self.vectors(texts)
        items, vecs = self.decided
        out = []
        for first in range(0, len(texts), WHY_ROWS):  # texts × decided items, dense: in slices, bounded memory
            part = x[first:first + WHY_ROWS]
            near = np.asarray((part @ vecs.T).todense()) if len(items) else np.zeros((part.shape[0], 0))
            for i in range(part.shape[0]):
                hits = [m.features[j].removeprefix(LEXICON) for j in part[i].indices
                        if m.features[j].startswith(LEXICON)]
                closest = [j for j in np.argsort(-near[i], kind="stable")[:SETTINGS["nearest"]] if near[i, j] > 0]
                out.append({"lexicon": sorted(hits), "nearest": [
                    {"id": items.at[j, "id"], "primary_viewpoint": items.at[j, "primary_viewpoint"],
                     "gsn_goal": items.at[j, "gsn_goal"], "similarity": round(float(near[i, j]), 3)}
                    for j in closest]})
        return out
