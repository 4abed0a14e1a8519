"""Train an adapter head (:mod:`sensedb.head.adapter_train`: LoRA on the encoder's upper
layers, trained as a WSD bi-encoder) on SemCor and measure it after every epoch.

- Data: scripts/adapter_head_data.py's file. Training: SemCor minus the held-out fold
  (``--fold``; documents dealt as scripts/tune_weights.py deals them, ``(doc // 10) % 5``;
  -1: all of SemCor; ``tuning``: minus the 36 documents scripts/tune_weights.py chooses
  the scoring formula on, d000, d010, ..., so that a formula refitted on the head's
  features is chosen on documents the head never saw), with ``--examples`` WordNet's usage
  examples too.
- Measured before the first step (the bare model) and after every epoch: accuracy of the
  nearest candidate gloss on the held-out fold and on SemEval-2007, per POS, and with
  WordNet's prior added (``cos + w * log(1 + count)`` for a grid of w; the w chosen on the
  held-out fold). SemEval-2007 is a check, never a selector.
- Writes ``head-epochN.npz`` (the product's head file, with its provenance) and
  ``log.json`` in ``--out`` after every epoch; a checkpoint every few minutes, so a rerun
  (the same arguments) resumes where a killed or ``--max-minutes`` run stopped.

    python scripts/adapter_head_data.py --data ../shared/data --out runs/adapter/data.npz
    python scripts/train_adapter_head.py --data runs/adapter/data.npz --out runs/adapter/f0 \\
        --fold 0 --epochs 1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np
import torch

from sensedb.head import RetrievalHead
from sensedb.head.adapter_data import AdapterData
from sensedb.head.adapter_train import AdapterConfig, adapter_arrays, evaluate, train_adapter

PRIOR_GRID = (0.0, 0.02, 0.05, 0.08, 0.12, 0.18, 0.25, 0.35)
# --fold tuning: scripts/tune_weights.py's SEMCOR_DOCUMENTS (d000, d010, ...: doc % 10 == 0)
TUNING = -2


def fold_argument(text: str) -> int:
    """``--fold``: a fold number, -1 (none) or ``tuning`` (TUNING)."""
    if text == "tuning":
        return TUNING
    try:
        fold = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a fold 0-4, -1 or 'tuning'") from None
    if not -1 <= fold <= 4:
        raise argparse.ArgumentTypeError(f"{text!r}: a fold 0-4, -1 or 'tuning'")
    return fold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--model", default=None, help="model directory (default: the "
                        "embedded all-MiniLM-L6-v2)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--fold", type=fold_argument, default=0,
                        help="held-out SemCor fold; -1: none; 'tuning': tune_weights.py's "
                        "documents (d000, d010, ...)")
    defaults = AdapterConfig()
    for name, value in asdict(defaults).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--examples", action="store_true", help="train on WordNet's examples too")
    parser.add_argument("--eval-limit", type=int, default=0)
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop after this many minutes, checkpointed; rerun to continue")
    parser.add_argument("--bf16", action="store_true", help="autocast to bfloat16 (GPU)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    config = AdapterConfig(**{k: getattr(args, k) for k in asdict(defaults)})
    started = time.perf_counter()
    data = AdapterData.load(args.data)
    model_path = args.model
    if model_path is None:
        from sensedb.encoder import default_model_path

        model_path = str(default_model_path())
    semcor, se07 = data.part("semcor"), data.part("semeval2007")
    held_out = (semcor["doc"] % 10 == 0 if args.fold == TUNING
                else (semcor["doc"] // 10) % 5 == args.fold)
    train = [("semcor", np.flatnonzero(~held_out))]
    if args.examples:
        train.append(("examples", np.arange(data.usages("examples"))))
    held = np.flatnonzero(held_out)[:args.eval_limit or None]
    checks = {"held_out": (semcor, held), "semeval2007": (se07, np.arange(len(se07["group"])))}
    args.out.mkdir(parents=True, exist_ok=True)
    log_path = args.out / "log.json"
    log = json.loads(log_path.read_text()) if log_path.exists() else {"epochs": []}
    log["args"] = {k: str(v) for k, v in vars(args).items()}
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip() or None

    def on_epoch(epoch: int, model, record: dict) -> None:
        result = {"epoch": epoch, "seconds": round(time.perf_counter() - started, 1), **record}
        for name, (part, rows) in checks.items():
            if len(rows):
                result[name] = evaluate(model, data, part, rows, args.device, PRIOR_GRID)
        held_out = result.get("held_out")
        result["prior_weight"] = (float(max(held_out, key=lambda w: held_out[w]["all"]))
                                  if held_out else 0.12)
        print(json.dumps(result), flush=True)
        log["epochs"] = [e for e in log["epochs"] if e["epoch"] != epoch] + [result]
        log_path.write_text(json.dumps(log, indent=1))
        if epoch == 0:
            return
        fold = "tuning" if args.fold == TUNING else args.fold
        command = ("python scripts/adapter_head_data.py --data ../shared/data --out DATA; "
                   f"python scripts/train_adapter_head.py --data DATA --fold {fold} "
                   + " ".join(f"--{k.replace('_', '-')} {v}"
                              for k, v in asdict(config).items())
                   + (" --examples" if args.examples else ""))
        head = RetrievalHead(
            None, None, model=data.meta["model"], adapter=adapter_arrays(model),
            adapter_scale=config.alpha / config.rank,
            provenance={
                "kind": "adapter (LoRA) trained as a WSD bi-encoder, one shared encoder",
                "data": "SemCor (Raganato et al. 2017)" + (
                    " minus the tuning documents (doc % 10 == 0)" if args.fold == TUNING
                    else f" minus fold {args.fold} ((doc // 10) % 5)" if args.fold >= 0
                    else "")
                + (" + WordNet's usage examples" if args.examples else ""),
                "command": command, "seed": config.seed, "config": asdict(config),
                "epoch": epoch, "train_loss": record.get("loss"),
                "device": args.device, "date": date.today().isoformat(), "commit": commit,
                "held_out_fold": fold, "checks": {k: result.get(k) for k in checks}})
        head.save(args.out / f"head-epoch{epoch}.npz")

    trained = train_adapter(data, config, model_path=model_path, train=train, out=args.out,
                            device=args.device, bf16=args.bf16, on_epoch=on_epoch, progress=True,
                            stop_after=None if args.max_minutes is None
                            else 60.0 * args.max_minutes)
    if not trained["finished"]:
        print(f"stopped at step {trained['step']} of {trained['steps']}; run again to "
              "continue", flush=True)
        return
    print(f"{trained['windows']} windows, {trained['usages']} usages, losses "
          f"{trained['history']}; {trained['seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
