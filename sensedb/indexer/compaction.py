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

from ..errors import InputError
from ..schema import DocumentRow
from .directory import EXAMPLES, SENSES, TOKENS, WORDNET, IndexDirectory
from .documents import retire_document
from .rebuild import finalize
from .wordnet import CORPUS as WORDNET_CORPUS


def delete_document(directory: IndexDirectory, document: str,
                    corpus: str | None = None) -> int:
    """Delete document ``document`` (its name in its corpus; ``corpus`` picks among
    corpora that share the name) as a new generation without it (module docstring: its rows
    are purged after the grace period); returns the number of tokens removed.

    Raises:
        InputError: no such document, or the name is in several corpora and ``corpus`` is
            not given (names them).
        IndexLockedError: another process is writing the index.
        IndexFormatError: no index here, or a shard is missing or damaged."""
    directory.manifest()
    with directory.lock():
        statement = select(DocumentRow.id, DocumentRow.corpus).where(DocumentRow.key == document)
        if corpus is not None:
            statement = statement.where(DocumentRow.corpus == corpus)
        with directory.db.session() as session:
            found = session.execute(statement).all()
        if not found:
            where = f" in corpus {corpus}" if corpus else ""
            raise InputError(f"no document {document!r}{where} in {directory.path}",
                             item=document)
        if len(found) > 1:
            raise InputError(f"document {document!r} is in corpora "
                             f"{', '.join(sorted(c for _, c in found))}: give --corpus",
                             item=document)
        row_id, its_corpus = found[0]
        removed = retire_document(directory, row_id)
        # the corpus token store is always written: its generation lists what is left out
        # (rebuild.finalize); a WordNet document's tokens are in the examples' store
        finalize(directory, (TOKENS, EXAMPLES, WORDNET) if its_corpus == WORDNET_CORPUS
                 else (TOKENS, SENSES))
    return removed


def compact(directory: IndexDirectory) -> None:
    """Build the token stores (``tokens``, ``examples``) anew from every shard, as one new
    generation.

    Raises:
        IndexLockedError: another process is writing the index.
        IndexFormatError: no index here, or a shard is missing or damaged."""
    directory.manifest()
    with directory.lock():
        finalize(directory, (TOKENS, EXAMPLES), compact=True)
