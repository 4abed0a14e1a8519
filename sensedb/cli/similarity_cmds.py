"""In-context similarity commands: ``similarity``, ``similarity-batch``, ``evaluate-wic``
and ``evaluate-graded``."""

from __future__ import annotations

import click

from . import cli, emit, index_options, output_options, similarity_options, writable_file

# PAIRS.tsv given pre-tokenized (similarity-batch, evaluate-graded)
tokenized_option = click.option(
    "--tokenized", is_flag=True,
    help="The sentences are given tokenized (tokens separated by single spaces) and word@N "
         "is token N of them; sensedb does not tokenize them again.")

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
    --method, the cosine in the index's space, and each usage's top 3 senses (as `wsd`
    gives them). A target is the word as written (its first occurrence) or word@N (N = its
    0-based token position). Without --method, a pair of two different words, or with a
    word WordNet lacks, is answered by the raw cosine (its line says "raw").

    Example:

        sensedb similarity "He sat on the bank" bank "The bank raised rates" bank

        sensedb similarity "I watch the watch" watch@3 "My watch stopped" watch
    """
    from ..corpora.pairs import parse_target
    from ..similarity import similarity as compare

    result = compare(index, (sentence_a, *parse_target(target_a)),
                     (sentence_b, *parse_target(target_b)), method, params=params_path)
    emit(result.to_dict(), as_json, _similarity_text)


def _similarity_text(result: dict) -> str:
    same = "" if result["same"] is None else (
        f"  -> {'same' if result['same'] else 'different'} sense "
        f"(threshold {result['threshold']:.3f})")
    lines = [f"{result['method']} {result['score']:.4f}  cosine {result['cosine']:.4f}{same}"]
    for name in ("a", "b"):
        usage = result.get(name)
        if usage:
            known = f"{usage['lemma']} {usage['pos']}" if usage["lemma"] else \
                "(a word WordNet does not know: no senses)"
            lines.append(f"{name}: {usage['target']} (position {usage['position']}) {known}")
            lines.extend(f"    {s['probability']:.3f}  {s['key']:<28} {s['gloss']}"
                         for s in usage["senses"])
    tops = [(result.get(name) or {}).get("senses") for name in ("a", "b")]
    if result["same"] is not None and all(tops):
        agree = tops[0][0]["key"] == tops[1][0]["key"]
        if agree != result["same"]:  # "different sense" beside one sense shown twice
            lines.append(f"note: the senses listed are each usage's own wsd answer, which "
                         f"{'agree' if agree else 'differ'}; the verdict is the "
                         f"{result['method']} score's, from the two usages together")
    return "\n".join(lines)


@cli.command("similarity-batch")
@click.argument("pairs", type=click.Path(dir_okay=False, exists=True, allow_dash=True))
@index_options
@tokenized_option
@similarity_options
@output_options
def similarity_batch(pairs, index, method, params_path, tokenized, as_json):
    """Similarity of every pair of usages in PAIRS.tsv: sentence_a, target_a, sentence_b,
    target_b (tab-separated; '-' reads standard input; a fifth column, e.g. a gold score, is
    ignored). A target is the
    word as written or word@N (N = its 0-based token position). One encoder pass for all.
    Text output: line, score, method (without --method, pairs of two different words or
    with a word WordNet lacks are answered by the raw cosine: "raw"), cosine, verdict.

    Every result names its pair by the line of PAIRS.tsv it was read from (JSON: "line";
    text: the first column), as errors do: a header, "#" lines and blank lines are skipped
    but counted. A pair that cannot be answered (its target is not in its sentence; for a
    sense method given by --method, a word WordNet lacks) does not stop the others: it gets
    an "error" naming the file and line (text: an ERROR line), a summary naming those lines
    goes to standard error and the exit status is 1. A line that is not a pair (other than
    4 or 5 columns, an empty token with --tokenized) stops the command with an error naming
    it, before anything is answered.

    Example:

        sensedb similarity-batch pairs.tsv --index ./semcor-index --method sense --json
    """
    from ..corpora.pairs import read_pairs
    from ..similarity import similarity_batch as batch

    rows = read_pairs(pairs, tokenized=tokenized)
    results = []
    for row, result in zip(rows, batch(index, [(r.a, r.b) for r in rows], method,
                                       params=params_path, progress=not as_json),
                           strict=True):
        data = result.to_dict()
        if data["error"] is not None:
            data["error"] = f"{row.where}: {data['error']}"
        results.append({"line": row.line, **data})
    emit(results, as_json, lambda rs: "\n".join(_batch_line(r) for r in rs))
    failed = [r["line"] for r in results if r["error"] is not None]
    if failed:
        shown = ", ".join(map(str, failed[:10])) + (", ..." if len(failed) > 10 else "")
        click.echo(f"{len(failed)} of {len(results)} pairs could not be answered "
                   f"({rows[0].path} line{'s' if len(failed) > 1 else ''} {shown})", err=True)
        raise SystemExit(1)


def _batch_line(result: dict) -> str:
    """One text line of ``similarity-batch``: the pair's line in PAIRS.tsv first."""
    number = result["line"]
    if result["error"] is not None:
        return f"{number}\tERROR\t{result['error']}"
    return (f"{number}\t{result['score']:.4f}\t{result['method']}\t{result['cosine']:.4f}"
            + ("" if result["same"] is None else
               f"\t{'same' if result['same'] else 'different'}"))


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
    from ..evaluation.wic import evaluate_wic as evaluate
    from ..similarity.params import SimilarityParams, save_params

    if save and not train:
        raise click.UsageError("--save needs --train")
    if train and threshold is not None:  # README: --threshold T | --train DATA GOLD
        raise click.UsageError("give --threshold or --train, not both (--train fits the "
                               "threshold)")
    writable_file(save, inputs=(data, gold, *(train or ())))  # before the fit, not after
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
@tokenized_option
@similarity_options
@output_options
def evaluate_graded(pairs, index, method, params_path, tokenized, as_json):
    """Spearman and Pearson correlation of similarity scores with graded gold scores:
    PAIRS.tsv has sentence_a, target_a, sentence_b, target_b, gold (tab-separated; target =
    word or word@N; '#' lines skipped). scripts/make_graded_set.py builds one. Pairs that
    cannot be answered (a target not in its sentence, a word WordNet lacks) are skipped and
    counted; their errors name file and line.

    Example:

        sensedb evaluate-graded runs/graded_semeval2007.tsv --index ./semcor-index --json
    """
    from ..evaluation.graded import evaluate_graded as evaluate

    result = evaluate(index, pairs, method, params=params_path, progress=not as_json,
                      tokenized=tokenized)
    emit(result, as_json, lambda r: f"Spearman {r['spearman']:.4f}  Pearson {r['pearson']:.4f}"
                                    f"  n {r['n']}  skipped {r['skipped']}  ({r['method']})")
    if result["skipped"] and not as_json:
        for message in result["errors"]:
            click.echo(f"skipped {message}", err=True)
