"""How the first-word name rule fares on SemCor: where it reads a sentence's first word as a
person's name (``names._subject_of_a_past_verb``: a first name before a verb in the past),
what SemCor's gold says of that word.

    python scripts/first_name_check.py --data ../shared/data/wsd/semcor/semcor.data.xml

Prints how many sentences the rule fires on, how many of those words SemCor labels, how many
of the labelled ones it labels a person (``person%...``) and the others, and the forms it
fired on most. BENCHMARKS.md "People's names WordNet lacks" reports the figures.
"""

from __future__ import annotations

import argparse
import collections

from sensedb import read_raganato
from sensedb.inventory import default_wordnet
from sensedb.retriever import names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CORPUS.data.xml (gold key beside it)")
    args = parser.parse_args()
    wordnet = default_wordnet()
    first, _ = names.person_names()
    fired: list[tuple[str, str, tuple[str, ...]]] = []
    documents = read_raganato(args.data, args.data.replace(".data.xml", ".gold.key.txt"))
    for document in documents:
        for sentence in document.sentences:
            words = [token.text for token in sentence.tokens]
            at = names._first_word(words)
            if words[at] not in first:
                continue
            candidates = [s for lemma, pos in wordnet.lemmatize(words[at])
                          for s in wordnet.candidates(lemma, pos)]
            if candidates and names._subject_of_a_past_verb(wordnet, words, at, candidates):
                fired.append((words[at], words[at + 1], sentence.tokens[at].senses))
    labelled = [row for row in fired if row[2]]
    person = [row for row in labelled if any(k.startswith("person%") for k in row[2])]
    print(f"fired on {len(fired)} sentences' first words; SemCor labels {len(labelled)}, "
          f"{len(person)} of them a person")
    for form, after, keys in labelled:
        if not any(k.startswith("person%") for k in keys):
            print(f"  not a person: {form} {after} {' '.join(keys)}")
    print("forms:", collections.Counter(row[0] for row in fired).most_common(20))


if __name__ == "__main__":
    main()
