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
