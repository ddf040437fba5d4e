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
from .windows import BASE, Prefix, fallback_codes

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
    codes = matching_codes(texts)
    bounds = np.concatenate([[-1], np.flatnonzero(codes == 0), [len(codes)]])
    out = []
    for text, start, end in zip(texts, bounds[:-1] + 1, bounds[1:]):
        form = codes[start:end]
        if not len(form):
            form = fallback_codes(text)
            hashes = Prefix(form).at(np.zeros(1, np.int64), len(form)) if len(form) else np.zeros(0, np.uint64)
            out.append((hashes, len(form), SCANS[2]))
            continue
        hashes, _ = Prefix(form).windows(min(window, len(form)))
        out.append((hashes, len(form), SCANS[0] if len(form) >= window else SCANS[1]))
    return out


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
