"""Sense-text vectors: the sentence vector of each sense's richer text (gloss, synonyms,
hypernyms, examples; ``indexer.wordnet.sense_text``), a WordNet vector kind stored like the
gloss vectors (sensedb.indexer.glosses, sensedb.indexer.wordnet_vectors)."""

from __future__ import annotations

import numpy as np
import pytest
from indexer_helpers import mini_copy, open_index
from sqlalchemy import select

from sensedb.indexer import WORDNET, IndexDirectory, sense_text
from sensedb.indexer.repair import repair
from sensedb.indexer.verify import verify
from sensedb.retriever import scoring
from sensedb.retriever.sources import ArraySource
from sensedb.schema import WordNetSenseRow
from sensedb.store import l2_normalize


def sources_of(directory: IndexDirectory, lemma: str) -> dict[str, set[str]]:
    """``{source: keys}`` of the WordNet rows of ``lemma``."""
    with directory.db.session() as session:
        rows = session.execute(select(WordNetSenseRow.source, WordNetSenseRow.key)
                               .where(WordNetSenseRow.lemma == lemma)).all()
    out: dict[str, set[str]] = {}
    for source, key in rows:
        out.setdefault(source, set()).add(key)
    return out


def test_sense_text_has_gloss_synonyms_hypernyms_and_examples(wordnet):
    river = sense_text(wordnet, wordnet.sense("bank%1:17:01::"))
    assert river.startswith("bank: sloping land (especially the slope beside a body of water).")
    assert "A kind of slope, incline, side." in river
    assert "they pulled the canoe up on the bank." in river
    money = sense_text(wordnet, wordnet.sense("bank%1:14:00::"))
    assert "Also depository financial institution, banking concern, banking company." in money
    bat = sense_text(wordnet, wordnet.sense("bat%1:05:00::"))  # no examples in WordNet
    assert bat.endswith("A kind of placental, placental mammal, eutherian.")


def test_sense_text_vectors_are_stored_verified_and_repaired(tmp_path, encoder, wordnet):
    path = mini_copy(tmp_path, encoder, wordnet)
    directory = IndexDirectory(path)
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    assert not index.uses_sense_texts  # the corpus formula does not weigh them
    index.ensure([("bank", "NOUN")], sense_texts=True)
    keys = [s.key for s in wordnet.candidates("bank", "NOUN")]
    assert sources_of(directory, "bank")["sense"] == set(keys)
    found, vectors = index.source.wordnet_vectors(keys, "sense")
    assert all(found)
    # a sentence vector, L2-normalized and never z-scored (like the gloss vectors)
    expected = l2_normalize(encoder.sentence_vectors(
        [sense_text(wordnet, wordnet.sense(k)) for k in keys]))
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    index.ensure([("mouse", "NOUN")], sense_texts=True)  # a segment of the WordNet store
    assert WORDNET in directory.manifest().segments
    index.check()
    assert verify(path, deep=True, encoder=encoder).problems == []
    repair(path, encoder=encoder, wordnet=wordnet)  # rebuilt from the rows: the same vectors
    fresh = open_index(path, encoder, wordnet, wordnet_evidence=True)
    np.testing.assert_allclose(fresh.source.wordnet_vectors(keys, "sense")[1], expected,
                               atol=1e-5)


def test_lemmas_added_without_sense_texts_get_them_when_the_scoring_needs_them(
        tmp_path, encoder, wordnet):
    path = mini_copy(tmp_path, encoder, wordnet)
    directory = IndexDirectory(path)
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    index.ensure([("bank", "NOUN")])  # as an index written before sense texts existed
    assert "sense" not in sources_of(directory, "bank") and "gloss" in sources_of(directory,
                                                                                    "bank")
    assert index.ensure([("bank", "NOUN")]) == 0  # not weighed: nothing is encoded
    assert "sense" not in sources_of(directory, "bank")
    index.ensure([("bank", "NOUN")], sense_texts=True)  # the upgrade of a built lemma
    assert len(sources_of(directory, "bank")["sense"]) == len(wordnet.candidates("bank", "NOUN"))
    assert all(index.source.wordnet_vectors([s.key for s in wordnet.candidates("bank", "NOUN")],
                                            "sense")[0])
    index.check()
    assert verify(path, deep=True, encoder=encoder).problems == []


def test_sense_text_features(wordnet):
    senses = wordnet.candidates("bank", "NOUN")[:2]
    dim = 4
    sense = {senses[0].key: np.array([1, 0, 0, 0], np.float32),
             senses[1].key: np.array([0, 1, 0, 0], np.float32)}
    source = ArraySource(wordnet, senses={}, sense=sense)
    plain = np.array([0.6, 0.8, 0, 0], np.float32)
    context = np.array([0, 0.6, 0.8, 0], np.float32)
    found = scoring.candidate_matrix(source, senses, ["bank.NOUN"], np.zeros(dim, np.float32),
                                     plain, context=context)
    columns = [scoring.FEATURES.index(n) for n in ("sense_cos", "context_sense_cos")]
    np.testing.assert_allclose(found.features[:, columns], [[0.6, 0.0], [0.8, 0.6]], atol=1e-6)
    # a weights table written before these features gives them weight 0
    old = scoring.weights_from({"gloss_cos": 1.0})
    assert old[columns].tolist() == [0.0, 0.0]


def test_synset_lemmas(wordnet):
    assert wordnet.synset_lemmas("bank.n.02") == ["depository_financial_institution", "bank",
                                                  "banking_concern", "banking_company"]
    # 'earth' and 'Earth' are one lemma of the planet's synset
    assert wordnet.synset_lemmas("earth.n.01") == ["earth", "world", "globe"]


def test_a_locked_upgrade_warns_what_it_answers_without(tmp_path, encoder, wordnet):
    # the warning said "answering without WordNet vectors for 0 new lemmas" when the step
    # another writer blocked was the upgrade of a built lemma, not an addition
    path = mini_copy(tmp_path, encoder, wordnet)
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    index.ensure([("bank", "NOUN")])  # as an index written before sense texts existed
    with IndexDirectory(path).lock():
        with pytest.warns(UserWarning, match="another process is writing") as caught:
            assert index.ensure([("bank", "NOUN")], sense_texts=True) == 0
    message = str(caught[0].message)
    assert "0 new lemmas" not in message and "bank" in message, message


def test_a_locked_reader_calls_deleted_lemmas_deleted_not_new(tmp_path, encoder, wordnet):
    """While another process deleted WordNet lemmas (``delete --corpus wordnet``), a reader
    that needed a deleted one could not add it back and warned it answered "without the
    WordNet vectors of new lemmas: bank.NOUN": the lemma was not new, it had been deleted.
    The warning names deleted lemmas as deleted and lemmas never added as not yet added."""
    from sensedb.indexer.compaction import delete_document

    path = mini_copy(tmp_path, encoder, wordnet)
    reader = open_index(path, encoder, wordnet, wordnet_evidence=True)
    reader.ensure([("bank", "NOUN"), ("river", "NOUN")])
    assert delete_document(IndexDirectory(path), "bank.NOUN", "wordnet") > 0
    for index in (reader, open_index(path, encoder, wordnet, wordnet_evidence=True)):
        with IndexDirectory(path).lock():  # another deletion under way
            with pytest.warns(UserWarning, match="another process is writing") as caught:
                index.ensure([("bank", "NOUN"), ("fish", "NOUN"), ("river", "NOUN")])
        message = str(caught[0].message)
        assert "new lemmas" not in message, message
        assert "lemmas deleted from the index: bank.NOUN" in message, message
        assert "lemmas not yet in the index: fish.NOUN" in message, message
        assert "river" not in message, message
