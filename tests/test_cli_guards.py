"""The command line guards what it shows and where it writes: a database password is never
printed, a server reachable from other hosts needs a key, an occupied port, a read-only or
foreign directory are one line naming what to do."""

from __future__ import annotations

import json
import shutil

import pytest
from cli_support import invoke
from click.testing import CliRunner
from conftest import MINI_GOLD, MINI_XML

SECRET = "S3cretPW"
PASSWORD_URL = f"postgresql+psycopg://alice:{SECRET}@127.0.0.1:1/x"  # port 1: refused


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


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


def test_serve_on_another_host_needs_an_api_key_or_no_api_key(runner, mini_index):
    """--host 0.0.0.0 without --api-key answered anyone (a warning in the log only)."""
    import socket

    with socket.socket() as taken:  # were it not refused, it would fail, not serve forever
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        result = invoke(runner, "serve", "--index", mini_index, "--host", "0.0.0.0",
                        "--port", taken.getsockname()[1])
    assert result.exit_code == 1
    assert result.output == ("Error: --host 0.0.0.0 answers other machines: give --api-key "
                             "KEY (clients send X-API-Key), or --no-api-key to serve it open "
                             "on purpose\n")
    result = invoke(runner, "serve", "--index", mini_index, "--host", "0.0.0.0",
                    "--api-key", "k", "--no-api-key")
    assert result.exit_code == 2 and "not both" in result.output


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_serve_on_a_port_in_use_fails_before_loading(runner, mini_index, host):
    """uvicorn's raw '[Errno 98]' came after the model and the index had loaded (~60 s)."""
    import socket
    import time

    with socket.socket() as taken:
        taken.bind((host, 0))
        taken.listen()
        port = taken.getsockname()[1]
        start = time.perf_counter()
        result = invoke(runner, "serve", "--index", mini_index, "--host", host, "--port", port,
                        *(["--no-api-key"] if host == "0.0.0.0" else []))
    assert result.exit_code == 1 and time.perf_counter() - start < 5
    assert result.output.splitlines()[-1] == (
        f"Error: cannot listen on {host}:{port}: Address already in use (another server "
        "holds it: stop it or give another --port)")


def test_serve_answers_on_the_port_it_bound_first(mini_index):
    """The server listens on the socket bound before loading (--port 0: a free one)."""
    import re
    import signal
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    server = subprocess.Popen(
        [sys.executable, "-m", "sensedb.cli", "serve", "--index", str(mini_index), "--port",
         "0", "--no-wordnet-evidence"], stderr=subprocess.PIPE, text=True)
    try:
        url, lines = None, []
        for line in server.stderr:
            found = re.search(r"sensedb service: (http://\S+) bound", line)
            url = found.group(1) if found else url
            lines.append(line)
            if "Application startup complete" in line:
                break
        assert url is not None, line
        deadline = time.monotonic() + 30  # uvicorn says "complete" just before it listens
        while True:
            assert server.poll() is None, "".join(lines)
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=30) as answer:
                    assert json.load(answer)["status"] == "ok"
                break
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        server.send_signal(signal.SIGINT)
        server.wait(30)  # stops on Ctrl-C (click reports it as "Aborted!", status 1)
    finally:
        server.kill()
        server.wait()


def test_index_into_a_folder_of_other_files_is_refused_untouched(runner, tmp_path, encoder,
                                                                 wordnet):
    """`sensedb index notes.jsonl --index /tmp/mine` mixed the index's files with the
    user's; an empty folder or an existing index stays fine (the mini index fixture is built
    into an empty one)."""
    from sensedb import IndexFormatError, build_index

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "mydata.txt").write_text("keep\n", encoding="utf-8")
    result = invoke(runner, "index", MINI_XML, "--gold", MINI_GOLD, "--index", mine)
    assert result.exit_code == 1
    assert result.output == (f"Error: {mine}: the directory is not a sensedb index and holds "
                             "other files (mydata.txt, 1 in all): index into a new or empty "
                             "directory, so that the index's files are not mixed with them\n")
    assert [p.name for p in mine.iterdir()] == ["mydata.txt"]
    # its metadata elsewhere (--db): refused as it would be created, nothing written either
    with pytest.raises(IndexFormatError, match="mydata.txt, 1 in all"):
        build_index(MINI_XML, mine, gold=MINI_GOLD, db_url=f"sqlite:///{tmp_path / 'm.db'}",
                    encoder=encoder, wordnet=wordnet, progress=False)
    assert [p.name for p in mine.iterdir()] == ["mydata.txt"]
