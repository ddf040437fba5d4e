"""Stable ids. A prompt an earlier release holds (same matching form) keeps that id and `added_in`;
a new prompt gets `jt-` + the first 16 hex digits of the sha256 of its NFC text. An id is never
given to a different prompt: a minted id that an earlier release used for another prompt stops the run."""

from __future__ import annotations

import hashlib

import pandas as pd

from .history import History, ReleaseError
from .report import StageReport


def mint_id(text: str) -> str:
    return "jt-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def carried(text: str, earlier: list[dict]) -> dict:
    """Of the released records sharing a prompt's form, the one whose id it keeps: the same text's, else the
    earliest. Two released ids whose texts now share a form (the form folds more than it did) become one;
    the other id is its duplicate, never reused."""
    return next((r for r in earlier if r["text"] == text), earlier[0])


def assign_ids(table: pd.DataFrame, history: History, version: str) -> tuple[pd.DataFrame, StageReport]:
    """Adds `id` and `added_in` to kept records, `duplicate_of` (an id) to duplicates, and
    `contrast_id` to kept records whose pair is kept too."""
    report = StageReport("ids")
    table = table.copy()
    released = history.by_form()
    ever = history.ids()
    kept = table["outcome"] == "kept"
    ids, added = [], []
    for form, text in zip(table.loc[kept, "match_form"], table.loc[kept, "text"]):
        earlier = released.get(form)
        if earlier:
            holder = carried(text, earlier)
            ids.append(holder["id"])
            added.append(holder["added_in"])
            report.count("carried from earlier releases")
            for other in earlier:
                if other is not holder:
                    report.notes.append(f"released {other['id']} now matches {holder['id']} (same matching form): "
                                        f"{other['id']} is dropped as its duplicate")
            continue
        new_id = mint_id(text)
        if new_id in ever:
            raise ReleaseError(f"id {new_id} was released before for another prompt; ids are never reused")
        ids.append(new_id)
        added.append(version)
        report.count("new")
    table["id"] = None
    table["added_in"] = None
    table.loc[kept, "id"] = ids
    table.loc[kept, "added_in"] = added
    if table.loc[kept, "id"].duplicated().any():
        raise ReleaseError("two kept records got the same id; this is a bug, please report it")
    id_of_key = dict(zip(table.loc[kept, "input_key"], table.loc[kept, "id"]))
    table["duplicate_of"] = table["duplicate_of_key"].map(id_of_key)
    link_contrasts(table, id_of_key, report)
    return table, report


def link_contrasts(table: pd.DataFrame, id_of_key: dict, report: StageReport) -> None:
    """Pairs point at each other. A link on a dropped duplicate moves to the record kept in its place."""
    representative = dict(zip(table["input_key"], table["duplicate_of_key"].fillna(table["input_key"])))
    contrast: dict[str, str] = {}
    for key, target in zip(table["input_key"], table["contrast_key"]):
        if not isinstance(target, str) or key not in representative:
            continue
        a, b = id_of_key.get(representative[key]), id_of_key.get(representative.get(target, target))
        if not a or not b or a == b:
            continue
        if contrast.get(a, b) != b or contrast.get(b, a) != a:
            report.problems.append(f"{a} is paired with more than one item; kept its first pair")
            continue
        contrast[a], contrast[b] = b, a
    table["contrast_id"] = table["id"].map(contrast)
    report.count("contrast pairs", len(contrast) // 2)
