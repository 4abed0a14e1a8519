"""Opening an index directory for queries: the default index created on first use, its
weights kept to the package's, the encoder made with the index's own settings."""

from __future__ import annotations

import os
from collections.abc import Callable

from ..encoder import DEFAULT_MODEL, Encoder
from ..errors import IndexFormatError, IndexLockedError
from ..head import RetrievalHead, default_head, head_for_manifest, load_head
from ..indexer import IndexDirectory, open_or_create
from ..indexer.directory import model_path
from ..indexer.manifest import EncoderSettings
from ..inventory import WordNet
from ..paths import same_model
from . import scoring


def make_encoder(directory: IndexDirectory, model: str | None, *, device: str | None,
                 batch_tokens: int, head: str | RetrievalHead | None = "auto") -> Encoder:
    """An encoder for ``directory``: the index's model, layers, pooling and maximum length
    when the index exists (looked up in the local model cache only: a manifest never makes
    sensedb reach the model hub), else ``model`` (None: the default model) with default
    settings. The retrieval head is the index's (its manifest's), else ``head`` (see
    :func:`sensedb.head.load_head`).

    Raises:
        ConfigurationError: the model cannot be loaded (not available locally).
        IndexFormatError: the model's weights are not those the index was built with."""
    settings = {}
    if directory.exists():
        described = directory.manifest().encoder
        given, model = model, model_path(directory, described)
        if given not in (None, "", "default") and not same_model(
                _model_name(given), described.model):
            model = given  # another spelling or place of the index's model: its weights tell
        settings = {"layers": described.layers, "pooling": described.layer_pooling,
                    "max_length": described.max_length, "local_files_only": True,
                    "dtype": described.dtype}
        head = head_for_manifest(described.head)
    encoder = Encoder(model, device=device, batch_tokens=batch_tokens, head=head, **settings)
    if settings:  # the model's files may have changed under its name since the index was built
        directory.check_encoder(encoder.describe())
    return encoder


def moved_model(described: EncoderSettings) -> bool:
    """Whether an index's model was a local directory that is no longer where the manifest
    says (``described.model``, an absolute path) and its weights' fingerprint is recorded:
    another path given for it is then judged by its weights, not its name."""
    return bool(described.weights) and os.path.isabs(described.model) and \
        not os.path.isdir(described.model)


def other_model(given: str, described: EncoderSettings) -> bool:
    """Whether the model name or path ``given`` ("default": the default model) is not the
    index's (``described.model``): not one local directory however spelled, nor the new
    place of a model folder that moved (:func:`moved_model`: its weights are compared when
    the encoder is made, :func:`make_encoder`)."""
    return not moved_model(described) and not same_model(_model_name(given), described.model)


def default_scoring(directory: IndexDirectory, head: RetrievalHead | None = None) -> dict:
    """The weights the package's default index answers with: its retrieval head's formulas
    when the head carries them, else the package's (``scoring.DEFAULT_WEIGHTS``). ``head``:
    the head asked for, whose formulas win when it is the index's (the same SHA-256: a head
    given new formulas by ``scripts/head_scoring.py --out`` keeps its vectors)."""
    if directory.exists():
        recorded = directory.manifest().encoder.head
        if head is not None and head.scoring and recorded and \
                recorded.get("sha256") == head.sha256:
            return head.scoring
        head = head_for_manifest(recorded)
        if head is not None and head.scoring:
            return head.scoring
        return scoring.DEFAULT_WEIGHTS
    head = head if head is not None else default_head()
    return head.scoring if head is not None and head.scoring else scoring.DEFAULT_WEIGHTS


def prepare_directory(directory: IndexDirectory, *, autobuild: bool, model: str | None,
                      inventory: WordNet, encoder: Encoder | None,
                      encoder_for: Callable[[str | None], Encoder],
                      head: RetrievalHead | None = None) -> None:
    """Make ``directory`` ready to answer: create it (``autobuild``: the default index, from
    WordNet alone, with the package's weights), keep the default index on the package's
    weights (skipped while another process writes it), and check the given ``encoder`` and
    ``model`` against the ones it was built with.

    Raises:
        IndexFormatError: no index and no ``autobuild``; a damaged database (says so, with
            the file); built with another model or encoder settings; an unreadable manifest.
        IndexLockedError: creating the default index while another process writes it.
    """
    if not directory.exists():
        if not autobuild:
            directory.refuse_missing()
        directory.refuse_unopenable()
        made = encoder_for(model)
        with directory.lock():
            open_or_create(directory, made, inventory, scoring=scoring.DEFAULT_WEIGHTS)
    manifest = directory.manifest()
    weights = default_scoring(directory, head) if autobuild else None
    if autobuild and manifest.scoring != weights:
        # the default index is the package's own: it follows the package's weights (an
        # index a user built keeps the weights in its manifest)
        try:
            with directory.lock():
                directory.set_manifest(scoring=weights)
        except IndexLockedError:  # another process is writing it: it will update it
            pass
    if encoder is not None:
        directory.check_encoder(encoder.describe())
    built_with = manifest.encoder.model
    if model not in (None, "", "default") and other_model(model, manifest.encoder):
        raise IndexFormatError(
            f"{directory.path}: index was built with model {built_with!r}, not {model!r}")


def _model_name(model: str) -> str:
    return DEFAULT_MODEL if model in ("default", DEFAULT_MODEL) else model


def check_head(directory: IndexDirectory, head: str | RetrievalHead | None) -> None:
    """Refuse a retrieval head asked for (``--head DIR`` / ``--no-head``; ``"auto"`` asks
    for none in particular) that is not the one ``directory`` was built with.

    Raises:
        IndexFormatError: naming both heads."""
    if isinstance(head, str) and head == "auto":
        return
    built = directory.manifest().encoder
    asked = load_head(head, model=built.model, layers=built.layers)
    mismatch = built.mismatch({"head": asked.describe() if asked is not None else None,
                               **{k: v for k, v in built.to_dict().items() if k != "head"}})
    if mismatch is not None:
        raise IndexFormatError(f"{directory.path}: index was built with {mismatch}")
