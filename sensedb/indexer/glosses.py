"""Gloss vectors: the sentence vector of each sense's ``lemma: gloss`` text, one row per sense
in the WordNet evidence table (source ``gloss``), built into the ``wordnet`` store by
``finalize``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
from sqlalchemy import insert, select

from ..encoder import Encoder
from ..inventory import SenseInfo
from ..schema import WordNetSenseRow
from .directory import IndexDirectory
from .wordnet import gloss_text


class SentenceEncoder(Protocol):
    """What gives gloss vectors: an :class:`Encoder`, or the shared WordNet evidence
    (``shared_evidence.SharedEvidence``) in front of one."""

    def sentence_vectors(self, texts: Sequence[str], *, progress: bool = False
                         ) -> np.ndarray: ...


def index_glosses(directory: IndexDirectory, encoder: Encoder | SentenceEncoder,
                  senses: Iterable[SenseInfo]) -> int:
    """Add the gloss vector (sentence vector of "lemma: gloss", stored as a float64 sum with
    count 1) of each sense lacking one. The caller holds the lock and runs ``finalize``
    afterwards. Returns how many were added."""
    senses = list({s.key: s for s in senses}.values())
    with directory.db.session() as session:
        have = set(session.execute(select(WordNetSenseRow.key).where(
            WordNetSenseRow.source == "gloss", WordNetSenseRow.key.in_([s.key for s in senses])))
            .scalars())
    todo = [s for s in senses if s.key not in have]
    if not todo:
        return 0
    vectors = encoder.sentence_vectors([gloss_text(s) for s in todo])
    with directory.db.session() as session:
        session.execute(insert(WordNetSenseRow.__table__), [
            {"key": s.key, "source": "gloss", "lemma": s.lemma, "pos": s.pos, "count": 1,
             "vec_sum": v.astype(np.float64).tobytes()}
            for s, v in zip(todo, vectors, strict=True)])
    return len(todo)
