"""Personal-data detection in Japanese text: phone numbers, e-mail, postal codes, マイナンバー, card
numbers, street addresses and person names. Every hit is a `{kind, start, end}` span into the text.

Patterns run on a width-folded copy (full-width digits are digits) with the original's offsets.
Numbers with a checksum (マイナンバー, card numbers) count only when it holds, so order numbers and
dates are not flagged; a bare 7-digit number counts as a postal code only beside 〒 or 郵便番号 or
before an address.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..schema import schemas
from ..text import Token, fold_width, tokens

# The kinds (codes in taxonomy.yaml's personal_data_kinds) in the order overlapping hits are resolved:
# the more specific wins (a card number is not also a phone number).
PRIORITY = ("email", "credit_card", "my_number", "phone", "postal_code", "address", "person_name")

DIGITS_ONLY = re.compile(r"\D")
SEP = r"[-‐‑‒–—―−ー\s.]?"  # separators people type between digit groups (hyphens, dashes, 長音, space, dot)
PHONE = re.compile(
    r"(?<![\d+])(?:\+81" + SEP + r"\(?0?\)?\d{1,4}|\(0\d{1,4}\)|0\d{1,4})" + SEP + r"\(?\d{1,4}\)?" + SEP
    + r"\d{3,4}(?![\d])")
# ASCII boundaries: Japanese text runs straight into an address (メールはtaro@example.jpです).
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
                   r"(?![A-Za-z0-9-])")
POSTAL = re.compile(r"(〒\s?|郵便番号[はがを:：\s]*)?(?<!\d)(\d{3}" + SEP + r"\d{4})(?![\d])")
MY_NUMBER = re.compile(r"(?<![\d-])(\d{4}" + SEP + r"\d{4}" + SEP + r"\d{4})(?![\d]|" + SEP + r"\d)")
CARD = re.compile(r"(?<![\d-])(\d{4}(?:" + SEP + r"\d{4}){2}" + SEP + r"\d{2,4}|\d{4}" + SEP + r"\d{6}" + SEP
                  + r"\d{4,5})(?![\d])")
# Block numbers after a town name: 2丁目8番1号, 2-8-1, 2番地の3, 一丁目三番 in kanji numerals too.
NUMERAL = r"[0-9一二三四五六七八九十〇]+"
# 丁目 alone (港区海岸一丁目) names an area, not anyone's address: a block or house number must follow.
# The number after 丁目 is a block only with 番, 号 or a dash, or standing last: 一丁目3階 is a floor.
BLOCK = re.compile(rf"{NUMERAL}丁目{NUMERAL}(?:(?:番地?|-|号)(?:{NUMERAL}号?)?|(?=[\s、。,.）)]|$))"
                   r"|\d+番地?(?:の?\d+号?)?|\d+(?:-\d+){1,2}")
MUNICIPALITY = re.compile(r"[\u4e00-\u9fff\u3041-\u309f\u30a1-\u30fa]{1,6}?[市区町村郡]")
WALK_BACK = schemas().tuning["personal_data"]["address_walk_back"]  # schemas/pipeline.yaml
STOP = re.compile(r"[\s、。,.「」『』()（）:：!?！？]")  # where an address cannot continue
HONORIFIC = {"さん", "様", "さま", "氏", "君", "くん", "ちゃん", "先生", "殿"}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def my_number_ok(digits: str) -> bool:
    """The check digit of a 個人番号 (総務省令の検査用数字): weights 2..7, 2..6 from the right."""
    body = [int(d) for d in digits[:11]][::-1]
    remainder = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(body, start=1)) % 11
    return int(digits[11]) == (0 if remainder <= 1 else 11 - remainder)


def phone_ok(digits: str, international: bool) -> bool:
    """Japanese numbers: 10 digits (landline, 0120, 050 without the 0: 11), mobile 070/080/090 11 digits."""
    national = "0" + digits[2:].removeprefix("0") if international else digits
    if national[:3] in ("070", "080", "090", "050"):
        return len(national) == 11
    return len(national) == 10


@lru_cache(maxsize=1)
def prefecture_names() -> tuple[str, ...]:
    """Prefecture names as written in addresses (東京都, 北海道, 京都府, 大阪府 and the 43 県)."""
    return tuple(p["ja"] for p in schemas().regions_doc["prefectures"])


def address_spans(folded: str) -> list[tuple[int, int]]:
    """A municipality (optionally after its prefecture), a town and block numbers: 東京都新宿区西新宿2丁目8番1号,
    大阪市北区梅田1-2-3. A municipality alone is not an address of anyone."""
    spans = []
    for block in BLOCK.finditer(folded):
        start = block.start()
        # Walk back over the town name and municipalities (a bounded number of characters, no punctuation).
        head = start
        while head > 0 and start - head < WALK_BACK and not STOP.match(folded[head - 1]):
            head -= 1
        prefix = folded[head:start]
        first = None
        for name in prefecture_names():
            at = prefix.find(name)
            if at >= 0 and (first is None or at < first):
                first = at
        municipality = MUNICIPALITY.search(prefix, first or 0)
        if municipality is None:
            continue
        spans.append((head + (first if first is not None else municipality.start()), block.end()))
    return spans


def person_spans(words: list[Token]) -> list[tuple[int, int]]:
    """Full names: two or more name words in a row, as UniDic tags them (田中太郎, ジョン・スミス, 山田 花子),
    allowing a ・ or a one-character word between them (竈門炭治郎). A surname alone (佐藤さん) identifies
    no one."""
    spans, run = [], []  # run: indices of the name words of the name being read

    def close() -> None:
        if len(run) >= 2:
            spans.append((words[run[0]].start, words[run[-1]].end))
        run.clear()

    for i, word in enumerate(words):
        if not word.person:
            continue
        if run:
            last = words[run[-1]]
            between = words[run[-1] + 1:i]
            joined = (not between and word.start - last.end <= 1) or (
                len(between) == 1 and len(between[0].surface) == 1 and between[0].start == last.end
                and word.start == between[0].end and not between[0].pos[0].startswith("助"))
            if not joined:
                close()
        run.append(i)
    close()
    return spans


def masked(text: str | None) -> str | None:
    """The text with every personal-data span replaced by its kind (⟪phone⟫): for reports that show texts
    which are not released, and so not screened (duplicates, records awaiting annotation)."""
    if not isinstance(text, str):
        return text
    for hit in reversed(detect(text)):
        text = text[:hit["start"]] + f"⟪{hit['kind']}⟫" + text[hit["end"]:]
    return text


def detect(text: str, words: list[Token] | None = None) -> list[dict]:
    """Every personal-data span in `text`, sorted by position."""
    folded = fold_width(text)
    words = tokens(folded) if words is None else words
    hits: list[tuple[int, int, str]] = []
    for m in EMAIL.finditer(folded):
        hits.append((m.start(), m.end(), "email"))
    for m in CARD.finditer(folded):
        digits = DIGITS_ONLY.sub("", m.group(1))
        if 14 <= len(digits) <= 16 and digits[0] in "3456" and luhn_ok(digits):
            hits.append((m.start(1), m.end(1), "credit_card"))
    for m in MY_NUMBER.finditer(folded):
        if my_number_ok(DIGITS_ONLY.sub("", m.group(1))):
            hits.append((m.start(1), m.end(1), "my_number"))
    for m in PHONE.finditer(folded):
        if phone_ok(DIGITS_ONLY.sub("", m.group()), m.group().startswith("+")):
            hits.append((m.start(), m.end(), "phone"))
    addresses = address_spans(folded)
    for m in POSTAL.finditer(folded):
        marked = m.group(1) is not None
        before_address = any(start - m.end(2) <= 2 and start >= m.end(2) for start, _ in addresses)
        before_prefecture = folded[m.end(2):].lstrip().startswith(prefecture_names())
        if marked or before_address or before_prefecture:
            hits.append((m.start(2), m.end(2), "postal_code"))
    hits += [(s, e, "address") for s, e in addresses]
    hits += [(s, e, "person_name") for s, e in person_spans(words)]
    specific = sorted(hits, key=lambda h: (PRIORITY.index(h[2]), h[0]))
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in specific:
        if not any(start < e and s < end for s, e, _ in kept):
            kept.append((start, end, kind))
    return [{"kind": kind, "start": start, "end": end} for start, end, kind in sorted(kept)]
