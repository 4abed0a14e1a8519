"""Does a gloss that names its own lemma ("seal: the pelt or fur ... of a seal", "match: the
score needed to win a match") win where it should not? A flag for such senses, scanned as a
term of the head's formula by the shipped rule (measured, not shipped: BENCHMARKS.md
"Measured, not shipped: a gloss that names its own lemma").

    python scripts/tune_weights.py cache --data ../shared/data --cache C1      # the head's
    python scripts/self_gloss.py --data ../shared/data --cache C1 --values 0,-.05,-.1,-.2,-.3
    python scripts/self_gloss.py --data ../shared/data --cache C1 --values 0,.05,.1,.2

The flag: the sense's gloss holds its lemma (a multiword lemma as a phrase), or a word
WordNet's morphology reads as it ("seals" -> seal). Each set's rows (``tune_weights.py
cache``) get the flag as one more column; :func:`tune_weights.tune_formula` then chooses its
weight, every other weight held at the shipped head's WordNet-only formula (in units of its
gloss weight), by the mean of SemCor 5-fold document CV, SemEval-2007 and WordNet's examples
(5-fold CV by lemma), and the accuracy of each value on each set is printed.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from sensedb.retriever import scoring  # noqa: E402

FLAG = "self_gloss"
scoring.FEATURES = (*scoring.FEATURES, FLAG)  # one more column, for this script alone
import tune_weights  # noqa: E402

from sensedb.head import default_head_path  # noqa: E402
from sensedb.inventory import WordNet  # noqa: E402

tune_weights.NAMES = list(scoring.FEATURES)


def names_own_lemma(inventory: WordNet):
    """``key -> bool``: the sense's gloss names its lemma (cached)."""
    @functools.lru_cache(None)
    def lemmas_of(word: str) -> frozenset[str]:
        return frozenset(lemma.lower() for lemma, _ in inventory.lemmatize(word))

    @functools.lru_cache(None)
    def flag(key: str) -> bool:
        sense = inventory.sense(key)
        lemma, gloss = sense.lemma.lower().replace("_", " "), sense.gloss.lower()
        if " " in lemma:
            return lemma in gloss
        return any(w == lemma or lemma in lemmas_of(w)
                   for w in re.findall(r"[a-z][a-z'-]*", gloss))
    return flag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--cache", required=True, help="a tune_weights.py cache (WordNet-only "
                        "sets, made through the shipped head)")
    parser.add_argument("--values", default="0,-.05,-.1,-.2", help="the flag's weights, in "
                        "units of the formula's gloss weight")
    args = parser.parse_args()
    inventory, data = WordNet(), Path(args.data) / "wsd"
    flag = names_own_lemma(inventory)
    semcor = (data / "semcor" / "semcor.data.xml", data / "semcor" / "semcor.gold.key.txt")
    se07 = (data / "semeval2007" / "semeval2007.data.xml",
            data / "semeval2007" / "semeval2007.gold.key.txt")
    rows = {}
    for name, listed_in, documents in (("semcor-wordnet", semcor, tune_weights.SEMCOR_DOCUMENTS),
                                       ("se07-wordnet", se07, None),
                                       ("examples-wordnet", None, None)):
        found = tune_weights.load_rows(Path(args.cache) / f"{name}.pkl")
        if name == "semcor-wordnet":
            found, _ = tune_weights.own_counts_left_out(found, inventory, *semcor, documents)
        instances = (tune_weights.overlap_instances(inventory, found) if listed_in is None else
                     tune_weights.overlap_instances(inventory, found, *listed_in, documents))
        candidates = [[s for lemma, pos in pairs for s in inventory.candidates(lemma, pos)]
                      for _, _, pairs, _ in instances]
        found, differ = tune_weights.fill_column(
            found, FLAG, [[float(flag(s.key)) for s in listed] for listed in candidates],
            candidates)
        if differ:
            raise SystemExit(f"{name}: {len(differ)} rows whose candidates changed: make the "
                             "cache again")
        share = sum(v for listed in candidates for v in map(flag, (s.key for s in listed)))
        print(f"{name}: {len(found)} instances, {share} of "
              f"{sum(map(len, candidates))} candidates flagged", flush=True)
        rows[name] = found
    shipped = json.loads(default_head_path().with_suffix(".json").read_text())
    formula = shipped["scoring"]["wordnet_only"]
    unit = formula["gloss_cos"]
    family = {name: (round(weight / unit, 4),) for name, weight in formula.items()}
    family[FLAG] = tuple(float(v) for v in args.values.split(","))
    out = tune_weights.tune_formula(family, {k: v[0] for k, v in family.items() if k != FLAG},
                                    rows["semcor-wordnet"], rows["se07-wordnet"],
                                    rows["examples-wordnet"])
    print(f"chosen: {FLAG} {out['formula'][FLAG]}; SemCor 5-fold CV {out['semcor_cv']} "
          f"(the 36 documents without the flag: {out['semcor_before']}); per fold "
          f"{[f['formula'][FLAG] for f in out['folds'].values()]}")
    combos, weights = tune_weights.grid(family)
    for name, found in rows.items():
        right = tune_weights.correct_matrix(found, weights)
        print(f"{name}: " + ", ".join(f"{c[FLAG]:+g}: {100 * right[:, n].mean():.2f}"
                                      for n, c in enumerate(combos)))


if __name__ == "__main__":
    main()
