"""Index jobs encoded on Ray's local runtime (sensedb.indexer.ray_job): the same index as a
single-process job, a killed worker's chunk redone once."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MINI_GOLD, MINI_XML
from indexer_helpers import assert_same_sums, assert_same_vectors, open_index
from sqlalchemy import func, select

from sensedb import build_index
from sensedb.indexer import IndexDirectory
from sensedb.indexer.ray_job import FAULT_FILE_ENV
from sensedb.schema import SenseRow, TokenRow

pytest.importorskip("ray.data", reason="the sensedb[ray] extra is not installed")


def test_ray_job_with_a_killed_worker_equals_the_single_process_job(
        tmp_path, encoder, wordnet, mini_index, monkeypatch):
    fault = tmp_path / "kill-one-worker"
    fault.touch()
    monkeypatch.setenv(FAULT_FILE_ENV, str(fault))
    path = tmp_path / "ray-index"
    report = build_index(MINI_XML, path, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                         progress=False, ray="local", ray_workers=2)
    assert not fault.exists()  # a worker died in its chunk; Ray encoded the chunk again
    reference = open_index(mini_index, encoder, wordnet)
    built = open_index(path, encoder, wordnet)
    assert report.tokens == reference.info()["tokens"]
    assert_same_vectors(built, reference)
    sums = {}
    for index in (built, reference):
        with index.directory.db.session() as session:
            sums[index] = {k: (c, np.frombuffer(v, dtype=np.float64)) for k, c, v in
                           session.execute(select(SenseRow.key, SenseRow.count,
                                                  SenseRow.vec_sum))}
            ids = session.execute(select(func.count(TokenRow.id),
                                         func.count(TokenRow.id.distinct()))).one()
        assert ids[0] == ids[1]
    # counts not doubled by the redone chunk; sums within float16 rounding of the shards
    assert_same_sums(sums[reference], sums[built])
    IndexDirectory(path).close()
