"""Graded in-context similarity: how well a method's scores correlate with graded gold scores
(e.g. ``scripts/make_graded_set.py``: 1.0 for the same synset, else WordNet path
similarity)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from ..corpora.pairs import read_pairs
from ..errors import InputError
from ..retriever.index import check_open_index
from ..similarity.analysis import analyze
from ..similarity.methods import representations_for, scores
from ..similarity.params import SimilarityParams, resolve_params
from ..vocabulary import SimilarityMethod
from .statistics import pearson, spearman

if TYPE_CHECKING:
    from ..retriever import SenseIndex

__all__ = ["MAX_ERRORS", "evaluate_graded"]

#: How many messages of skipped pairs a result lists (the count is always complete).
MAX_ERRORS = 20


def evaluate_graded(index: SenseIndex, tsv: str | os.PathLike,
                    method: SimilarityMethod | str | None = None, *,
                    params: SimilarityParams | str | os.PathLike | None = None,
                    representation: str | None = None, progress: bool = False,
                    tokenized: bool = False) -> dict:
    """Spearman's rho and Pearson's r (rounded to 4 decimals) of a method's scores with the
    gold scores of a PAIRS.tsv (:func:`sensedb.corpora.pairs.read_pairs` with the gold
    column; ``tokenized``: its sentences are space-separated tokens and ``word@N`` indexes
    them).

    A pair that cannot be answered (a target not in its sentence; for the sense methods a
    word WordNet lacks) is skipped, not fatal: the correlations are over the answered pairs.

    Returns ``{"method", "spearman", "pearson", "n", "skipped", "errors"}`` (and
    ``"representation"`` for raw): ``n`` answered pairs, ``skipped`` the others, ``errors``
    the first :data:`MAX_ERRORS` of their messages, each naming file and line.

    Raises:
        InputError: ``index`` is not an open index (``sensedb.open``); an unreadable or
            malformed TSV (naming file and line); fewer than two
            pairs answered; answered pairs whose gold scores, or whose scores, are all
            equal (no correlation is defined).
        ConfigurationError: an unknown method, unusable parameters.
    """
    check_open_index(index, "evaluate_graded")
    rows = read_pairs(tsv, gold=True, tokenized=tokenized)
    params = resolve_params(index, params)
    method = SimilarityMethod.parse(method or params.default_method)
    raw = method is SimilarityMethod.RAW
    analysis = analyze(index, [(r.a, r.b) for r in rows], senses=not raw, params=params,
                       representations=representations_for(method, params, representation),
                       progress=progress, errors="item")
    errors = [f"{rows[n].where}: {error}" for n, error in sorted(analysis.failed.items())]
    if len(analysis.answered) < 2:
        raise InputError(f"only {len(analysis.answered)} of {len(rows)} pairs could be "
                         f"answered: {errors[0]}" if errors else
                         f"a correlation needs at least 2 pairs; the file has {len(rows)}",
                         path=str(tsv))
    golds = [rows[n].gold for n in analysis.answered]
    if len(set(golds)) == 1:  # no correlation: it was NaN, and NaN in --json (not JSON)
        raise InputError(f"every answered pair has the gold score {golds[0]:g}: a correlation "
                         "needs gold scores that differ", path=str(tsv))
    values = scores(index, analysis, method, params, representation)
    if float(np.ptp(values)) <= 1e-6:  # float noise around one value: no ranking either
        raise InputError(f"the {method.value} method gave every answered pair the same score "
                         f"({float(values[0]):g}): no correlation can be measured",
                         path=str(tsv))
    out = {"method": method.value, "spearman": round(spearman(values, golds), 4),
           "pearson": round(pearson(values, golds), 4), "n": len(analysis.answered),
           "skipped": len(errors), "errors": errors[:MAX_ERRORS]}
    if raw:
        out["representation"] = representation or params.representation
    return out
