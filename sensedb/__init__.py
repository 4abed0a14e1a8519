"""sensedb: word-sense retrieval over contextual embeddings (FAISS + SQLite).

    >>> import sensedb
    >>> index = sensedb.open()                      # the default index, built from WordNet
    >>> index.wsd("He sat on the bank of the river", "bank").best.key
    'bank%1:17:01::'

The whole public API is on this page.
"""

__version__ = "0.1.0"

from .api import build_index
from .corpora import Document, Sentence, Token, read_jsonl, read_raganato, read_wic, tokenize
from .encoder import DEFAULT_MODEL, Encoder, LayerSpec
from .errors import (
    ConfigurationError,
    Error,
    IndexFormatError,
    IndexLockedError,
    InputError,
    InventoryError,
    TargetNotFoundError,
)
from .evaluation.allwords import evaluate
from .evaluation.graded import evaluate_graded
from .evaluation.wic import evaluate_wic
from .indexer import IndexDirectory, JobReport, index_documents
from .indexer.repair import RepairReport, repair
from .indexer.verify import Problem, VerifyReport, verify
from .inventory import SenseInfo, WordNet
from .retriever import (
    Disambiguation,
    LemmaSense,
    SenseIndex,
    SenseScore,
    TaggedWord,
    Usage,
    open,
)
from .retriever.tagger import tag_text as tag

# the package sensedb/similarity/ and the function share a name: the function is bound last
from .similarity import (
    SimilarityResult,
    UsageQuery,
    similarity,  # noqa: E402,I001
    similarity_batch,
)
from .vocabulary import POS, ScoringMethod, SimilarityMethod

__all__ = [
    # nouns
    "Disambiguation", "Document", "Encoder", "IndexDirectory", "JobReport", "LayerSpec",
    "LemmaSense",
    "POS", "Problem", "RepairReport", "ScoringMethod", "SenseIndex", "SenseInfo",
    "SenseScore", "Sentence",
    "SimilarityMethod", "SimilarityResult", "TaggedWord", "Token", "Usage", "UsageQuery",
    "VerifyReport", "WordNet",
    # verbs (SenseIndex has wsd, senses_of, neighbors, cosine, info, check, reload)
    "build_index", "evaluate", "evaluate_graded", "evaluate_wic", "index_documents", "open",
    "read_jsonl", "read_raganato", "read_wic", "repair", "similarity", "similarity_batch",
    "tag", "tokenize", "verify",
    # errors
    "ConfigurationError", "Error", "IndexFormatError", "IndexLockedError", "InputError",
    "InventoryError", "TargetNotFoundError",
    # constants
    "DEFAULT_MODEL", "__version__",
]
