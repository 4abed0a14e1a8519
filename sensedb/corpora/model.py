"""The data model every corpus reader produces: documents of sentences of tokens.

The sense-key helpers (``is_sense_key``, ``key_lemma``, ``key_pos``) live in
:mod:`sensedb.vocabulary`; ``sensedb.corpora`` re-exports them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(slots=True)
class Token:
    """One token of a sentence; an instance (labelled target) when ``instance_id`` is set.

    A multiword instance is one token whose text keeps its spaces (``"took place"``) and whose
    lemma has underscores (``"take_place"``).
    """

    text: str
    lemma: str = ""
    pos: str = ""
    instance_id: str | None = None
    senses: tuple[str, ...] = ()

    @property
    def is_instance(self) -> bool:
        """True for a labelled target token."""
        return self.instance_id is not None


@dataclass
class Sentence:
    """A sentence: an id unique in its file and a non-empty list of tokens."""

    id: str
    tokens: list[Token] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        """The surface forms of the tokens."""
        return [t.text for t in self.tokens]

    @property
    def instances(self) -> list[Token]:
        """The instance tokens, in sentence order."""
        return [t for t in self.tokens if t.instance_id is not None]


@dataclass
class Document:
    """A document (``<text>`` of the unified format, ``doc`` of JSONL)."""

    id: str
    sentences: list[Sentence] = field(default_factory=list)
    source: str | None = None

    def content_hash(self) -> str:
        """SHA-256 (hex) of what the document says: every sentence's id and every token's
        text, lemma, POS, instance id and sense keys, in order (not its id or source), so
        two files that give different sentences under one document name differ."""
        digest = hashlib.sha256()
        for sentence in self.sentences:
            parts = [sentence.id]
            for t in sentence.tokens:
                parts += (t.text, t.lemma, t.pos, t.instance_id or "", " ".join(t.senses))
            digest.update("\x1f".join(parts).encode("utf-8", "surrogatepass") + b"\x1e")
        return digest.hexdigest()


@dataclass
class WicPair:
    """One WiC example: the same lemma in two tokenized sentences.

    ``pos`` is ``"NOUN"`` or ``"VERB"``; ``index1``/``index2`` are 0-based token indices;
    ``label`` is None when no gold file was given; ``line`` is the 1-based data-file line.
    """

    lemma: str
    pos: str
    tokens1: list[str]
    index1: int
    tokens2: list[str]
    index2: int
    label: bool | None
    line: int
