"""Near duplicates: texts that differ by a few characters, found, verified and classified by what differs.

1. Candidates: MinHash over character n-grams of the matching form, banded (LSH); numpy, both cores.
2. Verified: the real Jaccard similarity of the two n-gram sets, at or above the configured threshold.
3. Classified (fugashi + UniDic on the words that differ, tokenized in a window around them): a `surface`
   variant (spelling, kana, particles, auxiliaries, punctuation, filler) may be merged; a changed `number`,
   `negation`, `content` word, a shared `template`, or different `labels` is linked for review and never
   merged: minimal pairs are the benchmark's items. When unsure, review. Steps 2-3 run in two worker
   processes when there are many candidates; normalizing a long list too.
4. Grouped: a cluster is every text linked to another; within a cluster only texts joined by surface pairs
   (and no review pair among them) are merged, the first in keep order kept.

The parameters are in schemas/dedup.yaml. `find_pairs` and `resolve` work on plain lists, so that the
release pipeline (`collapse_near`) and `curation dedup` (any table) share them.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from . import workers
from .japanese import Words, words
from .normalize import THOUSANDS, matching_forms
from .report import StageReport
from .schema import schemas

SURFACE = "surface"
REVIEW_ORDER = ["labels", "negation", "number", "template", "content"]  # the first that applies names the pair
PARALLEL_PAIRS = 4000  # fewer candidate pairs than this are checked in this process (workers cost more)
PARALLEL_FORMS = 200_000  # texts normalized in this process below this
CHUNK = 1 << 12  # shingles hashed at a time: the (hashes, chunk) block stays in cache
PART = 1 << 14  # forms shingled at a time


# -- 0. matching forms ------------------------------------------------------------------------------

def forms_of(texts: list[str]) -> list[str]:
    """Matching forms (normalize.matching_forms), of a long list in worker processes."""
    if len(texts) < PARALLEL_FORMS:
        return matching_forms(texts)
    cuts = np.linspace(0, len(texts), workers.CORES * 4 + 1).astype(int)
    return [f for part in workers.in_workers(forms_job, list(zip(cuts[:-1], cuts[1:])), (texts,)) for f in part]


def forms_job(bounds: tuple[int, int]) -> list[str]:
    return matching_forms(workers.SHARED[0][bounds[0]:bounds[1]])


@dataclass
class Pairs:
    """Verified near pairs between positions of the input lists (a < b), with class and reason."""
    a: np.ndarray
    b: np.ndarray
    similarity: np.ndarray
    pair_class: list[str]
    reason: list[str]


# -- 1. candidates -----------------------------------------------------------------------------------

def shingles(forms: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every form's character n-grams hashed to 32 bits, concatenated, and where each form's run starts.
    A form shorter than n is one shingle; an empty form has none (it is never a candidate)."""
    lengths = np.fromiter((len(f) for f in forms), dtype=np.int64, count=len(forms))
    codes = np.frombuffer("".join(forms).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    counts = np.where(lengths >= n, lengths - n + 1, np.minimum(lengths, 1))
    owner_start = np.repeat(starts, counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    value = np.zeros(len(owner_start), dtype=np.uint64)
    width = np.repeat(np.minimum(lengths, n), counts)
    for k in range(n):  # code points below 2^21: n of them fit one 64-bit value for n <= 3
        present = k < width
        idx = np.where(present, owner_start + offset + k, 0)
        value = (value << np.uint64(21)) | np.where(present, codes[idx] if len(codes) else 0, 0).astype(np.uint64)
    mixed = (value * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)
    return mixed.astype(np.uint32), np.concatenate([[0], np.cumsum(counts)])


def signatures(forms: list[str], config: dict) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures (one row per form, rows × bands values) and which forms have any shingle.
    Hash k is a_k·x + b_k mod 2^32 over the (already mixed) 32-bit shingle x: a permutation of 32-bit
    values, and SIMD-fast in numpy, which 64-bit multiplication is not. Forms are shingled a part at a
    time, so that memory holds the signatures, not every shingle."""
    k = config["rows"] * config["bands"]
    rng = np.random.default_rng(config["seed"])
    a = (rng.integers(0, 2**32, size=k, dtype=np.uint64) | np.uint64(1)).astype(np.uint32)[:, None]
    b = rng.integers(0, 2**32, size=k, dtype=np.uint64).astype(np.uint32)[:, None]
    out = np.full((len(forms), k), np.iinfo(np.uint32).max, dtype=np.uint32)
    has = np.zeros(len(forms), dtype=bool)

    def part(lo: int, hi: int) -> None:  # forms[lo:hi]
        values, bounds = shingles(forms[lo:hi], config["shingle"])
        has[lo:hi] = np.diff(bounds) > 0
        docs = np.flatnonzero(has[lo:hi])
        if not len(docs):
            return
        ends = bounds[docs + 1]
        cuts = np.unique(np.concatenate([[0], np.searchsorted(ends, np.arange(CHUNK, ends[-1], CHUNK)),
                                         [len(docs)]]).astype(np.int64))
        for start, stop in zip(cuts[:-1].tolist(), cuts[1:].tolist()):  # whole forms, about CHUNK shingles
            first = bounds[docs[start]]
            hashed = a * values[first:ends[stop - 1]][None, :] + b  # (hashes, shingles): reduceat along rows
            out[lo + docs[start:stop]] = np.minimum.reduceat(hashed, bounds[docs[start:stop]] - first, axis=1).T

    with ThreadPoolExecutor(workers.CORES) as pool:  # numpy releases the GIL in the hashing
        list(pool.map(lambda lh: part(*lh), [(lo, min(lo + PART, len(forms))) for lo in range(0, len(forms), PART)]))
    return out, has


def candidate_pairs(sig: np.ndarray, has: np.ndarray, config: dict) -> np.ndarray:
    """Pairs (a < b, as a·n + b) of forms that agree on all rows of at least one band."""
    n, rows, cap = len(sig), config["rows"], config["max_bucket"]
    docs = np.flatnonzero(has)

    def band(j: int) -> np.ndarray:
        part = sig[docs, j * rows:(j + 1) * rows].astype(np.uint64)
        key = np.zeros(len(docs), dtype=np.uint64)
        for c in range(rows):
            key = (key ^ part[:, c]) * np.uint64(0x100000001B3) + np.uint64(c)
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        found = []
        for d in range(1, cap + 1):  # members d apart in a bucket; larger buckets: nearest `cap` only
            same = ordered[d:] == ordered[:-d]
            if not same.any():
                break
            left, right = docs[order[:-d][same]], docs[order[d:][same]]
            found.append(np.minimum(left, right).astype(np.uint64) * np.uint64(n) + np.maximum(left, right))
        return np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)

    with ThreadPoolExecutor(workers.CORES) as pool:  # and in the sorting
        found = list(pool.map(band, range(config["bands"])))
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.uint64)


# -- 2. verified -------------------------------------------------------------------------------------

def plausible(n: int, sig: np.ndarray, pairs: np.ndarray, config: dict) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of the candidates (a·n + b) whose signature estimate is not far below the threshold (four
    standard errors): cheap, in numpy, and it discards most candidates before the exact check."""
    a, b = (pairs // np.uint64(n)).astype(np.int64), (pairs % np.uint64(n)).astype(np.int64)
    k = sig.shape[1]
    estimate = np.concatenate([(sig[a[i:i + CHUNK]] == sig[b[i:i + CHUNK]]).mean(axis=1)
                               for i in range(0, len(a), CHUNK)]) if len(a) else np.zeros(0)
    threshold = config["threshold"]
    keep = estimate >= threshold - 4 * np.sqrt(threshold * (1 - threshold) / k)
    return a[keep], b[keep]


def verified(forms: list[str], a: np.ndarray, b: np.ndarray, config: dict):
    """(a, b, Jaccard) of the pairs whose real n-gram Jaccard reaches the threshold."""
    grams = ngram_sets(config["shingle"])
    similarity = np.array([jaccard(grams(forms[i]), grams(forms[j])) for i, j in zip(a.tolist(), b.tolist())])
    keep = similarity >= config["threshold"] if len(a) else np.zeros(0, dtype=bool)
    return a[keep], b[keep], similarity[keep] if len(a) else np.zeros(0)


def ngram_sets(n: int):
    """A form's set of character n-grams (the form itself when shorter), built by C-level zip and join."""
    def grams(form: str) -> frozenset:
        return frozenset(map("".join, zip(*(form[k:] for k in range(n))))) if len(form) >= n else frozenset([form])

    return lru_cache(maxsize=1 << 12)(grams)  # pairs come sorted by their first text: a small cache hits


def jaccard(x: frozenset, y: frozenset) -> float:
    return len(x & y) / len(x | y) if x or y else 1.0


# -- 3. classified -----------------------------------------------------------------------------------

def script(char: str) -> int:
    """The writing a character belongs to (0: none, e.g. punctuation): windows are cut only where it changes."""
    c = ord(char)
    if 0x3040 <= c < 0x30A0:
        return 1  # hiragana
    if 0x30A0 <= c < 0x3100:
        return 2  # katakana, ー
    if 0x3400 <= c < 0xA000 or 0xF900 <= c < 0xFB00 or c == 0x3005:
        return 3  # kanji, 々
    return 4 if char.isalnum() else 0


def shared_ends(a, b) -> tuple[int, int]:
    """How many first and how many last items two sequences share (not overlapping)."""
    n = min(len(a), len(b))
    head = 0
    while head < n and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < n - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


def differing_windows(a: str, b: str, context: int) -> tuple[str, str]:
    """Both texts cut to what differs between them plus `context` shared characters on each side, widened to
    where the writing changes (so a katakana or kanji word is not cut; a window may start at a word's
    okurigana, which is the same in both texts). Tokenizing is the cost of classifying a pair, and the
    words UniDic finds where the texts differ do not depend on text further away."""
    p, s = shared_ends(a, b)
    start = max(0, p - context)
    while start > 0 and script(a[start - 1]) == script(a[start]) != 0:
        start -= 1
    cut = max(0, s - context)  # shared characters left off the end
    while cut > 0 and script(a[-cut - 1]) == script(a[-cut]) != 0:
        cut -= 1
    return a[start:len(a) - cut], b[start:len(b) - cut]


@lru_cache(maxsize=1 << 16)
def spelling(surface: str) -> str:
    """Kana spelled alike, punctuation and spaces ignored: katakana as hiragana, small katakana as large
    (シヨン = ション, a typo). Small hiragana stay: びょういん (病院) is not びよういん (美容院)."""
    folded = unicodedata.normalize("NFKC", surface).casefold().translate(KANA)
    return "".join(c for c in folded if c.isalnum() or c == "ー")


KANA = {**{cp: cp - 0x60 for cp in range(0x30A1, 0x30F7)},
        **str.maketrans("ァィゥェォッャュョヮヵヶ", "あいうえおつやゆよわかけ")}
NUMBER = re.compile(r"[0-9]+(?:[^\w]+[0-9]+)*")


def numbers(folded: str) -> list[str]:
    """The numbers in a text as the matching form reads them: separators between digits kept (1.5 is not
    15), spaces and thousands commas dropped."""
    return [re.sub(r"\s", "", THOUSANDS.sub("", n)) for n in NUMBER.findall(folded)]


def word_kind(surface: str, pos1: str, pos2: str, lemma: str, config: dict) -> str:
    if pos2 == "数詞" or any(c.isdigit() for c in surface):
        return "number"
    if lemma in config["negations"] and pos1 in ("助動詞", "形容詞", "接頭辞"):
        return "negation"
    if lemma in config["meaning_auxiliaries"] and pos1 == "助動詞":
        return "content"
    if pos1 in config["function_pos"] or pos2 == config["auxiliary_pos2"]:
        return SURFACE
    return "content"


def changed_words(w: Words, lo: int, hi: int) -> list[tuple[str, str, str, str]]:
    return list(zip(w.surface[lo:hi], w.pos1[lo:hi], w.pos2[lo:hi], w.lemma[lo:hi]))


def differing_words(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes between two word lists, matched after their shared first and last words (the
    context around what differs), which costs most of the time when done by difflib."""
    lo, hi = shared_ends(a, b)
    ma, mb = a[lo:len(a) - hi], b[lo:len(b) - hi]
    if not ma or not mb or set(ma).isdisjoint(mb):  # one change: what difflib would say, without it
        return [("replace" if ma and mb else "delete" if ma else "insert", lo, len(a) - hi, lo, len(b) - hi)] \
            if ma or mb else []
    middle = difflib.SequenceMatcher(None, ma, mb, autojunk=False).get_opcodes()
    return [(op, i1 + lo, i2 + lo, j1 + lo, j2 + lo) for op, i1, i2, j1, j2 in middle if op != "equal"]


def classify_text(text_a: str, text_b: str, config: dict) -> tuple[str, str]:
    """What differs between two texts, as (class, reason in words)."""
    # Words are compared by lemma where UniDic knows them (買う = 買わ, ホント = ほんと = 本当).
    window_a, window_b = differing_windows(*(unicodedata.normalize("NFKC", t).casefold() for t in (text_a, text_b)),
                                           config["window"])
    wa, wb = words(window_a), words(window_b)
    ops = differing_words(wa.lemma, wb.lemma)
    fillers = {spelling(f) for f in config["fillers"]}  # a handful, each cached
    kinds: dict[str, list[str]] = {}
    content_words = 0
    for op, i1, i2, j1, j2 in ops:
        left, right = "".join(wa.surface[i1:i2]), "".join(wb.surface[j1:j2])
        shown = f"{left or '∅'} → {right or '∅'}"
        changed = [word_kind(*w, config) for w in changed_words(wa, i1, i2) + changed_words(wb, j1, j2)]
        content_words += changed.count("content")
        if spelling(left) == spelling(right):
            kinds.setdefault(SURFACE, []).append(f"spelling {shown}")
            continue
        if not left.strip() and spelling(right) in fillers or not right.strip() and spelling(left) in fillers:
            kinds.setdefault(SURFACE, []).append(f"filler {shown}")
            continue
        for kind in set(changed) - {SURFACE} or {SURFACE}:
            kinds.setdefault(kind, []).append(shown)
    numbers_a, numbers_b = numbers(window_a), numbers(window_b)
    if "number" not in kinds and numbers_a != numbers_b:  # 1.5錠 / 15錠: only a separator differs
        kinds["number"] = [f"{' '.join(numbers_a) or '∅'} → {' '.join(numbers_b) or '∅'}"]
    if "content" in kinds and content_words > config["template_words"]:
        kinds["template"] = kinds.pop("content")
    for kind in REVIEW_ORDER:
        if kind in kinds:
            return kind, f"{kind} changed: " + "; ".join(kinds[kind][:3]) if kind != "template" else \
                "shared template, different words: " + "; ".join(kinds[kind][:3])
    return SURFACE, "surface variant: " + ("; ".join(kinds.get(SURFACE, [])[:3]) or
                                   "the same words (UniDic lemmas), written differently")


def classify_part(texts: list[str], a: np.ndarray, b: np.ndarray, labels: list | None, config: dict):
    """Class and reason of each pair; different labels (when `labels` are given) go to review first."""
    classes, reasons = [], []
    for i, j in zip(a.tolist(), b.tolist()):
        if labels is not None and labels[i] != labels[j]:
            classes.append("labels")
            reasons.append(f"different labels: {labels[i]} vs {labels[j]}")
            continue
        kind, reason = classify_text(texts[i], texts[j], config)
        classes.append(kind)
        reasons.append(reason)
    return classes, reasons


def find_pairs(texts: list[str], forms: list[str], labels: list | None = None,
               config: dict | None = None) -> Pairs:
    """Verified, classified near pairs among texts (distinct matching forms, or different labels). Many
    candidates are verified and classified in worker processes: tokenizing is the cost, and MeCab holds
    the GIL."""
    config = config or schemas().dedup
    if len(forms) < 2:
        return Pairs(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), [], [])
    sig, has = signatures(forms, config)
    a, b = plausible(len(forms), sig, candidate_pairs(sig, has, config), config)
    del sig
    if len(a) < PARALLEL_PAIRS:
        parts = [near_part(texts, forms, labels, config, a, b)]
    else:
        parts = workers.in_workers(near_job, np.array_split(np.stack([a, b], axis=1), workers.CORES * 8),
                                   (texts, forms, labels, config))
    return Pairs(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                 np.concatenate([p[2] for p in parts]), [c for p in parts for c in p[3]],
                 [r for p in parts for r in p[4]])


def near_job(pairs: np.ndarray):
    return near_part(*workers.SHARED, pairs[:, 0], pairs[:, 1])


def near_part(texts: list[str], forms: list[str], labels: list | None, config: dict, a: np.ndarray, b: np.ndarray):
    a, b, similarity = verified(forms, a, b, config)
    return (a, b, similarity, *classify_part(texts, a, b, labels, config))


# -- 4. grouped --------------------------------------------------------------------------------------

def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components: the smallest position of each position's component. Labels spread along the
    pairs and jump to their label's label until nothing changes (clusters are small: a few rounds)."""
    label = np.arange(n)
    while True:
        smaller = np.minimum(label[a], label[b])
        spread = label.copy()
        np.minimum.at(spread, a, smaller)
        np.minimum.at(spread, b, smaller)
        spread = spread[spread]
        if np.array_equal(spread, label):
            return label
        label = spread


@dataclass
class Resolution:
    """Per position: its cluster (None: near nothing), the position it duplicates (-1: kept), and the
    similarity, class and reason of its closest pair (its pair with the kept text when merged)."""
    cluster: list[int | None]
    duplicate_of: np.ndarray
    similarity: list[float | None]
    pair_class: list[str | None]
    reason: list[str | None]


def resolve(n: int, pairs: Pairs, rank: np.ndarray, fixed: np.ndarray | None = None) -> Resolution:
    """Clusters and merges. `rank`: keep order (lower is kept first). `fixed`: positions that are never
    merged into another (earlier releases' records no longer in the batch): their pairs are only linked."""
    fixed = np.zeros(n, dtype=bool) if fixed is None else fixed
    cluster = components(n, pairs.a, pairs.b)
    surface = np.array([c == SURFACE for c in pairs.pair_class], dtype=bool)
    merge = surface & ~fixed[pairs.a] & ~fixed[pairs.b]
    group = components(n, pairs.a[merge], pairs.b[merge])
    # A review pair inside a merge group: the group is not merged (a minimal pair might hide in a chain).
    review = ~surface
    unsure = set(group[pairs.a[review]][group[pairs.a[review]] == group[pairs.b[review]]].tolist())
    group = np.where(np.isin(group, list(unsure)), np.arange(n), group)
    order = np.argsort(rank, kind="stable")
    _, first = np.unique(group[order], return_index=True)
    keeper = np.zeros(n, dtype=np.int64)
    keeper[group[order[first]]] = order[first]  # each group's first position in keep order
    duplicate_of = np.where(keeper[group] != np.arange(n), keeper[group], -1)
    linked = np.zeros(n, dtype=bool)
    linked[pairs.a] = linked[pairs.b] = True
    # Each position's pair to show: the one with the text it duplicates, else the closest, else the first.
    me, other = np.concatenate([pairs.a, pairs.b]), np.concatenate([pairs.b, pairs.a])
    seq = np.concatenate([np.arange(len(pairs.a)) * 2, np.arange(len(pairs.a)) * 2 + 1])
    similarity = np.concatenate([pairs.similarity, pairs.similarity])
    order = np.lexsort((seq, -similarity, duplicate_of[me] != other, me))
    _, first = np.unique(me[order], return_index=True)
    chosen = np.full(n, -1, dtype=np.int64)
    chosen[me[order[first]]] = seq[order[first]] // 2
    classes = np.array([*pairs.pair_class, None], dtype=object)[chosen]
    reasons = np.array([*pairs.reason, None], dtype=object)[chosen]
    return Resolution(
        cluster=[int(c) if l else None for c, l in zip(cluster.tolist(), linked.tolist())],
        duplicate_of=duplicate_of,
        similarity=[None if c < 0 else round(float(pairs.similarity[c]), 4) for c in chosen.tolist()],
        pair_class=classes.tolist(),
        reason=reasons.tolist(),
    )


def cluster_name(keys: list[str]) -> str:
    """A stable cluster id from its members' keys: the same texts give the same id in every run."""
    return "nd-" + hashlib.sha256("\n".join(sorted(keys)).encode("utf-8")).hexdigest()[:12]


def cluster_ids(resolution: Resolution, keys: list[str]) -> list[str | None]:
    members: dict[int, list[str]] = {}
    for c, key in zip(resolution.cluster, keys):
        if c is not None:
            members.setdefault(c, []).append(key)
    names = {c: cluster_name(m) for c, m in members.items()}
    return [names[c] if c is not None else None for c in resolution.cluster]


# -- the release pipeline's near tier ----------------------------------------------------------------

LINE_FIELDS = ["cluster_id", "similarity", "pair_class", "near_reason"]


def judgement(rec: dict) -> str:
    """What a pair must agree on to be merged: the label, borderline and the primary viewpoint."""
    return f"{rec['label']}, {'borderline' if rec['borderline'] else 'not borderline'}, {rec['primary_viewpoint']}"


def collapse_near(table: pd.DataFrame, released: dict[str, dict]) -> tuple[pd.DataFrame, pd.DataFrame, StageReport]:
    """The near tier over the records the exact tier kept, across all sources and against `released`
    (id -> newest released record) whose prompt the batch no longer holds. Surface variants become
    `duplicate` (`duplicate_of_key`: the record kept, in keep order); everything linked gets `cluster_id`,
    `similarity`, `pair_class`, `near_reason`. Returns the table, the released records that joined a
    cluster (id, split and the same fields; they decide splits), and the report."""
    from .dedup import keep_order

    report = StageReport("dedup (near)")
    table = table.copy()
    batch = keep_order(table[table["outcome"] == "kept"])
    held = set(batch["match_form"])
    earlier = list(released.values())
    anchors = [{**r, "form": f} for r, f in zip(earlier, matching_forms([r["text"] for r in earlier])) if f not in held]
    keys = batch["input_key"].tolist() + [r["id"] for r in anchors]
    texts = batch["text"].tolist() + [r["text"] for r in anchors]
    forms = batch["match_form"].tolist() + [r["form"] for r in anchors]
    judged = ["label", "borderline", "primary_viewpoint"]
    labels = [judgement(r) for r in batch[judged].to_dict("records")] + [judgement(r) for r in anchors]
    pairs = find_pairs(texts, forms, labels)
    fixed = np.arange(len(keys)) >= len(batch)
    res = resolve(len(keys), pairs, np.arange(len(keys)), fixed)
    names = cluster_ids(res, keys)
    fields = pd.DataFrame({"cluster_id": names, "similarity": res.similarity, "pair_class": res.pair_class,
                           "near_reason": res.reason, "target": [keys[t] if t >= 0 else None for t in res.duplicate_of]},
                          index=[*batch.index, *range(-len(anchors), 0)])
    ours = fields.iloc[:len(batch)]
    dropped = ours.index[ours["target"].notna()]
    table.loc[dropped, "outcome"] = "duplicate"
    table.loc[dropped, "duplicate_of_key"] = ours.loc[dropped, "target"]
    # Exact copies of a record that is now a near duplicate point at the record kept in its place.
    final = dict(zip(table.loc[dropped, "input_key"], ours.loc[dropped, "target"]))
    exact = table["outcome"].eq("duplicate") & ~table.index.isin(dropped)
    table.loc[exact, "duplicate_of_key"] = table.loc[exact, "duplicate_of_key"].map(lambda k: final.get(k, k))
    for column in LINE_FIELDS:
        table[column] = ours[column].reindex(table.index)
    cluster_of = dict(zip(table["input_key"], table["cluster_id"]))
    table.loc[exact, "cluster_id"] = table.loc[exact, "duplicate_of_key"].map(cluster_of)
    table.loc[exact, ["similarity", "pair_class", "near_reason"]] = [1.0, "exact", "same matching form"]
    linked = fields.iloc[len(batch):]
    anchor_rows = pd.DataFrame([{**a, **row} for a, row in zip(anchors, linked[LINE_FIELDS].to_dict("records"))
                                if row["cluster_id"] is not None], columns=["id", "text", "split", *LINE_FIELDS])
    classes = pd.Series(pairs.pair_class, dtype=object).value_counts()
    report.counts = {"near pairs": len(pairs.a), **{f"pairs: {c}": int(n) for c, n in classes.items()},
                     "clusters": int(ours["cluster_id"].nunique()), "dropped as near duplicate": len(dropped),
                     "near earlier releases only": len(anchor_rows)}
    for cluster, members in table[table["cluster_id"].notna() & table["pair_class"].ne("exact")].groupby(
            "cluster_id", sort=True):
        if (members["outcome"] == "kept").sum() > 1:
            report.notes.append(f"for review ({cluster}): {', '.join(members['where'])}")
    return table, anchor_rows, report


# -- the review report -------------------------------------------------------------------------------

def marked(a: str, b: str) -> tuple[str, str]:
    """Both texts with the characters that differ between them in ⟦ ⟧."""
    out_a, out_b = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        same = op == "equal"
        out_a.append(a[i1:i2] if same or i1 == i2 else f"⟦{a[i1:i2]}⟧")
        out_b.append(b[j1:j2] if same or j1 == j2 else f"⟦{b[j1:j2]}⟧")
    return "".join(out_a), "".join(out_b)


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", "⏎") if text is not None else ""


def near_markdown(table: pd.DataFrame, near_released: pd.DataFrame, split_of: dict[str, str]) -> str:
    """Every cluster: its members beside the text they were compared with (the kept one), differences marked."""
    linked = table[table["cluster_id"].notna() & table["pair_class"].ne("exact")]
    members = pd.concat([
        pd.DataFrame({"cluster_id": linked["cluster_id"], "record": linked["where"], "text": linked["text"],
                      "outcome": linked["outcome"], "id": linked["id"].where(linked["outcome"] == "kept",
                                                                              linked["duplicate_of"]),
                      "pair_class": linked["pair_class"], "similarity": linked["similarity"],
                      "reason": linked["near_reason"]}),
        pd.DataFrame({"cluster_id": near_released["cluster_id"], "record": near_released["id"],
                      "text": near_released["text"], "outcome": "released earlier only", "id": near_released["id"],
                      "pair_class": near_released["pair_class"], "similarity": near_released["similarity"],
                      "reason": near_released["near_reason"]}),
    ], ignore_index=True)
    merged = linked[linked["outcome"] == "duplicate"]["cluster_id"].nunique()
    lines = [
        "# Near duplicates", "",
        f"{members['cluster_id'].nunique()} clusters of texts near each other; {merged} with surface variants "
        "dropped as duplicates of the record kept. Records kept side by side in a cluster are linked for "
        "review (minimal pairs, different labels, a shared template) and share a split. Characters that differ "
        "from the first record of the cluster are marked ⟦like this⟧.", "",
    ]
    members["_first"] = members["outcome"].map({"kept": 0, "released earlier only": 1}).fillna(2)
    for cluster, group in members.sort_values(["cluster_id", "_first", "id", "record"]).groupby("cluster_id"):
        first = group.iloc[0]
        classes = ", ".join(sorted(set(group["pair_class"].dropna())))
        lines += [f"## {cluster} ({classes})", "",
                  f"First: {cell(first['record'])} → `{first['id']}` ({first['outcome']}, "
                  f"{split_of.get(first['id'], 'earlier release')}): {cell(first['text'])}", "",
                  "| record | outcome | id | split | class | similarity | first record | this record | reason |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for rec in group.iloc[1:].to_dict("records"):
            left, right = marked(first["text"], rec["text"])
            lines.append(f"| {cell(rec['record'])} | {rec['outcome']} | `{rec['id']}` | "
                         f"{split_of.get(rec['id'], 'earlier release')} | {rec['pair_class']} | {rec['similarity']} | "
                         f"{cell(left)} | {cell(right)} | {cell(rec['reason'])} |")
        lines.append("")
    return "\n".join(lines)


# -- any table (`curation dedup`) --------------------------------------------------------------------

ARROW_TYPES = {"cluster_id": pa.string(), "kept": pa.bool_(), "duplicate_of": pa.string(),
               "similarity": pa.float64(), "pair_class": pa.string(), "pair_reason": pa.string()}

def dedup_table(frame: pd.DataFrame, text_column: str, label_column: str | None = None,
                id_column: str | None = None, config: dict | None = None) -> tuple[pd.DataFrame, StageReport]:
    """Every row plus `cluster_id`, `kept`, `duplicate_of` (the kept row's `id_column` value, else its
    0-based row number, as text), `similarity`, `pair_class` and `pair_reason`. Equal matching forms are exact
    duplicates; the rest as in the release pipeline. Earlier rows are kept first."""
    report = StageReport("dedup")
    texts = frame[text_column].fillna("").astype(str).tolist()
    forms = forms_of(texts)
    n = len(forms)
    # Rows with the same form are exact duplicates, unless their labels differ: those are only linked.
    keyed = forms if label_column is None else [f"{f}\x00{label}" for f, label in
                                                 zip(forms, frame[label_column].astype(str))]
    codes = pd.factorize(pd.Series(keyed, dtype=object))[0]
    empty = np.flatnonzero(np.array([not f for f in forms], dtype=bool))
    codes[empty] = codes.max(initial=0) + 1 + np.arange(len(empty))  # an empty form duplicates nothing
    _, first = np.unique(codes, return_index=True)
    owner = first[np.unique(codes, return_inverse=True)[1]]  # each row's first row with its form
    unique = np.flatnonzero(owner == np.arange(n))
    labels = None if label_column is None else frame[label_column].astype(str).to_numpy()[unique].tolist()
    pairs = find_pairs([texts[i] for i in unique], [forms[i] for i in unique], labels, config)
    del texts, forms
    res = resolve(len(unique), pairs, np.arange(len(unique)))
    position = np.full(n, -1, dtype=np.int64)
    position[unique] = np.arange(len(unique))
    near = position[owner]  # each row's representative among the unique forms
    target = np.where(res.duplicate_of[near] >= 0, unique[np.maximum(res.duplicate_of[near], 0)], owner)
    exact = owner != np.arange(n)
    kept = target == np.arange(n)
    cluster = np.array(cluster_ids(res, [str(i) for i in unique]), dtype=object)[near]
    copied = np.flatnonzero(np.bincount(owner, minlength=n) > 1)  # rows with exact copies, not near others
    alone = copied[np.equal(cluster[copied], None)]
    exact_names = np.array([None, *(cluster_name([str(o)]) for o in alone)], dtype=object)
    lookup = np.zeros(n, dtype=np.int64)
    lookup[alone] = np.arange(1, len(alone) + 1)
    cluster = np.where(np.equal(cluster, None), exact_names[lookup[owner]], cluster)
    keys = frame[id_column].astype(str).to_numpy() if id_column else np.arange(n).astype(str).astype(object)
    out = frame.copy()
    out["cluster_id"] = cluster
    out["kept"] = kept
    out["duplicate_of"] = np.where(kept, None, keys[target].astype(object))
    out["similarity"] = np.where(exact, 1.0, np.array(res.similarity, dtype=object)[near])
    out["pair_class"] = np.where(exact, "exact", np.array(res.pair_class, dtype=object)[near])
    out["pair_reason"] = np.where(exact, "same matching form", np.array(res.reason, dtype=object)[near])
    report.counts = {"rows": len(frame), "kept": int(kept.sum()), "exact duplicates": int(exact.sum()),
                     "near duplicates": int((~kept & ~exact).sum()), "near pairs": len(pairs.a),
                     **{f"pairs: {c}": int(n) for c, n in pd.Series(pairs.pair_class, dtype=object).value_counts().items()},
                     "clusters": int(out["cluster_id"].nunique())}
    return out, report
