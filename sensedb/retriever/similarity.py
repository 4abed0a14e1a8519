"""Moved: in-context similarity is the package :mod:`sensedb.similarity`, its evaluation
:mod:`sensedb.evaluation.wic` / :mod:`sensedb.evaluation.graded`, the rank statistics
:mod:`sensedb.evaluation.statistics` and the PAIRS.tsv reader :mod:`sensedb.corpora.pairs`.

This module only re-exports the old names until the imports of ``sensedb/__init__.py``,
``sensedb/retriever/__init__.py`` and ``sensedb/cli.py`` point there; then it is deleted.
"""

from ..corpora.pairs import read_pairs_tsv
from ..evaluation.graded import evaluate_graded
from ..evaluation.statistics import pearson, spearman
from ..evaluation.wic import evaluate_wic
from ..similarity import (
    BUILTIN_PARAMS,
    DEFAULT_METHOD,
    FEATURES,
    METHODS,
    REPRESENTATIONS,
    SimilarityParams,
    SimilarityResult,
    UsageQuery,
    analyze,
    best_threshold,
    fit_params,
    leaving_out_examples,
    load_params,
    path_similarity,
    resolve_params,
    save_params,
    scores,
    similarity,
    similarity_batch,
    store_params_in_index,
    wic_queries,
)

__all__ = [
    "BUILTIN_PARAMS", "DEFAULT_METHOD", "FEATURES", "METHODS", "REPRESENTATIONS",
    "SimilarityParams", "SimilarityResult", "UsageQuery", "analyze", "best_threshold",
    "evaluate_graded", "evaluate_wic", "fit_params", "leaving_out_examples", "load_params",
    "path_similarity", "pearson", "read_pairs_tsv", "resolve_params", "save_params", "scores",
    "similarity", "similarity_batch", "spearman", "store_params_in_index", "wic_queries",
]
