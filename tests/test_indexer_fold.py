"""Folding token vectors into sense sums (sensedb.indexer.fold): once per shard, crash-safe."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MINI_GOLD, MINI_XML
from indexer_helpers import assert_same_sums, open_index, sense_rows

from sensedb import read_raganato
from sensedb.indexer import IndexDirectory, index_documents, open_or_create
from sensedb.indexer import fold as fold_module


def test_job_killed_before_its_fold_leaves_the_sums_to_the_next(tmp_path, encoder, wordnet,
                                                               monkeypatch):
    """Chunks commit tokens, not sense sums; a job killed before it folds them in leaves
    count-0 senses, and the next job folds every shard exactly once."""
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    one_shot = IndexDirectory(tmp_path / "one")
    open_or_create(one_shot, encoder, wordnet)
    index_documents(one_shot, encoder, wordnet, documents, corpus="mini", progress=False)
    killed = IndexDirectory(tmp_path / "killed")
    open_or_create(killed, encoder, wordnet)
    real_fold = fold_module.fold_sense_sums

    def fold(directory, committed=None):
        if committed is not None:  # the fold at the job's end
            raise KeyboardInterrupt("killed")
        return real_fold(directory, committed)

    monkeypatch.setattr(fold_module, "fold_sense_sums", fold)
    with pytest.raises(KeyboardInterrupt):
        index_documents(killed, encoder, wordnet, documents, corpus="mini", chunk_words=1,
                        progress=False)
    monkeypatch.setattr(fold_module, "fold_sense_sums", real_fold)
    assert {count for count, _ in sense_rows(killed).values()} == {0}
    report = index_documents(killed, encoder, wordnet, documents, corpus="mini",
                             progress=False)
    assert (report.skipped_documents, report.documents) == (2, 0)
    assert_same_sums(sense_rows(one_shot), sense_rows(killed))
    assert fold_module.fold_sense_sums(killed) == 0  # nothing is folded twice
    open_index(killed.path, encoder, wordnet).check()


def test_index_from_before_folding_keeps_its_sums(tmp_path, encoder, wordnet):
    """An index whose manifest has no fold mark folded its chunks as they went: the next job
    adds to those sums and does not fold the old shards again."""
    from sqlalchemy import delete

    from sensedb.schema import ManifestRow

    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    one_shot = IndexDirectory(tmp_path / "one")
    older = IndexDirectory(tmp_path / "older")
    for directory in (one_shot, older):
        open_or_create(directory, encoder, wordnet)
    index_documents(one_shot, encoder, wordnet, documents, corpus="mini", progress=False)
    index_documents(older, encoder, wordnet, documents[:1], corpus="mini", progress=False)
    with older.db.session() as session:
        session.execute(delete(ManifestRow).where(ManifestRow.key == "folded_shards"))
    index_documents(older, encoder, wordnet, documents[1:], corpus="mini", progress=False)
    assert_same_sums(sense_rows(one_shot), sense_rows(older))


def test_committed_sums_match_a_plain_sum_as_they_grow():
    """The job's in-memory sense sums, added shard by shard past their first capacity, equal
    a float64 sum over the same links; vectors are kept up to the byte budget."""
    rng = np.random.default_rng(0)
    committed = fold_module.Committed(keep_bytes=3 * 40 * 8 * 4)
    committed.first_rows = 4
    expected: dict[int, tuple[int, np.ndarray]] = {}
    for shard in range(1, 6):
        vectors = rng.standard_normal((40, 8)).astype(np.float32)
        link_tokens = rng.integers(0, 40, 60).tolist()
        link_senses = rng.integers(100, 130, 60).tolist()
        rows = fold_module.TokenRows(np.arange(40) + 40 * shard, ["x\tNOUN"] * 40,
                                     np.full(40, shard), np.full(40, "c", dtype=object))
        committed.add(shard, rows, vectors, link_tokens, link_senses)
        for token, sense in zip(link_tokens, link_senses, strict=True):
            count, total = expected.get(sense, (0, np.zeros(8)))
            expected[sense] = (count + 1, total + vectors[token].astype(np.float64))
    ids, counts, sums = committed.totals()
    assert sorted(ids.tolist()) == sorted(expected) and len(set(ids.tolist())) == len(ids)
    for sense, count, total in zip(ids.tolist(), counts.tolist(), sums, strict=True):
        assert count == expected[sense][0]
        np.testing.assert_allclose(total, expected[sense][1], rtol=1e-12, atol=1e-12)
    assert sorted(committed.vectors) == [1, 2, 3]  # the budget holds three shards
    assert committed.shard_ids == [1, 2, 3, 4, 5]


def test_add_rows_adds_each_target_in_the_given_order():
    """``add_rows`` is a float64 sum that adds a target's rows one by one, in order, across
    blocks and onto what the totals held: bit-identical to a plain loop."""
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((300, 6)).astype(np.float32)
    targets = (rng.zipf(1.5, 1000) - 1) % 17
    rows = rng.integers(0, 300, 1000)
    totals = rng.standard_normal((17, 6))
    expected = totals.copy()
    for target, row in zip(targets.tolist(), rows.tolist(), strict=True):
        expected[target] = expected[target] + vectors[row].astype(np.float64)
    fold_module.add_rows(totals, targets, vectors, rows, block=64)
    np.testing.assert_array_equal(totals, expected)
