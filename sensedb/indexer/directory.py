"""An index on disk: a directory of FAISS files and raw vector shards, plus its database.

Layout of ``DIR``::

    sensedb.sqlite             metadata (or any database given by URL)
    tokens.GEN.faiss (+ .groups.npz)   token index, current generation in the manifest
                                       (+ .ann.faiss: a compressed store's --any-lemma ANN)
                               (a store may also have segments: more NAME.GEN files that the
                               manifest's ``segments`` lists, read beside its base)
    senses.GEN.faiss (+ .groups.npz)   sense index (corpus sense means)
    examples.GEN.faiss (+ .groups.npz) WordNet example tokens
    wordnet.GEN.faiss (+ .groups.npz)  WordNet vectors (gloss and example means)
    raw/shard-ID.ids.npy       token ids of one job chunk's shard
    raw/shard-ID.vectors.npy   their raw vectors: the store of record for the FAISS files
                               (indexes written before these were plain .npy: one .npz)
    .lock                      held by the one process writing (SQLite; on PostgreSQL the
                               lock is an advisory lock in the database)

Every file the index writes has its SHA-256 and size recorded in the ``file_checksums`` table
(``FileChecksumRow``), keyed by its path relative to ``DIR``: a shard's right after it is
written, a store generation's in the commit that makes it current.

:class:`IndexDirectory` is the one place that names these files: the indexer asks it for a
shard's or a store generation's paths, and the store package reads and writes the paths it is
given (``sensedb.store.files``).
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from sqlalchemy import delete, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..encoder import library_versions as encoder_versions
from ..errors import ConfigurationError, IndexFormatError, IndexLockedError
from ..paths import data_dir
from ..schema import (
    FORMAT_VERSION,
    Database,
    FileChecksumRow,
    ShardRow,
    hide_url_password,
    masked_url,
    read_file_head,
)
from ..store import (
    RunningStats,
    SegmentedStore,
    VectorStore,
    load_array,
    save_array,
    shard_vectors,
)
from ..store import library_versions as store_versions
from ..store.anylemma import ann_path
from ..store.files import FileSum, array_path, remove_temporaries
from ..store.partitioned import open_store
from .manifest import EncoderSettings, Manifest

TOKENS, SENSES = "tokens", "senses"  # labelled corpus tokens, corpus sense means
EXAMPLES, WORDNET = "examples", "wordnet"  # WordNet example tokens, WordNet sense evidence
STORES = (TOKENS, SENSES, EXAMPLES, WORDNET)
#: Seconds a thread waits for another thread of its process that writes the same index
#: (:meth:`IndexDirectory.lock`) before it is refused like another process's writer.
THREAD_WAIT_S = 300.0
_THREAD_LOCKS: dict[str, threading.RLock] = {}  # the real path of an index -> its lock
_THREAD_LOCKS_GUARD = threading.Lock()
SHARD_ARRAYS = ("ids", "vectors")  # the arrays of a raw vector shard


def _read_only_file_system(place: Path) -> bool:
    """Whether ``place`` is on a file system mounted read-only.

    Raises:
        OSError: ``place`` cannot be looked at."""
    return bool(os.statvfs(place).f_flag & os.ST_RDONLY)


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
            self._db = Database(self.db_url, read_only=self.read_only_at_rest())
        return self._db

    def read_only_at_rest(self) -> bool:
        """Whether the index's default SQLite file is to be read as it is, read-only and
        immutable (``Database(read_only=True)``): this process may not write the directory
        or the file (:meth:`not_writable`), nobody can (a read-only file system, or neither
        the directory nor the file has any write permission bit: ``chmod -R a-w``), and the
        database is at rest, its write-ahead log absent or empty (what a closed index leaves).
        SQLite cannot open a WAL database there otherwise (it would create ``-shm`` and
        ``-wal`` files), and queries that write nothing can then answer; a writable index
        keeps WAL, so readers go on while a writer writes. Another user's index that its
        owner may still write is not read immutable (SQLite would not see the owner's
        changes and could read a page half old, half new): the usual open then says the
        directory is not writable. A log with pages in it (an index open elsewhere, or left
        by a crash) is not skipped either."""
        path = self.database_file
        if path is None or not path.exists() or self.not_writable() is None:
            return False
        return self._frozen_at_rest(path)

    def _frozen_at_rest(self, path: Path) -> bool:
        """Whether nobody can write the index (a read-only file system, or no write bit on
        the directory and the database file ``path``) and ``path``'s write-ahead log is
        absent or empty (see :meth:`read_only_at_rest`)."""
        try:
            frozen = _read_only_file_system(path) or not any(
                place.stat().st_mode & 0o222 for place in (self.path, path))
        except OSError:
            return False
        wal = Path(f"{path}-wal")
        return frozen and not (wal.exists() and wal.stat().st_size > 0)

    def is_default_index(self) -> bool:
        """Whether this is a default index: a ``default-index*`` directory of the user data
        dir (``$SENSEDB_HOME``; :func:`sensedb.paths.default_index_dir`), the one opened
        without ``--index``. Raises nothing."""
        try:
            return (self.path.name.startswith("default-index")
                    and self.path.resolve().parent == data_dir().resolve())
        except (OSError, RuntimeError):
            return False

    def exists(self) -> bool:
        """Whether an index (its database and manifest) exists here. A SQLite database file
        that is not there means no index, without connecting (which would create it); this
        held for every SQLite URL, so an index created with ``--db sqlite:///OTHER`` was
        never found, not even by the job that created it."""
        database = self._sqlite_file()
        if database is not None and not database.exists():
            return False
        if database is not None and not _holds_a_manifest(database):
            return False  # read without the engine, which would set its journal mode (WAL)
        return self.db.exists()

    @property
    def database_file(self) -> Path | None:
        """The SQLite database file, when the index uses the default database."""
        return self.path / "sensedb.sqlite" if self.db_url == self._default_url() else None

    def _default_url(self) -> str:
        return f"sqlite:///{self.path / 'sensedb.sqlite'}"

    def database_damage(self) -> str | None:
        """What is wrong with the index's SQLite file, read from its header (a few bytes:
        cheap enough for every open), or None when it looks sound or is absent: not a SQLite
        file, truncated (size not a whole number of pages, or short of the page count its
        header records), or a file SQLite cannot read. Another database URL: None."""
        path = self.database_file
        if path is None or not path.exists():
            return None
        size = path.stat().st_size
        header = read_file_head(path, 100)  # keeps this process's SQLite locks
        if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
            return (f"{path}: the database is damaged (not a SQLite file: its header is "
                    f"{'short' if len(header) < 100 else 'overwritten'})")
        page = int.from_bytes(header[16:18], "big")
        page = 65536 if page == 1 else page
        if page < 512 or page & (page - 1):
            return f"{path}: the database is damaged (its header's page size {page} is invalid)"
        pages = int.from_bytes(header[28:32], "big")
        header_valid = header[24:28] == header[92:96]
        wal = Path(f"{path}-wal")
        wal_pages = wal.exists() and wal.stat().st_size > 32
        if size % page or (header_valid and pages * page > size and not wal_pages):
            return (f"{path}: the database is damaged (truncated: {size} bytes, its header "
                    f"records {pages} pages of {page} bytes)")
        try:
            inspect(self.db.engine).get_table_names()
        except SQLAlchemyError as exc:
            return f"{path}: the database is damaged (SQLite cannot read it: {exc.orig or exc})"
        return None

    def not_writable(self) -> str | None:
        """Why this process may not write the index, as one line naming the directory or
        database file it may not write (on a read-only file system, or no write permission:
        another user's index), or None when it may (or the index is not in the default
        SQLite file). sensedb writes to an index as it answers: SQLite keeps its write-ahead
        log beside the database, and the default index adds each new word's WordNet
        vectors."""
        path = self.database_file
        if path is None or not self.path.is_dir():
            return None
        for place, what in ((self.path, "directory"), (path, "database file")):
            if place.exists() and not os.access(place, os.W_OK):
                return self.write_refusal(place, what)
        return None

    def write_refusal(self, place: Path, what: str) -> str:
        """The line that refuses to write ``place`` (the index's ``what``: directory, database
        file, lock file): whether it is on a read-only file system or this user lacks the
        permission, and what to do (README, "So an index is written to as it answers"):
        setting SENSEDB_HOME elsewhere only for a default index (:meth:`is_default_index`;
        an index given with ``--index`` stays where it is whatever SENSEDB_HOME says), and
        ``--no-wordnet-vectors`` where the index is read as it is
        (:meth:`read_only_at_rest`: queries that add nothing answer)."""
        try:
            read_only = _read_only_file_system(place if place.exists() else self.path)
        except OSError:
            read_only = False
        why = "is on a read-only file system" if read_only else "is not writable"
        fix = "" if read_only else "give this user write permission, or "
        home = reads = ""
        if self.is_default_index():
            home = ", or set SENSEDB_HOME elsewhere"
        database = self.database_file
        if database is not None and database.exists() and self._frozen_at_rest(database):
            reads = "; queries with --no-wordnet-vectors read it as it is"
        return (f"{place}: the index's {what} {why} (sensedb writes to an index as it "
                "answers: SQLite's write-ahead log, a new word's WordNet evidence, an index "
                f"job); {fix}copy the index to a writable place{home}{reads}")

    def refuse_unopenable(self) -> None:
        """Raise when the index cannot be opened for a reason other than its absence: this
        process may not write it (:meth:`not_writable`; SQLite then cannot open its
        write-ahead log, which is no damage), or its database is damaged
        (:meth:`database_damage`).

        Raises:
            IndexFormatError: one line naming the directory or file and what to do."""
        blocked = self.not_writable()
        if blocked is not None:
            raise IndexFormatError(blocked)
        damage = self.database_damage()
        if damage is not None:
            raise IndexFormatError(f"{damage}; restore it from a backup or re-index the "
                                   "corpus (`sensedb verify --index DIR` for details)")

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

        The creation is atomic: the default SQLite database is written whole under a
        temporary name (``sensedb.sqlite.creating``) and renamed into place; another
        database gets its tables and manifest in one transaction. So a creation killed
        half-way leaves no index (:meth:`exists` is False) and the next job creates it again.

        Raises:
            ConfigurationError: a bad database URL, or a database that cannot be reached.
            IndexFormatError: the directory holds another index's files (raw shards, FAISS
                files) but this database has no index: its metadata is in another database
                (built with ``--db``). Created anyway, the new index's job wrote its shards
                over that index's and removed the others, losing every document. Or it
                holds files that are not an index's (:meth:`refuse_foreign_files`). Or its
                ``sensedb.sqlite`` is there but holds no index (damaged, not SQLite, another
                program's database): it was replaced without a word."""
        import sqlalchemy

        from .. import __version__

        self.make()
        final = self.path / "sensedb.sqlite"
        atomic = self.db_url == f"sqlite:///{final}"
        if atomic and final.exists() and final.stat().st_size:  # (an empty file is no one's)
            self._refuse_made_over(final)
        elsewhere = self.metadata_elsewhere()
        if elsewhere:
            raise IndexFormatError(f"{elsewhere}; else index into another directory")
        self.refuse_foreign_files()
        (self.path / "raw").mkdir(exist_ok=True)
        building = self.path / CREATING
        manifest = {
            "format_version": FORMAT_VERSION,
            "encoder": with_model_from_index(encoder_description, self.path),
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
        }
        if atomic:
            for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
                leftover.unlink(missing_ok=True)
            self.close()
            self._db = Database(f"sqlite:///{building}", create=True)
            self.set_manifest(**manifest)
        else:  # tables and manifest in one transaction (PostgreSQL's DDL is transactional)
            from ..schema import Base

            self.close()
            try:
                with self.db.session() as session:
                    Base.metadata.create_all(session.connection())
                    self.set_manifest(session, **manifest)
            except SQLAlchemyError as exc:
                reason = hide_url_password(str(exc.orig or exc), self.db_url)
                raise ConfigurationError(f"cannot create the index's tables in "
                                         f"{masked_url(self.db_url)}: {reason}") from None
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
        self.refuse_missing()
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
        """Write a shard's token ids (int64 (n,)) and raw vectors (float32 (n, dim), stored
        as float16 when every value is one, ``sensedb.store.files.shard_vectors``; or
        float16 already, as ``shard_rounded`` gives them)
        atomically and record their checksums; returns its recorded path
        (:meth:`shard_name`)."""
        name = self.shard_name(shard_id)
        self.record_checksums(save_array(self.path / name, ids=ids,
                                         vectors=shard_vectors(vectors)))
        return name

    def shard_files(self, recorded: str) -> list[Path]:
        """The files of the shard recorded as ``recorded``: its ``.ids.npy`` and
        ``.vectors.npy`` (one ``.npz`` for an older index)."""
        if recorded.endswith(".npz"):
            return [self.path / recorded]
        return [array_path(self.path / recorded, name) for name in SHARD_ARRAYS]

    def remove_unrecorded_shards(self, top: int) -> int:
        """Delete what killed chunks left under ``raw/``: temporary files, and the files
        (and checksum rows) of shards above ``top``, the highest id the ``shards`` table
        records (written, never committed). The caller holds the lock. Returns how many
        shard files were removed."""
        raw = self.path / "raw"
        if not raw.exists():
            return 0
        remove_temporaries(raw, "shard-")
        pattern = re.compile(r"^shard-(\d+)\.")
        removed = [entry for entry in raw.iterdir()
                   if (match := pattern.match(entry.name)) and int(match.group(1)) > top]
        for entry in removed:
            entry.unlink(missing_ok=True)
        self.forget_checksums(removed)
        return len(removed)

    def highest_shard_token_id(self) -> int:
        """The highest token id any shard the ``shards`` table records holds (0 for none):
        a shard is immutable and keeps the ids of tokens whose rows were since purged, so
        the next token id must lie above this as well as above the ``tokens`` table's
        (``chunks.IdCounters``). Reads each shard's ``.ids.npy`` memory-mapped (8 bytes a
        token; an older index's ``.npz`` shard whole).

        Raises:
            IndexFormatError: a recorded shard is missing or damaged (names the file)."""
        with self.db.session() as session:
            recorded = session.execute(select(ShardRow.path)).scalars().all()
        top = 0
        for path in recorded:
            ids = self.load_shard(path)["ids"]
            if len(ids):
                top = max(top, int(np.max(ids)))
        return top

    # ------------------------------------------------------------------ checksums
    def relative(self, path: str | os.PathLike) -> str:
        """``path`` relative to the index directory, as the checksum table keys it."""
        return Path(path).relative_to(self.path).as_posix()

    def record_checksums(self, sums: list[FileSum], session: Session | None = None) -> None:
        """Record the checksums of files just written (replacing older rows of the same
        paths), in ``session``'s transaction when one is given, else in one of its own."""
        if session is None:
            self._ensure_checksum_table()
            with self.db.session() as own:
                self.record_checksums(sums, own)
            return
        now = time.time()
        for item in sums:
            session.merge(FileChecksumRow(path=self.relative(item.path), sha256=item.sha256,
                                          bytes=item.bytes, written=now))

    def forget_checksums(self, paths: list[Path], session: Session | None = None) -> None:
        """Delete the checksum rows of files removed from the index."""
        if not paths:
            return
        if session is None:
            self._ensure_checksum_table()
            with self.db.session() as own:
                self.forget_checksums(paths, own)
            return
        session.execute(delete(FileChecksumRow).where(
            FileChecksumRow.path.in_([self.relative(p) for p in paths])))

    def checksums(self) -> dict[str, FileChecksumRow]:
        """Every recorded checksum, by path relative to the index directory; empty for an
        index written before checksums were kept. Reads only (never creates the table)."""
        if not inspect(self.db.engine).has_table(FileChecksumRow.__tablename__):
            return {}
        with self.db.session() as session:
            return {row.path: row for row in session.execute(select(FileChecksumRow))
                    .scalars().all()}

    def _ensure_checksum_table(self) -> None:
        if not self._tables_checked:
            FileChecksumRow.__table__.create(self.db.engine, checkfirst=True)

    def load_shard(self, recorded: str) -> dict[str, np.ndarray]:
        """The arrays of the shard recorded as ``recorded`` (a ``shards.path``): ``ids``
        int64 (n,) and ``vectors`` float16 or float32 (n, dim), memory-mapped read-only (an older
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

    def save_store(self, store: VectorStore, name: str, generation: int) -> list[FileSum]:
        """Write ``store`` as generation ``generation`` of ``name`` (each file atomically);
        returns the checksums of the two files, which the caller records
        (:meth:`record_checksums`) in the commit that makes the generation current; the
        manifest still points to the previous generation until then."""
        return store.save(*self.store_paths(name, generation))

    def load_store(self, name: str, generation: int, dim: int | None = None) -> VectorStore:
        """Generation ``generation`` of store ``name``; ``dim``: the width the manifest
        records, checked against the FAISS file's.

        Raises:
            IndexFormatError: a file is missing or damaged, or its width is not ``dim``
                (names it)."""
        store = open_store(*self.store_paths(name, generation))  # flat or partitioned
        if dim is not None and store.dim != dim:
            raise IndexFormatError(
                f"{self.store_paths(name, generation)[0]}: vectors are {store.dim} wide, the "
                f"manifest says {dim}: the manifest is damaged (run `sensedb verify --deep`)")
        return store

    def generations(self, name: str) -> list[int]:
        """The generations of store ``name`` whose FAISS file is on disk, ascending."""
        pattern = re.compile(rf"^{re.escape(name)}\.(\d{{6}})\.faiss$")
        found = []
        for entry in self.path.iterdir() if self.path.exists() else []:
            match = pattern.match(entry.name)
            if match:
                found.append(int(match.group(1)))
        return sorted(found)

    def remove_other_generations(self, name: str, keep: int | Iterable[int]) -> None:
        """Delete every generation of store ``name`` but ``keep`` (one, or a base and its
        segments), and the temporary files a crashed save left for it (and the checksum rows
        of the deleted files)."""
        kept = {keep} if isinstance(keep, int) else set(keep)
        removed = []
        for generation in self.generations(name):
            if generation not in kept:
                index_path, groups_path = self.store_paths(name, generation)
                for path in (index_path, groups_path, ann_path(index_path)):
                    path.unlink(missing_ok=True)
                    removed.append(path)
        remove_temporaries(self.path, f"{name}.")
        self.forget_checksums(removed)

    def load_stores(self, manifest: Manifest | None = None
                    ) -> dict[str, VectorStore | SegmentedStore]:
        """Every vector store at the manifest's current generation (an empty store where
        none was written yet), with its segments when it has any (a :class:`SegmentedStore`).

        Raises:
            IndexFormatError: no index here, or a store's files are missing or damaged."""
        manifest = manifest or self.manifest()
        dim = manifest.encoder.dim
        stores: dict[str, VectorStore | SegmentedStore] = {}
        for name, generation in manifest.generations.items():
            base = self.load_store(name, generation, dim) if generation else VectorStore(dim)
            segments = manifest.segments.get(name)
            stores[name] = (SegmentedStore([base] + [self.load_store(name, g, dim)
                                                     for g in segments])
                            if segments else base)
        return stores

    def refuse_missing(self) -> None:
        """Raise when the directory holds no index (checked without the model: what
        ``sensedb serve`` checks before its server starts, and what :meth:`manifest` checks).

        Raises:
            IndexFormatError: no index there ("no sensedb index here", with the command that
                builds one; or its files are here and its metadata in another database,
                :meth:`metadata_elsewhere`); it may not be written or its database is
                damaged (:meth:`refuse_unopenable`)."""
        if not self.exists():
            self.refuse_unopenable()
            raise IndexFormatError(
                self.metadata_elsewhere() or
                f"{self.path}: no sensedb index here (build one with "
                "`sensedb index CORPUS.data.xml --gold CORPUS.gold.key.txt --index DIR`)")

    def metadata_elsewhere(self) -> str | None:
        """When the directory holds an index's files (raw shards, FAISS files) while this
        database holds no index: a line saying that its metadata is in another database
        (built with ``--db``); else None."""
        found = sorted([*self.path.glob("*.faiss"), *(self.path / "raw").glob("shard-*.npy")])
        if not found:
            return None
        return (f"{self.path}: the directory holds the files of an index ({found[0].name}, "
                f"{len(found)} in all) whose metadata is not in {masked_url(self.db_url)}: an "
                "index built with --db keeps it in that database (give the same --db)")

    def foreign_files(self) -> list[Path]:
        """The entries of the directory that are not an index's (its stores' files
        ``tokens.*``, ``senses.*``, ``examples.*``, ``wordnet.*``, ``raw/``, the SQLite
        database and its companions, the lock and stamps sensedb writes), sorted; empty for
        an empty or missing directory."""
        from .documents import PURGE_STAMP

        if not self.path.is_dir():
            return []
        own = {"raw", ".lock", ".DS_Store", PURGE_STAMP}
        database = self._sqlite_file()
        databases = ("sensedb.sqlite", *([database.name] if database is not None
                                         and database.parent.resolve() == self.path.resolve()
                                         else []))
        return sorted(entry for entry in self.path.iterdir()
                      if entry.name not in own
                      and not entry.name.startswith(tuple(f"{store}." for store in STORES))
                      and not entry.name.startswith(databases))

    def _sqlite_file(self) -> Path | None:
        """The SQLite database file of the index's URL, None for another engine (or an
        in-memory or unparsable URL)."""
        if not self.db_url.startswith("sqlite:"):
            return None
        from sqlalchemy.engine import make_url

        try:
            name = make_url(self.db_url).database
        except (SQLAlchemyError, ValueError):
            return None
        return Path(name) if name and name != ":memory:" else None

    def refuse_foreign_files(self) -> None:
        """Refuse to make an index in a directory that holds other files (the user's own:
        the index's files would be mixed with them); an empty or new directory, or one
        holding only an index's files, is fine.

        Raises:
            IndexFormatError: one line naming the directory, a file and how many."""
        found = self.foreign_files()
        if found:
            raise IndexFormatError(
                f"{self.path}: the directory is not a sensedb index and holds other files "
                f"({found[0].name}, {len(found)} in all): index into a new or empty "
                "directory, so that the index's files are not mixed with them")

    def refuse_before_work(self) -> None:
        """What :meth:`lock` refuses that can be seen without taking it or writing anything,
        checked before a job's work (``api.build_index``: before its first chunk is encoded
        while the check pass reads, rather than after): a directory without an index that
        holds other files (:meth:`refuse_foreign_files`), an index this process may not
        write (:meth:`not_writable`), an index another process is writing.

        Raises:
            IndexFormatError: one line naming the directory or file.
            IndexLockedError: another process holds the writer lock."""
        sqlite_file = self._sqlite_file()
        if self.path.is_dir() and sqlite_file is not None and not sqlite_file.exists():
            self.refuse_foreign_files()
        self._refuse_unmakeable(sqlite_file)
        self._refuse_another_directorys_database(sqlite_file)
        blocked = self.not_writable()
        if blocked is not None:
            raise IndexFormatError(blocked)
        self._refuse_locked()

    def _refuse_unmakeable(self, sqlite_file: Path | None) -> None:
        """Refuse, before a job's work, a directory or SQLite database that cannot be made or
        opened: the index directory under a file (``--index afile/sub``), a ``--db`` file
        whose folder does not exist, that is a folder, or that is another kind of file
        (each was refused only when the job first wrote, after its first chunk was
        encoded: 20-40 s on a CPU).

        Raises:
            IndexFormatError: one line naming the directory or file."""
        missing = first_missing(self.path)
        existing = Path(os.path.abspath(self.path)) if missing is None else missing.parent
        if not existing.is_dir():
            raise IndexFormatError(f"{self.path}: cannot create the index directory: "
                                   f"{existing} is not a folder")
        if sqlite_file is None:
            return
        database = Path(os.path.abspath(sqlite_file))
        if database.is_dir():
            raise IndexFormatError(f"{sqlite_file}: the metadata database is a folder, not a "
                                   "SQLite file")
        if database.exists():
            own = self.database_file is not None
            try:  # the index's own file: not an index's (create's refusal); --db: not SQLite
                foreign = database.stat().st_size > 0 and not (
                    _holds_a_manifest(database) if own else _sqlite_header(database))
            except OSError:  # unreadable: the database's own open says so
                foreign = False
            if foreign and own:
                self._refuse_made_over(database)
            if foreign:
                raise IndexFormatError(f"{sqlite_file}: not a SQLite database (the metadata "
                                       "database must be an index's, or a new file)")
        elif (not database.parent.is_dir()
              and database.parent != Path(os.path.abspath(self.path))):
            raise IndexFormatError(f"{sqlite_file}: cannot create the metadata database: "
                                   f"the folder {database.parent} does not exist")

    def _refuse_another_directorys_database(self, sqlite_file: Path | None) -> None:
        """Refuse, before a job's work, a ``--db`` database that is not this directory's
        index's (``index B --index Y --db X/sensedb.sqlite`` encoded everything, then failed on
        a shard it could not read and left X's index with an unfinished job; a breaker's):
        the directory is an index with its own database (``Y/sensedb.sqlite`` holding an
        index) and ``--db`` names another; or the database holds raw vector shards none of
        which is here; or a shard file it recorded the size of is here with another size
        (Y an index of its own whose shards are numbered alike). The index's own database,
        however its URL spells it, a new or empty one, and an index with part of its shards
        lost (``verify`` and ``repair`` say what is missing) pass. Read only: nothing is
        created, and a database that cannot be read now is left to the job's own open.

        Raises:
            IndexFormatError: one line naming the database and this directory."""
        if self.database_file is not None:
            return
        own = self.path / "sensedb.sqlite"
        if sqlite_file is not None and _same_file(sqlite_file, own):
            return  # the index's own database, spelled another way ("./Y/...", a link)
        shown = masked_url(self.db_url)
        if own.is_file() and _holds_a_manifest(own):
            raise IndexFormatError(
                f"{shown}: {self.path} is an index whose metadata is {own}, not this database "
                "(leave --db out to add to it, or give another --index)")
        shards, sizes = _shards_at_rest(self.db_url, sqlite_file)
        if not shards:
            return
        here = any((self.path / path).exists()
                   or next((self.path / path).parent.glob(f"{Path(path).name}.*"), None)
                   for path in shards)  # the first shard found ends the search
        other = next((path for path, size in sizes.items() if (self.path / path).is_file()
                      and (self.path / path).stat().st_size != size), None)
        if here and other is None:
            return
        found = (f"none of them in {self.path}" if not here else
                 f"{self.path / other} is not the file it recorded")
        raise IndexFormatError(
            f"{shown}: the database holds an index of {len(shards)} raw vector "
            f"shard{'s' if len(shards) != 1 else ''} ({shards[0]}"
            f"{', ...' if len(shards) > 1 else ''}), {found}: it is another index "
            "directory's (give that directory as --index, or a new database)")

    def _thread_lock(self) -> threading.RLock:
        """The lock of this process's threads on this index's directory (one per real path),
        taken under :meth:`lock`'s process lock."""
        with _THREAD_LOCKS_GUARD:
            return _THREAD_LOCKS.setdefault(os.path.realpath(self.path), threading.RLock())

    def _refuse_made_over(self, final: Path) -> NoReturn:
        """Refuse a new index over ``final``, the index's own SQLite file, there but holding
        no index (damaged, not SQLite, another program's database): it was replaced without
        a word.

        Raises:
            IndexFormatError: always, one line saying what the file is."""
        found = (f"{final}: a SQLite database that holds no sensedb index"
                 if _sqlite_header(final)  # another program's database: not opened
                 else self.database_damage())
        raise IndexFormatError(f"{found}; no index is made over it: index into another "
                               "directory, or move the file away (`sensedb verify` tells "
                               "what is wrong with an index's own)")

    def _refuse_locked(self) -> None:
        """IndexLockedError now where another process holds the writer lock (:meth:`lock`
        taken and let go at once; nothing is created: an index without a lock file has no
        writer), so that a second job on an index stops before it loads a model and encodes
        its first chunk (it did both, ~10 s on a CPU, then stopped at the lock). Where
        another thread of this process writes, :meth:`lock` waits for it: not refused here.

        Raises:
            IndexLockedError: another process is writing this index."""
        sqlite = self.db_url.startswith("sqlite:")
        if sqlite and not (self.path / ".lock").exists():
            return
        threads = self._thread_lock()
        if not threads.acquire(blocking=False):
            return
        try:
            with self._process_lock():
                pass
        finally:
            threads.release()

    def make(self) -> None:
        """Create the index directory (and its parents) if it is not there.

        Raises:
            IndexFormatError: it cannot be created (a parent is a file, a place no
                directory can be made), one line naming it; it was a traceback."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexFormatError(f"{self.path}: cannot create the index directory: "
                                   f"{exc.strerror or exc}") from None

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive writer lock; a second writer fails at once. With SQLite it is a file
        lock on ``DIR/.lock``; with PostgreSQL an advisory lock in the database
        (``Database.writer_lock``), so writers on different machines exclude each other.
        Another thread of this process waits for it instead (up to THREAD_WAIT_S): threads
        of one process took each other for other processes' writers, and four threads
        asking `wsd` of new words on one index answered without their WordNet vectors
        ("bank" 0.742 where one thread alone answers 0.983; a fresh tester's).

        Raises:
            IndexLockedError: another process holds the lock (or another thread has held
                it THREAD_WAIT_S).
            IndexFormatError: this process may not write the index (:meth:`not_writable`),
                or the directory cannot be created (:meth:`make`), or (no index in it yet)
                it holds files that are not an index's (:meth:`refuse_foreign_files`).
            ConfigurationError: the PostgreSQL database cannot be reached."""
        self.make()
        sqlite_file = self._sqlite_file()
        if sqlite_file is not None and not sqlite_file.exists():  # no index here yet
            self.refuse_foreign_files()  # before the lock file is left among them
        threads = self._thread_lock()
        if not threads.acquire(timeout=THREAD_WAIT_S):
            raise IndexLockedError(f"{self.path}: another thread of this process has been "
                                   f"writing this index for {THREAD_WAIT_S:.0f} s")
        try:
            with self._process_lock():
                yield
        finally:
            threads.release()

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        """The lock between processes of :meth:`lock` (the caller holds its thread lock)."""
        if self.db.postgres:
            with self.db.writer_lock(str(self.path)):
                yield
            return
        try:
            handle = open(self.path / ".lock", "w")
        except OSError as exc:  # EROFS was the raw "[Errno 30] Read-only file system"
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            raise IndexFormatError(self.not_writable()
                                   or self.write_refusal(self.path / ".lock", "lock file")
                                   ) from None
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLockedError(
                    f"{self.path}: another process is writing this index") from None
            yield
        finally:
            handle.close()


def first_missing(path: str | os.PathLike) -> Path | None:
    """The outermost folder of ``path`` that does not exist yet (``path`` itself, or an
    ancestor: a job into ``new/a/b`` makes ``new``), absolute, or None when ``path``
    exists."""
    path = Path(os.path.abspath(path))
    if path.exists() or path.is_symlink():
        return None
    while not path.parent.exists() and path.parent != path:
        path = path.parent
    return path


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file (both exist), or the same real path."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


_SHARDS_QUERY = "SELECT path FROM shards ORDER BY id"
_SIZES_QUERY = "SELECT path, bytes FROM file_checksums WHERE path LIKE 'raw/%'"


def _shards_at_rest(db_url: str, sqlite_file: Path | None
                    ) -> tuple[list[str], dict[str, int]]:
    """The ``path`` of every row of a database's ``shards`` table (relative to its index
    directory), and the recorded sizes in bytes of its raw shard files (``file_checksums``),
    read without writing: a SQLite file through a read-only connection (a missing, empty or
    non-SQLite file, or one without the tables: nothing), another engine through a plain
    connection. Nothing where it cannot be read now (the job's own open reports why)."""
    if sqlite_file is not None:
        import sqlite3

        if not sqlite_file.exists() or not _holds_a_manifest(sqlite_file):
            return [], {}
        try:
            connection = _read_only(sqlite_file)
        except (OSError, sqlite3.Error):
            return [], {}
        try:
            shards = [row[0] for row in connection.execute(_SHARDS_QUERY)]
            try:
                sizes = dict(connection.execute(_SIZES_QUERY).fetchall())
            except sqlite3.Error:  # an index from before checksums were kept
                sizes = {}
            return shards, sizes
        except sqlite3.Error:
            return [], {}
        finally:
            connection.close()
    if db_url.startswith("sqlite:"):
        return [], {}
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(db_url)
        try:
            with engine.connect() as connection:
                tables = inspect(connection)
                if not tables.has_table("shards"):
                    return [], {}
                shards = [row[0] for row in connection.execute(text(_SHARDS_QUERY))]
                sizes = (dict(connection.execute(text(_SIZES_QUERY)).all())
                         if tables.has_table("file_checksums") else {})
                return shards, sizes
        finally:
            engine.dispose()
    except (SQLAlchemyError, ValueError, ImportError):
        return [], {}


def _read_only(path: Path):
    """A read-only ``sqlite3`` connection to the SQLite file ``path``: nothing in the file
    changes (no journal mode switched, no file made).

    Raises:
        sqlite3.Error, OSError: it cannot be opened."""
    import sqlite3

    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _holds_a_manifest(path: Path) -> bool:
    """Whether the SQLite file ``path`` has a ``manifest`` table, read through a read-only
    connection that changes nothing in it: an empty file (0 bytes), a file that is not
    SQLite and another program's database say False without being touched (opened through
    the index's engine, another program's database was switched to WAL and an empty file
    made a 16 KB database, which every later job then refused). A file SQLite cannot read
    says True: the engine's own open then reports the damage."""
    import sqlite3

    try:
        if path.stat().st_size == 0 or not _sqlite_header(path):
            return False
        connection = _read_only(path)
    except (OSError, sqlite3.Error):
        return True
    try:
        return connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                  "name = 'manifest'").fetchone() is not None
    except sqlite3.Error:
        return True
    finally:
        connection.close()


#: The name the default SQLite database is created under before it is renamed into place
#: (``IndexDirectory.create``): a file of this name (or its ``-wal``/``-shm``) is no index.
CREATING = "sensedb.sqlite.creating"

#: The first 16 bytes of every SQLite 3 database file.
SQLITE_MAGIC = b"SQLite format 3\x00"


def _sqlite_header(path: Path) -> bool:
    """Whether the file ``path`` opens with SQLITE_MAGIC (read, never opened as a database;
    by ``schema.read_file_head``, which keeps this process's SQLite locks on it).

    Raises:
        OSError: it cannot be read."""
    return read_file_head(path, len(SQLITE_MAGIC)) == SQLITE_MAGIC


def with_model_from_index(described: dict[str, Any], index: Path) -> dict[str, Any]:
    """An encoder description with, for a model that is a local directory (an absolute path,
    as ``Encoder`` names one), its path from the index directory too (``model_from_index``:
    "../models/mine"), so that an index moved with its project folder finds its model
    there (``retriever.opening.make_encoder``; the weights fingerprint says it is the
    same); ``described`` itself for a hub name."""
    model = str(described.get("model") or "")
    if not os.path.isabs(model) or not os.path.isdir(model):
        return described
    return {**described, "model_from_index": os.path.relpath(model, Path(index).resolve())}


def model_path(directory: IndexDirectory, described: EncoderSettings) -> str:
    """Where the model of an index's manifest (``described``) loads from: its recorded name
    (a hub name, or a local directory's absolute path), or, when no folder is there, its
    path from the index directory (``model_from_index``: an index moved with its project
    folder; ``retriever.opening.make_encoder`` then checks the weights are the recorded
    ones)."""
    recorded = described.model
    if described.model_from_index and not os.path.isdir(recorded):
        # from the index's real place, as recorded (an index reached through a link)
        moved = os.path.normpath(os.path.join(Path(directory.path).resolve(),
                                              described.model_from_index))
        if os.path.isdir(moved):
            return moved
    return recorded
