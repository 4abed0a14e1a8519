"""Usages in and out: what a caller asks about (:class:`UsageQuery`), and what the similarity
methods answer (:class:`SimilarityResult` with each usage's most probable senses)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from ..corpora import WicPair, read_wic
from ..corpora.pairs import parse_target
from ..errors import Error, InputError

__all__ = ["SenseProbability", "SimilarityResult", "UsageEvidence", "UsageQuery",
           "labelled_wic_pairs", "wic_queries"]


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
        """From a UsageQuery, a dict of its fields, or a tuple ``(sentence, target[, at])``
        (e.g. a :class:`sensedb.corpora.pairs.UsageSpec`).

        Raises:
            InputError: anything else.
        """
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
        word, at = parse_target(spec)
        return cls(sentence, word) if at is None else cls(sentence, word, at)


def wic_queries(pair: WicPair) -> tuple[UsageQuery, UsageQuery]:
    """The two usages of a WiC pair, restricted to its lemma and POS."""
    return (UsageQuery(pair.tokens1, None, pair.index1, pair.pos, pair.lemma),
            UsageQuery(pair.tokens2, None, pair.index2, pair.pos, pair.lemma))


def labelled_wic_pairs(data: str | os.PathLike | Sequence[WicPair],
                       gold: str | os.PathLike | None) -> list[WicPair]:
    """WiC pairs with gold labels: ``data`` as a list/tuple of pairs, or a WiC data file read
    with its ``gold`` file (:func:`sensedb.read_wic`).

    Raises:
        InputError: unreadable or malformed files, or a pair without a gold label.
    """
    pairs = list(data) if isinstance(data, list | tuple) else read_wic(data, gold)
    if any(p.label is None for p in pairs):
        raise InputError("WiC pairs without gold labels: give the gold file")
    return pairs


@dataclass
class SenseProbability:
    """One candidate sense of a usage: a representative sense ``key`` of the ``synset``, its
    ``probability`` as ``wsd`` gives it for the usage (rounded to 4 decimals; the sense
    mixture's where ``wsd`` scored no sense: ``methods.usage_senses``) and its WordNet
    gloss."""

    key: str
    synset: str
    probability: float
    gloss: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class UsageEvidence:
    """One usage as the sense methods saw it: the ``target`` as written, its token
    ``position``, the (lemma, POS) WSD chose, and its (up to 3) most probable senses."""

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
    combined: the regression's probability), ``cosine`` in the index's space, ``same`` (score
    >= ``threshold``, None without a stored threshold), ``features`` behind the sense methods
    (those of :data:`sensedb.similarity.params.FEATURES` the parameters' regression reads,
    NaN ones left out; values rounded to 6 decimals), and each usage's top 3 senses with
    the probabilities ``wsd`` gives them (``a``, ``b``).

    A pair that could not be answered (``similarity_batch`` with ``errors="item"``) has
    ``error`` (the :class:`sensedb.Error`), ``score`` and ``cosine`` None."""

    score: float | None
    method: str
    cosine: float | None
    same: bool | None = None
    threshold: float | None = None
    features: dict[str, float] = field(default_factory=dict)
    a: UsageEvidence | None = None
    b: UsageEvidence | None = None
    error: Error | None = None

    def to_dict(self) -> dict:
        """The result as JSON-ready data; ``"error"`` is the error's one-line message (None
        for an answered pair)."""
        return {"score": self.score, "method": self.method, "cosine": self.cosine,
                "same": self.same, "threshold": self.threshold, "features": self.features,
                "a": self.a.to_dict() if self.a else None,
                "b": self.b.to_dict() if self.b else None,
                "error": None if self.error is None else str(self.error)}
