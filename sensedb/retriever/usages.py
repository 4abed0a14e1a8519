"""Nearest labelled usages (the *evidence* an answer shows): store hits merged and read."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import IndexFormatError
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
    """Labelled usages for (token id, cosine) pairs, in the given order.

    Raises:
        IndexFormatError: a token id in FAISS but not in the database (``name``: the index).
    """
    rows = queries.usage_rows([i for i, _ in found]) if found else {}
    usages = []
    for token_id, score in found:
        row = rows.get(token_id)
        if row is None:
            raise IndexFormatError(
                f"{name}: token {token_id} is in FAISS but not in the database; run "
                "`sensedb info --check`")
        usages.append(Usage.from_row(row, score))
    return usages
