"""Benchmark: `curation contamination` on a ≥ 1 GB Japanese corpus with planted items, against the scans a
user would reach for: an Aho-Corasick scan of the verbatim items (pyahocorasick) and datatrove's own n-gram
decontamination filter (where it can run).

Corpus: documents of 5-200 consecutive-looking Aozora Bunko sentences (../shared/bench, public domain) drawn at
random, as JSONL files; PLANTED of them carry one item of the newest release inside, as it was released or
changed (KINDS: full width, other punctuation, katakana for hiragana, spaces, broken across lines, one or two
characters replaced; an item shorter than SHORT characters is planted as a whole document, the only way
it is found). Everything else is clean: a match there is a false positive. Writes
benchmarks/results-contamination.md.

    make bench                                   # all benchmarks
    .venv/bin/python benchmarks/bench_contamination.py --gigabytes 1.0
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
AOZORA = REPO.parent / "shared" / "bench" / "aozora_sentences.parquet"
WORK = HERE / ".bench-contamination"
KINDS = ["verbatim", "width", "punctuation", "katakana", "spaces", "line breaks", "edit1", "edit2"]
NORMALIZED = KINDS[:6]  # what the matching form folds: recall must be 1.0
PLANTED = 4000
SHORT = 16  # an item whose matching form is shorter is planted as a whole document (a record of a Q&A set)
FILES = 16
WINDOWS = [8, 10, 11, 13, 16, 20]
COVERAGES = [0.3, 0.5, 0.8]


def newest_release() -> Path:
    return max((p for p in (REPO / "data" / "release").iterdir() if (p / "decontamination").is_dir()),
               key=lambda p: tuple(int(x) for x in p.name[1:].split(".")))


def items_of(release: Path) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p, columns=["id", "text"]) for p in sorted((release / "data").glob("*.parquet"))])


def changed(text: str, kind: str, rng: random.Random) -> str:
    if kind == "width":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text).replace("、", "，")
    if kind == "punctuation":
        return text.replace("、", "").replace("？", "?").replace("。", "．") + rng.choice(["！", "…", "。"])
    if kind == "katakana":
        return "".join(chr(ord(c) + 0x60) if 0x3041 <= ord(c) <= 0x3096 else c for c in text)
    if kind == "spaces":
        return " " + text.replace("、", "、 ").replace("は", "は　") + " "
    if kind == "line breaks":
        cut = rng.randrange(1, len(text))
        return text[:cut] + "\n" + text[cut:]
    if kind.startswith("edit"):
        chars = list(text)
        for _ in range(int(kind[-1])):
            chars[rng.randrange(len(chars))] = rng.choice("あいうえおかきくけこ")
        return "".join(chars)
    return text


def build_corpus(gigabytes: float, release: Path) -> pd.DataFrame:
    """The corpus files (cached: corpus/ and truth.parquet) and the truth: (file, line, item id, kind)."""
    from curation.text import matching_forms

    truth_path = WORK / "truth.parquet"
    if truth_path.exists() and json.loads((WORK / "corpus.json").read_text())["gigabytes"] == gigabytes:
        return pd.read_parquet(truth_path)
    sentences = pd.read_parquet(AOZORA, columns=["text"])["text"].tolist()
    items = items_of(release)
    forms = dict(zip(items["id"], matching_forms(items["text"].tolist())))
    rng = random.Random(1)
    nrng = np.random.default_rng(1)
    folder = WORK / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    target = gigabytes * 1e9 / FILES
    plant_every = None
    truth = []
    planted = 0
    for f in range(FILES):
        size, line = 0, 0
        with open(folder / f"part-{f:02d}.jsonl", "wb") as out:
            while size < target:
                line += 1
                start = int(nrng.integers(0, len(sentences) - 200))
                text = "".join(sentences[start:start + int(nrng.integers(5, 200))])
                plant_every = plant_every or max(1, int(gigabytes * 1e9 / 12300 / PLANTED))  # ~12 KB a document
                if line % plant_every == 0 and planted < PLANTED:
                    item = items.iloc[planted % len(items)]
                    kind = KINDS[(planted + planted // len(items)) % len(KINDS)]
                    at = rng.randrange(len(text) + 1)
                    if len(forms[item["id"]]) < SHORT:  # found only as a whole record: planted as one
                        text = changed(item["text"], kind, rng)
                    else:
                        text = text[:at] + changed(item["text"], kind, rng) + text[at:]
                    truth.append({"file": f"part-{f:02d}.jsonl", "line": line, "id": item["id"], "kind": kind})
                    planted += 1
                raw = orjson.dumps({"text": text}) + b"\n"
                out.write(raw)
                size += len(raw)
    frame = pd.DataFrame(truth)
    frame.to_parquet(truth_path)
    (WORK / "corpus.json").write_text(json.dumps({"gigabytes": gigabytes}))
    return frame


def corpus_files() -> list[Path]:
    return sorted((WORK / "corpus").glob("*.jsonl"))


# -- window length and coverage, on the planted documents and a clean sample -------------------------------

def window_choice(release: Path, truth: pd.DataFrame) -> pd.DataFrame:
    """Per window length and coverage threshold: recall per kind of change and false positives on clean
    documents (any item reported; and any single window hit, before the threshold)."""
    sys.path.insert(0, str(REPO))
    from curation.contamination import scan as scanning
    from curation.contamination.index import item_windows

    items = items_of(release)
    planted = {(r.file, r.line): (r.id, r.kind) for r in truth.itertuples()}
    documents, labels, clean = [], [], 0
    for path in corpus_files()[:4]:
        with open(path, "rb") as stream:
            for number, raw in enumerate(stream, start=1):
                key = (path.name, number)
                if key in planted:
                    documents.append(orjson.loads(raw)["text"])
                    labels.append(planted[key])
                elif clean < 40000:
                    documents.append(orjson.loads(raw)["text"])
                    labels.append(None)
                    clean += 1
    rows = []
    for window in WINDOWS:
        hashes = item_windows(items["text"].tolist(), window)
        for coverage in COVERAGES:
            index = in_memory_index(items, hashes, window, coverage)
            found, _ = scanning.scan_documents(index, [[d] for d in documents])
            hits = {(f.document, index.ids[f.item]) for f in found}
            flagged = {f.document for f in found}
            row = {"window": window, "min coverage": coverage}
            for kind in KINDS:
                docs = [k for k, label in enumerate(labels) if label and label[1] == kind]
                row[f"recall {kind}"] = np.mean([(k, labels[k][0]) in hits for k in docs])
            clean_docs = [k for k, label in enumerate(labels) if label is None]
            row["clean documents"] = len(clean_docs)
            row["clean flagged"] = sum(k in flagged for k in clean_docs)
            if coverage == COVERAGES[0]:
                any_window = in_memory_index(items, hashes, window, 1e-9)
                found_any, _ = scanning.scan_documents(any_window, [[documents[k]] for k in clean_docs])
                row["clean with any window"] = len({f.document for f in found_any})
            rows.append(row)
            print(row, flush=True)
    return pd.DataFrame(rows)


def in_memory_index(items: pd.DataFrame, hashes: list, window: int, coverage: float):
    from curation.contamination.scan import Index
    from curation.schema import schemas

    item = np.concatenate([np.full(len(h), k) for k, (h, _) in enumerate(hashes)])
    return Index.build("bench", window, coverage, schemas().dataset["canary_guid"], items["id"].tolist(),
                       ["test"] * len(items), [n for _, n in hashes], np.concatenate([h for h, _ in hashes]), item,
                       np.concatenate([np.arange(len(h)) for h, _ in hashes]))


# -- throughput: each run in a fresh process -----------------------------------------------------------------

def measure(code: str) -> dict:
    """Runs `code` (which prints a JSON dict last) in a fresh Python; adds seconds and peak memory."""
    wrapper = (f"import json, resource, time, sys; sys.path.insert(0, {str(HERE)!r}); t = time.perf_counter()\n"
               + code + "\nresult['seconds'] = time.perf_counter() - t\n"
               # VmHWM (exec resets it; ru_maxrss would carry the benchmark's own peak over), and the largest
               # worker process's (forked from this one: mostly shared pages, an upper bound).
               "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
               "result['peak_mb'] = max(int(hwm), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024\n"
               "print(json.dumps(result))")
    done = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def ours(release: Path, engine: str, workers: int) -> str:
    files = [str(p) for p in corpus_files()]
    cluster = ""
    if engine == "ray":
        cluster = ("from ray.cluster_utils import Cluster\n"
                   "cluster = Cluster(initialize_head=True,\n"
                   "                  head_node_args={'num_cpus': 1, 'include_dashboard': False})\n"
                   "cluster.add_node(num_cpus=1); cluster.wait_for_nodes()\n"
                   "t = time.perf_counter()\n")
    return (f"from pathlib import Path\nfrom curation.contamination.run import scan_corpora\n{cluster}"
            f"report = scan_corpora({files!r}, Path({str(release)!r}), engine={engine!r}, "
            f"address={'cluster.address' if engine == 'ray' else 'None'}, workers={workers})\n"
            + ("cluster.shutdown()\n" if engine == "ray" else "")
            + "result = {'matches': [[m['file'].rsplit('/', 1)[-1], m.get('line'), [i['id'] for i in m['items']]] "
              "for m in report.matches], 'nodes': len(report.nodes())}")


def aho_corasick(release: Path) -> str:
    """The same files read the same way (orjson per line), scanned for the verbatim items."""
    files = [str(p) for p in corpus_files()]
    return (f"import ahocorasick, orjson, pandas as pd, glob\n"
            f"items = pd.concat([pd.read_parquet(p, columns=['id', 'text']) for p in "
            f"sorted(glob.glob({str(release / 'data' / '*.parquet')!r}))])\n"
            "automaton = ahocorasick.Automaton()\n"
            "for item_id, text in zip(items['id'], items['text']): automaton.add_word(text, item_id)\n"
            "automaton.make_automaton()\n"
            "matches = []\n"
            f"for path in {files!r}:\n"
            "    with open(path, 'rb') as stream:\n"
            "        for number, raw in enumerate(stream, start=1):\n"
            "            found = [i for _, i in automaton.iter(orjson.loads(raw)['text'])]\n"
            "            if found: matches.append([path.rsplit('/', 1)[-1], number, found])\n"
            "result = {'matches': matches}")


def datatrove_filter() -> str:
    """datatrove's n-gram decontamination filter, if it can run here (it builds its index from lighteval tasks
    and splits Japanese into words with its own tokenizer)."""
    return ("from datatrove.pipeline.decont import NGramsDecontIndexer, NGramsDecontConfig\n"
            "from datatrove.utils.word_tokenizers import load_word_tokenizer\n"
            "from datatrove.utils.typeshelper import Languages\n"
            "load_word_tokenizer(Languages.japanese)\n"
            "NGramsDecontIndexer(output_folder='/tmp/decont-index', config=NGramsDecontConfig())\n"
            "result = {}")


def recall(matches: list, truth: pd.DataFrame) -> dict:
    found = {(f, line, i) for f, line, ids in matches for i in ids}
    out = {}
    for kind in KINDS:
        part = truth[truth["kind"] == kind]
        out[kind] = float(np.mean([(r.file, r.line, r.id) in found for r in part.itertuples()])) if len(part) else None
    planted = {(r.file, r.line) for r in truth.itertuples()}
    out["clean documents flagged"] = len({(f, line) for f, line, _ in matches} - planted)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--skip-windows", action="store_true", help="reuse the window-length table of the last run")
    parser.add_argument("--release", type=Path, help="default: the newest release with a decontamination index")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    release = args.release or newest_release()
    truth = build_corpus(args.gigabytes, release)
    size = sum(p.stat().st_size for p in corpus_files())
    cached = WORK / "windows.parquet"
    if args.skip_windows and cached.exists():
        choice = pd.read_parquet(cached)
    else:
        choice = window_choice(release, truth)
        choice.to_parquet(cached)
    runs, reports = [], {}
    for name, code in [("ours, local, 1 worker", ours(release, "local", 1)),
                       ("ours, local, 2 workers", ours(release, "local", 2)),
                       ("ours, Ray (2 nodes), 1 worker", ours(release, "ray", 1)),
                       ("ours, Ray (2 nodes), 2 workers", ours(release, "ray", 2)),
                       ("Aho-Corasick (pyahocorasick), verbatim items, 1 core", aho_corasick(release)),
                       ("datatrove NGramsDecontFilter", datatrove_filter())]:
        try:
            result = measure(code)
        except RuntimeError as exc:
            runs.append({"scan": name, "note": str(exc).strip().splitlines()[-1][:200]})
            print(runs[-1], flush=True)
            continue
        cores = 2 if "2 workers" in name else 1
        if name.startswith("ours"):  # every engine and worker count must give the same report
            reports[name] = result["matches"]
            result["same report as local, 1 worker"] = result["matches"] == next(iter(reports.values()))
        row = {"scan": name, "seconds": round(result["seconds"], 1), "MB/s": round(size / 1e6 / result["seconds"], 1),
               "MB/s per core": round(size / 1e6 / result["seconds"] / cores, 1),
               "peak MB": round(result["peak_mb"]), **({"nodes": result["nodes"]} if "nodes" in result else {}),
               **({"same report": result["same report as local, 1 worker"]} if name.startswith("ours") else {}),
               **(recall(result["matches"], truth) if "matches" in result else {})}
        runs.append(row)
        print(row, flush=True)
    write(pd.DataFrame(runs), choice, size, truth)


def write(runs: pd.DataFrame, choice: pd.DataFrame, size: int, truth: pd.DataFrame) -> None:
    from bench_dedup import markdown

    from curation.schema import schemas

    config = schemas().contamination
    lines = ["# Contamination scan benchmark", "",
             f"Machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, shared "
             f"with other work. Written by `benchmarks/bench_contamination.py`. Corpus: {FILES} JSONL files, "
             f"{size / 1e9:.2f} GB, documents of 5-200 Aozora Bunko sentences; {len(truth):,} of them carry one "
             f"item of the newest release, changed in one of {len(KINDS)} ways ({', '.join(KINDS)}); the rest "
             f"are clean. Index: window {config['window']} characters, min coverage {config['min_coverage']}.", "",
             "## Scans of the whole corpus (recall per kind of change; clean documents flagged)", "",
             markdown(runs.astype(object).where(runs.notna(), "")), ""]
    if len(choice):
        lines += ["## Window length and coverage (the first four files: planted documents, up to 40,000 clean)", "",
                  "Recall per kind of change, clean documents where an item is reported, and clean documents "
                  "with any single window of any item (no coverage threshold).", "", markdown(choice), ""]
    (HERE / "results-contamination.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
