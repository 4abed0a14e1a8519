"""Normalization of encoder vectors: corpus statistics, z-score, L2 (so inner product = cosine).

Every vector that goes into a store, or is compared with one, goes through :class:`Normalizer`
(an index's own statistics and settings) or :func:`l2_normalize` (plain L2, e.g. sentence
vectors of glosses, which are not in the token space's statistics).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._faiss import faiss


@dataclass
class RunningStats:
    """Mergeable per-dimension sums for the mean and standard deviation of a corpus.

    ``n``: vectors seen (every word of the indexed corpora, labelled or not); ``total`` and
    ``total_sq``: float64 (dim,) sums of the raw vectors and of their squares.
    """

    n: int
    total: np.ndarray  # float64 (dim,)
    total_sq: np.ndarray  # float64 (dim,)

    @classmethod
    def empty(cls, dim: int) -> RunningStats:
        """Statistics of no vectors of width ``dim``."""
        return cls(0, np.zeros(dim), np.zeros(dim))

    def update(self, vectors: np.ndarray) -> None:
        """Add the rows of ``vectors`` ((n, dim), float32 or anything float64 holds)."""
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
        """The statistics of both sets of vectors (a new object)."""
        return RunningStats(self.n + other.n, self.total + other.total,
                            self.total_sq + other.total_sq)

    @property
    def mean(self) -> np.ndarray:
        """float64 (dim,) per-dimension mean (zeros when no vector was seen)."""
        return self.total / max(self.n, 1)

    @property
    def std(self) -> np.ndarray:
        """float64 (dim,) per-dimension population standard deviation."""
        var = self.total_sq / max(self.n, 1) - self.mean**2
        return np.sqrt(np.clip(var, 0.0, None))

    def to_json(self) -> dict:
        """``{"n", "sum", "sum_sq"}`` as the index manifest stores them (floats round-trip)."""
        return {"n": self.n, "sum": self.total.tolist(), "sum_sq": self.total_sq.tolist()}

    @classmethod
    def from_json(cls, data: dict) -> RunningStats:
        """The statistics :meth:`to_json` wrote."""
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
        """Standardized (if configured) and L2-normalized rows, float32, the shape of
        ``vectors`` ((dim,) or (n, dim)); zero rows stay zero. ``copy=False`` may overwrite
        ``vectors`` (when already float32 and contiguous)."""
        x = np.array(vectors, dtype=np.float32, order="C", copy=True if copy else None)
        single = x.ndim == 1
        x = x.reshape(1, -1) if single else x
        if self.standardize:
            x -= self.mean
            x *= self.scale
        faiss.normalize_L2(x)
        return x[0] if single else x


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """``x`` scaled to unit L2 norm per row: a float32 C-contiguous copy ((dim,) in, (dim,)
    out; (n, dim) in, (n, dim) out), zero rows left zero. Exactly what
    ``Normalizer(None, False)(x)`` computes (FAISS's ``normalize_L2``, float32 arithmetic)."""
    out = np.array(x, dtype=np.float32, order="C", copy=True)
    faiss.normalize_L2(out.reshape(1, -1) if out.ndim == 1 else out)
    return out
