"""Richer features for the combined similarity method on WiC, measured (not shipped).

    python scripts/wic_vector_features.py --data ../shared/data [--json out.json]

The combined method is a logistic regression over 11 features on the default index
(``sensedb.similarity``; WiC dev 65.8 with the shipped ``wordnet_only`` parameters). This
script asks whether the encoder's vectors hold more than those features use: it adds, to
the same regression (``fitting.fit_logistic``, L2 chosen by 5-fold cross-validation on WiC
train with folds by lemma, so that a lemma's pairs never sit on both sides), (a) the cosine
of the two usages' word vectors at each of MiniLM's six layers and (b) the elementwise
product and absolute difference of the two word vectors at one layer (the WiC paper's
baseline features, 768 more columns). Fitted on WiC train (5,428 pairs), scored on WiC dev
(638 pairs) at the threshold best on train; WordNet's examples left out of the evidence as
for the shipped fit (``fitting.leaving_out_examples``). Default index of ``SENSEDB_HOME``.
BENCHMARKS.md "Measured, not shipped: the target's weight ..." has the figures.
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path

import numpy as np

import sensedb
from sensedb.similarity.analysis import analyze
from sensedb.similarity.fitting import best_threshold, fit_logistic, leaving_out_examples
from sensedb.similarity.methods import features, logistic_predict
from sensedb.similarity.params import FEATURES, REPRESENTATIONS, builtin_params
from sensedb.similarity.usages import labelled_wic_pairs, wic_queries

LAYERS = range(1, 7)
L2 = (1.0, 10.0, 100.0, 1000.0, 10000.0)
FOLDS = 5


def part_features(index, params, wic: Path, part: str) -> dict:
    """The combined method's features, each usage's word vector at every layer (unit rows)
    and the labels of one WiC part."""
    pairs = labelled_wic_pairs(wic / part / f"{part}.data.txt", wic / part / f"{part}.gold.txt")
    analysis = analyze(index, [wic_queries(p) for p in pairs], representations=REPRESENTATIONS,
                       params=params)
    sentences = list(dict.fromkeys(tuple(u.target.words) for u in analysis.usages))
    at = {s: n for n, s in enumerate(sentences)}
    by_layer = index.encoder.word_vectors_multi([list(s) for s in sentences],
                                                {str(n): str(n) for n in LAYERS})
    layers = {}
    for name, vectors in by_layer.items():
        rows = np.stack([vectors[at[tuple(u.target.words)]][u.target.index]
                         for u in analysis.usages])
        rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        layers[name] = (rows[analysis.pair_index[:, 0]], rows[analysis.pair_index[:, 1]])
    return {"features": np.nan_to_num(features(index, analysis, params)),
            "layers": layers, "labels": np.array([p.label for p in pairs], bool),
            "lemmas": [p.lemma for p in pairs]}


def columns(part: dict, kind: str, kept: list[int]) -> np.ndarray:
    base = part["features"][:, kept]
    if kind == "shipped features":
        return base
    cosines = np.stack([np.einsum("ij,ij->i", *part["layers"][str(n)]) for n in LAYERS], 1)
    if kind == "+ layer cosines":
        return np.hstack([base, cosines])
    a, b = part["layers"][kind.rsplit("L", 1)[1]]
    return np.hstack([base, cosines, a * b, np.abs(a - b)])


def fit_scored(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[dict, float]:
    names = [f"f{n}" for n in range(x.shape[1])]
    model = fit_logistic(x, y, names, l2=l2)
    return model, best_threshold(_predict(model, x), y)[0]


def _predict(model: dict, x: np.ndarray) -> np.ndarray:
    z = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
    return 1.0 / (1.0 + np.exp(-(z @ np.asarray(model["coef"]) + model["intercept"])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    index = sensedb.open()
    params = builtin_params("wordnet_only")
    with leaving_out_examples(index):
        train, dev = (part_features(index, params, args.data / "wic", p) for p in ("train", "dev"))
    kept = [FEATURES.index(f) for f in params.combined["features"]]
    fold = np.array([zlib.crc32(lemma.encode()) % FOLDS for lemma in train["lemmas"]])
    shipped = params.combined
    result = {"shipped parameters, dev": round(100.0 * float(np.mean(
        (logistic_predict(shipped, dev["features"]) >= params.thresholds["combined"])
        == dev["labels"])), 2), "rows": {}}
    for kind in ("shipped features", "+ layer cosines", "+ product/difference L3",
                 "+ product/difference L4", "+ product/difference L6"):
        x, y, xd = columns(train, kind, kept), train["labels"], columns(dev, kind, kept)
        cv = {}
        for l2 in L2:
            right = 0
            for f in range(FOLDS):
                model, threshold = fit_scored(x[fold != f], y[fold != f], l2)
                right += int(np.sum((_predict(model, x[fold == f]) >= threshold) == y[fold == f]))
            cv[l2] = 100.0 * right / len(y)
        best = max(cv, key=lambda k: (cv[k], -k))
        model, threshold = fit_scored(x, y, best)
        result["rows"][kind] = {"columns": x.shape[1], "l2": best,
                                "train_cv_by_lemma": round(cv[best], 2),
                                "dev": round(float(np.mean((_predict(model, xd) >= threshold)
                                                           == dev["labels"])) * 100, 2)}
        print(kind, result["rows"][kind], flush=True)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
