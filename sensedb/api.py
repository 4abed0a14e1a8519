"""The one-call indexing entry point shared by the CLI and the Python API."""

from __future__ import annotations

import os
from pathlib import Path

from .corpora import read_jsonl, read_raganato
from .encoder import Encoder
from .errors import InputError
from .indexer import IndexDirectory, JobReport, index_documents, open_or_create
from .inventory import WordNet, default_wordnet
from .retriever.scoring import DEFAULT_WEIGHTS


def build_index(corpus: str | os.PathLike, index: str | os.PathLike, *,
                gold: str | os.PathLike | None = None, corpus_name: str | None = None,
                model: str | None = None, layers: str = "last", pooling: str = "mean",
                standardize: bool = False, db_url: str | None = None,
                device: str | None = None, batch_tokens: int = 4096,
                wordnet: WordNet | None = None, encoder: Encoder | None = None,
                progress: bool = True) -> JobReport:
    """Index a sense-labelled corpus (unified XML + gold keys, or JSONL) into ``index``.

    Creates the index, or adds to it (the sense means are updated incrementally; documents
    already indexed under the same corpus name are skipped, so a crashed job resumes).
    The model and layers must match an existing index's. Returns the job's
    :class:`~sensedb.indexer.JobReport` (counts, seconds).

    Raises:
        InputError: the corpus or its gold file is missing or malformed, or a sense key is
            not in the inventory (names the file, line or id).
        IndexFormatError: the index was built with another model or layers, or is damaged.
        IndexLockedError: another process is writing the index.
        ConfigurationError: a bad model, layer setting or database URL.
    """
    corpus = Path(corpus)
    if not corpus.exists():
        raise InputError("file not found", path=str(corpus))
    inventory = wordnet or default_wordnet()
    name = corpus_name or corpus.name.split(".")[0]
    if corpus.suffix == ".jsonl":
        documents = read_jsonl(corpus, key_check=inventory.has_key)
    else:
        if gold is None:
            guess = corpus.with_name(corpus.name.replace(".data.xml", ".gold.key.txt"))
            if guess == corpus or not guess.exists():
                raise InputError("no gold key file: give --gold FILE", path=str(corpus))
            gold = guess
        documents = read_raganato(corpus, gold, key_check=inventory.has_key)
    directory = IndexDirectory(index, db_url)
    if directory.exists():
        described = directory.manifest().encoder
        if model is None:
            model, layers, pooling = described.model, described.layers, described.layer_pooling
    if encoder is None:
        encoder = Encoder(model, layers=layers, pooling=pooling, device=device,
                          batch_tokens=batch_tokens)
    try:
        with directory.lock():
            open_or_create(directory, encoder, inventory, standardize=standardize,
                           scoring=DEFAULT_WEIGHTS)
            return index_documents(directory, encoder, inventory, documents, corpus=name,
                                   path=str(corpus), progress=progress)
    finally:
        directory.close()
