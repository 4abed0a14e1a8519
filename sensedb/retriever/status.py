"""What an open index holds (``SenseIndex.info``) and whether its files agree
(``SenseIndex.check``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ConfigurationError
from ..indexer import EXAMPLES, SENSES, TOKENS, WORDNET, IndexDirectory, Manifest, token_stores
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
    similarity parameters its queries use (``similarity_parameters``: the index's own, or
    the built-in set of its kind) and ``disk_bytes`` (every file under the index
    directory)."""
    corpora, counts = queries.counts()
    files = list(directory.path.rglob("*"))
    return {
        "path": str(directory.path), "database": masked_url(directory.db_url),
        "default_index": default_index, "encoder": manifest.encoder.to_dict(),
        "standardize": manifest.standardize, "inventory": manifest.inventory,
        "generations": dict(manifest.generations),
        "versions": manifest.versions,
        "corpora": corpora, **counts,
        "token_vectors": stores[TOKENS].ntotal, "sense_vectors": stores[SENSES].ntotal,
        "example_vectors": stores[EXAMPLES].ntotal,
        "wordnet_sense_vectors": stores[WORDNET].ntotal,
        "scoring_weights": dict(zip(scoring.FEATURES, weights.tolist(), strict=True)),
        "similarity_parameters": similarity_source(
            manifest, scoring.formula_family(stores[TOKENS].ntotal > 0)),
        "disk_bytes": sum(token_stores.file_size(p) for p in files),  # a file a writer
        # removed since the listing counts 0
        "token_store": token_stores.footprint(directory, manifest, dict(stores)),
    }


def similarity_source(manifest: Manifest, family: str) -> str:
    """Which similarity parameters a query without ``--params`` uses, in the order
    ``similarity.params.resolve_params`` takes them: ``"stored in the index"``, ``"retrieval
    head <sha256 prefix> <family>"`` (those the index's head carries), else ``"built-in
    <family>"`` (``family``: ``scoring.formula_family``, labelled tokens or none)."""
    if manifest.similarity:
        return "stored in the index"
    recorded = manifest.encoder.head
    if recorded:
        from ..head import head_for_manifest

        try:
            head = head_for_manifest(recorded)
        except ConfigurationError:  # opening the index found it; info still answers
            head = None
        if head is not None and (head.similarity or {}).get(family):
            return f"retrieval head {head.sha256[:12]} {family}"
    return f"built-in {family}"


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
