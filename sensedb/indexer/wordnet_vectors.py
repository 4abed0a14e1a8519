"""Adding WordNet's vectors of a few lemmas to an existing index, as a query needs them.

Any index answers with WordNet's gloss and example vectors beside its corpus: the first query
of a lemma adds them (its senses' gloss sentence vectors and the lemma's tokens in the synsets'
usage examples), in their own table and FAISS files, without rebuilding the corpus stores.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..encoder import Encoder
from ..inventory import WordNet
from .directory import EXAMPLES, STORES, WORDNET, IndexDirectory
from .glosses import index_glosses
from .job import index_documents, interrupted_jobs, mark_interrupted
from .rebuild import finalize
from .wordnet import CORPUS, document_key, wordnet_documents


def missing_lemmas(inventory: WordNet, pairs: Iterable[tuple[str, str]],
                   built: set[str]) -> list[tuple[str, str]]:
    """The (lemma, POS) pairs among ``pairs`` that WordNet knows and whose document key
    (``wordnet.document_key``) is not in ``built``, in first-seen order, lemmas as WordNet
    writes them."""
    missing = []
    for lemma, pos in dict.fromkeys(pairs):
        senses = inventory.candidates(lemma, pos)
        if senses and document_key(senses[0].lemma, pos) not in built:
            missing.append((senses[0].lemma, pos))
    return missing


def add_wordnet_vectors(directory: IndexDirectory, encoder: Encoder, inventory: WordNet,
                        lemmas: list[tuple[str, str]], *, progress: bool = False) -> int:
    """Add the WordNet gloss and example vectors of every sense of ``lemmas`` ((lemma, POS)
    pairs not yet in the index, see :func:`missing_lemmas`) and write new generations of the
    example and WordNet stores. Returns the number of lemmas added.

    Raises:
        IndexLockedError: another process is writing the index (nothing was written).
    """
    if not lemmas:
        return 0
    with directory.lock():
        interrupted = interrupted_jobs(directory)
        index_documents(directory, encoder, inventory, wordnet_documents(inventory, lemmas),
                        corpus=CORPUS, progress=progress, rebuild=False)
        index_glosses(directory, encoder,
                      (s for lemma, pos in lemmas for s in inventory.candidates(lemma, pos)))
        # a killed job's chunks were folded in above: every store is rebuilt with them
        finalize(directory, STORES if interrupted else (EXAMPLES, WORDNET))
        mark_interrupted(directory, interrupted)
    return len(lemmas)
