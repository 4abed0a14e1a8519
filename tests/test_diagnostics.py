"""Anisotropy diagnostics and attention key words on the real model and a tiny index."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import sensedb
from sensedb import InputError, SenseIndex
from sensedb.cli import cli
from sensedb.retriever import diagnostics
from sensedb.retriever.diagnostics import anisotropy, attention_keywords, format_anisotropy

MINILM_DEAD = {127, 223, 319}  # MiniLM's last-layer dimensions with ~zero variance


@pytest.fixture(scope="module")
def index(mini_index, encoder, wordnet):
    return SenseIndex(mini_index, encoder=encoder, wordnet=wordnet)


@pytest.fixture(scope="module")
def report(index):
    return anisotropy(index, pairs=20000)


def test_anisotropy_report(report, encoder):
    assert (report["sentences"], report["tokens"], report["pairs"]) == (9, 79, 20000)
    assert report["representation"] == "last" and report["standardized_index"] is False
    names = [layer["layer"] for layer in report["layers"]]
    assert names == [f"layer{i}" for i in range(encoder.num_layers + 1)] + [
        "last4", "index (last)"]
    for layer in report["layers"]:
        for key in ("cosine", "cosine_standardized"):
            assert math.isfinite(layer[key]) and -1.0 <= layer[key] <= 1.0, layer
        # z-scoring with the sample's own statistics removes the common direction
        assert abs(layer["cosine_standardized"]) < 0.1, layer
        rogue = layer["rogue_dimensions"]
        assert len(rogue) == 5 and len({d["dim"] for d in rogue}) == 5
        assert all(0 <= d["dim"] < encoder.dim and math.isfinite(d["share"]) for d in rogue)
        assert sum(d["share"] for d in rogue) <= 1.0 + 1e-9
        assert [d["contribution"] for d in rogue] == sorted(
            (d["contribution"] for d in rogue), reverse=True)
    by_name = {layer["layer"]: layer for layer in report["layers"]}
    last = by_name[f"layer{encoder.num_layers}"]
    # near-zero-variance dimensions are zeroed, not divided by ~0 (no NaN, no blow-up)
    assert MINILM_DEAD <= set(last["zeroed_dimensions"])
    assert MINILM_DEAD <= set(by_name["index (last)"]["zeroed_dimensions"])
    # the index's own representation is the last layer; its statistics cover the same 9
    # sentences, so both rows agree
    assert by_name["index (last)"]["cosine"] == pytest.approx(last["cosine"], abs=1e-5)
    assert by_name["index (last)"]["cosine_standardized"] == pytest.approx(
        last["cosine_standardized"], abs=2e-3)
    # raw token vectors of unrelated sentences are far from orthogonal in the middle layers
    assert by_name["layer3"]["cosine"] > 0.1
    text = format_anisotropy(report)
    assert "index (last)" in text and "layer0" in text and "nan" not in text.lower()


def test_anisotropy_sampling_is_reproducible(index):
    a = anisotropy(index, sample_sentences=4, pairs=500, seed=3)
    b = anisotropy(index, sample_sentences=4, pairs=500, seed=3)
    assert a == b and a["sentences"] == 4 and a["pairs"] == 500
    with pytest.raises(InputError):
        anisotropy(index, sample_sentences=1)


def test_pairs_come_from_different_sentences():
    sentence_of = np.repeat(np.arange(3), [5, 1, 2])
    first, second = diagnostics._pairs(sentence_of, 1000, np.random.default_rng(0))
    assert len(first) == len(second) == 1000
    assert np.all(sentence_of[first] != sentence_of[second])


def test_attention_received(encoder):
    words = "The bank raised the interest rates".split()
    attention = encoder.model.config._attn_implementation
    before = encoder.word_vectors([words])[0]
    scores = encoder.attention_received(words)
    assert scores.shape == (len(words),) and scores.sum() == pytest.approx(1.0)
    assert np.all(scores > 0)
    by_word = dict(zip(words, scores, strict=True))
    for content in ("bank", "raised", "interest", "rates"):  # every content word beats "the"
        assert by_word[content] > max(scores[0], scores[3]), (content, scores)
    # a multi-piece word and a multiword unit are still one score each
    assert encoder.attention_received(["unbelievably", "take place", "."]).shape == (3,)
    # the fast path is untouched: back on the model's own attention, same vectors
    assert encoder.model.config._attn_implementation == attention
    np.testing.assert_allclose(encoder.word_vectors([words])[0], before, atol=1e-5)
    with pytest.raises(InputError, match="window"):
        encoder.attention_received(["word"] * (encoder.window_pieces + 1))


def test_attention_keywords_ranks(encoder):
    ranked = attention_keywords("The bank raised the interest rates.", encoder)
    assert [r["position"] for r in ranked] != list(range(len(ranked)))
    assert len(ranked) == 7 and sum(r["score"] for r in ranked) == pytest.approx(1.0, abs=1e-5)
    assert [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)
    assert ranked[-1]["word"] in ("the", "The", ".")


@pytest.fixture()
def cli_with_shared_model(monkeypatch, encoder, wordnet):
    """The CLI, with the session's encoder instead of loading the model again."""
    real_open = sensedb.open
    monkeypatch.setattr(sensedb, "open", lambda path=None, **options: real_open(
        path, encoder=encoder, wordnet=wordnet, **{k: v for k, v in options.items()
                                                    if k not in ("device",)}))
    monkeypatch.setattr(diagnostics, "Encoder", lambda: encoder)
    return CliRunner()


def test_cli_stats_and_keywords(cli_with_shared_model, mini_index):
    runner = cli_with_shared_model
    result = runner.invoke(cli, ["stats", "--index", str(mini_index), "--sentences", "5",
                                 "--pairs", "300", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sentences"] == 5 and data["pairs"] == 300 and len(data["layers"]) == 9
    text = runner.invoke(cli, ["stats", "--index", str(mini_index), "--sentences", "3",
                               "--pairs", "100"], catch_exceptions=False)
    assert text.exit_code == 0 and "rogue dimensions" in text.output
    result = runner.invoke(cli, ["keywords", "The bank raised the interest rates", "--json"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["word"] for r in rows} == {"The", "bank", "raised", "the", "interest", "rates"}
    too_long = runner.invoke(cli, ["keywords", "word " * 400])
    assert too_long.exit_code == 1 and "window" in too_long.output
    assert "Traceback" not in too_long.output
