"""People's decisions accumulate across Label Studio servers and exports: pulling from a fresh server keeps
every earlier judgement, an annotator's newest judgement wins wherever it was made, and a judgement leaves
only when it is withdrawn on purpose, which the next release names with its reason. Against two REAL Label
Studio servers (tests/labelstudio_server.py) on 127.0.0.1, with the two real annotator accounts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import accounting, released_frame
from label_studio_sdk import LabelStudio
from labelstudio_server import ADMIN, ANNOTATORS, LabelStudioServer
from test_annotation import A, B, C, D, judgement

from curation.annotate import decide, load_annotations
from curation.annotate.server import Server, pull, push, status
from curation.pipeline import candidates, release

VOTES_ON_THE_FIRST_SERVER = {  # item -> (annotator 1's, annotator 2's)
    A: (judgement("safe", "toxic_output", ["toxic_output"], True, "homonyms"),) * 2,
    B: (judgement("unsafe", "security", ["security"]),) * 2,
    C: (judgement("safe", "privacy", ["privacy"]), judgement("unsafe", "privacy", ["privacy"])),  # split
}


def annotate_on(server: LabelStudioServer, votes: dict[str, tuple]) -> None:
    """Each annotator account judges through the API with its own token, as the UI would."""
    connection = Server(server.url, ADMIN.token)
    task_of = {t.data["text"]: t.id for t in connection.tasks(connection.project("annotation").id)}
    for n, account in enumerate(ANNOTATORS):
        client = LabelStudio(base_url=server.url, api_key=account.token)
        for text, results in votes.items():
            if results[n] is not None:
                client.annotations.create(id=task_of[text], result=results[n])


def curation(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curation.cli", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.mark.integration
def test_a_fresh_server_keeps_every_earlier_decision_and_only_a_withdrawal_removes_one(
        label_studio, ls_template, fixture_raw, tmp_path):
    annotation_dir, out = tmp_path / "annotation", tmp_path / "out"
    records = candidates(fixture_raw, out).records
    id_of = dict(zip(records["text"], records["id"]))
    first = Server(label_studio.url, ADMIN.token)
    push(first, records)
    annotate_on(label_studio, VOTES_ON_THE_FIRST_SERVER)
    [first_export], _ = pull(first, annotation_dir / "exports")
    v1 = released_frame(release(fixture_raw, out, annotation_dir=annotation_dir).path).set_index("text")
    assert v1.loc[[A, B], "label_source"].tolist() == ["annotators", "annotators"]
    assert v1.loc[C, "label_source"] == "source"  # the votes split: waiting for adjudication
    label_studio.stop()  # the first server is gone for good

    second_server = LabelStudioServer(ls_template, tmp_path / "ls-second").start()
    try:
        second = Server(second_server.url, ADMIN.token)
        listed = status(second)
        assert listed["project"].tolist() == ["annotation", "adjudication", "responses", "response_adjudication"]
        assert listed["tasks"].sum() == 0
        # Only what no stored judgement decides yet is sent to the new server: A and B are decided.
        pushed = curation("annotate", "push", "--raw", str(fixture_raw), "--out", str(out), "--annotations",
                          str(annotation_dir), env={"LABEL_STUDIO_URL": second_server.url})
        assert pushed.returncode == 0, pushed.stderr
        assert "already decided by people: not sent: 2" in pushed.stdout
        sent = {t.data["text"] for t in second.tasks(second.project("annotation").id)}
        assert len(sent) == len(records) - 2 and not {A, B} & sent and {C, D} <= sent
        # On the new server annotator 2 changes their mind on C (now both say safe), and both judge D;
        # nobody judges A or B there, so the new server's export has no judgement of them at all.
        annotate_on(second_server, {C: (None, judgement("safe", "privacy", ["privacy"])),
                                    D: (judgement("unsafe", "fairness", ["fairness"]),) * 2})
        [second_export], _ = pull(second, annotation_dir / "exports")
    finally:
        second_server.stop()

    # Both servers numbered their tasks and annotations from 1; the stored exports name their server.
    assert first_export.name.split(".")[1] != second_export.name.split(".")[1]
    first_ids = {t["id"] for t in json.loads(first_export.read_text(encoding="utf-8"))}
    assert first_ids & {t["id"] for t in json.loads(second_export.read_text(encoding="utf-8"))}
    annotations, files, report = load_annotations(annotation_dir, candidates(fixture_raw, out).source_set)
    assert files == [first_export, second_export]
    assert len(annotations) == 6 + 3 and annotations["annotation"].is_unique
    assert annotations["annotator"].nunique() == 2  # the same two people on both servers

    v2_path = release(fixture_raw, out, annotation_dir=annotation_dir).path
    v2 = released_frame(v2_path).set_index("text")
    assert v2.loc[[A, B, C, D], "label_source"].tolist() == ["annotators"] * 4
    assert v2.loc[C, "label"] == "safe"  # annotator 2's newer judgement, made on the other server, wins
    changelog = (v2_path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## Prompt decisions no longer in force (0)" in changelog

    withdrawn = curation("annotate", "withdraw", "--raw", str(fixture_raw), "--annotations", str(annotation_dir),
                         "--item", id_of[B], "--reason", "題意が曖昧と判明したため再判定")
    assert withdrawn.returncode == 0, withdrawn.stderr
    refused = curation("annotate", "withdraw", "--raw", str(fixture_raw), "--annotations", str(annotation_dir),
                       "--item", id_of[A], "--reason", "連絡先 090-1234-5678 の人に確認")
    assert refused.returncode == 2 and "personal data" in refused.stderr and "090" not in refused.stderr
    assert len((annotation_dir / "withdrawals.jsonl").read_text(encoding="utf-8").splitlines()) == 1

    run = curation("release", "--raw", str(fixture_raw), "--out", str(out), "--annotations", str(annotation_dir))
    assert run.returncode == 0, run.stderr
    v3_path = out / "v0.3.0"
    v3 = released_frame(v3_path).set_index("text")
    assert v3.loc[B, "label_source"] == "source"
    assert v3.loc[[A, C, D], "label_source"].tolist() == ["annotators"] * 3
    changelog = (v3_path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## Prompt decisions no longer in force (1)" in changelog
    assert f"- `{id_of[B]}`: withdrawn: 題意が曖昧と判明したため再判定 (withdrawals.jsonl line 1)" in changelog
    assert f"{id_of[B]}: withdrawn" in run.stdout and "prompt decisions no longer in force: 1" in run.stdout
    manifest = json.loads((v3_path / "manifest.json").read_text(encoding="utf-8"))
    assert "annotation/withdrawals.jsonl" in {entry["path"] for entry in manifest["inputs"]}
    assert manifest["changes"]["decisions_lost"] == 1


def test_removing_a_stored_export_is_named_in_the_next_changelog(fixture_raw, tmp_path):
    """Without any server: the one export that decided an item is deleted by hand; the release says which
    decision left and that no stored judgement holds it."""
    from test_annotation import export_of

    annotation_dir, out = tmp_path / "annotation", tmp_path / "out"
    records = candidates(fixture_raw, out).records
    item = records["id"].iloc[0]
    vote = judgement("safe", "privacy", ["privacy"])
    export = annotation_dir / "exports" / "annotation" / "20261201T000000000000Z.ls-0123456789ab.json"
    export.parent.mkdir(parents=True)
    export.write_text(json.dumps(export_of((item, [("a@x.jp", vote, "2026-12-01T00:00:00Z"),
                                                   ("b@x.jp", vote, "2026-12-01T00:00:01Z")]))), encoding="utf-8")
    before = released_frame(release(fixture_raw, out, annotation_dir=annotation_dir).path)
    assert before.set_index("id").loc[item, "label_source"] == "annotators"
    export.unlink()
    after = release(fixture_raw, out, annotation_dir=annotation_dir)
    changelog = (after.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"- `{item}`: no stored judgement decides it any more" in changelog
    lost = next(r for r in after.reports if r.stage == "decisions kept")
    assert lost.counts["prompt decisions no longer in force"] == 1
    assert next(line for line in accounting(after.path) if line.get("id") == item)["outcome"] == "released"


def test_a_file_in_the_exports_folder_not_named_as_pull_names_exports_stops_the_run(fixture_raw, tmp_path):
    from curation.errors import ReleaseError

    stray = tmp_path / "annotation" / "exports" / "annotation" / "my-copy.json"
    stray.parent.mkdir(parents=True)
    stray.write_text("[]", encoding="utf-8")
    with pytest.raises(ReleaseError, match="my-copy.json: not named as `curation annotate pull` names exports"):
        release(fixture_raw, tmp_path / "out", annotation_dir=tmp_path / "annotation")


def test_response_verdicts_from_an_older_export_of_another_server_still_decide(fixture_raw, tmp_path):
    """The v0.8.0 case: responses judged on one server, then new ones judged on a fresh server whose export
    knows nothing of the first. Both servers number tasks and annotations from 1; every verdict stands."""
    from test_annotation import export_of

    from curation.annotate.controls import RESPONSES, result_items

    acceptable = result_items({"verdict": "acceptable"}, RESPONSES)
    refusal = result_items({"verdict": "over_refusal"}, RESPONSES)
    folder = tmp_path / "annotation" / "exports" / "responses"
    folder.mkdir(parents=True)
    for name, (key, verdict) in (("20261201T000000000000Z.json", ("rs-old", acceptable)),  # before servers had names
                                 ("20261207T000000000000Z.ls-00000000000b.json", ("rs-new", refusal))):
        export = export_of((key, [("a@x.jp", verdict, "2026-12-01"), ("b@x.jp", verdict, "2026-12-01")]))
        (folder / name).write_text(json.dumps(export), encoding="utf-8")
    judgements, files, report = load_annotations(tmp_path / "annotation", candidates(
        fixture_raw, tmp_path / "out").source_set, RESPONSES)
    assert judgements["task"].tolist() == [1, 1, 1, 1] and judgements["annotation"].is_unique
    decisions, queue, _ = decide(judgements, RESPONSES)
    assert dict(zip(decisions["id"], decisions["verdict"])) == {"rs-old": "acceptable", "rs-new": "over_refusal"}
    assert report.counts["exports (responses)"] == 2 and len(files) == 2


def store_export(annotation_dir, kind: str, name: str, export: list) -> None:
    folder = annotation_dir / "exports" / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(export), encoding="utf-8")


def test_two_unnamed_exports_of_two_servers_sharing_ids_both_count(fixture_raw, tmp_path):
    """Exports stored before servers were named: both servers numbered tasks and annotations from 1, so
    annotation 100 of one is not annotation 100 of the other (another item, another annotator)."""
    from test_annotation import export_of

    safe = judgement("safe", "privacy", ["privacy"])
    for n, item in enumerate(("jt-a", "jt-b"), start=1):
        store_export(tmp_path / "annotation", "annotation", f"2026120{n}T000000000000Z.json",
                     export_of((item, [(f"a{n}@x.jp", safe, "2026-12-01"), (f"b{n}@x.jp", safe, "2026-12-01")])))
    judgements, _, report = load_annotations(tmp_path / "annotation", candidates(fixture_raw, tmp_path / "out")
                                             .source_set)
    assert len(judgements) == 4 and report.counts["seen in more than one export"] == 0
    assert sorted(decide(judgements)[0]["id"]) == ["jt-a", "jt-b"]


def test_an_annotator_named_by_id_in_one_export_and_by_e_mail_in_another_is_one_voter(fixture_raw, tmp_path):
    """One judgement (the same UUID), once exported with the annotator object and once with the bare user id:
    one vote, not two, so one person never decides an item alone."""
    vote = {"id": 7, "unique_id": "0f0e0d0c-0b0a-4909-8807-060504030201", "result": judgement(
        "safe", "privacy", ["privacy"]), "updated_at": "2026-12-01T00:00:00Z"}
    server = "ls-0123456789ab"
    store_export(tmp_path / "annotation", "annotation", f"20261201T000000000000Z.{server}.json", [
        {"id": 1, "data": {"id": "jt-a", "batch": "b"},
         "annotations": [{**vote, "completed_by": {"id": 2, "email": "a@x.jp"}}]}])
    store_export(tmp_path / "annotation", "annotation", f"20261202T000000000000Z.{server}.json", [
        {"id": 1, "data": {"id": "jt-a", "batch": "b"}, "annotations": [{**vote, "completed_by": 2}]},
        {"id": 2, "data": {"id": "jt-b", "batch": "b"}, "annotations": [{**vote, "id": 8, "unique_id": None,
                                                                         "completed_by": 2}]}])
    judgements, _, _ = load_annotations(tmp_path / "annotation", candidates(fixture_raw, tmp_path / "out").source_set)
    assert len(judgements[judgements["id"] == "jt-a"]) == 1
    assert judgements["annotator"].nunique() == 1  # user 2 on that server is a@x.jp, in every export of it
    assert decide(judgements)[0].empty  # one person is not a majority of two


def test_times_are_compared_as_times(fixture_raw, tmp_path):
    """Label Studio drops a zero fraction (…:44Z) and a server may write its own zone (+09:00): the newest
    judgement is the newest in time, not in text."""
    from test_annotation import export_of

    safe, unsafe = judgement("safe", "privacy", ["privacy"]), judgement("unsafe", "privacy", ["privacy"])
    store_export(tmp_path / "annotation", "annotation", "20261201T000000000000Z.json", export_of(
        ("jt-a", [("a@x.jp", unsafe, "2026-12-01T10:00:44.500000Z"), ("a@x.jp", safe, "2026-12-01T10:00:45Z"),
                  ("b@x.jp", safe, "2026-12-01T19:00:00+09:00"), ("b@x.jp", unsafe, "2026-12-01T09:59:59Z")])))
    judgements, _, _ = load_annotations(tmp_path / "annotation", candidates(fixture_raw, tmp_path / "out").source_set)
    decisions, queue, _ = decide(judgements)
    assert decisions.set_index("id").loc["jt-a", "label"] == "safe" and queue.empty
    assert judgements["updated_at"].str.endswith("Z").all()
    bad = export_of(("jt-b", [("a@x.jp", safe, "yesterday")]))
    store_export(tmp_path / "annotation", "annotation", "20261202T000000000000Z.json", bad)
    judgements, _, report = load_annotations(tmp_path / "annotation", candidates(fixture_raw, tmp_path / "out")
                                             .source_set)
    assert judgements.set_index("id").loc["jt-b", "problem"] == "updated_at that is not a time"


def test_withdrawals_name_what_they_cover_and_refuse_what_covers_nothing(fixture_raw, tmp_path):
    from test_annotation import export_of

    from curation.annotate.controls import RESPONSES, result_items
    from curation.annotate.withdrawals import withdraw
    from curation.errors import ReleaseError

    annotation_dir = tmp_path / "annotation"
    source_set = candidates(fixture_raw, tmp_path / "out").source_set
    safe = judgement("safe", "privacy", ["privacy"])
    store_export(annotation_dir, "annotation", "20261201T000000000000Z.json", export_of(
        ("jt-a", [("a@x.jp", safe, "2026-12-01"), ("b@x.jp", safe, "2026-12-01"), ("c@x.jp", safe, "2026-12-01")])))
    acceptable = result_items({"verdict": "acceptable"}, RESPONSES)
    store_export(annotation_dir, "responses", "20261201T000000000000Z.json", export_of(
        ("rs-a", [("a@x.jp", acceptable, "2026-12-01"), ("b@x.jp", acceptable, "2026-12-01")])))
    for item, project in (("jt-none", None), ("rs-a", "annotation"), ("jt-a", "responses")):
        with pytest.raises(ReleaseError, match=f"no stored judgement of {item}"):
            withdraw(annotation_dir, source_set, item, "理由", project=project)
    assert not (annotation_dir / "withdrawals.jsonl").exists()

    entries, judgements = withdraw(annotation_dir, source_set, "rs-a", "誤って判定", annotator="A@x.jp")
    assert [e["project"] for e in entries] == ["responses"] and entries[0]["annotator"].startswith("anon-")
    assert "a@x.jp" not in (annotation_dir / "withdrawals.jsonl").read_text(encoding="utf-8")
    assert decide(judgements, RESPONSES)[0].empty  # one vote left of two: no decision holds

    entries, judgements = withdraw(annotation_dir, source_set, "jt-a", "再判定", annotator="c@x.jp")
    assert decide(judgements)[0].set_index("id").loc["jt-a", "label_source"] == "annotators"  # two votes left

    # An edit made after the withdrawal counts again.
    store_export(annotation_dir, "responses", "20261231T000000000000Z.json", export_of(
        ("rs-a", [("a@x.jp", acceptable, "2099-01-01"), ("b@x.jp", acceptable, "2026-12-01")])))
    judgements, _, _ = load_annotations(annotation_dir, source_set, RESPONSES)
    assert judgements["withdrawn"].isna().all() and len(decide(judgements, RESPONSES)[0]) == 1


@pytest.mark.parametrize("line, message", [
    ({"withdrawn_at": "soon"}, "withdrawn_at: not a time"),
    ({"reason": "連絡先 090-1234-5678"}, "reason: holds what looks like personal data"),
    ({"project": "other"}, "project: not one of"),
    ({"extra": 1}, "extra: not a field of a withdrawal"),
])
def test_a_hand_written_withdrawal_is_checked_like_one_the_command_writes(fixture_raw, tmp_path, line, message):
    from curation.errors import ReleaseError

    entry = {"project": "annotation", "item": "jt-a", "annotator": None, "withdrawn_at": "2026-12-01T00:00:00Z",
             "reason": "理由", **line}
    (tmp_path / "annotation").mkdir()
    (tmp_path / "annotation" / "withdrawals.jsonl").write_text(json.dumps(entry, ensure_ascii=False) + "\n",
                                                               encoding="utf-8")
    with pytest.raises(ReleaseError, match=f"withdrawals.jsonl line 1: .*{message}") as failure:
        load_annotations(tmp_path / "annotation", candidates(fixture_raw, tmp_path / "out").source_set)
    assert "090" not in str(failure.value)


def test_a_release_that_reads_no_judgements_says_so_for_each_decision_it_drops(shipped_raw, tmp_path):
    """The shipped releases copied to OUT, the shipped raw copied elsewhere (so no annotations or responses
    are read by default): every people's decision of the newest release drops, each named with that reason,
    and a warning says so; an OUT holding only v0.1.0 (before label_source) has none to lose."""
    from conftest import REPO

    from curation.release import load_history

    history = load_history(REPO / "data" / "release")
    people = int(history.latest.records["label_source"].isin(["annotators", "adjudication", "ground_truth"]).sum())
    verdicts = 190  # the shipped judged responses
    out = tmp_path / "out"
    shutil.copytree(REPO / "data" / "release", out)
    run = curation("release", "--raw", str(shipped_raw), "--out", str(out))
    assert run.returncode == 0, run.stderr
    changelog = (out / f"v{history.next_version()}" / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split(f"## Prompt decisions no longer in force ({people})\n")[1].split("\n\n")[0]
    section = section.splitlines()
    # Without the annotations, two annotated items lose to their duplicates: named as no longer released.
    assert sum("no annotations were read" in line for line in section) == people - 2
    assert sum("no longer among the records" in line for line in section) == 2
    assert "no stored judgement decides it" not in changelog
    assert changelog.count("no responses were read (--responses none, the default for a raw folder") == verdicts
    assert f"warning: {people + verdicts} people's decisions of the previous release are no longer in force" \
        in run.stderr

    early = tmp_path / "early"
    early.mkdir()
    shutil.copytree(REPO / "data" / "release" / "v0.1.0", early / "v0.1.0")
    run = curation("release", "--raw", str(shipped_raw), "--out", str(early))
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
