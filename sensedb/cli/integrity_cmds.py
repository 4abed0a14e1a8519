"""Commands that check and mend an index: ``verify``, ``repair``."""

from __future__ import annotations

import sys

import click

from . import INDEX_HELP, cli, emit, output_options


def _index_dir(index_dir: str | None) -> str:
    if index_dir is not None:
        return index_dir
    from ..paths import default_index_dir

    return str(default_index_dir())


@cli.command()
@click.option("--index", "index_dir", type=click.Path(file_okay=False), default=None,
              help=INDEX_HELP)
@click.option("--db", "db_url", default=None,
              help="SQLAlchemy database URL of the metadata (default: DIR/sensedb.sqlite).")
@click.option("--deep", is_flag=True,
              help="Also re-read every file against its checksum, compare the shards with the "
                   "FAISS files, run SQLite's integrity check and re-encode a few sentences.")
@output_options
def verify(index_dir, db_url, deep, as_json):
    """Check an index and report every problem found, each with its file and what to do;
    exit status 1 if any. Writes nothing.

    Example:

        sensedb verify --index ./semcor-index --deep
    """
    from ..indexer.verify import verify as run_verify

    report = run_verify(_index_dir(index_dir), deep=deep, db_url=db_url)
    emit(report.to_dict(), as_json, lambda r: "\n".join(
        [f"{p['file']}: {p['message']}; {p['action']}" for p in r["problems"]]
        + [f"{r['path']}: {'ok' if r['ok'] else _problems(len(r['problems']))} "
           f"({'deep' if deep else 'fast'} check, {r['verified']} files checksummed, "
           f"{len(r['unverified'])} without a checksum, {r['seconds']:.1f} s)"]))
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.option("--index", "index_dir", type=click.Path(file_okay=False), default=None,
              help=INDEX_HELP)
@click.option("--db", "db_url", default=None,
              help="SQLAlchemy database URL of the metadata (default: DIR/sensedb.sqlite).")
@click.option("--corpus", type=click.Path(dir_okay=False), default=None,
              help="The corpus to re-index the documents of damaged shards from.")
@click.option("--gold", type=click.Path(dir_okay=False), default=None,
              help="Its gold key file (default: CORPUS with .gold.key.txt for .data.xml).")
@output_options
def repair(index_dir, db_url, corpus, gold, as_json):
    """Rebuild every derived file (FAISS files, group tables, sense sums and vectors) from
    the raw shards and the database into a new generation; re-index the documents of damaged
    shards from --corpus.

    Example:

        sensedb repair --index ./semcor-index --corpus semcor.data.xml
    """
    from ..indexer.repair import repair as run_repair

    report = run_repair(_index_dir(index_dir), db_url=db_url, corpus=corpus, gold=gold,
                        progress=not as_json)
    emit(report.to_dict(), as_json, lambda r: (
        f"{r['path']}: rebuilt as generation {r['generation']} in {r['seconds']:.1f} s"
        + (f"; dimension set to {r['dimension']}" if r["dimension"] else "")
        + (f"; re-indexed {len(r['reindexed'])} documents in {r['reindex_seconds']:.1f} s"
           if r["reindexed"] else "")))


def _problems(n: int) -> str:
    """"1 problem", "2 problems"."""
    return f"{n} problem" + ("" if n == 1 else "s")
