"""Fitting the similarity parameters on WiC training data: the sense mixture's temperatures
and weights (a grid search), the combined method's logistic regression, every method's
threshold.

**Leakage.** About two thirds of WiC's sentences are WordNet usage examples verbatim, so
fitting and evaluating on WiC must answer without WordNet's examples in the evidence:
:func:`leaving_out_examples` switches ``index.use_examples`` off for its duration
(``sensedb.evaluation.wic.evaluate_wic`` does so). :func:`fit_params` called directly does
not switch anything: wrap it (as ``scripts/bench_similarity.py`` does). The gloss-context
word vectors are computed from glosses only.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING

import numpy as np

from ..corpora import WicPair
from .analysis import Analysis, analyze
from .methods import (
    component_overlaps,
    components,
    cosines,
    features,
    logistic_predict,
    sense_scores,
)
from .params import COMPONENTS, FEATURES, REPRESENTATIONS, SimilarityParams, method_key
from .usages import labelled_wic_pairs, wic_queries

if TYPE_CHECKING:
    from ..retriever import SenseIndex

__all__ = ["COMPONENT_FEATURES", "MIXTURE_GRID", "absent_components", "best_threshold",
           "fit_logistic", "fit_params", "leaving_out_examples"]

# Every component keeps a positive weight (gloss similarity alone agrees with itself across
# two usages but is a poor sense distribution); on WiC train this cost 0.2 points against
# also allowing zero weights (with the November formulas). A component no training usage had
# gets weight 0 (fit_params). The senses shown beside a score are wsd's, not this mixture
# (methods.usage_senses).
MIXTURE_GRID: tuple[dict[str, float], ...] = tuple(
    {"wsd": float(w), "gloss": float(g), "knn": float(n)}
    for w in (1, 2, 3) for g in (1, 2, 3) for n in (1, 2, 3)
    if math.gcd(math.gcd(w, g), n) == 1)
TEMPERATURE_GRID = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
GLOSS_TEMPERATURE_GRID = (0.005, 0.01, 0.02, 0.05, 0.1)


@contextmanager
def leaving_out_examples(index: SenseIndex, allow: bool = False) -> Iterator[None]:
    """Answer without WordNet's usage examples (``index.use_examples = False``) for the
    duration, unless ``allow``; most of WiC's sentences are such examples verbatim."""
    previous = getattr(index, "use_examples", None)
    if not allow and previous is not None:
        index.use_examples = False
    try:
        yield
    finally:
        if previous is not None:
            index.use_examples = previous


def best_threshold(values: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The threshold (midpoint between adjacent distinct scores) that maximizes the accuracy
    of ``score >= t`` on these labels, and that accuracy in percent.

    ``values``: float ``(n,)`` scores; ``labels``: bool ``(n,)`` (True = same sense)."""
    values = np.asarray(values, float)
    labels = np.asarray(labels, bool)
    order = np.argsort(values, kind="stable")
    v, y = values[order], labels[order]
    # predicting "same" for positions >= i: correct = negatives below + positives from i
    neg_below = np.concatenate([[0], np.cumsum(~y)])
    pos_from = np.concatenate([np.cumsum(y[::-1])[::-1], [0]])
    correct = neg_below + pos_from
    valid = np.concatenate([[True], v[1:] > v[:-1], [True]])  # cut between distinct values
    correct = np.where(valid, correct, -1)
    best = int(np.argmax(correct))
    if best == 0:
        t = v[0] - 1e-6
    elif best == len(v):
        t = v[-1] + 1e-6
    else:
        t = (v[best - 1] + v[best]) / 2
    return float(t), 100.0 * correct[best] / len(v)


def fit_params(index: SenseIndex, data: str | os.PathLike | Sequence[WicPair] | Analysis,
               gold: str | os.PathLike | None = None, *, labels: Sequence[bool] | None = None,
               base: SimilarityParams | None = None, progress: bool = False,
               grid: dict[str, Sequence] | None = None) -> SimilarityParams:
    """Fit temperatures and mixture (grid search, accuracy of ``sense`` at its best
    threshold), the combined method's logistic regression, and every method's threshold on
    WiC training data (never on the data you report).

    ``data``: a WiC data file (with ``gold``), a list of labelled WicPairs, or an
    :class:`~sensedb.similarity.analysis.Analysis` with its bool ``labels``. ``grid``
    overrides ``temperature``, ``gloss_temperature`` and ``mix`` candidates (defaults
    :data:`TEMPERATURE_GRID`, :data:`GLOSS_TEMPERATURE_GRID`, :data:`MIXTURE_GRID`).
    Returns new parameters based on ``base`` (default :class:`SimilarityParams`).

    Raises:
        InputError: unreadable WiC files or pairs without gold labels.
    """
    base = base or SimilarityParams()
    if isinstance(data, Analysis):
        analysis, y = data, np.asarray(labels, bool)
    else:
        pairs = labelled_wic_pairs(data, gold)
        y = np.asarray([p.label for p in pairs], bool)
        analysis = analyze(index, [wic_queries(p) for p in pairs],
                           representations=REPRESENTATIONS, params=base, progress=progress)
    grid = grid or {}
    temps = grid.get("temperature", TEMPERATURE_GRID)
    gloss_temps = grid.get("gloss_temperature", GLOSS_TEMPERATURE_GRID)
    absent = absent_components(analysis)
    # a component no training usage had (the nearest labelled usages of a WordNet-only
    # index, whose only labelled usages are WordNet's examples, left out on WiC) gets weight
    # 0 and no features: fitted without it, the parameters must not use it at query time,
    # where the examples are evidence
    mixes = list({tuple(sorted({**m, **dict.fromkeys(absent, 0.0)}.items())): None
                  for m in grid.get("mix", MIXTURE_GRID)})
    mixes = [dict(m) for m in mixes]
    best = (-1.0, None)
    for t in temps:
        for tg in gloss_temps:
            trial = SimilarityParams(**{**asdict(base), "temperature": t,
                                        "gloss_temperature": tg})
            comps = components(analysis, trial)
            matrix = component_overlaps(index, analysis, comps)
            available = np.asarray([[c is not None for c in comp] for comp in comps], float)
            for mix in mixes:
                weights = available * np.asarray([mix.get(c, 0.0) for c in COMPONENTS])
                totals = weights.sum(1, keepdims=True)
                weights = np.divide(weights, totals, out=np.zeros_like(weights),
                                    where=totals > 0)
                value = sense_scores(matrix, weights, analysis.pair_index)
                accuracy = best_threshold(value, y)[1]
                if accuracy > best[0] + 1e-9:
                    best = (accuracy, SimilarityParams(**{**asdict(trial), "mix": dict(mix)}))
    params = best[1]
    assert params is not None
    matrix = features(index, analysis, params)
    unused = {f for c in absent for f in COMPONENT_FEATURES[c]}
    kept = [i for i, name in enumerate(FEATURES) if name not in unused]
    params.combined = fit_logistic(matrix[:, kept], y, [FEATURES[i] for i in kept])
    thresholds = {"sense": best_threshold(matrix[:, FEATURES.index("sense")], y)[0],
                  "combined": best_threshold(logistic_predict(params.combined, matrix), y)[0]}
    for rep in REPRESENTATIONS:
        if rep in analysis.vectors:
            thresholds[method_key("raw", rep)] = best_threshold(cosines(analysis, rep), y)[0]
    params.thresholds = {k: round(v, 6) for k, v in thresholds.items()}
    params.fitted_on = _fitted_on(index, data, len(y))
    return params


#: The combined method's features that only a component's evidence gives.
COMPONENT_FEATURES: dict[str, tuple[str, ...]] = {
    "wsd": ("wsd",), "gloss": ("gloss",), "knn": ("knn", "shared_neighbors")}


def absent_components(analysis: Analysis) -> list[str]:
    """The COMPONENTS no usage of ``analysis`` has (``knn`` on an index without labelled
    usages, or with WordNet's examples left out of a WordNet-only index's evidence)."""
    usages = [u for u in analysis.usages if u.synsets]
    present = {"wsd": any(u.wsd is not None and np.isfinite(u.wsd).any() for u in usages),
               "gloss": any(u.gloss is not None and len(u.gloss) for u in usages),
               "knn": any(u.knn is not None for u in usages)}
    return [c for c in COMPONENTS if not present[c]]


def _fitted_on(index: SenseIndex, data: object, pairs: int) -> str:
    """What :func:`fit_params` fitted on, for ``SimilarityParams.fitted_on``: the data, its
    number of pairs, the index and its encoder, and whether WordNet's usage examples were
    evidence. (``base``'s own words were kept, so a file fitted on 20 pairs said it was
    fitted on the 5,428 pairs of WiC train with a SemCor index.)"""
    source = str(data) if isinstance(data, (str, os.PathLike)) else "WiC pairs"
    encoder = index.manifest.encoder
    examples = ("WordNet examples left out" if getattr(index, "use_examples", True) is False
                else "WordNet examples as evidence")
    return (f"{source} ({pairs} pairs), index {index.directory.path} ({encoder.model}, "
            f"layers {encoder.layers}), {examples}")


def fit_logistic(matrix: np.ndarray, labels: np.ndarray, names: list[str], *,
                 l2: float = 1.0, iterations: int = 50) -> dict:
    """L2-regularized logistic regression by Newton's method on standardized features.

    ``matrix``: float ``(n, len(names))``; ``labels``: bool ``(n,)``. Returns the
    ``SimilarityParams.combined`` form: ``features`` (= ``names``), ``mean`` and ``scale`` of
    the standardization (a constant feature keeps scale 1), ``coef`` (rounded to 8 decimals)
    and ``intercept`` (not shrunk)."""
    x = np.asarray(matrix, float)
    y = np.asarray(labels, float)
    mean = x.mean(0)
    scale = x.std(0)
    scale = np.where(scale > 1e-6, scale, 1.0)  # constant features: left unscaled
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the intercept is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return {"features": names, "mean": mean.tolist(), "scale": scale.tolist(),
            "coef": w[:-1].round(8).tolist(), "intercept": round(float(w[-1]), 8)}
