"""The index directory (sensedb.indexer.directory): paths, settings, lock, damaged files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MINI_GOLD, MINI_XML
from indexer_helpers import mini_copy, open_index

from sensedb import IndexFormatError, SenseIndex, build_index
from sensedb.errors import IndexLockedError
from sensedb.indexer import IndexDirectory
from sensedb.schema import Database


def test_index_built_with_other_settings_is_refused(tmp_path, encoder, wordnet):
    path = mini_copy(tmp_path, encoder, wordnet)
    with pytest.raises(IndexFormatError, match="built with model"):
        SenseIndex(path, model="bert-base-uncased", wordnet=wordnet)
    with pytest.raises(IndexFormatError, match="layers='last'"):
        build_index(MINI_XML, path, gold=MINI_GOLD, layers="last4", model="default",
                    wordnet=wordnet, progress=False)
    directory = IndexDirectory(path)
    with directory.db.session() as session:
        Database.set_manifest(session, {"format_version": 99})
    with pytest.raises(IndexFormatError, match="format version 99"):
        open_index(path, encoder, wordnet)
    with pytest.raises(IndexFormatError, match="no sensedb index"):
        SenseIndex(tmp_path / "nothing", wordnet=wordnet)


def test_one_writer_at_a_time(tmp_path, encoder, wordnet):
    directory = IndexDirectory(tmp_path / "idx")
    with directory.lock():
        with pytest.raises(IndexFormatError, match="another process"):
            with IndexDirectory(tmp_path / "idx").lock():
                pass


def test_the_directory_names_every_file(tmp_path):
    directory = IndexDirectory(tmp_path / "idx")
    assert directory.shard_name(7) == "raw/shard-000007"
    assert directory.store_paths("senses", 3) == (tmp_path / "idx" / "senses.000003.faiss",
                                                  tmp_path / "idx" / "senses.000003.groups.npz")
    assert directory.generations("senses") == []  # no directory yet


def test_shards_are_written_where_the_directory_says(tmp_path):
    import numpy as np

    directory = IndexDirectory(tmp_path / "idx")
    (directory.path / "raw").mkdir(parents=True)
    ids = np.arange(3, dtype=np.int64)
    vectors = np.ones((3, 4), dtype=np.float32)
    recorded = directory.save_shard(2, ids=ids, vectors=vectors)
    assert recorded == "raw/shard-000002"
    assert (directory.path / "raw" / "shard-000002.vectors.npy").exists()
    np.testing.assert_array_equal(directory.load_shard(recorded)["vectors"], vectors)
    with pytest.raises(IndexFormatError, match="shard-000009"):
        directory.load_shard(directory.shard_name(9))


def test_a_truncated_group_table_is_an_index_format_error(tmp_path, encoder, wordnet):
    directory = IndexDirectory(mini_copy(tmp_path, encoder, wordnet))
    generation = directory.manifest().generations["tokens"]
    _, groups = directory.store_paths("tokens", generation)
    groups.write_bytes(groups.read_bytes()[:40])
    with pytest.raises(IndexFormatError, match="groups.npz"):
        directory.load_store("tokens", generation)
    with pytest.raises(IndexFormatError, match="groups.npz"):
        directory.load_stores()


def test_a_held_lock_is_its_own_error(tmp_path):
    with IndexDirectory(tmp_path / "idx").lock():
        with pytest.raises(IndexLockedError):
            with IndexDirectory(tmp_path / "idx").lock():
                pass


def _read_only_command() -> list[str]:
    """The start of a command line that runs without permission to write files the user
    may not write: root drops the capability that ignores file modes (setpriv)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a directory read-only")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


def _run_read_only(tmp_path, code: str, path) -> subprocess.CompletedProcess:
    mode = {p: p.stat().st_mode for p in [path, *path.rglob("*")]}
    for p in mode:
        p.chmod(mode[p] & ~0o222)
    try:
        return subprocess.run([*_read_only_command(), sys.executable, "-c", code, str(path)],
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "HF_HUB_OFFLINE": "1"})
    finally:
        for p, m in mode.items():
            p.chmod(m)


def test_a_read_only_index_at_rest_answers_queries_and_refuses_writes_in_one_line(
        tmp_path, encoder, wordnet):
    """A read-only index directory (another user's, a read-only mount) whose SQLite database
    is in WAL mode at rest could not be read at all: SQLite must create its -shm and -wal
    files to open it ('not writable', and before that an error that called the database
    damaged). It is read as it is now (read-only, immutable), creating nothing; what would
    write it (a new word's WordNet evidence) is still one line, not damage. A writable
    index stays in WAL mode, so its readers go on while a writer writes."""
    import sqlite3

    path = mini_copy(tmp_path, encoder, wordnet)
    assert (path / "sensedb.sqlite").read_bytes()[18:20] == b"\x02\x02"  # WAL mode
    before = sorted(p.name for p in path.iterdir())
    code = ("import sys\nfrom click.testing import CliRunner\nfrom sensedb.cli import cli\n"
            "for args in (['info'], ['wsd', 'He sat on the bank', 'bank', "
            "'--no-wordnet-vectors'], ['neighbors', 'He sat on the bank', 'bank', "
            "'--no-wordnet-vectors'], ['wsd', 'The crane lifted the steel beam', 'crane']):\n"
            "    done = CliRunner().invoke(cli, [*args, '--index', sys.argv[1]])\n"
            "    print(done.exit_code, done.output.strip().splitlines()[-1])\n")
    done = _run_read_only(tmp_path, code, path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith("0 token_store: "), lines
    assert lines[1].startswith("0 ") and "bank%1:17:01::" in lines[1], lines
    assert lines[2].startswith("0 ") and "bank%1:" in lines[2], lines
    assert lines[3].startswith(f"1 Error: {path}: the index's directory is not writable"), lines
    assert "damaged" not in lines[3]
    assert sorted(p.name for p in path.iterdir()) == before  # no -wal, -shm or lock made
    writable = open_index(path, encoder, wordnet)
    assert writable.wsd("He sat on the bank", "bank").best.key.startswith("bank%1:")
    assert not writable.directory.db.read_only
    with sqlite3.connect(path / "sensedb.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_index_its_owner_may_write_is_not_read_immutable(tmp_path, encoder, wordnet):
    """Another user's index that its owner may still write (write bits set, this user not
    the owner) is not opened read-only and immutable: SQLite would not see the owner's
    changes and could read torn pages. Only an index nobody can write is (a read-only file
    system, or no write bit anywhere: the test above)."""
    import tempfile

    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run as another user")
    base = Path(tempfile.mkdtemp(prefix="sensedb-owner-"))
    try:
        base.chmod(0o755)
        path = base / "idx"
        shutil.copytree(mini_copy(tmp_path, encoder, wordnet), path)
        for p in [path, *path.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        code = ("import sys\nfrom sensedb.indexer import IndexDirectory\n"
                "d = IndexDirectory(sys.argv[1])\n"
                "print(d.not_writable() is not None, d.read_only_at_rest())\n")

        def as_another_user() -> subprocess.CompletedProcess:
            return subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                                   sys.executable, "-c", code, str(path)],
                                  capture_output=True, text=True, timeout=300,
                                  env={**os.environ, "HF_HUB_OFFLINE": "1"})

        done = as_another_user()
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["True", "False"]
        for p in [path, *path.rglob("*")]:  # nobody may write it now
            p.chmod(p.stat().st_mode & ~0o222)
        done = as_another_user()
        assert done.stdout.split() == ["True", "True"], done.stderr
    finally:
        for p in [base, *base.rglob("*")]:
            p.chmod(0o755)
        shutil.rmtree(base)


def test_the_lock_of_a_read_only_index_is_a_one_line_error(tmp_path, encoder, wordnet):
    path = mini_copy(tmp_path, encoder, wordnet)
    code = ("import sys\nfrom sensedb.errors import IndexFormatError\n"
            "from sensedb.indexer import IndexDirectory\n"
            "try:\n    with IndexDirectory(sys.argv[1]).lock():\n        pass\n"
            "except IndexFormatError as exc:\n    print(type(exc).__name__, exc)\n")
    done = _run_read_only(tmp_path, code, path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("IndexFormatError ") and "not writable" in done.stdout


def test_the_refusal_names_sensedb_home_only_for_the_default_index(tmp_path, mini_index):
    """The refusal to write an index said to set SENSEDB_HOME elsewhere for an index given
    with --index too, which SENSEDB_HOME does not move: only a default index (a
    ``default-index*`` directory of SENSEDB_HOME) is told so. Both are at rest and nobody
    may write them, so they are read as they are: the line says queries that add nothing
    answer."""
    from sensedb.paths import default_index_dir

    code = ("import os, sys\nfrom pathlib import Path\n"
            "os.environ['SENSEDB_HOME'] = str(Path(sys.argv[1]).parent)\n"
            "from click.testing import CliRunner\nfrom sensedb.cli import cli\n"
            f"done = CliRunner().invoke(cli, ['index', {str(MINI_XML)!r}, '--gold', "
            f"{str(MINI_GOLD)!r}, '--index', sys.argv[1]])\n"
            "print(done.exit_code, done.output.strip().splitlines()[-1])\n")
    lines = {}
    for name in ("mine", default_index_dir().name):  # both in the same SENSEDB_HOME
        path = tmp_path / name
        shutil.copytree(mini_index, path)
        done = _run_read_only(tmp_path, code, path)
        assert done.returncode == 0, done.stderr
        lines[name] = done.stdout.strip()
    start = ("1 Error: {}: the index's directory is not writable (sensedb writes to an index "
             "as it answers: SQLite's write-ahead log, a new word's WordNet evidence, an index "
             "job); give this user write permission, or copy the index to a writable place")
    reads = "; queries with --no-wordnet-vectors read it as it is"
    assert lines["mine"] == start.format(tmp_path / "mine") + reads
    default = tmp_path / default_index_dir().name
    assert lines[default.name] == start.format(default) + ", or set SENSEDB_HOME elsewhere" + reads


def _run_on_read_only_mounts(code: str, *paths) -> subprocess.CompletedProcess:
    """``code`` run with ``paths`` (its sys.argv[1:]) bind-mounted read-only in a mount
    namespace of its own (as the tester did: ``unshare --mount``); skips where this process
    may not make one (not root, no CAP_SYS_ADMIN)."""
    unshare = shutil.which("unshare")
    mount = " && ".join(f"mount --bind '{p}' '{p}' && mount -o remount,bind,ro '{p}' '{p}'"
                        for p in paths)
    if unshare is None or subprocess.run([unshare, "--mount", "sh", "-c", mount],
                                         capture_output=True).returncode != 0:
        pytest.skip("cannot make a read-only bind mount here (needs root: unshare --mount)")
    return subprocess.run([unshare, "--mount", "sh", "-c", f'{mount} && exec "$0" -c "$@"',
                           sys.executable, code, *map(str, paths)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})


def test_writing_to_an_index_on_a_read_only_mount_is_one_line_naming_it(tmp_path, mini_index):
    """A query that adds a new word's WordNet evidence, and an index job, on a read-only
    file system failed with the raw 'Error: DIR/.lock: Read-only file system' (the tester's
    index had SQLite's -wal and -shm files, so that a query adding nothing could read it);
    an index at rest (without them) SQLite could not open there at all and now reads as it
    is (``IndexDirectory.read_only_at_rest``)."""
    import sqlite3

    at_rest, opened = tmp_path / "at-rest", tmp_path / "opened"
    shutil.copytree(mini_index, at_rest)
    reader = sqlite3.connect(at_rest / "sensedb.sqlite")  # a reader makes -wal and -shm
    try:
        reader.execute("SELECT count(*) FROM manifest").fetchone()
        shutil.copytree(at_rest, opened)  # copied while open: they stay
    finally:
        reader.close()  # the last connection removes them from at_rest
    assert (opened / "sensedb.sqlite-shm").exists()
    assert not (at_rest / "sensedb.sqlite-shm").exists()
    code = ("import sys\nfrom click.testing import CliRunner\nfrom sensedb.cli import cli\n"
            "for index in sys.argv[1:]:\n"
            "    for args in (['wsd', 'The crane lifted the steel beam', 'crane'],\n"
            f"                 ['index', {str(MINI_XML)!r}, '--gold', {str(MINI_GOLD)!r}],\n"
            "                 ['wsd', 'He sat on the bank', 'bank', '--no-wordnet-vectors']):\n"
            "        done = CliRunner().invoke(cli, [*args, '--index', index])\n"
            "        print(done.exit_code, done.output.strip().splitlines()[-1])\n")
    done = _run_on_read_only_mounts(code, at_rest, opened)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()

    def refusal(path):
        return (f"1 Error: {path}: the index's directory is on a read-only file system "
                "(sensedb writes to an index as it answers: SQLite's write-ahead log, a new "
                "word's WordNet evidence, an index job); copy the index to a writable place; "
                "queries with --no-wordnet-vectors read it as it is")

    # an index at rest answers what writes nothing (read as it is: no -wal or -shm made)
    assert lines[:2] == [refusal(at_rest)] * 2, lines
    assert lines[2].startswith("0 ") and "bank%1:17:01::" in lines[2], lines
    assert lines[3:5] == [refusal(opened)] * 2, lines
    assert lines[5].startswith("0 ") and "bank%1:17:01::" in lines[5], lines


def test_a_directory_that_cannot_be_made_is_an_index_format_error(tmp_path, encoder, wordnet):
    """build_index into a path under a file raised NotADirectoryError (a traceback from the
    CLI); the default index under a SENSEDB_HOME that is a file did the same."""
    afile = tmp_path / "notes.txt"
    afile.write_text("not a folder\n", encoding="utf-8")
    with pytest.raises(IndexFormatError, match="notes.txt/index: cannot create the index "
                                                "directory: .*notes.txt is not a folder"):
        build_index(MINI_XML, afile / "index", gold=MINI_GOLD, encoder=encoder,
                    wordnet=wordnet, progress=False)


def test_an_index_with_its_metadata_in_another_sqlite_file(tmp_path, encoder, wordnet):
    """``--db sqlite:///OTHER``: IndexDirectory.exists() looked for DIR/sensedb.sqlite for
    every SQLite URL, so the job that created the index said "no sensedb index here". And
    a job into the same directory without --db created a second index there, whose shards
    overwrote and removed the first one's: every document lost."""
    from sensedb.indexer.verify import verify

    url = f"sqlite:///{tmp_path / 'meta.sqlite'}"
    path = tmp_path / "idx"
    build_index(MINI_XML, path, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                progress=False, db_url=url)
    assert IndexDirectory(path, url).exists() and not (path / "sensedb.sqlite").exists()
    index = open_index(path, encoder, wordnet, db_url=url)
    assert index.info()["documents"] == 2 and index.neighbors("He sat on the bank", "bank")
    index.directory.close()
    shards = sorted(p.name for p in (path / "raw").iterdir())
    with pytest.raises(IndexFormatError, match=r"holds the files of an index .*\(give the "
                                               r"same --db\)"):
        build_index(MINI_XML, path, gold=MINI_GOLD, corpus_name="again", encoder=encoder,
                    wordnet=wordnet, progress=False)
    assert sorted(p.name for p in (path / "raw").iterdir()) == shards
    with pytest.raises(IndexFormatError, match=r"metadata is not in .*\(give the same --db\)$"):
        open_index(path, encoder, wordnet)  # it said "no sensedb index here (build one ...)"
    with pytest.raises(IndexFormatError, match=r"\(give the same --db\)$"):
        IndexDirectory(path).manifest()  # what delete, compact and repair read first
    assert not (path / "sensedb.sqlite").exists()
    assert verify(path, deep=True, db_url=url, reencode=False).problems == []
    assert not IndexDirectory(tmp_path / "none", f"sqlite:///{tmp_path / 'x.sqlite'}").exists()
    assert not (tmp_path / "x.sqlite").exists()  # looked for, not created


def test_another_directorys_database_is_refused_before_any_work(tmp_path, encoder, wordnet,
                                                                db_url):
    """``index B --index Y --db X's database`` encoded B, then failed on "raw vector shard
    Y/raw/shard-000001: cannot read it", and left X's index with an unfinished job that
    `verify` reported and no rerun cleared (a breaker's; on SQLite and PostgreSQL): now
    refused before the model loads, nothing created, X's index as it was."""
    from sensedb.indexer.verify import verify

    url = db_url or f"sqlite:///{tmp_path / 'x' / 'sensedb.sqlite'}"
    build_index(MINI_XML, tmp_path / "x", gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                progress=False, db_url=db_url)
    before = open_index(tmp_path / "x", encoder, wordnet, db_url=db_url).info()

    def refused(directory: str, pattern: str) -> None:
        """A job into ``directory`` with X's database: refused before the model loads."""
        with pytest.raises(IndexFormatError, match=pattern):
            build_index(MINI_XML, tmp_path / directory, gold=MINI_GOLD, corpus_name="b",
                        encoder="no-such-model", wordnet=wordnet, progress=False, db_url=url)

    refused("y", r"holds an index of 1 raw vector shard \(raw/shard-000001\), none of them in "
                 r".*y: it is another index directory's \(give that directory as --index, or a "
                 r"new database\)")
    assert not (tmp_path / "y").exists()
    # its second breaker: Y an index of its own, its shards numbered as X's (raw/shard-000001)
    build_index(MINI_XML, tmp_path / "z", gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                progress=False)
    refused("z", r"z is an index whose metadata is .*z/sensedb[.]sqlite, not this database")
    notes = tmp_path / "w.jsonl"  # an index whose database is elsewhere too
    notes.write_text('{"doc": "a", "text": "He sat on the bank", '
                     '"senses": [{"at": 4, "key": "bank%1:17:01::"}]}\n', encoding="utf-8")
    build_index(notes, tmp_path / "w", encoder=encoder, wordnet=wordnet, progress=False,
                db_url=f"sqlite:///{tmp_path / 'w.sqlite'}")
    refused("w", r"w/raw/shard-000001.* is not the file it recorded: it is another index "
                 r"directory's")
    assert verify(tmp_path / "x", db_url=db_url, reencode=False).problems == []
    assert open_index(tmp_path / "x", encoder, wordnet, db_url=db_url).info() == before
    # the index's own database spelled another way is its own
    build_index(MINI_XML, tmp_path / "z", gold=MINI_GOLD, corpus_name="again", encoder=encoder,
                wordnet=wordnet, progress=False,
                db_url=f"sqlite:///{tmp_path / 'z' / '..' / 'z' / 'sensedb.sqlite'}")


@pytest.mark.parametrize("content", ["garbage\n", "sqlite"])
def test_a_file_named_like_the_database_is_never_indexed_over(tmp_path, encoder, wordnet,
                                                              content):
    """`index` into a directory whose sensedb.sqlite is not SQLite, or another program's
    SQLite database, replaced the file without a word; now refused in one line, the file
    as it was."""
    target = tmp_path / "idx"
    target.mkdir()
    database = target / "sensedb.sqlite"
    if content == "sqlite":
        import sqlite3

        with sqlite3.connect(database) as connection:
            connection.execute("create table notes (x)")
        connection.close()
        expected = "a SQLite database that holds no sensedb index"
    else:
        database.write_text(content)
        expected = "the database is damaged (not a SQLite file"
    before = database.read_bytes()
    with pytest.raises(IndexFormatError, match=r"no index is made over it") as info:
        build_index(MINI_XML, target, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet)
    assert expected in str(info.value) and "\n" not in str(info.value)
    assert database.read_bytes() == before  # not even its journal mode set (a tester: WAL)


def test_an_empty_database_file_is_no_index_and_is_indexed_into(tmp_path, encoder, wordnet):
    """A 0-byte sensedb.sqlite (a `touch`, an interrupted copy) was opened through the
    index's engine, which made it a 16 KB database with no index: every job was refused."""
    target = tmp_path / "idx"
    target.mkdir()
    (target / "sensedb.sqlite").write_bytes(b"")
    assert not IndexDirectory(target).exists()
    assert (target / "sensedb.sqlite").stat().st_size == 0
    build_index(MINI_XML, target, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet)
    assert IndexDirectory(target).exists()


def test_reading_the_manifest_keeps_the_sqlite_lock_another_process_needs(tmp_path, encoder,
                                                                         wordnet):
    """A process that has the index open and reads its manifest (the service does before
    every batch) keeps SQLite's shared lock on the database: a header read by open() and
    close() dropped it (POSIX drops all of a process's locks on a file at any close), so
    another process's `sensedb wsd`, closing its connection as the apparent last user,
    deleted the write-ahead log the first was writing; its later writes were lost and it
    answered "database disk image is malformed" until restarted (a fresh tester's)."""
    from sqlalchemy import text

    path = mini_copy(tmp_path, encoder, wordnet)
    directory = IndexDirectory(path)
    database = directory.database_file
    wal = Path(f"{database}-wal")
    with directory.db.engine.connect() as connection:  # held open, as a serving process's
        connection.execute(text("SELECT count(*) FROM manifest")).fetchall()
        assert wal.exists()
        directory.manifest()  # reads the database file's header
        assert directory.database_damage() is None  # so does this
        other = subprocess.run(
            [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
             "c.execute('SELECT count(*) FROM manifest').fetchall(); c.close()",
             str(database)], capture_output=True, text=True, timeout=120)
        assert other.returncode == 0, other.stderr
        assert wal.exists()  # another process's close saw this one's lock: the log stays
        inode = os.stat(wal).st_ino
        connection.execute(text("SELECT count(*) FROM manifest")).fetchall()
        assert os.stat(wal).st_ino == inode
    # the descriptor kept for the header is closed with the file's last connection (a
    # tester: one per database ever opened stayed, deleted files' space held)
    def held() -> bool:
        return any(os.path.realpath(f"/proc/self/fd/{fd}") == str(database.resolve())
                   for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{fd}"))

    assert held()
    directory.close()
    assert not held()


def test_another_thread_waits_for_the_writer_lock_and_another_process_does_not(tmp_path):
    """Threads of one process wait for each other's writer lock (they took each other for
    another process's writer: four threads asking `wsd` of new words answered without the
    words' WordNet vectors); a second process is still refused at once."""
    import threading
    import time

    directory = IndexDirectory(tmp_path / "idx")
    order = []
    with directory.lock():
        def writer() -> None:
            with IndexDirectory(tmp_path / "idx").lock():
                order.append("second")

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(0.3)
        assert order == []  # waiting, not refused
        other = subprocess.run(
            [sys.executable, "-c", "import sys; from sensedb.indexer import IndexDirectory\n"
             "with IndexDirectory(sys.argv[1]).lock(): pass", str(tmp_path / "idx")],
            capture_output=True, text=True, timeout=120, env=os.environ | {
                "PYTHONPATH": os.pathsep.join(sys.path)})
        assert "another process is writing this index" in other.stderr
        order.append("first")
    thread.join(timeout=30)
    assert order == ["first", "second"]


def test_threads_asking_new_words_answer_as_one_thread_does(tmp_path, encoder, wordnet):
    """Four threads asking `wsd` of words the index has not built answer as one thread does
    on a fresh copy (they answered without the words' WordNet vectors: "lute" the sealing
    cement, not the instrument)."""
    import warnings
    from concurrent.futures import ThreadPoolExecutor

    path = mini_copy(tmp_path, encoder, wordnet)
    shutil.copytree(path, tmp_path / "copy")
    queries = [("The lute was out of tune", "lute"), ("The anvil rang", "anvil"),
               ("He ate a parsnip", "parsnip"), ("The kiln was hot", "kiln"),
               ("The sleet fell", "sleet"), ("She knitted a scarf", "scarf")]
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "answering without ..." would fail the thread
        with ThreadPoolExecutor(4) as pool:
            threaded = list(pool.map(lambda q: index.wsd(*q).to_dict(), queries * 2))
    alone = open_index(tmp_path / "copy", encoder, wordnet, wordnet_evidence=True)
    for query, answer in zip(queries * 2, threaded, strict=True):
        expected = alone.wsd(*query).to_dict()
        assert answer["senses"][0]["key"] == expected["senses"][0]["key"], query
        assert answer["confidence"] == pytest.approx(expected["confidence"], abs=1e-4), query
