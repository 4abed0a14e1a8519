"""Vector stores: exact cosine search over FAISS, ids that are database rows, restricted search.

A :class:`VectorStore` is an exact inner-product index (``IndexIDMap2(IndexFlatIP)``) whose ids
are database row ids. Vectors are kept sorted by a *group* key (``"lemma\\tPOS"``,
``vocabulary.group_key``), so that a search restricted to a few lemmas is a search over a few
contiguous ranges, which FAISS runs as a slice (``IDSelectorRange`` on a flat index) instead of
testing every id. Vectors go in already normalized (``normalize.Normalizer``), so inner product
is cosine.

A store is saved as two immutable files, the FAISS index and its group table, at the paths
the caller gives (``IndexDirectory.store_paths``), each written atomically (``files``). Which
generation is current is recorded by the caller (the index's database), so a crash mid-save
leaves the previous generation in use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import IndexFormatError
from . import files
from ._faiss import faiss


@dataclass(frozen=True)
class GroupLayout:
    """The storage order of a store: rows sorted by group key, then id. ``order`` takes the
    given rows to that order; group ``keys[g]`` starts at row ``starts[g]``.

    ``ids``: int64 (n,) in storage order; ``order``: int64 (n,) positions into the given rows;
    ``keys``: the distinct group keys, sorted; ``starts``: int64 (groups,) first rows."""

    ids: np.ndarray
    order: np.ndarray
    keys: list[str]
    starts: np.ndarray

    @classmethod
    def of(cls, ids: np.ndarray, groups: Sequence[str]) -> GroupLayout:
        """The layout of rows with these ``ids`` (int64 (n,)) and group keys (n strings)."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return cls(ids, np.zeros(0, np.int64), [], np.zeros(0, np.int64))
        numbers: dict[str, int] = {}  # group -> number in order of appearance
        first_seen = np.fromiter((numbers.setdefault(g, len(numbers)) for g in groups),
                                 dtype=np.int64, count=len(ids))
        keys = sorted(numbers)
        rank = np.empty(len(keys), dtype=np.int64)
        rank[[numbers[k] for k in keys]] = np.arange(len(keys))
        codes = rank[first_seen]
        order = np.lexsort((ids, codes))
        sorted_codes = codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        return cls(ids[order], order, [str(keys[c]) for c in sorted_codes[starts]], starts)


# --------------------------------------------------------------------------- the store
class VectorStore:
    """An exact cosine index whose ids are database row ids, laid out by group.

    ``dim``: vector width (e.g. 384); vectors are float32 and already normalized, so scores
    are cosines in [-1, 1]."""

    def __init__(self, dim: int) -> None:
        self.dim = int(dim)
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        self._ids = np.zeros(0, dtype=np.int64)
        self._group_keys: list[str] = []
        self._ranges: dict[str, tuple[int, int]] = {}
        self._counts: np.ndarray | None = None  # int64 (ntotal,) storage order, or None
        self._position: dict[int, int] | None = None  # id -> storage row, made on first use
        self._view: np.ndarray | None = None  # FAISS's storage as an array, made on first use

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray,
              groups: Sequence[str], counts: np.ndarray | None = None) -> VectorStore:
        """A store of ``vectors`` ((n, dim) float32, already normalized) under ``ids`` (int64
        (n,)) with their group keys (n strings), stored sorted by group then id.
        ``counts``: optional int64 (n,), how many vectors each row's mean was made of; kept
        with the store (its group table) so a reader takes them from the same generation as
        the vectors (:meth:`counts_of`).

        Raises:
            ValueError: ids, vectors, groups (and counts) differ in length (a caller's bug).
            IndexFormatError: the vectors are not ``dim`` wide, or an id repeats."""
        ids = np.asarray(ids, dtype=np.int64)
        if not (len(ids) == len(vectors) == len(groups)) or (
                counts is not None and len(counts) != len(ids)):
            raise ValueError("ids, vectors and groups differ in length")
        layout = GroupLayout.of(ids, groups)
        store = cls.build_laid_out(dim, layout,
                                   np.asarray(vectors, dtype=np.float32)[layout.order])
        if counts is not None:
            store._counts = np.asarray(counts, dtype=np.int64)[layout.order]
        return store

    @classmethod
    def build_laid_out(cls, dim: int, layout: GroupLayout, vectors: np.ndarray) -> VectorStore:
        """A store of ``vectors`` ((n, dim) float32) already in ``layout``'s order (row n
        belongs to ``layout.ids[n]``).

        Raises:
            ValueError: ids and vectors differ in length (a caller's bug).
            IndexFormatError: the vectors are not ``dim`` wide, or an id repeats."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(layout.ids) != len(vectors):
            raise ValueError("ids and vectors differ in length")
        if len(vectors) and vectors.shape[1] != dim:
            raise IndexFormatError(f"vectors have dimension {vectors.shape[1]}, index has {dim}")

        def copy(view: np.ndarray) -> None:
            view[...] = vectors

        return cls.build_filled(dim, layout, copy)

    @classmethod
    def build_filled(cls, dim: int, layout: GroupLayout,
                     fill: Callable[[np.ndarray], None]) -> VectorStore:
        """A store whose vectors ``fill(view)`` writes, in ``layout``'s order, straight into
        FAISS's own storage (``view``: a writable (n, dim) float32 array over it): a bulk
        build of a few hundred MB then needs no second buffer and no copy into FAISS.

        Raises:
            IndexFormatError: an id repeats in ``layout``."""
        ids = np.asarray(layout.ids, dtype=np.int64)
        if len(ids) > 1 and len(np.unique(ids)) != len(ids):
            raise IndexFormatError("duplicate ids given to the vector store")
        store = cls(dim)
        if len(ids) == 0:
            return store
        n = len(ids)
        flat = faiss.downcast_index(store._index.index)
        flat.codes.resize(n * dim * 4)  # float32 rows
        flat.ntotal = n
        fill(faiss.rev_swig_ptr(flat.get_xb(), n * dim).reshape(n, dim))
        id_map = store._index.id_map
        id_map.resize(n)
        faiss.rev_swig_ptr(id_map.data(), n)[:] = ids
        store._index.ntotal = n
        store._index.construct_rev_map()
        store._ids = ids
        store._group_keys = list(layout.keys)
        ends = list(layout.starts[1:]) + [n]
        store._ranges = {k: (int(s), int(e))
                         for k, s, e in zip(layout.keys, layout.starts, ends, strict=True)}
        return store

    # ------------------------------------------------------------------ reading
    @property
    def ntotal(self) -> int:
        """How many vectors the store holds."""
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        """int64 (ntotal,) ids in storage order (a copy)."""
        return self._ids.copy()

    def groups(self) -> dict[str, tuple[int, int]]:
        """Group key -> its [start, end) rows in storage order."""
        return dict(self._ranges)

    def group_size(self, group: str) -> int:
        """How many vectors the group holds (0 for an unknown group)."""
        start, end = self._ranges.get(group, (0, 0))
        return end - start

    def has_counts(self) -> bool:
        """Whether the store keeps per-row counts (see :meth:`build`)."""
        return self._counts is not None

    def counts_of(self, ids: Iterable[int]) -> dict[int, int]:
        """``{id: count}`` of the ``ids`` the store holds, from its own generation (empty
        for a store without counts)."""
        if self._counts is None:
            return {}
        position = self._positions()
        found = {}
        for vector_id in ids:
            row = position.get(int(vector_id))
            if row is not None:
                found[int(vector_id)] = int(self._counts[row])
        return found

    def _positions(self) -> dict[int, int]:
        """``{id: storage row}``, made on first use (the store never changes once built)."""
        if self._position is None:
            self._position = {int(i): n for n, i in enumerate(self._ids.tolist())}
        return self._position

    def _rows(self) -> np.ndarray:
        """FAISS's own storage as a (ntotal, dim) float32 array (a view, no copy; made once:
        the store never changes once built)."""
        if self._view is None:
            flat = faiss.downcast_index(self._index.index)
            self._view = faiss.rev_swig_ptr(flat.get_xb(), self.ntotal * self.dim).reshape(
                self.ntotal, self.dim)
        return self._view

    def vectors(self, ids: Iterable[int]) -> np.ndarray:
        """The stored (normalized) vectors of ``ids``, float32 (len(ids), dim), copied out of
        FAISS's storage in one gather (a ``reconstruct`` call per id cost a query about 0.1
        ms).

        Raises:
            KeyError: an id is not in the store (names it; ids come from the caller's rows)."""
        ids = list(ids)
        if not ids:
            return np.zeros((0, self.dim), dtype=np.float32)
        position = self._positions()
        rows = []
        for vector_id in ids:
            row = position.get(int(vector_id))
            if row is None:
                raise KeyError(f"id {int(vector_id)} is not in the vector store")
            rows.append(row)
        return self._rows()[rows]

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids int64 (ntotal,), vectors float32 (ntotal, dim)) in storage order; copies."""
        if self.ntotal == 0:
            return self._ids.copy(), np.zeros((0, self.dim), dtype=np.float32)
        return self._ids.copy(), np.array(self._rows(), dtype=np.float32)

    def row_groups(self) -> list[str]:
        """The group key of every row, in storage order (ntotal strings)."""
        out: list[str] = []
        for key in self._group_keys:
            start, end = self._ranges[key]
            out.extend([key] * (end - start))
        return out

    @classmethod
    def concatenate(cls, parts: Sequence[VectorStore]) -> VectorStore:
        """One store holding every row of ``parts`` (same ``dim``, disjoint ids), laid out
        anew by group; counts are kept when every part has them.

        Raises:
            IndexFormatError: the parts differ in width or share an id."""
        if not parts:
            raise ValueError("no stores to concatenate")
        dim = parts[0].dim
        if any(p.dim != dim for p in parts):
            raise IndexFormatError("stores of different widths cannot be merged")
        pieces = [p.all_vectors() for p in parts]
        ids = np.concatenate([i for i, _ in pieces]) if pieces else np.zeros(0, np.int64)
        vectors = np.concatenate([v for _, v in pieces]).reshape(-1, dim)
        groups = [g for p in parts for g in p.row_groups()]
        counts = (np.concatenate([p._counts for p in parts])
                  if all(p._counts is not None for p in parts) else None)
        return cls.build(dim, ids, vectors, groups, counts)

    def search(self, queries: np.ndarray, k: int,
               groups: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best (cosine, id) per query, best first: (scores float32 (n, k), ids
        int64 (n, k)) for ``queries`` (dim,) or (n, dim) float32; id -1 and score -inf pad
        short answers.

        ``k`` is first clamped to the rows that can answer (``ntotal``; with ``groups``,
        the rows of those groups), so any ``k`` (10**9 included) costs no more memory than
        the store's own rows.

        ``groups``: restrict to these group keys (contiguous ranges, searched as slices);
        unknown keys are ignored.

        Equal cosines come in id order, at the cut of the ``k`` too: of rows tied at the
        k-th place, those of the lowest ids are kept.
        """
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        n = len(queries)
        ranges = (None if groups is None else
                  _merge_ranges(self._ranges[g] for g in set(groups) if g in self._ranges))
        rows = self.ntotal if ranges is None else sum(end - start for start, end in ranges)
        k = min(k, rows)
        if k <= 0 or self.ntotal == 0:
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        # FAISS keeps any of the rows tied at the k-th place: one row more is asked for,
        # and more while it ties with the k-th, so that ties are in id order at the cut too
        ask = k
        while True:
            take = min(ask + 1, rows)
            scores, ids = self._pad(*self._search(queries, take, ranges), take)
            if take == rows or not (np.isfinite(scores[:, k - 1])
                                    & (scores[:, take - 1] == scores[:, k - 1])).any():
                return scores[:, :k], ids[:, :k]
            ask *= 2

    def _search(self, queries: np.ndarray, k: int, ranges: list[tuple[int, int]] | None
                ) -> tuple[np.ndarray, np.ndarray]:
        """FAISS's ``k`` best of each range (of the whole store for None), side by side,
        unordered: (scores float32 (n, m), ids int64 (n, m), -1 where none)."""
        if ranges is None:
            return self._index.search(queries, k)
        flat = faiss.downcast_index(self._index.index)
        all_scores, all_positions = [], []
        for start, end in ranges:
            selector = faiss.IDSelectorRange(start, end)
            params = faiss.SearchParameters(sel=selector)
            scores, positions = flat.search(queries, min(k, end - start), params=params)
            all_scores.append(scores)
            all_positions.append(positions)
        scores = np.concatenate(all_scores, axis=1)
        positions = np.concatenate(all_positions, axis=1)
        ids = np.where(positions >= 0, self._ids[np.clip(positions, 0, None)], -1)
        return np.where(positions >= 0, scores, -np.inf), ids

    @staticmethod
    def _pad(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The best ``k`` of each row (several ranges' answers side by side), best first,
        padded with -inf / -1 to ``k`` columns."""
        if scores.shape[1] < k:
            extra = k - scores.shape[1]
            scores = np.pad(scores, ((0, 0), (0, extra)), constant_values=-np.inf)
            ids = np.pad(ids, ((0, 0), (0, extra)), constant_values=-1)
        scores = np.where(ids >= 0, scores, -np.inf).astype(np.float32)
        ids = ids.astype(np.int64)
        # equal cosines in id order, as the partitioned stores give them (FAISS's heap
        # returns ties in no set order); padding (-inf) stays last
        order = np.lexsort((ids, -scores), axis=-1)[:, :k]
        return np.take_along_axis(scores, order, 1), np.take_along_axis(ids, order, 1)

    # ------------------------------------------------------------------ persistence
    def save(self, index_path: str | os.PathLike,
             groups_path: str | os.PathLike) -> list[files.FileSum]:
        """Write the store as two files, each atomically (temporary file, fsync, rename): the
        FAISS index at ``index_path`` and its group table at ``groups_path``; returns their
        checksums."""
        ranges = np.asarray([self._ranges[k] for k in self._group_keys], dtype=np.int64)
        return [files.write_faiss(self._index, Path(index_path)),
                files.write_groups(Path(groups_path), self._group_keys, ranges, self.ntotal,
                                   _digest(self._ids), self.dim, self._counts)]

    @classmethod
    def load(cls, index_path: str | os.PathLike,
             groups_path: str | os.PathLike) -> VectorStore:
        """The store :meth:`save` wrote to these two files.

        Raises:
            IndexFormatError: a file is missing or damaged, is not an id-mapped flat index, or
                the two files are not of the same store (each message names the file)."""
        index_path, groups_path = Path(index_path), Path(groups_path)
        for path in (index_path, groups_path):
            if not path.exists():
                raise IndexFormatError(f"{path}: vector index file is missing")
        index = files.read_faiss(index_path)
        keys, ranges, ntotal, digest, counts = files.read_groups(groups_path)
        # read_index already returns the concrete class; downcasting it again would leave the
        # C++ object owned by a temporary wrapper that frees it
        if not isinstance(index, faiss.IndexIDMap2):
            raise IndexFormatError(f"{index_path}: not an id-mapped flat index")
        store = cls(index.d)
        store._index = index
        store._ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        store._group_keys = keys
        store._ranges = {k: (int(s), int(e)) for k, (s, e) in zip(keys, ranges, strict=True)}
        if counts is not None and len(counts) != ntotal:
            raise IndexFormatError(f"{groups_path}: {len(counts)} counts for {ntotal} vectors "
                                   "(damaged; run `sensedb repair`)")
        store._counts = counts
        if store.ntotal != ntotal or _digest(store._ids) != digest:
            raise IndexFormatError(
                f"{index_path} and {groups_path} do not belong together (ids differ)")
        return store

    # ------------------------------------------------------------------ checks
    def check_ids(self, expected: Iterable[int], what: str) -> None:
        """Check the store holds exactly the ``expected`` ids (the rows of its table).

        Raises:
            IndexFormatError: ids differ; names ``what`` and a few ids of each side."""
        check_held_ids(self._ids, expected, what)


def check_held_ids(held: np.ndarray, expected: Iterable[int], what: str) -> None:
    """Check the ids ``held`` (int64) are exactly the ``expected`` ones.

    Raises:
        IndexFormatError: ids differ; names ``what`` and a few ids of each side."""
    expected = np.unique(expected if isinstance(expected, np.ndarray)
                         else np.fromiter(expected, dtype=np.int64)).astype(np.int64)
    held = np.unique(held)
    if len(held) == len(expected) and np.array_equal(held, expected):
        return
    missing = np.setdiff1d(expected, held)
    extra = np.setdiff1d(held, expected)
    raise IndexFormatError(
        f"{what}: FAISS ids and database rows disagree: {len(missing)} rows without a "
        f"vector (e.g. {missing[:5].tolist()}), {len(extra)} vectors without a row "
        f"(e.g. {extra[:5].tolist()})")


def _merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _digest(ids: np.ndarray) -> int:
    """An order-sensitive checksum of the id layout (pairs a .faiss file with its groups)."""
    if len(ids) == 0:
        return 0
    weights = np.arange(1, len(ids) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return int((ids.astype(np.uint64) * weights).sum() % np.uint64(2**61 - 1))
