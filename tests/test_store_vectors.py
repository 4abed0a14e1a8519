"""The FAISS store: restricted search, persistence, atomic saves, checks, normalization."""

from __future__ import annotations

import numpy as np
import pytest

from sensedb import IndexFormatError
from sensedb import store as store_module
from sensedb.store import GroupLayout, Normalizer, RunningStats, VectorStore


def make(n=500, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    vectors = Normalizer(None, False)(rng.normal(size=(n, dim)))
    ids = rng.permutation(10 * n)[:n].astype(np.int64) + 1
    groups = [f"lemma{i % 9}\tNOUN" for i in range(n)]
    return ids, vectors, groups


def test_restricted_search_matches_brute_force():
    ids, vectors, groups = make()
    store = VectorStore.build(16, ids, vectors, groups)
    query = vectors[:4] + 0.01
    wanted = {"lemma2\tNOUN", "lemma7\tNOUN", "missing\tNOUN"}
    scores, found = store.search(query, 5, wanted)
    mask = np.array([g in wanted for g in groups])
    for row in range(4):
        brute = vectors[mask] @ query[row]
        best = np.argsort(-brute)[:5]
        assert found[row].tolist() == ids[mask][best].tolist()
        np.testing.assert_allclose(scores[row], brute[best], atol=1e-5)
    scores, found = store.search(query, 3)
    assert found[:, 0].tolist() == ids[:4].tolist()


def test_short_answers_are_padded():
    ids, vectors, groups = make(n=20)
    store = VectorStore.build(16, ids, vectors, groups)
    scores, found = store.search(vectors[:1], 10, ["lemma1\tNOUN"])
    assert (found[0] >= 0).sum() == store.group_size("lemma1\tNOUN") == 3
    assert (found[0, 3:] == -1).all() and np.isneginf(scores[0, 3:]).all()


def test_save_load_round_trip(tmp_path):
    ids, vectors, groups = make()
    store = VectorStore.build(16, ids, vectors, groups)
    store.save(tmp_path, "tokens", 1)
    loaded = VectorStore.load(tmp_path, "tokens", 1)
    assert loaded.groups() == store.groups()
    np.testing.assert_array_equal(np.sort(loaded.ids()), np.sort(ids))
    np.testing.assert_allclose(loaded.vectors(ids[:7]), vectors[:7], atol=1e-6)
    with pytest.raises(KeyError, match="not in the vector store"):
        loaded.vectors([10**9])


def test_interrupted_save_keeps_previous_generation(tmp_path, monkeypatch):
    ids, vectors, groups = make()
    VectorStore.build(16, ids, vectors, groups).save(tmp_path, "tokens", 1)

    def crash(index, path):
        with open(path, "wb") as handle:
            handle.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(store_module.faiss, "write_index", crash)
    bigger = VectorStore.build(16, np.arange(10**5, 10**5 + 50), vectors[:50], groups[:50])
    with pytest.raises(OSError, match="disk full"):
        bigger.save(tmp_path, "tokens", 2)
    assert not list(tmp_path.glob("*.tmp-*"))
    assert not (tmp_path / "tokens.000002.faiss").exists()
    assert VectorStore.load(tmp_path, "tokens", 1).ntotal == len(ids)


def test_mismatched_files_are_detected(tmp_path):
    ids, vectors, groups = make()
    VectorStore.build(16, ids, vectors, groups).save(tmp_path, "a", 1)
    VectorStore.build(16, ids[:10], vectors[:10], groups[:10]).save(tmp_path, "a", 2)
    (tmp_path / "a.000002.groups.npz").replace(tmp_path / "a.000001.groups.npz")
    with pytest.raises(IndexFormatError, match="do not belong together"):
        VectorStore.load(tmp_path, "a", 1)


def test_check_ids_reports_both_sides():
    ids, vectors, groups = make(n=30)
    store = VectorStore.build(16, ids, vectors, groups)
    store.check_ids(ids.tolist(), "token index")
    with pytest.raises(IndexFormatError, match="1 rows without a vector.*1 vectors without"):
        store.check_ids([*ids[1:].tolist(), 10**9], "token index")


def test_standardization_zeroes_dead_dimensions():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(200, 8)) * 3 + 5
    data[:, 2] = 7.0  # no variance at all
    stats = RunningStats.empty(8)
    stats.update(data[:100])
    other = RunningStats.empty(8)
    other.update(data[100:])
    merged = stats.merged(other)
    np.testing.assert_allclose(merged.mean, data.mean(0), atol=1e-9)
    np.testing.assert_allclose(merged.std, data.std(0), atol=1e-6)
    normalize = Normalizer(RunningStats.from_json(merged.to_json()), standardize=True)
    out = normalize(data)
    assert np.isfinite(out).all()
    assert normalize.dead_dimensions == [2]
    np.testing.assert_allclose(out[:, 2], 0.0)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    # standardized vectors are centred: random pairs are near-orthogonal on average
    assert abs(float((out[:100] * out[100:]).sum(1).mean())) < 0.1


def test_group_layout_sorts_by_group_then_id():
    ids, _, groups = make(n=200)
    layout = GroupLayout.of(ids, groups)
    expected = sorted(zip(groups, ids.tolist(), strict=True))
    assert list(zip((groups[i] for i in layout.order), layout.ids.tolist(), strict=True)) \
        == expected
    assert layout.keys == sorted(set(groups))
    assert [groups[layout.order[s]] for s in layout.starts] == layout.keys


def test_build_filled_writes_into_faiss_storage(tmp_path):
    ids, vectors, groups = make(n=50)
    layout = GroupLayout.of(ids, groups)

    def fill(view):
        assert view.shape == (50, 16) and view.dtype == np.float32
        view[...] = vectors[layout.order]

    store = VectorStore.build_filled(16, layout, fill)
    np.testing.assert_allclose(store.vectors(ids), vectors, atol=1e-7)
    scores, found = store.search(vectors[3:4], 1, [groups[3]])
    assert found[0, 0] == ids[3] and scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    store.save(tmp_path, "tokens", 1)
    np.testing.assert_allclose(VectorStore.load(tmp_path, "tokens", 1).vectors(ids), vectors,
                               atol=1e-7)
    with pytest.raises(IndexFormatError, match="duplicate ids"):
        VectorStore.build_filled(16, GroupLayout.of(np.array([4, 4]), ["a", "a"]), fill)


def test_running_stats_match_a_float64_reference():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(10_000, 8)).astype(np.float32)
    stats = RunningStats.empty(8)
    stats.update(x[:3000])
    stats.update(x[3000:])
    reference = x.astype(np.float64)
    assert stats.n == 10_000
    np.testing.assert_allclose(stats.mean, reference.mean(0), rtol=1e-5)
    np.testing.assert_allclose(stats.std, reference.std(0), rtol=1e-4)


def test_shard_arrays_round_trip_and_name_a_missing_file(tmp_path):
    ids = np.arange(5, dtype=np.int64)
    vectors = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    store_module.save_array(tmp_path / "shard-000001", ids=ids, vectors=vectors)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shard-000001.ids.npy",
                                                          "shard-000001.vectors.npy"]
    loaded = store_module.load_array(tmp_path / "shard-000001", ("ids", "vectors"))
    np.testing.assert_array_equal(loaded["ids"], ids)
    np.testing.assert_array_equal(loaded["vectors"], vectors)
    assert not loaded["vectors"].flags.writeable  # mapped read-only, not copied
    np.savez(tmp_path / "old.npz", ids=ids, vectors=vectors)  # an older index's shard
    np.testing.assert_array_equal(
        store_module.load_array(tmp_path / "old.npz", ("ids", "vectors"))["vectors"], vectors)
    (tmp_path / "shard-000001.vectors.npy").unlink()
    with pytest.raises(IndexFormatError, match="shard-000001"):
        store_module.load_array(tmp_path / "shard-000001", ("ids", "vectors"))
