"""FAISS behind one small module: index type, ids, groups, normalization, persistence, checks.

No other module imports faiss. A :class:`VectorStore` is an exact inner-product index
(``IndexIDMap2(IndexFlatIP)``) whose ids are database row ids. Vectors are kept sorted by a
*group* key (``"lemma\\tPOS"``), so that a search restricted to a few lemmas is a search over a
few contiguous ranges, which FAISS runs as a slice (``IDSelectorRange`` on a flat index)
instead of testing every id. Vectors go in already normalized (:class:`Normalizer`), so inner
product is cosine.

Files are immutable once written: ``NAME.GEN.faiss`` and ``NAME.GEN.groups.npz``, each written
to a temporary file and renamed into place. Which generation is current is recorded by the
caller (the index's database), so a crash mid-save leaves the previous generation in use.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import IndexFormatError

try:  # faiss prints nothing useful on import; keep it to this module
    import faiss
except ImportError as exc:  # pragma: no cover - install problem
    raise ImportError("sensedb needs faiss-cpu (pip install faiss-cpu)") from exc


# --------------------------------------------------------------------------- statistics
@dataclass
class RunningStats:
    """Mergeable per-dimension sums for the mean and standard deviation of a corpus."""

    n: int
    total: np.ndarray  # float64 (dim,)
    total_sq: np.ndarray  # float64 (dim,)

    @classmethod
    def empty(cls, dim: int) -> RunningStats:
        return cls(0, np.zeros(dim), np.zeros(dim))

    def update(self, vectors: np.ndarray) -> None:
        x = np.asarray(vectors)
        if x.dtype != np.float32:
            x = x.astype(np.float64)
        self.n += len(x)
        # float32 sums over blocks of 4,096 rows, accumulated in float64: several times faster
        # than converting a corpus chunk to float64, and within 1e-5 (relative) of it
        for start in range(0, len(x), 4096):
            block = x[start:start + 4096]
            self.total += block.sum(0)
            self.total_sq += (block * block).sum(0)

    def merged(self, other: RunningStats) -> RunningStats:
        return RunningStats(self.n + other.n, self.total + other.total,
                            self.total_sq + other.total_sq)

    @property
    def mean(self) -> np.ndarray:
        return self.total / max(self.n, 1)

    @property
    def std(self) -> np.ndarray:
        var = self.total_sq / max(self.n, 1) - self.mean**2
        return np.sqrt(np.clip(var, 0.0, None))

    def to_json(self) -> dict:
        return {"n": self.n, "sum": self.total.tolist(), "sum_sq": self.total_sq.tolist()}

    @classmethod
    def from_json(cls, data: dict) -> RunningStats:
        return cls(int(data["n"]), np.asarray(data["sum"], dtype=np.float64),
                   np.asarray(data["sum_sq"], dtype=np.float64))


class Normalizer:
    """Maps raw encoder vectors into the index's space: optional z-score with the index's own
    mean and standard deviation, then L2 normalization (so inner product = cosine).

    Dimensions whose standard deviation is ~0 (MiniLM's last layer has three) are set to zero
    rather than divided by ~0, which would blow them up or produce NaN.
    """

    def __init__(self, stats: RunningStats | None, standardize: bool) -> None:
        self.standardize = bool(standardize and stats is not None and stats.n > 1)
        if self.standardize:
            assert stats is not None
            std = stats.std
            dead = std <= 1e-3 * max(float(np.median(std)), 1e-12)
            self.mean = stats.mean.astype(np.float32)
            self.scale = np.where(dead, 0.0, 1.0 / np.where(dead, 1.0, std)).astype(np.float32)
            self.dead_dimensions = np.flatnonzero(dead).tolist()
        else:
            self.mean = self.scale = None
            self.dead_dimensions = []

    def __call__(self, vectors: np.ndarray, *, copy: bool = True) -> np.ndarray:
        """Standardized (if configured) and L2-normalized rows; zero rows stay zero.
        ``copy=False`` may overwrite ``vectors`` (when already float32 and contiguous)."""
        x = np.array(vectors, dtype=np.float32, order="C", copy=True if copy else None)
        single = x.ndim == 1
        x = x.reshape(1, -1) if single else x
        if self.standardize:
            x -= self.mean
            x *= self.scale
        faiss.normalize_L2(x)
        return x[0] if single else x


def group_key(lemma: str, pos: str) -> str:
    return f"{lemma}\t{pos}"


@dataclass(frozen=True)
class GroupLayout:
    """The storage order of a store: rows sorted by group key, then id. ``order`` takes the
    given rows to that order; group ``keys[g]`` starts at row ``starts[g]``."""

    ids: np.ndarray
    order: np.ndarray
    keys: list[str]
    starts: np.ndarray

    @classmethod
    def of(cls, ids: np.ndarray, groups: Sequence[str]) -> GroupLayout:
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
    """An exact cosine index whose ids are database row ids, laid out by group."""

    def __init__(self, dim: int) -> None:
        self.dim = int(dim)
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        self._ids = np.zeros(0, dtype=np.int64)
        self._group_keys: list[str] = []
        self._ranges: dict[str, tuple[int, int]] = {}

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray,
              groups: Sequence[str]) -> VectorStore:
        """A store of ``vectors`` (already normalized) under ``ids``, sorted by group then id."""
        ids = np.asarray(ids, dtype=np.int64)
        if not (len(ids) == len(vectors) == len(groups)):
            raise ValueError("ids, vectors and groups differ in length")
        layout = GroupLayout.of(ids, groups)
        return cls.build_laid_out(dim, layout, np.asarray(vectors, dtype=np.float32)[layout.order])

    @classmethod
    def build_laid_out(cls, dim: int, layout: GroupLayout, vectors: np.ndarray) -> VectorStore:
        """A store of ``vectors`` already in ``layout``'s order (row n belongs to
        ``layout.ids[n]``)."""
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
        build of a few hundred MB then needs no second buffer and no copy into FAISS."""
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
        return int(self._index.ntotal)

    def ids(self) -> np.ndarray:
        return self._ids.copy()

    def groups(self) -> dict[str, tuple[int, int]]:
        return dict(self._ranges)

    def group_size(self, group: str) -> int:
        start, end = self._ranges.get(group, (0, 0))
        return end - start

    def vectors(self, ids: Iterable[int]) -> np.ndarray:
        """The stored (normalized) vectors of ``ids``; KeyError names a missing id."""
        ids = np.asarray(list(ids), dtype=np.int64)
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for row, vector_id in enumerate(ids):
            try:
                out[row] = self._index.reconstruct(int(vector_id))
            except RuntimeError:
                raise KeyError(f"id {int(vector_id)} is not in the vector store") from None
        return out

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) in storage order; the vectors are a copy."""
        flat = faiss.downcast_index(self._index.index)
        data = faiss.rev_swig_ptr(flat.get_xb(), self.ntotal * self.dim)
        return self._ids.copy(), np.array(data, dtype=np.float32).reshape(self.ntotal, self.dim)

    def search(self, queries: np.ndarray, k: int,
               groups: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best (cosine, id) per query, best first; -1 ids pad short answers.

        ``groups``: restrict to these group keys (contiguous ranges, searched as slices).
        """
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        n = len(queries)
        if k <= 0 or self.ntotal == 0:
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        if groups is None:
            scores, ids = self._index.search(queries, min(k, self.ntotal))
            return self._pad(scores, ids, k)
        ranges = _merge_ranges(self._ranges[g] for g in set(groups) if g in self._ranges)
        if not ranges:
            return self._pad(np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64), k)
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
        scores = np.where(positions >= 0, scores, -np.inf)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        scores = np.take_along_axis(scores, order, 1)
        ids = np.take_along_axis(ids, order, 1)
        return self._pad(scores, ids, k)

    @staticmethod
    def _pad(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if scores.shape[1] < k:
            extra = k - scores.shape[1]
            scores = np.pad(scores, ((0, 0), (0, extra)), constant_values=-np.inf)
            ids = np.pad(ids, ((0, 0), (0, extra)), constant_values=-1)
        scores = np.where(ids >= 0, scores, -np.inf).astype(np.float32)
        return scores, ids.astype(np.int64)

    # ------------------------------------------------------------------ persistence
    @staticmethod
    def paths(directory: str | os.PathLike, name: str, generation: int) -> tuple[Path, Path]:
        base = Path(directory) / f"{name}.{generation:06d}"
        return Path(f"{base}.faiss"), Path(f"{base}.groups.npz")

    def save(self, directory: str | os.PathLike, name: str, generation: int) -> None:
        """Write this generation's two files atomically (temporary file, fsync, rename)."""
        index_path, groups_path = self.paths(directory, name, generation)
        ranges = np.asarray([self._ranges[k] for k in self._group_keys], dtype=np.int64)
        _atomic_write(index_path, lambda p: faiss.write_index(self._index, str(p)))
        _atomic_write(groups_path, lambda p: _save_npz(
            p, keys=np.asarray(self._group_keys, dtype=str), ranges=ranges.reshape(-1, 2),
            ntotal=np.int64(self.ntotal), digest=np.int64(_digest(self._ids)), dim=self.dim))

    @classmethod
    def load(cls, directory: str | os.PathLike, name: str, generation: int) -> VectorStore:
        index_path, groups_path = cls.paths(directory, name, generation)
        for path in (index_path, groups_path):
            if not path.exists():
                raise IndexFormatError(f"{path}: vector index file is missing")
        try:
            index = faiss.read_index(str(index_path))
        except RuntimeError as exc:
            raise IndexFormatError(f"{index_path}: cannot read FAISS index: {exc}") from exc
        with np.load(groups_path, allow_pickle=False) as data:
            keys = [str(k) for k in data["keys"]]
            ranges = data["ranges"].reshape(-1, 2)
            ntotal, digest = int(data["ntotal"]), int(data["digest"])
        # read_index already returns the concrete class; downcasting it again would leave the
        # C++ object owned by a temporary wrapper that frees it
        if not isinstance(index, faiss.IndexIDMap2):
            raise IndexFormatError(f"{index_path}: not an id-mapped flat index")
        store = cls(index.d)
        store._index = index
        store._ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        store._group_keys = keys
        store._ranges = {k: (int(s), int(e)) for k, (s, e) in zip(keys, ranges, strict=True)}
        if store.ntotal != ntotal or _digest(store._ids) != digest:
            raise IndexFormatError(
                f"{index_path} and {groups_path} do not belong together (ids differ)")
        return store

    @staticmethod
    def generations(directory: str | os.PathLike, name: str) -> list[int]:
        pattern = re.compile(rf"^{re.escape(name)}\.(\d{{6}})\.faiss$")
        found = []
        for entry in Path(directory).iterdir() if Path(directory).exists() else []:
            match = pattern.match(entry.name)
            if match:
                found.append(int(match.group(1)))
        return sorted(found)

    @classmethod
    def remove_other_generations(cls, directory: str | os.PathLike, name: str,
                                 keep: int) -> None:
        for generation in cls.generations(directory, name):
            if generation != keep:
                for path in cls.paths(directory, name, generation):
                    path.unlink(missing_ok=True)
        for stale in Path(directory).glob(f"{name}.*.tmp-*"):
            stale.unlink(missing_ok=True)

    # ------------------------------------------------------------------ checks
    def check_ids(self, expected: Iterable[int], what: str) -> None:
        """Raise IndexFormatError unless the store holds exactly the ``expected`` ids."""
        expected = np.unique(expected if isinstance(expected, np.ndarray)
                             else np.fromiter(expected, dtype=np.int64)).astype(np.int64)
        held = np.unique(self._ids)
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


def _save_npz(path: Path, **arrays) -> None:
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _atomic_write(path: Path, write) -> None:
    """Write through ``write(tmp_path)``, fsync, then rename over ``path``."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_array(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    """Atomically write named arrays (a raw vector shard) as ``PATH.NAME.npy``, one plain .npy
    file each: written straight from memory (no zip checksum) and read back by memory map."""
    for name, array in arrays.items():
        _atomic_write(_member(path, name), lambda p, a=array: _save_npy(p, a))


def load_array(path: str | os.PathLike, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The arrays ``save_array`` wrote at ``path``, memory-mapped read-only (the file was
    usually just written and is still in the page cache). A ``.npz`` path is a shard of an
    index written before shards were plain .npy files."""
    try:
        if str(path).endswith(".npz"):
            with np.load(path, allow_pickle=False) as data:
                return {name: data[name] for name in names}
        return {name: np.load(_member(path, name), mmap_mode="r", allow_pickle=False)
                for name in names}
    except (OSError, ValueError, KeyError) as exc:
        raise IndexFormatError(f"raw vector shard {path}: cannot read it: {exc}") from exc


def _member(path: str | os.PathLike, name: str) -> Path:
    return Path(f"{path}.{name}.npy")


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as handle:
        np.save(handle, array, allow_pickle=False)
