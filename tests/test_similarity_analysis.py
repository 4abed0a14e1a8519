"""sensedb.similarity.analysis and .usages: locating, encoding, the gloss-context word
vectors, usage queries."""

from __future__ import annotations

import numpy as np
import pytest

import sensedb
from sensedb import SenseIndex
from sensedb.errors import InputError
from sensedb.similarity import analysis
from sensedb.similarity.usages import UsageQuery

RIVER = ("He sat on the bank of the river and fished", "bank")
MONEY = ("She deposited the money at the bank", "bank")


@pytest.fixture(scope="module")
def index(mini_index, encoder, wordnet):
    return SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)


def test_analysis_shapes_and_dedup(index):
    result = analysis.analyze(index, [(RIVER, MONEY), (RIVER, RIVER)],
                              representations=("last", "shift-log:signed"))
    assert result.pair_index.tolist() == [[0, 1], [0, 0]] and len(result.usages) == 2
    dim = index.encoder.dim
    for name in ("index", "raw", "context", "last", "shift-log:signed"):
        assert result.vectors[name].shape == (2, dim)
        assert result.vectors[name].dtype == np.float32
    assert np.allclose(np.linalg.norm(result.vectors["last"], axis=1), 1.0, atol=1e-5)
    usage = result.usages[0]
    assert usage.synsets and usage.wsd.shape == usage.gloss.shape == (len(usage.synsets),)


def test_gloss_word_vectors_are_word_vectors_of_the_lemma(index):
    key = "bank%1:17:01::"
    analysis.clear_gloss_word_vectors(index)
    vectors = analysis.gloss_word_vectors(index, [key])
    sense = index.inventory.sense(key)
    words = [sense.lemma.replace("_", " "), ":", *sensedb.tokenize(sense.gloss)]
    expected = index.normalizer(index.encoder.word_vectors([words])[0][:1])[0]
    assert vectors[key].shape == (index.encoder.dim,)
    assert np.array_equal(vectors[key], expected)
    assert analysis.gloss_word_vectors(index, [key])[key] is vectors[key]  # cached


def test_bad_pairs_are_input_errors(index):
    with pytest.raises(InputError):
        analysis.analyze(index, [(RIVER,)])
    with pytest.raises(InputError):
        UsageQuery.of(42)
