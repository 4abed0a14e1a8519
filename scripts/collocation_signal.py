"""Measure a collocation signal before building it (measured and dropped: BENCHMARKS.md
"Two more fresh testers and a breaker: ..."): a content lemma within W words of the target in
the usage that is also within W words of the target lemma in one of a candidate sense's
WordNet usage examples (all of an example's content lemmas when a synonym carries it). Where
exactly one candidate has such a lemma, how often is it the gold sense, against the most
frequent sense on the same instances?

    python scripts/collocation_signal.py DATA.xml GOLD.txt [--window 3]
"""

from __future__ import annotations

import argparse

from sensedb.corpora.raganato import read_raganato
from sensedb.corpora.tokenize import tokenize
from sensedb.inventory import default_wordnet

STOP = frozenset("""a an the of in on at to for with by from and or but is are was were be been
it its this that these those he she they we you i his her their our my your as not no so""".split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("xml")
    parser.add_argument("gold")
    parser.add_argument("--window", type=int, default=3)
    args = parser.parse_args()
    wordnet, window = default_wordnet(), args.window
    lemma_cache: dict[str, set[str]] = {}
    signature_cache: dict[str, set[str]] = {}

    def lemmas(word: str) -> set[str]:
        low = word.lower()
        if low in STOP or not any(c.isalpha() for c in low):
            return set()
        if low not in lemma_cache:
            lemma_cache[low] = {lemma for lemma, _ in wordnet.lemmatize(low)} | {low}
        return lemma_cache[low]

    def signature(sense, lemma: str) -> set[str]:
        if sense.key not in signature_cache:
            found: set[str] = set()
            forms = set(lemma.split("_"))
            for example in sense.examples:
                words = tokenize(example)
                read = [lemmas(w) for w in words]
                at = [i for i, r in enumerate(read) if r & forms or words[i].lower() in forms]
                if not at:
                    for r in read:
                        found |= r
                for i in at:
                    for j in range(max(0, i - window), min(len(words), i + window + 1)):
                        if j != i:
                            found |= read[j]
            signature_cache[sense.key] = found - forms
        return signature_cache[sense.key]

    n = unique = right = mfs = 0
    for document in read_raganato(args.xml, args.gold):
        for sentence in document.sentences:
            tokens = sentence.tokens
            for i, token in enumerate(tokens):
                if not token.is_instance or token.pos not in ("NOUN", "VERB", "ADJ", "ADV"):
                    continue
                candidates = wordnet.candidates(token.lemma, token.pos)
                if len(candidates) < 2:
                    continue
                n += 1
                context: set[str] = set()
                for j in range(max(0, i - window), min(len(tokens), i + window + 1)):
                    if j != i:
                        context |= lemmas(tokens[j].text)
                hits = [c for c in candidates if signature(c, token.lemma) & context]
                if len(hits) == 1:
                    unique += 1
                    right += hits[0].key in token.senses
                    mfs += candidates[0].key in token.senses
    print(f"window {window}: {n} ambiguous instances, one candidate matched on {unique}: "
          f"its sense right {100 * right / max(unique, 1):.1f}%, the most frequent sense "
          f"{100 * mfs / max(unique, 1):.1f}%")


if __name__ == "__main__":
    main()
