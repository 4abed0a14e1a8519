"""A fresh PostgreSQL database per test, on the server SENSEDB_TEST_POSTGRES_URL names
(``postgresql+psycopg://USER@/postgres?host=SOCKET_DIR&port=PORT``; `.ci/run` starts one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_ENV = "SENSEDB_TEST_POSTGRES_URL"


@contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a new, empty database (dropped afterwards); skips the test without a
    server."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} (`.ci/run` does)")
    pytest.importorskip("psycopg", reason="the sensedb[postgres] extra is not installed")
    from sqlalchemy import create_engine, make_url, text

    name = f"sensedb_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
