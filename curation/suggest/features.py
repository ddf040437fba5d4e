"""What the suggestion model sees of a prompt: character n-grams of its folded text (robust to spelling,
script and typos), UniDic lemmas (殺した and ころされる are one word), and the hand-written lexicons' hits
(schemas/lexicons.yaml), each a named feature so that a hint can say which fired. Vectors are TF-IDF,
computed here from a stored vocabulary, so that a model is plain data (no pickle) and scores the same on
every machine."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from ..schema import schemas
from ..tagging.tagger import lexicons, noisy
from ..text import Token, fold_width, tokens

SETTINGS = schemas().tuning["suggest"]  # schemas/pipeline.yaml
GRAMMAR_POS = ("助詞", "助動詞")  # and the words UniDic calls 非自立可能 (ください, ある, する)
LEXICON = "lex:"  # prefix of the lexicon-hit features (the hint line names them)


def is_grammar(word: Token) -> bool:
    return word.pos[0] in GRAMMAR_POS or word.pos[1] == "非自立可能"


def features(text: str) -> list[str]:
    """A prompt's features, with repeats (term frequency). Only the first `max_chars` characters count:
    a 2M-character value must not make scoring unbounded."""
    original = text[:SETTINGS["max_chars"]]
    folded = fold_width(original).casefold()
    words = tokens(folded)
    grammar = [False] * len(folded)
    for w in words:
        if is_grammar(w):
            grammar[w.start:w.end] = [True] * (w.end - w.start)
    kept = [(c, g) for c, g in zip(folded, grammar) if not c.isspace()]
    compact = "".join(c for c, _ in kept)
    low, high = SETTINGS["char_ngrams"]
    # An n-gram made only of grammar (ください, でしょうか) says how a prompt is worded, not what it is about.
    out = [compact[i:i + n] for n in range(low, high + 1) for i in range(len(compact) - n + 1)
           if SETTINGS["grammar_ngrams"] or not all(g for _, g in kept[i:i + n])]
    out += ["w:" + w.lemma for w in words if w.pos[0] in SETTINGS["word_pos"] and not is_grammar(w)]
    lex = lexicons()
    hits = lex.viewpoints.count(words)
    for pattern, code in lex.patterns:
        hits[code] += bool(pattern.search(folded))
    out += [f"{LEXICON}{code}" for code, n in hits.items() if n]
    out += [f"{LEXICON}{goal}" for goal in lex.goals.count(words)]
    out += [f"{LEXICON}borderline:{code}" for code in lex.borderline_types.count(words)]
    if lex.unsafe.count(words):
        out.append(f"{LEXICON}unsafe-looking")
    if noisy(folded, original, words):
        out.append(f"{LEXICON}noisy")
    return out


def family(feature: str) -> str:
    return "lex" if feature.startswith(LEXICON) else "word" if feature.startswith("w:") else "char"


def vocabulary(documents: Sequence[list[str]]) -> tuple[list[str], np.ndarray]:
    """Features seen in at least `min_df` documents (sorted: the same documents give the same vocabulary)
    and their smoothed IDF, scaled by their family's `family_weight`."""
    df = Counter(f for doc in documents for f in set(doc))
    names = sorted(f for f, n in df.items() if n >= SETTINGS["min_df"])
    n = len(documents)
    weight = SETTINGS["family_weight"]
    idf = np.array([(math.log((1 + n) / (1 + df[f])) + 1) * weight[family(f)] for f in names], dtype=np.float32)
    return names, idf


def vectors(documents: Sequence[list[str]], index: dict[str, int], idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF × IDF, L2-normalized rows; features outside the vocabulary are ignored."""
    rows, cols, vals = [], [], []
    for r, doc in enumerate(documents):
        counts = Counter(index[f] for f in doc if f in index)
        rows += [r] * len(counts)
        cols += list(counts)
        vals += [1 + math.log(c) for c in counts.values()]
    matrix = sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=(len(documents), len(idf)),
                           dtype=np.float32)
    matrix = matrix.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
    norms[norms == 0] = 1
    return sp.diags(1 / norms).astype(np.float32) @ matrix
