"""Evidence sources: the in-memory source gives the index-backed source's scores; a FAISS
store that lacks a row's id is an IndexFormatError; propagation."""

from __future__ import annotations

import numpy as np
import pytest

from sensedb import InputError, SenseIndex
from sensedb.retriever import scoring
from sensedb.retriever.sources import ArraySource, EvidenceSource, IndexSource
from sensedb.store import VectorStore, l2_normalize
from sensedb.vocabulary import group_key

USAGES = [("They fished from the bank of the river", "bank"),
          ("I paid the money into my account at the bank", "bank"),
          ("The plant needs more water", "plant"),
          ("The party took place at noon", "took place")]


def _score(index: SenseIndex, source: EvidenceSource, sentence: str, target: str,
           **options) -> scoring.Scored:
    located = index.locate(sentence, target)
    pairs = index.lemma_candidates(located.surface)
    raw = index.query_vectors([located], raw=True)[0]
    candidates = [s for lemma, pos in pairs for s in index.inventory.candidates(lemma, pos)]
    return scoring.score_candidates(
        source, candidates, [group_key(lemma, pos) for lemma, pos in pairs],
        index.normalizer(raw), l2_normalize(raw), index.weights,
        context=index.context_vectors([located], force=True)[0], **options)


@pytest.fixture(scope="module")
def index(mini_index, encoder, wordnet):
    return SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)


@pytest.mark.parametrize("propagate", [False, True])
def test_array_source_reproduces_the_index_scores(index, propagate):
    memory = ArraySource.from_source(index.source)
    assert isinstance(index.source, IndexSource)
    for sentence, target in USAGES:
        on_index = _score(index, index.source, sentence, target, propagate=propagate,
                          evidence_k=4)
        in_memory = _score(index, memory, sentence, target, propagate=propagate,
                           evidence_k=4)
        np.testing.assert_allclose(in_memory.found.features, on_index.found.features,
                                   atol=1e-6)
        np.testing.assert_allclose(in_memory.scores, on_index.scores, atol=1e-5)
        assert in_memory.order == on_index.order
        assert in_memory.decided_by == on_index.decided_by
        assert [i for i, _ in in_memory.found.tokens] == [i for i, _ in on_index.found.tokens]
        assert in_memory.found.fallback == on_index.found.fallback
        assert in_memory.found.support == on_index.found.support


def test_array_source_from_plain_arrays(wordnet):
    rng = np.random.default_rng(0)
    tokens = l2_normalize(rng.normal(size=(4, 8)).astype(np.float32))
    source = ArraySource(
        wordnet, senses={"bank%1:17:01::": tokens[0] + tokens[1]},
        support={"bank%1:17:01::": 2}, gloss={"bank%1:14:00::": tokens[2]},
        tokens=tokens, token_keys=[["bank%1:17:01::"], ["bank%1:17:01::"],
                                   ["bank%1:14:00::"], ["plant%1:03:00::"]],
        token_groups=["bank\tNOUN"] * 3 + ["plant\tNOUN"], token_ids=[10, 11, 12, 13])
    assert source.token_count(["bank\tNOUN"]) == 3
    hits = source.search_tokens(tokens[2], ["bank\tNOUN"], 2)
    assert hits[0] == (12, pytest.approx(1.0)) and len(hits) == 2
    assert source.token_keys([13, 99]) == [["plant%1:03:00::"], []]
    found, vectors = source.sense_vectors(["bank%1:14:00::", "bank%1:17:01::"])
    assert found == [False, True] and vectors.shape == (1, 8) and vectors.dtype == np.float32
    assert source.support(["bank%1:17:01::", "bank%1:14:00::"]) == {"bank%1:17:01::": 2}
    candidates = wordnet.candidates("bank", "NOUN")
    result = scoring.candidate_matrix(source, candidates, ["bank\tNOUN"], tokens[0],
                                      tokens[0], rank_every_token=True)
    named = dict(zip(scoring.FEATURES, result.features[0], strict=True))  # bank%1:17:01::
    assert candidates[0].key == "bank%1:17:01::"
    assert named["vote"] == pytest.approx(2 / 3) and named["nn_cos"] == pytest.approx(1.0)
    with pytest.raises(InputError, match="one of each per token"):
        ArraySource(wordnet, tokens=tokens, token_keys=[[]], token_groups=["x"])


def test_a_row_not_in_the_current_generation_is_no_evidence(index):
    # a job killed before its rebuild: the database has rows the FAISS generation lacks
    behind = IndexSource(index.queries, senses=VectorStore(index.senses.dim),
                         tokens=index.tokens, wordnet_senses=index.wordnet_senses,
                         inventory=index.inventory, name="mini")
    found, vectors = behind.sense_vectors(["bank%1:17:01::"])
    assert found == [False] and len(vectors) == 0
    assert behind.support(["bank%1:17:01::"]) == {}


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


def test_nearest_example_token_is_a_feature(wordnet):
    rng = np.random.default_rng(1)
    vectors = l2_normalize(rng.normal(size=(4, 8)).astype(np.float32))
    source = ArraySource(
        wordnet, gloss={"bank%1:17:01::": vectors[0]},
        example_tokens=vectors[1:], example_groups=["bank\tNOUN"] * 2 + ["plant\tNOUN"],
        example_keys=[["bank%1:17:01::"], ["bank%1:14:00::"], ["plant%1:03:00::"]])
    assert source.example_count(["bank\tNOUN"]) == 2
    hits = source.search_examples(vectors[2], ["bank\tNOUN"], 5)
    assert [keys for _, _, keys in hits] == [["bank%1:14:00::"], ["bank%1:17:01::"]]
    assert hits[0][1] == pytest.approx(1.0)
    candidates = wordnet.candidates("bank", "NOUN")
    result = scoring.candidate_matrix(source, candidates, ["bank\tNOUN"], vectors[1], vectors[1])
    column = scoring.FEATURES.index("example_nn_cos")
    by_key = {s.key: row[column] for s, row in zip(candidates, result.features, strict=True)}
    assert by_key["bank%1:17:01::"] == pytest.approx(1.0)
    assert by_key["bank%1:14:00::"] == pytest.approx(float(vectors[1] @ vectors[2]))
    assert by_key["bank%1:21:00::"] == 0.0  # no example token
    off = scoring.candidate_matrix(source, candidates, ["bank\tNOUN"], vectors[1], vectors[1],
                                   use_examples=False)
    assert not off.features[:, column].any()
    with pytest.raises(InputError, match="example vectors"):
        ArraySource(wordnet, example_tokens=vectors, example_keys=[[]], example_groups=["x"])

