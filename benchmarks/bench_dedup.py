"""Benchmark: near-duplicate detection (`curation dedup`) against datasketch MinHashLSH and rensa.

Corpus: Aozora Bunko sentences (../shared/bench/aozora_sentences.parquet, public domain) plus the project's
own prompts (data/raw), first cleaned of near pairs they already hold (our near tier at a much looser
setting: threshold 0.25, 3 rows × 48 bands), then seeded with variants of known kind (width, punctuation,
spaces, kana swap, 1/2/3-character edits, a combination) and minimal pairs (one noun swapped for another
noun), so every figure is exact. Sizes above the cleaned base repeat it with a fixed code-point rotation of
kanji and kana per copy (the same length and shingle statistics, no shared shingles between copies).
Each measurement runs in a fresh process (its own peak memory: VmHWM, which exec resets, unlike ru_maxrss).
Peers get the same matching form, character 2-grams, 128 hashes and threshold 0.4; they merge every cluster
(no classification). `ours-detect` is our candidate search and exact verification alone, merging every
cluster like the peers: the same work as theirs, to separate search speed from the cost of classifying.

`--corpus paraphrase` measures the same tools on the paraphrase-rich corpus of make_paraphrase_corpus.py
(short templated questions and the shipped prompts, each with labelled surface and meaning rewrites) and reports,
per rewrite kind, how often it is merged into its original's cluster (wanted for surface kinds, never for meaning
kinds) or only linked, and the precision of the automatic drops.

    make bench                          # writes benchmarks/results-dedup.md
    make bench DEDUP_SIZES=10000,50000  # quicker
    .venv/bin/python benchmarks/bench_dedup.py --corpus paraphrase --sizes 10000,50000
                                        # writes benchmarks/results-dedup-paraphrase.md
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = REPO.parent / "shared" / "bench" / "aozora_sentences.parquet"
KINDS = ["width", "punct", "space", "kana", "edit1", "edit2", "edit3", "combo"]
SEEDED = 0.04  # share of base texts given one variant of each kind; as many minimal pairs


# -- corpus ------------------------------------------------------------------------------------------

def base_texts(work: Path) -> list[str]:
    """Aozora sentences and the shipped prompts, without any text that is near another at a loose setting."""
    from curation.dedup import pairs as nd
    from curation.ingest import ingest, load_sources
    from curation.schema import schemas
    from curation.text import matching_forms

    cached = work / "base.parquet"
    if cached.exists():
        return pd.read_parquet(cached)["text"].tolist()
    table, _ = ingest(load_sources(REPO / "data" / "raw"))
    shipped = table.loc[table["fate"] == "released", "text"].tolist()
    texts = pd.read_parquet(CORPUS, columns=["text"])["text"].tolist() + shipped
    forms = matching_forms(texts)
    loose = {**schemas().dedup, "threshold": 0.25, "rows": 3, "bands": 48}
    sig, has = nd.signatures(forms, loose)
    a, b, _ = nd.verified(forms, *nd.plausible(len(forms), sig, nd.candidate_pairs(sig, has, loose), loose), loose)
    near = set(a.tolist()) | set(b.tolist())
    seen: set[str] = set()
    clean = [t for i, (t, f) in enumerate(zip(texts, forms)) if i not in near and f and not (f in seen or seen.add(f))]
    pd.DataFrame({"text": clean}).to_parquet(cached)
    return clean


def markdown(frame: pd.DataFrame) -> str:
    def fmt(v):
        return f"{v:,.4g}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)
    rows = [list(frame.columns)] + [[fmt(v) for v in r] for r in frame.itertuples(index=False)]
    return "\n".join("| " + " | ".join(map(str, r)) + " |" for r in [rows[0], ["---"] * len(rows[0]), *rows[1:]])


HIRA = (0x3041, 0x3096)
KATA = (0x30A1, 0x30F6)


def kana_swap(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if HIRA[0] <= ord(c) <= HIRA[1] else chr(ord(c) - 0x60)
                   if KATA[0] <= ord(c) <= KATA[1] else c for c in text)


def edit(text: str, k: int, rng: random.Random) -> str:
    chars = list(text)
    pool = [c for c in text if unicodedata.category(c).startswith("L")] or ["あ"]
    for _ in range(k):
        i = rng.randrange(len(chars))
        op = rng.choice("sid")
        if op == "s":
            chars[i] = rng.choice(pool)
        elif op == "i":
            chars.insert(i, rng.choice(pool))
        elif len(chars) > 2:
            del chars[i]
    return "".join(chars)


def variant(text: str, kind: str, rng: random.Random) -> str:
    if kind == "width":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text).replace("、", "､")
    if kind == "punct":
        return text.rstrip("。") + rng.choice(["？", "！", "…", "。。"])
    if kind == "space":
        i = rng.randrange(1, max(2, len(text)))
        return " " + text[:i] + "\u3000" + text[i:] + " "
    if kind == "kana":
        return kana_swap(text)
    if kind.startswith("edit"):
        return edit(text, int(kind[-1]), rng)
    return variant(variant(edit(text, 1, rng), "punct", rng), "width", rng)  # combo


def minimal_pair(text: str, nouns: list[str], rng: random.Random, tagger) -> str | None:
    words = [w.surface for w in tagger(text)]
    spots = [i for i, w in enumerate(tagger(text)) if w.feature.pos1 == "名詞" and w.feature.pos2 == "普通名詞"
             and len(w.surface) >= 2]
    if not spots:
        return None
    i = rng.choice(spots)
    words[i] = rng.choice([n for n in nouns if n != words[i]])
    return "".join(words)


def rotate(text: str, copy: int) -> str:
    """Copy `copy` of a text: kanji and kana moved by a fixed offset within their blocks."""
    if copy == 0:
        return text
    out = []
    for c in text:
        cp = ord(c)
        if 0x4E00 <= cp <= 0x9FFF:
            cp = 0x4E00 + (cp - 0x4E00 + copy * 7919) % 0x5200
        elif 0x3041 <= cp <= 0x3096:
            cp = 0x3041 + (cp - 0x3041 + copy * 13) % 86
        elif 0x30A1 <= cp <= 0x30F6:
            cp = 0x30A1 + (cp - 0x30A1 + copy * 29) % 86
        out.append(chr(cp))
    return "".join(out)


def build(n: int, base: list[str], path: Path) -> None:
    """n texts: originals, their variants (truth: `source`, `kind`) and minimal pairs."""
    import fugashi

    rng = random.Random(n)
    tagger = fugashi.Tagger()
    per_original = 1 + len(KINDS) * SEEDED + SEEDED
    originals = [rotate(base[i % len(base)], i // len(base)) for i in range(int(n / per_original))]
    nouns = sorted({w.surface for t in base[:3000] for w in tagger(t) if w.feature.pos1 == "名詞"
                    and w.feature.pos2 == "普通名詞" and len(w.surface) >= 2})
    rows = [{"text": t, "source": i, "kind": "original"} for i, t in enumerate(originals)]
    sample = rng.sample(range(len(originals)), int(len(originals) * SEEDED * (len(KINDS) + 1)))
    for j, i in enumerate(sample):
        kind = (KINDS + ["minimal"])[j % (len(KINDS) + 1)]
        text = minimal_pair(originals[i], nouns, rng, tagger) if kind == "minimal" else variant(originals[i], kind, rng)
        if text and text != originals[i]:
            rows.append({"text": text, "source": i, "kind": kind})
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=n).reset_index(drop=True)  # variants not always last
    frame.insert(0, "row", range(len(frame)))
    frame.to_parquet(path, index=False)


# -- the tools, each in a fresh process ----------------------------------------------------------------

def run_ours(path: Path, out: Path) -> None:
    from curation.cli import main

    main(["dedup", str(path), "--text-column", "text", "--id-column", "row", "--out", str(out)])


def run_ours_mecab(path: Path, out: Path) -> None:
    """`curation dedup` with its word rules cut out: every text (or window) the classifier tokenizes is still
    given to MeCab, but its words are not read, so every pair comes out surface. The floor under any
    classifier that reads UniDic words through fugashi: issue 14's speed target is weighed against it."""
    from curation.dedup.classify import Classifier
    from curation.text.japanese import lines

    def tokenized(self, folded: str) -> tuple[tuple, tuple, list]:
        lines(folded)
        return (), (), []

    Classifier.tokenized = tokenized  # this fresh process only; the forked workers inherit it
    run_ours(path, out)


def run(tool: str, path: Path, out: Path) -> None:
    {"ours": run_ours, "ours-mecab": run_ours_mecab}.get(tool, lambda p, o: peer_clusters(p, o, tool))(path, out)


def peer_clusters(path: Path, out: Path, peer: str) -> None:
    """Read, normalize, MinHash + LSH, connected components: what a peer-based dedup command does."""
    from curation.dedup.clusters import components
    from curation.text import matching_forms

    texts = pd.read_parquet(path, columns=["text"])["text"].tolist()
    if peer == "ours-detect":  # our candidate search and exact verification alone, merging like the peers
        from curation.dedup import pairs as nd
        from curation.schema import schemas

        config = schemas().dedup
        forms = nd.forms_of(texts)
        sig, has = nd.signatures(forms, config)
        a, b, _ = nd.verified(forms, *nd.plausible(len(forms), sig, nd.candidate_pairs(sig, has, config), config),
                              config)
        pairs = list(zip(a.tolist(), b.tolist()))
        grams = []
    else:
        grams = [[f[i:i + 2] for i in range(max(1, len(f) - 1))] for f in matching_forms(texts)]
    if peer == "datasketch":
        from datasketch import MinHash, MinHashLSH

        lsh = MinHashLSH(threshold=0.4, num_perm=128)
        hashes = []
        for i, g in enumerate(grams):
            m = MinHash(num_perm=128, seed=1)
            m.update_batch([s.encode("utf-8") for s in g])
            lsh.insert(i, m)
            hashes.append(m)
        pairs = [(i, j) for i, m in enumerate(hashes) for j in lsh.query(m) if j > i]
    elif peer == "rensa":
        from rensa import RMinHash, RMinHashLSH

        lsh = RMinHashLSH(threshold=0.4, num_perm=128, num_bands=32)
        hashes = []
        for i, g in enumerate(grams):
            m = RMinHash(num_perm=128, seed=1)
            m.update(g)
            lsh.insert(i, m)
            hashes.append(m)
        pairs = [(i, j) for i, m in enumerate(hashes) for j in lsh.query(m) if j > i]
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    root = components(len(texts), a, b)
    first = {}
    kept = [first.setdefault(r, i) == i for i, r in enumerate(root.tolist())]
    pd.DataFrame({"row": range(len(texts)), "cluster": root, "kept": kept,
                  "duplicate_of": [None if k else first[r] for k, r in zip(kept, root.tolist())]}).to_parquet(out)


TOOLS = ["ours", "ours-mecab", "ours-detect", "rensa", "datasketch"]
TIMED_ONLY = {"ours-mecab"}  # a floor, not a deduplicator: its merges are not scored
FLOOR_NOTE = ("`ours-detect`: our candidate search and exact verification alone, merging like the peers. "
              "`ours-mecab`: the whole command with the word rules cut out (every text or window the classifier "
              "tokenizes still goes through MeCab, every pair then comes out surface): the floor under any "
              "classifier over fugashi, timed only.")
REPEATS = 3  # runs of each tool but datasketch (10x slower), interleaved; the median is reported


def measured(path: Path, outputs: str, repeats: int = REPEATS) -> dict[str, dict]:
    """Each tool's median run (by seconds) of `repeats` rounds, the tools interleaved in each round so that
    the machine's load falls on all alike; datasketch once. `outputs`: the output path, with `{tool}`."""
    runs: dict[str, list[dict]] = {tool: [] for tool in TOOLS}
    for round_ in range(repeats):
        for tool in TOOLS if round_ == 0 else TOOLS[:-1]:
            runs[tool].append(measure(tool, path, Path(outputs.format(tool=tool))))
    return {tool: sorted(found, key=lambda m: m["seconds"])[len(found) // 2] for tool, found in runs.items()}


def measure(tool: str, path: Path, out: Path) -> dict:
    """Runs one tool in a fresh process: seconds, its peak memory, and the largest peak of the worker
    processes it forked (their resident pages, most of them shared with the parent: an upper bound)."""
    code = (f"import sys, time, resource, json; sys.path.insert(0, {str(HERE)!r}); import bench_dedup as b; "
            f"from pathlib import Path; t = time.perf_counter(); "
            f"b.run({tool!r}, Path({str(path)!r}), Path({str(out)!r})); "
            f"peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]; "
            f"worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
            f"print(json.dumps({{'seconds': time.perf_counter() - t, 'peak_mb': int(peak) / 1024, "
            f"'worker_peak_mb': worker / 1024}}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- quality -----------------------------------------------------------------------------------------

def quality(truth: pd.DataFrame, result: pd.DataFrame, tool: str) -> dict:
    """Exact figures against the seeded truth (row -> source original, kind)."""
    cluster = result["cluster_id" if tool == "ours" else "cluster"].tolist()
    frame = truth.assign(cluster=cluster, kept=result["kept"].tolist(), duplicate_of=result["duplicate_of"].tolist())
    original_row = frame[frame["kind"] == "original"].set_index("source")["row"]
    frame["original_row"] = frame["source"].map(original_row)
    by_row = frame.set_index("row")
    same = [isinstance(c, str) or not (isinstance(c, float) and np.isnan(c)) if c is not None else False
            for c in frame["cluster"]]
    frame["found"] = [s and by_row.loc[o, "cluster"] == c
                      for s, o, c in zip(same, frame["original_row"], frame["cluster"])]
    out = {}
    for kind in KINDS:
        part = frame[frame["kind"] == kind]
        out[f"recall {kind}"] = part["found"].mean() if len(part) else float("nan")
    dropped = frame[~frame["kept"]]
    target_source = dropped["duplicate_of"].map(lambda r: by_row.loc[int(r), "source"])
    target_kind = dropped["duplicate_of"].map(lambda r: by_row.loc[int(r), "kind"])
    correct = (dropped["source"] == target_source) & (dropped["kind"] != "minimal") & (target_kind != "minimal")
    out["auto-drop precision"] = correct.mean() if len(dropped) else float("nan")
    out["dropped"] = len(dropped)
    minimal = frame[frame["kind"] == "minimal"]
    lost = [not k or not by_row.loc[o, "kept"] if f else False
            for k, o, f in zip(minimal["kept"], minimal["original_row"], minimal["found"])]
    out["minimal pairs dropped"] = float(np.mean(lost)) if len(minimal) else float("nan")
    if tool == "ours":
        review = result[result["kept"] & result["cluster_id"].notna()]
        pairs = review.merge(review, on="cluster_id")
        pairs = pairs[pairs["row_x"] < pairs["row_y"]]
        src = by_row["source"]
        real = (src.loc[pairs["row_x"]].to_numpy() == src.loc[pairs["row_y"]].to_numpy())
        out["review pair precision"] = real.mean() if len(pairs) else float("nan")
        out["review pairs"] = len(pairs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,50000,200000,1000000")
    parser.add_argument("--corpus", choices=["aozora", "paraphrase"], default="aozora")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = HERE / ".bench-dedup"
    work.mkdir(exist_ok=True)
    if args.corpus == "paraphrase":
        main_paraphrase(sizes, work)
        return
    base = base_texts(work)
    rows, qualities = [], []
    for n in sizes:
        path = work / f"corpus-{n}.parquet"
        build(n, base, path)
        truth = pd.read_parquet(path)
        outputs = str(work / f"{{tool}}-{n}.parquet")
        for tool, m in measured(path, outputs).items():
            out = Path(outputs.format(tool=tool))
            rows.append({"texts": len(truth), "tool": tool, **m, "texts/s": len(truth) / m["seconds"]})
            print(rows[-1], flush=True)
            if tool not in TIMED_ONLY:
                qualities.append({"texts": len(truth), "tool": tool, **quality(truth, pd.read_parquet(out), tool)})
                print(qualities[-1], flush=True)
    write_results(pd.DataFrame(rows), pd.DataFrame(qualities), len(base))


def against_rensa(speed: pd.DataFrame) -> pd.DataFrame:
    """The speed table with each tool's speed as a multiple of rensa's on the same texts (issue 14's yardstick)."""
    rensa = speed[speed["tool"] == "rensa"].set_index("texts")["texts/s"]
    return speed.assign(**{"× rensa": [r / rensa[t] for t, r in zip(speed["texts"], speed["texts/s"])]})


def write_results(speed: pd.DataFrame, qual: pd.DataFrame, base: int) -> None:
    speed = against_rensa(speed)
    lines = ["# Near-duplicate benchmark", "",
             f"Machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, shared with "
             f"other work: each time is the median of {REPEATS} runs, the tools interleaved (datasketch: one "
             "run). Cleaned base: "
             f"{base:,} texts (Aozora Bunko + data/raw prompts). Written by `benchmarks/bench_dedup.py`.", "",
             FLOOR_NOTE, "",
             "## Speed and memory (whole command: read, normalize, detect, classify, write)", "",
             markdown(speed), "", "## Quality (exact, against the seeded truth)", "",
             markdown(qual), ""]
    (HERE / "results-dedup.md").write_text("\n".join(lines), encoding="utf-8")


# -- the paraphrase-rich corpus ----------------------------------------------------------------------

def resolved(result: pd.DataFrame) -> np.ndarray:
    """Each row's kept row: `duplicate_of` followed until it reaches a kept row (rows are numbered 0..n-1)."""
    n = len(result)
    target = np.arange(n)
    dropped = ~result["kept"].to_numpy(dtype=bool)
    target[dropped] = result["duplicate_of"].to_numpy()[dropped].astype(np.int64)
    for _ in range(64):
        step = target[target]
        if (step == target).all():
            break
        target = step
    return target


def paraphrase_quality(truth: pd.DataFrame, result: pd.DataFrame, tool: str) -> tuple[list[dict], dict]:
    """Per rewrite kind, against its item's base text: merged (both resolve to one kept row) and linked (one
    cluster, both kept); overall, the precision of automatic drops. A drop is right only when the dropped row and
    the row it is a duplicate of are the same item and neither is a meaning rewrite: a meaning rewrite merged
    into its base, or two template siblings merged, is a wrong drop."""
    from make_paraphrase_corpus import EDIT, MEANING, SURFACE

    target = resolved(result)
    original = truth["original_row"].to_numpy()
    merged = target == target[original]
    cluster = pd.Series(result["cluster_id" if tool == "ours" else "cluster"].to_numpy(), dtype=object)
    same = cluster.notna().to_numpy() & (cluster.to_numpy() == cluster.to_numpy()[original])
    linked = same & ~merged
    per_kind = []
    for kind in SURFACE + MEANING + EDIT:
        part = (truth["kind"] == kind).to_numpy()
        cls = "surface" if kind in SURFACE else "meaning" if kind in MEANING else "edit"
        per_kind.append({"kind": kind, "class": cls, "pairs": int(part.sum()), "tool": tool,
                         "merged": merged[part].mean() if part.any() else float("nan"),
                         "linked": linked[part].mean() if part.any() else float("nan"),
                         "found": same[part].mean() if part.any() else float("nan")})
    dropped = np.flatnonzero(~result["kept"].to_numpy(dtype=bool))
    to = result["duplicate_of"].to_numpy()[dropped].astype(np.int64)
    item = truth["item"].to_numpy()
    meaning = (truth["class"] == "meaning").to_numpy()
    other_item = item[dropped] != item[to]
    meaning_pair = ~other_item & (meaning[dropped] | meaning[to])
    surface = truth["class"].to_numpy() == "surface"
    summary = {"dropped": len(dropped),
               "auto-drop precision": 1 - (other_item | meaning_pair).mean() if len(dropped) else float("nan"),
               "wrong: other item": int(other_item.sum()), "wrong: meaning rewrite": int(meaning_pair.sum()),
               "surface recall": merged[surface].mean(), "meaning dropped": merged[meaning].mean(),
               "meaning linked": linked[meaning].mean(),
               **{f"recall {k}": same[(truth["kind"] == k).to_numpy()].mean() for k in EDIT}}
    if tool == "ours":  # where the classifier goes wrong: merged share per rewrite template, wrong drops
        rewrite = (truth["kind"] != "base").to_numpy()
        wrong = pd.DataFrame({"dropped": truth["template"].to_numpy()[dropped],
                              "duplicate of": truth["template"].to_numpy()[to]})[other_item | meaning_pair]
        summary["wrong drops by template"] = wrong.value_counts().rename("drops").reset_index()
        summary["merged by template"] = (truth[rewrite].assign(merged=merged[rewrite]).groupby(["class", "template"])
                                         ["merged"].agg(["size", "mean"]).reset_index())
    return per_kind, summary


def main_paraphrase(sizes: list[int], work: Path) -> None:
    """The bench on the paraphrase-rich corpus: the same tools, each in a fresh process, scored per kind."""
    sys.path.insert(0, str(HERE))
    import make_paraphrase_corpus as corpus

    shipped = corpus.shipped_prompts(work / "shipped.parquet")
    prose = corpus.prose_sentences(work)
    speed, summaries, kinds, shape = [], [], [], []
    for n in sizes:
        path = work / f"paraphrase-{n}.parquet"
        truth = corpus.build(n, path, shipped, prose)
        shape.append(corpus_shape(truth))
        outputs = str(work / f"paraphrase-{{tool}}-{n}.parquet")
        for tool, m in measured(path, outputs).items():
            out = Path(outputs.format(tool=tool))
            speed.append({"texts": len(truth), "tool": tool, **m, "texts/s": len(truth) / m["seconds"]})
            print(speed[-1], flush=True)
            if tool in TIMED_ONLY:
                continue
            per_kind, summary = paraphrase_quality(truth, pd.read_parquet(out), tool)
            details = {k: summary.pop(k) for k in list(summary) if k.endswith("by template")}
            if details:
                breakdown = details
            summaries.append({"texts": len(truth), "tool": tool, **summary})
            kinds += [{"texts": len(truth), **k} for k in per_kind]
            print(summaries[-1], flush=True)
    write_paraphrase_results(pd.DataFrame(speed), pd.DataFrame(summaries), pd.DataFrame(kinds), pd.DataFrame(shape),
                             truth, breakdown)


def corpus_shape(truth: pd.DataFrame) -> dict:
    """How paraphrase-rich the corpus is: near pairs by our verification (Jaccard of shingles ≥ the threshold),
    the share of texts in one, and how many join different items (template siblings), to compare with the
    corpus of issue 14 (118k texts, 55k pairs, one text in two in a pair)."""
    from curation.dedup import pairs as nd
    from curation.schema import schemas

    config = schemas().dedup
    forms = nd.forms_of(truth["text"].tolist())
    sig, has = nd.signatures(forms, config)
    a, b, _ = nd.verified(forms, *nd.plausible(len(forms), sig, nd.candidate_pairs(sig, has, config), config),
                          config)
    item = truth["item"].to_numpy()
    return {"texts": len(truth), "base texts": int((truth["kind"] == "base").sum()),
            "surface rewrites": int((truth["class"] == "surface").sum()),
            "meaning rewrites": int((truth["class"] == "meaning").sum()),
            "median length": float(truth["text"].str.len().median()), "near pairs": len(a),
            "pairs per text": len(a) / len(truth),
            "texts in a pair": len(set(a.tolist()) | set(b.tolist())) / len(truth),
            "pairs across items": int((item[a] != item[b]).sum())}


def write_paraphrase_results(speed: pd.DataFrame, summary: pd.DataFrame, kinds: pd.DataFrame, shape: pd.DataFrame,
                             truth: pd.DataFrame, breakdown: dict[str, pd.DataFrame]) -> None:
    """The results file; `truth` and `breakdown` (ours, by template) are those of the largest size."""
    speed = against_rensa(speed)
    table = kinds.pivot_table(index=["texts", "class", "kind", "pairs"], columns="tool",
                              values=["merged", "linked", "found"], sort=False)
    wide = pd.DataFrame({"texts": [i[0] for i in table.index], "class": [i[1] for i in table.index],
                         "kind": [i[2] for i in table.index], "pairs": [i[3] for i in table.index],
                         "ours merged": table[("merged", "ours")].to_numpy(),
                         "ours linked": table[("linked", "ours")].to_numpy(),
                         "ours found": table[("found", "ours")].to_numpy(),
                         **{f"{t} merged": table[("merged", t)].to_numpy()
                            for t in ["ours-detect", "rensa", "datasketch"]}})
    examples = truth.set_index("row")
    sample = truth[truth["kind"] != "base"].drop_duplicates("kind").sort_values(["class", "kind"])
    example_rows = pd.DataFrame({"class": sample["class"], "kind": sample["kind"],
                                 "base": [examples.loc[o, "text"] for o in sample["original_row"]],
                                 "rewrite": sample["text"]})
    lengths = truth["text"].str.len()
    lines = ["# Near-duplicate benchmark: paraphrase-rich corpus", "",
             f"Machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, shared with "
             f"other work: each time is the median of {REPEATS} runs, the tools interleaved (datasketch: one "
             "run). Written by `benchmarks/bench_dedup.py --corpus paraphrase`; corpus by "
             "`benchmarks/make_paraphrase_corpus.py`: templated question families and the shipped prompts "
             f"(median length {lengths.median():.0f} characters at the largest size), each base text given with "
             "probability 0.3 one surface rewrite (the same request: should be merged) and 0.3 one meaning rewrite "
             "(a different request: linked for review, never merged). Template siblings (one content word apart) "
             "are different items.", "",
             "Merged: the rewrite and its base resolve to one kept row. Linked: same cluster, both kept (ours only; "
             "the peers and ours-detect merge every cluster). A drop is right when the dropped row and its "
             "`duplicate_of` are the same item and neither is a meaning rewrite.", "",
             FLOOR_NOTE, "", "## The corpus", "", markdown(shape), "",
             "## Speed and memory (whole command: read, normalize, detect, classify, write)", "",
             markdown(speed), "", "## Automatic drops and totals", "", markdown(summary), "",
             "## Per rewrite kind (surface: merged is recall; meaning: merged is a wrong drop)", "",
             markdown(wide), "", "## Ours at the largest size, by template (template = family/kind)", "",
             "Share merged into the base's cluster per rewrite template (surface: should be 1; meaning: must be 0):",
             "", markdown(breakdown["merged by template"].rename(columns={"size": "rewrites", "mean": "merged"})), "",
             "Wrong automatic drops (dropped row's template, its `duplicate_of`'s template):", "",
             markdown(breakdown["wrong drops by template"]), "",
             "## One example per kind", "", markdown(example_rows), ""]
    (HERE / "results-dedup-paraphrase.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
