"""What an open index holds (``SenseIndex.info``) and whether its files agree
(``SenseIndex.check``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..indexer import EXAMPLES, SENSES, TOKENS, WORDNET, IndexDirectory, Manifest, token_stores
from ..indexer.job import unfinished_jobs
from ..schema import masked_url
from ..store import VectorStore
from . import scoring
from .queries import IndexQueries


def index_info(directory: IndexDirectory, manifest: Manifest, queries: IndexQueries,
               stores: Mapping[str, VectorStore], weights: np.ndarray, *,
               default_index: bool) -> dict[str, Any]:
    """Rows per table and documents per corpus, vectors per store (``stores``: the loaded
    stores by name), the encoder and normalization settings, generations, library versions,
    the scoring weights by feature (``weights``: (len(scoring.FEATURES),) float64), which
    similarity parameters its queries use (``similarity_parameters``:
    ``similarity.params.params_source``), ``disk_bytes`` (every file under the index
    directory) and ``unfinished_jobs`` (``indexer.job.unfinished_jobs``: each a job whose
    corpus may lack documents until its command is run again, as ``verify`` names them)."""
    from ..similarity.params import params_source  # similarity imports the retriever

    corpora, counts = queries.counts()
    files = list(directory.path.rglob("*"))
    return {
        "path": str(directory.path), "database": masked_url(directory.db_url),
        "default_index": default_index, "encoder": manifest.encoder.to_dict(),
        "standardize": manifest.standardize, "inventory": manifest.inventory,
        "generations": dict(manifest.generations),
        "versions": manifest.versions,
        "corpora": corpora, **counts,
        "unfinished_jobs": [dataclasses.asdict(job) for job in unfinished_jobs(directory.db)],
        "token_vectors": stores[TOKENS].ntotal, "sense_vectors": stores[SENSES].ntotal,
        "example_vectors": stores[EXAMPLES].ntotal,
        "wordnet_sense_vectors": stores[WORDNET].ntotal,
        "scoring_weights": dict(zip(scoring.FEATURES, weights.tolist(), strict=True)),
        "similarity_parameters": params_source(
            manifest, scoring.formula_family(stores[TOKENS].ntotal > 0)),
        "disk_bytes": sum(token_stores.file_size(p) for p in files),  # a file a writer
        # removed since the listing counts 0
        "token_store": token_stores.footprint(directory, manifest, dict(stores)),
    }


def check_index(queries: IndexQueries, stores: Mapping[str, VectorStore]) -> None:
    """Verify every FAISS store's ids (``stores``: the loaded stores by name) against the
    database rows.

    Raises:
        IndexFormatError: a store's ids and its rows differ (the message says how).
    """
    ids = queries.stored_ids()
    stores[TOKENS].check_ids(ids.tokens, "token index")
    stores[EXAMPLES].check_ids(ids.examples, "example index")
    stores[SENSES].check_ids(ids.senses, "sense index")
    stores[WORDNET].check_ids(ids.wordnet_senses, "WordNet sense index")
