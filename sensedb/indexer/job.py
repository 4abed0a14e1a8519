"""Index jobs: corpus documents → encoder → raw shards + rows → FAISS indexes.

A job works in chunks of documents. Each chunk is encoded in length-bucketed batches, its raw
vectors are written to a shard file (atomically), then its rows, the sense sums and the
normalization statistics are committed in one short transaction. A crash loses at most the
chunk in flight; running the same job again skips the documents already committed (resume).
At the end the FAISS indexes are rebuilt from the shards and the sense sums into a new
generation, which the manifest then points to: the previous generation stays loadable until
that single commit.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import bindparam, func, insert, select, update

from ..corpora import Document
from ..encoder import Encoder
from ..errors import InputError
from ..inventory import WordNet
from ..schema import Database, Job, ManifestEntry, Sense, Sentence, Shard, Token, TokenSense
from ..schema import Document as DocumentRow
from ..store import RunningStats, VectorStore, group_key, load_array, save_array
from .directory import SENSES, TOKENS, IndexDirectory


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
    encode_seconds: float = 0.0
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
                   standardize: bool = False) -> None:
    """Create the index if it does not exist, else check it was built with this encoder."""
    if directory.exists():
        directory.check_encoder(encoder.describe())
    else:
        directory.create(encoder.describe(), standardize=standardize, inventory=inventory.name)


def index_documents(directory: IndexDirectory, encoder: Encoder, inventory: WordNet,
                    documents: Iterable[Document], *, corpus: str, path: str = "",
                    chunk_words: int = 60_000, progress: bool = True,
                    total_words: int | None = None) -> JobReport:
    """Index every labelled token of ``documents`` (skipping documents already indexed under
    ``corpus``) and rebuild the FAISS indexes. The caller holds ``directory.lock()``."""
    start = time.perf_counter()
    report = JobReport(corpus=corpus)
    db = directory.db
    with db.session() as session:
        done_keys = set(session.execute(
            select(DocumentRow.key).where(DocumentRow.corpus == corpus)).scalars())
        job = Job(corpus=corpus, path=path, status="running", started=time.time())
        session.add(job)
        session.flush()
        job_id = job.id
    ids = _IdCounters(db)
    checked_keys: set[str] = set()
    bar = _progress_bar(progress, total_words)
    # Chunk i is committed by one worker thread while chunk i+1 is encoded; commits stay in
    # order (each waits for the one before), and an error in either surfaces here.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sensedb-commit") as pool:
        pending: Future | None = None
        try:
            for chunk in _chunks(documents, done_keys, chunk_words, report):
                t0 = time.perf_counter()
                words = [s.words for d in chunk for s in d.sentences]
                vectors = encoder.word_vectors(words)
                report.encode_seconds += time.perf_counter() - t0
                if pending is not None:
                    pending.result()
                pending = pool.submit(_commit_chunk, directory, inventory, chunk, vectors,
                                      corpus, ids, job_id, report, checked_keys)
                if bar is not None:
                    bar.update(sum(len(w) for w in words))
            if pending is not None:
                pending.result()
        finally:
            if pending is not None:
                pending.cancel()
                wait([pending])
            if bar is not None:
                bar.close()
    t0 = time.perf_counter()
    finalize(directory)
    report.finalize_seconds = time.perf_counter() - t0
    report.seconds = time.perf_counter() - start
    with db.session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(
            status="done", finished=time.time(), documents=report.documents,
            tokens=report.tokens, words=report.words))
    return report


def finalize(directory: IndexDirectory) -> tuple[VectorStore, VectorStore]:
    """Rebuild both FAISS indexes from the shards and sense sums as a new generation."""
    manifest = directory.manifest()
    normalizer = directory.normalizer(manifest)
    dim = int(manifest["encoder"]["dim"])
    db = directory.db
    with db.session() as session:
        shards = session.execute(select(Shard.id, Shard.path)).all()
        token_rows = session.execute(select(Token.id, Token.lemma, Token.pos)).all()
        sense_rows = session.execute(
            select(Sense.id, Sense.lemma, Sense.pos, Sense.count, Sense.vec_sum)).all()
    group_of = {row.id: group_key(row.lemma, row.pos) for row in token_rows}
    id_parts, vector_parts = [], []
    for shard in shards:
        data = load_array(directory.path / shard.path)
        keep = np.fromiter((i in group_of for i in data["ids"]), dtype=bool,
                           count=len(data["ids"]))
        id_parts.append(data["ids"][keep])
        vector_parts.append(data["vectors"][keep])
    token_ids = np.concatenate(id_parts) if id_parts else np.zeros(0, np.int64)
    token_vectors = (np.concatenate(vector_parts) if vector_parts
                     else np.zeros((0, dim), np.float32))
    tokens = VectorStore.build(dim, token_ids, normalizer(token_vectors),
                               [group_of[int(i)] for i in token_ids])
    tokens.check_ids(group_of.keys(), "token index")
    live = [row for row in sense_rows if row.count > 0]
    sense_means = np.zeros((len(live), dim), dtype=np.float32)
    for n, row in enumerate(live):
        sense_means[n] = np.frombuffer(row.vec_sum, dtype=np.float64) / row.count
    senses = VectorStore.build(dim, np.asarray([r.id for r in live], dtype=np.int64),
                               normalizer(sense_means), [group_key(r.lemma, r.pos) for r in live])
    generation = int(manifest.get("generation", 0)) + 1
    tokens.save(directory.path, TOKENS, generation)
    senses.save(directory.path, SENSES, generation)
    with db.session() as session:
        Database.set_manifest(session, {"generation": generation})
    for name in (TOKENS, SENSES):
        VectorStore.remove_other_generations(directory.path, name, keep=generation)
    return tokens, senses


# --------------------------------------------------------------------------- internals
class _IdCounters:
    """Explicit row ids (the writer holds the lock), so a chunk needs no round trips."""

    def __init__(self, db: Database) -> None:
        with db.session() as session:
            def top(column) -> int:
                return int(session.execute(select(func.max(column))).scalar() or 0)

            self.document, self.sentence = top(DocumentRow.id), top(Sentence.id)
            self.token, self.sense, self.shard = top(Token.id), top(Sense.id), top(Shard.id)
            self.sense_ids = dict(session.execute(select(Sense.key, Sense.id)).all())

    def next(self, name: str) -> int:
        value = getattr(self, name) + 1
        setattr(self, name, value)
        return value


def _chunks(documents: Iterable[Document], done_keys: set[str], chunk_words: int,
            report: JobReport) -> Iterator[list[Document]]:
    chunk: list[Document] = []
    words = 0
    for document in documents:
        if document.id in done_keys:
            report.skipped_documents += 1
            continue
        done_keys.add(document.id)
        chunk.append(document)
        words += sum(len(s.tokens) for s in document.sentences)
        if words >= chunk_words:
            yield chunk
            chunk, words = [], 0
    if chunk:
        yield chunk


def _commit_chunk(directory: IndexDirectory, inventory: WordNet, chunk: list[Document],
                  vectors: list[np.ndarray], corpus: str, ids: _IdCounters, job_id: int,
                  report: JobReport, checked_keys: set[str]) -> None:
    stats = RunningStats.empty(vectors[0].shape[1])
    documents, sentences, tokens, links = [], [], [], []
    token_ids, token_vectors = [], []
    sense_sums: dict[str, np.ndarray] = {}
    sense_counts: dict[str, int] = defaultdict(int)
    shard_id = ids.next("shard")
    sentence_number = 0
    for document in chunk:
        document_id = ids.next("document")
        documents.append({"id": document_id, "corpus": corpus, "key": document.id,
                          "source": document.source})
        for sentence in document.sentences:
            matrix = vectors[sentence_number]
            sentence_number += 1
            stats.update(matrix)
            sentence_id = ids.next("sentence")
            sentences.append({"id": sentence_id, "document_id": document_id,
                              "key": sentence.id, "text": " ".join(sentence.words)})
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
                tokens.append({
                    "id": token_id, "sentence_id": sentence_id, "position": position,
                    "surface": token.text, "lemma": token.lemma.lower(), "pos": token.pos,
                    "instance": token.instance_id, "sense_keys": " ".join(token.senses),
                    "shard_id": shard_id})
                token_ids.append(token_id)
                token_vectors.append(matrix[position])
                for key in dict.fromkeys(token.senses):
                    raw = matrix[position].astype(np.float64)
                    sense_sums[key] = sense_sums[key] + raw if key in sense_sums else raw
                    sense_counts[key] += 1
                    links.append((token_id, key))
    report.documents += len(chunk)
    report.sentences += len(sentences)
    report.words += stats.n
    report.tokens += len(tokens)
    report.touched.update(sense_sums)
    report.senses_touched = len(report.touched)

    shard_path = f"raw/shard-{shard_id:06d}.npz"
    dim = vectors[0].shape[1]
    save_array(directory.path / shard_path, ids=np.asarray(token_ids, dtype=np.int64),
               vectors=(np.asarray(token_vectors, dtype=np.float32) if token_vectors
                        else np.zeros((0, dim), np.float32)))

    with directory.db.session() as session:
        entry = session.get(ManifestEntry, "stats")
        manifest_stats = RunningStats.from_json(json.loads(entry.value))
        new_senses = []
        for key in sense_sums:
            if key not in ids.sense_ids:
                info = inventory.sense(key)
                sense_id = ids.next("sense")
                ids.sense_ids[key] = sense_id
                new_senses.append({"id": sense_id, "key": key, "synset": info.synset,
                                   "lemma": info.lemma, "pos": info.pos, "gloss": info.gloss,
                                   "count": 0, "vec_sum": np.zeros(dim).tobytes()})
        session.execute(insert(Shard.__table__), [{"id": shard_id, "path": shard_path,
                                                   "count": len(tokens)}])
        session.execute(insert(DocumentRow.__table__), documents)
        session.execute(insert(Sentence.__table__), sentences)
        if new_senses:
            session.execute(insert(Sense.__table__), new_senses)
        if tokens:
            session.execute(insert(Token.__table__), tokens)
            session.execute(insert(TokenSense.__table__), [
                {"token_id": t, "sense_id": ids.sense_ids[k]} for t, k in links])
        touched = [ids.sense_ids[k] for k in sense_sums]
        current = {row.id: row for row in session.execute(
            select(Sense.id, Sense.count, Sense.vec_sum).where(Sense.id.in_(touched)))}
        updates = []
        for key, total in sense_sums.items():
            row = current[ids.sense_ids[key]]
            updates.append({
                "row_id": row.id, "new_count": row.count + sense_counts[key],
                "new_sum": (np.frombuffer(row.vec_sum, dtype=np.float64) + total).tobytes()})
        if updates:
            table = Sense.__table__
            session.execute(update(table).where(table.c.id == bindparam("row_id")).values(
                count=bindparam("new_count"), vec_sum=bindparam("new_sum")), updates)
        Database.set_manifest(session, {"stats": manifest_stats.merged(stats).to_json()})
        session.execute(update(Job).where(Job.id == job_id).values(
            documents=report.documents, tokens=report.tokens, words=report.words))


def _progress_bar(progress: bool, total_words: int | None):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total_words, unit="word", desc="indexing", smoothing=0.05)
