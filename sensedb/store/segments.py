"""A store made of segments: one base :class:`~sensedb.store.vectors.VectorStore` and small
stores added beside it, searched as one.

WordNet's gloss and example vectors are added to an index lemma by lemma, as queries first
meet them. Rewriting the whole store for each addition costs time in the size of the store
(the default index's WordNet stores reach hundreds of MB); a segment costs time in the size of
what was added. Each segment is an ordinary store saved as its own pair of immutable files;
which segments belong to the current generation is recorded with the generation itself (the
index's manifest, ``IndexDirectory``), so a reader that loaded them sees one consistent set.

Merging: when the segments grow many (:data:`MAX_SEGMENTS`) or together hold more rows than
the base (:func:`needs_merge`), the writer merges them into a new base
(:meth:`VectorStore.concatenate`), which reads only the stores themselves, never the raw
shards. Ids are disjoint across segments (each row of the database is in one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..errors import IndexFormatError
from .vectors import VectorStore, check_held_ids

#: Segments beside a base before the writer merges them into a new base. Each query searches
#: every segment that holds one of its groups, so a few are cheap and hundreds are not; 8
#: bounds that cost while letting a session add evidence for many lemmas between merges.
MAX_SEGMENTS = 8


def needs_merge(base_rows: int, segment_rows: Sequence[int]) -> bool:
    """Whether a store with a base of ``base_rows`` rows and segments of ``segment_rows`` rows
    should be merged into one base: more than :data:`MAX_SEGMENTS` segments, or segments that
    together hold more rows than the base (a bulk addition: one merge then costs what one
    rebuild would, and later reads search one store)."""
    return len(segment_rows) > MAX_SEGMENTS or sum(segment_rows) > max(base_rows, 0)


class SegmentedStore:
    """Several :class:`VectorStore` parts (base first) read as one store, with the read API of
    a :class:`VectorStore`: ``dim``, ``ntotal``, ``ids``, ``group_size``, ``vectors``,
    ``counts_of``, ``all_vectors``, ``search``, ``check_ids``.

    Raises:
        IndexFormatError: the parts differ in width."""

    def __init__(self, parts: Sequence[VectorStore]) -> None:
        if not parts:
            raise ValueError("a segmented store needs at least its base")
        self.parts = list(parts)
        self.dim = self.parts[0].dim
        if any(p.dim != self.dim for p in self.parts):
            raise IndexFormatError("the segments of a store differ in width")
        self._part_of: dict[int, int] | None = None

    @property
    def ntotal(self) -> int:
        return sum(p.ntotal for p in self.parts)

    def ids(self) -> np.ndarray:
        """int64 (ntotal,) ids, base first, each part in its storage order."""
        return np.concatenate([p.ids() for p in self.parts])

    def groups(self) -> dict[str, tuple[int, int]]:
        """Group ranges: only defined for a store of one part (ranges of several parts are
        not contiguous).

        Raises:
            IndexFormatError: the store has segments."""
        if len(self.parts) == 1:
            return self.parts[0].groups()
        raise IndexFormatError("a store with segments has no single group layout")

    def group_size(self, group: str) -> int:
        return sum(p.group_size(group) for p in self.parts)

    def has_counts(self) -> bool:
        return all(p.has_counts() for p in self.parts)

    def counts_of(self, ids: Iterable[int]) -> dict[int, int]:
        owner = self._owner()
        by_part: dict[int, list[int]] = {}
        for vector_id in ids:
            part = owner.get(int(vector_id))
            if part is not None:
                by_part.setdefault(part, []).append(int(vector_id))
        found: dict[int, int] = {}
        for part, part_ids in by_part.items():
            found.update(self.parts[part].counts_of(part_ids))
        return found

    def _owner(self) -> dict[int, int]:
        if self._part_of is None:
            self._part_of = {int(i): n for n, p in enumerate(self.parts)
                             for i in p.ids().tolist()}
        return self._part_of

    def vectors(self, ids: Iterable[int]) -> np.ndarray:
        """float32 (len(ids), dim) stored vectors of ``ids``.

        Raises:
            KeyError: an id is in no part (names it)."""
        ids = [int(i) for i in ids]
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        owner = self._owner()
        by_part: dict[int, list[int]] = {}
        for row, vector_id in enumerate(ids):
            if vector_id not in owner:
                raise KeyError(f"id {vector_id} is not in the vector store")
            by_part.setdefault(owner[vector_id], []).append(row)
        for part, rows in by_part.items():
            out[rows] = self.parts[part].vectors([ids[r] for r in rows])
        return out

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        pieces = [p.all_vectors() for p in self.parts]
        return (np.concatenate([i for i, _ in pieces]),
                np.concatenate([v for _, v in pieces]).reshape(-1, self.dim))

    def search(self, queries: np.ndarray, k: int,
               groups: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`VectorStore.search`, over every part: the ``k`` best of all parts' best
        ``k`` (ties keep the base's rows first)."""
        found = [p.search(queries, k, groups) for p in self.parts
                 if groups is None or any(p.group_size(g) for g in set(groups))]
        if not found:
            return self.parts[0].search(queries, k, groups)
        if len(found) == 1:
            return found[0]
        scores = np.concatenate([s for s, _ in found], axis=1)
        ids = np.concatenate([i for _, i in found], axis=1)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return (np.take_along_axis(scores, order, 1).astype(np.float32),
                np.take_along_axis(ids, order, 1).astype(np.int64))

    def check_ids(self, expected: Iterable[int], what: str) -> None:
        """As :meth:`VectorStore.check_ids` over the union of the parts (an id held by two
        parts counts as an extra vector).

        Raises:
            IndexFormatError: ids differ."""
        held = self.ids()
        if len(np.unique(held)) != len(held):
            raise IndexFormatError(f"{what}: an id is held by two segments")
        check_held_ids(held, expected, what)

    def merged(self) -> VectorStore:
        """One store with every part's rows (see :func:`needs_merge`)."""
        return self.parts[0] if len(self.parts) == 1 else VectorStore.concatenate(self.parts)
