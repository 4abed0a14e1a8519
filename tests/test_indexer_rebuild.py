"""Rebuilding the FAISS stores (sensedb.indexer.rebuild): generations, older shard formats."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from indexer_helpers import mini_copy, open_index, snapshot

from sensedb.indexer import IndexDirectory, finalize
from sensedb.schema import Database


def test_crash_during_finalize_keeps_previous_generation(tmp_path, encoder, wordnet,
                                                         monkeypatch):
    path = tmp_path / "idx"
    shutil.copytree(build_dir := mini_copy(tmp_path, encoder, wordnet), path)
    before = open_index(path, encoder, wordnet)
    generation = before.directory.manifest().generations
    real = Database.set_manifest

    def fail_on_generation(session, values):
        if "generations" in values:
            raise OSError("power cut")
        return real(session, values)

    monkeypatch.setattr(Database, "set_manifest", staticmethod(fail_on_generation))
    with pytest.raises(OSError, match="power cut"):
        finalize(IndexDirectory(path))
    monkeypatch.undo()
    after = open_index(path, encoder, wordnet)
    assert after.directory.manifest().generations == generation
    assert after.wsd("He sat on the bank of the river", "bank").best.key == "bank%1:17:01::"
    after.check()
    assert build_dir.exists()


def test_shards_of_the_older_npz_format_are_still_read(tmp_path, encoder, wordnet):
    """Shards used to be .npz files: an index that has them folds and rebuilds as before."""
    from sqlalchemy import select, update

    from sensedb.schema import SenseRow, ShardRow

    path = mini_copy(tmp_path, encoder, wordnet)
    before = snapshot(open_index(path, encoder, wordnet))
    directory = IndexDirectory(path)
    with directory.db.session() as session:
        for shard_id, shard_path in session.execute(select(ShardRow.id, ShardRow.path)).all():
            ids = np.load(path / f"{shard_path}.ids.npy")
            vectors = np.load(path / f"{shard_path}.vectors.npy")
            np.savez(path / f"{shard_path}.npz", ids=ids, vectors=vectors)
            for member in ("ids", "vectors"):
                (path / f"{shard_path}.{member}.npy").unlink()
            session.execute(update(ShardRow).where(ShardRow.id == shard_id)
                            .values(path=f"{shard_path}.npz"))
        # and the sums are folded from those shards again
        session.execute(update(SenseRow).values(count=0, vec_sum=b""))
        Database.set_manifest(session, {"folded_shards": 0})
    finalize(directory)
    after = snapshot(open_index(path, encoder, wordnet))
    for store in ("senses", "tokens"):
        assert before[store].keys() == after[store].keys()
        for key in before[store]:
            np.testing.assert_allclose(before[store][key], after[store][key], atol=1e-6)


def test_a_new_generation_replaces_the_old_files(tmp_path, encoder, wordnet):
    """finalize writes the next generation through the directory's paths and removes the
    previous one's files and any temporary file a crashed save left."""
    directory = IndexDirectory(mini_copy(tmp_path, encoder, wordnet))
    old = directory.manifest().generations["tokens"]
    stale = directory.path / f"tokens.{old + 5:06d}.faiss.tmp-999"
    stale.write_bytes(b"half a file")
    finalize(directory, ("tokens",), compact=True)  # a flat store with nothing new: rebuilt
    new = directory.manifest().generations["tokens"]
    assert new > old and directory.generations("tokens") == [new]
    assert all(p.exists() for p in directory.store_paths("tokens", new))
    assert not any(p.exists() for p in directory.store_paths("tokens", old))
    assert not stale.exists()
    assert directory.load_store("tokens", new).ntotal == 19
