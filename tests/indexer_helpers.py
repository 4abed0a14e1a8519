"""Helpers shared by the indexer's tests (tests/test_indexer_*.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MINI_GOLD, MINI_XML

from sensedb import SenseIndex, build_index
from sensedb.indexer import IndexDirectory, index_documents
from sensedb.indexer import chunks as chunks_module


def open_index(path, encoder, wordnet, **options) -> SenseIndex:
    """An index with corpus evidence only, unless ``wordnet_evidence=True`` is given."""
    options.setdefault("wordnet_evidence", False)
    return SenseIndex(path, encoder=encoder, wordnet=wordnet, **options)


def snapshot(index: SenseIndex) -> dict:
    """SenseRow vectors by key and token vectors by (sentence, position): build-order free."""
    from sqlalchemy import select

    from sensedb.schema import SenseRow, SentenceRow, TokenRow

    with index.directory.db.session() as session:
        senses = dict(session.execute(select(SenseRow.key, SenseRow.id)).all())
        tokens = session.execute(select(TokenRow.id, SentenceRow.key, TokenRow.position)
                                 .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)).all()
    return {
        "senses": {k: index.senses.vectors([i])[0] for k, i in senses.items()},
        "tokens": {(s, p): index.tokens.vectors([i])[0] for i, s, p in tokens},
    }


def assert_same_vectors(a: SenseIndex, b: SenseIndex, atol: float = 1e-4) -> None:
    """Both indexes hold the same sense keys and token positions, with vectors equal within
    ``atol`` (cosine units). Jobs that batch differently differ in the last float32 bits,
    which can round a component to the neighbouring float16 value of the shards (seen:
    1.4e-5 after normalization on an AVX-512 CPU); a wrong or missing vector is ~1e-1 off."""
    x, y = snapshot(a), snapshot(b)
    assert x["senses"].keys() == y["senses"].keys() and x["tokens"].keys() == y["tokens"].keys()
    for part in ("senses", "tokens"):
        for key in x[part]:
            np.testing.assert_allclose(x[part][key], y[part][key], atol=atol)


def mini_copy(tmp_path, encoder, wordnet):
    """The mini corpus indexed into ``tmp_path/built`` (a copy the test may change)."""
    path = tmp_path / "built"
    build_index(MINI_XML, path, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                progress=False)
    return path


def kill_at_second_chunk(monkeypatch, directory, encoder, wordnet, documents) -> None:
    """Run a one-document-per-chunk job into ``directory`` that is killed as it commits its
    second chunk."""
    real_commit = chunks_module.commit_chunk
    calls = []

    def crash_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(chunks_module, "commit_chunk", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        index_documents(directory, encoder, wordnet, documents, corpus="mini",
                        chunk_words=1, progress=False)
    monkeypatch.setattr(chunks_module, "commit_chunk", real_commit)


def sense_rows(directory: IndexDirectory) -> dict:
    """key -> (count, float64 sum or None) of every corpus sense row."""
    from sqlalchemy import select

    from sensedb.schema import SenseRow

    with directory.db.session() as session:
        return {key: (count, np.frombuffer(blob, dtype=np.float64) if blob else None)
                for key, count, blob in session.execute(
                    select(SenseRow.key, SenseRow.count, SenseRow.vec_sum))}


def assert_same_sums(a: dict, b: dict) -> None:
    """Same senses, counts and sums. The sums hold float16 shard vectors (``shard_precision``);
    two jobs that batch the same sentences differently (chunk sizes, a resumed job) give
    float32 vectors a few ulps apart, which can round to neighbouring float16 values (one
    float16 step is 2^-11 of a value's binade: 1.5e-5 at 0.06, seen on an AVX-512 CPU): the
    tolerance is a few such steps per token, far below one token's vector lost or doubled."""
    assert a.keys() == b.keys()
    for key, (count, total) in a.items():
        assert b[key][0] == count
        np.testing.assert_allclose(b[key][1], total, rtol=1e-3, atol=1e-3 * max(count, 1))
