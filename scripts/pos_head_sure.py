"""How often the POS head is sure of a content part of speech other than the gold one, on a
corpus's gold instances: the ground for ``results.LACKING_POS_PROBABILITY`` (an answer is
novel where the head is that sure of a part of speech WordNet has no reading of the word in).

    python scripts/pos_head_sure.py ../shared/data/wsd/semeval2007/semeval2007.data.xml \\
        ../shared/data/wsd/semeval2007/semeval2007.gold.key.txt
    python scripts/pos_head_sure.py ../shared/data/wsd/semcor/semcor.data.xml \\
        ../shared/data/wsd/semcor/semcor.gold.key.txt --documents 25

Uses the default index's POS head and rules (``SenseIndex.sentence_tags``, as ``wsd`` and
``tag`` read them); prints the instances, how many the head gives a content POS at least
``--sure`` (default 0.98, renormalized over NOUN VERB ADJ ADV), how many of those are not the
gold POS, and some of them in context.
"""

from __future__ import annotations

import argparse

import numpy as np

import sensedb
from sensedb.corpora.raganato import read_raganato
from sensedb.pos_head import content_log_probabilities
from sensedb.vocabulary import POS_TAGS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("xml")
    parser.add_argument("gold")
    parser.add_argument("--documents", type=int, default=0, help="the first N (0: all)")
    parser.add_argument("--sure", type=float, default=0.98)
    args = parser.parse_args()
    index = sensedb.open()
    n = sure = wrong = 0
    shown: list[str] = []
    for number, document in enumerate(read_raganato(args.xml, args.gold)):
        if args.documents and number >= args.documents:
            break
        sentences = [[t.text for t in s.tokens] for s in document.sentences]
        _, tags, _ = index.encode_sentences(sentences, context=False)
        for sentence, words, tag in zip(document.sentences, sentences, tags, strict=True):
            for at, token in enumerate(sentence.tokens):
                if not token.senses or token.pos not in POS_TAGS:
                    continue
                logp = content_log_probabilities(tag[at])
                best = int(np.argmax(logp))
                n += 1
                if np.exp(logp[best]) < args.sure:
                    continue
                sure += 1
                if POS_TAGS[best] != token.pos:
                    wrong += 1
                    if len(shown) < 20:
                        shown.append(f"{token.pos} read {POS_TAGS[best]}: "
                                     + " ".join(words[max(0, at - 4):at]) + f" *{words[at]}* "
                                     + " ".join(words[at + 1:at + 3]))
    print(f"{n} instances; the head at least {args.sure} sure of one: {sure}; "
          f"not the gold POS: {wrong} ({100 * wrong / max(sure, 1):.2f}%)")
    for line in shown:
        print("  ", line)


if __name__ == "__main__":
    main()
