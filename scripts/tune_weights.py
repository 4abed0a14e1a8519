"""Choose the scoring weights on the two tuning sets the project allows: SemEval-2007 (dev) and
the held-out 10% of SemCor. Never touches any other evaluation set.

    python scripts/tune_weights.py --index runs/semcor-index --cache runs/exp \
        --json runs/tune_weights.json --write sensedb/data/scoring_weights.json

``--write`` stores the chosen weights as the package's weights file (features, weights and
their provenance: data sets, command, date), which ``sensedb.retriever.scoring`` reads.

Each weight family is a short linear formula over ``scoring.FEATURES`` searched on a small
grid; the criterion is the accuracy of the argmax:
- ``corpus`` (indexes with labelled corpus tokens): corpus_cos + a·gloss_cos + b·example_cos
  + c·vote + d·log_support, chosen by the mean accuracy over SE07 (features computed by the
  product on ``--index``) and held-out SemCor (features from scripts/wsd_experiments.py's
  cache, evidence from the other 90% of SemCor).
- ``wordnet_only`` (the default index): gloss_cos + a·example_cos + b·context_gloss_cos
  + c·log_wordnet_count + d·inv_rank, chosen on SE07 alone: WordNet's counts were counted on
  SemCor, so held-out SemCor would favour them unfairly.
A temperature then scales each formula so that its softmax is calibrated (maximum
log-likelihood of the gold senses on the same sets); it leaves every argmax unchanged.
Reported beside each: SE07 (the tuning figure), a document-level cross-validation on SE07
(choose on two documents, plus held-out SemCor, score the third) and held-out SemCor.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import pickle
import re
import shlex
import sys
from pathlib import Path

import numpy as np

import sensedb
from sensedb.evaluation.allwords import instance_features
from sensedb.retriever import scoring

NAMES = list(scoring.FEATURES)
CORPUS_GRID = {"corpus_cos": (1.0,), "gloss_cos": (0, .25, .5, .75, 1, 1.5),
               "example_cos": (0, .25, .5, 1), "vote": (0, .1, .2, .3, .5),
               "log_support": (0, .05, .1, .15, .2)}
# Formulas to compare with (reported, never chosen): the one the issue quotes and the previous
# round's conditional logit fitted on held-out SemCor alone (scripts/wsd_experiments.py).
REFERENCES = {
    "issue formula": {"corpus_cos": 1, "gloss_cos": 1, "example_cos": .5, "vote": .2,
                      "log_support": .1},
    "conditional logit (held-out SemCor)": {
        "corpus_cos": 3.6637, "has_corpus": -3.5003, "vote": 1.1701, "gloss_cos": 3.4593,
        "example_cos": 1.912, "has_example": -1.2062, "log_support": 0.707, "nn_cos": 1.2164},
}
WORDNET_GRID = {"gloss_cos": (1.0,), "example_cos": (0, .25, .5, 1, 1.5),
                "context_gloss_cos": (0, .5, 1, 2, 3), "log_wordnet_count": (0, .1, .2, .3, .5),
                "inv_rank": (0, .1, .25, .5)}


def grid(family: dict[str, tuple]) -> tuple[list[dict], np.ndarray]:
    combos = [dict(zip(family, values, strict=True))
              for values in itertools.product(*family.values())]
    return combos, np.array([[c.get(n, 0.0) for n in NAMES] for c in combos])


def correct_counts(rows, weights: np.ndarray, subset=None) -> np.ndarray:
    """How many instances of ``rows`` each weight vector (a row of ``weights``) gets right."""
    total = np.zeros(len(weights))
    for i in range(len(rows)) if subset is None else subset:
        features, gold = rows[i][0], rows[i][1]
        total += gold[np.argmax(features @ weights.T, axis=0)]
    return total


def choose(dev, held, weights, dev_subset=None) -> int:
    """The weight vector with the best mean accuracy over SE07 (``dev_subset``) and held-out
    SemCor (``held``; None to use SE07 alone). Ties go to the first in grid order."""
    n_dev = len(dev) if dev_subset is None else len(dev_subset)
    score = correct_counts(dev, weights, dev_subset) / n_dev
    if held is not None:
        score = (score + correct_counts(held, weights) / len(held)) / 2
    return int(np.argmax(score))


def accuracy(rows, weights: np.ndarray, pos: str | None = None) -> float:
    subset = [i for i, r in enumerate(rows) if pos is None or r[2]["pos"] == pos]
    return round(100 * float(correct_counts(rows, weights[None, :], subset)[0]) / len(subset), 1)


def temperature(rows_sets, weights: np.ndarray) -> float:
    """The scale of ``weights`` that maximizes the mean log-probability of the gold senses."""
    best, best_ll = 1.0, -np.inf
    for scale in np.geomspace(0.5, 200, 60):
        total, n = 0.0, 0
        for rows in rows_sets:
            for features, gold, _ in rows:
                if len(gold) < 2 or not gold.any():
                    continue
                z = features @ (weights * scale)
                z -= z.max()
                total += np.log(np.exp(z[gold]).sum()) - np.log(np.exp(z).sum())
                n += 1
        if total / n > best_ll:
            best, best_ll = float(scale), total / n
    return best


def tune(name, family, dev, held, criterion_held) -> dict:
    combos, weights = grid(family)
    pick = choose(dev, criterion_held, weights)
    documents = np.array([re.search(r"d\d+", r[2]["id"]).group() for r in dev])
    correct = 0
    folds = {}
    for document in sorted(set(documents)):
        train = np.flatnonzero(documents != document)
        test = np.flatnonzero(documents == document)
        fold_pick = choose(dev, criterion_held, weights, train)
        right = correct_counts(dev, weights[fold_pick][None, :], test)[0]
        correct += right
        folds[document] = {"n": len(test), "accuracy": round(100 * right / len(test), 1),
                           "weights": combos[fold_pick]}
    scale = temperature([dev] + ([held] if criterion_held is not None else []), weights[pick])
    chosen = {k: round(v * scale, 4) for k, v in combos[pick].items() if v}
    result = {
        "formula": combos[pick], "temperature": round(scale, 3), "weights": chosen,
        "se07": {"all": accuracy(dev, weights[pick]), "NOUN": accuracy(dev, weights[pick], "NOUN"),
                 "VERB": accuracy(dev, weights[pick], "VERB")},
        "se07_document_cv": round(100 * correct / len(dev), 1), "folds": folds,
        "semcor_heldout": {p or "all": accuracy(held, weights[pick], p)
                           for p in (None, "NOUN", "VERB", "ADJ", "ADV")},
        "grid_size": len(combos),
    }
    print(f"{name}: SE07 {result['se07']}  doc-CV {result['se07_document_cv']}  held-out "
          f"SemCor {result['semcor_heldout']}\n  formula {combos[pick]}  x{scale:.2f}",
          flush=True)
    return result


def heldout_rows(cache: Path) -> list:
    """Held-out SemCor features (last layer) from scripts/wsd_experiments.py's cache."""
    held, _ = pickle.loads((cache / "features.pkl").read_bytes())
    return [(features, gold, {"id": meta[0], "pos": meta[1], "keys": meta[2]})
            for features, gold, meta in zip(held[0]["last"], held[1], held[2], strict=True)]


def weights_file(results: dict, argv: list[str], today: datetime.date) -> dict:
    """The package's weights file (sensedb/data/scoring_weights.json) for the chosen weights,
    with their provenance; the same layout ``scoring.shipped_weights_file`` reads."""
    formulas = {}
    for family in ("corpus", "wordnet_only"):
        chosen = results[family]
        terms = " + ".join(name if value == 1 else f"{value:g} {name}"
                           for name, value in chosen["formula"].items() if value)
        formulas[family] = f"{chosen['temperature']:.2f} * ({terms})"
    return {
        "description": "The shipped WSD scoring weights: score(s) = w . features(s) "
                       "(sensedb.retriever.scoring). Two short formulas chosen on a small grid "
                       "by the mean argmax accuracy, each scaled by a temperature that "
                       "calibrates the softmax (argmax unchanged).",
        "features": list(scoring.FEATURES),
        "weights": results["DEFAULT_WEIGHTS"],
        "provenance": {
            "command": "python scripts/tune_weights.py " + shlex.join(argv),
            "date": today.isoformat(),
            "data": {
                "corpus": "mean accuracy over SemEval-2007 (features from the product on a "
                          "SemCor index, last layer) and the held-out 10% of SemCor "
                          "(documents d000, d010, ...; evidence from the other 90%; features "
                          "from scripts/wsd_experiments.py's cache)",
                "wordnet_only": "SemEval-2007 alone, features from the default (WordNet-only) "
                                "index: WordNet's tag counts were counted on SemCor, so "
                                "held-out SemCor would favour them",
            },
            "formulas": formulas,
            "see": "BENCHMARKS.md, section 'Choosing the shipped weights'",
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, help="a SemCor index (last layer)")
    parser.add_argument("--default-index", default=None,
                        help="a WordNet-only index (default: the embedded default index)")
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--cache", default="runs/exp", help="scripts/wsd_experiments.py cache")
    parser.add_argument("--json", default="runs/tune_weights.json")
    parser.add_argument("--write", default=None, metavar="PATH",
                        help="also write the chosen weights as the package's weights file "
                             "(sensedb/data/scoring_weights.json)")
    args = parser.parse_args()
    se07 = Path(args.data) / "wsd" / "semeval2007"
    xml, gold = se07 / "semeval2007.data.xml", se07 / "semeval2007.gold.key.txt"
    held = heldout_rows(Path(args.cache))
    corpus_dev = instance_features(sensedb.open(args.index), xml, gold, progress=True)
    wordnet_dev = instance_features(sensedb.open(args.default_index), xml, gold,
                                    progress=True)
    results = {
        "corpus": tune("corpus", CORPUS_GRID, corpus_dev, held, held),
        "wordnet_only": tune("wordnet_only", WORDNET_GRID, wordnet_dev, held, None),
    }
    results["DEFAULT_WEIGHTS"] = {k: v["weights"] for k, v in results.items()}
    combos, weights = grid(CORPUS_GRID)
    best_held = int(np.argmax(correct_counts(held, weights)))
    references = {name: np.array([formula.get(n, 0.0) for n in NAMES])
                  for name, formula in REFERENCES.items()}
    references["best on held-out SemCor alone"] = weights[best_held]
    results["references"] = {name: {"se07": accuracy(corpus_dev, w),
                                    "semcor_heldout": accuracy(held, w)}
                             for name, w in references.items()}
    results["references"]["best on held-out SemCor alone"]["formula"] = combos[best_held]
    print(json.dumps(results["references"], indent=2))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["DEFAULT_WEIGHTS"], indent=2))
    if args.write:
        data = weights_file(results, sys.argv[1:], datetime.date.today())
        Path(args.write).write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
