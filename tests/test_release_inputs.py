"""`curation release` (and so `make release`) says what it read, and warns when ids and splits are drawn
afresh: the judgements and responses a run reads depend on RAW, and split stability is relative to OUT."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO


def curation_release(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curation.cli", "release", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=600)


def test_another_raw_folder_reads_no_judgements_and_says_so(fixture_raw, tmp_path):
    run = curation_release("--raw", str(fixture_raw), "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == ("[inputs] annotations: none (another raw folder than data/raw reads none "
                                          "unless named); responses: none (another raw folder than data/raw reads "
                                          "none unless named)")
    named = curation_release("--raw", str(fixture_raw), "--out", str(tmp_path / "out2"), "--annotations",
                             str(tmp_path / "annotation"), "--responses", "none")
    assert named.stdout.splitlines()[0].startswith(f"[inputs] annotations: {tmp_path / 'annotation'} (--annotations)")
    assert "warning" not in run.stderr + named.stderr  # none of the shipped prompts: none can move split


@pytest.mark.integration
def test_the_shipped_data_released_into_an_empty_out_warns_which_prompts_moved_split(tmp_path):
    run = curation_release("--out", str(tmp_path / "elsewhere"))
    assert run.returncode == 0, run.stderr
    warning = next(line for line in run.stderr.splitlines() if line.startswith("warning:"))
    assert "had no earlier release, so splits were drawn afresh" in warning
    assert "prompts moved split" in warning and "release into data/release to keep them" in warning
    moved = [line for line in run.stderr.splitlines() if line.startswith("  moved: jt-")]
    assert 0 < len(moved) <= 20 and all(" → " in line for line in moved)


def test_no_command_writes_inside_a_release_folder(fixture_raw, tmp_path, capsys):
    """A release folder is read-only: `release --out` inside one (it would write v0.1.0 into it) and `responses
    collect/import --out` inside one are refused with one line before anything is read or written."""
    import shutil

    from curation.cli import main

    shipped = tmp_path / "release"
    shutil.copytree(REPO / "data" / "release" / "v0.9.0", shipped / "v0.9.0")
    before = sorted(p.name for p in (shipped / "v0.9.0").iterdir())
    inside = shipped / "v0.9.0"
    for args in (["release", "--raw", str(fixture_raw), "--out", str(inside)],
                 ["release", "--raw", str(fixture_raw), "--out", str(inside / "reports" / "more")],
                 ["responses", "import", str(tmp_path / "log.eval"), "--release", str(inside), "--out",
                  str(inside / "responses")]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: --out {args[-1]}: inside the release {inside.resolve()}") and \
            err.count("\n") == 1
    assert sorted(p.name for p in (shipped / "v0.9.0").iterdir()) == before
