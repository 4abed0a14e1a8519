"""A base store and segments read as one (sensedb.store.segments)."""

from __future__ import annotations

import numpy as np
import pytest
from store_helpers import make, paths

from sensedb.errors import IndexFormatError
from sensedb.store import MAX_SEGMENTS, SegmentedStore, VectorStore, needs_merge


def split(n_parts=3, n=300, dim=16):
    ids, vectors, groups = make(n, dim)
    counts = np.arange(1, n + 1, dtype=np.int64)
    whole = VectorStore.build(dim, ids, vectors, groups, counts)
    cuts = np.array_split(np.arange(n), n_parts)
    parts = [VectorStore.build(dim, ids[c], vectors[c], [groups[i] for i in c], counts[c])
             for c in cuts]
    return whole, SegmentedStore(parts), ids, vectors


@pytest.mark.parametrize("groups", [None, ["lemma1\tNOUN"], ["lemma2\tNOUN", "lemma7\tNOUN",
                                                             "unknown\tNOUN"]])
def test_a_segmented_store_answers_as_the_whole_store(groups):
    whole, segmented, ids, vectors = split()
    queries = vectors[:7] + 0.1
    want_scores, want_ids = whole.search(queries, 12, groups)
    scores, got_ids = segmented.search(queries, 12, groups)
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-6)
    np.testing.assert_array_equal(segmented.vectors(ids[::7]), whole.vectors(ids[::7]))
    assert segmented.counts_of(ids[:20].tolist()) == whole.counts_of(ids[:20].tolist())
    assert segmented.ntotal == whole.ntotal
    assert segmented.group_size("lemma3\tNOUN") == whole.group_size("lemma3\tNOUN")
    segmented.check_ids(ids, "test")  # the union is every id
    with pytest.raises(IndexFormatError, match="rows without a vector"):
        segmented.check_ids(np.r_[ids, 99_999_999], "test")
    with pytest.raises(KeyError, match="id 99999999"):
        segmented.vectors([99_999_999])


def test_merged_segments_equal_the_whole_store():
    whole, segmented, ids, _ = split(4)
    merged = segmented.merged()
    w_ids, w_vectors = whole.all_vectors()
    m_ids, m_vectors = merged.all_vectors()
    np.testing.assert_array_equal(m_ids, w_ids)  # the same layout: by group, then id
    np.testing.assert_array_equal(m_vectors, w_vectors)
    assert merged.counts_of(ids.tolist()) == whole.counts_of(ids.tolist())


def test_counts_are_saved_with_the_store(tmp_path):
    ids, vectors, groups = make(50, 8)
    counts = np.arange(50, dtype=np.int64) * 3
    store = VectorStore.build(8, ids, vectors, groups, counts)
    store.save(*paths(tmp_path, "senses", 1))
    loaded = VectorStore.load(*paths(tmp_path, "senses", 1))
    assert loaded.has_counts()
    assert loaded.counts_of(ids.tolist()) == dict(zip(ids.tolist(), counts.tolist(),
                                                      strict=True))
    plain = VectorStore.build(8, ids, vectors, groups)
    plain.save(*paths(tmp_path, "tokens", 1))
    assert not VectorStore.load(*paths(tmp_path, "tokens", 1)).has_counts()


def test_merge_policy():
    assert not needs_merge(1000, [10, 20])
    assert needs_merge(1000, [10] * (MAX_SEGMENTS + 1))  # too many
    assert needs_merge(100, [60, 50])  # the segments outweigh the base
    assert needs_merge(0, [5])  # no base yet: the first addition becomes it
