"""Index jobs: corpus documents → encoder → raw shards + rows → FAISS indexes.

A job works in chunks of documents. Each chunk is encoded in length-bucketed batches, its raw
vectors are written to a shard (files written atomically), then its rows and the normalization
statistics are committed in one short transaction. A crash loses at most the chunk in flight;
running the same job again skips the documents already committed (resume). At the end the
job folds its tokens into the sense sums in one transaction (``fold_sense_sums``; a crashed
job's chunks are folded by the next job), and the FAISS indexes are rebuilt from the shards
and the sense sums into a new generation, which the manifest then points to: the previous
generation stays loadable until that single commit. What the job itself wrote it still holds
in memory (``Committed``), so its end reads back only what earlier jobs wrote.

Into a fresh index the job is a bulk load: the secondary database indexes of the sentence and
token tables are built once at its end rather than maintained row by row.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, insert, select, update

from ..corpora import Document, key_pos
from ..encoder import Encoder
from ..errors import IndexFormatError, InputError
from ..gc_policy import bulk_work
from ..inventory import SenseInfo, WordNet
from ..schema import (
    Database,
    DocumentRow,
    JobRow,
    ManifestRow,
    SenseRow,
    SentenceRow,
    ShardRow,
    TokenRow,
    TokenSenseRow,
    WordNetSenseRow,
)
from ..store import (
    GroupLayout,
    Normalizer,
    RunningStats,
    VectorStore,
    group_key,
    load_array,
    save_array,
)
from .directory import EXAMPLES, SENSES, STORES, TOKENS, WORDNET, IndexDirectory
from .wordnet import CORPUS as WORDNET_CORPUS
from .wordnet import gloss_text

# Words per chunk: the unit of commit and of crash loss, and what the encoder sorts by length
# in one call. Smaller chunks pad more (each batch spans a wider range of lengths): SemCor in
# 200k-word chunks encodes 1.9% more padded pieces than in one call, in 400k-word chunks 0.7%
# (``Encoder.batch_plan``, scripts/bench_index.py).
CHUNK_WORDS = 400_000


@dataclass
class JobReport:
    corpus: str
    documents: int = 0
    skipped_documents: int = 0
    sentences: int = 0
    words: int = 0
    tokens: int = 0
    senses_touched: int = 0  # distinct senses that got new tokens
    seconds: float = 0.0
    # where the time went: reading the corpus, encoding, writing chunks, rebuilding FAISS
    read_seconds: float = 0.0
    encode_seconds: float = 0.0
    write_seconds: float = 0.0
    finalize_seconds: float = 0.0
    touched: set[str] = field(default_factory=set, repr=False)

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "touched"}
        data["words_per_second"] = round(self.words_per_second, 1)
        return data


def open_or_create(directory: IndexDirectory, encoder: Encoder, inventory: WordNet, *,
                   standardize: bool = False, scoring: dict | None = None) -> None:
    """Create the index if it does not exist, else check it was built with this encoder."""
    if directory.exists():
        directory.check_encoder(encoder.describe())
    else:
        directory.create(encoder.describe(), standardize=standardize, inventory=inventory.name,
                         scoring=scoring)


@bulk_work()
def index_documents(directory: IndexDirectory, encoder: Encoder, inventory: WordNet,
                    documents: Iterable[Document], *, corpus: str, path: str = "",
                    chunk_words: int = CHUNK_WORDS, progress: bool = True,
                    total_words: int | None = None, rebuild: bool = True) -> JobReport:
    """Index every labelled token of ``documents`` (skipping documents already indexed under
    ``corpus``) and rebuild the FAISS indexes it feeds (unless ``rebuild`` is False).
    The caller holds ``directory.lock()``."""
    start = time.perf_counter()
    report = JobReport(corpus=corpus)
    db = directory.db
    with db.session() as session:
        done_keys = set(session.execute(
            select(DocumentRow.key).where(DocumentRow.corpus == corpus)).scalars())
        job = JobRow(corpus=corpus, path=path, status="running", started=time.time())
        session.add(job)
        session.flush()
        job_id = job.id
    fold_sense_sums(directory)  # what a crashed job left; also dates an older index's sums
    db.create_missing_indexes()  # a crashed bulk load's (below)
    ids = _IdCounters(db)
    bulk = ids.token == 0 and ids.sentence == 0  # a bulk load: index the rows once, at the end
    if bulk:
        db.drop_indexes(_BULK_TABLES)
    committed = Committed()
    checked_keys: set[str] = set()
    bar = _progress_bar(progress, total_words)
    # Commits run in this thread: a commit thread overlapping the encoder was measured slower
    # on 2 cores (it takes CPU from torch; BENCHMARKS.md).
    chunks = _chunks(documents, done_keys, chunk_words, report)
    try:
        while True:
            t0 = time.perf_counter()
            chunk = next(chunks, None)
            t1 = time.perf_counter()
            report.read_seconds += t1 - t0
            if chunk is None:
                break
            words = [s.words for d in chunk for s in d.sentences]
            matrix, offsets = encoder.word_matrix(words)
            t2 = time.perf_counter()
            report.encode_seconds += t2 - t1
            _commit_chunk(directory, inventory, chunk, matrix, offsets, corpus, ids, job_id,
                          report, checked_keys, committed)
            report.write_seconds += time.perf_counter() - t2
            if bar is not None:
                bar.update(len(matrix))
    finally:
        if bar is not None:
            bar.close()
    t0 = time.perf_counter()
    if bulk:
        db.create_missing_indexes()
    fold_sense_sums(directory, committed)
    if rebuild:
        finalize(directory, (EXAMPLES, WORDNET) if corpus == WORDNET_CORPUS
                 else (TOKENS, SENSES), committed)
    report.finalize_seconds = time.perf_counter() - t0
    report.seconds = time.perf_counter() - start
    with db.session() as session:
        session.execute(update(JobRow).where(JobRow.id == job_id).values(
            status="done", finished=time.time(), documents=report.documents,
            tokens=report.tokens, words=report.words))
    return report


def finalize(directory: IndexDirectory, stores: Iterable[str] = STORES,
             committed: Committed | None = None) -> dict[str, VectorStore]:
    """Rebuild the named FAISS stores from the shards and sense sums as a new generation.

    The new files are written first; one manifest commit then makes them current, so a crash
    at any point leaves the previous generation in use. ``committed``: what the calling job
    still holds in memory (its shards' vectors, the sums it folded), read instead of the
    files and the database.
    """
    committed = committed or Committed()
    stores = [name for name in STORES if name in set(stores)]
    fold_sense_sums(directory)  # a crashed job's chunks, if any
    manifest = directory.manifest()
    normalizer = manifest.normalizer()
    plain = Normalizer(None, False)
    dim = manifest.encoder.dim
    with directory.db.session() as session:
        token_rows = committed.token_rows(session)
        shard_paths = dict(session.execute(select(ShardRow.id, ShardRow.path)).all())
        senses = _SumRows.fetch(session, SenseRow.__table__, dim, committed.folded)
        wordnet = _SumRows.fetch(session, WordNetSenseRow.__table__, dim)
    built: dict[str, VectorStore] = {}
    for name in stores:
        if name in (TOKENS, EXAMPLES):
            rows = token_rows.select((token_rows.corpus == WORDNET_CORPUS) == (name == EXAMPLES))
            built[name] = _token_store(directory, rows, shard_paths, normalizer, dim, name,
                                       committed.vectors)
        elif name == SENSES:
            built[name] = senses.mean_store({normalizer: None})
        else:  # gloss vectors are sentence vectors: not in the token space's statistics
            built[name] = wordnet.mean_store({plain: wordnet.sources == "gloss",
                                              normalizer: wordnet.sources != "gloss"})
    generations = dict(manifest.generations)
    generation = max(generations.values()) + 1
    for name, store in built.items():
        store.save(directory.path, name, generation)
        generations[name] = generation
    with directory.db.session() as session:
        Database.set_manifest(session, {"generations": generations})
    for name in built:
        VectorStore.remove_other_generations(directory.path, name, keep=generation)
    return built


class Committed:
    """What a job has committed, kept in memory so that its end reads none of it back: the
    sense sums of its shards (for the fold), its token rows and, up to ``keep_bytes``, its
    shards' vectors (for the token store) and, once folded, the new count and sum of every
    sense it touched (for the sense store). Reading them back from the shards and the
    database cost seconds of a SemCor job, most of it faulting in fresh memory
    (BENCHMARKS.md)."""

    def __init__(self, keep_bytes: int = 2 << 30) -> None:
        self.shard_ids: list[int] = []
        self.keep_bytes = keep_bytes
        self.vectors: dict[int, dict[str, np.ndarray]] = {}  # shard id -> ids, vectors
        self.folded: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._rows: list[_TokenRow] = []
        # one float64 sum per sense, added to chunk by chunk; zeros() maps its rows lazily,
        # so unused capacity costs no memory
        self.first_rows = 1 << 16
        self._slot_of: dict[int, int] = {}  # sense row id -> row of _sums
        self._counts = np.zeros(0, dtype=np.int64)
        self._sums = np.zeros((0, 0))

    def add(self, shard_id: int, rows: _TokenRow, vectors: np.ndarray,
            link_tokens: Sequence[int], link_senses: Sequence[int]) -> None:
        """A committed shard: its token rows and vectors, and its links as (row in
        ``vectors``, sense row id) pairs."""
        self.shard_ids.append(shard_id)
        self._rows.append(rows)
        kept = sum(v["vectors"].nbytes for v in self.vectors.values())
        if kept + vectors.nbytes <= self.keep_bytes:
            self.vectors[shard_id] = {"ids": rows.ids, "vectors": vectors}
        if not len(link_senses):
            return
        slot_of = self._slot_of
        slots = np.fromiter((slot_of.setdefault(s, len(slot_of)) for s in link_senses),
                            dtype=np.int64, count=len(link_senses))
        if len(slot_of) > len(self._sums):
            grown = np.zeros((max(len(slot_of), 2 * len(self._sums), self.first_rows),
                              vectors.shape[1]))
            if len(self._sums):
                grown[:len(self._sums)] = self._sums
            self._sums = grown
            self._counts = np.concatenate(
                [self._counts, np.zeros(len(grown) - len(self._counts), dtype=np.int64)])
        self._counts += np.bincount(slots, minlength=len(self._counts))
        add_rows(self._sums, slots, vectors, np.asarray(link_tokens, dtype=np.int64))

    def token_rows(self, session) -> _TokenRow:
        """Every token row of the index: this job's own when they are all there is (a bulk
        load), else read from the database."""
        held = sum(len(rows.ids) for rows in self._rows)
        if held and held == session.execute(select(func.count()).select_from(TokenRow)).scalar():
            return _TokenRow.joined(self._rows)
        return _TokenRow.fetch(session)

    def totals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sense ids, counts, float64 sums), one row per distinct sense."""
        n = len(self._slot_of)
        return (np.fromiter(self._slot_of, dtype=np.int64, count=n), self._counts[:n],
                self._sums[:n])


def fold_sense_sums(directory: IndexDirectory, committed: Committed | None = None) -> int:
    """Add the token vectors of the shards not yet folded into their senses' sums and counts,
    in one transaction; returns how many shards were folded.

    Chunks commit their tokens and links but not the sums: reading and rewriting every
    touched sense's sum once per chunk cost more than the rest of a chunk's commit. A job
    folds its shards once, at its end; after a crash the next job (or ``finalize``) folds
    what the crashed one committed, so no token is lost or counted twice. ``committed``: the
    job's own sums, used when its shards are exactly the ones not folded yet; the senses' new
    totals are left in its ``folded``.
    """
    with directory.db.session() as session:
        done = directory.db.manifest_value(session, "folded_shards")
        top = int(session.execute(select(func.max(ShardRow.id))).scalar() or 0)
        if done is None:  # an index from before folding: its chunks folded as they went
            Database.set_manifest(session, {"folded_shards": top})
            return 0
        if top <= done:
            return 0
        shards = session.execute(select(ShardRow.id, ShardRow.path).where(ShardRow.id > done)
                                 .order_by(ShardRow.id)).all()
        if committed is not None and sorted(committed.shard_ids) == [i for i, _ in shards]:
            committed.folded = _add_to_rows(session, SenseRow.__table__, *committed.totals())
            Database.set_manifest(session, {"folded_shards": top})
            return len(shards)
        links = session.execute(
            select(TokenSenseRow.token_id, TokenSenseRow.sense_id)
            .join(TokenRow, TokenSenseRow.token_id == TokenRow.id)
            .where(TokenRow.shard_id > done)).all()
        if links:
            token_of_link = np.fromiter((t for t, _ in links), dtype=np.int64, count=len(links))
            sense_ids, sense_of_link = np.unique(
                np.fromiter((s for _, s in links), dtype=np.int64, count=len(links)),
                return_inverse=True)
            dim = int(directory.db.manifest_value(session, "encoder")["dim"])
            sums = np.zeros((len(sense_ids), dim), dtype=np.float64)
            found = np.zeros(len(links), dtype=bool)
            for _, path in shards:  # one shard in memory at a time
                data = load_array(directory.path / path, _SHARD_ARRAYS)
                rows, here = _locate(data["ids"], np.argsort(data["ids"]), token_of_link)
                found |= here
                add_rows(sums, sense_of_link[here], data["vectors"], rows[here])
            if not found.all():
                missing = token_of_link[~found]
                raise IndexFormatError(f"{len(missing)} token rows have no vector in their "
                                       f"shard (e.g. {missing[:5].tolist()})")
            counts = np.bincount(sense_of_link, minlength=len(sense_ids))
            _add_to_rows(session, SenseRow.__table__, sense_ids, counts, sums)
        Database.set_manifest(session, {"folded_shards": top})
    return len(shards)


def _add_to_rows(session, table, row_ids: np.ndarray, counts: np.ndarray,
                 sums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add ``counts`` and float64 ``sums`` to the count and vec_sum of ``table``'s rows
    ``row_ids`` (an empty vec_sum counts as zero); returns (row ids, new counts, new sums),
    the new sums in ``sums`` itself (a copy of a hundred MB would cost more than the fold)."""
    row_ids = np.asarray(row_ids, dtype=np.int64)
    new_counts = np.asarray(counts, dtype=np.int64).copy()
    changed = []
    for part in Database.in_batches(row_ids.tolist()):
        current = {row.id: (row.count, row.vec_sum) for row in session.execute(
            select(table.c.id, table.c.count, table.c.vec_sum).where(table.c.id.in_(part)))}
        for row_id in part:
            count, blob = current[row_id]
            n = len(changed)
            new_counts[n] += count
            if blob:
                sums[n] += np.frombuffer(blob, dtype=np.float64)
            changed.append((int(new_counts[n]), sums[n].tobytes(), row_id))
    Database.update_rows(session, table, ("count", "vec_sum"), "id", changed)
    return row_ids, new_counts, sums


@dataclass
class _TokenRow:
    """Columns of the token rows a token store is built from (a few hundred thousand rows:
    arrays and lists, not row objects)."""

    ids: np.ndarray
    groups: list[str]
    shard_ids: np.ndarray
    corpus: np.ndarray  # object array of corpus names

    @classmethod
    def fetch(cls, session) -> _TokenRow:
        statement = (select(TokenRow.id, TokenRow.lemma, TokenRow.pos, TokenRow.shard_id,
                            DocumentRow.corpus)
                     .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
                     .join(DocumentRow, SentenceRow.document_id == DocumentRow.id))
        rows = Database.fetch_tuples(session, statement)
        return cls(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                   [group_key(r[1], r[2]) for r in rows],
                   np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows)),
                   np.asarray([r[4] for r in rows], dtype=object))

    @classmethod
    def joined(cls, parts: Sequence[_TokenRow]) -> _TokenRow:
        if len(parts) == 1:
            return parts[0]
        return cls(np.concatenate([p.ids for p in parts]), [g for p in parts for g in p.groups],
                   np.concatenate([p.shard_ids for p in parts]),
                   np.concatenate([p.corpus for p in parts]))

    def select(self, chosen: np.ndarray) -> _TokenRow:
        chosen = np.asarray(chosen, dtype=bool)
        if chosen.all():
            return self
        return _TokenRow(self.ids[chosen], [g for g, c in zip(self.groups, chosen, strict=True)
                                            if c], self.shard_ids[chosen], self.corpus[chosen])


def _token_store(directory: IndexDirectory, rows: _TokenRow, shard_paths: dict[int, str],
                 normalizer: Normalizer, dim: int, name: str,
                 in_memory: dict[int, dict[str, np.ndarray]]) -> VectorStore:
    """The store of the token ``rows``, filled shard by shard straight into storage order;
    the shards in ``in_memory`` are not read from disk."""
    layout = GroupLayout.of(rows.ids, rows.groups)
    by_id = np.argsort(layout.ids)

    def fill(vectors: np.ndarray) -> None:
        filled = np.zeros(len(layout.ids), dtype=bool)
        for shard_id in np.unique(rows.shard_ids).tolist():
            data = in_memory.get(shard_id) or load_array(directory.path / shard_paths[shard_id],
                                                         _SHARD_ARRAYS)
            # a shard may hold another store's tokens
            slot, wanted = _locate(layout.ids, by_id, data["ids"])
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


def _locate(ids: np.ndarray, sorter: np.ndarray,
            wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row in ``ids`` (``sorter`` sorts them) of each ``wanted`` id, and whether it is
    there at all."""
    if len(ids) == 0:
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    rows = sorter[np.searchsorted(ids, wanted, sorter=sorter).clip(max=len(ids) - 1)]
    return rows, ids[rows] == wanted


@dataclass
class _SumRows:
    """The rows of a sense table with tokens folded in, as arrays: what a mean store is
    built from."""

    ids: np.ndarray
    groups: list[str]
    counts: np.ndarray
    sums: np.ndarray  # float64 (rows, dim)
    sources: np.ndarray  # the WordNet table's source column; empty strings elsewhere

    @classmethod
    def fetch(cls, session, table, dim: int,
              known: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> _SumRows:
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
            slot, here = _locate(ids, np.arange(len(ids)), known[0])
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

    def mean_store(self, normalizers: dict[Normalizer, np.ndarray | None]) -> VectorStore:
        """Sense means (sum / count), each row through the normalizer whose mask holds it
        (``None``: every row)."""
        dim = self.sums.shape[1]
        means = np.empty((len(self.ids), dim), dtype=np.float32)
        np.divide(self.sums, self.counts[:, None], out=means, casting="same_kind")
        for normalize, mask in normalizers.items():
            if mask is None:
                means = normalize(means, copy=False)
            elif mask.any():
                means[mask] = normalize(means[mask], copy=False)
        return VectorStore.build(dim, self.ids, means, self.groups)


def index_glosses(directory: IndexDirectory, encoder: Encoder,
                  senses: Iterable[SenseInfo]) -> int:
    """Add the gloss vector (sentence vector of "lemma: gloss") of each sense lacking one.
    The caller holds the lock and runs ``finalize`` afterwards. Returns how many were added."""
    senses = list({s.key: s for s in senses}.values())
    with directory.db.session() as session:
        have = set(session.execute(select(WordNetSenseRow.key).where(
            WordNetSenseRow.source == "gloss", WordNetSenseRow.key.in_([s.key for s in senses])))
            .scalars())
    todo = [s for s in senses if s.key not in have]
    if not todo:
        return 0
    vectors = encoder.sentence_vectors([gloss_text(s) for s in todo])
    with directory.db.session() as session:
        session.execute(insert(WordNetSenseRow.__table__), [
            {"key": s.key, "source": "gloss", "lemma": s.lemma, "pos": s.pos, "count": 1,
             "vec_sum": v.astype(np.float64).tobytes()}
            for s, v in zip(todo, vectors, strict=True)])
    return len(todo)


# --------------------------------------------------------------------------- internals
class _IdCounters:
    """Explicit row ids (the writer holds the lock), so a chunk needs no round trips."""

    def __init__(self, db: Database) -> None:
        with db.session() as session:
            def top(column) -> int:
                return int(session.execute(select(func.max(column))).scalar() or 0)

            self.document, self.sentence = top(DocumentRow.id), top(SentenceRow.id)
            self.token, self.sense = top(TokenRow.id), top(SenseRow.id)
            self.shard = top(ShardRow.id)
            self.sense_ids = dict(session.execute(select(SenseRow.key, SenseRow.id)).all())
            self.wordnet = top(WordNetSenseRow.id)
            self.wordnet_ids = {(k, src): i for k, src, i in session.execute(
                select(WordNetSenseRow.key, WordNetSenseRow.source, WordNetSenseRow.id)).all()}

    def next(self, name: str) -> int:
        value = getattr(self, name) + 1
        setattr(self, name, value)
        return value


def chunk_documents(documents: Iterable[Document],
                    chunk_words: int = CHUNK_WORDS) -> Iterator[list[Document]]:
    """Consecutive documents in chunks of at least ``chunk_words`` words (the last one may
    have fewer): the chunks a job encodes and commits."""
    chunk: list[Document] = []
    words = 0
    for document in documents:
        chunk.append(document)
        words += sum(len(s.tokens) for s in document.sentences)
        if words >= chunk_words:
            yield chunk
            chunk, words = [], 0
    if chunk:
        yield chunk


def _chunks(documents: Iterable[Document], done_keys: set[str], chunk_words: int,
            report: JobReport) -> Iterator[list[Document]]:
    def not_done() -> Iterator[Document]:
        for document in documents:
            if document.id in done_keys:
                report.skipped_documents += 1
                continue
            done_keys.add(document.id)
            yield document

    return chunk_documents(not_done(), chunk_words)


def _commit_chunk(directory: IndexDirectory, inventory: WordNet, chunk: list[Document],
                  matrix: np.ndarray, offsets: np.ndarray, corpus: str, ids: _IdCounters,
                  job_id: int, report: JobReport, checked_keys: set[str],
                  committed: Committed) -> None:
    """Write one encoded chunk: its shard, then its rows and statistics in one transaction;
    its sense sums and token vectors go to ``committed``. ``matrix`` holds every word's vector,
    sentence by sentence (``offsets``)."""
    dim = matrix.shape[1]
    documents, sentences, tokens = [], [], []
    rows_of_tokens: list[int] = []  # each labelled token's row in ``matrix``
    link_tokens: list[int] = []  # (token number in this chunk, sense key number) per link
    link_keys: list[int] = []
    key_numbers: dict[str, int] = {}
    shard_id = ids.next("shard")
    sentence_number = 0
    for document in chunk:
        document_id = ids.next("document")
        documents.append((document_id, corpus, document.id, document.source))
        for sentence in document.sentences:
            first_row = int(offsets[sentence_number])
            sentence_number += 1
            sentence_id = ids.next("sentence")
            sentences.append((sentence_id, document_id, sentence.id,
                              " ".join([t.text for t in sentence.tokens])))
            for position, token in enumerate(sentence.tokens):
                if not token.senses:
                    continue
                for key in token.senses:
                    if key not in checked_keys:
                        if not inventory.has_key(key):
                            raise InputError(f"sense key {key} is not in {inventory.name}",
                                             item=token.instance_id or sentence.id)
                        checked_keys.add(key)
                token_id = ids.next("token")
                tokens.append((token_id, sentence_id, position, token.text, token.lemma.lower(),
                               token.pos, token.instance_id, " ".join(token.senses), shard_id))
                for key in dict.fromkeys(token.senses):
                    link_tokens.append(len(rows_of_tokens))
                    link_keys.append(key_numbers.setdefault(key, len(key_numbers)))
                rows_of_tokens.append(first_row + position)
    token_ids = np.fromiter((t[0] for t in tokens), dtype=np.int64, count=len(tokens))
    token_vectors = matrix[np.asarray(rows_of_tokens, dtype=np.int64)]
    keys = list(key_numbers)
    stats = RunningStats.empty(dim)
    stats.update(matrix)  # over every word, not only the labelled ones
    from_wordnet = corpus == WORDNET_CORPUS
    report.documents += len(chunk)
    report.sentences += len(sentences)
    report.words += stats.n
    report.tokens += len(tokens)
    report.touched.update(key_numbers)
    report.senses_touched = len(report.touched)

    shard_path = f"raw/shard-{shard_id:06d}"
    save_array(directory.path / shard_path, ids=token_ids, vectors=token_vectors)

    insert_rows = Database.insert_rows
    with directory.db.session() as session:
        insert_rows(session, ShardRow.__table__, ("id", "path", "count"),
                    [(shard_id, shard_path, len(tokens))])
        insert_rows(session, DocumentRow.__table__, ("id", "corpus", "key", "source"), documents)
        insert_rows(session, SentenceRow.__table__, ("id", "document_id", "key", "text"),
                    sentences)
        if from_wordnet:  # WordNet's examples: their own evidence table, not corpus senses
            _add_examples(session, ids, keys,
                          *_link_sums(token_vectors, link_tokens, link_keys, len(keys)))
            linked, link_senses = [], []
        else:  # sums and counts are folded in once per job (fold_sense_sums)
            row_ids = _new_senses(session, ids, keys, inventory)
            link_senses = [row_ids[keys[k]] for k in link_keys]
            linked = list(zip(token_ids[link_tokens].tolist(), link_senses, strict=True))
        insert_rows(session, TokenRow.__table__, _TOKEN_COLUMNS, tokens)
        insert_rows(session, TokenSenseRow.__table__, ("token_id", "sense_id"), linked)
        if not from_wordnet:  # the statistics describe the indexed corpora
            entry = session.get(ManifestRow, "stats")
            merged = RunningStats.from_json(json.loads(entry.value)).merged(stats)
            Database.set_manifest(session, {"stats": merged.to_json()})
        session.execute(update(JobRow).where(JobRow.id == job_id).values(
            documents=report.documents, tokens=report.tokens, words=report.words))
    # after the commit, not before
    rows = _TokenRow(token_ids, [group_key(t[4], t[5]) for t in tokens],
                     np.full(len(tokens), shard_id, dtype=np.int64),
                     np.full(len(tokens), corpus, dtype=object))
    committed.add(shard_id, rows, token_vectors, link_tokens, link_senses)


def _new_senses(session, ids: _IdCounters, keys: Iterable[str], inventory: WordNet) -> dict:
    """Sense rows for the keys that have none yet, with no tokens folded in (count 0, empty
    sum); returns the row id of every key."""
    new_rows = []
    for key in keys:
        if key not in ids.sense_ids:
            row_id = ids.sense_ids[key] = ids.next("sense")
            new_rows.append((row_id, key, key.partition("%")[0], key_pos(key), 0, b"",
                             *inventory.synset_gloss(key)))
    Database.insert_rows(session, SenseRow.__table__, ("id", "key", "lemma", "pos", "count",
                                                    "vec_sum", "synset", "gloss"), new_rows)
    return ids.sense_ids


def _link_sums(vectors: np.ndarray, link_tokens: list[int], link_keys: list[int],
               n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Count and float64 sum of the token vectors linked to each key number."""
    key_of_link = np.asarray(link_keys, dtype=np.int64)
    sums = np.zeros((n_keys, vectors.shape[1]), dtype=np.float64)
    add_rows(sums, key_of_link, vectors, np.asarray(link_tokens, dtype=np.int64))
    return np.bincount(key_of_link, minlength=n_keys), sums


def add_rows(totals: np.ndarray, targets: np.ndarray, vectors: np.ndarray,
             rows: np.ndarray, block: int = 8192) -> None:
    """``totals[targets[i]] += vectors[rows[i]]`` for every i, in float64 (targets repeat).

    torch's index_add in blocks: numpy's add.at, reduceat or a float64 copy of the vectors
    took seconds per SemCor job here, most of it faulting in fresh memory."""
    import torch

    out = torch.from_numpy(totals)
    for start in range(0, len(rows), block):
        # a copy of the block's rows: ``vectors`` may be a read-only memory map
        picked = torch.from_numpy(vectors[rows[start:start + block]])
        out.index_add_(0, torch.from_numpy(np.ascontiguousarray(targets[start:start + block])),
                       picked.to(torch.float64))


_BULK_TABLES = ("sentences", "tokens", "token_senses")
_SHARD_ARRAYS = ("ids", "vectors")
_TOKEN_COLUMNS = ("id", "sentence_id", "position", "surface", "lemma", "pos", "instance",
                  "sense_keys", "shard_id")


def _progress_bar(progress: bool, total_words: int | None):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total_words, unit="word", desc="indexing", smoothing=0.05)


def _add_examples(session, ids: _IdCounters, keys: list[str], counts: np.ndarray,
                  sums: np.ndarray) -> None:
    """Add the sums and counts of WordNet usage-example tokens to the keys' ``examples``
    rows, creating the missing ones with their sums (no read-back)."""
    new_rows, old = [], []
    for n, key in enumerate(keys):
        if (key, "examples") in ids.wordnet_ids:
            old.append(n)
            continue
        row_id = ids.wordnet_ids[key, "examples"] = ids.next("wordnet")
        new_rows.append((row_id, key, key.partition("%")[0], key_pos(key), int(counts[n]),
                         sums[n].tobytes(), "examples"))
    Database.insert_rows(session, WordNetSenseRow.__table__, ("id", "key", "lemma", "pos", "count",
                                                           "vec_sum", "source"), new_rows)
    _add_to_rows(session, WordNetSenseRow.__table__,
                 [ids.wordnet_ids[keys[n], "examples"] for n in old], counts[old], sums[old])
