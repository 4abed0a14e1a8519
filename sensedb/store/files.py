"""Store files on disk, apart from search: FAISS index files, their group tables, raw vector
arrays; every write atomic (temporary file, fsync, rename, fsync of the directory).

Functions here read and write the paths they are given; which paths an index uses is the
index directory's business (``sensedb.indexer.directory.IndexDirectory``). Unreadable or
damaged files raise :class:`~sensedb.errors.IndexFormatError` naming the file.

Every write returns the :class:`FileSum` (SHA-256 and size) of what it wrote, hashed from the
page cache right after the write and before the rename; the index records it in its database
and ``sensedb verify --deep`` re-reads the file against it.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import IndexFormatError
from ._faiss import DAMAGED_ADVICE, faiss, faiss_failure

#: A file being written is ``NAME.tmp-PID`` until it is renamed to ``NAME``.
TEMPORARY_MARK = ".tmp-"

# what numpy raises on a missing, truncated or foreign .npy/.npz file
_NUMPY_READ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


#: Bytes read at a time when hashing a file.
HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileSum:
    """What was written to ``path``: its SHA-256 (hex) and size in bytes."""

    path: Path
    sha256: str
    bytes: int


def file_sum(path: str | os.PathLike) -> FileSum:
    """The SHA-256 and size of the file at ``path``, read in blocks of :data:`HASH_BLOCK`
    bytes.

    Raises:
        OSError: the file cannot be read (callers turn it into their own error)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
            size += len(block)
    return FileSum(Path(path), digest.hexdigest(), size)


def atomic_write(path: Path, write: Callable[[Path], None]) -> FileSum:
    """Write ``path`` through ``write(tmp_path)``, fsync, then rename over ``path``: readers
    see the old file or the whole new one, never part of it. Returns the checksum of the
    bytes written (hashed from the page cache before the rename). A failed write leaves no
    temporary file behind and re-raises what ``write`` raised."""
    tmp = path.with_name(f"{path.name}{TEMPORARY_MARK}{os.getpid()}")
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        written = file_sum(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return FileSum(path, written.sha256, written.bytes)


def remove_temporaries(directory: Path, prefix: str) -> None:
    """Delete temporary files a crashed writer left in ``directory`` for files whose names
    start with ``prefix``."""
    for stale in Path(directory).glob(f"{prefix}*{TEMPORARY_MARK}*"):
        stale.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- FAISS files
def write_faiss(index: faiss.Index, path: Path) -> FileSum:
    """Write a FAISS index to ``path`` atomically; returns its checksum."""
    return atomic_write(path, lambda p: faiss.write_index(index, str(p)))


def read_faiss(path: Path) -> faiss.Index:
    """The FAISS index in ``path`` (its concrete class).

    Raises:
        IndexFormatError: the file is missing or FAISS cannot read it (names the file)."""
    if not path.exists():
        raise IndexFormatError(f"{path}: vector index file is missing")
    try:
        return faiss.read_index(str(path))
    except (RuntimeError, OSError, MemoryError) as exc:
        raise IndexFormatError(f"{path}: the vector index file is damaged "
                               f"({faiss_failure(exc)}): {DAMAGED_ADVICE}") from exc


def write_groups(path: Path, keys: Sequence[str], ranges: np.ndarray, ntotal: int,
                 digest: int, dim: int, counts: np.ndarray | None = None) -> FileSum:
    """Write a store's group table atomically as an .npz: ``keys`` (the group keys, str),
    ``ranges`` (int64 (groups, 2): [start, end) rows of each key), ``ntotal``, ``digest`` (of
    the id layout, pairs the table with its FAISS file), ``dim`` and, when given, ``counts``
    (int64 (ntotal,) in storage order: how many vectors each row's mean was made of, as of
    this file's generation); returns its checksum."""
    extra = {} if counts is None else {"counts": np.asarray(counts, dtype=np.int64)}
    return atomic_write(path, lambda p: _save_npz(
        p, keys=np.asarray(keys, dtype=str), ranges=np.asarray(ranges, dtype=np.int64)
        .reshape(-1, 2), ntotal=np.int64(ntotal), digest=np.int64(digest), dim=dim, **extra))


def read_groups(path: Path) -> tuple[list[str], np.ndarray, int, int, np.ndarray | None]:
    """(keys, ranges int64 (groups, 2), ntotal, digest, counts int64 (ntotal,) or None) of a
    group table :func:`write_groups` wrote.

    Raises:
        IndexFormatError: the file is missing, truncated or not a group table (names it)."""
    if not path.exists():
        raise IndexFormatError(f"{path}: vector index file is missing")
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = [str(k) for k in data["keys"]]
            ranges = data["ranges"].reshape(-1, 2)
            counts = data["counts"].astype(np.int64) if "counts" in data.files else None
            return keys, ranges, int(data["ntotal"]), int(data["digest"]), counts
    except _NUMPY_READ_ERRORS as exc:
        raise IndexFormatError(f"{path}: the store's group table is damaged "
                               f"({type(exc).__name__}): {DAMAGED_ADVICE}") from exc


def _save_npz(path: Path, **arrays) -> None:
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


# --------------------------------------------------------------------------- raw arrays
#: The dtype raw vector shards are stored in when their values allow it: half the bytes of
#: float32 (the raw shards were 352 MB of SemCor's 894 MB index). A job rounds each token
#: vector to it before anything uses the vector (:func:`shard_precision`), so the sense sums,
#: the stores and re-ranking all read the same values; SE07 F1 with float16 shards is in
#: BENCHMARKS.md ("SemCor: disk").
SHARD_DTYPE = np.float16


def shard_precision(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` (float32 (n, dim)) rounded to the nearest :data:`SHARD_DTYPE` value, as
    float32: what a shard stores exactly. Vectors with a value beyond float16's range
    (±65,504) are returned unrounded, and their shard is stored in float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    with np.errstate(over="ignore"):
        rounded = vectors.astype(SHARD_DTYPE)
    if not np.isfinite(rounded).all() and np.isfinite(vectors).all():
        return vectors
    return rounded.astype(np.float32)


def shard_rounded(vectors: np.ndarray, *, overwrite: bool = False
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`shard_vectors` of :func:`shard_precision` of ``vectors``, that
    :func:`shard_precision`): what a shard stores and the float32 values the job uses, with
    one conversion to :data:`SHARD_DTYPE` instead of two (the common case: every value
    within float16's range). ``vectors``: float32 (n, dim). ``overwrite``: ``vectors`` is
    the caller's own copy, so the rounded float32 values are written into it instead of
    into a new array (a chunk's 113k SemCor tokens: 170 MB of fresh memory less, whose
    first touch costs more than the conversion; BENCHMARKS.md, bulk indexing round 6).
    The finiteness check runs in blocks for the same reason."""
    vectors = np.asarray(vectors, dtype=np.float32)
    with np.errstate(over="ignore"):
        rounded = vectors.astype(SHARD_DTYPE)
    finite = all(np.isfinite(rounded[start:start + _CHECK_ROWS]).all()
                 for start in range(0, len(rounded), _CHECK_ROWS))
    if not finite:  # a value out of range, or NaN: the two steps
        values = shard_precision(vectors)
        return shard_vectors(values), values
    if overwrite and vectors.flags.writeable and vectors.flags.c_contiguous:
        vectors[...] = rounded
        return rounded, vectors
    return rounded, rounded.astype(np.float32)


_CHECK_ROWS = 8192


def shard_vectors(vectors: np.ndarray) -> np.ndarray:
    """What a shard stores of ``vectors`` (float (n, dim)): the same values as
    :data:`SHARD_DTYPE` when they are all exactly float16 values (see
    :func:`shard_precision`), else float32 unchanged. Readers get float16 or float32 rows
    and widen them (every float16 value is exact in float32 and float64)."""
    vectors = np.asarray(vectors)
    if vectors.dtype == SHARD_DTYPE:
        return vectors
    with np.errstate(over="ignore"):
        narrow = vectors.astype(SHARD_DTYPE)
    if np.array_equal(narrow.astype(vectors.dtype), vectors):
        return narrow
    return np.asarray(vectors, dtype=np.float32)


def save_array(path: str | os.PathLike, **arrays: np.ndarray) -> list[FileSum]:
    """Atomically write named arrays (a raw vector shard) as ``PATH.NAME.npy``, one plain .npy
    file each: written straight from memory and read back by memory map. Returns the
    checksum of each file written."""
    return [atomic_write(array_path(path, name), lambda p, a=array: _save_npy(p, a))
            for name, array in arrays.items()]


def load_array(path: str | os.PathLike, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The arrays ``save_array`` wrote at ``path``, memory-mapped read-only (the file was
    usually just written and is still in the page cache). A ``.npz`` path is a shard of an
    index written before shards were plain .npy files.

    Raises:
        IndexFormatError: a file is missing, truncated or lacks an array (names ``path``)."""
    try:
        if str(path).endswith(".npz"):
            with np.load(path, allow_pickle=False) as data:
                return {name: data[name] for name in names}
        return {name: np.load(array_path(path, name), mmap_mode="r", allow_pickle=False)
                for name in names}
    except _NUMPY_READ_ERRORS as exc:
        raise IndexFormatError(f"raw vector shard {path}: cannot read it: {exc}") from exc


def array_path(path: str | os.PathLike, name: str) -> Path:
    """The file :func:`save_array` writes array ``name`` of ``path`` to: ``PATH.NAME.npy``."""
    return Path(f"{path}.{name}.npy")


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as handle:
        np.save(handle, array, allow_pickle=False)


def save_table(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write named arrays as one .npz (a partitioned store's group table)."""
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def read_table(groups_path: Path) -> dict[str, np.ndarray]:
    """The arrays of a store's group table (flat or partitioned).

    Raises:
        IndexFormatError: the file is missing or damaged (names it)."""
    if not groups_path.exists():
        raise IndexFormatError(f"{groups_path}: vector index file is missing")
    try:
        with np.load(groups_path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except _NUMPY_READ_ERRORS as exc:
        raise IndexFormatError(f"{groups_path}: cannot read the store's group table "
                               f"(damaged; run `sensedb repair`): {exc}") from exc
