"""Japanese text: the released form (NFC), the matching form duplicates are found on, and UniDic words
(fugashi + unidic-lite) with offsets into the original."""

from .japanese import Token, Words, fold_width, lemma_key, tokens, words
from .normalize import (
    INVISIBLE,
    SEPARATOR,
    THOUSANDS,
    fallback_form,
    matching_codes,
    matching_form,
    matching_forms,
    release_text,
)

__all__ = ["INVISIBLE", "SEPARATOR", "THOUSANDS", "Token", "Words", "fallback_form", "fold_width", "lemma_key",
           "matching_codes", "matching_form", "matching_forms", "release_text", "tokens", "words"]
