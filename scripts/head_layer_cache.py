"""Cache the input of the encoder's last transformer layer for training a last-layer head.

For every word-piece window the product's encoder would run (``Encoder._windows`` /
``_batches``, so windows and word-to-window ownership are the product's), the hidden states of
the layer below the last one are stored in float16 with the word slot of each piece; a
trained copy of the last layer then recomputes the word vectors exactly as the product does
(mean of a word's pieces in its owning window). Three parts, each ``PART.npz`` under
``--cache``:

- ``sc``: the SemCor sentences holding a labelled token of a lemma group with gloss vectors in
  the frozen-feature cache (``scripts/head_features.py``, whose SemCor token order is kept:
  ``rows`` are row numbers of that cache's ``sc_vectors``);
- ``dev``: the SemEval-2007 sentences (rows: that cache's ``dev_vectors``);
- ``ex``: the WordNet usage examples of the senses with gloss vectors (rows: ``examples``).

    python scripts/head_layer_cache.py --features /work/runs/head12-cache \
        --cache /work/runs/head12b-cache --data ../shared/data
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from pathlib import Path

import numpy as np
from head_features import _semeval

from sensedb import Encoder, read_raganato
from sensedb.indexer.wordnet import example_usages
from sensedb.inventory import default_wordnet


def encode_part(encoder: Encoder, sentences: list[list[str]], targets: list[tuple[int, int]],
                out: Path) -> None:
    """Store the layer-below-last states of every window of ``sentences`` and the global word
    slot of each ``(sentence, position)`` target."""
    offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(w) for w in sentences])
    windows = encoder._windows(sentences, offsets)
    batches = encoder._batches(windows)
    states, slots, starts = [], [], [0]
    order = []
    t0 = time.perf_counter()
    for number, batch in enumerate(batches):
        hidden = encoder._forward_pieces([windows[i].piece_ids for i in batch])[-2]
        for row, index in enumerate(batch):
            n = len(windows[index].piece_ids) + 2
            states.append(hidden[row, :n].to(dtype=__import__("torch").float16).numpy())
            slots.append(np.array([-1, *windows[index].piece_word, -1], dtype=np.int32))
            order.append(index)
        if number % 50 == 0:
            print(f"  {out.name}: batch {number}/{len(batches)} "
                  f"({time.perf_counter() - t0:.0f} s)", flush=True)
    for n in range(len(order)):
        starts.append(starts[-1] + len(states[n]))
    target_slot = np.array([offsets[s] + p for s, p in targets], dtype=np.int64)
    np.savez(out, states=np.concatenate(states), piece_slot=np.concatenate(slots),
             window_start=np.array(starts, dtype=np.int64), target_slot=target_slot,
             window=np.array(order, dtype=np.int64))
    print(f"{out}: {len(windows)} windows, {starts[-1]} pieces, {len(targets)} targets, "
          f"{time.perf_counter() - t0:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", default="/work/runs/head12-cache")
    parser.add_argument("--semcor-index", default="/work/runs/semcor-pristine")
    parser.add_argument("--cache", default="/work/runs/head12b-cache")
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--parts", default="dev,ex,sc")
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    meta = json.loads((Path(args.features) / "senses.json").read_text())
    has_gloss = np.load(Path(args.features) / "features.npz")["has_gloss"]
    sense_index = {s["key"]: i for i, s in enumerate(meta["senses"])}
    glossed = {g for g, keys in meta["pairs"].items()
               if keys and all(has_gloss[sense_index[k]] for k in keys)}
    encoder = Encoder(head=None)
    parts = args.parts.split(",")
    if "dev" in parts and not (cache / "dev.npz").exists():
        dev_sentences, dev = _semeval(Path(args.data))
        encode_part(encoder, dev_sentences, [(d[0], d[1]) for d in dev], cache / "dev.npz")
    if "ex" in parts and not (cache / "ex.npz").exists():
        inventory = default_wordnet()
        # the sense order of head_features._senses: candidates of the sorted (lemma, POS) pairs
        order = {}
        for group in meta["pairs"]:
            lemma, pos = group.split("\t")
            for s in inventory.candidates(lemma, pos):
                order.setdefault(s.key, s)
        assert list(order) == [s["key"] for s in meta["senses"]], "sense order differs"
        usages = [(words, index) for n, s in enumerate(order.values()) if has_gloss[n]
                  for words, index in example_usages(inventory, s)]
        encode_part(encoder, [u[0] for u in usages], [(i, u[1]) for i, u in enumerate(usages)],
                    cache / "ex.npz")
    if "sc" in parts and not (cache / "sc.npz").exists():
        db = sqlite3.connect(f"file:{Path(args.semcor_index) / 'sensedb.sqlite'}?mode=ro",
                             uri=True)
        instances = [r[0] for r in db.execute(
            "select t.instance from tokens t join sentences s on s.id = t.sentence_id "
            "join documents d on d.id = s.document_id where d.corpus = 'semcor' "
            "order by t.id")]
        sc = meta["semcor"]
        wanted = {instances[r]: r for r in range(len(instances))
                  if f"{sc['lemma'][r]}\t{sc['pos'][r]}" in glossed}
        semcor = Path(args.data) / "wsd" / "semcor"
        sentences, targets, rows = [], [], []
        for document in read_raganato(semcor / "semcor.data.xml"):
            for sentence in document.sentences:
                hits = [(p, wanted[t.instance_id]) for p, t in enumerate(sentence.tokens)
                        if t.instance_id in wanted]
                if hits:
                    for p, r in hits:
                        targets.append((len(sentences), p))
                        rows.append(r)
                    sentences.append(sentence.words)
        print(f"SemCor: {len(sentences)} sentences, {len(rows)} targets", flush=True)
        np.save(cache / "sc_rows.npy", np.array(rows, dtype=np.int64))
        encode_part(encoder, sentences, targets, cache / "sc.npz")


if __name__ == "__main__":
    main()
