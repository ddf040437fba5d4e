"""What differs between two near texts, on UniDic words (fugashi): a `surface` variant (spelling, kana,
particles, politeness, punctuation, filler) may be merged; a change of negation, number, tense, modality,
potential, question, voice, wish or aspect, of a `content` word, a shared `template` or different `labels`
is linked for review and never merged (schemas/dedup.yaml `word_rules`). When unsure, review."""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ..text import THOUSANDS
from ..text.japanese import lemma_of, lines

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
    okurigana, which is the same in both texts): the words UniDic finds where the texts differ do not
    depend on text further away."""
    p, s = shared_ends(a, b)
    start = max(0, p - context)
    while start > 0 and script(a[start - 1]) == script(a[start]) != 0:
        start -= 1
    cut = max(0, s - context)  # shared characters left off the end
    while cut > 0 and script(a[-cut - 1]) == script(a[-cut]) != 0:
        cut -= 1
    return a[start:len(a) - cut], b[start:len(b) - cut]


def differing_span(a: str, b: str) -> tuple[str, str]:
    """What differs between two texts, from the first to the last differing character."""
    head, tail = shared_ends(a, b)
    return a[head:len(a) - tail], b[head:len(b) - tail]


def spelling_changes(a: str, b: str) -> list[tuple[str, str]]:
    """The changes between two folded texts of equal `spelled` form, each as (left, right): the letters
    (kana, kanji...) of both are one sequence, so each change is punctuation or spaces between two of them,
    or a run of letters spelled alike, shown as the whole run of its script (シヨン / ション as the word)."""
    at_a = [m.start() for m in LETTER.finditer(a)]
    at_b = [m.start() for m in LETTER.finditer(b)]
    if len(at_a) != len(at_b):  # folding again changed a letter count (rare): one span
        return [differing_span(a, b)]
    changes: list[tuple[str, str]] = []
    previous_a = previous_b = -1
    for x, y in [*zip(at_a, at_b), (len(a), len(b))]:
        if a[previous_a + 1:x] != b[previous_b + 1:y]:  # what lies between two letters
            changes.append((a[previous_a + 1:x], b[previous_b + 1:y]))
        if x < len(a) and a[x] != b[y]:
            start_a, start_b, end_a, end_b = x, y, x + 1, y + 1
            while start_a > 0 and start_b > 0 and script(a[start_a - 1]) == script(a[x]) != 0 \
                    and script(b[start_b - 1]) == script(b[y]):
                start_a, start_b = start_a - 1, start_b - 1
            while end_a < len(a) and end_b < len(b) and script(a[end_a]) == script(a[x]) != 0 \
                    and script(b[end_b]) == script(b[y]):
                end_a, end_b = end_a + 1, end_b + 1
            if not changes or changes[-1] != (a[start_a:end_a], b[start_b:end_b]):
                changes.append((a[start_a:end_a], b[start_b:end_b]))
        previous_a, previous_b = x, y
    return changes


def spelled(text: str) -> str:
    """Kana spelled alike, punctuation and spaces ignored: katakana as hiragana, small katakana as large
    (シヨン = ション, a typo). Small hiragana stay: びょういん (病院) is not びよういん (美容院)."""
    return NOT_LETTER.sub("", unicodedata.normalize("NFKC", text).casefold().translate(KANA))


spelling = lru_cache(maxsize=1 << 16)(spelled)  # of words: a few thousand, compared again and again


KANA = {**{cp: cp - 0x60 for cp in range(0x30A1, 0x30F7)},
        **str.maketrans("ァィゥェォッャュョヮヵヶ", "あいうえおつやゆよわかけ")}
NOT_LETTER = re.compile(r"[\W_]")  # what str.isalnum() is not (ー is a letter)
LETTER = re.compile(r"[^\W_]")
DIGIT = re.compile(r"[0-9]")
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


class Word(NamedTuple):
    """One distinct UniDic word (Words' columns for one word), with what pairs are compared by."""
    surface: str
    pos1: str
    pos2: str
    lemma: str
    ctype: str
    cform: str
    reading: str
    key: int  # what words are compared by (word_key), as a number: equal keys are the same word
    spoken: str  # the lemma, a spoken contraction written out (schemas/dedup.yaml `contractions`: てる = て居る)
    kanji: bool  # written with a kanji


def word_key(lemma: str, pos1: str, ctype: str, cform: str) -> str:
    """The lemma where UniDic knows it (買う = 買わ, ホント = 本当), with what an inflection adds to meaning: a
    verb's conjugation type (読む is 五段, its potential 読める 下一段) and the volitional-presumptive form
    (です/でしょう)."""
    return (lemma + (f"/{ctype.split('-')[0]}" if pos1 == "動詞" else "")
            + ("/意志推量" if cform.startswith("意志推量") else ""))


KANJI = re.compile("[\u3400-\u9fff\uf900-\ufaff々]")


def same_reading(left: list[Word], right: list[Word]) -> bool:
    """A word written in kana on one side and in kanji on the other (爆弾 / ばくだん): the same word when the
    readings agree. Two kanji spellings are not compared by reading: 科学 and 化学 are both かがく."""
    if not left or not right or any(w.kanji for w in left) == any(w.kanji for w in right):
        return False  # not kana against kanji
    read = [spelling("".join([w.reading or w.surface for w in side])) for side in (left, right)]
    return read[0] == read[1]


def differing_words(a, b) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes between two word sequences, matched after their shared first and last words (the
    context around what differs), which costs most of the time when done by difflib. When the words the two
    middles share each occur once in both, in the same order, difflib matches exactly those: the changes
    are the gaps between them, found without it."""
    lo, hi = shared_ends(a, b)
    ma, mb = a[lo:len(a) - hi], b[lo:len(b) - hi]
    common = set(ma).intersection(mb)
    if not common:  # one change (or none)
        return [("replace" if ma and mb else "delete" if ma else "insert", lo, len(a) - hi, lo, len(b) - hi)] \
            if ma or mb else []
    at_a = [i for i, x in enumerate(ma) if x in common]
    at_b = [j for j, x in enumerate(mb) if x in common]
    if len(at_a) == len(at_b) == len(common) and [ma[i] for i in at_a] == [mb[j] for j in at_b]:
        ops = []
        for (i1, j1), (i2, j2) in zip([(-1, -1), *zip(at_a, at_b)], [*zip(at_a, at_b), (len(ma), len(mb))]):
            if i2 > i1 + 1 or j2 > j1 + 1:
                ops.append(("replace" if i2 > i1 + 1 and j2 > j1 + 1 else "delete" if i2 > i1 + 1 else "insert",
                            i1 + 1 + lo, i2 + lo, j1 + 1 + lo, j2 + lo))
        return ops
    middle = difflib.SequenceMatcher(None, ma, mb, autojunk=False).get_opcodes()
    return [(op, i1 + lo, i2 + lo, j1 + lo, j2 + lo) for op, i1, i2, j1, j2 in middle if op != "equal"]


class Classifier:
    """Classifies pairs of one list of texts. Tokenizing is the cost: a pair of short texts is compared on
    their whole words, each text tokenized once (NFKC, casefolded) and kept as numbers into a lexicon of the
    distinct UniDic words seen, so a text in many pairs costs one MeCab call; of longer texts (mostly in one
    pair each) only windows around what differs are tokenized. A change already classified (the same words
    replaced by the same words) is not classified again: templated question sets repeat a few changes."""

    def __init__(self, texts: list[str], config: dict):
        self.texts, self.config = texts, config
        self.fillers = {spelling(f) for f in config["fillers"]}
        self.contractions = config["contractions"]
        self.filler_lengths = {len(f) for f in self.fillers}
        self.folded_texts: dict[int, str] = {}  # text -> NFKC, casefolded
        self.spelled_texts: dict[int, str] = {}  # text -> spelled
        self.lexicon: dict[str, int] = {}  # a word as MeCab writes it (lines) -> its number
        self.words: list[Word] = []
        self.key_of: list[int] = []  # Word.key by word number
        self.kinds: dict[int, str] = {}  # word number -> word_kind
        self.keys: dict[str, int] = {}
        self.parsed: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}  # text -> (word ids, their keys)
        self.changes: dict[tuple, tuple[tuple[str, ...], str, int]] = {}  # (words, words) -> Classifier.change

    def word_id(self, line: str) -> int:
        found = self.lexicon.get(line)
        if found is None:
            surface, pos1, pos2, _, lemma, ctype, cform, reading, known = line.split("\t")
            lemma = lemma_of(lemma, surface, known)
            key = self.keys.setdefault(word_key(lemma, pos1, ctype, cform), len(self.keys))
            found = self.lexicon[line] = len(self.words)
            self.words.append(Word(surface, pos1, pos2, lemma, ctype, cform, reading, key,
                                   self.contractions.get(lemma, lemma), bool(KANJI.search(surface))))
            self.key_of.append(key)
        return found

    def kind(self, x: int) -> str:
        """word_kind of word number x (once per word)."""
        if x not in self.kinds:
            w = self.words[x]
            self.kinds[x] = word_kind(w.surface, w.pos1, w.pos2, w.lemma, self.config)
        return self.kinds[x]

    def parse(self, i: int) -> tuple[tuple[int, ...], tuple[int, ...], list[str]]:
        """Text i's words, tokenized once (folded: NFKC, casefolded)."""
        got = self.parsed.get(i)
        if got is None:
            got = self.parsed[i] = self.tokenized(self.folded(i))
        return got

    def folded(self, i: int) -> str:
        got = self.folded_texts.get(i)
        if got is None:
            got = self.folded_texts[i] = unicodedata.normalize("NFKC", self.texts[i]).casefold()
        return got

    def spelled(self, i: int) -> str:
        got = self.spelled_texts.get(i)
        if got is None:
            got = self.spelled_texts[i] = spelled(self.folded(i))
        return got

    def without_words(self, i: int, j: int) -> tuple[str, str] | None:
        """(surface, reason) when the characters alone show that two texts are one request, else None:
        only punctuation, spaces or kana spelling differ (their `spelling` is equal), or one filler is
        added, and the numbers are the same. No tokenizing: and a comma inside a word, or a filler before
        one, can make UniDic cut the words around it differently, so this also reads such pairs right."""
        a, b = self.folded(i), self.folded(j)
        spelled_a, spelled_b = self.spelled(i), self.spelled(j)
        if spelled_a == spelled_b:
            kind = "spelling"
        elif abs(len(spelled_a) - len(spelled_b)) in self.filler_lengths:
            head, tail = shared_ends(spelled_a, spelled_b)
            middle_a, middle_b = spelled_a[head:len(spelled_a) - tail], spelled_b[head:len(spelled_b) - tail]
            if middle_a and middle_b or (middle_a or middle_b) not in self.fillers:
                return None
            kind = "filler"
        else:
            return None
        if (DIGIT.search(a) or DIGIT.search(b)) and numbers(a) != numbers(b):
            return None  # 1.5錠 / 15錠
        changes = spelling_changes(a, b) if kind == "spelling" else [differing_span(a, b)]
        return SURFACE, "surface variant: " + "; ".join(f"{kind} {left or '∅'} → {right or '∅'}"
                                                       for left, right in changes[:3])

    def tokenized(self, folded: str) -> tuple[tuple[int, ...], tuple[int, ...], list[str]]:
        """The words of a folded text (numbers into the lexicon), their keys, and the numbers in it."""
        found = lines(folded)
        ids = tuple(map(self.lexicon.get, found))
        if None in ids:  # words not seen before (a word twice in the text: its second time finds the first)
            ids = tuple(x if x is not None else self.word_id(line) for x, line in zip(ids, found))
        return ids, tuple(map(self.key_of.__getitem__, ids)), numbers(folded) if DIGIT.search(folded) else []

    def pair(self, i: int, j: int) -> tuple[str, str]:
        """(class, reason in words) of texts i and j: what each change between their words is (one change
        seen before is not looked at again), then the first class in REVIEW_ORDER, else surface. Pairs
        whose characters decide them (without_words) are not tokenized."""
        decided = self.without_words(i, j)
        if decided:
            return decided
        if len(self.texts[i]) + len(self.texts[j]) <= self.config["whole_texts"]:
            (ids_a, keys_a, numbers_a), (ids_b, keys_b, numbers_b) = self.parse(i), self.parse(j)
        else:  # long texts: only what differs and a few characters around it
            windows = differing_windows(self.folded(i), self.folded(j), self.config["window"])
            (ids_a, keys_a, numbers_a), (ids_b, keys_b, numbers_b) = map(self.tokenized, windows)
        kinds: dict[str, list[str]] = {}
        content_words = 0
        for _, i1, i2, j1, j2 in differing_words(keys_a, keys_b):
            change = (ids_a[i1:i2], ids_b[j1:j2])
            if change not in self.changes:
                self.changes[change] = self.change(*change)
            classes, shown, content = self.changes[change]
            content_words += content
            for kind in classes:
                kinds.setdefault(kind, []).append(shown)
        if "number" not in kinds and numbers_a != numbers_b:  # 1.5錠 / 15錠: only a separator differs
            kinds["number"] = [f"{' '.join(numbers_a) or '∅'} → {' '.join(numbers_b) or '∅'}"]
        if "content" in kinds and content_words > self.config["template_words"]:
            kinds["template"] = kinds.pop("content")
        for kind in REVIEW_ORDER:
            if kind in kinds:
                return kind, f"{kind} changed: " + "; ".join(kinds[kind][:3]) if kind != "template" else \
                    "shared template, different words: " + "; ".join(kinds[kind][:3])
        return SURFACE, "surface variant: " + ("; ".join(kinds.get(SURFACE, [])[:3]) or
                                               "the same words (UniDic lemmas), written differently")

    def change(self, left_ids: tuple[int, ...], right_ids: tuple[int, ...]) -> tuple[tuple[str, ...], str, int]:
        """What one change (words `left` replaced by `right`) is: its classes, how it is shown, and how many
        content words it changes."""
        words = self.words
        left, right = [words[x] for x in left_ids], [words[x] for x in right_ids]
        text_left, text_right = "".join([w.surface for w in left]), "".join([w.surface for w in right])
        shown = f"{text_left or '∅'} → {text_right or '∅'}"
        if [w.lemma for w in left] == [w.lemma for w in right]:  # the same words in another form: 読む/読める
            return ("potential" if [w.ctype for w in left] != [w.ctype for w in right] else "modality",), shown, 0
        if "".join([w.spoken for w in left]) == "".join([w.spoken for w in right]):
            return (SURFACE,), shown, 0  # してる = している
        if same_reading(left, right):  # 爆弾 / ばくだん
            return (SURFACE,), f"spelling {shown}", 0
        changed = [self.kind(x) for x in left_ids + right_ids]
        content = changed.count("content")
        if spelling(text_left) == spelling(text_right):
            return (SURFACE,), f"spelling {shown}", content
        if (not text_left.strip() and spelling(text_right) in self.fillers
                or not text_right.strip() and spelling(text_left) in self.fillers):
            return (SURFACE,), f"filler {shown}", content
        return tuple(sorted(set(changed) - {SURFACE})) or (SURFACE,), shown, content


def classify_text(text_a: str, text_b: str, config: dict) -> tuple[str, str]:
    """What differs between two texts, as (class, reason in words)."""
    return Classifier([text_a, text_b], config).pair(0, 1)


def classify_part(classifier: Classifier, a: np.ndarray, b: np.ndarray, labels: list | None):
    """Class and reason of each pair; different labels (when `labels` are given) go to review first."""
    classes, reasons = [], []
    for i, j in zip(a.tolist(), b.tolist()):
        if labels is not None and labels[i] != labels[j]:
            classes.append("labels")
            reasons.append(f"different labels: {labels[i]} vs {labels[j]}")
            continue
        kind, reason = classifier.pair(i, j)
        classes.append(kind)
        reasons.append(reason)
    return classes, reasons
