"""Count the senses SemCor tags a lemma with inside a construction (the existential "there",
"so" standing for a clause).

    python scripts/construction_counts.py \\
        --data ../shared/data/wsd/semcor/semcor.data.xml --exclude tuning,slice \\
        --out sensedb/data/construction_counts.json

For every token of ``--data`` that is a labelled instance of the construction's lemma and
POS (be, VERB; so, ADV) and stands in the construction by the product's own rule
(``sensedb.retriever.constructions.RULES``: ``existential_there`` over the sentence's
words, with WordNet to tell a subject's noun; ``so_for_a_clause``), its gold
sense keys are counted (a token with several keys counts each). The scoring shares a
lemma's prior out by these counts for such usages (``constructions.construction_prior``).

``--exclude``: document ids left out, as scripts/multiword_rates.py's (``tuning``: the 36
documents of scripts/tune_weights.py; ``slice``: scripts/raw_gap.py's SLICE), so that both
stay held out from the counts.

Output: JSON ``{"constructions": {name: {"lemma", "pos", "counts": {key: n}}}, "provenance":
{...}}``, keys sorted. Rerunning with the same data and arguments writes the same counts
(the provenance's date aside).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shlex
import sys
from collections import Counter
from pathlib import Path

from sensedb.inventory import default_wordnet
from sensedb.retriever.constructions import EXISTENTIAL, RULES, SO_FOR_A_CLAUSE

sys.path.insert(0, str(Path(__file__).resolve().parent))
from multiword_rates import excluded, sentences  # noqa: E402

# name: (lemma, POS, the rule that says a usage stands in it)
CONSTRUCTIONS = {EXISTENTIAL: ("be", "VERB", RULES[EXISTENTIAL]),
                 SO_FOR_A_CLAUSE: ("so", "ADV", RULES[SO_FOR_A_CLAUSE])}


def count(xml: Path, leave_out: set[str]) -> tuple[dict[str, Counter], Counter, int]:
    """Per construction the gold keys' counts inside it, the lemma's counts anywhere (same
    documents, for the provenance) and the sentences read."""
    inside = {name: Counter() for name in CONSTRUCTIONS}
    anywhere: Counter = Counter()
    inventory = default_wordnet()
    read = 0
    for sentence in sentences(xml, leave_out, gold=True):
        words = [t.text for t in sentence.tokens]
        for at, token in enumerate(sentence.tokens):
            for name, (lemma, pos, rule) in CONSTRUCTIONS.items():
                if token.lemma != lemma or token.pos != pos or not token.senses:
                    continue
                anywhere.update(token.senses)
                if rule(words, at, inventory):
                    inside[name].update(token.senses)
        read += 1
    return inside, anywhere, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="labelled corpus, unified XML (SemCor's semcor.data.xml), its "
                             "gold keys beside it (<name>.gold.key.txt)")
    parser.add_argument("--exclude", default="tuning,slice",
                        help="document ids to leave out (tuning, slice: see above)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    leave_out = excluded(args.exclude)
    inside, anywhere, read = count(args.data, leave_out)
    digest = hashlib.sha256(args.data.read_bytes()).hexdigest()
    out = {"constructions": {
               name: {"lemma": lemma, "pos": pos,
                      "counts": dict(sorted(inside[name].items())),
                      "usages_inside": sum(inside[name].values()),
                      "usages_anywhere": sum(anywhere[k] for k in anywhere
                                             if k.startswith(f"{lemma}%"))}
               for name, (lemma, pos, _) in CONSTRUCTIONS.items()},
           "provenance": {
               "made_by": "scripts/construction_counts.py",
               "command": "python scripts/construction_counts.py " + shlex.join(sys.argv[1:]),
               "data": args.data.name, "data_sha256": digest,
               "excluded_documents": sorted(leave_out), "sentences": read,
               "date": datetime.date.today().isoformat(),
               "rule": "each labelled instance of the lemma and POS that stands in the "
                       "construction (sensedb.retriever.constructions) counts its gold keys"}}
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    for name in CONSTRUCTIONS:
        print(f"{name}: {sum(inside[name].values())} usages from {read} sentences -> {args.out}")


if __name__ == "__main__":
    main()
