"""Variants of the gloss overlap (``sensedb.retriever.overlap``) scored by the tuning rule.

    python scripts/tune_weights.py fill-overlap --from runs/s38/cache --cache runs/s38/lesk
    python scripts/overlap_variants.py --data ../shared/data --cache runs/s38/lesk \
        --min-idf 0 1.5 3 [--json out.json]

For each variant the ``gloss_overlap`` column of the three WordNet-only tuning caches
(SemCor documents d000, d010, ... with honest counts; SemEval-2007; WordNet's examples, each
with its own example left out) is computed again and ``tune_weights.tune_formula`` chooses the
formula on a grid around the shipped one (:data:`GRID`), by the rule that chose it:
5-fold SemCor document CV, SE07 and the examples' folds. Variants: ``--min-idf`` (shared
lemmas of a lower idf count for nothing: ln(synsets / n), so 1.5 drops lemmas in more than
22% of the glosses, "a", "the", "of"; 3 those in more than 5%); ``--synonyms``: each also
with the synset's other lemmas in every signature ("prison cell" for a cell); ``--merged``:
each also with ``related_overlap`` folded into ``gloss_overlap`` (one signature holding the
related synsets' lemma names and definitions: the two columns' sum, since a lemma counts in
one of them only).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tune_weights  # noqa: E402  (a sibling script: the tuning caches)

from sensedb.inventory import WordNet  # noqa: E402
from sensedb.retriever.overlap import GlossOverlap  # noqa: E402

GRID = {**tune_weights.WORDNET_GRID,
        "example_rel": (.5, 1), "example_nn_rel": (0,), "context_gloss_cos": (.75, 1, 1.25),
        "log_wordnet_count": (.1, .15, .2), "bare_gloss_cos": (-.25, -.5, -.75),
        "gloss_overlap": (0, .0125, .025, .05)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--cache", required=True, type=Path)
    parser.add_argument("--min-idf", type=float, nargs="+", default=[0.0])
    parser.add_argument("--synonyms", action="store_true",
                        help="also each variant with the synset's other lemmas in the "
                        "signatures")
    parser.add_argument("--merged", action="store_true",
                        help="also each variant with the related synsets' words in the one "
                        "signature (related_overlap folded into gloss_overlap)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    inventory = WordNet()
    wsd = args.data / "wsd"
    semcor = (wsd / "semcor" / "semcor.data.xml", wsd / "semcor" / "semcor.gold.key.txt")
    se07 = (wsd / "semeval2007" / "semeval2007.data.xml",
            wsd / "semeval2007" / "semeval2007.gold.key.txt")
    rows = {name: tune_weights.load_rows(args.cache / f"{name}-wordnet.pkl")
            for name in ("semcor", "se07", "examples")}
    rows["semcor"], _ = tune_weights.own_counts_left_out(
        rows["semcor"], inventory, *semcor, tune_weights.SEMCOR_DOCUMENTS)
    found = {"semcor": tune_weights.overlap_instances(inventory, rows["semcor"], *semcor,
                                                      tune_weights.SEMCOR_DOCUMENTS),
             "se07": tune_weights.overlap_instances(inventory, rows["se07"], *se07),
             "examples": tune_weights.overlap_instances(inventory, rows["examples"])}
    results = {}
    variants = [(m, False, False) for m in args.min_idf]
    variants += [(m, True, False) for m in args.min_idf] if args.synonyms else []
    variants += [(m, False, True) for m in args.min_idf] if args.merged else []
    own, related = (tune_weights.NAMES.index(n) for n in ("gloss_overlap", "related_overlap"))
    for min_idf, synonyms, merged in variants:
        overlap = GlossOverlap(inventory, min_idf=min_idf, synonyms=synonyms)
        filled = {}
        for name in ("semcor", "se07", "examples"):
            filled[name], differ = tune_weights.fill_overlap(rows[name], inventory,
                                                             found[name], overlap=overlap)
            assert not differ, f"{name}: candidates changed since the cache was made"
            if merged:
                for features, _, _ in filled[name]:
                    features[:, own] += features[:, related]
                    features[:, related] = 0.0
        out = tune_weights.tune_formula(GRID, tune_weights.PREVIOUS["wordnet_only"],
                                        filled["semcor"], filled["se07"], filled["examples"])
        name = (f"min_idf {min_idf}" + (", synonyms" if synonyms else "")
                + (", merged" if merged else ""))
        results[name] = {"formula": out["formula"], "semcor_cv": out["semcor_cv"],
                            "se07_raw": out["se07_after"]["raw"]["all"],
                            "examples_cv": out["examples"]["cv"],
                            "folds": [f["formula"]["gloss_overlap"]
                                      for f in out["folds"].values()]}
        print(name, json.dumps(results[name]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
