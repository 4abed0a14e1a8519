"""Last-layer retrieval heads (sensedb.head.layer): the written-out layer equals the model's,
the encoder reruns a head's layer on word vectors only, the file keeps the layer, and a head's
scoring formulas give weight 0 to features it was not trained with."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sensedb import Encoder
from sensedb.errors import ConfigurationError
from sensedb.head import RetrievalHead
from sensedb.head.layer import LAYER_KEYS, layer_forward
from sensedb.retriever.scoring import FEATURES, weights_for

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SENTENCES = [["He", "sat", "on", "the", "bank", "of", "the", "river"],
             ["The", "bank", "raised", "its", "rates"]]


@pytest.fixture(scope="module")
def plain():
    return Encoder(threads=2, head=None)


def own_layer(encoder: Encoder, scale: float = 0.0, seed: int = 0) -> dict[str, np.ndarray]:
    """The model's last-layer parameters, the tail perturbed by ``scale`` (float16)."""
    rng = np.random.default_rng(seed)
    state = encoder.model.encoder.layer[-1].state_dict()
    out = {}
    for name in LAYER_KEYS:
        value = state[name].numpy()
        if scale and name.startswith("intermediate."):
            value = value + scale * rng.standard_normal(value.shape)
        out[name] = value.astype(np.float16)
    return out


def test_written_out_layer_equals_the_models(plain):
    pieces = [ids for ids, _ in plain._pieces(SENTENCES)]
    states = plain._forward_pieces(pieces)
    lengths = torch.tensor([len(p) + 2 for p in pieces])
    mask = torch.arange(states[-1].shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
    layer = plain.model.encoder.layer[-1]
    with torch.no_grad():
        whole = layer_forward(layer, states[-2], mask)
        rows, cols = torch.tensor([0, 1, 1]), torch.tensor([5, 2, 6])
        some = layer_forward(layer, states[-2], mask, rows, cols)
    for row, n in enumerate(lengths.tolist()):  # padding rows are not compared
        np.testing.assert_allclose(whole[row, :n], states[-1][row, :n], atol=1e-4)
    np.testing.assert_allclose(some, states[-1][rows, cols], atol=1e-4)


def test_encoder_reruns_the_heads_layer_on_word_vectors_only(plain, tmp_path):
    same = RetrievalHead(None, None, model=MODEL, layer=own_layer(plain))
    changed = RetrievalHead(None, None, model=MODEL, layer=own_layer(plain, 0.05))
    assert same.sha256 != changed.sha256 and same.dim == 384
    path = changed.save(tmp_path / "h")
    loaded = RetrievalHead.load(path)
    assert loaded.sha256 == changed.sha256 and loaded.word is None
    assert loaded.layer["output.dense.weight"].dtype == np.float16
    assert path.stat().st_size < 5 << 20
    base = plain.word_vectors(SENTENCES)
    with_same = Encoder(threads=2, head=same).word_vectors(SENTENCES)
    headed = Encoder(threads=2, head=loaded)
    with_changed = headed.word_vectors(SENTENCES)
    for a, b, c in zip(base, with_same, with_changed, strict=True):
        # the model's own weights (rounded to float16) give the model's vectors back
        np.testing.assert_allclose(a, b, atol=2e-2)
        assert np.abs(a - c).max() > 0.1
    text = ["a bank of a river"]
    np.testing.assert_allclose(headed.sentence_vectors(text), plain.sentence_vectors(text),
                               atol=1e-6)
    # the same from the word pass: the model's own last layer, not the head's
    np.testing.assert_allclose(headed.word_and_sentence_vectors([text[0].split()])[1],
                               plain.sentence_vectors(text), atol=1e-5)
    assert headed.describe()["head"]["sha256"] == loaded.sha256


def test_layer_that_does_not_fit_the_model_is_refused(plain):
    bad = own_layer(plain)
    bad["output.dense.weight"] = np.zeros((384, 384), np.float16)
    with pytest.raises(ConfigurationError, match="output.dense.weight"):
        Encoder(threads=2, head=RetrievalHead(None, None, model=MODEL, layer=bad))
    with pytest.raises(ConfigurationError, match="no map, no layer and no adapter"):
        RetrievalHead(None, None, model=MODEL)


def test_head_formulas_give_weight_zero_to_features_they_lack(tmp_path):
    # a head trained before features were appended to scoring.FEATURES names only the older
    # ones: the appended ones score 0 and the others keep their weights
    known = FEATURES[:-2]
    scoring = {family: {name: float(n + 1) for n, name in enumerate(known)}
               for family in ("corpus", "wordnet_only")}
    head = RetrievalHead(np.eye(384), np.eye(384), model=MODEL, scoring=scoring)
    loaded = RetrievalHead.load(head.save(tmp_path / "h.npz"))
    for corpus in (True, False):
        weights = weights_for(loaded.scoring, corpus=corpus)
        assert weights.shape == (len(FEATURES),)
        assert weights[-2:].tolist() == [0.0, 0.0]
        assert weights[:-2].tolist() == [float(n + 1) for n in range(len(known))]
