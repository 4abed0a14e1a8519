"""Commands that change an index's token stores in place: ``delete`` and ``compact``."""

from __future__ import annotations

import click

from . import cli, emit, output_options


@cli.command()
@click.option("--index", "index_dir", type=click.Path(file_okay=False), required=True,
              help="Index directory (the default index is $SENSEDB_HOME/default-index-<the "
                   "first 12 hex digits of the head's SHA-256>; `sensedb default-index` "
                   "prints its path).")
@click.option("--document", default=None,
              help="Name of the document to delete (without it, --corpus deletes the whole "
                   "corpus).")
@click.option("--corpus", default=None,
              help="Corpus of the document (needed when several corpora have that name); "
                   "alone, the corpus to delete, every document of it.")
@click.option("--db", "db_url", default=None, help="SQLAlchemy database URL for metadata.")
@output_options
def delete(index_dir, document, corpus, db_url, as_json):
    """Delete a document, or with --corpus alone a whole corpus: its tokens leave the token
    store and its senses' sums in a new generation; readers see it whole until they reload
    (its rows are purged by a rebuild at least 30 s later). A corpus goes in one
    transaction and one generation. Run again after a crash, it finishes the deletion. A
    WordNet lemma's example document (--corpus wordnet, NAME lemma.POS) comes back, as a
    fresh index would add it, at the next query that needs the lemma.

    Example:

        sensedb delete --index ./semcor-index --document d001

        sensedb delete --index ./semcor-index --corpus mine1copy
    """
    from ..indexer import IndexDirectory
    from ..indexer.compaction import delete_corpus, delete_document

    if document is None and corpus is None:
        raise click.UsageError("give --document NAME, --corpus NAME, or both")
    directory = IndexDirectory(index_dir, db_url)
    try:
        if document is None:
            documents, removed = delete_corpus(directory, corpus)
        else:
            documents, removed = 1, delete_document(directory, document, corpus)
    finally:
        directory.close()
    if document is None:
        emit({"corpus": corpus, "documents_removed": documents, "tokens_removed": removed},
             as_json, lambda r: f"deleted corpus {r['corpus']}: {r['documents_removed']} "
                                f"documents, {r['tokens_removed']} tokens")
    else:
        emit({"document": document, "tokens_removed": removed}, as_json,
             lambda r: f"deleted document {r['document']}: {r['tokens_removed']} tokens")


@cli.command()
@click.option("--index", "index_dir", type=click.Path(file_okay=False), required=True,
              help="Index directory.")
@click.option("--db", "db_url", default=None, help="SQLAlchemy database URL for metadata.")
@output_options
def compact(index_dir, db_url, as_json):
    """Build the token stores anew from the raw vectors (a partitioned store's codes trained
    again on all its tokens), folding what appends and deletions left: the answers then
    equal those of a one-shot build.

    Example:

        sensedb compact --index ./semcor-index
    """
    from ..indexer import IndexDirectory
    from ..indexer.compaction import compact as compact_stores

    directory = IndexDirectory(index_dir, db_url)
    try:
        compact_stores(directory)
        generations = directory.manifest().generations
    finally:
        directory.close()
    emit({"generations": generations}, as_json,
         lambda r: "compacted: generations " + ", ".join(
             f"{name} {number}" for name, number in r["generations"].items()))
