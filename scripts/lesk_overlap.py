"""Simplified Lesk as one more term of the WordNet-only formula, tuned like the others.

    python scripts/tune_weights.py cache --data ../shared/data --cache runs/cache
    python scripts/lesk_overlap.py --data ../shared/data --cache runs/cache [--json out.json]

The term (Lesk 1986; "simplified" as in Kilgarriff and Rosenzweig 2000, weighted by idf as
in Vasilescu et al. 2004): for a candidate sense, the sum of the idf of the lemmas that the
usage's sentence (the target's own word left out) shares with the sense's gloss and WordNet
examples, every word read as its WordNet lemmas (``WordNet.lemmatize``; a word WordNet lacks
as itself), idf = log(synsets / synsets whose gloss holds the lemma) over every WordNet
gloss. An instance of the WordNet-examples set leaves its own example out of the signature
(it would hold the whole sentence). The column stands in for ``sense_cos`` (held at 0 by
every shipped formula and grid) in the tuning caches' rows, so that
``tune_weights.tune_formula`` chooses its weight (grid :data:`LESK_GRID`, in units of the
gloss weight per idf unit) with the others by the same rule: 5-fold SemCor document CV with
the honest counts (``own_counts_left_out``), SE07 and the examples set's folds.

Measured, not shipped (BENCHMARKS.md "Measured, not shipped: the target's weight ...").
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tune_weights  # noqa: E402  (a sibling script: the tuning caches)

from sensedb.corpora import tokenize  # noqa: E402
from sensedb.inventory import WordNet  # noqa: E402

LESK_GRID = (0, 0.0125, 0.025, 0.05)
WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*")
CARRIER = "sense_cos"  # the column the term rides in


class Overlap:
    """The idf-weighted lemma overlap of a sentence with a sense's gloss and examples."""

    def __init__(self, inventory: WordNet) -> None:
        self.inventory = inventory
        self.lemmas = functools.lru_cache(maxsize=None)(self._lemmas)
        self.bag = functools.lru_cache(maxsize=None)(self._bag)
        documents = 0
        frequency: dict[str, int] = {}
        for name in ("noun", "verb", "adj", "adv"):
            with open(Path(inventory.wordnet_dir) / f"data.{name}", encoding="utf-8",
                      errors="replace") as lines:
                for line in lines:
                    if line.startswith("  "):  # the license header
                        continue
                    documents += 1
                    for lemma in self.bag(line.partition("|")[2]):
                        frequency[lemma] = frequency.get(lemma, 0) + 1
        self.unseen = math.log(documents)
        self.idf = {k: math.log(documents / n) for k, n in frequency.items()}

    def _lemmas(self, word: str) -> frozenset[str]:
        return frozenset({lemma for lemma, _ in self.inventory.lemmatize(word)} or {word})

    def _bag(self, text: str) -> frozenset[str]:
        return frozenset(x for w in WORD.findall(text.lower()) for x in self.lemmas(w))

    def scores(self, words, position: int, pairs, candidates, own: str | None = None
               ) -> np.ndarray:
        """(len(candidates),) float64: each candidate's overlap with the sentence ``words``
        (the target at ``position`` and its ``pairs``' lemmas left out); ``own``: an example
        text left out of every signature."""
        target = self.lemmas(words[position].lower()) | {lemma for lemma, _ in pairs}
        context = frozenset().union(*(self.bag(w) for n, w in enumerate(words)
                                      if n != position)) - target
        out = []
        for sense in candidates:
            text = " ".join([sense.gloss, *(e for e in sense.examples if e != own)])
            shared = context & (self.bag(text) - target)
            out.append(sum(self.idf.get(x, self.unseen) for x in shared))
        return np.array(out, dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--cache", required=True, type=Path)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    inventory = WordNet()
    overlap = Overlap(inventory)
    wsd = args.data / "wsd"
    semcor = (wsd / "semcor" / "semcor.data.xml", wsd / "semcor" / "semcor.gold.key.txt")
    se07 = (wsd / "semeval2007" / "semeval2007.data.xml",
            wsd / "semeval2007" / "semeval2007.gold.key.txt")
    rows = {name: tune_weights.load_rows(args.cache / f"{name}-wordnet.pkl")
            for name in ("semcor", "se07", "examples")}
    rows["semcor"], _ = tune_weights.own_counts_left_out(
        rows["semcor"], inventory, *semcor, tune_weights.SEMCOR_DOCUMENTS)
    column = tune_weights.NAMES.index(CARRIER)
    for name, (xml, gold), documents in (("semcor", semcor, tune_weights.SEMCOR_DOCUMENTS),
                                         ("se07", se07, None)):
        found = tune_weights.raw_instances(inventory, xml, gold, documents)
        for (_, words, position, pairs), (features, _, _) in zip(found, rows[name],
                                                                   strict=True):
            candidates = [s for lemma, pos in pairs for s in inventory.candidates(lemma, pos)]
            features[:, column] = overlap.scores(words, position, pairs, candidates)
    instances, _, pairs_of = tune_weights.example_instances(inventory)
    for (_, _, key, words, at), pairs, (features, _, _) in zip(instances, pairs_of,
                                                               rows["examples"], strict=True):
        own = next((e for e in inventory.sense(key).examples if tokenize(e) == list(words)),
                   None)
        candidates = [s for lemma, pos in pairs for s in inventory.candidates(lemma, pos)]
        features[:, column] = overlap.scores(words, at, pairs, candidates, own)
    results = {}
    for name, grid in (("without", (0,)), ("with", LESK_GRID)):
        family = {**tune_weights.WORDNET_GRID, CARRIER: grid}
        out = tune_weights.tune_formula(family, tune_weights.PREVIOUS["wordnet_only"],
                                        rows["semcor"], rows["se07"], rows["examples"])
        results[name] = {"formula": out["formula"], "semcor_cv": out["semcor_cv"],
                         "se07_raw": out["se07_after"]["raw"]["all"],
                         "examples_cv": out["examples"]["cv"],
                         "folds": [f["formula"][CARRIER] for f in out["folds"].values()]}
        print(name, json.dumps(results[name]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
