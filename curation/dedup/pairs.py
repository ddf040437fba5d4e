"""Near pairs: candidates by MinHash/LSH over character n-grams of the matching form, verified by their
real Jaccard similarity, then classified (classify.py). The parameters are in schemas/dedup.yaml."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np

from .. import workers
from ..schema import schemas
from ..text import SEPARATOR, matching_forms
from ..text.japanese import tagger
from ..text.normalize import tables
from .classify import Classifier, classify_part

# schemas/pipeline.yaml `tuning`: fewer pairs / texts than these are handled in this process (workers cost
# more); texts folded, shingles hashed (the block stays in cache) and forms shingled at a time.
PARALLEL_PAIRS = schemas().tuning["workers"]["near_pairs"]
EARLY_WORKERS = schemas().tuning["workers"]["near_texts"]
FORM_PART = schemas().tuning["near_duplicates"]["form_part"]
CHUNK = schemas().tuning["near_duplicates"]["shingle_chunk"]
PART = schemas().tuning["near_duplicates"]["signature_part"]


# -- 0. matching forms ------------------------------------------------------------------------------

def forms_of(texts: list[str]) -> list[str]:
    """Matching forms (normalize.matching_forms), of a long list a part per thread: numpy releases the GIL
    in the folding, and parts of a few thousand texts stay in cache."""
    if len(texts) < 2 * FORM_PART:
        return matching_forms(texts)
    tables()  # built once, before the threads
    with ThreadPoolExecutor(workers.CORES) as pool:
        parts = pool.map(lambda lh: matching_forms(texts[lh[0]:lh[1]]), thread_parts(len(texts), FORM_PART))
        return [f for part in parts for f in part]


def thread_parts(n: int, size: int) -> list[tuple[int, int]]:
    """[lo, hi) parts of range(n), at most about `size` long, as many as a multiple of the cores and of equal
    length: every thread gets the same work (3 parts on 2 cores would leave one idle for a third)."""
    count = -(-max(1, -(-n // size)) // workers.CORES) * workers.CORES
    cuts = [n * k // count for k in range(count + 1)]
    return [(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:]) if hi > lo]


@dataclass
class Pairs:
    """Verified near pairs between positions of the input lists (a < b), with class and reason."""
    a: np.ndarray
    b: np.ndarray
    similarity: np.ndarray
    pair_class: list[str]
    reason: list[str]


# -- 1. candidates -----------------------------------------------------------------------------------

def shingle_codes(forms: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every form's character n-grams as exact 64-bit codes (n code points below 2^21 each, n <= 3),
    concatenated, and where each form's run starts. A form shorter than n is one shingle (itself); an empty
    form has none (it is never a candidate)."""
    lengths = np.fromiter((len(f) for f in forms), dtype=np.int64, count=len(forms))
    codes = np.frombuffer("".join(forms).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    counts = np.where(lengths >= n, lengths - n + 1, np.minimum(lengths, 1))
    owner_start = np.repeat(starts, counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    value = np.zeros(len(owner_start), dtype=np.uint64)
    width = np.repeat(np.minimum(lengths, n), counts)
    for k in range(n):
        present = k < width
        idx = np.where(present, owner_start + offset + k, 0)
        value = (value << np.uint64(21)) | np.where(present, codes[idx] if len(codes) else 0, 0).astype(np.uint64)
    return value, np.concatenate([[0], np.cumsum(counts)])


def shingles(forms: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """shingle_codes mixed to 32 bits: what MinHash hashes."""
    value, bounds = shingle_codes(forms, n)
    return ((value * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)).astype(np.uint32), bounds


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
        buffer = np.empty((k, 0), dtype=np.uint32)  # reused: fresh blocks would each be new pages to fault in
        for start, stop in zip(cuts[:-1].tolist(), cuts[1:].tolist()):  # whole forms, about CHUNK shingles
            first, last = int(bounds[docs[start]]), int(ends[stop - 1])
            if buffer.shape[1] < last - first:
                buffer = np.empty((k, max(last - first, CHUNK * 2)), dtype=np.uint32)
            hashed = np.multiply(a, values[None, first:last], out=buffer[:, :last - first])
            np.add(hashed, b, out=hashed)  # (hashes, shingles): reduceat along rows
            out[lo + docs[start:stop]] = np.minimum.reduceat(hashed, bounds[docs[start:stop]] - first, axis=1).T

    with ThreadPoolExecutor(workers.CORES) as pool:  # numpy releases the GIL in the hashing
        list(pool.map(lambda lh: part(*lh), thread_parts(len(forms), PART)))
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
        at = np.arange(len(ordered) - 1)  # positions whose bucket goes on d places further (sorted: a run)
        for d in range(1, cap + 1):  # members d apart in a bucket; larger buckets: nearest `cap` only
            at = at[at + d < len(ordered)]
            at = at[ordered[at + d] == ordered[at]]
            if not len(at):
                break
            left, right = docs[order[at]], docs[order[at + d]]
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
    """(a, b, Jaccard) of the pairs whose real n-gram Jaccard reaches the threshold. In numpy: every form's
    set of shingle codes, tagged with the form, sorted once; a pair's intersection is how many of the
    smaller set's codes are found, tagged with the other form, in that one sorted array. Only the forms in a
    pair are shingled."""
    involved, at_pair = np.unique(np.concatenate([a, b]), return_inverse=True)
    keys, size = shingle_sets([forms[i] for i in involved.tolist()], config["shingle"])
    starts = np.concatenate([[0], np.cumsum(size)[:-1]])
    bits = 64 - max(1, len(involved).bit_length())
    mask = np.uint64((1 << bits) - 1)
    similarity = np.zeros(len(a))
    in_a, in_b = at_pair[:len(a)], at_pair[len(a):]  # positions among the involved forms

    def part(lo: int, hi: int) -> None:  # pairs a[lo:hi]
        pa, pb = in_a[lo:hi], in_b[lo:hi]
        small = np.where(size[pa] <= size[pb], pa, pb)
        other = np.where(size[pa] <= size[pb], pb, pa)
        count = size[small]
        pair = np.repeat(np.arange(len(pa)), count)
        at = np.repeat(starts[small], count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        query = (other[pair].astype(np.uint64) << np.uint64(bits)) | (keys[at] & mask)
        hit = keys[np.minimum(np.searchsorted(keys, query), len(keys) - 1)] == query
        inter = np.bincount(pair, weights=hit, minlength=len(pa))
        union = size[pa] + size[pb] - inter
        similarity[lo:hi] = np.where(union > 0, inter / np.maximum(union, 1), 1.0)

    # Parts of about CHUNK * 64 codes (memory), at least one per core (numpy releases the GIL).
    step = max(1, min(CHUNK * 64 // max(1, int(size.mean()) if len(size) else 1), -(-len(a) // workers.CORES)))
    with ThreadPoolExecutor(workers.CORES) as pool:
        list(pool.map(lambda lo: part(lo, lo + step), range(0, len(a), step)))
    keep = similarity >= config["threshold"]
    return a[keep], b[keep], similarity[keep]


def shingle_sets(forms: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each form's distinct shingle codes as (form << bits) | code, sorted (so by form, then code), and each
    form's number of distinct shingles. Codes longer than the bits left for them are mixed down (only with
    millions of forms of 3-grams: a collision then needs two 3-grams of one pair hashing alike). Built PART
    forms at a time: each part's keys are above the last part's, so the parts joined stay sorted."""
    bits = 64 - max(1, len(forms).bit_length())

    def part(lo: int) -> np.ndarray:
        value, bounds = shingle_codes(forms[lo:lo + PART], n)
        if 21 * n > bits:
            value = (value * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits)
        owner = np.repeat(np.arange(lo, lo + len(bounds) - 1, dtype=np.uint64), np.diff(bounds))
        return np.unique((owner << np.uint64(bits)) | value)

    keys = np.concatenate([part(lo) for lo in range(0, len(forms), PART)] or [np.zeros(0, dtype=np.uint64)])
    return keys, np.bincount((keys >> np.uint64(bits)).astype(np.int64), minlength=len(forms))


def find_pairs(texts: list[str], forms: list[str], labels: list | None = None,
               config: dict | None = None) -> Pairs:
    """Verified, classified near pairs among texts (distinct matching forms, or different labels). Many
    candidates are verified and classified in worker processes: tokenizing is the cost, and MeCab holds
    the GIL."""
    config = config or schemas().dedup
    # A fallback form (a text without letters or digits: normalize.fallback_form) is no candidate: 💣🔪 and
    # 💣🔪💣 share their shingles, not a prompt.
    forms = ["" if form.startswith(SEPARATOR) else form for form in forms]
    if len(forms) < 2:
        return Pairs(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), [], [])
    # Many texts: the workers that classify start now, loading UniDic while this process finds the pairs.
    early = workers.started((texts, labels, config), warm=warm_up) if len(forms) >= EARLY_WORKERS else nullcontext()
    global CLASSIFIER
    with early as pool:
        sig, has = signatures(forms, config)
        a, b = plausible(len(forms), sig, candidate_pairs(sig, has, config), config)
        del sig
        a, b, similarity = verified(forms, a, b, config)
        # Pairs of one cluster together, so that a worker tokenizes a text once for all its pairs (parts
        # go to the workers a few neighbouring ones at a time).
        from .clusters import components  # clusters.py builds on this module's Pairs

        order = np.argsort(components(len(forms), a, b)[a], kind="stable")
        parts = np.array_split(np.stack([a[order], b[order]], axis=1), workers.CORES * 8)
        try:
            if len(a) < PARALLEL_PAIRS:
                parts = [classify_part(Classifier(texts, config), a[order], b[order], labels)]
            elif pool is not None:
                parts = list(pool.map(classify_job, parts))
            else:
                parts = workers.in_workers(classify_job, parts, (texts, labels, config))
        finally:
            CLASSIFIER = None  # on one core the jobs ran here: nothing of this call is kept
    classes, reasons = np.empty(len(a), dtype=object), np.empty(len(a), dtype=object)
    classes[order] = [c for p in parts for c in p[0]]
    reasons[order] = [r for p in parts for r in p[1]]
    return Pairs(a, b, similarity, classes.tolist(), reasons.tolist())


def classify_job(pairs: np.ndarray):
    texts, labels, config = workers.SHARED
    global CLASSIFIER  # one per worker process and job, over its parts: each text tokenized once there
    if CLASSIFIER is None or CLASSIFIER.texts is not texts or CLASSIFIER.config is not config:
        CLASSIFIER = Classifier(texts, config)
    return classify_part(CLASSIFIER, pairs[:, 0], pairs[:, 1], labels)


CLASSIFIER: Classifier | None = None


def warm_up() -> None:
    """Loads UniDic in a worker as it starts. A failure is left to the first job, which reports it with its
    cause (a failing initializer only says that the pool broke)."""
    try:
        tagger()
    except Exception:  # noqa: BLE001, S110
        pass


