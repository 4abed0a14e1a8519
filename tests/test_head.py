"""Retrieval heads: the file format, the encoder applying one, the index refusing another,
and ``sensedb train-head`` training and resuming on the mini corpus."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import MINI_GOLD, MINI_XML

from sensedb import Encoder, build_index
from sensedb.errors import ConfigurationError, IndexFormatError
from sensedb.head import RetrievalHead, default_head, load_head
from sensedb.head.train import TrainConfig

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def random_head(seed: int, dim: int = 384) -> RetrievalHead:
    rng = np.random.default_rng(seed)
    eye = np.eye(dim, dtype=np.float32)
    return RetrievalHead(eye + 0.05 * rng.standard_normal((dim, dim)).astype(np.float32),
                         eye + 0.05 * rng.standard_normal((dim, dim)).astype(np.float32),
                         model=MODEL, provenance={"seed": seed})


@pytest.fixture(scope="module")
def headed():
    """An encoder with a random head (and the same model without one)."""
    return Encoder(threads=2, head=random_head(1)), Encoder(threads=2, head=None)


def test_save_load_round_trip_is_byte_identical(tmp_path):
    head = random_head(0)
    first = head.save(tmp_path / "a")
    second = head.save(tmp_path / "b.npz")
    assert first.read_bytes() == second.read_bytes()
    loaded = RetrievalHead.load(tmp_path / "a")
    assert loaded.sha256 == head.sha256
    np.testing.assert_array_equal(loaded.word, head.word)
    record = json.loads((tmp_path / "a" / "head.json").read_text())
    assert record["sha256"] == head.sha256 and record["provenance"] == {"seed": 0}
    assert random_head(1).sha256 != head.sha256


def test_bad_head_files_are_configuration_errors(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ConfigurationError, match="junk.npz: not a retrieval head"):
        RetrievalHead.load(tmp_path / "junk.npz")
    (tmp_path / "gold.txt").write_text("d000.s000.t000 bank%1:17:01::\n")
    with pytest.raises(ConfigurationError, match=r"gold.txt: not a retrieval head \(an .npz"):
        RetrievalHead.load(tmp_path / "gold.txt")  # numpy's "pickled data" message before
    with pytest.raises(ConfigurationError, match="square"):
        RetrievalHead(np.zeros((3, 4)), np.zeros((3, 3)), model=MODEL)
    with pytest.raises(ConfigurationError, match="not a readable"):
        RetrievalHead.load(tmp_path / "missing")
    # an empty directory and another .npz said "FileNotFoundError" and "KeyError: 'record'"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigurationError, match=r"empty: no head.npz in this directory"):
        RetrievalHead.load(tmp_path / "empty")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ConfigurationError, match=r"other.npz: not a retrieval head \(an .npz"):
        RetrievalHead.load(tmp_path / "other.npz")


def test_head_for_another_model_is_refused():
    head = RetrievalHead(np.eye(384), np.eye(384), model="another/model")
    with pytest.raises(ConfigurationError, match="another/model"):
        Encoder(head=head)


def test_shipped_head_is_small_and_has_provenance():
    head = default_head()
    if head is None:
        pytest.skip("this checkout ships no retrieval head")
    assert head.model == MODEL and head.layers == "last"
    assert head.source and __import__("os").path.getsize(head.source) < 5_000_000
    for field in ("data", "command", "seed", "date", "commit"):
        assert field in head.provenance
    assert load_head("auto", model=MODEL, layers="last") is head
    assert load_head("auto", model=MODEL, layers="last4") is None  # trained on the last layer
    # the last layer spelt by its number is the last layer (it got no head: an index built
    # with layers="6" then refused the default encoder's vectors)
    assert Encoder(layers="6").head is head and Encoder(layers="-1").head is head


def test_encoder_maps_word_and_sentence_vectors(headed):
    with_head, plain = headed
    words = [["The", "bank", "raised", "its", "rates"]]
    raw = plain.word_vectors(words)[0]
    mapped = with_head.word_vectors(words)[0]
    np.testing.assert_allclose(mapped, raw @ with_head.head.word, rtol=1e-4, atol=1e-4)
    # another layer spec in the same pass is not the head's: left as it is
    multi = with_head.word_vectors_multi(words, {"last": "last", "three": "3"})
    np.testing.assert_allclose(multi["three"][0], plain.word_vectors(words, layers="3")[0],
                               rtol=1e-4, atol=1e-4)
    sentence = with_head.sentence_vectors(["a river bank"])
    expected = plain.sentence_vectors(["a river bank"]) @ with_head.head.sentence
    expected /= np.linalg.norm(expected)
    np.testing.assert_allclose(sentence, expected, rtol=1e-4, atol=1e-4)
    assert with_head.describe()["head"]["sha256"] == with_head.head.sha256
    assert "head" not in plain.describe()


def test_index_records_its_head_and_refuses_another(tmp_path, headed, wordnet):
    with_head, plain = headed
    path = tmp_path / "index"
    build_index(MINI_XML, path, gold=MINI_GOLD, encoder=with_head, wordnet=wordnet,
                progress=False)
    import sensedb

    index = sensedb.open(path, encoder=with_head, wordnet=wordnet)
    assert index.manifest.encoder.head_sha256 == with_head.head.sha256
    with pytest.raises(IndexFormatError, match="head"):
        build_index(MINI_XML, path, gold=MINI_GOLD, encoder=plain, wordnet=wordnet,
                    progress=False, replace=True)
    with pytest.raises(IndexFormatError, match="where no retrieval head was asked for"):
        sensedb.open(path, wordnet=wordnet, head=None)


def test_an_index_through_a_head_answers_with_the_heads_formulas_and_thresholds(
        tmp_path, wordnet):
    """A head carries the formulas chosen on its own features (scripts/head_scoring.py) and
    their novelty thresholds: an index built through it answers with both (the package's
    thresholds, fitted for the package's formula, would call nothing or everything novel;
    before, a head's formula left the index with no thresholds: never novel)."""
    import sensedb
    from sensedb.retriever.scoring import DEFAULT_WEIGHTS

    corpus = {name: 2.0 * w for name, w in DEFAULT_WEIGHTS["corpus"].items()}
    head = random_head(2)
    head.scoring = {"corpus": corpus, "wordnet_only": DEFAULT_WEIGHTS["wordnet_only"],
                    "novelty": {"corpus": {"all": 0.99, "NOUN": 0.99, "VERB": 0.99}}}
    path, saved = tmp_path / "index", head.save(tmp_path / "h.npz")
    build_index(MINI_XML, path, gold=MINI_GOLD, encoder=Encoder(threads=2, head=saved),
                wordnet=wordnet, progress=False)
    index = sensedb.open(path, wordnet=wordnet, head=saved)
    assert index.manifest.scoring["novelty"] == head.scoring["novelty"]
    assert index.novelty == {"all": 0.99, "NOUN": 0.99, "VERB": 0.99}
    answer = index.wsd("He sat on the bank of the river.", "bank")
    assert answer.novel and answer.fit < 0.99  # every usage is under a 0.99 fit


def test_the_default_index_of_a_head_answers_with_the_formulas_of_the_head_given(
        tmp_path, wordnet, monkeypatch):
    """A head given new formulas (scripts/head_scoring.py --out NEW) keeps its hash, so its
    default index is the same directory; that index answered with the formulas of the file
    it was built from, not of the head asked for."""
    import sensedb
    from sensedb.retriever.scoring import DEFAULT_WEIGHTS, weights_for

    monkeypatch.setenv("SENSEDB_HOME", str(tmp_path / "home"))
    old = random_head(3)
    built_with = old.save(tmp_path / "old.npz")
    first = sensedb.open(wordnet=wordnet, head=built_with)
    assert np.allclose(first.weights, weights_for(None, corpus=False))  # no formulas: shipped
    new = RetrievalHead.load(built_with)
    new.scoring = {family: {name: 3.0 * w for name, w in DEFAULT_WEIGHTS[family].items()}
                   for family in ("corpus", "wordnet_only")}
    refitted = new.save(tmp_path / "new.npz")
    assert new.sha256 == old.sha256
    again = sensedb.open(wordnet=wordnet, head=refitted)
    assert again.directory.path == first.directory.path
    assert np.allclose(again.weights, 3.0 * weights_for(None, corpus=False))
    assert again.manifest.scoring == new.scoring  # the default index follows it


def test_train_head_cli_trains_and_resumes(tmp_path):
    from sensedb.cli import cli

    out = tmp_path / "head"
    runner = CliRunner()
    args = ["train-head", str(MINI_XML), "--gold", str(MINI_GOLD), "--out", str(out),
            "--epochs", "2", "--json"]
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    head = RetrievalHead.load(out)
    assert head.sha256 == report["sha256"] and len(report["loss_per_epoch"]) == 2
    assert head.provenance["seed"] == 0 and head.provenance["data"][0]["sha256"]
    assert not np.allclose(head.word, np.eye(384))  # it learned something
    # a second run resumes from the checkpoint: nothing left to train, the same head
    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["sha256"] == head.sha256
    # the same seed from scratch gives the same head (deterministic on CPU)
    fresh = runner.invoke(cli, [*args[:5], str(tmp_path / "fresh"), *args[6:]])
    assert json.loads(fresh.output)["sha256"] == head.sha256


def test_train_config_defaults_are_the_shipped_ones():
    head = default_head()
    if head is None:
        pytest.skip("this checkout ships no retrieval head")
    config = head.provenance["config"]
    assert config["seed"] == TrainConfig().seed


def test_one_pass_sentence_vectors_go_through_the_head(headed):
    with_head, plain = headed
    words = [["The", "bank", "raised", "its", "rates"], ["a", "river", "bank"]]
    _, found = with_head.word_and_sentence_vectors(words)
    np.testing.assert_allclose(found, with_head.sentence_vectors([" ".join(w) for w in words]),
                               rtol=1e-4, atol=1e-5)
    assert np.abs(found - plain.word_and_sentence_vectors(words)[1]).max() > 1e-2


def test_an_index_through_a_head_answers_similarity_with_the_heads_parameters(
        tmp_path, wordnet):
    """A head carries the similarity parameters fitted on its own vectors
    (``scripts/bench_similarity.py --write-head``): an index built through it resolves them
    for its family, the manifest's own parameters still first; the hash is the vectors'."""
    import sensedb
    from sensedb.similarity import params as sim_params

    head = random_head(3)
    fitted = sim_params.builtin_params("corpus").to_dict()
    fitted["temperature"] = 0.123  # another value than the package's
    head.similarity = {"corpus": {"params": fitted, "provenance": {"data": "a test"}}}
    saved = head.save(tmp_path / "h.npz")
    loaded = RetrievalHead.load(saved)
    assert loaded.similarity == head.similarity and loaded.sha256 == random_head(3).sha256
    path = tmp_path / "index"
    build_index(MINI_XML, path, gold=MINI_GOLD, encoder=Encoder(threads=2, head=saved),
                wordnet=wordnet, progress=False)
    index = sensedb.open(path, wordnet=wordnet, head=saved)
    assert sim_params.family_of(index) == "corpus"
    assert sim_params.resolve_params(index).temperature == 0.123
    assert sim_params.head_params(index, "wordnet_only") is None  # none for that family
    stored = sim_params.builtin_params("corpus")
    stored.temperature = 0.456
    sim_params.store_params_in_index(index, stored)
    assert sim_params.resolve_params(sensedb.open(path, wordnet=wordnet, head=saved)
                                     ).temperature == 0.456
    bare = tmp_path / "bare"  # no head: the package's
    build_index(MINI_XML, bare, gold=MINI_GOLD, encoder=Encoder(threads=2, head=None),
                wordnet=wordnet, progress=False)
    assert sim_params.resolve_params(sensedb.open(bare, wordnet=wordnet, head=None)
                                     ).temperature == sim_params.builtin_params(
                                         "corpus").temperature
