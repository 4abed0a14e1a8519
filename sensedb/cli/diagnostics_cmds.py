"""Commands that look inside an index or the model: ``stats`` (anisotropy), ``keywords``
(attention) and ``plot`` (a 2-D picture of a lemma's usages)."""

from __future__ import annotations

import click

from . import cli, emit, index_options, output_options, pos_option


@cli.command()
@index_options
@click.option("--sentences", default=300, show_default=True,
              help="Sentences sampled from the index (all of them if it has fewer).")
@click.option("--pairs", default=20000, show_default=True,
              help="Random token pairs from different sentences.")
@click.option("--seed", default=0, show_default=True, help="Seed of the sample.")
@output_options
def stats(index, sentences, pairs, seed, as_json):
    """Anisotropy of the index's space, layer by layer: the expected cosine of random tokens
    from different sentences (Ethayarajh 2019), raw and z-scored, and the rogue dimensions
    that carry it (Timkey & van Schijndel 2021), on a sample of the index's sentences.

    Example:

        sensedb stats --index ./semcor-index --sentences 300
    """
    from ..retriever.diagnostics import anisotropy, format_anisotropy

    report = anisotropy(index, sample_sentences=sentences, pairs=pairs, seed=seed)
    emit(report, as_json, format_anisotropy)


@cli.command()
@click.argument("sentence")
@output_options
def keywords(sentence, as_json):
    """The words of SENTENCE ranked by the attention they receive in the default model's
    last layer (heads averaged, summed over query words, [CLS]/[SEP] left out; scores sum
    to 1). No index is needed; the sentence must fit in one model window (254 word
    pieces for the default model).

    Example:

        sensedb keywords "The bank raised the interest rates"
    """
    from ..retriever.diagnostics import attention_keywords

    ranked = attention_keywords(sentence)
    emit(ranked, as_json, lambda rows: "\n".join(
        f"{row['score']:.3f}  {'#' * round(row['score'] * 100):<30} {row['word']} "
        f"({row['position']})" for row in rows))


@cli.command()
@click.argument("lemma")
@index_options
@pos_option("Only this part of speech (default: all the lemma has).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="FILE.png (or .svg, .pdf; needs matplotlib) or FILE.html (interactive). "
                   "Default: plot_LEMMA.png.")
@click.option("--query", default=None,
              help="A sentence using the lemma: its usage is drawn as a star.")
@click.option("--method", type=click.Choice(["auto", "pca", "umap"]), default="auto",
              show_default=True, help="Projection; auto = UMAP if umap-learn is installed.")
@output_options
def plot(lemma, index, pos, out, query, method, as_json):
    """Picture of every indexed usage of LEMMA in 2-D, one colour per gold sense, with the
    usage of --query as a star in the same projection.

    Example:

        sensedb plot bank --index ./semcor-index --out bank.png --query "I sat on the bank"
    """
    from ..plot import plot_lemma

    result = plot_lemma(index, lemma, pos=pos, out=out, query=query, method=method)
    emit(result, as_json, lambda r: (
        f"{r['out']}: {r['points']} usages of {r['lemma']} ({', '.join(r['pos'])}), "
        f"{len(r['senses'])} senses, {r['method']}"))
