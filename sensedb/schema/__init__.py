"""Metadata database: SQLAlchemy models and the engine/session setup."""

from .database import Database, damaged_file, hide_url_password, masked_url, read_file_head
from .models import (
    FORMAT_VERSION,
    Base,
    DocumentHashRow,
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
    "DocumentHashRow",
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
    "damaged_file",
    "hide_url_password",
    "masked_url",
    "read_file_head",
]
