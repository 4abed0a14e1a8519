"""Analysis of usages, once per batch: locate each target, encode every representation in one
batched encoder pass, and (for the sense methods) disambiguate each usage through the index.

The methods (:mod:`sensedb.similarity.methods`) turn an :class:`Analysis` into scores under
any parameters, so fitting and benchmarks analyse once and score many times.

**Two kinds of gloss vector.** The *index's* gloss vector of a sense (WordNet vectors, written
by the indexer) is the sentence vector of ``"lemma: gloss"``. The similarity methods use a
different one, the **gloss-context word vector** (:func:`gloss_word_vectors`): the contextual
*word* vector of the lemma in ``"lemma : gloss"`` (token 0), in the index's layers and
normalizer, computed here from ``inventory.sense(key).gloss`` (never from WordNet's usage
examples) and cached per open index. Being a word vector, it lives in the same space as the
usage's own word vector, which is what the ``gloss`` component and the lemma-centred cosine
compare it with.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..corpora import tokenize
from ..errors import Error, IndexFormatError, InputError
from ..pos_head import content_log_probabilities
from ..store import l2_normalize
from ..vocabulary import POS_TAGS
from .params import SimilarityParams
from .usages import UsageQuery

if TYPE_CHECKING:
    from ..retriever import SenseIndex, Target

__all__ = ["Analysis", "AnalyzedUsage", "analyze", "clear_gloss_word_vectors",
           "gloss_word_vectors"]

_EPS = 1e-3  # shift-log: log(|h| + eps), so a coordinate near 0 does not explode
_GLOSS_WORD_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class AnalyzedUsage:
    """A located usage and, for the sense methods, its candidate synsets with the raw
    (temperature-free) numbers of every component, each a float64 array of shape
    ``(len(synsets),)``."""

    target: Target
    pairs: list[tuple[str, str]]  # candidate (lemma, POS) pairs
    synsets: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # a representative key per synset
    glosses: list[str] = field(default_factory=list)
    wsd: np.ndarray | None = None  # per synset: disambiguate's score, NaN without vector
    gloss: np.ndarray | None = None  # per synset: cosine to the gloss-context word vector
    pos_logp: np.ndarray | None = None  # per synset: log P(its POS | the usage), POS head
    knn: np.ndarray | None = None  # per synset: share of the neighbours' votes (sums to 1)
    neighbors: frozenset[int] = frozenset()  # token ids of the k nearest labelled usages
    centered: np.ndarray | None = None  # (dim,) float32: index vector minus its candidates'
    #                                     gloss-context centroid, L2-normalized
    lemma: str = ""
    pos: str = ""
    lemma_error: Error | None = None  # WordNet does not know the target (no sense analysis)


@dataclass
class Analysis:
    """Usages of a batch of pairs, analysed once; :func:`sensedb.similarity.methods.scores`
    turns it into any method's scores under any parameters (this is what fitting and the
    benchmark reuse).

    ``pair_index``: int64 ``(n_pairs, 2)``, rows into ``usages`` (identical usages are
    analysed once). ``vectors``: representation -> float32 ``(n_usages, dim)``, rows
    L2-normalized, plus ``"raw"`` (the encoder's vectors of the index's layers, unnormalized)
    and ``"context"`` (the mean of all the sentence's words, L2-normalized).

    ``answered``: for every row of ``pair_index``, the pair's number in the input;
    ``failed``: input pair number -> the error that left it out (only with
    ``errors="item"``, see :func:`analyze`).
    """

    usages: list[AnalyzedUsage]
    pair_index: np.ndarray
    vectors: dict[str, np.ndarray]
    senses: bool
    k: int
    kernels: list | None = None  # per pair, see methods.kernel (computed on first use)
    answered: list[int] = field(default_factory=list)
    failed: dict[int, Error] = field(default_factory=dict)


def l2_rows(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` (``(n, dim)``) divided by their L2 norm (zero rows stay zero), float32.

    numpy on purpose: ``faiss.normalize_L2`` (the store's normalizer) multiplies by the
    reciprocal norm and differs in the last bit, which would move the similarity outputs."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _shift_log(last: np.ndarray, h0: np.ndarray, log_sign: str) -> np.ndarray:
    log_ratio = np.log(np.abs(last) + _EPS) - np.log(np.abs(h0) + _EPS)
    if log_sign == "signed":
        return np.sign(last * h0) * log_ratio
    if log_sign == "magnitude":
        return log_ratio
    return np.where(last * h0 > 0, log_ratio, 0.0)  # "zero": the baseline's NaN -> 0


def _needed_specs(representations: Iterable[str]) -> set[str]:
    need = {"index"}
    for rep in representations:
        need |= {"last4": {"last4"}, "last": {"last"}, "shift-diff": {"last", "h0"},
                 "shift-log": {"last", "h0"}}.get(rep.partition(":")[0], set())
    return need


def _locate(index: SenseIndex, query: UsageQuery, lemmas: bool
            ) -> tuple[Target, list[tuple[str, str]], Error | None]:
    """The located target, its candidate (lemma, POS) pairs, and the error that left them
    empty (WordNet does not know the word) when ``lemmas`` is False (else it is raised)."""
    target = index.locate(query.sentence, query.target, query.at)
    pairs: list[tuple[str, str]] = []
    if query.lemma:
        pos = query.pos or "NOUN"
        if index.inventory.candidates(query.lemma, pos):
            pairs = [(query.lemma.lower().replace(" ", "_"), pos)]
    if not pairs:
        try:
            pairs = index.target_candidates(target, query.pos)
        except InputError as exc:
            if lemmas:
                raise
            return target, [], exc
    return target, pairs, None


def _with_usage(exc: Error, name: str) -> Error:
    """``exc`` as the same type naming which usage of the pair (``a`` or ``b``) failed, in
    its message and in its ``usage`` attribute (the service names the request field by it)."""
    return _prefixed(exc, f"usage {name}", name)


def _prefixed(exc: Error, prefix: str, usage: str | None) -> Error:
    """``exc`` as the same type, its message opened with ``prefix`` and its ``usage``
    attribute set; ``exc`` itself for an error type whose constructor takes other
    arguments."""
    try:
        named = type(exc)(f"{prefix}: {exc}")
    except TypeError:
        return exc
    named.usage = usage
    return named


def analyze(index: SenseIndex, pairs: Sequence[tuple[Any, Any]], *,
            representations: Iterable[str] = ("index",), senses: bool = True,
            params: SimilarityParams | None = None, k: int | None = None,
            log_sign: str | None = None, progress: bool = False, errors: str = "raise",
            lemmas: bool | None = None) -> Analysis:
    """Locate, encode (one batched encoder pass over the distinct sentences) and, with
    ``senses``, disambiguate every usage of ``pairs`` (each a pair of usages, see
    :meth:`UsageQuery.of`).

    ``representations``: names of :class:`~sensedb.similarity.params.Representation`
    (``shift-log:SIGN`` for a sign rule other than ``log_sign``); ``index`` is always
    computed. ``k`` (default ``params.k``): nearest labelled usages per usage for the ``knn``
    component and the shared-neighbour feature.

    ``errors``: ``"raise"`` (the first bad pair raises) or ``"item"``: a pair whose usage
    cannot be analysed (not a usage, target not in its sentence, a word WordNet lacks when
    ``lemmas``) is left out and its error kept in ``Analysis.failed``, so one bad pair never
    stops a batch. ``lemmas`` (default: ``senses``): whether a usage needs WordNet to know
    its word; without it, a word WordNet lacks still gets its vectors (a raw cosine) and no
    senses.

    Raises:
        InputError: with ``errors="raise"``: a pair that is not two usages, a usage that is
            not one, a target not found in its sentence, a word WordNet lacks (``lemmas``).
        IndexLockedError: WordNet vectors had to be added while another process writes.
    """
    if errors not in ("raise", "item"):
        raise InputError(f'errors must be "raise" or "item", not {errors!r}')
    params = params or SimilarityParams()
    k = params.k if k is None else k
    log_sign = log_sign or params.log_sign
    lemmas = senses if lemmas is None else lemmas
    representations = set(representations) | {"index"}
    usages: list[AnalyzedUsage] = []
    slots: list[int] = []
    keyed: dict = {}
    answered: list[int] = []
    failed: dict[int, Error] = {}
    for number, pair in enumerate(pairs):
        located = []
        try:
            try:
                a, b = pair
            except (TypeError, ValueError):
                raise InputError(f"pair #{number}: expected two usages, got {pair!r}") from None
            for name, usage in (("a", a), ("b", b)):
                try:
                    located.append(_locate(index, UsageQuery.of(usage), lemmas))
                except IndexFormatError:
                    raise
                except Error as exc:
                    raise _with_usage(exc, name) from None  # "usage b: ...", either way
        except IndexFormatError:
            raise
        except Error as exc:
            if errors == "raise":
                if str(exc).startswith("pair #"):
                    raise
                raise _prefixed(exc, f"pair #{number}", getattr(exc, "usage", None)) from None
            failed[number] = exc
            continue
        answered.append(number)
        for target, lemma_pairs, lemma_error in located:  # identical usages analysed once
            key = (tuple(target.words), target.index, tuple(lemma_pairs))
            if key not in keyed:
                keyed[key] = len(usages)
                usages.append(AnalyzedUsage(target, lemma_pairs, lemma_error=lemma_error))
            slots.append(keyed[key])
    pair_index = np.asarray(slots, dtype=np.int64).reshape(-1, 2)

    vectors, contexts, tags = _encode(index, usages, representations, log_sign, progress,
                                      sentence_vectors=senses and index.uses_context,
                                      pos=senses)
    if senses and usages:
        index.ensure((p for u in usages for p in u.pairs), progress=progress)
        _analyze_senses(index, usages, vectors["raw"], vectors["index"], k, contexts, tags)
    return Analysis(usages, pair_index, vectors, senses, k, answered=answered, failed=failed)


def _encode(index: SenseIndex, usages: list[AnalyzedUsage], representations: set[str],
            log_sign: str, progress: bool, *, sentence_vectors: bool = False,
            pos: bool = False
            ) -> tuple[dict[str, np.ndarray], list[np.ndarray | None], list[np.ndarray | None]]:
    """The usages' vectors of every representation; (``sentence_vectors``) each usage's
    sentence vector ((dim,) float32, L2-normalized, what ``SenseIndex.disambiguate`` scores
    as its context); and (``pos``, with a POS head) each usage's content-POS
    log-probabilities ((4,) float64, NOUN VERB ADJ ADV, what ``disambiguate`` takes as
    ``pos_logp``), all from the same forward pass; None each otherwise."""
    encoder = index.encoder
    need = _needed_specs(representations)
    specs = {"index": encoder.layer_spec, "last": "last", "last4": "last4", "h0": "0"}
    sentences: dict[tuple[str, ...], int] = {}
    for usage in usages:
        sentences.setdefault(tuple(usage.target.words), len(sentences))
    if not usages:
        return ({rep: np.zeros((0, encoder.dim), np.float32) for rep in representations},
                [], [])
    chosen = {name: specs[name] for name in need}
    head = index.pos_head if pos else None
    if head is not None:
        chosen["pos"] = head.layers
    contexts: list[np.ndarray | None] = [None] * len(usages)
    if sentence_vectors:  # one forward pass for the word and the sentence vectors
        out, found = encoder.word_and_sentence_vectors([list(s) for s in sentences], chosen,
                                                       progress=progress)
        found = l2_normalize(found)  # as SenseIndex.encode_sentences
        contexts = [found[sentences[tuple(u.target.words)]] for u in usages]
    else:
        out = encoder.word_vectors_multi([list(s) for s in sentences], chosen,
                                         progress=progress)
    raw = {name: np.stack([out[name][sentences[tuple(u.target.words)]][u.target.index]
                           for u in usages]) for name in need}
    tags: list[np.ndarray | None] = [None] * len(usages)
    if head is not None:  # a whole sentence at a time: a head may read a word's neighbours
        # the tags `wsd` reads, its rules applied, so that a usage's senses are the ones
        # `wsd` gives (without the rules a verb reading of "the sentence" kept 0.0007 of
        # the probability here and 0.0003 there)
        tagged = [index.sentence_tags(list(words), rows)
                  for words, rows in zip(sentences, out["pos"], strict=True)]
        tags = [content_log_probabilities(tagged[sentences[tuple(u.target.words)]][u.target.index])
                for u in usages]
    # "raw": the encoder's own vectors of the index's layers (what disambiguate takes);
    # "context": the mean of all the sentence's words in those layers (topic of the context)
    context = np.stack([out["index"][sentences[tuple(u.target.words)]].mean(0) for u in usages])
    vectors = {"raw": raw["index"], "index": index.normalizer(raw["index"]),
               "context": l2_rows(context)}
    for rep in representations:
        if rep == "last":
            vectors[rep] = l2_rows(raw["last"])
        elif rep == "last4":
            vectors[rep] = l2_rows(raw["last4"])
        elif rep == "zscore":
            vectors[rep] = index.manifest.zscore_normalizer()(raw["index"])
        elif rep == "shift-diff":
            vectors[rep] = l2_rows(raw["last"] - raw["h0"])
        elif rep.startswith("shift-log"):  # "shift-log" or "shift-log:SIGN"
            sign = rep.partition(":")[2] or log_sign
            vectors[rep] = l2_rows(_shift_log(raw["last"], raw["h0"], sign))
    return vectors, contexts, tags


def gloss_word_vectors(index: SenseIndex, keys: Iterable[str]) -> dict[str, np.ndarray]:
    """Gloss-context word vectors: for each sense key, the index-space word vector (float32
    ``(dim,)``, L2-normalized) of the lemma in ``"lemma : gloss"`` (glosses only, never usage
    examples). Not the index's own gloss vector (a sentence vector of ``"lemma: gloss"``, see
    the module docstring). Cached per open index: the returned dict holds at least ``keys``.

    Raises:
        InventoryError: a key WordNet does not know.
    """
    cache = _GLOSS_WORD_CACHE.setdefault(index, {})
    missing = [k for k in dict.fromkeys(keys) if k not in cache]
    if missing:
        sentences = []
        for key in missing:
            sense = index.inventory.sense(key)
            sentences.append([sense.lemma.replace("_", " "), ":", *tokenize(sense.gloss)])
        vectors = index.encoder.word_vectors(sentences)
        normalized = index.normalizer(np.stack([v[0] for v in vectors]))
        cache.update(zip(missing, normalized, strict=True))
    return cache


def clear_gloss_word_vectors(index: SenseIndex) -> None:
    """Forget the cached gloss-context word vectors of ``index`` (benchmarks: a cold run)."""
    _GLOSS_WORD_CACHE.pop(index, None)


def _analyze_senses(index: SenseIndex, usages: list[AnalyzedUsage], raw: np.ndarray,
                    vectors: np.ndarray, k: int, contexts: list[np.ndarray | None],
                    tags: list[np.ndarray | None]) -> None:
    inventory = index.inventory
    # the candidates' rows and their lemmas' bare vectors in one pass, not one per usage
    index.prefetch(pair for usage in usages for pair in usage.pairs or ())
    answers = []
    for usage, vector, context, tag in zip(usages, raw, contexts, tags, strict=True):
        # a word WordNet lacks: no senses; the POS head's evidence as in ``wsd``
        answers.append(index.disambiguate(usage.target, usage.pairs, vector, k=0,
                                          context=context, pos_logp=tag)
                       if usage.pairs else None)
    glosses = gloss_word_vectors(index, (s.key for a in answers if a for s in a.senses))
    for usage, vector, answer, tag in zip(usages, vectors, answers, tags, strict=True):
        if answer is None:
            continue
        usage.lemma, usage.pos = answer.lemma, answer.pos
        by_synset: dict[str, int] = {}
        wsd: list[float] = []
        gloss: list[float] = []
        pos_logp: list[float] = []
        # WordNet order of the candidates keeps the evidence stable among equal scores
        for sense in sorted(answer.senses, key=lambda s: (s.pos, s.lemma, s.rank)):
            score = math.nan if sense.score is None else float(sense.score)
            g = float(glosses[sense.key] @ vector)
            slot = by_synset.get(sense.synset)
            if slot is None:
                by_synset[sense.synset] = len(usage.synsets)
                usage.synsets.append(sense.synset)
                usage.keys.append(sense.key)
                usage.glosses.append(sense.gloss)
                wsd.append(score)
                gloss.append(g)
                pos_logp.append(0.0 if tag is None else float(tag[POS_TAGS.index(sense.pos)]))
            else:  # two candidate lemmas in one synset: keep the better of each
                wsd[slot] = np.nanmax([wsd[slot], score]) if not (
                    math.isnan(wsd[slot]) and math.isnan(score)) else math.nan
                gloss[slot] = max(gloss[slot], g)
        usage.wsd, usage.gloss = np.asarray(wsd, float), np.asarray(gloss, float)
        usage.pos_logp = np.asarray(pos_logp, float)
        if answer.senses:
            centroid = np.mean([glosses[sense.key] for sense in answer.senses], axis=0)
            usage.centered = l2_rows((vector - centroid)[None, :])[0]
        if k > 0 and usage.synsets:
            neighbors = index.nearest(vector, usage.pairs, k)
            votes = np.zeros(len(usage.synsets))
            for neighbor in neighbors:
                found = [by_synset[inventory.sense(key).synset] for key in neighbor.senses
                         if inventory.has_key(key)
                         and inventory.sense(key).synset in by_synset]
                for slot in found:
                    votes[slot] += 1.0 / len(found)
            usage.knn = votes / votes.sum() if votes.sum() > 0 else None
            usage.neighbors = frozenset(n.token_id for n in neighbors)
