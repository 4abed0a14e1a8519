"""Training an adapter head (torch; LoRA through ``peft``, imported lazily): low-rank adapters
on the linear layers of the encoder's upper transformer layers, trained as a bi-encoder for
WSD (BEM, Blevins & Zettlemoyer 2020, with one shared encoder) so that a usage's word vector
is nearest to its gold sense's gloss vector among the lemma's candidates.

- Usage vector: the mean of the target word's last-layer pieces in its window (the product's
  word vector); gloss vector: the model's own sentence embedding of ``gloss_text`` (the mean of
  the last layer over every piece, [CLS]/[SEP] included, L2-normalized: all-MiniLM-L6-v2's
  pipeline).
- Loss: cross-entropy of ``scale * cos(usage, gloss)`` over the lemma's candidate senses (a
  usage with several gold senses: the log of their summed probability); ``scale`` learned,
  from 20. Only usages with two or more candidates train.
- AdamW, linear warm-up over 6% of the steps then linear decay; batches of whole windows.
  Seeded: on a CPU a run is reproducible; on a GPU matrix products are not bit-reproducible.

The adapted layers are ``first_layer`` and up (default 3 of all-MiniLM-L6-v2's 6): the layers
below keep the model's weights, so the POS head's probe on hidden layers 1-3
(:mod:`sensedb.pos_head`) sees what it was trained on. Applying the trained head is
:mod:`sensedb.head.adapter` (merged into the weights: no peft, no cost per query).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from .adapter_data import POS_ORDER, AdapterData

CHECKPOINT_FILE = "adapter-checkpoint.pt"
#: Seconds between checkpoints within an epoch (a killed run loses at most this much).
CHECKPOINT_SECONDS = 300.0


@dataclass(frozen=True)
class AdapterConfig:
    """Training settings (defaults: the shipped head's, BENCHMARKS.md "An adapter head").
    ``limit``: at most this many windows a pass (0: all), a seeded sample."""

    epochs: int = 1
    rank: int = 16
    alpha: float = 32.0
    first_layer: int = 3
    lr: float = 5e-4
    batch: int = 32
    limit: int = 0
    seed: int = 0


def targets(first_layer: int, layers: int) -> str:
    """peft's ``target_modules`` (a regex matched against whole module names): every linear
    layer of transformer layers ``first_layer`` .. ``layers - 1``."""
    numbers = "|".join(str(n) for n in range(first_layer, layers))
    return (rf".*encoder\.layer\.({numbers})\.(attention\.self\.(query|key|value)"
            r"|attention\.output\.dense|intermediate\.dense|output\.dense)")


def _pad(rows: list[np.ndarray], pad_id: int, device, cls: int | None = None,
         sep: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    extra = 2 if cls is not None else 0
    width = max(len(r) for r in rows) + extra
    ids = np.full((len(rows), width), pad_id, np.int64)
    mask = np.zeros((len(rows), width), np.int64)
    for i, r in enumerate(rows):
        row = [cls, *r, sep] if cls is not None else list(r)
        ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
    return torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)


def usage_vectors(model, data: AdapterData, part: dict, rows: np.ndarray,
                  device) -> torch.Tensor:
    """(len(rows), dim) float32 word vectors of the usages ``rows`` of ``part`` (one forward
    pass over their windows; a word's vector is the mean of its pieces)."""
    windows, where = np.unique(part["sentence"][rows], return_inverse=True)
    meta = data.meta
    ids, mask = _pad([part["windows"][w] for w in windows], meta["pad_id"], device,
                     meta["cls_id"], meta["sep_id"])
    hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state.float()
    starts, stops = part["start"][rows] + 1, part["stop"][rows] + 1  # +1: [CLS]
    width = hidden.shape[1]
    lengths = stops - starts
    flat = np.concatenate([where[i] * width + np.arange(starts[i], stops[i])
                           for i in range(len(rows))])
    owner = np.repeat(np.arange(len(rows)), lengths)
    pieces = hidden.reshape(-1, hidden.shape[-1]).index_select(
        0, torch.from_numpy(flat).to(device))
    out = torch.zeros((len(rows), hidden.shape[-1]), device=device)
    out.index_add_(0, torch.from_numpy(owner).to(device), pieces)
    return out / torch.from_numpy(lengths).to(device).float().unsqueeze(1)


#: Padded pieces in one forward batch of glosses: glosses are sorted by length and cut into
#: batches of about this many pieces, so a batch pads to its own longest gloss (padding every
#: gloss of a step to the step's longest made the gloss side 4x slower on a CPU).
GLOSS_BATCH_PIECES = 8192


def _length_batches(lengths: np.ndarray, budget: int = GLOSS_BATCH_PIECES) -> list[np.ndarray]:
    """Indices into ``lengths`` sorted by length and cut into batches of at most ``budget``
    padded pieces (at least one row each)."""
    order = np.argsort(lengths, kind="stable")
    batches, start = [], 0
    while start < len(order):
        stop = start + 1
        while stop < len(order) and (stop - start + 1) * lengths[order[stop]] <= budget:
            stop += 1
        batches.append(order[start:stop])
        start = stop
    return batches


class LowerStates:
    """The hidden states of every gloss after the layers below ``first_layer``, computed once:
    those layers carry no adapter, so a gloss's states there never change, and a training
    step runs only the adapted layers on them (half the gloss side's forward pass on
    all-MiniLM-L6-v2 with ``first_layer`` 3). Computed in eval mode (no dropout in the frozen
    layers). Used only where the model is laid out as BERT (``embeddings``, ``encoder.layer``)
    and running its upper layers on these states gives its own output back
    (:meth:`build` checks, else returns None and training encodes glosses whole).

    ``states[s]``: (pieces of sense s, dim) float32."""

    def __init__(self, bert, first_layer: int, states: list[torch.Tensor]) -> None:
        self.bert, self.first_layer, self.states = bert, first_layer, states

    @classmethod
    @torch.no_grad()
    def build(cls, model, data: AdapterData, first_layer: int, device,
              senses: np.ndarray | None = None) -> LowerStates | None:
        """States of ``senses`` (default: every sense of ``data``; the others stay None),
        or None where the model is not laid out as BERT or the check fails."""
        bert = getattr(getattr(model, "base_model", None), "model", model)
        layers = getattr(getattr(bert, "encoder", None), "layer", None)
        if getattr(bert, "embeddings", None) is None or layers is None or first_layer < 1:
            return None
        was_training = model.training
        model.eval()
        try:
            senses = np.arange(len(data.sense_pieces)) if senses is None else senses
            states: list = [None] * len(data.sense_pieces)
            lengths = np.array([len(data.sense_pieces[s]) for s in senses])
            for batch in _length_batches(lengths):
                rows = senses[batch]
                ids, mask = _pad([data.sense_pieces[s] for s in rows], data.meta["pad_id"],
                                 device)
                hidden = bert.embeddings(input_ids=ids)
                for layer in layers[:first_layer]:
                    hidden = _run_layer(bert, layer, hidden, mask)
                for i, s in enumerate(rows):
                    states[s] = hidden[i, :lengths[batch[i]]].float()
            made = cls(bert, first_layer, states)
            check = senses[:64]
            whole = gloss_vectors(model, data, check, device)
            if float((whole - made.gloss_vectors(data, check, device)).abs().max()) > 1e-4:
                return None
            return made
        except (TypeError, ValueError, RuntimeError, AttributeError):  # another layout
            return None
        finally:
            model.train(was_training)

    def gloss_vectors(self, data: AdapterData, senses: np.ndarray, device) -> torch.Tensor:
        """(len(senses), dim) float32 unit gloss vectors through the adapted layers only."""
        lengths = np.array([len(data.sense_pieces[s]) for s in senses])
        out, where = [], []
        for batch in _length_batches(lengths):
            width = int(lengths[batch].max())
            hidden = torch.stack([torch.nn.functional.pad(
                self.states[s], (0, 0, 0, width - len(self.states[s])))
                for s in senses[batch]]).to(device)
            mask = (torch.arange(width).unsqueeze(0)
                    < torch.from_numpy(lengths[batch]).unsqueeze(1)).long().to(device)
            for layer in self.bert.encoder.layer[self.first_layer:]:
                hidden = _run_layer(self.bert, layer, hidden, mask)
            out.append(_mean_unit(hidden, mask))
            where.append(batch)
        return _in_order(out, where, len(senses))


def _run_layer(bert, layer, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """One transformer layer with the model's own attention mask for ``mask`` (batch, pieces)."""
    from transformers.masking_utils import create_bidirectional_mask

    full = create_bidirectional_mask(config=bert.config, inputs_embeds=hidden,
                                     attention_mask=mask)
    out = layer(hidden, attention_mask=full)
    return out[0] if isinstance(out, tuple) else out


def _mean_unit(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).float()
    return torch.nn.functional.normalize((hidden.float() * m).sum(1) / m.sum(1), dim=-1)


def _in_order(parts: list[torch.Tensor], where: list[np.ndarray], n: int) -> torch.Tensor:
    stacked = torch.cat(parts)
    index = torch.from_numpy(np.concatenate(where)).to(stacked.device)
    return torch.zeros_like(stacked).index_copy(0, index, stacked)[:n]


def gloss_vectors(model, data: AdapterData, senses: np.ndarray, device) -> torch.Tensor:
    """(len(senses), dim) float32 unit gloss vectors (the model's sentence pooling), encoded
    in batches of similar length (:data:`GLOSS_BATCH_PIECES`)."""
    lengths = np.array([len(data.sense_pieces[s]) for s in senses])
    out, where = [], []
    for batch in _length_batches(lengths):
        ids, mask = _pad([data.sense_pieces[s] for s in senses[batch]], data.meta["pad_id"],
                         device)
        out.append(_mean_unit(model(input_ids=ids, attention_mask=mask).last_hidden_state,
                              mask))
        where.append(batch)
    return _in_order(out, where, len(senses))


def candidate_table(data: AdapterData, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of the groups' candidate senses (sorted rows of the sense table) and each
    group's candidates as (len(groups), most candidates) int64 indices into it (-1: none)."""
    union = np.unique(np.concatenate([data.candidates[g] for g in groups]))
    width = max(len(data.candidates[g]) for g in groups)
    table = np.full((len(groups), width), -1, np.int64)
    for i, g in enumerate(groups):
        table[i, :len(data.candidates[g])] = np.searchsorted(union, data.candidates[g])
    return union, table


def candidate_loss(u: torch.Tensor, glosses: torch.Tensor, table: np.ndarray, golds: list,
                   union: np.ndarray, scale: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over usages of ``scale * cos(u, gloss)`` among each usage's
    candidates (``table`` rows), the gold senses' probabilities summed."""
    device = u.device
    u = torch.nn.functional.normalize(u.float(), dim=-1)
    t = torch.from_numpy(table).to(device)
    with torch.autocast(device.type, enabled=False):  # scores in float32
        logits = (u @ glosses.float().T).gather(1, t.clamp(min=0)) * scale
        logits = logits.masked_fill(t < 0, -1e4)
    gold = np.zeros(table.shape, bool)
    for i, senses in enumerate(golds):
        gold[i] = np.isin(table[i], np.searchsorted(union, senses)) & (table[i] >= 0)
    g = torch.from_numpy(gold).to(device)
    return (torch.logsumexp(logits, 1)
            - torch.logsumexp(logits.masked_fill(~g, -1e4), 1)).mean()


@torch.no_grad()
def evaluate(model, data: AdapterData, part: dict, rows: np.ndarray, device,
             prior_weights: tuple[float, ...] = (0.0,), batch: int = 256) -> dict:
    """Accuracy (percent) of the nearest candidate gloss over the usages ``rows`` of
    ``part``, overall and per POS, for each weight w of WordNet's prior added to the cosine
    (``cos + w * log(1 + count)``): ``{str(w): {"all": .., "NOUN": .., ...}}``."""
    was_training = model.training
    model.eval()
    union, table = candidate_table(data, part["group"][rows])
    glosses = gloss_vectors(model, data, union, device)
    order = np.argsort(part["sentence"][rows], kind="stable")
    us = torch.zeros((len(rows), glosses.shape[1]), device=device)
    for i in range(0, len(rows), batch):
        take = order[i:i + batch]
        us[torch.from_numpy(take).to(device)] = usage_vectors(model, data, part, rows[take],
                                                              device)
    us = torch.nn.functional.normalize(us, dim=-1)
    t = torch.from_numpy(table).to(device)
    cos = (us @ glosses.float().T).float().gather(1, t.clamp(min=0)).cpu().numpy()
    prior = np.log1p(data.count[union][table.clip(0)].astype(np.float64))
    gold_local = [set(np.searchsorted(union, part["gold"][r]).tolist()) for r in rows]
    pos = part["pos"][rows]
    out = {}
    for w in prior_weights:
        score = np.where(table >= 0, cos + w * prior, -np.inf)
        pick = table[np.arange(len(rows)), score.argmax(1)]
        right = np.array([p in g for p, g in zip(pick, gold_local, strict=True)])
        out[f"{w:g}"] = {"all": round(100 * right.mean(), 2),
                         **{POS_ORDER[p]: round(100 * right[pos == p].mean(), 1)
                            for p in range(4) if (pos == p).any()}}
    model.train(was_training)
    return out


def adapter_arrays(model) -> dict[str, np.ndarray]:
    """The trained LoRA matrices of a peft model by the base model's module name:
    ``{"<module>.A": (r, in), "<module>.B": (out, r)}`` float32."""
    arrays = {}
    for name, module in model.named_modules():
        lora_a = getattr(module, "lora_A", None)
        if lora_a is not None and "default" in lora_a:
            base = name.split("base_model.model.", 1)[-1]
            arrays[f"{base}.A"] = lora_a["default"].weight.detach().float().cpu().numpy()
            arrays[f"{base}.B"] = (module.lora_B["default"].weight.detach().float().cpu()
                                   .numpy())
    return arrays


def train_adapter(data: AdapterData, config: AdapterConfig, *, model_path: str,
                  train: list[tuple[str, np.ndarray]], out: Path, device: str = "cpu",
                  bf16: bool = False, progress: bool = False,
                  on_epoch: Callable[[int, object, dict], None] | None = None,
                  checkpoint_seconds: float = CHECKPOINT_SECONDS,
                  stop_after: float | None = None) -> dict:
    """Train adapters on ``model_path`` (a transformers model directory) over the usages
    ``train`` (``[(part name, usage rows)]``; rows whose lemma has one candidate are
    dropped). After every epoch: ``on_epoch(epoch, peft model, record)`` (evaluation, files),
    then a checkpoint in ``out`` (:data:`CHECKPOINT_FILE`) that a rerun with the same config
    resumes from (``on_epoch(0, model, {})`` first, before any step of a fresh run). Within
    an epoch a checkpoint is also written every ``checkpoint_seconds`` (an epoch of SemCor
    is hours on a CPU); a rerun continues from its step, and the head it ends with is the
    one an uninterrupted run makes (on a CPU, bit for bit: the data order, the sampler's and
    torch's random states are in the checkpoint). ``stop_after`` (seconds, None: no limit):
    stop after the step that passes it, checkpointed, with the epoch unfinished.
    Returns ``{"adapter": adapter_arrays, "scale": alpha / rank, "history": [mean loss per
    finished epoch], "windows": .., "usages": .., "seconds": .., "finished": whether every
    epoch was trained, "step": steps trained over all epochs, "steps": steps in all}``.

    Raises:
        ImportError: peft is not installed (``pip install 'sensedb[train]'``)."""
    import warnings

    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, get_linear_schedule_with_warmup

    # peft asks transformers a deprecated question on every model it wraps (transformers 5)
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*",
                            category=FutureWarning)
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = AutoModel.from_pretrained(model_path).float().to(device)
    model = get_peft_model(model, LoraConfig(
        r=config.rank, lora_alpha=config.alpha, lora_dropout=0.0,
        target_modules=targets(config.first_layer, model.config.num_hidden_layers)))
    scale = torch.nn.Parameter(torch.tensor(math.log(20.0), device=device))
    parts = {name: data.part(name) for name, _ in train}
    units = []  # (part, window, usage rows): a batch is whole windows
    for name, rows in train:
        part = parts[name]
        by_window: dict[int, list[int]] = {}
        for r in rows:
            if len(data.candidates[part["group"][r]]) > 1:
                by_window.setdefault(int(part["sentence"][r]), []).append(int(r))
        units += [(name, w, r) for w, r in by_window.items()]
    if config.limit:
        units = [units[i] for i in rng.permutation(len(units))[:config.limit]]
    if not units:
        from ..errors import InputError

        raise InputError("no labelled usage with two or more candidate senses: nothing to "
                         "train on")
    steps = math.ceil(len(units) / config.batch)

    def summary() -> dict:
        return {"adapter": adapter_arrays(model), "scale": config.alpha / config.rank,
                "history": history, "windows": len(units),
                "usages": int(sum(len(u[2]) for u in units)),
                "seconds": round(time.perf_counter() - started, 1),
                "steps": config.epochs * steps}
    params = [p for p in model.parameters() if p.requires_grad] + [scale]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps * config.epochs),
                                               steps * config.epochs)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint = out / CHECKPOINT_FILE
    history: list[float] = []
    first, partial = 1, None
    try:  # a damaged checkpoint (a run killed while writing it) counts as none
        state = torch.load(checkpoint, weights_only=False) if checkpoint.exists() else None
    except Exception:  # torch raises many kinds for a damaged file
        state = None
    if state is not None and state.get("config") != asdict(config):
        changed = sorted(k for k, v in asdict(config).items()
                         if (state.get("config") or {}).get(k) != v)
        warnings.warn(f"{checkpoint}: made with other settings ({', '.join(changed)}): "
                      "training starts again", stacklevel=2)
        state = None
    if state is not None:
        model.load_state_dict(state["model"], strict=False)
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        scale.data.fill_(state["scale"])
        rng.bit_generator.state = state["rng"]
        if state.get("torch_rng") is not None:
            torch.set_rng_state(state["torch_rng"])
        history, first = state["history"], state["epoch"] + 1
        partial = state.get("partial")  # {"order", "step", "losses"} of epoch ``first``

    def save(epoch_done: int, partial_epoch: dict | None) -> None:
        torch.save({"config": asdict(config),
                    "model": {k: v for k, v in model.state_dict().items() if "lora_" in k},
                    "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
                    "scale": float(scale.detach()), "rng": rng.bit_generator.state,
                    "torch_rng": torch.get_rng_state(), "epoch": epoch_done,
                    "history": history, "partial": partial_epoch},
                   checkpoint.with_suffix(".tmp"))
        os.replace(checkpoint.with_suffix(".tmp"), checkpoint)
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if bf16 and device.startswith("cuda")
                else torch.autocast("cpu", enabled=False))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps * config.epochs,
                   initial=steps * (first - 1) + (partial["step"] if partial else 0),
                   unit="step", desc="training")
    lower = LowerStates.build(model, data, config.first_layer, device, senses=np.unique(
        np.concatenate([data.candidates[parts[name]["group"][r]]
                        for name, _, rows in units for r in rows])))
    model.train()
    if on_epoch is not None and first == 1 and partial is None:  # the bare model
        on_epoch(0, model, {})
    saved = time.perf_counter()
    for epoch in range(first, config.epochs + 1):
        if partial is not None:  # this epoch's order was drawn before the checkpoint
            order, start, losses = partial["order"], partial["step"], list(partial["losses"])
            partial = None
        else:
            order, start, losses = rng.permutation(len(units)), 0, []
        for step in range(start, steps):
            chosen = [units[i] for i in order[step * config.batch:(step + 1) * config.batch]]
            with autocast:
                total = 0.0
                for name in sorted({c[0] for c in chosen}):
                    part = parts[name]
                    rows = np.array([r for c in chosen if c[0] == name for r in c[2]])
                    union, table = candidate_table(data, part["group"][rows])
                    glosses = (gloss_vectors(model, data, union, device) if lower is None
                               else lower.gloss_vectors(data, union, device))
                    u = usage_vectors(model, data, part, rows, device)
                    total = total + candidate_loss(u, glosses, table,
                                                   [part["gold"][r] for r in rows], union,
                                                   scale.exp()) * len(rows)
                loss = total / sum(len(c[2]) for c in chosen)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(float(loss.detach()))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
            now = time.perf_counter()
            stopping = stop_after is not None and now - started >= stop_after
            if step + 1 < steps and (stopping or now - saved >= checkpoint_seconds):
                save(epoch - 1, {"order": order, "step": step + 1, "losses": losses})
                saved = now
                if stopping:
                    if bar is not None:
                        bar.close()
                    return {**summary(), "finished": False,
                            "step": (epoch - 1) * steps + step + 1}
        history.append(round(float(np.mean(losses)), 4))
        if on_epoch is not None:
            on_epoch(epoch, model, {"loss": history[-1], "scale": float(scale.detach().exp())})
        save(epoch, None)
        saved = time.perf_counter()
        if stop_after is not None and saved - started >= stop_after and epoch < config.epochs:
            if bar is not None:
                bar.close()
            return {**summary(), "finished": False, "step": epoch * steps}
    if bar is not None:
        bar.close()
    return {**summary(), "finished": True, "step": config.epochs * steps}
