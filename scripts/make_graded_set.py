"""Build a graded in-context similarity set from sense-labelled text (never tune on it).

    python scripts/make_graded_set.py runs/graded_semeval2007.tsv
    python scripts/make_graded_set.py runs/graded_semcor.tsv --source semcor --max-pairs 2000

Pairs are two labelled usages of the same lemma and POS (in different sentences). The gold
score is 1.0 when the two usages share a gold sense (synset), otherwise WordNet's path
similarity of their synsets, ``1 / (1 + shortest hypernym path)`` (at most 0.5; verbs get a
simulated common root; adjectives and adverbs of different synsets: 0), the best over their
gold keys. So the set is graded: same sense > related senses > unrelated senses.

Sources (Raganato unified format under ``--data``, default ``../shared/data``):

- ``semeval2007`` (default): SemEval-2007 task 17, the WSD development set. Its sentences are
  in no index built from SemCor, so a SemCor index's evidence never contains the pair itself.
- ``semcor``: SemCor 3.0. Caution: an index built from SemCor holds these very usages (a
  nearest neighbour at cosine 1.0 carrying the gold sense), so its sense scores are inflated.

Output: the TSV of :func:`sensedb.corpora.pairs.read_pairs_tsv`, ``sentence_a <tab>
target_a <tab> sentence_b <tab> target_b <tab> gold``, targets written ``word@N`` (N = the
token position in ``sensedb.tokenize(sentence)``), with ``#`` comment lines on top. Up to
``--per-lemma`` pairs per lemma (sampled with ``--seed``), at most ``--max-pairs`` in all.
Write it under runs/ (data derived from ../shared/data is never committed).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
from collections import defaultdict
from pathlib import Path

from sensedb import read_raganato, tokenize
from sensedb.corpora import find_target
from sensedb.errors import InputError
from sensedb.inventory import default_wordnet
from sensedb.similarity.methods import path_similarity

SOURCES = {
    "semeval2007": "wsd/semeval2007/semeval2007",
    "semcor": "wsd/semcor/semcor",
}


def usages(data_root: Path, source: str):
    """(lemma, pos, keys, sentence text, target spec) of every labelled instance whose
    target can be found again in the re-tokenized sentence."""
    base = data_root / SOURCES[source]
    found = []
    for document in read_raganato(f"{base}.data.xml", f"{base}.gold.key.txt"):
        for sentence in document.sentences:
            words = sentence.words
            text = " ".join(words)
            retokenized = tokenize(text)
            for position, token in enumerate(sentence.tokens):
                if not token.senses or "\t" in text:
                    continue
                at = len(tokenize(" ".join(words[:position]))) if position else 0
                try:
                    find_target(retokenized, token.text, at)
                except InputError:  # the tokenizer split it differently: skip the instance
                    continue
                found.append((token.lemma.lower(), token.pos, tuple(token.senses), text,
                              f"{token.text}@{at}"))
    return found


def gold_score(inventory, keys_a, keys_b) -> float:
    synsets_a = {inventory.sense(k).synset for k in keys_a if inventory.has_key(k)}
    synsets_b = {inventory.sense(k).synset for k in keys_b if inventory.has_key(k)}
    if not synsets_a or not synsets_b:
        return float("nan")
    if synsets_a & synsets_b:
        return 1.0
    return max(path_similarity(inventory, a, b) for a in synsets_a for b in synsets_b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="TSV to write (put it under runs/)")
    parser.add_argument("--source", choices=sorted(SOURCES), default="semeval2007")
    parser.add_argument("--data", type=Path, default=Path(
        os.environ.get("SENSEDB_SHARED_DATA") or Path(__file__).resolve().parents[2]
        / "shared" / "data"))
    parser.add_argument("--per-lemma", type=int, default=15)
    parser.add_argument("--max-pairs", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    inventory = default_wordnet()
    by_lemma = defaultdict(list)
    for usage in usages(args.data, args.source):
        by_lemma[usage[:2]].append(usage)
    rng = random.Random(args.seed)
    rows = []
    for lemma_pos in sorted(by_lemma):
        group = by_lemma[lemma_pos]
        candidates = [(a, b) for a, b in itertools.combinations(group, 2) if a[3] != b[3]]
        rng.shuffle(candidates)
        for a, b in candidates[: args.per_lemma]:
            score = gold_score(inventory, a[2], b[2])
            if score == score:  # not NaN
                rows.append((a[3], a[4], b[3], b[4], score))
    rng.shuffle(rows)
    rows = rows[: args.max_pairs]
    same = sum(r[4] == 1.0 for r in rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(f"# graded in-context similarity from {args.source} "
                     f"(scripts/make_graded_set.py, seed {args.seed}): {len(rows)} pairs, "
                     f"{same} same sense\n")
        handle.write("# sentence_a\ttarget_a\tsentence_b\ttarget_b\tgold (1 = same synset, "
                     "else WordNet path similarity)\n")
        for row in rows:
            handle.write("\t".join([*row[:4], f"{row[4]:.4f}"]) + "\n")
    print(f"{args.out}: {len(rows)} pairs ({same} same sense) from {len(by_lemma)} lemmas")


if __name__ == "__main__":
    main()
