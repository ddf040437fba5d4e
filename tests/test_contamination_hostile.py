"""`curation contamination` on hostile input and in hostile places: a damaged index whose checksums were
recomputed, texts without a matching form, decompression bombs and over-long lines, outputs pointed into the
release, a Ray address where no cluster answers; and the Ray engine using every CPU of a real two-node cluster."""

import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO, released_frame

from curation.cli import main
from curation.contamination import Index, index_files
from curation.contamination.corpus import BOM
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
    (lambda r: zero_hashes(r), "windows.parquet: its hashes are not those of the release's texts"),
])
def test_a_damaged_index_with_recomputed_checksums_is_one_line(release, tmp_path, capsys, damage, message):
    """The checksums pass (recomputed), the index would find nothing: refused on load, in one line."""
    (tmp_path / "corpus.txt").write_text("本文\n", encoding="utf-8")
    Index.load(release)  # the shipped index passes the checks
    damage(release)
    code, err = scan(capsys, tmp_path / "corpus.txt", "--release", release, "--out", tmp_path / "r.jsonl")
    assert code == 2 and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def zero_hashes(release: Path) -> None:
    """Every hash of windows.parquet set to 0, every count left as it was: it would find nothing."""
    table = pq.read_table(release / WINDOWS)
    pq.write_table(table.set_column(0, "hash", pa.array([0] * table.num_rows, pa.uint64())), release / WINDOWS)
    rehash(release, WINDOWS)


def test_hashes_moved_between_items_with_the_same_counts_are_refused(release):
    """Two items' hashes swapped (each keeps its count and window numbers): only the release's texts tell."""
    from curation.errors import ReleaseError

    table = pq.read_table(release / WINDOWS).to_pandas()
    counts = table["id"].value_counts()
    a, b = counts[counts == counts[counts.duplicated()].iloc[0]].index[:2]
    table["id"] = table["id"].map({a: b, b: a}).fillna(table["id"])
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False).cast(pq.read_schema(release / WINDOWS)),
                   release / WINDOWS)
    rehash(release, WINDOWS)
    with pytest.raises(ReleaseError, match="windows.parquet: its hashes are not those of the release's texts"):
        Index.load(release)


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
    test = release / "data" / "test-00000-of-00001.parquet"  # the items join the release's data too: the
    rows = pq.read_table(test)  # index is checked against its texts
    frame = rows.to_pandas()
    added = frame.iloc[[0, 0, 0]].assign(id=symbols["id"].values, text=symbols["text"].values)
    pq.write_table(pa.Table.from_pandas(pd.concat([frame, added]), schema=rows.schema, preserve_index=False), test)
    rehash(release, "data/test-00000-of-00001.parquet")
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


def cli(*args, stderr=subprocess.PIPE, timeout=300) -> subprocess.CompletedProcess:
    """`curation contamination` in a process of its own, which prints its peak memory (itself and its
    children, in KB) last. Its own is VmHWM: ru_maxrss keeps, across exec, the size of the (large) test
    process it was started from."""
    code = ("import re, resource, sys\nfrom curation.cli import main\ncode = main(sys.argv[1:])\n"
            "own = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
            "peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
            "print('peak', peak)\nsys.exit(code)")
    return subprocess.run([sys.executable, "-c", code, "contamination", *map(str, args)], cwd=REPO, text=True,
                          stdout=subprocess.PIPE, stderr=stderr, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def peak_mb(run: subprocess.CompletedProcess) -> float:
    return int(run.stdout.rsplit("peak ", 1)[1]) / 1024


def test_a_decompression_bomb_and_an_over_long_line_cost_bounded_memory(release, tmp_path):
    """A 3 MB gzip of zeros that expands to 3 GB (concatenated members, as `cat a.gz b.gz` makes) and a JSONL
    line of 100 MB: each is a problem naming its file and line, read past in bounded pieces; the lines after
    the long one are still scanned; the process stays far below what reading them whole cost (5.7 GB)."""
    item = released_frame(release)["text"].iloc[0]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    member = gzip.compress(b"\0" * (1 << 20))
    with open(corpus / "bomb.txt.gz", "wb") as out:
        for _ in range(3 * 1024):
            out.write(member)
    with open(corpus / "long.jsonl", "w", encoding="utf-8") as out:
        out.write(json.dumps({"text": "本文"}, ensure_ascii=False) + "\n")
        out.write('{"text": "' + "あ" * ((100 << 20) // 3) + '"}\n')
        out.write(json.dumps({"text": item}, ensure_ascii=False) + "\n")
    out = tmp_path / "r.jsonl"
    started = time.monotonic()
    run = cli(corpus, "--release", release, "--out", out, "--workers", "1", "--max-document-mb", "4")
    report = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert run.returncode == 1, run.stderr
    assert [(Path(r["file"]).name, r["problem"]) for r in report if "problem" in r] == [
        ("bomb.txt.gz", "line 1: longer than 4,000,000 bytes (--max-document-mb); not scanned"),
        ("long.jsonl", "line 2: longer than 4,000,000 bytes (--max-document-mb); not scanned")]
    assert [(Path(r["file"]).name, r["line"]) for r in report if r.get("items")] == [("long.jsonl", 3)]
    assert peak_mb(run) < 1200, peak_mb(run)
    assert time.monotonic() - started < 120


def test_a_json_array_is_a_problem_and_json_lines_named_json_are_read(release, tmp_path, capsys):
    """A .json file is read as JSON Lines (the name people often give them); one holding a JSON array is one
    problem naming the file, not a problem per line, and never plain text (its escaped text would scan clean)."""
    item = released_frame(release)["text"].iloc[0]
    (tmp_path / "lines.json").write_text(json.dumps({"text": item}, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "array.json").write_text(json.dumps([{"text": item}] * 3, indent=1), encoding="utf-8")
    out = tmp_path / "r.jsonl"
    code, _ = scan(capsys, tmp_path / "lines.json", tmp_path / "array.json", "--release", release, "--out", out)
    report = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert code == 1 and [Path(r["file"]).name for r in report if r.get("items")] == ["lines.json"]
    assert [r["problem"] for r in report if "problem" in r] == [
        "file: one JSON array, not JSON Lines (one object per line); convert it first, e.g. jq -c '.[]'"]


def test_outputs_inside_the_release_are_refused_before_the_scan(release, tmp_path, capsys):
    """--out or --work inside the release (directly, through a link, through ..) and --out a folder: one line,
    before anything is read (the corpus named does not even exist), and the release is untouched."""
    (tmp_path / "link").symlink_to(release)
    missing = tmp_path / "no-such-corpus"
    cases = [("--out", release / "manifest.json"), ("--out", tmp_path / "link" / "r.jsonl"),
             ("--out", release / "data" / ".." / "r.jsonl"), ("--work", release / "decontamination" / "w"),
             ("--work", tmp_path / "link")]
    for flag, path in cases:
        extra = ["--out", tmp_path / "r.jsonl"] if flag == "--work" else []
        code, err = scan(capsys, missing, "--release", release, flag, path, *extra)
        assert code == 2 and err.startswith(f"error: {flag} {path}: inside the release") and err.count("\n") == 1
    code, err = scan(capsys, missing, "--release", release, "--out", tmp_path)
    assert code == 2 and err == f"error: --out {tmp_path}: a folder; give the report's file name\n"
    Index.load(release)  # checksums and index as shipped


def test_a_ray_address_where_no_cluster_answers_fails_fast_in_one_line(release, tmp_path):
    """A refused port, and a port that accepts connections but is no Ray cluster (Ray itself retried such an
    address for minutes without a word): one line naming the address, exit 2, within the connect timeout."""
    (tmp_path / "c.txt").write_text("本文\n", encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        refused = probe.getsockname()[1]
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        for address, limit in [(f"127.0.0.1:{refused}", 30), (f"127.0.0.1:{silent.getsockname()[1]}", 45)]:
            started = time.monotonic()
            run = cli(tmp_path / "c.txt", "--release", release, "--out", tmp_path / "r.jsonl", "--engine", "ray",
                      "--address", address, "--connect-timeout", "5", timeout=120)
            took = time.monotonic() - started
            assert run.returncode == 2 and took < limit, (run.stderr, took)
            assert run.stderr.startswith(f"error: --address {address}: no Ray cluster answer"), run.stderr
            assert run.stderr.count("\n") == 1, run.stderr


def test_progress_shows_on_a_terminal_and_logs_stay_clean(release, tmp_path):
    """Standard error a pipe (a log): nothing on it. A terminal: a progress bar of the bytes read, to 100%."""
    item = released_frame(release)["text"].iloc[0]
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": item}, ensure_ascii=False) + "\n", encoding="utf-8")
    args = [tmp_path / "a.jsonl", "--release", release, "--out", tmp_path / "r.jsonl", "--workers", "1"]
    logged = cli(*args)
    assert logged.returncode == 1 and logged.stderr == ""
    main_end, terminal_end = os.openpty()
    try:
        shown = cli(*args, stderr=terminal_end)
        os.close(terminal_end)
        written = b""
        with contextlib.suppress(OSError):  # EIO: the process has gone and the terminal is closed
            while chunk := os.read(main_end, 4096):
                written += chunk
    finally:
        os.close(main_end)
    assert shown.returncode == 1 and b"scan: 100%" in written, written


def test_problems_are_listed_in_line_order_not_text_order(release, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = ['{"text": "本文です"}'] * 25
    for n in (1, 2, 20):
        lines[n - 1] = "{not json"
    (corpus / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "r.jsonl"
    code, _ = scan(capsys, corpus, "--release", release, "--out", out)
    problems = [json.loads(l)["problem"] for l in out.read_text(encoding="utf-8").splitlines()
                if "problem" in json.loads(l)]
    assert code == 3 and [p.split(":")[0] for p in problems] == ["line 1", "line 2", "line 20"]


def test_the_report_never_overwrites_a_corpus_file_or_a_release_under_any_name(release, tmp_path, capsys):
    """--out naming a corpus file (itself, through a link, a hard link) and --out or --work inside a release
    folder not named vX.Y.Z: one line before the scan, nothing written."""
    corpus = tmp_path / "corp"
    corpus.mkdir()
    (corpus / "self.txt").write_text("本文\n", encoding="utf-8")
    os.link(corpus / "self.txt", tmp_path / "hard.txt")
    (tmp_path / "soft.txt").symlink_to(corpus / "self.txt")
    renamed = Path(shutil.copytree(release, tmp_path / "rel"))
    for out in (corpus / "self.txt", tmp_path / "hard.txt", tmp_path / "soft.txt"):
        code, err = scan(capsys, corpus, "--release", release, "--out", out)
        assert code == 2 and err == f"error: --out {out}: one of the corpus files to scan; write the report " \
                                    "elsewhere\n", err
    for flag, path in [("--out", renamed / "manifest.json"), ("--work", renamed / "w"), ("--work", renamed)]:
        extra = ["--out", tmp_path / "r.jsonl"] if flag == "--work" else []
        code, err = scan(capsys, corpus, "--release", renamed, flag, path, *extra)
        assert code == 2 and err.startswith(f"error: {flag} {path}: inside the release {renamed}"), err
        assert err.count("\n") == 1
    assert (corpus / "self.txt").read_text(encoding="utf-8") == "本文\n"
    assert not (renamed / "w").exists() and not (tmp_path / "r.jsonl").exists()
    Index.load(renamed)  # manifest and index as copied


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_every_line_ending_is_read_at_any_read_boundary(chunk, monkeypatch):
    """\\n, \\r\\n and \\r, mixed, cut anywhere by the reads: the lines bytes.splitlines gives, numbered alike;
    a line over the limit is None and the next line is read."""
    from curation.contamination import corpus

    monkeypatch.setattr(corpus, "CHUNK", chunk)
    data = b"a\r\nbb\rc\n\r\r\nlong line!\r\r\n\xe3\x81\x82\nend"
    expected = [None if len(line) > 5 else line for line in data.splitlines()]
    assert [n for n, _ in corpus.lines(io.BytesIO(data), 5)] == list(range(1, len(expected) + 1))
    assert [line for _, line in corpus.lines(io.BytesIO(data), 5)] == expected


def test_cr_and_mixed_line_ends_and_a_bom_on_any_line_are_read(release, tmp_path, capsys):
    """A CR-only JSONL file, CRLF, mixed ends, two BOM-headed files concatenated, and a CR-only text file:
    every record read, the item found at its true line."""
    item = released_frame(release)["text"].iloc[0]
    record = json.dumps({"text": item}, ensure_ascii=False).encode("utf-8")
    plain = json.dumps({"text": "本文です"}, ensure_ascii=False).encode("utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "cr.jsonl").write_bytes(b"\r".join([plain, plain, record, plain]) + b"\r")
    (corpus / "crlf.jsonl").write_bytes(b"\r\n".join([plain, record]))
    (corpus / "mixed.jsonl").write_bytes(plain + b"\r" + plain + b"\n" + plain + b"\r\n" + record + b"\r")
    (corpus / "boms.jsonl").write_bytes(BOM + plain + b"\n" + BOM + plain + b"\n" + BOM + record + b"\n")
    (corpus / "cr.txt").write_bytes("前置き\r二行目\r\r".encode() + item.encode() + "\r後書き\r".encode())
    out = tmp_path / "r.jsonl"
    code, _ = scan(capsys, corpus, "--release", release, "--out", out)
    report = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert code == 1 and [r for r in report if "problem" in r] == []
    assert sorted((Path(r["file"]).name, r["line"]) for r in report if r.get("items")) == [
        ("boms.jsonl", 3), ("cr.jsonl", 3), ("cr.txt", 4), ("crlf.jsonl", 2), ("mixed.jsonl", 4)]
    assert report[-1]["summary"]["documents"] == 4 + 2 + 4 + 3 + 1


def test_a_parquet_text_bomb_is_a_named_row_group_in_bounded_memory(release, tmp_path):
    """A 500 MB text in a Parquet file of a few KB (zstd), in a row group of its own, then a row group with an
    item; and a row group whose texts are each under the limit but too many MB together: the large row
    groups are problems naming file and row group, read from the metadata, never into memory; the rows
    after them are scanned."""
    item = released_frame(release)["text"].iloc[0]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write = ("import pyarrow as pa, pyarrow.parquet as pq, sys\n"
             "with pq.ParquetWriter(sys.argv[1], pa.schema([('text', pa.string())]), compression='zstd') as w:\n"
             "    w.write_table(pa.table({'text': ['a' * 500_000_000]}))\n"
             "    w.write_table(pa.table({'text': ['本文', sys.argv[2]]}))\n"
             "    w.write_table(pa.table({'text': [str(k) * 3_000_000 for k in range(10)]}))\n")
    subprocess.run([sys.executable, "-c", write, corpus / "bomb.parquet", item], check=True)
    assert (corpus / "bomb.parquet").stat().st_size < 1 << 20
    out = tmp_path / "r.jsonl"
    run = cli(corpus, "--release", release, "--out", out, "--workers", "1", "--max-document-mb", "1")
    report = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert run.returncode == 1, run.stderr
    assert [r["problem"].split(":")[0] for r in report if "problem" in r] == [
        "row group 1 (rows 1 to 1)", "row group 3 (rows 4 to 13)"]
    assert [r["row"] for r in report if r.get("items")] == [3]
    assert peak_mb(run) < 700, peak_mb(run)
