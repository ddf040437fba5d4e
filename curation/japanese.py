"""Japanese text analysis shared by the taggers: UniDic tokens (fugashi + unidic-lite) with character
offsets into the original text, on a width-folded copy that keeps those offsets."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .normalize import INVISIBLE


def fold_width(text: str) -> str:
    """Each character replaced by its NFKC form where that is one character (full-width digits and
    letters, half-width katakana): offsets into the result are offsets into `text`, so a span found
    here can be reported on the original."""
    return "".join(_folded(c) for c in text)


@lru_cache(maxsize=65536)
def _folded(char: str) -> str:
    if INVISIBLE.match(char):
        return " "
    nfkc = unicodedata.normalize("NFKC", char)
    return nfkc if len(nfkc) == 1 else char


@dataclass(frozen=True)
class Token:
    surface: str
    start: int
    end: int
    pos: tuple[str, str, str]  # UniDic pos1..pos3, e.g. (名詞, 固有名詞, 人名)
    lemma: str  # UniDic lemma (殺さ -> 殺す, ころし -> 殺す); the surface for unknown words and numbers
    known: bool  # in the dictionary (garbled or noisy text is mostly unknown words)

    @property
    def person(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "人名"


@lru_cache(maxsize=1)
def tagger():
    import fugashi  # loading the dictionary costs ~0.1 s: only when text is analysed

    return fugashi.Tagger()


def tokens(folded: str) -> list[Token]:
    """Tokens of an already width-folded text, with offsets into it."""
    out, position = [], 0
    for word in tagger()(folded):
        position += len(word.white_space)
        feature = word.feature
        # UniDic writes loanword lemmas as `プロンプト-prompt`; the part before the hyphen is the lemma.
        lemma = (feature.lemma or word.surface).split("-", 1)[0] if not word.is_unk else word.surface
        out.append(Token(word.surface, position, position + len(word.surface),
                         (feature.pos1, feature.pos2, feature.pos3), lemma, not word.is_unk))
        position += len(word.surface)
    return out


def lemma_key(term: str) -> tuple[str, ...]:
    """A lexicon term as the lemma sequence it matches (terms are written in dictionary form)."""
    return tuple(t.lemma for t in tokens(fold_width(term)) if t.pos[0] not in ("空白",))
