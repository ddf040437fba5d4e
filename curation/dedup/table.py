"""`curation dedup`: exact and near duplicates in any table, with the release's algorithm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import SourceError
from ..report import StageReport
from .clusters import cluster_ids, cluster_name, merge_clusters
from .pairs import find_pairs, forms_of

ARROW_TYPES = {"cluster_id": pa.string(), "kept": pa.bool_(), "duplicate_of": pa.string(),
               "similarity": pa.float64(), "pair_class": pa.string(), "pair_reason": pa.string()}


def refuse_ambiguous_ids(ids: pd.Series, id_column: str) -> None:
    """`duplicate_of` names a row by its id: a repeated or empty id would name another row, or the row itself.
    The values are never shown (an id may be an e-mail)."""
    text = ids.astype(str).where(ids.notna(), "").str.strip()
    empty = int((text == "").sum())
    repeated = int(text[text != ""].duplicated().sum())
    if empty or repeated:
        raise SourceError(f"--id-column {id_column}: ids must be unique and not empty ({repeated} row(s) repeat an "
                          f"earlier row's id, {empty} empty); leave --id-column out to name rows by number")


def dedup_table(frame: pd.DataFrame, text_column: str, label_column: str | None = None,
                id_column: str | None = None, config: dict | None = None) -> tuple[pd.DataFrame, StageReport]:
    """Every row plus `cluster_id`, `kept`, `duplicate_of` (the kept row's `id_column` value, else its
    0-based row number, as text), `similarity`, `pair_class` and `pair_reason`. Equal matching forms are exact
    duplicates; the rest as in the release pipeline. Earlier rows are kept first."""
    report = StageReport("dedup")
    if id_column:
        refuse_ambiguous_ids(frame[id_column], id_column)
    texts = frame[text_column].fillna("").astype(str).tolist()
    forms = forms_of(texts)
    n = len(forms)
    # Rows with the same form are exact duplicates, unless their labels differ: those are only linked.
    keyed = forms if label_column is None else [f"{f}\x00{label}" for f, label in
                                                 zip(forms, frame[label_column].astype(str))]
    codes = pd.factorize(pd.Series(keyed, dtype=object))[0]
    empty = np.flatnonzero(np.array([not f for f in forms], dtype=bool))
    codes[empty] = codes.max(initial=0) + 1 + np.arange(len(empty))  # an empty form duplicates nothing
    _, first = np.unique(codes, return_index=True)
    owner = first[np.unique(codes, return_inverse=True)[1]]  # each row's first row with its form
    unique = np.flatnonzero(owner == np.arange(n))
    labels = None if label_column is None else frame[label_column].astype(str).to_numpy()[unique].tolist()
    pairs = find_pairs([texts[i] for i in unique], [forms[i] for i in unique], labels, config)
    del texts, forms
    res = merge_clusters(len(unique), pairs, np.arange(len(unique)))
    position = np.full(n, -1, dtype=np.int64)
    position[unique] = np.arange(len(unique))
    near = position[owner]  # each row's representative among the unique forms
    target = np.where(res.duplicate_of[near] >= 0, unique[np.maximum(res.duplicate_of[near], 0)], owner)
    exact = owner != np.arange(n)
    kept = target == np.arange(n)
    cluster = np.array(cluster_ids(res, [str(i) for i in unique]), dtype=object)[near]
    copied = np.flatnonzero(np.bincount(owner, minlength=n) > 1)  # rows with exact copies, not near others
    alone = copied[np.equal(cluster[copied], None)]
    exact_names = np.array([None, *(cluster_name([str(o)]) for o in alone)], dtype=object)
    lookup = np.zeros(n, dtype=np.int64)
    lookup[alone] = np.arange(1, len(alone) + 1)
    cluster = np.where(np.equal(cluster, None), exact_names[lookup[owner]], cluster)
    keys = frame[id_column].astype(str).to_numpy() if id_column else np.arange(n).astype(str).astype(object)
    out = frame.copy()
    out["cluster_id"] = cluster
    out["kept"] = kept
    out["duplicate_of"] = np.where(kept, None, keys[target].astype(object))
    out["similarity"] = np.where(exact, 1.0, np.array(res.similarity, dtype=object)[near])
    out["pair_class"] = np.where(exact, "exact", np.array(res.pair_class, dtype=object)[near])
    out["pair_reason"] = np.where(exact, "same matching form", np.array(res.reason, dtype=object)[near])
    report.counts = {"rows": len(frame), "kept": int(kept.sum()), "exact duplicates": int(exact.sum()),
                     "near duplicates": int((~kept & ~exact).sum()), "near pairs": len(pairs.a),
                     **{f"pairs: {c}": int(n)
                        for c, n in pd.Series(pairs.pair_class, dtype=object).value_counts().items()},
                     "clusters": int(out["cluster_id"].nunique())}
    return out, report

