"""Automatic tagging of prompts: suggested viewpoints and goal, borderline candidates, the places a
prompt names (region codes), Japan-specific sensitive topics, and personal data.

Suggestions speed annotators up (they are sent to Label Studio as predictions) and are never released
as labels on their own. Word lists live in schemas/ (lexicons.yaml, gazetteer.yaml, region_topics.yaml,
regions.yaml); terms match on UniDic lemmas, so 殺す matches 殺した and ころされる.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import workers
from ..report import StageReport
from ..schema import alias_key, schemas
from ..text import INVISIBLE, Token, fold_width, lemma_key, tokens
from . import pii

ARROW_TYPES = {
    "suggested_viewpoints": pa.list_(pa.string()), "suggested_goal": pa.string(), "suggested_borderline": pa.bool_(),
    "suggested_borderline_type": pa.string(), "regions": pa.list_(pa.string()), "region_topics": pa.list_(pa.string()),
    "pii": pa.list_(pa.struct([("kind", pa.string()), ("start", pa.int32()), ("end", pa.int32())])),
}
TUNING = schemas().tuning["tagging"]  # schemas/pipeline.yaml
PARALLEL_TEXTS = schemas().tuning["workers"]["tag_texts"]  # fewer texts are tagged in this process


class Terms:
    """Lexicon terms, each a label's evidence, matched as contiguous lemma sequences."""

    def __init__(self, labelled: Iterable[tuple[str, str]]):
        self.by_first: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for label, term in labelled:
            key = lemma_key(str(term))
            if key:
                self.by_first[key[0]].append((key, label))

    def count(self, words: list[Token]) -> Counter:
        """label -> number of distinct terms of that label found. The longest term wins where terms
        overlap: 在日米軍 is not also 在日."""
        lemmas = [w.lemma for w in words]
        found, i = set(), 0
        while i < len(lemmas):
            matches = [(key, label) for key, label in self.by_first.get(lemmas[i], ())
                       if tuple(lemmas[i:i + len(key)]) == key]
            if not matches:
                i += 1
                continue
            longest = max(len(key) for key, _ in matches)
            found.update((key, label) for key, label in matches if len(key) == longest)
            i += longest
        return Counter(label for _, label in found)


@dataclass
class Lexicons:
    viewpoints: Terms
    goals: Terms
    patterns: list[tuple[re.Pattern, str]]
    unsafe: Terms
    borderline_types: Terms
    topics: Terms
    places: dict[str, tuple[str, ...]]  # alias_key(name) -> region codes (none: a name that is no place)
    place_prefixes: frozenset[str]  # every beginning of a name: the longest-match scan stops early
    order: dict[str, int]  # viewpoint code -> taxonomy position (ties in suggestions go in guide order)


@lru_cache(maxsize=1)
def lexicons() -> Lexicons:
    s = schemas()
    doc = s.lexicons
    viewpoints = doc["viewpoints"]
    places: dict[str, tuple[str, ...]] = {}
    for entry in s.regions:
        for name in [entry["ja"], entry["en"], *(entry.get("aliases") or [])]:
            places[alias_key(name)] = (entry["code"],)
    for code, names in s.gazetteer["places"].items():
        places.update({alias_key(n): (code,) for n in names})
    places.update({alias_key(n): tuple(codes) for n, codes in (s.gazetteer.get("shared") or {}).items()})
    places.update({alias_key(n): () for n in s.gazetteer.get("not_places") or []})
    return Lexicons(
        viewpoints=Terms((code, t) for code, v in viewpoints.items() for t in v.get("terms") or []),
        goals=Terms((goal, t) for v in viewpoints.values() for goal, ts in (v.get("goals") or {}).items()
                    for t in ts),
        patterns=[(re.compile(p, re.IGNORECASE), code) for code, v in viewpoints.items()
                  for p in v.get("patterns") or []],
        unsafe=Terms(("unsafe", t) for t in doc["borderline"]["unsafe_terms"]),
        borderline_types=Terms((code, t) for code, ts in doc["borderline"]["types"].items() for t in ts),
        topics=Terms((topic["code"], t) for topic in s.region_topics for t in topic["terms"]),
        places=places,
        place_prefixes=frozenset(name[:n] for name in places for n in range(1, len(name) + 1)),
        order={v["code"]: i for i, v in enumerate(s.viewpoints)},
    )


def noisy(folded: str, original: str, words: list[Token]) -> bool:
    """Typo noise or garbled input (a robustness probe): many unknown words, invisible characters, or
    width changes mixed into ordinary text (ｶﾀｶﾅ, ＡＢＣ beside normal characters)."""
    if INVISIBLE.search(original):
        return True
    content = [w for w in words if w.pos[0] not in ("補助記号", "空白")]
    unknown = sum(not w.known and not w.lemma.isdigit() for w in content)
    width_changed = sum(a != b for a, b in zip(folded, original) if not a.isspace())
    return ((len(content) >= TUNING["noise_min_words"] and unknown / len(content) >= TUNING["noise_unknown_share"])
            or (0 < width_changed < len(original) * TUNING["noise_width_share"]
                and width_changed >= TUNING["noise_width_changes"]))


def place_codes(words: list[Token]) -> list[str]:
    """Region codes of the places the words name: the longest gazetteer name starting at each word,
    unless it is used as a person's name: an honorific or a given name follows (長野さん, 福田康夫).
    UniDic's 人名 tag alone does not decide: it tags 竹島 and 川口 as surnames wherever they occur."""
    lex = lexicons()
    codes, i = [], 0
    while i < len(words):
        match, name = None, ""
        for j in range(i + 1, min(len(words), i + TUNING["longest_place"]) + 1):
            name += words[j - 1].surface.casefold()  # words of folded text: only case is left to fold
            if name not in lex.place_prefixes:
                break
            if name in lex.places:
                match = (j, lex.places[name])
        if match is None:
            i += 1
            continue
        j, found = match
        following = words[j] if j < len(words) else None
        person = following is not None and (following.surface in pii.HONORIFIC
                                             or (following.person and following.start == words[j - 1].end))
        if not person:
            codes += [code for code in found if code not in codes]
        i = j
    return codes


@dataclass
class Tags:
    suggested_viewpoints: list[str]
    suggested_goal: str | None
    suggested_borderline: bool
    suggested_borderline_type: str | None
    regions: list[str]
    region_topics: list[str]
    pii: list[dict]


def tag_text(text: str, label: str | None = None) -> Tags:
    """All tags of one prompt. With its label known, a safe prompt with unsafe-looking words is a
    borderline candidate; without it, only one that also has a borderline type's cue (定義, 歴史, 小説...)."""
    lex = lexicons()
    folded = fold_width(text)
    words = tokens(folded)
    votes = lex.viewpoints.count(words)
    for pattern, code in lex.patterns:
        votes[code] += bool(pattern.search(folded))
    if noisy(folded, text, words):
        votes["robustness"] += 1
    viewpoints = sorted((c for c, n in votes.items() if n), key=lambda c: (-votes[c], lex.order[c]))
    under = {g for v in viewpoints for g in schemas().viewpoint_by_code[v]["goals"]}
    goals = [g for g, _ in lex.goals.count(words).most_common() if g in under]
    unsafe_looking = bool(lex.unsafe.count(words))
    types = lex.borderline_types.count(words).most_common(1)
    borderline = unsafe_looking and (label == "safe" if label else bool(types))
    return Tags(
        suggested_viewpoints=viewpoints,
        suggested_goal=goals[0] if goals else None,
        suggested_borderline=borderline,
        suggested_borderline_type=types[0][0] if borderline and types else None,
        regions=place_codes(words),
        region_topics=sorted(lex.topics.count(words)),
        pii=pii.detect(text, words),
    )


def tag(table: pd.DataFrame, text_column: str = "text", label_column: str | None = None, scorer=None
        ) -> tuple[pd.DataFrame, StageReport]:
    """The tag columns (ARROW_TYPES) for every row of `table`, index aligned. With a suggestion model's
    `scorer` (curation.suggest), its suggestions replace the lexicons' and add its own columns
    (suggest.ARROW_TYPES); the lexicons still name the borderline type, places, topics and personal data."""
    report = StageReport("tag")
    texts = [t if isinstance(t, str) else "" for t in table[text_column]]
    labels = [l if isinstance(l, str) else None for l in table[label_column]] if label_column else [None] * len(texts)
    missing = sum(not isinstance(t, str) for t in table[text_column])
    if missing:
        report.count("rows without text", missing)
    if len(texts) < PARALLEL_TEXTS:
        rows = tag_part(texts, labels, (0, len(texts)))
    else:  # UniDic and the lexicons are Python and MeCab work: both cores, workers inherit the lexicons
        lexicons()
        cuts = np.linspace(0, len(texts), workers.CORES * 4 + 1).astype(int).tolist()
        rows = [r for part in workers.in_workers(tag_job, list(zip(cuts[:-1], cuts[1:])), (texts, labels))
                for r in part]
    out = pd.DataFrame(rows, index=table.index, columns=list(ARROW_TYPES))
    if scorer is not None:
        suggested = scorer.suggest(texts)
        for column in suggested.columns:
            out[column] = suggested[column].to_numpy()
        out["suggested_borderline_type"] = out["suggested_borderline_type"].where(out["suggested_borderline"], None)
        report.notes.append(f"suggestions by model {scorer.model.version}")
    report.counts.update({
        "rows": len(out),
        "with a suggested viewpoint": int(out["suggested_viewpoints"].map(bool).sum()),
        "borderline candidates": int(out["suggested_borderline"].sum()),
        "naming a place": int(out["regions"].map(bool).sum()),
        "with a sensitive topic": int(out["region_topics"].map(bool).sum()),
        "with personal data": int(out["pii"].map(bool).sum()),
    })
    return out, report


def tag_part(texts: list[str], labels: list, bounds: tuple[int, int]) -> list[dict]:
    return [tag_text(texts[i], labels[i]).__dict__ for i in range(*bounds)]


def tag_job(bounds: tuple[int, int]) -> list[dict]:
    return tag_part(*workers.SHARED, bounds)


def set_scores(predicted: Iterable, gold: Iterable) -> tuple[float, float]:
    """Micro precision and recall of predicted code lists against gold code lists."""
    tp = fp = fn = 0
    for p, g in zip(predicted, gold):
        p, g = set(p), set(g)
        tp, fp, fn = tp + len(p & g), fp + len(p - g), fn + len(g - p)
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


@lru_cache(maxsize=1)
def japanese_names() -> tuple[dict, dict, dict, dict]:
    """code -> Japanese name of viewpoints, regions, topics and personal-data kinds."""
    s = schemas()
    return ({v["code"]: v["ja"] for v in s.viewpoints},
            {r["code"]: r["ja"] for r in s.regions},
            {t["code"]: t["ja"] for t in s.region_topics},
            {k["code"]: k["ja"] for k in s.taxonomy["personal_data_kinds"]})


def describe(tags: dict, why: dict | None = None) -> str:
    """The suggestions of one prompt in Japanese, for the annotators' hint line; with a model's (tags has
    `suggestion_score`), its confidence, leaf goals and why (`why`: Scorer.why)."""
    viewpoint, region, topic, kinds = japanese_names()
    parts = ["評価観点: " + ("、".join(viewpoint[c] for c in tags["suggested_viewpoints"]) or "なし")]
    if tags.get("suggestion_score") is not None:
        open_ = "、提案なし）" if not tags["suggested_viewpoints"] else "）"
        parts[0] += f"（確信度・次点との差 {tags['suggestion_score']:.2f}{open_}"
        if len(tags["suggested_goals"]):
            parts.append("目標: " + "、".join(f"{g['goal']} {g['score']:.2f}" for g in tags["suggested_goals"]))
    if why:
        if why["lexicon"]:
            parts.append("根拠（語彙）: " + "、".join(why["lexicon"]))
        if why["nearest"]:
            parts.append("近い判断済み項目: " + "、".join(
                f"{n['id']}（{viewpoint.get(n['primary_viewpoint'], n['primary_viewpoint'])}"
                + (f"、{n['gsn_goal']}" if isinstance(n["gsn_goal"], str) else "") + "）" for n in why["nearest"]))
    if tags["suggested_borderline"]:
        parts.append("ボーダーラインの可能性" + (f"（{tags['suggested_borderline_type']}）"
                                          if tags["suggested_borderline_type"] else ""))
    if tags["regions"]:
        parts.append("地域: " + "、".join(region[c] for c in tags["regions"]))
    if tags["region_topics"]:
        parts.append("地域的に繊細な話題: " + "、".join(topic[c] for c in tags["region_topics"]))
    if tags["pii"]:
        parts.append("個人情報: " + "、".join(kinds[h["kind"]] for h in tags["pii"])
                     + "（架空でなければ公開されません）")
    return " ／ ".join(parts)
