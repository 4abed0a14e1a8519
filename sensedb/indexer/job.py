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
from ..errors import IndexFormatError, InputError
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
    """The store of the token ``rows``, filled shard by shard straight into storage order."""
    row_ids = np.fromiter((row.id for row in rows), dtype=np.int64, count=len(rows))
    layout = GroupLayout.of(row_ids, [group_key(row.lemma, row.pos) for row in rows])
    vectors = np.zeros((len(row_ids), dim), dtype=np.float32)
    filled = np.zeros(len(row_ids), dtype=bool)
    by_id = np.argsort(layout.ids)
    for shard_id in sorted({row.shard_id for row in rows}):
        data = load_array(directory.path / shard_paths[shard_id])
        found = np.searchsorted(layout.ids, data["ids"], sorter=by_id).clip(max=len(by_id) - 1)
        slot = by_id[found]
        wanted = layout.ids[slot] == data["ids"]  # a shard may hold another store's tokens
        vectors[slot[wanted]] = data["vectors"][wanted]
        filled[slot[wanted]] = True
    if not filled.all():
        missing = layout.ids[~filled]
        raise IndexFormatError(f"{name} index: {len(missing)} token rows have no vector in "
                               f"their shard (e.g. {missing[:5].tolist()})")
    store = VectorStore.build_laid_out(dim, layout, normalizer(vectors, copy=False))
    store.check_ids(row_ids, f"{name} index")
    return store


def _mean_store(rows, normalizers: list[Normalizer], dim: int) -> VectorStore:
    """Sense means (running sum / count), each row through its normalizer."""
    sums = np.frombuffer(b"".join(row.vec_sum for row in rows), dtype=np.float64)
    counts = np.asarray([row.count for row in rows], dtype=np.float64)
    means = (sums.reshape(len(rows), dim) / counts[:, None]).astype(np.float32)
    for normalize in {id(n): n for n in normalizers}.values():
        chosen = np.asarray([n is normalize for n in normalizers], dtype=bool)
        means[chosen] = normalize(means[chosen], copy=False)
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
        documents.append((document_id, corpus, document.id, document.source))
        for sentence in document.sentences:
            matrix = vectors[sentence_number]
            sentence_number += 1
            sentence_id = ids.next("sentence")
            sentences.append((sentence_id, document_id, sentence.id, " ".join(sentence.words)))
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
                token_ids.append(token_id)
                vector = matrix[position]
                token_vectors.append(vector)
                for key in dict.fromkeys(token.senses):
                    if key in sense_sums:
                        sense_sums[key] += vector
                    else:
                        sense_sums[key] = vector.astype(np.float64)
                    sense_counts[key] += 1
                    links.append((token_id, key))
    for start in range(0, len(vectors), 1024):  # statistics over every word, in blocks
        stats.update(np.concatenate(vectors[start:start + 1024]))
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

    insert_rows = Database.insert_rows
    with directory.db.session() as session:
        insert_rows(session, Shard.__table__, ("id", "path", "count"),
                    [(shard_id, shard_path, len(tokens))])
        insert_rows(session, DocumentRow.__table__, ("id", "corpus", "key", "source"), documents)
        insert_rows(session, Sentence.__table__, ("id", "document_id", "key", "text"),
                    sentences)
        if from_wordnet:  # WordNet's examples: their own evidence table, not corpus senses
            _add_sums(session, WordNetSense.__table__, ids, "wordnet", ids.wordnet_ids,
                      {(k, "examples"): v for k, v in sense_sums.items()},
                      {(k, "examples"): v for k, v in sense_counts.items()},
                      ("source",), lambda key: ("examples",))
            linked = []
        else:
            row_ids = _add_sums(session, Sense.__table__, ids, "sense", ids.sense_ids,
                                sense_sums, sense_counts, ("synset", "gloss"),
                                inventory.synset_gloss)
            linked = [(t, row_ids[k]) for t, k in links]
        insert_rows(session, Token.__table__, _TOKEN_COLUMNS, tokens)
        insert_rows(session, TokenSense.__table__, ("token_id", "sense_id"), linked)
        if not from_wordnet:  # the statistics describe the indexed corpora
            entry = session.get(ManifestEntry, "stats")
            merged = RunningStats.from_json(json.loads(entry.value)).merged(stats)
            Database.set_manifest(session, {"stats": merged.to_json()})
        session.execute(update(Job).where(Job.id == job_id).values(
            documents=report.documents, tokens=report.tokens, words=report.words))


_TOKEN_COLUMNS = ("id", "sentence_id", "position", "surface", "lemma", "pos", "instance",
                  "sense_keys", "shard_id")


def _progress_bar(progress: bool, total_words: int | None):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total_words, unit="word", desc="indexing", smoothing=0.05)


def _add_sums(session, table, ids: _IdCounters, counter: str, id_map: dict, sums: dict,
              counts: dict, extra_columns: tuple[str, ...], extra) -> dict:
    """Add vector sums and counts to sense rows, creating the missing ones with their sums
    (no read-back); returns the row id of every sense key (``id_map``'s key form) touched."""
    new_rows, old_keys = [], []
    for map_key, total in sums.items():
        if map_key in id_map:
            old_keys.append(map_key)
            continue
        key = map_key[0] if isinstance(map_key, tuple) else map_key
        row_id = ids.next(counter)
        id_map[map_key] = row_id
        new_rows.append((row_id, key, key.partition("%")[0], key_pos(key), counts[map_key],
                         total.tobytes(), *extra(key)))
    Database.insert_rows(session, table, ("id", "key", "lemma", "pos", "count", "vec_sum",
                                          *extra_columns), new_rows)
    if old_keys:
        current = {row.id: row for row in session.execute(
            select(table.c.id, table.c.count, table.c.vec_sum)
            .where(table.c.id.in_([id_map[k] for k in old_keys])))}
        session.execute(update(table).where(table.c.id == bindparam("row_id")).values(
            count=bindparam("new_count"), vec_sum=bindparam("new_sum")), [
            {"row_id": row.id, "new_count": row.count + counts[k],
             "new_sum": (np.frombuffer(row.vec_sum, dtype=np.float64) + sums[k]).tobytes()}
            for k in old_keys for row in (current[id_map[k]],)])
    return {k: id_map[k] for k in sums}
