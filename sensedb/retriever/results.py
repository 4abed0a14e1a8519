"""The light objects answers are made of; ``to_dict`` gives their JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Usage:
    """A labelled usage from the index (evidence for an answer)."""

    token_id: int
    score: float
    surface: str
    lemma: str
    pos: str
    senses: list[str]
    sentence: str
    position: int
    document: str
    corpus: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SenseScore:
    """One candidate sense of a target.

    ``score`` is the evidence score (w · features), ``probability`` its softmax over the
    candidates, ``cosine`` the cosine to the sense's corpus vector (None without one).
    ``fallback`` is True when the sense has no vector evidence at all (corpus, gloss or
    examples): only WordNet's order and counts speak for it.
    """

    key: str
    synset: str
    lemma: str
    pos: str
    score: float | None
    gloss: str
    support: int
    rank: int
    fallback: bool = False
    probability: float | None = None
    cosine: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Disambiguation:
    """The answer to ``wsd``: candidate senses best first, and the nearest labelled usages."""

    target: str
    position: int
    lemma: str
    pos: str
    senses: list[SenseScore]
    evidence: list[Usage] = field(default_factory=list)
    decided_by: str = ""  # corpus | gloss | examples | prior | single candidate
    margin: float = 0.0  # probability of the best minus that of the second
    nearest_cosine: float | None = None  # to the nearest labelled usage of the lemma
    novel: bool = False  # far from every labelled usage: possibly a sense not in the data

    @property
    def best(self) -> SenseScore | None:
        return self.senses[0] if self.senses else None

    @property
    def fallback(self) -> bool:
        """True when no candidate had vector evidence: WordNet's order and counts decided."""
        return bool(self.senses) and all(s.fallback for s in self.senses)

    @property
    def confidence(self) -> float:
        """The probability of the best sense."""
        return (self.senses[0].probability or 0.0) if self.senses else 0.0

    def to_dict(self) -> dict:
        return {"target": self.target, "position": self.position, "lemma": self.lemma,
                "pos": self.pos, "fallback": self.fallback, "confidence": self.confidence,
                "margin": self.margin, "decided_by": self.decided_by,
                "nearest_cosine": self.nearest_cosine, "novel": self.novel,
                "senses": [s.to_dict() for s in self.senses],
                "evidence": [u.to_dict() for u in self.evidence]}
