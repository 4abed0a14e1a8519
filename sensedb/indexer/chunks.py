"""Chunks of an index job: the unit of encoding, of commit and of crash loss.

A chunk's documents are encoded in one call (length-bucketed batches); its raw token vectors
are written to a shard (atomically, at the path ``IndexDirectory`` gives), then its rows, its
links and the corpus statistics are committed in one short transaction
(:func:`commit_chunk`). A crash loses at most the chunk in flight; the sense sums are folded
later (``fold.fold_sense_sums``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..corpora import Document
from ..errors import InputError
from ..inventory import WordNet
from ..schema import (
    Database,
    DocumentHashRow,
    DocumentRow,
    JobRow,
    SenseRow,
    SentenceRow,
    ShardRow,
    TokenRow,
    TokenSenseRow,
    WordNetSenseRow,
)
from ..store import RunningStats, shard_rounded
from ..vocabulary import group_key, key_lemma, key_pos
from .directory import IndexDirectory
from .fold import Committed, TokenRows, add_rows, add_to_rows
from .report import JobReport
from .wordnet import CORPUS as WORDNET_CORPUS

# Words per chunk: the unit of commit and of crash loss, and what the encoder sorts by length
# in one call. Smaller chunks pad more (each batch spans a wider range of lengths): SemCor in
# 200k-word chunks encodes 1.9% more padded pieces than in one call, in 400k-word chunks 0.7%
# (``Encoder.batch_plan``, scripts/bench_index.py).
CHUNK_WORDS = 400_000

_TOKEN_COLUMNS = ("id", "sentence_id", "position", "surface", "lemma", "pos", "instance",
                  "sense_keys", "shard_id")


#: The first and the last chunk of a job (of more words than these), when the job's words
#: are known (``chunk_documents(total_words=...)``): a small first chunk is encoded while the
#: check pass still reads the corpus (``api.build_index``: nothing waits for the whole
#: corpus to be parsed), and a small last chunk leaves little to commit once nothing is
#: left to encode beside it (a pipelined job's writer commits every earlier chunk while the
#: next one encodes). 50k words: SemCor's check pass reads them in ~0.3 s and its last chunk
#: commits in ~0.4 s; the encoder's 50k words on this CPU (~9 s) outlast the commit of a
#: full chunk before it (~3 s). BENCHMARKS.md, "A small first and last chunk".
FIRST_CHUNK_WORDS = 50_000
LAST_CHUNK_WORDS = 50_000


def first_chunk_words(device: str, chunk_words: int = CHUNK_WORDS) -> int:
    """The words of a job's first chunk on ``device``: ``FIRST_CHUNK_WORDS`` on a CPU (its
    encoding outlasts the check pass); a whole chunk on a GPU, which encodes SemCor's
    400k words in about the time the check pass reads them (150k words/s against ~180k:
    the issue's H200 figures), so that the check's seconds hide behind a chunk's encoding
    rather than a small chunk's ~0.3 s."""
    return min(FIRST_CHUNK_WORDS if str(device).startswith("cpu") else chunk_words,
               chunk_words)


def chunk_documents(documents: Iterable[Document], chunk_words: int = CHUNK_WORDS, *,
                    total_words: int | None = None, first_words: int | None = None,
                    last_words: int | None = None) -> Iterator[list[Document]]:
    """Consecutive documents in chunks of at least ``chunk_words`` words (the last one may
    have fewer): the chunks a job encodes and commits. ``first_words``: the first chunk
    ends at this many words instead (at most ``chunk_words``; it does not depend on
    ``total_words``, so a reader that does not know the total yet cuts the same first
    chunk). ``last_words`` with ``total_words`` (the words of every document given):
    a later chunk that would leave fewer than ``last_words`` after it is cut short so that
    the last chunk holds about ``last_words`` (whole documents: a chunk ends at the first
    document that reaches its size)."""
    chunk: list[Document] = []
    words = emitted = 0
    target = min(first_words or chunk_words, chunk_words)
    for document in documents:
        chunk.append(document)
        words += sum(len(s.tokens) for s in document.sentences)
        if words >= target:
            yield chunk
            emitted += words
            chunk, words = [], 0
            target = _next_size(chunk_words, total_words, emitted, last_words)
    if chunk:
        yield chunk


def _next_size(chunk_words: int, total_words: int | None, emitted: int,
               last_words: int | None) -> int:
    """The size of a chunk after the first: ``chunk_words``, or what leaves about
    ``last_words`` for the last chunk when fewer than ``chunk_words + last_words`` are left
    (all of them when no more than ``last_words`` are)."""
    if total_words is None or not last_words:
        return chunk_words
    last = min(last_words, chunk_words)
    left = total_words - emitted
    if 0 < left < chunk_words + last:  # (none left: the total was short; plain chunks)
        return left if left <= last else left - last
    return chunk_words


class IdCounters:
    """Explicit row ids (the writer holds the lock), so a chunk needs no round trips: the
    highest id of each table, and the row id of every sense key and (key, source) already
    there.

    Token ids start above the highest id of the ``tokens`` table AND of every recorded
    shard (``directory``: ``IndexDirectory.highest_shard_token_id``): a purged document's
    rows are gone but its shard keeps their vectors under their ids, so an id handed out
    again would be claimed by two shards (``verify --deep`` then saw a FAISS vector differ
    from the old shard's). Sentence and document ids are held by no file (the manifest's
    ``retired`` entries are dropped with the rows they name), so their tables' highest ids
    suffice; shard, sense and WordNet rows are never purged.

    Raises:
        IndexFormatError: a recorded shard is missing or damaged (names the file)."""

    def __init__(self, db: Database, directory: IndexDirectory | None = None) -> None:
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
        if directory is not None:
            self.token = max(self.token, directory.highest_shard_token_id())

    def next(self, name: str) -> int:
        """The next id of ``name`` (``document``, ``sentence``, ``token``, ``sense``,
        ``shard``, ``wordnet``)."""
        value = getattr(self, name) + 1
        setattr(self, name, value)
        return value


@dataclass
class ChunkJob:
    """What every chunk of one index job shares: where it writes (``directory``, the
    ``corpus`` name, the ``job_id`` row), how it checks keys (``inventory``; keys checked
    once each), the row ids it hands out, the report it adds to and what it has committed."""

    directory: IndexDirectory
    inventory: WordNet
    corpus: str
    job_id: int
    ids: IdCounters
    report: JobReport
    committed: Committed
    checked_keys: set[str] = field(default_factory=set)
    hashes: dict[str, str] = field(default_factory=dict)  # document name -> content hash


def commit_chunk(job: ChunkJob, chunk: list[Document], matrix: np.ndarray,
                 offsets: np.ndarray) -> None:
    """Write one encoded chunk: its shard, then its rows and statistics in one transaction;
    its sense sums and token vectors go to ``job.committed``. ``matrix``: float32 (words, dim),
    every word's raw vector, sentence by sentence; ``offsets``: int (sentences,), the first
    row of each sentence.

    Raises:
        InputError: a sense key is not in the inventory (names the token); nothing of the
            chunk is committed.
    """
    directory, inventory, corpus, ids = job.directory, job.inventory, job.corpus, job.ids
    report, checked_keys = job.report, job.checked_keys
    dim = matrix.shape[1]
    documents, sentences, tokens = [], [], []
    rows_of_tokens: list[int] = []  # each labelled token's row in ``matrix``
    link_tokens: list[int] = []  # (token number in this chunk, sense key number) per link
    link_keys: list[int] = []
    key_numbers: dict[str, int] = {}
    shard_id = ids.next("shard")
    first_rows = np.asarray(offsets).tolist()
    # ids counted in locals (the loop runs once per word: SemCor's 802k); a chunk that
    # fails commits nothing and ends the job
    sentence_id, token_id = ids.sentence, ids.token
    sentence_number = 0
    for document in chunk:
        document_id = ids.next("document")
        documents.append((document_id, corpus, document.id, document.source))
        for sentence in document.sentences:
            first_row = first_rows[sentence_number]
            sentence_number += 1
            sentence_id += 1
            words = sentence.tokens
            sentences.append((sentence_id, document_id, sentence.id,
                              " ".join([t.text for t in words])))
            for position, token in enumerate(words):
                senses = token.senses
                if not senses:
                    continue
                for key in senses:
                    if key not in checked_keys:
                        if not inventory.has_key(key):
                            raise InputError(f"sense key {key} is not in {inventory.name}",
                                             item=token.instance_id or sentence.id)
                        checked_keys.add(key)
                token_id += 1
                tokens.append((token_id, sentence_id, position, token.text, token.lemma.lower(),
                               token.pos, token.instance_id, " ".join(senses), shard_id))
                number = len(rows_of_tokens)
                for key in senses if len(senses) == 1 else dict.fromkeys(senses):
                    link_tokens.append(number)
                    link_keys.append(key_numbers.setdefault(key, len(key_numbers)))
                rows_of_tokens.append(first_row + position)
    ids.sentence, ids.token = sentence_id, token_id
    token_ids = np.fromiter((t[0] for t in tokens), dtype=np.int64, count=len(tokens))
    # rounded as the shard stores them (float16), before the sums and stores use them
    stored, token_vectors = shard_rounded(matrix[np.asarray(rows_of_tokens, dtype=np.int64)],
                                          overwrite=True)  # a copy of its own
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

    shard_path = directory.save_shard(shard_id, ids=token_ids, vectors=stored)
    # the statistics describe the indexed corpora (the writer holds the lock: no one else
    # changes them before this chunk's commit)
    merged = None if from_wordnet else directory.manifest().stats.merged(stats)

    insert_rows = Database.insert_rows
    with directory.db.session() as session:
        insert_rows(session, ShardRow.__table__, ("id", "path", "count"),
                    [(shard_id, shard_path, len(tokens))])
        insert_rows(session, DocumentRow.__table__, ("id", "corpus", "key", "source"), documents)
        insert_rows(session, DocumentHashRow.__table__, ("document_id", "sha256"),
                    [(row[0], job.hashes[row[2]]) for row in documents if row[2] in job.hashes])
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
        if merged is not None:
            directory.set_manifest(session, stats=merged.to_json())
        session.execute(update(JobRow).where(JobRow.id == job.job_id).values(
            documents=report.documents, tokens=report.tokens, words=report.words))
    # after the commit, not before
    rows = TokenRows(token_ids, [group_key(t[4], t[5]) for t in tokens],
                     np.full(len(tokens), shard_id, dtype=np.int64),
                     np.full(len(tokens), corpus, dtype=object))
    job.committed.add(shard_id, rows, token_vectors, link_tokens, link_senses)


def _new_senses(session: Session, ids: IdCounters, keys: Iterable[str],
                inventory: WordNet) -> dict:
    """Sense rows for the keys that have none yet, with no tokens folded in (count 0, empty
    sum); returns the row id of every key."""
    new_rows = []
    for key in keys:
        if key not in ids.sense_ids:
            row_id = ids.sense_ids[key] = ids.next("sense")
            new_rows.append((row_id, key, key_lemma(key), key_pos(key), 0, b"",
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


def _add_examples(session: Session, ids: IdCounters, keys: list[str], counts: np.ndarray,
                  sums: np.ndarray) -> None:
    """Add the sums and counts of WordNet usage-example tokens to the keys' ``examples``
    rows, creating the missing ones with their sums (no read-back)."""
    new_rows, old = [], []
    for n, key in enumerate(keys):
        if (key, "examples") in ids.wordnet_ids:
            old.append(n)
            continue
        row_id = ids.wordnet_ids[key, "examples"] = ids.next("wordnet")
        new_rows.append((row_id, key, key_lemma(key), key_pos(key), int(counts[n]),
                         sums[n].tobytes(), "examples"))
    Database.insert_rows(session, WordNetSenseRow.__table__, ("id", "key", "lemma", "pos",
                                                              "count", "vec_sum", "source"),
                         new_rows)
    add_to_rows(session, WordNetSenseRow.__table__,
                [ids.wordnet_ids[keys[n], "examples"] for n in old], counts[old], sums[old])
