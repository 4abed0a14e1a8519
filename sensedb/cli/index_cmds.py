"""Commands that build or describe an index: ``index``, ``info``, ``default-index``
(``verify`` and ``repair`` are in ``integrity_cmds``)."""

from __future__ import annotations

import json
import shutil

import click

from ..vocabulary import POS_TAGS
from . import cli, emit, head_options, index_options, output_options


@cli.command()
@click.argument("corpus", type=click.Path(dir_okay=False))
@click.option("--gold", type=click.Path(dir_okay=False), default=None,
              help="Gold key file (default: CORPUS with .gold.key.txt for .data.xml).")
@click.option("--index", "index_dir", type=click.Path(file_okay=False), required=True,
              help="Index directory to create or add to.")
@click.option("--corpus-name", default=None,
              help="Name of the corpus (default: file stem; 'wordnet' is sensedb's own).")
@click.option("--model", default=None,
              help="sentence-transformers / Hugging Face model name or path "
                   "(default: all-MiniLM-L6-v2, embedded).")
@click.option("--layers", default=None,
              help="'last', 'last4' or layer numbers like '3,4,5,6' (new index: last; "
                   "an existing index's own).")
@click.option("--pooling", type=click.Choice(["mean", "sum"]), default=None,
              help="How the chosen layers are combined (new index: mean).")
@click.option("--standardize/--no-standardize", default=None,
              help="z-score vectors with the corpus mean and deviation before the cosine "
                   "(new index: no).")
@click.option("--replace", is_flag=True,
              help="Index a document already in the index with other content in place of "
                   "the old one (without it, such a document is refused).")
@click.option("--unchecked-labels", is_flag=True,
              help="Index labels whose words cannot be their key's lemma by WordNet's "
                   "morphology (without it, such a JSONL label is refused as one on the "
                   "wrong token; a unified-XML one is indexed with a warning).")
@click.option("--allow-duplicates", is_flag=True,
              help="Index a document whose content the index already holds under another "
                   "corpus or name (without it, such a document, a copied or renamed "
                   "file's, is skipped with a line on stderr).")
@click.option("--store", type=click.Choice(["flat", "sq8", "pq", "rabitq"]), default=None,
              help="Token store type: flat (exact float32), sq8 (8-bit scalar codes), pq "
                   "(48-byte product codes) or rabitq (1-bit codes), each lossy one re-ranked "
                   "exactly from the raw vectors (README: Token stores). Default: flat under "
                   "100,000 corpus tokens, rabitq from there on. An existing index keeps its "
                   "own unless given.")
@click.option("--db", "db_url", default=None,
              help="SQLAlchemy database URL for metadata (default DIR/sensedb.sqlite). "
                   "Example: postgresql+psycopg://user@host/sensedb (sensedb[postgres]).")
@click.option("--device", default=None, help="torch device (default: cuda if available).")
@click.option("--batch-tokens", type=click.IntRange(min=1), default=None,
              help="Padded word pieces per encoder batch (default 4096 on a CPU, 65536 on a "
                   "GPU). Example: --batch-tokens 8192")
@click.option("--dtype", type=click.Choice(["fp32", "bf16", "fp16"]), default=None,
              help="The model's floating-point type for a new index (default fp32; fp16 on "
                   "a GPU only); recorded in the index, which refuses vectors of another. "
                   "Example: --dtype bf16")
@click.option("--pipeline/--no-pipeline", default=None,
              help="Overlap reading, encoding and writing in threads (default: on a GPU or "
                   "a CPU of two or more cores; where torch fills the cores, the encoder "
                   "gives the writer one while it commits). Example: --no-pipeline")
@click.option("--ray", "ray_address", is_flag=False, flag_value="local", default=None,
              metavar="[ADDRESS]",
              help="Encode on Ray: a local runtime, or the cluster at ADDRESS (needs "
                   "sensedb[ray]). Example: --ray, --ray ray://head:10001")
@click.option("--ray-workers", default=2, show_default=True,
              help="Encoder workers on Ray (one model load each).")
@head_options
@output_options
def index(corpus, gold, index_dir, corpus_name, model, layers, pooling, standardize, replace,
          unchecked_labels, allow_duplicates, store, db_url, device, batch_tokens, dtype,
          pipeline, ray_address, ray_workers, head, as_json):
    """Index every labelled token and sense of CORPUS (unified XML of Raganato et al. 2017
    with its gold keys, or JSONL). Adding a second corpus updates the sense means; running
    the same command again after a crash resumes where it stopped.

    Example:

        sensedb index semcor.data.xml --gold semcor.gold.key.txt --index ./semcor-index

        sensedb index more.data.xml --index ./semcor-index --store sq8

        sensedb index semcor.data.xml --index ./semcor-bf16 --dtype bf16 --pipeline

        sensedb index semcor.data.xml --index ./semcor-index --ray \\
            --db postgresql+psycopg://me@dbhost/semcor
    """
    from ..api import build_index

    report = build_index(corpus, index_dir, gold=gold, corpus_name=corpus_name, model=model,
                         layers=layers, pooling=pooling, standardize=standardize,
                         db_url=db_url, device=device, batch_tokens=batch_tokens,
                         progress=not as_json, replace=replace, store=store,
                         ray=ray_address, ray_workers=ray_workers, head=head, dtype=dtype,
                         pipeline=pipeline, unchecked_labels=unchecked_labels,
                         allow_duplicates=allow_duplicates)
    for notice in report.notices:
        click.echo(notice, err=True)
    emit(report.to_dict(), as_json, lambda r: (
        f"indexed {r['documents']} documents ({r['skipped_documents']} already there"
        + (f", {r['duplicate_documents']} duplicates skipped" if r["duplicate_documents"]
           else "") + "), "
        f"{r['sentences']} sentences, {r['tokens']} labelled tokens"
        + (f" ({r['implausible_labels']} whose words cannot be their key's lemma)"
           if r["implausible_labels"] else "") + ", "
        f"{r['senses_touched']} senses in {r['seconds']:.1f} s: "
        f"{r['words_per_second']:.0f} words/s"))


@cli.command()
@index_options
@click.option("--check", is_flag=True,
              help="Also run the fast `sensedb verify` (FAISS ids against database rows, file "
                   "sizes and headers, dimensions); exit status 1 on a problem.")
@output_options
def info(index, check, as_json):
    """What an index holds and how it was built.

    Example:

        sensedb info --index ./semcor-index --check
    """
    from ..errors import IndexFormatError
    from ..indexer.verify import verify

    data = index.info()
    if check:
        index.check()
        report = verify(index.directory.path, db_url=index.directory.db_url)
        if not report.ok:
            raise IndexFormatError("; ".join(map(str, report.problems)))
        data["check"] = "ok"
    emit(data, as_json, lambda d: "\n".join(
        f"{k}: {json.dumps(v) if isinstance(v, dict | list) else v}" for k, v in d.items()))


@cli.command("default-index")
@click.option("--rebuild", is_flag=True, help="Delete the default index first.")
@click.option("--all", "build_all", is_flag=True,
              help="Build every WordNet lemma now (one long pass) instead of on first use; "
                   "the vectors also go to the machine's shared WordNet evidence, which any "
                   "index of the default model then reads instead of encoding.")
@output_options
def default_index(rebuild, build_all, as_json):
    """Show, rebuild or fully build the default index (WordNet glosses and examples through
    the default model). It lives in $SENSEDB_HOME/default-index-<the first 12 hex digits
    of the head's SHA-256> (default ~/.local/share/sensedb/...; the path is printed) and
    grows by itself, lemma by lemma, as words are queried.

    Example:

        sensedb default-index --rebuild
    """
    from .. import open as open_index
    from ..paths import default_index_dir

    path = default_index_dir()
    if rebuild and path.exists():
        shutil.rmtree(path)
    index = open_index()
    if build_all:
        pairs = [(lemma, pos) for pos in POS_TAGS for lemma in index.inventory.lemmas(pos)]
        index.ensure(pairs, progress=not as_json)
    data = index.info()
    emit(data, as_json, _default_index_report)


def _default_index_report(d: dict) -> str:
    """The default index's one-line report (``d``: ``SenseIndex.info()``): what it built from
    WordNet (lemmas, the tokens of their usage examples, the sense vectors of glosses and
    examples, one per sense and source), and the corpus senses only when a corpus was added:
    its ``senses`` count is of corpus senses, 0 for WordNet alone, and read "0 senses"."""
    from ..indexer import WORDNET_CORPUS

    line = (f"{d['path']}: {d['corpora'].get(WORDNET_CORPUS, 0)} WordNet lemmas built, "
            f"{d['wordnet_sense_vectors']} WordNet sense vectors (glosses and examples), "
            f"{d['example_vectors']} labelled example usages")
    if d["token_vectors"] or d["senses"]:
        line += f"; corpora: {d['token_vectors']} labelled tokens, {d['senses']} senses"
    return line
