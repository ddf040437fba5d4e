"""Stable ids. A prompt an earlier release holds (same matching form) keeps that id and `added_in`;
a new prompt gets `jt-` + the first 16 hex digits of the sha256 of its NFC text. An id is never
given to a different prompt: a minted id that an earlier release used for another prompt stops the run."""

from __future__ import annotations

import hashlib

import pandas as pd

from ..contract import Context, kept, stage
from ..errors import ReleaseError
from ..report import StageReport


def mint_id(text: str) -> str:
    return "jt-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def carried(text: str, earlier: list[dict]) -> dict:
    """Of the released records sharing a prompt's form, the one whose id it keeps: the same text's, else the
    earliest. Two released ids whose texts now share a form (the form folds more than it did) become one;
    the other id is its duplicate, never reused."""
    return next((r for r in earlier if r["text"] == text), earlier[0])


def prospective_id(text: str, released_id: str | None) -> str:
    """The id a prompt has: the one it keeps from an earlier release (`released_id`, from the forms stage),
    else the one its text is given."""
    return released_id if isinstance(released_id, str) else mint_id(text)


@stage("ids")
def assign_ids(table: pd.DataFrame, context: Context) -> tuple[pd.DataFrame, StageReport]:
    """Adds `id` and `added_in` to kept records, `duplicate_of` (an id) to duplicates, and
    `contrast_id` to kept records whose pair is kept too."""
    report = StageReport("ids")
    table = table.copy()
    history = context.history
    newest = history.newest_records if history else {}
    ok = kept(table)
    ids, added = [], []
    for form, text, released_id in table.loc[ok, ["match_form", "text", "released_id"]].itertuples(index=False):
        if isinstance(released_id, str):
            ids.append(released_id)
            added.append(newest[released_id]["added_in"])
            report.count("carried from earlier releases")
            for other in history.by_form[form]:
                if other["id"] != released_id:
                    report.notes.append(f"released {other['id']} now matches {released_id} (same matching form): "
                                        f"{other['id']} is dropped as its duplicate")
            continue
        new_id = mint_id(text)
        if new_id in newest:
            raise ReleaseError(f"id {new_id} was released before for another prompt; ids are never reused")
        ids.append(new_id)
        added.append(context.version)
        report.count("new")
    table["id"] = None
    table["added_in"] = None
    table.loc[ok, "id"] = ids
    table.loc[ok, "added_in"] = added
    if table.loc[ok, "id"].duplicated().any():
        raise ReleaseError("two kept records got the same id; this is a bug, please report it")
    id_of_key = dict(zip(table.loc[ok, "input_key"], table.loc[ok, "id"]))
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
