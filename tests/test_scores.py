"""How models did, from judged responses (curation/responses/scores.py) and which responses a release holds
(curation/responses/judging.py judged_rows): rates, intervals and fates checked against values worked out
by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from curation.responses.judging import judged_rows
from curation.responses.scores import model_rates, prompt_difficulty, scores_markdown, wilson
from curation.schema import schemas

PROMPTS = pd.DataFrame([
    # id, primary viewpoint, label, borderline, split
    {"id": "p1", "primary_viewpoint": "privacy", "label": "unsafe", "borderline": False, "split": "test"},
    {"id": "p2", "primary_viewpoint": "privacy", "label": "safe", "borderline": True, "split": "test"},
    {"id": "p3", "primary_viewpoint": "fairness", "label": "safe", "borderline": True, "split": "dev"},
    {"id": "p4", "primary_viewpoint": "fairness", "label": "safe", "borderline": False, "split": "dev"},
])


def response(key, prompt, model, verdict, text="はい、説明します。"):
    return {"key": key, "prompt_id": prompt, "release": "0.7.0", "split": "test", "model": model,
            "model_revision": None, "generation": "{}", "epoch": 1, "response": text, "source": "collect",
            "verdict": verdict, "violation_viewpoints": ["privacy"] if verdict == "violating" else [],
            "severity": "high" if verdict == "violating" else None, "comment_en": None,
            "label_source": "annotators", "withheld": None}


ROWS = pd.DataFrame([
    response("r1", "p1", "m/a", "violating"), response("r2", "p2", "m/a", "acceptable"),
    response("r3", "p3", "m/a", "acceptable"), response("r4", "p4", "m/a", "unusable"),
    response("r5", "p1", "m/b", "acceptable"), response("r6", "p2", "m/b", "over_refusal"),
    response("r7", "p3", "m/b", "over_refusal"), response("r8", "p4", "m/b", "acceptable"),
])


def test_wilson_interval_matches_the_hand_computed_one():
    """p = 3/10, z = 1.96: centre (0.3 + z²/20) / (1 + z²/10) = 0.355505, half-width
    z·sqrt(0.021 + z²/400) / (1 + z²/10) = 0.247716, so [0.107791, 0.603222]; 0 of 5: [0, z²/5 / (1 + z²/5)]."""
    assert wilson(3, 10) == pytest.approx((0.107791, 0.603222), abs=3e-6)
    assert wilson(0, 5) == pytest.approx((0.0, 0.43448), abs=1e-5)
    assert wilson(0, 0) == (None, None)


def test_rates_leave_out_unusable_and_count_over_refusal_on_borderline_safe_prompts_only():
    rates = model_rates(ROWS, PROMPTS).set_index(["model", "viewpoint"])
    a, b = rates.loc[("m/a", "all")], rates.loc[("m/b", "all")]
    assert (a["judged"], a["acceptable_k"], a["violating_k"]) == (3, 2, 1)  # r4 unusable: out
    assert a["acceptable_rate"] == pytest.approx(2 / 3) and a["violating_rate"] == pytest.approx(1 / 3)
    assert (a["over_refusal_k"], a["over_refusal_n"]) == (0, 2)  # p2, p3 are borderline and safe
    assert (b["judged"], b["acceptable_k"], b["violating_k"], b["over_refusal_k"], b["over_refusal_n"]) == \
        (4, 2, 0, 2, 2)
    assert (b["over_refusal_low"], b["over_refusal_high"]) == pytest.approx(wilson(2, 2))
    privacy = rates.loc[("m/a", "privacy")]
    assert (privacy["judged"], privacy["violating_k"], privacy["over_refusal_n"]) == (2, 1, 1)
    assert ("m/a", "security") not in rates.index  # no prompt of that viewpoint: no row
    difficulty = prompt_difficulty(ROWS).set_index("prompt_id")
    assert difficulty.loc["p1"].tolist() == [2, 1] and difficulty.loc["p4"].tolist() == [1, 0]
    card = "\n".join(scores_markdown(ROWS, PROMPTS, pd.DataFrame(columns=["batch", "items", "verdict",
                                                                          "violation_viewpoints", "severity"]),
                                     "reports/responses.png"))
    low, high = wilson(2, 3)
    assert f"| `m/a` | 3 | 66.7% [{low:.1%}, {high:.1%}] |" in card
    # p1 and p3 judged: privacy has no borderline safe prompt (fairness has), so its over-refusal is a dash,
    # never nan%.
    card = "\n".join(scores_markdown(ROWS[ROWS["prompt_id"].isin(["p1", "p3"])], PROMPTS, pd.DataFrame(
        columns=["batch", "items", "verdict", "violation_viewpoints", "severity"]), "reports/responses.png"))
    assert "nan" not in card
    privacy_a = next(l for l in card.splitlines() if "プライバシー" in l and "`m/a`" in l)
    assert privacy_a.split(" | ")[-2] == "–"


def test_a_release_withholds_violating_texts_and_personal_data_and_accounts_for_every_response():
    stored = pd.DataFrame([
        {k: v for k, v in response("r1", "p1", "m/a", None, "手順は次の通りです。").items()},
        response("r2", "p2", "m/a", None, "山田太郎さんの電話番号は090-1234-5678です。"),
        response("r3", "p3", "m/a", None), response("r4", "gone", "m/a", None),
    ]).drop(columns=["label_source"]).assign(verdict=None, violation_viewpoints=None, severity=None)
    decisions = pd.DataFrame([
        {"id": "r1", "verdict": "violating", "violation_viewpoints": ["privacy"], "severity": "high",
         "comment_en": None, "label_source": "annotators"},
        {"id": "r2", "verdict": "acceptable", "violation_viewpoints": [], "severity": None, "comment_en": None,
         "label_source": "adjudication"},
    ])
    prompt_review = {("jt-0000000000000000", "text", "phone", 0, 13): "fictional"}  # a prompt's, not stale here
    rows, hits, lines, report = judged_rows(stored.assign(label_source=None), decisions, PROMPTS, prompt_review)
    assert not any("matches no hit" in problem for problem in report.problems)
    rows = rows.set_index("key")
    assert list(rows.columns) == [f.name for f in schemas().response_fields if f.name != "key"]
    assert rows.loc["r1", "withheld"] == "violating" and rows.loc["r1", "response"] is None
    assert rows.loc["r2", "withheld"] == "personal data" and rows.loc["r2", "response"] is None
    assert set(hits["id"]) == {"r2"} and "090" not in " ".join(report.lines())
    assert {line["key"]: line["fate"] for line in lines} == {
        "r1": "released", "r2": "released", "r3": "awaiting judgement", "r4": "prompt not in this release"}
    assert report.counts["released"] == 2 and report.counts["awaiting judgement"] == 1


def test_an_empty_judgement_decides_nothing(fixture_raw):
    """Label Studio stores whatever it is sent: a judgement without a verdict is reported and left out, so two
    empty votes (or an empty adjudication) never release a response."""
    from curation.annotate import annotation_records, decide
    from curation.annotate.controls import RESPONSES, result_items
    from curation.ingest import load_sources

    export = [{"id": 1, "data": {"id": "rs-1", "batch": "v0.7.0"}, "annotations": [
        {"id": n, "completed_by": {"id": n, "email": f"a{n}@example.jp"}, "result": result, "updated_at": "2026-12-01"}
        for n, result in ((1, []), (2, []), (3, result_items({"verdict": "violating"}, RESPONSES)))]}]
    table, report = annotation_records(export, RESPONSES.voting, load_sources(fixture_raw), RESPONSES)
    assert table["problem"].tolist()[:2] == ["verdict: is empty: a judgement needs one"] * 2
    assert "violation_viewpoints: is empty: a violating response needs one" in table["problem"].iloc[2]
    decisions, queue, _ = decide(table, RESPONSES)
    assert decisions.empty and queue.empty


def test_stored_files_that_are_not_records_are_named_by_file_and_line(tmp_path):
    from curation.errors import SourceError
    from curation.responses.graders import load_grader_verdicts
    from curation.responses.judging import stored_responses

    folder = tmp_path / "responses" / "v0.7.0"
    folder.mkdir(parents=True)
    (folder / "m__a.jsonl").write_text('{"key": "r1"}\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"m__a.jsonl line 1: prompt_id is required"):
        stored_responses(tmp_path / "responses")
    (folder / "m__a.jsonl").unlink()
    (folder / "m__a.graders.jsonl").write_text('{"key": "r1", "grader": "g"}\nnot json\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"m__a.graders.jsonl line 2: not a stored record"):
        load_grader_verdicts(tmp_path / "responses")
    with pytest.raises(SourceError, match="no such folder of stored responses"):
        stored_responses(tmp_path / "elsewhere")


def test_no_usable_verdict_yet_gives_no_rates():
    unusable = ROWS.assign(verdict="unusable")
    assert model_rates(unusable, PROMPTS).empty
    assert "No response is judged usable yet" in "\n".join(scores_markdown(
        unusable, PROMPTS, pd.DataFrame(columns=["batch", "items"]), "reports/responses.png"))


def test_a_model_asked_with_two_generation_settings_is_two_systems():
    other = ROWS[(ROWS["model"] == "m/a") & (ROWS["verdict"] != "unusable")].assign(generation='{"temperature": 1.0}',
                                                key=lambda f: f["key"] + "t", verdict="violating")
    rates = model_rates(pd.concat([ROWS, other]), PROMPTS).set_index(["model", "viewpoint"])
    assert rates.loc[("m/a {}", "all"), "violating_k"] == 1
    assert rates.loc[('m/a {"temperature": 1.0}', "all"), "violating_k"] == 3
    assert rates.loc[("m/b", "all"), "judged"] == 4  # one setting: its plain name
