"""In-context similarity that tells senses apart.

Raw cosine of two contextual word vectors separates different words well but senses of one
word badly: every usage of *bank* sits in one cone of the space. This module compares two
usages through the sense index instead, and combines that with the raw cosine.

**Methods** (``method=``):

``raw``
    cosine of the two word vectors in one *representation* (``params.representation``):

    - ``index``: the index's own layers and normalizer (= :meth:`SenseIndex.similarity`);
    - ``last`` / ``last4``: the last layer / the mean of the last four, L2-normalized;
    - ``zscore``: the index's layers z-scored with the index's corpus statistics
      (``manifest["stats"]`` through :class:`sensedb.store.Normalizer`, dead dimensions
      zeroed), whether or not the index itself is standardized;
    - ``shift-diff``: ``h^L - h^0`` (last layer minus the input embeddings: how far the
      context moved the word);
    - ``shift-log``: ``log(h^L / h^0)`` element-wise. A ratio is negative wherever the context
      flipped a coordinate's sign, and its log is undefined there. ``params.log_sign`` says
      what happens, with ``log|r|`` computed as ``log(|h^L| + eps) - log(|h^0| + eps)``
      (``eps = 1e-3``, so a coordinate near 0 does not explode): ``"zero"`` (default) =
      ``log|r|`` where the sign is kept, 0 where it flipped (the baseline's NaN -> 0: a flipped
      coordinate contributes nothing); ``"signed"`` = ``sign(r) * log|r|`` (a flip with
      ``|r| = 1`` also gives 0, a flip with a large change a negative log); ``"magnitude"`` =
      ``log|r|`` ignoring the sign. Measured (scripts/bench_similarity.py, WiC train / dev):
      zero 57.2 / 57.7, magnitude 57.2 / 54.9, signed 55.7 / 56.3; all below the raw cosine.

``sense``
    the probability that the two usages have the same sense, ``sum_s p_a(s) p_b(s)``, where
    ``p_u`` is a distribution over the usage's candidate senses (WordNet synsets of the
    candidate lemma/POS pairs), a mixture of three components weighted by ``params.mix``:

    - ``wsd``: softmax of ``score / temperature`` over the candidates, with the scores of
      :meth:`SenseIndex.disambiguate` (whatever its scoring is: better WSD flows in here;
      a sense it leaves unscored, ``score=None``, gets probability 0);
    - ``gloss``: softmax of ``cos(usage, g_s) / gloss_temperature`` over *all* candidate senses,
      where ``g_s`` is the usage vector of the lemma in ``"lemma : gloss"`` computed here from
      ``inventory.sense(key).gloss`` (never from WordNet's usage examples), so senses that
      the indexed corpus never labelled still get probability;
    - ``knn``: the sense labels of the usage's ``k`` nearest labelled usages of the same
      lemma (:meth:`SenseIndex.nearest`), each neighbour one vote split over its gold senses.

    A component that is missing for a usage (no sense with a vector, no neighbour) is left out
    and the remaining weights renormalized. Senses are compared as *synsets*, so two
    different words agree when they share a synset (*car* / *automobile*). When the two
    candidate synset sets are disjoint (two different words with no common synset) the score
    falls back to ``sum_{s,t} p_a(s) p_b(t) path(s, t)`` with WordNet's path similarity
    ``1 / (1 + shortest hypernym path)`` (verbs get a simulated common root, as in NLTK;
    adjectives and adverbs score 0 across synsets).

``combined``
    ``sigmoid(w . z + b)`` over the standardized features ``z`` of :data:`FEATURES`: the
    cosine in the index space, z-scored, of the last four layers and of the context shift;
    the *lemma-centred* cosine (each usage vector minus the mean of its candidate senses' gloss
    vectors, which removes the direction all senses of the word share); the cosine of the two
    contexts (mean of all their words); the sense overlap and each of its components alone;
    the share of nearest labelled usages the two have in common (Jaccard); whether their most
    probable senses agree; log of the number of candidate senses. A logistic regression
    (L2 = 1) fitted on WiC train (:func:`fit_params`).

**Parameters** (:class:`SimilarityParams`: temperatures, mixture weights, regression weights,
thresholds) come, first found: from ``params=`` (an object or a JSON file written by
:func:`save_params`, e.g. ``sensedb evaluate-wic ... --train ... --save FILE``); from the
index manifest key ``"similarity"`` (:func:`store_params_in_index`); else the built-in
:data:`BUILTIN_PARAMS`, fitted on WiC train with the SemCor index of all-MiniLM-L6-v2 (last
layer, no standardization) by ``scripts/bench_similarity.py``.

**Leakage.** About two thirds of WiC's sentences are WordNet usage examples verbatim, so
:func:`evaluate_wic` (and fitting on WiC through it) answers with ``index.use_examples =
False``: WordNet's examples are left out of the WSD scores and the nearest usages, unless
``allow_wordnet_examples=True``. The gloss vectors here are computed from glosses only.
:func:`fit_params` called directly does not switch anything: wrap it in
:func:`leaving_out_examples` (as ``scripts/bench_similarity.py`` does).
"""

from __future__ import annotations

import csv
import json
import math
import os
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..corpora import WicPair, read_wic, tokenize
from ..errors import ConfigurationError, InputError
from ..store import Normalizer
from .scoring import softmax

if TYPE_CHECKING:
    from ..inventory import WordNet
    from .index import SenseIndex, Target

__all__ = [
    "BUILTIN_PARAMS", "DEFAULT_METHOD", "FEATURES", "METHODS", "REPRESENTATIONS",
    "SimilarityParams", "SimilarityResult", "UsageQuery", "analyze", "evaluate_graded",
    "evaluate_wic", "fit_params", "load_params", "path_similarity", "read_pairs_tsv",
    "resolve_params", "save_params", "scores", "similarity", "similarity_batch",
    "store_params_in_index",
]

METHODS = ("raw", "sense", "combined")
REPRESENTATIONS = ("index", "last", "last4", "zscore", "shift-diff", "shift-log")
LOG_SIGNS = ("signed", "magnitude", "zero")
COMPONENTS = ("wsd", "gloss", "knn")
FEATURES = ("cos_index", "cos_zscore", "cos_last4", "cos_shift_diff", "cos_centered",
            "cos_context", "sense", "wsd", "gloss", "knn", "shared_neighbors", "same_top",
            "log_senses")
MANIFEST_KEY = "similarity"
PARAMS_VERSION = 1
_EPS = 1e-3


# --------------------------------------------------------------------------- parameters
@dataclass
class SimilarityParams:
    """Everything fitted for the similarity methods (JSON via :func:`save_params`).

    ``thresholds`` maps a method name (``"raw"``, ``"sense"``, ``"combined"``; for other raw
    representations ``"raw:REPR"``) to the score above which two usages count as the same
    sense. ``combined`` holds the logistic regression: ``features``, ``mean``, ``scale``
    (standardization), ``coef``, ``intercept``.
    """

    representation: str = "index"
    log_sign: str = "zero"
    k: int = 10
    temperature: float = 0.05
    gloss_temperature: float = 0.05
    mix: dict[str, float] = field(default_factory=lambda: {"wsd": 1.0, "gloss": 1.0,
                                                           "knn": 1.0})
    combined: dict[str, Any] | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    default_method: str = "combined"
    fitted_on: str = ""

    def __post_init__(self) -> None:
        if self.representation not in REPRESENTATIONS:
            raise ConfigurationError(f"unknown representation {self.representation!r}: use one "
                                     f"of {', '.join(REPRESENTATIONS)}")
        if self.log_sign not in LOG_SIGNS:
            raise ConfigurationError(f"unknown log_sign {self.log_sign!r}: use one of "
                                     f"{', '.join(LOG_SIGNS)}")
        if self.default_method not in METHODS:
            raise ConfigurationError(f"unknown default method {self.default_method!r}")

    def to_dict(self) -> dict:
        return {"version": PARAMS_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> SimilarityParams:
        data = dict(data)
        version = data.pop("version", PARAMS_VERSION)
        if version != PARAMS_VERSION:
            raise ConfigurationError(f"similarity parameters of version {version}, this sensedb "
                                     f"reads {PARAMS_VERSION}")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def threshold(self, method: str, representation: str | None = None) -> float | None:
        return self.thresholds.get(_method_key(method, representation or self.representation))


def _method_key(method: str, representation: str = "index") -> str:
    return f"raw:{representation}" if method == "raw" and representation != "index" else method


# Fitted by scripts/bench_similarity.py on WiC train (5,428 pairs) with runs/semcor-index
# (SemCor 3.0, all-MiniLM-L6-v2, last layer, no standardization); WiC dev never used.
BUILTIN_PARAMS: dict[str, Any] = {
    "representation": "index", "log_sign": "zero", "k": 10,
    "temperature": 1.0, "gloss_temperature": 0.01,
    "mix": {"wsd": 1.0, "gloss": 3.0, "knn": 1.0},
    "combined": {
        "features": list(FEATURES),
        "mean": [0.7124419549525377, 0.6908359195370133, 0.8083145172556886, 0.6996387874662283,
            0.4182896473516718, 0.2932042884103358, 0.2342235114834725, 0.34209192889990236,
            0.2693696353179375, 0.434040961746201, 0.36478764038888806, 0.3668017686072218,
            2.2973940765837817],
        "scale": [0.15812189600882479, 0.16662476569900672, 0.11879589238680507,
            0.17319578316243994, 0.18372364979224895, 0.15825305745509985, 0.20968178217416777,
            0.2534433243988651, 0.28648191034174775, 0.2849243398197373, 0.3648978072337883,
            0.48193177022669387, 0.8770418633619158],
        "coef": [-2.34355852, 1.7564767, 0.48054067, -0.15230978, 0.5733513, 0.38291669, 1.06642867,
            -0.25834581, -0.19719096, 0.29820476, -0.16578049, -0.07958174, -0.12089497],
        "intercept": 0.09391154,
    },
    "thresholds": {"sense": 0.202626, "combined": 0.486678, "raw": 0.787241, "raw:last": 0.787241,
        "raw:last4": 0.874193, "raw:zscore": 0.790357, "raw:shift-diff": 0.789504,
        "raw:shift-log": 0.386262},
    "default_method": "combined",
    "fitted_on": "WiC train (5428 pairs), runs/semcor-index (SemCor, all-MiniLM-L6-v2, "
                 "last layer, WordNet gloss evidence), WordNet examples left out",
}
DEFAULT_METHOD: str = BUILTIN_PARAMS["default_method"]


def save_params(params: SimilarityParams, path: str | os.PathLike) -> None:
    """Write parameters as JSON (read back with :func:`load_params` or ``--params FILE``)."""
    Path(path).write_text(json.dumps(params.to_dict(), indent=2) + "\n")


def load_params(path: str | os.PathLike) -> SimilarityParams:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"cannot read similarity parameters: {exc.strerror or exc}",
                         path=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc}", path=str(path)) from exc
    return SimilarityParams.from_dict(data)


def store_params_in_index(index: SenseIndex, params: SimilarityParams) -> None:
    """Record parameters in the index manifest (key ``"similarity"``), where
    :func:`resolve_params` finds them for every later query of that index."""
    with index.directory.lock(), index.directory.db.session() as session:
        index.directory.db.set_manifest(session, {MANIFEST_KEY: params.to_dict()})
    index.manifest = index.directory.manifest()


def resolve_params(index: SenseIndex,
                   params: SimilarityParams | str | os.PathLike | None = None
                   ) -> SimilarityParams:
    """``params`` (object or JSON path), else the index manifest's, else the built-in ones."""
    if isinstance(params, SimilarityParams):
        return params
    if params is not None:
        return load_params(params)
    stored = index.manifest.similarity
    if stored:
        return SimilarityParams.from_dict(stored)
    return SimilarityParams.from_dict(BUILTIN_PARAMS)


# --------------------------------------------------------------------------- inputs
@dataclass
class UsageQuery:
    """One usage: a sentence (raw text, or a list of words) and its target (the word as
    written, first occurrence, or the one starting at token ``at``; ``target=None`` with
    ``at`` takes the token at ``at``). ``lemma``/``pos`` restrict the candidate senses (WiC
    gives both); without ``lemma`` the candidates are every (lemma, POS) WordNet's morphology
    finds for the target."""

    sentence: str | Sequence[str]
    target: str | None = None
    at: int | None = None
    pos: str | None = None
    lemma: str | None = None

    @classmethod
    def of(cls, value: UsageQuery | Sequence | dict) -> UsageQuery:
        """From a UsageQuery, a dict, or a tuple ``(sentence, target[, at])``."""
        if isinstance(value, UsageQuery):
            return value
        if isinstance(value, dict):
            return cls(**value)
        if isinstance(value, tuple | list) and 2 <= len(value) <= 3 \
                and isinstance(value[1], str | None):
            return cls(*value)
        raise InputError(f"a usage is (sentence, target[, at]) or a UsageQuery, not {value!r}")

    @classmethod
    def parse_target(cls, sentence: str, spec: str) -> UsageQuery:
        """``word`` or ``word@N`` (N = 0-based token position in ``tokenize(sentence)``)."""
        word, sep, number = spec.rpartition("@")
        if sep and word and number.strip().isdigit():
            return cls(sentence, word, int(number))
        return cls(sentence, spec)


def wic_queries(pair: WicPair) -> tuple[UsageQuery, UsageQuery]:
    return (UsageQuery(pair.tokens1, None, pair.index1, pair.pos, pair.lemma),
            UsageQuery(pair.tokens2, None, pair.index2, pair.pos, pair.lemma))


# --------------------------------------------------------------------------- results
@dataclass
class SenseProbability:
    key: str
    synset: str
    probability: float
    gloss: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class UsageEvidence:
    """One usage as the sense methods saw it: its most probable senses."""

    target: str
    position: int
    lemma: str
    pos: str
    senses: list[SenseProbability]

    def to_dict(self) -> dict:
        return {"target": self.target, "position": self.position, "lemma": self.lemma,
                "pos": self.pos, "senses": [s.to_dict() for s in self.senses]}


@dataclass
class SimilarityResult:
    """``score`` of ``method`` (raw: a cosine; sense: the probability of the same sense;
    combined: the regression's probability), ``cosine`` in the index's space, ``features``
    behind the sense methods, and each usage's top 3 senses with probabilities."""

    score: float
    method: str
    cosine: float
    same: bool | None = None
    threshold: float | None = None
    features: dict[str, float] = field(default_factory=dict)
    a: UsageEvidence | None = None
    b: UsageEvidence | None = None

    def to_dict(self) -> dict:
        return {"score": self.score, "method": self.method, "cosine": self.cosine,
                "same": self.same, "threshold": self.threshold, "features": self.features,
                "a": self.a.to_dict() if self.a else None,
                "b": self.b.to_dict() if self.b else None}


# --------------------------------------------------------------------------- analysis
@dataclass
class _Usage:
    """A located usage and, for the sense methods, its candidate synsets with the raw
    (temperature-free) numbers of every component."""

    target: Target
    pairs: list[tuple[str, str]]
    synsets: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # a representative key per synset
    glosses: list[str] = field(default_factory=list)
    wsd: np.ndarray | None = None  # per synset: disambiguate's score, NaN without vector
    gloss: np.ndarray | None = None  # per synset: cosine to the gloss vector
    knn: np.ndarray | None = None  # per synset: share of the neighbours' votes
    neighbors: frozenset[int] = frozenset()
    centered: np.ndarray | None = None  # index vector minus its candidates' gloss centroid
    lemma: str = ""
    pos: str = ""


@dataclass
class Analysis:
    """Usages of a batch of pairs, analysed once; :func:`scores` turns it into any method's
    scores under any parameters (this is what fitting and the benchmark reuse)."""

    usages: list[_Usage]
    pair_index: np.ndarray  # (n_pairs, 2) rows into usages
    vectors: dict[str, np.ndarray]  # representation -> (n_usages, dim), L2-normalized
    senses: bool
    k: int
    kernels: list | None = None  # per pair, see _kernel (computed on first use)


_GLOSS_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PATH_CACHE: dict[str, dict[str, int]] = {}


def _l2(x: np.ndarray) -> np.ndarray:
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


def _zscore_normalizer(index: SenseIndex) -> Normalizer:
    return index.manifest.zscore_normalizer()


def _locate(index: SenseIndex, query: UsageQuery) -> tuple[Target, list[tuple[str, str]]]:
    target = index.locate(query.sentence, query.target, query.at)
    pairs: list[tuple[str, str]] = []
    if query.lemma:
        pos = query.pos or "NOUN"
        if index.inventory.candidates(query.lemma, pos):
            pairs = [(query.lemma.lower().replace(" ", "_"), pos)]
    if not pairs:
        pairs = index.lemma_candidates(target.surface, query.pos)
    return target, pairs


def analyze(index: SenseIndex, pairs: Sequence[tuple[Any, Any]], *,
            representations: Iterable[str] = ("index",), senses: bool = True,
            params: SimilarityParams | None = None, k: int | None = None,
            log_sign: str | None = None, progress: bool = False) -> Analysis:
    """Locate, encode (one batched encoder pass over the distinct sentences) and, with
    ``senses``, disambiguate every usage of ``pairs`` (each a pair of usages, see
    :meth:`UsageQuery.of`)."""
    params = params or SimilarityParams()
    k = params.k if k is None else k
    log_sign = log_sign or params.log_sign
    representations = set(representations) | {"index"}
    queries: list[UsageQuery] = []
    for number, pair in enumerate(pairs):
        try:
            a, b = pair
        except (TypeError, ValueError):
            raise InputError(f"pair #{number}: expected two usages, got {pair!r}") from None
        queries.extend((UsageQuery.of(a), UsageQuery.of(b)))
    usages, slots, keyed = [], [], {}
    for query in queries:  # identical usages are analysed once
        target, lemma_pairs = _locate(index, query)
        key = (tuple(target.words), target.index, tuple(lemma_pairs))
        if key not in keyed:
            keyed[key] = len(usages)
            usages.append(_Usage(target, lemma_pairs))
        slots.append(keyed[key])
    pair_index = np.asarray(slots, dtype=np.int64).reshape(-1, 2)

    vectors = _encode(index, usages, representations, log_sign, progress)
    if senses and usages:
        index.ensure((p for u in usages for p in u.pairs), progress=progress)
        _analyze_senses(index, usages, vectors["raw"], vectors["index"], k)
    return Analysis(usages, pair_index, vectors, senses, k)


def _encode(index: SenseIndex, usages: list[_Usage], representations: set[str],
            log_sign: str, progress: bool) -> dict[str, np.ndarray]:
    encoder = index.encoder
    need = _needed_specs(representations)
    specs = {"index": encoder.layer_spec, "last": "last", "last4": "last4", "h0": "0"}
    sentences: dict[tuple[str, ...], int] = {}
    for usage in usages:
        sentences.setdefault(tuple(usage.target.words), len(sentences))
    if not usages:
        return {rep: np.zeros((0, encoder.dim), np.float32) for rep in representations}
    out = encoder.word_vectors_multi([list(s) for s in sentences],
                                     {name: specs[name] for name in need}, progress=progress)
    raw = {name: np.stack([out[name][sentences[tuple(u.target.words)]][u.target.index]
                           for u in usages]) for name in need}
    # "raw": the encoder's own vectors of the index's layers (what disambiguate takes);
    # "context": the mean of all the sentence's words in those layers (topic of the context)
    context = np.stack([out["index"][sentences[tuple(u.target.words)]].mean(0) for u in usages])
    vectors = {"raw": raw["index"], "index": index.normalizer(raw["index"]),
               "context": _l2(context)}
    for rep in representations:
        if rep == "last":
            vectors[rep] = _l2(raw["last"])
        elif rep == "last4":
            vectors[rep] = _l2(raw["last4"])
        elif rep == "zscore":
            vectors[rep] = _zscore_normalizer(index)(raw["index"])
        elif rep == "shift-diff":
            vectors[rep] = _l2(raw["last"] - raw["h0"])
        elif rep.startswith("shift-log"):  # "shift-log" or "shift-log:SIGN"
            sign = rep.partition(":")[2] or log_sign
            vectors[rep] = _l2(_shift_log(raw["last"], raw["h0"], sign))
    return vectors


def _gloss_vectors(index: SenseIndex, keys: Iterable[str]) -> dict[str, np.ndarray]:
    """Index-space vectors of the lemma in ``"lemma : gloss"`` (glosses only, never usage
    examples), cached per open index."""
    cache = _GLOSS_CACHE.setdefault(index, {})
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


def _analyze_senses(index: SenseIndex, usages: list[_Usage], raw: np.ndarray,
                    vectors: np.ndarray, k: int) -> None:
    inventory = index.inventory
    answers = []
    for usage, vector in zip(usages, raw, strict=True):
        answers.append(index.disambiguate(usage.target, usage.pairs, vector, k=0))
    glosses = _gloss_vectors(index, (s.key for a in answers for s in a.senses))
    for usage, vector, answer in zip(usages, vectors, answers, strict=True):
        usage.lemma, usage.pos = answer.lemma, answer.pos
        by_synset: dict[str, int] = {}
        wsd: list[float] = []
        gloss: list[float] = []
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
            else:  # two candidate lemmas in one synset: keep the better of each
                wsd[slot] = np.nanmax([wsd[slot], score]) if not (
                    math.isnan(wsd[slot]) and math.isnan(score)) else math.nan
                gloss[slot] = max(gloss[slot], g)
        usage.wsd, usage.gloss = np.asarray(wsd, float), np.asarray(gloss, float)
        if answer.senses:
            centroid = np.mean([glosses[sense.key] for sense in answer.senses], axis=0)
            usage.centered = _l2((vector - centroid)[None, :])[0]
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


# --------------------------------------------------------------------------- scoring
def _components(usage: _Usage, params: SimilarityParams) -> list[np.ndarray | None]:
    """The usage's sense distributions (over its synsets) in COMPONENTS order; None where a
    component is missing (no sense with a vector, no neighbour)."""
    wsd = gloss = None
    if usage.wsd is not None and np.isfinite(usage.wsd).any():
        wsd = softmax(usage.wsd, params.temperature)
    if usage.gloss is not None and len(usage.gloss):
        gloss = softmax(usage.gloss, params.gloss_temperature)
    return [wsd, gloss, usage.knn]


def _weights(components: list[np.ndarray | None], mix: dict[str, float]) -> np.ndarray:
    """Mixture weights of one usage: ``mix`` over its available components, summing to 1
    (all zero when none is available)."""
    w = np.asarray([float(mix.get(name, 0.0)) if c is not None else 0.0
                    for name, c in zip(COMPONENTS, components, strict=True)])
    return w / w.sum() if w.sum() > 0 else w


def _mixture(components: list[np.ndarray | None], mix: dict[str, float]) -> np.ndarray | None:
    w = _weights(components, mix)
    if not w.any():
        return None
    return sum(wi * c for wi, c in zip(w, components, strict=True) if wi > 0)


def path_similarity(inventory: WordNet, a: str, b: str) -> float:
    """WordNet path similarity 1 / (1 + shortest path through a common hypernym); verbs get
    a simulated common root (as NLTK's default); other POS without common hypernym: 0."""
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


def _kernel(index: SenseIndex, ua: _Usage, ub: _Usage
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
        analysis.kernels = [_kernel(index, analysis.usages[a], analysis.usages[b])
                            for a, b in analysis.pair_index]
    return analysis.kernels


def _component_overlaps(index: SenseIndex, analysis: Analysis, params: SimilarityParams
                        ) -> tuple[np.ndarray, np.ndarray]:
    """``M[pair, i, j]`` = overlap of component i of usage a with component j of usage b (0
    where either is missing), and each usage's mixture weights ``(n_usages, 3)``. The
    overlap is bilinear, so the mixture's overlap is ``w_a . M . w_b``."""
    comps = [_components(u, params) for u in analysis.usages]
    weights = np.asarray([_weights(c, params.mix) for c in comps]).reshape(-1, len(COMPONENTS))
    n = len(analysis.pair_index)
    matrix = np.zeros((n, len(COMPONENTS), len(COMPONENTS)))
    for row, ((a, b), (i, j, w)) in enumerate(zip(analysis.pair_index,
                                                  _kernels(index, analysis), strict=True)):
        if not len(w):
            continue
        ca, cb = comps[a], comps[b]
        left = np.asarray([c[i] if c is not None else np.zeros(len(i)) for c in ca]) * w
        right = np.asarray([c[j] if c is not None else np.zeros(len(j)) for c in cb])
        matrix[row] = left @ right.T
    return matrix, weights


def _sense_scores(matrix: np.ndarray, weights: np.ndarray, pair_index: np.ndarray,
                  mix_weights: np.ndarray | None = None) -> np.ndarray:
    wa, wb = weights[pair_index[:, 0]], weights[pair_index[:, 1]]
    return np.einsum("ni,nij,nj->n", wa, matrix, wb)


def _cosines(analysis: Analysis, representation: str) -> np.ndarray:
    vectors = analysis.vectors[representation]
    a, b = analysis.pair_index[:, 0], analysis.pair_index[:, 1]
    return np.einsum("ij,ij->i", vectors[a], vectors[b]).astype(float)


def features(index: SenseIndex, analysis: Analysis, params: SimilarityParams) -> np.ndarray:
    """(n_pairs, len(FEATURES)) matrix of the combined method's features; NaN in the cosine
    columns of representations the analysis did not compute (and in the sense columns
    without the sense analysis)."""
    n = len(analysis.pair_index)
    out = np.full((n, len(FEATURES)), np.nan)
    column = {name: i for i, name in enumerate(FEATURES)}
    for rep, name in (("index", "cos_index"), ("zscore", "cos_zscore"),
                      ("last4", "cos_last4"), ("shift-diff", "cos_shift_diff"),
                      ("context", "cos_context")):
        if rep in analysis.vectors:
            out[:, column[name]] = _cosines(analysis, rep)
    if not analysis.senses:
        return out
    for row, (ia, ib) in enumerate(analysis.pair_index):
        ca, cb = analysis.usages[ia].centered, analysis.usages[ib].centered
        out[row, column["cos_centered"]] = float(ca @ cb) if ca is not None \
            and cb is not None else out[row, column["cos_index"]]
    matrix, weights = _component_overlaps(index, analysis, params)
    sense = _sense_scores(matrix, weights, analysis.pair_index)
    out[:, column["sense"]] = sense
    comps = [_components(u, params) for u in analysis.usages]
    available = np.asarray([[c is not None for c in comp] for comp in comps], bool)
    available = available.reshape(-1, len(COMPONENTS))
    for c, name in enumerate(COMPONENTS):  # a missing component: the mixture stands in
        both = available[analysis.pair_index[:, 0], c] & available[analysis.pair_index[:, 1], c]
        out[:, column[name]] = np.where(both, matrix[:, c, c], sense)
    tops = []
    for usage, comp in zip(analysis.usages, comps, strict=True):
        mixed = _mixture(comp, params.mix)
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


def scores(index: SenseIndex, analysis: Analysis, method: str,
           params: SimilarityParams, representation: str | None = None) -> np.ndarray:
    """Scores of every pair of ``analysis`` under ``method`` and ``params``."""
    if method not in METHODS:
        raise ConfigurationError(f"unknown similarity method {method!r}: use one of "
                                 f"{', '.join(METHODS)}")
    if method == "raw":
        return _cosines(analysis, representation or params.representation)
    if not analysis.senses:
        raise ConfigurationError(f"method {method!r} needs the sense analysis")
    matrix = features(index, analysis, params)
    if method == "sense":
        return matrix[:, FEATURES.index("sense")]
    model = params.combined
    if not model:
        raise ConfigurationError("the combined method has no fitted weights: fit them with "
                                 "`sensedb evaluate-wic ... --train DATA GOLD --save FILE`")
    return _logistic_predict(model, matrix)


def _logistic_predict(model: dict, matrix: np.ndarray) -> np.ndarray:
    columns = [FEATURES.index(f) for f in model["features"]]
    z = (matrix[:, columns] - np.asarray(model["mean"])) / np.asarray(model["scale"])
    return 1.0 / (1.0 + np.exp(-(z @ np.asarray(model["coef"]) + model["intercept"])))


def _representations_for(method: str, params: SimilarityParams,
                         representation: str | None) -> set[str]:
    if method == "raw":
        return {representation or params.representation}
    if method == "combined" and params.combined:
        wanted = {"cos_zscore": "zscore", "cos_last4": "last4", "cos_shift_diff": "shift-diff"}
        return {wanted[f] for f in params.combined["features"] if f in wanted}
    return set()


# --------------------------------------------------------------------------- public API
def similarity_batch(index: SenseIndex, pairs: Sequence[tuple[Any, Any]],
                     method: str | None = None, *,
                     params: SimilarityParams | str | os.PathLike | None = None,
                     representation: str | None = None, evidence: bool | None = None,
                     progress: bool = False) -> list[SimilarityResult]:
    """Similarity of many pairs of usages: one batched encoder pass over all distinct
    sentences, then one disambiguation per distinct usage. ``evidence`` (default: not for
    ``raw``) adds each usage's top 3 senses."""
    params = resolve_params(index, params)
    method = method or params.default_method
    if method not in METHODS:
        raise ConfigurationError(f"unknown similarity method {method!r}: use one of "
                                 f"{', '.join(METHODS)}")
    evidence = method != "raw" if evidence is None else evidence
    senses = method != "raw" or evidence
    analysis = analyze(index, pairs, representations=_representations_for(
        method, params, representation), senses=senses, params=params, progress=progress)
    values = scores(index, analysis, method, params, representation)
    matrix = features(index, analysis, params) if senses else None
    threshold = params.threshold(method, representation)
    cosines = _cosines(analysis, "index")
    evidences = _evidence(analysis, params) if evidence else None
    results = []
    for row, (ia, ib) in enumerate(analysis.pair_index):
        score = float(values[row])
        results.append(SimilarityResult(
            score=round(score, 6), method=method, cosine=round(float(cosines[row]), 6),
            same=None if threshold is None else bool(score >= threshold), threshold=threshold,
            features={} if matrix is None else {
                name: round(float(v), 6) for name, v in zip(FEATURES, matrix[row], strict=True)
                if not math.isnan(v)},
            a=evidences[ia] if evidences else None, b=evidences[ib] if evidences else None))
    return results


def similarity(index: SenseIndex, a: Any, b: Any, method: str | None = None, *,
               params: SimilarityParams | str | os.PathLike | None = None,
               representation: str | None = None) -> SimilarityResult:
    """Similarity of two usages (each ``(sentence, target[, at])`` or a :class:`UsageQuery`)
    with the evidence: each usage's top 3 senses with probabilities."""
    return similarity_batch(index, [(a, b)], method, params=params,
                            representation=representation, evidence=True)[0]


def _evidence(analysis: Analysis, params: SimilarityParams) -> list[UsageEvidence]:
    out = []
    for usage in analysis.usages:
        dist = _mixture(_components(usage, params), params.mix) if analysis.senses else None
        top = []
        if dist is not None:
            for slot in np.argsort(-dist, kind="stable")[:3]:
                top.append(SenseProbability(usage.keys[slot], usage.synsets[slot],
                                            round(float(dist[slot]), 4), usage.glosses[slot]))
        out.append(UsageEvidence(usage.target.surface, usage.target.index, usage.lemma,
                                 usage.pos, top))
    return out


# --------------------------------------------------------------------------- WiC
def _wic_pairs(data: str | os.PathLike | Sequence[WicPair],
               gold: str | os.PathLike | None) -> list[WicPair]:
    pairs = list(data) if isinstance(data, list | tuple) else read_wic(data, gold)
    if any(p.label is None for p in pairs):
        raise InputError("WiC pairs without gold labels: give the gold file")
    return pairs


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
    """The threshold (midpoint between adjacent distinct scores) that maximizes accuracy of
    ``score >= t`` on these labels, and that accuracy in percent."""
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
    WiC training data (never on the data you report)."""
    base = base or SimilarityParams()
    if isinstance(data, Analysis):
        analysis, y = data, np.asarray(labels, bool)
    else:
        pairs = _wic_pairs(data, gold)
        y = np.asarray([p.label for p in pairs], bool)
        analysis = analyze(index, [wic_queries(p) for p in pairs],
                           representations=REPRESENTATIONS, params=base, progress=progress)
    grid = grid or {}
    temps = grid.get("temperature", (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0))
    gloss_temps = grid.get("gloss_temperature", (0.005, 0.01, 0.02, 0.05, 0.1))
    mixes = grid.get("mix", _MIXES)
    best = (-1.0, None)
    for t in temps:
        for tg in gloss_temps:
            trial = SimilarityParams(**{**asdict(base), "temperature": t,
                                        "gloss_temperature": tg})
            matrix, _ = _component_overlaps(index, analysis, trial)
            available = np.asarray([[c is not None for c in _components(u, trial)]
                                    for u in analysis.usages], float)
            for mix in mixes:
                weights = available * np.asarray([mix.get(c, 0.0) for c in COMPONENTS])
                totals = weights.sum(1, keepdims=True)
                weights = np.divide(weights, totals, out=np.zeros_like(weights),
                                    where=totals > 0)
                value = _sense_scores(matrix, weights, analysis.pair_index)
                accuracy = best_threshold(value, y)[1]
                if accuracy > best[0] + 1e-9:
                    best = (accuracy, SimilarityParams(**{**asdict(trial), "mix": dict(mix)}))
    params = best[1]
    assert params is not None
    matrix = features(index, analysis, params)
    params.combined = fit_logistic(matrix, y, list(FEATURES))
    thresholds = {"sense": best_threshold(matrix[:, FEATURES.index("sense")], y)[0],
                  "combined": best_threshold(_logistic_predict(params.combined, matrix), y)[0]}
    for rep in REPRESENTATIONS:
        if rep in analysis.vectors:
            thresholds[_method_key("raw", rep)] = best_threshold(_cosines(analysis, rep), y)[0]
    params.thresholds = {k: round(v, 6) for k, v in thresholds.items()}
    return params


# Every component keeps a positive weight, so the mixture stays a sense distribution worth
# showing as evidence (gloss similarity alone agrees with itself across two usages but is a
# poor WSD answer); on WiC train this costs 0.2 points against also allowing zero weights.
_MIXES = tuple({"wsd": float(w), "gloss": float(g), "knn": float(n)}
               for w in (1, 2, 3) for g in (1, 2, 3) for n in (1, 2, 3)
               if math.gcd(math.gcd(w, g), n) == 1)


def fit_logistic(matrix: np.ndarray, labels: np.ndarray, names: list[str], *,
                 l2: float = 1.0, iterations: int = 50) -> dict:
    """L2-regularized logistic regression by Newton's method on standardized features."""
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


def evaluate_wic(index: SenseIndex, data: str | os.PathLike | Sequence[WicPair],
                 gold: str | os.PathLike | None = None, *, threshold: float | None = None,
                 train: tuple[Any, Any] | None = None, method: str | None = None,
                 params: SimilarityParams | str | os.PathLike | None = None,
                 representation: str | None = None, allow_wordnet_examples: bool = False,
                 with_predictions: bool = False, progress: bool = False) -> dict:
    """WiC accuracy (percent) of ``score >= threshold``.

    The threshold is ``threshold`` if given; else, with ``train=(data, gold)``, everything
    (temperatures, mixture, regression, threshold) is fitted on that training set; else the
    parameters' stored threshold for the method. Returns ``{"accuracy", "threshold", "n",
    "correct", "method", ...}`` (with ``"predictions"`` and ``"scores"`` on request); with
    ``train`` also ``"train_accuracy"`` and ``"params"`` (the fitted parameters).
    """
    with leaving_out_examples(index, allow_wordnet_examples):
        return _evaluate_wic(index, data, gold, threshold=threshold, train=train,
                             method=method, params=params, representation=representation,
                             with_predictions=with_predictions, progress=progress)


def _evaluate_wic(index: SenseIndex, data, gold, *, threshold, train, method, params,
                  representation, with_predictions, progress) -> dict:
    params = resolve_params(index, params)
    method = method or params.default_method
    pairs = _wic_pairs(data, gold)
    y = np.asarray([p.label for p in pairs], bool)
    result: dict[str, Any] = {"method": method}
    if method == "raw":
        result["representation"] = representation or params.representation
    if train is not None and threshold is None:
        params = fit_params(index, train[0], train[1], base=params, progress=progress)
        key = _method_key(method, representation or params.representation)
        if key not in params.thresholds:  # a raw representation fit_params did not cover
            raise ConfigurationError(f"no threshold fitted for {key}")
        threshold = params.thresholds[key]
        result["params"] = params.to_dict()
    elif threshold is None:
        threshold = params.threshold(method, representation)
        if threshold is None:
            raise ConfigurationError(f"no stored threshold for method {method!r}: give "
                                     "--threshold T or --train DATA GOLD")
    analysis = analyze(index, [wic_queries(p) for p in pairs],
                       representations=_representations_for(method, params, representation),
                       senses=method != "raw", params=params, progress=progress)
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


# --------------------------------------------------------------------------- graded
def read_pairs_tsv(path: str | os.PathLike, *, gold: bool = False
                   ) -> tuple[list[tuple[UsageQuery, UsageQuery]], list[float]]:
    """Read ``sentence_a <tab> target_a <tab> sentence_b <tab> target_b [<tab> gold]``.

    Sentences are raw text (split by :func:`sensedb.tokenize`); a target is the word as
    written (its first occurrence) or ``word@N`` with N its 0-based token position. Blank
    lines and lines starting with ``#`` are skipped, and so is a header: a first row whose
    second column is ``target_a`` or whose fifth column is not a number. With ``gold=True``
    the fifth column (a number) is required; otherwise it is ignored.
    """
    name = str(path)
    try:
        with open(name, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as exc:
        raise InputError(f"cannot read pairs: {exc.strerror or exc}", path=name) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8: {exc.reason}", path=name) from exc
    pairs, golds = [], []
    first = True
    for line, row in enumerate(rows, 1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if first:
            first = False
            if (len(row) > 1 and row[1].strip().lower() == "target_a") or (
                    len(row) == 5 and not _is_number(row[4])):
                continue  # a header
        if len(row) < (5 if gold else 4) or len(row) > 5:
            raise InputError(f"expected sentence_a, target_a, sentence_b, target_b"
                             f"{', gold' if gold else ''} (tab-separated), found {len(row)} "
                             "columns", path=name, line=line)
        if gold:
            if not _is_number(row[4]):
                raise InputError(f"gold score must be a number, not {row[4]!r}", path=name,
                                 line=line)
            golds.append(float(row[4]))
        pairs.append((UsageQuery.parse_target(row[0], row[1].strip()),
                      UsageQuery.parse_target(row[2], row[3].strip())))
    if not pairs:
        raise InputError("no pairs in the file", path=name)
    return pairs, golds


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties averaged."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    sorted_x = x[order]
    start = 0
    while start < len(x):
        end = start
        while end + 1 < len(x) and sorted_x[end + 1] == sorted_x[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho: Pearson's r of the ranks (ties averaged)."""
    return pearson(_ranks(np.asarray(x, float)), _ranks(np.asarray(y, float)))


def evaluate_graded(index: SenseIndex, tsv: str | os.PathLike, method: str | None = None, *,
                    params: SimilarityParams | str | os.PathLike | None = None,
                    representation: str | None = None, progress: bool = False) -> dict:
    """Spearman and Pearson correlation of a method's scores with the gold scores of a TSV
    (:func:`read_pairs_tsv` with the gold column)."""
    pairs, golds = read_pairs_tsv(tsv, gold=True)
    params = resolve_params(index, params)
    method = method or params.default_method
    analysis = analyze(index, pairs, senses=method != "raw", params=params,
                       representations=_representations_for(method, params, representation),
                       progress=progress)
    values = scores(index, analysis, method, params, representation)
    out = {"method": method, "spearman": round(spearman(values, golds), 4),
           "pearson": round(pearson(values, golds), 4), "n": len(pairs)}
    if method == "raw":
        out["representation"] = representation or params.representation
    return out
