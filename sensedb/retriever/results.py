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
    """One candidate sense of a target, with its cosine to the target's usage.

    ``score`` is None for a sense without a vector in the index (``fallback`` is True): such
    senses are ranked after the scored ones, in WordNet order.
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

    @property
    def best(self) -> SenseScore | None:
        return self.senses[0] if self.senses else None

    @property
    def fallback(self) -> bool:
        """True when no candidate had a vector and the answer is WordNet's first sense."""
        return bool(self.senses) and self.senses[0].fallback

    def to_dict(self) -> dict:
        return {"target": self.target, "position": self.position, "lemma": self.lemma,
                "pos": self.pos, "fallback": self.fallback,
                "senses": [s.to_dict() for s in self.senses],
                "evidence": [u.to_dict() for u in self.evidence]}
