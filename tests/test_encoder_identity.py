"""An encoder's identity as an index records it: a local model directory by its absolute
path, its weights by a fingerprint (``Encoder.describe()``, ``EncoderSettings``)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import MINI_GOLD, MINI_XML

import sensedb
from sensedb import build_index
from sensedb.errors import IndexFormatError
from sensedb.paths import default_model_path

TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json",
                   "special_tokens_map.json")


def tiny_bert(path: Path, seed: int) -> Path:
    """A randomly initialised 2-layer BERT of 32 dimensions at ``path`` (the default
    model's tokenizer beside it): another model, made without any download."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    BertModel(BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64)).save_pretrained(path)
    source = Path(default_model_path())
    for name in TOKENIZER_FILES:
        if (source / name).exists():
            shutil.copy(source / name, path / name)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory, wordnet):
    """The mini corpus indexed with ``--model models/tiny`` given relative to its folder."""
    root = tmp_path_factory.mktemp("identity")
    (root / "models").mkdir()
    tiny_bert(root / "models" / "tiny", seed=0)
    here = Path.cwd()
    try:
        os.chdir(root)
        build_index(MINI_XML, root / "index", gold=MINI_GOLD, model="models/tiny",
                    head=None, wordnet=wordnet, progress=False)
    finally:
        os.chdir(here)
    return root


def _manifest_encoder(index: Path) -> dict:
    import sqlite3

    with sqlite3.connect(index / "sensedb.sqlite") as db:
        return json.loads(db.execute(
            "SELECT value FROM manifest WHERE key = 'encoder'").fetchone()[0])


def test_an_index_built_with_a_relative_model_path_opens_from_anywhere(built, wordnet,
                                                                      tmp_path, monkeypatch):
    """A fresh tester: ``sensedb index ... --model models/minilm_copy`` recorded the path as
    given, so from another folder every query failed to load the model, and
    ``sensedb.open(index, model=<the same folder's absolute path>)`` was refused as another
    model. The manifest records the absolute path; any spelling of the folder is the same
    model."""
    recorded = _manifest_encoder(built / "index")
    assert recorded["model"] == str(built / "models" / "tiny")
    monkeypatch.chdir(tmp_path)
    index = sensedb.open(built / "index", wordnet=wordnet, wordnet_evidence=False)
    assert index.wsd("He sat on the bank of the river", "bank").senses
    index.directory.close()
    monkeypatch.chdir(built)
    again = sensedb.open(built / "index", model="models/tiny", wordnet=wordnet,
                         wordnet_evidence=False)
    again.directory.close()


def test_changed_weights_under_the_same_name_are_refused(built, wordnet, tmp_path):
    """A fresh tester overwrote a model folder with another randomly initialised BERT of
    the same configuration: appending to the index built with it went through (exit 0) and
    only ``verify --deep`` noticed, blaming the manifest. The manifest records the weights'
    fingerprint: adding and querying are refused, naming the weights, and ``verify`` says
    the model's files changed."""
    copy = tmp_path / "copy"
    shutil.copytree(built, copy, symlinks=True)
    model = copy / "models" / "tiny"
    first = _manifest_encoder(copy / "index")["weights"]
    # the copied index names the original folder; re-point it at the copy's model
    import sqlite3

    with sqlite3.connect(copy / "index" / "sensedb.sqlite") as db:
        recorded = _manifest_encoder(copy / "index")
        recorded["model"] = str(model)
        db.execute("UPDATE manifest SET value = ? WHERE key = 'encoder'",
                   (json.dumps(recorded),))
    tiny_bert(model, seed=1)
    with pytest.raises(IndexFormatError, match="weights"):
        build_index(MINI_XML, copy / "index", gold=MINI_GOLD, corpus_name="again",
                    wordnet=wordnet, progress=False)
    with pytest.raises(IndexFormatError, match="files changed"):
        sensedb.open(copy / "index", wordnet=wordnet, wordnet_evidence=False).wsd(
            "He sat on the bank", "bank")
    from sensedb.indexer.verify import verify

    report = verify(copy / "index", deep=True)
    assert any("other weights" in problem.message for problem in report.problems)
    tiny_bert(model, seed=0)  # the same files again: the same fingerprint, answers again
    assert _manifest_encoder(copy / "index")["weights"] == first
    index = sensedb.open(copy / "index", wordnet=wordnet, wordnet_evidence=False)
    assert index.wsd("He sat on the bank of the river", "bank").senses
    index.directory.close()


def test_adding_with_another_model_names_the_model_first(tmp_path, encoder, wordnet, built):
    """A tester: adding to an index built with the default model, with ``--model`` another
    model, said "retrieval head trained for ... give --no-head"; after --no-head, the real
    reason. The model is compared first."""
    from sensedb.errors import ConfigurationError

    path = tmp_path / "default"
    build_index(MINI_XML, path, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                progress=False)
    with pytest.raises(IndexFormatError, match="built with model") as caught:
        build_index(MINI_XML, path, gold=MINI_GOLD, corpus_name="other",
                    model=str(built / "models" / "tiny"), wordnet=wordnet, progress=False)
    assert "head" not in str(caught.value)
    with pytest.raises(ConfigurationError, match="no model directory"):
        build_index(MINI_XML, path, gold=MINI_GOLD, corpus_name="other",
                    model=str(tmp_path / "nowhere"), wordnet=wordnet, progress=False)


def test_an_index_moved_with_its_project_folder_finds_its_model(tmp_path, wordnet,
                                                                monkeypatch):
    """The tester who broke the first draft: with the model's absolute path recorded, an
    index moved with its project folder (P1 -> P2) could no longer load it, nor be given its
    new place. The manifest records the model's path from the index too; a model folder
    moved alone is given by its new place and judged by its weights."""
    from sensedb.errors import ConfigurationError

    project = tmp_path / "P1"
    (project / "models").mkdir(parents=True)
    tiny_bert(project / "models" / "tiny", seed=0)
    monkeypatch.chdir(project)
    build_index(MINI_XML, "index", gold=MINI_GOLD, model="models/tiny", head=None,
                wordnet=wordnet, progress=False)
    assert _manifest_encoder(project / "index")["model_from_index"] == os.path.join(
        "..", "models", "tiny")
    monkeypatch.chdir(tmp_path)
    moved = project.rename(tmp_path / "P2")
    index = sensedb.open(moved / "index", wordnet=wordnet, wordnet_evidence=False)
    assert index.wsd("He sat on the bank of the river", "bank").senses
    index.directory.close()
    report = build_index(MINI_XML, moved / "index", gold=MINI_GOLD, corpus_name="again",
                         allow_duplicates=True, wordnet=wordnet, progress=False)
    assert report.documents > 0
    from sensedb.indexer.verify import verify

    assert verify(moved / "index", deep=True).ok  # verify finds the moved model too
    (tmp_path / "link").symlink_to(moved / "index")  # and so does an index through a link
    linked = sensedb.open(tmp_path / "link", wordnet=wordnet, wordnet_evidence=False)
    assert linked.wsd("He sat on the bank of the river", "bank").senses
    linked.directory.close()
    elsewhere = (moved / "models" / "tiny").rename(tmp_path / "elsewhere")
    with pytest.raises(ConfigurationError, match="no model directory"):
        sensedb.open(moved / "index", wordnet=wordnet, wordnet_evidence=False).wsd(
            "He sat on the bank", "bank")
    index = sensedb.open(moved / "index", model=str(elsewhere), wordnet=wordnet,
                         wordnet_evidence=False)
    assert index.wsd("He sat on the bank of the river", "bank").senses
    index.directory.close()
    tiny_bert(tmp_path / "other", seed=3)  # another model given for it: its weights differ
    with pytest.raises(IndexFormatError, match="built with model="):
        sensedb.open(moved / "index", model=str(tmp_path / "other"), wordnet=wordnet,
                     wordnet_evidence=False).wsd("He sat on the bank", "bank")
