"""Document identity: which documents of a job are already in the index, which are changed,
and removing a changed one before it is indexed again (``replace``).

A document is identified by its corpus and name *and* by the SHA-256 of its content
(``Document.content_hash``, kept in ``document_hashes``): the same name with the same hash is
already there (skipped, so a crashed job resumes); the same name with another hash is refused
unless the job replaces it. Documents indexed before hashes were kept have no hash and are
compared by name only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, select

from ..corpora import Document
from ..errors import InputError
from ..schema import (
    Database,
    DocumentHashRow,
    DocumentRow,
    SenseRow,
    SentenceRow,
    ShardRow,
    TokenRow,
    TokenSenseRow,
)
from .directory import IndexDirectory
from .fold import add_rows, add_to_rows, locate


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
                    corpus: str, *, replace: bool = False, path: str | None = None) -> int:
    """Read every document once, before anything is written: the reader checks keys, ids and
    structure, and each document is compared with the index's by name and content hash.
    ``directory``: None (or one without an index) for a new index; ``path``: the corpus
    file, named in errors. Returns the number of words to index (for a progress bar).

    Raises:
        InputError: what the reader raises (names the file, line and id), a corpus without
            documents, or a changed document without ``replace`` (see :func:`is_indexed`).
    """
    indexed = indexed_documents(directory, corpus) if directory is not None \
        and directory.exists() else {}
    words = read = 0
    for document in documents:
        read += 1
        if not is_indexed(document, document.content_hash(), indexed, corpus,
                          replace=replace, path=path):
            words += sum(len(s.tokens) for s in document.sentences)
    if not read:
        raise InputError("no documents in the corpus (an empty file?)", path=path)
    return words


def remove_document(directory: IndexDirectory, row_id: int) -> int:
    """Remove document ``row_id`` with its sentences, tokens and sense links in one
    transaction, subtracting its folded token vectors from their senses' sums and counts
    (the FAISS stores drop them at the job's rebuild; the shards keep the unused vectors).
    Returns the number of tokens removed. The caller holds the lock.

    Raises:
        IndexFormatError: a shard is missing or damaged.
    """
    folded = directory.manifest().folded_shards
    with directory.db.session() as session:
        sentence_ids = select(SentenceRow.id).where(SentenceRow.document_id == row_id)
        tokens = session.execute(select(TokenRow.id, TokenRow.shard_id)
                                 .where(TokenRow.sentence_id.in_(sentence_ids))).all()
        token_ids = [t for t, _ in tokens]
        links = [] if not tokens else [
            link for part in Database.in_batches(token_ids) for link in session.execute(
                select(TokenSenseRow.token_id, TokenSenseRow.sense_id, TokenRow.shard_id)
                .join(TokenRow, TokenRow.id == TokenSenseRow.token_id)
                .where(TokenSenseRow.token_id.in_(part))).all()]
        links = [(t, s, shard) for t, s, shard in links if folded is None or shard <= folded]
        if links:
            _subtract(directory, session, links)
        for part in Database.in_batches(token_ids):
            session.execute(delete(TokenSenseRow).where(TokenSenseRow.token_id.in_(part)))
            session.execute(delete(TokenRow).where(TokenRow.id.in_(part)))
        session.execute(delete(SentenceRow).where(SentenceRow.document_id == row_id))
        session.execute(delete(DocumentHashRow).where(DocumentHashRow.document_id == row_id))
        session.execute(delete(DocumentRow).where(DocumentRow.id == row_id))
    return len(token_ids)


def _subtract(directory: IndexDirectory, session, links: list[tuple[int, int, int]]) -> None:
    """Take the vectors of the linked tokens ((token id, sense id, shard id) each) out of the
    senses' float64 sums and counts: adding their negatives."""
    token_of_link = np.asarray([t for t, _, _ in links], dtype=np.int64)
    sense_ids, sense_of_link = np.unique(np.asarray([s for _, s, _ in links], dtype=np.int64),
                                         return_inverse=True)
    dim = directory.manifest().encoder.dim
    sums = np.zeros((len(sense_ids), dim), dtype=np.float64)
    paths = dict(session.execute(select(ShardRow.id, ShardRow.path).where(
        ShardRow.id.in_(sorted({shard for _, _, shard in links})))).all())
    for path in paths.values():
        data = directory.load_shard(path)
        rows, here = locate(data["ids"], np.argsort(data["ids"]), token_of_link)
        add_rows(sums, sense_of_link[here], data["vectors"], rows[here])
    counts = np.bincount(sense_of_link, minlength=len(sense_ids))
    np.negative(sums, out=sums)
    add_to_rows(session, SenseRow.__table__, sense_ids, -counts, sums)
