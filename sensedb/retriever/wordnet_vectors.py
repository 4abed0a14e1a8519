"""WordNet vectors of senses computed in memory (no index), the same way an index computes
them (``sensedb.indexer.wordnet_vectors``): a sense's *gloss vector* is the sentence vector
of ``gloss_text`` ("lemma: gloss"), its *example vector* the mean vector of its lemma in
WordNet's usage examples. For experiments (scripts/wsd_experiments.py); feed them to
:class:`sensedb.retriever.sources.ArraySource`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..encoder import Encoder
from ..indexer.wordnet import example_usages, gloss_text
from ..inventory import WordNet
from ..store import l2_normalize


class WordNetVectors:
    """L2-normalized float32 gloss and example vectors ((dim,) each) by sense key."""

    def __init__(self, gloss: dict[str, np.ndarray], examples: dict[str, np.ndarray]) -> None:
        self.gloss, self.examples = gloss, examples

    def gloss_cosine(self, key: str, query: np.ndarray) -> float | None:
        """Cosine of the sense's gloss vector to ``query`` ((dim,), normalized); None
        without one."""
        vector = self.gloss.get(key)
        return None if vector is None else float(vector @ query)

    def example_cosine(self, key: str, query: np.ndarray) -> float | None:
        """Cosine of the sense's example vector to ``query``; None without one."""
        vector = self.examples.get(key)
        return None if vector is None else float(vector @ query)


def wordnet_vectors(encoder: Encoder, inventory: WordNet, pairs: Iterable[tuple[str, str]], *,
                    cache: Path | None = None, progress: bool = False) -> WordNetVectors:
    """The WordNet vectors of every candidate sense of ``pairs`` ((lemma, POS)), encoded by
    ``encoder`` (example vectors in its layer setting). ``cache``: an ``.npz`` file read
    first (its senses are not encoded again) and written after. Was
    ``retriever.evidence.wordnet_evidence``."""
    senses = {s.key: s for lemma, pos in pairs for s in inventory.candidates(lemma, pos)}
    gloss: dict[str, np.ndarray] = {}
    examples: dict[str, np.ndarray] = {}
    if cache is not None and cache.exists():
        data = np.load(cache)
        keys = list(data["gloss_keys"])
        gloss = dict(zip(keys, data["gloss"], strict=True))
        examples = dict(zip(data["example_keys"], data["examples"], strict=True))
        senses = {k: s for k, s in senses.items() if k not in gloss}
    ordered = list(senses.values())
    if ordered:
        vectors = l2_normalize(encoder.sentence_vectors([gloss_text(s) for s in ordered],
                                               progress=progress))
        gloss.update(zip((s.key for s in ordered), vectors, strict=True))
        usages = [(s.key, words, index) for s in ordered
                  for words, index in example_usages(inventory, s)]
        if usages:
            word_vectors = encoder.word_vectors([u[1] for u in usages], progress=progress)
            sums: dict[str, list[np.ndarray]] = {}
            for (key, _, index), matrix in zip(usages, word_vectors, strict=True):
                sums.setdefault(key, []).append(matrix[index])
            for key, rows in sums.items():
                examples[key] = l2_normalize(np.mean(rows, axis=0))
    if cache is not None:
        np.savez(cache, gloss_keys=np.array(list(gloss), dtype=str),
                 gloss=np.array(list(gloss.values()), dtype=np.float32).reshape(-1, encoder.dim),
                 example_keys=np.array(list(examples), dtype=str),
                 examples=np.array(list(examples.values()), dtype=np.float32).reshape(
                     -1, encoder.dim))
    return WordNetVectors(gloss, examples)
