"""Choose when the tagger keeps a multiword reading over its words read one by one.

    python scripts/tune_multiword.py collect --data ../shared/data --cache runs/raw11b-cache \
        [--index IDX --name se07-corpus]
    python scripts/tune_multiword.py choose --cache runs/raw11b-cache
    python scripts/tune_multiword.py collect --corpus --index runs/p30/semcor90 --cache C
    python scripts/tune_multiword.py choose --corpus --cache C --write ...
    python scripts/tune_multiword.py tags --cache runs/raw11b-cache

``collect`` runs the tagger's own steps (``tagger.readings``, ``SenseIndex.disambiguate``)
over labelled sentences fed as raw words (a multiword token split into its words) and keeps,
for every multiword reading WordNet knows in them: its best score, the best score of each
single-word reading inside it, whether the data set has that span as one token, and whether
each answer is right. Data: SemCor documents d000, d010, ... (the 36 documents of
scripts/tune_weights.py) and SemEval-2007 on the default index (``semcor-multiword.pkl``,
``se07-multiword.pkl``), or SemEval-2007 on ``--index``.

``--corpus``: the corpus formula's margins instead (``corpus_margin``), its readings
collected on a SemCor index built without those documents (``--index``; as
scripts/tune_weights.py's corpus formula, ``refuse_held_out``): ``semcor-corpus-multiword.pkl``
and ``se07-corpus-multiword.pkl``.

``choose`` scores the rule "keep the multiword where its best score minus the best score of
its words is above ``margin``" for margins on a grid by the right answers it gives over each
reading's words (the multiword's answer where kept, else its words' answers), by 5-fold
SemCor document cross-validation (folds as scripts/tune_weights.py), each fold's choice made
on the other four folds and SE07 together (``--semcor-only``: the four folds alone, SE07 only
reported; ``--other M``: the margin of the other parts of speech held at M, the verbs' chosen).
``tags`` groups the readings by part of speech, the POS head's tag of their last word and
(verbs) of the word after them, and counts per group the readings the data set has as one
token and the right answers of the shipped margins, of splitting every reading and of keeping
every one (is there a tag pattern that tells the data set's one-token spans apart?).
The margin is in units of the formula's main weight (``gloss_cos`` for the WordNet-only
formula, ``corpus_cos`` for the corpus one), so one number serves both families.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pickle
import shlex
import sys
from pathlib import Path

import numpy as np

import sensedb
from sensedb.corpora import read_raganato
from sensedb.pos_head import TAGS, content_log_probabilities
from sensedb.retriever import scoring
from sensedb.retriever.tagger import _span_pos, readings
from sensedb.retriever.target import Target, merged

SEMCOR_DOCUMENTS = {f"d{n:03d}" for n in range(0, 352, 10)}
STEPS = (-2.0, -1.5, -1.0) + tuple(round(float(x), 3) + 0.0
                                   for x in np.arange(-0.9, 0.301, 0.05))
MARGINS = tuple((v, o) for v in STEPS for o in STEPS)  # (verbs, other parts of speech)


def unit(weights: np.ndarray) -> float:
    """The formula's main weight: corpus_cos where it has one, else gloss_cos."""
    corpus = weights[scoring.FEATURES.index("corpus_cos")]
    return float(corpus or weights[scoring.FEATURES.index("gloss_cos")])


def collect(index, xml: Path, gold: Path, documents: set[str] | None) -> list[dict]:
    """One row per multiword reading (see the module docstring)."""
    sentences = []
    for document in read_raganato(xml, gold, key_check=index.inventory.has_key):
        if documents is not None and document.id not in documents:
            continue
        for sentence in document.sentences:
            words, spans = [], {}
            for token in sentence.tokens:
                parts = token.text.split() or [token.text]
                spans[(len(words), len(words) + len(parts))] = token
                words.extend(parts)
            sentences.append((document.id, words, spans))
    found = [readings(index, words, None) for _, words, _ in sentences]
    pairs = [p for singles, multi in found for _, _, ps in singles + multi for p in ps]
    index.ensure(pairs, progress=True)
    index.prefetch(pairs)
    # one forward pass: word vectors, POS tags and (when scored) the sentence vectors
    vectors, tags, contexts = index.encode_sentences([w for _, w, _ in sentences],
                                                     progress=True)
    scale = unit(index.weights)
    rows = []
    for (doc, words, spans), vecs, tag, context in zip(sentences, vectors, tags, contexts,
                                                       strict=True):
        singles, multi = readings(index, words, tag)
        if not multi:
            continue
        cache: dict[tuple[int, int], tuple[float, str | None]] = {}

        def answer(start: int, end: int, pairs: list, words=words, vecs=vecs, tag=tag,
                   cache=cache, context=context) -> tuple[float, str | None]:
            if (start, end) not in cache:
                single = end - start == 1
                target = Target(list(words), start) if single else merged(words, start, end)
                pos = (content_log_probabilities(tag[start]) if single
                       else _span_pos(tag, start, end))
                got = index.disambiguate(target, pairs, vecs[start:end].mean(axis=0), k=0,
                                         context=context, pos_logp=pos)
                best = got.senses[0] if got.senses else None
                cache[(start, end)] = ((best.score / scale) if best else float("-inf"),
                                       best.key if best else None)
            return cache[(start, end)]

        for start, end, pairs in multi:
            score, key = answer(start, end, pairs)
            token = spans.get((start, end))
            inner = []
            for a, b, single_pairs in singles:
                if start <= a < end:
                    s, k = answer(a, b, single_pairs)
                    word = spans.get((a, b))
                    inner.append((s, bool(word is not None and k in word.senses)))
            rows.append({"doc": doc, "words": words[start:end], "score": score,
                         "inner": [s for s, _ in inner], "inner_right": sum(r for _, r in inner),
                         "gold_span": token is not None,
                         "right": bool(token is not None and key in token.senses),
                         "lemma_pos": pairs[0],
                         # the POS head's best tag of each word of the span and of the word
                         # after it (None at the sentence's end or without a head)
                         "tags": [None if tag is None else TAGS[int(np.argmax(tag[at]))]
                                  for at in range(start, end)],
                         "next_tag": (None if tag is None or end >= len(words)
                                      else TAGS[int(np.argmax(tag[end]))])})
    return rows


def by_tags(rows: list[dict], margin: tuple[float, float]) -> list[dict]:
    """Readings grouped by (POS, head tag of the last word, head tag of the next word for
    verbs): n, one-token in the data, kept at ``margin`` (verbs, others), right answers at
    ``margin`` / all split / all kept; largest groups first (rows from ``collect``)."""
    groups: dict[tuple, dict] = {}
    for row in rows:
        pos = row["lemma_pos"][1]
        key = (pos, row["tags"][-1], row["next_tag"] if pos == "VERB" else "-")
        g = groups.setdefault(key, {"group": " ".join(str(k) for k in key), "n": 0,
                                    "one_token": 0, "kept": 0, "right_at_margin": 0,
                                    "right_all_split": 0, "right_all_kept": 0})
        keep = not row["inner"] or row["score"] - max(row["inner"]) > (
            margin[0] if pos == "VERB" else margin[1])
        g["n"] += 1
        g["one_token"] += row["gold_span"]
        g["kept"] += keep
        g["right_at_margin"] += row["right"] if keep else row["inner_right"]
        g["right_all_split"] += row["inner_right"] if row["inner"] else row["right"]
        g["right_all_kept"] += row["right"]
    return sorted(groups.values(), key=lambda g: -g["n"])


def right_for(rows: list[dict], margin: float | tuple[float, float]) -> int:
    """Right answers over the readings' words when multiwords are kept above ``margin``
    (one number, or (verbs, other parts of speech))."""
    verb, other = margin if isinstance(margin, tuple) else (margin, margin)
    total = 0
    for row in rows:
        cut = verb if row["lemma_pos"][1] == "VERB" else other
        keep = not row["inner"] or row["score"] - max(row["inner"]) > cut
        total += row["right"] if keep else row["inner_right"]
    return total


def choose(semcor: list[dict], se07: list[dict], *, se07_weight: float = 1.0,
           other: float | None = None) -> dict:
    """The margins by 5-fold SemCor document CV: each fold scored with the margins best on
    the other four folds' right answers (as a share of their best) plus ``se07_weight`` times
    SE07's (as a share of its best; 0: SemCor alone chooses, SE07 is only reported);
    ``other``: the margin of the parts of speech other than verbs held at this value (one
    of STEPS), only the verbs' chosen.

    Raises:
        ValueError: ``other`` is not on the grid."""
    if other is not None and other not in STEPS:
        raise ValueError(f"--other {other}: not on the grid {STEPS}")
    allowed = np.array([other is None or m[1] == other for m in MARGINS])
    folds = [(int(r["doc"][1:]) // 10) % 5 for r in semcor]
    table = np.array([[right_for([r for r, f in zip(semcor, folds, strict=True) if f == k], m)
                       for m in MARGINS] for k in range(5)])
    dev = np.array([right_for(se07, m) for m in MARGINS])
    cv, per_fold = 0, {}
    for k in range(5):
        train = table[[j for j in range(5) if j != k]].sum(axis=0)
        pick = int(np.argmax(np.where(allowed, train / max(train.max(), 1)
                                      + se07_weight * dev / max(dev.max(), 1), -np.inf)))
        cv += int(table[k, pick])
        per_fold[k] = MARGINS[pick]
    pick = int(np.argmax(np.where(allowed, table.sum(axis=0) / table.sum(axis=0).max()
                                  + se07_weight * dev / max(dev.max(), 1), -np.inf)))
    now = MARGINS.index((0.0, 0.0))
    return {"margin": MARGINS[pick], "per_fold": per_fold, "semcor_cv_right": cv,
            "semcor_right_at_0": int(table[:, now].sum()),
            "semcor_right_at_choice": int(table[:, pick].sum()),
            "se07_right_at_0": int(dev[now]), "se07_right_at_choice": int(dev[pick]),
            "readings": {"semcor": len(semcor), "se07": len(se07),
                         "semcor_gold_spans": sum(r["gold_span"] for r in semcor),
                         "se07_gold_spans": sum(r["gold_span"] for r in se07)},
            "by_margin": {str(m): [int(table[:, i].sum()), int(dev[i])]
                          for i, m in enumerate(MARGINS) if m[0] == m[1] or m == MARGINS[pick]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("collect", "choose", "tags"))
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--cache", default="runs/raw11b-cache", type=Path)
    parser.add_argument("--index", default=None)
    parser.add_argument("--name", default=None, help="collect only this file (se07-corpus)")
    parser.add_argument("--corpus", action="store_true",
                        help="the corpus formula's margins, readings from --index, a SemCor "
                             "index without the held-out documents")
    parser.add_argument("--semcor-only", action="store_true",
                        help="choose on the SemCor folds alone (SE07 only reported)")
    parser.add_argument("--other", default=None, type=float, metavar="MARGIN",
                        help="hold the margin of the other parts of speech at MARGIN and "
                             "choose the verbs' only")
    parser.add_argument("--write", default=None, metavar="PATH",
                        help="store the chosen margins in the weights file "
                             "(sensedb/data/scoring_weights.json, key 'multiword')")
    args = parser.parse_args()
    wsd = args.data / "wsd"
    se07 = (wsd / "semeval2007" / "semeval2007.data.xml",
            wsd / "semeval2007" / "semeval2007.gold.key.txt")
    semcor = (wsd / "semcor" / "semcor.data.xml", wsd / "semcor" / "semcor.gold.key.txt")
    suffix = "-corpus-multiword" if args.corpus else "-multiword"
    if args.step == "collect":
        jobs = {f"se07{suffix}": (se07, None), f"semcor{suffix}": (semcor, SEMCOR_DOCUMENTS)}
        if args.name:
            jobs = {args.name: (se07, None)}
        index = sensedb.open(args.index)
        if args.corpus:
            from tune_weights import refuse_held_out  # scripts/tune_weights.py

            if not index.tokens.ntotal:
                raise SystemExit(f"--corpus: {args.index} holds no labelled corpus tokens")
            refuse_held_out(index, SEMCOR_DOCUMENTS)
        args.cache.mkdir(parents=True, exist_ok=True)
        for name, ((xml, gold), documents) in jobs.items():
            rows = collect(index, xml, gold, documents)
            (args.cache / f"{name}.pkl").write_bytes(pickle.dumps(rows))
            print(f"{name}: {len(rows)} multiword readings", flush=True)
        return
    rows = {n.replace(suffix, "-multiword"): pickle.loads((args.cache / f"{n}.pkl").read_bytes())
            for n in (f"semcor{suffix}", f"se07{suffix}")}
    if args.step == "tags":
        margin = (scoring.MULTIWORD.get("VERB", 0.0), scoring.MULTIWORD.get("other", 0.0))
        for name, found in rows.items():
            print(f"{name} (margins {margin}):")
            for g in by_tags(found, margin):
                if g["n"] >= 10 or name == "se07-multiword":
                    print("  " + ", ".join(f"{k} {v}" for k, v in g.items()))
        return
    result = choose(rows["semcor-multiword"], rows["se07-multiword"],
                    se07_weight=0.0 if args.semcor_only else 1.0, other=args.other)
    corpus = args.cache / "se07-corpus-multiword.pkl"
    if corpus.exists() and not args.corpus:
        found = pickle.loads(corpus.read_bytes())
        result["se07_corpus_right"] = {str(m): right_for(found, m) for m in MARGINS}
    print(json.dumps({k: v for k, v in result.items() if k != "by_margin"}, indent=1))
    if args.write:
        path = Path(args.write)
        data = json.loads(path.read_text(encoding="utf-8"))
        verb, other = result["margin"]
        before = data.get("multiword", {})
        provenance = {"command": "python scripts/tune_multiword.py " + shlex.join(sys.argv[1:]),
                      "date": datetime.date.today().isoformat(),
                      "data": "multiword readings of SemCor documents d000, d010, ... "
                              "(5-fold document CV)"
                              + ("" if args.semcor_only else " and SemEval-2007")
                              + (", a SemCor index without those documents" if args.corpus
                                 else ", default index")
                              + ("" if args.other is None else
                                 f"; other parts of speech held at {args.other}"),
                      "semcor_cv_right": result["semcor_cv_right"],
                      "se07_right": result["se07_right_at_choice"]}
        if args.corpus:
            data["multiword"] = {**before, "corpus_margin": {"VERB": verb, "other": other},
                                 "corpus_provenance": provenance}
            path.write_text(json.dumps(data, indent=2) + "\n")
            print(f"wrote {path}")
            return
        data["multiword"] = {
            "margin": {"VERB": verb, "other": other},
            # the corpus formula keeps its margins (scoring.MULTIWORD_CORPUS): these readings
            # are scored by the default index's formula
            "corpus_margin": before.get("corpus_margin", before.get("margin", {})),
            "rule": "keep a multiword reading where its best score minus the best score of its "
                    "words read one by one is above the margin of its part of speech, in units "
                    "of the formula's main weight (corpus_cos, else gloss_cos); margin: the "
                    "WordNet-only formula's, corpus_margin: the corpus formula's",
            "provenance": provenance,
            **({"corpus_provenance": before["corpus_provenance"]}
               if "corpus_provenance" in before else {})}
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
