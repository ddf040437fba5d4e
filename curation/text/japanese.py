"""Japanese text analysis shared by the taggers: UniDic tokens (fugashi + unidic-lite) with character
offsets into the original text, on a width-folded copy that keeps those offsets."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import NamedTuple

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


class Token(NamedTuple):  # a tuple: tokenizing is the costly part of classifying near duplicates
    surface: str
    start: int
    end: int
    pos: tuple[str, str, str]  # UniDic pos1..pos3, e.g. (名詞, 固有名詞, 人名)
    lemma: str  # UniDic lemma (殺さ -> 殺す, ころし -> 殺す); the surface for unknown words and numbers
    known: bool  # in the dictionary (garbled or noisy text is mostly unknown words)

    @property
    def person(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "人名"


# MeCab writes every word as one line of nine tab-separated fields: surface, pos1-3, lemma (the surface for
# an unknown word), conjugation type and form (読める is 読む in 下一段; でしょう is です in 意志推量形), reading
# (lForm, katakana) and 1/0 for known/unknown, the last never empty (fugashi strips trailing whitespace).
# One split of its output and slices of that list are all the Python work per text: per-word objects cost
# more than MeCab itself. MeCab writes an empty field for UniDic's `*`.
FIELDS = 9
FORMAT = (r"--output-format-type= --eos-format= "
          r"--node-format=%m\\t%f[0]\\t%f[1]\\t%f[2]\\t%f[7]\\t%f[4]\\t%f[5]\\t%f[6]\\t1\\n "
          r"--unk-format=%m\\t%f[0]\\t%f[1]\\t%f[2]\\t%m\\t\\t\\t\\t0\\n")


@lru_cache(maxsize=1)
def tagger():
    import fugashi  # loading the dictionary costs ~0.1 s: only when text is analysed

    return fugashi.Tagger(FORMAT)


class Words(NamedTuple):
    """A text's UniDic words as columns."""
    surface: list[str]
    pos1: list[str]
    pos2: list[str]
    pos3: list[str]
    lemma: list[str]  # UniDic lemma (殺さ -> 殺す, ころし -> 殺す); the surface for unknown words and numbers
    ctype: list[str]  # conjugation type (五段-ラ行, 下一段-ラ行...); empty for words that do not conjugate
    cform: list[str]  # conjugation form (終止形-一般, 意志推量形...)
    reading: list[str]  # the lemma's reading in katakana (バクダン); empty for unknown words
    known: list[str]  # "1": in the dictionary (garbled or noisy text is mostly unknown words)


# MeCab's work grows with the square of a run of characters it reads as one unknown word (50,000 ﷺ: 2.4 s
# a call), so a longer text is parsed in pieces of at most this many characters, each cut after a line
# break, a sentence end or a space in its second half where there is one.
PIECE = 2000
PIECE_ENDS = "\n。．.！？!? \u3000"


def parsed(folded: str) -> str:
    """MeCab's output for a text (empty for none). MeCab stops reading at a NUL: it is read as a space."""
    if not folded or folded.isspace():
        return ""
    text = folded.replace("\x00", " ")
    if len(text) <= PIECE:
        return tagger().parse(text)
    return "\n".join(out for out in map(tagger().parse, pieces(text)) if out)


def pieces(text: str) -> list[str]:
    out, start = [], 0
    while len(text) - start > PIECE:
        half = start + PIECE // 2
        cut = max(text.rfind(end, half, start + PIECE) for end in PIECE_ENDS)
        end = cut + 1 if cut >= 0 else start + PIECE
        out.append(text[start:end])
        start = end
    return [*out, text[start:]]


def lines(folded: str) -> list[str]:
    """A text's words, each as the line of its FIELDS fields MeCab writes: equal words, equal lines."""
    out = parsed(folded)
    return out.split("\n") if out else []



def lemma_of(lemma: str, surface: str, known: str) -> str:
    # UniDic writes loanword lemmas as `プロンプト-prompt`; the part before the hyphen is the lemma.
    return (lemma or surface).partition("-")[0] if known == "1" else lemma


def words(folded: str) -> Words:
    out = parsed(folded)
    fields = out.replace("\n", "\t").split("\t") if out else []
    known = fields[8::FIELDS]
    surface = fields[0::FIELDS]
    lemma = list(map(lemma_of, fields[4::FIELDS], surface, known))
    return Words(surface, fields[1::FIELDS], fields[2::FIELDS], fields[3::FIELDS], lemma, fields[5::FIELDS],
                 fields[6::FIELDS], fields[7::FIELDS], known)


def tokens(folded: str) -> list[Token]:
    """Tokens of an already width-folded text, with offsets into it."""
    out, position = [], 0
    found = words(folded)
    for surface, pos1, pos2, pos3, lemma, _, _, _, known in zip(*found):
        start = folded.find(surface, position)  # MeCab skips only whitespace between words
        position = start + len(surface)
        out.append(Token(surface, start, position, (pos1, pos2, pos3), lemma, known == "1"))
    return out


def lemma_key(term: str) -> tuple[str, ...]:
    """A lexicon term as the lemma sequence it matches (terms are written in dictionary form)."""
    return tuple(t.lemma for t in tokens(fold_width(term)) if t.pos[0] not in ("空白",))
