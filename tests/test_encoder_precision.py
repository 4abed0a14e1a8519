"""The encoder's floating-point type (``Encoder(dtype=...)``, ``--dtype``) and its record in
an index: bf16 on a CPU, fp16 refused there, vectors of another dtype refused."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import MINI_GOLD, MINI_XML

from sensedb import ConfigurationError, Encoder, IndexFormatError, build_index
from sensedb.cli import cli
from sensedb.indexer import IndexDirectory

SENTENCES = [["He", "sat", "on", "the", "bank", "of", "the", "river"],
             ["She", "paid", "the", "money", "into", "the", "bank"]]


@pytest.fixture(scope="module")
def bf16_encoder():
    return Encoder(dtype="bf16", device="cpu")


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)


def test_bf16_word_vectors_are_float32_and_near_fp32(encoder, bf16_encoder):
    full, _ = encoder.word_matrix(SENTENCES)
    half, _ = bf16_encoder.word_matrix(SENTENCES)
    assert half.dtype == np.float32 and half.shape == full.shape
    similarity = cosine(full, half)
    # bf16 keeps 8 bits of mantissa: close to fp32, but not equal
    assert similarity.min() > 0.98 and not np.array_equal(full, half)
    sentences = bf16_encoder.sentence_vectors(["He sat on the bank of the river"])
    assert sentences.dtype == np.float32
    assert cosine(sentences, encoder.sentence_vectors(["He sat on the bank of the river"]))[0] \
        > 0.98


def test_dtype_is_described_and_checked():
    with pytest.raises(ConfigurationError, match="fp16 needs a GPU"):
        Encoder(dtype="fp16", device="cpu")
    with pytest.raises(ConfigurationError, match="unknown dtype 'int8'"):
        Encoder(dtype="int8", device="cpu")


def test_an_index_refuses_vectors_of_another_dtype(tmp_path, encoder, bf16_encoder, wordnet):
    assert "dtype" not in encoder.describe()  # fp32 indexes read as before
    assert bf16_encoder.describe()["dtype"] == "bf16"
    index = tmp_path / "bf16"
    build_index(MINI_XML, index, gold=MINI_GOLD, encoder=bf16_encoder, wordnet=wordnet,
                progress=False)
    assert IndexDirectory(index).manifest().encoder.dtype == "bf16"
    with pytest.raises(IndexFormatError, match="dtype='bf16', not 'fp32'"):
        build_index(MINI_XML, index, gold=MINI_GOLD, corpus_name="again", encoder=encoder,
                    wordnet=wordnet, progress=False)
    fp32 = tmp_path / "fp32"
    build_index(MINI_XML, fp32, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                progress=False)
    assert IndexDirectory(fp32).manifest().encoder.dtype == "fp32"
    with pytest.raises(IndexFormatError, match="dtype='fp32', not 'bf16'"):
        IndexDirectory(fp32).check_encoder(bf16_encoder.describe())


def test_cli_dtype_option(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["index", str(MINI_XML), "--index", str(tmp_path / "i"),
                                 "--dtype", "fp16", "--device", "cpu", "--json"])
    assert result.exit_code == 1
    assert "fp16 needs a GPU" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "i").exists()
