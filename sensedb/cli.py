"""The ``sensedb`` command: a thin layer over the Python API (sensedb.open / build_index)."""

from __future__ import annotations

import functools
import json
import shutil
import sys
from collections.abc import Callable
from typing import Any

import click

from .errors import Error

INDEX_HELP = "Index directory (default: the WordNet default index in the user data dir)."


class _Group(click.Group):
    """Turns sensedb's own errors into one-line messages and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Error as exc:
            raise click.ClickException(str(exc)) from exc


def output_options(function: Callable) -> Callable:
    """``--json`` for every command: machine-readable output instead of text."""
    return click.option("--json", "as_json", is_flag=True,
                        help="Print JSON instead of text.")(function)


def index_options(function: Callable) -> Callable:
    @click.option("--index", "index_dir", type=click.Path(file_okay=False), default=None,
                  help=INDEX_HELP)
    @click.option("--db", "db_url", default=None,
                  help="SQLAlchemy database URL of the metadata (default: DIR/sensedb.sqlite).")
    @click.option("--device", default=None, help="torch device (default: cuda if available).")
    @click.option("--scoring", "scoring_method", type=click.Choice(["evidence", "cosine"]),
                  default="evidence", show_default=True,
                  help="evidence: every source, the index's weights; cosine: the textbook "
                       "argmax of the cosine to corpus sense vectors.")
    @click.option("--no-wordnet-evidence", is_flag=True,
                  help="Do not add WordNet glosses/examples to the index on first use.")
    @click.option("--propagate", is_flag=True,
                  help="Senses without corpus tokens take a corpus vector propagated from "
                       "their synset or hypernyms (LMMS).")
    @functools.wraps(function)
    def wrapper(*args, index_dir, db_url, device, scoring_method, no_wordnet_evidence,
                propagate, **kwargs):
        from . import open as open_index

        kwargs["index"] = open_index(index_dir, db_url=db_url, device=device,
                                     scoring_method=scoring_method,
                                     wordnet_evidence=not no_wordnet_evidence,
                                     propagate=propagate)
        return function(*args, **kwargs)

    return wrapper


def target_options(function: Callable) -> Callable:
    function = click.option("--at", type=int, default=None,
                            help="Token position (0-based) of the target, when it occurs twice.")(
        function)
    return click.option("--pos", type=click.Choice(["NOUN", "VERB", "ADJ", "ADV"]),
                        default=None, help="Only this part of speech.")(function)


def similarity_options(function: Callable) -> Callable:
    """``--method`` and ``--params`` for the in-context similarity commands."""
    function = click.option(
        "--params", "params_path", type=click.Path(dir_okay=False, exists=True), default=None,
        help="Fitted similarity parameters (JSON from evaluate-wic --save; default: the "
             "index manifest's, else the built-in ones).")(function)
    return click.option(
        "--method", type=click.Choice(["raw", "sense", "combined"]), default=None,
        help="raw cosine, sense agreement through the index, or both combined "
             "(default: the parameters' default method).")(function)


def emit(data: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(text(data))


@click.group(cls=_Group)
@click.version_option(package_name="sensedb")
def cli() -> None:
    """Word-sense retrieval: index sense-labelled text, then disambiguate, find similar
    usages and compare usages by nearest-neighbour search.

    Example:

        sensedb wsd "He sat on the bank of the river" bank
    """


@cli.command()
@click.argument("corpus", type=click.Path(dir_okay=False))
@click.option("--gold", type=click.Path(dir_okay=False), default=None,
              help="Gold key file (default: CORPUS with .gold.key.txt for .data.xml).")
@click.option("--index", "index_dir", type=click.Path(file_okay=False), required=True,
              help="Index directory to create or add to.")
@click.option("--corpus-name", default=None, help="Name of the corpus (default: file stem).")
@click.option("--model", default=None,
              help="sentence-transformers / Hugging Face model name or path "
                   "(default: all-MiniLM-L6-v2, embedded).")
@click.option("--layers", default="last", show_default=True,
              help="'last', 'last4' or layer numbers like '3,4,5,6'.")
@click.option("--pooling", type=click.Choice(["mean", "sum"]), default="mean",
              show_default=True, help="How the chosen layers are combined.")
@click.option("--standardize/--no-standardize", default=False, show_default=True,
              help="z-score vectors with the corpus mean and deviation before the cosine.")
@click.option("--db", "db_url", default=None, help="SQLAlchemy database URL for metadata.")
@click.option("--device", default=None, help="torch device (default: cuda if available).")
@click.option("--batch-tokens", default=4096, show_default=True,
              help="Padded word pieces per encoder batch.")
@output_options
def index(corpus, gold, index_dir, corpus_name, model, layers, pooling, standardize, db_url,
          device, batch_tokens, as_json):
    """Index every labelled token and sense of CORPUS (unified XML of Raganato et al. 2017
    with its gold keys, or JSONL). Adding a second corpus updates the sense means; running
    the same command again after a crash resumes where it stopped.

    Example:

        sensedb index semcor.data.xml --gold semcor.gold.key.txt --index ./semcor-index
    """
    from .api import build_index

    report = build_index(corpus, index_dir, gold=gold, corpus_name=corpus_name, model=model,
                         layers=layers, pooling=pooling, standardize=standardize,
                         db_url=db_url, device=device, batch_tokens=batch_tokens,
                         progress=not as_json)
    emit(report.to_dict(), as_json, lambda r: (
        f"indexed {r['documents']} documents ({r['skipped_documents']} already there), "
        f"{r['sentences']} sentences, {r['tokens']} labelled tokens, "
        f"{r['senses_touched']} senses in {r['seconds']:.1f} s: "
        f"{r['words_per_second']:.0f} words/s"))


def _wsd_text(answer: dict) -> str:
    flags = [f"confidence {answer['confidence']:.2f}", f"margin {answer['margin']:.2f}",
             f"decided by {answer['decided_by']}"]
    if answer["fallback"]:
        flags.append("no vector evidence: WordNet order")
    if answer["novel"]:
        flags.append("far from every labelled usage: possibly a new sense")
    if answer.get("abstained"):
        flags.append("ABSTAINED")
    lines = [f"{answer['target']} (position {answer['position']}): {answer['lemma']} "
             f"{answer['pos']}  [{', '.join(flags)}]"]
    for n, sense in enumerate(answer["senses"], 1):
        lines.append(f"{n:3}. p={sense['probability']:.3f}  {sense['key']:<28} "
                     f"{sense['synset']:<28} support {sense['support']:<4} {sense['gloss']}")
    if answer["evidence"]:
        lines.append("nearest labelled usages:")
        lines.extend(_usage_line(u) for u in answer["evidence"])
    return "\n".join(lines)


def _usage_line(usage: dict) -> str:
    return (f"  {usage['score']:.3f}  {' '.join(usage['senses']):<28} {usage['sentence']}  "
            f"[{usage['corpus']} {usage['document']}]")


@cli.command()
@click.argument("sentence")
@click.argument("target")
@index_options
@target_options
@click.option("-k", default=5, show_default=True, help="Nearest labelled usages to show.")
@click.option("--min-confidence", type=float, default=0.0, show_default=True,
              help="Abstain (exit status 2) when the best sense's probability is lower.")
@output_options
def wsd(sentence, target, index, at, pos, k, min_confidence, as_json):
    """Rank the senses of TARGET as used in SENTENCE (raw text, tokenized into words and
    punctuation; TARGET is the word as written, its first occurrence unless --at).

    Example:

        sensedb wsd "The children skipped stones from the muddy bank of the stream" bank
    """
    answer = index.wsd(sentence, target, at=at, pos=pos, k=k)
    data = answer.to_dict()
    data["abstained"] = answer.confidence < min_confidence
    emit(data, as_json, _wsd_text)
    if data["abstained"]:
        raise SystemExit(2)


@cli.command()
@click.argument("sentence")
@click.argument("target")
@index_options
@target_options
@click.option("-k", default=10, show_default=True, help="How many usages.")
@click.option("--any-lemma", is_flag=True, help="Search the usages of every word.")
@output_options
def neighbors(sentence, target, index, at, pos, k, any_lemma, as_json):
    """The labelled usages nearest to TARGET as used in SENTENCE.

    Example:

        sensedb neighbors "I deposited my salary at the bank" bank -k 5
    """
    usages = index.neighbors(sentence, target, at=at, pos=pos, k=k, any_lemma=any_lemma)
    emit([u.to_dict() for u in usages], as_json,
         lambda us: "\n".join(_usage_line(u) for u in us) or "no labelled usages")


@cli.command()
@click.argument("sentence_a")
@click.argument("target_a")
@click.argument("sentence_b")
@click.argument("target_b")
@index_options
@similarity_options
@output_options
def similarity(sentence_a, target_a, sentence_b, target_b, index, method, params_path,
               as_json):
    """How alike TARGET_A in SENTENCE_A and TARGET_B in SENTENCE_B are used: the score of
    --method, the cosine in the index's space, and each usage's top 3 senses.

    Example:

        sensedb similarity "He sat on the bank" bank "The bank raised rates" bank
    """
    from .retriever.similarity import similarity as compare

    result = compare(index, (sentence_a, target_a), (sentence_b, target_b), method,
                     params=params_path)
    emit(result.to_dict(), as_json, _similarity_text)


@cli.command()
@click.argument("data", type=click.Path(dir_okay=False, exists=True))
@click.argument("gold", type=click.Path(dir_okay=False, exists=True))
@index_options
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the predicted keys here (instance_id key per line).")
@click.option("--min-confidence", type=float, default=0.0, show_default=True,
              help="Abstain on instances whose best probability is lower.")
@click.option("--one-sense-per-discourse", is_flag=True,
              help="Give every occurrence of a lemma in a document its majority sense.")
@output_options
def evaluate(data, gold, index, out, min_confidence, one_sense_per_discourse, as_json):
    """Disambiguate every instance of DATA (unified XML) and score against GOLD like the
    official scorer: precision, recall and F1 in percent, overall, by POS and by data set.

    Example:

        sensedb evaluate semeval2007.data.xml semeval2007.gold.key.txt --index ./semcor-index
    """
    result = index.evaluate(data, gold, out=out, progress=not as_json,
                            min_confidence=min_confidence,
                            one_sense_per_discourse=one_sense_per_discourse)

    def text(r: dict) -> str:
        lines = [f"F1 {r['f1']:.1f}  P {r['precision']:.1f}  R {r['recall']:.1f}  "
                 f"n {r['n']}  coverage {r['coverage']:.1f}%  fallbacks {r['fallbacks']}",
                 "  decided by: " + ", ".join(f"{k} {v}" for k, v in r["decided_by"].items())]
        for group in ("by_pos", "by_dataset"):
            for name, v in r[group].items():
                lines.append(f"  {name:<12} F1 {v['f1']:.1f}  n {v['n']}")
        return "\n".join(lines)

    emit(result, as_json, text)


@cli.command()
@click.argument("text")
@index_options
@click.option("--one-sense-per-discourse", is_flag=True,
              help="Give every occurrence of a lemma in the text its majority sense.")
@click.option("--min-confidence", type=float, default=0.0, show_default=True,
              help="Leave a word untagged (key null) when its best probability is lower.")
@output_options
def tag(text, index, one_sense_per_discourse, min_confidence, as_json):
    """Tag every content word of TEXT (a string, or a file to read) with its sense and
    confidence. Closed-class words are skipped; multiword expressions WordNet knows are
    tagged as one word.

    Example:

        sensedb tag "The bank raised rates. We walked along the river bank." --json
    """
    from pathlib import Path

    path = Path(text)
    if len(text) < 4096 and "\n" not in text and path.is_file():
        text = path.read_text(encoding="utf-8")
    words = index.tag(text, one_sense_per_discourse=one_sense_per_discourse,
                      min_confidence=min_confidence, progress=not as_json)
    emit([w.to_dict() for w in words], as_json, lambda ws: "\n".join(
        f"{w['sentence']}:{w['position']:<3} {w['word']:<16} {w['key'] or '-':<30} "
        f"p={w['confidence']:.2f}  {w['gloss'][:60]}" for w in ws) or "no content words")


@cli.command()
@index_options
@click.option("--check", is_flag=True, help="Also verify FAISS ids against database rows.")
@output_options
def info(index, check, as_json):
    """What an index holds and how it was built.

    Example:

        sensedb info --index ./semcor-index --check
    """
    data = index.info()
    if check:
        index.check()
        data["check"] = "ok"
    emit(data, as_json, lambda d: "\n".join(
        f"{k}: {json.dumps(v) if isinstance(v, dict | list) else v}" for k, v in d.items()))


@cli.command("default-index")
@click.option("--rebuild", is_flag=True, help="Delete the default index first.")
@click.option("--all", "build_all", is_flag=True,
              help="Build every WordNet lemma now (one long pass) instead of on first use.")
@output_options
def default_index(rebuild, build_all, as_json):
    """Show, rebuild or fully build the default index (WordNet glosses and examples through
    the default model). It lives in $SENSEDB_HOME/default-index (default
    ~/.local/share/sensedb) and grows by itself, lemma by lemma, as words are queried.

    Example:

        sensedb default-index --rebuild
    """
    from . import open as open_index
    from .paths import default_index_dir

    path = default_index_dir()
    if rebuild and path.exists():
        shutil.rmtree(path)
    index = open_index()
    if build_all:
        from .inventory import POS_TAGS

        pairs = [(lemma, pos) for pos in POS_TAGS for lemma in index.inventory.lemmas(pos)]
        index.ensure(pairs, progress=not as_json)
    data = index.info()
    emit(data, as_json, lambda d: f"{d['path']}: {d['documents']} lemmas, "
                                  f"{d['tokens']} labelled usages, {d['senses']} senses")


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
    from .retriever.diagnostics import anisotropy, format_anisotropy

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
    from .retriever.diagnostics import attention_keywords

    ranked = attention_keywords(sentence)
    emit(ranked, as_json, lambda rows: "\n".join(
        f"{row['score']:.3f}  {'#' * round(row['score'] * 100):<30} {row['word']} "
        f"({row['position']})" for row in rows))


@cli.command()
@click.argument("lemma")
@index_options
@click.option("--pos", type=click.Choice(["NOUN", "VERB", "ADJ", "ADV"]), default=None,
              help="Only this part of speech (default: all the lemma has).")
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
    from .plot import plot_lemma

    result = plot_lemma(index, lemma, pos=pos, out=out, query=query, method=method)
    emit(result, as_json, lambda r: (
        f"{r['out']}: {r['points']} usages of {r['lemma']} ({', '.join(r['pos'])}), "
        f"{len(r['senses'])} senses, {r['method']}"))


# --------------------------------------------------------------------------- similarity
def _similarity_text(result: dict) -> str:
    same = "" if result["same"] is None else (
        f"  -> {'same' if result['same'] else 'different'} sense "
        f"(threshold {result['threshold']:.3f})")
    lines = [f"{result['method']} {result['score']:.4f}  cosine {result['cosine']:.4f}{same}"]
    for name in ("a", "b"):
        usage = result.get(name)
        if usage:
            lines.append(f"{name}: {usage['target']} (position {usage['position']}) "
                         f"{usage['lemma']} {usage['pos']}")
            lines.extend(f"    {s['probability']:.3f}  {s['key']:<28} {s['gloss']}"
                         for s in usage["senses"])
    return "\n".join(lines)


@cli.command("similarity-batch")
@click.argument("pairs", type=click.Path(dir_okay=False, exists=True))
@index_options
@similarity_options
@output_options
def similarity_batch(pairs, index, method, params_path, as_json):
    """Similarity of every pair of usages in PAIRS.tsv: sentence_a, target_a, sentence_b,
    target_b (tab-separated; a fifth column, e.g. a gold score, is ignored). A target is the
    word as written or word@N (N = its 0-based token position). One encoder pass for all.

    Example:

        sensedb similarity-batch pairs.tsv --index ./semcor-index --method sense --json
    """
    from .retriever.similarity import read_pairs_tsv
    from .retriever.similarity import similarity_batch as batch

    queries, _ = read_pairs_tsv(pairs)
    results = [r.to_dict() for r in batch(index, queries, method, params=params_path,
                                          progress=not as_json)]
    emit(results, as_json, lambda rs: "\n".join(
        f"{n}\t{r['score']:.4f}\t{r['cosine']:.4f}"
        + ("" if r["same"] is None else f"\t{'same' if r['same'] else 'different'}")
        for n, r in enumerate(rs, 1)))


@cli.command("evaluate-wic")
@click.argument("data", type=click.Path(dir_okay=False, exists=True))
@click.argument("gold", type=click.Path(dir_okay=False, exists=True))
@index_options
@similarity_options
@click.option("--threshold", type=float, default=None,
              help="Same sense when score >= T (default: fitted with --train, else stored).")
@click.option("--train", nargs=2, type=click.Path(dir_okay=False, exists=True), default=None,
              metavar="DATA GOLD", help="WiC training pairs to fit the parameters on.")
@click.option("--save", type=click.Path(dir_okay=False), default=None,
              help="With --train: write the fitted parameters here (JSON, for --params).")
@click.option("--allow-wordnet-examples", is_flag=True,
              help="Keep WordNet's usage examples in the evidence (left out by default: most "
                   "WiC sentences are such examples, so the figure would be leaked).")
@output_options
def evaluate_wic(data, gold, index, method, params_path, threshold, train, save,
                 allow_wordnet_examples, as_json):
    """WiC accuracy (percent) of in-context similarity: a pair is "same sense" when its score
    reaches the threshold. Fit on WiC train (--train), report another split.

    Example:

    \b
        sensedb evaluate-wic dev.data.txt dev.gold.txt --index ./semcor-index \\
            --train train.data.txt train.gold.txt --save wic-params.json
    """
    from .retriever.similarity import SimilarityParams, save_params
    from .retriever.similarity import evaluate_wic as evaluate

    if save and not train:
        raise click.UsageError("--save needs --train")
    result = evaluate(index, data, gold, threshold=threshold, train=train, method=method,
                      params=params_path, allow_wordnet_examples=allow_wordnet_examples,
                      progress=not as_json)
    if save:
        save_params(SimilarityParams.from_dict(result["params"]), save)
        result["saved"] = save
    emit(result, as_json, lambda r: f"WiC accuracy {r['accuracy']:.1f}  ({r['correct']}/"
                                    f"{r['n']}, {r['method']}, threshold {r['threshold']:.4f})")


@cli.command("evaluate-graded")
@click.argument("pairs", type=click.Path(dir_okay=False, exists=True))
@index_options
@similarity_options
@output_options
def evaluate_graded(pairs, index, method, params_path, as_json):
    """Spearman and Pearson correlation of similarity scores with graded gold scores:
    PAIRS.tsv has sentence_a, target_a, sentence_b, target_b, gold (tab-separated; target =
    word or word@N; '#' lines skipped). scripts/make_graded_set.py builds one.

    Example:

        sensedb evaluate-graded runs/graded_semeval2007.tsv --index ./semcor-index --json
    """
    from .retriever.similarity import evaluate_graded as evaluate

    result = evaluate(index, pairs, method, params=params_path, progress=not as_json)
    emit(result, as_json, lambda r: f"Spearman {r['spearman']:.4f}  Pearson {r['pearson']:.4f}"
                                    f"  n {r['n']}  ({r['method']})")


def main() -> None:
    cli(prog_name="sensedb")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
