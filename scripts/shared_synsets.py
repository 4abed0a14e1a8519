"""Which key to answer when a raw-text form reaches one synset through several lemmas.

    python scripts/shared_synsets.py --data ../shared/data [--cache runs/raw11-cache]

A surface form can reach one synset through two or more of its lemmas ("installed": install
and instal, both in install.v.01; "woods": woods and wood, both in forest.n.01). The scores
choose the synset; :func:`sensedb.retriever.scoring.one_key_per_synset` chooses the key. This
script measures candidate rules for that choice on SemCor 3.0's annotation: for every
instance whose gold synset is reached through two or more lemmas of its form (WordNet's
morphology, the gold POS), which rule picks the annotation's key. Counted apart for
scripts/tune_weights.py's documents (d000, d010, ...), scripts/raw_gap.py's slice (SLICE,
never used to choose) and the rest of SemCor. A rule that cannot tell the keys apart (equal
counts, no key of the form itself) is counted under ``decided`` as not deciding.

With ``--cache`` (a scripts/tune_weights.py cache holding ``semcor-wordnet.pkl`` and
``se07-wordnet.pkl``: raw-text candidates scored by the default index): right answers of the
shipped WordNet-only weights, one answer per key (the argmax) against one answer per synset
(``one_key_per_synset``), on tune_weights.py's SemCor documents and on SE07; and the same
weights plus a penalty on the *form-itself* reading (the candidate's lemma is the form as
written while WordNet's morphology also gives the form another lemma of that POS: "lots" as
lots beside lot, "leaders" as leaders beside leader), its weight (in units of the main
weight) chosen by 5-fold SemCor document CV (folds as tune_weights.py), SE07 only reported.
"""

from __future__ import annotations

import argparse
import json
import pickle
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sensedb.corpora import read_raganato
from sensedb.inventory import SenseInfo, default_wordnet
from sensedb.retriever import scoring
from sensedb.vocabulary import normalize_lemma

SLICE = set(("d015 d025 d035 d045 d055 d065 d085 d095 d105 d115 d125 d135 d155 d165 d175 "
             "d185 d195 d215 d235 d245").split())  # scripts/raw_gap.py's SLICE
FOLD_DOCUMENTS = {f"d{n:03d}" for n in range(0, 352, 10)}  # scripts/tune_weights.py's

# rule name -> (key of a sense of the shared synset: the highest is chosen, or None where the
# rule does not decide); arguments: sense, the form (normalized), the lemmas' lemmatize order
Rule = Callable[[SenseInfo, str, dict[str, int]], tuple]
RULES: dict[str, Rule] = {
    "shipped: form, then count, then sense number, then lemmatize order":
        lambda s, form, order: (s.lemma == form, s.count, -s.rank, -order[s.lemma]),
    "count, then form, then sense number, then lemmatize order":
        lambda s, form, order: (s.count, s.lemma == form, -s.rank, -order[s.lemma]),
    "count, then sense number, then lemmatize order":
        lambda s, form, order: (s.count, -s.rank, -order[s.lemma]),
    "lemmatize order (lemma tag-count total)": lambda s, form, order: (-order[s.lemma],),
    "the form itself only": lambda s, form, order: (s.lemma == form,),
    "a base form only (not the form itself)": lambda s, form, order: (s.lemma != form,),
    "count only": lambda s, form, order: (s.count,),
}


def part(document: str) -> str:
    return "folds" if document in FOLD_DOCUMENTS else "slice" if document in SLICE else "rest"


def annotation(data: Path) -> dict:
    """Per part of SemCor: instances, and per rule right / decided."""
    wordnet = default_wordnet()
    semcor = data / "wsd" / "semcor"
    out: dict[str, Counter] = {p: Counter() for p in ("folds", "slice", "rest")}
    for document in read_raganato(semcor / "semcor.data.xml", semcor / "semcor.gold.key.txt",
                                  key_check=wordnet.has_key):
        counts = out[part(document.id)]
        for sentence in document.sentences:
            for token in sentence.instances:
                lemmas = [lemma for lemma, pos in wordnet.lemmatize(token.text)
                          if pos == token.pos]
                if len(lemmas) < 2:
                    continue
                by_synset: dict[str, list[SenseInfo]] = {}
                for lemma in lemmas:
                    for sense in wordnet.candidates(lemma, token.pos):
                        by_synset.setdefault(sense.synset, []).append(sense)
                shared = next((senses for senses in by_synset.values()
                               if any(s.key in token.senses for s in senses)), [])
                if len({s.lemma for s in shared}) < 2:
                    continue
                form = normalize_lemma(token.text)
                order = {lemma: n for n, lemma in enumerate(lemmas)}
                counts["instances"] += 1
                for name, rule in RULES.items():
                    keys = [rule(s, form, order) for s in shared]
                    if sorted(keys)[-1] == sorted(keys)[-2]:
                        continue  # the rule does not tell the best keys apart
                    best = shared[keys.index(max(keys))]
                    counts[f"{name}|decided"] += 1
                    counts[f"{name}|right"] += best.key in token.senses
    return {p: {"instances": c["instances"],
                "rules": {name: f"{c[name + '|right']}/{c[name + '|decided']}"
                          for name in RULES}} for p, c in out.items()}


PENALTIES = (0.0, -0.02, -0.05, -0.1, -0.2, -0.3, -0.5, -1.0)


def answers(cache: Path, data: Path) -> dict:
    """Right answers of the shipped WordNet-only weights over cached raw-text candidates:
    per key (argmax) and per synset (``one_key_per_synset``)."""
    wordnet = default_wordnet()
    weights = scoring.weights_from(scoring.DEFAULT_WEIGHTS["wordnet_only"])
    wsd = data / "wsd"
    sets = {"semcor-wordnet": (wsd / "semcor" / "semcor.data.xml",
                               wsd / "semcor" / "semcor.gold.key.txt", FOLD_DOCUMENTS),
            "se07-wordnet": (wsd / "semeval2007" / "semeval2007.data.xml",
                             wsd / "semeval2007" / "semeval2007.gold.key.txt", None)}
    main = float(weights[scoring.FEATURES.index("gloss_cos")])
    out: dict = {}
    penalty: dict[str, list] = {"semcor-wordnet": [], "se07-wordnet": []}
    for name, (xml, gold, documents) in sets.items():
        rows = {r[2]["id"]: r for r in pickle.loads((cache / f"{name}.pkl").read_bytes())}
        tally = Counter()
        for document in read_raganato(xml, gold, key_check=wordnet.has_key):
            if documents is not None and document.id not in documents:
                continue
            for sentence in document.sentences:
                for token in sentence.instances:
                    # the candidates as tune_weights.raw_instance_features lists them
                    pairs = wordnet.lemmatize(token.text)
                    if (token.lemma, token.pos) not in pairs:
                        pairs.append((token.lemma, token.pos))
                    candidates = [s for lemma, pos in pairs
                                  for s in wordnet.candidates(lemma, pos)]
                    features, right, _ = rows[token.instance_id]
                    if len(candidates) != len(right):
                        raise ValueError(f"{token.instance_id}: the cache lists other candidates")
                    scores = features @ weights
                    form = normalize_lemma(token.text)
                    readings = set(wordnet.lemmatize(token.text))
                    itself = np.array([s.lemma == form and any(
                        lemma != form and pos == s.pos for lemma, pos in readings)
                        for s in candidates], dtype=np.float64)
                    penalty[name].append((document.id, [
                        bool(right[int(np.argmax(scores + x * main * itself))])
                        for x in PENALTIES]))
                    chosen = scoring.one_key_per_synset(candidates, scores,
                                                        normalize_lemma(token.text))
                    per_synset = max(chosen, key=lambda i: (scores[chosen[i]], -i))
                    key_answer = int(np.argmax(scores))
                    tally["instances"] += 1
                    tally["right per key"] += bool(right[key_answer])
                    tally["right per synset"] += bool(right[per_synset])
                    tally["answers differ"] += per_synset != key_answer
        out[name] = dict(tally)
    rows = penalty["semcor-wordnet"]
    fold_of = [(int(doc[1:]) // 10) % 5 for doc, _ in rows]
    table = np.array([[sum(r[1][n] for r, f in zip(rows, fold_of, strict=True) if f == k)
                       for n in range(len(PENALTIES))] for k in range(5)])
    cv, picks = 0, []
    for k in range(5):
        train = table[[j for j in range(5) if j != k]].sum(axis=0)
        pick = int(np.argmax(train))  # ties: the smaller penalty (listed first)
        cv += int(table[k, pick])
        picks.append(PENALTIES[pick])
    se07 = [sum(r[1][n] for r in penalty["se07-wordnet"]) for n in range(len(PENALTIES))]
    out["form_itself_penalty"] = {
        "semcor_right_by_weight": {str(x): int(table[:, n].sum())
                                   for n, x in enumerate(PENALTIES)},
        "se07_right_by_weight": {str(x): se07[n] for n, x in enumerate(PENALTIES)},
        "per_fold_choice": picks, "semcor_cv_right": cv,
        "semcor_right_without": int(table[:, 0].sum())}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--cache", default=None, type=Path)
    args = parser.parse_args()
    result = {"annotation": annotation(args.data)}
    if args.cache is not None:
        result["answers"] = answers(args.cache, args.data)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
