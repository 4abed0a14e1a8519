"""The metadata schema on each engine (sensedb.schema): SQLite and a real PostgreSQL server
(``db_url`` fixture: the PostgreSQL half is skipped unless SENSEDB_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MINI_GOLD, MINI_XML
from indexer_helpers import assert_same_vectors, kill_at_second_chunk, open_index
from sqlalchemy import select

from sensedb import IndexLockedError, build_index, read_raganato
from sensedb.corpora import Document, Sentence, Token
from sensedb.indexer import IndexDirectory, index_documents, open_or_create
from sensedb.retriever.scoring import DEFAULT_WEIGHTS
from sensedb.schema import Database, SenseRow, TokenRow, WordNetSenseRow


def test_index_killed_resumed_appended_and_queried_equals_the_sqlite_index(
        tmp_path, db_url, encoder, wordnet, mini_index, monkeypatch):
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    directory = IndexDirectory(tmp_path / "index", db_url)
    with directory.lock():
        open_or_create(directory, encoder, wordnet, scoring=DEFAULT_WEIGHTS)
        # a job killed as it commits its second chunk, then the whole corpus again: resumed
        kill_at_second_chunk(monkeypatch, directory, encoder, wordnet, documents)
        report = index_documents(directory, encoder, wordnet, documents, corpus="mini",
                                 progress=False)
    assert report.skipped_documents == 1 and report.documents == len(documents) - 1
    directory.close()
    built = open_index(directory.path, encoder, wordnet, db_url=db_url)
    reference = open_index(mini_index, encoder, wordnet)
    assert_same_vectors(built, reference)
    got = built.wsd("He sat on the bank of the river", "bank")
    want = reference.wsd("He sat on the bank of the river", "bank")
    assert [s.key for s in got.senses] == [s.key for s in want.senses]
    np.testing.assert_allclose([s.score for s in got.senses], [s.score for s in want.senses],
                               atol=1e-5)
    # a second job (append) through the public API, then WordNet evidence for two lemmas:
    # gloss rows take ids from the engine, example rows explicit ones; none may clash
    build_index(MINI_XML, directory.path, gold=MINI_GOLD, corpus_name="again", db_url=db_url,
                encoder=encoder, wordnet=wordnet, progress=False, allow_duplicates=True)
    appended = open_index(directory.path, encoder, wordnet, db_url=db_url,
                          wordnet_evidence=True)
    assert appended.info()["tokens"] == 2 * reference.info()["tokens"]
    for sentence, word in (("He sat on the bank of the river", "bank"),
                           ("The river was high", "river")):
        assert appended.wsd(sentence, word).best is not None
    with appended.directory.db.session() as session:
        ids = session.execute(select(WordNetSenseRow.id)).scalars().all()
        sources = set(session.execute(select(WordNetSenseRow.source)).scalars())
    assert len(ids) == len(set(ids)) > 0 and sources == {"gloss", "examples"}
    appended.directory.close()
    built.directory.close()


def test_text_longer_than_any_former_column_bound_is_stored_whole(tmp_path, db_url, encoder,
                                                                  wordnet):
    surface = "bank" + "k" * 296  # PostgreSQL refused VARCHAR(200) overflow; SQLite never did
    document = Document(id="d-" + "x" * 250, source=None, sentences=[Sentence(
        id="s" * 220, tokens=[Token(text=surface, lemma="bank", pos="NOUN" * 3,
                                    senses=("bank%1:17:01::",), instance_id="i" * 210)])])
    directory = IndexDirectory(tmp_path / "index", db_url)
    with directory.lock():
        open_or_create(directory, encoder, wordnet)
        index_documents(directory, encoder, wordnet, [document], corpus="long", progress=False)
    with directory.db.session() as session:
        row = session.execute(select(TokenRow.surface, TokenRow.pos, TokenRow.instance)).one()
    assert tuple(row) == (surface, "NOUN" * 3, "i" * 210)
    directory.close()


def test_fast_path_inserts_and_updates_round_trip(tmp_path, db_url):
    db = Database(db_url or f"sqlite:///{tmp_path / 'meta.sqlite'}", create=True)
    blob = np.arange(4, dtype=np.float64).tobytes()
    rows = [(7, "bank%1:17:01::", "bank", "n", 0, b"", "bank.n.01", "sloping land\t\"x\"\n"),
            (9, "café%1:06:00::", "café", "n", 2, blob, "cafe.n.01", "a small \\ restaurant")]
    columns = ("id", "key", "lemma", "pos", "count", "vec_sum", "synset", "gloss")
    with db.session() as session:
        Database.insert_rows(session, SenseRow.__table__, columns, rows)
    with db.session() as session:
        Database.update_rows(session, SenseRow.__table__, ("count", "vec_sum"), "id",
                             [(5, blob, 7)])
        # a row added without an id takes one past the explicit ids
        session.add(SenseRow(key="k", synset="s", lemma="l", pos="n", gloss="", vec_sum=b""))
    with db.session() as session:
        got = {r.id: r for r in session.execute(select(SenseRow)).scalars()}
    assert sorted(got) == [7, 9, 10]
    assert (got[7].count, got[7].vec_sum, got[7].gloss) == (5, blob, rows[0][7])
    assert (got[9].key, got[9].vec_sum, got[9].gloss) == (rows[1][1], blob, rows[1][7])
    db.dispose()


def test_a_second_writer_is_refused_until_the_first_is_done(tmp_path, db_url, encoder,
                                                             wordnet):
    first = IndexDirectory(tmp_path / "index", db_url)
    second = IndexDirectory(tmp_path / "index", db_url)
    with first.lock():
        with pytest.raises(IndexLockedError, match="another process is writing"):
            with second.lock():
                pass
    with second.lock():
        pass
    first.close()
    second.close()


def test_a_job_on_an_index_another_writer_holds_stops_before_any_encoding(
        tmp_path, db_url, encoder, wordnet, monkeypatch):
    """A second job on an index another writer holds is refused before the model loads and
    the first chunk is encoded (it encoded ~10 s of a chunk, then met the lock); the index
    is left as it was and indexes once the writer is done."""
    from sensedb import api

    real = api.check_while_encoding
    calls = []
    monkeypatch.setattr(api, "check_while_encoding",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    holder = IndexDirectory(tmp_path / "index", db_url)
    with holder.lock():
        with pytest.raises(IndexLockedError, match="another process is writing"):
            build_index(MINI_XML, tmp_path / "index", gold=MINI_GOLD, db_url=db_url,
                        encoder=encoder, wordnet=wordnet, progress=False)
    assert calls == []
    report = build_index(MINI_XML, tmp_path / "index", gold=MINI_GOLD, db_url=db_url,
                         encoder=encoder, wordnet=wordnet, progress=False)
    assert calls == [1] and report.documents == len(list(read_raganato(MINI_XML, MINI_GOLD)))
    holder.close()
