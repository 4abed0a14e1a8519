"""``sensedb train-head``: a retrieval head for any encoder from any sense-labelled corpus.

Steps, each resumable from ``OUT``:
1. frozen features (``OUT/features.npz``): the encoder's raw word vectors of every labelled
   token and sentence vectors of its sentence, gloss sentence vectors of every candidate
   sense of the corpus's lemmas and word vectors of their WordNet usage examples, computed
   with no head, exactly as an index computes them;
2. training (:func:`sensedb.head.train.train`), a checkpoint after every epoch
   (``OUT/checkpoint.pt``): a killed run continues from its last finished epoch (an
   adapter head's, ``OUT/adapter-checkpoint.pt``, also every few minutes within an epoch);
3. the head file ``OUT/head.npz`` with ``OUT/head.json`` (provenance: data and its SHA-256,
   command, seed, date, git commit, settings, training seconds).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..corpora import Document
from ..errors import InputError
from ..indexer.wordnet import example_usages, gloss_text
from ..inventory import WordNet
from ..progress import close_bar
from ..vocabulary import normalize_lemma
from . import RetrievalHead
from .train import TrainConfig, TrainingData

FEATURES_FILE = "features.npz"
CHECKPOINT_FILE = "checkpoint.pt"


def corpus_features(documents: Iterable[Document], encoder, inventory: WordNet, out: Path,
                    *, progress: bool = False) -> TrainingData:
    """The frozen features of a labelled corpus (read from ``out/features.npz`` when a
    previous run wrote it). ``encoder``: an :class:`~sensedb.encoder.Encoder` with no head.

    Raises:
        InputError: the corpus has no labelled token WordNet knows."""
    cached = out / FEATURES_FILE
    sentences, rows, senses = [], [], {}
    doc_names: dict[str, int] = {}
    for document in documents:
        number = doc_names.setdefault(document.id, len(doc_names))
        for sentence in document.sentences:
            for position, token in enumerate(sentence.tokens):
                if not token.senses:
                    continue
                lemma = normalize_lemma(token.lemma)
                candidates = inventory.candidates(lemma, token.pos)
                if not candidates:
                    continue
                for s in candidates:
                    senses.setdefault(s.key, s)
                rows.append((number, len(sentences), position, f"{lemma}\t{token.pos}",
                             [k for k in token.senses]))
            sentences.append(sentence.words)
    if not rows:
        raise InputError("no labelled token whose lemma WordNet knows: nothing to train on")
    order = list(senses.values())
    index = {s.key: n for n, s in enumerate(order)}
    groups: dict[str, int] = {}
    candidates = []
    for *_, group, _ in rows:
        if group not in groups:
            groups[group] = len(groups)
            lemma, pos = group.split("\t")
            candidates.append(np.array([index[s.key] for s in inventory.candidates(lemma, pos)],
                                       np.int64))
    usages = [(n, words, i) for n, s in enumerate(order)
              for words, i in example_usages(inventory, s)]
    data = _load_or_none(cached, lambda p: dict(np.load(p)))
    if data is not None and {"x", "context", "gloss", "examples"} <= set(data):
        x, context, gloss, examples = (data["x"], data["context"], data["gloss"],
                                       data["examples"])
    else:
        used = sorted({r[1] for r in rows})
        matrices = encoder.word_vectors([sentences[i] for i in used], progress=progress)
        at = {s: n for n, s in enumerate(used)}
        x = np.stack([matrices[at[r[1]]][r[2]] for r in rows]).astype(np.float32)
        sentence_vectors = encoder.sentence_vectors([" ".join(sentences[i]) for i in used],
                                                    progress=progress)
        context = sentence_vectors[[at[r[1]] for r in rows]].astype(np.float32)
        gloss = encoder.sentence_vectors([gloss_text(s) for s in order],
                                         progress=progress).astype(np.float32)
        example_matrices = encoder.word_vectors([u[1] for u in usages], progress=progress)
        examples = (np.stack([example_matrices[n][u[2]] for n, u in enumerate(usages)])
                    if usages else np.zeros((0, x.shape[1]))).astype(np.float32)
        out.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(cached.stem + ".tmp.npz")  # a killed run leaves no half file
        np.savez(partial, x=x, context=context, gloss=gloss, examples=examples)
        os.replace(partial, cached)
    return TrainingData(
        x=x, context=context, doc=np.array([r[0] for r in rows], np.int64),
        group=np.array([groups[r[3]] for r in rows], np.int64),
        token_senses=[np.array([index[k] for k in r[4] if k in index], np.int64) for r in rows],
        candidates=candidates, gloss=gloss, examples=examples,
        example_sense=np.array([u[0] for u in usages], np.int64),
        count=np.array([s.count for s in order], np.int64),
        rank=np.array([s.rank for s in order], np.int64))


def train_head(documents: Iterable[Document], encoder, inventory: WordNet, out: str | Path, *,
               config: TrainConfig, data_files: Iterable[Path] = (),
               progress: bool = False) -> RetrievalHead:
    """Train a head for ``encoder`` (no head of its own) on ``documents`` and save it in
    ``out`` (see the module docstring); resumes from ``out``'s features and checkpoint."""
    import torch  # the checkpoints are torch's own format

    from .train import train

    out = Path(out)
    data_files = list(data_files)
    hashed = _start_fresh_unless_same(out, data_files, "linear")
    started = time.perf_counter()
    data = corpus_features(documents, encoder, inventory, out, progress=progress)
    checkpoint_path = out / CHECKPOINT_FILE
    start = _load_or_none(checkpoint_path, lambda p: torch.load(p, weights_only=False))
    if start is not None and start.get("config") != asdict(config):
        start = None  # other settings: start again
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=config.epochs, initial=start["epoch"] if start else 0, unit="epoch",
                   desc="training")

    def save(state: dict) -> None:
        state["config"] = asdict(config)
        torch.save(state, checkpoint_path.with_suffix(".tmp"))
        os.replace(checkpoint_path.with_suffix(".tmp"), checkpoint_path)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{state['history'][-1]:.3f}")

    trained = train(data, config, start=start, checkpoint=save)
    close_bar(bar)
    head = RetrievalHead(
        trained.word, trained.sentence, model=encoder.name,
        layers=encoder.layer_spec.describe(), scoring=trained.weights,
        provenance={
            "data": hashed,
            "tokens": len(data.x), "senses": len(data.gloss),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "seed": config.seed, "config": asdict(config),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "commit": _git_commit(), "loss_per_epoch": trained.history,
            "seconds": round(time.perf_counter() - started, 1)})
    head.save(out)
    return head


#: What a head directory keeps between runs (features, word-piece data, checkpoints).
KEPT_FILES = (FEATURES_FILE, CHECKPOINT_FILE, "adapter-data.npz", "adapter-checkpoint.pt")
SOURCE_FILE = "source.json"


def _start_fresh_unless_same(out: Path, data_files: list[Path], kind: str) -> list[dict]:
    """Keep ``out``'s features and checkpoints only when they were made from the same data
    files (by SHA-256) for the same kind of head (``out/source.json``); else remove them, so
    a rerun on another corpus or gold file trains anew instead of resuming from the old.
    Returns the data files as the head's provenance records them (``file``, ``sha256``)."""
    out.mkdir(parents=True, exist_ok=True)
    source = {"kind": kind, "data": [{"file": str(p), "sha256": _sha256(p)} for p in data_files]}
    path = out / SOURCE_FILE
    try:
        same = json.loads(path.read_text()) == source
    except (OSError, ValueError):
        same = False
    if not same:
        for name in KEPT_FILES:
            (out / name).unlink(missing_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(source, indent=1) + "\n")
        os.replace(partial, path)
    return source["data"]


def _load_or_none(path: Path, load):
    """``load(path)``, or None when the file is missing or unreadable (a run killed while
    writing it, or damage): it is then made again."""
    if not path.exists():
        return None
    try:
        return load(path)
    except Exception:  # numpy, zipfile and torch raise many kinds for a damaged file
        return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _git_commit() -> str | None:
    """The commit of the source tree this sensedb runs from, None outside a git checkout."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=10, check=False)
    except OSError:
        return None
    return done.stdout.strip() or None


class Unfinished(NamedTuple):
    """An adapter head's training stopped at its time limit: ``step`` of ``steps`` trained,
    the checkpoint in ``out``; running the same training again continues it."""

    step: int
    steps: int
    out: Path


def train_adapter_head(documents: Iterable[Document], encoder, inventory: WordNet,
                       out: str | Path, *, config, data_files: Iterable[Path] = (),
                       progress: bool = False,
                       stop_after: float | None = None) -> RetrievalHead | Unfinished:
    """Train an adapter head (:mod:`sensedb.head.adapter_train`, ``config`` an
    :class:`~sensedb.head.adapter_train.AdapterConfig`) for ``encoder``'s model (no head of
    its own) on every labelled usage of ``documents`` and save it in ``out``; the word-piece
    data (``OUT/adapter-data.npz``) and checkpoints (after every epoch and every few minutes
    within one) are kept, so a rerun resumes. ``stop_after`` (seconds of training, None: no
    limit): stop there, checkpointed, and return :class:`Unfinished` instead of a head.

    Raises:
        InputError: the corpus has no labelled usage WordNet knows with two candidates.
        ImportError: peft is not installed (``pip install 'sensedb[train]'``)."""
    from .adapter_data import AdapterData, build_adapter_data, labelled_usages
    from .adapter_train import train_adapter

    out = Path(out)
    data_files = list(data_files)
    hashed = _start_fresh_unless_same(out, data_files, "adapter")
    started = time.perf_counter()
    cached = out / "adapter-data.npz"
    data = _load_or_none(cached, AdapterData.load)
    if data is None:
        data = build_adapter_data({"corpus": labelled_usages(documents)}, encoder, inventory,
                                  examples=False)
        data.save(cached)
    trained = train_adapter(data, config, model_path=encoder.model_path,
                            train=[("corpus", np.arange(data.usages("corpus")))], out=out,
                            device=encoder.device, progress=progress, stop_after=stop_after)
    if not trained["finished"]:
        return Unfinished(trained["step"], trained["steps"], out)
    head = RetrievalHead(
        None, None, model=encoder.name, layers=encoder.layer_spec.describe(),
        adapter=trained["adapter"], adapter_scale=trained["scale"],
        provenance={
            "kind": "adapter (LoRA) trained as a WSD bi-encoder",
            "data": hashed,
            "usages": trained["usages"], "windows": trained["windows"],
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "seed": config.seed, "config": asdict(config),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "commit": _git_commit(), "loss_per_epoch": trained["history"],
            "seconds": round(time.perf_counter() - started, 1)})
    head.save(out)
    return head
