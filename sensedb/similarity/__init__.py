"""In-context similarity that tells senses apart.

Raw cosine of two contextual word vectors separates different words well but senses of one
word badly: every usage of *bank* sits in one cone of the space. This package compares two
usages through the sense index instead, and combines that with the raw cosine.

Methods (:class:`sensedb.vocabulary.SimilarityMethod`): ``raw`` (a cosine in one
:class:`~sensedb.similarity.params.Representation`), ``sense`` (the probability that the two
usages have the same sense, from WSD scores, gloss-context word vectors and nearest labelled
usages), ``combined`` (a logistic regression over both: a probability). The stages, one
module each:

============  ==========================================================================
``params``    :class:`SimilarityParams` (fitted numbers), their JSON, which ones a query
              uses; the built-in ones are package data (``sensedb/data``)
``usages``    :class:`UsageQuery` (input), :class:`SimilarityResult` (output)
``analysis``  locate, encode (one batched pass), disambiguate every usage: an ``Analysis``;
              the gloss-context word vectors (not the index's gloss sentence vectors)
``methods``   the methods' scores and features on an analysis; :func:`similarity`,
              :func:`similarity_batch`
``fitting``   thresholds, the logistic regression, the mixture grid search (WiC train)
============  ==========================================================================

WiC and graded evaluation are in :mod:`sensedb.evaluation` (``wic``, ``graded``); the
PAIRS.tsv reader is :func:`sensedb.corpora.pairs.read_pairs_tsv`.

Note: ``sensedb.similarity`` (the attribute of the ``sensedb`` package) is the *function*
:func:`similarity`; import this package's modules with ``from sensedb.similarity import
params`` or ``from sensedb.similarity.params import ...``, never ``import
sensedb.similarity.params as ...``.
"""

from .analysis import Analysis, analyze, gloss_word_vectors
from .fitting import best_threshold, fit_logistic, fit_params, leaving_out_examples
from .methods import features, path_similarity, scores, similarity, similarity_batch
from .params import (
    BUILTIN_PARAMS,
    COMPONENTS,
    DEFAULT_METHOD,
    FEATURES,
    METHODS,
    REPRESENTATIONS,
    Representation,
    SimilarityParams,
    load_params,
    resolve_params,
    save_params,
    store_params_in_index,
)
from .usages import SenseProbability, SimilarityResult, UsageEvidence, UsageQuery, wic_queries

__all__ = [
    "BUILTIN_PARAMS", "COMPONENTS", "DEFAULT_METHOD", "FEATURES", "METHODS", "REPRESENTATIONS",
    "Analysis", "Representation", "SenseProbability", "SimilarityParams", "SimilarityResult",
    "UsageEvidence", "UsageQuery", "analyze", "best_threshold", "features", "fit_logistic",
    "fit_params", "gloss_word_vectors", "leaving_out_examples", "load_params",
    "path_similarity", "resolve_params", "save_params", "scores", "similarity",
    "similarity_batch", "store_params_in_index", "wic_queries",
]
