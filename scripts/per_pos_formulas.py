"""A formula per part of speech: each POS's weights chosen on that POS's SemCor instances
(measured, not shipped: BENCHMARKS.md "Measured, not shipped: a formula per part of speech").

    python scripts/tune_weights.py cache --data ../shared/data --cache C1      # the head's
    python scripts/per_pos_formulas.py --data ../shared/data --cache C1 --json out.json
    python scripts/per_pos_formulas.py --data ../shared/data --cache C2 --family corpus

SemEval-2007 is three verbs in five and SemCor's tuning documents two nouns in five, so one
formula chosen on SemCor suits nouns; a verb might want less prior and more context. Here the
instances are split by the POS a raw-text pipeline gives the target (the candidate POS the POS
head's ``pos_logp`` column ranks first; with ``--by gold``, the gold POS), and each POS's
formula is chosen on :data:`tune_weights.GRIDS`' grid by the rule of
:func:`tune_weights.tune_formula` restricted to that POS's instances: the mean accuracy over
the other four SemCor folds and, with ``--examples-weight W`` > 0, W times the other four folds
of WordNet's examples (SemEval-2007 is never a selector here, only reported). Printed beside
it, the same rule with one formula for every POS. Figures: SemCor 5-fold document CV (each
fold's instances scored by the formula of their POS chosen without the fold), SemEval-2007
raw-text candidates and gold-POS candidates (formulas chosen on all of SemCor), WordNet's
examples (all, in the selection when W > 0), as percent accuracy of the argmax.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import tune_weights  # noqa: E402

from sensedb.inventory import WordNet  # noqa: E402

POS = ("NOUN", "VERB", "ADJ", "ADV")


def pipeline_pos(rows) -> np.ndarray:
    """(instances,) str: the candidate POS with the highest ``pos_logp`` (the POS head's
    log-probability of the candidate's POS), the POS a raw-text pipeline reads; NOUN for an
    instance without candidates."""
    column = tune_weights.NAMES.index("pos_logp")
    return np.array([meta["cand_pos"][int(np.argmax(features[:, column]))] if len(gold)
                     else "NOUN" for features, gold, meta in rows])


def gold_pos(rows) -> np.ndarray:
    return np.array([meta["pos"] for _, _, meta in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--cache", required=True, help="a tune_weights.py cache")
    parser.add_argument("--family", choices=("wordnet_only", "corpus"), default="wordnet_only",
                        help="wordnet_only: the *-wordnet sets; corpus: the *-corpus sets")
    parser.add_argument("--examples-weight", type=float, action="append", default=None,
                        metavar="W", help="WordNet's examples' weight in the rule (repeatable; "
                        "default: 0 and 1)")
    parser.add_argument("--by", choices=("pipeline", "gold"), default="pipeline",
                        help="which POS splits the instances")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    suffix = "wordnet" if args.family == "wordnet_only" else "corpus"
    cache, data = Path(args.cache), Path(args.data) / "wsd" / "semcor"
    semcor = tune_weights.load_rows(cache / f"semcor-{suffix}.pkl")
    if args.family == "wordnet_only":  # the SemCor documents' prior without their own keys
        semcor, _ = tune_weights.own_counts_left_out(
            semcor, WordNet(), data / "semcor.data.xml", data / "semcor.gold.key.txt",
            tune_weights.SEMCOR_DOCUMENTS)
    se07 = tune_weights.load_rows(cache / f"se07-{suffix}.pkl")
    sets = {"semcor": semcor, "se07": se07, "se07_gold_pos": tune_weights.gold_pos_rows(se07),
            "examples": tune_weights.load_rows(cache / f"examples-{suffix}.pkl")}
    combos, weights = tune_weights.grid(tune_weights.GRIDS[args.family])
    print(f"grid of {len(combos)} formulas; scoring every set with each", flush=True)
    right = {name: tune_weights.correct_matrix(rows, weights) for name, rows in sets.items()}
    split = pipeline_pos if args.by == "pipeline" else gold_pos
    label = {name: split(rows) for name, rows in sets.items()}
    label["se07_gold_pos"] = gold_pos(se07)  # gold-POS candidates: the POS is given
    for name in ("semcor", "se07", "examples"):
        agree = 100 * float((label[name] == gold_pos(sets[name])).mean())
        print(f"{name}: the split's POS is the gold one for {agree:.2f}%")
    folds = np.array([tune_weights.fold_of(meta["doc"]) for _, _, meta in semcor])
    example_folds = np.array([meta["fold"] for _, _, meta in sets["examples"]])

    def choose(semcor_mask: np.ndarray, examples_mask: np.ndarray, weight: float) -> int:
        criterion = right["semcor"][semcor_mask].mean(axis=0)
        if weight and examples_mask.any():
            criterion = criterion + weight * right["examples"][examples_mask].mean(axis=0)
        return int(np.argmax(criterion))

    def measure(weight: float, per_pos: bool) -> dict:
        def groups(name: str) -> list[np.ndarray]:
            if per_pos:
                return [label[name] == pos for pos in POS]
            return [np.ones(len(label[name]), bool)] * len(POS)
        cv = 0
        for fold in range(tune_weights.FOLDS):
            test = folds == fold
            for in_semcor, in_examples in zip(groups("semcor"), groups("examples"),
                                              strict=True):
                pick = choose(in_semcor & ~test, in_examples & (example_folds != fold), weight)
                cv += int(right["semcor"][in_semcor & test, pick].sum())
                if not per_pos:
                    break
        picks = [choose(s, e, weight) for s, e in zip(groups("semcor"), groups("examples"),
                                                      strict=True)]

        def score(name: str, pos: str | None = None) -> float:
            chosen = np.array([picks[POS.index(p)] if p in POS else picks[0]
                               for p in label[name]])
            hit = right[name][np.arange(len(chosen)), chosen]
            if pos is not None:
                hit = hit[gold_pos(sets[name]) == pos]
            return round(100 * float(hit.mean()), 2)
        return {"examples_weight": weight, "per_pos": per_pos,
                "semcor_cv": round(100 * cv / len(semcor), 2),
                "se07_raw": score("se07"), "se07_gold_pos": score("se07_gold_pos"),
                "se07_gold_pos_by_pos": {p: score("se07_gold_pos", p) for p in ("NOUN", "VERB")},
                "examples": score("examples"),
                "formulas": {pos: combos[pick] for pos, pick in zip(POS, picks, strict=True)}}
    results = []
    for weight in args.examples_weight or [0.0, 1.0]:
        for per_pos in (False, True):
            found = measure(weight, per_pos)
            results.append(found)
            print(json.dumps({k: v for k, v in found.items() if k != "formulas"}), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
