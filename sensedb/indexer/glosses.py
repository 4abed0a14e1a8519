"""Gloss and sense-text vectors: the sentence vector of each sense's ``lemma: gloss`` text
(source ``gloss``) and of its richer ``sense_text`` (source ``sense``: the gloss with the
synset's synonyms, hypernyms and examples), one row per sense and kind in the WordNet evidence
table, built into the ``wordnet`` store by ``finalize``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import numpy as np
from sqlalchemy import insert, select

from ..encoder import Encoder
from ..inventory import SenseInfo, WordNet
from ..schema import WordNetSenseRow
from .directory import IndexDirectory
from .wordnet import gloss_text, sense_text

# The WordNet vector kinds that are sentence vectors of a text (L2-normalized only, never
# z-scored: they are not in the token space whose statistics the index keeps).
SENTENCE_SOURCES = ("gloss", "sense")


class SentenceEncoder(Protocol):
    """What gives gloss vectors: an :class:`Encoder`, or the shared WordNet evidence
    (``shared_evidence.SharedEvidence``) in front of one."""

    def sentence_vectors(self, texts: Sequence[str], *, progress: bool = False
                         ) -> np.ndarray: ...


def _index_texts(directory: IndexDirectory, encoder: Encoder | SentenceEncoder,
                 senses: Iterable[SenseInfo], source: str,
                 text: Callable[[SenseInfo], str]) -> int:
    """Add the sentence vector of ``text(sense)`` (a float64 sum with count 1) as the
    ``source`` row of each sense lacking one. Returns how many were added."""
    senses = list({s.key: s for s in senses}.values())
    with directory.db.session() as session:
        have = set(session.execute(select(WordNetSenseRow.key).where(
            WordNetSenseRow.source == source,
            WordNetSenseRow.key.in_([s.key for s in senses]))).scalars())
    todo = [s for s in senses if s.key not in have]
    if not todo:
        return 0
    vectors = encoder.sentence_vectors([text(s) for s in todo])
    with directory.db.session() as session:
        session.execute(insert(WordNetSenseRow.__table__), [
            {"key": s.key, "source": source, "lemma": s.lemma, "pos": s.pos, "count": 1,
             "vec_sum": v.astype(np.float64).tobytes()}
            for s, v in zip(todo, vectors, strict=True)])
    return len(todo)


def index_glosses(directory: IndexDirectory, encoder: Encoder | SentenceEncoder,
                  senses: Iterable[SenseInfo]) -> int:
    """Add the gloss vector (sentence vector of "lemma: gloss", stored as a float64 sum with
    count 1) of each sense lacking one. The caller holds the lock and runs ``finalize``
    afterwards. Returns how many were added."""
    return _index_texts(directory, encoder, senses, "gloss", gloss_text)


def index_sense_texts(directory: IndexDirectory, encoder: Encoder | SentenceEncoder,
                      inventory: WordNet, senses: Iterable[SenseInfo]) -> int:
    """Add the sense-text vector (sentence vector of ``wordnet.sense_text``: gloss,
    synonyms, hypernyms, examples; a float64 sum with count 1, source ``sense``) of each
    sense lacking one. The caller holds the lock and writes the stores afterwards. Returns
    how many were added.

    Raises:
        InventoryError: WordNet lacks a sense's synset (or one of its hypernyms)."""
    return _index_texts(directory, encoder, senses, "sense",
                        lambda s: sense_text(inventory, s))
