"""Clusters of near pairs: every text linked to another is in a cluster; within a cluster only texts joined
by surface pairs (and no review pair among them) are merged, the first in keep order kept."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from .classify import SURFACE
from .pairs import Pairs


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components: the smallest position of each position's component. Labels spread along the
    pairs and jump to their label's label until nothing changes (clusters are small: a few rounds)."""
    label = np.arange(n)
    while True:
        smaller = np.minimum(label[a], label[b])
        spread = label.copy()
        np.minimum.at(spread, a, smaller)
        np.minimum.at(spread, b, smaller)
        spread = spread[spread]
        if np.array_equal(spread, label):
            return label
        label = spread


@dataclass
class Resolution:
    """Per position: its cluster (None: near nothing), the position it duplicates (-1: kept), and the
    similarity, class and reason of its closest pair (its pair with the kept text when merged)."""
    cluster: list[int | None]
    duplicate_of: np.ndarray
    similarity: list[float | None]
    pair_class: list[str | None]
    reason: list[str | None]


def merge_clusters(n: int, pairs: Pairs, rank: np.ndarray, fixed: np.ndarray | None = None) -> Resolution:
    """Clusters and merges. `rank`: keep order (lower is kept first). `fixed`: positions that are never
    merged into another (earlier releases' records no longer in the batch): their pairs are only linked."""
    fixed = np.zeros(n, dtype=bool) if fixed is None else fixed
    cluster = components(n, pairs.a, pairs.b)
    surface = np.array([c == SURFACE for c in pairs.pair_class], dtype=bool)
    merge = surface & ~fixed[pairs.a] & ~fixed[pairs.b]
    group = components(n, pairs.a[merge], pairs.b[merge])
    # A review pair inside a merge group: the group is not merged (a minimal pair might hide in a chain).
    review = ~surface
    unsure = set(group[pairs.a[review]][group[pairs.a[review]] == group[pairs.b[review]]].tolist())
    group = np.where(np.isin(group, list(unsure)), np.arange(n), group)
    order = np.argsort(rank, kind="stable")
    _, first = np.unique(group[order], return_index=True)
    keeper = np.zeros(n, dtype=np.int64)
    keeper[group[order[first]]] = order[first]  # each group's first position in keep order
    duplicate_of = np.where(keeper[group] != np.arange(n), keeper[group], -1)
    linked = np.zeros(n, dtype=bool)
    linked[pairs.a] = linked[pairs.b] = True
    # Each position's pair to show: the one with the text it duplicates, else the closest, else the first.
    me, other = np.concatenate([pairs.a, pairs.b]), np.concatenate([pairs.b, pairs.a])
    seq = np.concatenate([np.arange(len(pairs.a)) * 2, np.arange(len(pairs.a)) * 2 + 1])
    similarity = np.concatenate([pairs.similarity, pairs.similarity])
    order = np.lexsort((seq, -similarity, duplicate_of[me] != other, me))
    _, first = np.unique(me[order], return_index=True)
    chosen = np.full(n, -1, dtype=np.int64)
    chosen[me[order[first]]] = seq[order[first]] // 2
    classes = np.array([*pairs.pair_class, None], dtype=object)[chosen]
    reasons = np.array([*pairs.reason, None], dtype=object)[chosen]
    return Resolution(
        cluster=[int(c) if l else None for c, l in zip(cluster.tolist(), linked.tolist())],
        duplicate_of=duplicate_of,
        similarity=[None if c < 0 else round(float(pairs.similarity[c]), 4) for c in chosen.tolist()],
        pair_class=classes.tolist(),
        reason=reasons.tolist(),
    )


def cluster_name(keys: list[str]) -> str:
    """A stable cluster id from its members' keys: the same texts give the same id in every run."""
    return "nd-" + hashlib.sha256("\n".join(sorted(keys)).encode("utf-8")).hexdigest()[:12]


def cluster_ids(resolution: Resolution, keys: list[str]) -> list[str | None]:
    members: dict[int, list[str]] = {}
    for c, key in zip(resolution.cluster, keys):
        if c is not None:
            members.setdefault(c, []).append(key)
    names = {c: cluster_name(m) for c, m in members.items()}
    return [names[c] if c is not None else None for c in resolution.cluster]


