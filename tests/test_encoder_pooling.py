"""Word pooling on the device: ``Encoder.prepare`` + ``encode_prepared`` against the model's
hidden states pooled by hand, and against ``word_matrix``."""

from __future__ import annotations

import numpy as np
import torch

SENTENCES = [["He", "sat", "on", "the", "riverbank"], ["Unbelievably", "New York", "!"],
             ["x"] * 300]


def test_word_vectors_are_the_mean_of_their_pieces_hidden_states(encoder):
    words = SENTENCES[1]
    encoded = encoder.tokenizer(words, is_split_into_words=True, return_tensors="pt")
    with torch.inference_mode():
        states = encoder.model(**encoded, output_hidden_states=True).hidden_states[-1][0]
    owner = encoded.word_ids(0)
    expected = np.stack([states[[p for p, w in enumerate(owner) if w == n]].mean(0).numpy()
                         for n in range(len(words))])
    if encoder.head is not None:
        expected = encoder.head.words(expected)
    got = encoder.word_vectors([words])[0]
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_prepared_calls_equal_word_matrix(encoder):
    prepared = encoder.prepare(SENTENCES)
    assert prepared.offsets.tolist() == [0, 5, 8, 308]
    assert prepared.counts.shape == (308,) and prepared.counts.min() >= 1
    matrices, offsets = encoder.encode_prepared(prepared, {"a": "last", "b": "last4"})
    matrix, _ = encoder.word_matrix(SENTENCES)
    np.testing.assert_array_equal(matrices["a"], matrix)
    assert matrices["b"].shape == matrix.shape and not np.allclose(matrices["b"], matrix)
    done = []
    encoder.encode_prepared(prepared, progress=done.append)
    assert sum(done) == 308
