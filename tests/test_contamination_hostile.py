"""`curation contamination` on hostile input and in hostile places: a damaged index whose checksums were
recomputed, texts without a matching form, decompression bombs and over-long lines, outputs pointed into the
release, a Ray address where no cluster answers; and the Ray engine using every CPU of a real two-node cluster."""

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO, released_frame

from curation.cli import main
from curation.contamination import Index, index_files
from curation.contamination.index import ABOUT, ITEMS, WINDOWS

SHIPPED = REPO / "data" / "release" / "v0.8.0"  # a release with a decontamination index, copied before use


@pytest.fixture
def release(tmp_path) -> Path:
    """A copy of a shipped release (the tests may damage it)."""
    return Path(shutil.copytree(SHIPPED, tmp_path / "v0.8.0"))


def rehash(release: Path, rel: str) -> None:
    """What someone who edits a release file and wants it to pass the checksums does: the manifest's sha256
    and size recomputed."""
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    data = (release / rel).read_bytes()
    manifest["files"][rel].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    (release / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def reindex(release: Path, records: pd.DataFrame) -> None:
    """The release's decontamination index rebuilt for `records` (id, text, split), checksums recomputed."""
    for rel, content in index_files(records, "0.8.0").items():
        path = release / rel
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
        rehash(release, rel)


def scan(capsys, *args) -> tuple[int, str]:
    code = main(["contamination", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.err


def edit_about(release: Path, **changes) -> None:
    about = json.loads((release / ABOUT).read_text(encoding="utf-8"))
    (release / ABOUT).write_text(json.dumps({**about, **changes}), encoding="utf-8")
    rehash(release, ABOUT)


@pytest.mark.parametrize("damage, message", [
    (lambda r: edit_about(r, window=-1, min_coverage=2.0), "index.json: window -1 must be a whole number above 0"),
    (lambda r: edit_about(r, min_coverage=2.0), "index.json: min_coverage 2.0 must be a share above 0, at most 1"),
    (lambda r: edit_about(r, window="13"), "index.json: window (a JSON str) must be a whole number above 0"),
    (lambda r: (pq.write_table(pq.read_table(r / WINDOWS).slice(0, 0), r / WINDOWS), rehash(r, WINDOWS)),
     "windows.parquet: 0 hashes where decontamination/index.json says"),
    (lambda r: (pq.write_table(pq.read_table(r / ITEMS).slice(1), r / ITEMS), rehash(r, ITEMS)),
     "items where decontamination/index.json says"),
    (lambda r: ((r / WINDOWS).write_bytes(b"not parquet"), rehash(r, WINDOWS)), "windows.parquet: not a Parquet"),
])
def test_a_damaged_index_with_recomputed_checksums_is_one_line(release, tmp_path, capsys, damage, message):
    """The checksums pass (recomputed), the index would find nothing: refused on load, in one line."""
    (tmp_path / "corpus.txt").write_text("本文\n", encoding="utf-8")
    Index.load(release)  # the shipped index passes the checks
    damage(release)
    code, err = scan(capsys, tmp_path / "corpus.txt", "--release", release, "--out", tmp_path / "r.jsonl")
    assert code == 2 and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_counts_per_item_must_agree(release, tmp_path):
    """Hashes moved from one item to another: the totals agree, the items' counts do not."""
    from curation.errors import ReleaseError

    table = pq.read_table(release / WINDOWS)
    ids = table["id"].to_pylist()
    ids[0] = next(i for i in ids if i != ids[0])
    pq.write_table(table.set_column(1, "id", pa.array(ids)), release / WINDOWS)
    rehash(release, WINDOWS)
    with pytest.raises(ReleaseError, match="the hashes per item disagree"):
        Index.load(release)


def test_texts_without_a_matching_form_are_indexed_and_found(release, tmp_path, capsys):
    """💣🔪 and ？？？ have an empty matching form: each is indexed on its NFKC text and found where a record or
    line is exactly it (full or half width), never where another symbol-only text stands."""
    records = released_frame(release)[["id", "text", "split"]]
    symbols = pd.DataFrame({"id": ["sym-1", "sym-2", "sym-3"], "text": ["💣🔪", "？？？", "🍰🎂"],
                            "split": ["test"] * 3})
    reindex(release, pd.concat([records, symbols], ignore_index=True))
    items = pq.read_table(release / ITEMS).to_pandas().set_index("id")
    assert items.loc["sym-1", "scan"] == "whole NFKC text" and items.loc["sym-1", "windows"] == 1
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text("\n".join(json.dumps({"text": t}, ensure_ascii=False)
                                              for t in ["本文です", "💣🔪", "🔪💣", "！！！"]) + "\n", encoding="utf-8")
    (corpus / "b.txt").write_text("前置き\n ??? \n後書き\n", encoding="utf-8")
    out = tmp_path / "r.jsonl"
    code, _ = scan(capsys, corpus, "--release", release, "--out", out)
    report = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    found = [(Path(r["file"]).name, r["line"], [i["id"] for i in r["items"]]) for r in report if r.get("items")]
    assert code == 1 and found == [("a.jsonl", 2, ["sym-1"]), ("b.txt", 2, ["sym-2"])]
