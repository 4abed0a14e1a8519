"""Opening an index directory for queries: the default index created on first use, its
weights kept to the package's, the encoder made with the index's own settings."""

from __future__ import annotations

from collections.abc import Callable

from ..encoder import DEFAULT_MODEL, Encoder
from ..errors import IndexFormatError, IndexLockedError
from ..indexer import IndexDirectory, open_or_create
from ..inventory import WordNet
from . import scoring


def make_encoder(directory: IndexDirectory, model: str | None, *, device: str | None,
                 batch_tokens: int) -> Encoder:
    """An encoder for ``directory``: the index's model, layers, pooling and maximum length
    when the index exists (looked up in the local model cache only: a manifest never makes
    sensedb reach the model hub), else ``model`` (None: the default model) with default
    settings.

    Raises:
        ConfigurationError: the model cannot be loaded (not available locally)."""
    settings = {}
    if directory.exists():
        described = directory.manifest().encoder
        model = described.model
        settings = {"layers": described.layers, "pooling": described.layer_pooling,
                    "max_length": described.max_length, "local_files_only": True}
    return Encoder(model, device=device, batch_tokens=batch_tokens, **settings)


def prepare_directory(directory: IndexDirectory, *, autobuild: bool, model: str | None,
                      inventory: WordNet, encoder: Encoder | None,
                      encoder_for: Callable[[str | None], Encoder]) -> None:
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
        damage = directory.database_damage()
        if damage is not None:
            raise IndexFormatError(f"{damage}; restore it from a backup or re-index the corpus")
        if not autobuild:
            raise IndexFormatError(
                f"{directory.path}: no sensedb index here (build one with "
                "`sensedb index CORPUS.data.xml --gold CORPUS.gold.key.txt --index DIR`)")
        made = encoder_for(model)
        with directory.lock():
            open_or_create(directory, made, inventory, scoring=scoring.DEFAULT_WEIGHTS)
    manifest = directory.manifest()
    if autobuild and manifest.scoring != scoring.DEFAULT_WEIGHTS:
        # the default index is the package's own: it follows the package's weights (an
        # index a user built keeps the weights in its manifest)
        try:
            with directory.lock():
                directory.set_manifest(scoring=scoring.DEFAULT_WEIGHTS)
        except IndexLockedError:  # another process is writing it: it will update it
            pass
    if encoder is not None:
        directory.check_encoder(encoder.describe())
    built_with = manifest.encoder.model
    if model not in (None, "", "default") and _model_name(model) != built_with:
        raise IndexFormatError(
            f"{directory.path}: index was built with model {built_with!r}, not {model!r}")


def _model_name(model: str) -> str:
    return DEFAULT_MODEL if model in ("default", DEFAULT_MODEL) else model
