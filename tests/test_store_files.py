"""Store files (sensedb.store.files): atomic saves, raw vector shards, damaged files."""

from __future__ import annotations

import numpy as np
import pytest
from store_helpers import make, paths

from sensedb import IndexFormatError
from sensedb.store import VectorStore, load_array, save_array
from sensedb.store import files as store_files


def test_interrupted_save_keeps_previous_generation(tmp_path, monkeypatch):
    ids, vectors, groups = make()
    VectorStore.build(16, ids, vectors, groups).save(*paths(tmp_path, "tokens", 1))

    def crash(index, path):
        with open(path, "wb") as handle:
            handle.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(store_files.faiss, "write_index", crash)
    bigger = VectorStore.build(16, np.arange(10**5, 10**5 + 50), vectors[:50], groups[:50])
    with pytest.raises(OSError, match="disk full"):
        bigger.save(*paths(tmp_path, "tokens", 2))
    assert not list(tmp_path.glob("*.tmp-*"))
    assert not (tmp_path / "tokens.000002.faiss").exists()
    assert VectorStore.load(*paths(tmp_path, "tokens", 1)).ntotal == len(ids)


def test_shard_arrays_round_trip_and_name_a_missing_file(tmp_path):
    ids = np.arange(5, dtype=np.int64)
    vectors = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    save_array(tmp_path / "shard-000001", ids=ids, vectors=vectors)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shard-000001.ids.npy",
                                                          "shard-000001.vectors.npy"]
    loaded = load_array(tmp_path / "shard-000001", ("ids", "vectors"))
    np.testing.assert_array_equal(loaded["ids"], ids)
    np.testing.assert_array_equal(loaded["vectors"], vectors)
    assert not loaded["vectors"].flags.writeable  # mapped read-only, not copied
    np.savez(tmp_path / "old.npz", ids=ids, vectors=vectors)  # an older index's shard
    np.testing.assert_array_equal(
        load_array(tmp_path / "old.npz", ("ids", "vectors"))["vectors"], vectors)
    (tmp_path / "shard-000001.vectors.npy").unlink()
    with pytest.raises(IndexFormatError, match="shard-000001"):
        load_array(tmp_path / "shard-000001", ("ids", "vectors"))


def test_damaged_store_files_name_the_file(tmp_path):
    ids, vectors, groups = make(n=40)
    index_path, groups_path = paths(tmp_path, "tokens", 1)
    VectorStore.build(16, ids, vectors, groups).save(index_path, groups_path)
    data = groups_path.read_bytes()
    groups_path.write_bytes(data[:len(data) // 2])  # a truncated .npz: no BadZipFile escapes
    with pytest.raises(IndexFormatError, match="tokens.000001.groups.npz"):
        VectorStore.load(index_path, groups_path)
    groups_path.write_bytes(b"")
    with pytest.raises(IndexFormatError, match="tokens.000001.groups.npz"):
        VectorStore.load(index_path, groups_path)
    index_path.write_bytes(index_path.read_bytes()[:100])
    with pytest.raises(IndexFormatError, match="tokens.000001.faiss"):
        VectorStore.load(index_path, groups_path)
    index_path.unlink()
    with pytest.raises(IndexFormatError, match="tokens.000001.faiss: vector index file is missing"):
        VectorStore.load(index_path, groups_path)
    np.savez(tmp_path / "truncated.npz", ids=ids, vectors=vectors)
    (tmp_path / "truncated.npz").write_bytes((tmp_path / "truncated.npz").read_bytes()[:300])
    with pytest.raises(IndexFormatError, match="truncated.npz"):
        load_array(tmp_path / "truncated.npz", ("ids", "vectors"))


@pytest.mark.parametrize(("damage", "reason"), [
    (lambda data: data[:len(data) // 2], "truncated"), (lambda data: b"", "truncated"),
    (lambda data: b"hello world" * 3, "not a FAISS index"),
])
def test_a_damaged_faiss_file_is_one_clean_line(tmp_path, damage, reason):
    ids, vectors, groups = make(n=40)
    index_path, groups_path = paths(tmp_path, "tokens", 1)
    VectorStore.build(16, ids, vectors, groups).save(index_path, groups_path)
    index_path.write_bytes(damage(index_path.read_bytes()))
    with pytest.raises(IndexFormatError) as caught:
        VectorStore.load(index_path, groups_path)
    message = str(caught.value)
    assert message == (f"{index_path}: the vector index file is damaged ({reason}): run "
                       "`sensedb verify --index DIR` to see what is damaged, then `sensedb "
                       "repair --index DIR` to rebuild it from the shards and the database")
    assert "faiss::" not in message and ".cpp" not in message and "\n" not in message


def test_shards_are_float16_when_the_values_are(tmp_path):
    from sensedb.store import shard_precision, shard_vectors

    rng = np.random.default_rng(0)
    x = rng.normal(scale=3.0, size=(50, 8)).astype(np.float32)
    rounded = shard_precision(x)
    assert rounded.dtype == np.float32 and not np.array_equal(rounded, x)
    np.testing.assert_allclose(rounded, x, rtol=1e-3)  # float16: 11 significant bits
    assert shard_vectors(rounded).dtype == np.float16
    assert shard_vectors(x).dtype == np.float32  # not float16 values: kept whole
    save_array(tmp_path / "s", ids=np.arange(50), vectors=shard_vectors(rounded))
    read = load_array(tmp_path / "s", ("ids", "vectors"))["vectors"]
    assert read.dtype == np.float16 and np.array_equal(read.astype(np.float32), rounded)
    # beyond float16's range: left unrounded, stored as float32
    big = x.copy()
    big[0, 0] = 1e6
    assert np.array_equal(shard_precision(big), big)
    assert shard_vectors(shard_precision(big)).dtype == np.float32


def test_one_rounding_gives_what_the_two_steps_give():
    """``shard_rounded`` (the job's one conversion) against ``shard_precision`` then
    ``shard_vectors`` (the two it replaces): the same bytes and dtypes, for ordinary values,
    float16 subnormals, signed zeros, halfway cases, values beyond float16's range and NaN."""
    from sensedb.store import shard_precision, shard_rounded, shard_vectors

    rng = np.random.default_rng(1)
    ordinary = rng.normal(scale=0.5, size=(200, 16)).astype(np.float32)
    edges = ordinary.copy()
    edges[0, :6] = [-0.0, 0.0, 3e-8, -6.1e-5, 1.0 + 2.0**-11, 65504.0]  # subnormal, halfway
    beyond = ordinary.copy()
    beyond[3, 3] = -1e6
    with_nan = ordinary.copy()
    with_nan[5, 1] = np.nan
    for x in (ordinary, edges, beyond, with_nan, ordinary[:0]):
        values = shard_precision(x)
        stored, used = shard_rounded(x)
        expected = shard_vectors(values)
        assert stored.dtype == expected.dtype and used.dtype == np.float32
        assert stored.tobytes() == expected.tobytes() and used.tobytes() == values.tobytes()
        # overwriting the caller's copy: the same bytes, checked across check blocks
        own = x.copy()
        stored, used = shard_rounded(own, overwrite=True)
        assert stored.tobytes() == expected.tobytes() and used.tobytes() == values.tobytes()
    tall = np.repeat(ordinary, 60, axis=0)  # 12,000 rows: two check blocks
    tall[-1, 0] = np.nan  # only in the second block
    stored, used = shard_rounded(tall.copy(), overwrite=True)
    assert stored.dtype == np.float32 and np.isnan(used[-1, 0])
    assert used.tobytes() == shard_precision(tall).tobytes()
