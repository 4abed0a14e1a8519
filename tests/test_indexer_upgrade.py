"""Indexes written before sense counts were kept beside the vectors (sensedb.indexer.upgrade):
opened, they are upgraded once, or refused with a sensedb.Error saying what to run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from indexer_helpers import mini_copy, open_index
from test_retriever_snapshot import answers

from sensedb import IndexFormatError
from sensedb.indexer import SENSES, IndexDirectory
from sensedb.store import files


def drop_counts(path) -> Path:
    """Rewrite the current sense store's group table as older code wrote it: no counts."""
    directory = IndexDirectory(path)
    generation = directory.manifest().generations[SENSES]
    groups = next(directory.path.glob(f"senses.{generation:06d}.groups.npz"))
    keys, ranges, ntotal, digest, counts = files.read_groups(groups)
    assert counts is not None and len(counts) == ntotal
    with np.load(groups) as data:
        dim = int(data["dim"])
    files.write_groups(groups, keys, ranges, ntotal, digest, dim)
    assert files.read_groups(groups)[4] is None
    return groups


def test_an_index_without_counts_is_upgraded_once_on_open(tmp_path, encoder, wordnet):
    path = mini_copy(tmp_path, encoder, wordnet)
    expected = answers(open_index(path, encoder, wordnet))
    drop_counts(path)
    before = IndexDirectory(path).manifest().generations[SENSES]
    index = open_index(path, encoder, wordnet)
    assert index.senses.has_counts()
    assert index.manifest.generations[SENSES] > before  # a new generation, with counts
    assert answers(index) == expected  # the same vectors and supports as before
    upgraded = index.manifest.generations
    again = open_index(path, encoder, wordnet)  # once: a second open writes nothing
    assert again.manifest.generations == upgraded and answers(again) == expected


def test_an_index_without_counts_being_written_names_repair(tmp_path, encoder, wordnet):
    path = mini_copy(tmp_path, encoder, wordnet)
    drop_counts(path)
    directory = IndexDirectory(path)
    with directory.lock(), pytest.raises(IndexFormatError, match="sensedb repair"):
        open_index(path, encoder, wordnet)  # another writer holds the lock
    assert open_index(path, encoder, wordnet).senses.has_counts()  # the writer is done
