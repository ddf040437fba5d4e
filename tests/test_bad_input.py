"""Bad input of every kind ends in a clear message (file, row, field) or a quarantined row: never a
traceback, never a record lost or counted twice. Each case here was once a bug."""

import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import CROWD_HEADER, excel_csv

from curation.ingest import ingest, load_sources
from curation.pipeline import release
from curation.release.splits import split_records


def release_in_process(raw: Path, out: Path) -> subprocess.CompletedProcess:
    """`curation release` as the command line runs it (its exit status and output), in this process: the
    corpus runs many releases, and a fresh interpreter each time would only add start-up time."""
    from curation.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["release", "--raw", str(raw), "--out", str(out)])
    return subprocess.CompletedProcess([], code, stdout.getvalue(), stderr.getvalue())


def run_release(raw: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curation.cli", "release", "--raw", str(raw), "--out", str(out),
                           *extra], capture_output=True, text=True)


def edit_sources(raw: Path, change) -> None:
    doc = yaml.safe_load((raw / "sources.yaml").read_text(encoding="utf-8"))
    change(doc)
    (raw / "sources.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def crowd_rows(*prompts: str, **cells) -> list[list[str]]:
    rows = []
    for i, prompt in enumerate(prompts, start=1):
        values = [f"R-{i}", "W1", "", prompt, "有害情報の出力制御", "", "回答すべきでない"] + [""] * 8
        row = dict(zip(CROWD_HEADER, values))
        row.update(cells.get(str(i), {}))
        rows.append(list(row.values()))
    return rows


def quarantined(raw: Path) -> dict[str, str]:
    table, _ = ingest(load_sources(raw))
    bad = table[table["fate"] == "quarantined"]
    return dict(zip(bad["input_key"], bad["reason"]))


def test_an_unclosed_quote_costs_its_row_not_the_rows_after_it(fixture_raw, tmp_path):
    data = excel_csv(CROWD_HEADER, crowd_rows("一つ目", "二つ目", "三つ目", "四つ目"), "cp932").decode("cp932")
    data = data.replace("二つ目", '"引用で始まる質問')
    (fixture_raw / "crowd.csv").write_bytes(data.encode("cp932"))
    run = run_release(fixture_raw, tmp_path / "out")
    assert run.returncode == 0 and "Traceback" not in run.stderr
    table, _ = ingest(load_sources(fixture_raw))
    crowd = table[table["source"] == "crowd"].set_index("row")
    assert crowd.loc[3, "fate"] == "quarantined"
    assert crowd.loc[3, "reason"].startswith("crowd.csv row 3: a quoted cell that opens here is still open")
    assert crowd.loc[[2, 4, 5], "text"].tolist() == ["一つ目", "三つ目", "四つ目"]


def test_a_repeated_header_stops_the_file(fixture_raw, tmp_path):
    rows = [r + ["上書き"] for r in crowd_rows("一つ目", "二つ目")]
    (fixture_raw / "crowd.csv").write_bytes(excel_csv(CROWD_HEADER + ["プロンプト"], rows, "cp932"))
    run = run_release(fixture_raw, tmp_path / "out")
    assert run.returncode == 2 and "crowd.csv: column(s) プロンプト appear more than once" in run.stderr


def test_unicode_line_separators_inside_json_strings_are_text(fixture_raw):
    line = {"id": "EX-9", "author": "a@example.jp", "text": "一行目\u2028二行目\u2029三行目",
            "viewpoints": ["security"], "label": "unsafe"}
    (fixture_raw / "expert.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    table, _ = ingest(load_sources(fixture_raw))
    expert = table[table["source"] == "expert"]
    assert len(expert) == 1 and expert["fate"].iloc[0] == "released"
    assert expert["text"].iloc[0] == "一行目\u2028二行目\u2029三行目"


def test_ids_repeated_in_one_source_are_ambiguous_and_the_later_is_quarantined(fixture_raw):
    lines = [{"id": "B", "author": "a@example.jp", "text": f"質問{i}", "viewpoints": ["security"], "label": "unsafe"}
             for i in range(2)]
    (fixture_raw / "expert.jsonl").write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines),
                                              encoding="utf-8")
    assert quarantined(fixture_raw)["expert:2"] == (
        "expert.jsonl line 2: its id is already used by expert.jsonl line 1")


def test_a_file_declared_twice_stops_the_run(fixture_raw, tmp_path):
    edit_sources(fixture_raw, lambda d: d["sources"].append({**d["sources"][1], "name": "again",
                                                             "path": "./expert.jsonl"}))
    run = run_release(fixture_raw, tmp_path / "out")
    assert run.returncode == 2 and "./expert.jsonl is already declared as source 'expert'" in run.stderr


def test_a_contributor_value_is_never_echoed(fixture_raw, tmp_path):
    line = {"id": "EX-1", "author": {"email": "real.person@corp.jp"}, "text": "質問", "viewpoints": ["security"],
            "label": "unsafe"}
    (fixture_raw / "expert.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    reason = quarantined(fixture_raw)["expert:1"]
    assert reason.startswith("expert.jsonl line 1, author: must be a plain text identifier")
    path = release(fixture_raw, tmp_path / "out").path
    assert not any(b"real.person" in p.read_bytes() for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("text", ["\u200b", "\u200b\u3000\ufeff", " ", "\u2800", "\u2800\u3164 \U0001d173"])
def test_text_without_visible_characters_is_quarantined(fixture_raw, text):
    (fixture_raw / "crowd.csv").write_bytes(excel_csv(CROWD_HEADER, crowd_rows(text), "utf-8-sig"))
    assert quarantined(fixture_raw)["crowd:2"].startswith("crowd.csv row 2, プロンプト: is ")


def test_a_control_character_quarantines_its_row_only(fixture_raw):
    (fixture_raw / "crowd.csv").write_bytes(excel_csv(CROWD_HEADER, crowd_rows("NUL\x00入り", "普通の質問"), "cp932"))
    edit_sources(fixture_raw, lambda d: d["sources"][0].update(encoding="cp932"))
    bad = quarantined(fixture_raw)
    assert bad["crowd:2"] == "crowd.csv row 2, プロンプト: contains the control character U+0000"
    assert "crowd:3" not in bad


def test_an_english_viewpoint_name_with_a_comma_is_read_whole(fixture_raw):
    cell = "Prevention of Misinformation, Disinformation and Manipulation、Fairness and Inclusion"
    (fixture_raw / "crowd.csv").write_bytes(excel_csv(CROWD_HEADER, crowd_rows("質問", **{"1": {"評価観点": cell}}),
                                                      "utf-8-sig"))
    table, _ = ingest(load_sources(fixture_raw))
    assert table.set_index("input_key").loc["crowd:2", "viewpoints"] == ["misinformation", "fairness"]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["sources"][2].update(defaults={"label": "maybe"}), "default label: not a known label"),
    (lambda d: d["sources"][2].update(defaults={"colour": "red"}), "`defaults` names 'colour'"),
    (lambda d: d["sources"][2].update(defaults="label=unsafe"), "`defaults` must be a mapping"),
    (lambda d: d["sources"][0].update(encoding=12345), "unknown encoding '12345'"),
])
def test_bad_declarations_give_a_message_not_a_traceback(fixture_raw, tmp_path, change, message):
    edit_sources(fixture_raw, change)
    run = run_release(fixture_raw, tmp_path / "out")
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


def test_sources_yaml_that_is_not_a_mapping(fixture_raw, tmp_path):
    (fixture_raw / "sources.yaml").write_text("- a\n- b\n")
    run = run_release(fixture_raw, tmp_path / "out")
    assert run.returncode == 2 and "must be a mapping with a `sources:` list" in run.stderr


def test_no_valid_record_at_all_is_a_clear_error(fixture_raw, tmp_path):
    (fixture_raw / "crowd.csv").write_bytes(excel_csv(CROWD_HEADER, [], "cp932"))
    edit_sources(fixture_raw, lambda d: d.update(sources=d["sources"][:1]))
    run = run_release(fixture_raw, tmp_path / "out")
    assert run.returncode == 2 and "no input record is ready to release" in run.stderr


@pytest.mark.parametrize("version", ["banana", "01.0.0", "1.0"])
def test_versions_must_be_semver(fixture_raw, tmp_path, version):
    run = run_release(fixture_raw, tmp_path / "out", "--version", version)
    assert run.returncode == 2 and "is not a SemVer version" in run.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("damage, message", [
    (lambda p: (p / "manifest.json").write_text("{not json"), "manifest.json: damaged"),
    (lambda p: (p / "manifest.json").write_text("{}"), "manifest.json: damaged"),
    (lambda p: (p / "data" / "test-00001-of-00002.parquet").write_bytes(b"x"), "not listed in manifest.json"),
    (lambda p: (p / "CHANGELOG.md").unlink(), "CHANGELOG.md is listed in manifest.json but missing"),
])
def test_a_damaged_earlier_release_stops_the_run(fixture_raw, tmp_path, damage, message):
    path = release(fixture_raw, tmp_path / "out").path
    damage(path)
    run = run_release(fixture_raw, tmp_path / "out")
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


def test_an_empty_split_or_config_is_left_out_and_the_release_loads(fixture_raw, tmp_path):
    from datasets import load_dataset
    (fixture_raw / "crowd.csv").write_bytes(excel_csv(CROWD_HEADER, crowd_rows("ひとつだけの質問"), "cp932"))
    edit_sources(fixture_raw, lambda d: d.update(sources=d["sources"][:1]))
    path = release(fixture_raw, tmp_path / "out").path
    manifest = json.loads((path / "manifest.json").read_text())
    assert set(manifest["configs"]) == {"default", "aisev"} and len(manifest["configs"]["default"]["files"]) == 1
    loaded = load_dataset(str(path), cache_dir=str(tmp_path / "cache"))
    assert sum(d.num_rows for d in loaded.values()) == 1


def test_an_explicit_version_is_written_even_when_the_data_did_not_change(fixture_raw, tmp_path):
    release(fixture_raw, tmp_path / "out")
    result = release(fixture_raw, tmp_path / "out", "0.1.1")
    assert result.path is not None and result.path.name == "v0.1.1"
    assert "## Added (0)" in (result.path / "CHANGELOG.md").read_text(encoding="utf-8")


def test_a_pair_released_in_two_splits_stays_put_and_is_reported():
    records = pd.DataFrame({"id": ["jt-a", "jt-b"], "contrast_id": ["jt-b", "jt-a"],
                            "primary_viewpoint": ["toxic_output"] * 2, "borderline": [True, False]})
    split, report = split_records(records, {"jt-a": "dev", "jt-b": "test"})
    assert split.tolist() == ["dev", "test"]
    assert report.problems == ["linked items jt-a, jt-b (a contrast pair or a near-duplicate cluster) were "
                               "released in different splits; each keeps its split (an item never leaves test)"]


def test_a_json_key_given_twice_is_quarantined_not_overwritten(fixture_raw):
    (fixture_raw / "expert.jsonl").write_text(
        '{"id": "E1", "author": "a@example.jp", "text": "一つ目", "text": "二つ目", "viewpoints": ["security"], '
        '"label": "unsafe"}\n', encoding="utf-8")
    assert quarantined(fixture_raw)["expert:1"] == \
        "expert.jsonl line 1: key 3 of the object appears more than once (in any spelling)"


CORPUS = Path(__file__).parent / "bad_input"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_corpus(name, fixture_raw, tmp_path):
    """Each file of tests/bad_input/ as one more source: the run ends as the case says, the message names
    file, row and field, no traceback, no bad value written anywhere, and every record of the file is in the
    accounting exactly once (the count is the case author's, not the reader's)."""
    case = CASES[name]
    if "link" in case:
        (fixture_raw / "link.csv").symlink_to(case["link"])
    else:
        shutil.copyfile(CORPUS / case["file"], fixture_raw / case["file"])
    declared = case.get("declare") or yaml.safe_dump(
        {"name": "bad", "path": case.get("file", "link.csv"), "format": case["format"], "origin": "crowd",
         "license": "CC-BY-4.0", **({"encoding": case["encoding"]} if "encoding" in case else {})},
        allow_unicode=True, default_flow_style=True).strip()
    with open(fixture_raw / "sources.yaml", "a", encoding="utf-8") as sources:
        sources.write(f"- {declared}\n")
    run = release_in_process(fixture_raw, tmp_path / "out")  # an exception escaping it fails the test
    assert "Traceback" not in run.stdout + run.stderr
    assert run.returncode == case["exit"], run.stderr
    written = run.stderr
    if case["exit"] == 2:
        assert case["message"] in run.stderr
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    else:
        [path] = (tmp_path / "out").iterdir()
        lines = [json.loads(line) for line in (path / "reports" / "accounting.jsonl").read_text().splitlines()]
        mine = [line for line in lines if line["input"].startswith("bad:")]
        assert len(mine) == case["records"] and len({line["input"] for line in mine}) == len(mine)
        unit = "line" if case["file"].endswith(".jsonl") else "row"
        by_row = {line["row"]: line for line in mine}
        for line in mine:
            if line["row"] in case["quarantined"]:
                assert line["outcome"] == "quarantined"
                assert line["reason"].startswith(f"{case['file']} {unit} {line['row']}")
                assert case["quarantined"][line["row"]] in line["reason"]
            elif line["row"] in case.get("duplicates", {}):
                assert line["outcome"] == "duplicate"
                assert line["duplicate_of"] == by_row[case["duplicates"][line["row"]]]["id"]
            else:
                assert line["row"] in case["released"] and line["outcome"] == "released"
        written += "".join(f.read_text(encoding="utf-8", errors="replace") for f in path.rglob("*")
                           if f.suffix in (".md", ".jsonl", ".json", ".csv"))
    for value in case.get("never", []):
        assert value not in written


def test_label_studio_exports_of_any_shape_are_read_or_reported(fixture_raw, tmp_path):
    """Exports are read, never crashed on: a task without an id, a result without from_name, a vote nobody
    cast are reported and left out; one annotator seen once by e-mail and once by user id counts once."""
    from curation.annotate import annotation_records, decide, load_annotations, result_items

    source_set = load_sources(fixture_raw)
    vote = result_items({"label": "safe", "viewpoints": ["privacy"], "primary_viewpoint": "privacy",
                         "borderline": False})
    other = result_items({"label": "unsafe", "viewpoints": ["privacy"], "primary_viewpoint": "privacy",
                          "borderline": False})
    export = [
        {"id": 1, "data": {"id": "jt-1", "batch": "b"}, "annotations": [
            {"id": 11, "completed_by": {"id": 7, "email": "a@x.jp"}, "result": vote, "updated_at": "2026-11-01"},
            {"id": 12, "completed_by": 7, "result": other, "updated_at": "2026-11-02"},  # the same person
            {"id": 13, "completed_by": None, "result": vote, "updated_at": "2026-11-03"},
            {"id": 14, "completed_by": "a@x.jp", "result": vote, "updated_at": "2026-11-04"}]},
        {"data": {"id": "jt-2"}, "annotations": []},
        {"id": 3, "data": {"id": "jt-3"}, "annotations": [{"id": 31, "completed_by": 8, "result": [{"value": {}}]}]},
    ]
    table, report = annotation_records(export, "annotation", source_set)
    assert table.set_index("annotation").loc[["11", "12", "14"], "annotator"].nunique() == 1
    problems = table.set_index("annotation")["problem"]
    assert problems["13"].startswith("no annotator") and problems["31"] == "a result item without from_name or value"
    assert any("task #2 of the export has no id" in p for p in report.problems)
    decisions, queue, _ = decide(table)
    assert decisions.empty and queue.empty  # one person (three votes) is not a majority of two
    bad = tmp_path / "annotation" / "exports" / "annotation"
    bad.mkdir(parents=True)
    (bad / "20261101T000000Z.json").write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(Exception, match="not a Label Studio JSON export .a list of tasks."):
        load_annotations(tmp_path / "annotation", source_set)


@pytest.mark.parametrize("damage, message", [
    (lambda p: (p / "data" / "linked").symlink_to(p / "reports"), "data/linked is a link"),
    (lambda p: edit_manifest(p, lambda m: m["files"]["CHANGELOG.md"].pop("sha256")), "manifest.json: damaged"),
    (lambda p: edit_manifest(p, lambda m: m["configs"]["default"]["files"].update(test="../../../../etc/hostname")),
     "lists a path outside the release"),
    (lambda p: edit_manifest(p, lambda m: m["files"].update({"data/x\u0000.parquet": {"sha256": "0", "bytes": 1}})),
     "lists a path outside the release or not among its files"),
])
def test_an_earlier_release_with_links_or_paths_out_is_refused(fixture_raw, tmp_path, damage, message):
    from curation.errors import PublishError, ReleaseError
    from curation.release.publish import plan

    path = release(fixture_raw, tmp_path / "out").path
    damage(path)
    run = run_release(fixture_raw, tmp_path / "out")
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr
    with pytest.raises((ReleaseError, PublishError), match=message.split(" is ")[0]):
        plan(path, "org/name")  # publish checks before it lists anything to upload


def edit_manifest(path: Path, change) -> None:
    manifest = json.loads((path / "manifest.json").read_text())
    change(manifest)
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_a_killed_runs_temporary_folder_is_removed_by_the_next_run(fixture_raw, tmp_path):
    out = tmp_path / "out"
    (out / ".tmp-v0.1.0-999999999").mkdir(parents=True)  # no such process
    (out / ".tmp-v0.1.0-999999999" / "README.md").write_text("half-written")
    release(fixture_raw, out)
    assert sorted(p.name for p in out.iterdir()) == ["v0.1.0"]


def test_two_releases_of_one_version_at_once_one_wins_the_other_says_so(fixture_raw, tmp_path):
    for trial in range(3):
        out = tmp_path / f"out{trial}"
        runs = [subprocess.Popen([sys.executable, "-m", "curation.cli", "release", "--raw", str(fixture_raw),
                                  "--out", str(out), "--version", "1.0.0"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
        assert sorted(code for code, _ in results) == [0, 2]
        [loser] = [err for code, err in results if code == 2]
        assert "Traceback" not in loser and len(loser.strip().splitlines()) == 1 and "v1.0.0" in loser
        assert sorted(p.name for p in out.iterdir()) == ["v1.0.0"]


def test_a_folder_that_only_looks_like_a_temporary_one_is_left_alone(fixture_raw, tmp_path):
    out = tmp_path / "out"
    (out / ".tmp-v0.1.0-backup").mkdir(parents=True)  # a maintainer's, not a run's (no process id)
    release(fixture_raw, out)
    assert sorted(p.name for p in out.iterdir()) == [".tmp-v0.1.0-backup", "v0.1.0"]


@pytest.mark.parametrize("command", ["tag", "dedup"])
def test_standalone_commands_never_echo_a_value_or_a_header_that_is_data(command, tmp_path, capsys):
    """`not text (4111111111111111)` once put a card number in the message, and a file without a header row
    named its first record's phone number and e-mail as columns: values are described, such headers numbered;
    a name the personal-data detector misses (Taro Yamada, 1234 5678 9012) is numbered too: only a name
    shaped like an identifier is shown (`name_col`)."""
    from curation.cli import main

    files = {"card.jsonl": '{"text": 4111111111111111}\n',
             "no-header.csv": "090-1234-5678,taro.yamada@example.com,質問\n03-1111-2222,b@example.com,二\n",
             "names.csv": "Taro Yamada,1234 5678 9012,質問,name_col\nHanako,1,二,x\n"}
    for name, data in files.items():
        (tmp_path / name).write_text(data, encoding="utf-8")
    pq.write_table(pa.table({"text": pa.array([["リスト"], ["型"]])}), tmp_path / "list.parquet")
    expected = {"card.jsonl": "card.jsonl record 1, text: not text (a number)",
                "no-header.csv": "no column 'text' (columns: column 1, column 2, column 3)",
                "names.csv": "no column 'text' (columns: column 1, column 2, column 3, name_col)",
                "list.parquet": "list.parquet record 1, text: not text (a list)"}
    for name, message in expected.items():
        assert main([command, str(tmp_path / name), "--out", str(tmp_path / "out.parquet")]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
        assert not any(value in err for value in ("4111111111111111", "090-1234-5678", "taro.yamada@example.com",
                                                  "Taro Yamada", "1234 5678 9012"))
    dictionary = pa.array(["同じ質問", None, "同じ質問"]).dictionary_encode()
    pq.write_table(pa.table({"text": dictionary}), tmp_path / "dictionary.parquet")
    assert main([command, str(tmp_path / "dictionary.parquet"), "--out", str(tmp_path / "out.parquet")]) == 0
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 3


def test_two_keys_for_one_field_quarantine_the_json_record(fixture_raw):
    """AnswerCarefully's reference answer is `output` or `output-sample`: a record with both is ambiguous."""
    rows = [{"ID": "a", "text": "質問", "output": "回答", "output-sample": "別の回答",
             "meta": {"harm-type": "個人情報漏洩"}}]
    (fixture_raw / "ac.jsonl").write_text(json.dumps(rows[0], ensure_ascii=False) + "\n", encoding="utf-8")
    edit_sources(fixture_raw, lambda d: d["sources"][3].update(path="ac.jsonl"))
    assert quarantined(fixture_raw)["ac:1"] == (
        "ac.jsonl line 1: keys output and output-sample (3, 4) both give reference_answer; keep one")


def test_an_out_that_is_a_file_stops_before_the_pipeline_runs(fixture_raw, tmp_path):
    (tmp_path / "out").write_text("not a folder")
    for out in (tmp_path / "out", tmp_path / "out" / "releases"):
        run = release_in_process(fixture_raw, out)
        assert run.returncode == 2 and run.stdout == "" and "Traceback" not in run.stderr
        assert run.stderr == f"error: {out}: {tmp_path / 'out'} is a file, not a folder; choose another --out (OUT=)\n"


def test_a_full_disk_while_writing_leaves_nothing_partial(fixture_raw, tmp_path, monkeypatch):
    """ENOSPC from the writer, after some files are written: one line, exit 2, and neither the temporary
    folder nor a release remains."""
    import errno

    from curation.release import layout

    write_shard = layout.write_shard
    written = []

    def fills_the_disk(table, path):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        write_shard(table, path)
        written.append(path)

    monkeypatch.setattr(layout, "write_shard", fills_the_disk)
    run = release_in_process(fixture_raw, tmp_path / "out")
    assert run.returncode == 2 and "Traceback" not in run.stderr and run.stderr.count("\n") == 1
    assert run.stderr == (f"error: {tmp_path / 'out' / 'v0.1.0'}: not written (No space left on device); nothing "
                          "was released and the partial folder is removed\n")
    assert written and list((tmp_path / "out").iterdir()) == []


def test_a_parquet_file_that_decompresses_hugely_is_refused_before_it_is_read(fixture_raw, tmp_path):
    """A 56 KB Parquet file holding a 200M-character text once peaked at 2.9 GB: the size of each row group,
    from the file's footer, is checked before any value is decompressed; one line names the file and rows."""
    from curation.ingest.readers import MAX_ROW_GROUP_BYTES

    meta = {"harm-type": "個人情報漏洩"}
    bomb = pa.table({"ID": ["P-1", "P-2"], "text": ["a" * (MAX_ROW_GROUP_BYTES + 1), "普通の質問"],
                     "meta": [meta, meta]})
    pq.write_table(bomb, fixture_raw / "bomb.parquet", compression="zstd")
    del bomb
    assert (fixture_raw / "bomb.parquet").stat().st_size < 100_000
    edit_sources(fixture_raw, lambda d: d["sources"].append(
        {"name": "bomb", "path": "bomb.parquet", "format": "answercarefully", "origin": "peer",
         "license": "CC-BY-4.0", "defaults": {"label": "unsafe"}}))
    # The peak is the process's own (VmHWM): ru_maxrss would start from this process's size at the fork.
    code = ("import re, sys\nfrom pathlib import Path\nfrom curation.cli import main\ncode = main(sys.argv[1:])\n"
            "status = Path('/proc/self/status').read_text()\n"
            "print('peak', re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)\nsys.exit(code)")
    run = subprocess.run([sys.executable, "-c", code, "release", "--raw", str(fixture_raw),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    message, peak = run.stderr.splitlines()
    assert run.returncode == 2 and message.startswith("error: bomb.parquet: rows 1-2 (row group 1) hold ")
    assert "write the file with smaller row groups" in message
    assert int(peak.split()[1]) / 1024 < 500, peak  # MB; reading the text whole took 2.9 GB
