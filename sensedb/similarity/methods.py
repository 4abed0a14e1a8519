"""The similarity methods (:class:`~sensedb.vocabulary.SimilarityMethod`) on an analysis.

Ranges: ``raw`` is a cosine in [-1, 1]; ``sense`` and ``combined`` are probabilities in
[0, 1]. A usage compared with itself (the same sentence and target: one row of the analysis,
see :func:`identical`) scores each method's maximum, 1.0: its cosine is 1, and the
probability that it has the same sense as itself is 1 whatever its sense distribution (the
formulas below are for two *different* usages, whose senses are drawn independently).

``raw``
    the cosine of the two word vectors in one representation (``params.representation``,
    see :class:`~sensedb.similarity.params.Representation`).

``sense``
    the probability that the two usages have the same sense, ``sum_s p_a(s) p_b(s)``, where
    ``p_u`` is a distribution over the usage's candidate synsets, a mixture of three
    components weighted by ``params.mix`` (:func:`components`):

    - ``wsd``: softmax of ``score / temperature`` over the candidates, with the scores of
      ``SenseIndex.disambiguate`` (a sense it leaves unscored gets probability 0);
    - ``gloss``: softmax of ``cos(usage, g_s) / gloss_temperature`` over *all* candidate
      senses, ``g_s`` the sense's gloss-context word vector
      (:func:`sensedb.similarity.analysis.gloss_word_vectors`), so senses the indexed corpus
      never labelled still get probability;
    - ``knn``: the sense labels of the usage's ``k`` nearest labelled usages of the same
      lemma, each neighbour one vote split over its gold senses.

    This is the probability that the senses of two usages, drawn independently, agree, so
    it is below 1 for two different usages with one uncertain distribution (``sum_s
    p(s)^2``: it gave 0.217 for "He sat on the bank of the river" / bank with itself on the
    default index) and is 1 for a usage with itself (:func:`component_overlaps`).
    A component missing for a usage is left out and the remaining weights renormalized.
    Senses are compared as synsets, so two different words agree when they share one. When
    the two candidate synset sets are disjoint the score falls back to
    ``sum_{s,t} p_a(s) p_b(t) path(s, t)`` with :func:`path_similarity`.

``combined``
    ``sigmoid(w . z + b)`` over the standardized :data:`~sensedb.similarity.params.FEATURES`
    (:func:`features`): the cosine in the index space, z-scored, of the last four layers and
    of the context shift; the *lemma-centred* cosine (each usage vector minus the mean of its
    candidate senses' gloss-context word vectors, which removes the direction all senses of
    the word share); the cosine of the two contexts (mean of all their words); the sense
    overlap and each of its components alone; the share of nearest labelled usages the two
    have in common (Jaccard); whether their most probable senses agree; log of the number of
    candidate senses. A logistic regression (L2 = 1) fitted on WiC train
    (:func:`sensedb.similarity.fitting.fit_params`), one for each kind of index
    (:func:`sensedb.similarity.params.builtin_params`; the WordNet-only one has no
    neighbour features): a probability, which stays below 1 at
    the features' maxima (it gave 0.886 for the usage above with itself), so the same usage
    is answered 1.0 outright (:func:`scores`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigurationError, InputError
from ..retriever.scoring import softmax
from ..vocabulary import SimilarityMethod
from .analysis import Analysis, AnalyzedUsage, analyze
from .params import COMPONENTS, FEATURES, Representation, SimilarityParams, resolve_params
from .usages import SenseProbability, SimilarityResult, UsageEvidence

if TYPE_CHECKING:
    from ..inventory import WordNet
    from ..retriever import SenseIndex

__all__ = ["Components", "component_overlaps", "components", "cosines", "features",
           "identical", "logistic_predict", "mixture", "mixture_weights", "path_similarity",
           "representations_for", "scores", "sense_scores", "similarity", "similarity_batch",
           "usage_components", "usage_senses", "usage_weights"]

Components = list[list[np.ndarray | None]]  # per usage, per component: a distribution or None
_PATH_CACHE: dict[str, dict[str, int]] = {}


def usage_components(usage: AnalyzedUsage, params: SimilarityParams) -> list[np.ndarray | None]:
    """One usage's sense distributions (float64 over its synsets, each summing to 1) in
    COMPONENTS order; None where a component is missing (no sense with a vector, no
    neighbour). The gloss component weighs each synset's POS by the POS head's
    log-probability (soft evidence, as the WSD score's ``pos_logp``)."""
    wsd = gloss = None
    if usage.wsd is not None and np.isfinite(usage.wsd).any():
        wsd = softmax(usage.wsd, params.temperature)
    if usage.gloss is not None and len(usage.gloss):
        # the gloss cosines at their temperature, plus the POS head's log-probability of each
        # synset's POS: a noun usage's gloss evidence does not go to verb senses
        logits = usage.gloss / max(params.gloss_temperature, 1e-6)
        if usage.pos_logp is not None:
            logits = logits + usage.pos_logp
        gloss = softmax(logits)
    return [wsd, gloss, usage.knn]


def components(analysis: Analysis, params: SimilarityParams) -> Components:
    """:func:`usage_components` of every usage of ``analysis`` (compute once per call and
    pass it on: :func:`features`, :func:`component_overlaps` and the evidence take it)."""
    return [usage_components(u, params) for u in analysis.usages]


def mixture_weights(comps: list[np.ndarray | None], mix: dict[str, float]) -> np.ndarray:
    """Mixture weights of one usage, ``(3,)`` float64: ``mix`` over its available components,
    summing to 1 (all zero when none is available)."""
    w = np.asarray([float(mix.get(name, 0.0)) if c is not None else 0.0
                    for name, c in zip(COMPONENTS, comps, strict=True)])
    return w / w.sum() if w.sum() > 0 else w


def mixture(comps: list[np.ndarray | None], mix: dict[str, float]) -> np.ndarray | None:
    """One usage's sense distribution (float64 over its synsets), None without components."""
    w = mixture_weights(comps, mix)
    if not w.any():
        return None
    return sum(wi * c for wi, c in zip(w, comps, strict=True) if wi > 0)


def path_similarity(inventory: WordNet, a: str, b: str) -> float:
    """WordNet path similarity of synsets ``a`` and ``b``, in [0, 1]:
    ``1 / (1 + shortest path through a common hypernym)``; verbs get a simulated common root
    (as NLTK's default); other POS without common hypernym: 0."""
    if a == b:
        return 1.0
    da, db = _ancestors(inventory, a), _ancestors(inventory, b)
    common = set(da) & set(db)
    if not common:
        return 0.0
    return 1.0 / (1.0 + min(da[c] + db[c] for c in common))


def _ancestors(inventory: WordNet, synset: str) -> dict[str, int]:
    found = _PATH_CACHE.get(synset)
    if found is None:
        found = {synset: 0}
        frontier = [synset]
        while frontier:
            following = []
            for name in frontier:
                parents = inventory.hypernyms(name)
                if not parents and ".v." in name:
                    parents = ["*ROOT*.v"]
                for parent in parents:
                    if parent not in found:
                        found[parent] = found[name] + 1
                        following.append(parent)
            frontier = [f for f in following if not f.startswith("*ROOT*")]
        _PATH_CACHE[synset] = found
    return found


def kernel(index: SenseIndex, ua: AnalyzedUsage, ub: AnalyzedUsage
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows of a, rows of b, weights) such that the overlap of two distributions is
    ``sum w * p_a[i] * p_b[j]``: the shared synsets with weight 1; for disjoint synset sets
    every pair of synsets weighted by its path similarity."""
    slots_b = {s: j for j, s in enumerate(ub.synsets)}
    shared = [(i, slots_b[s]) for i, s in enumerate(ua.synsets) if s in slots_b]
    if shared or not ua.synsets or not ub.synsets:
        rows = np.asarray(shared, dtype=np.int64).reshape(-1, 2)
        return rows[:, 0], rows[:, 1], np.ones(len(rows))
    entries = [(i, j, path_similarity(index.inventory, s, t))
               for i, s in enumerate(ua.synsets) for j, t in enumerate(ub.synsets)]
    entries = [e for e in entries if e[2] > 0]
    if not entries:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    i, j, w = zip(*entries, strict=True)
    return np.asarray(i), np.asarray(j), np.asarray(w, float)


def _kernels(index: SenseIndex, analysis: Analysis) -> list:
    if analysis.kernels is None:
        analysis.kernels = [kernel(index, analysis.usages[a], analysis.usages[b])
                            for a, b in analysis.pair_index]
    return analysis.kernels


def identical(analysis: Analysis) -> np.ndarray:
    """bool ``(n_pairs,)``: the pairs whose two usages are one (the same words and target
    position: :func:`~sensedb.similarity.analysis.analyze` analyses them once)."""
    return analysis.pair_index[:, 0] == analysis.pair_index[:, 1]


def component_overlaps(index: SenseIndex, analysis: Analysis, comps: Components
                       ) -> np.ndarray:
    """``M[pair, i, j]``, float64 ``(n_pairs, 3, 3)``: the overlap of component i of usage a
    with component j of usage b (0 where either is missing). The overlap is bilinear, so the
    mixture's overlap is ``w_a . M . w_b`` (:func:`sense_scores`).

    The overlap of two different usages is the probability that senses drawn independently
    from the two distributions agree (``sum w p_a[i] p_b[j]``, see :func:`kernel`). A usage
    with itself (:func:`identical`) has one sense, whichever it is: its overlaps are 1 (0
    where a component is missing), so its sense score is 1."""
    n = len(analysis.pair_index)
    matrix = np.zeros((n, len(COMPONENTS), len(COMPONENTS)))
    same = identical(analysis)
    for row, ((a, b), (i, j, w)) in enumerate(zip(analysis.pair_index,
                                                  _kernels(index, analysis), strict=True)):
        if same[row]:
            present = np.asarray([c is not None for c in comps[a]], float)
            matrix[row] = np.outer(present, present)
            continue
        if not len(w):
            continue
        ca, cb = comps[a], comps[b]
        left = np.asarray([c[i] if c is not None else np.zeros(len(i)) for c in ca]) * w
        right = np.asarray([c[j] if c is not None else np.zeros(len(j)) for c in cb])
        matrix[row] = left @ right.T
    return matrix


def usage_weights(comps: Components, mix: dict[str, float]) -> np.ndarray:
    """Every usage's mixture weights, float64 ``(n_usages, 3)``."""
    return np.asarray([mixture_weights(c, mix) for c in comps]).reshape(-1, len(COMPONENTS))


def sense_scores(matrix: np.ndarray, weights: np.ndarray, pair_index: np.ndarray
                 ) -> np.ndarray:
    """The sense method's score of every pair, float64 ``(n_pairs,)`` (a probability):
    ``w_a . M . w_b`` with ``weights`` ``(n_usages, 3)`` and ``matrix`` from
    :func:`component_overlaps`."""
    wa, wb = weights[pair_index[:, 0]], weights[pair_index[:, 1]]
    return np.einsum("ni,nij,nj->n", wa, matrix, wb)


def cosines(analysis: Analysis, representation: str) -> np.ndarray:
    """Cosine of the two usages of every pair in ``representation``, float64
    ``(n_pairs,)``, in [-1, 1]; exactly 1 for a usage with itself (:func:`identical`: a
    float32 vector's squared norm is 1 only to ~1e-7, and a zero vector's would be 0)."""
    vectors = analysis.vectors[representation]
    a, b = analysis.pair_index[:, 0], analysis.pair_index[:, 1]
    found = np.einsum("ij,ij->i", vectors[a], vectors[b]).astype(float)
    return np.where(identical(analysis), 1.0, found)


def features(index: SenseIndex, analysis: Analysis, params: SimilarityParams, *,
             comps: Components | None = None) -> np.ndarray:
    """float64 ``(n_pairs, len(FEATURES))`` matrix of the combined method's features; NaN in
    the cosine columns of representations the analysis did not compute (and in the sense
    columns without the sense analysis). ``comps``: :func:`components` of ``analysis``
    under ``params`` if already computed."""
    n = len(analysis.pair_index)
    out = np.full((n, len(FEATURES)), np.nan)
    column = {name: i for i, name in enumerate(FEATURES)}
    for rep, name in (("index", "cos_index"), ("zscore", "cos_zscore"),
                      ("last4", "cos_last4"), ("shift-diff", "cos_shift_diff"),
                      ("context", "cos_context")):
        if rep in analysis.vectors:
            out[:, column[name]] = cosines(analysis, rep)
    if not analysis.senses:
        return out
    for row, (ia, ib) in enumerate(analysis.pair_index):
        ca, cb = analysis.usages[ia].centered, analysis.usages[ib].centered
        out[row, column["cos_centered"]] = float(ca @ cb) if ca is not None \
            and cb is not None else out[row, column["cos_index"]]
    comps = components(analysis, params) if comps is None else comps
    matrix = component_overlaps(index, analysis, comps)
    sense = sense_scores(matrix, usage_weights(comps, params.mix), analysis.pair_index)
    out[:, column["sense"]] = sense
    available = np.asarray([[c is not None for c in comp] for comp in comps], bool)
    available = available.reshape(-1, len(COMPONENTS))
    for c, name in enumerate(COMPONENTS):  # a missing component: the mixture stands in
        both = available[analysis.pair_index[:, 0], c] & available[analysis.pair_index[:, 1], c]
        out[:, column[name]] = np.where(both, matrix[:, c, c], sense)
    tops = []
    for usage, comp in zip(analysis.usages, comps, strict=True):
        mixed = mixture(comp, params.mix)
        tops.append(usage.synsets[int(np.argmax(mixed))] if mixed is not None else None)
    for row, (ia, ib) in enumerate(analysis.pair_index):
        ua, ub = analysis.usages[ia], analysis.usages[ib]
        union = ua.neighbors | ub.neighbors
        out[row, column["shared_neighbors"]] = (len(ua.neighbors & ub.neighbors) / len(union)
                                                if union else 0.0)
        out[row, column["same_top"]] = float(tops[ia] is not None and tops[ia] == tops[ib])
        out[row, column["log_senses"]] = math.log(
            max(1, (len(ua.synsets) + len(ub.synsets)) / 2))
    return out


def scores(index: SenseIndex, analysis: Analysis, method: SimilarityMethod | str,
           params: SimilarityParams, representation: str | None = None, *,
           feature_matrix: np.ndarray | None = None) -> np.ndarray:
    """Scores of every pair of ``analysis`` under ``method`` and ``params``, float64
    ``(n_pairs,)``: cosines (raw, in [-1, 1]) or probabilities (sense, combined, in [0, 1]);
    1.0, the maximum, for a usage with itself (:func:`identical`) whatever the method: the
    combined regression, fitted on pairs of different usages, gives such a pair less (0.886
    in the module docstring's example), not the certainty it has. ``feature_matrix``:
    :func:`features` of ``analysis`` under ``params`` if already computed.

    Raises:
        ConfigurationError: an unknown method; a sense method on an analysis without senses;
            ``combined`` without fitted weights.
    """
    method = SimilarityMethod.parse(method)
    if method is SimilarityMethod.RAW:
        return cosines(analysis, representation or params.representation)
    if not analysis.senses:
        raise ConfigurationError(f"method {method.value!r} needs the sense analysis")
    matrix = features(index, analysis, params) if feature_matrix is None else feature_matrix
    if method is SimilarityMethod.SENSE:
        return matrix[:, FEATURES.index("sense")]
    model = params.combined
    if not model:
        raise ConfigurationError("the combined method has no fitted weights: fit them with "
                                 "`sensedb evaluate-wic ... --train DATA GOLD --save FILE`")
    return np.where(identical(analysis), 1.0, logistic_predict(model, matrix))


def logistic_predict(model: dict, matrix: np.ndarray) -> np.ndarray:
    """The regression's probability, float64 ``(n_pairs,)``, for a features ``matrix``
    (columns in FEATURES order) and ``model`` (``SimilarityParams.combined``)."""
    columns = [FEATURES.index(f) for f in model["features"]]
    z = (matrix[:, columns] - np.asarray(model["mean"])) / np.asarray(model["scale"])
    return 1.0 / (1.0 + np.exp(-(z @ np.asarray(model["coef"]) + model["intercept"])))


def representations_for(method: SimilarityMethod | str, params: SimilarityParams,
                        representation: str | None) -> set[str]:
    """The representations an analysis needs for ``method`` (beyond ``index``)."""
    method = SimilarityMethod.parse(method)
    if method is SimilarityMethod.RAW:
        return {representation or params.representation}
    if method is SimilarityMethod.COMBINED and params.combined:
        wanted = {"cos_zscore": "zscore", "cos_last4": "last4", "cos_shift_diff": "shift-diff"}
        return {wanted[f] for f in params.combined["features"] if f in wanted}
    return set()


def similarity_batch(index: SenseIndex, pairs: Sequence[tuple[Any, Any]],
                     method: SimilarityMethod | str | None = None, *,
                     params: SimilarityParams | dict | str | os.PathLike | None = None,
                     representation: str | None = None, evidence: bool | None = None,
                     progress: bool = False, errors: str = "item") -> list[SimilarityResult]:
    """Similarity of many pairs of usages (each usage ``(sentence, target[, at])`` or a
    :class:`~sensedb.similarity.usages.UsageQuery`): one batched encoder pass over all
    distinct sentences, then one disambiguation per distinct usage. ``method`` defaults to
    the parameters' default method, which answers a pair of two different words (lemmas), or
    with a word WordNet lacks, with the raw cosine (its result says ``method="raw"``; the
    sense methods rank such pairs worse, and cannot answer a word without senses);
    ``params`` as :func:`resolve_params`; ``evidence``
    (default: not for ``raw``) adds each usage's top 3 senses.

    One bad pair never stops the batch: with ``errors="item"`` (the default) a pair whose
    usage cannot be analysed (not a usage, a target not in its sentence, and for a sense
    method asked for by name a word WordNet lacks) gets a result with ``error`` set (a
    :class:`sensedb.Error` naming the usage and the problem) and ``score``/``cosine`` None;
    ``errors="raise"`` raises it instead. ``raw`` needs no WordNet: a word it lacks still
    gets its cosine.

    Raises:
        ConfigurationError: an unknown method or representation; ``combined`` without
            fitted weights; unusable parameters.
        InputError: ``index`` not an open index (``sensedb.open()``); ``pairs`` a string,
            bytes, mapping or anything not iterable rather than
            a sequence of pairs (a string was walked character by character, each character
            a "pair"; None was a TypeError); a
            parameters file that cannot be read; with ``errors="raise"``, a malformed pair
            or usage, a target not in its sentence.
    """
    from ..retriever.index import check_open_index

    check_open_index(index, "similarity")  # was an AttributeError from resolve_params
    if isinstance(pairs, str | bytes | bytearray | dict) or not isinstance(pairs, Iterable):
        raise InputError(f"pairs must be a list of (usage, usage) pairs, not "
                         f"{type(pairs).__name__}")
    params = resolve_params(index, params)
    if representation is not None:
        Representation.check(representation)
    chosen = method is not None
    method = SimilarityMethod.parse(method or params.default_method)
    evidence = method is not SimilarityMethod.RAW if evidence is None else evidence
    senses = method is not SimilarityMethod.RAW or evidence
    # the default method answers a usage of a word WordNet lacks by the raw cosine (below);
    # a sense method asked for by name cannot answer it
    analysis = analyze(index, pairs, representations=representations_for(
        method, params, representation), senses=senses, params=params, progress=progress,
        errors=errors, lemmas=chosen and method is not SimilarityMethod.RAW)
    comps = components(analysis, params) if senses else None
    matrix = features(index, analysis, params, comps=comps) if senses else None
    values = scores(index, analysis, method, params, representation, feature_matrix=matrix)
    threshold = params.threshold(method, representation)
    cosine = cosines(analysis, "index")
    evidences = _evidence(analysis, params, comps) if evidence else None
    # the default method falls back to the raw cosine for pairs of two different words: the
    # sense methods rank those worse than the cosine does (BENCHMARKS.md, "A trained
    # retrieval head": the different-word check); so it does for a usage of a word WordNet
    # lacks, which has no senses; a method asked for by name is kept
    different = [not chosen and method is not SimilarityMethod.RAW
                 and (_word(analysis.usages[ia]) != _word(analysis.usages[ib])
                      or not analysis.usages[ia].synsets or not analysis.usages[ib].synsets)
                 for ia, ib in analysis.pair_index]
    raw_threshold = params.threshold(SimilarityMethod.RAW)
    # the features the parameters' regression reads (a WordNet-only set has no neighbour
    # features: showing them would suggest they count)
    shown = set(params.combined["features"] if params.combined else FEATURES)
    results: list[SimilarityResult | None] = [None] * (len(analysis.answered)
                                                       + len(analysis.failed))
    for number, error in analysis.failed.items():
        results[number] = SimilarityResult(score=None, method=method.value, cosine=None,
                                           error=error)
    for row, (number, (ia, ib)) in enumerate(zip(analysis.answered, analysis.pair_index,
                                                 strict=True)):
        score = float(cosine[row] if different[row] else values[row])
        cut = raw_threshold if different[row] else threshold
        results[number] = (SimilarityResult(
            score=round(score, 6), method="raw" if different[row] else method.value,
            cosine=round(float(cosine[row]), 6),
            same=None if cut is None else bool(score >= cut), threshold=cut,
            features={} if matrix is None else {
                name: round(float(v), 6) for name, v in zip(FEATURES, matrix[row], strict=True)
                if not math.isnan(v) and name in shown},
            a=evidences[ia] if evidences else None, b=evidences[ib] if evidences else None))
    return results  # type: ignore[return-value]  (every slot filled)


def _word(usage: AnalyzedUsage) -> str:
    """The word a usage is of, for the different-word fallback: its lemma, else its text."""
    return (usage.lemma or usage.target.surface).lower().replace(" ", "_")


def similarity(index: SenseIndex, a: Any, b: Any, method: SimilarityMethod | str | None = None,
               *, params: SimilarityParams | dict | str | os.PathLike | None = None,
               representation: str | None = None) -> SimilarityResult:
    """Similarity of two usages (each ``(sentence, target[, at])`` or a
    :class:`~sensedb.similarity.usages.UsageQuery`) with the evidence: each usage's top 3
    senses with probabilities. See :func:`similarity_batch` (its errors too: a bad usage
    raises here, its message naming the usage, ``a`` or ``b``, as the batch's do)."""
    (result,) = similarity_batch(index, [(a, b)], method, params=params,
                                 representation=representation, evidence=True, errors="item")
    if result.error is not None:
        raise result.error
    return result


def usage_senses(usage: AnalyzedUsage, comps: list[np.ndarray | None] | None,
                 params: SimilarityParams) -> np.ndarray | None:
    """The sense distribution a usage's evidence shows, float64 over its synsets: the
    probabilities ``wsd`` gives the same usage (softmax of ``disambiguate``'s scores, which
    carry the formula's own temperature), so ``similarity`` never says a usage has another
    sense than ``wsd`` does; the mixture (:func:`mixture`) only where ``disambiguate``
    scored no sense. (The mixture, whose gloss component is sharp, is what the ``sense``
    score overlaps; shown, its first sense was not ``wsd``'s for 54% of WiC dev's usages
    on the default index and 46% on a SemCor index.)
    None without components."""
    if usage.wsd is not None and np.isfinite(usage.wsd).any():
        return softmax(usage.wsd)
    return mixture(comps, params.mix) if comps is not None else None


def _evidence(analysis: Analysis, params: SimilarityParams, comps: Components | None
              ) -> list[UsageEvidence]:
    out = []
    for number, usage in enumerate(analysis.usages):
        dist = usage_senses(usage, comps[number], params) if comps is not None \
            and analysis.senses else None
        top = []
        if dist is not None:
            for slot in np.argsort(-dist, kind="stable")[:3]:
                top.append(SenseProbability(usage.keys[slot], usage.synsets[slot],
                                            round(float(dist[slot]), 4), usage.glosses[slot]))
        out.append(UsageEvidence(usage.target.shown, usage.target.position, usage.lemma,
                                 usage.pos, top))
    return out
