"""The SQLite database's settings (sensedb.schema.database)."""

from __future__ import annotations

import sqlite3

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
