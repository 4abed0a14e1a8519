"""Writing indexes: corpus documents → encoder → shards, rows and FAISS indexes."""

from .directory import IndexDirectory
from .job import JobReport, finalize, index_documents, open_or_create
from .wordnet import CORPUS as WORDNET_CORPUS
from .wordnet import document_key, wordnet_documents

__all__ = [
    "IndexDirectory",
    "JobReport",
    "WORDNET_CORPUS",
    "document_key",
    "finalize",
    "index_documents",
    "open_or_create",
    "wordnet_documents",
]
