"""How often the POS head's hand-written rules fire against a corpus's own tags: for each rule,
the corpus's tag of every word it changes, and the words it rules out that the corpus gives
the ruled-out tag, in context.

    python scripts/pos_rule_counts.py ../shared/data/wsd/semcor/semcor.data.xml \\
        ../shared/data/wsd/semcor/semcor.gold.key.txt

The corpus's own tags stand for the head's: each word's row gives its tag 0.5 and the others
the rest evenly, so a rule fires where the words and those tags let it. Rules:
``pos_head.degree_adverb_no_noun`` (NOUN ruled out), ``pos_head.determiner_no_adverb`` (ADV
and X), ``pos_head.article_nouns`` (read as NOUN: what else it reads counted),
``pos_head.article_noun_no_bare_verb`` (VERB; WordNet's morphology for base forms),
``pos_head.imperative_no_noun`` (NOUN; the same).
The figures in those rules' comments come from here (and ``scripts/copula_verbs.py`` for the
copula rule).
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from sensedb.corpora.raganato import read_raganato
from sensedb.inventory import default_wordnet
from sensedb.pos_head import (
    TAGS,
    article_noun_no_bare_verb,
    article_nouns,
    degree_adverb_no_noun,
    determiner_no_adverb,
    imperative_no_noun,
)


def gold_rows(tags: list[str]) -> np.ndarray:
    """(len(tags), len(TAGS)) float64 log-probabilities: each word's tag 0.5, the rest even
    (a tag outside TAGS: the rest even over all)."""
    p = np.full((len(tags), len(TAGS)), 0.5 / (len(TAGS) - 1))
    for at, tag in enumerate(tags):
        if tag in TAGS:
            p[at, TAGS.index(tag)] = 0.5
    return np.log(p / p.sum(1, keepdims=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("xml")
    parser.add_argument("gold")
    parser.add_argument("--contexts", type=int, default=30,
                        help="contexts shown per rule (default 30)")
    args = parser.parse_args()
    wordnet = default_wordnet()

    def base_verb(word: str) -> bool:
        return wordnet.lemmatize(word, "VERB") == [(word, "VERB")]

    rules = {"degree_adverb_no_noun": (degree_adverb_no_noun, ("NOUN",)),
             "determiner_no_adverb": (determiner_no_adverb, ("ADV", "X")),
             "article_nouns": (article_nouns, ("ADJ", "VERB", "ADV")),
             "article_noun_no_bare_verb": (
                 lambda words, logp: article_noun_no_bare_verb(words, logp, base_verb),
                 ("VERB",)),
             "imperative_no_noun": (
                 lambda words, logp: imperative_no_noun(words, logp, base_verb), ("NOUN",))}
    counts: dict[str, Counter[str]] = {name: Counter() for name in rules}
    contexts: dict[str, list[str]] = {name: [] for name in rules}
    for document in read_raganato(args.xml, args.gold):
        for sentence in document.sentences:
            words = [token.text for token in sentence.tokens]
            tags = [token.pos for token in sentence.tokens]
            logp = gold_rows(tags)
            for name, (rule, out_tags) in rules.items():
                ruled = rule(words, logp)
                for at in np.flatnonzero(np.any(ruled != logp, axis=1)):
                    counts[name][tags[at]] += 1
                    if tags[at] in out_tags and len(contexts[name]) < args.contexts:
                        contexts[name].append(" ".join(words[max(0, at - 5):at])
                                              + f" *{words[at]}* " + " ".join(words[at + 1:at + 3]))
    for name, (_, out_tags) in rules.items():
        total = sum(counts[name].values())
        out = sum(counts[name][t] for t in out_tags)
        print(f"{name}: {total} words, {'/'.join(out_tags)} {out} "
              f"({100 * out / max(total, 1):.2f}%): "
              + ", ".join(f"{t} {n}" for t, n in counts[name].most_common()))
        for context in contexts[name]:
            print("   ", context)


if __name__ == "__main__":
    main()
