"""Engine setup (SQLite WAL by default, PostgreSQL through psycopg 3, any SQLAlchemy URL),
bulk row writes through each driver's fast path, the writer lock, and manifest access."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Table, bindparam, create_engine, event, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ConfigurationError, IndexFormatError, IndexLockedError
from .models import Base, ManifestRow

#: Page size of a new SQLite database, bytes (BENCHMARKS.md, "SemCor: disk").
SQLITE_PAGE_SIZE = 16384


#: (st_dev, st_ino) of each SQLite file this process has writable connections to: [how
#: many are open, a descriptor of the file kept open for :func:`read_file_head` or None].
#: The descriptor is closed with the file's last connection (then no lock is held).
_CONNECTED: dict[tuple[int, int], list] = {}
_CONNECTED_LOCK = threading.Lock()


def _file_id(status: os.stat_result) -> tuple[int, int]:
    """What tells one file from another: (st_dev, st_ino) of ``os.stat``/``os.fstat``."""
    return status.st_dev, status.st_ino


def read_file_head(path: str | os.PathLike, size: int) -> bytes:
    """The first ``size`` bytes of the file ``path`` (fewer if it is shorter), read without
    costing this process the locks its SQLite connections hold on the file. POSIX drops
    every ``fcntl`` lock a process holds on a file when it closes ANY descriptor of that
    file; SQLite's WAL mode keeps a shared lock on the database while a connection is
    open, and the last process to close a connection without seeing another's lock
    checkpoints and DELETES the ``-wal`` and ``-shm`` files. A header read by ``open()`` and
    ``close()`` in a process that had the index open (the service reads the manifest before
    every batch) so let another process's ``sensedb wsd`` delete the log the service was
    writing: its later writes were lost and every answer became "database disk image is
    malformed". So a file this process has connections to is read through one descriptor
    kept open while they are (:data:`_CONNECTED`, one per such file, closed with the last
    connection); any other file is opened and closed as usual (this process holds no lock
    on it).

    Raises:
        OSError: the file cannot be read."""
    try:
        key = _file_id(os.stat(path))
    except OSError:
        key = None
    with _CONNECTED_LOCK:
        entry = _CONNECTED.get(key) if key is not None else None
        if entry is not None:
            if entry[1] is None:
                descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
                if _file_id(os.fstat(descriptor)) != key:  # replaced meanwhile: no lock
                    try:
                        return os.pread(descriptor, size, 0)
                    finally:
                        os.close(descriptor)
                entry[1] = descriptor
            return os.pread(entry[1], size, 0)
    with open(path, "rb") as handle:
        return handle.read(size)


def _note_connected(path: str, record) -> None:
    """Count a connection of this process to the SQLite file ``path`` (see
    :func:`read_file_head`; the pool's ``record`` remembers which file for
    :func:`_note_closed`); an in-memory database or a missing file is not counted."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with suppress(OSError), _CONNECTED_LOCK:
        key = _file_id(os.stat(path))
        _CONNECTED.setdefault(key, [0, None])[0] += 1
        record.info["sensedb_file"] = key


def _note_closed(_dbapi_connection, record) -> None:
    """A connection counted by :func:`_note_connected` closed: with the file's last one, the
    descriptor kept for :func:`read_file_head` is closed too (no lock is held then)."""
    key = record.info.pop("sensedb_file", None) if record is not None else None
    if key is None:
        return
    with _CONNECTED_LOCK:
        entry = _CONNECTED.get(key)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] <= 0:
            del _CONNECTED[key]
            if entry[1] is not None:
                os.close(entry[1])


def _sqlite_pragmas(dbapi_connection, record) -> None:
    for _, name, path in dbapi_connection.execute("PRAGMA database_list").fetchall():
        if name == "main":
            _note_connected(path, record)
    cursor = dbapi_connection.cursor()
    # before WAL, and only effective on a new file: 16 KiB pages hold five 3.3 kB sense rows
    # (a float64 sum each) where 4 KiB pages held one: SemCor's database 178 -> 150 MB
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _immutable_url(url: str) -> str:
    """The SQLAlchemy URL that opens ``url``'s SQLite file read-only and immutable (an SQLite
    URI filename, its path percent-encoded: ``sqlite:///file:/DIR/sensedb.sqlite?mode=ro&
    immutable=1&uri=true``)."""
    from urllib.parse import quote

    from sqlalchemy.engine import make_url

    path = make_url(url).database or ""
    return f"sqlite:///file:{quote(path)}?mode=ro&immutable=1&uri=true"


# The key of the PostgreSQL advisory lock a writer holds (one index per database): a fixed
# 63-bit number derived from a name, so that other applications' keys are unlikely to clash.
WRITER_LOCK_KEY = zlib.crc32(b"sensedb index writer") << 20 | 0x5E25E


_USERINFO_PASSWORD = re.compile(r"(://[^/@:\s]*:)[^@\s]*@")


def damaged_file(exc: BaseException) -> bool:
    """Whether a database error is SQLite reporting its file damaged ("database disk image is
    malformed", "file is not a database"), not a lock, a constraint or a bad statement."""
    orig = exc if isinstance(exc, sqlite3.Error) else getattr(exc, "orig", None)
    return isinstance(orig, sqlite3.Error) and any(
        words in str(orig).lower() for words in ("malformed", "not a database"))


def masked_url(url: str) -> str:
    """``url`` as it may be shown (messages, logs, ``info``'s JSON): its password replaced by
    ``***`` (SQLAlchemy's ``render_as_string(hide_password=True)``); a string SQLAlchemy
    cannot parse has any ``://USER:PASSWORD@`` part masked the same way. A URL without a
    password comes back unchanged."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError, TypeError):
        return _USERINFO_PASSWORD.sub(r"\1***@", url)


def hide_url_password(message: str, url: str) -> str:
    """``message`` with ``url`` shown masked (:func:`masked_url`) and its password (as
    written in the URL and decoded; passwords of 4 characters or more, so that a short one
    does not blank out ordinary words) replaced by ``***``: for a driver's error text, which
    may quote the URL or the connection settings. The message comes back on one line (a
    driver's "Connection refused\n\tIs the server running ..." read with a literal "\n\t"
    in the one-line error)."""
    from sqlalchemy.engine import make_url

    message = message.replace(url, masked_url(url))
    passwords = {found.group(0)[len(found.group(1)):-1]
                 for found in _USERINFO_PASSWORD.finditer(url)}
    try:
        passwords.add(make_url(url).password or "")
    except (SQLAlchemyError, ValueError, TypeError):
        pass
    for password in sorted(passwords, key=len, reverse=True):
        if len(password) >= 4:
            message = message.replace(password, "***")
    return " ".join(message.split())


class Database:
    """The metadata store of one index. ``url`` is any SQLAlchemy URL; SQLite and PostgreSQL
    (``postgresql+psycopg://USER@HOST/DB``, the ``sensedb[postgres]`` extra) are tested."""

    def __init__(self, url: str, *, create: bool = False, read_only: bool = False) -> None:
        """``read_only``: a SQLite file is opened read-only and immutable (SQLite's
        ``mode=ro&immutable=1`` URI: no write-ahead log, shared memory or lock is made or
        consulted), for an index at rest in a place this process may not write (a WAL
        database there cannot be opened otherwise: SQLite would create its ``-shm`` and
        ``-wal`` files); the file must not change while open. Ignored for other engines."""
        self.url = url
        self.read_only = read_only and url.startswith("sqlite:")
        try:
            self.engine: Engine = create_engine(
                _immutable_url(url) if self.read_only else url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise ConfigurationError(f"bad database URL {masked_url(url)!r}: "
                                     f"{hide_url_password(str(exc), url)}") from None
        if self.engine.dialect.name == "sqlite" and not self.read_only:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "close", _note_closed)
            event.listen(self.engine, "close_detached", _note_closed)
        self.postgres = self.engine.dialect.name == "postgresql"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._compiled: dict[tuple[Any, int], str] = {}  # (statement, list length) -> SQL
        if create:
            Base.metadata.create_all(self.engine)

    def exists(self) -> bool:
        from sqlalchemy import inspect

        try:
            return inspect(self.engine).has_table("manifest")
        except SQLAlchemyError:
            return False

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A short transaction: committed on success, rolled back on any error.

        Raises:
            IndexFormatError: SQLite found the file damaged where it read ("database disk
                image is malformed": a page overwritten inside the file, which the header
                checks of ``IndexDirectory.database_damage`` cannot see); one line naming
                the database, instead of the driver's traceback."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except DatabaseError as exc:
                with suppress(SQLAlchemyError):
                    session.rollback()
                self._raise_if_damaged(exc)
                raise
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A Core connection for reads (its transaction rolled back when the pool takes it
        back): what a query path's SELECTs use. An ORM :meth:`session` costs about 0.7 ms
        more per short read on this CPU (its set-up and commit; measured on the evidence
        rows of ``scripts/bench_query.py``'s queries), which a query pays for every uncached
        read.

        Raises:
            IndexFormatError: SQLite found the file damaged (as :meth:`session`)."""
        with self.engine.connect() as connection:
            try:
                yield connection
            except (DatabaseError, sqlite3.DatabaseError) as exc:  # the latter: select_in's
                self._raise_if_damaged(exc)
                raise

    def select_in(self, connection: Connection, statement, name: str, values: Sequence
                  ) -> list[tuple]:
        """The rows of ``statement``, a SELECT whose one parameter is the expanding ``IN``
        list ``name`` (``bindparam(name, expanding=True)``), for ``values``, as plain tuples.
        On SQLite the driver runs it, compiled once per length of list (SQLAlchemy's
        execution of a short read cost a query about 0.3 ms on this CPU); other engines go
        through Core."""
        if not values:
            return []
        if connection.dialect.name != "sqlite":
            return [tuple(row) for row in connection.execute(statement, {name: list(values)})]
        sql = self._compiled.get((statement, len(values)))
        if sql is None:
            sql = str(statement.params({name: list(values)}).compile(
                dialect=connection.dialect, compile_kwargs={"render_postcompile": True}))
            if len(self._compiled) >= 256:  # lengths seen are few (an answer's evidence)
                self._compiled.clear()
            self._compiled[(statement, len(values))] = sql
        cursor = connection.connection.driver_connection.cursor()
        try:
            return cursor.execute(sql, list(values)).fetchall()
        finally:
            cursor.close()

    def _raise_if_damaged(self, exc: DatabaseError | sqlite3.DatabaseError) -> None:
        if damaged_file(exc):
            raise IndexFormatError(
                f"{masked_url(self.url)}: the database is damaged (SQLite: "
                f"{getattr(exc, 'orig', None) or exc}); restore it from a backup or re-index "
                "the corpus (`sensedb verify` lists what else is wrong)") from exc

    def manifest(self) -> dict[str, Any]:
        """Every manifest entry, key -> decoded JSON value (``indexer.manifest.Manifest``
        types them).

        Raises:
            IndexFormatError: not a sensedb database, or an entry is not JSON (names it)."""
        try:
            with self.session() as session:
                rows = session.execute(select(ManifestRow)).scalars().all()
        except SQLAlchemyError as exc:
            raise IndexFormatError(f"{masked_url(self.url)}: not a sensedb database "
                                   f"({hide_url_password(str(exc), self.url)})") from exc
        return {row.key: self._decode(row) for row in rows}

    def _decode(self, row: ManifestRow) -> Any:
        try:
            return json.loads(row.value)
        except ValueError as exc:
            raise IndexFormatError(f"{masked_url(self.url)}: manifest entry {row.key!r} is damaged "
                                   f"({exc})") from None

    @staticmethod
    def set_manifest(session: Session, values: dict[str, Any]) -> None:
        """Write manifest entries (key -> JSON-encodable value) in ``session``'s transaction;
        the index's writers call it through ``IndexDirectory.set_manifest``."""
        for key, value in values.items():
            session.merge(ManifestRow(key=key, value=json.dumps(value)))

    @staticmethod
    def insert_rows(session: Session, table: Table, columns: Sequence[str],
                    rows: Sequence[tuple]) -> None:
        """Insert many rows given as tuples in ``columns`` order.

        On SQLite this is the driver's own ``executemany``: Core's per-row parameter
        processing cost several seconds per SemCor pass. On PostgreSQL with psycopg it is
        ``COPY ... FROM STDIN`` (the driver streams the rows; no statement per row), and a
        serial id's sequence is moved past the explicit ids written (the indexer hands ids
        out itself; a row added later without an id, e.g. a gloss vector, takes the next
        one). Other engines go through Core.
        """
        connection = session.connection()
        if rows and connection.dialect.driver == "psycopg":
            quote = connection.dialect.identifier_preparer.quote
            cursor = connection.connection.driver_connection.cursor()
            with cursor.copy(f"COPY {quote(table.name)} ({', '.join(map(quote, columns))}) "
                             "FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if "id" in columns and table.autoincrement_column is not None:
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE(MAX(id), 0) + 1, false) FROM {quote(table.name)}"))
            return
        Database._many(
            session, rows,
            lambda quote: (f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
                           f"VALUES ({', '.join('?' * len(columns))})"),
            insert(table), lambda row: dict(zip(columns, row, strict=True)))

    @staticmethod
    def in_batches(items: Sequence, size: int = 5000) -> Iterator[Sequence]:
        """Slices of ``items`` small enough for one SQL ``IN`` list."""
        for start in range(0, len(items), size):
            yield items[start:start + size]

    @staticmethod
    def fetch_tuples(session: Session, statement) -> list[tuple]:
        """All rows of a SELECT as plain tuples. On SQLite the driver runs it: row objects
        for a few hundred thousand rows cost more than the query."""
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            return [tuple(row) for row in connection.execute(statement)]
        compiled = statement.compile(dialect=connection.dialect)
        values = compiled.construct_params()
        parameters = [values[name] for name in compiled.positiontup or ()]
        cursor = connection.connection.driver_connection.cursor()
        try:
            return cursor.execute(str(compiled), parameters).fetchall()
        finally:
            cursor.close()

    def create_missing_indexes(self) -> None:
        """Create any secondary index of the schema that is missing (see ``drop_indexes``)."""
        with self.engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                for index in table.indexes:
                    index.create(connection, checkfirst=True)

    def drop_indexes(self, tables: Sequence[str]) -> None:
        """Drop the secondary indexes of ``tables`` for a bulk load into empty tables: rows
        go in faster and the indexes are built once at the end (``create_missing_indexes``,
        which every index job also runs first, so a crashed bulk load is repaired)."""
        with self.engine.begin() as connection:
            for name in tables:
                for index in Base.metadata.tables[name].indexes:
                    index.drop(connection, checkfirst=True)

    @staticmethod
    def update_rows(session: Session, table: Table, columns: Sequence[str], key: str,
                    rows: Sequence[tuple]) -> None:
        """Set ``columns`` of many rows given as tuples (new values in ``columns`` order,
        then the ``key`` column's value); the same fast path as :meth:`insert_rows`."""
        names = [f"new_{c}" for c in columns]
        Database._many(
            session, rows,
            lambda quote: (f"UPDATE {quote(table.name)} SET "
                           f"{', '.join(f'{quote(c)} = ?' for c in columns)} "
                           f"WHERE {quote(key)} = ?"),
            update(table).where(table.c[key] == bindparam("row_key"))
            .values({c: bindparam(n) for c, n in zip(columns, names, strict=True)}),
            lambda row: {**dict(zip(names, row[:-1], strict=True)), "row_key": row[-1]})

    @staticmethod
    def _many(session: Session, rows: Sequence[tuple], driver_sql, statement,
              parameters) -> None:
        """Run one statement for many rows: on SQLite the driver's ``executemany`` with the
        SQL ``driver_sql(quote)`` builds; elsewhere Core's ``statement`` with
        ``parameters(row)``."""
        if not rows:
            return
        connection = session.connection()
        if connection.dialect.paramstyle == "qmark":
            connection.exec_driver_sql(
                driver_sql(connection.dialect.identifier_preparer.quote), list(rows))
        elif connection.dialect.driver == "psycopg":  # executemany, pipelined by psycopg
            sql = driver_sql(connection.dialect.identifier_preparer.quote).replace("?", "%s")
            cursor = connection.connection.driver_connection.cursor()
            cursor.executemany(sql, list(rows))
        else:
            connection.execute(statement, [parameters(row) for row in rows])

    @contextmanager
    def writer_lock(self, holder: str) -> Iterator[None]:
        """The index's exclusive writer lock held in the database (PostgreSQL's session-level
        advisory lock ``WRITER_LOCK_KEY`` on a connection of its own, released when the
        block ends or the process dies); a second writer fails at once. ``holder``
        names the index in the error.

        Raises:
            IndexLockedError: another session holds the lock.
            ConfigurationError: not a PostgreSQL database, or it cannot be reached."""
        if not self.postgres:
            raise ConfigurationError(f"{masked_url(self.url)}: database locks need PostgreSQL")
        try:
            connection = self.engine.connect()
        except SQLAlchemyError as exc:
            reason = hide_url_password(str(exc.orig or exc), self.url)
            raise ConfigurationError(f"cannot reach the database of {holder}: {reason}") from None
        try:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                     {"key": WRITER_LOCK_KEY}).scalar()
            connection.commit()
            if not got:
                raise IndexLockedError(f"{holder}: another process is writing this index")
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": WRITER_LOCK_KEY})
                connection.commit()
        finally:
            connection.close()

    def dispose(self) -> None:
        self.engine.dispose()
