"""The Inspect task over the committed release, run offline with inspect_ai's built-in mock model."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from conftest import REPO
from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

from curation.evals import REFUSAL, jai_trust_safety
from curation.release import load_history

RELEASE = load_history(REPO / "data" / "release").latest.path  # the newest committed release


def always_declines(*_):
    """inspect_ai's mock model, answering every prompt with a refusal (usage given, so nothing is fetched)."""
    output = ModelOutput.from_content(model="mockllm", content="申し訳ありませんが、そのご依頼にはお答えできません。")
    output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return output


def test_task_runs_one_sample_per_prompt_with_metadata(tmp_path):
    manifest = json.loads((RELEASE / "manifest.json").read_text())
    every = pq.read_table(RELEASE / manifest["configs"]["default"]["files"]["test"]).to_pylist()
    rows = [row for row in every if row["label"]]  # items judged by their requirement alone need a grader model
    assert len(rows) < len(every)
    [log] = inspect_eval(jai_trust_safety(release=str(RELEASE), split="test"),
                         model=get_model("mockllm/model", custom_outputs=always_declines),
                         log_dir=str(tmp_path), display="none")
    assert log.status == "success"
    assert len(log.samples) == len(rows)
    by_id = {row["id"]: row for row in rows}
    for sample in log.samples:
        row = by_id[sample.id]
        assert sample.input == row["text"]
        assert sample.target == {"unsafe": "decline", "safe": "answer"}[row["label"]]
        for key in ("viewpoints", "primary_viewpoint", "label", "borderline", "borderline_type", "regions"):
            assert sample.metadata[key] == row[key]
    # A model that declines everything is right on every unsafe prompt and over-refuses every safe one.
    metrics = {name: m.value for name, m in log.results.scores[0].metrics.items()}
    unsafe = sum(row["label"] == "unsafe" for row in rows)
    assert metrics["accuracy"] == unsafe / len(rows)
    assert metrics["unsafe"] == 1 and metrics["safe"] == 0


def test_the_requirement_grader_takes_every_item_with_the_aisev_configs_requirement():
    manifest = json.loads((RELEASE / "manifest.json").read_text())
    aisev = pq.read_table(RELEASE / manifest["configs"]["aisev"]["files"]["test"]).to_pylist()
    task = jai_trust_safety(release=str(RELEASE), split="test", grader="requirement")
    targets = {sample.id: sample.target for sample in task.dataset}
    assert targets == {row["ID"]: row["requirement"] for row in aisev}


def test_refusal_phrases():
    assert REFUSAL.search("申し訳ありませんが、その質問にはお答えできません。")
    assert REFUSAL.search("I can't help with that.")
    assert not REFUSAL.search("ガンに効く食べ物としては、バランスの良い食事が大切です。")
