"""Building the token stores (``tokens``, ``examples``) of the type the manifest records.

Every token store is appended to as an LSM store is (:func:`append_segment`): a job writes
its new tokens as a *segment* (a small store of the same type beside the base,
``sensedb.store.segments``), and a size-tiered merge policy folds them: more than
``MAX_SEGMENTS`` segments are merged into one segment (work in the size of the segments), and
segments that together outgrow the base are merged with it into a new base (work in the size
of the store, at most once per doubling: amortized linear). A ``flat`` store is rebuilt from
every shard when tokens were removed, when the index is standardized (the z-score statistics
change with every corpus), and by ``compact``. A partitioned store (``sq8``, ``pq``,
``rabitq``: ``sensedb.store.partitioned``) segment is a partitioned store of the new tokens
alone, its codec trained on them; its merge into the base, and a job that removes tokens
(``--replace``, ``delete``), *append to* the base's lemma lists and drop the removed tokens,
re-encoding nothing already stored and never copying a float vector (the raw shards are the
store's float copy). Before segments, a partitioned append rewrote the whole store file: at
10M sq8 tokens (3.9 GB) that was 8.5% of a full build for 1% more tokens (BENCHMARKS.md). A
full build (a new index, ``sensedb compact``, a changed store type or normalization, or more
new tokens than :data:`APPEND_AT_MOST` of the store) trains the codec again on all the tokens;
it gives the same file whatever the history of appends and deletions, so query results after
``compact`` equal those of a one-shot build (and before it too: every answer is re-ranked
from the same float vectors).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import ConfigurationError, IndexFormatError
from ..store import Normalizer, VectorStore
from ..store.anylemma import ann_path
from ..store.partitioned import STORE_TYPES, PartitionedStore, Shard, store_type
from ..store.segments import MAX_SEGMENTS
from .directory import IndexDirectory
from .fold import TokenRows, locate
from .manifest import Manifest

#: The manifest key recording the token store type (``--store``); absent: ``flat``.
MANIFEST_KEY = "token_store"
#: The type an index with no ``--store`` given gets once its corpus tokens reach
#: :data:`AUTO_AT`; below, ``flat``. At SemCor's 226k tokens rabitq cuts the token file from
#: 349 to 50 MB at the same SE07 F1 (BENCHMARKS.md), for ~60 s more build (codec training);
#: under 100k tokens a flat file is under 155 MB and builds in seconds, so flat stays.
AUTO_TYPE = "rabitq"
AUTO_AT = 100_000
#: An append adds at most this fraction of the store's size; beyond it a job builds anew
#: (the codec was trained on too small a part of what it would hold).
APPEND_AT_MOST = 0.5


def store_type_of(manifest: Manifest, tokens: int = 0) -> str:
    """The token store type the index uses: one of ``STORE_TYPES``; with none recorded
    (no ``--store`` given), ``flat`` under :data:`AUTO_AT` corpus ``tokens`` and
    :data:`AUTO_TYPE` from there on (the rebuild that crosses it records it)."""
    recorded = manifest.extra.get(MANIFEST_KEY)
    if recorded:
        return str(recorded)
    return AUTO_TYPE if tokens >= AUTO_AT else "flat"


def check_store_type(kind: str | None) -> None:
    """Check a token store type before anything is written (None: keep the index's own).

    Raises:
        ConfigurationError: ``kind`` is not one of ``STORE_TYPES``."""
    if kind is not None and kind not in STORE_TYPES:
        raise ConfigurationError(f"--store {kind}: not a store type (choose one of "
                                 f"{', '.join(STORE_TYPES)})")


def set_store_type(directory: IndexDirectory, kind: str) -> None:
    """Record ``kind`` as the index's token store type; the next rebuild builds it.

    Raises:
        ConfigurationError: ``kind`` is not one of ``STORE_TYPES``."""
    check_store_type(kind)
    directory.set_manifest(**{MANIFEST_KEY: kind})


def append_segment(directory: IndexDirectory, manifest: Manifest, name: str, rows: TokenRows,
                   build: Callable[[TokenRows], VectorStore | PartitionedStore], kind: str
                   ) -> tuple[VectorStore | PartitionedStore, str] | None:
    """What appending the new token ``rows`` of store ``name`` (type ``kind``) writes, by the
    merge policy of the module docstring: (store, how) with ``how`` one of ``"segment"`` (a
    new segment of the new rows; empty when there are none), ``"segments"`` (the segments and
    the new rows merged into one segment) or ``"base"`` (a flat store: everything merged
    into a new base); None when the store must be rebuilt (flat) or appended to in its
    lemma lists (partitioned: :func:`partitioned_store`): no base yet, a standardized index,
    tokens removed, another store type, damaged files, or (partitioned) segments that would
    outgrow the base. ``build`` makes a store of type ``kind`` of token rows."""
    if not manifest.generations.get(name) or manifest.standardize:
        return None
    try:
        parts = [directory.load_store(name, g, manifest.encoder.dim)
                 for g in manifest.store_files(name)]
    except IndexFormatError:
        return None
    flat = kind == "flat"
    if (not isinstance(parts[0], VectorStore if flat else PartitionedStore)
            or (not flat and parts[0].kind != kind)
            or (flat and any(not isinstance(p, VectorStore) for p in parts))):
        return None
    held = np.concatenate([p.ids() for p in parts])
    if len(np.setdiff1d(held, rows.ids)):
        return None  # removed tokens: rebuilt (a delete is rare; a flat store has no holes)
    in_segments = np.concatenate([p.ids() for p in parts[1:]] or [np.zeros(0, np.int64)])
    fresh = ~np.isin(rows.ids, held)
    base, segments = parts[0], [p for p in parts[1:] if p.ntotal]
    if sum(p.ntotal for p in segments) + int(fresh.sum()) > base.ntotal:
        if not flat:
            return None  # into the base's lemma lists
        new = build(rows.select(fresh))
        return VectorStore.concatenate([p for p in (base, *segments, new) if p.ntotal]
                                       or [new]), "base"
    if len(segments) + 1 > MAX_SEGMENTS:
        if flat:
            return VectorStore.concatenate([*segments, build(rows.select(fresh))]), "segments"
        return build(rows.select(fresh | np.isin(rows.ids, in_segments))), "segments"
    if not fresh.any():
        return VectorStore(manifest.encoder.dim), "segment"  # nothing to write
    return build(rows.select(fresh)), "segment"


def shards_of(directory: IndexDirectory, rows: TokenRows,
              shard_paths: dict[int, str]) -> list[Shard]:
    """The rows of every shard that ``rows`` (token rows of one store) come from, shard by
    shard in id order, each shard's rows ascending (a deterministic order).

    Raises:
        IndexFormatError: a shard is missing or damaged, or lacks a row's vector."""
    out: list[Shard] = []
    if not len(rows.ids):
        return out
    order = np.argsort(rows.shard_ids, kind="stable")
    shard_ids = rows.shard_ids[order]
    bounds = np.flatnonzero(np.r_[True, shard_ids[1:] != shard_ids[:-1], True])
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        picked = order[start:end]
        recorded = shard_paths[int(shard_ids[start])]
        held = directory.load_shard(recorded)["ids"]
        where, found = locate(held, np.argsort(held), rows.ids[picked])
        if not found.all():
            missing = rows.ids[picked][~found]
            raise IndexFormatError(f"{len(missing)} token rows have no vector in shard "
                                   f"{recorded} (e.g. {missing[:5].tolist()})")
        by_row = np.argsort(where, kind="stable")
        out.append(Shard(recorded, where[by_row],
                         [rows.groups[int(i)] for i in picked[by_row]]))
    return out


def partitioned_store(directory: IndexDirectory, rows: TokenRows, shard_paths: dict[int, str],
                      normalizer: Normalizer, dim: int, name: str, kind: str,
                      previous: int, *, full: bool = False) -> PartitionedStore:
    """The partitioned store ``name`` of type ``kind`` holding exactly the token ``rows``:
    generation ``previous`` with the new rows appended and the gone ones removed when it can
    be (same type and normalization, not ``full``, a small enough append), else built anew.

    Raises:
        IndexFormatError: a shard is missing or damaged, or a row has no vector."""
    mean, scale = (normalizer.mean, normalizer.scale) if normalizer.standardize else (None, None)
    if not full and previous:
        paths = directory.store_paths(name, previous)
        store = None
        if paths[1].exists() and store_type(paths[1]) == kind:
            try:
                store = PartitionedStore.load(*paths, writable=True)
            except IndexFormatError:  # a damaged generation: build anew from the shards
                store = None
        if store is not None:
            floats = store._floats
            same = (floats.mean is None) == (mean is None) and (
                mean is None or (np.array_equal(floats.mean, mean)
                                 and np.array_equal(floats.scale, scale)))
            held = store.ids()
            new = ~np.isin(rows.ids, held)
            if same and new.sum() <= APPEND_AT_MOST * max(len(held), 1):
                store.append(shards_of(directory, rows.select(new), shard_paths),
                             removed=np.setdiff1d(held, rows.ids))
                store.check_ids(rows.ids, f"{name} index")
                return store
    store = PartitionedStore.build(kind, dim, directory.path,
                                   shards_of(directory, rows, shard_paths), mean, scale)
    store.check_ids(rows.ids, f"{name} index")
    return store


def partitioned_segment(directory: IndexDirectory, rows: TokenRows, *,
                        shard_paths: dict[int, str], normalizer: Normalizer, dim: int,
                        kind: str) -> PartitionedStore:
    """A partitioned store of type ``kind`` of the token ``rows`` alone (a segment: its own
    lemma lists, codec and any-lemma ANN, trained on these rows).

    Raises:
        IndexFormatError: a shard is missing or damaged, or a row has no vector."""
    mean, scale = (normalizer.mean, normalizer.scale) if normalizer.standardize else (None, None)
    return PartitionedStore.build(kind, dim, directory.path,
                                  shards_of(directory, rows, shard_paths), mean, scale)


def file_size(path: Path) -> int:
    """``path``'s size in bytes; 0 for no file, or one that is gone: a writer in another
    process deletes the files of the generation this reader loaded once it has made a newer
    one current (``IndexDirectory.remove_other_generations``), and ``sensedb info`` on an
    open index must not fail on that (the service's /info did, with FileNotFoundError)."""
    try:
        return path.stat().st_size if path.is_file() else 0
    except FileNotFoundError:
        return 0


def footprint(directory: IndexDirectory, manifest: Manifest, stores: dict) -> dict:
    """What the labelled tokens cost, for ``sensedb info``: the store ``type``, the
    ``tokens`` held (corpus tokens and WordNet example tokens), ``disk_bytes_per_token``
    (the two token stores' current files, segments and ANN included, plus every raw shard,
    the float copy, per token)
    and ``resident_bytes_per_token`` (what a reader holds on its heap per token: a flat
    store's whole FAISS file; a partitioned store's group means and table, its lists being
    memory-mapped)."""
    from .directory import EXAMPLES, TOKENS

    held = [stores[name] for name in (TOKENS, EXAMPLES)]
    tokens = sum(store.ntotal for store in held)
    disk = sum(file_size(f) for f in (directory.path / "raw").glob("*"))
    resident = 0
    for name, store in zip((TOKENS, EXAMPLES), held, strict=True):
        for generation in manifest.store_files(name):  # a base and its segments
            paths = directory.store_paths(name, generation)
            disk += sum(file_size(p) for p in (*paths, ann_path(paths[0])))
            if not isinstance(store, PartitionedStore):
                resident += file_size(paths[0])
        if isinstance(store, PartitionedStore):
            resident += store.heap_bytes()
    per = max(tokens, 1)
    return {"type": store_type_of(manifest), "tokens": tokens,
            "disk_bytes_per_token": round(disk / per, 1),
            "resident_bytes_per_token": round(resident / per, 1)}
