"""Normalization. The released text is only ever NFC; the matching form, used to find duplicates,
folds everything a contributor's keyboard or editor may vary without changing the prompt."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

# Zero-width and other invisible format characters, BOM, and variation selectors.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)
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
def tables() -> tuple[np.ndarray, re.Pattern]:
    """A code point -> code point table (DROP: removed) for the per-character folding, and the pattern of
    separators between digits. Beyond U+2FFFF everything but tag characters is unassigned or private use."""
    table = np.arange(0x110000, dtype=np.uint32)
    gone = [cp for cp in [*range(0x30000), *range(0xE0000, 0xE1000)] if dropped(chr(cp))]
    table[gone] = DROP
    table[0x30A1:0x30F7] -= 0x60  # katakana ァ..ヶ -> hiragana ぁ..ゖ
    table[[0x30FD, 0x30FE]] -= 0x60  # ヽヾ -> ゝゞ
    table[ord(SEPARATOR)] = ord(SEPARATOR)
    separators = [cp for cp in gone if cp != ord(SEPARATOR)]
    ranges, start = [], separators[0]
    for prev, cp in zip(separators, [*separators[1:], -1]):
        if cp != prev + 1:
            ranges.append(f"\\U{start:08x}-\\U{prev:08x}" if prev > start else f"\\U{start:08x}")
            start = cp
    between_digits = re.compile(f"(?<=[0-9])[{''.join(ranges)}]+(?=[0-9])")
    return table, between_digits


def matching_forms(texts: list[str]) -> list[str]:
    """The matching form of each text: NFKC (full/half width, compatibility forms), case folded, katakana
    as hiragana, runs of ー as one, invisible characters, whitespace (U+3000 too), punctuation and symbols
    removed, except separators between digits. Japanese does not separate words with spaces, and 。 vs ？
    does not change a prompt. The whole column is folded as one string: per-text calls cost more than the
    folding itself."""
    if not texts:
        return []
    table, between_digits = tables()
    # NFKC per text: its quick check passes most texts untouched, which one long string never does.
    joined = INVISIBLE.sub("", SEPARATOR.join(t.replace(SEPARATOR, "") for t in texts))
    joined = SEPARATOR.join(unicodedata.normalize("NFKC", t) for t in joined.split(SEPARATOR)).casefold()
    if "," in joined:
        joined = THOUSANDS.sub("", joined)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    folded = table[codes]
    for match in between_digits.finditer(joined):  # rare: keep them, minus spaces
        kept = codes[match.start():match.end()]
        folded[match.start():match.end()] = np.where([c.isspace() for c in match.group()], DROP, kept)
    folded = folded[folded != DROP]
    repeated = np.zeros(len(folded), dtype=bool)
    repeated[1:] = (folded[1:] == LONG_VOWEL) & (folded[:-1] == LONG_VOWEL)
    return folded[~repeated].tobytes().decode("utf-32-le").split(SEPARATOR)


def matching_form(text: str) -> str:
    return matching_forms([text])[0]
