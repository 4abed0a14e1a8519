"""Engine setup (SQLite WAL by default, any SQLAlchemy URL) and manifest access."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, bindparam, create_engine, event, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ConfigurationError, IndexFormatError
from .models import Base, ManifestRow


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """The metadata store of one index. ``url`` is any SQLAlchemy URL."""

    def __init__(self, url: str, *, create: bool = False) -> None:
        self.url = url
        try:
            self.engine: Engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise ConfigurationError(f"bad database URL {url!r}: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
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
        """A short transaction: committed on success, rolled back on any error."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def manifest(self) -> dict[str, Any]:
        """Every manifest entry, key -> decoded JSON value (``indexer.manifest.Manifest``
        types them).

        Raises:
            IndexFormatError: not a sensedb database, or an entry is not JSON (names it)."""
        try:
            with self.session() as session:
                rows = session.execute(select(ManifestRow)).scalars().all()
        except SQLAlchemyError as exc:
            raise IndexFormatError(f"{self.url}: not a sensedb database ({exc})") from exc
        return {row.key: self._decode(row) for row in rows}

    def _decode(self, row: ManifestRow) -> Any:
        try:
            return json.loads(row.value)
        except ValueError as exc:
            raise IndexFormatError(f"{self.url}: manifest entry {row.key!r} is damaged "
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
        processing cost several seconds per SemCor pass. Other engines go through Core.
        """
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
        else:
            connection.execute(statement, [parameters(row) for row in rows])

    def dispose(self) -> None:
        self.engine.dispose()
