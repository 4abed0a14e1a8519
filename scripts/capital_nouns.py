"""What a capital inside the sentence says of a word's part of speech, counted on a labelled
corpus: the rule ``sensedb.retriever.names.capital_nouns`` and the figures behind its
``CAPITAL_NOUN_PROBABILITY``.

    python scripts/capital_nouns.py ../shared/data/wsd/semcor/semcor \\
        ../shared/data/wsd/semeval2007/semeval2007 [--json out.json]

For each data set (the path without ``.data.xml`` / ``.gold.key.txt``): the annotated
one-word instances capitalized inside their sentence (``scoring.capitalized_inside``)
whose form WordNet reads with a proper noun and no capitalized sense of another part of
speech, counted by their gold POS; then, through the default index's POS head (its rules
applied), the instances whose best tag the rule changes, by gold POS, and the head's
accuracy on all of them before and after (the universal tag of the gold POS).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

import numpy as np

import sensedb
from sensedb.corpora import read_raganato
from sensedb.pos_head import TAGS
from sensedb.retriever.names import capital_nouns
from sensedb.retriever.scoring import capitalized_inside


def flagged(inventory, words: list[str], at: int) -> bool:
    """The form's WordNet readings: a proper noun and no capitalized sense of another POS."""
    senses = [s for lemma, pos in inventory.lemmatize(words[at])
              for s in inventory.candidates(lemma, pos)]
    return any(s.pos == "NOUN" and inventory.proper_name(s) for s in senses) and not any(
        s.pos != "NOUN" and inventory.proper_name(s) for s in senses)


def count(index, name: str) -> dict:
    """The counts of one data set (see the module's docstring)."""
    inventory = index.inventory
    sentences: list[list[str]] = []
    places: list[tuple[int, int, str]] = []  # (sentence, word, gold POS)
    for document in read_raganato(f"{name}.data.xml", f"{name}.gold.key.txt"):
        for sentence in document.sentences:
            words = sentence.words
            found = [(at, t.pos) for at, t in enumerate(sentence.tokens)
                     if t.instance_id is not None and " " not in t.text
                     and capitalized_inside(words, at) and flagged(inventory, words, at)]
            if found:
                sentences.append(words)
                places.extend((len(sentences) - 1, at, pos) for at, pos in found)
    gold = Counter(pos for _, _, pos in places)
    head = index.pos_head
    vectors = index.encoder.word_vectors(sentences, layers=head.layers)
    before_tags = [head.sentence_log_probabilities(w, v)
                   for w, v in zip(sentences, vectors, strict=True)]
    after_tags = [capital_nouns(inventory, w, t)
                  for w, t in zip(sentences, before_tags, strict=True)]
    changed: Counter = Counter()
    right = Counter()
    examples = []
    for n, at, pos in places:
        before = TAGS[int(np.argmax(before_tags[n][at]))]
        after = TAGS[int(np.argmax(after_tags[n][at]))]
        right["before"] += before == pos
        right["after"] += after == pos
        if before != after:
            changed[pos] += 1
            words = sentences[n]
            examples.append(f"{pos}: {' '.join(words[max(0, at - 5):at])} [{words[at]}] "
                            f"{' '.join(words[at + 1:at + 4])}")
    return {"instances": len(places), "gold_pos": dict(gold), "changed_by_gold_pos":
            dict(changed), "head_right_before": right["before"],
            "head_right_after": right["after"], "changed": examples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="+", help="paths without .data.xml/.gold.key.txt")
    parser.add_argument("--json", help="write the counts here")
    args = parser.parse_args()
    index = sensedb.open()
    out = {}
    for name in args.datasets:
        out[name] = found = count(index, name)
        print(name, {k: v for k, v in found.items() if k != "changed"})
        for line in found["changed"]:
            print("  ", line)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
