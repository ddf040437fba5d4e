"""Near duplicates: texts that differ by a few characters, found, verified and classified by what differs.

1. Candidates: MinHash over character n-grams of the matching form, banded (LSH); numpy, both cores.
2. Verified: the real Jaccard similarity of the two n-gram sets, at or above the configured threshold
   (numpy: the smaller set's n-grams looked up in one sorted array of every text's).
3. Classified (fugashi + UniDic: each text tokenized once, the words that differ compared): a `surface`
   variant (spelling, kana, particles, auxiliaries, punctuation, filler) may be merged; a changed `number`,
   `negation`, `content` word, a shared `template`, or different `labels` is linked for review and never
   merged: minimal pairs are the benchmark's items. When unsure, review. Step 3 runs in two worker
   processes when there are many pairs; a long list is normalized a part per thread.
4. Grouped: a cluster is every text linked to another; within a cluster only texts joined by surface pairs
   (and no review pair among them) are merged, the first in keep order kept.

The parameters are in schemas/dedup.yaml. Steps 1-3 are pairs.py and classify.py, step 4 clusters.py; they
work on plain lists, so that the release pipeline (`collapse_near`, here) and `curation dedup` (any table,
table.py) share them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..contract import Context, Fate, kept, stage
from ..report import StageReport
from .clusters import cluster_ids, merge_clusters
from .exact import keep_order
from .pairs import find_pairs

LINE_FIELDS = ["cluster_id", "similarity", "pair_class", "near_reason"]


def judgement_key(rec: dict) -> str:
    """What a pair must agree on to be merged: the label, borderline, the primary viewpoint and the
    requirement (an item judged by its requirement differs when that does)."""
    return (f"{rec['label']}, {'borderline' if rec['borderline'] else 'not borderline'}, {rec['primary_viewpoint']}"
            + (f", requirement: {rec['requirement']}" if isinstance(rec.get("requirement"), str) else ""))


@stage("near duplicates")
def collapse_near(table: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, StageReport]:
    """The near tier over the records the exact tier kept, across all sources and against every released
    record (its newest version) whose prompt the batch no longer holds. Surface variants become
    `duplicate` (`duplicate_of_key`: the record kept, in keep order); everything linked gets `cluster_id`,
    `similarity`, `pair_class`, `near_reason`. `context.near_released` gets the released records that joined
    a cluster (id, split and the same fields; they decide splits)."""
    report = StageReport("dedup (near)")
    table = table.copy()
    batch = keep_order(table[kept(table)])
    held = set(batch["match_form"])
    history = context.history
    earlier = list(history.newest_records.values()) if history else []
    anchors = [{**r, "form": history.form_of[r["text"]]} for r in earlier if history.form_of[r["text"]] not in held]
    keys = batch["input_key"].tolist() + [r["id"] for r in anchors]
    texts = batch["text"].tolist() + [r["text"] for r in anchors]
    forms = batch["match_form"].tolist() + [r["form"] for r in anchors]
    judged = ["label", "borderline", "primary_viewpoint", "requirement"]
    labels = [judgement_key(r) for r in batch[judged].to_dict("records")] + [judgement_key(r) for r in anchors]
    pairs = find_pairs(texts, forms, labels)
    fixed = np.arange(len(keys)) >= len(batch)
    res = merge_clusters(len(keys), pairs, np.arange(len(keys)), fixed)
    names = cluster_ids(res, keys)
    fields = pd.DataFrame({"cluster_id": names, "similarity": res.similarity, "pair_class": res.pair_class,
                           "near_reason": res.reason,
                           "target": [keys[t] if t >= 0 else None for t in res.duplicate_of]},
                          index=[*batch.index, *range(-len(anchors), 0)])
    ours = fields.iloc[:len(batch)]
    dropped = ours.index[ours["target"].notna()]
    table.loc[dropped, "fate"] = Fate.DUPLICATE.value
    table.loc[dropped, "duplicate_of_key"] = ours.loc[dropped, "target"]
    # Exact copies of a record that is now a near duplicate point at the record kept in its place.
    final = dict(zip(table.loc[dropped, "input_key"], ours.loc[dropped, "target"]))
    exact = table["fate"].eq(Fate.DUPLICATE) & ~table.index.isin(dropped)
    table.loc[exact, "duplicate_of_key"] = table.loc[exact, "duplicate_of_key"].map(lambda k: final.get(k, k))
    for column in LINE_FIELDS:  # object columns: all-empty ones would be float and refuse text below
        table[column] = ours[column].reindex(table.index).astype(object)
    cluster_of = dict(zip(table["input_key"], table["cluster_id"]))
    table.loc[exact, "cluster_id"] = table.loc[exact, "duplicate_of_key"].map(cluster_of)
    table.loc[exact, ["similarity", "pair_class", "near_reason"]] = [1.0, "exact", "same matching form"]
    linked = fields.iloc[len(batch):]
    anchor_rows = pd.DataFrame([{**a, **row} for a, row in zip(anchors, linked[LINE_FIELDS].to_dict("records"))
                                if row["cluster_id"] is not None], columns=["id", "text", "split", *LINE_FIELDS])
    classes = pd.Series(pairs.pair_class, dtype=object).value_counts()
    report.counts = {"near pairs": len(pairs.a), **{f"pairs: {c}": int(n) for c, n in classes.items()},
                     "clusters": int(ours["cluster_id"].nunique()), "dropped as near duplicate": len(dropped),
                     "near earlier releases only": len(anchor_rows)}
    for cluster, members in table[table["cluster_id"].notna() & table["pair_class"].ne("exact")].groupby(
            "cluster_id", sort=True):
        if kept(members).sum() > 1:
            report.notes.append(f"for review ({cluster}): {', '.join(members['where'])}")
    context.near_released = anchor_rows
    return table, report


