"""What an open index holds (``SenseIndex.info``) and whether its files agree
(``SenseIndex.check``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import scoring

if TYPE_CHECKING:
    from .index import SenseIndex


def index_info(index: SenseIndex) -> dict[str, Any]:
    """Rows per table and documents per corpus, vectors per store, the encoder and
    normalization settings, generations, library versions, the scoring weights by feature
    and ``disk_bytes`` (every file under the index directory)."""
    corpora, counts = index.queries.counts()
    manifest = index.manifest
    files = [p for p in index.directory.path.rglob("*") if p.is_file()]
    return {
        "path": str(index.directory.path), "database": index.directory.db_url,
        "default_index": index.autobuild, "encoder": manifest.encoder.to_dict(),
        "standardize": manifest.standardize, "inventory": manifest.inventory,
        "generations": dict(manifest.generations),
        "versions": manifest.versions,
        "corpora": corpora, **counts,
        "token_vectors": index.tokens.ntotal, "sense_vectors": index.senses.ntotal,
        "example_vectors": index.examples.ntotal,
        "wordnet_sense_vectors": index.wordnet_senses.ntotal,
        "scoring_weights": dict(zip(scoring.FEATURES, index.weights.tolist(), strict=True)),
        "disk_bytes": sum(p.stat().st_size for p in files),
    }


def check_index(index: SenseIndex) -> None:
    """Verify every FAISS store's ids against the database rows.

    Raises:
        IndexFormatError: a store's ids and its rows differ (the message says how).
    """
    ids = index.queries.stored_ids()
    index.tokens.check_ids(ids.tokens, "token index")
    index.examples.check_ids(ids.examples, "example index")
    index.senses.check_ids(ids.senses, "sense index")
    index.wordnet_senses.check_ids(ids.wordnet_senses, "WordNet sense index")
