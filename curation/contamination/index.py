"""The decontamination index of a release (`decontamination/`, listed in the manifest, outside the `datasets`
configs): what a scanner needs to find the release's items in a training corpus without their text.

  decontamination/windows.parquet  hash (uint64), id, window: the hash of every window of `window` characters
                                   of each item's matching form (windows.py), sorted by hash
  decontamination/items.parquet    id, split, characters (of the matching form), windows, scan: `windows`, or
                                   `whole text` for an item shorter than one window (its one hash is of the
                                   whole form: it is found only as a whole document, JSONL record or text line),
                                   or `whole NFKC text` for an item whose matching form is empty (its one hash
                                   is of windows.fallback_codes, `characters` its length; found only whole)
  decontamination/index.json       window length, hash definition, normalization, canary, default coverage
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..schema import schemas
from ..text import matching_codes
from .windows import BASE, Prefix, fallback_codes, mix

FOLDER = "decontamination"
WINDOWS = f"{FOLDER}/windows.parquet"
ITEMS = f"{FOLDER}/items.parquet"
ABOUT = f"{FOLDER}/index.json"
HASH = ("mix(c_0·B^(L-1) + c_1·B^(L-2) + ... + c_(L-1) mod 2^64) over the window's Unicode code points c_i, "
        f"B = {BASE:#x}; mix = splitmix64's finalizer: x ^= x >> 30; x *= 0xbf58476d1ce4e5b9; x ^= x >> 27; "
        "x *= 0x94d049bb133111eb; x ^= x >> 31 (mod 2^64)")
NORMALIZATION = ("the matching form of the exact tier: NFKC, casefolded, katakana as hiragana, runs of ー as one; "
                 "invisible characters, whitespace, punctuation and symbols removed, except separators between "
                 "digits (a thousands comma is removed); a text whose matching form is empty is matched, only "
                 "whole, on its NFKC text without invisible characters and whitespace")
SCANS = ("windows", "whole text", "whole NFKC text")


def item_windows(texts: list[str], window: int) -> list[tuple[np.ndarray, int, str]]:
    """Each text's window hashes (every window of its matching form, in order; one hash of the whole form
    when it is shorter than a window; one of its fallback form when its matching form is empty), that
    form's length and how it is scanned (SCANS)."""
    hashes, owner, _, characters, scan = all_windows(texts, window)
    parts = np.split(hashes, np.cumsum(np.bincount(owner, minlength=len(texts)))[:-1])
    return [(part, int(n), SCANS[s]) for part, n, s in zip(parts, characters, scan)]


def all_windows(texts: list[str], window: int) -> tuple[np.ndarray, ...]:
    """What item_windows gives, as flat arrays ordered by text and window: hash, text number and window
    number of every entry, then per text its form's length and scan (position in SCANS). Vectorized over
    all texts at once (one prefix sum over their joined forms; a release's index is checked with it on
    every scan), except texts without a matching form (rare)."""
    codes = matching_codes(texts)
    bounds = np.concatenate([[-1], np.flatnonzero(codes == 0), [len(codes)]])
    starts, lengths = bounds[:-1] + 1, np.diff(bounds) - 1
    prefix = Prefix(codes)
    hashes, at = prefix.windows(window)  # the windows of the texts at least one window long
    owner = np.searchsorted(starts, at, side="right") - 1
    short = np.flatnonzero((lengths > 0) & (lengths < window))  # one hash of the whole form
    with np.errstate(over="ignore"):
        whole = mix(prefix.up[starts[short] + lengths[short] - 1]
                    * (prefix.sums[starts[short] + lengths[short]] - prefix.sums[starts[short]]))
    empty = np.flatnonzero(lengths == 0)
    forms = [fallback_codes(texts[k]) for k in empty]
    fallback = [Prefix(f).at(np.zeros(1, np.int64), len(f)) if len(f) else np.zeros(0, np.uint64) for f in forms]
    characters = lengths.copy()
    characters[empty] = [len(f) for f in forms]
    scan = np.where(lengths >= window, 0, 1)
    scan[empty] = 2
    hashes = np.concatenate([hashes, whole, *fallback]).astype(np.uint64)
    owner = np.concatenate([owner, short, *[np.full(len(h), k) for k, h in zip(empty, fallback)]]).astype(np.int64)
    number = np.concatenate([at - starts[owner[:len(at)]], np.zeros(len(owner) - len(at), np.int64)])
    order = np.argsort(owner, kind="stable")
    return hashes[order], owner[order], number[order], characters, scan


def index_files(records: pd.DataFrame, version: str) -> dict[str, bytes | str]:
    """The index files of a release's records (columns id, text, split), byte-stable for the same records."""
    config = schemas().contamination
    window = config["window"]
    rows, items = [], []
    ordered = records.sort_values("id")
    for rec, (hashes, length, scan) in zip(ordered.to_dict("records"),
                                           item_windows(ordered["text"].tolist(), window)):
        rows += [(int(h), rec["id"], k) for k, h in enumerate(hashes.tolist())]
        items.append({"id": rec["id"], "split": rec["split"], "characters": length, "windows": len(hashes),
                      "scan": scan})
    rows.sort()
    windows = pa.table({"hash": pa.array([r[0] for r in rows], pa.uint64()), "id": [r[1] for r in rows],
                        "window": pa.array([r[2] for r in rows], pa.int32())})
    item_table = pa.Table.from_pylist(items, schema=pa.schema([
        ("id", pa.string()), ("split", pa.string()), ("characters", pa.int32()), ("windows", pa.int32()),
        ("scan", pa.string())]))
    dataset = schemas().dataset
    about = {"format": 1, "release": version, "window": window, "hash": HASH, "normalization": NORMALIZATION,
             "min_coverage": config["min_coverage"], "canary_guid": dataset["canary_guid"],
             "canary": dataset["canary"], "items": len(items), "hashes": len(rows),
             "scanner": "curation contamination CORPUS... --release PATH"}
    return {WINDOWS: parquet_bytes(windows), ITEMS: parquet_bytes(item_table),
            ABOUT: json.dumps(about, ensure_ascii=False, indent=2) + "\n"}


def parquet_bytes(table: pa.Table) -> bytes:
    """The table as Parquet, with the canary in its metadata like every Parquet file of a release."""
    sink = io.BytesIO()
    pq.write_table(table.replace_schema_metadata({b"canary": schemas().dataset["canary"].encode("utf-8")}), sink,
                   **schemas().tuning["parquet"])
    return sink.getvalue()
