"""The SQLite database's settings (sensedb.schema.database)."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from sqlalchemy import bindparam, select, text

from sensedb import IndexFormatError
from sensedb.schema import ManifestRow
from sensedb.schema.database import SQLITE_PAGE_SIZE, Database


def test_a_new_sqlite_database_gets_large_pages_an_old_one_keeps_its_own(tmp_path):
    new = Database(f"sqlite:///{tmp_path / 'new.sqlite'}", create=True)
    new.dispose()
    with sqlite3.connect(tmp_path / "new.sqlite") as connection:
        assert connection.execute("PRAGMA page_size").fetchone()[0] == SQLITE_PAGE_SIZE
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with sqlite3.connect(tmp_path / "old.sqlite") as connection:  # 4 KiB pages, as before
        connection.execute("PRAGMA page_size=4096")
        connection.execute("CREATE TABLE t (x)")
    old = Database(f"sqlite:///{tmp_path / 'old.sqlite'}", create=True)
    old.dispose()
    with sqlite3.connect(tmp_path / "old.sqlite") as connection:
        assert connection.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert connection.execute("SELECT count(*) FROM manifest").fetchone()[0] == 0


def test_a_database_password_is_masked_wherever_a_url_is_shown():
    from sensedb.schema import hide_url_password, masked_url

    url = "postgresql+psycopg://alice:S3cretPW@127.0.0.1:1/x"
    assert masked_url(url) == "postgresql+psycopg://alice:***@127.0.0.1:1/x"
    assert masked_url("postgresql://al:p%40ssword@h/x") == "postgresql://al:***@h/x"
    assert masked_url("postgres ql://alice:S3cretPW@h/x") == "postgres ql://alice:***@h/x"
    assert masked_url("sqlite:////tmp/a.sqlite") == "sqlite:////tmp/a.sqlite"
    assert hide_url_password(f"in {url}: user alice, password S3cretPW", url) \
        == "in postgresql+psycopg://alice:***@127.0.0.1:1/x: user alice, password ***"
    assert hide_url_password("p@ssword", "postgresql://al:p%40ssword@h/x") == "***"
    # a driver's message on one line (the error read "refused\n\tIs the server ...")
    assert hide_url_password("Connection refused\n\tIs the server running?", url) \
        == "Connection refused Is the server running?"


def test_a_read_connection_reads_and_a_damaged_file_is_one_line(tmp_path):
    """``Database.reading`` (the query paths' reads, a Core connection) says the file is
    damaged as ``session`` does, naming it, instead of the driver's error."""
    path = tmp_path / "db.sqlite"
    db = Database(f"sqlite:///{path}", create=True)
    with db.session() as session:
        Database.set_manifest(session, {f"key{n}": "x" * 200 for n in range(2000)})
    by_keys = select(ManifestRow.key, ManifestRow.value).where(
        ManifestRow.key.in_(bindparam("keys", expanding=True)))
    with db.reading() as connection:
        assert connection.execute(select(ManifestRow.value).where(
            ManifestRow.key == "key7")).scalar() == '"' + "x" * 200 + '"'
        for keys in (["key7"], ["key1", "key12", "none"], [f"key{n}" for n in range(900)]):
            rows = db.select_in(connection, by_keys, "keys", keys)  # the driver's path
            assert sorted(rows) == sorted(
                tuple(r) for r in connection.execute(by_keys, {"keys": keys}))
            assert len(rows) == len([k for k in keys if k != "none"])
        assert db.select_in(connection, by_keys, "keys", []) == []
    db.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = int.from_bytes(path.read_bytes()[16:18], "big")
    pages = path.stat().st_size // page
    with open(path, "r+b") as handle:  # every page but the first two, seeded
        handle.seek(2 * page)
        handle.write(np.random.default_rng(0).bytes((pages - 2) * page))
    db = Database(f"sqlite:///{path}")
    with pytest.raises(IndexFormatError, match="db.sqlite.*damaged") as found:
        with db.reading() as connection:
            connection.execute(text("SELECT count(*), max(value) FROM manifest")).all()
    assert "\n" not in str(found.value)
    with pytest.raises(IndexFormatError, match="db.sqlite.*damaged"):
        with db.reading() as connection:
            db.select_in(connection, by_keys, "keys", [f"key{n}" for n in range(0, 2000, 3)])
    db.dispose()
