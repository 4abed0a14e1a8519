"""Scoring a target's candidate senses from every kind of evidence.

score(s) = w · f(s), where f(s) are the candidate's features (FEATURES, below) and w are
the index's weights (manifest ``scoring``; DEFAULT_WEIGHTS below, chosen by
scripts/tune_weights.py); see README "How senses are scored". A feature whose evidence is
missing is 0 (a penalty next to the positive cosines of senses that have it) and its ``has_*``
indicator says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

FEATURES = (
    "corpus_cos",         # cosine to the sense's mean vector over labelled corpus tokens
    "has_corpus",         # the sense has labelled corpus tokens
    "vote",               # share of the k nearest corpus tokens of the lemma labelled s
    "gloss_cos",          # cosine to the sentence vector of "lemma: gloss"
    "has_gloss",
    "example_cos",        # cosine to the mean vector of the lemma in WordNet's examples
    "has_example",
    "log_support",        # log(1 + labelled corpus tokens of s)
    "log_wordnet_count",  # log(1 + WordNet's tag count of s)
    "first_sense",        # s is WordNet's first sense of the lemma
    "inv_rank",           # 1 / WordNet sense number
    "nn_cos",             # cosine to the nearest labelled corpus token of s (0 without one)
    "context_gloss_cos",  # cosine of the whole sentence's vector to the gloss vector
)


def candidate_features(*, corpus_cos: float | None, support: int, vote: float,
                       gloss_cos: float | None, example_cos: float | None,
                       wordnet_count: int, rank: int, nn_cos: float | None = None,
                       context_gloss_cos: float | None = None) -> np.ndarray:
    """The feature vector of one candidate sense, in FEATURES order."""
    return np.array([
        corpus_cos or 0.0, float(corpus_cos is not None), vote,
        gloss_cos or 0.0, float(gloss_cos is not None),
        example_cos or 0.0, float(example_cos is not None),
        math.log1p(support), math.log1p(wordnet_count), float(rank == 1), 1.0 / max(rank, 1),
        nn_cos or 0.0, context_gloss_cos or 0.0,
    ], dtype=np.float64)


def fit_weights(features: Sequence[np.ndarray], golds: Sequence[np.ndarray], *,
                mask: np.ndarray | None = None, l2: float = 1e-3, steps: int = 600,
                rate: float = 0.05) -> np.ndarray:
    """Conditional-logit weights: maximize the mean log-probability of the gold candidates
    (softmax over each instance's candidates), with an L2 penalty; full-batch Adam.
    ``mask`` zeroes the features left out (for ablations)."""
    width = len(FEATURES)
    mask = np.ones(width, bool) if mask is None else np.asarray(mask, bool)
    usable = [(x, g) for x, g in zip(features, golds, strict=True)
              if len(x) > 1 and g.any() and not g.all()]
    if not usable:
        return np.zeros(width)
    x = np.concatenate([f for f, _ in usable]) * mask
    gold = np.concatenate([g for _, g in usable]).astype(np.float64)
    sizes = np.array([len(f) for f, _ in usable])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    owner = np.repeat(np.arange(len(usable)), sizes)
    weights = np.zeros(width)
    first, second = np.zeros(width), np.zeros(width)
    for step in range(1, steps + 1):
        logits = x @ weights
        peak = np.maximum.reduceat(logits, starts)[owner]
        exp = np.exp(logits - peak)
        total = np.add.reduceat(exp, starts)[owner]
        gold_total = np.add.reduceat(exp * gold, starts)[owner]
        # d/dlogit of -log(sum_gold p) = p - p_gold_normalized
        grad_logits = exp / total - exp * gold / gold_total
        grad = x.T @ grad_logits / len(usable) + l2 * weights
        first = 0.9 * first + 0.1 * grad
        second = 0.999 * second + 0.001 * grad * grad
        weights -= rate * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
        weights *= mask
    return weights


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities over candidates; non-finite scores get probability 0."""
    scores = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(scores)
    out = np.zeros(len(scores))
    if finite.any():
        z = scores[finite] / max(temperature, 1e-6)
        z = np.exp(z - z.max())
        out[finite] = z / z.sum()
    return out


def weights_from(mapping: Mapping[str, float]) -> np.ndarray:
    return np.array([float(mapping.get(name, 0.0)) for name in FEATURES])


VOTE_K = 5  # neighbours in the k-NN vote
# Usages whose nearest labelled usage of the lemma is less similar than this are flagged
# ``novel`` (possibly a sense the index has no data for).
NOVELTY_COSINE = 0.45

# The shipped weights: short formulas chosen by scripts/tune_weights.py on the two tuning sets
# the project allows, then scaled by a temperature that calibrates the softmax (argmax
# unchanged). "corpus" (indexes with labelled corpus tokens):
#   4.67 * (corpus_cos + 0.75 gloss_cos + 0.25 example_cos + 0.1 vote + 0.1 log_support),
# the grid point with the best mean accuracy over SemEval-2007 and the held-out 10% of SemCor
# (documents d000, d010, ...; evidence from the other 90%). "wordnet_only" (no corpus tokens,
# such as the default index):
#   5.72 * (gloss_cos + 0.25 example_cos + 0.5 context_gloss_cos + 0.1 log_wordnet_count
#           + 0.1 inv_rank),
# chosen on SemEval-2007 alone (WordNet's counts were counted on SemCor). A conditional logit
# over all FEATURES fitted on held-out SemCor (fit_weights, scripts/wsd_experiments.py) scored
# higher there but lower on SemEval-2007; BENCHMARKS.md has both.
DEFAULT_WEIGHTS = {
    "corpus": {
        "corpus_cos": 4.6691, "gloss_cos": 3.5018, "example_cos": 1.1673, "vote": 0.4669,
        "log_support": 0.4669,
    },
    "wordnet_only": {
        "gloss_cos": 5.7205, "example_cos": 1.4301, "context_gloss_cos": 2.8603,
        "log_wordnet_count": 0.5721, "inv_rank": 0.5721,
    },
}

# The textbook method (argmax of the cosine to corpus sense vectors; senses without one after,
# in WordNet order): the same machinery with these weights.
COSINE_WEIGHTS = {"corpus_cos": 1.0, "has_corpus": 100.0, "inv_rank": 1e-3}

GROUPS = {
    "corpus": ("corpus_cos", "has_corpus", "vote", "log_support", "nn_cos"),
    "gloss": ("gloss_cos", "has_gloss", "context_gloss_cos"),
    "examples": ("example_cos", "has_example"),
    "prior": ("log_wordnet_count", "first_sense", "inv_rank"),
}


def weights_for(table: Mapping | None, *, corpus: bool, method: str = "evidence"
                ) -> np.ndarray:
    """The weights of ``table`` (an index manifest's ``scoring``; None: the defaults) for an
    index with or without corpus tokens; ``method="cosine"`` gives the textbook
    1-nearest-sense-vector method."""
    if method == "cosine":
        return weights_from(COSINE_WEIGHTS)
    if method != "evidence":
        raise ValueError(f"unknown scoring method {method!r}: use 'evidence' or 'cosine'")
    table = table or DEFAULT_WEIGHTS
    return weights_from(table["corpus" if corpus else "wordnet_only"])


def decided_by(pair: np.ndarray, weights: np.ndarray) -> str:
    """Which kind of evidence put the winner ahead of the runner-up the most."""
    gap = (pair[0] - pair[1]) * weights
    totals = {name: sum(gap[FEATURES.index(f)] for f in fields)
              for name, fields in GROUPS.items()}
    return max(totals, key=totals.get)
