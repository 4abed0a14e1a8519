"""An index on disk: a directory of FAISS files and raw vector shards, plus its database.

Layout of ``DIR``::

    sensedb.sqlite             metadata (or any database given by URL)
    tokens.GEN.faiss (+ .groups.npz)   token index, current generation in the manifest
    senses.GEN.faiss (+ .groups.npz)   sense index
    raw/shard-ID.ids.npy       token ids of one job chunk's shard
    raw/shard-ID.vectors.npy   their raw vectors: the store of record for the FAISS files
                               (indexes written before these were plain .npy: one .npz)
    .lock                      held by the one process writing
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import IndexFormatError, IndexLockedError
from ..schema import FORMAT_VERSION, Database
from ..store import RunningStats, VectorStore
from .manifest import Manifest

TOKENS, SENSES = "tokens", "senses"  # labelled corpus tokens, corpus sense means
EXAMPLES, WORDNET = "examples", "wordnet"  # WordNet example tokens, WordNet sense evidence
STORES = (TOKENS, SENSES, EXAMPLES, WORDNET)


class IndexDirectory:
    """Paths, database, manifest and vector stores of one index."""

    def __init__(self, path: str | os.PathLike, db_url: str | None = None) -> None:
        self.path = Path(path).expanduser()
        self.db_url = db_url or f"sqlite:///{self.path / 'sensedb.sqlite'}"
        self._db: Database | None = None
        self._tables_checked = False

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.db_url)
        return self._db

    def exists(self) -> bool:
        if self.db_url.startswith("sqlite:///") and not (self.path / "sensedb.sqlite").exists():
            return False
        return self.db.exists()

    # ------------------------------------------------------------------ manifest
    def close(self) -> None:
        """Close the database connections (SQLite then folds its write-ahead log into the
        database file); the directory opens them again when next used."""
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def create(self, encoder_description: dict[str, Any], *, standardize: bool,
               inventory: str, scoring: dict[str, Any] | None = None) -> None:
        """Create a new, empty index (the directory may exist; the database must not).
        ``scoring``: the evidence weights the index answers with (kept in its manifest)."""
        import faiss
        import sqlalchemy
        import torch
        import transformers

        from .. import __version__

        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "raw").mkdir(exist_ok=True)
        self._db = Database(self.db_url, create=True)
        with self.db.session() as session:
            self.db.set_manifest(session, {
                "format_version": FORMAT_VERSION,
                "encoder": encoder_description,
                "standardize": bool(standardize),
                "inventory": inventory,
                "created": time.time(),
                "versions": {"sensedb": __version__, "torch": torch.__version__,
                             "transformers": transformers.__version__,
                             "faiss": faiss.__version__, "sqlalchemy": sqlalchemy.__version__},
                "stats": RunningStats.empty(encoder_description["dim"]).to_json(),
                "generation": 0,
                # sense sums include the tokens of every shard up to this id (job.py)
                "folded_shards": 0,
                **({"scoring": scoring} if scoring else {}),
            })

    def manifest(self) -> Manifest:
        """The index's manifest, typed.

        Raises:
            IndexFormatError: no index here, another format version, or a damaged manifest."""
        if not self.exists():
            raise IndexFormatError(f"{self.path}: no sensedb index here (create one with "
                                   "`sensedb index CORPUS --index DIR`)")
        entries = self.db.manifest()
        version = entries.get("format_version")
        if version != FORMAT_VERSION:
            raise IndexFormatError(
                f"{self.path}: index format version {version}, this sensedb reads "
                f"{FORMAT_VERSION}; rebuild the index")
        if not self._tables_checked:  # tables added since the index was made (idempotent)
            from ..schema import Base

            Base.metadata.create_all(self.db.engine)
            self._tables_checked = True
        return Manifest.from_entries(entries, STORES, str(self.path))

    def check_encoder(self, encoder_description: dict[str, Any]) -> None:
        """Refuse to mix vectors of different encoders or layer settings in one index.

        Raises:
            IndexFormatError: naming the first setting that differs."""
        mismatch = self.manifest().encoder.mismatch(encoder_description)
        if mismatch is not None:
            raise IndexFormatError(
                f"{self.path}: index was built with {mismatch}; use the same model and layers "
                "or another index directory")

    # ------------------------------------------------------------------ stores
    def load_stores(self, manifest: Manifest | None = None) -> dict[str, VectorStore]:
        """Every vector store at the manifest's current generation (an empty store where
        none was written yet)."""
        manifest = manifest or self.manifest()
        dim = manifest.encoder.dim
        return {name: VectorStore.load(self.path, name, generation) if generation
                else VectorStore(dim)
                for name, generation in manifest.generations.items()}

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive writer lock; a second writer fails at once.

        Raises:
            IndexLockedError: another process holds the lock."""
        self.path.mkdir(parents=True, exist_ok=True)
        handle = open(self.path / ".lock", "w")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLockedError(
                    f"{self.path}: another process is writing this index") from None
            yield
        finally:
            handle.close()
