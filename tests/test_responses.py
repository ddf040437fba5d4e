"""Model responses to a release's prompts: collected through Inspect's own model layer from a local server
that speaks the OpenAI chat-completions protocol (tests/openai_server.py: the providers cannot be reached
here), imported from the logs Inspect wrote, stored so that a rerun adds nothing."""

import json
import shutil
from pathlib import Path

import pytest
from openai_server import ANSWER, REFUSAL, ModelServer

from curation.cli import main
from curation.schema import schemas

RELEASE = Path(__file__).resolve().parents[1] / "data" / "release" / "v0.7.0"


@pytest.fixture
def model_server(monkeypatch):
    with ModelServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "local-test-key")
        yield server


def stored(folder: Path) -> dict[str, list[dict]]:
    return {p.name: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
            for p in sorted(folder.glob("v*/*.jsonl"))}


def test_two_models_collected_through_inspect_and_a_rerun_adds_nothing(model_server, tmp_path, capsys):
    out = tmp_path / "responses"
    for model in ["openai/answers-all", "openai/refuse-all"]:
        assert main(["responses", "collect", "--release", str(RELEASE), "--split", "test", "--model", model,
                     "--limit", "5", "--chat-completions", "--out", str(out)]) == 0
        assert "5 added, 0 already stored" in capsys.readouterr().out
    files = stored(out)
    assert list(files) == ["openai__answers-all.jsonl", "openai__refuse-all.jsonl"]
    answers, refusals = files.values()
    assert {r["response"] for r in answers} == {ANSWER} and {r["response"] for r in refusals} == {REFUSAL}
    assert len(model_server.requests) == 10  # every prompt went over the protocol, to the model named
    for record in answers + refusals:
        assert record["release"] == "0.7.0" and record["split"] == "test" and record["epoch"] == 1
        assert record["verdict"] is None and record["source"] == "collect"
        assert not schemas().field_problems(schemas().response_fields, {k: v for k, v in record.items()
                                                                         if v is not None})
    assert len({r["key"] for r in answers + refusals}) == 10
    assert main(["responses", "collect", "--release", str(RELEASE), "--model", "openai/refuse-all", "--limit", "5",
                 "--chat-completions", "--out", str(out)]) == 0
    assert "0 added, 5 already stored" in capsys.readouterr().out
    assert stored(out) == files


def test_inspect_logs_are_imported_by_id_or_by_prompt_text(model_server, tmp_path, capsys):
    """The logs collect wrote, imported again, add nothing; a log whose samples carry aisev's numbering
    instead of release ids is matched by the prompt's text."""
    from inspect_ai.log import read_eval_log, write_eval_log

    first = tmp_path / "first"
    assert main(["responses", "collect", "--release", str(RELEASE), "--model", "openai/answers-all", "--limit", "3",
                 "--chat-completions", "--out", str(first)]) == 0
    [log_path] = sorted((first / "logs").glob("*.eval"))
    capsys.readouterr()
    assert main(["responses", "import", str(log_path), "--release", str(RELEASE), "--out", str(first)]) == 0
    assert "0 added, 3 already stored" in capsys.readouterr().out
    log = read_eval_log(str(log_path))
    for number, sample in enumerate(log.samples, start=1):
        sample.id = number  # as aisev numbers its rows
    renumbered = tmp_path / "aisev-run.eval"
    write_eval_log(log, str(renumbered))
    second = tmp_path / "second"
    assert main(["responses", "import", str(renumbered), "--release", str(RELEASE), "--out", str(second)]) == 0
    [(name, records)] = stored(second).items()
    assert {r["prompt_id"] for r in records} == {r["prompt_id"] for r in stored(first)[name]}
    assert {r["source"] for r in records} == {"aisev-run.eval"}
    from inspect_ai.log import EvalError

    log.samples[0].error = EvalError(message="rate limited", traceback="", traceback_ansi="")
    failed = tmp_path / "failed-sample.eval"
    write_eval_log(log, str(failed))
    third = tmp_path / "third"
    capsys.readouterr()
    assert main(["responses", "import", str(failed), "--release", str(RELEASE), "--out", str(third)]) == 3
    assert "2 added" in (printed := capsys.readouterr().out) and "1 samples failed" in printed
    assert len(next(iter(stored(third).values()))) == 2  # the failed one is not stored: a rerun collects it
    shutil.copy(renumbered, tmp_path / "broken.eval")
    (tmp_path / "broken.eval").write_bytes(b"not a log")
    assert main(["responses", "import", str(tmp_path / "broken.eval"), "--release", str(RELEASE),
                 "--out", str(second)]) == 2
    assert "broken.eval: not an Inspect evaluation log" in capsys.readouterr().err
