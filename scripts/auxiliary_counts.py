"""How the tagger reads be/have/do in a labelled corpus: as a main verb or as an auxiliary,
against whether the corpus annotates the form (SemCor annotates main verbs and leaves
auxiliaries, do-support and do standing for a left-out verb unannotated).

    HF_HUB_OFFLINE=1 python scripts/auxiliary_counts.py \\
        --data ../shared/data/wsd/semcor/semcor.data.xml \\
        --gold ../shared/data/wsd/semcor/semcor.gold.key.txt [--json out.json] [--examples 20]

For each sentence holding a form of be/have/do (``tagger.LIGHT_VERBS``) the POS head tags
the words (one encoder pass, the default index's model) and ``tagger.is_main_verb`` reads
each form as ``tag`` does. Printed: a 2x2 table (main verb / auxiliary x annotated / not),
and with ``--examples`` the contexts of the annotated forms read as auxiliaries (``tag``
misses them) and of the unannotated forms read as main verbs. Run it with ``PYTHONPATH`` at
another checkout to set a change beside the code before it.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

import sensedb
from sensedb.retriever import tagger

BATCH = 512


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="a Raganato-format .data.xml")
    parser.add_argument("--gold", required=True, help="its .gold.key.txt")
    parser.add_argument("--index", default=None, help="index directory (default: the default)")
    parser.add_argument("--json", default=None, help="write the counts here")
    parser.add_argument("--examples", type=int, default=0, help="contexts shown of each kind")
    args = parser.parse_args()

    index = sensedb.open(args.index)
    sentences = [s for d in sensedb.read_raganato(args.data, args.gold) for s in d.sentences]
    words = [[t.text for t in s.tokens] for s in sentences]
    keep = [n for n, w in enumerate(words) if any(x.lower() in tagger.LIGHT_VERBS for x in w)]
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {"annotated_auxiliary": [], "unannotated_main": []}
    for low in range(0, len(keep), BATCH):
        batch = keep[low:low + BATCH]
        _, tags, _ = index.encode_sentences([words[n] for n in batch])
        for n, sentence_tags in zip(batch, tags, strict=True):
            for at, word in enumerate(words[n]):
                if word.lower() not in tagger.LIGHT_VERBS:
                    continue
                main_verb = tagger.is_main_verb(words[n], at, sentence_tags, index.inventory)
                annotated = sentences[n].tokens[at].is_instance
                kind = (f"{'main' if main_verb else 'auxiliary'}_"
                        f"{'annotated' if annotated else 'unannotated'}")
                counts[kind] += 1
                key = ("annotated_auxiliary" if annotated and not main_verb else
                       "unannotated_main" if main_verb and not annotated else None)
                if key and len(examples[key]) < args.examples:
                    context = words[n][max(0, at - 4):at] + [f"*{word}*"] + words[n][at + 1:at + 6]
                    examples[key].append(" ".join(context))
    print(f"{len(keep)} sentences with be/have/do")
    print(f"{'':>12} {'annotated':>10} {'not':>8}")
    for reading in ("main", "auxiliary"):
        print(f"{reading:>12} {counts[reading + '_annotated']:>10} "
              f"{counts[reading + '_unannotated']:>8}")
    for key, shown in examples.items():
        if shown:
            print(f"\n{key}:")
            for line in shown:
                print("   ", line)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"counts": dict(counts), "examples": examples, "data": args.data}, out,
                      indent=1)


if __name__ == "__main__":
    main()
