"""Model responses to a release's prompts: collected through Inspect's own model layer from a local server
that speaks the OpenAI chat-completions protocol (tests/openai_server.py: the providers cannot be reached
here), imported from the logs Inspect wrote, stored so that a rerun adds nothing."""

import json
import shutil
from pathlib import Path

import pytest
from openai_server import REFUSAL, ModelServer, answer

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
            for p in sorted(folder.glob("v*/*.jsonl")) if not p.name.endswith(".graders.jsonl")}


def test_two_models_collected_through_inspect_and_a_rerun_adds_nothing(model_server, tmp_path, capsys):
    out = tmp_path / "responses"
    for model in ["openai/answers-all", "openai/refuse-all"]:
        assert main(["responses", "collect", "--release", str(RELEASE), "--split", "test", "--model", model,
                     "--limit", "5", "--chat-completions", "--out", str(out)]) == 0
        assert "5 added, 0 already stored" in capsys.readouterr().out
    files = stored(out)
    assert list(files) == ["openai__answers-all.jsonl", "openai__refuse-all.jsonl"]
    answers, refusals = files.values()
    assert {r["response"] for r in refusals} == {REFUSAL}
    assert sorted(r["response"] for r in answers) == sorted(answer(prompt) for model, prompt in model_server.requests
                                                            if model == "answers-all")
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
    assert "2 added" in (printed := capsys.readouterr().out) and "1 samples have no answer" in printed
    assert len(next(iter(stored(third).values()))) == 2  # the failed one is not stored: a rerun collects it
    shutil.copy(renumbered, tmp_path / "broken.eval")
    (tmp_path / "broken.eval").write_bytes(b"not a log")
    assert main(["responses", "import", str(tmp_path / "broken.eval"), "--release", str(RELEASE),
                 "--out", str(second)]) == 2
    assert "broken.eval: not an Inspect evaluation log" in capsys.readouterr().err


def collected_log(tmp_path: Path, limit: int = 3) -> Path:
    """A log `collect` wrote for the first `limit` test prompts of RELEASE (the answering model)."""
    folder = tmp_path / "collected"
    assert main(["responses", "collect", "--release", str(RELEASE), "--model", "openai/answers-all",
                 "--limit", str(limit), "--chat-completions", "--out", str(folder)]) == 0
    [log_path] = sorted((folder / "logs").glob("*.eval"))
    return log_path


def test_a_sample_without_output_is_counted_not_stored_and_a_later_import_stores_it(model_server, tmp_path,
                                                                                    capsys):
    """A sample with no completion (no error either: a run cut off, an empty answer) is not a response: it is
    counted, not stored, and the same prompt's answer in a later log is stored. A folder where an earlier
    version stored such a sample as `response: null` takes the answer in its place."""
    from inspect_ai.log import read_eval_log, write_eval_log
    from inspect_ai.model import ModelOutput

    complete = collected_log(tmp_path)
    log = read_eval_log(str(complete))
    log.samples[0].output = ModelOutput(model="answers-all", choices=[])  # no completion at all
    log.samples[1].output.choices[0].message.content = log.samples[1].output.completion = "  "  # an empty answer
    cut = tmp_path / "cut-off.eval"
    write_eval_log(log, str(cut))
    out = tmp_path / "responses"
    capsys.readouterr()
    assert main(["responses", "import", str(cut), "--release", str(RELEASE), "--out", str(out)]) == 3
    printed = capsys.readouterr().out
    assert "1 added, 0 already stored" in printed and "2 samples have no answer" in printed
    [(name, records)] = stored(out).items()
    assert [r["prompt_id"] for r in records] == [log.samples[2].id]
    assert main(["responses", "import", str(complete), "--release", str(RELEASE), "--out", str(out)]) == 0
    assert "2 added, 1 already stored" in capsys.readouterr().out
    answers = stored(out)[name]
    assert len(answers) == 3 and all(r["response"] for r in answers)

    path = out / "v0.7.0" / name  # as an earlier version left it: one answer stored as null
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = json.dumps({**json.loads(lines[0]), "response": None}, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["responses", "import", str(complete), "--release", str(RELEASE), "--out", str(out)]) == 0
    assert "1 added, 2 already stored" in capsys.readouterr().out
    assert [(r["key"], r["response"]) for r in stored(out)[name]] == [(r["key"], r["response"]) for r in answers]


def test_a_log_of_another_release_or_with_other_prompt_text_is_refused_before_anything_is_stored(
        model_server, tmp_path, capsys):
    """Matching by id alone would store another release's answers under this one's prompts: a log of the
    project's task names its release, and a sample whose id is released is matched only with that prompt's
    text. Either refusal names the log, how many samples and the release, and stores nothing, also of the
    good log imported in the same command."""
    from inspect_ai.log import read_eval_log, write_eval_log

    good = collected_log(tmp_path)
    out = tmp_path / "responses"
    other = RELEASE.parent / "v0.8.0"
    capsys.readouterr()
    assert main(["responses", "import", str(good), "--release", str(other), "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == (f"error: {good.name}: its 3 samples answered release v0.7.0, not "
                                               "v0.8.0: import it with --release naming v0.7.0")
    log = read_eval_log(str(good))
    log.eval.task_args = {}  # as aisev's logs: no release named, the samples alone tell
    log.samples[1].input = "全く別のリリースの、別の質問文です。"
    changed = tmp_path / "other-text.eval"
    write_eval_log(log, str(changed))
    assert main(["responses", "import", str(good), str(changed), "--release", str(RELEASE), "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: other-text.eval: 1 of its 3 samples match no prompt of release v0.7.0 (by id and text, or by "
        "text): is it a log of another release? Nothing stored")
    assert not out.exists()
    log = read_eval_log(str(good))
    log.samples[0].epoch = 10**30  # would not fit the released column: not a log Inspect writes
    huge = tmp_path / "huge-epoch.eval"
    write_eval_log(log, str(huge))
    assert main(["responses", "import", str(huge), "--release", str(RELEASE), "--out", str(out)]) == 2
    assert "epoch is not a whole number from 1 to 1,000,000" in capsys.readouterr().err
    log.samples = []
    write_eval_log(log, str(huge))
    assert main(["responses", "import", str(huge), "--release", str(RELEASE), "--out", str(out)]) == 2
    assert capsys.readouterr().err == "error: huge-epoch.eval: the log holds no samples (a header-only log?): " \
                                      "nothing to store\n"
    assert not out.exists()


def test_requirement_only_prompts_are_collected_too(model_server, tmp_path, capsys):
    """The prompts judged by their requirement alone (no safe/unsafe label; the 15th of v0.7.0's test split is
    one) are asked and stored like the others; the offline refusal scorer leaves them unscored."""
    from curation.evals import split_rows
    from curation.release.layout import verify_release

    rows = split_rows(RELEASE, verify_release(RELEASE), "test")[:15]
    requirement_only = {r["id"] for r in rows if r["label"] is None}
    assert len(requirement_only) == 1
    out = tmp_path / "responses"
    assert main(["responses", "collect", "--release", str(RELEASE), "--model", "openai/answers-all", "--limit", "15",
                 "--chat-completions", "--out", str(out)]) == 0
    assert "15 added, 0 already stored" in capsys.readouterr().out
    [records] = stored(out).values()
    assert {r["prompt_id"] for r in records} == {r["id"] for r in rows}
    [graded] = [p for p in (out / "v0.7.0").glob("*.graders.jsonl")]
    scored = {json.loads(line)["key"] for line in graded.read_text(encoding="utf-8").splitlines()}
    key_of = {r["prompt_id"]: r["key"] for r in records}
    assert scored == {key_of[r["id"]] for r in rows if r["label"] is not None}


# -- judged in a real Label Studio, released ------------------------------------------------------------

def scripted_verdict(model: str, label: str, viewpoint: str) -> dict:
    """What an annotator decides of a scripted model's response: the answering model violates unsafe prompts
    and serves safe ones; the refusing model is acceptable on unsafe prompts and over-refuses safe ones."""
    if "refuse" in model:
        return {"verdict": "acceptable" if label == "unsafe" else "over_refusal"}
    if label == "unsafe":
        return {"verdict": "violating", "violation_viewpoints": [viewpoint], "severity": "medium"}
    return {"verdict": "acceptable"}


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval, written out: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    z = 1.959963984540054
    p = k / n
    centre, half = p + z * z / (2 * n), z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


@pytest.mark.integration
def test_responses_judged_blind_in_label_studio_adjudicated_and_released(label_studio, model_server, shipped_raw,
                                                                        tmp_path, capsys):
    """Two scripted models answer 24 test prompts of v0.7.0 (through Inspect, against the local protocol server
    that stands in for a provider); their 12 responses go to a REAL Label Studio, blind and interleaved; both
    annotator accounts judge them through the API (disagreeing on one verdict, which an adjudicator settles);
    the pulled export is released with the shipped data as a new version whose `responses` config
    `load_dataset` reads, whose card's rates equal the ones computed here by hand, and in which no violating
    response's text appears."""
    import datasets
    import pandas as pd
    from labelstudio_server import ADMIN, ANNOTATORS
    from test_annotation import as_user

    from curation.annotate.controls import RESPONSES, result_items
    from curation.annotate.server import Server, pull
    from curation.pipeline import release
    from curation.responses.judging import stored_responses

    releases = tmp_path / "release"
    shutil.copytree(RELEASE.parent, releases)
    responses_dir = tmp_path / "responses"
    for model in ["openai/answers-all", "openai/refuse-all"]:
        assert main(["responses", "collect", "--release", str(RELEASE), "--model", model, "--limit", "24",
                     "--chat-completions", "--out", str(responses_dir)]) == 0
    responses, _ = stored_responses(responses_dir)
    assert len(responses) == 48
    annotation_dir = tmp_path / "annotation"  # nothing judged yet: every response is sent
    push = ["responses", "push", "--out", str(responses_dir), "--releases", str(releases), "--annotations",
            str(annotation_dir), "--raw", str(shipped_raw)]
    assert main(push) == 0
    assert "imported: 48" in capsys.readouterr().out
    assert main(push) == 0  # a rerun adds nothing
    assert "imported: 0" in capsys.readouterr().out

    server = Server()
    tasks = server.tasks(server.project(RESPONSES.voting).id)
    assert [t.data["id"] for t in tasks] == sorted(responses["key"])  # in key order: the models interleaved
    model_of = dict(zip(responses["key"], responses["model"]))
    assert len({model_of[t.data["id"]] for t in tasks[:4]}) == 2
    for t in tasks:  # blind: no task names its model
        assert not any("answers-all" in str(v) or "refuse-all" in str(v) for v in t.data.values())

    prompts = {}
    for split in ("dev", "test"):
        for path in (RELEASE / "data").glob(f"{split}-*.parquet"):
            prompts.update({r["id"]: r for r in pd.read_parquet(path).to_dict("records")})
    decided = {}
    for r in responses.to_dict("records"):
        prompt = prompts[r["prompt_id"]]
        decided[r["key"]] = scripted_verdict(r["model"], prompt["label"], prompt["primary_viewpoint"])
    contested = sorted(decided)[0]
    task_of = {t.data["id"]: t.id for t in tasks}
    for n, account in enumerate(ANNOTATORS):
        client = as_user(label_studio, account.token)
        for key, verdict in decided.items():
            if n == 1 and key == contested:
                verdict = {"verdict": "unusable"}  # a split verdict: to adjudication
            client.annotations.create(id=task_of[key], result=result_items(verdict, RESPONSES))
    shutil.copytree(Path(__file__).resolve().parents[1] / "annotation" / "exports", annotation_dir / "exports")
    pull(server, annotation_dir / "exports")
    assert main([*push, "--adjudication", "--annotations", str(annotation_dir), "--raw", str(shipped_raw)]) == 0
    assert "imported: 1" in capsys.readouterr().out
    review = server.tasks(server.project(RESPONSES.adjudication).id)
    assert [t.data["id"] for t in review] == [contested] and len(review[0].predictions) == 2
    as_user(label_studio, ADMIN.token).annotations.create(id=review[0].id,
                                                          result=result_items(decided[contested], RESPONSES))
    pull(server, annotation_dir / "exports")

    result = release(shipped_raw, releases, annotation_dir=annotation_dir, responses_dir=responses_dir)
    # A cache of its own: datasets caches a local folder by its name, and an earlier run's v0.9.0 is another
    rows = datasets.load_dataset(str(result.path), "responses", cache_dir=str(tmp_path / "datasets-cache")
                                 )["test"].to_pandas().set_index("key")
    assert sorted(rows.index) == sorted(decided)
    for key, verdict in decided.items():
        assert rows.loc[key, "verdict"] == verdict["verdict"]
        withheld = verdict["verdict"] == "violating"
        assert pd.isna(rows.loc[key, "response"]) == withheld
        assert rows.loc[key, "withheld"] == "violating" if withheld else pd.isna(rows.loc[key, "withheld"])
    # The shipped exports copied beside still count (judgements accumulate): a response their adjudicator
    # decided stays decided by adjudication, whatever the newer votes say.
    shipped = annotation_dir / "exports" / RESPONSES.adjudication
    adjudicated = {t["data"]["id"] for path in shipped.glob("*.json")
                   for t in json.loads(path.read_text(encoding="utf-8")) if t.get("annotations")}
    assert rows["label_source"].to_dict() == {
        key: "adjudication" if key == contested or key in adjudicated else "annotators" for key in decided}
    assert rows.loc[contested, "label_source"] == "adjudication"
    card = (result.path / "README.md").read_text(encoding="utf-8")
    prompt_of = dict(zip(responses["key"], responses["prompt_id"]))
    for model in ["openai/answers-all", "openai/refuse-all"]:
        mine = [decided[k]["verdict"] for k in decided if model_of[k] == model]
        borderline_safe = [decided[k]["verdict"] for k in decided if model_of[k] == model
                           and prompts[prompt_of[k]]["borderline"] and prompts[prompt_of[k]]["label"] == "safe"]
        assert borderline_safe  # over-refusal is measured on these
        cells = []
        for verdict, within in (("acceptable", mine), ("violating", mine), ("over_refusal", borderline_safe)):
            k, n = within.count(verdict), len(within)
            low, high = wilson(k, n)
            cells.append(f"{k / n:.1%} [{max(low, 0):.1%}, {min(high, 1):.1%}]")
        assert f"| `{model}` | {len(mine)} | {' | '.join(cells)} | {len(borderline_safe)} |" in card, model
    accounting = (result.path / "reports" / "response_accounting.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(accounting) == 48 and all(json.loads(line)["fate"] == "released" for line in accounting)
    text_of = dict(zip(responses["key"], responses["response"]))
    harmful = [text_of[k].encode() for k, v in decided.items() if v["verdict"] == "violating"]
    assert harmful
    for file in result.path.rglob("*"):
        if file.is_file():
            assert not any(text in file.read_bytes() for text in harmful), file
    assert (result.path / "reports" / "responses.png").read_bytes().startswith(b"\x89PNG")
    assert "refusal" in (result.path / "reports" / "automatic_graders.md").read_text(encoding="utf-8")
    for file in result.path.rglob("*"):
        if file.is_file():
            assert b"annotator1@example.jp" not in file.read_bytes()
