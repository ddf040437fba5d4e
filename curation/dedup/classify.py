"""What differs between two near texts, on UniDic words (fugashi): a `surface` variant (spelling, kana,
particles, auxiliaries, punctuation, filler) may be merged; a changed `number`, `negation`, `content` word,
a shared `template`, or different `labels` is linked for review and never merged. When unsure, review."""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

import numpy as np

from ..text import THOUSANDS, Words, words

SURFACE = "surface"
# The first class that applies names a pair (all but surface are linked for review).
REVIEW_ORDER = ["labels", "negation", "number", "tense", "modality", "potential", "question", "voice", "wish",
                "aspect", "template", "content"]

def script(char: str) -> int:
    """The writing a character belongs to (0: none, e.g. punctuation): windows are cut only where it changes."""
    c = ord(char)
    if 0x3040 <= c < 0x30A0:
        return 1  # hiragana
    if 0x30A0 <= c < 0x3100:
        return 2  # katakana, ー
    if 0x3400 <= c < 0xA000 or 0xF900 <= c < 0xFB00 or c == 0x3005:
        return 3  # kanji, 々
    return 4 if char.isalnum() else 0


def shared_ends(a, b) -> tuple[int, int]:
    """How many first and how many last items two sequences share (not overlapping)."""
    n = min(len(a), len(b))
    head = 0
    while head < n and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


def differing_windows(a: str, b: str, context: int) -> tuple[str, str]:
    """Both texts cut to what differs between them plus `context` shared characters on each side, widened to
    where the writing changes (so a katakana or kanji word is not cut; a window may start at a word's
    okurigana, which is the same in both texts). Tokenizing is the cost of classifying a pair, and the
    words UniDic finds where the texts differ do not depend on text further away."""
    p, s = shared_ends(a, b)
    start = max(0, p - context)
    while start > 0 and script(a[start - 1]) == script(a[start]) != 0:
        start -= 1
    cut = max(0, s - context)  # shared characters left off the end
    while cut > 0 and script(a[-cut - 1]) == script(a[-cut]) != 0:
        cut -= 1
    return a[start:len(a) - cut], b[start:len(b) - cut]


@lru_cache(maxsize=1 << 16)
def spelling(surface: str) -> str:
    """Kana spelled alike, punctuation and spaces ignored: katakana as hiragana, small katakana as large
    (シヨン = ション, a typo). Small hiragana stay: びょういん (病院) is not びよういん (美容院)."""
    folded = unicodedata.normalize("NFKC", surface).casefold().translate(KANA)
    return "".join(c for c in folded if c.isalnum() or c == "ー")


KANA = {**{cp: cp - 0x60 for cp in range(0x30A1, 0x30F7)},
        **str.maketrans("ァィゥェォッャュョヮヵヶ", "あいうえおつやゆよわかけ")}
NUMBER = re.compile(r"[0-9]+(?:[^\w]+[0-9]+)*")


def numbers(folded: str) -> list[str]:
    """The numbers in a text as the matching form reads them: separators between digits kept (1.5 is not
    15), spaces and thousands commas dropped."""
    return [re.sub(r"\s", "", THOUSANDS.sub("", n)) for n in NUMBER.findall(folded)]


def word_kind(surface: str, pos1: str, pos2: str, lemma: str, config: dict) -> str:
    """The class of a word that differs: schemas/dedup.yaml `word_rules`, first match; `content` otherwise."""
    if pos2 == "数詞" or any(c.isdigit() for c in surface):
        return "number"
    for rule in config["word_rules"]:
        if "same_lemma" in rule:
            continue  # decided on the pair (classify_text), not on one word
        if (lemma in rule.get("lemmas", (lemma,)) and pos1 in rule.get("pos1", (pos1,))
                and surface.endswith(tuple(rule.get("ends", ("",))))):
            return rule["class"]
    return "content"


def word_keys(w: Words) -> list[str]:
    """What words are compared by: the lemma where UniDic knows it (買う = 買わ, ホント = 本当), with what an
    inflection adds to meaning: a verb's conjugation type (読む is 五段, its potential 読める 下一段) and the
    volitional-presumptive form (です/でしょう)."""
    return [lemma + (f"/{ctype.split('-')[0]}" if pos1 == "動詞" else "")
            + ("/意志推量" if cform.startswith("意志推量") else "")
            for lemma, pos1, ctype, cform in zip(w.lemma, w.pos1, w.ctype, w.cform)]


KANJI = re.compile("[\u3400-\u9fff\uf900-\ufaff々]")


def same_reading(wa: Words, i1: int, i2: int, wb: Words, j1: int, j2: int) -> bool:
    """A word written in kana on one side and in kanji on the other (爆弾 / ばくだん): the same word when the
    readings agree. Two kanji spellings are not compared by reading: 科学 and 化学 are both かがく."""
    left, right = "".join(wa.surface[i1:i2]), "".join(wb.surface[j1:j2])
    if bool(KANJI.search(left)) == bool(KANJI.search(right)) or not left or not right:
        return False  # not kana against kanji
    read = lambda w, lo, hi: "".join(r or s for r, s in zip(w.reading[lo:hi], w.surface[lo:hi]))  # noqa: E731
    return spelling(read(wa, i1, i2)) == spelling(read(wb, j1, j2))


def expanded(lemmas: list[str], config: dict) -> str:
    """Lemmas as one string, spoken contractions (schemas/dedup.yaml `contractions`) written out."""
    return "".join(config["contractions"].get(lemma, lemma) for lemma in lemmas)


def changed_words(w: Words, lo: int, hi: int) -> list[tuple[str, str, str, str]]:
    return list(zip(w.surface[lo:hi], w.pos1[lo:hi], w.pos2[lo:hi], w.lemma[lo:hi]))


def differing_words(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes between two word lists, matched after their shared first and last words (the
    context around what differs), which costs most of the time when done by difflib."""
    lo, hi = shared_ends(a, b)
    ma, mb = a[lo:len(a) - hi], b[lo:len(b) - hi]
    if not ma or not mb or set(ma).isdisjoint(mb):  # one change: what difflib would say, without it
        return [("replace" if ma and mb else "delete" if ma else "insert", lo, len(a) - hi, lo, len(b) - hi)] \
            if ma or mb else []
    middle = difflib.SequenceMatcher(None, ma, mb, autojunk=False).get_opcodes()
    return [(op, i1 + lo, i2 + lo, j1 + lo, j2 + lo) for op, i1, i2, j1, j2 in middle if op != "equal"]


def classify_text(text_a: str, text_b: str, config: dict) -> tuple[str, str]:
    """What differs between two texts, as (class, reason in words)."""
    # Words are compared by lemma where UniDic knows them (買う = 買わ, ホント = ほんと = 本当).
    window_a, window_b = differing_windows(*(unicodedata.normalize("NFKC", t).casefold() for t in (text_a, text_b)),
                                           config["window"])
    wa, wb = words(window_a), words(window_b)
    ka, kb = word_keys(wa), word_keys(wb)
    ops = differing_words(ka, kb)
    fillers = {spelling(f) for f in config["fillers"]}  # a handful, each cached
    kinds: dict[str, list[str]] = {}
    content_words = 0
    for _, i1, i2, j1, j2 in ops:
        left, right = "".join(wa.surface[i1:i2]), "".join(wb.surface[j1:j2])
        shown = f"{left or '∅'} → {right or '∅'}"
        if wa.lemma[i1:i2] == wb.lemma[j1:j2]:  # the same words in another form: 読む/読める, です/でしょう
            kind = "potential" if wa.ctype[i1:i2] != wb.ctype[j1:j2] else "modality"
            kinds.setdefault(kind, []).append(shown)
            continue
        if expanded(wa.lemma[i1:i2], config) == expanded(wb.lemma[j1:j2], config):  # してる = している
            kinds.setdefault(SURFACE, []).append(shown)
            continue
        if same_reading(wa, i1, i2, wb, j1, j2):  # 爆弾 / ばくだん
            kinds.setdefault(SURFACE, []).append(f"spelling {shown}")
            continue
        changed = [word_kind(*w, config) for w in changed_words(wa, i1, i2) + changed_words(wb, j1, j2)]
        content_words += changed.count("content")
        if spelling(left) == spelling(right):
            kinds.setdefault(SURFACE, []).append(f"spelling {shown}")
            continue
        if not left.strip() and spelling(right) in fillers or not right.strip() and spelling(left) in fillers:
            kinds.setdefault(SURFACE, []).append(f"filler {shown}")
            continue
        for kind in set(changed) - {SURFACE} or {SURFACE}:
            kinds.setdefault(kind, []).append(shown)
    numbers_a, numbers_b = numbers(window_a), numbers(window_b)
    if "number" not in kinds and numbers_a != numbers_b:  # 1.5錠 / 15錠: only a separator differs
        kinds["number"] = [f"{' '.join(numbers_a) or '∅'} → {' '.join(numbers_b) or '∅'}"]
    if "content" in kinds and content_words > config["template_words"]:
        kinds["template"] = kinds.pop("content")
    for kind in REVIEW_ORDER:
        if kind in kinds:
            return kind, f"{kind} changed: " + "; ".join(kinds[kind][:3]) if kind != "template" else \
                "shared template, different words: " + "; ".join(kinds[kind][:3])
    return SURFACE, "surface variant: " + ("; ".join(kinds.get(SURFACE, [])[:3]) or
                                   "the same words (UniDic lemmas), written differently")


def classify_part(texts: list[str], a: np.ndarray, b: np.ndarray, labels: list | None, config: dict):
    """Class and reason of each pair; different labels (when `labels` are given) go to review first."""
    classes, reasons = [], []
    for i, j in zip(a.tolist(), b.tolist()):
        if labels is not None and labels[i] != labels[j]:
            classes.append("labels")
            reasons.append(f"different labels: {labels[i]} vs {labels[j]}")
            continue
        kind, reason = classify_text(texts[i], texts[j], config)
        classes.append(kind)
        reasons.append(reason)
    return classes, reasons


