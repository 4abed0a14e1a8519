"""Index jobs: corpus documents → encoder → raw shards + rows → FAISS indexes.

A job works in chunks of documents (``chunks``). Each chunk is encoded in length-bucketed
batches, its raw vectors are written to a shard (files written atomically), then its rows and
the normalization statistics are committed in one short transaction. A crash loses at most the
chunk in flight; running the same job again skips the documents already committed (resume).
At the end the job folds its tokens into the sense sums in one transaction
(``fold.fold_sense_sums``; a crashed job's chunks are folded by the next job), and the FAISS
indexes are rebuilt from the shards and the sense sums into a new generation
(``rebuild.finalize``), which the manifest then points to: the previous generation stays
loadable until that single commit. What the job itself wrote it still holds in memory
(``fold.Committed``), so its end reads back only what earlier jobs wrote.

Into a fresh index the job is a bulk load: the secondary database indexes of the sentence and
token tables are built once at its end rather than maintained row by row.

With ``pipeline`` (the default where it pays: a GPU, or a CPU of two or more cores;
``pipeline.pipeline_pays``) the stages overlap: a reader thread reads and tokenizes the next
chunk and a writer thread commits the previous one while the model encodes; on a CPU whose
cores the encoder's threads fill, only the commits overlap, the encoder giving the writer a
core while it commits (``sensedb.indexer.pipeline``). Commits stay in chunk order, in one
thread, so the index and a killed job's rerun are those of the serial job. Knowing its words
(the check pass counts them), a job's first and last chunks are small
(``chunks.first_chunk_words``): ``api.build_index`` encodes the first while the check pass
still reads the corpus (``first_chunk``), and the last leaves little to commit once nothing
is left to encode. At the end the token stores are built in a thread while the database's
indexes and the fold run (``rebuild.build_token_stores``).

The stages are called through their modules (``chunks.commit_chunk``, ``fold.fold_sense_sums``,
``rebuild.finalize``), so a test can stand in for one of them.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select, update

from ..corpora import Document
from ..encoder import Encoder
from ..encoder_windows import Prepared
from ..gc_policy import bulk_work
from ..inventory import WordNet
from ..progress import close_bar
from ..schema import Database, JobRow
from . import chunks, fold
from . import documents as documents_module
from . import pipeline as pipeline_module
from . import rebuild as rebuild_stage  # ``rebuild`` is index_documents's flag
from .chunks import (
    CHUNK_WORDS,
    FIRST_CHUNK_WORDS,
    LAST_CHUNK_WORDS,
    ChunkJob,
    IdCounters,
    chunk_documents,
)
from .directory import EXAMPLES, SENSES, STORES, TOKENS, WORDNET, IndexDirectory
from .first_chunk import FirstChunk
from .fold import Committed
from .report import JobReport
from .wordnet import CORPUS as WORDNET_CORPUS

_BULK_TABLES = ("sentences", "tokens", "token_senses")
#: Duplicate documents named one by one in a job's notices (then one line for the rest).
NOTICED_DUPLICATES = 5
# a chunk, its words' raw vectors float32 (words, dim), the first row of each sentence
Encoded = tuple[list[Document], np.ndarray, np.ndarray]
# an encode stage: the pending chunks (and the report it adds its seconds to) -> encoded chunks
Encode = Callable[[Iterator[list[Document]], JobReport], Iterator[Encoded]]


def open_or_create(directory: IndexDirectory, encoder: Encoder, inventory: WordNet, *,
                   standardize: bool = False, scoring: dict[str, Any] | None = None) -> None:
    """Create the index if it does not exist, else check it was built with this encoder.

    Raises:
        IndexFormatError: the index was built with other encoder settings, or another
            format version.
        ConfigurationError: a layer the encoder's model does not have (nothing written)."""
    check_layers(encoder)
    if directory.exists():
        directory.check_encoder(encoder.describe())
    else:
        if encoder.head is not None and encoder.head.scoring:  # trained with its formulas
            scoring = encoder.head.scoring
        directory.create(encoder.describe(), standardize=standardize, inventory=inventory.name,
                         scoring=scoring)


def check_layers(encoder: Encoder) -> None:
    """Check the encoder's layer setting against its model before anything is written.

    Raises:
        ConfigurationError: a layer the model does not have (``--layers 99`` for a 6-layer
            model)."""
    encoder.layer_spec.resolve(encoder.num_layers + 1)  # the embeddings and every layer


@bulk_work()
def index_documents(directory: IndexDirectory, encoder: Encoder, inventory: WordNet,
                    documents: Iterable[Document], *, corpus: str, path: str = "",
                    chunk_words: int = CHUNK_WORDS, progress: bool = True,
                    total_words: int | None = None, rebuild: bool = True,
                    replace: bool = False, encode: Encode | None = None,
                    pipeline: bool | None = None,
                    hashes: Mapping[str, str] | None = None,
                    allow_duplicates: bool = False,
                    first: FirstChunk | None = None,
                    first_words: int = FIRST_CHUNK_WORDS, bar: Any = None) -> JobReport:
    """Index every labelled token of ``documents`` and rebuild the FAISS indexes it feeds
    (unless ``rebuild`` is False). The caller holds ``directory.lock()``.

    A document already indexed under ``corpus`` with the same name and content (hash) is
    skipped, so a crashed job resumes; one with the same name and other content is refused,
    or with ``replace`` removed (tokens, links and their share of the sense sums) and indexed
    anew. ``documents`` is read once, as the job goes: check it first with
    :func:`~sensedb.indexer.documents.check_documents` (``build_index`` does) so that a bad
    document cannot stop the job after its first commit. ``encode``: how the chunks are
    encoded (default :func:`in_process`, with ``encoder``; ``ray_job.ray_encoder`` on Ray);
    the commits run here either way, in chunk order. ``pipeline``: overlap reading,
    encoding and writing (module doc); None: where it pays (``pipeline.pipeline_pays``).
    ``hashes``: the content hash of documents by name, as ``check_documents`` computed
    them on these very objects (kept from the check pass, ``documents.ReadOnce``): not
    computed again (a document not in it is hashed here). A document whose content the
    index (or this job) already holds under another corpus or name is skipped, counted in
    ``duplicate_documents`` with a line in ``notices`` (``documents.Duplicates``), unless
    ``allow_duplicates`` (WordNet's documents are never compared).

    The documents are cut into chunks of ``chunk_words`` words; knowing ``total_words``
    (the words to index, as the check pass counted them) the last chunk is small
    (``chunks.LAST_CHUNK_WORDS``, at most ``chunk_words``), leaving little to commit at the
    end; the first has ``first_words`` (``chunks.first_chunk_words``: small on a CPU), so
    that it can be encoded while the check pass reads on. ``first``: the first chunk already encoded
    (``first_chunk.check_while_encoding``): taken when the job's first chunk holds the same
    sentences (its seconds counted in ``encode_seconds``), else the chunk is encoded here;
    its seconds count in the job's ``seconds`` either way. ``bar``: the indexing bar
    (:func:`progress_bar`) when the caller opened it already (``api.build_index``: the
    first chunk's words are counted on it as they are encoded); closed here.

    Raises:
        InputError: a sense key is not in the inventory, or a changed document without
            ``replace`` (the chunks before it stay committed; the job can be run again once
            the input is fixed).
        IndexFormatError: a shard of an earlier job is missing or damaged.
    """
    start = time.perf_counter()
    report = JobReport(corpus=corpus)
    db = directory.db
    directory.manifest()  # adds the tables newer than the index
    indexed = documents_module.indexed_documents(directory, corpus)
    duplicates = None if allow_duplicates or corpus == WORDNET_CORPUS else \
        documents_module.Duplicates(documents_module.indexed_hashes(directory))
    interrupted = interrupted_jobs(directory)
    with db.session() as session:
        job_row = JobRow(corpus=corpus, path=path, status="running", started=time.time())
        session.add(job_row)
        session.flush()
        job_id = job_row.id
    fold.fold_sense_sums(directory)  # what a crashed job left; also dates an older index's sums
    db.create_missing_indexes()  # a crashed bulk load's (below)
    ids = IdCounters(db, directory)
    directory.remove_unrecorded_shards(ids.shard)  # a killed chunk's files (its ids are reused)
    bulk = ids.token == 0 and ids.sentence == 0  # a bulk load: index the rows once, at the end
    if bulk:
        db.drop_indexes(_BULK_TABLES)
    job = ChunkJob(directory, inventory, corpus, job_id, ids, report, Committed())
    if bar is None:
        bar = progress_bar(progress, total_words)
    elif bar.total is None and total_words is not None:  # opened before the check counted
        bar.total = total_words
    if pipeline is None:
        pipeline = pipeline_module.pipeline_pays(encoder.device, encoder.threads())

    # the bar counts words as they are encoded, batch by batch, where this process encodes
    # them (a chunk is 400k words: counted at its commit the bar stood still for a minute),
    # else (Ray) as their chunks are committed
    encoded_words = None if bar is None or encode is not None else bar.update
    if first is not None and first.counted and bar is not None and encoded_words is None:
        bar.update(-first.counted)  # counted while encoding; counted again at its commit

    def commit(chunk: list[Document], matrix: np.ndarray, offsets: np.ndarray) -> None:
        t0 = time.perf_counter()
        chunks.commit_chunk(job, chunk, matrix, offsets)
        report.write_seconds += time.perf_counter() - t0
        if bar is not None and encoded_words is None:
            bar.update(len(matrix))

    # Serial: commits run in this thread, between chunks. Pipelined on a CPU whose cores
    # torch's threads fill: the writer and the encoder share them (pipeline.CoreShare).
    shares_cores = pipeline and pipeline_module.cores_filled(encoder.device, encoder.threads())
    with _closing_bar(bar), \
            pipeline_module.shared_cores(encoder.threads()) if shares_cores \
            else nullcontext() as share, \
            pipeline_module.OrderedWriter(share=share) if pipeline else nullcontext() as writer:
        # a replaced document's removal is a write: in the writer's thread, in order
        remove = documents_module.retire_document if writer is None else writer.call(
            documents_module.retire_document)
        pending = _pending_chunks(job, documents, indexed, chunk_words, replace, remove,
                                  hashes or {}, duplicates, total_words, first_words)
        stage = encode or in_process(encoder, pipeline=pipeline, share=share,
                                     progress=encoded_words)
        encoded = (stage if first is None else _reusing(first, stage, encoded_words))(
            pending, report)
        try:
            for chunk, matrix, offsets in encoded:
                if writer is None:
                    commit(chunk, matrix, offsets)
                else:
                    writer.submit(commit, chunk, matrix, offsets)
        finally:
            close = getattr(encoded, "close", None)
            if close is not None:  # a generator stage: its own clean-up (a Ray runtime) now
                close()
    if report.duplicate_documents > NOTICED_DUPLICATES:
        report.notices.append(f"skipped {report.duplicate_documents - NOTICED_DUPLICATES} "
                              "more documents whose content is already indexed under another "
                              "corpus or name (--allow-duplicates indexes them again)")
    t0 = time.perf_counter()
    # nothing new (a rerun whose documents are all there): no new generation for readers to
    # reload; an interrupted job's rows may be missing from every store: rebuild all
    stores = (STORES if interrupted else (EXAMPLES, WORDNET) if corpus == WORDNET_CORPUS
              else (TOKENS, SENSES)) if rebuild and (interrupted or job.committed.shard_ids) \
        else None
    # the token stores (shards and token rows: nothing the database indexes or the fold
    # change) are built in a thread meanwhile (rebuild.build_token_stores)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sensedb-build") as builder:
        tokens = None if stores is None else builder.submit(
            rebuild_stage.build_token_stores, directory, stores, job.committed)
        try:
            if bulk:
                db.create_missing_indexes()
            fold.fold_sense_sums(directory, job.committed)
        except BaseException:
            if tokens is not None:
                tokens.cancel()
            raise
        if stores is not None and tokens is not None:
            rebuild_stage.finalize(directory, stores, job.committed, tokens=tokens.result)
            mark_interrupted(directory, interrupted)
    report.finalize_seconds = time.perf_counter() - t0
    # the first chunk was encoded before this call (while the check pass read)
    report.seconds = time.perf_counter() - start + (first.seconds if first is not None else 0)
    with db.session() as session:
        session.execute(update(JobRow).where(JobRow.id == job_id).values(
            status="done", finished=time.time(), documents=report.documents,
            tokens=report.tokens, words=report.words))
    return report


def in_process(encoder: Encoder, *, pipeline: bool = False,
               share: pipeline_module.CoreShare | None = None,
               progress: Callable[[int], object] | None = None) -> Encode:
    """The default ``encode`` stage: each chunk encoded here, as it is read; with
    ``pipeline``, the next chunk is read, tokenized and planned in a reader thread while
    this one encodes (``read_seconds`` then counts that thread's work, tokenizing
    included). With ``share`` (a CPU whose cores the encoder's threads fill) each chunk is
    read and tokenized here as in a serial job, and every batch first takes the threads
    ``share`` leaves it (``pipeline.CoreShare``). ``progress``: called with the words of
    each batch as it is encoded (a progress bar's ``update``)."""
    def pipelined(pending: Iterator[list[Document]], report: JobReport) -> Iterator[Encoded]:
        def produce() -> tuple[list[Document], Prepared] | None:
            t0 = time.perf_counter()
            chunk = next(pending, None)
            prepared = None if chunk is None else encoder.prepare(
                [s.words for d in chunk for s in d.sentences])
            report.read_seconds += time.perf_counter() - t0
            return None if chunk is None else (chunk, prepared)

        for chunk, prepared in pipeline_module.read_ahead(produce):
            t0 = time.perf_counter()
            matrices, offsets = encoder.encode_prepared(prepared, progress=progress or False)
            report.encode_seconds += time.perf_counter() - t0
            yield chunk, matrices["v"], offsets

    def encode(pending: Iterator[list[Document]], report: JobReport) -> Iterator[Encoded]:
        while True:
            t0 = time.perf_counter()
            chunk = next(pending, None)
            t1 = time.perf_counter()
            report.read_seconds += t1 - t0
            if chunk is None:
                return
            prepared = encoder.prepare([s.words for d in chunk for s in d.sentences])
            matrices, offsets = encoder.encode_prepared(
                prepared, progress=progress or False,
                before_batch=None if share is None else share.before_batch)
            report.encode_seconds += time.perf_counter() - t1
            yield chunk, matrices["v"], offsets

    return pipelined if pipeline and share is None else encode


def interrupted_jobs(directory: IndexDirectory) -> list[int]:
    """The ids of jobs that never finished (killed before their fold or rebuild): until a
    rebuild of every store, their rows may be missing from the current generation."""
    with directory.db.session() as session:
        return list(session.execute(
            select(JobRow.id).where(JobRow.status == "running")).scalars())


@dataclass(frozen=True)
class UnfinishedJob:
    """A job whose corpus may lack documents (:func:`unfinished_jobs`): ``status``
    ``running`` (killed before its stores were rebuilt, or writing now) or ``interrupted``
    (killed; a later writer rebuilt the stores with its committed chunks, but no later job
    of its corpus has finished)."""

    job: int
    corpus: str
    path: str
    status: str


def unfinished_jobs(db: Database) -> list[UnfinishedJob]:
    """The jobs ``verify`` and ``info`` name as unfinished, oldest first: every ``running``
    one, and every ``interrupted`` one of a labelled corpus that no later job of the same
    corpus and file finished (rerunning its command resumes it; that job's ``done`` ends it;
    another file under the corpus's name does not: a breaker's one-line file named the
    corpus and hid the killed job). Paths compare as absolute paths from this process's
    folder. WordNet's own jobs (``wordnet``: lemmas added on first use) are left out once
    interrupted: a lemma a killed job did not commit is added again when next asked for."""
    with db.session() as session:
        rows = session.execute(select(JobRow.id, JobRow.corpus, JobRow.path, JobRow.status)
                               .order_by(JobRow.id)).all()
    done_after: dict[tuple[str, str], int] = {}
    for job, corpus, path, status in rows:
        if status == "done":
            done_after[corpus, os.path.abspath(path)] = job
    return [UnfinishedJob(job, corpus, path, status) for job, corpus, path, status in rows
            if status == "running" or (status == "interrupted" and corpus != WORDNET_CORPUS
                                       and done_after.get((corpus, os.path.abspath(path)),
                                                          0) < job)]


def mark_interrupted(directory: IndexDirectory, job_ids: list[int]) -> None:
    """Record jobs of :func:`interrupted_jobs` as ``interrupted`` once every store has been
    rebuilt after them (their committed chunks are now in the current generation)."""
    if job_ids:
        with directory.db.session() as session:
            session.execute(update(JobRow).where(JobRow.id.in_(job_ids))
                            .values(status="interrupted"))


def _pending_chunks(job: ChunkJob, documents: Iterable[Document],
                    indexed: dict[str, documents_module.Indexed], chunk_words: int,
                    replace: bool, remove: Callable[[IndexDirectory, int], Any],
                    hashes: Mapping[str, str],
                    duplicates: documents_module.Duplicates | None = None,
                    total_words: int | None = None,
                    first_words: int = FIRST_CHUNK_WORDS) -> Iterator[list[Document]]:
    """The chunks of the documents not already indexed as they are (those are counted as
    skipped in the job's report) nor held under another corpus or name (``duplicates``:
    counted as duplicates, each with a notice); a changed document is retired first when
    ``replace``. Each document's content hash goes to ``job.hashes``; ``remove`` retires a
    replaced document (``documents.retire_document``, or the same in the writer's thread);
    ``hashes``: content hashes already computed, by document name; ``total_words``: the
    words of these chunks, for a small last chunk; ``first_words``: the first chunk's
    (``chunks.chunk_documents``).

    Raises:
        InputError: a changed document without ``replace``."""
    def not_done() -> Iterator[Document]:
        for document in documents:
            sha256 = hashes.get(document.id) or document.content_hash()
            if documents_module.is_indexed(document, sha256, indexed, job.corpus,
                                           replace=replace):
                job.report.skipped_documents += 1
                continue
            original = None if duplicates is None else duplicates.original(
                document, sha256, job.corpus)
            if original is not None:
                job.report.duplicate_documents += 1
                if job.report.duplicate_documents <= NOTICED_DUPLICATES:
                    job.report.notices.append(documents_module.Duplicates.notice(
                        document, job.corpus, original))
                continue
            old = indexed.pop(document.id, None)
            if old is not None:  # replaced: retired now, its rows purged once no reader
                remove(job.directory, old.row_id)  # needs them
            indexed[document.id] = documents_module.Indexed(-1, sha256)
            job.hashes[document.id] = sha256
            yield document

    return chunk_documents(not_done(), chunk_words, total_words=total_words,
                           first_words=first_words, last_words=LAST_CHUNK_WORDS)


def _reusing(first: FirstChunk, encode: Encode,
             progress: Callable[[int], object] | None = None) -> Encode:
    """``encode`` with the job's first chunk taken from ``first`` when it holds the same
    sentences (``FirstChunk.matches``; its words then go to ``progress`` unless counted
    already while it encoded, ``FirstChunk.counted``); every other chunk, or that one
    otherwise (its counted words taken back), encoded by ``encode``."""
    def stage(pending: Iterator[list[Document]], report: JobReport) -> Iterator[Encoded]:
        head = next(pending, None)
        if head is None:
            return
        rest: Iterator[list[Document]] = pending
        if first.matches(head):
            report.encode_seconds += first.seconds
            if progress is not None and len(first.matrix) > first.counted:
                progress(len(first.matrix) - first.counted)  # what a bar did not see yet
            yield head, first.matrix, first.offsets
        else:
            if progress is not None and first.counted:
                progress(-first.counted)  # counted while encoding, encoded again here
            rest = itertools.chain([head], pending)
        yield from encode(rest, report)

    return stage


@contextmanager
def _closing_bar(bar) -> Iterator[None]:
    try:
        yield
    finally:
        close_bar(bar)


#: seconds of work before the indexing bar is first drawn: none for a short job
PROGRESS_DELAY = 1.0


def progress_bar(progress: bool, total_words: int | None = None):
    """An index job's bar ("indexing", words; tqdm), or None without ``progress``; drawn
    once the job has worked ``PROGRESS_DELAY`` seconds. ``total_words``: None until known
    (the bar then counts without a percentage)."""
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total_words, unit="word", desc="indexing", smoothing=0.05,
                delay=PROGRESS_DELAY)
