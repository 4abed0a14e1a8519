"""Lemma-partitioned token stores: an IVF whose inverted lists are the (lemma, POS) groups.

The store types a user picks with ``sensedb index --store`` (recorded in the manifest as
``token_store``), in FAISS's terms:

``flat``   ``IndexIDMap2(IndexFlatIP)``: every vector in float32 (1,536 B/token at 384-d),
           groups as contiguous id ranges searched as slices (``vectors.VectorStore``). Exact.
``sq8``    ``IndexIVFScalarQuantizer(QT_8bit, METRIC_INNER_PRODUCT, by_residual=False)``:
           one byte per dimension (384 B/token), exact re-rank of the best 20
           (:data:`RERANK`) from the float vectors; a loaded store scans the codes as bytes
           against an integer query (``ivf.IntegerScan``: same ranking up to rounding).
``pq``     ``IndexIVFPQ(M=48, nbits=8, METRIC_INNER_PRODUCT)``: product quantization of the
           residual to the group's mean (48 B/token), re-rank of the best 400 or more
           (:func:`rerank_depth`: a share of the tokens scanned).
``rabitq`` ``IndexIVFRaBitQ(METRIC_INNER_PRODUCT)``: 1 bit per dimension of the residual to
           the group's mean plus per-vector factors (56 B/token), re-rank as ``pq``.

The inverted lists are not found by k-means: list ``g`` *is* group ``keys[g]`` and its
centroid the group's mean (the quantizer is an ``IndexFlatIP`` of the means), filled with
``add_core`` (what ``faiss.contrib.ivf_tools.add_preassigned`` calls) and searched with
``search_preassigned`` (the FAISS calls are in ``ivf``): a restricted search is a scan of the
query's lists only, exact in which tokens it may return, whatever the code type.

**One float copy.** The floats re-ranking reads are the index's raw vector shards
(``raw/shard-ID.vectors.npy``, the store of record), memory-mapped and normalized on the fly
with the normalization the store was built with. Each IVF entry's id is a *locator*
``(shard number << 32) | row in the shard``, so re-ranking reads exactly the rows it needs
and the token id is the shard's own ``ids.npy`` at that row: the store keeps no per-token
array beside its codes.

**Query RAM.** :meth:`PartitionedStore.load` opens the FAISS file with
``IO_FLAG_MMAP_IFC | IO_FLAG_READ_ONLY``: the inverted lists (codes and locators) stay in the
file and only the pages a query touches enter memory (the page cache, shared between
processes); what is resident on the heap is the quantizer (the group means, dim × 4 B per
group) and the group table.

A store is saved as the same two files as a flat one (``NAME.GEN.faiss`` and
``NAME.GEN.groups.npz``); the group table says which kind it is (:func:`open_store`).
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..errors import IndexFormatError
from . import files
from ._faiss import faiss
from .anylemma import RERANK as ANN_RERANK
from .anylemma import AnyLemmaIndex, ann_path, sample_size
from .files import read_table
from .floats import FloatRows, Shard, add_by_group, float_rows, locators
from .ivf import (
    IntegerScan,
    add_to_lists,
    centroids,
    grow_lists,
    list_ids,
    list_sizes,
    new_ivf,
    search_lists,
    train_ivf,
)
from .vectors import VectorStore

#: The store types ``--store`` takes; ``flat`` is :class:`~sensedb.store.VectorStore`.
STORE_TYPES = ("flat", "sq8", "pq", "rabitq")
#: Candidates re-ranked exactly from the float vectors per query, at least, by store type:
#: on bench_store's synthetic 384-d tokens (200k) recall@10 was 1.0 with SQ8 at 20; 0.90 /
#: 0.98 (PQ48) and 0.95 / 0.997 (RaBitQ) at 100 / 400, for +0.2 ms (BENCHMARKS.md).
RERANK = {"sq8": 20, "pq": 400, "rabitq": 400}
#: Share of the tokens scanned that is re-ranked when it exceeds :data:`RERANK`
#: (:func:`rerank_depth`). A lossy code's estimate errs by about the same for every token, so
#: the true 10 best fall among the best ~c·L estimates of a list of L tokens: a fixed depth
#: loses recall as lists grow (rabitq at 400: 0.982 at 1M tokens, 0.969 at 2M, 0.928 at
#: 10M). Chosen by bench_store.py's ``--rerank-shares`` sweep at 1M, 2M and 10M tokens
#: (BENCHMARKS.md, "Round 3"): 5% is the smallest share measured that kept rabitq's recall@10
#: at 0.996 at every size (2%: 0.988) and lifted pq's from 0.92-0.95 to 0.98; the median
#: query still re-ranks 400. sq8's error is too small to need it (recall@10 1.000).
RERANK_SHARE = {"sq8": 0.0, "pq": 0.05, "rabitq": 0.05}
#: Most candidates re-ranked per query (bounds the slowest queries: a 400k-token list).
RERANK_CAP = 8192
#: Vectors the codec is trained on (every ``n // size``-th row), by store type: PQ's k-means
#: (48 x 256 centroids) is the slow part of a build, and re-ranking hides the small loss of a
#: smaller sample.
TRAIN_SIZE = {"sq8": 32768, "pq": 4096, "rabitq": 32768}
#: ``--any-lemma`` (no group given) searches the store's k-means ANN over every token
#: (``anylemma.AnyLemmaIndex``). A store saved without one falls back to an IVF search whose
#: coarse quantizer is the group means: the lists of the nearest means are scanned, nearest
#: first, until at least ANY_LEMMA_TOKENS tokens (or ANY_LEMMA_LISTS lists) are covered,
#: then re-ranked.
ANY_LEMMA_TOKENS = 32768
ANY_LEMMA_LISTS = 64
#: Bytes of normalized float32 rows a build keeps from its first pass over the shards for
#: its second (encoding) instead of reading and normalizing them again: SemCor's 226k
#: tokens take 347 MB; a larger store reads the shards beyond it again.
BUILD_KEEP_BYTES = 1 << 30
# what numpy raises on a missing, truncated or foreign .npz file
_READ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def rerank_depth(kind: str, scanned: int, k: int) -> int:
    """Candidates re-ranked for a query that scans ``scanned`` tokens of a ``kind`` store:
    ``max(k, RERANK[kind], min(RERANK_CAP, ceil(RERANK_SHARE[kind] * scanned)))``."""
    return max(k, RERANK[kind], min(RERANK_CAP, math.ceil(RERANK_SHARE[kind] * scanned)))


class PartitionedStore:
    """A lemma-partitioned compressed token store with exact re-ranking (module docstring).

    Same reading interface as :class:`~sensedb.store.VectorStore`: ids are database row ids,
    scores cosines of normalized float32 vectors (exact after re-ranking)."""

    def __init__(self, kind: str, index: faiss.IndexIVF, keys: list[str],
                 floats: FloatRows, ann: AnyLemmaIndex | None = None) -> None:
        self.kind, self.dim = kind, int(index.d)
        self._index, self._keys, self._floats = index, list(keys), floats
        self._ann = ann
        self._list_of = {k: n for n, k in enumerate(self._keys)}
        self._centroids = centroids(index)
        # a read-only sq8 store scans its lists as bytes (``ivf.IntegerScan``, set by load)
        self._scan: IntegerScan | None = None
        self._by_id: dict[int, int] | None = None
        self._sizes: np.ndarray | None = None  # list sizes, for --any-lemma

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, kind: str, dim: int, base: str | os.PathLike, shards: Sequence[Shard],
              mean: np.ndarray | None = None, scale: np.ndarray | None = None, *,
              any_lemma: bool = True) -> PartitionedStore:
        """A store of type ``kind`` of the given rows of raw shards under ``base`` (the index
        directory), normalized with ``mean``/``scale`` (None: L2 only). Two passes over the
        shards, one at a time in memory: group means and a training sample, then encoding.
        Deterministic: the same shards in the same order give the same file. ``any_lemma``:
        also build the k-means ANN for ``--any-lemma`` (``anylemma``; without it such a
        search probes the lists of the nearest group means)."""
        floats = FloatRows(Path(base), [s.recorded for s in shards], mean, scale, dim=dim)
        keys = sorted({g for s in shards for g in s.groups})
        list_of = {k: n for n, k in enumerate(keys)}
        sums = np.zeros((len(keys), dim), dtype=np.float64)
        counts = np.zeros(len(keys), dtype=np.int64)
        total = sum(len(s.rows) for s in shards)
        step = max(1, total // TRAIN_SIZE[kind])
        ann_step = max(1, total // sample_size(total))
        sample, sample_lists, ann_sample, seen = [], [], [], 0
        kept: list[np.ndarray | None] = []  # pass 1's rows for pass 2, up to a budget
        budget = BUILD_KEEP_BYTES
        for number, shard in enumerate(shards):
            vectors = floats.normalize(float_rows(floats.shard(number)["vectors"], shard.rows))
            kept.append(vectors if vectors.nbytes <= budget else None)
            budget -= vectors.nbytes if kept[-1] is not None else 0
            lists = np.fromiter((list_of[g] for g in shard.groups), np.int64, len(shard.rows))
            add_by_group(sums, counts, lists, vectors)
            picked = np.flatnonzero((np.arange(seen, seen + len(vectors)) % step) == 0)
            sample.append(vectors[picked])
            sample_lists.append(lists[picked])
            ann_sample.append(vectors[(np.arange(seen, seen + len(vectors)) % ann_step) == 0])
            seen += len(vectors)
        means = (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)
        index = new_ivf(kind, dim, means)
        if total:
            training = np.concatenate(sample)[:TRAIN_SIZE[kind]]
            training_lists = np.concatenate(sample_lists)[:TRAIN_SIZE[kind]]
            if kind == "pq" and len(training) < 256:  # k-means needs a point per centroid
                training = np.resize(training, (256, dim))
            # one thread: k-means' OpenMP loops measured 3-9x slower on 2 busy cores
            threads = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
            try:
                train_ivf(index, kind, training, training_lists)
            finally:
                faiss.omp_set_num_threads(threads)
        ann = AnyLemmaIndex.train(dim, np.concatenate(ann_sample), total) \
            if total and any_lemma else None
        store = cls(kind, index, keys, floats, ann)
        for number, shard in enumerate(shards):
            store._add(number, shard, kept[number])
            kept[number] = None
        return store

    def _add(self, number: int, shard: Shard, vectors: np.ndarray | None = None) -> None:
        """Encode the rows of ``shard`` (shard number ``number``) into their lists;
        ``vectors``: those rows normalized already (float32 (m, dim)), else read here."""
        if not len(shard.rows):
            return
        if vectors is None:
            vectors = self._floats.normalize(float_rows(self._floats.shard(number)["vectors"],
                                                   shard.rows))
        lists = np.fromiter((self._list_of[g] for g in shard.groups), np.int64,
                            len(shard.rows))
        # named variables: add_core keeps raw pointers (a temporary would be freed first)
        located = locators(number, shard.rows)
        add_to_lists(self._index, vectors, located, lists)
        if self._ann is not None:
            self._ann.add(vectors, located)

    def append(self, shards: Sequence[Shard], removed: Iterable[int] = ()) -> None:
        """Add rows of further shards (appended to the lemma lists: new groups get new lists
        whose centroid is their mean) and drop the tokens ``removed`` (database ids), without
        re-encoding anything already stored. The codec keeps its training; ``compact``
        (a full build) re-trains. Needs a store loaded with ``writable=True``."""
        removed = np.asarray(list(removed), dtype=np.int64)
        if len(removed):
            held = self.locator_of(removed)
            gone = held[held >= 0]
            self._index.remove_ids(faiss.IDSelectorBatch(len(gone), faiss.swig_ptr(gone)))
            if self._ann is not None:
                self._ann.remove(gone)
            self._by_id = None
        numbers = []
        for shard in shards:  # a shard already known keeps its number
            if shard.recorded not in self._floats.shards:
                self._floats.shards.append(shard.recorded)
            numbers.append(self._floats.shards.index(shard.recorded))
        new_keys = sorted({g for s in shards for g in s.groups} - set(self._list_of))
        if new_keys:
            self._grow(new_keys, shards, numbers)
        for number, shard in zip(numbers, shards, strict=True):
            self._add(number, shard)
        self._by_id = self._sizes = None

    def _grow(self, new_keys: list[str], shards: Sequence[Shard], numbers: list[int]) -> None:
        """Add one inverted list per new group, centred on the group's mean."""
        dim, slot = self.dim, {k: n for n, k in enumerate(new_keys)}
        sums = np.zeros((len(new_keys), dim), dtype=np.float64)
        counts = np.zeros(len(new_keys), dtype=np.int64)
        for number, shard in zip(numbers, shards, strict=True):
            chosen = [n for n, g in enumerate(shard.groups) if g in slot]
            if not chosen:
                continue
            vectors = self._floats.normalize(float_rows(
                self._floats.shard(number)["vectors"], shard.rows[chosen]))
            where = np.asarray([slot[shard.groups[n]] for n in chosen], dtype=np.int64)
            add_by_group(sums, counts, where, vectors)
        means = np.ascontiguousarray(sums / np.maximum(counts, 1)[:, None], dtype=np.float32)
        grow_lists(self._index, means)
        self._keys += new_keys
        self._list_of = {k: n for n, k in enumerate(self._keys)}
        self._centroids = centroids(self._index)

    # ------------------------------------------------------------------ reading
    @property
    def ntotal(self) -> int:
        """How many vectors the store holds."""
        return int(self._index.ntotal)

    def _all_locators(self) -> np.ndarray:
        parts = [list_ids(self._index, n) for n in range(len(self._keys))]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def ids(self) -> np.ndarray:
        """int64 (ntotal,) ids in storage order (list by list)."""
        return self._floats.token_ids(self._all_locators())

    def locator_of(self, ids: np.ndarray) -> np.ndarray:
        """int64 locators of token ``ids`` (-1 where not held); the map is built on first
        use (one pass over the lists)."""
        if self._by_id is None:
            located = self._all_locators()
            token_ids = self._floats.token_ids(located)
            self._by_id = dict(zip(token_ids.tolist(), located.tolist(), strict=True))
        return np.asarray([self._by_id.get(int(i), -1) for i in ids], dtype=np.int64)

    def groups(self) -> dict[str, tuple[int, int]]:
        """Group key -> its [start, end) rows in storage order (non-empty groups only)."""
        out, start = {}, 0
        for number, key in enumerate(self._keys):
            size = self._index.invlists.list_size(number)
            if size:
                out[key] = (start, start + size)
            start += size
        return out

    def group_size(self, group: str) -> int:
        """How many vectors the group holds (0 for an unknown group)."""
        number = self._list_of.get(group)
        return 0 if number is None else int(self._index.invlists.list_size(number))

    def vectors(self, ids: Iterable[int]) -> np.ndarray:
        """The normalized float vectors of ``ids``, float32 (len(ids), dim), read from the
        raw shards.

        Raises:
            KeyError: an id is not in the store (names it)."""
        ids = np.asarray(list(ids), dtype=np.int64)
        located = self.locator_of(ids)
        if (located < 0).any():
            raise KeyError(f"id {int(ids[located < 0][0])} is not in the vector store")
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._floats.gather(located)[1]

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids int64 (ntotal,), vectors float32 (ntotal, dim)) in storage order; copies."""
        if not self.ntotal:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        return self._floats.gather(self._all_locators())

    def search(self, queries: np.ndarray, k: int,
               groups: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best (cosine, id) per query, best first: (scores float32 (n, k), ids int64
        (n, k)) for ``queries`` ((dim,) or (n, dim) float32, normalized); id -1 and score
        -inf pad. ``groups``: scan only these lists (unknown keys ignored); None: every token
        (``--any-lemma``), approximate: the k-means ANN's candidates (``anylemma``; a store
        without one: the lists of the nearest group means, :data:`ANY_LEMMA_TOKENS`).
        Candidates are re-ranked exactly from the float vectors. ``k`` is first clamped to
        the tokens that can answer (``ntotal``; with ``groups``, the sizes of their lists), so
        any ``k`` (10**9 included) allocates no more than the store's own rows."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        n = len(queries)
        lists = (None if groups is None else
                 np.asarray(sorted({self._list_of[g] for g in groups if g in self._list_of}),
                            dtype=np.int64))
        scanned = None if lists is None else \
            sum(map(self._index.invlists.list_size, lists.tolist()))
        k = min(k, self.ntotal if scanned is None else scanned)
        scores = np.full((n, max(k, 0)), -np.inf, dtype=np.float32)
        ids = np.full((n, max(k, 0)), -1, dtype=np.int64)
        if k <= 0 or self.ntotal == 0:
            return scores, ids
        if lists is None and self._ann is not None:
            found = self._ann.candidates(queries, max(k, ANN_RERANK))
            for q in range(n):
                self._rerank(queries[q], found[q], k, scores[q], ids[q])
        elif lists is None:
            for q in range(n):
                self._search_lists(queries[q:q + 1], k, self._nearest_lists(queries[q]),
                                   scores[q:q + 1], ids[q:q + 1])
        else:
            self._search_lists(queries, k, lists, scores, ids, scanned)
        return scores, ids

    def _nearest_lists(self, query: np.ndarray) -> np.ndarray:
        """int64 lists whose means are nearest ``query`` (dim,), nearest first, covering
        ANY_LEMMA_TOKENS tokens or ANY_LEMMA_LISTS lists."""
        sizes = list_sizes(self._index, np.arange(len(self._keys))) \
            if self._sizes is None else self._sizes
        self._sizes = sizes
        similarity = self._centroids @ query
        top = min(ANY_LEMMA_LISTS, len(similarity))
        nearest = np.argpartition(-similarity, top - 1)[:top]
        nearest = nearest[np.argsort(-similarity[nearest], kind="stable")]
        nearest = nearest[sizes[nearest] > 0]
        covered = np.cumsum(sizes[nearest])
        return nearest[:int(np.searchsorted(covered, ANY_LEMMA_TOKENS)) + 1].astype(np.int64)

    def _search_lists(self, queries: np.ndarray, k: int, lists: np.ndarray,
                      scores: np.ndarray, ids: np.ndarray, scanned: int | None = None) -> None:
        """Answer ``queries`` (float32 (n, dim)) from ``lists`` (int64 (m,)) into ``scores``
        float32 (n, k) and ``ids`` int64 (n, k) (filled with -inf and -1 already);
        ``scanned``: the lists' total size where the caller has it."""
        if not len(lists):
            return
        if scanned is None:
            scanned = sum(map(self._index.invlists.list_size, lists.tolist()))
        wanted = rerank_depth(self.kind, scanned, k)
        found = search_lists(self._index, queries, self._centroids[lists], lists, wanted) \
            if self._scan is None else self._scan.search(queries, lists, wanted)
        for q in range(len(queries)):
            self._rerank(queries[q], found[q], k, scores[q], ids[q])

    def _rerank(self, query: np.ndarray, found: np.ndarray, k: int, scores: np.ndarray,
                ids: np.ndarray) -> None:
        """Re-rank the candidate locators ``found`` (int64, -1 ignored) by exact cosine with
        ``query`` (float32 (dim,)) into ``scores`` float32 (k,) and ``ids`` int64 (k,) (filled
        with -inf and -1 already), ties by id (token ids are read for the best k and those
        tied with the k-th only)."""
        candidates = found[found >= 0]
        if len(candidates):
            # one dot product per row in the same summation order whatever the row's place
            # (a BLAS gemv rounds rows in its tail differently): equal vectors tie exactly
            exact = np.einsum("ij,j->i", self._floats.rows(candidates), query)
            if len(exact) > k:  # ids are read for the best k and any tied with the k-th only
                kept = np.flatnonzero(exact >= np.partition(exact, len(exact) - k)[-k])
                candidates, exact = candidates[kept], exact[kept]
            token_ids = self._floats.token_ids(candidates)
            order = np.lexsort((token_ids, -exact))[:k]
            scores[:len(order)] = exact[order]
            ids[:len(order)] = token_ids[order]

    def heap_bytes(self) -> int:
        """Bytes a reader holds on its heap for this store once loaded (the quantizer's
        group means and the group table); the inverted lists are memory-mapped, so their
        pages are shared page cache, read as queries touch them."""
        ann = 0 if self._ann is None else self._ann.heap_bytes()
        return int(self._centroids.nbytes + sum(len(k) + 57 for k in self._keys)
                   + 64 * len(self._keys) + ann)

    # ------------------------------------------------------------------ persistence
    def save(self, index_path: str | os.PathLike,
             groups_path: str | os.PathLike) -> list[files.FileSum]:
        """Write the store as its FAISS file and its group table, each atomically; returns
        their checksums. The shard paths are recorded relative to the index directory."""
        floats = self._floats
        table = {"store_type": np.asarray(self.kind), "keys": np.asarray(self._keys, dtype=str),
                 "shards": np.asarray(floats.shards, dtype=str), "dim": np.int64(self.dim),
                 "ntotal": np.int64(self.ntotal),
                 "mean": floats.mean if floats.mean is not None else np.zeros(0, np.float32),
                 "scale": floats.scale if floats.scale is not None else np.zeros(0, np.float32)}
        written = [files.write_faiss(self._index, Path(index_path))]
        if self._ann is not None:  # before the table, which says the store has it
            written.append(self._ann.save(ann_path(index_path)))
        table["ann"] = np.int64(self._ann is not None)
        return written + [files.atomic_write(Path(groups_path),
                                             lambda p: files.save_table(p, table))]

    @classmethod
    def load(cls, index_path: str | os.PathLike, groups_path: str | os.PathLike, *,
             writable: bool = False) -> PartitionedStore:
        """The store :meth:`save` wrote; memory-mapped read-only unless ``writable``
        (wholly read, for :meth:`append`).

        Raises:
            IndexFormatError: a file is missing or damaged, or the two do not belong
                together (names the file)."""
        index_path, groups_path = Path(index_path), Path(groups_path)
        table = read_table(groups_path)
        if not index_path.exists():
            raise IndexFormatError(f"{index_path}: vector index file is missing")
        flags = 0 if writable else faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
        try:
            index = faiss.read_index(str(index_path), flags)
        except (RuntimeError, OSError, MemoryError) as exc:
            raise IndexFormatError(f"{index_path}: cannot read FAISS index (damaged; run "
                                   f"`sensedb repair`): {exc}") from exc
        if not isinstance(index, faiss.IndexIVF) or index.ntotal != int(table["ntotal"]) \
                or index.nlist != max(len(table["keys"]), 1):
            raise IndexFormatError(f"{index_path} and {groups_path} do not belong together")
        mean = table["mean"] if len(table["mean"]) else None
        scale = table["scale"] if len(table["scale"]) else None
        floats = FloatRows(groups_path.parent, [str(s) for s in table["shards"]], mean, scale,
                           random=not writable, dim=int(table["dim"]))
        ann = None
        if int(table.get("ann", 0)):
            path = ann_path(index_path)
            if not path.exists():
                raise IndexFormatError(f"{path}: the any-lemma index file is missing")
            ann = AnyLemmaIndex.load(path, writable=writable)
            if ann.ntotal != index.ntotal:
                raise IndexFormatError(f"{path} and {index_path} do not belong together")
        store = cls(str(table["store_type"]), index, [str(k) for k in table["keys"]], floats,
                    ann)
        if not writable and IntegerScan.fits(index):
            store._scan = IntegerScan(index)
        return store

    def check_ids(self, expected: Iterable[int], what: str) -> None:
        """Check the store holds exactly the ``expected`` ids (``VectorStore.check_ids``).

        Raises:
            IndexFormatError: ids differ; names ``what`` and a few ids of each side."""
        probe = VectorStore(self.dim)
        probe._ids = self.ids()
        probe.check_ids(expected, what)


def store_type(groups_path: str | os.PathLike) -> str:
    """The type of the store whose group table is ``groups_path``: one of
    :data:`STORE_TYPES` (``flat`` for a table without the mark)."""
    try:
        with np.load(groups_path, allow_pickle=False) as data:
            return str(data["store_type"]) if "store_type" in data.files else "flat"
    except _READ_ERRORS:
        return "flat"  # the flat loader names the damage


def open_store(index_path: str | os.PathLike, groups_path: str | os.PathLike
               ) -> VectorStore | PartitionedStore:
    """The store saved in these two files, whichever its type (memory-mapped when
    partitioned).

    Raises:
        IndexFormatError: a file is missing or damaged (names it)."""
    if store_type(groups_path) == "flat":
        return VectorStore.load(index_path, groups_path)
    return PartitionedStore.load(index_path, groups_path)
