"""Frozen features for training and evaluating a retrieval head (scripts/train_head.py).

Cached once under ``--cache`` (``features.npz`` + ``senses.json``), each part computed exactly
as the product computes it:

- SemCor labelled-token vectors: the raw shards of an existing SemCor index (``--semcor-index``,
  read only), each token mapped to its document, lemma, POS and gold keys through the index's
  database; so SemCor is not encoded again;
- SemEval-2007 instance vectors: ``Encoder.word_vectors`` (the default model, last layer);
- every candidate sense of every SemCor / SemEval-2007 (lemma, POS): its gloss sentence vector
  (``Encoder.sentence_vectors`` of ``gloss_text``) and the raw word vectors of its lemma in
  WordNet's usage examples (``indexer.wordnet.example_usages``), one row per example usage;
- the sentence vector of every SemCor / SemEval-2007 sentence (the sentence-vs-gloss feature).
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import numpy as np

from sensedb import Encoder, read_raganato
from sensedb.indexer.wordnet import example_usages, gloss_text
from sensedb.inventory import default_wordnet
from sensedb.vocabulary import normalize_lemma


def semcor_tokens(index: Path) -> dict:
    """Raw token vectors of a SemCor index and their labels, in token id order."""
    db = sqlite3.connect(f"file:{index / 'sensedb.sqlite'}?mode=ro", uri=True)
    rows = db.execute(
        "select t.id, d.key, t.sentence_id, t.lemma, t.pos, t.sense_keys, t.instance "
        "from tokens t join sentences s on s.id = t.sentence_id "
        "join documents d on d.id = s.document_id where d.corpus = 'semcor' order by t.id"
    ).fetchall()
    sentences = dict(db.execute(
        "select s.id, s.text from sentences s join documents d on d.id = s.document_id "
        "where d.corpus = 'semcor'").fetchall())
    wanted = np.array([r[0] for r in rows], dtype=np.int64)
    vectors = np.zeros((len(rows), 384), dtype=np.float32)
    seen = np.zeros(len(rows), bool)
    for shard in sorted((index / "raw").glob("shard-*.ids.npy")):
        ids = np.load(shard)
        data = np.load(str(shard).replace(".ids.npy", ".vectors.npy"), mmap_mode="r")
        where = np.searchsorted(wanted, ids)
        ok = (where < len(wanted)) & (wanted[np.minimum(where, len(wanted) - 1)] == ids)
        vectors[where[ok]] = data[np.flatnonzero(ok)]
        seen[where[ok]] = True
    assert seen.all(), f"{(~seen).sum()} SemCor tokens have no raw vector"
    return {"vectors": vectors, "doc": [r[1] for r in rows], "sentence": [r[2] for r in rows],
            "lemma": [normalize_lemma(r[3]) for r in rows], "pos": [r[4] for r in rows],
            "keys": [r[5].split() for r in rows], "instance": [r[6] for r in rows],
            "sentence_text": sentences}


def _senses(inventory, sc: dict, dev: list) -> tuple[list, list]:
    pairs = sorted(set(zip(sc["lemma"], sc["pos"], strict=True)) | {(d[3], d[4]) for d in dev})
    senses = {}
    for lemma, pos in pairs:
        for s in inventory.candidates(lemma, pos):
            senses.setdefault(s.key, s)
    return pairs, list(senses.values())


def _semeval(data: Path) -> tuple[list, list]:
    se = data / "wsd" / "semeval2007"
    dev_sentences, dev = [], []
    for document in read_raganato(se / "semeval2007.data.xml", se / "semeval2007.gold.key.txt"):
        for sentence in document.sentences:
            for position, token in enumerate(sentence.tokens):
                if token.senses:
                    dev.append((len(dev_sentences), position, token.instance_id,
                                normalize_lemma(token.lemma), token.pos, list(token.senses)))
            dev_sentences.append(sentence.words)
    return dev_sentences, dev


def gloss_groups(pairs: list, dev: list, fraction: float, seed: int) -> set:
    """The (lemma, POS) groups whose senses get gloss and example vectors: every SemEval-2007
    group and a seeded sample of ``fraction`` of the others (a CPU budget: encoding all
    53,336 candidate glosses takes about an hour on this shared 2-core machine)."""
    rng = np.random.default_rng(seed)
    chosen = {(d[3], d[4]) for d in dev}
    return chosen | {p for p in pairs if rng.random() < fraction}


def build(cache: Path, semcor_index: Path, data: Path, part: str = "all",
          fraction: float = 0.2, seed: int = 0) -> None:
    """Compute what is missing of the cache; ``part`` ("gloss", "rest" or "all") lets two
    processes share the work (the last one to finish writes features.npz)."""
    cache.mkdir(parents=True, exist_ok=True)
    if (cache / "features.npz").exists():
        return
    t0 = time.perf_counter()
    inventory = default_wordnet()
    encoder = Encoder(head=None)
    sc = semcor_tokens(semcor_index)
    dev_sentences, dev = _semeval(data)
    pairs, order = _senses(inventory, sc, dev)
    chosen = gloss_groups(pairs, dev, fraction, seed)
    wanted = {s.key for lemma, pos in chosen for s in inventory.candidates(lemma, pos)}
    has_gloss = np.array([s.key in wanted for s in order])
    print(f"{len(pairs)} lemma/POS pairs, {len(order)} candidate senses, {len(chosen)} "
          f"groups and {has_gloss.sum()} senses with gloss vectors", flush=True)
    if part in ("gloss", "all") and not (cache / "gloss.npy").exists():
        rows = np.flatnonzero(has_gloss)
        encoded = encoder.sentence_vectors([gloss_text(order[i]) for i in rows], progress=True)
        gloss = np.zeros((len(order), encoder.dim), np.float32)
        gloss[rows] = encoded
        np.save(cache / "gloss.npy", gloss)
    usages = [(n, words, index) for n, s in enumerate(order) if has_gloss[n]
              for words, index in example_usages(inventory, s)]
    sc_sentence_ids = sorted(sc["sentence_text"])
    if part in ("rest", "all") and not (cache / "rest.npz").exists():
        dev_matrix = encoder.word_vectors(dev_sentences)
        dev_vectors = np.stack([dev_matrix[s][p] for s, p, *_ in dev]).astype(np.float32)
        example_matrix = encoder.word_vectors([u[1] for u in usages], progress=True)
        examples = np.stack([example_matrix[i][u[2]] for i, u in enumerate(usages)])
        # SemCor's sentence vectors are left out (another hour here): the sentence-vs-gloss
        # feature is measured on SemEval-2007 only
        context = encoder.sentence_vectors([" ".join(words) for words in dev_sentences])
        np.savez(cache / "rest.npz", dev_vectors=dev_vectors,
                 examples=examples.astype(np.float32),
                 sc_context=np.zeros((len(sc_sentence_ids), encoder.dim), np.float32),
                 dev_context=context.astype(np.float32))
    if not ((cache / "gloss.npy").exists() and (cache / "rest.npz").exists()):
        return
    rest = np.load(cache / "rest.npz")
    np.savez(cache / "features.npz", sc_vectors=sc["vectors"], gloss=np.load(cache / "gloss.npy"),
             example_sense=np.array([u[0] for u in usages], dtype=np.int64),
             has_gloss=has_gloss,
             **{k: rest[k] for k in rest.files})
    sentence_row = {sid: n for n, sid in enumerate(sc_sentence_ids)}
    meta = {
        "semcor": {"doc": sc["doc"], "lemma": sc["lemma"], "pos": sc["pos"], "keys": sc["keys"],
                   "sentence": [sentence_row[i] for i in sc["sentence"]]},
        "semeval2007": {"id": [d[2] for d in dev], "lemma": [d[3] for d in dev],
                        "pos": [d[4] for d in dev], "keys": [d[5] for d in dev],
                        "sentence": [d[0] for d in dev]},
        "senses": [{"key": s.key, "lemma": s.lemma, "pos": s.pos, "rank": s.rank,
                    "count": s.count, "synset": s.synset} for s in order],
        "pairs": {f"{lemma}\t{pos}": [s.key for s in inventory.candidates(lemma, pos)]
                  for lemma, pos in pairs},
    }
    (cache / "senses.json").write_text(json.dumps(meta))
    print(f"features cached in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default="/work/runs/head12-cache")
    parser.add_argument("--semcor-index", default="/work/runs/semcor-pristine")
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--part", choices=("gloss", "rest", "all"), default="all")
    args = parser.parse_args()
    build(Path(args.cache), Path(args.semcor_index), Path(args.data), args.part)
