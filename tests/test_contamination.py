"""The decontamination index in every release and `curation contamination` on corpora as people store them,
on datatrove's local executor and on a real two-node Ray cluster started on this machine."""

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import zstandard
from conftest import SHIPPED_RAW, released_frame

from curation.cli import main
from curation.contamination import Index, scan_documents
from curation.contamination.index import ABOUT, ITEMS, WINDOWS
from curation.contamination.windows import Prefix, reference_hash
from curation.pipeline import release
from curation.release.layout import verify_release
from curation.schema import schemas
from curation.text import matching_forms

AOZORA = Path(__file__).resolve().parent / "reference" / "aozora_sample.parquet"  # public domain (README there)
GUID = schemas().dataset["canary_guid"]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A release of the shipped data, its items (id, text, split) and its index."""
    path = release(SHIPPED_RAW, tmp_path_factory.mktemp("out")).path
    return path, released_frame(path), Index.load(path)


@pytest.fixture(scope="module")
def prose() -> list[str]:
    """Real Japanese sentences (Aozora Bunko) as the clean part of a corpus."""
    return pd.read_parquet(AOZORA, columns=["text"])["text"].tolist()


def width(text: str) -> str:
    """Full width for ASCII, half-width-ish punctuation: what a copy through another keyboard does."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text).replace("、", "，")


def katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if 0x3041 <= ord(c) <= 0x3096 else c for c in text)


def test_window_hashes_are_the_documented_formula():
    """Every window of every length, hashed in numpy, equals the formula computed term by term in Python."""
    rng = random.Random(2)
    for _ in range(200):
        text = "".join(rng.choices("あいうアイウ漢字爆弾123abc", k=rng.randint(1, 40)))
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        for length in range(1, len(text) + 1, 3):
            hashes, starts = Prefix(codes).windows(length)
            assert [int(h) for h in hashes] == [reference_hash(text[s:s + length]) for s in starts.tolist()]


def test_every_release_carries_an_index_outside_the_configs(shipped):
    """decontamination/ is in the manifest (checksummed), holds every released item's windows of its
    matching form, and is not a config: load_dataset reads the same rows as before."""
    from datasets import load_dataset

    path, items, index = shipped
    verify_release(path)
    listed = json.loads((path / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert {WINDOWS, ITEMS, ABOUT} <= set(listed)
    about = json.loads((path / ABOUT).read_text(encoding="utf-8"))
    assert about["canary_guid"] == GUID and about["window"] == schemas().contamination["window"]
    assert about["items"] == len(items) and set(index.ids) == set(items["id"])
    table = pq.read_table(path / WINDOWS).to_pandas()
    one = items.iloc[0]
    form = matching_forms([one["text"]])[0]
    window = about["window"]
    assert sorted(table.loc[table["id"] == one["id"], "hash"].tolist()) == sorted(
        reference_hash(form[k:k + window]) for k in range(len(form) - window + 1))
    loaded = load_dataset(str(path))
    assert sum(len(s) for s in loaded.values()) == len(items)


def test_items_are_found_verbatim_and_normalized_and_prose_is_clean(shipped, prose):
    """Inside long documents, with width, punctuation, spacing and kana changes and broken across lines, every
    item is found with all its windows; real prose without items matches nothing."""
    _, items, index = shipped
    texts = items["text"].tolist()
    rng = random.Random(5)
    documents, expected = [], []
    for k, text in enumerate(texts):
        before, after = "".join(rng.sample(prose, 5)), "".join(rng.sample(prose, 5))
        spaced = "　" + text.replace("、", "、 ").replace("。", "。　 ").replace("は", "は ")
        variant = [text, width(text), katakana(text), spaced, text.replace("、", "\n")][k % 5]
        segments = [before + variant + after] if k % 3 else [before, *variant.split("\n"), after]
        lines = [before, variant[:len(variant) // 2], variant[len(variant) // 2:], after]  # across a line break
        documents += [segments, lines]
        expected += [k, k]
    clean = [["".join(prose[i:i + 20])] for i in range(0, len(prose), 20)]
    found, canary = scan_documents(index, documents + clean + [["本文", f"canary GUID {GUID}"]])
    whole = [f for f in found if f.coverage == 1.0]
    number = {item_id: n for n, item_id in enumerate(index.ids)}
    hits = {(f.document, f.item) for f in whole}
    short = set(items.loc[[len(f) < index.window for f in matching_forms(texts)], "id"])
    for document, k in enumerate(expected):
        item_id = items["id"].iloc[k]
        if item_id not in short or len(documents[document]) > 1 and documents[document][1] == texts[k]:
            assert (document, number[item_id]) in hits, (document, texts[k])
    assert not [f for f in found if f.document >= len(documents) and f.document < len(documents) + len(clean)]
    assert canary[-1] and not any(canary[:-1])


def test_an_item_shorter_than_a_window_is_found_only_as_a_whole_line(shipped):
    _, items, index = shipped
    forms = matching_forms(items["text"].tolist())
    short = [t for t, f in zip(items["text"], forms) if len(f) < index.window]
    assert short, "the shipped data has items shorter than one window"
    found, _ = scan_documents(index, [["前置き", short[0] + "！", "後書き"], ["前置き" + short[0] + "後書き"]])
    assert [f.document for f in found] == [0] and found[0].segment == 1


@pytest.fixture
def corpus(tmp_path, shipped, prose) -> tuple[Path, list[str]]:
    """A small corpus in every format the scanner reads, with items planted at known places."""
    _, items, _ = shipped
    t = items.sort_values("id")["text"].tolist()
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    rows = [{"text": "".join(prose[i * 20:(i + 1) * 20])} for i in range(60)]
    rows[10]["text"] = rows[10]["text"][:300] + t[0] + rows[10]["text"][300:]
    rows[20]["text"] = "前置き " + width(t[1]) + " 後書き"
    lines = [json.dumps(r, ensure_ascii=False) for r in rows] + ["{broken", json.dumps({"other": 1})]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with gzip.open(folder / "sub" / "b.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write(json.dumps({"text": katakana(t[2])}, ensure_ascii=False) + "\n")
    text_lines = ["".join(prose[1200 + i * 3:1200 + (i + 1) * 3]) for i in range(120)]
    text_lines[39], text_lines[40] = t[3][:9], t[3][9:]  # across a line break (and a block edge, below)
    text_lines[90] = f"BENCHMARK DATA canary GUID {GUID}"
    (folder / "c.txt").write_text("\n".join(text_lines), encoding="utf-8")
    zst = zstandard.ZstdCompressor()  # two frames, as concatenated or parallel compressors write
    (folder / "sub" / "d.txt.zst").write_bytes(zst.compress("\n".join(text_lines[:30]).encode()) +
                                               zst.compress(("\n" + t[4]).encode()))
    pd.DataFrame({"text": [prose[1], t[5], None]}).to_parquet(folder / "e.parquet")
    return folder, t


def expected_matches(corpus_path: Path) -> list[tuple[str, str, int]]:
    """(file, line or row, number, which planted text) of every planted item, in report order."""
    return [("a.jsonl", "line", 11, 0), ("a.jsonl", "line", 21, 1), ("c.txt", "line", 40, 3),
            ("e.parquet", "row", 2, 5), ("sub/b.jsonl.gz", "line", 1, 2), ("sub/d.txt.zst", "line", 31, 4)]


def test_the_command_scans_every_format_and_names_every_problem(corpus, shipped, tmp_path, capsys, monkeypatch):
    """Files, folders and globs; JSONL, Parquet and plain text, plain, .gz and .zst; a prompt across a line break
    and across the edge of two blocks of a text file; unreadable lines named by file and line; exit 1."""
    monkeypatch.setitem(schemas().contamination, "text_block_lines", 40)  # c.txt's item: lines 40-41
    monkeypatch.setitem(schemas().contamination, "block_overlap_lines", 5)
    folder, t = corpus
    path, items, _ = shipped
    id_of = dict(zip(items["text"], items["id"]))
    out = tmp_path / "report.jsonl"
    code = main(["contamination", str(folder / "a.jsonl"), str(folder / "sub"), str(folder / "*.txt"),
                 str(folder / "e.parquet"), "--release", str(path), "--out", str(out), "--workers", "2"])
    printed = capsys.readouterr().out
    assert code == 1
    report = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    matches = [r for r in report if "items" in r]
    where = [(str(Path(r["file"]).relative_to(folder)), "row" if "row" in r else "line", r.get("row", r.get("line")))
             for r in matches]
    assert where == [w[:3] for w in expected_matches(folder)]
    for match, (*_, planted) in zip(matches, expected_matches(folder)):
        assert {"id": id_of[t[planted]], "coverage": 1.0} in [{k: i[k] for k in ("id", "coverage")}
                                                              for i in match["items"]]
    text_report = next(r for r in matches if r["file"].endswith("c.txt"))
    assert text_report["canary"] and text_report["items"][0]["line"] == 40
    problems = [r["problem"] for r in report if "problem" in r]
    assert "line 61: not a JSON object" in problems and "line 62: no text in field 'text'" in problems
    assert "row 3: no text in column 'text'" in problems
    assert "6 matched documents" in printed and "unreadable: 3" in printed
    assert main(["contamination", str(folder / "missing.jsonl"), "--release", str(path), "--out", str(out)]) == 2
    assert "missing.jsonl: no such file" in capsys.readouterr().err


def test_an_old_release_without_an_index_is_a_clear_error(tmp_path, capsys):
    oldest = Path(__file__).resolve().parents[1] / "data" / "release" / "v0.1.0"
    (tmp_path / "x.txt").write_text("何か", encoding="utf-8")
    assert main(["contamination", str(tmp_path / "x.txt"), "--release", str(oldest),
                 "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "no decontamination/index.json" in capsys.readouterr().err


@pytest.mark.integration
def test_a_real_two_node_ray_cluster_scans_like_the_local_engine(corpus, shipped, tmp_path):
    """A Ray head and a second worker node, started on this machine by Ray's own cluster utility (real
    raylets, a real GCS: what `ray start --head` / `ray start --address` give); by default the datatrove Ray
    executor runs as many tasks as the cluster has CPUs, one on each node, the report says so, and its finds
    equal the local engine's."""
    from ray.cluster_utils import Cluster

    from curation.contamination.run import scan_corpora

    folder, _ = corpus
    path, _, _ = shipped
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        on_ray = scan_corpora([str(folder)], path, engine="ray", address=cluster.address)
        nodes = {node["NodeID"] for node in ray_nodes(cluster.address)}
    finally:
        cluster.shutdown()
    local = scan_corpora([str(folder)], path, engine="local", tasks=4, workers=2)
    assert on_ray.matches == local.matches and on_ray.problems == local.problems
    assert on_ray.documents == local.documents > 60
    assert sorted(n["node_id"] for n in on_ray.nodes()) == sorted(nodes) and len(nodes) == 2
    assert [n["tasks"] for n in on_ray.nodes()] == [1, 1]  # 2 CPUs: 2 tasks, one on each node
    assert "scanned by 2 tasks on 2 node(s)" in on_ray.lines()[0]
    summary = json.loads(on_ray.jsonl().splitlines()[-1])["summary"]
    assert summary["tasks"] == 2 and summary["nodes"] == on_ray.nodes()
    assert len(on_ray.matches) == len(expected_matches(folder))


def ray_nodes(address: str) -> list[dict]:
    """The cluster's nodes, as a separate driver sees them."""
    import ray

    ray.init(address=address, log_to_driver=False, logging_level="WARNING")
    try:
        return [n for n in ray.nodes() if n["Alive"]]
    finally:
        ray.shutdown()


def test_unreadable_input_is_named_and_never_reads_as_clean(shipped, tmp_path, capsys):
    """Nothing found but lines that could not be read: exit 3, not 0. A broken .gz is a problem of that
    file, what came before the break is still scanned; .bz2 and .xz are read through like .gz; a folder
    with nothing to scan is an error."""
    import bz2

    path, items, _ = shipped
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "wrong-field.jsonl").write_text(json.dumps({"content": "本文"}) + "\n", encoding="utf-8")
    out = tmp_path / "report.jsonl"
    assert main(["contamination", str(folder), "--release", str(path), "--out", str(out)]) == 3
    assert "line 1: no text in field 'text'" in out.read_text(encoding="utf-8")
    (folder / "wrong-field.jsonl").unlink()
    (folder / "b.jsonl.bz2").write_bytes(bz2.compress((json.dumps({"text": items["text"].iloc[0]},
                                                                  ensure_ascii=False) + "\n").encode()))
    good = gzip.compress(("\n".join(["前置き", items["text"].iloc[1], "後書き"]) + "\n").encode())
    (folder / "c.txt.gz").write_bytes(good[:-12] + b"\x00" * 12)  # the end (checksum) broken
    capsys.readouterr()
    assert main(["contamination", str(folder), "--release", str(path), "--out", str(out)]) == 1
    report = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(r["file"]).name for r in report if "items" in r] == ["b.jsonl.bz2", "c.txt.gz"]
    assert [r["problem"] for r in report if "problem" in r] == ["file: cannot be read from there on (EOFError)"]
    empty = tmp_path / "empty"
    (empty / ".hidden").mkdir(parents=True)
    assert main(["contamination", str(empty), "--release", str(path), "--out", str(out)]) == 2
    assert "no files to scan" in capsys.readouterr().err
