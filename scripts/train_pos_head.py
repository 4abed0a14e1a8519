"""Train the POS head (sensedb.pos_head.POSHead) from a corpus in the unified WSD format.

    HF_HUB_OFFLINE=1 python scripts/train_pos_head.py \\
        --data ../shared/data/wsd/semcor/semcor.data.xml \\
        --eval ../shared/data/wsd/semeval2007/semeval2007.data.xml \\
        --layer 1,2,3 --try-layers "2 3 4 last" --out-dir sensedb/data

(run from a checkout: ``PYTHONPATH=. python scripts/...`` when sensedb is installed elsewhere)

What it does:
1. samples sentences from --data reproducibly: the document ids, sorted, are shuffled with
   --seed and whole documents are taken in that order until --sentences sentences are reached
   (the last document is cut); the documents after them, up to --heldout sentences, are a
   held-out sample of the same corpus (used to choose the layer, never SE07); every token's
   universal POS tag (``pos`` of <wf>/<instance>) is the label;
2. encodes the samples and the --eval set once, every layer of --try-layers from one forward
   pass; sentences are fed word by word (a multiword token is split into its words, as raw
   text would be); words of multiword tokens are left out of training;
3. fits one head per layer spec (softmax regression, sensedb's own numpy code) and scores
   it on the held-out sample and on --eval: all tokens (a multiword token by the mean of its
   words' vectors), single words, and content words (gold NOUN/VERB/ADJ/ADV);
4. writes the head of --layer to ``--out-dir/pos_head_<model>.npz`` and its provenance (data
   and its sha256, sample, settings, command line, date, timings, accuracy per layer) to
   ``pos_head_<model>.json`` beside it. The .npz holds no date or timing, so a rerun with the
   same data and settings on the same machine rewrites it byte for byte.

--measure-cost also times the extra cost at query time: one ``word_vectors_multi`` pass for
the index's layer alone vs the index's layer + the head's layer, and applying the head.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from sensedb import Encoder, read_raganato
from sensedb.pos_head import CONTENT_TAGS, TAGS, POSHead, window_features

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "wsd"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sample_documents(path: Path, n_sentences: int, n_heldout: int, seed: int,
                     excluded: set[str] = frozenset()):
    """Whole documents in a seeded order of their sorted ids: the first ones until
    n_sentences (the last one cut) are the training sample, the documents after them until
    n_heldout the held-out sample (no document in both). Documents in ``excluded`` are
    skipped (their place in the order too, so the sample is the same as without them where
    they would not have been taken). Returns (training sentences,
    [(doc id, sentences taken)], held-out sentences, [(doc id, sentences taken)])."""
    documents = {d.id: d for d in read_raganato(path)}
    order = sorted(documents)
    rng = np.random.default_rng(seed)
    samples = [([], [], n_sentences), ([], [], n_heldout)]
    which = 0
    for index in rng.permutation(len(order)):
        while which < len(samples) and len(samples[which][0]) >= samples[which][2]:
            which += 1
        if which == len(samples):
            break
        sentences, taken, wanted = samples[which]
        document = documents[order[index]]
        if document.id in excluded:
            continue
        chosen = document.sentences[:wanted - len(sentences)]
        sentences.extend(chosen)
        taken.append((document.id, len(chosen)))
    return samples[0][0], samples[0][1], samples[1][0], samples[1][1]


def cached_vectors(cache: Path | None, encoder: Encoder, words, specs, progress=False):
    """``encoder.word_vectors_multi(words, specs)``, kept in ``cache`` (one .npz per set of
    sentences, model and layers, named by their sha256) when a folder is given."""
    if cache is None:
        return encoder.word_vectors_multi(words, specs, progress=progress)
    digest = hashlib.sha256(json.dumps([encoder.name, sorted(specs.items()), words]).encode())
    path = cache / f"pos-vectors-{digest.hexdigest()[:16]}.npz"
    if path.exists():
        with np.load(path) as data:
            lengths = data["lengths"]
            cuts = np.cumsum(lengths)[:-1]
            return {layer: np.split(data[f"layer_{n}"], cuts)
                    for n, layer in enumerate(sorted(specs))}
    out = encoder.word_vectors_multi(words, specs, progress=progress)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, lengths=np.array([len(w) for w in words]),
             **{f"layer_{n}": np.concatenate(out[layer]) for n, layer in enumerate(sorted(specs))})
    return out


def split_words(sentences):
    """Word lists with multiword tokens split, and per sentence the (first, last+1) word span
    and tag of each token."""
    words, spans = [], []
    for sentence in sentences:
        out, tokens = [], []
        for token in sentence.tokens:
            parts = token.text.split() or [token.text]
            tokens.append((len(out), len(out) + len(parts), token.pos))
            out.extend(parts)
        words.append(out)
        spans.append(tokens)
    return words, spans


def training_rows(vectors, spans):
    """Vectors and tags of single-word tokens."""
    rows, tags = [], []
    for sentence_vectors, tokens in zip(vectors, spans, strict=True):
        for first, end, tag in tokens:
            if end - first == 1:
                rows.append(sentence_vectors[first])
                tags.append(tag)
    return np.stack(rows).astype(np.float32), tags


def token_rows(vectors, spans):
    """One vector per token (mean over a multiword token's words), its tag, and whether it is
    a single word."""
    rows, tags, single = [], [], []
    for sentence_vectors, tokens in zip(vectors, spans, strict=True):
        for first, end, tag in tokens:
            rows.append(sentence_vectors[first:end].mean(axis=0))
            tags.append(tag)
            single.append(end - first == 1)
    return np.stack(rows).astype(np.float32), tags, np.array(single)


def score(head: POSHead, vectors, tags, single) -> dict:
    predicted = np.array(head.tags(vectors))
    gold = np.array(tags)
    right = predicted == gold
    content = np.isin(gold, CONTENT_TAGS)
    result = {
        "all": round(float(right.mean()), 4), "n_all": int(len(gold)),
        "single_words": round(float(right[single].mean()), 4), "n_single": int(single.sum()),
        "content": round(float(right[content].mean()), 4), "n_content": int(content.sum()),
    }
    result["per_tag"] = {t: round(float(right[gold == t].mean()), 4)
                         for t in TAGS if (gold == t).any()}
    return result


def measure_cost(encoder: Encoder, head: POSHead, sentences, repeats: int = 3) -> dict:
    """Seconds per pass over ``sentences``: index layer alone, index + head layer from one
    forward pass, and applying the head to every word."""
    def best(fn):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    alone = best(lambda: encoder.word_vectors_multi(sentences, {"index": "last"}))
    both = best(lambda: encoder.word_vectors_multi(sentences, {"index": "last",
                                                               "pos": head.layers}))
    vectors = np.concatenate(encoder.word_vectors_multi(sentences, {"pos": head.layers})["pos"])
    apply = best(lambda: head.content_log_probabilities(vectors))
    single = [sentences[0]]
    one_alone = best(lambda: encoder.word_vectors_multi(single, {"index": "last"}))
    one_both = best(lambda: encoder.word_vectors_multi(single, {"index": "last",
                                                                "pos": head.layers}))
    return {"sentences": len(sentences), "words": int(len(vectors)),
            "encode_index_layer_s": round(alone, 4), "encode_index_and_pos_layer_s": round(both, 4),
            "apply_head_s": round(apply, 5),
            "one_sentence_words": len(single[0]),
            "one_sentence_index_layer_s": round(one_alone, 5),
            "one_sentence_index_and_pos_layer_s": round(one_both, 5)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--data", type=Path, default=SHARED / "semcor" / "semcor.data.xml",
                        help="training corpus, unified format (default: SemCor)")
    parser.add_argument("--eval", type=Path,
                        default=SHARED / "semeval2007" / "semeval2007.data.xml",
                        help="evaluation corpus, unified format (default: SemEval-2007)")
    parser.add_argument("--model", default=None, help="encoder model (default: all-MiniLM-L6-v2)")
    parser.add_argument("--sentences", type=int, default=4000,
                        help="training sentences (default 4000)")
    parser.add_argument("--heldout", type=int, default=1000,
                        help="held-out sentences of --data, other documents (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="sample and minibatch seed")
    parser.add_argument("--layer", default="1,2,3",
                        help="layer spec of the head written out (default 1,2,3: the mean of "
                             "hidden layers 1-3, best on held-out SemCor of the specs tried; "
                             "layer 3 alone is 0.2 points lower there and on SE07)")
    parser.add_argument("--try-layers", default="",
                        help="also fit and score these layer specs, separated by spaces or '/' "
                             "(e.g. \"2 3 4 last\"); only --layer is written")
    parser.add_argument("--window", type=int, default=0,
                        help="neighbours on each side the head reads with each word "
                             "(POSHead.window; default 0: the word alone)")
    parser.add_argument("--exclude", default="",
                        help="document ids never sampled, comma-separated (a check slice)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder for the encoded vectors (reused when the sample, eval "
                             "set, model and layers are the same)")
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "sensedb" / "data")
    parser.add_argument("--no-write", action="store_true", help="score only, write nothing")
    parser.add_argument("--measure-cost", action="store_true",
                        help="time the query-time cost of the head's layer and the head")
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    layers = [args.layer]
    layers += [s for s in args.try_layers.replace("/", " ").split() if s not in layers]
    t_start = time.perf_counter()
    log(f"loading encoder ({args.model or 'default'}, {args.threads} threads)")
    encoder = Encoder(args.model, threads=args.threads)
    model_short = encoder.name.rstrip("/").split("/")[-1]

    log(f"sampling {args.sentences} sentences of {args.data} (seed {args.seed})")
    excluded = {d for d in args.exclude.split(",") if d}
    train_sentences, taken, held_sentences, held_taken = sample_documents(
        args.data, args.sentences, args.heldout, args.seed, excluded)
    train_words, train_spans = split_words(train_sentences)
    held_words, held_spans = split_words(held_sentences)
    eval_sentences = [s for d in read_raganato(args.eval) for s in d.sentences]
    eval_words, eval_spans = split_words(eval_sentences)
    eval_name = args.eval.name.split(".")[0]
    log(f"  {len(taken)} documents, {len(train_sentences)} sentences, "
        f"{sum(map(len, train_words))} words; held out {len(held_taken)} documents, "
        f"{len(held_sentences)} sentences; eval {len(eval_sentences)} sentences")

    specs = {layer: layer for layer in layers}
    t0 = time.perf_counter()
    log(f"encoding training sentences, layers {', '.join(layers)} in one pass")
    train_vectors = cached_vectors(args.cache, encoder, train_words, specs, progress=True)
    encode_train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    eval_vectors = cached_vectors(args.cache, encoder, eval_words, specs)
    held_vectors = (cached_vectors(args.cache, encoder, held_words, specs) if held_words
                    else None)
    encode_eval_s = time.perf_counter() - t0
    log(f"  encoded in {encode_train_s:.1f} s (+ eval {encode_eval_s:.1f} s)")
    if args.window:
        for found in (train_vectors, eval_vectors, held_vectors or {}):
            for layer in found:
                found[layer] = [window_features(v, args.window) for v in found[layer]]

    table, heads = {}, {}
    for layer in layers:
        x, y = training_rows(train_vectors[layer], train_spans)
        t0 = time.perf_counter()
        head = POSHead.fit(
            x, y, layers=layer, model=encoder.name, l2=args.l2, epochs=args.epochs,
            batch_size=args.batch_size, learning_rate=args.learning_rate, seed=args.seed,
            progress=lambda e, loss, layer=layer: log(f"  layer {layer} epoch {e:2d} "
                                                      f"loss {loss:.4f}")
            if e in (1, args.epochs) or e % 5 == 0 else None, window=args.window)
        fit_s = time.perf_counter() - t0
        ex, ey, single = token_rows(eval_vectors[layer], eval_spans)
        # the rows are window features already: score them with the same weights read flat
        flat = POSHead(head.weights, head.bias, head.layers, head.model, head.tag_set)
        result = score(flat, ex, ey, single)
        if held_vectors is not None:
            hx, hy, hsingle = token_rows(held_vectors[layer], held_spans)
            held = score(flat, hx, hy, hsingle)
            result["heldout"] = {k: held[k] for k in ("all", "n_all", "content", "n_content")}
        result.update(train_tokens=int(len(y)), fit_s=round(fit_s, 2),
                      train_accuracy=round(float(np.mean(np.array(flat.tags(x)) == y)), 4))
        table[layer], heads[layer] = result, head
        held_all = result.get("heldout", {}).get("all", float("nan"))
        log(f"layer {layer:>5}: eval all {result['all']:.4f}  content {result['content']:.4f}  "
            f"held-out {held_all:.4f} (train {result['train_accuracy']:.4f}, fit {fit_s:.1f} s)")

    log(f"\n| layers | {eval_name}: all tokens | single words | NOUN/VERB/ADJ/ADV | NOUN | VERB "
        "| ADJ | ADV | held-out all | held-out content | train |")
    log("|---|---|---|---|---|---|---|---|---|---|---|")
    for layer, r in table.items():
        p, h = r["per_tag"], r.get("heldout", {})
        log(f"| {layer} | {r['all']:.4f} | {r['single_words']:.4f} | {r['content']:.4f} | "
            f"{p.get('NOUN', 0):.4f} | {p.get('VERB', 0):.4f} | {p.get('ADJ', 0):.4f} | "
            f"{p.get('ADV', 0):.4f} | {h.get('all', 0):.4f} | {h.get('content', 0):.4f} | "
            f"{r['train_accuracy']:.4f} |")

    cost = None
    if args.measure_cost:
        log("measuring query-time cost on the eval sentences")
        cost = measure_cost(encoder, heads[args.layer], eval_words)
        log(json.dumps(cost, indent=1))

    head = heads[args.layer]
    try:
        data_name = str(args.data.resolve().relative_to(ROOT.parent))
    except ValueError:
        data_name = str(args.data)
    head.provenance = {
        "trained_by": "scripts/train_pos_head.py",
        "data": data_name, "data_sha256": sha256(args.data),
        "sample": {"rule": "sorted document ids shuffled with numpy default_rng(seed); whole "
                           "documents in that order until 'sentences' (last one cut)",
                   "seed": args.seed, "sentences": len(train_sentences),
                   "documents": [f"{d}:{n}" for d, n in taken],
                   "heldout_documents": [f"{d}:{n}" for d, n in held_taken],
                   "training_tokens": table[args.layer]["train_tokens"],
                   "labels": "universal POS of <wf>/<instance>; words of multiword tokens "
                             "left out"},
        "fit": {"method": "softmax regression, minibatch Adam, cosine decay (POSHead.fit)",
                "window": args.window, "excluded_documents": sorted(excluded),
                "l2": args.l2, "epochs": args.epochs, "batch_size": args.batch_size,
                "learning_rate": args.learning_rate, "seed": args.seed},
        "encoder": encoder.describe() | {"layers": args.layer},
        "evaluation": {eval_name: {k: v for k, v in table[args.layer].items()
                                   if k not in ("fit_s",)}},
    }
    if args.no_write:
        log(f"done in {time.perf_counter() - t_start:.1f} s (--no-write)")
        return 0
    args.out_dir.mkdir(parents=True, exist_ok=True)
    npz = args.out_dir / f"pos_head_{model_short}.npz"
    head.save(npz)
    record = {
        "file": npz.name, "file_sha256": sha256(npz), "file_bytes": npz.stat().st_size,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python " + shlex.join([*sys.argv]),
        "python": platform.python_version(), "numpy": np.__version__,
        "provenance": head.provenance,
        "layers_tried": table,
        "timings_s": {"encode_training": round(encode_train_s, 1),
                      "encode_eval": round(encode_eval_s, 1),
                      "fit_per_layer": {k: v["fit_s"] for k, v in table.items()},
                      "total": round(time.perf_counter() - t_start, 1)},
        "query_cost": cost,
    }
    meta = npz.with_suffix(".json")
    meta.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {npz} ({npz.stat().st_size} bytes, sha256 {record['file_sha256'][:12]}) and "
        f"{meta.name}; total {record['timings_s']['total']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
