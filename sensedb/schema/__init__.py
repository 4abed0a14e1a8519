"""Metadata database: SQLAlchemy models and the engine/session setup."""

from .database import Database
from .models import (
    FORMAT_VERSION,
    Base,
    DocumentRow,
    FileChecksumRow,
    JobRow,
    ManifestRow,
    SenseRow,
    SentenceRow,
    ShardRow,
    TokenRow,
    TokenSenseRow,
    WordNetSenseRow,
)

__all__ = [
    "FORMAT_VERSION",
    "Base",
    "Database",
    "DocumentRow",
    "FileChecksumRow",
    "JobRow",
    "ManifestRow",
    "SenseRow",
    "SentenceRow",
    "ShardRow",
    "TokenRow",
    "TokenSenseRow",
    "WordNetSenseRow",
]
