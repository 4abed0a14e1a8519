"""WiC (Words in Context): accuracy of "same sense" decisions, ``score >= threshold``.

Answers without WordNet's usage examples in the evidence (most WiC sentences are such
examples verbatim; see :func:`sensedb.similarity.fitting.leaving_out_examples`) unless
``allow_wordnet_examples``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..corpora import WicPair
from ..errors import ConfigurationError
from ..retriever.index import check_open_index
from ..retriever.target import check_range
from ..similarity.analysis import analyze
from ..similarity.fitting import fit_params, leaving_out_examples
from ..similarity.methods import representations_for, scores
from ..similarity.params import SimilarityParams, method_key, resolve_params
from ..similarity.usages import labelled_wic_pairs, wic_queries
from ..vocabulary import SimilarityMethod

if TYPE_CHECKING:
    from ..retriever import SenseIndex

__all__ = ["evaluate_wic"]


def evaluate_wic(index: SenseIndex, data: str | os.PathLike | Sequence[WicPair],
                 gold: str | os.PathLike | None = None, *, threshold: float | None = None,
                 train: tuple[Any, Any] | None = None,
                 method: SimilarityMethod | str | None = None,
                 params: SimilarityParams | str | os.PathLike | None = None,
                 representation: str | None = None, allow_wordnet_examples: bool = False,
                 with_predictions: bool = False, progress: bool = False) -> dict:
    """WiC accuracy (percent, rounded to 2 decimals) of ``score >= threshold``.

    ``data``: a WiC data file with its ``gold`` file, or a list of labelled WicPairs. The
    threshold is ``threshold`` if given; else, with ``train=(data, gold)``, everything
    (temperatures, mixture, regression, threshold) is fitted on that training set; else the
    parameters' stored threshold for the method. Returns ``{"method", ["representation"],
    "accuracy", "threshold", "n", "correct"}`` (with ``"predictions"`` and ``"scores"``
    on request); with ``train`` also ``"params"`` (the fitted parameters, their JSON form).

    Raises:
        InputError: ``index`` is not an open index (``sensedb.open``); unreadable or
            malformed WiC files, pairs without gold labels; a
            ``threshold`` outside the method's scores (:func:`check_threshold`).
        ConfigurationError: an unknown method; no threshold given, fitted or stored for it;
            unusable parameters.
    """
    check_open_index(index, "evaluate_wic")
    with leaving_out_examples(index, allow_wordnet_examples):
        return _evaluate_wic(index, data, gold, threshold=threshold, train=train,
                             method=method, params=params, representation=representation,
                             with_predictions=with_predictions, progress=progress)


def check_threshold(threshold: object, raw: bool) -> float:
    """``threshold`` as a float within the scores' range: a cosine (-1 to 1) for the raw
    method, a probability (0 to 1) for ``sense`` and ``combined``.

    Raises:
        InputError: not a number, not finite, or outside that range (``--threshold 5``
            called every pair "different" and reported that as an accuracy)."""
    low, kind = (-1.0, "a cosine") if raw else (0.0, "a probability")
    return check_range(threshold, "threshold", low, 1.0, kind=kind, where=" for this method")


def _evaluate_wic(index: SenseIndex, data, gold, *, threshold, train, method, params,
                  representation, with_predictions, progress) -> dict:
    params = resolve_params(index, params)
    method = SimilarityMethod.parse(method or params.default_method)
    raw = method is SimilarityMethod.RAW
    if threshold is not None:
        threshold = check_threshold(threshold, raw)
    pairs = labelled_wic_pairs(data, gold)
    y = np.asarray([p.label for p in pairs], bool)
    result: dict[str, Any] = {"method": method.value}
    if raw:
        result["representation"] = representation or params.representation
    if train is not None and threshold is None:
        params = fit_params(index, train[0], train[1], base=params, progress=progress)
        key = method_key(method, representation or params.representation)
        if key not in params.thresholds:  # a raw representation fit_params did not cover
            raise ConfigurationError(f"no threshold fitted for {key}")
        threshold = params.thresholds[key]
        result["params"] = params.to_dict()
    elif threshold is None:
        threshold = params.threshold(method, representation)
        if threshold is None:
            raise ConfigurationError(f"no stored threshold for method {method.value!r}: give "
                                     "--threshold T or --train DATA GOLD")
    analysis = analyze(index, [wic_queries(p) for p in pairs],
                       representations=representations_for(method, params, representation),
                       senses=not raw, params=params, progress=progress)
    values = scores(index, analysis, method, params, representation)
    predictions = values >= threshold
    correct = int((predictions == y).sum())
    result.update({"accuracy": round(100.0 * correct / len(pairs), 2),
                   "threshold": round(float(threshold), 6), "n": len(pairs),
                   "correct": correct})
    if with_predictions:
        result["predictions"] = predictions.tolist()
        result["scores"] = [round(float(v), 6) for v in values]
    return result
