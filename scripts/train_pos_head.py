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
3. fits one head per layer spec and per WINDOW:HIDDEN of --try-heads (softmax regression or
   one ReLU hidden layer on each word's window of neighbours, sensedb's own numpy code; see
   POSHead.fit) and scores
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
from sensedb.pos_head import CONTENT_TAGS, TAGS, POSHead

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
    """``encoder.word_vectors_multi(words, specs)``, kept in ``cache`` when a folder is given:
    one float32 .npy per layer spec, named by the sha256 of the model, the spec and the
    sentences, so a run asking for other specs still reuses the ones already encoded (all
    missing specs come from one forward pass)."""
    if cache is None:
        return encoder.word_vectors_multi(words, specs, progress=progress)
    words_digest = hashlib.sha256(json.dumps(words).encode()).hexdigest()

    def path_of(spec: str) -> Path:
        digest = hashlib.sha256(json.dumps([encoder.name, spec, words_digest]).encode())
        return cache / f"pos-vectors-{digest.hexdigest()[:16]}.npy"

    cuts = np.cumsum([len(w) for w in words])[:-1]
    out = {}
    missing = {name: spec for name, spec in specs.items() if not path_of(spec).exists()}
    if missing:
        found = encoder.word_vectors_multi(words, missing, progress=progress)
        cache.mkdir(parents=True, exist_ok=True)
        for name, spec in missing.items():
            target = path_of(spec)
            np.save(target.with_suffix(".tmp.npy"), np.concatenate(found[name]))
            target.with_suffix(".tmp.npy").rename(target)
        del found
    for name, spec in specs.items():
        out[name] = np.split(np.load(path_of(spec), mmap_mode="r"), cuts)
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


def window_rows(vectors, spans, window: int, single_only: bool):
    """:func:`sensedb.pos_head.window_features` rows of the tokens, built from the sentences'
    word vectors without windowing every sentence first: ``single_only``: one row per
    single-word token (the training rows) -> (rows, tags); else one row per token, a
    multiword token the mean of its words' rows -> (rows, tags, single-word mask)."""
    flat = np.concatenate([np.asarray(v, dtype=np.float32) for v in vectors])
    dim = flat.shape[1]
    starts = np.cumsum([0] + [len(v) for v in vectors])
    words, token_of, sentence_of, tags, single = [], [], [], [], []
    for s, tokens in enumerate(spans):
        for first, end, tag in tokens:
            if single_only and end - first != 1:
                continue
            for w in range(first, end):
                words.append(starts[s] + w)
                token_of.append(len(tags))
                sentence_of.append(s)
            tags.append(tag)
            single.append(end - first == 1)
    words = np.array(words)
    sentence_of = np.array(sentence_of)
    low, high = starts[sentence_of], starts[sentence_of + 1]
    out = np.zeros((len(words), (2 * window + 1) * dim), dtype=np.float32)
    out[:, :dim] = flat[words]
    for step in range(1, window + 1):
        for sign, block in ((-1, 2 * step - 1), (1, 2 * step)):
            neighbour = words + sign * step
            inside = (neighbour >= low) & (neighbour < high)
            out[inside, block * dim:(block + 1) * dim] = flat[neighbour[inside]]
    if single_only:
        return out, tags
    counts = np.bincount(np.array(token_of))
    firsts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rows = np.add.reduceat(out, firsts, axis=0) / counts[:, None].astype(np.float32)
    return rows.astype(np.float32), tags, np.array(single)


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
    parser.add_argument("--hidden", type=int, default=0,
                        help="size of the head's ReLU hidden layer (default 0: linear)")
    parser.add_argument("--try-heads", default="",
                        help="also fit and score these WINDOW:HIDDEN heads on --layer, "
                             "separated by spaces (e.g. \"0:0 1:0 2:0 1:256\"); only --layer "
                             "with --window/--hidden is written")
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
    configs = [(args.layer, args.window, args.hidden)]
    configs += [(layer, args.window, args.hidden) for layer in layers[1:]]
    for item in args.try_heads.split():
        window, hidden = (int(v) for v in item.split(":"))
        if (args.layer, window, hidden) not in configs:
            configs.append((args.layer, window, hidden))

    def name_of(config) -> str:
        layer, window, hidden = config
        return f"{layer} window {window} hidden {hidden}"

    table, heads = {}, {}
    for config in configs:
        layer, window, hidden = config
        name = name_of(config)
        x, y = window_rows(train_vectors[layer], train_spans, window, single_only=True)
        t0 = time.perf_counter()
        head = POSHead.fit(
            x, y, layers=layer, model=encoder.name, l2=args.l2, epochs=args.epochs,
            batch_size=args.batch_size, learning_rate=args.learning_rate, seed=args.seed,
            progress=lambda e, loss, name=name: log(f"  {name} epoch {e:2d} loss {loss:.4f}")
            if e in (1, args.epochs) or e % 5 == 0 else None, window=window, hidden=hidden)
        fit_s = time.perf_counter() - t0
        ex, ey, single = window_rows(eval_vectors[layer], eval_spans, window, single_only=False)
        # the rows are window features already: score them with the same weights read flat
        flat = POSHead(head.weights, head.bias, head.layers, head.model, head.tag_set,
                       hidden_weights=head.hidden_weights, hidden_bias=head.hidden_bias)
        result = score(flat, ex, ey, single)
        if held_vectors is not None:
            hx, hy, hsingle = window_rows(held_vectors[layer], held_spans, window,
                                          single_only=False)
            held = score(flat, hx, hy, hsingle)
            result["heldout"] = {k: held[k] for k in ("all", "n_all", "content", "n_content")}
            del hx
        train_right = sum(int(np.sum(np.array(flat.tags(x[i:i + 65536])) == y[i:i + 65536]))
                          for i in range(0, len(y), 65536))
        result.update(layers=layer, window=window, hidden=hidden, train_tokens=int(len(y)),
                      fit_s=round(fit_s, 2), train_accuracy=round(train_right / len(y), 4),
                      file_numbers=int(head.weights.size + head.bias.size
                                       + (head.hidden_weights.size + head.hidden_bias.size
                                          if hidden else 0)))
        del x
        table[name], heads[name] = result, head
        held_all = result.get("heldout", {}).get("all", float("nan"))
        log(f"{name}: eval all {result['all']:.4f}  content {result['content']:.4f}  "
            f"held-out {held_all:.4f} (train {result['train_accuracy']:.4f}, fit {fit_s:.1f} s)")

    log(f"\n| head | {eval_name}: all tokens | single words | NOUN/VERB/ADJ/ADV | NOUN | VERB "
        "| ADJ | ADV | held-out all | held-out content | train |")
    log("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in table.items():
        p, h = r["per_tag"], r.get("heldout", {})
        log(f"| {name} | {r['all']:.4f} | {r['single_words']:.4f} | {r['content']:.4f} | "
            f"{p.get('NOUN', 0):.4f} | {p.get('VERB', 0):.4f} | {p.get('ADJ', 0):.4f} | "
            f"{p.get('ADV', 0):.4f} | {h.get('all', 0):.4f} | {h.get('content', 0):.4f} | "
            f"{r['train_accuracy']:.4f} |")

    shipped = name_of(configs[0])
    cost = None
    if args.measure_cost:
        log("measuring query-time cost on the eval sentences")
        cost = measure_cost(encoder, heads[shipped], eval_words)
        log(json.dumps(cost, indent=1))

    head = heads[shipped]
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
                   "training_tokens": table[shipped]["train_tokens"],
                   "labels": "universal POS of <wf>/<instance>; words of multiword tokens "
                             "left out"},
        "fit": {"method": ("softmax regression" if not args.hidden else
                           f"one ReLU hidden layer of {args.hidden}, softmax output")
                          + ", minibatch Adam, cosine decay (POSHead.fit)",
                "window": args.window, "hidden": args.hidden,
                "excluded_documents": sorted(excluded),
                "l2": args.l2, "epochs": args.epochs, "batch_size": args.batch_size,
                "learning_rate": args.learning_rate, "seed": args.seed},
        "encoder": encoder.describe() | {"layers": args.layer},
        "evaluation": {eval_name: {k: v for k, v in table[shipped].items()
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
        "heads_tried": table,
        "timings_s": {"encode_training": round(encode_train_s, 1),
                      "encode_eval": round(encode_eval_s, 1),
                      "fit_per_head": {k: v["fit_s"] for k, v in table.items()},
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
