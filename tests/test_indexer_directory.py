"""The index directory (sensedb.indexer.directory): paths, settings, lock, damaged files."""

from __future__ import annotations

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
