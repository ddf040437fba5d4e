"""Normalization. The released text is only ever NFC; the matching form, used to find duplicates,
folds everything a contributor's keyboard or editor may vary without changing the prompt."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

# Zero-width and other invisible format characters, BOM, and variation selectors (first, last code point).
INVISIBLE_RANGES = [(0xAD, 0xAD), (0x34F, 0x34F), (0x61C, 0x61C), (0x115F, 0x1160), (0x17B4, 0x17B5),
                    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
                    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xE0000, 0xE0FFF)]
INVISIBLE = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in INVISIBLE_RANGES) + "]")
SEPARATOR = "\x00"  # joins a whole column into one string; never part of a matching form
DROP = 0xFFFFFFFF
LONG_VOWEL = 0x30FC  # ー
# Separators between two digits are kept: "1.5g" is not "15g", "1/2" not "12", "3:1" not "31" (spaces
# inside are still dropped). A thousands comma is the exception, so that "1,000" and "1000" are one number.
THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")


def release_text(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def dropped(char: str) -> bool:
    """Whitespace, punctuation, symbols and invisible characters vary with the keyboard, not the prompt.
    ー is a letter (Lm) and stays: it spells words (スーパー)."""
    return unicodedata.category(char)[0] in "PSZC" or char.isspace() or bool(INVISIBLE.match(char))


@lru_cache(maxsize=1)
def tables() -> tuple[np.ndarray, np.ndarray]:
    """A code point -> code point table (DROP: removed) for the per-character folding, and which code points
    are whitespace. Beyond U+2FFFF everything but tag characters is unassigned or private use."""
    table = np.arange(0x110000, dtype=np.uint32)
    gone = [cp for cp in [*range(0x30000), *range(0xE0000, 0xE1000)] if dropped(chr(cp))]
    table[gone] = DROP
    table[0x30A1:0x30F7] -= 0x60  # katakana ァ..ヶ -> hiragana ぁ..ゖ
    table[[0x30FD, 0x30FE]] -= 0x60  # ヽヾ -> ゝゞ
    table[ord(SEPARATOR)] = ord(SEPARATOR)
    space = np.zeros(0x110000, dtype=bool)
    space[[cp for cp in range(0x3100) if chr(cp).isspace()]] = True
    return table, space


@lru_cache(maxsize=1)
def fold_tables() -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray], np.ndarray, np.ndarray]:
    """casefold(NFKC(c)) per code point, as numpy tables: the code point it becomes (or its first), how
    many it becomes, the longer results, and flags for invisible characters (removed first) and for
    characters next to which NFKC may compose (combining marks, Hangul jamo, and those whose NFKC holds
    one): texts holding one of these are folded by unicodedata itself. Elsewhere NFKC and casefolding work
    character by character, so the tables give exactly what unicodedata and str.casefold give."""
    single = np.arange(0x110000, dtype=np.uint32)
    length = np.ones(0x110000, dtype=np.int64)
    longer: dict[int, np.ndarray] = {}
    invisible = np.zeros(0x110000, dtype=bool)
    composing = np.zeros(0x110000, dtype=bool)
    for low, high in INVISIBLE_RANGES:
        invisible[low:high + 1] = True
    # Only characters with a decomposition or a case change can change; combining marks and Hangul jamo
    # (and characters whose NFKC holds one: ﾞ is U+3099) may compose with what comes before.
    changing, mark = [], set()
    for cp in range(1, 0x30000):  # beyond: unassigned, private or tags (invisible); 0: SEPARATOR
        char = chr(cp)
        if unicodedata.decomposition(char) or char.casefold() != char:
            changing.append(cp)
        if unicodedata.combining(char) or unicodedata.category(char)[0] == "M":
            mark.add(cp)
    for low, high in [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xD7B0, 0xD7FF), (0xFFA0, 0xFFDC)]:
        mark.update(range(low, high + 1))
    # One call for all: NUL (a starter) between two characters keeps NFKC from composing across them.
    nfkc = unicodedata.normalize("NFKC", SEPARATOR.join(map(chr, changing))).split(SEPARATOR)
    for cp, normal in zip(changing, nfkc):
        result = normal.casefold()
        if result != chr(cp):
            single[cp] = ord(result[0])
            length[cp] = len(result)
            if len(result) > 1:
                longer[cp] = np.frombuffer(result.encode("utf-32-le"), dtype=np.uint32)
        if any(ord(c) in mark for c in normal):
            mark.add(cp)
    composing[list(mark)] = True
    return single, length, longer, invisible, composing


def casefolded_nfkc(codes: np.ndarray) -> np.ndarray:
    """casefold(NFKC(text)) of SEPARATOR-joined texts given as code points (invisible ones removed)."""
    single, length, longer, _, composing = fold_tables()
    sizes = length[codes]
    out = single[codes]
    grow = np.flatnonzero(sizes != 1)
    if len(grow):
        out = np.repeat(out, sizes)
        starts = np.cumsum(sizes) - sizes
        pieces = [longer[int(cp)] for cp in codes[grow]]
        out[np.repeat(starts[grow], sizes[grow]) + np.concatenate([np.arange(len(p)) for p in pieces])] = \
            np.concatenate(pieces)
    flagged = np.flatnonzero(composing[codes])
    if not len(flagged):
        return out
    # Rare: the texts where NFKC may compose are redone by unicodedata and put in place of the tables' result.
    text_of = np.unique(np.searchsorted(np.flatnonzero(codes == ord(SEPARATOR)), flagged, side="right"))
    bounds = np.concatenate([[-1], np.flatnonzero(out == ord(SEPARATOR)), [len(out)]])
    in_bounds = np.concatenate([[-1], np.flatnonzero(codes == ord(SEPARATOR)), [len(codes)]])
    parts, done = [], 0
    for k in text_of.tolist():
        text = codes[in_bounds[k] + 1:in_bounds[k + 1]].tobytes().decode("utf-32-le")
        parts += [out[done:bounds[k] + 1],
                  np.frombuffer(unicodedata.normalize("NFKC", text).casefold().encode("utf-32-le"), dtype=np.uint32)]
        done = bounds[k + 1]
    return np.concatenate([*parts, out[done:]])


def matching_forms(texts: list[str]) -> list[str]:
    """The matching form of each text: NFKC (full/half width, compatibility forms), case folded, katakana
    as hiragana, runs of ー as one, invisible characters, whitespace (U+3000 too), punctuation and symbols
    removed, except separators between digits. Japanese does not separate words with spaces, and 。 vs ？
    does not change a prompt. The whole column is folded as one string: per-text calls cost more than the
    folding itself."""
    if not texts:
        return []
    return matching_codes(texts).tobytes().decode("utf-32-le").split(SEPARATOR)


def matching_codes(texts: list[str]) -> np.ndarray:
    """The matching forms of texts as one array of code points, SEPARATOR (0) between two texts. All in
    numpy over the whole column: per-text calls, or str.translate, cost more than the folding itself."""
    table, space = tables()
    invisible = fold_tables()[3]
    codes = np.frombuffer(SEPARATOR.join(t.replace(SEPARATOR, "") for t in texts).encode("utf-32-le"),
                          dtype=np.uint32)
    codes = casefolded_nfkc(codes[~invisible[codes]])
    digit = (codes >= 0x30) & (codes <= 0x39)
    # A thousands comma: a digit before it, exactly three after it.
    comma = np.flatnonzero(codes == 0x2C)
    ahead = np.pad(digit, (0, 4))
    thousands = comma[(comma > 0) & digit[comma - 1] & ahead[comma + 1] & ahead[comma + 2] & ahead[comma + 3]
                      & ~ahead[comma + 4]]
    if len(thousands):
        codes, digit = np.delete(codes, thousands), np.delete(digit, thousands)
    folded = table[codes]
    # Separators between two digits: a run of dropped characters with a digit on either side stays, minus
    # its spaces.
    gone = folded == DROP
    start = np.flatnonzero(gone & ~np.concatenate([[False], gone[:-1]]))
    end = np.flatnonzero(gone & ~np.concatenate([gone[1:], [False]])) + 1
    between = (start > 0) & (end < len(codes))
    between[between] &= digit[start[between] - 1] & digit[end[between]]
    if between.any():
        size = (end - start)[between]
        at = np.repeat(start[between], size) + np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size)
        folded[at] = np.where(space[codes[at]], DROP, codes[at])
    folded = folded[folded != DROP]
    repeated = np.zeros(len(folded), dtype=bool)
    repeated[1:] = (folded[1:] == LONG_VOWEL) & (folded[:-1] == LONG_VOWEL)
    return folded[~repeated]


def matching_form(text: str) -> str:
    return matching_forms([text])[0]
