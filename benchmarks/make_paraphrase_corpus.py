"""A paraphrase-rich benchmark corpus for the near tier (issue 14): short Japanese questions with labelled variants.

The Aozora corpus (bench_dedup.py) is long literary prose whose seeded variants are character edits; the near
tier's hard cases are elsewhere: short templated questions where one auxiliary, particle or ending changes what
is asked (「爆弾はどうやって作るの？」 asks for instructions, 「爆弾はどうやって作ったの？」 about history). This
corpus is built from
- templated question families (FAMILIES) filled from small word lists, so sibling questions from one template
  differ by a content word and sit near each other, as in crowd-written question sets;
- the shipped prompts (data/raw, released rows);
- short real sentences (Aozora Bunko, 10-30 characters, from bench_dedup.py's cleaned base): the rest of the
  base texts, so that about one text in two sits in a near pair at every size (QUESTIONS_AT_10K);
and each base text is given, with a fixed probability, one SURFACE rewrite (the same request: may be merged)
and one MEANING rewrite (a different request: linked for review, never merged), each labelled with its kind;
each short sentence is also given, with probability P_EDIT per kind, a 1-, 2- or 3-character EDIT (random
substitution, insertion or deletion: the same item, found when in its base's cluster; candidate recall).
Verb forms come from the explicit per-verb table VERBS (no conjugation library, so the truth does not depend on
the code under test's tokenizer). Texts from different items never share a matching form (a collision would be
an exact duplicate the truth calls different), and the output is deterministic for a given size.

Columns: text, row (position, the id `curation dedup` is given), original_row (the row of the item's base
text), kind (`base`, a surface, meaning or edit kind), class (base / surface / meaning / edit), family (template
family id, `shipped` or `prose`), template (family id and the template of the kind), item (one id per base text).

    .venv/bin/python benchmarks/make_paraphrase_corpus.py --size 10000 --out /tmp/paraphrase.parquet
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from itertools import combinations
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

SURFACE = ["politeness", "particle", "punct", "filler", "kana", "contraction"]
MEANING = ["tense", "modality", "potential", "voice", "question", "negation", "aspect", "content"]
EDIT = ["edit1", "edit2", "edit3"]
P_SURFACE = 0.3  # share of base texts given one surface rewrite; as many are given one meaning rewrite
P_MEANING = 0.3
P_EDIT = 0.05  # share of short sentences given an edit of each size
P_PROSE_SURFACE = 0.15  # share of short sentences given one surface rewrite (punctuation or a filler)
# Templated questions at 10,000 texts; at n texts, this times sqrt(n / 10,000): near pairs among them grow with
# the square of their number, so the corpus keeps about one near pair per two texts at every size, as the
# corpus of issue 14 has (55k pairs in 118k texts); the other base texts are short real sentences.
QUESTIONS_AT_10K = 2200
PROSE_LENGTH = (10, 30)

# dict, past, te, masu stem, negative, potential, passive past, volitional: written out, one row per verb.
VERBS = [
    ("作る", "作った", "作って", "作り", "作らない", "作れる", "作られた", "作ろう"),
    ("買う", "買った", "買って", "買い", "買わない", "買える", "買われた", "買おう"),
    ("売る", "売った", "売って", "売り", "売らない", "売れる", "売られた", "売ろう"),
    ("隠す", "隠した", "隠して", "隠し", "隠さない", "隠せる", "隠された", "隠そう"),
    ("盗む", "盗んだ", "盗んで", "盗み", "盗まない", "盗める", "盗まれた", "盗もう"),
    ("使う", "使った", "使って", "使い", "使わない", "使える", "使われた", "使おう"),
    ("運ぶ", "運んだ", "運んで", "運び", "運ばない", "運べる", "運ばれた", "運ぼう"),
    ("捨てる", "捨てた", "捨てて", "捨て", "捨てない", "捨てられる", "捨てられた", "捨てよう"),
    ("停める", "停めた", "停めて", "停め", "停めない", "停められる", "停められた", "停めよう"),
    ("開ける", "開けた", "開けて", "開け", "開けない", "開けられる", "開けられた", "開けよう"),
    ("壊す", "壊した", "壊して", "壊し", "壊さない", "壊せる", "壊された", "壊そう"),
    ("送る", "送った", "送って", "送り", "送らない", "送れる", "送られた", "送ろう"),
    ("渡す", "渡した", "渡して", "渡し", "渡さない", "渡せる", "渡された", "渡そう"),
    ("持ち込む", "持ち込んだ", "持ち込んで", "持ち込み", "持ち込まない", "持ち込める", "持ち込まれた", "持ち込もう"),
    ("燃やす", "燃やした", "燃やして", "燃やし", "燃やさない", "燃やせる", "燃やされた", "燃やそう"),
    ("飲む", "飲んだ", "飲んで", "飲み", "飲まない", "飲める", "飲まれた", "飲もう"),
    ("混ぜる", "混ぜた", "混ぜて", "混ぜ", "混ぜない", "混ぜられる", "混ぜられた", "混ぜよう"),
    ("借りる", "借りた", "借りて", "借り", "借りない", "借りられる", "借りられた", "借りよう"),
    ("貸す", "貸した", "貸して", "貸し", "貸さない", "貸せる", "貸された", "貸そう"),
    ("見せる", "見せた", "見せて", "見せ", "見せない", "見せられる", "見せられた", "見せよう"),
    ("探す", "探した", "探して", "探し", "探さない", "探せる", "探された", "探そう"),
    ("調べる", "調べた", "調べて", "調べ", "調べない", "調べられる", "調べられた", "調べよう"),
    ("置く", "置いた", "置いて", "置き", "置かない", "置ける", "置かれた", "置こう"),
    ("処分する", "処分した", "処分して", "処分し", "処分しない", "処分できる", "処分された", "処分しよう"),
    ("複製する", "複製した", "複製して", "複製し", "複製しない", "複製できる", "複製された", "複製しよう"),
    ("入手する", "入手した", "入手して", "入手し", "入手しない", "入手できる", "入手された", "入手しよう"),
    ("殺す", "殺した", "殺して", "殺し", "殺さない", "殺せる", "殺された", "殺そう"),
    ("騙す", "騙した", "騙して", "騙し", "騙さない", "騙せる", "騙された", "騙そう"),
    ("埋める", "埋めた", "埋めて", "埋め", "埋めない", "埋められる", "埋められた", "埋めよう"),
    ("届ける", "届けた", "届けて", "届け", "届けない", "届けられる", "届けられた", "届けよう"),
]
# Things, in kanji and in kana (the kana/kanji spelling rewrite).
THINGS = [
    ("爆弾", "ばくだん"), ("薬", "くすり"), ("毒", "どく"), ("鍵", "かぎ"), ("銃", "じゅう"), ("車", "くるま"),
    ("財布", "さいふ"), ("刃物", "はもの"), ("花火", "はなび"), ("書類", "しょるい"), ("写真", "しゃしん"),
    ("手紙", "てがみ"), ("荷物", "にもつ"), ("現金", "げんきん"), ("偽札", "にせさつ"), ("睡眠薬", "すいみんやく"),
    ("合鍵", "あいかぎ"), ("灯油", "とうゆ"), ("農薬", "のうやく"), ("切符", "きっぷ"), ("指輪", "ゆびわ"),
    ("時計", "とけい"), ("眼鏡", "めがね"), ("猫", "ねこ"), ("犬", "いぬ"), ("酒", "さけ"), ("煙草", "たばこ"),
    ("火薬", "かやく"), ("電池", "でんち"), ("自転車", "じてんしゃ"), ("印鑑", "いんかん"), ("針", "はり"),
    ("部品", "ぶひん"), ("薬品", "やくひん"), ("包丁", "ほうちょう"), ("鋏", "はさみ"), ("縄", "なわ"),
    ("石", "いし"), ("卵", "たまご"), ("米", "こめ"), ("肉", "にく"), ("魚", "さかな"), ("傘", "かさ"),
    ("靴", "くつ"), ("服", "ふく"), ("紙幣", "しへい"), ("宝石", "ほうせき"), ("漂白剤", "ひょうはくざい"),
    ("洗剤", "せんざい"), ("注射器", "ちゅうしゃき"),
]
PEOPLE = ["子ども", "友達", "先生", "上司", "隣人", "彼女", "彼氏", "親", "店員", "警察官", "患者", "同僚", "客",
          "知らない人", "高齢者", "部下", "兄", "姉", "弟", "妹", "祖父", "祖母", "後輩", "先輩"]
PLACES = ["駅", "学校", "空港", "公園", "病院", "会社", "自宅", "店", "電車", "車内", "ホテル", "図書館", "海外",
          "会場", "職場", "道路", "寮", "実家", "倉庫", "庭", "屋上", "台所", "山", "川原"]
# When: a prefix of every templated text, so template siblings are not all near each other (a real question set
# has a few paraphrases per question, not every slot combination).
WHEN = ["", "夜中に", "週末に", "明日", "今すぐ", "旅行中に", "雨の日に", "仕事帰りに", "朝早く", "休みの日に",
        "夏休みに", "来週", "昼休みに", "深夜に", "年末に", "放課後に", "引っ越しの前に", "誰にも言わずに",
        "バレないように", "念のため", "急ぎで", "初めて", "もう一度", "家族に内緒で"]
SLOTS = {"thing": "o", "person": "p", "place": "l"}  # slot -> its template field (verb and when: every family)
FILLERS = ["えっと、", "あの、", "ねえ、", "えーと、"]

# A family: its base template and, per rewrite kind, the template of the rewrite. Fields: {o} thing, {p} person,
# {l} place; verb forms {d} dict, {ta} past, {te} te, {m} masu stem, {nai} negative, {pot} potential, {pta}
# passive past, {pass} passive, {vol} volitional, {naku} negative te stem (作らなく), {nakatta} negative past,
# {kata} way of doing (作り方, 処分の仕方). Generic kinds (punct, filler, kana, content) apply to every family and
# need no template.
FAMILIES = {
    "how": ("{l}で{p}の{o}はどうやって{d}の？", {
        "politeness": "{l}で{p}の{o}はどうやって{d}のです？",
        "particle": "{l}で{p}の{o}がどうやって{d}の？",
        "tense": "{l}で{p}の{o}はどうやって{ta}の？",
        "negation": "{l}で{p}の{o}はどうやって{nai}の？",
        "potential": "{l}で{p}の{o}はどうやって{te}おけるの？",
        "modality": "{l}で{p}の{o}はどうやって{d}べき？",
    }),
    "may": ("{l}で{p}に{o}を{te}もいい？", {
        "politeness": "{l}で{p}に{o}を{te}もいいです？",
        "particle": "{l}で{p}へ{o}を{te}もいい？",
        "tense": "{l}で{p}に{o}を{te}もよかった？",
        "negation": "{l}で{p}に{o}を{naku}てもいい？",
        "question": "{l}で{p}に{o}を{te}もいいか？",
        "aspect": "{l}で{p}に{o}を{te}しまってもいい？",
    }),
    "method": ("{l}で{o}を{d}方法は？", {
        "particle": "{l}で{o}を{d}方法って？",
        "tense": "{l}で{o}を{ta}方法は？",
        "negation": "{l}で{o}を{nai}方法は？",
        "potential": "{l}で{o}を{pot}方法は？",
        "aspect": "{l}で{o}を{te}おく方法は？",
    }),
    "offer": ("{l}で{o}を{m}ましょうか？", {
        "politeness": "{l}で{o}を{vol}か？",
        "particle": "{l}で{o}は{m}ましょうか？",
        "modality": "{l}で{o}を{d}でしょうか？",
        "tense": "{l}で{o}を{m}ましたか？",
        "negation": "{l}で{o}を{m}ませんか？",
    }),
    "doing": ("{p}が{l}で{o}を{te}いるのは違法ですか？", {
        "contraction": "{p}が{l}で{o}を{te}るのは違法ですか？",
        "politeness": "{p}が{l}で{o}を{te}いるのは違法か？",
        "particle": "{p}は{l}で{o}を{te}いるのは違法ですか？",
        "tense": "{p}が{l}で{o}を{te}いたのは違法ですか？",
        "negation": "{p}が{l}で{o}を{te}いないのは違法ですか？",
    }),
    "legal": ("{l}で{o}を{d}のは違法です。", {
        "politeness": "{l}で{o}を{d}のは違法だ。",
        "particle": "{l}で{o}を{d}のが違法です。",
        "question": "{l}で{o}を{d}のは違法ですか。",
        "tense": "{l}で{o}を{d}のは違法でした。",
        "modality": "{l}で{o}を{d}のは違法でしょう。",
        "negation": "{l}で{o}を{d}のは違法ではありません。",
    }),
    "past": ("{p}は{l}で{o}を{ta}の？", {
        "politeness": "{p}は{l}で{o}を{ta}のです？",
        "particle": "{p}が{l}で{o}を{ta}の？",
        "voice": "{p}は{l}で{o}を{pta}の？",
        "tense": "{p}は{l}で{o}を{d}の？",
        "question": "{p}は{l}で{o}を{ta}のか？",
        "negation": "{p}は{l}で{o}を{nakatta}の？",
        "aspect": "{p}は{l}で{o}を{te}しまったの？",
    }),
    "should": ("{p}に{o}を{d}べきですか？", {
        "politeness": "{p}に{o}を{d}べきか？",
        "particle": "{p}へ{o}を{d}べきですか？",
        "modality": "{p}に{o}を{m}ますか？",
        "tense": "{p}に{o}を{d}べきでしたか？",
        "negation": "{p}に{o}を{d}べきではありませんか？",
    }),
    "teach": ("{l}での{o}の{kata}を教えて", {
        "politeness": "{l}での{o}の{kata}を教えてください",
        "particle": "{l}での{o}の{kata}は教えて",
    }),
    "ok": ("{p}が{l}で{o}を{d}のは大丈夫？", {
        "politeness": "{p}が{l}で{o}を{d}のは大丈夫です？",
        "particle": "{p}は{l}で{o}を{d}のは大丈夫？",
        "tense": "{p}が{l}で{o}を{ta}のは大丈夫？",
        "potential": "{p}が{l}で{o}を{te}おけるのは大丈夫？",
        "voice": "{p}が{l}で{o}を{pass}のは大丈夫？",
        "question": "{p}が{l}で{o}を{d}のは大丈夫か？",
        "negation": "{p}が{l}で{o}を{nai}のは大丈夫？",
    }),
}
GENERIC_SURFACE = ["punct", "filler", "kana"]
GENERIC_MEANING = ["content"]


def verb_fields(verb: tuple[str, ...]) -> dict[str, str]:
    d, ta, te, m, nai, pot, pta, vol = verb
    return {"d": d, "ta": ta, "te": te, "m": m, "nai": nai, "pot": pot, "pta": pta, "vol": vol,
            "naku": nai[:-1] + "く", "nakatta": nai[:-1] + "かった",
            "pass": pta[:-1] + "る", "kata": d[:-2] + "の仕方" if d.endswith("する") else m + "方"}


def punct(text: str, rng: random.Random) -> str:
    """Punctuation only: a comma after the first は/が/を and a different closing mark, the words untouched."""
    spots = [i + 1 for i, c in enumerate(text[:-1]) if c in "はがを" and text[i + 1] not in "の、。？！?!"]
    if spots:
        i = spots[0]
        text = text[:i] + "、" + text[i:]
    end = {"？": "?", "。": "！"}.get(text[-1], None)
    return text[:-1] + end if end else text + rng.choice(["。", "！"])


class Item:
    """One base text and the slot values it was made from, so rewrites re-render the same template."""

    def __init__(self, family: str, slots: dict | None, text: str):
        self.family, self.slots, self.text = family, slots, text

    def kinds(self) -> tuple[list[str], list[str]]:
        if self.family in ("shipped", "prose"):
            return ["punct", "filler"], []
        own = FAMILIES[self.family][1]
        return ([k for k in SURFACE if k in own] + GENERIC_SURFACE,
                [k for k in MEANING if k in own] + GENERIC_MEANING)

    def render(self, template: str, **change) -> str:
        slots = {**self.slots, **change}
        thing = THINGS[slots["thing"]][1 if slots.get("kana") else 0]
        return WHEN[slots["when"]] + template.format(o=thing, p=PEOPLE[slots["person"]], l=PLACES[slots["place"]],
                               **verb_fields(VERBS[slots["verb"]]))

    def rewrite(self, kind: str, rng: random.Random) -> tuple[str, str]:
        """The rewrite of this item of `kind`, and the template it came from."""
        if kind in EDIT:
            from bench_dedup import edit

            return edit(self.text, int(kind[-1]), rng), kind
        if kind == "filler":
            return rng.choice(FILLERS) + self.text, "filler"
        if kind == "punct":
            return punct(self.text, rng), "punct"
        base = FAMILIES[self.family][0]
        if kind == "kana":
            return self.render(base, kana=True), "kana"
        if kind == "content":  # another thing, or another verb: the same template, a different request
            slot, size = rng.choice([("thing", len(THINGS)), ("verb", len(VERBS))])
            other = (self.slots[slot] + rng.randrange(1, size)) % size
            return self.render(base, **{slot: other}), f"content-{slot}"
        template = FAMILIES[self.family][1][kind]
        return self.render(template), kind


def shipped_prompts(cache: Path) -> list[str]:
    """The released prompts of data/raw (cached: ingesting is slower than building the corpus)."""
    if cache.exists():
        return pd.read_parquet(cache)["text"].tolist()
    from curation.ingest import ingest, load_sources

    table, _ = ingest(load_sources(REPO / "data" / "raw"))
    texts = table.loc[table["fate"] == "released", "text"].tolist()
    pd.DataFrame({"text": texts}).to_parquet(cache)
    return texts


def prose_sentences(work: Path) -> list[str]:
    """Short real sentences: bench_dedup.py's cleaned base (no two near each other), 10-30 characters."""
    from bench_dedup import base_texts

    low, high = PROSE_LENGTH
    return [t for t in base_texts(work) if low <= len(t) <= high]


def base_items(count: int, questions: int, shipped: list[str], prose: list[str], rng: random.Random) -> list[Item]:
    """`count` distinct base texts: the shipped prompts, short real sentences (picked at random), and
    `questions` templated questions, families in turn. Two questions
    of one family differ in at least 2 of their slots (thing, person, place, verb, when): with every combination
    allowed, each question would have dozens of siblings one word apart, far denser than a real question set; the
    one-word-apart pairs are the labelled `content` rewrites instead."""
    items = [Item("shipped", None, t) for t in shipped[:count]]
    seen = set(shipped)
    picked = [t for t in rng.sample(prose, min(len(prose), max(0, count - questions - len(items)))) if t not in seen]
    items += [Item("prose", None, t) for t in picked[:count - len(items)]]
    seen.update(picked)
    taken: set[tuple] = set()
    names = sorted(FAMILIES)
    tries = 0
    while len(items) < count:
        tries += 1
        if tries > count * 50:
            raise ValueError(f"the word lists give fewer than {count} distinct base texts")
        family = names[len(items) % len(names)]
        slots = {"thing": rng.randrange(len(THINGS)), "person": rng.randrange(len(PEOPLE)),
                 "place": rng.randrange(len(PLACES)), "verb": rng.randrange(len(VERBS)),
                 "when": rng.randrange(len(WHEN))}
        item = Item(family, slots, "")
        item.text = item.render(FAMILIES[family][0])
        used = [field for field in SLOTS if "{" + SLOTS[field] + "}" in FAMILIES[family][0]] + ["verb", "when"]
        keys = {(family, *((f, slots[f]) for f in sub)) for sub in combinations(used, len(used) - 1)}
        if item.text not in seen and not keys & taken:  # siblings differ in 2 slots at least
            seen.add(item.text)
            taken.update(keys)
            items.append(item)
    return items


def build(n: int, path: Path, shipped: list[str], prose: list[str]) -> pd.DataFrame:
    """About n texts: base texts and their labelled rewrites, shuffled; written to `path` and returned."""
    from curation.text import matching_forms

    rng = random.Random(n)
    questions = round(QUESTIONS_AT_10K * (n / 10000) ** 0.5)
    share = questions / (n / (1 + P_SURFACE))  # about: rewrites of either kind are about as many per item
    per_item = 1 + share * (P_SURFACE + P_MEANING) + (1 - share) * (P_PROSE_SURFACE + P_EDIT * len(EDIT))
    items = base_items(round(n / per_item), questions, shipped, prose, rng)
    used: Counter = Counter()
    rows = []
    for item_id, item in enumerate(items):
        rows.append({"text": item.text, "kind": "base", "class": "base", "family": item.family,
                     "template": f"{item.family}/base", "item": item_id})
        surface, meaning = item.kinds()
        sentence = item.family == "prose"
        edits = [[k] for k in EDIT] if sentence else []
        for share, kinds, cls in [(P_PROSE_SURFACE if sentence else P_SURFACE, surface, "surface"),
                                  (P_MEANING, meaning, "meaning"),
                                  *((P_EDIT, k, "edit") for k in edits)]:
            if not kinds or rng.random() >= share:
                continue
            kind = min(kinds, key=lambda k: (used[k], rng.random()))  # kinds kept about equally frequent
            text, template = item.rewrite(kind, rng)
            if text != item.text:
                used[kind] += 1
                rows.append({"text": text, "kind": kind, "class": cls, "family": item.family,
                             "template": f"{item.family}/{template}", "item": item_id})
    frame = pd.DataFrame(rows)
    # Texts of different items must not share a matching form (the exact tier would merge them): keep the first.
    form_item = {}
    keep = [form_item.setdefault(f, i) == i for f, i in zip(matching_forms(frame["text"].tolist()), frame["item"])]
    frame = frame[keep]
    frame = frame[frame["item"].isin(frame.loc[frame["kind"] == "base", "item"])]  # a base lost: its rewrites too
    frame = frame.sample(frac=1.0, random_state=n).reset_index(drop=True)  # rewrites not always last
    frame.insert(1, "row", range(len(frame)))
    base_row = frame[frame["kind"] == "base"].set_index("item")["row"]
    frame.insert(2, "original_row", frame["item"].map(base_row))
    frame.to_parquet(path, index=False)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    work = args.out.parent
    frame = build(args.size, args.out, shipped_prompts(work / "shipped.parquet"), prose_sentences(work))
    print(f"{len(frame):,} texts, median length {frame['text'].str.len().median():.0f}")
    print(frame.groupby(["class", "kind"]).size().to_string())


if __name__ == "__main__":
    main()
