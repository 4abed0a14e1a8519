"""Normalized float vectors read by *locator* from memory-mapped raw shards: the one float
copy a partitioned store (``partitioned``) re-ranks from.

A locator is an int64 ``(shard number << 32) | row in the shard``: the IVF id of a token in a
partitioned store, naming where its raw vector lies; its database id is the shard's own
``ids.npy`` at that row.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import IndexFormatError
from . import files
from ._faiss import faiss

_SHIFT = np.int64(32)
_ROW_MASK = np.int64((1 << 32) - 1)


def locators(shard_number: int, rows: np.ndarray) -> np.ndarray:
    """int64 (n,) IVF ids of ``rows`` (int (n,)) of shard number ``shard_number``."""
    return (np.int64(shard_number) << _SHIFT) | np.asarray(rows, dtype=np.int64)


@dataclass
class Shard:
    """The part of one raw vector shard a store holds: ``recorded`` (its path relative to the
    index directory, e.g. ``raw/shard-000001``), ``rows`` (int64 (m,) rows of the shard) and
    their ``groups`` (m group keys)."""

    recorded: str
    rows: np.ndarray
    groups: Sequence[str]


class FloatRows:
    """Normalized float vectors read from memory-mapped raw shards by locator.

    ``base``: the index directory; ``shards``: recorded shard paths, by shard number;
    ``mean``, ``scale``: float32 (dim,) z-score of the normalization (None: L2 only), the
    same arithmetic as :class:`~sensedb.store.Normalizer`. ``random``: the rows will be read
    a few at a time (re-ranking), scattered over every shard: each row's vector is read with
    ``os.preadv`` into one buffer instead of through the memory map (at 10M tokens, 400 rows
    over 100 shards took 4.5 ms of CPU through the maps, mostly page-table faults on pages
    first touched, against 1.4 ms read: BENCHMARKS.md, "Round 3"); the ids (8 B a row) are
    read through their maps."""

    def __init__(self, base: Path, shards: Sequence[str], mean: np.ndarray | None,
                 scale: np.ndarray | None, *, random: bool = False) -> None:
        self.base, self.shards = Path(base), list(shards)
        self.mean, self.scale, self.random = mean, scale, random
        self._open: dict[int, dict[str, np.ndarray]] = {}
        self._files: dict[int, tuple[int, int]] = {}  # random: shard -> (fd, data offset)
        weakref.finalize(self, _close_all, self._files)

    def shard(self, number: int) -> dict[str, np.ndarray]:
        """The memory-mapped ``ids`` and ``vectors`` of shard ``number``.

        Raises:
            IndexFormatError: the shard is missing or damaged (names it)."""
        if number not in self._open:
            arrays = files.load_array(self.base / self.shards[number], ("ids", "vectors"))
            vectors = arrays["vectors"]  # a shard of the older .npz format: no memmap
            if self.random and hasattr(os, "preadv") and isinstance(vectors, np.memmap) \
                    and vectors.flags.c_contiguous:
                path = files.array_path(self.base / self.shards[number], "vectors")
                self._files[number] = (os.open(path, os.O_RDONLY), int(vectors.offset))
            # plain views of the maps: indexing an np.memmap builds a memmap per call
            self._open[number] = {k: a.view(np.ndarray) if isinstance(a, np.memmap) else a
                                  for k, a in arrays.items()}
        return self._open[number]

    def normalize(self, x: np.ndarray) -> np.ndarray:
        """``x`` (float32 (n, dim), a copy the caller owns) normalized in place."""
        if self.mean is not None:
            x -= self.mean
            x *= self.scale
        faiss.normalize_L2(x)
        return x

    def token_ids(self, located: np.ndarray) -> np.ndarray:
        """int64 (n,) token ids of the locators ``located`` (int64 (n,)), reading only the
        shards' ``ids`` arrays."""
        located = np.asarray(located, dtype=np.int64)
        numbers, rows = located >> _SHIFT, located & _ROW_MASK
        ids = np.empty(len(located), dtype=np.int64)
        for number in np.unique(numbers).tolist():
            where = np.flatnonzero(numbers == number)
            ids[where] = self.shard(number)["ids"][rows[where]]
        return ids

    def gather(self, located: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(token ids int64 (n,), normalized vectors float32 (n, dim)) of the locators
        ``located`` (int64 (n,)), in their order."""
        located = np.asarray(located, dtype=np.int64)
        numbers, rows = located >> _SHIFT, located & _ROW_MASK
        ids = np.empty(len(located), dtype=np.int64)
        out: np.ndarray | None = None
        # one sort, then a slice per shard (a re-rank's rows span every shard: 100 at 10M)
        order = np.argsort(numbers, kind="stable")
        present, starts = np.unique(numbers[order], return_index=True)
        bounds = np.r_[starts, len(order)]
        for number, start, end in zip(present.tolist(), bounds[:-1], bounds[1:], strict=True):
            where = order[start:end]
            data = self.shard(number)
            picked = rows[where]
            ids[where] = data["ids"][picked]
            vectors = data["vectors"]
            if out is None:
                out = np.empty((len(located), vectors.shape[1]), dtype=np.float32)
            out[where] = self._read(number, vectors, picked)
        if out is None:
            return ids, np.zeros((0, 0), dtype=np.float32)
        return ids, self.normalize(out)


    def _read(self, number: int, vectors: np.ndarray, picked: np.ndarray) -> np.ndarray:
        """Rows ``picked`` of shard ``number``'s ``vectors``, read with ``os.preadv`` when
        the shard was opened for it (``random``), else through the map."""
        if number not in self._files:
            return vectors[picked]
        fd, offset = self._files[number]
        width = vectors.shape[1] * vectors.itemsize
        out = np.empty((len(picked), vectors.shape[1]), dtype=vectors.dtype)
        view = memoryview(out).cast("B")
        for i, row in enumerate(picked.tolist()):
            if os.preadv(fd, [view[i * width:(i + 1) * width]], offset + row * width) != width:
                raise IndexFormatError(f"raw vector shard {self.base / self.shards[number]}: "
                                       f"row {row} is past its end (truncated)")
        return out


def _close_all(opened: dict[int, tuple[int, int]]) -> None:
    for fd, _ in opened.values():
        os.close(fd)


def add_by_group(sums: np.ndarray, counts: np.ndarray, lists: np.ndarray,
                  vectors: np.ndarray) -> None:
    """``sums[lists[i]] += vectors[i]`` (float64, one by one in the given order: see
    :func:`add_in_order`) and ``counts[lists[i]] += 1``; ``sums`` float64 (groups, dim),
    ``counts`` int64 (groups,), ``lists`` int (n,), ``vectors`` float32/64 (n, dim)."""
    if not len(lists):
        return
    add_in_order(sums, np.asarray(lists, dtype=np.int64), vectors)
    counts += np.bincount(lists, minlength=len(counts))


def add_in_order(totals: np.ndarray, targets: np.ndarray, vectors: np.ndarray) -> None:
    """``totals[targets[i]] += vectors[i]`` for every i, each target's rows added one by one
    in the order given: bit-identical to numpy's unbuffered ``np.add.at`` (and to any
    sequential float64 accumulation in that order), at about a tenth of its time.

    ``totals`` float64 (t, dim), updated in place; ``targets`` int64 (n,), repeating;
    ``vectors`` (n, dim), cast to float64. How: one sparse product (scipy's CSR times a
    dense matrix), whose row for target t lists t's current total first and then t's rows
    in order, every weight 1.0: the product accumulates each row of the matrix left to
    right from 0.0, so it computes ((total + v1) + v2) + ... exactly as the sequential
    loop does (1.0 times a float is that float). Measured: 113k rows of 384 into 30k
    targets 0.6 s against ``np.add.at`` 10.8 s and ``np.add.reduceat`` after a sort 6.3 s
    (BENCHMARKS.md, bulk indexing round 4)."""
    from scipy.sparse import csr_matrix  # sentence-transformers' dependency, imported late

    n = len(targets)
    if not n:
        return
    touched, inverse = np.unique(targets, return_inverse=True)
    k = len(touched)
    order = np.argsort(inverse, kind="stable")
    indptr = np.zeros(k + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(inverse, minlength=k) + 1)
    indices = np.empty(n + k, dtype=np.int64)
    first = indptr[:-1]
    indices[first] = np.arange(k)  # the target's current total: row r of the stack below
    rest = np.ones(n + k, dtype=bool)
    rest[first] = False
    indices[rest] = k + order  # then its rows, in the order given
    stacked = np.concatenate([totals[touched], np.asarray(vectors, dtype=np.float64)])
    matrix = csr_matrix((np.ones(n + k), indices, indptr), shape=(k, k + n))
    totals[touched] = matrix @ stacked


def float_rows(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A float32 C-contiguous copy of ``vectors[rows]`` (a memory map's rows)."""
    return np.ascontiguousarray(vectors[np.asarray(rows, dtype=np.int64)], dtype=np.float32)
