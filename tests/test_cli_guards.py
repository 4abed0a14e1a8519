"""The command line guards what it shows and where it writes: a database password is never
printed, a server reachable from other hosts needs a key, an occupied port, a read-only or
foreign directory are one line naming what to do."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import MINI_GOLD, MINI_XML

from sensedb.cli import cli

SECRET = "S3cretPW"
PASSWORD_URL = f"postgresql+psycopg://alice:{SECRET}@127.0.0.1:1/x"  # port 1: refused


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def invoke(runner, *args, input=None):  # noqa: A002
    result = runner.invoke(cli, [str(a) for a in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exc_info
    return result


def test_a_database_password_is_not_printed_in_errors(runner, mini_index, tmp_path):
    """The tester's case: an index directory opened with a --db that does not hold its
    metadata printed the URL with its password; so did a URL SQLAlchemy cannot parse."""
    copy = tmp_path / "idx"
    shutil.copytree(mini_index, copy)
    for args in (("info", "--index", copy, "--db", PASSWORD_URL),
                 ("verify", "--index", copy, "--db", PASSWORD_URL),
                 ("wsd", "He sat on the bank", "bank", "--index", copy, "--db", PASSWORD_URL),
                 ("index", MINI_XML, "--gold", MINI_GOLD, "--index", tmp_path / "new",
                  "--db", PASSWORD_URL),
                 ("info", "--index", copy, "--db", f"postgres ql://alice:{SECRET}@h/x")):
        result = invoke(runner, *args)
        assert result.exit_code != 0, result.output
        assert SECRET not in result.output, result.output
    assert "alice:***@127.0.0.1:1/x" in invoke(runner, "info", "--index", copy, "--db",
                                                  PASSWORD_URL).output


def test_info_shows_a_postgresql_url_without_its_password(runner, tmp_path, encoder,
                                                          wordnet):
    from engine_support import postgres_database
    from sqlalchemy import make_url

    from sensedb import build_index

    with postgres_database() as url:  # the test server trusts its user: the password is unused
        url = make_url(url).set(password=SECRET).render_as_string(hide_password=False)
        build_index(MINI_XML, tmp_path / "idx", gold=MINI_GOLD, db_url=url, encoder=encoder,
                    wordnet=wordnet, progress=False)
        result = invoke(runner, "info", "--index", tmp_path / "idx", "--db", url, "--json")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert ":***@" in json.loads(result.output)["database"]
