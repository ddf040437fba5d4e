"""Benchmark: quality of the tagger (viewpoint and borderline suggestions, regions, sensitive topics,
personal data) on the hand-labelled evaluation set `tagging_eval.jsonl`, written for this project
independently of the lexicons; and its speed on real Japanese sentences (Aozora Bunko).

    make bench                       # writes benchmarks/results-tagging.md

Targets (README): personal-data recall 1.0 on every seeded kind, no hit on the near-miss negatives.
Suggestion quality is printed as measured, whatever it is.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from curation.schema import schemas  # noqa: E402
from curation.tagging.tagger import set_scores, tag_text  # noqa: E402

EVAL = HERE / "tagging_eval.jsonl"
CORPUS = HERE.parent.parent / "shared" / "bench" / "aozora_sentences.parquet"


def prf(p: float, r: float) -> str:
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"{p:.3f} | {r:.3f} | {f:.3f}"


def quality(items: list[dict]) -> list[str]:
    tags = [tag_text(i["text"], i["label"]) for i in items]
    scored = {c for i in items for c in i["region_topics"]}  # topics the set was written for
    out = ["## Quality on the evaluation set", "", f"{len(items)} items (`benchmarks/tagging_eval.jsonl`, see "
           "`tagging_eval.md`). Micro precision / recall / F1 over the codes of each item.", "",
           "| task | precision | recall | F1 |", "|---|---|---|---|"]
    rows = [
        ("viewpoints (every viewpoint)", [t.suggested_viewpoints for t in tags], [i["viewpoints"] for i in items]),
        ("borderline candidates (label known)", [[True] if t.suggested_borderline else [] for t in tags],
         [[True] if i["borderline"] else [] for i in items]),
        ("regions (places named)", [t.regions for t in tags], [i["regions"] for i in items]),
        ("Japan-specific sensitive topics (the set's 12)", [[c for c in t.region_topics if c in scored] for t in tags],
         [i["region_topics"] for i in items]),
    ]
    for name, predicted, gold in rows:
        out.append(f"| {name} | {prf(*set_scores(predicted, gold))} |")
    labelled = [(t, i) for t, i in zip(tags, items) if i["viewpoints"]]  # near-miss items probe no viewpoint
    primary = sum(bool(t.suggested_viewpoints) and t.suggested_viewpoints[0] == i["viewpoints"][0]
                  for t, i in labelled) / len(labelled)
    out += ["", f"First suggested viewpoint = gold primary viewpoint: {primary:.3f} (over the {len(labelled)} "
            "items that probe a viewpoint).", "",
            "Per viewpoint:", "", "| viewpoint | items | precision | recall | F1 |", "|---|---|---|---|---|"]
    for v in schemas().viewpoints:
        code = v["code"]
        predicted = [[code] if code in t.suggested_viewpoints else [] for t in tags]
        gold = [[code] if code in i["viewpoints"] else [] for i in items]
        out.append(f"| {code} | {sum(map(bool, gold))} | {prf(*set_scores(predicted, gold))} |")
    out += ["", "## Personal data (span-exact)", "",
            "A hit counts when kind, start and end all equal the gold span. Near misses are items with no "
            "personal data that look like it (wrong check digits, dates, prices, order numbers...).", "",
            "| kind | gold spans | found | recall | false hits |", "|---|---|---|---|---|"]
    gold_spans = {(n, h["kind"], h["start"], h["end"]) for n, i in enumerate(items) for h in i["pii"]}
    found = {(n, h["kind"], h["start"], h["end"]) for n, t in enumerate(tags) for h in t.pii}
    for kind in [k["code"] for k in schemas().taxonomy["personal_data_kinds"]]:
        g = {s for s in gold_spans if s[1] == kind}
        f = {s for s in found if s[1] == kind}
        out.append(f"| {kind} | {len(g)} | {len(g & f)} | {len(g & f) / len(g) if g else 1:.3f} | {len(f - g)} |")
    negatives = [n for n, i in enumerate(items) if not i["pii"]]
    flagged = [n for n in negatives if tags[n].pii]
    out += ["", f"Items without personal data: {len(negatives)}; flagged by mistake: {len(flagged)}."]
    for n in flagged:
        out.append(f"- {items[n]['id']}: " + ", ".join(f"{h['kind']} {items[n]['text'][h['start']:h['end']]!r}"
                                                      for h in tags[n].pii))
    missed = sorted(gold_spans - found)
    if missed:
        out += ["", "Missed or misplaced spans:"]
        out += [f"- {items[n]['id']} {kind}: {items[n]['text'][s:e]!r}" for n, kind, s, e in missed]
    return out


def speed(size: int) -> list[str]:
    texts = pd.read_parquet(CORPUS, columns=["text"])["text"].head(size).tolist()
    tag_text("準備")  # load the dictionary and lexicons outside the timing
    start = time.perf_counter()
    kinds = Counter()
    for text in texts:
        kinds.update(h["kind"] for h in tag_text(text).pii)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ["## Speed", "", f"{len(texts):,} Aozora sentences (median {int(pd.Series(texts).str.len().median())} "
            f"characters), one process: {len(texts) / seconds:,.0f} texts/s, peak {peak:,.0f} MB.", "",
            "Personal-data hits in this literary text (person names are characters' names): "
            + ", ".join(f"{k} {v}" for k, v in kinds.most_common()) + "."]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20000, help="Aozora sentences for the speed run")
    parser.add_argument("--out", default=str(HERE / "results-tagging.md"))
    args = parser.parse_args()
    items = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    text = "\n".join(["# Tagging benchmark", "", *quality(items), "", *speed(args.size), ""])
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
