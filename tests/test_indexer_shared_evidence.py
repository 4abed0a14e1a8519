"""WordNet evidence encoded once per machine and shared by indexes of one encoder setting
(sensedb.indexer.shared_evidence)."""

from __future__ import annotations

import logging
import sqlite3

import numpy as np
import pytest
from indexer_helpers import mini_copy, open_index

from sensedb.indexer.shared_evidence import SharedEvidence

LEMMAS = [("bank", "NOUN"), ("plant", "NOUN")]
QUERIES = [("He sat on the bank of the river", "bank"),
           ("The plant needs water and light", "plant")]


def answers(index) -> list:
    return [[(s.key, round(s.score, 4)) for s in index.wsd(sentence, target).senses]
            for sentence, target in QUERIES]


def wordnet_vectors(index) -> dict:
    """Every WordNet gloss and example-mean vector of the index, by (key, source)."""
    rows = index.queries.wordnet_rows([s.key for lemma, pos in LEMMAS
                                       for s in index.inventory.candidates(lemma, pos)])
    return {key: index.wordnet_senses.vectors([row[0]])[0] for key, row in rows.items()}


class Passes:
    """Counts the encoder's passes (the real encoder still runs)."""

    def __init__(self, encoder, monkeypatch) -> None:
        self.texts = 0
        for name in ("sentence_vectors", "word_matrix"):
            real = getattr(encoder, name)

            def counted(items, *args, _real=real, **kwargs):
                self.texts += len(items)
                return _real(items, *args, **kwargs)

            monkeypatch.setattr(encoder, name, counted)


def test_a_second_index_reads_the_evidence_the_first_encoded(tmp_path, encoder, wordnet,
                                                             monkeypatch):
    monkeypatch.setenv("SENSEDB_SHARED_EVIDENCE", str(tmp_path / "evidence.sqlite"))
    first = open_index(mini_copy(tmp_path / "a", encoder, wordnet), encoder, wordnet,
                       wordnet_evidence=True)
    passes = Passes(encoder, monkeypatch)
    first.ensure(LEMMAS)
    encoded = passes.texts
    assert encoded > 20  # every gloss and example sentence of the two lemmas
    with sqlite3.connect(tmp_path / "evidence.sqlite") as db:
        kept = db.execute("SELECT count(*) FROM vectors").fetchone()[0]
    assert kept == encoded  # one vector per gloss, one per example usage

    second = open_index(mini_copy(tmp_path / "b", encoder, wordnet), encoder, wordnet,
                        wordnet_evidence=True)
    passes.texts = 0
    assert second.ensure(LEMMAS) == 2
    assert passes.texts == 0  # read, not encoded
    mine, theirs = wordnet_vectors(first), wordnet_vectors(second)
    assert mine.keys() == theirs.keys() and len(mine) > 10
    for key in mine:
        np.testing.assert_allclose(mine[key], theirs[key], atol=1e-6)
    assert answers(second) == answers(first)
    second.check()


def test_an_unreadable_evidence_file_is_passed_over(tmp_path, encoder, wordnet, monkeypatch,
                                                    caplog):
    broken = tmp_path / "evidence.sqlite"
    broken.write_bytes(b"not a database" * 100)
    monkeypatch.setenv("SENSEDB_SHARED_EVIDENCE", str(broken))
    index = open_index(mini_copy(tmp_path, encoder, wordnet), encoder, wordnet,
                       wordnet_evidence=True)
    with caplog.at_level(logging.WARNING, logger="sensedb.indexer.shared_evidence"):
        assert index.ensure(LEMMAS[:1]) == 1
    assert "shared WordNet evidence unavailable" in caplog.text
    assert not any(s.fallback for s in index.wsd(*QUERIES[0]).senses)  # encoded instead


def test_off_means_every_index_encodes_its_own(tmp_path, encoder, wordnet, monkeypatch):
    monkeypatch.setenv("SENSEDB_SHARED_EVIDENCE", "off")
    index = open_index(mini_copy(tmp_path, encoder, wordnet), encoder, wordnet,
                       wordnet_evidence=True)
    passes = Passes(encoder, monkeypatch)
    index.ensure(LEMMAS[:1])
    assert passes.texts > 0
    assert not (tmp_path / "evidence.sqlite").exists()


def test_vectors_of_another_encoder_setting_are_not_shared(tmp_path, encoder):
    shared = SharedEvidence(encoder, tmp_path / "evidence.sqlite")
    vector = shared.sentence_vectors(["bank: sloping land"])
    assert shared.misses == 1 and vector.shape == (1, encoder.dim)
    assert np.allclose(shared.sentence_vectors(["bank: sloping land"]), vector)
    assert shared.hits == 1
    other = SharedEvidence(encoder, tmp_path / "evidence.sqlite")
    other._sentence_setting += "-another-model"  # as an encoder with another description
    other.sentence_vectors(["bank: sloping land"])
    assert other.misses == 1 and other.hits == 0


def test_tagging_cold_answers_as_warm(tmp_path, encoder, wordnet, monkeypatch):
    """The first tagging of new text adds its lemmas' WordNet evidence as it goes (every
    gloss and example encoded: nothing shared yet); its answers are those of the same text
    tagged again with the evidence in place, and of a second index that reads the evidence
    the first one encoded."""
    from sensedb.streaming import tag_stream

    monkeypatch.setenv("SENSEDB_SHARED_EVIDENCE", str(tmp_path / "evidence.sqlite"))
    texts = ["The bank raised its rates. We walked along the river bank.",
             "The plant needs water and light.", "She deposited the money and it took place."]
    index = open_index(mini_copy(tmp_path / "a", encoder, wordnet), encoder, wordnet,
                       wordnet_evidence=True)
    passes = Passes(encoder, monkeypatch)
    cold = list(tag_stream(index, texts, max_sentences=2))  # three additions
    encoded = passes.texts
    assert encoded > 100 and index.info()["corpora"]["wordnet"] > 10
    passes.texts = 0
    warm = list(tag_stream(index, texts, max_sentences=2))
    assert passes.texts <= 5  # nothing left to add: its sentences' context vectors only
    assert len(cold) > 8 and cold == warm  # every field, scores to the last bit
    second = open_index(mini_copy(tmp_path / "b", encoder, wordnet), encoder, wordnet,
                        wordnet_evidence=True)
    passes.texts = 0
    shared = list(tag_stream(second, texts, max_sentences=2))
    assert passes.texts <= 5  # the evidence read, not encoded
    assert [{k: v for k, v in r.items() if k != "score"} for r in shared] == [
        {k: v for k, v in r.items() if k != "score"} for r in cold]
    assert [r["score"] for r in shared] == pytest.approx([r["score"] for r in cold], abs=1e-6)
