"""Writing indexes: corpus documents → encoder → shards, rows and FAISS indexes.

Stages: ``job`` (orchestration: :func:`index_documents`), ``chunks`` (encoding and committing
one chunk), ``fold`` (token vectors into sense sums), ``rebuild`` (:func:`finalize`: FAISS
stores as a new generation), ``glosses`` and ``wordnet_vectors`` (WordNet's gloss, sense-text and
example vectors); ``directory`` (:class:`IndexDirectory`: every path of an index, its lock and
manifest) and ``manifest`` (the typed :class:`Manifest`).
"""

from .directory import EXAMPLES, SENSES, STORES, TOKENS, WORDNET, IndexDirectory
from .glosses import index_glosses, index_sense_texts
from .job import index_documents, open_or_create
from .manifest import EncoderSettings, Manifest
from .rebuild import finalize
from .report import JobReport
from .wordnet import CORPUS as WORDNET_CORPUS
from .wordnet import document_key, example_usages, gloss_text, sense_text, wordnet_documents

__all__ = [
    "EXAMPLES",
    "SENSES",
    "STORES",
    "TOKENS",
    "WORDNET",
    "EncoderSettings",
    "IndexDirectory",
    "JobReport",
    "Manifest",
    "WORDNET_CORPUS",
    "document_key",
    "example_usages",
    "finalize",
    "gloss_text",
    "index_documents",
    "index_glosses",
    "index_sense_texts",
    "open_or_create",
    "sense_text",
    "wordnet_documents",
]
