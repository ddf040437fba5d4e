"""Benchmark: ingest and the whole release on large crowd CSVs, against pandas reading the same file.

Corpus: real Japanese sentences no one here wrote (../shared/bench/aozora_sentences.parquet, Aozora
Bunko, public domain), written as the crowd template in CP932 exactly as Excel saves it, with 5% of
rows repeated in another width/spacing (exact duplicates) so dedup has work to do. Each measurement
runs in a fresh process so peak memory (ru_maxrss) is its own.

    make bench                       # writes benchmarks/results.md
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "bench" / "aozora_sentences.parquet"
# 架空データ: literature names its characters, which personal-data screening would otherwise stop.
HEADER = ["回答ID", "ワーカーID", "投稿日時", "プロンプト", "評価観点", "目標ID", "回答可否", "架空データ"]
VIEWPOINTS = ["有害情報の出力制御", "偽誤情報の出力・誘導の防止", "公平性と包摂性", "プライバシー保護",
              "セキュリティ確保"]


def build_raw(raw: Path, n: int) -> None:
    texts = pd.read_parquet(CORPUS, columns=["text"])["text"]
    texts = texts[texts.map(lambda t: _encodable(t))].head(int(n * 0.95)).tolist()
    # 5% exact duplicates in another form: full width and an ideographic space
    texts += [unicodedata.normalize("NFKC", t).replace("、", "　、") for t in texts[: n - len(texts)]]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for i, text in enumerate(texts):
        writer.writerow([f"R-{i:07d}", f"W{i % 997:07d}", "2026/09/01 10:00", text, VIEWPOINTS[i % 5],
                         "", "回答すべき" if i % 3 else "回答すべきでない", "はい"])
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "crowd.csv").write_bytes(buffer.getvalue().encode("cp932"))
    (raw / "bench.key").write_text("benchmark key")
    (raw / "sources.yaml").write_text(
        "pseudonym_key_file: bench.key\nsources:\n- {name: crowd, path: crowd.csv, format: crowd-csv, "
        "origin: crowd, license: CC-BY-4.0}\n", encoding="utf-8")


def _encodable(text: str) -> bool:
    try:
        text.encode("cp932")
        return True
    except UnicodeEncodeError:
        return False


def measure(step: str, raw: Path) -> dict:
    """Runs one step in this process (called in a child) and returns seconds and peak RSS."""
    start = time.perf_counter()
    if step == "pandas.read_csv (peer floor)":
        rows = len(pd.read_csv(raw / "crowd.csv", encoding="cp932", dtype=str))
    elif step == "curation ingest":
        from curation.ingest import ingest, load_sources
        rows = len(ingest(load_sources(raw))[0])
    else:
        from curation.pipeline import release
        with tempfile.TemporaryDirectory() as out:
            result = release(raw, Path(out))
            rows = json.loads((result.path / "manifest.json").read_text())["accounting"]["input records"]
    seconds = time.perf_counter() - start
    return {"step": step, "rows": rows, "seconds": seconds,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


STEPS = ["pandas.read_csv (peer floor)", "curation ingest", "curation release (whole pipeline)"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,50000,200000")
    parser.add_argument("--out", default=str(HERE / "results.md"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], Path(args.child[1]))))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            raw = Path(tmp) / f"raw-{n}"
            build_raw(raw, n)
            for step in STEPS:
                run = subprocess.run([sys.executable, __file__, "--child", step, str(raw)],
                                     capture_output=True, text=True, check=True)
                results.append({"n": n, **json.loads(run.stdout.splitlines()[-1])})
                r = results[-1]
                print(f"{n:>8} {step:<36} {r['seconds']:7.2f} s {r['rows'] / r['seconds']:>9.0f} rows/s "
                      f"{r['peak_mb']:7.0f} MB", flush=True)
    lines = ["# Release pipeline benchmark", "",
             f"Machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores. "
             "Corpus: Aozora Bunko sentences as a CP932 crowd CSV, 5% exact duplicates in another width.", "",
             "| rows | step | seconds | rows/s | peak MB | time vs pandas.read_csv |", "|---|---|---|---|---|---|"]
    for r in results:
        floor = next(x for x in results if x["n"] == r["n"] and x["step"] == STEPS[0])
        lines.append(f"| {r['n']:,} | {r['step']} | {r['seconds']:.2f} | {r['rows'] / r['seconds']:,.0f} | "
                     f"{r['peak_mb']:.0f} | {r['seconds'] / floor['seconds']:.1f}× |")
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
