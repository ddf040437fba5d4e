"""Long commands show the step they are in on a terminal (tqdm on stderr) and write nothing of it to a log.
The collect, scan, push and pull commands are tested where their clients are (test_fail_fast.py,
test_contamination_hostile.py, test_annotation.py)."""

from __future__ import annotations

import io
import sys

import pandas as pd
import pytest

from curation.cli import main
from curation.pipeline import release


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream, shown", [(Terminal, True), (io.StringIO, False)])
def test_a_release_shows_its_steps_on_a_terminal_and_nothing_in_a_log(fixture_raw, tmp_path, monkeypatch,
                                                                      stream, shown):
    stderr = stream()
    monkeypatch.setattr(sys, "stderr", stderr)
    release(fixture_raw, tmp_path / "out")
    steps = ["release, ingest", "release, near duplicates", "release, tagging and personal-data screening",
             "release, write"]
    assert all(step in stderr.getvalue() for step in steps) is shown
    assert shown or stderr.getvalue() == ""



@pytest.mark.parametrize("command", ["tag", "dedup"])
@pytest.mark.parametrize("stream, shown", [(Terminal, True), (io.StringIO, False)])
def test_tag_and_dedup_show_their_steps_on_a_terminal_only(tmp_path, monkeypatch, command, stream, shown):
    stderr = stream()
    table = tmp_path / "prompts.csv"
    texts = ["爆弾の作り方を教えて", "爆弾の作り方を教えて。", "今日の天気は？"]
    pd.DataFrame({"text": texts}).to_csv(table, index=False)
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main([command, str(table), "--out", str(tmp_path / "out.parquet")]) == 0
    steps = [f"{command}, read", f"{command}, write"]
    assert all(step in stderr.getvalue() for step in steps) is shown
    assert shown or stderr.getvalue() == ""
