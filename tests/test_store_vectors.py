"""Vector stores (sensedb.store.vectors): restricted search, persistence, checks, layout."""

from __future__ import annotations

import numpy as np
import pytest
from store_helpers import make, paths

from sensedb import IndexFormatError
from sensedb.store import GroupLayout, VectorStore


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


@pytest.mark.parametrize("k", [1, 2, 3, 5, 6, 9])
def test_rows_tied_at_the_cut_are_kept_in_id_order(k):
    """Equal vectors (a WordNet example two senses share) tie exactly: FAISS kept any of the
    tied rows at the k-th place (an answer's evidence showed the higher id where a search
    of all the group's rows showed the lower)."""
    rng = np.random.default_rng(3)
    same = rng.standard_normal(8).astype(np.float32)
    vectors = rng.standard_normal((12, 8)).astype(np.float32) * 0.1
    vectors[[1, 4, 5, 7, 10, 11]] = same  # six rows tied, the best for the query below
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.array([90, 17, 33, 41, 66, 12, 58, 25, 70, 81, 49, 3], dtype=np.int64)
    groups = ["a\tNOUN"] * 6 + ["b\tNOUN"] * 6
    store = VectorStore.build(8, ids, vectors, groups)
    tied = sorted(ids[[1, 4, 5, 7, 10, 11]].tolist())  # [3, 12, 17, 25, 49, 66]
    for wanted in (None, ["a\tNOUN", "b\tNOUN"]):
        scores, found = store.search(vectors[1], k, wanted)
        assert found[0].tolist()[:min(k, 6)] == tied[:min(k, 6)]
        everything = store.search(vectors[1], 12, wanted)[1][0].tolist()
        assert found[0].tolist() == everything[:k]  # the first k of a search of all


def test_short_answers_are_padded():
    ids, vectors, groups = make(n=20)
    store = VectorStore.build(16, ids, vectors, groups)
    scores, found = store.search(vectors[:1], 10, ["lemma1\tNOUN"])
    assert (found[0] >= 0).sum() == store.group_size("lemma1\tNOUN") == 3
    assert (found[0, 3:] == -1).all() and np.isneginf(scores[0, 3:]).all()


def test_save_load_round_trip(tmp_path):
    ids, vectors, groups = make()
    store = VectorStore.build(16, ids, vectors, groups)
    store.save(*paths(tmp_path, "tokens", 1))
    loaded = VectorStore.load(*paths(tmp_path, "tokens", 1))
    assert loaded.groups() == store.groups()
    np.testing.assert_array_equal(np.sort(loaded.ids()), np.sort(ids))
    np.testing.assert_allclose(loaded.vectors(ids[:7]), vectors[:7], atol=1e-6)
    with pytest.raises(KeyError, match="not in the vector store"):
        loaded.vectors([10**9])


def test_mismatched_files_are_detected(tmp_path):
    ids, vectors, groups = make()
    VectorStore.build(16, ids, vectors, groups).save(*paths(tmp_path, "a", 1))
    VectorStore.build(16, ids[:10], vectors[:10], groups[:10]).save(*paths(tmp_path, "a", 2))
    (tmp_path / "a.000002.groups.npz").replace(tmp_path / "a.000001.groups.npz")
    with pytest.raises(IndexFormatError, match="do not belong together"):
        VectorStore.load(*paths(tmp_path, "a", 1))


def test_check_ids_reports_both_sides():
    ids, vectors, groups = make(n=30)
    store = VectorStore.build(16, ids, vectors, groups)
    store.check_ids(ids.tolist(), "token index")
    with pytest.raises(IndexFormatError, match="1 rows without a vector.*1 vectors without"):
        store.check_ids([*ids[1:].tolist(), 10**9], "token index")


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
    store.save(*paths(tmp_path, "tokens", 1))
    loaded = VectorStore.load(*paths(tmp_path, "tokens", 1))
    np.testing.assert_allclose(loaded.vectors(ids), vectors, atol=1e-7)
    with pytest.raises(IndexFormatError, match="duplicate ids"):
        VectorStore.build_filled(16, GroupLayout.of(np.array([4, 4]), ["a", "a"]), fill)




def test_equal_cosines_come_in_id_order_as_in_the_partitioned_stores():
    # a sentence indexed three times: its tokens' vectors are equal (FAISS's heap gave them
    # in descending id order on a flat store, ascending on sq8/rabitq)
    rng = np.random.default_rng(3)
    base = rng.normal(size=(4, 16)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    vectors = np.concatenate([np.repeat(base[:1], 3, 0), base[1:], np.repeat(base[:1], 2, 0)])
    ids = np.asarray([41, 7, 19, 3, 4, 5, 88, 2], dtype=np.int64)
    store = VectorStore.build(16, ids, vectors, ["w\tNOUN"] * len(ids))
    for groups in (["w\tNOUN"], None):
        scores, found = store.search(base[0], 4, groups)
        assert found[0].tolist() == [2, 7, 19, 41]
        assert scores[0][0] == scores[0][3]
    _, found = store.search(base[0], 10, ["w\tNOUN"])
    # k=10 is clamped to the group's 8 rows (no -1 padding)
    assert found[0][:5].tolist() == [2, 7, 19, 41, 88] and found.shape == (1, 8)


def test_a_huge_k_is_clamped_to_the_rows_that_can_answer():
    # k sized the result arrays: k=10**9 allocated gigabytes (numpy _ArrayMemoryError)
    ids, vectors, groups = make(n=20)
    store = VectorStore.build(16, ids, vectors, groups)
    scores, found = store.search(vectors[:2], 2**40)
    assert found.shape == scores.shape == (2, 20) and (found >= 0).all()
    scores, found = store.search(vectors[:1], 2**40, ["lemma1\tNOUN"])
    assert found.shape == (1, 3) and (found >= 0).all()
    assert store.search(vectors[:1], 2**40, ["missing\tNOUN"])[1].shape == (1, 0)
