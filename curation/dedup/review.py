"""The review report of a release (reports/near_duplicates.md): every cluster side by side."""

from __future__ import annotations

import difflib
from os.path import commonprefix

import pandas as pd

from ..contract import Fate
from ..tagging.pii import masked

# A character diff costs up to len(a)·len(b) steps (difflib): two near-identical 90,000-character prompts ran
# for a quarter of an hour. Beyond this many, only what lies between the texts' common start and common end
# is compared, and a middle still too long is marked whole (linear: two scans and one slice).
DIFF_CELLS = 1_000_000


def marked(a: str, b: str) -> tuple[str, str]:
    """Both texts with the characters that differ between them in ⟦ ⟧."""
    if len(a) * len(b) <= DIFF_CELLS:
        return diffed(a, b)
    start = len(commonprefix([a, b]))
    end = len(commonprefix([a[start:][::-1], b[start:][::-1]]))
    middle_a, middle_b = a[start:len(a) - end], b[start:len(b) - end]
    if len(middle_a) * len(middle_b) <= DIFF_CELLS:
        left, right = diffed(middle_a, middle_b)
    else:
        left, right = (f"⟦{middle}⟧" if middle else "" for middle in (middle_a, middle_b))
    return a[:start] + left + a[len(a) - end:], b[:start] + right + b[len(b) - end:]


def diffed(a: str, b: str) -> tuple[str, str]:
    """The character diff of two texts short enough for difflib."""
    out_a, out_b = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        same = op == "equal"
        out_a.append(a[i1:i2] if same or i1 == i2 else f"⟦{a[i1:i2]}⟧")
        out_b.append(b[j1:j2] if same or j1 == j2 else f"⟦{b[j1:j2]}⟧")
    return "".join(out_a), "".join(out_b)


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", "⏎") if text is not None else ""


def near_markdown(table: pd.DataFrame, near_released: pd.DataFrame, split_of: dict[str, str]) -> str:
    """Every cluster: its members beside the text they were compared with (the kept one), differences marked."""
    linked = table[table["cluster_id"].notna() & table["pair_class"].ne("exact")]
    # Within a cluster: the record kept (released, or awaiting annotation) and its duplicates.
    outcome = linked["fate"].replace({Fate.RELEASED.value: "kept", Fate.AWAITING.value: "kept, awaiting annotation"})
    held = linked["fate"].isin([Fate.RELEASED.value, Fate.AWAITING.value])
    awaiting = set(linked.loc[linked["fate"] == Fate.AWAITING, "id"])
    split_of = {**split_of, **{rid: "awaiting annotation" for rid in awaiting}}
    # Only released texts were screened for personal data: the others are shown with it masked.
    shown = [text if fate == Fate.RELEASED else masked(text) for text, fate in zip(linked["text"], linked["fate"])]
    members = pd.concat([
        pd.DataFrame({"cluster_id": linked["cluster_id"], "record": linked["where"], "text": shown,
                      "outcome": outcome, "id": linked["id"].where(held, linked["duplicate_of"]),
                      "pair_class": linked["pair_class"], "similarity": linked["similarity"],
                      "reason": linked["near_reason"].map(masked)}),
        pd.DataFrame({"cluster_id": near_released["cluster_id"], "record": near_released["id"],
                      "text": near_released["text"], "outcome": "released earlier only", "id": near_released["id"],
                      "pair_class": near_released["pair_class"], "similarity": near_released["similarity"],
                      "reason": near_released["near_reason"]}),
    ], ignore_index=True)
    merged = linked[outcome == "duplicate"]["cluster_id"].nunique()
    lines = [
        "# Near duplicates", "",
        f"{members['cluster_id'].nunique()} clusters of texts near each other; {merged} with surface variants "
        "dropped as duplicates of the record kept. Records kept side by side in a cluster are linked for "
        "review (minimal pairs, different labels, a shared template) and share a split. Characters that differ "
        "from the first record of the cluster are marked ⟦like this⟧.", "",
    ]
    members["_first"] = members["outcome"].map({"kept": 0, "kept, awaiting annotation": 1,
                                                "released earlier only": 2}).fillna(3)
    for cluster, group in members.sort_values(["cluster_id", "_first", "id", "record"]).groupby("cluster_id"):
        first = group.iloc[0]
        classes = ", ".join(sorted(set(group["pair_class"].dropna())))
        lines += [f"## {cluster} ({classes})", "",
                  f"First: {cell(first['record'])} → `{first['id']}` ({first['outcome']}, "
                  f"{split_of.get(first['id'], 'earlier release')}): {cell(first['text'])}", "",
                  "| record | outcome | id | split | class | similarity | first record | this record | reason |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for rec in group.iloc[1:].to_dict("records"):
            left, right = marked(first["text"], rec["text"])
            lines.append(f"| {cell(rec['record'])} | {rec['outcome']} | `{rec['id']}` | "
                         f"{split_of.get(rec['id'], 'earlier release')} | {rec['pair_class']} | {rec['similarity']} | "
                         f"{cell(left)} | {cell(right)} | {cell(rec['reason'])} |")
        lines.append("")
    return "\n".join(lines)


