"""The window hash every index and every scan uses, vectorized in numpy.

A window is `length` consecutive code points c_0 .. c_{L-1} of a matching form (text.matching_codes: NFKC,
casefolded, katakana as hiragana, whitespace, punctuation and symbols removed). Its hash is

    h = mix(c_0·B^(L-1) + c_1·B^(L-2) + ... + c_{L-1}·B^0  mod 2^64),   B = 0x100000001B3 (odd)
    mix(x): x ^= x >> 30; x *= 0xBF58476D1CE4E5B9; x ^= x >> 27; x *= 0x94D049BB133111EB; x ^= x >> 31
            (splitmix64's finalizer, all mod 2^64)

so any language can recompute it (decontamination/index.json says the same). Every window of a long text
at once: with S[i] = Σ_{j<i} c_j·B⁻ʲ (B is odd, so invertible mod 2^64) the window at i is
B^(i+L-1)·(S[i+L] − S[i]): one cumulative sum, then two products per window length.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..text.normalize import SEPARATOR as TEXT_SEPARATOR
from ..text.normalize import fallback_form

BASE = 0x100000001B3
SEPARATOR = 0  # text.SEPARATOR's code point: no window crosses it
U64 = np.uint64


@lru_cache(maxsize=1)
def inverse_base() -> int:
    return pow(BASE, -1, 1 << 64)


def powers(base: int, n: int) -> np.ndarray:
    """base^0 .. base^(n-1) mod 2^64 (cumprod wraps mod 2^64 as wanted)."""
    out = np.full(n, base, dtype=U64)
    if n:
        out[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(out, dtype=U64)


class Powers:
    """B^i and B^-i for i < n, grown on demand: one array per scanning process, not per text."""

    def __init__(self):
        self.up = powers(BASE, 0)
        self.down = powers(inverse_base(), 0)

    def at_least(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.up) < n:
            size = max(n, 2 * len(self.up), 1 << 16)
            self.up, self.down = powers(BASE, size), powers(inverse_base(), size)
        return self.up, self.down


POWERS = Powers()


def mix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x ^ (x >> U64(30))
        x = x * U64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> U64(27))
        x = x * U64(0x94D049BB133111EB)
        return x ^ (x >> U64(31))


class Prefix:
    """The prefix sums of one array of code points, from which windows of any length are hashed."""

    def __init__(self, codes: np.ndarray):
        n = len(codes)
        up, down = POWERS.at_least(n + 1)
        with np.errstate(over="ignore"):
            self.sums = np.concatenate([np.zeros(1, dtype=U64), np.cumsum(codes.astype(U64) * down[:n], dtype=U64)])
        self.up = up
        self.cut = np.concatenate([[0], np.cumsum(codes == SEPARATOR)])  # separators before each position

    def windows(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        """(hash, start) of every window of `length` code points that crosses no separator."""
        n = len(self.sums) - 1 - length + 1
        if n <= 0:
            return np.zeros(0, dtype=U64), np.zeros(0, dtype=np.int64)
        start = np.flatnonzero(self.cut[length:length + n] == self.cut[:n])
        with np.errstate(over="ignore"):
            raw = self.up[start + length - 1] * (self.sums[start + length] - self.sums[start])
        return mix(raw), start


    def at(self, starts: np.ndarray, length: int) -> np.ndarray:
        """The hashes of the windows of `length` at `starts` (which must fit)."""
        with np.errstate(over="ignore"):
            return mix(self.up[starts + length - 1] * (self.sums[starts + length] - self.sums[starts]))


def fallback_codes(text: str) -> np.ndarray:
    """The form a text whose matching form is empty (only symbols, emoji, punctuation: 💣🔪, ？？？) is
    matched on, as code points: the one dedup uses (text.fallback_form: its NFKC text without invisible
    characters and whitespace). Without it every such text would have the same, empty, form and could be
    neither told apart nor found."""
    form = fallback_form(text).removeprefix(TEXT_SEPARATOR)
    return np.frombuffer(form.encode("utf-32-le"), dtype=np.uint32)


def window_hashes(codes: np.ndarray, length: int) -> np.ndarray:
    """The hashes of every window of `length` code points, in order (codes without separators)."""
    return Prefix(codes).windows(length)[0]


def reference_hash(window: str) -> int:
    """The documented hash computed with Python integers, term by term (tests and other languages)."""
    h = 0
    for char in window:
        h = (h * BASE + ord(char)) % (1 << 64)
    mask = (1 << 64) - 1
    h ^= h >> 30
    h = (h * 0xBF58476D1CE4E5B9) & mask
    h ^= h >> 27
    h = (h * 0x94D049BB133111EB) & mask
    return h ^ (h >> 31)
