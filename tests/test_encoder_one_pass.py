"""Sentence vectors pooled from the word pass (``Encoder.encode_prepared(sentences=True)``):
the model's own sentence embedding without a second forward pass, on the real model."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from sensedb import Encoder

ORDINARY = [
    ["He", "sat", "on", "the", "bank", "of", "the", "river", "."],
    ["She", "deposited", "the", "money", "in", "the", "bank"],
    ["Unbelievably", "!"],
    ["It", "took place", "here"],  # a multiword token: its words joined by a space
    ["naïve", "café", "✓", "日本"],
    ["Turn", "left", "at", "the", "second", "light"],
    "Apple released a new phone yesterday , and shares rose 3.5 % in early trading".split(),
    ["x"],
]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_one_pass_sentence_vectors_equal_the_models_own(encoder):
    words, found = encoder.word_and_sentence_vectors(ORDINARY)
    assert found.shape == (len(ORDINARY), 384) and found.dtype == np.float32
    expected = encoder.sentence_vectors([" ".join(w) for w in ORDINARY])
    np.testing.assert_allclose(found, expected, atol=1e-5)
    assert np.allclose(np.linalg.norm(found, axis=1), 1.0, atol=1e-5)
    # the word vectors are those of a call without sentence vectors
    plain = encoder.word_vectors(ORDINARY)
    for a, b in zip(words["v"], plain, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_one_pass_sentence_vectors_do_not_depend_on_batching(encoder):
    small = copy.copy(encoder)
    small.batch_tokens = 40  # a few sentences per forward pass
    many = ORDINARY + [["word"] * n for n in range(1, 30)]
    assert small.batch_plan(many)["batches"] > 5
    _, alone = small.word_and_sentence_vectors(many)
    _, together = encoder.word_and_sentence_vectors(many)
    np.testing.assert_allclose(alone, together, atol=1e-5)
    np.testing.assert_allclose(
        together, encoder.sentence_vectors([" ".join(w) for w in many]), atol=1e-5)


def test_encode_prepared_counts_one_forward_pass_per_batch(encoder):
    calls = []
    hook = encoder.model.register_forward_hook(lambda *_: calls.append(1))
    try:
        prepared = encoder.prepare(ORDINARY)
        matrices, offsets, found = encoder.encode_prepared(prepared, sentences=True)
    finally:
        hook.remove()
    assert len(calls) == len(prepared.batches) == 1
    assert matrices["v"].shape == (int(offsets[-1]), 384) and found.shape == (len(ORDINARY), 384)


def test_long_sentence_pools_its_windows_by_pieces(encoder):
    long = ("he sat on the grassy bank of the river to fish while the stock market "
            "crashed somewhere far away").split() * 40  # ~700 pieces: > 512, several windows
    pieces, _ = encoder._pieces([long])[0]
    assert len(pieces) > 512
    prepared = encoder.prepare([long, ORDINARY[0]])
    _, _, found = encoder.encode_prepared(prepared, sentences=True)
    assert np.isfinite(found).all() and abs(float(np.linalg.norm(found[0])) - 1.0) < 1e-5
    # the piece-weighted mean of the word pass's own (overlapping) windows, each the model's
    # mean over its pieces with [CLS]/[SEP], normalized: recomputed window by window here
    windows = [w for w in encoder._windows([long], np.array([0, len(long)])) if w.sentence == 0]
    assert len(windows) > 2 and all(len(w.piece_ids) <= encoder.window_pieces for w in windows)
    total = np.zeros(384)
    for window in windows:
        last = encoder._forward_pieces([window.piece_ids])[-1][0].float()
        vector = torch.nn.functional.normalize(last.mean(0), dim=0).numpy()
        total += len(window.piece_ids) * vector
    np.testing.assert_allclose(found[0], total / np.linalg.norm(total), atol=1e-5)
    # close to the text pipeline's vector (consecutive windows there, overlapping here)
    assert cosine(found[0], encoder.sentence_vectors([" ".join(long)])[0]) > 0.99
    np.testing.assert_allclose(found[1], encoder.sentence_vectors([" ".join(ORDINARY[0])])[0],
                               atol=1e-5)


def test_other_sentence_pipelines_fall_back_to_sentence_vectors(encoder):
    from sensedb.encoder import _load_sentence_transformer, default_model_path

    other = copy.copy(encoder)
    # as for a CLS-pooling or Dense model: loaded through sentence-transformers, whose
    # pipeline gives the sentence vectors
    other._st = _load_sentence_transformer(default_model_path(), "cpu")
    other._sentence_pooling = None
    _, found = other.word_and_sentence_vectors(ORDINARY[:3])
    theirs = other._st.encode([" ".join(w) for w in ORDINARY[:3]], convert_to_numpy=True)
    np.testing.assert_allclose(found, theirs, atol=1e-5)


@pytest.mark.parametrize("dtype", ["bf16"])
def test_one_pass_follows_the_models_dtype(dtype):
    lower = Encoder(threads=2, dtype=dtype)
    _, found = lower.word_and_sentence_vectors(ORDINARY[:2])
    assert found.dtype == np.float32
    np.testing.assert_allclose(found, lower.sentence_vectors([" ".join(w) for w in ORDINARY[:2]]),
                               atol=2e-2)
