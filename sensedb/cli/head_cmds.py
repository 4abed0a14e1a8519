"""``sensedb train-head``: train a retrieval head for any encoder on a labelled corpus."""

from __future__ import annotations

import math
from pathlib import Path

import click

from . import cli, emit, output_options

#: Exit status of `train-head --max-minutes` that stopped before the head was written.
UNFINISHED_EXIT = 3


@cli.command("train-head")
@click.argument("corpus", type=click.Path(dir_okay=False, exists=True))
@click.option("--gold", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Gold key file of a unified-XML corpus (default: beside it).")
@click.option("--model", default=None,
              help="sentence-transformers / Hugging Face model name or path (default: "
                   "all-MiniLM-L6-v2).")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Head directory: head.npz + head.json; features and checkpoints are kept "
                   "there, so running the command again on the same data resumes (other "
                   "data, or another kind of head: it starts again).")
@click.option("--epochs", default=4, show_default=True, type=click.IntRange(min=1),
              help="Passes over the corpus.")
@click.option("--rank", default=0, show_default=True, type=click.IntRange(min=0),
              help="linear: 0 full (dim x dim) maps, r the identity plus a rank-r update; "
                   "adapter: the LoRA rank (0: 16).")
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed, same head).")
@click.option("--kind", type=click.Choice(["linear", "adapter"]), default="linear",
              show_default=True,
              help="linear: maps on the frozen encoder's vectors; adapter: low-rank adapters "
                   "in the encoder's upper layers, trained as a WSD bi-encoder (needs peft: "
                   "pip install 'sensedb[train]'; hours on a CPU for SemCor).")
@click.option("--device", default=None, help="torch device for the encoder.")
@click.option("--max-minutes", type=click.FloatRange(min=0, min_open=True), default=None,
              help="adapter: stop after this many minutes of training, checkpointed; the "
                   "same command again continues where it stopped (exit status 3 until the "
                   "head is written).")
@output_options
def train_head(corpus, gold, model, out, epochs, rank, seed, kind, device, max_minutes,
               as_json):
    """Train a retrieval head on CORPUS (unified XML with --gold, or JSONL) so that a usage's
    vector is nearest to its gold sense's vectors; use it with `sensedb index --head OUT`.

    Example:

        sensedb train-head semcor.data.xml --gold semcor.gold.key.txt --out ./my-head
        sensedb train-head my-corpus.jsonl --kind adapter --epochs 1 --out ./my-adapter
        sensedb train-head semcor.data.xml --kind adapter --max-minutes 60 --out ./my-adapter
    """
    from ..api import corpus_reader
    from ..encoder import Encoder
    from ..head.fit import train_head as fit
    from ..head.train import TrainConfig
    from ..inventory import default_wordnet

    if max_minutes is not None and not math.isfinite(max_minutes):
        raise click.BadParameter(f"{max_minutes} is not a number of minutes",
                                 param_hint="'--max-minutes'")
    if max_minutes is not None and kind != "adapter":
        raise click.UsageError("--max-minutes is for --kind adapter (a linear head trains "
                               "in minutes)")
    inventory = default_wordnet()
    read, files = corpus_reader(corpus, gold, inventory)
    encoder = Encoder(model, device=device, head=None)
    if kind == "adapter":
        from ..head.adapter_train import AdapterConfig
        from ..head.fit import Unfinished, train_adapter_head

        try:
            head = train_adapter_head(
                read(), encoder, inventory, Path(out),
                config=AdapterConfig(epochs=epochs, rank=rank or AdapterConfig.rank, seed=seed),
                data_files=files, progress=not as_json,
                stop_after=None if max_minutes is None else 60.0 * max_minutes)
        except ImportError as exc:
            raise click.ClickException(f"{exc}: an adapter head needs peft "
                                       "(pip install 'sensedb[train]')") from None
        if isinstance(head, Unfinished):
            emit({"out": str(out), "finished": False, "step": head.step, "steps": head.steps},
                 as_json, lambda d: f"stopped at step {d['step']} of {d['steps']} "
                                    f"(checkpoint in {d['out']}); run the same command "
                                    "again to continue")
            raise SystemExit(UNFINISHED_EXIT)
        tokens = head.provenance["usages"]
    else:
        head = fit(read(), encoder, inventory, Path(out),
                   config=TrainConfig(epochs=epochs, rank=rank, seed=seed), data_files=files,
                   progress=not as_json)
        tokens = head.provenance["tokens"]
    data = {"out": str(out), "sha256": head.sha256, "model": head.model,
            "seconds": head.provenance["seconds"], "tokens": tokens,
            "loss_per_epoch": head.provenance["loss_per_epoch"]}
    emit(data, as_json, lambda d: f"head {d['sha256'][:12]} for {d['model']} in {d['out']} "
                                  f"({d['tokens']} labelled tokens, {d['seconds']:.0f} s)")
