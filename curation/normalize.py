"""Normalization. The released text is only ever NFC; the matching form, used to find duplicates,
folds everything a contributor's keyboard or editor may vary without changing the prompt."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and other invisible format characters, BOM, and variation selectors.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)
WHITESPACE = re.compile(r"\s+")


def release_text(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def matching_form(text: str) -> str:
    """NFKC (full/half width, compatibility forms), case folded, invisible characters and all
    whitespace (including U+3000) removed: Japanese does not separate words with spaces."""
    folded = unicodedata.normalize("NFKC", INVISIBLE.sub("", text)).casefold()
    return WHITESPACE.sub("", INVISIBLE.sub("", folded))
