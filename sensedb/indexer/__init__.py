"""Writing indexes: corpus documents → encoder → shards, rows and FAISS indexes."""

from .directory import EXAMPLES, SENSES, STORES, TOKENS, WORDNET, IndexDirectory
from .job import JobReport, finalize, index_documents, index_glosses, open_or_create
from .wordnet import CORPUS as WORDNET_CORPUS
from .wordnet import document_key, example_usages, gloss_text, wordnet_documents

__all__ = [
    "EXAMPLES",
    "SENSES",
    "STORES",
    "TOKENS",
    "WORDNET",
    "IndexDirectory",
    "example_usages",
    "gloss_text",
    "index_glosses",
    "JobReport",
    "WORDNET_CORPUS",
    "document_key",
    "finalize",
    "index_documents",
    "open_or_create",
    "wordnet_documents",
]
