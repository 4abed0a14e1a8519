"""The encoder on the real embedded model: pooling, layers, windows, batching."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sensedb import ConfigurationError, Encoder, InputError, LayerSpec
from sensedb.encoder import default_model_path, library_versions, plain_mean_pipeline


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)


def test_one_vector_per_word(encoder):
    vectors = encoder.word_vectors([["He", "sat", "on", "the", "bank"], ["Unbelievably", "!"]])
    assert [v.shape for v in vectors] == [(5, 384), (2, 384)]
    assert all(np.isfinite(v).all() and (np.linalg.norm(v, axis=1) > 0).all() for v in vectors)


def test_word_matrix_is_the_word_vectors_stacked(encoder):
    sentences = [["He", "sat", "on", "the", "bank"], ["Unbelievably", "!"], ["Yes"]]
    matrix, offsets = encoder.word_matrix(sentences)
    assert offsets.tolist() == [0, 5, 7, 8] and matrix.shape == (8, 384)
    np.testing.assert_allclose(matrix, np.concatenate(encoder.word_vectors(sentences)),
                               atol=1e-6)


def test_batching_does_not_change_vectors(encoder):
    alone = encoder.word_vectors([["The", "bank", "closed", "early"]])[0]
    batched = encoder.word_vectors([["A"] * 40, ["The", "bank", "closed", "early"], ["x"]])[1]
    np.testing.assert_allclose(alone, batched, atol=1e-4)


def test_multiword_is_mean_of_all_its_pieces(encoder):
    """'took place' as one word = the mean of the pieces of 'took' and 'place' in context."""
    merged = encoder.word_vectors([["It", "took place", "here"]])[0][1]
    split = encoder.word_vectors([["It", "took", "place", "here"]])[0]
    # both words are single pieces, so the merged word is the mean of the two piece vectors
    np.testing.assert_allclose(merged, split[1:3].mean(0), atol=1e-4)


def test_layer_pooling_mean_and_sum(encoder):
    words = [["The", "plant", "grows"]]
    single = [encoder.word_vectors(words, layers=str(layer))[0] for layer in (3, 4, 5, 6)]
    last4 = encoder.word_vectors(words, layers="last4")[0]
    np.testing.assert_allclose(last4, np.mean(single, axis=0), atol=1e-4)
    summed = encoder.word_vectors(words, layers=LayerSpec((3, 4, 5, 6), "sum"))[0]
    np.testing.assert_allclose(summed, 4 * last4, atol=1e-3)
    np.testing.assert_allclose(encoder.word_vectors(words, layers="last")[0], single[-1],
                               atol=1e-5)


def test_long_sentence_uses_windows_not_truncation(encoder):
    small = Encoder(max_length=32)
    words = [f"w{i % 17}" if i % 5 else "river" for i in range(300)]
    windowed = small.word_vectors([words])[0]
    assert windowed.shape == (300, 384)
    assert (np.linalg.norm(windowed, axis=1) > 0).all()
    # the end of the sentence was encoded (not a copy of a truncated start)
    assert not np.allclose(windowed[-1], windowed[4])
    # a word in the middle of a window is close to its vector in a window centred on it
    centred = small.word_vectors([words[140:160]])[0][10]
    assert cosine(windowed[150], centred) > 0.8


def test_bad_input_and_settings(encoder):
    with pytest.raises(InputError, match="empty sentence"):
        encoder.word_vectors([["ok"], []])
    with pytest.raises(ConfigurationError, match="bad layer spec"):
        LayerSpec.parse("top")
    with pytest.raises(ConfigurationError, match="does not exist"):
        encoder.word_vectors([["a"]], layers="9")
    with pytest.raises(ConfigurationError, match="no model directory at"):
        Encoder("/nonexistent/model-dir")  # only a path: refused before any hub lookup
    with pytest.raises(ConfigurationError, match="cannot load model") as caught:
        Encoder("nonexistent-org/nonexistent-model", local_files_only=True)
    assert "\n" not in str(caught.value)  # the library's lines joined into one


def test_sentence_vectors(encoder):
    vectors = encoder.sentence_vectors(["bank: sloping land", "bank: a financial institution"])
    assert vectors.shape == (2, 384)
    assert cosine(vectors[0], vectors[1]) < 0.99


@pytest.fixture(scope="module")
def pipeline():
    """The default model's own sentence-transformers pipeline."""
    from sensedb.encoder import _load_sentence_transformer

    return _load_sentence_transformer(default_model_path(), "cpu")


def test_sentence_vectors_equal_the_models_own_pipeline(pipeline):
    """Sentence vectors go through the encoder's length-bucketed batches (a plain mean of the
    last layer, normalized): the vectors sentence-transformers' own pipeline gives, within
    float rounding, for short, unusual and windowed texts alike; through the shipped
    retrieval head (an adapter merged into the model), those of the pipeline whose model has
    the same adapter merged."""
    from sensedb.encoder import _load_sentence_transformer, _mean_pooling
    from sensedb.head import default_head

    assert _mean_pooling(pipeline) is True  # all-MiniLM-L6-v2: mean, then Normalize
    texts = ["bank: sloping land (especially the slope beside a body of water)",
             "bank: a financial institution that accepts deposits", "", "a", "naïve café ✓ 日本",
             " ".join(["he sat on the grassy bank of the river to fish"] * 70)]
    texts += [f"word number {n}: " + "gloss " * (n % 40) for n in range(150)]
    pipelines = [(Encoder(threads=2, head=None), pipeline)]
    head = default_head()
    if head is not None and head.adapter:
        adapted = _load_sentence_transformer(default_model_path(), "cpu")
        head.bind(adapted[0].auto_model)
        pipelines.append((Encoder(threads=2, head=head), adapted))
    for encoder, own in pipelines:
        mine = encoder.sentence_vectors(texts)
        theirs = own.encode([text for text in texts[:5] + texts[6:]], batch_size=64,
                            convert_to_numpy=True)
        np.testing.assert_allclose(np.delete(mine, 5, axis=0), theirs, atol=1e-5)
        assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)
    if len(pipelines) == 2:  # the adapter moved the vectors
        assert np.abs(pipelines[0][0].sentence_vectors(texts[:2])
                      - pipelines[1][0].sentence_vectors(texts[:2])).max() > 1e-2
    small = Encoder(threads=1, batch_tokens=64)  # many small batches: the same vectors
    np.testing.assert_allclose(small.sentence_vectors(texts), mine, atol=1e-5)


def test_other_sentence_pipelines_go_through_sentence_transformers(pipeline):
    from sentence_transformers.models import Dense, Pooling

    from sensedb.encoder import _mean_pooling

    transformer, pooling, _ = list(pipeline)
    assert _mean_pooling([transformer, pooling]) is False  # a mean, not normalized
    for other in ([transformer, Pooling(384, pooling_mode="cls")],
                  [transformer, Pooling(384, pooling_mode="max")],
                  [transformer, pooling, Dense(384, 128)], [transformer]):
        assert _mean_pooling(other) is None


def test_batch_plan_counts_pieces_and_padding(encoder):
    same = [["the", "river", "bank"]] * 50
    plan = encoder.batch_plan(same)
    assert plan["windows"] == 50
    assert plan["padded_pieces"] == plan["pieces"] == 50 * 5  # 3 pieces + [CLS] + [SEP]
    mixed = [["word"] * n for n in range(1, 80)] + [["word"] * 600]
    plan = encoder.batch_plan(mixed)
    assert plan["windows"] > len(mixed)  # the 600-word sentence takes several windows
    assert plan["padded_pieces"] > plan["pieces"]
    assert plan["batches"] >= plan["padded_pieces"] / encoder.batch_tokens


def test_library_versions():
    import torch
    import transformers

    assert library_versions() == {"torch": torch.__version__,
                                  "transformers": transformers.__version__}


def test_long_text_sentence_vector_is_windowed_not_overflowed(encoder):
    # 700 words are ~700 word pieces: more than the model's 256-piece window (a crash before)
    long = " ".join(["he sat on the grassy bank of the river to fish"] * 70)
    short = "he sat on the grassy bank of the river to fish"
    vectors = encoder.sentence_vectors([short, long])
    assert vectors.shape == (2, 384) and np.isfinite(vectors).all()
    assert abs(float(np.linalg.norm(vectors[1])) - 1.0) < 1e-4
    # it is the piece-weighted mean of its windows' own vectors
    windows = encoder._text_windows(long)
    assert len(windows) > 1 and all(p <= encoder.window_pieces for _, p in windows)
    parts = encoder.sentence_vectors([text for text, _ in windows])
    mean = (parts * np.array([[p] for _, p in windows], dtype=np.float32)).sum(0)
    assert cosine(mean, vectors[1]) > 0.99999
    # and it still says what the text is about
    topic = encoder.sentence_vectors(["fishing on a river bank", "the stock market crashed"])
    assert cosine(vectors[1], topic[0]) > cosine(vectors[1], topic[1])
    # texts that fit are encoded as before (a batch's padding moves the 6th decimal only)
    np.testing.assert_allclose(encoder.sentence_vectors([short])[0], vectors[0], atol=1e-5)


def test_text_windows_cover_every_word_once():
    from sensedb.encoder_windows import text_windows

    windows = text_windows([3, 1, 2, 5, 1, 1], 4)
    assert windows == [(0, 2, 4), (2, 3, 2), (3, 4, 5), (4, 6, 2)]
    assert [w for s, e, _ in windows for w in range(s, e)] == list(range(6))


def _model_copy(tmp_path, modules=None, settings=None, pooling=None, prompts=None):
    """A copy of the default model's directory (its large files linked) with some of its
    pipeline files rewritten."""
    import json
    import shutil

    source = default_model_path()
    copy = tmp_path / "model"
    shutil.copytree(source, copy, copy_function=os.symlink)
    for name, value in (("modules.json", modules), ("sentence_bert_config.json", settings),
                        ("1_Pooling/config.json", pooling),
                        ("config_sentence_transformers.json", prompts)):
        if value is not None:
            (copy / name).unlink(missing_ok=True)
            (copy / name).write_text(json.dumps(value), encoding="utf-8")
    return copy


def test_plain_mean_pipeline_read_from_the_files(tmp_path):
    """The default model's pipeline is a normalized plain mean with 256 pieces; any other
    pooling, a Dense layer, lower-casing, a default prompt or a model name is not."""
    import json

    assert plain_mean_pipeline(default_model_path()) == (256, True)
    assert plain_mean_pipeline("sentence-transformers/all-MiniLM-L6-v2") is None
    assert plain_mean_pipeline(tmp_path / "missing") is None
    base = json.loads((Path(default_model_path()) / "modules.json").read_text())
    assert plain_mean_pipeline(_model_copy(tmp_path / "a", modules=base[:2])) == (256, False)
    dense = [*base[:2], {"idx": 2, "name": "2", "path": "2_Dense",
                         "type": "sentence_transformers.models.Dense"}]
    assert plain_mean_pipeline(_model_copy(tmp_path / "b", modules=dense)) is None
    assert plain_mean_pipeline(_model_copy(
        tmp_path / "c", settings={"max_seq_length": 128, "do_lower_case": True})) is None
    assert plain_mean_pipeline(_model_copy(
        tmp_path / "d", pooling={"word_embedding_dimension": 384, "pooling_mode_cls_token": True,
                                 "pooling_mode_mean_tokens": True})) is None
    assert plain_mean_pipeline(_model_copy(
        tmp_path / "e", prompts={"prompts": {"query": "query: "},
                                 "default_prompt_name": "query"})) is None


def test_the_default_model_loads_without_sentence_transformers():
    """Its import was the largest share of a first answer (BENCHMARKS.md)."""
    code = ("import sys; from sensedb import Encoder; e = Encoder(threads=1); "
            "e.sentence_vectors(['a gloss']); e.word_vectors([['a', 'word']]); "
            "print('sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert out.stdout.strip() == "False"


def test_both_loads_give_the_same_vectors(encoder, monkeypatch, tmp_path):
    """Through transformers alone or through sentence-transformers, the same model gives
    the same word and sentence vectors; a mean pipeline without Normalize gives the
    pipeline's own unnormalized sentence vectors."""
    import json

    import sensedb.encoder as encoder_module

    sentences = [["He", "sat", "on", "the", "bank"], ["naïve", "café", "✓"], ["word"] * 300]
    texts = ["bank: sloping land", "", "a " * 400]
    monkeypatch.setattr(encoder_module, "plain_mean_pipeline", lambda path: None)
    other = Encoder()
    monkeypatch.undo()
    assert encoder._st is None and other._st is not None
    assert other.describe() == encoder.describe() and other.max_length == encoder.max_length
    for mine, theirs in zip(encoder.word_vectors(sentences), other.word_vectors(sentences),
                            strict=True):
        np.testing.assert_allclose(mine, theirs, atol=1e-6)
    np.testing.assert_allclose(encoder.sentence_vectors(texts), other.sentence_vectors(texts),
                               atol=1e-6)
    base = json.loads((Path(default_model_path()) / "modules.json").read_text())
    unnormalized = Encoder(str(_model_copy(tmp_path, modules=base[:2])), head=None)
    assert unnormalized._st is None
    from sensedb.encoder import _load_sentence_transformer

    theirs = _load_sentence_transformer(str(tmp_path / "model"), "cpu").encode(texts[:2])
    mine = unnormalized.sentence_vectors(texts[:2])
    np.testing.assert_allclose(mine, theirs, atol=1e-5)
    assert not np.allclose(np.linalg.norm(mine, axis=1), 1.0)


def test_batch_tokens_must_be_a_whole_number_of_at_least_one(tmp_path):
    """A tester: ``sensedb.open(batch_tokens=0)`` fell back to the default and -5 was kept,
    both without a word; now one ConfigurationError naming the setting, before any model
    loads (``Encoder`` and ``SenseIndex`` alike)."""
    import numpy as np

    from sensedb import SenseIndex
    from sensedb.encoder_layers import check_batch_tokens

    assert check_batch_tokens(None) is None and check_batch_tokens(512) == 512
    assert check_batch_tokens(np.int64(4096)) == 4096  # numpy's integers are whole numbers
    for bad in (0, -5, 2.5, True, "4096"):
        with pytest.raises(ConfigurationError, match="batch_tokens must be a whole number"):
            check_batch_tokens(bad)
        with pytest.raises(ConfigurationError, match="batch_tokens"):
            Encoder(batch_tokens=bad)
    with pytest.raises(ConfigurationError, match="batch_tokens"):
        SenseIndex(tmp_path / "none", batch_tokens=0)
