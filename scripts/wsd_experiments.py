"""WSD evidence experiments: the ablation table, each source of evidence on and off, with a
conditional logit fitted on held-out SemCor and scored on SE07.

The shipped weights are chosen by scripts/tune_weights.py, which reads this script's cached
held-out SemCor features (runs/exp/features.pkl).

    python scripts/wsd_experiments.py --data ../shared/data --cache runs/exp --out runs/wsd

Steps (each cached under --cache):
1. encode SemCor and SemEval-2007 once (last layer and mean of the last four, one pass);
2. hold out every SemCor document whose number is divisible by 10 (d000, d010, ...);
   sense vectors and the 5-NN vote come from the other 90%;
3. WordNet vectors for every candidate sense: gloss sentence vectors and example vectors,
   computed as an index computes them (sensedb.retriever.wordnet_vectors);
4. per-candidate features (sensedb.retriever.scoring.FEATURES) for held-out SemCor and SE07,
   computed by the product's own scoring (scoring.candidate_matrix) over an in-memory
   evidence source (sensedb.retriever.sources.ArraySource) holding the 90%;
5. fit the conditional-logit weights on held-out SemCor (2-fold cross-validation by document
   for the held-out figures), score SE07 and the ablations.
Never touches any evaluation set but SemEval-2007.
"""

from __future__ import annotations

import argparse
import json
import pickle
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from sensedb import Encoder, read_raganato
from sensedb.inventory import default_wordnet
from sensedb.retriever import scoring
from sensedb.retriever.sources import ArraySource
from sensedb.retriever.wordnet_vectors import wordnet_vectors
from sensedb.store import Normalizer, RunningStats, l2_normalize
from sensedb.vocabulary import group_key, normalize_lemma

SPECS = {"last": "last", "last4": "last4"}


def load_corpus(xml: Path, gold: Path):
    """Labelled instances: (doc number, instance id, lemma, pos, keys, sentence index, position)
    and the sentences' words."""
    sentences, instances = [], []
    for d_index, document in enumerate(read_raganato(xml, gold)):
        for sentence in document.sentences:
            s_index = len(sentences)
            sentences.append(sentence.words)
            for position, token in enumerate(sentence.tokens):
                if token.senses:
                    instances.append((d_index, token.instance_id, normalize_lemma(token.lemma),
                                      token.pos, token.senses, s_index, position))
    return sentences, instances


def encode(encoder: Encoder, sentences, instances, cache: Path):
    if cache.exists():
        data = np.load(cache)
        return {k: data[k] for k in data.files}
    t0 = time.perf_counter()
    out = encoder.word_vectors_multi(sentences, SPECS, progress=True)
    result = {}
    for name in SPECS:
        stats = RunningStats.empty(encoder.dim)
        for matrix in out[name]:
            stats.update(matrix)
        result[name] = np.stack([out[name][s][p] for *_, s, p in instances]).astype(np.float32)
        result[f"{name}_stats"] = np.concatenate([[stats.n], stats.total, stats.total_sq])
    print(f"encoded {len(sentences)} sentences in {time.perf_counter() - t0:.0f} s")
    np.savez(cache, **result)
    return result


def stats_from(array: np.ndarray) -> RunningStats:
    dim = (len(array) - 1) // 2
    return RunningStats(int(array[0]), array[1:dim + 1], array[dim + 1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--cache", default="runs/exp")
    parser.add_argument("--out", default="runs/wsd")
    args = parser.parse_args()
    data, cache, out = Path(args.data), Path(args.cache), Path(args.out)
    cache.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    inventory = default_wordnet()
    encoder = Encoder()

    semcor = data / "wsd" / "semcor"
    se07 = data / "wsd" / "semeval2007"
    sc_sentences, sc_instances = load_corpus(semcor / "semcor.data.xml",
                                             semcor / "semcor.gold.key.txt")
    dev_sentences, dev_instances = load_corpus(se07 / "semeval2007.data.xml",
                                               se07 / "semeval2007.gold.key.txt")
    sc_vectors = encode(encoder, sc_sentences, sc_instances, cache / "semcor.npz")
    dev_vectors = encode(encoder, dev_sentences, dev_instances, cache / "se07.npz")

    heldout = np.array([d % 10 == 0 for d, *_ in sc_instances])
    train_idx = np.flatnonzero(~heldout)
    print(f"SemCor: {len(sc_instances)} instances, held out {heldout.sum()} "
          f"({len({d for d, *_ in np.array(sc_instances, dtype=object)[heldout]})} documents)")

    # corpus evidence from the 90%: per representation, normalized token vectors + sense means
    reps = {}
    for name in SPECS:
        stats = stats_from(sc_vectors[f"{name}_stats"])
        for standardize in (False,):  # z-scoring measured: no gain on either (BENCHMARKS.md)
            normalizer = Normalizer(stats, standardize)
            key = name + ("+z" if standardize else "")
            reps[key] = {"norm": normalizer,
                         "train": normalizer(sc_vectors[name][train_idx]),
                         "sc": sc_vectors[name], "dev": dev_vectors[name]}
    train_keys = [sc_instances[i][4] for i in train_idx]
    sense_rows = defaultdict(list)
    for row, keys in enumerate(train_keys):
        for key in keys:
            sense_rows[key].append(row)
    for rep in reps.values():  # normalized sense means, once per representation
        rep["means"] = {key: l2_normalize(rep["train"][rows].mean(0))
                        for key, rows in sense_rows.items()}

    # WordNet vectors for every candidate of the instances we score
    pairs = {(i[2], i[3]) for i in np.array(sc_instances, dtype=object)[heldout]}
    pairs |= {(i[2], i[3]) for i in dev_instances}
    # as an index does: example vectors in the index's own representation
    wordnet = {name: wordnet_vectors(Encoder(layers=spec), inventory, sorted(pairs),
                                     cache=cache / f"wordnet-{name}.npz", progress=True)
               for name, spec in SPECS.items()}
    # the evidence the product's scoring reads, in memory: the 90%'s tokens and sense means
    train_groups = [group_key(sc_instances[i][2], sc_instances[i][3]) for i in train_idx]
    sources = {
        name: ArraySource(inventory, senses=rep["means"],
                          support={key: len(rows) for key, rows in sense_rows.items()},
                          gloss=wordnet[name.split("+")[0]].gloss,
                          examples=wordnet[name.split("+")[0]].examples,
                          tokens=rep["train"], token_keys=train_keys, token_groups=train_groups)
        for name, rep in reps.items()}

    def context_vectors(sentences, instances, rows, path):
        """Sentence vectors (the model's own pooling) of the sentences of ``rows``."""
        if path.exists():
            return dict(np.load(path, allow_pickle=True)["vectors"].item())
        wanted = sorted({instances[r][5] for r in rows})
        vectors = l2_normalize(encoder.sentence_vectors(
            [" ".join(sentences[i]) for i in wanted], progress=True))
        found = dict(zip(wanted, vectors, strict=True))
        np.savez(path, vectors=np.array(found, dtype=object))
        return found

    def features_for(instances, vectors_of, rows, contexts):
        """Per representation: feature matrices (candidates × FEATURES); gold masks; ids.
        The features are the product's (scoring.candidate_matrix, every feature computed, as
        evaluation.allwords.instance_features does on an index)."""
        feats = {name: [] for name in reps}
        golds, metas = [], []
        for row in rows:
            _, iid, lemma, pos, keys, sentence, _ = instances[row]
            candidates = inventory.candidates(lemma, pos)
            if not candidates:
                continue
            for name, rep in reps.items():
                raw = vectors_of(rep, row)
                found = scoring.candidate_matrix(
                    sources[name], candidates, [group_key(lemma, pos)], rep["norm"](raw),
                    l2_normalize(raw), context=contexts[sentence], rank_every_token=True)
                feats[name].append(found.features)
            golds.append(np.array([s.key in keys for s in candidates]))
            metas.append((iid, pos, [s.key for s in candidates]))
        return feats, golds, metas

    held_rows = np.flatnonzero(heldout)
    feature_cache = cache / "features.pkl"
    if feature_cache.exists():
        held, dev = pickle.loads(feature_cache.read_bytes())
    else:
        t0 = time.perf_counter()
        held = features_for(sc_instances, lambda rep, r: rep["sc"][r], held_rows,
                            context_vectors(sc_sentences, sc_instances, held_rows,
                                            cache / "semcor_context.npz"))
        dev_rows = range(len(dev_instances))
        dev = features_for(dev_instances, lambda rep, r: rep["dev"][r], dev_rows,
                           context_vectors(dev_sentences, dev_instances, dev_rows,
                                           cache / "se07_context.npz"))
        print(f"features in {time.perf_counter() - t0:.0f} s")
        feature_cache.write_bytes(pickle.dumps((held, dev)))
    np.save(out / "feature_names.npy", np.array(scoring.FEATURES))

    held_docs = np.array([sc_instances[r][0] for r in held_rows])
    results = run_ablations(held, dev, held_docs)
    (out / "ablation.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({"final": results["final"], "weights": results["weights"]}, indent=2))


def f1_of(feats, golds, metas, weights):
    """Accuracy of the argmax (= F1 when every instance is answered), overall and per POS."""
    correct = defaultdict(int)
    total = defaultdict(int)
    for matrix, gold, (_, pos, _) in zip(feats, golds, metas, strict=True):
        pick = int(np.argmax(matrix @ weights))
        for group in ("all", pos):
            total[group] += 1
            correct[group] += bool(gold[pick])
    return {g: round(100 * correct[g] / total[g], 1) for g in total}


def run_ablations(held, dev, held_docs, l2=1e-4):
    """The ablation table. WordNet's counts and sense order were counted on SemCor itself,
    held-out documents included, so a model fitted on held-out SemCor over-trusts them: the
    corpus model leaves them out (its prior is the count in the 90% training documents) and
    the table shows the leaky variant on a labelled row."""
    names = scoring.FEATURES
    results = {}
    fold = np.array([d % 20 == 0 for d in held_docs])
    folds = [np.flatnonzero(fold), np.flatnonzero(~fold)]

    def fit_eval(rep, allowed, label):
        mask = np.array([n in allowed for n in names])
        weights = scoring.fit_weights(held[0][rep], held[1], mask=mask, l2=l2)
        dev_f1 = f1_of(dev[0][rep], dev[1], dev[2], weights)
        per_fold = []  # held-out figures: 2-fold cross-validation over held-out documents
        for a, b in (folds, folds[::-1]):
            w = scoring.fit_weights([held[0][rep][i] for i in a], [held[1][i] for i in a],
                                    mask=mask, l2=l2)
            per_fold.append((f1_of([held[0][rep][i] for i in b], [held[1][i] for i in b],
                                   [held[2][i] for i in b], w), len(b)))
        cv = {g: round(sum(f[g] * n for f, n in per_fold) / sum(n for _, n in per_fold), 1)
              for g in per_fold[0][0]}
        results[label] = {"representation": rep, "se07": dev_f1, "semcor_heldout_cv": cv,
                          "weights": {n: round(float(w), 4)
                                      for n, w in zip(names, weights, strict=True) if w != 0}}
        print(f"{label:<52} SE07 {dev_f1}  held-out {cv}", flush=True)
        return weights

    corpus = {"corpus_cos", "has_corpus"}
    gloss = {"gloss_cos", "has_gloss"}
    examples = {"example_cos", "has_example"}
    prior = {"log_wordnet_count", "first_sense", "inv_rank"}
    everything = set(names) - prior
    fit_eval("last", {"first_sense"}, "WordNet first sense")
    for rep in held[0]:
        fit_eval(rep, corpus, f"sense vectors only (textbook) [{rep}]")
    for rep in held[0]:
        fit_eval(rep, {"vote"}, f"5-NN vote only [{rep}]")
        fit_eval(rep, {"nn_cos"}, f"nearest labelled token only [{rep}]")
        fit_eval(rep, gloss, f"gloss vectors only [{rep}]")
        fit_eval(rep, examples, f"example vectors only [{rep}]")
    fit_eval("last", {"context_gloss_cos"}, "sentence vector vs gloss only")
    wordnet_only = fit_eval("last", gloss | examples | {"context_gloss_cos"} | prior,
                            "WordNet only: gloss + examples + prior (default index) [last]")
    best_rep, best = None, -1.0
    for rep in held[0]:
        fit_eval(rep, everything, f"all evidence [{rep}]")
        score = results[f"all evidence [{rep}]"]["semcor_heldout_cv"]["all"]
        if score > best:
            best_rep, best = rep, score
    for drop, group in (("corpus sense vectors", corpus), ("5-NN vote", {"vote"}),
                        ("nearest labelled token", {"nn_cos"}), ("gloss", gloss),
                        ("sentence vector vs gloss", {"context_gloss_cos"}),
                        ("examples", examples), ("corpus counts", {"log_support"})):
        fit_eval(best_rep, everything - group, f"all but {drop} [{best_rep}]")
    fit_eval(best_rep, everything | prior, f"all + WordNet counts/order (leaky) [{best_rep}]")
    final = fit_eval(best_rep, everything, "final")
    results["best_representation"] = best_rep
    results["weights"] = {
        "corpus": {n: round(float(w), 4) for n, w in zip(names, final, strict=True) if w},
        "wordnet_only": {n: round(float(w), 4)
                         for n, w in zip(names, wordnet_only, strict=True) if w},
    }
    return results


if __name__ == "__main__":
    main()
