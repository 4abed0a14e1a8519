"""FAISS IVF operations under the lemma-partitioned stores (``partitioned``): an IVF of one
codec type whose lists are given (not found by k-means), lists grown in place, a list's ids
read back, and a search of chosen lists with per-call parameters.

Kept apart from :class:`~sensedb.store.partitioned.PartitionedStore` (which decides what the
lists are and re-ranks what they return) so that each FAISS call and its traps sit in one
place: ``add_core`` keeps raw pointers (pass named arrays, never temporaries), and the Python
wrapper of ``search_preassigned`` takes ``nprobe`` from the index, which concurrent readers
would share.
"""

from __future__ import annotations

import threading

import numpy as np

from ..errors import IndexFormatError
from ._faiss import faiss

#: Sub-quantizers of ``pq`` (bytes per token); 384 / 48 = 8 dimensions each.
PQ_M = 48
#: k-means iterations of PQ training (FAISS's default is 25).
PQ_NITER = 12


def new_ivf(kind: str, dim: int, means: np.ndarray) -> faiss.IndexIVF:
    """An untrained IVF of codec ``kind`` (``sq8``, ``pq``, ``rabitq``; inner product) with
    one list per row of ``means`` (float32 (nlist, dim): each list's centroid).

    Raises:
        IndexFormatError: ``pq`` and ``dim`` not divisible by :data:`PQ_M`.
        ValueError: an unknown ``kind``."""
    quantizer = faiss.IndexFlatIP(dim)
    if len(means):
        quantizer.add(np.ascontiguousarray(means, dtype=np.float32))
    nlist = max(len(means), 1)
    metric = faiss.METRIC_INNER_PRODUCT
    if kind == "sq8":
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist,
                                              faiss.ScalarQuantizer.QT_8bit, metric, False)
    elif kind == "pq":
        if dim % PQ_M:
            raise IndexFormatError(f"--store pq needs a width divisible by {PQ_M}, not {dim}")
        index = faiss.IndexIVFPQ(quantizer, dim, nlist, PQ_M, 8, metric)
        index.pq.cp.niter = PQ_NITER
        index.pq.cp.min_points_per_centroid = 1  # a small sample is enough (re-ranked)
    elif kind == "rabitq":
        index = faiss.IndexIVFRaBitQ(quantizer, dim, nlist, metric)
    else:
        raise ValueError(f"unknown partitioned store type {kind!r}")
    index.own_fields = True
    quantizer.this.disown()
    return index


def train_ivf(index: faiss.IndexIVF, kind: str, training: np.ndarray,
              lists: np.ndarray) -> None:
    """Train the codec of ``index`` (from :func:`new_ivf`) on ``training`` (float32 (n, dim),
    C-contiguous), whose rows belong to ``lists`` (int64 (n,)).

    ``rabitq``: FAISS's ``IndexIVF.train`` would first assign every training vector to its
    nearest list (a search over every list: 21 s for 32,768 vectors and 20,000 lists on
    one core, most of a SemCor job's rebuild) only to pass the assignment to a codec that
    keeps nothing from training (``RaBitQuantizer::train`` is empty); the encoder is told
    the vectors' own lists instead and the index marked trained. The file written
    afterwards is byte-identical (``tests/test_store_partitioned.py``). ``sq8`` trains on
    the vectors themselves (not residuals: no assignment); ``pq`` trains on residuals to
    the nearest list, as FAISS does."""
    if kind == "rabitq":
        index.train_encoder(len(training), faiss.swig_ptr(training), faiss.swig_ptr(lists))
        index.is_trained = True
    else:
        index.train(training)


def centroids(index: faiss.IndexIVF) -> np.ndarray:
    """float32 (nlist, dim) view of the quantizer's centroids (the group means)."""
    quantizer = faiss.downcast_index(index.quantizer)
    n, dim = int(quantizer.ntotal), int(index.d)
    if n == 0:
        return np.zeros((0, dim), dtype=np.float32)
    return faiss.rev_swig_ptr(quantizer.get_xb(), n * dim).reshape(n, dim)


def add_to_lists(index: faiss.IndexIVF, vectors: np.ndarray, ids: np.ndarray,
                 lists: np.ndarray) -> None:
    """Encode ``vectors`` (float32 (n, dim), C-contiguous) into the given ``lists`` (int64
    (n,)) under ``ids`` (int64 (n,)). The caller keeps the three arrays alive (named)."""
    index.add_core(len(vectors), faiss.swig_ptr(vectors), faiss.swig_ptr(ids),
                   faiss.swig_ptr(lists))


def grow_lists(index: faiss.IndexIVF, means: np.ndarray) -> None:
    """Add one empty list per row of ``means`` (float32 (m, dim), C-contiguous), centred
    there; the existing lists keep their codes (copied into a new in-memory list array)."""
    old = index.invlists
    nlist = int(index.nlist) + len(means)
    grown = faiss.ArrayInvertedLists(nlist, index.code_size)
    for number in range(int(index.nlist)):
        size = old.list_size(number)
        if size:
            grown.add_entries(number, size, old.get_ids(number), old.get_codes(number))
    index.nlist = nlist
    index.replace_invlists(grown, True)
    grown.this.disown()
    faiss.downcast_index(index.quantizer).add(means)


def list_ids(index: faiss.IndexIVF, number: int) -> np.ndarray:
    """int64 (size,) copy of the ids held by list ``number``."""
    invlists = index.invlists
    size = invlists.list_size(number)
    if not size:
        return np.zeros(0, dtype=np.int64)
    return np.array(faiss.rev_swig_ptr(invlists.get_ids(number), size), dtype=np.int64)


def list_sizes(index: faiss.IndexIVF, lists: np.ndarray) -> np.ndarray:
    """int64 sizes of ``lists`` (int (m,))."""
    invlists = index.invlists
    return np.fromiter((invlists.list_size(int(i)) for i in lists), dtype=np.int64,
                       count=len(lists))


def search_lists(index: faiss.IndexIVF, queries: np.ndarray, means: np.ndarray | None,
                 lists: np.ndarray, wanted: int) -> np.ndarray:
    """int64 (n, wanted) ids (-1 pad) of the best ``wanted`` codes per query in ``lists``
    (int64 (m,), scanned for every query) by the codec's estimated inner product;
    ``queries`` float32 (n, dim), C-contiguous; ``means`` the centroids of ``lists``
    (float32 (m, dim)), or None for a codec that does not encode residuals (``sq8``: its
    estimate does not use the query's distance to the centroid)."""
    n, m = len(queries), len(lists)
    lists = np.ascontiguousarray(lists, dtype=np.int64)
    assign = lists.reshape(1, m) if n == 1 else np.ascontiguousarray(
        np.broadcast_to(lists, (n, m)))
    coarse = np.zeros((n, m), dtype=np.float32) if means is None else \
        np.ascontiguousarray(queries @ means.T, dtype=np.float32)
    distances = np.empty((n, wanted), dtype=np.float32)
    found = np.empty((n, wanted), dtype=np.int64)
    index.search_preassigned_c(n, faiss.swig_ptr(queries), wanted, faiss.swig_ptr(assign),
                               faiss.swig_ptr(coarse), faiss.swig_ptr(distances),
                               faiss.swig_ptr(found), False, _params(m))
    return found


_threads = threading.local()


def _params(nprobe: int) -> faiss.SearchParametersIVF:
    """Search parameters scanning ``nprobe`` lists, made once per thread and value (the
    Python wrapper's own ``nprobe`` lives on the index, shared by concurrent readers)."""
    made = getattr(_threads, "params", None)
    if made is None:
        made = _threads.params = {}
    params = made.get(nprobe)
    if params is None:
        params = faiss.SearchParametersIVF()
        params.nprobe = nprobe
        if len(made) < 256:
            made[nprobe] = params
    return params


class IntegerScan:
    """A faster scan of an ``sq8`` IVF's lists: the same codes, read as bytes against a query
    rounded to integers.

    An ``sq8`` code ``c`` (``QT_8bit``, non-uniform) decodes to ``vmin + (c + 0.5) / 255 *
    vdiff`` per dimension, so its inner product with ``q`` is ``A(q) + Σ q_i vdiff_i c_i / 255``
    with ``A(q)`` the same for every code. Ranking a query's codes needs only ``Σ w_i c_i``
    with ``w = q ⊙ vdiff``: FAISS's ``QT_8bit_direct_signed`` scanner computes it over the same
    lists (read as ``c - 128``, again a constant shift) with ``w`` scaled to at most 127 and
    rounded to integers, a byte dot product (AVX-512 VNNI where the CPU has it) instead of a
    float decode per dimension. The rounding moves an estimate by far less than the gap the
    exact re-ranking closes: on bench_store's 10M tokens, 1,000 queries, recall@10 after
    re-ranking 20 stayed 1.000, and the median list scan took 0.55 ms against 0.76 ms
    (BENCHMARKS.md, store round 5). The codes and the file are untouched: the scan index
    shares the lists of ``index`` without owning them (keep ``index`` alive as long)."""

    @staticmethod
    def fits(index: faiss.IndexIVF) -> bool:
        """Whether ``index`` is a trained IVF of non-uniform 8-bit scalar codes (an empty
        store is never trained: it has no codes to scan)."""
        return (isinstance(index, faiss.IndexIVFScalarQuantizer) and bool(index.is_trained)
                and index.sq.qtype == faiss.ScalarQuantizer.QT_8bit
                and index.sq.trained.size() == 2 * index.d)

    def __init__(self, index: faiss.IndexIVF) -> None:
        """Raises:
            ValueError: ``index`` does not :meth:`fits`."""
        if not self.fits(index):
            raise ValueError("an integer scan needs a trained non-uniform 8-bit scalar "
                             "quantizer")
        dim = int(index.d)
        trained = faiss.vector_to_array(index.sq.trained)
        self.vdiff = np.ascontiguousarray(trained[dim:], dtype=np.float32)
        self._quantizer = faiss.IndexFlatIP(dim)  # unused by a preassigned search
        self.index = faiss.IndexIVFScalarQuantizer(
            self._quantizer, dim, int(index.nlist),
            faiss.ScalarQuantizer.QT_8bit_direct_signed, faiss.METRIC_INNER_PRODUCT, False)
        self.index.replace_invlists(index.invlists, False)
        self.index.is_trained = True
        self.index.ntotal = index.ntotal
        self._shared = index

    def queries(self, queries: np.ndarray) -> np.ndarray:
        """``queries`` (float32 (n, dim)) as the scan takes them: ``q ⊙ vdiff`` scaled per row
        so that its largest magnitude is 127, rounded: float32 (n, dim), integer-valued."""
        weighted = np.multiply(queries, self.vdiff, dtype=np.float32)  # a new C array
        top = np.abs(weighted).max(axis=1, keepdims=True)
        top[top == 0] = 1
        weighted *= 127 / top
        return np.rint(weighted, out=weighted)

    def search(self, queries: np.ndarray, lists: np.ndarray, wanted: int) -> np.ndarray:
        """As :func:`search_lists` on the shared lists: int64 (n, wanted) ids (-1 pad)."""
        return search_lists(self.index, self.queries(queries), None, lists, wanted)
