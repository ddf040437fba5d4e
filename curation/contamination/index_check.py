"""The decontamination index of a release, read and checked before a scan uses it. The manifest's checksums
say the files are those written, not that they make sense: an index with `window: -1` or an emptied
windows.parquet, or one whose hashes are all 0 (its checksum recomputed), would find nothing in any corpus,
and the scan would call the corpus clean: the hashes are recomputed from the release's own texts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ReleaseError
from ..release.layout import MANIFEST
from .index import ABOUT, ITEMS, SCANS, WINDOWS, all_windows

ITEM_COLUMNS = ("id", "split", "characters", "windows", "scan")
WINDOW_COLUMNS = ("hash", "id", "window")


def checked_index(path: Path) -> tuple[dict, dict, pa.Table]:
    """index.json, items.parquet (as columns) and windows.parquet of the release at `path`, once their
    parameters are in range and their counts agree; a ReleaseError naming the file and field otherwise."""
    if not (path / ABOUT).is_file():
        raise ReleaseError(f"{path}: no {ABOUT}; releases before v0.7.0 carry no decontamination index")
    about = read_about(path / ABOUT)
    items = read_table(path / ITEMS, ITEM_COLUMNS).to_pydict()
    windows = read_table(path / WINDOWS, WINDOW_COLUMNS)

    def damaged(file: str, what: str):
        return ReleaseError(f"{path / file}: {what}; the index is damaged (releases are immutable)")

    if len(items["id"]) != about["items"]:
        raise damaged(ITEMS, f"{len(items['id'])} items where {ABOUT} says {about['items']}")
    if windows.num_rows != about["hashes"]:
        raise damaged(WINDOWS, f"{windows.num_rows} hashes where {ABOUT} says {about['hashes']}")
    if len(set(items["id"])) != len(items["id"]) or any(not isinstance(i, str) for i in items["id"]):
        raise damaged(ITEMS, "an id missing or listed twice")
    unknown = sorted(set(items["scan"]) - set(SCANS), key=str)
    if unknown:
        raise damaged(ITEMS, f"scan {unknown[0]!r} is none of {', '.join(SCANS)}")
    characters = np.array(items["characters"], dtype=object)
    count = np.array(items["windows"], dtype=object)
    if any(not isinstance(n, int) or n < 0 for n in [*characters, *count]):
        raise damaged(ITEMS, "characters and windows must be whole numbers, 0 or more")
    scan = np.array([SCANS.index(s) for s in items["scan"]])
    window = about["window"]
    expected = np.where(scan == 0, characters - window + 1, (characters > 0).astype(int))
    wrong = np.flatnonzero((count != expected) | ((scan == 0) & (characters < window))
                           | ((scan == 1) & (characters >= window)))
    if len(wrong):
        raise damaged(ITEMS, f"row {wrong[0] + 1}: its characters, windows and scan disagree with window {window}")
    if windows.schema.field("hash").type != pa.uint64() or not pa.types.is_integer(windows.schema.field("window").type):
        raise damaged(WINDOWS, "hash must be uint64 and window a whole number")
    number = {item_id: k for k, item_id in enumerate(items["id"])}
    owner = np.array([number.get(i, -1) for i in windows["id"].to_pylist()], dtype=np.int64)
    if (owner < 0).any():
        raise damaged(WINDOWS, f"row {int(np.argmax(owner < 0)) + 1}: an id that is not in {ITEMS}")
    if not np.array_equal(np.bincount(owner, minlength=len(number)), count.astype(np.int64)):
        raise damaged(WINDOWS, f"the hashes per item disagree with the windows column of {ITEMS}")
    window_no = windows["window"].to_numpy(zero_copy_only=False)
    if len(window_no) and ((window_no < 0) | (window_no >= count.astype(np.int64)[owner])).any():
        raise damaged(WINDOWS, "a window number outside its item's windows")
    # Hashes all set to 0 (or to another text's) pass every count: recomputed from the release's own texts.
    hashes, item, number, length, kind = all_windows(released_texts(path, items["id"], damaged), window)
    if not (np.array_equal(length, characters.astype(np.int64)) and np.array_equal(kind, scan)):
        raise damaged(ITEMS, "its characters or scan are not those of the release's texts")
    order = np.lexsort((window_no, owner))
    if not (np.array_equal(owner[order], item) and np.array_equal(window_no[order], number)
            and np.array_equal(windows["hash"].to_numpy()[order], hashes)):
        raise damaged(WINDOWS, "its hashes are not those of the release's texts")
    return about, items, windows


def released_texts(path: Path, ids: list[str], damaged) -> list[str]:
    """The texts of the release's items (its default config), in the order of `ids`; the index must cover
    exactly those items."""
    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))  # verified before
    text = {}
    for rel in manifest["configs"]["default"]["files"].values():
        table = read_table(path / rel, ("id", "text"))
        text.update(zip(table["id"].to_pylist(), table["text"].to_pylist()))
    if set(text) != set(ids) or any(not isinstance(t, str) for t in text.values()):
        raise damaged(ITEMS, f"its ids are not those of the release's items ({len(text)} in its data)")
    return [text[i] for i in ids]


def read_about(file: Path) -> dict:
    try:
        about = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise ReleaseError(f"{file}: not the JSON this tool writes; the index is damaged") from None
    rules = {"release": (str, lambda v: bool(v), "a version"),
             "canary_guid": (str, lambda v: bool(v), "the canary GUID"),
             "window": (int, lambda v: v > 0, "a whole number above 0"),
             "min_coverage": ((int, float), lambda v: 0 < v <= 1, "a share above 0, at most 1"),
             "items": (int, lambda v: v >= 0, "a whole number, 0 or more"),
             "hashes": (int, lambda v: v >= 0, "a whole number, 0 or more")}
    if not isinstance(about, dict):
        raise ReleaseError(f"{file}: not the JSON object this tool writes; the index is damaged")
    for name, (kind, in_range, wanted) in rules.items():
        value = about.get(name)
        if isinstance(value, bool) or not isinstance(value, kind) or not in_range(value):
            shown = value if isinstance(value, (int, float)) and not isinstance(value, bool) else \
                f"(a JSON {type(value).__name__.replace('NoneType', 'null')})"
            raise ReleaseError(f"{file}: {name} {shown} must be {wanted}; the index is damaged "
                               "(releases are immutable)")
    return about


def read_table(file: Path, columns: tuple[str, ...]) -> pa.Table:
    try:
        table = pq.read_table(file, columns=[c for c in columns if c in pq.read_schema(file).names])
    except (OSError, pa.ArrowException):
        raise ReleaseError(f"{file}: not a Parquet file; the index is damaged") from None
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise ReleaseError(f"{file}: no column {missing[0]!r}; the index is damaged")
    return table
