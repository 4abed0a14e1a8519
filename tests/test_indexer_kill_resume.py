"""`sensedb index` killed (SIGKILL) inside a chunk's commit and as a file is renamed into
place, then rerun: the index equals an uninterrupted run (scripts/kill_resume.py, which runs
the same check with 20 and more kills)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "kill_resume.py"


def _script():
    spec = importlib.util.spec_from_file_location("kill_resume", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_killed_and_rerun_jobs_equal_an_uninterrupted_one(tmp_path, capsys):
    # one kill per trial, each in a run over a fresh index (so it always happens): five runs
    status = _script().main(["--copies", "1", "--kills", "2", "--kills-per-trial", "1",
                             "--seed", "5", "--points", "commit,rename", "--work",
                             str(tmp_path), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["failures"] == [] and status == 0
    assert summary["total_kills"] == summary["trials"] == 2 and summary["tokens"] == 19
    assert summary["runs"] == 4  # two killed, two clean (and the uninterrupted reference)


def test_killed_pipelined_jobs_equal_an_uninterrupted_one(tmp_path, capsys):
    # the reader and writer threads running: a kill as a chunk is encoded while the previous
    # one commits, and inside a commit
    status = _script().main(["--copies", "1", "--kills", "2", "--kills-per-trial", "1",
                             "--seed", "7", "--points", "encode,commit", "--pipeline",
                             "--work", str(tmp_path), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["failures"] == [] and status == 0
    assert summary["total_kills"] == 2 and summary["tokens"] == 19


def test_a_killed_chunk_leaves_no_file_the_index_does_not_use(tmp_path, encoder, wordnet):
    from conftest import MINI_GOLD, MINI_XML

    from sensedb import build_index
    from sensedb.indexer import IndexDirectory

    path = tmp_path / "index"
    build_index(MINI_XML, path, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                progress=False)
    raw = path / "raw"
    # what a chunk killed between its shard's write and its commit leaves behind
    (raw / "shard-000003.ids.npy").write_bytes(b"x")
    (raw / "shard-000003.vectors.npy.tmp-123").write_bytes(b"x")
    before = sorted(p.name for p in raw.iterdir())
    build_index(MINI_XML, path, gold=MINI_GOLD, corpus_name="again", encoder=encoder,
                wordnet=wordnet, progress=False, allow_duplicates=True)
    directory = IndexDirectory(path)
    with directory.db.session() as session:
        from sqlalchemy import select

        from sensedb.schema import ShardRow

        recorded = session.execute(select(ShardRow.path)).scalars().all()
    directory.close()
    after = sorted(p.name for p in raw.iterdir())
    assert "shard-000003.vectors.npy.tmp-123" in before
    assert after == sorted(f.name for r in recorded for f in directory.shard_files(r))
