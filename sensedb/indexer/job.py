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
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import bindparam, func, insert, select, update

from ..corpora import Document, key_pos
from ..encoder import Encoder
from ..errors import InputError
from ..inventory import SenseInfo, WordNet
from ..schema import (
    Database,
    Job,
    ManifestEntry,
    Sense,
    Sentence,
    Shard,
    Token,
    TokenSense,
    WordNetSense,
)
from ..schema import Document as DocumentRow
from ..store import Normalizer, RunningStats, VectorStore, group_key, load_array, save_array
from .directory import EXAMPLES, SENSES, STORES, TOKENS, WORDNET, IndexDirectory
from .wordnet import CORPUS as WORDNET_CORPUS
from .wordnet import gloss_text


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
                   standardize: bool = False, scoring: dict | None = None) -> None:
    """Create the index if it does not exist, else check it was built with this encoder."""
    if directory.exists():
        directory.check_encoder(encoder.describe())
    else:
        directory.create(encoder.describe(), standardize=standardize, inventory=inventory.name,
                         scoring=scoring)


def index_documents(directory: IndexDirectory, encoder: Encoder, inventory: WordNet,
                    documents: Iterable[Document], *, corpus: str, path: str = "",
                    chunk_words: int = 200_000, progress: bool = True,
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
        job = Job(corpus=corpus, path=path, status="running", started=time.time())
        session.add(job)
        session.flush()
        job_id = job.id
    ids = _IdCounters(db)
    checked_keys: set[str] = set()
    bar = _progress_bar(progress, total_words)
    # Commits run in this thread: a commit thread overlapping the encoder was measured slower
    # on 2 cores (it takes CPU from torch; BENCHMARKS.md).
    try:
        for chunk in _chunks(documents, done_keys, chunk_words, report):
            t0 = time.perf_counter()
            words = [s.words for d in chunk for s in d.sentences]
            vectors = encoder.word_vectors(words) if words else []
            report.encode_seconds += time.perf_counter() - t0
            _commit_chunk(directory, inventory, chunk, vectors, corpus, ids, job_id, report,
                          checked_keys, encoder.dim)
            if bar is not None:
                bar.update(sum(len(w) for w in words))
    finally:
        if bar is not None:
            bar.close()
    t0 = time.perf_counter()
    if rebuild:
        finalize(directory, (EXAMPLES, WORDNET) if corpus == WORDNET_CORPUS
                 else (TOKENS, SENSES))
    report.finalize_seconds = time.perf_counter() - t0
    report.seconds = time.perf_counter() - start
    with db.session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(
            status="done", finished=time.time(), documents=report.documents,
            tokens=report.tokens, words=report.words))
    return report


def finalize(directory: IndexDirectory, stores: Iterable[str] = STORES) -> dict[str, VectorStore]:
    """Rebuild the named FAISS stores from the shards and sense sums as a new generation.

    The new files are written first; one manifest commit then makes them current, so a crash
    at any point leaves the previous generation in use.
    """
    stores = [name for name in STORES if name in set(stores)]
    manifest = directory.manifest()
    normalizer = directory.normalizer(manifest)
    plain = Normalizer(None, False)
    dim = int(manifest["encoder"]["dim"])
    with directory.db.session() as session:
        token_rows = session.execute(
            select(Token.id, Token.lemma, Token.pos, Token.shard_id, DocumentRow.corpus)
            .join(Sentence, Token.sentence_id == Sentence.id)
            .join(DocumentRow, Sentence.document_id == DocumentRow.id)).all()
        shard_paths = dict(session.execute(select(Shard.id, Shard.path)).all())
        sense_rows = session.execute(select(Sense.id, Sense.lemma, Sense.pos, Sense.count,
                                            Sense.vec_sum).where(Sense.count > 0)).all()
        wordnet_rows = session.execute(
            select(WordNetSense.id, WordNetSense.lemma, WordNetSense.pos, WordNetSense.count,
                   WordNetSense.vec_sum, WordNetSense.source)
            .where(WordNetSense.count > 0)).all()
    built: dict[str, VectorStore] = {}
    for name in stores:
        if name in (TOKENS, EXAMPLES):
            rows = [r for r in token_rows if (r.corpus == WORDNET_CORPUS) == (name == EXAMPLES)]
            built[name] = _token_store(directory, rows, shard_paths, normalizer, dim, name)
        elif name == SENSES:
            built[name] = _mean_store(sense_rows, [normalizer] * len(sense_rows), dim)
        else:  # gloss vectors are sentence vectors: not in the token space's statistics
            built[name] = _mean_store(wordnet_rows, [plain if r.source == "gloss" else normalizer
                                                     for r in wordnet_rows], dim)
    generations = directory.generations(manifest)
    generation = max(generations.values()) + 1
    for name, store in built.items():
        store.save(directory.path, name, generation)
        generations[name] = generation
    with directory.db.session() as session:
        Database.set_manifest(session, {"generations": generations})
    for name in built:
        VectorStore.remove_other_generations(directory.path, name, keep=generation)
    return built


def _token_store(directory: IndexDirectory, rows, shard_paths: dict[int, str],
                 normalizer: Normalizer, dim: int, name: str) -> VectorStore:
    group_of = {row.id: group_key(row.lemma, row.pos) for row in rows}
    id_parts, vector_parts = [], []
    for shard_id in sorted({row.shard_id for row in rows}):
        data = load_array(directory.path / shard_paths[shard_id])
        keep = np.isin(data["ids"], np.fromiter(group_of, dtype=np.int64, count=len(group_of)))
        id_parts.append(data["ids"][keep])
        vector_parts.append(data["vectors"][keep])
    ids = np.concatenate(id_parts) if id_parts else np.zeros(0, np.int64)
    vectors = np.concatenate(vector_parts) if vector_parts else np.zeros((0, dim), np.float32)
    store = VectorStore.build(dim, ids, normalizer(vectors), [group_of[int(i)] for i in ids])
    store.check_ids(group_of.keys(), f"{name} index")
    return store


def _mean_store(rows, normalizers: list[Normalizer], dim: int) -> VectorStore:
    """Sense means (running sum / count), each through its normalizer."""
    means = np.zeros((len(rows), dim), dtype=np.float32)
    for n, (row, normalize) in enumerate(zip(rows, normalizers, strict=True)):
        means[n] = normalize(np.frombuffer(row.vec_sum, dtype=np.float64) / row.count)
    return VectorStore.build(dim, np.asarray([r.id for r in rows], dtype=np.int64), means,
                             [group_key(r.lemma, r.pos) for r in rows])


def index_glosses(directory: IndexDirectory, encoder: Encoder,
                  senses: Iterable[SenseInfo]) -> int:
    """Add the gloss vector (sentence vector of "lemma: gloss") of each sense lacking one.
    The caller holds the lock and runs ``finalize`` afterwards. Returns how many were added."""
    senses = list({s.key: s for s in senses}.values())
    with directory.db.session() as session:
        have = set(session.execute(select(WordNetSense.key).where(
            WordNetSense.source == "gloss", WordNetSense.key.in_([s.key for s in senses])))
            .scalars())
    todo = [s for s in senses if s.key not in have]
    if not todo:
        return 0
    vectors = encoder.sentence_vectors([gloss_text(s) for s in todo])
    with directory.db.session() as session:
        session.execute(insert(WordNetSense.__table__), [
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

            self.document, self.sentence = top(DocumentRow.id), top(Sentence.id)
            self.token, self.sense, self.shard = top(Token.id), top(Sense.id), top(Shard.id)
            self.sense_ids = dict(session.execute(select(Sense.key, Sense.id)).all())
            self.wordnet = top(WordNetSense.id)
            self.wordnet_ids = {(k, src): i for k, src, i in session.execute(
                select(WordNetSense.key, WordNetSense.source, WordNetSense.id)).all()}

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
                  report: JobReport, checked_keys: set[str], dim: int) -> None:
    stats = RunningStats.empty(dim)
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
    from_wordnet = corpus == WORDNET_CORPUS
    report.documents += len(chunk)
    report.sentences += len(sentences)
    report.words += stats.n
    report.tokens += len(tokens)
    report.touched.update(sense_sums)
    report.senses_touched = len(report.touched)

    shard_path = f"raw/shard-{shard_id:06d}.npz"
    save_array(directory.path / shard_path, ids=np.asarray(token_ids, dtype=np.int64),
               vectors=(np.asarray(token_vectors, dtype=np.float32) if token_vectors
                        else np.zeros((0, dim), np.float32)))

    with directory.db.session() as session:
        session.execute(insert(Shard.__table__), [{"id": shard_id, "path": shard_path,
                                                   "count": len(tokens)}])
        session.execute(insert(DocumentRow.__table__), documents)
        session.execute(insert(Sentence.__table__), sentences)
        if from_wordnet:  # WordNet's examples: their own evidence table, not corpus senses
            row_ids = _add_sums(session, WordNetSense.__table__, ids, "wordnet", ids.wordnet_ids,
                                {(k, "examples"): v for k, v in sense_sums.items()},
                                {(k, "examples"): v for k, v in sense_counts.items()},
                                lambda key: {"source": "examples"}, inventory, dim)
            linked = []
        else:
            row_ids = _add_sums(session, Sense.__table__, ids, "sense", ids.sense_ids,
                                sense_sums, sense_counts, lambda key: dict(zip(
                                    ("synset", "gloss"), inventory.synset_gloss(key),
                                    strict=True)), inventory, dim)
            linked = [{"token_id": t, "sense_id": row_ids[k]} for t, k in links]
        if tokens:
            session.execute(insert(Token.__table__), tokens)
        if linked:
            session.execute(insert(TokenSense.__table__), linked)
        if not from_wordnet:  # the statistics describe the indexed corpora
            entry = session.get(ManifestEntry, "stats")
            merged = RunningStats.from_json(json.loads(entry.value)).merged(stats)
            Database.set_manifest(session, {"stats": merged.to_json()})
        session.execute(update(Job).where(Job.id == job_id).values(
            documents=report.documents, tokens=report.tokens, words=report.words))


def _progress_bar(progress: bool, total_words: int | None):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total_words, unit="word", desc="indexing", smoothing=0.05)


def _add_sums(session, table, ids: _IdCounters, counter: str, id_map: dict, sums: dict,
              counts: dict, extra, inventory: WordNet, dim: int) -> dict:
    """Add vector sums and counts to sense rows (creating missing rows); returns the row id of
    every sense key (``id_map``'s key form) touched."""
    new_rows = []
    for map_key in sums:
        if map_key not in id_map:
            key = map_key[0] if isinstance(map_key, tuple) else map_key
            lemma, _, rest = key.partition("%")
            row_id = ids.next(counter)
            id_map[map_key] = row_id
            new_rows.append({"id": row_id, "key": key, "lemma": lemma, "pos": key_pos(key),
                             "count": 0, "vec_sum": np.zeros(dim).tobytes(), **extra(key)})
    if new_rows:
        session.execute(insert(table), new_rows)
    touched = [id_map[k] for k in sums]
    current = {row.id: row for row in session.execute(
        select(table.c.id, table.c.count, table.c.vec_sum).where(table.c.id.in_(touched)))}
    updates = []
    for map_key, total in sums.items():
        row = current[id_map[map_key]]
        updates.append({
            "row_id": row.id, "new_count": row.count + counts[map_key],
            "new_sum": (np.frombuffer(row.vec_sum, dtype=np.float64) + total).tobytes()})
    if updates:
        session.execute(update(table).where(table.c.id == bindparam("row_id")).values(
            count=bindparam("new_count"), vec_sum=bindparam("new_sum")), updates)
    return {k: id_map[k] for k in sums}
