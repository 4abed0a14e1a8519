"""The ``--any-lemma`` index of a partitioned store: an ANN over every token, whatever its
lemma (the "all senses of all words" query).

A restricted search scans one lemma's list; an uninformed one has no list to scan. This is an
``IndexIVFRaBitQ(METRIC_INNER_PRODUCT)`` whose inverted lists are found by **k-means** over
the tokens (not the lemma groups): :func:`nlist_for` lists, trained on a sample of
:data:`TRAIN_PER_LIST` tokens per list; each token is coded as 1 bit per dimension of its
residual to its list's centroid plus per-vector factors (56 B at 384-d) beside its 8-byte
locator (``floats.locators``). A query scans the :data:`NPROBE` nearest lists, takes the
best :data:`RERANK` codes, and the store re-ranks them exactly from the float vectors; the
recall@10 against an exact scan is measured by ``scripts/bench_store.py`` (BENCHMARKS.md).

It is saved beside the store's FAISS file as ``NAME.GEN.ann.faiss`` (:func:`ann_path`) and
opened memory-mapped like the store. A store saved before it existed has none; its
``--any-lemma`` falls back to probing the lemma groups' means.

HNSW was not chosen: it needs the float vectors (or SQ8 codes) in the graph, 10-25x the bytes
of these codes, and appending to an IVF is an assignment to the nearest centroid.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import IndexFormatError
from . import files
from ._faiss import faiss


#: Lists per token count: ``sqrt(n)`` (FAISS's guideline is 4-16 sqrt(n) for large n with
#: many probes; sqrt(n) keeps single-thread k-means training to seconds at 1M tokens), at
#: least 1 and at most n / 8.
def nlist_for(n: int) -> int:
    """How many k-means lists an any-lemma index of ``n`` tokens gets."""
    return int(max(1, min(round(math.sqrt(max(n, 0))), n // 8)))


def sample_size(n: int) -> int:
    """Rows of a store of ``n`` tokens the k-means lists are trained on."""
    return nlist_for(n) * TRAIN_PER_LIST


#: Training sample per list (FAISS warns under 39 points per centroid).
TRAIN_PER_LIST = 40
#: k-means iterations (FAISS's default is 25; 10 changed recall@10 by < 0.005 at 200k).
KMEANS_NITER = 10
#: Lists scanned per query: recall@10 0.84 / 0.87 / 0.90 / 0.93 at 16 / 32 / 64 / 128 on 300k
#: synthetic tokens (548 lists), p50 0.8 / 1.0 / 1.3 / 2.1 ms (BENCHMARKS.md).
NPROBE = 64
#: Codes re-ranked exactly per query (as the lemma-partitioned rabitq store).
RERANK = 400


def ann_path(index_path: str | os.PathLike) -> Path:
    """Where the any-lemma index of the store whose FAISS file is ``index_path``
    (``NAME.GEN.faiss``) lies: ``NAME.GEN.ann.faiss``."""
    index_path = Path(index_path)
    return index_path.with_name(index_path.name.removesuffix(".faiss") + ".ann.faiss")


class AnyLemmaIndex:
    """An IVF by k-means over every token of one store (module docstring); ids are the
    store's locators (int64)."""

    def __init__(self, index: faiss.IndexIVF) -> None:
        self._index = index

    @classmethod
    def train(cls, dim: int, sample: np.ndarray, n: int) -> AnyLemmaIndex:
        """An empty index for about ``n`` tokens (:func:`nlist_for` lists), its k-means
        lists trained on ``sample`` (float32 (m, dim), normalized; :func:`sample_size` rows
        suffice; deterministic: FAISS's fixed seed, one thread)."""
        nlist = max(1, min(nlist_for(n), len(sample)))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFRaBitQ(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.own_fields = True
        quantizer.this.disown()
        index.cp.niter = KMEANS_NITER
        index.cp.min_points_per_centroid = 1
        training = np.ascontiguousarray(sample[:nlist * TRAIN_PER_LIST], dtype=np.float32)
        if len(training):
            threads = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)  # as partitioned.build: k-means on busy cores
            try:
                index.train(training)
            finally:
                faiss.omp_set_num_threads(threads)
        return cls(index)

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    def heap_bytes(self) -> int:
        """Bytes on a reader's heap: the k-means centroids (the lists are memory-mapped)."""
        return int(self._index.nlist) * int(self._index.d) * 4

    def add(self, vectors: np.ndarray, located: np.ndarray) -> None:
        """Add tokens: ``vectors`` float32 (m, dim) normalized, ``located`` int64 (m,)."""
        if len(vectors) and self._index.is_trained:
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                     np.ascontiguousarray(located, dtype=np.int64))

    def remove(self, located: Iterable[int]) -> None:
        """Drop the tokens whose locators are ``located``."""
        gone = np.asarray(list(located), dtype=np.int64)
        if len(gone):
            self._index.remove_ids(faiss.IDSelectorBatch(len(gone), faiss.swig_ptr(gone)))

    def candidates(self, queries: np.ndarray, wanted: int) -> np.ndarray:
        """int64 (n, wanted) locators of the best codes per query (``queries`` float32
        (n, dim), normalized), best first by the codes' estimate; -1 pads."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if not self.ntotal:
            return np.full((len(queries), wanted), -1, dtype=np.int64)
        params = faiss.SearchParametersIVF()
        params.nprobe = min(NPROBE, int(self._index.nlist))
        # per-call parameters: concurrent readers share the index object
        _, found = self._index.search(queries, wanted, params=params)
        return found

    def save(self, path: str | os.PathLike) -> files.FileSum:
        """Write the index atomically; returns its checksum."""
        return files.write_faiss(self._index, Path(path))

    @classmethod
    def load(cls, path: str | os.PathLike, *, writable: bool = False) -> AnyLemmaIndex:
        """The index :meth:`save` wrote, memory-mapped read-only unless ``writable``.

        Raises:
            IndexFormatError: the file is damaged (names it)."""
        flags = 0 if writable else faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
        try:
            index = faiss.read_index(str(path), flags)
        except (RuntimeError, OSError, MemoryError) as exc:
            raise IndexFormatError(f"{path}: cannot read the any-lemma index (damaged; run "
                                   f"`sensedb repair`): {exc}") from exc
        return cls(index)
