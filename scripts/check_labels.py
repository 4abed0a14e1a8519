"""How many labels of a unified-XML corpus fail the label plausibility check
(``sensedb.inventory.labels.LabelCheck``), what they look like, and what the check costs.

    python scripts/check_labels.py ../shared/data/wsd/semcor/semcor.data.xml \
        ../shared/data/wsd/semcor/semcor.gold.key.txt [--show 100]

Prints the seconds of reading the corpus, the seconds the check adds, the labels that fail
(count and share) and the most frequent failing (surface, key) pairs.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from sensedb.corpora.raganato import read_raganato
from sensedb.inventory import default_wordnet
from sensedb.inventory.labels import LabelCheck


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("xml")
    parser.add_argument("gold")
    parser.add_argument("--show", type=int, default=100, help="failing pairs to print")
    args = parser.parse_args()
    wordnet = default_wordnet()
    wordnet.lemmatize("bank")  # WordNet's files loaded before the clocks start
    t0 = time.perf_counter()
    documents = list(read_raganato(args.xml, args.gold))
    read = time.perf_counter() - t0
    check = LabelCheck(wordnet)
    failed: Counter[tuple[str, str]] = Counter()
    labels = 0
    t0 = time.perf_counter()
    for document in documents:
        for sentence in document.sentences:
            for token in sentence.instances:
                labels += 1
                if not check(token.text, token.senses):
                    failed[(token.text, token.senses[0])] += 1
    checked = time.perf_counter() - t0
    total = sum(failed.values())
    print(f"read {read:.1f} s, check {checked:.1f} s; {labels} labels, {total} fail "
          f"({100 * total / labels:.3f}%), {len(failed)} distinct (surface, key)")
    for (surface, key), count in failed.most_common(args.show):
        print(f"{count:5d}  {surface!r:28} {key}")


if __name__ == "__main__":
    main()
