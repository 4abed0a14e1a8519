"""How often a word the copula rule reads as no verb (``pos_head.after_copula_no_verb``:
right after a form of be, not a participle) is a verb by a corpus's own tags.

    python scripts/copula_verbs.py ../shared/data/wsd/semcor/semcor.data.xml \\
        ../shared/data/wsd/semcor/semcor.gold.key.txt

Prints the count of such words by the corpus's tag and each one tagged VERB in context.
"""

from __future__ import annotations

import argparse
from collections import Counter

from sensedb.corpora.raganato import read_raganato
from sensedb.inventory import default_wordnet
from sensedb.pos_head import after_copula_no_verb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("xml")
    parser.add_argument("gold")
    args = parser.parse_args()
    irregular = default_wordnet().irregular_forms("VERB")
    tags: Counter[str] = Counter()
    verbs = []
    for document in read_raganato(args.xml, args.gold):
        for sentence in document.sentences:
            words = [token.text for token in sentence.tokens]
            for at in after_copula_no_verb(words, irregular):
                tags[sentence.tokens[at].pos] += 1
                if sentence.tokens[at].pos == "VERB":
                    verbs.append(" ".join(words[max(0, at - 4):at + 3]))
    print(f"{sum(tags.values())} words: " + ", ".join(f"{t} {n}" for t, n in tags.most_common()))
    for context in verbs:
        print("  VERB:", context)


if __name__ == "__main__":
    main()
