"""Finding a release's items in text, with its decontamination index (index.py): plain functions over a
batch of documents, used by every engine (corpus.py runs them inside datatrove's pipeline).

A document is a list of segments (a JSONL record or Parquet row is one segment; a block of a plain-text file
is one segment per line). Segments of one document are joined without a break, so a prompt broken across
lines is found; no window crosses from one document into the next. An item is found in a document when at
least `min_coverage` of its windows are there (a verbatim or normalized copy covers 1.0); an item shorter
than one window only when a whole segment is exactly it, and so is an item whose matching form is empty
(only symbols: 💣🔪), on its fallback form (windows.fallback_codes). The canary GUID is looked for in the raw
text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..release.layout import verify_release
from ..text import SEPARATOR as TEXT_SEPARATOR
from ..text import matching_codes, matching_forms
from .index import SCANS
from .index_check import checked_index
from .windows import SEPARATOR, Prefix, fallback_codes

WINDOWS, WHOLE, FALLBACK = range(len(SCANS))
FILTER_BITS = 22  # a table of 2^22 flags indexed by a hash's top bits: most windows are rejected by one lookup


@dataclass
class Index:
    """A release's index as the scanner holds it: small (a few hashes per item), so it travels with the
    pipeline to every worker and node instead of being read from shared storage."""
    release: str
    window: int
    min_coverage: float
    guid: str
    ids: list[str]
    splits: list[str]
    windows: np.ndarray  # per item: how many windows it has
    hashes: np.ndarray  # sorted; hashes[k] belongs to item item[k], its window window_no[k]
    item: np.ndarray
    window_no: np.ndarray
    whole_lengths: list[int]  # lengths of the items found only whole
    scan: np.ndarray  # per item: WINDOWS, WHOLE or FALLBACK (its position in index.SCANS)
    fallback_lengths: list[int]  # lengths of the fallback forms of items whose matching form is empty
    flags: np.ndarray  # bool per top-bits bucket: does any window hash fall there

    @classmethod
    def build(cls, release: str, window: int, min_coverage: float, guid: str, ids: list[str], splits: list[str],
              lengths: list[int], hashes: np.ndarray, item: np.ndarray, window_no: np.ndarray,
              scans: list[str] | None = None) -> Index:
        """An index from its entries (hash, item number, window number; any order), each item's form length
        and how it is scanned (default: by windows, or whole when shorter than one): what the release's
        files hold, or what a benchmark computes for another window length."""
        order = np.argsort(hashes, kind="stable")
        hashes = hashes[order]
        flags = np.zeros(1 << FILTER_BITS, dtype=bool)
        flags[hashes >> np.uint64(64 - FILTER_BITS)] = True
        lengths = np.array(lengths, dtype=np.int64)
        scan = (np.array([SCANS.index(s) for s in scans], dtype=np.int8) if scans is not None
                else np.where(lengths < window, WHOLE, WINDOWS).astype(np.int8))
        return cls(release=release, window=window, min_coverage=min_coverage, guid=guid, ids=ids, splits=splits,
                   windows=np.bincount(item, minlength=len(ids)).astype(np.int64), hashes=hashes,
                   item=item[order].astype(np.int64), window_no=window_no[order].astype(np.int64),
                   whole_lengths=sorted(set(lengths[scan == WHOLE].tolist())), scan=scan,
                   fallback_lengths=sorted(set(lengths[scan == FALLBACK].tolist()) - {0}), flags=flags)

    @classmethod
    def load(cls, path: Path, min_coverage: float | None = None) -> Index:
        """The index of the release at `path`, after its checksums are verified and its contents checked
        (index_check.py: a wrong parameter or count would make every scan silently find nothing)."""
        verify_release(path)
        about, items, table = checked_index(path)
        number = {item_id: k for k, item_id in enumerate(items["id"])}
        return cls.build(about["release"], about["window"],
                         about["min_coverage"] if min_coverage is None else min_coverage, about["canary_guid"],
                         items["id"], items["split"], items["characters"], table["hash"].to_numpy(),
                         np.array([number[i] for i in table["id"].to_pylist()], dtype=np.int64),
                         table["window"].to_numpy(), items["scan"])

    def lookup(self, hashes: np.ndarray, scan: int = 0):
        """(position in `hashes`, item, window number) of every index entry a hash equals, among the items
        scanned that way (WINDOWS, WHOLE, FALLBACK)."""
        maybe = np.flatnonzero(self.flags[hashes >> np.uint64(64 - FILTER_BITS)])
        lo = np.searchsorted(self.hashes, hashes[maybe], side="left")
        hi = np.searchsorted(self.hashes, hashes[maybe], side="right")
        count = hi - lo
        at = np.repeat(maybe, count)
        entry = np.repeat(lo, count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        item, window_no = self.item[entry], self.window_no[entry]
        kind = self.scan[item] == scan
        return at[kind], item[kind], window_no[kind]


@dataclass
class Found:
    """One item found in one document: how much of it, and the segment (of that document) its first found
    window starts in."""
    document: int
    item: int
    coverage: float
    segment: int


def scan_documents(index: Index, documents: list[list[str]]) -> tuple[list[Found], list[bool]]:
    """The items found in each document (at least min_coverage of their windows) and whether each
    document holds the canary GUID."""
    canary = [any(index.guid in s for s in segments) for segments in documents]
    if not documents:
        return [], canary
    # A document is normalized whole (its segments joined by line breaks), so that what spans a line break
    # folds as it would on one line (a separator between digits: 090-\n1234 is 090-1234).
    codes = matching_codes(["\n".join(segments) for segments in documents])
    document_of = np.cumsum(codes == SEPARATOR)
    starts = np.concatenate([[0], np.flatnonzero(codes == SEPARATOR) + 1])  # each document's first code
    found = windows_found(index, Prefix(codes), document_of)
    ends: dict[int, np.ndarray] = {}  # per document with a find: where each segment's form ends
    for f in found:  # rare: which segment a found item starts in (a separator between digits broken across
        segments = documents[f.document]  # lines may shift it by one line: segments are folded one by one here)
        if len(segments) == 1:
            f.segment = 0
            continue
        if f.document not in ends:
            codes_of = matching_codes(segments)
            ends[f.document] = np.cumsum(np.diff(np.flatnonzero(np.append(codes_of, SEPARATOR) == SEPARATOR),
                                                 prepend=-1) - 1)
        at = f.segment - starts[f.document]
        f.segment = min(int(np.searchsorted(ends[f.document], at, side="right")), len(segments) - 1)
    found += whole_found(index, documents) + fallback_found(index, documents)
    return sorted(found, key=lambda f: (f.document, f.item)), canary


def windows_found(index: Index, prefix: Prefix, document_of: np.ndarray) -> list[Found]:
    """Items with at least min_coverage of their windows in a document; `segment` is, for now, where in
    the codes the first found window starts."""
    hashes, starts = prefix.windows(index.window)
    at, item, window_no = index.lookup(hashes)
    if not len(at):
        return []
    document = document_of[starts[at]]
    # Distinct (document, item, window): a window found twice counts once, at its first start.
    key = np.unique(np.stack([document, item, window_no, starts[at]], axis=1), axis=0)
    key = key[np.unique(key[:, :3], axis=0, return_index=True)[1]]
    pairs, where, counts = np.unique(key[:, :2], axis=0, return_index=True, return_counts=True)
    first_start = np.minimum.reduceat(key[:, 3], where)
    coverage = counts / index.windows[pairs[:, 1]]
    keep = coverage >= index.min_coverage
    return [Found(int(d), int(i), float(c), int(s))
            for (d, i), c, s in zip(pairs[keep].tolist(), coverage[keep].tolist(), first_start[keep].tolist())]


def whole_found(index: Index, documents: list[list[str]]) -> list[Found]:
    """Items shorter than a window, found only as a whole segment (a record, a row, a line). Only segments
    short enough to be one are normalized."""
    if not index.whole_lengths:
        return []
    longest = 4 * max(index.whole_lengths) + 16  # the raw text of a short item: spaces, punctuation, width
    places = [(d, k) for d, segments in enumerate(documents) for k, s in enumerate(segments) if len(s) <= longest]
    if not places:
        return []
    codes = matching_codes([documents[d][k] for d, k in places])
    position = np.flatnonzero(codes != SEPARATOR)
    segment, first, length = np.unique(np.cumsum(codes == SEPARATOR)[position], return_index=True,
                                       return_counts=True)
    start = position[first]
    prefix, found = Prefix(codes), []
    for size in index.whole_lengths:
        chosen = length == size
        if chosen.any():
            at, item, _ = index.lookup(prefix.at(start[chosen], size), WHOLE)
            found += [Found(places[g][0], int(i), 1.0, places[g][1])
                      for g, i in zip(segment[chosen][at].tolist(), item.tolist())]
    return found


def fallback_found(index: Index, documents: list[list[str]]) -> list[Found]:
    """Items whose matching form is empty (💣🔪, ？？？), found as a whole segment with the same fallback form.
    Only segments short enough to be one are normalized; only those with an empty matching form are hashed."""
    if not index.fallback_lengths:
        return []
    longest = 4 * max(index.fallback_lengths) + 16
    places = [(d, k) for d, segments in enumerate(documents) for k, s in enumerate(segments)
              if 0 < len(s) <= longest]
    if not places:
        return []
    forms = matching_forms([documents[d][k] for d, k in places])
    found = []
    for (d, k), form in zip(places, forms):
        if not form.startswith(TEXT_SEPARATOR):  # a text with letters or digits (fallback forms start so)
            continue
        codes = fallback_codes(documents[d][k])
        if len(codes) in index.fallback_lengths:
            _, item, _ = index.lookup(Prefix(codes).at(np.zeros(1, np.int64), len(codes)), FALLBACK)
            found += [Found(d, int(i), 1.0, k) for i in item.tolist()]
    return found
