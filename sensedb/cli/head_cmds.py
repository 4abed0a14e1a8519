"""``sensedb train-head``: train a retrieval head for any encoder on a labelled corpus."""

from __future__ import annotations

from pathlib import Path

import click

from . import cli, emit, output_options


@cli.command("train-head")
@click.argument("corpus", type=click.Path(dir_okay=False, exists=True))
@click.option("--gold", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Gold key file of a unified-XML corpus (default: beside it).")
@click.option("--model", default=None,
              help="sentence-transformers / Hugging Face model name or path (default: "
                   "all-MiniLM-L6-v2).")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Head directory: head.npz + head.json; features and checkpoints are kept "
                   "there, so running the command again resumes.")
@click.option("--epochs", default=4, show_default=True, help="Passes over the corpus.")
@click.option("--rank", default=0, show_default=True,
              help="0: full (dim x dim) maps; r: identity plus a rank-r update.")
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed, same head).")
@click.option("--device", default=None, help="torch device for the encoder.")
@output_options
def train_head(corpus, gold, model, out, epochs, rank, seed, device, as_json):
    """Train a retrieval head on CORPUS (unified XML with --gold, or JSONL) so that a usage's
    vector is nearest to its gold sense's vectors; use it with `sensedb index --head OUT`.

    Example:

        sensedb train-head semcor.data.xml --gold semcor.gold.key.txt --out ./my-head
    """
    from ..api import corpus_reader
    from ..encoder import Encoder
    from ..head.fit import train_head as fit
    from ..head.train import TrainConfig
    from ..inventory import default_wordnet

    inventory = default_wordnet()
    read, files = corpus_reader(corpus, gold, inventory)
    encoder = Encoder(model, device=device, head=None)
    head = fit(read(), encoder, inventory, Path(out),
               config=TrainConfig(epochs=epochs, rank=rank, seed=seed), data_files=files,
               progress=not as_json)
    data = {"out": str(out), "sha256": head.sha256, "model": head.model,
            "seconds": head.provenance["seconds"], "tokens": head.provenance["tokens"],
            "loss_per_epoch": head.provenance["loss_per_epoch"]}
    emit(data, as_json, lambda d: f"head {d['sha256'][:12]} for {d['model']} in {d['out']} "
                                  f"({d['tokens']} labelled tokens, {d['seconds']:.0f} s)")
