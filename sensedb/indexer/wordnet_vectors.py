"""Adding WordNet's vectors of a few lemmas to an existing index, as a query needs them.

Any index answers with WordNet's gloss and example vectors beside its corpus: the first query
of a lemma adds them (its senses' gloss sentence vectors and the lemma's tokens in the synsets'
usage examples), in their own table and FAISS files, without rebuilding the corpus stores.

The new vectors go to a new *segment* of the example and WordNet stores
(``sensedb.store.segments``): a small pair of FAISS and group files holding only the rows just
added, recorded with their checksums in the same commit that lists the segment in the
manifest. Nothing else is rewritten, so adding one lemma costs time in that lemma's vectors,
not in the store's size. Vectors are encoded once per machine and encoder setting
(``shared_evidence``): a second index reads them instead of encoding them. When segments grow
many or outweigh their base (:func:`sensedb.store.needs_merge`), they are merged into a new
base from the stores themselves (the raw shards are not read). ``sensedb default-index --all``
adds every lemma in one call: one segment that outweighs the base, hence one merge: one build.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from functools import partial

import numpy as np
from sqlalchemy import select

from ..encoder import Encoder
from ..inventory import WordNet
from ..schema import Database, DocumentRow, SentenceRow, ShardRow, TokenRow, WordNetSenseRow
from ..store import SegmentedStore, VectorStore, l2_normalize, needs_merge
from ..vocabulary import group_key
from .directory import EXAMPLES, STORES, WORDNET, IndexDirectory
from .fold import RETIRED, TokenRows
from .glosses import SENTENCE_SOURCES, index_glosses, index_sense_texts
from .job import index_documents, interrupted_jobs, mark_interrupted
from .manifest import Manifest
from .rebuild import SumRows, finalize, token_store
from .shared_evidence import shared_evidence
from .wordnet import CORPUS, document_key, wordnet_documents

log = logging.getLogger(__name__)


def missing_lemmas(inventory: WordNet, pairs: Iterable[tuple[str, str]],
                   built: set[str]) -> list[tuple[str, str]]:
    """The (lemma, POS) pairs among ``pairs`` that WordNet knows and whose document key
    (``wordnet.document_key``) is not in ``built``, in first-seen order, lemmas as WordNet
    writes them."""
    missing = []
    for lemma, pos in dict.fromkeys(pairs):
        senses = inventory.candidates(lemma, pos)
        if senses and document_key(senses[0].lemma, pos) not in built:
            missing.append((senses[0].lemma, pos))
    return missing


def add_wordnet_vectors(directory: IndexDirectory, encoder: Encoder, inventory: WordNet,
                        lemmas: list[tuple[str, str]], *, progress: bool = False,
                        loaded: tuple[Manifest, dict] | None = None,
                        sense_texts: bool = True) -> int:
    """Add the WordNet gloss, sense-text (``sense_texts`` False: none) and example vectors of
    every sense of ``lemmas`` ((lemma, POS)
    pairs not yet in the index, see :func:`missing_lemmas`) as new segments of the example and
    WordNet stores (:func:`add_segments`; ``loaded``: the caller's manifest and stores, read
    instead of the files when still current). Returns the number of lemmas given.

    The vectors come from the machine's shared WordNet evidence (``shared_evidence``) where
    an index of the same encoder setting encoded them already; the rest are encoded in one
    pass for the glosses, one for the sense texts and one for the examples, and kept there
    for the next index.

    Raises:
        IndexLockedError: another process is writing the index (nothing was written).
    """
    if not lemmas:
        return 0
    shared = shared_evidence(encoder)  # vectors another index of this encoder encoded
    with directory.lock():
        interrupted = interrupted_jobs(directory)
        try:
            index_documents(directory, encoder, inventory, wordnet_documents(inventory, lemmas),
                            corpus=CORPUS, progress=progress, rebuild=False,
                            encode=shared.encode_stage() if shared else None)
            senses = [s for lemma, pos in lemmas for s in inventory.candidates(lemma, pos)]
            index_glosses(directory, shared or encoder, senses)
            if sense_texts:
                index_sense_texts(directory, shared or encoder, inventory, senses)
        finally:
            if shared is not None:
                shared.close()
        if interrupted:  # a killed job's chunks were folded in above: rebuild every store
            finalize(directory, STORES)
        else:
            add_segments(directory, loaded=loaded)
        mark_interrupted(directory, interrupted)
    return len(lemmas)


def lemmas_lacking_texts(inventory: WordNet, pairs: Iterable[tuple[str, str]],
                         has: Callable[[Sequence[str]], list[bool]]
                         ) -> list[tuple[str, str]]:
    """The (lemma, POS) pairs among ``pairs`` (built lemmas) with a sense that lacks a
    vector (``has(keys)``: which keys have every vector asked for), as WordNet writes them:
    lemmas an index added before the sense-text vectors existed, or whose addition was
    killed before its gloss vectors were written."""
    out = []
    for lemma, pos in dict.fromkeys(pairs):
        senses = inventory.candidates(lemma, pos)
        if senses and not all(has([s.key for s in senses])):
            out.append((senses[0].lemma, pos))
    return out


def add_missing_text_vectors(directory: IndexDirectory, encoder: Encoder,
                             inventory: WordNet, lemmas: list[tuple[str, str]], *,
                             loaded: tuple[Manifest, dict] | None = None,
                             sense_texts: bool = True) -> int:
    """Add the gloss vectors (``glosses.index_glosses``) and (``sense_texts``) the
    sense-text vectors (``glosses.index_sense_texts``) of every sense of ``lemmas`` that
    lacks one, as a new segment of the WordNet store: the upgrade of lemmas an older sensedb
    added with gloss and example vectors only, and the repair of lemmas whose addition was
    killed after their example documents were committed, before their gloss vectors were
    written. Returns the number of vectors added.

    Raises:
        IndexLockedError: another process is writing the index (nothing was written)."""
    if not lemmas:
        return 0
    shared = shared_evidence(encoder)
    with directory.lock():
        try:
            senses = [s for lemma, pos in lemmas for s in inventory.candidates(lemma, pos)]
            added = index_glosses(directory, shared or encoder, senses)
            if sense_texts:
                added += index_sense_texts(directory, shared or encoder, inventory, senses)
        finally:
            if shared is not None:
                shared.close()
        if added:
            add_segments(directory, (WORDNET,), loaded=loaded)
    return added


def add_segments(directory: IndexDirectory, names: Iterable[str] = (EXAMPLES, WORDNET), *,
                 loaded: tuple[Manifest, dict] | None = None) -> dict[str, str]:
    """Write the rows of the example and WordNet tables that the current generation lacks as
    one new segment of each store (merged into a new base when :func:`needs_merge` says so),
    and make them current in one commit with their checksums. The caller holds the lock.

    Rows of the current generation that changed since it was written (a count that differs
    from the one its files recorded, a row that went away) cannot be a segment: the store
    is then rebuilt whole (``rebuild.finalize``). Returns ``{store: "segment" | "merged" |
    "rebuilt"}`` for the stores that changed. ``loaded``: (manifest, stores) an open index
    already holds; used when that manifest is still current, so that an addition reads no
    store file (a base of hundreds of MB) from disk.

    Raises:
        IndexFormatError: a shard is missing or damaged."""
    manifest = directory.manifest()
    same = loaded is not None and (loaded[0].generations, loaded[0].segments) == (
        manifest.generations, manifest.segments)
    current = loaded[1] if same else directory.load_stores(manifest)
    added: dict[str, VectorStore] = {}
    names = list(names)
    stale = []
    for name in names:
        new = (_new_examples(directory, manifest, current[name]) if name == EXAMPLES
               else _new_wordnet_rows(directory, manifest, current[name]))
        if new is None:
            stale.append(name)
        elif new.ntotal:
            added[name] = new
    if stale:
        finalize(directory, names)
        return dict.fromkeys(names, "rebuilt")
    if not added:
        return {}
    # A partitioned base (the examples of an sq8/pq/rabitq index) takes its segments into
    # its lemma lists by a rebuild of that store, which appends to them: it cannot be
    # concatenated like flat stores.
    folded = [name for name, new in added.items()
              if not isinstance(_parts(current[name])[0], VectorStore)
              and needs_merge(_parts(current[name])[0].ntotal,
                              [p.ntotal for p in _parts(current[name])[1:]] + [new.ntotal])]
    if folded:
        finalize(directory, folded)
        rest = [name for name in names if name not in folded]
        return dict.fromkeys(folded, "rebuilt") | (add_segments(directory, rest) if rest
                                                   else {})
    generation = manifest.last_generation() + 1
    generations = dict(manifest.generations)
    segments = {name: list(gens) for name, gens in manifest.segments.items()}
    written, merged, outcome = [], [], {}
    for name, new in added.items():
        parts = _parts(current[name])
        if needs_merge(parts[0].ntotal, [p.ntotal for p in parts[1:]] + [new.ntotal]):
            whole = VectorStore.concatenate([p for p in (*parts, new) if p.ntotal])
            written += directory.save_store(whole, name, generation)
            generations[name], segments[name] = generation, []
            merged.append(name)
            outcome[name] = "merged"
        else:
            written += directory.save_store(new, name, generation)
            segments[name] = [*segments.get(name, []), generation]
            outcome[name] = "segment"
    with directory.db.session() as session:  # the segments, their base and checksums at once
        directory.set_manifest(session, generations=generations,
                               segments={k: v for k, v in segments.items() if v})
        directory.record_checksums(written, session)
    for name in merged:
        directory.remove_other_generations(name, keep=generation)
    log.info("%s: generation %d: %s", directory.path, generation,
             ", ".join(f"{name} {how} (+{added[name].ntotal} vectors)"
                       for name, how in outcome.items()))
    return outcome


def _parts(store) -> list:
    """A store's base and segments, base first."""
    return store.parts if isinstance(store, SegmentedStore) else [store]


def _new_examples(directory: IndexDirectory, manifest: Manifest,
                  store: VectorStore | SegmentedStore) -> VectorStore | None:
    """A store of WordNet's example tokens that ``store`` lacks (empty when none), a deleted
    lemma's (``RETIRED``, rows kept for readers until their purge) left out: they were added
    back beside the lemma's new tokens, its example listed twice; None when a token of
    ``store`` has no row any more."""
    held = set(store.ids().tolist())
    with directory.db.session() as session:
        ids = set(session.execute(
            select(TokenRow.id).join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
            .join(DocumentRow, SentenceRow.document_id == DocumentRow.id)
            .where(DocumentRow.corpus == CORPUS, ~DocumentRow.key.contains(RETIRED))
        ).scalars())
        if held - ids:
            return None
        new = sorted(ids - held)
        rows = []
        for part in Database.in_batches(new):
            rows += session.execute(select(TokenRow.id, TokenRow.lemma, TokenRow.pos,
                                           TokenRow.shard_id).where(TokenRow.id.in_(part))).all()
        shards = {r[3] for r in rows}
        shard_paths = dict(session.execute(select(ShardRow.id, ShardRow.path)
                                           .where(ShardRow.id.in_(shards))).all())
    token_rows = TokenRows(np.asarray([r[0] for r in rows], dtype=np.int64),
                           [group_key(r[1], r[2]) for r in rows],
                           np.asarray([r[3] for r in rows], dtype=np.int64),
                           np.asarray([CORPUS] * len(rows), dtype=object))
    return token_store(directory, token_rows, shard_paths, manifest.normalizer(),
                       manifest.encoder.dim, EXAMPLES, {})


def _new_wordnet_rows(directory: IndexDirectory, manifest: Manifest,
                      store: VectorStore | SegmentedStore) -> VectorStore | None:
    """A store of the WordNet vectors (gloss and example means) that ``store`` lacks (empty
    when none); None when a row ``store`` holds changed since (its count differs from the
    one recorded with the store, or it is gone)."""
    held = store.ids().tolist()
    with directory.db.session() as session:
        counts = dict(session.execute(select(WordNetSenseRow.id, WordNetSenseRow.count)
                                      .where(WordNetSenseRow.count > 0)).all())
        if any(i not in counts for i in held):
            return None
        recorded = store.counts_of(held)
        if any(counts[i] != c for i, c in recorded.items()):
            return None
        held_set = set(held)
        new = sorted(i for i in counts if i not in held_set)
        rows = []
        for part in Database.in_batches(new):
            rows += session.execute(select(
                WordNetSenseRow.id, WordNetSenseRow.lemma, WordNetSenseRow.pos,
                WordNetSenseRow.count, WordNetSenseRow.source, WordNetSenseRow.vec_sum)
                .where(WordNetSenseRow.id.in_(part)).order_by(WordNetSenseRow.id)).all()
    dim = manifest.encoder.dim
    sums = SumRows(
        np.asarray([r[0] for r in rows], dtype=np.int64), [group_key(r[1], r[2]) for r in rows],
        np.asarray([r[3] for r in rows], dtype=np.float64),
        np.asarray([np.frombuffer(r[5], dtype=np.float64) for r in rows]).reshape(-1, dim),
        np.asarray([r[4] for r in rows], dtype=object))
    # as rebuild.sense_stores builds the WordNet store: gloss and sense-text vectors are
    # sentence vectors (L2 only), example means are in the token space (the index's normalizer)
    in_place = partial(manifest.normalizer(), copy=False)
    sentence = np.isin(sums.sources, SENTENCE_SOURCES)
    return sums.mean_store([(l2_normalize, sentence), (in_place, ~sentence)])
