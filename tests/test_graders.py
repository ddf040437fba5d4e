"""Automatic graders checked against people (curation/responses/graders.py): Cohen's κ and the confusion
table on a worked example; the verdicts of the project's `refusal` scorer read from real Inspect logs, run
against a local server that speaks the OpenAI chat-completions protocol (tests/openai_server.py), which stands
in for a model provider that cannot run here; scores that have no verdict counted, never guessed."""

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from openai_server import ModelServer

from curation.errors import SourceError
from curation.evals import split_rows
from curation.release.layout import verify_release
from curation.responses.collect import collect, responses_of, store
from curation.responses.graders import (
    agreement_markdown,
    cohen_kappa,
    confusion,
    grader_agreement,
    grader_verdicts,
    load_grader_verdicts,
    store_grader_verdicts,
)

RELEASE = Path(__file__).resolve().parents[1] / "data" / "release" / "v0.7.0"
ANSWERS, REFUSES = "openai/answers-all", "openai/refuse-all"
# What the refusal scorer's pass/fail means for each model and prompt label: the answering model passes a
# safe prompt and fails an unsafe one; the refusing model passes an unsafe prompt and fails a safe one.
EXPECTED = {(ANSWERS, "unsafe"): "violating", (ANSWERS, "safe"): "acceptable",
            (REFUSES, "unsafe"): "acceptable", (REFUSES, "safe"): "over_refusal"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Real Inspect evaluations of the project's task (curation/evals.py) on the first 8 labelled prompts of
    v0.7.0's test split, for a model that answers everything and one that refuses everything, scored by the
    `refusal` scorer; and one run of the task with grader=requirement (model_graded_qa, as aisev's
    requirement grader is) on 3 prompts. The models are served by the local scripted server, which stands in
    for a model provider that cannot run here; run once for the module to keep CPU use light."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model

    from curation.evals import jai_trust_safety

    folder = tmp_path_factory.mktemp("logs")
    with ModelServer() as server, pytest.MonkeyPatch.context() as env:
        env.setenv("OPENAI_BASE_URL", server.base_url)
        env.setenv("OPENAI_API_KEY", "local-test-key")
        logs = {model: collect(RELEASE, "test", model, folder, limit=8, chat_completions=True)
                for model in (ANSWERS, REFUSES)}
        # The grader model is the evaluated one (model_graded_qa's default): the scripted server never writes
        # "GRADE: C/I", so Inspect records every sample as unscored (NaN).
        [logs["requirement"]] = inspect_eval(
            jai_trust_safety(release=str(RELEASE), split="test", grader="requirement"),
            model=get_model(ANSWERS, memoize=False, responses_api=False), limit=3, log_dir=str(folder),
            display="none")
    return logs


def labels() -> dict[str, str | None]:
    return {row["id"]: row["label"] for row in split_rows(RELEASE, verify_release(RELEASE), "test")}


def test_kappa_and_confusion_by_hand():
    # 10 responses, A = acceptable, V = violating, O = over_refusal; (human, grader) pairs:
    # (A,A)×4 (A,V)×1 (V,V)×2 (V,A)×1 (O,O)×1 (O,A)×1.
    # Human marginals A 5, V 3, O 2; grader marginals A 6, V 3, O 1.
    # p_o = (4 + 2 + 1) / 10 = 0.7
    # p_e = (5·6 + 3·3 + 2·1) / 10² = 41 / 100 = 0.41
    # κ = (0.7 - 0.41) / (1 - 0.41) = 0.29 / 0.59 = 29/59 ≈ 0.4915
    a, v, o = "acceptable", "violating", "over_refusal"
    human = [a] * 4 + [a] + [v] * 2 + [v] + [o] + [o]
    grader = [a] * 4 + [v] + [v] * 2 + [a] + [o] + [a]
    assert cohen_kappa(human, grader) == pytest.approx(29 / 59)
    table = confusion(human, grader)
    assert table.index.tolist() == table.columns.tolist() == [a, v, o]  # the taxonomy's order
    assert table.to_dict("index") == {a: {a: 4, v: 1, o: 0}, v: {a: 1, v: 2, o: 0}, o: {a: 1, v: 0, o: 1}}
    assert table.values.sum() == 10 and table.index.name == "human" and table.columns.name == "grader"
    # Degenerate: both raters put every item in one category, so p_e = 1 and κ = 0/0: undefined, not 1.
    assert cohen_kappa([a, a, a], [a, a, a]) is None
    assert cohen_kappa([], []) is None
    assert confusion([a, a], [a, a]).to_dict("index") == {a: {a: 2}}
    # One rater constant is defined: p_o = 1/2, p_e = (2·1 + 0·1)/4 = 1/2, κ = 0.
    assert cohen_kappa([a, a], [a, v]) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        cohen_kappa([a], [a, v])


def test_refusal_scorer_of_real_logs_against_people(runs, tmp_path):
    """The `refusal` scorer's scores in real Inspect logs (models served by the local scripted server, which
    stands in for a model provider that cannot run here) read as verdicts by the prompt's release label,
    under the keys responses_of gives; stored next to the responses, a rerun adds nothing; compared with a
    hand-made human verdict table, κ is the hand-computed one."""
    label = labels()
    out = tmp_path / "responses"
    frames, verdicts = {}, []
    for model in (ANSWERS, REFUSES):
        frame, failed = responses_of(runs[model], RELEASE, "collect")
        assert failed == 0 and len(frame) == 8
        assert sorted(label[p] for p in frame["prompt_id"]) == ["safe"] * 3 + ["unsafe"] * 5
        found = grader_verdicts(runs[model], frame, RELEASE)
        assert found.columns.tolist() == ["key", "grader", "score", "verdict"]
        assert sorted(found["key"]) == sorted(frame["key"]) and set(found["grader"]) == {"refusal"}
        prompt = dict(zip(frame["key"], frame["prompt_id"]))
        for r in found.to_dict("records"):
            assert r["verdict"] == EXPECTED[(model, label[prompt[r["key"]]])]
            assert r["score"] == ("C" if r["verdict"] == "acceptable" else "I")
        frames[model] = frame
        verdicts.append(found)
        store(frame, out)
    graded = pd.concat(verdicts, ignore_index=True)

    assert store_grader_verdicts(graded, out) == (16, 0)
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted((out / "v0.7.0").glob("*.graders.jsonl"))}
    assert list(files) == ["openai__answers-all.graders.jsonl", "openai__refuse-all.graders.jsonl"]
    lines = [json.loads(line) for line in files["openai__answers-all.graders.jsonl"].splitlines()]
    assert [(r["key"], r["grader"]) for r in lines] == sorted((r["key"], r["grader"]) for r in lines)
    assert set(lines[0]) == {"key", "grader", "score", "verdict"}
    assert store_grader_verdicts(graded, out) == (0, 16)  # idempotent
    assert {p.name: p.read_text(encoding="utf-8") for p in sorted((out / "v0.7.0").glob("*.graders.jsonl"))} == files
    loaded = load_grader_verdicts(out)
    expected = graded.sort_values(["key", "grader"], ignore_index=True)
    pd.testing.assert_frame_equal(loaded, expected)
    with pytest.raises(SourceError, match="store the responses first"):
        store_grader_verdicts(graded, tmp_path / "empty")

    # People's verdicts, made by hand: as the scorer's, except three responses.
    human = []
    for model, frame in frames.items():
        unsafe = [p for p in frame["prompt_id"] if label[p] == "unsafe"]
        safe = [p for p in frame["prompt_id"] if label[p] == "safe"]
        for key, p in zip(frame["key"], frame["prompt_id"]):
            verdict = EXPECTED[(model, label[p])]
            if model == ANSWERS and p == unsafe[0]:
                verdict = "acceptable"  # the scorer says violating
            if model == ANSWERS and p == unsafe[1]:
                verdict = "unusable"  # left out of the comparison
            if model == REFUSES and p == safe[0]:
                verdict = "acceptable"  # the scorer says over_refusal
            human.append({"key": key, "verdict": verdict})
    # 15 compared (human rows × scorer columns): acceptable: 8 acceptable (3 answered safe + 5 declined
    # unsafe), 1 violating, 1 over_refusal; violating: 3 violating; over_refusal: 2 over_refusal.
    # Human marginals A 10, V 3, O 2; scorer marginals A 8, V 4, O 3.
    # p_o = (8 + 3 + 2) / 15 = 13/15;  p_e = (10·8 + 3·4 + 2·3) / 15² = 98/225
    # κ = (195/225 - 98/225) / (127/225) = 97/127 ≈ 0.7638
    summary, confusions = grader_agreement(pd.DataFrame(human), graded)
    [row] = summary.to_dict("records")
    assert row["grader"] == "refusal" and (row["scored"], row["unmapped"], row["compared"]) == (16, 0, 15)
    assert row["agreement"] == pytest.approx(13 / 15) and row["kappa"] == pytest.approx(97 / 127)
    a, v, o = "acceptable", "violating", "over_refusal"
    assert confusions["refusal"].to_dict("index") == {a: {a: 8, v: 1, o: 1}, v: {a: 0, v: 3, o: 0},
                                                      o: {a: 0, v: 0, o: 2}}
    text = agreement_markdown(summary, confusions)
    assert "| refusal | 16 | 0 | 15 | 86.7% | 0.764 |" in text
    assert "| People \\ grader | acceptable (許容) | violating (違反) | over_refusal (過剰拒否) |" in text
    assert "| acceptable (許容) | 8 | 1 | 1 |" in text and "| over_refusal (過剰拒否) | 0 | 0 | 2 |" in text


def test_scores_with_no_verdict_are_counted_not_guessed(runs, tmp_path):
    """Scores that are not pass/fail (partial, no-answer, a free number, a dict, unscored) get no verdict,
    are counted in the summary and left out of κ. The logs are real Inspect logs of models served by the
    local scripted server, which stands in for a model provider that cannot run here: the grader=requirement
    run (model_graded_qa found no grade: unscored), and the answering model's log given a second scorer's
    values, written and read back as Inspect does."""
    from inspect_ai.log import read_eval_log, write_eval_log
    from inspect_ai.scorer import Score

    label = labels()
    frame, _ = responses_of(runs["requirement"], RELEASE, "collect")
    found = grader_verdicts(runs["requirement"], frame, RELEASE)
    assert len(found) == 3 and set(found["grader"]) == {"model_graded_qa"}
    assert found["verdict"].isna().all() and set(found["score"]) == {"NaN"}
    human = pd.DataFrame({"key": frame["key"], "verdict": "acceptable"})
    summary, confusions = grader_agreement(human, found)
    assert summary.to_dict("records") == [{"grader": "model_graded_qa", "scored": 3, "unmapped": 3, "compared": 0,
                                           "agreement": None, "kappa": None}]
    text = agreement_markdown(summary, confusions)
    assert "| model_graded_qa | 3 | 3 | 0 | — | undefined |" in text and "No response has both" in text

    log = read_eval_log(runs[ANSWERS].location)
    frame, _ = responses_of(log, RELEASE, "collect")
    prompts = frame["prompt_id"].tolist()
    assert [label[p] for p in prompts] == ["unsafe"] * 4 + ["safe"] * 3 + ["unsafe"]
    values = ["P", 0.5, "I", {"part": 1}, "C", "N", "I"]  # the 8th sample: not scored by this grader
    for sample, value in zip(log.samples, values):
        sample.scores["model_graded_qa"] = Score(value=value)
    path = tmp_path / "graded.eval"
    write_eval_log(log, str(path))
    found = grader_verdicts(read_eval_log(str(path)), frame, RELEASE)
    graded = found[found["grader"] == "model_graded_qa"].set_index("key")
    assert graded.loc[frame["key"][:7], "score"].tolist() == ["P", "0.5", "I", '{"part": 1}', "C", "N", "I"]
    assert graded.loc[frame["key"][:7], "verdict"].tolist() == [None, None, "violating", None, "acceptable", None,
                                                                "over_refusal"]
    human = pd.DataFrame({"key": frame["key"], "verdict": [EXPECTED[(ANSWERS, label[p])] for p in prompts]})
    summary, confusions = grader_agreement(human, found)
    rows = {r["grader"]: r for r in summary.to_dict("records")}
    # model_graded_qa: 3 compared, (human, grader) = (V,V) (A,A) (A,O). p_o = 2/3;
    # p_e = (human A 2 · grader A 1 + human V 1 · grader V 1 + human O 0 · grader O 1) / 3² = 3/9 = 1/3;
    # κ = (2/3 - 1/3) / (1 - 1/3) = 1/2.
    assert (rows["model_graded_qa"]["scored"], rows["model_graded_qa"]["unmapped"],
            rows["model_graded_qa"]["compared"]) == (7, 4, 3)
    assert rows["model_graded_qa"]["agreement"] == pytest.approx(2 / 3)
    assert rows["model_graded_qa"]["kappa"] == pytest.approx(0.5)
    assert rows["refusal"]["compared"] == 8 and rows["refusal"]["agreement"] == 1.0
    assert rows["refusal"]["kappa"] == pytest.approx(1.0)
    assert "| model_graded_qa | 7 | 4 | 3 | 66.7% | 0.500 |" in agreement_markdown(summary, confusions)
    assert not any(isinstance(v, float) and math.isnan(v) for v in summary["kappa"])
