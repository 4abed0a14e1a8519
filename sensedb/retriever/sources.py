"""Evidence sources: where the scoring (``sensedb.retriever.scoring``) reads its vectors.

:class:`EvidenceSource` is what scoring a usage's candidate senses needs to know:

- **sense vectors**: the mean (L2-normalized) vector of a sense's labelled corpus tokens, with
  its support (the number of those tokens);
- **WordNet vectors**: a sense's gloss vector (the sentence vector of "lemma: gloss"), its
  sense-text vector (the sentence vector of ``indexer.wordnet.sense_text``) and its
  example vector (the mean vector of its lemma in WordNet's usage examples);
- **token search**: the labelled corpus tokens of a lemma nearest to a query vector, and the
  sense keys of those tokens (the *evidence*: nearest labelled usages);
- **propagated vectors** (LMMS): a sense's synset or hypernym mean sense vector;
- **example token search**: the lemma's tokens in WordNet's usage examples nearest to a query
  vector (each labelled with its synset's sense of the lemma).

Two implementations: :class:`IndexSource` reads an open index (its FAISS stores and
:class:`~sensedb.retriever.queries.IndexQueries`); :class:`ArraySource` holds numpy arrays,
so experiments (scripts/wsd_experiments.py) and tests run the product's scoring in memory.
All vectors are float32 and L2-normalized, so an inner product is a cosine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, Protocol

import numpy as np

from ..errors import IndexFormatError, InputError
from ..inventory import SenseInfo, WordNet
from ..store import SegmentedStore, VectorStore, l2_normalize
from .queries import IndexQueries

WordNetKind = Literal["gloss", "sense", "examples"]


class EvidenceSource(Protocol):
    """What the scoring reads. Every method returns vectors as float32, L2-normalized."""

    def sense_vectors(self, keys: Sequence[str]) -> tuple[list[bool], np.ndarray]:
        """Which of ``keys`` have a corpus sense vector, and those vectors stacked in the
        order of ``keys`` ((found, dim) float32; duplicates repeat)."""
        ...

    def support(self, keys: Sequence[str]) -> dict[str, int]:
        """``{key: labelled corpus tokens}`` of the keys that have any."""
        ...

    def wordnet_vectors(self, keys: Sequence[str], kind: WordNetKind
                        ) -> tuple[list[bool], np.ndarray]:
        """Like :meth:`sense_vectors` for WordNet's ``"gloss"``, ``"sense"`` (the richer
        sense text's sentence vector) or ``"examples"`` vectors."""
        ...

    def token_count(self, groups: Sequence[str]) -> int:
        """How many labelled corpus tokens the groups (``vocabulary.group_key``) hold."""
        ...

    def search_tokens(self, vector: np.ndarray, groups: Sequence[str], k: int
                      ) -> list[tuple[int, float]]:
        """The ``k`` labelled corpus tokens of ``groups`` nearest to ``vector`` ((dim,)
        float32, index space): ``(token id, cosine)``, best first, at most ``k``."""
        ...

    def token_keys(self, ids: Sequence[int]) -> list[list[str]]:
        """The gold sense keys of the tokens ``ids``, in order."""
        ...

    def propagated_vector(self, sense: SenseInfo) -> np.ndarray | None:
        """LMMS-style propagation: the (dim,) normalized mean sense vector of the senses of
        ``sense``'s synset, else of its hypernyms' synsets; None when neither has any."""
        ...

    def example_count(self, groups: Sequence[str]) -> int:
        """How many WordNet example tokens the groups hold."""
        ...

    def search_examples(self, vector: np.ndarray, groups: Sequence[str], k: int
                        ) -> list[tuple[int, float, list[str]]]:
        """The ``k`` WordNet example tokens of ``groups`` nearest to ``vector`` ((dim,)
        float32, index space): ``(token id, cosine, sense keys)``, best first, at most ``k``."""
        ...


def mean_synset_vector(source: EvidenceSource, inventory: WordNet, sense: SenseInfo
                       ) -> np.ndarray | None:
    """The propagation rule both sources share (see :meth:`EvidenceSource.propagated_vector`):
    the first of ``[sense's synset]``, ``sense's hypernyms`` whose senses have corpus sense
    vectors gives the L2-normalized mean of those vectors."""
    for synsets in ([sense.synset], inventory.hypernyms(sense.synset)):
        keys = list(dict.fromkeys(s.key for name in synsets
                                  for s in inventory.synset_senses(name)))
        found, vectors = source.sense_vectors(keys)
        if any(found):
            return l2_normalize(vectors.mean(0))
    return None


class IndexSource:
    """The evidence of an open index: its FAISS stores (read) and its row queries (cached
    until the index reloads, when the facade makes a new source)."""

    def __init__(self, queries: IndexQueries, *, senses: VectorStore, tokens: VectorStore,
                 wordnet_senses: VectorStore | SegmentedStore, inventory: WordNet,
                 name: str, examples: VectorStore | SegmentedStore | None = None) -> None:
        self.queries, self.inventory, self.name = queries, inventory, name
        self.senses, self.tokens, self.wordnet_senses = senses, tokens, wordnet_senses
        self.examples = examples
        self._propagated: dict[str, np.ndarray | None] = {}
        self._held: dict[str, set[int]] = {}  # the row ids each store holds
        self._counts: dict[str, dict[int, int | None]] = {}  # row id -> count, per store
        self._wordnet_rows: tuple[tuple[str, ...], dict] = ((), {})  # the last keys' rows

    def _current(self, name: str, store: VectorStore | SegmentedStore, rows: dict) -> dict:
        """The ``rows`` (key -> (row id, count)) whose vector is in ``store`` (called
        ``name``), with the counts of the store's own generation where it records them.

        The database runs ahead of the stores an open index loaded: a job of another process
        (or one killed before its rebuild) adds rows and counts before it writes the
        generation that holds them. Rows the loaded generation lacks are not evidence, and
        counts are read from the generation's files, so an answer is always that of one
        complete generation (the snapshot), until the index reloads."""
        if store.has_counts():  # each row's count in the generation, or None, kept
            known = self._counts.setdefault(name, {})  # until the index reloads
            missing = [v[0] for v in rows.values() if v[0] not in known]
            if missing:
                counts = store.counts_of(missing)
                known.update((i, counts.get(i)) for i in missing)
            return {k: (v[0], known[v[0]]) for k, v in rows.items()
                    if known[v[0]] is not None}
        if name not in self._held:
            self._held[name] = set(store.ids().tolist())
        held = self._held[name]
        return {k: v for k, v in rows.items() if v[0] in held}

    def _vectors(self, store: VectorStore | SegmentedStore, ids: list[int]) -> np.ndarray:
        try:
            return store.vectors(ids)
        except KeyError as exc:
            raise IndexFormatError(
                f"{self.name}: {exc.args[0]}, though the database has its row; run "
                "`sensedb info --check`") from None

    def sense_vectors(self, keys: Sequence[str]) -> tuple[list[bool], np.ndarray]:
        rows = self._current("senses", self.senses, self.queries.sense_rows(keys))
        ids = [rows[k][0] for k in keys if k in rows]
        return [k in rows for k in keys], self._vectors(self.senses, ids)

    def support(self, keys: Sequence[str]) -> dict[str, int]:
        rows = self._current("senses", self.senses, self.queries.sense_rows(keys))
        return {k: count for k, (_, count) in rows.items()}

    def wordnet_vectors(self, keys: Sequence[str], kind: WordNetKind
                        ) -> tuple[list[bool], np.ndarray]:
        keys = tuple(keys)  # a usage asks for its candidates' gloss, examples and sense
        last = self._wordnet_rows  # text vectors in turn: their rows once (one read of
        if last[0] != keys:  # the pair, so that threads sharing the source never mix two)
            last = (keys, self._current("wordnet", self.wordnet_senses,
                                        self.queries.wordnet_rows(keys)))
            self._wordnet_rows = last
        rows = last[1]
        ids = [rows[(k, kind)][0] for k in keys if (k, kind) in rows]
        return [(k, kind) in rows for k in keys], self._vectors(self.wordnet_senses, ids)

    def token_count(self, groups: Sequence[str]) -> int:
        return sum(self.tokens.group_size(g) for g in groups)

    def search_tokens(self, vector: np.ndarray, groups: Sequence[str], k: int
                      ) -> list[tuple[int, float]]:
        scores, ids = self.tokens.search(vector[None, :], k, groups)
        return [(int(i), float(c)) for i, c in zip(ids[0], scores[0], strict=True) if i >= 0]

    def token_keys(self, ids: Sequence[int]) -> list[list[str]]:
        return self.queries.token_keys(ids)

    def propagated_vector(self, sense: SenseInfo) -> np.ndarray | None:
        if self.senses.ntotal == 0:
            return None
        if sense.key not in self._propagated:
            self._propagated[sense.key] = mean_synset_vector(self, self.inventory, sense)
        return self._propagated[sense.key]

    def example_count(self, groups: Sequence[str]) -> int:
        if self.examples is None:
            return 0
        return sum(self.examples.group_size(g) for g in groups)

    def search_examples(self, vector: np.ndarray, groups: Sequence[str], k: int
                        ) -> list[tuple[int, float, list[str]]]:
        if self.examples is None or k <= 0:
            return []
        scores, ids = self.examples.search(vector[None, :], k, groups)
        hits = [(int(i), float(c)) for i, c in zip(ids[0], scores[0], strict=True) if i >= 0]
        keys = self.queries.token_keys([i for i, _ in hits])
        return [(i, c, k) for (i, c), k in zip(hits, keys, strict=True)]

    def prefetch(self, keys: Iterable[str]) -> None:
        """Look up the sense and WordNet rows of ``keys`` in a few queries."""
        keys = list(keys)
        self.queries.sense_rows(keys)
        self.queries.wordnet_rows(keys)


class ArraySource:
    """An evidence source held in memory, from numpy arrays.

    Args:
        inventory: the WordNet the keys come from (for propagation).
        senses: ``{key: (dim,) vector}`` corpus sense vectors, L2-normalized (used as
            given, as float32).
        support: ``{key: labelled tokens}``; default: none.
        gloss, examples: ``{key: (dim,) vector}`` WordNet gloss / example vectors,
            L2-normalized (used as given).
        sense: ``{key: (dim,) vector}`` sense-text vectors, L2-normalized; default none.
        tokens: (n, dim) labelled token vectors in the index's space (normalized: an inner
            product is the cosine the search ranks by).
        token_keys: the n tokens' gold sense keys.
        token_groups: the n tokens' group keys (``vocabulary.group_key(lemma, pos)``).
        token_ids: the n tokens' ids (what the search returns); default 0 ... n-1.
        example_tokens: (m, dim) WordNet example token vectors in the index's space
            (normalized), with ``example_keys`` and ``example_groups`` (one per token; ids
            are n ... n + m - 1); default: none.

    Raises:
        InputError: ``tokens``, ``token_keys``, ``token_groups`` and ``token_ids`` differ
            in length, or the example arrays do.
    """

    def __init__(self, inventory: WordNet, *, senses: Mapping[str, np.ndarray] | None = None,
                 support: Mapping[str, int] | None = None,
                 gloss: Mapping[str, np.ndarray] | None = None,
                 examples: Mapping[str, np.ndarray] | None = None,
                 tokens: np.ndarray | None = None,
                 sense: Mapping[str, np.ndarray] | None = None,
                 token_keys: Sequence[Sequence[str]] = (),
                 token_groups: Sequence[str] = (),
                 token_ids: Sequence[int] | None = None,
                 example_tokens: np.ndarray | None = None,
                 example_keys: Sequence[Sequence[str]] = (),
                 example_groups: Sequence[str] = (),
                 example_ids: Sequence[int] | None = None) -> None:
        self.inventory = inventory
        self._senses = {k: np.asarray(v, np.float32) for k, v in (senses or {}).items()}
        self._support = dict(support or {})
        self._wordnet = {"gloss": dict(gloss or {}), "examples": dict(examples or {}),
                         "sense": dict(sense or {})}
        dim = next((len(v) for v in self._senses.values()), 0)
        self._tokens = (np.zeros((0, dim), np.float32) if tokens is None
                        else np.asarray(tokens, np.float32))
        ids = list(range(len(self._tokens))) if token_ids is None else list(token_ids)
        if not len(self._tokens) == len(token_keys) == len(token_groups) == len(ids):
            raise InputError(f"{len(self._tokens)} token vectors, {len(token_keys)} key lists, "
                             f"{len(token_groups)} groups and {len(ids)} ids: give one of each "
                             "per token")
        self._ids = ids
        self._keys_of = {i: list(keys) for i, keys in zip(ids, token_keys, strict=True)}
        self._rows_of: dict[str, list[int]] = {}
        for row, group in enumerate(token_groups):
            self._rows_of.setdefault(group, []).append(row)
        self._propagated: dict[str, np.ndarray | None] = {}
        self._examples = (np.zeros((0, dim), np.float32) if example_tokens is None
                          else np.asarray(example_tokens, np.float32))
        if not len(self._examples) == len(example_keys) == len(example_groups):
            raise InputError(f"{len(self._examples)} example vectors, {len(example_keys)} key "
                             f"lists and {len(example_groups)} groups: give one of each")
        self._example_keys = [list(k) for k in example_keys]
        self._example_ids = (list(range(len(ids), len(ids) + len(self._examples)))
                             if example_ids is None else [int(i) for i in example_ids])
        self._example_rows: dict[str, list[int]] = {}
        for row, group in enumerate(example_groups):
            self._example_rows.setdefault(group, []).append(row)

    @staticmethod
    def _stack(table: Mapping[str, np.ndarray], keys: Sequence[str]
               ) -> tuple[list[bool], np.ndarray]:
        found = [k in table for k in keys]
        rows = [table[k] for k in keys if k in table]
        dim = len(rows[0]) if rows else 0
        return found, (np.stack(rows).astype(np.float32) if rows
                       else np.zeros((0, dim), np.float32))

    def sense_vectors(self, keys: Sequence[str]) -> tuple[list[bool], np.ndarray]:
        return self._stack(self._senses, keys)

    def support(self, keys: Sequence[str]) -> dict[str, int]:
        return {k: self._support[k] for k in keys if self._support.get(k, 0) > 0}

    def wordnet_vectors(self, keys: Sequence[str], kind: WordNetKind
                        ) -> tuple[list[bool], np.ndarray]:
        return self._stack(self._wordnet[kind], keys)

    def _rows(self, groups: Sequence[str]) -> list[int]:
        return sorted(r for g in dict.fromkeys(groups) for r in self._rows_of.get(g, ()))

    def token_count(self, groups: Sequence[str]) -> int:
        return len(self._rows(groups))

    def search_tokens(self, vector: np.ndarray, groups: Sequence[str], k: int
                      ) -> list[tuple[int, float]]:
        rows = self._rows(groups)
        if k <= 0 or not rows:
            return []
        cosines = self._tokens[rows] @ np.asarray(vector, np.float32)
        order = np.argsort(-cosines, kind="stable")[:k]
        return [(self._ids[rows[t]], float(cosines[t])) for t in order]

    def token_keys(self, ids: Sequence[int]) -> list[list[str]]:
        return [self._keys_of.get(i, []) for i in ids]

    def example_count(self, groups: Sequence[str]) -> int:
        return sum(len(self._example_rows.get(g, ())) for g in dict.fromkeys(groups))

    def search_examples(self, vector: np.ndarray, groups: Sequence[str], k: int
                        ) -> list[tuple[int, float, list[str]]]:
        rows = sorted(r for g in dict.fromkeys(groups) for r in self._example_rows.get(g, ()))
        if k <= 0 or not rows:
            return []
        cosines = self._examples[rows] @ np.asarray(vector, np.float32)
        order = np.argsort(-cosines, kind="stable")[:k]
        return [(self._example_ids[rows[t]], float(cosines[t]), self._example_keys[rows[t]])
                for t in order]

    def propagated_vector(self, sense: SenseInfo) -> np.ndarray | None:
        if not self._senses:
            return None
        if sense.key not in self._propagated:
            self._propagated[sense.key] = mean_synset_vector(self, self.inventory, sense)
        return self._propagated[sense.key]

    @classmethod
    def from_source(cls, source: IndexSource, groups: Iterable[str] | None = None
                    ) -> ArraySource:
        """A copy of an open index's evidence (``SenseIndex.source``) in memory: every sense
        and WordNet vector, and
        the labelled tokens of ``groups`` (default: all) with their ids. It gives the index's
        scores up to float rounding; for tests and experiments on small indexes.

        Raises:
            IndexFormatError: a database row without its FAISS vector.
        """
        queries = source.queries
        keys = queries.vector_keys()
        found = source._current("senses", source.senses, queries.sense_rows(keys))
        wordnet = queries.wordnet_rows(keys)

        def vectors(store: VectorStore, table: Mapping[str, tuple[int, int]]) -> dict:
            names = list(table)
            matrix = source._vectors(store, [table[k][0] for k in names])
            return dict(zip(names, matrix, strict=True))

        example_ids, example_vectors, example_groups = _store_rows(source.examples)
        ids, matrix = source.tokens.all_vectors()
        layout = source.tokens.groups()
        wanted = list(layout) if groups is None else [g for g in groups if g in layout]
        positions = [p for g in wanted for p in range(*layout[g])]
        token_ids = [int(ids[p]) for p in positions]
        return cls(
            source.inventory, senses=vectors(source.senses, found),
            support={k: count for k, (_, count) in found.items()},
            gloss=vectors(source.wordnet_senses,
                          {k: r for (k, kind), r in wordnet.items() if kind == "gloss"}),
            examples=vectors(source.wordnet_senses,
                             {k: r for (k, kind), r in wordnet.items() if kind == "examples"}),
            sense=vectors(source.wordnet_senses,
                          {k: r for (k, kind), r in wordnet.items() if kind == "sense"}),
            tokens=matrix[positions], token_keys=queries.token_keys(token_ids),
            token_groups=[g for g in wanted for _ in range(*layout[g])], token_ids=token_ids,
            example_tokens=example_vectors, example_groups=example_groups,
            example_keys=queries.token_keys(example_ids), example_ids=example_ids)


def _store_rows(store: VectorStore | SegmentedStore | None
                ) -> tuple[list[int], np.ndarray | None, list[str]]:
    """Ids, vectors ((n, dim) float32) and group keys of every row of a flat store (each
    part of a segmented one); nothing for None or a store without a row layout."""
    parts = [] if store is None else getattr(store, "parts", [store])
    if not parts or not all(hasattr(p, "row_groups") for p in parts):
        return [], None, []
    pieces = [p.all_vectors() for p in parts]
    return ([int(i) for ids, _ in pieces for i in ids.tolist()],
            np.concatenate([v for _, v in pieces]), [g for p in parts for g in p.row_groups()])
