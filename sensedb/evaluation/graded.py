"""Graded in-context similarity: how well a method's scores correlate with graded gold scores
(e.g. ``scripts/make_graded_set.py``: 1.0 for the same synset, else WordNet path
similarity)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..corpora.pairs import read_pairs_tsv
from ..similarity.analysis import analyze
from ..similarity.methods import representations_for, scores
from ..similarity.params import SimilarityParams, resolve_params
from ..vocabulary import SimilarityMethod
from .statistics import pearson, spearman

if TYPE_CHECKING:
    from ..retriever import SenseIndex

__all__ = ["evaluate_graded"]


def evaluate_graded(index: SenseIndex, tsv: str | os.PathLike,
                    method: SimilarityMethod | str | None = None, *,
                    params: SimilarityParams | str | os.PathLike | None = None,
                    representation: str | None = None, progress: bool = False,
                    tokenized: bool = False) -> dict:
    """Spearman's rho and Pearson's r (rounded to 4 decimals) of a method's scores with the
    gold scores of a PAIRS.tsv (:func:`sensedb.corpora.pairs.read_pairs_tsv` with the gold
    column; ``tokenized``: its sentences are space-separated tokens and ``word@N`` indexes
    them).

    Returns ``{"method", "spearman", "pearson", "n"}`` (and ``"representation"`` for raw).

    Raises:
        InputError: an unreadable or malformed TSV (naming file and line), a target not in
            its sentence.
        ConfigurationError: an unknown method, unusable parameters.
    """
    pairs, golds = read_pairs_tsv(tsv, gold=True, tokenized=tokenized)
    params = resolve_params(index, params)
    method = SimilarityMethod.parse(method or params.default_method)
    raw = method is SimilarityMethod.RAW
    analysis = analyze(index, pairs, senses=not raw, params=params,
                       representations=representations_for(method, params, representation),
                       progress=progress)
    values = scores(index, analysis, method, params, representation)
    out = {"method": method.value, "spearman": round(spearman(values, golds), 4),
           "pearson": round(pearson(values, golds), 4), "n": len(pairs)}
    if raw:
        out["representation"] = representation or params.representation
    return out
