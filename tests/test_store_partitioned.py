"""The lemma-partitioned token stores (sensedb.store.partitioned) on synthetic raw shards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sensedb.errors import IndexFormatError
from sensedb.store import l2_normalize, save_array
from sensedb.store.partitioned import PartitionedStore, Shard, open_store

DIM, GROUPS, PER_SHARD = 48, 12, 600


def _shards(base, count, seed=0, first_id=1000):
    """``count`` raw shards of PER_SHARD clustered vectors; returns (Shard list, ids,
    raw vectors, groups)."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(size=(GROUPS + 3, DIM)).astype(np.float32)
    (base / "raw").mkdir(exist_ok=True)
    out, all_ids, all_x, all_g = [], [], [], []
    for s in range(count):
        group = rng.integers(0, GROUPS, PER_SHARD)
        x = (centres[group] + rng.normal(size=(PER_SHARD, DIM))).astype(np.float32)
        ids = np.arange(PER_SHARD, dtype=np.int64) + first_id + s * PER_SHARD
        name = f"raw/shard-{seed:02d}{s:04d}"
        save_array(base / name, ids=ids, vectors=x)
        keys = [f"w{g}\tn" for g in group]
        out.append(Shard(name, np.arange(PER_SHARD), keys))
        all_ids.append(ids)
        all_x.append(x)
        all_g += keys
    return out, np.concatenate(all_ids), np.concatenate(all_x), np.asarray(all_g)


def _exact(ids, x, groups, query, group, k):
    rows = np.flatnonzero(groups == group)
    cos = l2_normalize(x[rows]) @ query
    order = np.lexsort((ids[rows], -cos))[:k]
    return ids[rows][order], cos[order]


@pytest.mark.parametrize("kind", ["sq8", "pq", "rabitq"])
def test_restricted_search_is_exact_after_reranking_and_survives_save(tmp_path, kind):
    shards, ids, x, groups = _shards(tmp_path, 2)
    store = PartitionedStore.build(kind, DIM, tmp_path, shards)
    store.save(tmp_path / "t.faiss", tmp_path / "t.groups.npz")
    loaded = open_store(tmp_path / "t.faiss", tmp_path / "t.groups.npz")
    assert isinstance(loaded, PartitionedStore) and loaded.ntotal == len(ids)
    assert loaded.group_size("w3\tn") == int((groups == "w3\tn").sum())
    for row in (0, 17, 901):
        query = l2_normalize(x[row])
        scores, found = loaded.search(query, 10, [groups[row], "unknown\tn"])
        want_ids, want_cos = _exact(ids, x, groups, query, groups[row], 10)
        assert found[0].tolist() == want_ids.tolist()
        np.testing.assert_allclose(scores[0], want_cos, atol=1e-5)
    np.testing.assert_allclose(loaded.vectors([ids[5]]), l2_normalize(x[5:6]), atol=1e-6)
    assert sorted(loaded.ids().tolist()) == sorted(ids.tolist())


def test_rerank_depth_grows_with_the_tokens_scanned_up_to_the_cap(tmp_path, monkeypatch):
    from sensedb.store import partitioned
    from sensedb.store.floats import FloatRows

    shards, ids, x, groups = _shards(tmp_path, 2)
    store = PartitionedStore.build("rabitq", DIM, tmp_path, shards)
    monkeypatch.setattr(partitioned, "RERANK", {**partitioned.RERANK, "rabitq": 10})
    gathered, rows = [], FloatRows.rows
    monkeypatch.setattr(FloatRows, "rows",
                        lambda self, located: gathered.append(len(located)) or rows(self,
                                                                                  located))
    asked = ["w1\tn", "w2\tn"]
    scanned = sum(store.group_size(g) for g in asked)
    query = l2_normalize(x[0] + x[1])
    for share, cap, depth in ((0.0, 8192, 10), (0.5, 8192, -(-scanned // 2)),
                              (1.0, 8192, scanned), (1.0, 25, 25)):
        monkeypatch.setattr(partitioned, "RERANK_SHARE", {"rabitq": share})
        monkeypatch.setattr(partitioned, "RERANK_CAP", cap)
        gathered.clear()
        scores, found = store.search(query, 10, asked)
        assert gathered == [depth]
    monkeypatch.setattr(partitioned, "RERANK_CAP", 8192)
    _, found = store.search(query, 10, asked)  # every token re-ranked: exact
    rows = np.flatnonzero(np.isin(groups, asked))
    cos = l2_normalize(x[rows]) @ query
    assert found[0].tolist() == ids[rows][np.lexsort((ids[rows], -cos))[:10]].tolist()


def test_a_shard_truncated_under_an_open_store_is_named_not_misread(tmp_path):
    from sensedb.store.files import array_path

    shards, ids, x, groups = _shards(tmp_path, 1)
    PartitionedStore.build("rabitq", DIM, tmp_path, shards).save(tmp_path / "t.faiss",
                                                                  tmp_path / "t.npz")
    store = open_store(tmp_path / "t.faiss", tmp_path / "t.npz")  # reads rows with pread
    query = l2_normalize(x[0])
    assert store.search(query, 3, [groups[0]])[1][0][0] == ids[0]
    path = array_path(tmp_path / shards[0].recorded, "vectors")
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    with pytest.raises(IndexFormatError, match="truncated"):
        store.vectors(ids[-5:])


def test_rows_read_one_at_a_time_equal_rows_read_through_the_maps(tmp_path):
    from sensedb.store.floats import FloatRows, locators

    shards, ids, x, groups = _shards(tmp_path, 3)
    recorded = [s.recorded for s in shards]
    rng = np.random.default_rng(4)
    # rows of every shard, shuffled, one repeated: the order asked is the order returned
    located = np.concatenate([locators(n, rng.choice(PER_SHARD, 40)) for n in range(3)])
    located = np.r_[rng.permutation(located), located[:1]]
    mean = x.mean(0).astype(np.float32)
    scale = (1 / x.std(0)).astype(np.float32)
    mapped = FloatRows(tmp_path, recorded, mean, scale)
    read = FloatRows(tmp_path, recorded, mean, scale, random=True)
    want_ids = ids[(located >> 32) * PER_SHARD + (located & 0xFFFFFFFF)]
    for rows in (mapped, read):
        got_ids, vectors = rows.gather(located)
        assert got_ids.dtype == np.int64 and got_ids.tolist() == want_ids.tolist()
        assert vectors.dtype == np.float32 and vectors.shape == (len(located), DIM)
    np.testing.assert_array_equal(read.rows(located), mapped.rows(located))
    assert read.rows(located[:0]).shape == (0, 0) and read.token_ids(located[:0]).shape == (0,)


def test_token_ids_counted_from_running_shards_equal_ids_read(tmp_path):
    """A shard whose ids run without a gap gives ``first + row``; one whose ids do not
    (out of order, a gap) is read: both agree with the ids arrays, asked in any order."""
    from sensedb.store.floats import FloatRows, locators

    rng = np.random.default_rng(8)
    (tmp_path / "raw").mkdir()
    x = rng.normal(size=(3, 40, DIM)).astype(np.float32)
    ids = [np.arange(1000, 1040), rng.permutation(np.arange(40)) + 5000,
           np.r_[np.arange(7000, 7020), np.arange(7021, 7041)]]  # a gap at 7020
    for name, shard_ids, vectors in zip("abc", ids, x, strict=True):
        save_array(tmp_path / f"raw/{name}", ids=shard_ids, vectors=vectors)
    recorded = ["raw/a", "raw/b", "raw/c"]
    located = np.concatenate([locators(n, rng.choice(40, 15)) for n in range(3)])
    located = rng.permutation(located)
    want = [int(ids[n][r]) for n, r in zip((located >> 32).tolist(),
                                           (located & 0xFFFFFFFF).tolist(), strict=True)]
    read = FloatRows(tmp_path, recorded, None, None, random=True)
    for rows in (read, FloatRows(tmp_path, recorded, None, None)):
        assert rows.token_ids(located).tolist() == want
        assert rows.token_ids(located[located >> 32 == 0]).tolist() == \
            [w for w, n in zip(want, (located >> 32).tolist(), strict=True) if n == 0]
    # a and only a runs: b is shuffled, c has a gap
    assert [n for n, (_, rows) in sorted(read._runs.items()) if rows >= 0] == [0]
    with pytest.raises(IndexFormatError, match=r"raw/a.*row 40 is past its end"):
        read.token_ids(locators(0, [3, 40]))


def test_an_older_npz_shard_is_read_through_its_maps_beside_files_read_with_pread(tmp_path):
    """A shard of the older .npz format has no file to pread: its rows come from memory,
    the others' with pread, in the order asked; the read plan is made once, not per call."""
    from sensedb.store.floats import FloatRows, locators

    rng = np.random.default_rng(9)
    (tmp_path / "raw").mkdir()
    x = rng.normal(size=(2, 30, DIM)).astype(np.float32)
    np.savez(tmp_path / "raw/old.npz", ids=np.arange(30, dtype=np.int64), vectors=x[0])
    save_array(tmp_path / "raw/new", ids=np.arange(100, 130), vectors=x[1])
    recorded = ["raw/old.npz", "raw/new"]
    located = np.r_[locators(1, [4, 2]), locators(0, [7, 29]), locators(1, [29])]
    read = FloatRows(tmp_path, recorded, None, None, random=True)
    mapped = FloatRows(tmp_path, recorded, None, None)
    for _ in range(2):
        assert read.token_ids(located).tolist() == [104, 102, 7, 29, 129]
        np.testing.assert_array_equal(read.rows(located), mapped.rows(located))
    plan = read._plans["vectors"]
    read.rows(located[:2])
    read.rows(located[2:4])  # the .npz shard alone: through its maps, the plan kept
    assert read._plans["vectors"] is plan


def test_rows_of_float16_and_float32_shards_read_together(tmp_path):
    # an index written before float16 shards, appended to since, holds both
    from sensedb.store.floats import FloatRows, locators

    rng = np.random.default_rng(6)
    (tmp_path / "raw").mkdir()
    x = rng.normal(size=(2, 50, DIM)).astype(np.float32)
    save_array(tmp_path / "raw/a", ids=np.arange(50), vectors=x[0])
    save_array(tmp_path / "raw/b", ids=np.arange(50, 100), vectors=x[1].astype(np.float16))
    located = np.r_[locators(1, [3, 9]), locators(0, [7]), locators(1, [0])]
    want = l2_normalize(np.stack([x[1][3], x[1][9], x[0][7], x[1][0]]).astype(np.float16)
                        .astype(np.float32))
    read = FloatRows(tmp_path, ["raw/a", "raw/b"], None, None, random=True)
    mapped = FloatRows(tmp_path, ["raw/a", "raw/b"], None, None)
    for rows in (read, mapped):
        np.testing.assert_allclose(rows.rows(located), want, atol=1e-3)
        assert rows.token_ids(located).tolist() == [53, 59, 7, 50]
        np.testing.assert_array_equal(rows.rows(located[:2]), rows.rows(located)[:2])
    # a float32 shard (a value beyond float16's range) read with a float16 shard numbered first
    big = x[1].copy()
    big[3, 0] = 1e6
    save_array(tmp_path / "raw/a", ids=np.arange(50), vectors=x[0].astype(np.float16))
    save_array(tmp_path / "raw/b", ids=np.arange(50, 100), vectors=big)
    for rows in (FloatRows(tmp_path, ["raw/a", "raw/b"], None, None, random=True),
                 FloatRows(tmp_path, ["raw/a", "raw/b"], None, None)):
        got = rows.rows(located)
        assert np.isfinite(got).all() and got[0, 0] > 0.99


def test_ties_at_the_kth_score_are_broken_by_token_id(tmp_path):
    """Re-ranking reads ids only for the best k and those tied with the k-th: the answer
    is still the k best by (cosine, then id), as a full sort gives."""
    rng = np.random.default_rng(2)
    (tmp_path / "raw").mkdir()
    base = rng.normal(size=(6, DIM)).astype(np.float32)
    x = np.concatenate([np.repeat(base[:1], 5, 0), base[1:], np.repeat(base[1:2], 4, 0)])
    ids = np.asarray([90, 12, 55, 31, 70, 5, 6, 7, 8, 9, 64, 40, 3, 21], dtype=np.int64)
    order = rng.permutation(len(x))  # stored in no particular order
    save_array(tmp_path / "raw/shard-0", ids=ids[order], vectors=x[order])
    keys = ["w\tn"] * len(x)
    PartitionedStore.build("sq8", DIM, tmp_path, [Shard("raw/shard-0", np.arange(len(x)),
                                                        keys)]).save(tmp_path / "t.faiss",
                                                                     tmp_path / "t.npz")
    store = open_store(tmp_path / "t.faiss", tmp_path / "t.npz")
    for query, k in ((base[0], 3), (base[0], 5), (base[1], 2), (base[1], 6)):
        query = l2_normalize(query)
        cos = np.einsum("ij,j->i", l2_normalize(x), query)  # equal rows, equal cosines
        want = ids[np.lexsort((ids, -cos))[:k]]
        assert store.search(query, k, ["w\tn"])[1][0].tolist() == want.tolist()
    # five copies of base[0] with ids 90, 12, 55, 31, 70: the best three are the lowest ids
    assert store.search(l2_normalize(base[0]), 3, ["w\tn"])[1][0].tolist() == [12, 31, 55]


def test_append_adds_new_groups_and_removes_tokens(tmp_path):
    shards, ids, x, groups = _shards(tmp_path, 2)
    store = PartitionedStore.build("sq8", DIM, tmp_path, shards[:1])
    store.save(tmp_path / "t.faiss", tmp_path / "t.npz")
    store = PartitionedStore.load(tmp_path / "t.faiss", tmp_path / "t.npz", writable=True)
    extra = Shard("raw/extra", np.arange(3), ["new\tv"] * 3)
    save_array(tmp_path / "raw/extra", ids=np.array([5, 6, 7]), vectors=x[:3] * -1)
    store.append([shards[1], extra], removed=[ids[0], ids[1]])
    assert store.ntotal == 2 * PER_SHARD + 3 - 2
    assert store.group_size("new\tv") == 3
    held = set(store.ids().tolist())
    assert ids[0] not in held and ids[1] not in held and {5, 6, 7} <= held
    _, found = store.search(l2_normalize(-x[0]), 3, ["new\tv"])
    assert set(found[0].tolist()) == {5, 6, 7}
    with pytest.raises(KeyError, match=str(ids[0])):
        store.vectors([ids[0]])
    store.check_ids(sorted(held), "tokens")
    with pytest.raises(IndexFormatError, match="disagree"):
        store.check_ids([1, 2], "tokens")


def test_locators_survive_a_temporary_ids_array(tmp_path):
    # faiss's add_preassigned stored garbage ids when given a temporary: every stored id
    # must name its shard and row
    shards, ids, _, _ = _shards(tmp_path, 3)
    store = PartitionedStore.build("rabitq", DIM, tmp_path, shards)
    assert sorted(store.ids().tolist()) == sorted(ids.tolist())


def test_a_missing_shard_is_named(tmp_path):
    shards, _, _, _ = _shards(tmp_path, 1)
    store = PartitionedStore.build("sq8", DIM, tmp_path, shards)
    store.save(tmp_path / "t.faiss", tmp_path / "t.npz")
    for path in (tmp_path / "raw").iterdir():
        path.unlink()
    loaded = open_store(tmp_path / "t.faiss", tmp_path / "t.npz")
    with pytest.raises(IndexFormatError, match="shard"):
        loaded.search(np.ones(DIM, np.float32) / np.sqrt(DIM), 5, ["w1\tn"])


def test_any_lemma_without_an_ann_scans_the_lists_of_the_nearest_means(tmp_path,
                                                                       monkeypatch):
    from sensedb.store import partitioned

    shards, ids, x, groups = _shards(tmp_path, 2)
    store = PartitionedStore.build("sq8", DIM, tmp_path, shards)
    store._ann = None  # a store saved before the any-lemma index existed
    monkeypatch.setattr(partitioned, "ANY_LEMMA_TOKENS", 150)  # two or three lists of 12
    xn = l2_normalize(x)
    found_all, exact_all = [], []
    for row in range(0, 2 * PER_SHARD, 60):
        _, found = store.search(xn[row], 10, None)
        assert found[0][0] == ids[row]  # the token itself, from its own lemma's list
        found_all.append(set(found[0].tolist()))
        exact_all.append(set(ids[np.argsort(-(xn @ xn[row]))[:10]].tolist()))
    recall = np.mean([len(f & e) / 10 for f, e in zip(found_all, exact_all, strict=True)])
    assert recall >= 0.9
    assert len(store._nearest_lists(xn[0])) < GROUPS


def _any_lemma_recall(store, ids, xn, rows, k=10):
    found_all = []
    recall = []
    for row in rows:
        scores, found = store.search(xn[row], k, None)
        exact = ids[np.lexsort((ids, -(xn @ xn[row])))[:k]]
        recall.append(len(set(found[0].tolist()) & set(exact.tolist())) / k)
        np.testing.assert_allclose(np.sort(scores[0])[::-1], scores[0])  # best first
        found_all.append(found[0].tolist())
    return float(np.mean(recall)), found_all


@pytest.mark.parametrize("kind", ["sq8", "rabitq"])
def test_any_lemma_ann_over_every_token_is_saved_appended_and_reloaded(tmp_path, kind):
    from sensedb.store.anylemma import ann_path

    shards, ids, x, groups = _shards(tmp_path, 3)
    xn = l2_normalize(x)
    store = PartitionedStore.build(kind, DIM, tmp_path, shards[:2])
    store.save(tmp_path / "t.faiss", tmp_path / "t.npz")
    assert ann_path(tmp_path / "t.faiss").exists()
    loaded = open_store(tmp_path / "t.faiss", tmp_path / "t.npz")  # memory-mapped
    assert loaded._ann is not None and loaded._ann.ntotal == 2 * PER_SHARD
    recall, _ = _any_lemma_recall(loaded, ids[:2 * PER_SHARD], xn[:2 * PER_SHARD],
                                  range(0, 2 * PER_SHARD, 40))
    assert recall >= 0.95
    # append the third shard and drop two tokens: the ANN follows
    writable = PartitionedStore.load(tmp_path / "t.faiss", tmp_path / "t.npz", writable=True)
    writable.append(shards[2:], removed=[ids[0], ids[1]])
    kept = np.ones(len(ids), bool)
    kept[:2] = False
    assert writable._ann.ntotal == kept.sum()
    recall, appended = _any_lemma_recall(writable, ids[kept], xn[kept],
                                         range(0, int(kept.sum()), 40))
    assert recall >= 0.9
    _, found = writable.search(xn[2 * PER_SHARD + 5], 3, None)
    assert found[0][0] == ids[2 * PER_SHARD + 5]  # a token of the appended shard
    _, found = writable.search(xn[0], 10, None)
    assert ids[0] not in found[0].tolist()  # a removed token
    # the appended store answers alike after save and load
    writable.save(tmp_path / "a.faiss", tmp_path / "a.npz")
    again = open_store(tmp_path / "a.faiss", tmp_path / "a.npz")
    assert _any_lemma_recall(again, ids[kept], xn[kept],
                             range(0, int(kept.sum()), 40))[1] == appended


def test_a_missing_ann_file_is_named(tmp_path):
    from sensedb.store.anylemma import ann_path

    shards, _, _, _ = _shards(tmp_path, 1)
    PartitionedStore.build("sq8", DIM, tmp_path, shards).save(tmp_path / "t.faiss",
                                                               tmp_path / "t.npz")
    ann_path(tmp_path / "t.faiss").unlink()
    with pytest.raises(IndexFormatError, match="any-lemma"):
        open_store(tmp_path / "t.faiss", tmp_path / "t.npz")


def test_rabitq_trained_on_its_own_lists_writes_the_same_file_as_faiss_train(tmp_path):
    """``ivf.train_ivf`` skips FAISS's assignment of the sample for rabitq (its codec keeps
    nothing from training): the index written afterwards is byte-identical."""
    import faiss

    from sensedb.store.ivf import add_to_lists, new_ivf, train_ivf

    rng = np.random.default_rng(5)
    means = l2_normalize(rng.normal(size=(40, DIM)).astype(np.float32))
    lists = rng.integers(0, 40, 2000).astype(np.int64)
    x = l2_normalize((means[lists] + 0.5 * rng.normal(size=(2000, DIM))).astype(np.float32))
    ids = np.arange(2000, dtype=np.int64)
    files = []
    for ours in (False, True):
        index = new_ivf("rabitq", DIM, means)
        if ours:
            train_ivf(index, "rabitq", x, lists)
        else:
            index.train(x)
        assert index.is_trained
        add_to_lists(index, x, ids, lists)
        files.append(faiss.serialize_index(index).tobytes())
    assert files[0] == files[1]


@pytest.mark.parametrize("kind", ["sq8", "rabitq"])
def test_a_build_keeping_its_first_pass_rows_writes_the_same_files(tmp_path, monkeypatch, kind):
    """``PartitionedStore.build`` encodes the rows its first pass read and normalized
    (``BUILD_KEEP_BYTES``) instead of reading them again: byte-identical store files,
    whether every shard's rows are kept, some, or none."""
    from sensedb.store import partitioned
    from sensedb.store.anylemma import ann_path

    shards, _, _, _ = _shards(tmp_path, 3)
    one_shard = PER_SHARD * DIM * 4
    written = []
    for budget in (1 << 30, one_shard, 0):
        monkeypatch.setattr(partitioned, "BUILD_KEEP_BYTES", budget)
        paths = tmp_path / f"k{budget}.faiss", tmp_path / f"k{budget}.npz"
        PartitionedStore.build(kind, DIM, tmp_path, shards).save(*paths)
        written.append([p.read_bytes() for p in (*paths, ann_path(paths[0]))])
    assert written[0] == written[1] == written[2]


@pytest.mark.parametrize("block", [None, 37])
def test_group_sums_add_each_row_in_order_onto_what_they_held(block, monkeypatch):
    """``floats.add_by_group`` (the group means of a build or an append) adds a group's rows
    one by one in order onto the sums it is given: bit-identical to a plain loop, also when
    the rows go in several blocks (``floats.ADD_BLOCK``) with a group's rows in each."""
    from sensedb.store import floats
    from sensedb.store.floats import add_by_group

    if block is not None:
        monkeypatch.setattr(floats, "ADD_BLOCK", block)

    rng = np.random.default_rng(2)
    vectors = rng.standard_normal((500, 7)).astype(np.float32)
    lists = (rng.zipf(1.4, 500) - 1) % 23
    sums = rng.standard_normal((23, 7))
    counts = rng.integers(0, 5, 23)
    expected, expected_counts = sums.copy(), counts.copy()
    for group, row in zip(lists.tolist(), vectors.astype(np.float64), strict=True):
        expected[group] = expected[group] + row
        expected_counts[group] += 1
    add_by_group(sums, counts, lists, vectors)
    np.testing.assert_array_equal(sums, expected)
    np.testing.assert_array_equal(counts, expected_counts)


def test_a_loaded_sq8_store_scans_its_codes_as_bytes_in_the_same_order(tmp_path):
    """``ivf.IntegerScan``: the codes' order by the integer scan is the order by their SQ8
    estimate (an affine map of it, up to the query's rounding); the file is untouched."""
    from sensedb.store._faiss import faiss
    from sensedb.store.ivf import search_lists

    shards, ids, x, groups = _shards(tmp_path, 3)
    PartitionedStore.build("sq8", DIM, tmp_path, shards).save(tmp_path / "t.faiss",
                                                               tmp_path / "t.npz")
    loaded = open_store(tmp_path / "t.faiss", tmp_path / "t.npz")
    assert loaded._scan is not None
    group = "w3\tn"
    lists = np.asarray([loaded._list_of[group]], dtype=np.int64)
    size = loaded.group_size(group)
    for row in (5, 700, 1500):
        query = l2_normalize(x[row])[None]
        plain = search_lists(loaded._index, query, loaded._centroids[lists], lists, size)[0]
        integer = loaded._scan.search(query, lists, size)[0]
        assert sorted(plain.tolist()) == sorted(integer.tolist())
        rank = {locator: r for r, locator in enumerate(plain.tolist())}
        assert np.corrcoef(np.arange(size), [rank[i] for i in integer.tolist()])[0, 1] > 0.999
        assert len(set(plain[:10].tolist()) & set(integer[:10].tolist())) >= 8
        _, found = loaded.search(query[0], 10, [group])
        want_ids, _ = _exact(ids, x, groups, query[0], group, 10)
        assert found[0].tolist() == want_ids.tolist()
    writable = PartitionedStore.load(tmp_path / "t.faiss", tmp_path / "t.npz", writable=True)
    assert writable._scan is None
    assert writable._index.sq.qtype == faiss.ScalarQuantizer.QT_8bit


def test_an_empty_sq8_store_loads_and_answers_nothing(tmp_path):
    # untrained (no codes): no integer scan, and a search answers nothing (it raised on load)
    PartitionedStore.build("sq8", DIM, tmp_path, []).save(tmp_path / "t.faiss",
                                                          tmp_path / "t.npz")
    loaded = open_store(tmp_path / "t.faiss", tmp_path / "t.npz")
    assert loaded.ntotal == 0 and loaded._scan is None
    scores, ids = loaded.search(np.ones(DIM, np.float32) / DIM ** 0.5, 3, ["w1\tn"])
    assert ids.shape == scores.shape == (1, 0)  # k is clamped to the tokens held: none


def test_a_shard_rewritten_with_another_width_or_cut_ids_is_named(tmp_path):
    # a valid .npy of the wrong shape: a query raised numpy's broadcasting error
    from sensedb.store.files import array_path

    shards, ids, x, groups = _shards(tmp_path, 2)
    PartitionedStore.build("sq8", DIM, tmp_path, shards).save(tmp_path / "t.faiss",
                                                               tmp_path / "t.npz")
    np.save(array_path(tmp_path / shards[1].recorded, "vectors"),
            np.zeros((PER_SHARD, DIM - 8), np.float32))
    store = open_store(tmp_path / "t.faiss", tmp_path / "t.npz")
    with pytest.raises(IndexFormatError, match=f"{shards[1].recorded}: .*not \\(600, {DIM}\\)"):
        for row in range(0, 2 * PER_SHARD, 50):
            store.search(l2_normalize(x[row]), 5, [groups[row]])
    np.save(array_path(tmp_path / shards[1].recorded, "vectors"), x[PER_SHARD:])
    np.save(array_path(tmp_path / shards[1].recorded, "ids"), ids[PER_SHARD:][:100])
    store = open_store(tmp_path / "t.faiss", tmp_path / "t.npz")
    with pytest.raises(IndexFormatError, match="100 ids and vectors of shape"):
        for row in range(0, 2 * PER_SHARD, 50):
            store.search(l2_normalize(x[row]), 5, [groups[row]])


def test_a_shard_opening_in_one_thread_is_read_whole_by_another(tmp_path, monkeypatch):
    """A shard's files were registered for ``pread`` before its maps were kept: a second
    thread given a plan naming that shard (made by a third) read its rows, then looked up
    the maps it had not waited for (KeyError). Thread one is held inside the shard's opening
    (its ids' run check) while this thread asks for rows of both shards."""
    import threading

    from sensedb.store import floats
    from sensedb.store.floats import FloatRows, locators

    shards, ids, x, _ = _shards(tmp_path, 2)
    recorded = [s.recorded for s in shards]
    read = FloatRows(tmp_path, recorded, None, None, random=True)
    held, go = threading.Event(), threading.Event()
    runs_on = floats._runs_on
    opener = []

    def slow_runs_on(shard_ids):
        if threading.current_thread() in opener:
            held.set()
            go.wait(10)
        return runs_on(shard_ids)

    monkeypatch.setattr(floats, "_runs_on", slow_runs_on)
    answers = {}
    thread = threading.Thread(target=lambda: answers.update(one=read.rows(locators(1, [4]))))
    opener.append(thread)
    thread.start()
    try:
        assert held.wait(10)
        read.rows(locators(0, [2]))  # a plan made while shard 1 is half open
        got = read.rows(locators(1, [4, 5]))  # from that plan, before the maps are kept
    finally:
        go.set()
        thread.join()
    np.testing.assert_allclose(got, l2_normalize(x[PER_SHARD + 4:PER_SHARD + 6]), atol=1e-6)
    np.testing.assert_array_equal(answers["one"], got[:1])
    assert read.token_ids(locators(1, [4, 5])).tolist() == \
        ids[PER_SHARD + 4:PER_SHARD + 6].tolist()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")
def test_two_threads_opening_one_shard_open_its_files_once(tmp_path, monkeypatch):
    """Two threads asking for one shard's rows at once each opened its two files, and the
    first pair leaked (the second overwrote it in the registry). Thread one is held inside
    the shard's mapping while thread two asks for the same shard: it waits, and the shard's
    files are open once."""
    import os
    import threading

    from sensedb.store import files as store_files
    from sensedb.store.floats import FloatRows, locators

    shards, _, x, _ = _shards(tmp_path, 2)
    read = FloatRows(tmp_path, [s.recorded for s in shards], None, None, random=True)
    held, go = threading.Event(), threading.Event()
    load_array = store_files.load_array
    first = []

    def slow_load_array(*args, **kwargs):
        if threading.current_thread() in first:
            held.set()
            go.wait(10)
        return load_array(*args, **kwargs)

    monkeypatch.setattr(store_files, "load_array", slow_load_array)
    got = {}
    one = threading.Thread(target=lambda: got.update(one=read.rows(locators(1, [3]))))
    two = threading.Thread(target=lambda: got.update(two=read.rows(locators(1, [3, 4]))))
    first.append(one)
    one.start()
    try:
        assert held.wait(10)
        two.start()
        two.join(0.5)
        assert two.is_alive()  # waiting for the shard thread one is opening
    finally:
        go.set()
        one.join()
        two.join()
    shard_files = {os.path.realpath(store_files.array_path(tmp_path / shards[1].recorded, name))
                   for name in ("ids", "vectors")}

    def open_on_shard():  # its pread files and its maps' own descriptors
        return sum(os.path.realpath(f"/proc/self/fd/{fd}") in shard_files
                   for fd in os.listdir("/proc/self/fd"))

    raced = open_on_shard()
    alone = FloatRows(tmp_path, [s.recorded for s in shards], None, None, random=True)
    alone.rows(locators(1, [3]))
    assert raced == open_on_shard() - raced  # as many as one thread opening it alone
    want = l2_normalize(x[PER_SHARD + 3:PER_SHARD + 5])
    np.testing.assert_allclose(got["two"], want, atol=1e-6)
    np.testing.assert_allclose(got["one"], want[:1], atol=1e-6)


@pytest.mark.parametrize("kind", ["sq8", "rabitq"])
def test_threads_querying_one_cold_store_answer_as_one_thread_does(tmp_path, kind):
    """Shards open, plans and search parameters are made while other threads read: every
    thread's answers (restricted, several lists, any lemma) equal one thread's, over shards
    whose ids run, are shuffled, or hold float16 beside float32 vectors."""
    import sys
    import threading

    from sensedb.store.files import array_path

    shards, ids, x, groups = _shards(tmp_path, 4)
    shuffled = np.random.default_rng(1).permutation(ids[PER_SHARD:2 * PER_SHARD])
    np.save(array_path(tmp_path / shards[1].recorded, "ids"), shuffled)
    np.save(array_path(tmp_path / shards[2].recorded, "vectors"),
            x[2 * PER_SHARD:3 * PER_SHARD].astype(np.float16))
    PartitionedStore.build(kind, DIM, tmp_path, shards).save(tmp_path / "t.faiss",
                                                              tmp_path / "t.npz")
    xn = l2_normalize(x)
    rows = list(range(0, len(xn), 97))

    def answers(store, order):
        return {r: [store.search(xn[r], 7, [groups[r]]),
                    store.search(xn[r:r + 3], 5, [groups[r], groups[r - 1]]),
                    store.search(xn[r], 7, None)] for r in order}

    want = answers(open_store(tmp_path / "t.faiss", tmp_path / "t.npz"), rows)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        for _ in range(3):
            store = open_store(tmp_path / "t.faiss", tmp_path / "t.npz")  # nothing open yet
            got, failed = [None] * 6, []

            def work(t, store=store, got=got, failed=failed):
                try:
                    got[t] = answers(store, rows[t:] + rows[:t])
                except Exception as error:  # noqa: BLE001  (reported below)
                    failed.append(repr(error))

            threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert failed == []
            for answer in got:
                for r in rows:
                    for (s1, i1), (s2, i2) in zip(answer[r], want[r], strict=True):
                        np.testing.assert_array_equal(i1, i2)
                        np.testing.assert_array_equal(s1, s2)
    finally:
        sys.setswitchinterval(interval)


def test_a_huge_k_is_clamped_to_the_tokens_that_can_answer(tmp_path):
    # k sized the result arrays (np.full((n, k))): k=10**9 allocated gigabytes
    shards, ids, x, groups = _shards(tmp_path, 1)
    store = PartitionedStore.build("sq8", DIM, tmp_path, shards)
    query = l2_normalize(x[0])
    scores, found = store.search(query, 2**40, [groups[0]])
    size = int((groups == groups[0]).sum())
    assert found.shape == scores.shape == (1, size)
    assert found[0].tolist() == _exact(ids, x, groups, query, groups[0], size)[0].tolist()
    scores, found = store.search(query, 2**40)
    assert found.shape == (1, len(ids)) and found[0, 0] == ids[0]
