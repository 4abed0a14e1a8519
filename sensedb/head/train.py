"""Training a retrieval head on frozen encoder vectors (torch, imported lazily).

The head is two linear maps initialised to the identity, ``W_word`` for word vectors (usages,
corpus tokens, WordNet example tokens) and ``W_sentence`` for sentence vectors (glosses, whole
sentences). They are trained so that the product's own score of a usage's candidate senses
(``sensedb.retriever.scoring``: w . features) puts the gold sense first: a softmax over the
lemma's candidates of

    w_corpus . [corpus_cos, has_corpus, gloss_cos, example_cos, has_example, log_support]

where ``corpus_cos`` compares the usage with the mean of the *other documents'* labelled
tokens of the sense (leave-one-document-out within a batch of whole lemma groups, as an index
built from other documents would), plus the same softmax for a WordNet-only index
(``gloss_cos``, ``example_cos``, ``context_gloss_cos`` and WordNet's prior, the prior weights
fixed). The scoring weights are learned with the maps and stored in the head file.

Like :mod:`sensedb.encoder` this module imports torch; nothing else under ``sensedb.head``
does (applying a head is numpy).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: The features the learned weights cover, by family (names of scoring.FEATURES).
CORPUS_FEATURES = ("corpus_cos", "has_corpus", "gloss_cos", "example_cos", "has_example",
                   "log_support")
WORDNET_FEATURES = ("gloss_cos", "example_cos", "has_example", "context_gloss_cos")
#: WordNet's prior in the WordNet-only formula, fixed at the shipped weights (WordNet's tag
#: counts were counted on SemCor: learned on SemCor they would be overweighted).
WORDNET_PRIOR = {"log_wordnet_count": 0.5721, "inv_rank": 0.5721}


@dataclass
class TrainingData:
    """Frozen features of a labelled corpus and its candidate senses.

    ``x``: (n, dim) float32 raw word vectors of the labelled tokens; ``context``: (n, dim)
    float32 sentence vectors of their sentences; ``doc``: (n,) int document number;
    ``group``: (n,) int (lemma, POS) group; ``token_senses``: per token the sense indices of
    its gold keys; ``candidates``: per group the sense indices of its candidates (WordNet
    order); ``gloss``: (s, dim) float32 gloss sentence vectors; ``examples``: (e, dim) float32
    raw word vectors of example usages, ``example_sense``: (e,) their sense; ``count``,
    ``rank``: (s,) WordNet tag count and sense number."""

    x: np.ndarray
    context: np.ndarray
    doc: np.ndarray
    group: np.ndarray
    token_senses: list[np.ndarray]
    candidates: list[np.ndarray]
    gloss: np.ndarray
    examples: np.ndarray
    example_sense: np.ndarray
    count: np.ndarray
    rank: np.ndarray
    has_gloss: np.ndarray | None = None  # (s,) bool: senses with a gloss vector (None: all)


@dataclass
class TrainConfig:
    """Hyper-parameters (chosen by SemCor document cross-validation, scripts/train_head.py)."""

    rank: int = 0            # 0: full 384x384 maps; r > 0: identity + U V^T of rank r
    epochs: int = 4
    lr: float = 1e-3
    decay: float = 1e-3      # L2 penalty on the maps' distance from the identity
    wordnet_loss: float = 0.5  # weight of the WordNet-only softmax in the loss
    group_cap: int = 128     # tokens of one lemma group per epoch (frequent lemmas sampled)
    batch_tokens: int = 2048
    learn_weights: bool = True
    learn_maps: bool = True
    seed: int = 0
    init_weights: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class TrainedHead:
    """``word``, ``sentence``: (dim, dim) float32 maps (row vectors: ``x @ word``);
    ``weights``: the learned scoring formulas ``{"corpus": {...}, "wordnet_only": {...}}``;
    ``history``: mean loss per epoch."""

    word: np.ndarray
    sentence: np.ndarray
    weights: dict[str, dict[str, float]]
    history: list[float]


def _batches(data: TrainingData, rng: np.random.Generator, cap: int, size: int
             ) -> list[np.ndarray]:
    """Token indices in batches of whole lemma groups (at most ``cap`` tokens per group),
    groups in random order; only tokens whose group has two or more candidates."""
    order = np.argsort(data.group, kind="stable")
    bounds = np.flatnonzero(np.diff(data.group[order])) + 1
    groups = np.split(order, bounds)
    groups = [g for g in groups if len(data.candidates[data.group[g[0]]]) > 1]
    rng.shuffle(groups)
    out, current, filled = [], [], 0
    for tokens in groups:
        if len(tokens) > cap:
            tokens = rng.choice(tokens, cap, replace=False)
        current.append(tokens)
        filled += len(tokens)
        if filled >= size:
            out.append(np.concatenate(current))
            current, filled = [], 0
    if current:
        out.append(np.concatenate(current))
    return out


def _pairs(data: TrainingData, tokens: np.ndarray, support: np.ndarray,
           doc_support: dict[tuple[int, int], int]):
    """The (token, candidate) pairs of a batch: flat arrays."""
    pt, pc, gold, sup = [], [], [], []
    for local, t in enumerate(tokens):
        cands = data.candidates[data.group[t]]
        golds = set(data.token_senses[t].tolist())
        if not golds & set(cands.tolist()):
            continue
        d = int(data.doc[t])
        for c in cands:
            pt.append(local)
            pc.append(int(c))
            gold.append(int(c) in golds)
            sup.append(support[c] - doc_support.get((d, int(c)), 0))
    return (np.array(pt, np.int64), np.array(pc, np.int64), np.array(gold, bool),
            np.array(sup, np.float64))


def train(data: TrainingData, config: TrainConfig, *,
          progress: Callable[[int, int, float], None] | None = None,
          start: dict | None = None, checkpoint: Callable[[dict], None] | None = None
          ) -> TrainedHead:
    """Train a head on ``data``; deterministic for a given ``config.seed`` (CPU).

    ``progress(epoch, batch, loss)`` is called after every batch; ``start``: a state from
    ``checkpoint`` to resume from (the epochs it finished are skipped); ``checkpoint(state)``
    is called after every epoch with a picklable state."""
    import torch

    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)  # the same seed gives the same bytes
    try:
        return _train(data, config, progress, start, checkpoint)
    finally:
        torch.use_deterministic_algorithms(deterministic)


def _train(data: TrainingData, config: TrainConfig, progress, start, checkpoint
           ) -> TrainedHead:
    import torch

    torch.manual_seed(config.seed)
    dim = data.x.shape[1]
    support = np.zeros(len(data.gloss), np.int64)
    doc_support: dict[tuple[int, int], int] = {}
    for t, senses in enumerate(data.token_senses):
        for s in senses.tolist():
            support[s] += 1
            key = (int(data.doc[t]), s)
            doc_support[key] = doc_support.get(key, 0) + 1
    model = _Head(dim, config.rank, config.init_weights)
    params = list(model.parameters())
    if not config.learn_weights:
        params = [p for name, p in model.named_parameters() if not name.startswith("w_")]
    if not config.learn_maps:
        params = [p for name, p in model.named_parameters() if name.startswith("w_")]
    optimizer = torch.optim.Adam(params, lr=config.lr)
    first_epoch, history = 0, []
    if start is not None:
        model.load_state_dict(start["model"])
        optimizer.load_state_dict(start["optimizer"])
        first_epoch, history = start["epoch"], list(start["history"])
    x = torch.from_numpy(np.ascontiguousarray(data.x, np.float32))
    ctx = torch.from_numpy(np.ascontiguousarray(data.context, np.float32))
    gloss = torch.from_numpy(np.ascontiguousarray(data.gloss, np.float32))
    examples = torch.from_numpy(np.ascontiguousarray(data.examples, np.float32))
    ex_order = np.argsort(data.example_sense, kind="stable")
    ex_start = np.searchsorted(data.example_sense[ex_order], np.arange(len(data.gloss) + 1))
    log_count = torch.from_numpy(np.log1p(data.count.astype(np.float64))).float()
    has_gloss = torch.from_numpy(np.ones(len(data.gloss), bool) if data.has_gloss is None
                                 else np.asarray(data.has_gloss, bool)).float()
    inv_rank = torch.from_numpy(1.0 / np.maximum(data.rank, 1)).float()
    for epoch in range(first_epoch, config.epochs):
        rng = np.random.default_rng([config.seed, epoch])
        losses = []
        for number, tokens in enumerate(_batches(data, rng, config.group_cap,
                                                 config.batch_tokens)):
            pt, pc, gold, sup = _pairs(data, tokens, support, doc_support)
            if not len(pt):
                continue
            senses, local = np.unique(pc, return_inverse=True)
            rows = [ex_order[ex_start[s]:ex_start[s + 1]] for s in senses]
            ex_rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
            ex_owner = np.repeat(np.arange(len(senses)), [len(r) for r in rows])
            loss = model.loss(
                x[tokens], ctx[tokens], gloss[senses], examples[ex_rows],
                torch.from_numpy(ex_owner), torch.from_numpy(pt), torch.from_numpy(local),
                torch.from_numpy(gold), torch.from_numpy(np.log1p(np.maximum(sup, 0))).float(),
                torch.from_numpy(sup > 0), data.doc[tokens], data.token_senses, tokens,
                senses, log_count[senses], inv_rank[senses], config.wordnet_loss,
                has_gloss[senses])
            total = loss + config.decay * model.penalty()
            optimizer.zero_grad()
            total.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
            if progress is not None:
                progress(epoch, number, float(loss.detach()))
        history.append(float(np.mean(losses)) if losses else math.nan)
        if checkpoint is not None:
            checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "epoch": epoch + 1, "history": history})
    word, sentence = model.maps()
    return TrainedHead(word, sentence, model.formulas(), history)


class _Head:
    """The maps and weights (a plain holder of torch tensors, built lazily)."""

    def __init__(self, dim: int, rank: int, init: dict[str, dict[str, float]]) -> None:
        import torch

        self.torch = torch
        self.rank = rank
        eye = torch.eye(dim)
        self.eye = eye
        if rank:
            gen = torch.Generator().manual_seed(0)
            self.params = {
                "u_word": (torch.randn(dim, rank, generator=gen) * 0.01).requires_grad_(),
                "v_word": (torch.randn(dim, rank, generator=gen) * 0.01).requires_grad_(),
                "u_sentence": (torch.randn(dim, rank, generator=gen) * 0.01).requires_grad_(),
                "v_sentence": (torch.randn(dim, rank, generator=gen) * 0.01).requires_grad_(),
            }
        else:
            self.params = {"d_word": torch.zeros(dim, dim, requires_grad=True),
                           "d_sentence": torch.zeros(dim, dim, requires_grad=True)}
        corpus = {"corpus_cos": 4.6691, "gloss_cos": 3.5018, "example_cos": 1.1673,
                  "log_support": 0.4669, **init.get("corpus", {})}
        wordnet = {"gloss_cos": 5.7205, "example_cos": 1.4301, "context_gloss_cos": 2.8603,
                   **init.get("wordnet_only", {})}
        self.params["w_corpus"] = torch.tensor(
            [corpus.get(n, 0.0) for n in CORPUS_FEATURES], requires_grad=True)
        self.params["w_wordnet"] = torch.tensor(
            [wordnet.get(n, 0.0) for n in WORDNET_FEATURES], requires_grad=True)

    def parameters(self):
        return list(self.params.values())

    def named_parameters(self):
        return list(self.params.items())

    def state_dict(self) -> dict:
        return {k: v.detach().clone() for k, v in self.params.items()}

    def load_state_dict(self, state: dict) -> None:
        with self.torch.no_grad():
            for k, v in state.items():
                self.params[k].copy_(v)

    def matrix(self, kind: str):
        if self.rank:
            return self.eye + self.params[f"u_{kind}"] @ self.params[f"v_{kind}"].T
        return self.eye + self.params[f"d_{kind}"]

    def penalty(self):
        return sum((p ** 2).sum() for k, p in self.params.items() if not k.startswith("w_"))

    def maps(self) -> tuple[np.ndarray, np.ndarray]:
        with self.torch.no_grad():
            return (self.matrix("word").numpy().astype(np.float32),
                    self.matrix("sentence").numpy().astype(np.float32))

    def formulas(self) -> dict[str, dict[str, float]]:
        corpus = self.params["w_corpus"].detach().numpy()
        wordnet = self.params["w_wordnet"].detach().numpy()
        return {"corpus": {n: round(float(v), 4) for n, v in zip(CORPUS_FEATURES, corpus,
                                                                  strict=True)},
                "wordnet_only": {**{n: round(float(v), 4) for n, v in zip(
                    WORDNET_FEATURES, wordnet, strict=True)}, **WORDNET_PRIOR}}

    def loss(self, x, ctx, gloss, examples, ex_owner, pt, pc, gold, log_support, has_corpus,
             docs, token_senses, tokens, senses, log_count, inv_rank, wordnet_weight,
             has_gloss):
        torch = self.torch
        norm = torch.nn.functional.normalize
        w_word, w_sent = self.matrix("word"), self.matrix("sentence")
        z = norm(x @ w_word, dim=1)
        zg = norm(gloss @ w_sent, dim=1)
        zc = norm(ctx @ w_sent, dim=1)
        n_senses = len(senses)
        ex_sum = torch.zeros(n_senses, z.shape[1]).index_add_(
            0, ex_owner, norm(examples @ w_word, dim=1)) if len(examples) else \
            torch.zeros(n_senses, z.shape[1])
        has_ex = (ex_sum.norm(dim=1) > 0).float()
        ze = norm(ex_sum, dim=1)
        # corpus prototypes of the batch's tokens, leave-one-document-out
        sense_of = {int(s): i for i, s in enumerate(senses)}
        lt, ls, keys = [], [], []
        for local, t in enumerate(tokens):
            for s in token_senses[t].tolist():
                if s in sense_of:
                    lt.append(local)
                    ls.append(sense_of[s])
                    keys.append((int(docs[local]), sense_of[s]))
        proto = torch.zeros(n_senses, z.shape[1])
        if lt:
            lt_t, ls_t = torch.tensor(lt), torch.tensor(ls)
            proto = proto.index_add(0, ls_t, z[lt_t])
            unique = {k: i for i, k in enumerate(dict.fromkeys(keys))}
            doc_sum = torch.zeros(len(unique), z.shape[1]).index_add(
                0, torch.tensor([unique[k] for k in keys]), z[lt_t])
            pair_doc = torch.tensor([unique.get((int(docs[a]), int(b)), -1)
                                     for a, b in zip(pt.tolist(), pc.tolist(), strict=True)])
        else:
            doc_sum = torch.zeros(1, z.shape[1])
            pair_doc = torch.full((len(pt),), -1)
        own = torch.where((pair_doc >= 0).unsqueeze(1), doc_sum[pair_doc.clamp(min=0)],
                          torch.zeros(1, z.shape[1]))
        other = proto[pc] - own
        other_norm = other.norm(dim=1)
        has = (other_norm > 1e-6) & has_corpus
        corpus_cos = torch.where(has, (z[pt] * other).sum(1) / other_norm.clamp(min=1e-6),
                                 torch.zeros(()))
        gloss_cos = (z[pt] * zg[pc]).sum(1) * has_gloss[pc]
        example_cos = (z[pt] * ze[pc]).sum(1) * has_ex[pc]
        corpus_f = torch.stack([corpus_cos, has.float(), gloss_cos, example_cos, has_ex[pc],
                                log_support * has.float()], 1)
        context_cos = (zc[pt] * zg[pc]).sum(1) * has_gloss[pc]
        wordnet_f = torch.stack([gloss_cos, example_cos, has_ex[pc], context_cos], 1)
        prior = WORDNET_PRIOR["log_wordnet_count"] * log_count[pc] \
            + WORDNET_PRIOR["inv_rank"] * inv_rank[pc]
        loss = _softmax_loss(corpus_f @ self.params["w_corpus"], pt, gold)
        if wordnet_weight:
            loss = loss + wordnet_weight * _softmax_loss(
                wordnet_f @ self.params["w_wordnet"] + prior, pt, gold)
        return loss


def _softmax_loss(scores, owner, gold):
    """Mean over instances of -log(sum of the gold candidates' softmax probabilities)."""
    import torch

    owner = torch.unique(owner, return_inverse=True)[1]
    n = int(owner.max()) + 1
    peak = torch.full((n,), -1e9).scatter_reduce(0, owner, scores.detach(), "amax")
    exp = torch.exp(scores - peak[owner])
    total = torch.zeros(n).index_add(0, owner, exp)
    good = torch.zeros(n).index_add(0, owner, exp * gold.float())
    return (torch.log(total) - torch.log(good.clamp(min=1e-30))).mean()
