"""Metadata database: SQLAlchemy models and the engine/session setup."""

from .database import Database
from .models import (
    FORMAT_VERSION,
    Base,
    Document,
    Job,
    ManifestEntry,
    Sense,
    Sentence,
    Shard,
    Token,
    TokenSense,
    WordNetSense,
)

__all__ = [
    "FORMAT_VERSION",
    "Base",
    "Database",
    "Document",
    "Job",
    "ManifestEntry",
    "Sense",
    "Sentence",
    "Shard",
    "Token",
    "TokenSense",
    "WordNetSense",
]
