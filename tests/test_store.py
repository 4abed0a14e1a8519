"""The FAISS store: restricted search, persistence, atomic saves, checks, normalization."""

from __future__ import annotations

import numpy as np
import pytest

from sensedb import IndexFormatError
from sensedb import store as store_module
from sensedb.store import Normalizer, RunningStats, VectorStore


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
