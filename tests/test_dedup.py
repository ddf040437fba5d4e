"""Normalization for matching and the exact-duplicate rule (which record is kept)."""

import json
import random
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from curation.annotate import mark_annotated
from curation.contract import Context
from curation.dedup.exact import add_matching_forms, collapse_exact
from curation.release.ids import mint_id
from curation.text import SEPARATOR, matching_form, matching_forms, release_text
from curation.text.normalize import casefolded_nfkc


@pytest.mark.parametrize("a, b", [
    ("ＡＩの学習データ", "AIの学習データ"),            # full-width ASCII
    ("ｶﾀｶﾅの質問", "カタカナの質問"),                  # half-width katakana
    ("爆発物の\u3000作り方", "爆発物の作り方"),         # ideographic space
    ("爆発物の\u200b作り方", "爆発物の作り方"),         # zero-width space
    ("爆発物の 作り方\n", "爆発物の作り方"),            # spaces and line breaks
    ("Kill a Process", "kill a process"),              # case
    ("葛\U000e0100飾区", "葛飾区"),                     # variation selector
])
def test_matching_form_folds_what_keyboards_vary(a, b):
    assert matching_form(a) == matching_form(b)


@pytest.mark.parametrize("a, b", [
    ("爆発物の作り方を教えて。", "爆発物の作り方を教えて？"),   # punctuation
    ("「爆発物」の作り方!!", "爆発物の作り方"),                # brackets, symbols
    ("ホントに危ない？", "ほんとに危ない"),                    # katakana as hiragana
    ("ヤミバイトの勧誘", "やみバイトの勧誘"),
    ("スーーーパーで買える", "スーパーで買える"),             # runs of ー
    ("ｽｰﾊﾟｰで買える", "スーパーで買える"),                   # half-width ｰ
    ("1,000円で買える", "1000円で買える"),                   # a thousands comma is not a separator
    ("１．５ｇ", "1.5g"),                                     # width, with the digit separator kept
    ("1. 5g", "1.5g"),                                        # spaces inside it dropped
    ("😀絵文字", "絵文字"),                                   # symbols
])
def test_matching_form_folds_punctuation_kana_and_long_vowels(a, b):
    assert matching_form(a) == matching_form(b)


@pytest.mark.parametrize("a, b", [
    ("男性の上司", "女性の上司"), ("買う", "売る"),
    ("1.5g", "15g"), ("1/2錠", "12錠"), ("3:1で混ぜる", "31で混ぜる"), ("1、2番", "12番"), ("1,5", "15"),
    ("2錠", "20錠"), ("かき", "かぎ"),                            # a dakuten is a different word
])
def test_matching_form_keeps_what_changes_meaning(a, b):
    assert matching_form(a) != matching_form(b)


def test_matching_forms_of_a_column_are_each_texts_form():
    texts = ["ＡＩ　とは？", "", "1,000円", "ホント\x00に", "ｶﾀｶﾅ"]
    assert matching_forms(texts) == [matching_form(t) for t in texts] == [
        "aiとは", "", "1000円", "ほんとに", "かたかな"]


def folded_by_tables(texts: list[str]) -> list[str]:
    codes = np.frombuffer(SEPARATOR.join(texts).encode("utf-32-le"), dtype=np.uint32)
    return casefolded_nfkc(codes).tobytes().decode("utf-32-le").split(SEPARATOR)


def test_the_per_code_point_tables_fold_exactly_as_unicodedata():
    """casefold(NFKC()) from the tables (filled in as code points are first seen) is unicodedata's, for every
    code point alone, after a letter, before a combining mark and a voiced-sound mark, and in random strings."""
    every = [chr(cp) for cp in range(1, 0x110000) if not 0xD800 <= cp < 0xE000]
    rng = random.Random(7)
    blocks = [(0x3000, 0x3100), (0xFF00, 0xFFF0), (0x300, 0x370), (0x1100, 0x1200), (0xAC00, 0xAD00), (0x20, 0x7F)]
    assorted = "".join(chr(rng.randrange(*rng.choice(blocks))) for _ in range(200_000))
    below = every[:0x30000]
    texts = [*every, *("か" + c for c in below), *(c + "\u0301" for c in below), *(c + "ﾞ" for c in below),
             *(assorted[k:k + 8] for k in range(0, len(assorted), 8))]
    expected = [unicodedata.normalize("NFKC", t).casefold() for t in texts]
    got = folded_by_tables(texts)
    assert [t for t, g, e in zip(texts, got, expected) if g != e] == []


def test_forms_folded_in_threads_on_fresh_tables_are_each_texts_form(monkeypatch):
    """A long column is folded a part per thread, the threads filling the shared tables' entries for code
    points first seen at the same time (under a lock): each text's form is the one-text form."""
    from curation.dedup import pairs
    from curation.text import normalize

    rng = random.Random(3)
    texts = ["".join(chr(rng.randrange(0x20, 0x3100)) for _ in range(12)) for _ in range(4000)]
    expected = [matching_form(t) for t in texts]
    monkeypatch.setattr(normalize, "tables", lru_cache(maxsize=1)(normalize.Tables))  # nothing filled yet
    monkeypatch.setattr(pairs, "tables", normalize.tables)
    monkeypatch.setattr(pairs, "FORM_PART", 5)
    assert pairs.forms_of(texts) == expected


def test_release_text_is_nfc_only():
    assert release_text("ＡＩ\u3000か\u3099") == "ＡＩ\u3000が"  # composed, nothing else touched


def exact(table, judged=frozenset()):
    """The stages up to exact dedup, with stored annotations naming `judged` ids."""
    context = Context(annotations=pd.DataFrame({"id": sorted(judged)}))
    for stage in (add_matching_forms, mark_annotated, collapse_exact):
        table, report = stage(table, context)
    return table, report


def records(*rows):
    base = {"fate": "released", "annotated": False, "submitted_at": None, "label": "unsafe",
            "viewpoints": ["toxic_output"], "primary_viewpoint": "toxic_output", "gsn_goal": None, "borderline": False,
            "fictional": False, "borderline_type": None, "regions": [], "reason": None, "requirement": None}
    return pd.DataFrame([{**base, **r, "where": r["input_key"]} for r in rows])


def test_expert_is_kept_over_an_earlier_crowd_copy():
    table = records(
        {"input_key": "crowd:2", "text": "ＡＩとは？", "origin": "crowd", "source_index": 0, "row": 2,
         "submitted_at": "2026-01-01T00:00:00"},
        {"input_key": "expert:9", "text": "AIとは？", "origin": "expert", "source_index": 1, "row": 9},
    )
    out, report = exact(table)
    out = out.set_index("input_key")
    assert out.loc["expert:9", "fate"] == "released"
    assert out.loc["crowd:2", "fate"] == "duplicate" and out.loc["crowd:2", "duplicate_of_key"] == "expert:9"
    assert report.counts["dropped as duplicate"] == 1


def test_annotated_then_earliest_submission_then_file_order():
    table = records(
        {"input_key": "a:2", "text": "同じ質問", "origin": "crowd", "source_index": 0, "row": 2,
         "submitted_at": "2026-09-05T00:00:00"},
        {"input_key": "b:2", "text": "同じ質問", "origin": "crowd", "source_index": 1, "row": 2,
         "submitted_at": "2026-09-01T00:00:00"},
        {"input_key": "c:2", "text": "同じ 質問", "origin": "crowd", "source_index": 2, "row": 2},
    )
    out, _ = exact(table)
    assert out.set_index("input_key")["fate"].to_dict() == {"a:2": "duplicate", "b:2": "released", "c:2": "duplicate"}
    table.loc[table["input_key"] == "c:2", "annotated"] = True
    out, _ = exact(table)
    assert out.set_index("input_key").loc["c:2", "fate"] == "released"
    # Stored annotations name ids: the record whose id annotators judged counts as annotated.
    out, _ = exact(table.assign(annotated=False), judged={mint_id("同じ 質問")})
    assert out.set_index("input_key").loc["c:2", "fate"] == "released"


def test_duplicates_that_disagree_are_reported_for_review():
    table = records(
        {"input_key": "a:2", "text": "同じ質問", "origin": "crowd", "source_index": 0, "row": 2, "label": "safe"},
        {"input_key": "a:3", "text": "同じ質問", "origin": "crowd", "source_index": 0, "row": 3},
    )
    _, report = exact(table)
    assert report.problems == ["duplicates disagree on label (kept the first): a:2, a:3"]


def test_quarantined_records_are_never_deduplicated():
    table = records(
        {"input_key": "a:2", "text": "同じ質問", "origin": "crowd", "source_index": 0, "row": 2},
        {"input_key": "a:3", "text": "同じ質問", "origin": "crowd", "source_index": 0, "row": 3,
         "fate": "quarantined", "reason": "a row 3: bad"},
    )
    out, _ = exact(table)
    assert out["fate"].tolist() == ["released", "quarantined"]


def test_of_released_ids_sharing_a_form_a_prompt_keeps_its_own_text_s_id_else_the_earliest():
    from curation.release.ids import carried

    earlier = [{"id": "jt-a", "text": "AIとは?"}, {"id": "jt-b", "text": "ＡＩとは？"}]  # earliest release first
    assert carried("ＡＩとは？", earlier)["id"] == "jt-b"
    assert carried("AI とは", earlier)["id"] == "jt-a"


SYMBOL_ONLY = ["💣🔪", "🍰🎂", "？？？", "！！！", "★☆", "→←", "♪♪", "¥$"]


def test_texts_without_letters_or_digits_are_matched_on_their_own_text_not_merged():
    """Their folded form is empty: each is matched on its NFKC text (a fallback no other form can equal), so
    8 different symbol-only prompts stay 8, and the same one written twice (？？？, ???) is still one."""
    forms = matching_forms([*SYMBOL_ONLY, "???", " 💣 🔪\u200b", "質問"])
    assert len(set(forms[:8])) == 8 and forms[2] == forms[8] and forms[0] == forms[9]
    assert forms[10] not in forms[:8] and all(f for f in forms)
    table = records(*({"input_key": f"a:{i}", "text": t, "origin": "crowd", "source_index": 0, "row": i}
                      for i, t in enumerate([*SYMBOL_ONLY, "???"], start=2)))
    out, report = exact(table)
    assert out["fate"].tolist() == ["released"] * 8 + ["duplicate"]
    assert out["duplicate_of_key"].iloc[-1] == "a:4" and report.counts["duplicate groups"] == 1


def test_symbol_only_texts_are_never_near_duplicates():
    from curation.dedup.table import dedup_table

    texts = ["💣🔪", "💣🔪💣", "💣🔪💣🔪", "！！！", "！！！！", "？？？", "???"]
    out, _ = dedup_table(pd.DataFrame({"text": texts}), "text")
    assert out["kept"].tolist() == [True] * 6 + [False] and out["duplicate_of"].iloc[-1] == "5"
    assert out["cluster_id"].iloc[:5].isna().all() and out["pair_class"].iloc[-1] == "exact"


@pytest.mark.parametrize("ids, problem", [
    (["a@example.jp", "a@example.jp", "c"], "1 row(s) repeat an earlier row's id, 0 empty"),
    (["a@example.jp", "", None], "0 row(s) repeat an earlier row's id, 2 empty"),
])
def test_dedup_refuses_an_id_column_that_does_not_name_one_row(ids, problem, tmp_path, capsys):
    """`duplicate_of` with repeated or empty ids once pointed at a row's own id: one line, values not shown."""
    from curation.cli import main

    path = tmp_path / "in.jsonl"
    path.write_text("".join(f'{{"id": {json.dumps(i)}, "text": "同じ質問"}}\n' for i in ids), encoding="utf-8")
    assert main(["dedup", str(path), "--id-column", "id", "--out", str(tmp_path / "out.parquet")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: --id-column id: ids must be unique and not empty ({problem}); leave --id-column out " \
                  "to name rows by number\n"
    assert not (tmp_path / "out.parquet").exists()
