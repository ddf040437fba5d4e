"""Normalization. The released text is only ever NFC; the matching form, used to find duplicates,
folds everything a contributor's keyboard or editor may vary without changing the prompt."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import numpy as np

# Zero-width and other invisible format characters, BOM, variation selectors, and the blanks that are
# letters or symbols to Unicode (Hangul fillers, the braille blank U+2800) (first, last code point).
INVISIBLE_RANGES = [(0xAD, 0xAD), (0x34F, 0x34F), (0x61C, 0x61C), (0x115F, 0x1160), (0x17B4, 0x17B5),
                    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x2800, 0x2800),
                    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF9, 0xFFFB),
                    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF)]
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


class Tables:
    """Per-code-point tables, filled in for the code points a text holds the first time it holds them (a
    column uses a few thousand; every code point would cost more than folding 50k prompts):
    - `table`: the code point a character folds to after NFKC and casefolding (DROP: removed), katakana as
      hiragana; `space`: whitespace;
    - `single`, `length`, `longer`: casefold(NFKC(c)), its first code point, how many it is, the longer ones;
    - `invisible`: removed first; `composing`: characters next to which NFKC may compose (combining marks,
      Hangul jamo, and those whose NFKC holds one: ﾞ is U+3099). Texts holding one are folded by unicodedata
      itself. Elsewhere NFKC and casefolding work character by character, so the tables give exactly what
      unicodedata and str.casefold give."""

    # Hangul jamo blocks compose whatever their category.
    JAMO = [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xD7B0, 0xD7FF), (0xFFA0, 0xFFDC)]

    def __init__(self):
        self.table = np.arange(0x110000, dtype=np.uint32)
        self.table[0x30A1:0x30F7] -= 0x60  # katakana ァ..ヶ -> hiragana ぁ..ゖ
        self.table[[0x30FD, 0x30FE]] -= 0x60  # ヽヾ -> ゝゞ
        self.space = np.zeros(0x110000, dtype=bool)
        self.single = np.arange(0x110000, dtype=np.uint32)
        self.length = np.ones(0x110000, dtype=np.int64)
        self.longer: dict[int, np.ndarray] = {}
        self.invisible = np.zeros(0x110000, dtype=bool)
        for low, high in INVISIBLE_RANGES:
            self.invisible[low:high + 1] = True
        self.composing = np.zeros(0x110000, dtype=bool)
        for low, high in self.JAMO:
            self.composing[low:high + 1] = True
        self.lock = threading.Lock()
        self.known = np.zeros(0x110000, dtype=bool)
        self.known[ord(SEPARATOR)] = True  # joins texts: stays as it is
        # Beyond U+2FFFF everything but tag characters is unassigned or private use, and stays as it is.
        self.known[0x30000:0xE0000] = self.known[0xE1000:] = True

    def cover(self, codes: np.ndarray) -> Tables:
        """Fills in the code points among `codes` not seen before."""
        fresh = codes[~self.known[codes]]
        if not len(fresh):
            return self
        with self.lock:  # columns are folded a part per thread
            self.fill(np.unique(fresh[~self.known[fresh]]))
        return self

    def fill(self, fresh: np.ndarray) -> None:
        """The tables' entries for the code points `fresh`; they are `known` only once all are written."""
        for cp in fresh.tolist():
            char = chr(cp)
            if dropped(char):
                self.table[cp] = DROP
            self.space[cp] = cp < 0x3100 and char.isspace()
            if cp >= 0x30000:  # tag characters: invisible, removed before folding
                continue
            if self.is_mark(char):
                self.composing[cp] = True
            if unicodedata.decomposition(char) or char.casefold() != char:
                normal = unicodedata.normalize("NFKC", char)
                result = normal.casefold()
                if result != char:
                    self.single[cp] = ord(result[0])
                    self.length[cp] = len(result)
                    if len(result) > 1:
                        self.longer[cp] = np.frombuffer(result.encode("utf-32-le"), dtype=np.uint32)
                if any(map(self.is_mark, normal)):
                    self.composing[cp] = True
        self.known[fresh] = True

    def is_mark(self, char: str) -> bool:
        cp = ord(char)
        return bool(unicodedata.combining(char) or unicodedata.category(char)[0] == "M"
                    or any(low <= cp <= high for low, high in self.JAMO))


@lru_cache(maxsize=1)
def tables() -> Tables:
    return Tables()


def casefolded_nfkc(codes: np.ndarray) -> np.ndarray:
    """casefold(NFKC(text)) of SEPARATOR-joined texts given as code points (invisible ones removed)."""
    folding = tables().cover(codes)
    single, length, longer, composing = folding.single, folding.length, folding.longer, folding.composing
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
    forms = matching_codes(texts).tobytes().decode("utf-32-le").split(SEPARATOR)
    return [form or fallback_form(text) for form, text in zip(forms, texts)]


def fallback_form(text: str) -> str:
    """The matching form of a text that has no letter or digit (💣🔪, ？？？), whose folded form is empty: its
    NFKC text without invisible characters and whitespace, after SEPARATOR, which no other form holds. So
    8 different symbol-only prompts are 8 prompts, not one; the same one twice (？？？ and ???) is one; and
    a form that starts with SEPARATOR is never a near-duplicate candidate (dedup/pairs.py). A text with no
    visible character at all keeps the empty form."""
    kept = "".join(INVISIBLE.sub("", unicodedata.normalize("NFKC", text).replace(SEPARATOR, "")).split())
    return SEPARATOR + kept if kept else ""


def without_thousands_commas(codes: np.ndarray) -> np.ndarray:
    """Drop each thousands comma: a digit before it, exactly three after it."""
    digit = (codes >= 0x30) & (codes <= 0x39)
    comma = np.flatnonzero(codes == 0x2C)
    ahead = np.pad(digit, (0, 4))
    thousands = comma[(comma > 0) & digit[comma - 1] & ahead[comma + 1] & ahead[comma + 2] & ahead[comma + 3]
                      & ~ahead[comma + 4]]
    return np.delete(codes, thousands) if len(thousands) else codes


def matching_codes(texts: list[str]) -> np.ndarray:
    """The matching forms of texts as one array of code points, SEPARATOR (0) between two texts. All in
    numpy over the whole column: per-text calls, or str.translate, cost more than the folding itself."""
    folding = tables()
    codes = np.frombuffer(SEPARATOR.join(t.replace(SEPARATOR, "") for t in texts).encode("utf-32-le"),
                          dtype=np.uint32)
    codes = casefolded_nfkc(codes[~folding.invisible[codes]])
    table, space = folding.cover(codes).table, folding.space
    codes = without_thousands_commas(codes)
    digit = (codes >= 0x30) & (codes <= 0x39)
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
    # Again once separators are folded: a number broken across lines (1,\n200) is 1,200 only now.
    folded = without_thousands_commas(folded[folded != DROP])
    repeated = np.zeros(len(folded), dtype=bool)
    repeated[1:] = (folded[1:] == LONG_VOWEL) & (folded[:-1] == LONG_VOWEL)
    return folded[~repeated]


def matching_form(text: str) -> str:
    return matching_forms([text])[0]
