"""Evidence scoring: feature vectors, the conditional-logit fit, tagging raw text."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MINI_GOLD, MINI_XML

from sensedb import SenseIndex
from sensedb.retriever import scoring
from sensedb.retriever.tagger import content_spans, split_sentences


def test_features_mark_missing_evidence():
    f = scoring.candidate_features(corpus_cos=None, support=0, vote=0.0, gloss_cos=0.4,
                                   example_cos=None, wordnet_count=0, sense_number=1)
    named = dict(zip(scoring.FEATURES, f, strict=True))
    assert named["has_corpus"] == 0 and named["corpus_cos"] == 0
    assert named["has_gloss"] == 1 and named["gloss_cos"] == pytest.approx(0.4)
    assert named["first_sense"] == 1 and named["inv_rank"] == 1


def test_fit_weights_learns_the_informative_feature():
    rng = np.random.default_rng(0)
    features, golds = [], []
    for _ in range(300):
        n = rng.integers(2, 6)
        x = rng.normal(size=(n, len(scoring.FEATURES))) * 0.1
        gold = np.zeros(n, bool)
        gold[rng.integers(n)] = True
        x[gold, scoring.FEATURES.index("gloss_cos")] += 1.0  # the gold sense's gloss fits
        x[:, scoring.FEATURES.index("inv_rank")] = rng.random(n)  # noise
        features.append(x)
        golds.append(gold)
    weights = scoring.fit_weights(features, golds)
    assert weights[scoring.FEATURES.index("gloss_cos")] > 5 * abs(
        weights[scoring.FEATURES.index("inv_rank")])
    right = sum(bool(g[np.argmax(x @ weights)]) for x, g in zip(features, golds, strict=True))
    assert right >= 295
    masked = scoring.fit_weights(features, golds,
                                 mask=np.array([n != "gloss_cos" for n in scoring.FEATURES]))
    assert masked[scoring.FEATURES.index("gloss_cos")] == 0


def test_decided_by_names_the_largest_gap():
    weights = scoring.weights_from({"gloss_cos": 2.0, "log_wordnet_count": 1.0})
    winner = scoring.candidate_features(corpus_cos=None, support=0, vote=0, gloss_cos=0.9,
                                        example_cos=None, wordnet_count=1, sense_number=2)
    second = scoring.candidate_features(corpus_cos=None, support=0, vote=0, gloss_cos=0.2,
                                        example_cos=None, wordnet_count=2, sense_number=1)
    assert scoring.decided_by(np.stack([winner, second]), weights) == "gloss"


def test_sentence_split_and_content_words(wordnet, tmp_path, encoder, mini_index):
    assert split_sentences("It rained. Then? Yes!  Done") == ["It rained.", "Then?", "Yes!",
                                                               "Done"]
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    words = ["The", "meeting", "took", "place", "at", "the", "bank", "."]
    spans = [(a, b) for a, b, _ in content_spans(index, words)]
    assert spans == [(1, 2), (2, 4), (6, 7)]


def test_tag_text_every_content_word(mini_index, encoder, wordnet):
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    text = "He sat on the bank of the river. The bank raised its rates."
    tagged = index.tag(text)
    assert [(w.sentence, w.word) for w in tagged] == [
        (0, "sat"), (0, "bank"), (0, "river"), (1, "bank"), (1, "raised"), (1, "rates")]
    banks = [w for w in tagged if w.word == "bank"]
    assert [w.key for w in banks] == ["bank%1:17:01::", "bank%1:14:00::"]
    assert all(0 < w.confidence <= 1 and w.candidates >= 1 for w in tagged)
    assert [w.candidates for w in tagged if w.word == "river"] == [1]
    same = index.tag(text, one_sense_per_discourse=True)
    assert len({w.key for w in same if w.word == "bank"}) == 1
    unsure = index.tag(text, min_confidence=1.01)
    assert all(w.key is None for w in unsure)


def test_evaluate_reports_coverage_and_abstains(mini_index, encoder, wordnet):
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    full = index.evaluate(MINI_XML, MINI_GOLD)
    assert full["coverage"] == 100.0 and full["abstained"] == 0
    assert sum(full["decided_by"].values()) == full["n"] == 19
    shy = index.evaluate(MINI_XML, MINI_GOLD, min_confidence=1.01)
    assert shy["answered"] == 0 and shy["abstained"] == 19 and shy["recall"] == 0
    textbook = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet,
                          scoring_method="cosine").evaluate(MINI_XML, MINI_GOLD)
    assert textbook["n"] == 19 and textbook["f1"] >= 90


def test_evaluate_one_sense_per_discourse(mini_index, encoder, wordnet, tmp_path):
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    out = tmp_path / "pred.key"
    result = index.evaluate(MINI_XML, MINI_GOLD, one_sense_per_discourse=True, out=out)
    assert result["n"] == 19 and result["coverage"] == 100.0
    predicted = dict(line.split() for line in out.read_text().splitlines())
    lemma_of = {}
    for line in MINI_XML.read_text().splitlines():
        if "<instance" in line:
            iid = line.split('id="')[1].split('"')[0]
            lemma_of[iid] = (iid.split(".")[0], line.split('lemma="')[1].split('"')[0],
                             line.split('pos="')[1].split('"')[0])
    chosen: dict[tuple, set[str]] = {}
    for iid, key in predicted.items():
        chosen.setdefault(lemma_of[iid], set()).add(key)
    assert all(len(keys) == 1 for keys in chosen.values())  # one sense per (doc, lemma, POS)


def test_row_cache_gives_the_same_answers(mini_index, encoder, wordnet):
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    text = "He sat on the bank of the river. The bank raised its rates."
    first = index.tag(text)
    assert index.queries.cache["senses"]  # the lookups were cached...
    again = index.tag(text)
    fresh = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet,
                       wordnet_evidence=False).tag(text)
    assert first == again == fresh  # ...and change nothing
    index.reload()
    assert index.queries.cache == {}


def test_propagation_gives_unseen_senses_a_corpus_vector(mini_index, encoder, wordnet):
    sentence = "We walked along the riverbank at dusk"
    plain = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    assert plain.wsd(sentence, "riverbank").senses[0].cosine is None  # never labelled
    propagated = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet,
                            wordnet_evidence=False, propagate=True)
    answer = propagated.wsd(sentence, "riverbank").senses[0]
    # its hypernym bank.n.01 is labelled in the corpus: the cosine is to that sense's mean
    bank = propagated.wsd("He sat on the bank of the river", "bank")
    bank_vector = propagated.senses.vectors([propagated.queries.sense_rows(["bank%1:17:01::"])
                                             ["bank%1:17:01::"][0]])[0]
    query = propagated.query_vectors([propagated.locate(sentence, "riverbank")])[0]
    assert answer.cosine is not None and answer.support == 0
    assert abs(answer.cosine - float(bank_vector @ query)) < 1e-5
    assert bank.best.key == "bank%1:17:01::"
