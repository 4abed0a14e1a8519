"""Time an adapter head's training step on the gloss side three ways, side by side on the
same random steps (:mod:`sensedb.head.adapter_train`): every gloss of the step padded to the
step's longest and run through the whole model (before), glosses in batches of similar
length (``gloss_vectors``), and those batches through the adapted layers only, on the frozen
layers' cached states (``LowerStates``, what training uses). Forward and backward, seconds;
the usage side (the step's windows) is timed once for scale.

    python scripts/adapter_head_data.py --data ../shared/data --out runs/adapter/data.npz
    python scripts/bench_adapter_step.py --data runs/adapter/data.npz --steps 5
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from sensedb.head import adapter_train
from sensedb.head.adapter_data import AdapterData


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=adapter_train.AdapterConfig.batch,
                        help="windows a step")
    parser.add_argument("--first-layer", type=int,
                        default=adapter_train.AdapterConfig.first_layer)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel

    from sensedb.encoder import default_model_path

    torch.manual_seed(args.seed)
    data = AdapterData.load(args.data)
    part = data.part("semcor")
    model = AutoModel.from_pretrained(str(default_model_path())).float()
    model = get_peft_model(model, LoraConfig(
        r=16, lora_alpha=32, lora_dropout=0.0,
        target_modules=adapter_train.targets(args.first_layer, model.config.num_hidden_layers)))
    by_window: dict[int, list[int]] = {}
    for row, group in enumerate(part["group"]):
        if len(data.candidates[group]) > 1:
            by_window.setdefault(int(part["sentence"][row]), []).append(row)
    units = list(by_window.values())
    rng = np.random.default_rng(args.seed)
    steps = [np.array([r for i in rng.permutation(len(units))[:args.batch] for r in units[i]])
             for _ in range(args.steps)]
    needed = np.unique(np.concatenate([data.candidates[part["group"][r]]
                                       for rows in steps for r in rows]))
    started = time.perf_counter()
    lower = adapter_train.LowerStates.build(model, data, args.first_layer, "cpu", needed)
    cache_seconds = time.perf_counter() - started

    def one_batch(senses):  # before: one batch padded to the step's longest gloss
        ids, mask = adapter_train._pad([data.sense_pieces[s] for s in senses],
                                       data.meta["pad_id"], "cpu")
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        return adapter_train._mean_unit(hidden, mask)

    ways = {"one padded batch, whole model": one_batch,
            "batches by length, whole model": lambda s: adapter_train.gloss_vectors(
                model, data, s, "cpu"),
            "batches by length, adapted layers on cached states": lambda s: (
                lower.gloss_vectors(data, s, "cpu"))}
    model.train()
    seconds = {name: [] for name in ways}
    usage_seconds, glosses = [], []
    for rows in steps:
        union, _ = adapter_train.candidate_table(data, part["group"][rows])
        glosses.append(len(union))
        for name, way in ways.items():
            model.zero_grad(set_to_none=True)
            started = time.perf_counter()
            vectors = way(union)
            vectors.sum(0).square().sum().backward()
            seconds[name].append(time.perf_counter() - started)
        started = time.perf_counter()
        adapter_train.usage_vectors(model, data, part, rows, "cpu").sum().backward()
        usage_seconds.append(time.perf_counter() - started)
    before = np.median(seconds["one padded batch, whole model"])
    print(json.dumps({
        "steps": args.steps, "windows_a_step": args.batch, "glosses_a_step": glosses,
        "threads": torch.get_num_threads(), "cache_seconds": round(cache_seconds, 1),
        "cached_glosses": len(needed),
        "gloss_side_seconds_median": {k: round(float(np.median(v)), 2)
                                      for k, v in seconds.items()},
        "speed_up": {k: round(float(before / np.median(v)), 2) for k, v in seconds.items()},
        "usage_side_seconds_median": round(float(np.median(usage_seconds)), 2)}, indent=1))


if __name__ == "__main__":
    main()
