"""Document identity: which documents of a job are already in the index, which are changed,
and removing a changed one before it is indexed again (``replace``).

A document is identified by its corpus and name *and* by the SHA-256 of its content
(``Document.content_hash``, kept in ``document_hashes``): the same name with the same hash is
already there (skipped, so a crashed job resumes); the same name with another hash is refused
unless the job replaces it. Documents indexed before hashes were kept have no hash and are
compared by name only.

Replacing a document never tears a reader's answer. The old document is *retired* at once
(:func:`retire_document`, one transaction): its vectors leave its senses' sums, its sense links
and hash go, and its key gets the ``RETIRED`` mark, so the new content can take its name;
its sentences and tokens stay, because readers of the current generation still hold their
vectors. The job's rebuild builds the token store without them and lists them in the manifest
(``retired``) in the commit that makes the new generation current, then writes the stamp file
:data:`PURGE_STAMP`: an open index of an older generation reloads at its next answer
(``SenseIndex.keep_whole``). Their rows are deleted by a later rebuild of the token store, at
least :data:`PURGE_GRACE` seconds on (:func:`purge_retired`), by when every answer begun on an
older generation has ended. A reader sees the old document or the new one, each in a whole
generation.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Table, delete, select, update

from ..corpora import Document
from ..errors import InputError
from ..schema import (
    Database,
    DocumentHashRow,
    DocumentRow,
    ManifestRow,
    SenseRow,
    SentenceRow,
    ShardRow,
    TokenRow,
    TokenSenseRow,
    WordNetSenseRow,
)
from .directory import IndexDirectory
from .fold import RETIRED, add_rows, add_to_rows, locate
from .wordnet import CORPUS as WORDNET_CORPUS


@dataclass(frozen=True)
class Indexed:
    """A document already in the index: its row id and content hash (None: indexed before
    hashes were kept)."""

    row_id: int
    sha256: str | None


def indexed_documents(directory: IndexDirectory, corpus: str) -> dict[str, Indexed]:
    """Every document of ``corpus`` in the index, by name."""
    with directory.db.session() as session:
        rows = session.execute(
            select(DocumentRow.key, DocumentRow.id, DocumentHashRow.sha256)
            .outerjoin(DocumentHashRow, DocumentHashRow.document_id == DocumentRow.id)
            .where(DocumentRow.corpus == corpus)).all()
    return {key: Indexed(row_id, sha) for key, row_id, sha in rows}


def indexed_hashes(directory: IndexDirectory) -> dict[str, tuple[str, str]]:
    """The content hash of every document in the index (WordNet's left out; a replaced or
    deleted one has none) -> its corpus and name."""
    with directory.db.session() as session:
        rows = session.execute(
            select(DocumentHashRow.sha256, DocumentRow.corpus, DocumentRow.key)
            .join(DocumentRow, DocumentRow.id == DocumentHashRow.document_id)
            .where(DocumentRow.corpus != WORDNET_CORPUS)).all()
    found: dict[str, tuple[str, str]] = {}
    for sha256, corpus, key in rows:
        found.setdefault(sha256, (corpus, key))
    return found


class Duplicates:
    """Documents whose content is already in the index, or earlier in the job, under
    another corpus or name (a renamed or copied file): skipped unless a job allows
    duplicates. ``known``: :func:`indexed_hashes` (an empty dict for a new index)."""

    def __init__(self, known: dict[str, tuple[str, str]]) -> None:
        self.known = known

    def original(self, document: Document, sha256: str, corpus: str) -> tuple[str, str] | None:
        """The (corpus, name) that already holds ``document``'s content under another
        corpus or name, or None (then the document is recorded as holding it)."""
        found = self.known.setdefault(sha256, (corpus, document.id))
        return None if found == (corpus, document.id) else found

    @staticmethod
    def notice(document: Document, corpus: str, original: tuple[str, str]) -> str:
        """The one line that says a document was skipped and where its content is."""
        return (f'skipped document "{document.id}" of corpus "{corpus}": the same content is '
                f'already indexed as document "{original[1]}" of corpus "{original[0]}" '
                "(--allow-duplicates, allow_duplicates=True, indexes it again)")


def is_indexed(document: Document, sha256: str, indexed: dict[str, Indexed], corpus: str, *,
               replace: bool, path: str | None = None) -> bool:
    """Whether ``document`` (content hash ``sha256``) is already in the index as it is (skip
    it); False when it is new, or changed and ``replace`` is set. ``path``: the corpus file,
    named in the error.

    Raises:
        InputError: a document of that name with other content is in the index and
            ``replace`` is not set (names the document, the file and ``--replace``).
    """
    known = indexed.get(document.id)
    if known is None:
        return False
    if known.sha256 is None or known.sha256 == sha256:
        return True
    if replace:
        return False
    source = f" in {path}" if path else ""
    raise InputError(f'the index already holds a document "{document.id}" of corpus '
                     f'"{corpus}" with other content than the one{source}. To index the new '
                     "content in its place, add --replace (replace=True); to keep both, give "
                     'this one another name (a "doc" field, or --corpus-name).')


def check_documents(directory: IndexDirectory | None, documents: Iterable[Document],
                    corpus: str, *, replace: bool = False, path: str | None = None,
                    hashes: dict[str, str] | None = None,
                    allow_duplicates: bool = False,
                    to_index: Callable[[Document], object] | None = None) -> int:
    """Read every document once, before anything is written: the reader checks keys, ids and
    structure, and each document is compared with the index's by name and content hash.
    ``directory``: None (or one without an index) for a new index; ``path``: the corpus
    file, named in errors; ``hashes``: filled with each document's content hash by name
    (for a job given these same objects, ``index_documents(hashes=...)``). Returns the
    number of words to index (for a progress bar): a duplicate (:class:`Duplicates`) is
    not counted unless ``allow_duplicates``. ``to_index``: called with each document the
    job will index (in order: those counted), as it is checked (``first_chunk``: the job's
    first chunk is encoded from them while the check reads on).

    Raises:
        InputError: what the reader raises (names the file, line and id), a corpus without
            documents, or a changed document without ``replace`` (see :func:`is_indexed`).
    """
    exists = directory is not None and directory.exists()
    indexed = indexed_documents(directory, corpus) if exists else {}
    duplicates = None if allow_duplicates or corpus == WORDNET_CORPUS else Duplicates(
        indexed_hashes(directory) if exists else {})
    words = read = 0
    for document in documents:
        read += 1
        sha256 = document.content_hash()
        if hashes is not None:
            hashes[document.id] = sha256
        if not is_indexed(document, sha256, indexed, corpus, replace=replace, path=path) \
                and (duplicates is None or duplicates.original(document, sha256, corpus)
                     is None):
            words += sum(len(s.tokens) for s in document.sentences)
            if to_index is not None:
                to_index(document)
    if not read:
        raise InputError("no documents in the corpus (an empty file, or only empty texts?)",
                         path=path)
    return words


class LabelWarnings:
    """The warnings a corpus reader gave (``warned``: the list it appends to as it reads,
    ``InputError`` naming the instance in ``item``) sorted to the documents a job indexes:
    :meth:`take` each such document once the reader has handed it over (a reader warns
    while it reads a document, before it hands it over); :attr:`taken` holds the warnings of
    the documents taken, in the order taken, and every warning that names no instance (it
    cannot be sorted, so it counts)."""

    def __init__(self, warned: list[InputError]) -> None:
        self.warned = warned
        self.taken: list[InputError] = []
        self._unmatched: dict[str, InputError] = {}  # by instance id, not taken yet
        self._sorted = 0  # warnings of ``warned`` sorted into the two above

    def take(self, document: Document) -> None:
        """Move the warnings naming ``document``'s instances to :attr:`taken`."""
        for warning in self.warned[self._sorted:]:
            if warning.item is None:
                self.taken.append(warning)
            else:
                self._unmatched[warning.item] = warning
        self._sorted = len(self.warned)
        if self._unmatched:
            for sentence in document.sentences:
                for token in sentence.tokens:
                    if token.instance_id in self._unmatched:
                        self.taken.append(self._unmatched.pop(token.instance_id))


#: Words of a corpus kept in memory from the check pass for the job (:class:`ReadOnce`): a
#: corpus up to this size is read and parsed once; a larger one is streamed twice. All of
#: SemCor (802,443 words) fits: parsed, it holds 173 MB of Python objects (215 bytes a word,
#: the gold keys included; the unified-XML reader keeps one object per distinct word, lemma
#: and POS), measured by the process's resident size; its job's two chunks of float32
#: vectors take 1.2 GB. Its second parse cost 5.1 of the 37.6 CPU seconds its job spent
#: beyond encoding (scripts/profile_job.py, BENCHMARKS.md).
KEEP_WORDS = 1_000_000


class ReadOnce:
    """A corpus read by the check pass (:meth:`check_pass`) and then by the job
    (:meth:`job_pass`): the documents the check read are handed to the job as they are when
    the whole corpus held at most ``keep_words`` words, so that a corpus that size is not
    read and parsed twice; a larger one is read again, streamed (``read``: a function
    returning a fresh iterator, ``api.corpus_reader``)."""

    def __init__(self, read: Callable[[], Iterator[Document]],
                 keep_words: int | None = None) -> None:
        self._read = read
        self._keep_words = KEEP_WORDS if keep_words is None else keep_words
        self._kept: deque[Document] | None = deque()
        self._complete = False

    def check_pass(self) -> Iterator[Document]:
        """Every document, read now; kept while the words read stay under the limit."""
        words = 0
        for document in self._read():
            if self._kept is not None:
                words += sum(len(s.tokens) for s in document.sentences)
                if words > self._keep_words:
                    self._kept = None
                else:
                    self._kept.append(document)
            yield document
        self._complete = True

    @property
    def hands_over(self) -> bool:
        """Whether :meth:`job_pass` will hand over the very documents the check pass read
        (not a new read)."""
        return self._complete and self._kept is not None

    def job_pass(self) -> Iterator[Document]:
        """The documents again: those kept if the check pass read all of them and kept
        them all (handed over once, each let go as the job takes it, so a document the job
        has committed is freed), else a new read."""
        if self.hands_over:
            kept, self._kept = self._kept, None
            return _drain(kept)
        return self._read()


def _drain(kept: deque[Document]) -> Iterator[Document]:
    """The documents of ``kept``, first to last, each removed as it is taken."""
    while kept:
        yield kept.popleft()


#: A file in the index directory holding the last generation whose commit purged rows.
PURGE_STAMP = ".rows-purged"


def retire_document(directory: IndexDirectory, row_id: int) -> int:
    """Retire document ``row_id`` (see the module's text) in one transaction: subtract its
    folded token vectors from their senses' sums and counts (a WordNet lemma's document:
    its example tokens from its senses' ``examples`` sums, :func:`_unlink_examples`), delete
    its sense links and content hash, and mark its key with :data:`RETIRED` (its sentences
    and tokens stay until :func:`purge_retired`). Returns the number of its tokens. The
    caller holds the lock.

    Raises:
        IndexFormatError: a shard is missing or damaged.
    """
    return retire_documents(directory, [row_id])


def retire_documents(directory: IndexDirectory, row_ids: list[int]) -> int:
    """Retire documents ``row_ids`` as :func:`retire_document` does one, all in one
    transaction (a whole corpus: ``sensedb delete --corpus``), each shard read once.
    Returns the number of their tokens. The caller holds the lock.

    Raises:
        IndexFormatError: a shard is missing or damaged.
    """
    folded = directory.manifest().folded_shards
    with directory.db.session() as session:
        token_ids: list[int] = []
        examples: list[int] = []
        for row_id in row_ids:
            ids = document_token_ids(session, row_id)
            key, corpus = session.execute(select(DocumentRow.key, DocumentRow.corpus)
                                          .where(DocumentRow.id == row_id)).one()
            token_ids += ids
            if corpus == WORDNET_CORPUS:
                examples += ids
            session.execute(delete(DocumentHashRow).where(
                DocumentHashRow.document_id == row_id))
            session.execute(update(DocumentRow).where(DocumentRow.id == row_id)
                            .values(key=f"{key}{RETIRED}{row_id}"))
        if examples:
            _unlink_examples(directory, session, examples)
        _unlink(directory, session, token_ids, folded)
    return len(token_ids)


def retired_documents(session) -> list[int]:
    """The row ids of the retired documents (replaced, rows not yet purged)."""
    return list(session.execute(select(DocumentRow.id).where(
        DocumentRow.key.contains(RETIRED))).scalars())


#: Seconds a retired document's rows are kept after the generation that left them out: an
#: answer begun on an older generation before that (it reloads at its next start) has this
#: long to finish.
PURGE_GRACE = 30.0


def purge_retired(directory: IndexDirectory, session, generation: int,
                  now: float | None = None) -> list[int]:
    """Called by the token store's rebuild in the transaction that makes ``generation``
    current, a generation built without any retired document's tokens (``TokenRows.fetch``).
    Deletes the rows of the documents left out by a rebuild at least :data:`PURGE_GRACE`
    seconds ago (the manifest's ``retired``: every open index that began an answer since
    reloaded first) and records the documents retired since as left out of ``generation``.
    Returns those: the caller, once its transaction has committed, writes
    :data:`PURGE_STAMP` so that an open index of an older generation reloads at its next
    answer (``SenseIndex.keep_whole``). ``now``: the time (``time.time()``)."""
    now = time.time() if now is None else now
    row = session.get(ManifestRow, "retired")
    entries = json.loads(row.value) if row is not None else []
    entries = entries if isinstance(entries, list) else []
    due = [e for e in entries if now - float(e["time"]) >= PURGE_GRACE]
    kept = [e for e in entries if e not in due]
    if due:
        _delete_rows(session, [int(d) for e in due for d in e["documents"]])
    listed = {int(d) for e in kept for d in e["documents"]}
    new = [d for d in retired_documents(session) if d not in listed]
    if new:
        kept.append({"generation": generation, "time": now, "documents": new})
    if due or new:
        directory.set_manifest(session, retired=kept)
    return new


def announce_purge(directory: IndexDirectory, generation: int) -> None:
    """Write :data:`PURGE_STAMP`: rows of generations older than ``generation`` go at the
    next rebuild of the token store (read by ``SenseIndex.keep_whole`` with one ``stat``)."""
    stamp = directory.path / PURGE_STAMP
    stamp.with_suffix(".tmp").write_text(str(generation))
    os.replace(stamp.with_suffix(".tmp"), stamp)


def left_out_documents(directory: IndexDirectory) -> set[int]:
    """The retired documents whose rows the current generation does not hold (the
    manifest's ``retired``, purged at the next rebuild): ``verify`` expects no vectors of
    theirs."""
    return left_out(directory.db.manifest())


def left_out(manifest: dict) -> set[int]:
    """:func:`left_out_documents` from the manifest's entries (``Database.manifest``)."""
    entries = manifest.get("retired") or []
    return {int(d) for e in entries if isinstance(e, dict) for d in e.get("documents", [])}


def document_token_ids(session, document_id: int) -> list[int]:
    """The row ids of document ``document_id``'s tokens."""
    sentence_ids = select(SentenceRow.id).where(SentenceRow.document_id == document_id)
    return list(session.execute(select(TokenRow.id).where(
        TokenRow.sentence_id.in_(sentence_ids))).scalars())


def _delete_rows(session, document_ids: list[int]) -> None:
    """Delete the documents' sentences, tokens (with any links left) and rows."""
    for doc_id in document_ids:
        token_ids = document_token_ids(session, doc_id)
        for part in Database.in_batches(token_ids):
            session.execute(delete(TokenSenseRow).where(TokenSenseRow.token_id.in_(part)))
            session.execute(delete(TokenRow).where(TokenRow.id.in_(part)))
        session.execute(delete(SentenceRow).where(SentenceRow.document_id == doc_id))
        session.execute(delete(DocumentHashRow).where(DocumentHashRow.document_id == doc_id))
        session.execute(delete(DocumentRow).where(DocumentRow.id == doc_id))


def _unlink(directory: IndexDirectory, session, token_ids: list[int],
            folded: int | None) -> None:
    """Take the tokens' vectors out of their senses' sums (those already folded) and delete
    their sense links."""
    links = [] if not token_ids else [
        link for part in Database.in_batches(token_ids) for link in session.execute(
            select(TokenSenseRow.token_id, TokenSenseRow.sense_id, TokenRow.shard_id)
            .join(TokenRow, TokenRow.id == TokenSenseRow.token_id)
            .where(TokenSenseRow.token_id.in_(part))).all()]
    links = [(t, s, shard) for t, s, shard in links if folded is None or shard <= folded]
    if links:
        _subtract(directory, session, links)
    for part in Database.in_batches(token_ids):
        session.execute(delete(TokenSenseRow).where(TokenSenseRow.token_id.in_(part)))


def _unlink_examples(directory: IndexDirectory, session, token_ids: list[int]) -> None:
    """Take WordNet example tokens out of their senses' ``examples`` sums and counts
    (``wordnet_senses``): a lemma's document adds them there when it is committed
    (``chunks._add_examples``), each token to every key of its ``sense_keys``, with no sense
    link. Left in, a deleted lemma's examples kept answering ``example_cos`` and its next
    query, which adds the lemma again, counted them twice; taken out, that query leaves the
    rows as a fresh index's (the sums of a few float16 vectors are exact in float64)."""
    tokens = [row for part in Database.in_batches(token_ids) for row in session.execute(
        select(TokenRow.id, TokenRow.sense_keys, TokenRow.shard_id)
        .where(TokenRow.id.in_(part))).all()]
    keys = sorted({key for _, found, _ in tokens for key in found.split()})
    rows = {} if not keys else {key: row_id for part in Database.in_batches(keys)
                                for key, row_id in session.execute(
        select(WordNetSenseRow.key, WordNetSenseRow.id).where(
            WordNetSenseRow.key.in_(part), WordNetSenseRow.source == "examples")).all()}
    links = [(token, rows[key], shard) for token, found, shard in tokens
             for key in dict.fromkeys(found.split()) if key in rows]
    if links:
        _subtract(directory, session, links, WordNetSenseRow.__table__)


def _subtract(directory: IndexDirectory, session, links: list[tuple[int, int, int]],
              table: Table = SenseRow.__table__) -> None:
    """Take the vectors of the linked tokens ((token id, row id of ``table``, shard id) each)
    out of the rows' float64 sums and counts (corpus senses, or WordNet's ``examples``
    rows): adding their negatives."""
    token_of_link = np.asarray([t for t, _, _ in links], dtype=np.int64)
    sense_ids, sense_of_link = np.unique(np.asarray([s for _, s, _ in links], dtype=np.int64),
                                         return_inverse=True)
    dim = directory.manifest().encoder.dim
    sums = np.zeros((len(sense_ids), dim), dtype=np.float64)
    shard_of_link = np.asarray([shard for _, _, shard in links], dtype=np.int64)
    paths = dict(session.execute(select(ShardRow.id, ShardRow.path).where(
        ShardRow.id.in_(sorted({shard for _, _, shard in links})))).all())
    for shard_id, path in paths.items():
        data = directory.load_shard(path)
        rows, here = locate(data["ids"], np.argsort(data["ids"]), token_of_link)
        here &= shard_of_link == shard_id  # each token's vector from its own shard only
        add_rows(sums, sense_of_link[here], data["vectors"], rows[here])
    counts = np.bincount(sense_of_link, minlength=len(sense_ids))
    np.negative(sums, out=sums)
    add_to_rows(session, table, sense_ids, -counts, sums)
