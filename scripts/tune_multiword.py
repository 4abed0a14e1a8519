"""Choose when the tagger keeps a multiword reading over its words read one by one.

    python scripts/tune_multiword.py collect --data ../shared/data --cache runs/raw11b-cache \
        [--index IDX --name se07-corpus]
    python scripts/tune_multiword.py choose --cache runs/raw11b-cache [--rates RATES.json]
    python scripts/tune_multiword.py collect --corpus --index runs/p30/semcor90 --cache C
    python scripts/tune_multiword.py choose --corpus --cache C --write ...
    python scripts/tune_multiword.py tags --cache runs/raw11b-cache
    python scripts/tune_multiword.py calibrate [--corpus] --cache C [--write WEIGHTS.json]
    python scripts/tune_multiword.py novelty [--corpus] --cache C [--write WEIGHTS.json]

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
``--rates FILE`` (scripts/multiword_rates.py's counts, made without these documents): the
rule becomes "... minus the best score of its words, plus a rate weight times the log odds of
the corpus writing the reading's lemma as one token (``scoring.rate_log_odds``), is above the
margin", the rate weight chosen on RATE_WEIGHTS together with the margins (``rate_weight``,
``corpus_rate_weight`` in the weights file with ``--write``).
``tags`` groups the readings by part of speech, the POS head's tag of their last word and
(verbs) of the word after them, and counts per group the readings the data set has as one
token and the right answers of the shipped margins, of splitting every reading and of keeping
every one (is there a tag pattern that tells the data set's one-token spans apart?).
``calibrate`` fits how likely a reading the shipped rule keeps is one token in the data set,
a logistic of by how much it is kept (:func:`calibrate`; ``whole`` / ``corpus_whole`` in the
weights file with ``--write``: the tagger's probability of a kept multiword,
``scoring.multiword_whole``).
``novelty`` fits the novelty thresholds of multiword readings (``scoring.MULTIWORD_NOVELTY``)
on the fits of the readings the data set has as one token.
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
from sensedb.retriever.tagger import (
    _span_pos,
    opens_with_function_word,
    readings,
    span_free_best,
)
from sensedb.retriever.target import Target, merged

SEMCOR_DOCUMENTS = {f"d{n:03d}" for n in range(0, 352, 10)}
STEPS = (-2.0, -1.5, -1.0) + tuple(round(float(x), 3) + 0.0
                                   for x in np.arange(-0.9, 0.301, 0.05))
MARGINS = tuple((v, o) for v in STEPS for o in STEPS)  # (verbs, other parts of speech)
# weights of the corpus's rate of writing a reading whole (``--rates``; scoring.multiword_rate)
# (the verbs' and the other parts of speech's, each on this grid)
RATE_WEIGHTS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0)


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
                   cache=cache, context=context) -> tuple[float, str | None, tuple]:
            if (start, end) not in cache:
                single = end - start == 1
                target = Target(list(words), start) if single else merged(words, start, end)
                pos = (content_log_probabilities(tag[start]) if single
                       else _span_pos(tag, start, end, words, pairs))
                got = index.disambiguate(target, pairs, vecs[start:end].mean(axis=0), k=0,
                                         context=context, pos_logp=pos)
                best = got.senses[0] if got.senses else None
                cache[(start, end)] = ((best.score / scale) if best else float("-inf"),
                                       best.key if best else None, (target, pairs, got))
            return cache[(start, end)]

        for start, end, pairs in multi:
            score, key, (_, _, got) = answer(start, end, pairs)
            token = spans.get((start, end))
            inner = []
            for a, b, single_pairs in singles:
                if start <= a < end:
                    _, k, reading = answer(a, b, single_pairs)
                    # the word's best score as the tagger weighs it against the span
                    s = span_free_best(index, *reading, range(start, end)) / scale
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
                                      else TAGS[int(np.argmax(tag[end]))]),
                         # the best candidate's fit (scoring.fit), what novel is read from
                         "fit": got.fit})
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


def _arrays(rows: list[dict], rates: dict | None) -> dict:
    """The rows as arrays: each reading's score minus its words' best (NaN without words:
    always kept), its lemma's rate log odds, verb or not, right answers kept and split."""
    return {
        "d": np.array([r["score"] - max(r["inner"]) if r["inner"] else np.nan for r in rows]),
        "f": np.array([scoring.rate_log_odds(rates or {}, [r["lemma_pos"][0]]) for r in rows]),
        "verb": np.array([r["lemma_pos"][1] == "VERB" for r in rows], dtype=bool),
        "kept": np.array([int(r["right"]) for r in rows]),
        "split": np.array([int(r["inner_right"]) for r in rows])}


def _right(a: dict, margin: tuple[float, float], rate: tuple[float, float]) -> int:
    cut = np.where(a["verb"], margin[0], margin[1])
    extra = np.where(a["verb"], rate[0], rate[1]) * a["f"]
    keep = np.isnan(a["d"]) | (a["d"] + extra > cut)
    return int(np.where(keep, a["kept"], a["split"]).sum())


def right_for(rows: list[dict], margin: float | tuple[float, float],
              rate_weight: float | tuple[float, float] = 0.0, rates: dict | None = None) -> int:
    """Right answers over the readings' words when multiwords are kept above ``margin``
    (one number, or (verbs, other parts of speech)), each reading's score raised by
    ``rate_weight`` (one number, or (verbs, others)) times the log odds of ``rates``
    (``scoring.rate_log_odds``) for its lemma."""
    def pair(x: float | tuple[float, float]) -> tuple[float, float]:
        return x if isinstance(x, tuple) else (x, x)

    return _right(_arrays(rows, rates), pair(margin), pair(rate_weight))


def choose(semcor: list[dict], se07: list[dict], *, se07_weight: float = 1.0,
           other: float | None = None, rates: dict | None = None) -> dict:
    """The margins by 5-fold SemCor document CV: each fold scored with the margins best on
    the other four folds' right answers (as a share of their best) plus ``se07_weight`` times
    SE07's (as a share of its best; 0: SemCor alone chooses, SE07 is only reported);
    ``other``: the margin of the parts of speech other than verbs held at this value (one
    of STEPS), only the verbs' chosen; ``rates`` ({lemma: (whole, apart)}): the rate
    weights of verbs and of the others chosen with the margins, each on RATE_WEIGHTS
    (``rate_weight`` in the result is that pair; (0.0, 0.0) without rates).

    Raises:
        ValueError: ``other`` is not on the grid."""
    if other is not None and other not in STEPS:
        raise ValueError(f"--other {other}: not on the grid {STEPS}")
    weights = RATE_WEIGHTS if rates is not None else (0.0,)
    grid = [(m, (wv, wo)) for wv in weights for wo in weights for m in MARGINS
            if other is None or m[1] == other]
    folds = np.array([(int(r["doc"][1:]) // 10) % 5 for r in semcor])
    parts = [_arrays([r for r, f in zip(semcor, folds, strict=True) if f == k], rates)
             for k in range(5)]
    table = np.array([[_right(a, m, w) for m, w in grid] for a in parts])
    dev_rows = _arrays(se07, rates)
    dev = np.array([_right(dev_rows, m, w) for m, w in grid])
    allowed = np.ones(len(grid), dtype=bool)
    cv, per_fold, per_fold_rate = 0, {}, {}
    for k in range(5):
        train = table[[j for j in range(5) if j != k]].sum(axis=0)
        pick = int(np.argmax(np.where(allowed, train / max(train.max(), 1)
                                      + se07_weight * dev / max(dev.max(), 1), -np.inf)))
        cv += int(table[k, pick])
        per_fold[k] = grid[pick][0]
        per_fold_rate[k] = grid[pick][1]
    pick = int(np.argmax(np.where(allowed, table.sum(axis=0) / table.sum(axis=0).max()
                                  + se07_weight * dev / max(dev.max(), 1), -np.inf)))
    return {"margin": grid[pick][0], "rate_weight": grid[pick][1], "per_fold": per_fold,
            "per_fold_rate_weight": per_fold_rate, "semcor_cv_right": cv,
            "semcor_right_at_0": sum(_right(a, (0.0, 0.0), (0.0, 0.0)) for a in parts),
            "semcor_right_at_choice": int(table[:, pick].sum()),
            "se07_right_at_0": _right(dev_rows, (0.0, 0.0), (0.0, 0.0)),
            "se07_right_at_choice": int(dev[pick]),
            "readings": {"semcor": len(semcor), "se07": len(se07),
                         "semcor_gold_spans": sum(r["gold_span"] for r in semcor),
                         "se07_gold_spans": sum(r["gold_span"] for r in se07)},
            "by_margin": {str(g): [int(table[:, i].sum()), int(dev[i])]
                          for i, g in enumerate(grid) if g[0][0] == g[0][1] or i == pick}}


def kept_margins(rows: list[dict], corpus: bool
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The readings of ``rows`` the shipped rule keeps over words read one by one (readings
    without such words left out: nothing competes with them): each one's z, by how much it
    is kept (best score + rate term - its words' best - margin, in units of the formula's
    main weight, as ``tagger.tag_words`` computes it), whether the data set has it as one
    token, its group (``scoring.multiword_group``: "VERB", "function" or "other") and its
    document's number (d010: 10)."""
    margin = scoring.MULTIWORD_CORPUS if corpus else scoring.MULTIWORD
    rate = scoring.MULTIWORD_RATE_WEIGHT_CORPUS if corpus else scoring.MULTIWORD_RATE_WEIGHT
    z, whole, group, doc = [], [], [], []
    for row in rows:
        if not row["inner"]:
            continue
        g = "VERB" if row["lemma_pos"][1] == "VERB" else "other"
        value = (row["score"] - max(row["inner"]) - margin.get(g, 0.0)
                 + rate.get(g, 0.0) * scoring.rate_log_odds(None, [row["lemma_pos"][0]]))
        if value > 0:
            z.append(value)
            whole.append(int(row["gold_span"]))
            group.append(scoring.multiword_group(row["lemma_pos"][1],
                                                 opens_with_function_word(row["words"])))
            doc.append(int(row["doc"][1:]) if row["doc"][1:].isdigit() else 0)
    return np.array(z), np.array(whole), np.array(group), np.array(doc)


def calibrate(semcor: list[dict], se07: list[dict], corpus: bool) -> dict:
    """The probability that a kept multiword reading is one token in the data set, as a
    logistic function of its z (:func:`kept_margins`), per group: [a, b] fitted on every
    SemCor reading (``whole``: the groups whose CV log loss beats the base rate's, ``fit``:
    every group's) (scikit-learn's LogisticRegression, unpenalized), with 5-fold document
    CV log loss and Brier score beside two baselines: the probability 1 the tagger showed
    before (its confidence was the sense's probability within the reading alone) and the
    training folds' base rate. SE07's readings are scored by the fit on all of SemCor."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, log_loss

    z, whole, group, docs = kept_margins(semcor, corpus)
    folds = (docs // 10) % 5  # as choose's folds
    out: dict = {"whole": {}, "fit": {}, "cv": {}, "readings": {}}
    dev_z, dev_whole, dev_group, _ = kept_margins(se07, corpus)
    for g in ("VERB", "function", "other"):
        mask = group == g
        predicted, base = np.zeros(mask.sum()), np.zeros(mask.sum())
        for k in range(5):
            train, test = folds[mask] != k, folds[mask] == k
            fit = LogisticRegression(C=np.inf).fit(z[mask][train, None], whole[mask][train])
            predicted[test] = fit.predict_proba(z[mask][test, None])[:, 1]
            base[test] = whole[mask][train].mean()
        y = whole[mask]
        fit = LogisticRegression(C=np.inf).fit(z[mask, None], y)
        a, b = round(float(fit.coef_[0][0]), 4), round(float(fit.intercept_[0]), 4)
        out["fit"][g] = [a, b]
        out["readings"][g] = {"semcor": int(mask.sum()), "semcor_whole": int(y.sum()),
                              "se07": int((dev_group == g).sum()),
                              "se07_whole": int(dev_whole[dev_group == g].sum())}
        dev = dev_group == g
        dev_p = 1.0 / (1.0 + np.exp(-(a * dev_z[dev] + b)))
        out["cv"][g] = {
            "log_loss": round(float(log_loss(y, predicted, labels=[0, 1])), 4),
            "log_loss_base_rate": round(float(log_loss(y, base, labels=[0, 1])), 4),
            "brier": round(float(brier_score_loss(y, predicted)), 4),
            "brier_base_rate": round(float(brier_score_loss(y, base)), 4),
            "brier_probability_1": round(float(brier_score_loss(y, np.ones(len(y)))), 4),
            "se07_brier": (round(float(brier_score_loss(dev_whole[dev], dev_p)), 4)
                           if dev.any() else None),
            "se07_brier_probability_1": (
                round(float(brier_score_loss(dev_whole[dev], np.ones(dev.sum()))), 4)
                if dev.any() else None)}
        # shipped only where the margin tells more than the base rate (content-word
        # compounds: it does not; their probability stays their sense's)
        if out["cv"][g]["log_loss"] < out["cv"][g]["log_loss_base_rate"]:
            out["whole"][g] = [a, b]
    return out


def novelty_thresholds(semcor: list[dict], corpus: bool) -> dict:
    """The novelty thresholds of multiword readings: the NOVELTY_QUANTILE of the best fit
    (``fit`` of :func:`collect`'s rows, as ``tag`` scores each reading) over the readings
    the data set has as one token, for verbs and for the others; with how many of those the
    single-word thresholds (``scoring.NOVELTY`` of the formula, by the best sense's POS)
    flagged.

    Raises:
        SystemExit: a cache made before the fit was kept (collect again)."""
    from tune_weights import NOVELTY_QUANTILE  # scripts/tune_weights.py

    if semcor and "fit" not in semcor[0]:
        raise SystemExit("the cache has no fits: run collect again")
    single = scoring.NOVELTY.get("corpus" if corpus else "wordnet_only", {})
    out: dict = {"thresholds": {}, "readings": {}, "flagged_at_single_word_thresholds": {}}
    for group in ("VERB", "other"):
        fits = [(r["fit"], r["lemma_pos"][1]) for r in semcor
                if r["gold_span"] and r["fit"] is not None
                and (r["lemma_pos"][1] == "VERB") == (group == "VERB")]
        if len(fits) < 100:
            continue
        out["thresholds"][group] = round(float(np.quantile([f for f, _ in fits],
                                                           NOVELTY_QUANTILE)), 4)
        out["readings"][group] = len(fits)
        out["flagged_at_single_word_thresholds"][group] = sum(
            f < single.get(pos, single.get("all", 0.0)) for f, pos in fits)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("collect", "choose", "tags", "calibrate", "novelty"))
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
    parser.add_argument("--rates", default=None, type=Path, metavar="JSON",
                        help="choose a weight for the corpus's rate of writing each reading "
                             "whole too (scripts/multiword_rates.py's file)")
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
    if args.step == "novelty":
        result = novelty_thresholds(rows["semcor-multiword"], args.corpus)
        print(json.dumps(result, indent=1))
        if args.write:
            path = Path(args.write)
            data = json.loads(path.read_text(encoding="utf-8"))
            family = "corpus" if args.corpus else "wordnet_only"
            before = data.get("multiword", {})
            data["multiword"] = {
                **before,
                "novelty": {**before.get("novelty", {}), family: result["thresholds"]},
                "novelty_provenance": {
                    **before.get("novelty_provenance", {}),
                    family: {"command": "python scripts/tune_multiword.py "
                                        + shlex.join(sys.argv[1:]),
                             "date": datetime.date.today().isoformat(),
                             "rule": "the novelty quantile (scripts/tune_weights.py "
                                     "NOVELTY_QUANTILE) of the best fit of the multiword "
                                     "readings SemCor documents d000, d010, ... have as one "
                                     "token, verbs and the others apart",
                             "readings": result["readings"],
                             "flagged_before": result["flagged_at_single_word_thresholds"]}}}
            path.write_text(json.dumps(data, indent=2) + "\n")
            print(f"wrote {path}")
        return
    if args.step == "calibrate":
        result = calibrate(rows["semcor-multiword"], rows["se07-multiword"], args.corpus)
        print(json.dumps(result, indent=1))
        if args.write:
            path = Path(args.write)
            data = json.loads(path.read_text(encoding="utf-8"))
            prefix = "corpus_" if args.corpus else ""
            data["multiword"] = {
                **data.get("multiword", {}),
                f"{prefix}whole": result["whole"],
                f"{prefix}whole_provenance": {
                    "command": "python scripts/tune_multiword.py " + shlex.join(sys.argv[1:]),
                    "date": datetime.date.today().isoformat(),
                    "data": "kept multiword readings (words inside read too) of SemCor "
                            "documents d000, d010, ..., "
                            + ("a SemCor index without those documents" if args.corpus
                               else "default index"),
                    "rule": "P(the data set writes a kept reading as one token) = "
                            "1 / (1 + exp(-(a * z + b))), z = its best score plus its rate "
                            "term minus its words' best minus the margin, in units of the "
                            "formula's main weight; [a, b] per group (scoring.multiword_group), "
                            "only where it beats the base rate by CV log loss",
                    "readings": result["readings"], "cv": result["cv"]}}
            path.write_text(json.dumps(data, indent=2) + "\n")
            print(f"wrote {path}")
        return
    rates = None
    if args.rates is not None:
        rates = {lemma: tuple(c) for lemma, c in
                 json.loads(args.rates.read_text(encoding="utf-8"))["counts"].items()}
    result = choose(rows["semcor-multiword"], rows["se07-multiword"],
                    se07_weight=0.0 if args.semcor_only else 1.0, other=args.other,
                    rates=rates)
    corpus = args.cache / "se07-corpus-multiword.pkl"
    if corpus.exists() and not args.corpus:
        found = pickle.loads(corpus.read_bytes())
        result["se07_corpus_right"] = {str(m): right_for(found, m, result["rate_weight"], rates)
                                       for m in MARGINS}
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
                      "se07_right": result["se07_right_at_choice"],
                      **({"rates": str(args.rates)} if args.rates is not None else {})}
        rate = dict(zip(("VERB", "other"), result["rate_weight"], strict=True))
        if args.corpus:
            data["multiword"] = {**before, "corpus_margin": {"VERB": verb, "other": other},
                                 "corpus_rate_weight": rate, "corpus_provenance": provenance}
            path.write_text(json.dumps(data, indent=2) + "\n")
            print(f"wrote {path}")
            return
        data["multiword"] = {
            **before,
            "margin": {"VERB": verb, "other": other},
            # the corpus formula keeps its margins (scoring.MULTIWORD_CORPUS): these readings
            # are scored by the default index's formula
            "corpus_margin": before.get("corpus_margin", before.get("margin", {})),
            "rate_weight": rate,
            "corpus_rate_weight": before.get("corpus_rate_weight", {}),
            "rule": "keep a multiword reading where its best score plus rate_weight times the "
                    "log odds of SemCor writing it as one token (multiword_rates.json) minus "
                    "the best score of its words read one by one is above the margin of its "
                    "part of speech, in units of the formula's main weight (corpus_cos, else "
                    "gloss_cos); margin, rate_weight: the WordNet-only formula's; "
                    "corpus_margin, corpus_rate_weight: the corpus formula's",
            "provenance": provenance,
            **({"corpus_provenance": before["corpus_provenance"]}
               if "corpus_provenance" in before else {})}
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
