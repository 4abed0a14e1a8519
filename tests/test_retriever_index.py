"""The facade: one token search per wsd query serves the vote and the evidence."""

from __future__ import annotations

import pytest

from sensedb import SenseIndex


@pytest.fixture()
def index(mini_index, encoder, wordnet):
    return SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)


def count_searches(monkeypatch, store) -> list:
    calls = []
    real = store.search

    def search(queries, k, groups=None):
        calls.append(k)
        return real(queries, k, groups)

    monkeypatch.setattr(store, "search", search)
    return calls


@pytest.mark.parametrize("k", [0, 1, 3, 5, 12])
def test_wsd_searches_the_token_store_once(index, monkeypatch, k):
    sentence = "They fished from the bank of the river"
    expected = index.nearest(index.query_vectors([index.locate(sentence, "bank")])[0],
                             index.lemma_candidates("bank"), k) if k else []
    tokens = count_searches(monkeypatch, index.tokens)
    answer = index.wsd(sentence, "bank", k=k)
    assert len(tokens) == 1
    # the evidence is what a separate nearest() search finds
    assert answer.evidence == expected
    assert len(answer.evidence) == min(k, 6)


def test_cosine_of_two_usages(index):
    same = index.cosine("He sat on the bank of the river", "bank",
                        "They fished from the river bank", "bank")
    assert isinstance(same, float) and -1 <= same <= 1
    assert not hasattr(index, "similarity")  # renamed: sensedb.similarity is the other one


def test_a_run_on_sentence_longer_than_the_model_is_answered(index):
    # a 694-word sentence used to crash the sentence vector (positions past 512)
    words = ("and then we walked and talked for hours about nothing " * 68).split()
    sentence = " ".join(words[:684] + "on the grassy bank of the river to fish".split())
    target = index.locate(sentence, "bank")
    context = index.context_vectors([target], force=True)[0]
    assert context.shape == (384,) and abs(float(context @ context) - 1.0) < 1e-4
    answer = index.disambiguate(target, index.lemma_candidates("bank"),
                                index.query_vectors([target], raw=True)[0], context=context)
    assert answer.best is not None and answer.best.key.startswith("bank%")
    import sensedb

    tagged = sensedb.tag(index, sentence)
    assert any(w.word == "bank" for w in tagged)
