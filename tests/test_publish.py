"""`curation publish` end to end: the real CLI in a subprocess (huggingface_hub reads HF_ENDPOINT when it is
imported), the real huggingface_hub client and the real datasets.load_dataset, against tests/hub_server.py,
a local stand-in for the Hub's HTTP protocol because the real Hub cannot be reached here."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO, write_fixture_raw
from hub_server import HubServer
from huggingface_hub import hf_hub_download

from curation.pipeline import release
from curation.release import MANIFEST

TOKEN = "hf_FAKEtokenZZ9plural7Zalpha"  # distinctive: any leak shows up in a plain substring search
DATASET = "jai-trust/safety-ja"
CLI = [sys.executable, "-m", "curation.cli", "publish"]
WRITES = ("POST /api/datasets/", "PUT /lfs-objects/")

pytestmark = pytest.mark.integration  # every test starts the local Hub server


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict[str, Path]:
    """v0.1.0 and v0.2.0 built from the fixture inputs, and another v0.1.0 (the shipped one) with other content."""
    root = tmp_path_factory.mktemp("releases")
    raw = write_fixture_raw(root / "raw")
    first = release(raw, root / "out", "0.1.0").path
    second = release(raw, root / "out", "0.2.0").path
    return {"v0.1.0": first, "v0.2.0": second, "other v0.1.0": REPO / "data" / "release" / "v0.1.0"}


@pytest.fixture
def hub(tmp_path):
    with HubServer(tmp_path / "hub-storage", TOKEN) as server:
        yield server
    assert server.unhandled == []  # every request the clients made is one the stand-in knows


def publish(hub: HubServer, tmp_path: Path, folder: Path, *extra: str, token: str = TOKEN):
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": token, "HF_HOME": str(tmp_path / "hf-home"),
           "HF_HUB_DISABLE_XET": "1", "HF_DATASETS_CACHE": str(tmp_path / "datasets-cache"),
           "PYTHONPATH": str(REPO)}
    before = len(hub.requests)
    run = subprocess.run([*CLI, str(folder), "--repo", DATASET, *extra], env=env, capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert TOKEN not in run.stdout + run.stderr
    run.requests = hub.requests[before:]  # type: ignore[attr-defined]
    return run


def cited_commit(stdout: str) -> str:
    return stdout.rsplit("= commit ", 1)[1].split()[0]


def test_dry_run_shows_the_upload_and_sends_nothing(hub, tmp_path, releases):
    """Uses the local Hub stand-in (the real Hub cannot be reached here): a dry run makes no request at all."""
    run = publish(hub, tmp_path, releases["v0.1.0"])
    assert run.returncode == 0, run.stderr
    manifest = json.loads((releases["v0.1.0"] / MANIFEST).read_text())
    for path, entry in manifest["files"].items():
        assert path in run.stdout and f"{entry['bytes']:,} bytes" in run.stdout
    assert f"datasets/{DATASET}" in run.stdout and "tagged v0.1.0" in run.stdout and "nothing uploaded" in run.stdout
    assert run.requests == [] and hub.repo(DATASET) is None


def test_first_publish_is_one_tagged_commit_private_and_gated(hub, tmp_path, releases):
    """Uses the local Hub stand-in for the Hub's HTTP protocol (the real Hub cannot be reached here)."""
    run = publish(hub, tmp_path, releases["v0.1.0"], "--yes")
    assert run.returncode == 0, run.stderr
    repo = hub.repo(DATASET)
    commit = cited_commit(run.stdout)
    assert repo["refs"]["tags"] == {"v0.1.0": commit} and repo["refs"]["heads"]["main"] == commit
    assert repo["private"] is True and repo["gated"] == "auto"
    assert len(repo["commits"]) == 2  # the repo's initial commit, then exactly one for the release
    assert sum(r.startswith("POST /api/datasets/jai-trust/safety-ja/commit/") for r in run.requests) == 1
    # the tag is created after the commit, and verification reads at the tag
    assert [r for r in run.requests if "/commit/" in r or "/tag/" in r][-1].endswith(f"/tag/{commit}")
    files = hub.files_at(DATASET, "v0.1.0")
    assert files.pop(".gitattributes")
    assert files == {p.relative_to(releases["v0.1.0"]).as_posix(): p.read_bytes()
                     for p in releases["v0.1.0"].rglob("*") if p.is_file()}
    configs = json.loads(files[MANIFEST])["configs"]
    assert f"files verified: {len(files)}, configs loaded: {len(configs)}" in run.stdout


def test_second_version_gets_its_own_commit_and_tag(hub, tmp_path, releases):
    """Uses the local Hub stand-in for the Hub's HTTP protocol (the real Hub cannot be reached here)."""
    first = publish(hub, tmp_path, releases["v0.1.0"], "--yes")
    second = publish(hub, tmp_path, releases["v0.2.0"], "--yes")
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    tags = hub.repo(DATASET)["refs"]["tags"]
    assert tags == {"v0.1.0": cited_commit(first.stdout), "v0.2.0": cited_commit(second.stdout)}
    assert tags["v0.1.0"] != tags["v0.2.0"]
    assert hub.files_at(DATASET, "v0.1.0")["README.md"] == (releases["v0.1.0"] / "README.md").read_bytes()
    assert hub.files_at(DATASET, "v0.2.0")["README.md"] == (releases["v0.2.0"] / "README.md").read_bytes()


def test_publishing_the_same_content_again_is_a_no_op(hub, tmp_path, releases):
    """Uses the local Hub stand-in for the Hub's HTTP protocol (the real Hub cannot be reached here)."""
    first = publish(hub, tmp_path, releases["v0.1.0"], "--yes")
    again = publish(hub, tmp_path, releases["v0.1.0"], "--yes")
    assert again.returncode == 0, again.stderr
    assert "nothing uploaded" in again.stdout and cited_commit(again.stdout) == cited_commit(first.stdout)
    assert not [r for r in again.requests if "/commit/" in r or "/tag/" in r or r.startswith("PUT /lfs")]
    assert len(hub.repo(DATASET)["commits"]) == 2


def test_same_tag_with_different_content_is_refused(hub, tmp_path, releases):
    """Uses the local Hub stand-in for the Hub's HTTP protocol (the real Hub cannot be reached here)."""
    first = publish(hub, tmp_path, releases["v0.1.0"], "--yes")
    clash = publish(hub, tmp_path, releases["other v0.1.0"], "--yes")
    assert clash.returncode != 0
    assert "already has v0.1.0 with different content" in clash.stderr
    assert "data/test-00000-of-00001.parquet" in clash.stderr
    assert hub.repo(DATASET)["refs"]["tags"] == {"v0.1.0": cited_commit(first.stdout)}
    assert not [r for r in clash.requests if "/commit/" in r or "/tag/" in r or r.startswith("PUT /lfs")]


@pytest.mark.parametrize("after", [False, True], ids=["commit-lost", "commit-made-reply-lost"])
def test_a_push_cut_off_at_the_commit_completes_on_rerun(hub, tmp_path, releases, after):
    """Uses the local Hub stand-in for the Hub's HTTP protocol (the real Hub cannot be reached here). The
    stand-in fails the commit call once: either before committing, or after (the reply is lost)."""
    hub.fail_next("POST", r"/commit/main$", status=500, after=after)
    cut = publish(hub, tmp_path, releases["v0.1.0"], "--yes")
    assert cut.returncode != 0 and "500" in cut.stderr
    assert hub.repo(DATASET)["refs"]["tags"] == {}  # no tag before the upload succeeded
    rerun = publish(hub, tmp_path, releases["v0.1.0"], "--yes")
    assert rerun.returncode == 0, rerun.stderr
    assert not [r for r in rerun.requests if r.startswith("PUT /lfs")]  # data files are not uploaded again
    repo = hub.repo(DATASET)
    assert repo["refs"]["tags"] == {"v0.1.0": cited_commit(rerun.stdout)}
    assert len(repo["commits"]) == 2  # one release commit, whichever run made it


def test_load_dataset_by_tag_gives_the_local_rows(hub, tmp_path, releases):
    """Uses the local Hub stand-in for the Hub's HTTP protocol (the real Hub cannot be reached here): a
    researcher's `load_dataset(repo, config, revision=tag)` gives, row by row, the local release's Parquet."""
    folder = releases["v0.2.0"]
    assert publish(hub, tmp_path, folder, "--yes").returncode == 0
    script = ("import json, sys; from datasets import load_dataset\n"
              "configs = json.loads(sys.argv[1]); out = {}\n"
              "for c in configs:\n"
              "    ds = load_dataset(sys.argv[2], c, revision='v0.2.0', cache_dir=sys.argv[3])\n"
              "    out[c] = {s: ds[s].to_list() for s in ds}\n"
              "print(json.dumps(out, ensure_ascii=False))\n")
    manifest = json.loads((folder / MANIFEST).read_text())
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HOME": str(tmp_path / "reader"),
           "HF_HUB_DISABLE_XET": "1"}
    run = subprocess.run([sys.executable, "-c", script, json.dumps(list(manifest["configs"])), DATASET,
                          str(tmp_path / "reader-cache")], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    loaded = json.loads(run.stdout)
    local = {c: {s: pq.read_table(folder / path).to_pylist() for s, path in entry["files"].items()}
             for c, entry in manifest["configs"].items()}
    assert loaded == local


def test_the_token_is_never_printed_nor_written(hub, tmp_path, releases):
    """Uses the local Hub stand-in for the Hub's HTTP protocol (the real Hub cannot be reached here). A run
    that fails with the server's error, one refused for a wrong token and one that succeeds: the token
    appears in no output (checked in `publish`), in no error and in no file anywhere under the test folder."""
    hub.fail_next("POST", r"/preupload/", status=400)
    failed = publish(hub, tmp_path, releases["v0.1.0"], "--yes")
    assert failed.returncode != 0 and "error:" in failed.stderr
    wrong = publish(hub, tmp_path, releases["v0.1.0"], "--yes", token=TOKEN + "x")
    assert wrong.returncode != 0 and "401" in wrong.stderr and TOKEN not in wrong.stderr
    assert publish(hub, tmp_path, releases["v0.1.0"], "--yes").returncode == 0
    leaks = [p for p in tmp_path.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    assert leaks == []
    assert not [r for r in hub.requests if TOKEN in r]


def test_aisev_config_as_aisev_reads_an_upload(hub, tmp_path, releases):
    """Uses the local Hub stand-in for the Hub's HTTP protocol (the real Hub cannot be reached here). The
    `aisev` Parquet, downloaded as is, read the way aisev reads an upload: its web page turns the Parquet's
    Arrow rows into CSV (nulls as empty cells) and its backend reads that with `pd.read_csv`."""
    folder = releases["v0.1.0"]
    assert publish(hub, tmp_path, folder, "--yes").returncode == 0
    taxonomy = yaml.safe_load((REPO / "schemas" / "taxonomy.yaml").read_text(encoding="utf-8"))
    japanese_names = {v["ja"] for v in taxonomy["viewpoints"]}
    for split in ("dev", "test"):
        path = hf_hub_download(DATASET, f"aisev/{split}-00000-of-00001.parquet", repo_type="dataset",
                               revision="v0.1.0", endpoint=hub.url, token=TOKEN, cache_dir=tmp_path / "dl")
        rows = pq.read_table(path).to_pylist()
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        frame = pd.read_csv(io.StringIO(buffer.getvalue().strip()))
        assert list(frame.columns) == ["ID", "text", "ten_perspective", "scorer", "requirement", "gsn_perspective"]
        assert frame.equals(pd.read_parquet(path).astype(frame.dtypes.to_dict()))
        assert frame["ID"].is_unique and frame["text"].notna().all()
        assert set(frame["ten_perspective"]) <= japanese_names
        assert set(frame["scorer"]) == {"requirement"}
        # what aisev does before evaluating (backend/src/inspect/eval_datasets.py): a filled `output` or
        # `requirement` column drops the rows where it is empty, and rows without gsn_perspective go too
        kept = frame
        for column in ("output", "requirement"):
            if column in kept and kept[column].notna().any():
                kept = kept[kept[column].notna()]
        kept = kept[kept["gsn_perspective"].notna()]
        assert len(kept) == len(frame), "aisev would silently skip rows"
        assert frame["gsn_perspective"].str.fullmatch(r"G\d+-\d+").all()
        default = pq.read_table(folder / f"data/{split}-00000-of-00001.parquet").to_pandas()
        assert frame["ID"].tolist() == default["id"].tolist() and frame["text"].tolist() == default["text"].tolist()
