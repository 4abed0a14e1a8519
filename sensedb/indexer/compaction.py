"""Deleting a document and compacting the token stores, each as one new generation.

``delete_document`` takes a document out the way a replaced one leaves
(``documents.retire_document``): in one transaction its token vectors leave their senses'
sums and its sense links go, while its sentences and token rows stay for readers of the
current generation; then the stores it touched are written as a new generation without its
tokens (a partitioned token store drops them from its lemma lists, a flat one is rebuilt),
the manifest lists the document as left out, and an open index reloads at its next answer.
Its rows are deleted by a later rebuild of the token store at least
``documents.PURGE_GRACE`` seconds on (``documents.purge_retired``). A reader sees the
document whole or not at all. ``compact`` builds the token stores anew from
every shard (a partitioned store's codec trained again on all its tokens), so that what
many appends and deletions left answers exactly as a one-shot build of the same tokens.

Both hold the index's writer lock; readers keep the generation they opened (its files are
memory-mapped or read whole, and a deleted file stays readable to whoever has it open) until
they ``reload``.
"""

from __future__ import annotations

from sqlalchemy import select

from ..corpora.tokenize import check_text
from ..errors import InputError
from ..schema import DocumentRow
from .directory import EXAMPLES, SENSES, TOKENS, WORDNET, IndexDirectory
from .documents import (
    document_token_ids,
    left_out_documents,
    retire_document,
    retire_documents,
)
from .fold import RETIRED
from .rebuild import finalize
from .wordnet import CORPUS as WORDNET_CORPUS


def delete_document(directory: IndexDirectory, document: str,
                    corpus: str | None = None) -> int:
    """Delete document ``document`` (its name in its corpus; ``corpus`` picks among
    corpora that share the name) as a new generation without it (module docstring: its rows
    are purged after the grace period); returns the number of tokens removed. Run again
    after a crash that left the document retired but still in the current generation, it
    finishes the deletion.

    Raises:
        InputError: no such document, the name is in several corpora and ``corpus`` is
            not given (names them), or a name holds a control character (U+001F would name
            a retired document: ``fold.RETIRED``).
        IndexLockedError: another process is writing the index.
        IndexFormatError: no index here, or a shard is missing or damaged."""
    _check_names(document, corpus)
    directory.manifest()
    with directory.lock():
        statement = select(DocumentRow.id, DocumentRow.corpus).where(DocumentRow.key == document)
        if corpus is not None:
            statement = statement.where(DocumentRow.corpus == corpus)
        with directory.db.session() as session:
            found = session.execute(statement).all()
        if not found:
            unfinished = _unfinished(directory, document, corpus)
            if unfinished:  # a delete killed after retiring it: its generation now
                finalize(directory, _stores(unfinished[0][1]))
                return unfinished[0][2]
            where = f" in corpus {corpus}" if corpus else ""
            raise InputError(f"no document {document!r}{where} in {directory.path}",
                             item=document)
        if len(found) > 1:
            raise InputError(f"document {document!r} is in corpora "
                             f"{', '.join(sorted(c for _, c in found))}: give --corpus",
                             item=document)
        row_id, its_corpus = found[0]
        removed = retire_document(directory, row_id)
        finalize(directory, _stores(its_corpus))
    return removed


def _check_names(document: str | None, corpus: str | None) -> None:
    """A document or corpus name to delete under the input policy
    (``tokenize.check_text``): a control character, U+001F above all, which marks a retired
    document's key, is refused (``delete --document $'d1\\x1fretired:1'`` retired a retired
    document again; a breaker's).

    Raises:
        InputError: names the character and its position."""
    if document is not None:
        check_text(document, "the document name")
    if corpus is not None:
        check_text(corpus, "the corpus name")


def delete_corpus(directory: IndexDirectory, corpus: str) -> tuple[int, int]:
    """Delete every document of ``corpus`` as one new generation without them: all are
    retired in one transaction (``documents.retire_documents``), then the stores are
    written once. Returns (documents, tokens) removed. Run again after a crash that left
    them retired but still in the current generation, it finishes the deletion.

    Raises:
        InputError: the index holds no document of ``corpus`` (names the corpora it holds),
            or the name holds a control character.
        IndexLockedError: another process is writing the index.
        IndexFormatError: no index here, or a shard is missing or damaged."""
    _check_names(None, corpus)
    directory.manifest()
    live = DocumentRow.key.not_like(f"%{RETIRED}%")
    with directory.lock():
        with directory.db.session() as session:
            row_ids = list(session.execute(select(DocumentRow.id).where(
                DocumentRow.corpus == corpus, live)).scalars())
            retired = [] if row_ids else list(session.execute(select(DocumentRow.id).where(
                DocumentRow.corpus == corpus, ~live)).scalars())
            corpora = [] if row_ids else sorted(set(session.execute(
                select(DocumentRow.corpus).where(live)).scalars()))
        if not row_ids:
            left = left_out_documents(directory)
            unfinished = [i for i in retired if i not in left]
            if not unfinished:
                raise InputError(f"no corpus {corpus!r} in {directory.path} (it holds: "
                                 f"{', '.join(corpora) or 'no corpus'})", item=corpus)
            with directory.db.session() as session:
                tokens = sum(len(document_token_ids(session, i)) for i in unfinished)
            finalize(directory, _stores(corpus))  # a delete killed after retiring them
            return len(unfinished), tokens
        removed = retire_documents(directory, row_ids)
        finalize(directory, _stores(corpus))
    return len(row_ids), removed


def _stores(corpus: str) -> tuple[str, ...]:
    """The stores a deletion from ``corpus`` writes anew. The corpus token store is always
    written: its generation lists what is left out (``rebuild.finalize``); a WordNet
    document's tokens are in the examples' store."""
    return (TOKENS, EXAMPLES, WORDNET) if corpus == WORDNET_CORPUS else (TOKENS, SENSES)


def _unfinished(directory: IndexDirectory, document: str,
                corpus: str | None) -> list[tuple[int, str, int]]:
    """``(row id, corpus, tokens)`` of each document named ``document`` (in ``corpus`` when
    given) that a deletion retired but no generation has left out yet: the deletion was
    killed between ``retire_document`` and its rebuild, so the current generation still
    answers with the document's tokens while its name is gone."""
    statement = select(DocumentRow.id, DocumentRow.corpus).where(
        DocumentRow.key.startswith(f"{document}{RETIRED}", autoescape=True))
    if corpus is not None:
        statement = statement.where(DocumentRow.corpus == corpus)
    left = left_out_documents(directory)
    with directory.db.session() as session:
        found = [(i, c) for i, c in session.execute(statement).all() if i not in left]
        return [(i, c, len(document_token_ids(session, i))) for i, c in found]


def compact(directory: IndexDirectory) -> None:
    """Build the token stores (``tokens``, ``examples``) anew from every shard, as one new
    generation.

    Raises:
        IndexLockedError: another process is writing the index.
        IndexFormatError: no index here, or a shard is missing or damaged."""
    directory.manifest()
    with directory.lock():
        finalize(directory, (TOKENS, EXAMPLES), compact=True)
