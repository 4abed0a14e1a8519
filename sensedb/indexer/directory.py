"""An index on disk: a directory of FAISS files and raw vector shards, plus its database.

Layout of ``DIR``::

    sensedb.sqlite             metadata (or any database given by URL)
    tokens.GEN.faiss (+ .groups.npz)   token index, current generation in the manifest
    senses.GEN.faiss (+ .groups.npz)   sense index (corpus sense means)
    examples.GEN.faiss (+ .groups.npz) WordNet example tokens
    wordnet.GEN.faiss (+ .groups.npz)  WordNet vectors (gloss and example means)
    raw/shard-ID.ids.npy       token ids of one job chunk's shard
    raw/shard-ID.vectors.npy   their raw vectors: the store of record for the FAISS files
                               (indexes written before these were plain .npy: one .npz)
    .lock                      held by the one process writing

:class:`IndexDirectory` is the one place that names these files: the indexer asks it for a
shard's or a store generation's paths, and the store package reads and writes the paths it is
given (``sensedb.store.files``).
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from ..encoder import library_versions as encoder_versions
from ..errors import IndexFormatError, IndexLockedError
from ..schema import FORMAT_VERSION, Database
from ..store import RunningStats, VectorStore, load_array, save_array
from ..store import library_versions as store_versions
from ..store.files import remove_temporaries
from .manifest import Manifest

TOKENS, SENSES = "tokens", "senses"  # labelled corpus tokens, corpus sense means
EXAMPLES, WORDNET = "examples", "wordnet"  # WordNet example tokens, WordNet sense evidence
STORES = (TOKENS, SENSES, EXAMPLES, WORDNET)
SHARD_ARRAYS = ("ids", "vectors")  # the arrays of a raw vector shard


class IndexDirectory:
    """Paths, database, manifest and vector stores of one index.

    ``path``: the index directory; ``db_url``: its database (default: ``sensedb.sqlite``
    in ``path``)."""

    def __init__(self, path: str | os.PathLike, db_url: str | None = None) -> None:
        self.path = Path(path).expanduser()
        self.db_url = db_url or f"sqlite:///{self.path / 'sensedb.sqlite'}"
        self._db: Database | None = None
        self._tables_checked = False

    @property
    def db(self) -> Database:
        """The index's metadata database (opened on first use)."""
        if self._db is None:
            self._db = Database(self.db_url)
        return self._db

    def exists(self) -> bool:
        """Whether an index (its database and manifest) exists here."""
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
        ``scoring``: the evidence weights the index answers with (kept in its manifest).

        With the default SQLite database the creation is atomic: the database is written
        whole under a temporary name (``sensedb.sqlite.creating``) and renamed into place, so
        a creation killed half-way leaves no index (:meth:`exists` is False) and the next
        job creates it again, deleting what the killed one left.

        Raises:
            ConfigurationError: a bad database URL."""
        import sqlalchemy

        from .. import __version__

        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / "raw").mkdir(exist_ok=True)
        final = self.path / "sensedb.sqlite"
        atomic = self.db_url == f"sqlite:///{final}"
        building = self.path / "sensedb.sqlite.creating"
        if atomic:
            for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
                leftover.unlink(missing_ok=True)
            self.close()
            self._db = Database(f"sqlite:///{building}", create=True)
        else:
            self._db = Database(self.db_url, create=True)
        self.set_manifest(**{
            "format_version": FORMAT_VERSION,
            "encoder": encoder_description,
            "standardize": bool(standardize),
            "inventory": inventory,
            "created": time.time(),
            "versions": {"sensedb": __version__, **encoder_versions(), **store_versions(),
                         "sqlalchemy": sqlalchemy.__version__},
            "stats": RunningStats.empty(encoder_description["dim"]).to_json(),
            "generation": 0,
            # sense sums include the tokens of every shard up to this id (fold.py)
            "folded_shards": 0,
            **({"scoring": scoring} if scoring else {}),
        })
        if atomic:
            self.close()  # SQLite folds its write-ahead log into the file: one file to move
            with open(building, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(building, final)
            directory_handle = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(directory_handle)
            finally:
                os.close(directory_handle)

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

    def set_manifest(self, session: Session | None = None, /, **values: Any) -> None:
        """Write manifest entries (key=JSON value), in ``session``'s transaction when one is
        given (so they commit with the rows written there), else in a transaction of their
        own. Every manifest write of the indexer goes through here."""
        if session is not None:
            Database.set_manifest(session, values)
            return
        with self.db.session() as own:
            Database.set_manifest(own, values)

    # ------------------------------------------------------------------ raw vector shards
    @staticmethod
    def shard_name(shard_id: int) -> str:
        """Where shard ``shard_id`` is written, relative to the index directory, as the
        ``shards`` table records it: ``raw/shard-000001``."""
        return f"raw/shard-{shard_id:06d}"

    def save_shard(self, shard_id: int, ids: np.ndarray, vectors: np.ndarray) -> str:
        """Write a shard's token ids (int64 (n,)) and raw vectors (float32 (n, dim))
        atomically; returns its recorded path (:meth:`shard_name`)."""
        name = self.shard_name(shard_id)
        save_array(self.path / name, ids=ids, vectors=vectors)
        return name

    def load_shard(self, recorded: str) -> dict[str, np.ndarray]:
        """The arrays of the shard recorded as ``recorded`` (a ``shards.path``): ``ids``
        int64 (n,) and ``vectors`` float32 (n, dim), memory-mapped read-only (an older
        index's ``.npz`` shard is read whole).

        Raises:
            IndexFormatError: the shard is missing or damaged (names the file)."""
        return load_array(self.path / recorded, SHARD_ARRAYS)

    # ------------------------------------------------------------------ stores
    def store_paths(self, name: str, generation: int) -> tuple[Path, Path]:
        """The two files of store ``name`` at ``generation``: its FAISS index
        (``NAME.GEN.faiss``) and its group table (``NAME.GEN.groups.npz``)."""
        base = self.path / f"{name}.{generation:06d}"
        return Path(f"{base}.faiss"), Path(f"{base}.groups.npz")

    def save_store(self, store: VectorStore, name: str, generation: int) -> None:
        """Write ``store`` as generation ``generation`` of ``name`` (each file atomically);
        the manifest still points to the previous generation until the caller records it."""
        store.save(*self.store_paths(name, generation))

    def load_store(self, name: str, generation: int) -> VectorStore:
        """Generation ``generation`` of store ``name``.

        Raises:
            IndexFormatError: a file is missing or damaged (names it)."""
        return VectorStore.load(*self.store_paths(name, generation))

    def generations(self, name: str) -> list[int]:
        """The generations of store ``name`` whose FAISS file is on disk, ascending."""
        pattern = re.compile(rf"^{re.escape(name)}\.(\d{{6}})\.faiss$")
        found = []
        for entry in self.path.iterdir() if self.path.exists() else []:
            match = pattern.match(entry.name)
            if match:
                found.append(int(match.group(1)))
        return sorted(found)

    def remove_other_generations(self, name: str, keep: int) -> None:
        """Delete every generation of store ``name`` but ``keep``, and the temporary files a
        crashed save left for it."""
        for generation in self.generations(name):
            if generation != keep:
                for path in self.store_paths(name, generation):
                    path.unlink(missing_ok=True)
        remove_temporaries(self.path, f"{name}.")

    def load_stores(self, manifest: Manifest | None = None) -> dict[str, VectorStore]:
        """Every vector store at the manifest's current generation (an empty store where
        none was written yet).

        Raises:
            IndexFormatError: no index here, or a store's files are missing or damaged."""
        manifest = manifest or self.manifest()
        dim = manifest.encoder.dim
        return {name: self.load_store(name, generation) if generation else VectorStore(dim)
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
