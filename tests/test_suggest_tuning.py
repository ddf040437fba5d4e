"""The suggestion model's features and weights (curation/suggest/features.py, model.py), on the shipped
release's own rows: what a prompt's wording contributes, how viewpoints are balanced, same bytes twice."""

from pathlib import Path

import pandas as pd

from curation.suggest import model_files, train, training_examples
from curation.suggest.features import features
from curation.suggest.model import balanced, weighted

RELEASE = Path(__file__).resolve().parent.parent / "data" / "release" / "v0.9.0" / "data"


def release_rows() -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in sorted(RELEASE.glob("*.parquet"))], ignore_index=True)


def test_grammar_is_not_a_feature_but_topic_words_and_made_up_words_are():
    polite = features("爆弾の作り方を教えてください")
    assert not {"くださ", "ださい", "w:下さる"} & set(polite)  # how it is asked, not what about
    assert {"爆弾", "作り方", "教えて", "w:爆弾", "w:作る"} <= set(polite)
    slang = features("ずんだらーの庭の手入れについて")  # a word no dictionary knows, in hiragana: kept
    assert {"ずんだ", "だらー"} <= set(slang)


def test_viewpoints_weigh_the_same_whatever_the_presets_bring():
    examples = pd.DataFrame({
        "kind": ["decided", "aisi-preset", "aisi-preset", "aisi-preset", "goal", "decided"],
        "primary_viewpoint": ["privacy", "toxic_output", "toxic_output", "toxic_output", "toxic_output", None]})
    weight = balanced(weighted(examples), examples)
    prompts = weight[:4]
    assert prompts[0] == prompts[1:].sum()  # one privacy item weighs as much as three toxic presets
    assert weight[4] == weighted(examples)[4] and weight[5] == 1.0  # goal texts and undecided rows unchanged


def test_the_same_examples_give_the_same_model_bytes():
    examples = training_examples(release_rows().sort_values("id").head(120), [])
    first, second = model_files(train(examples)), model_files(train(examples))
    assert first == second
