"""The shipped sample data (data/raw/, listed in data/raw/README.md) and the committed releases."""

import shutil

import pandas as pd
import pytest
from conftest import REPO, SHIPPED_RAW

from curation.ingest import ingest, load_sources
from curation.pipeline import release
from curation.release import load_history, verify_release

# data/raw/README.md, "Malformed rows": exactly these are quarantined, nothing else; these are held.
AWAITING = {("crowd/crowd-2026-10.csv", 33), ("aisev/aisi-style-presets.csv", 19), ("aisev/aisi-style-presets.csv", 20)}
MALFORMED = {
    ("crowd/crowd-2026-09.csv", 37, "評価観点"), ("crowd/crowd-2026-09.csv", 49, "ボーダーライン種別"),
    ("crowd/crowd-2026-09.csv", 79, "地域"), ("crowd/crowd-2026-09.csv", 94, "プロンプト"),
    ("crowd/crowd-2026-09.csv", 97, "目標ID"), ("crowd/crowd-2026-09.csv", 108, "cells"),
    ("crowd/crowd-2026-09.csv", 117, "対になる回答ID"), ("crowd/crowd-2026-09.csv", 165, "回答可否"),
    ("crowd/crowd-2026-09.csv", 170, "回答可否"),
    ("expert/expert-2026-10.jsonl", 23, "JSON"), ("expert/expert-2026-10.jsonl", 41, "text"),
    ("expert/expert-2026-10.jsonl", 58, "viewpoints"),
    ("expert/expert-2026-10.jsonl", 96, "text"),
}


@pytest.fixture(scope="module")
def shipped_table():
    table, _ = ingest(load_sources(SHIPPED_RAW))
    return table


@pytest.fixture(scope="module")
def shipped_release(tmp_path_factory):
    path = release(SHIPPED_RAW, tmp_path_factory.mktemp("out")).path
    frames = [pd.read_parquet(p).assign(split=p.name.split("-")[0]) for p in sorted((path / "data").glob("*.parquet"))]
    return pd.concat(frames, ignore_index=True)


def test_exactly_the_listed_malformed_rows_are_quarantined(shipped_table):
    bad = shipped_table[shipped_table["fate"] == "quarantined"]
    assert {(f, int(r)) for f, r in zip(bad["file"], bad["row"])} == {(f, r) for f, r, _ in MALFORMED}
    for file, row, field in MALFORMED:
        reason = bad[(bad["file"] == file) & (bad["row"] == row)]["reason"].iloc[0]
        unit = "line" if file.endswith(".jsonl") else "row"
        assert reason.startswith(f"{file} {unit} {row}") and field in reason
    held = shipped_table[shipped_table["fate"] == "awaiting"]
    assert {(f, int(r)) for f, r in zip(held["file"], held["row"])} == AWAITING


def test_cp932_export_is_read_as_japanese(shipped_table):
    crowd = shipped_table[(shipped_table["source"] == "crowd-2026-09") & (shipped_table["fate"] == "released")]
    assert len(crowd) == 163
    # kana (full or half width), kanji or full-width letters in every prompt; no mojibake placeholders
    assert crowd["text"].str.contains("[ぁ-んァ-ンｦ-ﾟ一-龥Ａ-ｚ]").all()
    assert not crowd["text"].str.contains("[\ufffd\ue000-\uf8ff]").any()
    assert crowd["contributor"].str.match(r"^anon-[0-9a-f]{12}$").all()


def test_shipped_release_covers_the_benchmark_design(shipped_release):
    frame = shipped_release
    assert len(frame) >= 300
    per_viewpoint = frame["primary_viewpoint"].value_counts()
    assert len(per_viewpoint) == 10 and per_viewpoint.min() >= 20
    assert set(frame["origin"]) == {"crowd", "expert"}
    paired = frame[frame["borderline"] & frame["contrast_id"].notna()]
    assert len(paired) >= 30 and paired["borderline_type"].nunique() == 10
    assert (frame.loc[frame["borderline"], "label"] == "safe").all()
    assert (frame["regions"].map(len) > 0).sum() >= 25
    by_split = frame.groupby("split").size()
    assert 0.25 <= by_split["test"] / len(frame) <= 0.35


def test_committed_releases_are_intact_and_reproduced_byte_for_byte(tmp_path):
    """The newest committed release is what the shipped data and this code give, byte for byte, and
    `make release` on the committed state has nothing new to write."""
    committed = REPO / "data" / "release"
    history = load_history(committed)
    assert history.latest is not None, "the releases built from data/raw/ are committed"
    for rel in history.releases:
        verify_release(rel.path)
    newest = history.latest
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for rel in history.releases[:-1]:
        shutil.copytree(rel.path, earlier / rel.path.name)
    annotations, responses = REPO / "annotation", REPO / "data" / "responses"
    rebuilt = release(SHIPPED_RAW, earlier, newest.version, annotation_dir=annotations, responses_dir=responses).path
    assert sorted(rebuilt.rglob("*")) and {str(p.relative_to(rebuilt)) for p in rebuilt.rglob("*") if p.is_file()} \
        == {*newest.manifest["files"], "manifest.json"}
    for rel in newest.manifest["files"]:  # every file: data, reports, card, charts, the decontamination index
        assert (rebuilt / rel).read_bytes() == (newest.path / rel).read_bytes(), rel
    again = release(SHIPPED_RAW, shutil.copytree(committed, tmp_path / "release"), annotation_dir=annotations,
                    responses_dir=responses)
    assert again.path is None and again.up_to_date_with == newest.version
    assert (REPO / "DATASET_CARD.md").read_text(encoding="utf-8") == \
        (newest.path / "README.md").read_text(encoding="utf-8")
