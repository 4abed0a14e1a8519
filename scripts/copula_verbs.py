"""How often a word the copula rule reads as no verb (``pos_head.after_copula_no_verb``:
right after a form of be, not a participle) is a verb by a corpus's own tags; the same for
the inverted copula's rule (``pos_head.after_inverted_subject_no_verb``: after the subject of
a question opened by be, the corpus's own tags finding the subject and standing for the
head's VERB, WordNet's base forms for ``base_verb``).

    python scripts/copula_verbs.py ../shared/data/wsd/semcor/semcor.data.xml \\
        ../shared/data/wsd/semcor/semcor.gold.key.txt

Prints the count of such words by the corpus's tag and each one tagged VERB in context.
"""

from __future__ import annotations

import argparse
from collections import Counter

from sensedb.corpora.raganato import read_raganato
from sensedb.inventory import default_wordnet
from sensedb.pos_head import after_copula_no_verb, after_inverted_subject_no_verb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("xml")
    parser.add_argument("gold")
    args = parser.parse_args()
    wordnet = default_wordnet()
    irregular = wordnet.irregular_forms("VERB")

    def base_verb(word: str) -> bool:
        return wordnet.lemmatize(word, "VERB") == [(word, "VERB")]
    tags: Counter[str] = Counter()
    verbs = []
    inverted: Counter[str] = Counter()
    inverted_contexts = []
    for document in read_raganato(args.xml, args.gold):
        for sentence in document.sentences:
            words = [token.text for token in sentence.tokens]
            for at in after_copula_no_verb(words, irregular):
                tags[sentence.tokens[at].pos] += 1
                if sentence.tokens[at].pos == "VERB":
                    verbs.append(" ".join(words[max(0, at - 4):at + 3]))
            # the rule reads words the head tags VERB: here the corpus's VERB, so every
            # position found is one the rule would change; its rate of true verbs is the
            # share of the positions that the corpus, with the subject, still calls VERB
            best = [token.pos for token in sentence.tokens]
            for at in after_inverted_subject_no_verb(words, best, base_verb):
                inverted["VERB"] += 1
                inverted_contexts.append(" ".join(words[max(0, at - 4):at + 3]))
    print(f"{sum(tags.values())} words: " + ", ".join(f"{t} {n}" for t, n in tags.most_common()))
    for context in verbs:
        print("  VERB:", context)
    print(f"inverted copula: {inverted['VERB']} words the corpus tags VERB after a question's "
          "subject (each would be read as no verb)")
    for context in inverted_contexts:
        print("  VERB:", context)


if __name__ == "__main__":
    main()
