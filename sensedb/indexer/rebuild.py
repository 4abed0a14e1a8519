"""Rebuilding the FAISS stores from the shards and the sense sums, as a new generation.

The token stores (``tokens``, ``examples``) hold every token's raw vector from its shard,
normalized; the sense stores (``senses``, ``wordnet``) hold each sense's mean (sum / count),
normalized. The new files are written first; one manifest commit then makes them current, so
a crash at any point leaves the previous generation in use. The same commit records the new
files' checksums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from ..errors import IndexFormatError
from ..schema import Database, SenseRow, ShardRow, WordNetSenseRow
from ..store import GroupLayout, Normalizer, VectorStore, l2_normalize
from ..store.partitioned import PartitionedStore
from ..vocabulary import group_key
from . import fold, token_stores
from .directory import EXAMPLES, SENSES, STORES, TOKENS, WORDNET, IndexDirectory
from .documents import announce_purge, purge_retired
from .fold import Committed, TokenRows, locate
from .glosses import SENTENCE_SOURCES
from .manifest import Manifest
from .wordnet import CORPUS as WORDNET_CORPUS


@dataclass
class TokenStores:
    """The token stores of a rebuild (``tokens``, ``examples``), built in memory and not
    yet written (:func:`build_token_stores`): ``built`` whole stores by name, ``appended``
    (store, how) segments by name (``token_stores.append_segment``), ``kinds`` the store
    type chosen for each."""

    built: dict[str, VectorStore | PartitionedStore]
    appended: dict[str, tuple[VectorStore | PartitionedStore, str]]
    kinds: dict[str, str]


def build_token_stores(directory: IndexDirectory, stores: Iterable[str] = STORES,
                       committed: Committed | None = None, *, compact: bool = False
                       ) -> TokenStores:
    """The token stores among ``stores`` as :func:`finalize` builds them, in memory:
    nothing is written, and nothing they read (shards, token rows, the manifest's
    generations and statistics) changes in a fold, so a job builds them in a thread while
    its database indexes and its fold run (``job.index_documents``) and hands them to
    :func:`finalize`. The caller holds the lock.

    Raises:
        IndexFormatError: a shard is missing or damaged, or a token row has no vector."""
    committed = committed or Committed()
    names = [name for name in STORES if name in set(stores) and name in (TOKENS, EXAMPLES)]
    out = TokenStores({}, {}, {})
    if not names:
        return out
    manifest = directory.manifest()
    normalizer = manifest.normalizer()
    dim = manifest.encoder.dim
    with directory.db.session() as session:
        token_rows = committed.token_rows(session)
        shard_paths = dict(session.execute(select(ShardRow.id, ShardRow.path)).all())
    corpus_tokens = int((token_rows.corpus != WORDNET_CORPUS).sum())
    for name in names:
        rows = token_rows.select((token_rows.corpus == WORDNET_CORPUS) == (name == EXAMPLES))
        kind = out.kinds.setdefault(name, token_stores.store_type_of(manifest, corpus_tokens))
        build = partial(token_store, directory, shard_paths=shard_paths,
                        normalizer=normalizer, dim=dim, name=name,
                        in_memory=committed.vectors) if kind == "flat" else partial(
            token_stores.partitioned_segment, directory, shard_paths=shard_paths,
            normalizer=normalizer, dim=dim, kind=kind)
        added = None if compact else token_stores.append_segment(
            directory, manifest, name, rows, build, kind)
        if added is not None and added[1] != "base":
            out.appended[name] = added
        elif added is not None:
            out.built[name] = added[0]
        elif kind == "flat":
            out.built[name] = build(rows)
        else:
            out.built[name] = token_stores.partitioned_store(
                directory, rows, shard_paths, normalizer, dim, name, kind,
                manifest.generations[name], full=compact)
    return out


def finalize(directory: IndexDirectory, stores: Iterable[str] = STORES,
             committed: Committed | None = None, *, compact: bool = False,
             tokens: Callable[[], TokenStores] | None = None
             ) -> dict[str, VectorStore | PartitionedStore]:
    """Rebuild the named FAISS stores from the shards and sense sums as a new generation;
    returns the stores built, by name. The caller holds the lock.

    The new files are written first; one manifest commit then makes them current, so a crash
    at any point leaves the previous generation in use. ``committed``: what the calling job
    still holds in memory (its shards' vectors, the sums it folded), read instead of the
    files and the database. A token store is appended to unless ``compact`` asks for a
    full build: a partitioned one (``--store sq8|pq|rabitq``) in its lemma lists, a flat one
    as a segment with a size-tiered merge policy (``token_stores.append_segment``).
    ``tokens``: the token stores already being built (:func:`build_token_stores` for the
    same ``stores``, ``committed`` and ``compact``; called for them once the sense stores
    are built), else built here.

    Raises:
        IndexFormatError: a shard is missing or damaged, or a token row has no vector.
    """
    committed = committed or Committed()
    stores = [name for name in STORES if name in set(stores)]
    fold.fold_sense_sums(directory)  # a crashed job's chunks, if any
    manifest = directory.manifest()
    built: dict[str, VectorStore | PartitionedStore] = sense_stores(directory, manifest,
                                                 [n for n in stores if n not in (TOKENS, EXAMPLES)],
                                                 committed.folded)
    made = tokens() if tokens is not None else build_token_stores(
        directory, stores, committed, compact=compact)
    built.update(made.built)
    kinds, appended = made.kinds, made.appended
    built = {name: built[name] for name in stores if name in built}
    generations = dict(manifest.generations)
    generation = manifest.last_generation() + 1  # above every base and segment
    written = []
    for name, store in built.items():
        written += directory.save_store(store, name, generation)
        generations[name] = generation
    segments = {name: list(g) for name, g in manifest.segments.items() if name not in built}
    for name, (store, how) in appended.items():
        if store.ntotal:
            written += directory.save_store(store, name, generation)
            segments[name] = [*(segments.get(name, []) if how == "segment" else []),
                              generation]
    with directory.db.session() as session:  # current generation and its checksums at once
        # a rebuilt store holds its segments' rows: they are no longer read
        # the automatic type, once chosen, stays (token_stores.AUTO_AT)
        chosen = {token_stores.MANIFEST_KEY: kinds[TOKENS]} \
            if kinds.get(TOKENS, "flat") != "flat" else {}
        directory.set_manifest(session, generations=generations,
                               segments={name: g for name, g in segments.items() if g},
                               **chosen)
        directory.record_checksums(written, session)
        # replaced documents: left out now (a flat append holds no removed token:
        # token_stores.append_segment rebuilds then), their rows purged at the next rebuild
        retired = purge_retired(directory, session, generation) \
            if TOKENS in built or TOKENS in appended else []
    if retired:
        announce_purge(directory, generation)
    for name in built:
        directory.remove_other_generations(name, keep=generation)
    for name, (_, how) in appended.items():
        if how == "segments":  # the merged segments' files
            directory.remove_other_generations(name, keep=[generations[name], generation])
    return built


def sense_stores(directory: IndexDirectory, manifest: Manifest, names: Iterable[str],
                 folded: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                 ) -> dict[str, VectorStore]:
    """The sense stores among ``names`` (``senses``, ``wordnet``) built from the sums in the
    database (``folded``: sums a job still holds, as :meth:`SumRows.fetch` takes them)."""
    names = list(names)
    normalizer = manifest.normalizer()
    in_place = partial(normalizer, copy=False)
    dim = manifest.encoder.dim
    built: dict[str, VectorStore] = {}
    with directory.db.session() as session:
        if SENSES in names:
            built[SENSES] = SumRows.fetch(session, SenseRow.__table__, dim, folded) \
                .mean_store([(in_place, None)])
        if WORDNET in names:
            # gloss and sense-text vectors are sentence vectors: not in the token space's
            # statistics
            wordnet = SumRows.fetch(session, WordNetSenseRow.__table__, dim)
            sentence = np.isin(wordnet.sources, SENTENCE_SOURCES)
            built[WORDNET] = wordnet.mean_store([(l2_normalize, sentence),
                                                 (in_place, ~sentence)])
    return built


def token_store(directory: IndexDirectory, rows: TokenRows, shard_paths: dict[int, str],
                normalizer: Normalizer, dim: int, name: str,
                in_memory: dict[int, dict[str, np.ndarray]]) -> VectorStore:
    """The store of the token ``rows`` (``dim`` wide), filled shard by shard straight into
    storage order and normalized there; the shards in ``in_memory`` (shard id -> ``ids``,
    ``vectors``) are not read from disk, the others are read from ``shard_paths`` (shard id
    -> recorded path).

    Raises:
        IndexFormatError: a shard is missing or damaged, or a row has no vector (names
            ``name``)."""
    layout = GroupLayout.of(rows.ids, rows.groups)
    by_id = np.argsort(layout.ids)
    # each slot's own shard: a shard may also hold the purged id that an older index gave
    # again to a newer token of another shard (``chunks.IdCounters``); that vector is not it
    owner = np.empty(len(layout.ids), dtype=np.int64)
    owner[locate(layout.ids, by_id, rows.ids)[0]] = rows.shard_ids

    def fill(vectors: np.ndarray) -> None:
        filled = np.zeros(len(layout.ids), dtype=bool)
        for shard_id in np.unique(rows.shard_ids).tolist():
            data = in_memory.get(shard_id) or directory.load_shard(shard_paths[shard_id])
            # a shard may hold another store's tokens
            slot, wanted = locate(layout.ids, by_id, data["ids"])
            wanted &= owner[slot] == shard_id
            if wanted.all():
                vectors[slot] = data["vectors"]
            else:
                vectors[slot[wanted]] = data["vectors"][wanted]
            filled[slot[wanted]] = True
        if not filled.all():
            missing = layout.ids[~filled]
            raise IndexFormatError(f"{name} index: {len(missing)} token rows have no vector "
                                   f"in their shard (e.g. {missing[:5].tolist()})")
        normalized = normalizer(vectors, copy=False)
        if normalized is not vectors:
            vectors[...] = normalized

    store = VectorStore.build_filled(dim, layout, fill)
    store.check_ids(rows.ids, f"{name} index")
    return store


@dataclass
class SumRows:
    """The rows of a sense table with tokens folded in, as arrays: what a mean store is
    built from. ``ids`` int64 (n,); ``groups`` n group keys; ``counts`` float64 (n,);
    ``sums`` float64 (n, dim); ``sources`` object (n,): the WordNet table's source column
    (``gloss`` | ``sense`` | ``examples``), empty strings elsewhere."""

    ids: np.ndarray
    groups: list[str]
    counts: np.ndarray
    sums: np.ndarray  # float64 (rows, dim)
    sources: np.ndarray  # the WordNet table's source column; empty strings elsewhere

    @classmethod
    def fetch(cls, session: Session, table: Table, dim: int,
              known: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> SumRows:
        """Every row with a count; the sums of rows in ``known`` (ids, counts, sums, as the
        fold left them) are taken from there, the others read from the database."""
        columns = [table.c.id, table.c.lemma, table.c.pos, table.c.count]
        if "source" in table.c:
            columns.append(table.c.source)
        rows = Database.fetch_tuples(session, select(*columns).where(table.c.count > 0)
                                     .order_by(table.c.id))
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        if known is not None and np.array_equal(known[0], ids):  # a bulk load: no copy
            sums, unknown = known[2], np.zeros(len(rows), dtype=bool)
        else:
            sums = np.zeros((len(rows), dim), dtype=np.float64)
            unknown = np.ones(len(rows), dtype=bool)
        if known is not None and unknown.any() and len(known[0]):
            slot, here = locate(ids, np.arange(len(ids)), known[0])
            sums[slot[here]] = known[2][here]
            unknown[slot[here]] = False
        if unknown.any():
            position = {int(i): n for n, i in enumerate(ids)}
            for part in Database.in_batches(ids[unknown].tolist()):
                for row_id, blob in session.execute(select(table.c.id, table.c.vec_sum)
                                                    .where(table.c.id.in_(part))):
                    sums[position[row_id]] = np.frombuffer(blob, dtype=np.float64)
        return cls(ids, [group_key(r[1], r[2]) for r in rows],
                   np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows)), sums,
                   np.asarray([r[4] if len(r) > 4 else "" for r in rows], dtype=object))

    def mean_store(self, normalizers: Sequence[tuple[Callable[[np.ndarray], np.ndarray],
                                                      np.ndarray | None]]) -> VectorStore:
        """Sense means (sum / count, float32), each row through the normalizer whose mask
        (bool (n,)) holds it (``None``: every row; that one may normalize in place)."""
        dim = self.sums.shape[1]
        means = np.empty((len(self.ids), dim), dtype=np.float32)
        np.divide(self.sums, self.counts[:, None], out=means, casting="same_kind")
        for normalize, mask in normalizers:
            if mask is None:
                means = normalize(means)
            elif mask.any():
                means[mask] = normalize(means[mask])
        # the counts go with the vectors, so a reader takes both from one generation
        return VectorStore.build(dim, self.ids, means, self.groups,
                                 self.counts.astype(np.int64))
