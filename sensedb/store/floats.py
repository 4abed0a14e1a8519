"""Normalized float vectors read by *locator* from memory-mapped raw shards: the one float
copy a partitioned store (``partitioned``) re-ranks from.

A locator is an int64 ``(shard number << 32) | row in the shard``: the IVF id of a token in a
partitioned store, naming where its raw vector lies; its database id is the shard's own
``ids.npy`` at that row.
"""

from __future__ import annotations

import os
import threading
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
_NO_RUN = -2  # FloatRows' row count of a shard whose ids do not run without a gap


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

    ``base``: the index directory; ``shards``: recorded shard paths, by shard number
    (``dim``: their vectors' width, checked as each shard opens);
    ``mean``, ``scale``: float32 (dim,) z-score of the normalization (None: L2 only), the
    same arithmetic as :class:`~sensedb.store.Normalizer`. ``random``: the rows will be read
    a few at a time (re-ranking), scattered over every shard: each row's vector and id is
    read with one ``os.pread`` each, in the order asked, instead of through the memory maps.
    At 10M tokens (100 shards) a re-rank's 400 rows took 4.5 ms of CPU through the maps,
    mostly page-table faults on pages first touched; ``preadv`` grouped per shard, ids
    included, 3.2 ms (p50); one ``pread`` a row without grouping 1.5 ms (BENCHMARKS.md,
    store rounds 3 and 5). A shard whose ids run without a gap (``first, first + 1, ...``:
    every shard a job writes, checked as the shard opens) gives a row's token id as
    ``first + row`` with no read at all (store round 6)."""

    def __init__(self, base: Path, shards: Sequence[str], mean: np.ndarray | None,
                 scale: np.ndarray | None, *, random: bool = False,
                 dim: int | None = None) -> None:
        self.base, self.shards, self.dim = Path(base), list(shards), dim
        self.mean, self.scale, self.random = mean, scale, random
        self._open: dict[int, dict[str, np.ndarray]] = {}
        # random: array name -> shard number -> (fd, data offset, row bytes, dtype)
        self._files: dict[str, dict[int, tuple[int, int, int, np.dtype]]] = {
            "ids": {}, "vectors": {}}
        # random: array name -> (fd, data offset, row bytes) by shard number (fd -1: not
        # open, -2: read through its maps), and the dtypes of the shards open
        self._plans: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, set[np.dtype]]] = {}
        # random: shard number -> (first id, rows) of a shard whose ids run without a gap,
        # (0, _NO_RUN) of one whose ids do not; by shard number in the plan (-1: not open)
        self._runs: dict[int, tuple[int, int]] = {}
        self._mapped_only: set[int] = set()  # random: shards with no file to pread (.npz)
        self._run_plan: tuple[np.ndarray, np.ndarray] | None = None
        # shard number -> the lock its opening holds: two threads asking for one shard at
        # once open its files once (the second waits), other shards open meanwhile
        self._opening: dict[int, threading.Lock] = {}
        weakref.finalize(self, _close_all, self._files)

    def shard(self, number: int) -> dict[str, np.ndarray]:
        """The memory-mapped ``ids`` and ``vectors`` of shard ``number``.

        Raises:
            IndexFormatError: the shard is missing or damaged (names it)."""
        opened = self._open.get(number)
        if opened is not None:
            return opened
        with self._opening.setdefault(number, threading.Lock()):  # setdefault is atomic
            if number not in self._open:
                self._open_shard(number)
        return self._open[number]

    def _open_shard(self, number: int) -> None:
        """Map shard ``number``, check its shape, and (random) register its files and its
        ids' run; the caller holds the shard's opening lock."""
        arrays = files.load_array(self.base / self.shards[number], ("ids", "vectors"))
        ids, vectors = arrays["ids"], arrays["vectors"]
        width = self.dim if self.dim is not None else (
            vectors.shape[-1] if vectors.ndim == 2 else -1)
        if ids.ndim != 1 or vectors.shape != (len(ids), width):  # rewritten or cut short
            raise IndexFormatError(
                f"raw vector shard {self.base / self.shards[number]}: {len(ids)} ids and "
                f"vectors of shape {vectors.shape}, not ({len(ids)}, "
                f"{width if width >= 0 else 'dim'}) (damaged; run `sensedb verify`)")
        # plain views of the maps: indexing an np.memmap builds a memmap per call. Kept
        # before the shard's files and run are registered: a reader of another thread
        # that finds them in a plan takes the shard's shape from here
        self._open[number] = {k: a.view(np.ndarray) if isinstance(a, np.memmap) else a
                              for k, a in arrays.items()}
        # a shard of the older .npz format has no memmap: it is read from memory
        if self.random and hasattr(os, "pread") and all(
                isinstance(a, np.memmap) and a.flags.c_contiguous for a in arrays.values()):
            for name, array in arrays.items():
                path = files.array_path(self.base / self.shards[number], name)
                row = int(np.prod(array.shape[1:], dtype=np.int64)) * array.itemsize
                self._files[name][number] = (os.open(path, os.O_RDONLY),
                                             int(array.offset), row, array.dtype)
            self._plans.clear()
        elif self.random:
            self._mapped_only.add(number)
            self._plans.clear()
        if self.random:
            self._runs[number] = (int(ids[0]) if len(ids) else 0, len(ids)) \
                if _runs_on(ids) else (0, _NO_RUN)
            self._run_plan = None

    def normalize(self, x: np.ndarray) -> np.ndarray:
        """``x`` (float32 (n, dim), a copy the caller owns) normalized in place."""
        if self.mean is not None:
            x -= self.mean
            x *= self.scale
        faiss.normalize_L2(x)
        return x

    def token_ids(self, located: np.ndarray) -> np.ndarray:
        """int64 (n,) token ids of the locators ``located`` (int64 (n,)), reading only the
        shards' ``ids`` arrays.

        Raises:
            IndexFormatError: as :meth:`rows`."""
        located = np.asarray(located, dtype=np.int64)
        if self.random and len(located):
            counted = self._counted_ids(located)
            if counted is not None:
                return counted
        ids = self._take("ids", located)
        return np.zeros(0, dtype=np.int64) if ids is None else ids.reshape(-1).astype(np.int64)

    def _counted_ids(self, located: np.ndarray) -> np.ndarray | None:
        """Token ids of ``located`` (int64 (n,), n > 0) as ``first + row``, where every shard
        named runs without a gap; None where one does not (read them instead).

        Raises:
            IndexFormatError: a row lies past its shard's end (names shard and row)."""
        numbers, rows = located >> _SHIFT, located & _ROW_MASK
        plan = self._run_plan  # one lookup: another thread may reset it
        if plan is None or _lacks(plan[1], numbers):
            held, size = self._opened(numbers, self._runs)
            plan = (np.zeros(size, np.int64), np.full(size, -1, np.int64))
            for number, (first, count) in held:
                plan[0][number], plan[1][number] = first, count
            self._run_plan = plan
        first, count = plan
        if count[numbers].min() < 0:  # a shard whose ids do not run (or could not open)
            return None
        past = rows >= count[numbers]
        if past.any():
            at = int(np.flatnonzero(past)[0])
            raise IndexFormatError(f"raw vector shard {self.base / self.shards[int(numbers[at])]}"
                                   f": row {int(rows[at])} is past its end (truncated)")
        return first[numbers] + rows

    def _opened(self, numbers: np.ndarray, registered: dict[int, tuple]
                ) -> tuple[list[tuple[int, tuple]], int]:
        """Open the shards ``numbers`` (int64 (n,), n > 0) names, then a snapshot of what
        ``registered`` (a per-shard registry: ``_files[name]`` or ``_runs``) holds, and the
        length a plan by shard number needs: (entries, length). A snapshot, since shards
        open as other threads read."""
        for number in set(numbers.tolist()):
            self.shard(number)
        held = list(registered.items())
        return held, max([number for number, _ in held] + [int(numbers.max())]) + 1

    def gather(self, located: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(token ids int64 (n,), normalized vectors float32 (n, dim)) of the locators
        ``located`` (int64 (n,)), in their order."""
        located = np.asarray(located, dtype=np.int64)
        return self.token_ids(located), self.rows(located)

    def rows(self, located: np.ndarray) -> np.ndarray:
        """Normalized vectors float32 (n, dim) of the locators ``located`` (int64 (n,)), in
        their order; (0, 0) for none.

        Raises:
            IndexFormatError: a shard is missing, damaged or shorter than a row read from
                it (names the shard and the row)."""
        vectors = self._take("vectors", np.asarray(located, dtype=np.int64))
        if vectors is None:
            return np.zeros((0, 0), dtype=np.float32)
        return self.normalize(vectors.astype(np.float32))  # a copy, whatever the dtype

    def _take(self, name: str, located: np.ndarray) -> np.ndarray | None:
        """Rows ``located`` of every shard's array ``name``, in their order, in the array's
        dtype ((n, width) or (n,)); None for none."""
        if not len(located):
            return None
        numbers, rows = located >> _SHIFT, located & _ROW_MASK
        if self.random:
            read = self._read(name, numbers, rows)
            if read is not None:
                return read
        present = sorted(set(numbers.tolist()))
        # one sort, then a slice per shard (a build reads whole shards' rows in order)
        order = np.argsort(numbers, kind="stable")
        bounds = np.r_[np.searchsorted(numbers[order], present), len(order)]
        arrays = [self.shard(number)[name] for number in present]
        # the widest dtype of the shards read: a vector beyond float16's range keeps its
        # shard in float32, and rows of a float16 shard fit a float32 array exactly
        out = np.empty((len(located), *arrays[0].shape[1:]),
                       dtype=np.result_type(*(a.dtype for a in arrays)))
        for array, start, end in zip(arrays, bounds[:-1], bounds[1:], strict=True):
            where = order[start:end]
            out[where] = array[rows[where]]
        return out

    def _read(self, name: str, numbers: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
        """Rows ``rows`` of shards ``numbers`` (int64 (n,) each, n > 0) of array ``name``,
        one ``os.pread`` a row in the order given: a Python step per row is the whole cost,
        so the rows are not grouped by shard first. None where a shard has no file to read
        (the older .npz format) or the shards' rows differ in width (an index with float32
        shards beside float16 ones): read through the maps.

        Raises:
            IndexFormatError: a shard is missing or damaged, or a row lies past its shard's
                end (names shard and row)."""
        plan = self._plans.get(name)  # one lookup: another thread may clear the cache
        if plan is None or _lacks(plan[0], numbers):
            held, size = self._opened(numbers, self._files[name])
            plan = (np.full(size, -1, np.int64), np.zeros(size, np.int64),
                    np.zeros(size, np.int64), {dtype for *_, dtype in (f for _, f in held)})
            plan[0][[n for n in list(self._mapped_only) if n < size]] = -2  # no file: maps
            for number, (fd, start, width, _) in held:
                plan[0][number], plan[1][number], plan[2][number] = fd, start, width
            self._plans[name] = plan
        descriptor, offset, widths, dtypes = plan
        if descriptor[numbers].min() < 0:  # a shard read through its maps (or still opening)
            return None
        width = int(widths[numbers[0]])
        dtype = next(iter(dtypes))
        if len(dtypes) > 1:  # float16 and float32 vector shards: rows of one width only
            if (widths[numbers] != width).any():
                return None
            dtype = self._files[name][int(numbers[0])][3]
        at = (offset[numbers] + rows * width).tolist()
        pread = os.pread
        data = b"".join([pread(fd, width, where)
                         for fd, where in zip(descriptor[numbers].tolist(), at, strict=True)])
        if len(data) != width * len(numbers):  # a read past a shard's end: say which
            for number, row, where in zip(numbers.tolist(), rows.tolist(), at, strict=True):
                if len(pread(int(descriptor[number]), width, where)) != width:
                    raise IndexFormatError(f"raw vector shard {self.base / self.shards[number]}:"
                                           f" row {row} is past its end (truncated)")
        shape = self._open[int(numbers[0])][name].shape[1:]
        return np.frombuffer(data, dtype=dtype).reshape(len(numbers), *shape)


def _lacks(column: np.ndarray, numbers: np.ndarray) -> bool:
    """Whether a plan's ``column`` (by shard number, -1 where not open) lacks a shard of
    ``numbers`` (int64 (n,), n > 0): the plan is made again."""
    return len(column) <= int(numbers.max()) or bool((column[numbers] == -1).any())


def _runs_on(ids: np.ndarray) -> bool:
    """Whether ``ids`` (int (n,)) is ``first, first + 1, ..., first + n - 1``."""
    return len(ids) < 2 or (int(ids[-1]) - int(ids[0]) == len(ids) - 1
                            and bool((np.diff(ids) == 1).all()))


def _close_all(opened: dict[str, dict[int, tuple[int, int, int, np.dtype]]]) -> None:
    for files_of in opened.values():
        for fd, *_ in files_of.values():
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
    (BENCHMARKS.md, bulk indexing round 4). Rows go in blocks of :data:`ADD_BLOCK` (each
    block continues from the totals the one before left, so the result is the same): one
    product over 113k rows allocates a 350 MB float64 stack, whose first touch took 1.3 s
    in a fresh process against 0.1 s for the blocks (BENCHMARKS.md, bulk indexing round 6)."""
    targets = np.asarray(targets, dtype=np.int64)
    for start in range(0, len(targets), ADD_BLOCK):
        _add_block(totals, targets[start:start + ADD_BLOCK], vectors[start:start + ADD_BLOCK])


#: Rows per sparse product in :func:`add_in_order` (a 24 MB float64 stack at 384-d).
ADD_BLOCK = 8192


def _add_block(totals: np.ndarray, targets: np.ndarray, vectors: np.ndarray) -> None:
    """One block of :func:`add_in_order`: the sparse product it describes."""
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
