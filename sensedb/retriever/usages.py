"""Nearest labelled usages (the *evidence* an answer shows): store hits merged and read."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..store import VectorStore
from .queries import IndexQueries
from .results import Usage

Hit = tuple[int, float]  # (token id, cosine)


def store_hits(store: VectorStore, vector: np.ndarray, k: int,
               groups: Sequence[str] | None) -> list[Hit]:
    """The ``k`` best (id, cosine) of ``store`` for ``vector`` ((dim,) float32, normalized),
    restricted to ``groups`` (None: every group), best first; fewer when the store has
    fewer."""
    scores, ids = store.search(vector[None, :], k, groups)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


def merge_hits(token_hits: Sequence[Hit], example_hits: Sequence[Hit], k: int) -> list[Hit]:
    """The ``k`` best of the corpus token hits and WordNet example hits, best first (ties:
    tokens before examples, each in its own order)."""
    found = list(token_hits) + list(example_hits)
    found.sort(key=lambda item: -item[1])
    return found[:k]


def read_usages(queries: IndexQueries, found: Sequence[Hit], name: str) -> list[Usage]:
    """Labelled usages for (token id, cosine) pairs, in the given order. A token whose row
    is gone (its document was deleted after this reader opened its store generation:
    ``sensedb delete``) is left out; ``sensedb info --check`` finds a vector without a row
    in the current generation.

    ``name``: the index (kept for callers; messages name it)."""
    rows = queries.usage_rows([i for i, _ in found]) if found else {}
    return [Usage.from_row(rows[token_id], score) for token_id, score in found
            if token_id in rows]
