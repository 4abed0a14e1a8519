"""In-context similarity, side by side: WiC dev accuracy and graded Spearman of every method,
and the speed of similarity-batch next to a bare encoder pass.

    python scripts/bench_similarity.py --index runs/semcor-index --data ../shared/data \\
        --graded runs/graded_semeval2007.tsv

Everything that is fitted (temperatures, mixture, regression, thresholds) is fitted on WiC
*train* only, with WordNet's usage examples left out of the evidence (most WiC sentences are
such examples); WiC dev is only scored. The graded set (scripts/make_graded_set.py, built
from SemEval-2007 when missing) is only scored. Writes the table as markdown
(runs/bench_similarity.md), everything as JSON (runs/bench_similarity.json) and the fitted
parameters (runs/similarity_params.json, usable with ``--params``). With ``--write-builtin``
the fitted parameters also become the package's built-in ones of the index's family
(``corpus`` for an index with labelled tokens, ``wordnet_only`` for the default index) in
sensedb/data/similarity_params.json, with their provenance (data, index, command, date);
with ``--head HEAD.npz --write-head HEAD.npz`` they are fitted through a retrieval head and
written into it, as that head's own (``RetrievalHead.similarity``).

The index is opened read-only for WordNet evidence (``wordnet_evidence=False``: nothing is
added to it) unless ``--wordnet-evidence``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

import sensedb
from sensedb.corpora.pairs import read_pairs_tsv
from sensedb.evaluation.statistics import pearson, spearman
from sensedb.similarity import analysis as sim_analysis
from sensedb.similarity import fitting, methods
from sensedb.similarity import params as sim_params
from sensedb.similarity.usages import wic_queries

ROOT = Path(__file__).resolve().parents[1]
RAW_ROWS = [  # (row name, representation)
    ("raw-last", "last"), ("raw-last4", "last4"), ("raw-zscore", "zscore"),
    ("shift-log (signed)", "shift-log:signed"), ("shift-log (magnitude)", "shift-log:magnitude"),
    ("shift-log (NaN->0, baseline)", "shift-log:zero"), ("shift-diff", "shift-diff"),
]
ALL_REPRESENTATIONS = sorted({rep for _, rep in RAW_ROWS} | set(sim_params.REPRESENTATIONS))


def accuracy(values: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    return float(100.0 * np.mean((values >= threshold) == labels))


def fitted_entry(params: sim_params.SimilarityParams, index_text: str, rows: list[dict],
                 n_train: int) -> dict:
    """``{"provenance": {data, index, command, date, result}, "params": ...}``: one fitted
    set as the package's data file and a retrieval head both keep it."""
    by_name = {r["name"]: r for r in rows}
    result = ", ".join(f"{name} {by_name[name]['wic_dev']}" for name in
                       ("combined", "sense", "raw-last") if name in by_name)
    return {
        "provenance": {
            "data": f"WiC train ({n_train:,} pairs; WiC dev never used for fitting), WordNet "
                    "usage examples left out of all evidence",
            "index": index_text,
            "command": "python scripts/bench_similarity.py "
                       + shlex.join(a for a in sys.argv[1:] if a != "--write-builtin"),
            "date": date.today().isoformat(),
            "result": f"WiC dev accuracy (percent): {result}",
        },
        "params": params.to_dict(),
    }


def write_builtin(params: sim_params.SimilarityParams, family: str, index_text: str,
                  rows: list[dict], n_train: int, path: Path | None = None) -> Path:
    """Write ``params`` as the package's built-in parameters of ``family`` (the index's:
    ``sim_params.family_of``) with their provenance, keeping the other family's (to ``path``,
    default sensedb/data/similarity_params.json, read by sensedb.similarity.params)."""
    path = path or ROOT / "sensedb" / "data" / sim_params.BUILTIN_PARAMS_FILE
    document = json.loads(path.read_text()) if path.exists() else {}
    document[family] = fitted_entry(params, index_text, rows, n_train)
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def write_head(params: sim_params.SimilarityParams, family: str, index_text: str,
               rows: list[dict], n_train: int, head_path: Path) -> Path:
    """Write ``params`` into the retrieval head file ``head_path`` as its own parameters of
    ``family`` (``RetrievalHead.similarity``; the head's vectors and hash unchanged), keeping
    its other family's."""
    from sensedb.head import RetrievalHead

    head = RetrievalHead.load(head_path)
    head.similarity = {**(head.similarity or {}),
                       family: fitted_entry(params, index_text, rows, n_train)}
    return head.save(head_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "semcor-index",
                        help="index directory, or 'default' for the WordNet-only default "
                             "index ($SENSEDB_HOME)")
    parser.add_argument("--data", type=Path, default=Path(
        os.environ.get("SENSEDB_SHARED_DATA") or ROOT.parent / "shared" / "data"))
    parser.add_argument("--graded", type=Path, default=ROOT / "runs" / "graded_semeval2007.tsv")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_similarity")
    parser.add_argument("--params-out", type=Path,
                        default=ROOT / "runs" / "similarity_params.json")
    parser.add_argument("--write-builtin", action="store_true",
                        help="also write the fitted parameters, with their provenance, to "
                             f"sensedb/data/{sim_params.BUILTIN_PARAMS_FILE} (the built-in "
                             "ones)")
    parser.add_argument("--head", default="auto", metavar="HEAD",
                        help="the retrieval head the index is opened with: a head file, "
                             "'none', or 'auto' (the shipped one)")
    parser.add_argument("--write-head", type=Path, default=None, metavar="HEAD.npz",
                        help="also write the fitted parameters into this head file, as its "
                             "own for the index's family (fit them through that head: "
                             "--head the same file)")
    parser.add_argument("--wordnet-evidence", action="store_true",
                        help="let the index add WordNet gloss/example evidence (writes to it)")
    args = parser.parse_args()

    if not args.graded.exists():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_graded_set.py"),
                        str(args.graded), "--data", str(args.data)], check=True)
    index = sensedb.open(None if str(args.index) == "default" else args.index,
                         wordnet_evidence=args.wordnet_evidence, head=args.head)
    wic = args.data / "wic"
    train = sensedb.read_wic(wic / "train" / "train.data.txt", wic / "train" / "train.gold.txt")
    dev = sensedb.read_wic(wic / "dev" / "dev.data.txt", wic / "dev" / "dev.gold.txt")
    y_train = np.array([p.label for p in train])
    y_dev = np.array([p.label for p in dev])
    graded_pairs, graded_gold = read_pairs_tsv(args.graded, gold=True)
    timings = {}

    with fitting.leaving_out_examples(index):
        started = time.perf_counter()
        a_train = sim_analysis.analyze(index, [wic_queries(p) for p in train],
                                       representations=ALL_REPRESENTATIONS, progress=True)
        timings["analyze_train_s"] = time.perf_counter() - started
        started = time.perf_counter()
        params = fitting.fit_params(index, a_train, labels=y_train)
        timings["fit_s"] = time.perf_counter() - started
        a_dev = sim_analysis.analyze(index, [wic_queries(p) for p in dev],
                                     representations=ALL_REPRESENTATIONS)
        # errors="item": a graded usage the retriever refuses (the graded set's targets are
        # SE07 instances; "had to leave" is the modal have to, an auxiliary to `wsd`) is
        # left out and counted, not the whole run
        a_graded = sim_analysis.analyze(index, graded_pairs, representations=ALL_REPRESENTATIONS,
                                        errors="item")
    graded_gold = [graded_gold[n] for n in a_graded.answered]
    if a_graded.failed:
        print(f"graded: {len(a_graded.failed)} of {len(graded_pairs)} pairs left out: "
              + "; ".join(f"#{n}: {exc}" for n, exc in sorted(a_graded.failed.items())),
              flush=True)

    rows = []

    def add(name: str, method: str, representation: str | None = None) -> dict:
        values = {split: methods.scores(index, analysis, method, params, representation)
                  for split, analysis in (("train", a_train), ("dev", a_dev),
                                          ("graded", a_graded))}
        threshold, train_accuracy = fitting.best_threshold(values["train"], y_train)
        row = {"name": name, "method": method, "representation": representation,
               "wic_dev": round(accuracy(values["dev"], y_dev, threshold), 1),
               "wic_train": round(train_accuracy, 1), "threshold": round(threshold, 4),
               "graded_spearman": round(spearman(values["graded"], graded_gold), 3),
               "graded_pearson": round(pearson(values["graded"], graded_gold), 3)}
        rows.append(row)
        print(json.dumps(row), flush=True)
        return row

    for name, rep in RAW_ROWS:
        add(name, "raw", rep)
    add("sense", "sense")
    add("combined", "combined")
    best = max((r for r in rows if r["method"] != "raw" or r["representation"] == "last"),
               key=lambda r: r["wic_dev"])
    params.default_method = best["method"]
    params.fitted_on = (f"WiC train ({len(train)} pairs), index {args.index.name} "
                        f"({index.manifest.encoder.model}, "
                        f"{index.manifest.encoder.layers}), WordNet examples left out")
    args.params_out.parent.mkdir(parents=True, exist_ok=True)  # runs/ is no clone's
    sim_params.save_params(params, args.params_out)
    encoder = index.manifest.encoder
    index_text = (f"{args.index} ({encoder.model}, layers {encoder.layers}, standardize "
                  f"{index.manifest.standardize}; head "
                  f"{(encoder.head or {}).get('sha256', 'none')[:12]}; WordNet vectors added: "
                  f"{args.wordnet_evidence})")
    if args.write_builtin:
        write_builtin(params, sim_params.family_of(index), index_text, rows, len(train))
    if args.write_head is not None:
        write_head(params, sim_params.family_of(index), index_text, rows, len(train),
                   args.write_head)

    # speed: similarity-batch over WiC dev next to a bare encoder pass over its sentences
    queries = [wic_queries(p) for p in dev]
    sentences = list(dict.fromkeys(tuple(q.sentence) for pair in queries for q in pair))
    index.encoder.word_vectors([list(s) for s in sentences[:50]])  # warm up
    started = time.perf_counter()
    index.encoder.word_vectors([list(s) for s in sentences])
    bare = time.perf_counter() - started
    speed = {"pairs": len(dev), "sentences": len(sentences),
             "bare_encoder_pairs_per_s": round(len(dev) / bare, 1)}
    with fitting.leaving_out_examples(index):
        for method in ("raw", "sense", "combined"):
            sim_analysis.clear_gloss_word_vectors(index)  # cold: computed again
            for state in ("cold", "warm"):  # warm: this process has the gloss vectors
                started = time.perf_counter()
                methods.similarity_batch(index, queries, method, params=params)
                seconds = time.perf_counter() - started
                speed[f"{method}_{state}_pairs_per_s"] = round(len(dev) / seconds, 1)
    print(json.dumps(speed), flush=True)

    device = index.encoder.device
    table = ["| method | WiC dev acc. | WiC train acc. (fit) | threshold | graded Spearman "
             "| graded Pearson |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    table += [f"| {r['name']} | {r['wic_dev']:.1f} | {r['wic_train']:.1f} | "
              f"{r['threshold']:.4f} | {r['graded_spearman']:.3f} | {r['graded_pearson']:.3f} |"
              for r in rows]
    markdown = "\n".join([
        "# In-context similarity (scripts/bench_similarity.py)", "",
        f"Index `{args.index}` ({index.manifest.encoder.model}, layers "
        f"{index.manifest.encoder.layers}, standardize "
        f"{index.manifest.standardize}), WordNet evidence added: "
        f"{args.wordnet_evidence}; WordNet usage examples left out of all evidence.",
        f"WiC: thresholds and all parameters fitted on train ({len(train)} pairs), dev "
        f"({len(dev)} pairs) only scored. Graded: `{args.graded.name}` ({len(graded_gold)} "
        f"of {len(graded_pairs)} pairs, those whose usages the retriever answers; gold 1 = "
        "same synset, else WordNet path similarity), only scored.", "",
        *table, "",
        f"Fitted: temperature {params.temperature}, gloss temperature "
        f"{params.gloss_temperature}, mixture {params.mix}, k {params.k}; default method "
        f"**{params.default_method}** (best WiC dev).", "",
        f"Speed on WiC dev ({len(dev)} pairs, {len(sentences)} distinct sentences, {device}), "
        "pairs/s:", "",
        "| bare encoder pass | similarity-batch raw | sense (cold / warm) "
        "| combined (cold / warm) |", "| ---: | ---: | ---: | ---: |",
        f"| {speed['bare_encoder_pairs_per_s']} | {speed['raw_warm_pairs_per_s']} | "
        f"{speed['sense_cold_pairs_per_s']} / {speed['sense_warm_pairs_per_s']} | "
        f"{speed['combined_cold_pairs_per_s']} / {speed['combined_warm_pairs_per_s']} |", "",
        "Cold: the gloss vectors of the candidate senses (one encoder pass over "
        "\"lemma : gloss\" per sense) are computed in the run; warm: already cached in the "
        "process (a second batch over the same lemmas).", ""])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{args.out}.md").write_text(markdown)
    Path(f"{args.out}.json").write_text(json.dumps({
        "rows": rows, "speed": speed, "timings": {k: round(v, 1) for k, v in timings.items()},
        "params": params.to_dict(), "index": str(args.index),
        "wordnet_evidence": args.wordnet_evidence, "graded": str(args.graded),
        "n": {"train": len(train), "dev": len(dev), "graded": len(graded_gold),
              "graded_left_out": len(graded_pairs) - len(graded_gold)}}, indent=2))
    print(markdown)


if __name__ == "__main__":
    main()
