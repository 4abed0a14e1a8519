"""Helpers shared by the store's tests (tests/test_store_*.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sensedb.store import Normalizer


def make(n=500, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    vectors = Normalizer(None, False)(rng.normal(size=(n, dim)))
    ids = rng.permutation(10 * n)[:n].astype(np.int64) + 1
    groups = [f"lemma{i % 9}\tNOUN" for i in range(n)]
    return ids, vectors, groups


def paths(directory: Path, name: str, generation: int) -> tuple[Path, Path]:
    """A store's two files, named as an index directory names them."""
    base = Path(directory) / f"{name}.{generation:06d}"
    return Path(f"{base}.faiss"), Path(f"{base}.groups.npz")
