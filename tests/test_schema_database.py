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
