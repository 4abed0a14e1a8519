"""Adapter retrieval heads (sensedb.head.adapter): the file keeps the adapter, the encoder's
vectors equal those of peft's model with the same LoRA weights (word and sentence vectors
both), and an adapter that does not fit the model is refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sensedb import Encoder
from sensedb.errors import ConfigurationError
from sensedb.head import RetrievalHead

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SENTENCES = [["He", "sat", "on", "the", "bank", "of", "the", "river"],
             ["The", "bank", "raised", "its", "rates"]]
MODULES = ("encoder.layer.0.attention.self.query", "encoder.layer.3.intermediate.dense",
           "encoder.layer.5.output.dense")


def random_adapter(seed: int, rank: int = 4) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {"query": (384, 384), "intermediate": (1536, 384), "output": (384, 1536)}
    out = {}
    for name in MODULES:
        rows, cols = next(v for k, v in shapes.items() if f".{k}" in name)
        out[f"{name}.A"] = (0.05 * rng.standard_normal((rank, cols))).astype(np.float32)
        out[f"{name}.B"] = (0.05 * rng.standard_normal((rows, rank))).astype(np.float32)
    return out


@pytest.fixture(scope="module")
def head():
    return RetrievalHead(None, None, model=MODEL, adapter=random_adapter(0), adapter_scale=2.0,
                         provenance={"seed": 0})


def test_adapter_file_round_trip(tmp_path, head):
    path = head.save(tmp_path / "h")
    loaded = RetrievalHead.load(path)
    assert loaded.sha256 == head.sha256 and loaded.adapter_scale == 2.0
    assert sorted(loaded.adapter) == sorted(head.adapter)
    key = f"{MODULES[1]}.B"
    np.testing.assert_array_equal(loaded.adapter[key], head.adapter[key])
    assert loaded.dim == 384
    other = RetrievalHead(None, None, model=MODEL, adapter=random_adapter(0), adapter_scale=1.0)
    assert other.sha256 != head.sha256  # the scale is part of the identity


def test_encoder_vectors_equal_peft_models(head):
    peft = pytest.importorskip("peft")
    encoder = Encoder(threads=2, head=head)
    plain = Encoder(threads=2, head=None)
    rank = head.adapter[f"{MODULES[0]}.A"].shape[0]
    config = peft.LoraConfig(r=rank, lora_alpha=2.0 * rank, lora_dropout=0.0,
                             target_modules=list(MODULES))
    model = peft.get_peft_model(plain.model, config)
    for name, module in model.named_modules():
        base = name.split("base_model.model.", 1)[-1]
        if base in MODULES:
            module.lora_A["default"].weight.data = torch.from_numpy(head.adapter[f"{base}.A"])
            module.lora_B["default"].weight.data = torch.from_numpy(head.adapter[f"{base}.B"])
    plain.model = model.eval()  # the reference: peft's unmerged LoRA in the forward pass
    ours, theirs = encoder.word_vectors(SENTENCES), plain.word_vectors(SENTENCES)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(encoder.sentence_vectors(["a river bank"]),
                               plain.sentence_vectors(["a river bank"]), rtol=1e-4, atol=1e-4)
    # and the adapter does change the vectors (the test would pass for a no-op otherwise)
    bare = Encoder(threads=2, head=None).word_vectors(SENTENCES)[0]
    assert np.abs(bare - ours[0]).max() > 1e-2
    assert encoder.describe()["head"]["sha256"] == head.sha256


def test_adapter_that_does_not_fit_is_refused():
    bad = random_adapter(1)
    bad[f"{MODULES[1]}.A"] = bad[f"{MODULES[1]}.A"][:, :100]
    with pytest.raises(ConfigurationError, match="do not fit"):
        Encoder(threads=2, head=RetrievalHead(None, None, model=MODEL, adapter=bad))
    unknown = {"encoder.layer.9.attention.self.query.A": np.zeros((2, 384), np.float32),
               "encoder.layer.9.attention.self.query.B": np.zeros((384, 2), np.float32)}
    with pytest.raises(ConfigurationError, match="does not have"):
        Encoder(threads=2, head=RetrievalHead(None, None, model=MODEL, adapter=unknown))
    with pytest.raises(ConfigurationError, match="lacks A or B"):
        RetrievalHead(None, None, model=MODEL,
                      adapter={"encoder.layer.0.output.dense.A": np.zeros((2, 1536))})


def test_train_head_cli_trains_an_adapter_and_resumes(tmp_path):
    pytest.importorskip("peft")
    import json

    from click.testing import CliRunner
    from conftest import MINI_GOLD, MINI_XML

    from sensedb.cli import cli

    out = tmp_path / "adapter"
    args = ["train-head", str(MINI_XML), "--gold", str(MINI_GOLD), "--out", str(out),
            "--kind", "adapter", "--rank", "2", "--epochs", "2", "--json"]
    runner = CliRunner()
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    head = RetrievalHead.load(out)
    assert head.sha256 == report["sha256"] and len(report["loss_per_epoch"]) == 2
    assert head.adapter and head.layer is None and head.word is None
    # only the upper layers (3-5) are adapted: the POS head's layers 1-3 keep the model's
    assert {k.split(".")[2] for k in head.adapter} == {"3", "4", "5"}
    # LoRA's B starts at zero: a trained head has moved it
    assert max(np.abs(v).max() for k, v in head.adapter.items() if k.endswith(".B")) > 0
    assert head.provenance["data"][0]["sha256"] and head.provenance["seed"] == 0
    # a rerun resumes from the checkpoint (nothing left to train): the same head; the same
    # seed from scratch gives the same head on a CPU
    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["sha256"] == head.sha256
    fresh = runner.invoke(cli, [*args[:5], str(tmp_path / "fresh"), *args[6:]])
    assert json.loads(fresh.output)["sha256"] == head.sha256
    # --max-minutes: stopped after the first epoch (exit 3, checkpointed), the same command
    # again continues to the same head
    limited = [*args[:5], str(tmp_path / "limited"), *args[6:], "--max-minutes", "1e-6"]
    stopped = runner.invoke(cli, limited)
    assert stopped.exit_code == 3, stopped.output
    assert json.loads(stopped.output) == {"out": str(tmp_path / "limited"), "finished": False,
                                          "step": 1, "steps": 2}
    assert not (tmp_path / "limited" / "head.npz").exists()
    for bad in ("nan", "inf", "0", "-1"):  # "nan" trained to the end (a tester)
        refused = runner.invoke(cli, [*limited[:-1], bad])
        assert refused.exit_code == 2 and "--max-minutes" in refused.output, refused.output
    done = runner.invoke(cli, limited)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["sha256"] == head.sha256
    # the head loads into an encoder and changes its vectors
    vectors = Encoder(threads=2, head=out).word_vectors(SENTENCES)[0]
    bare = Encoder(threads=2, head=None).word_vectors(SENTENCES)[0]
    assert not np.allclose(vectors, bare, atol=1e-6)


def test_train_head_starts_again_on_other_data_or_a_damaged_cache(tmp_path, wordnet):
    """A rerun into the same --out resumed from the old corpus's features and checkpoint and
    wrote the old corpus's head under the new corpus's provenance; a cache file a killed run
    half-wrote crashed every later run with a traceback. Other data (by SHA-256) now starts
    again; a damaged cache is made again; bad --epochs/--rank are usage errors."""
    pytest.importorskip("peft")
    import json
    import shutil

    from click.testing import CliRunner
    from conftest import MINI_GOLD, MINI_XML

    from sensedb.cli import cli

    runner = CliRunner()
    gold = tmp_path / "mini.gold.key.txt"
    shutil.copy(MINI_GOLD, gold)

    def train(out, gold_file=gold, *extra):
        done = runner.invoke(cli, ["train-head", str(MINI_XML), "--gold", str(gold_file),
                                   "--out", str(out), "--kind", "adapter", "--rank", "2",
                                   "--epochs", "1", "--json", *extra])
        assert done.exit_code == 0, done.output
        return json.loads(done.output)["sha256"]

    first = train(tmp_path / "a")
    # the same corpus with the first instance's key changed to another sense of its lemma
    lines = gold.read_text().splitlines()
    instance, key = lines[0].split()[:2]
    pos = {"1": "NOUN", "2": "VERB", "3": "ADJ", "4": "ADV", "5": "ADJ"}[key.split("%")[1][0]]
    other = next(s.key for s in wordnet.candidates(key.split("%")[0], pos) if s.key != key)
    edited = tmp_path / "edited.gold.key.txt"
    edited.write_text("\n".join([f"{instance} {other}", *lines[1:]]) + "\n")
    again = train(tmp_path / "a", edited)
    fresh = train(tmp_path / "b", edited)
    assert again == fresh != first
    record = json.loads((tmp_path / "a" / "source.json").read_text())
    assert record["data"][1]["file"] == str(edited)
    # damaged caches: made again, the same head as before
    for name in ("adapter-data.npz", "adapter-checkpoint.pt"):
        path = tmp_path / "b" / name
        path.write_bytes(path.read_bytes()[:100])
        assert train(tmp_path / "b", edited) == fresh
    for bad in (["--epochs", "0"], ["--rank", "-1"]):
        done = runner.invoke(cli, ["train-head", str(MINI_XML), "--gold", str(gold), "--out",
                                   str(tmp_path / "c"), "--kind", "adapter", *bad])
        assert done.exit_code == 2 and "Invalid value" in done.output, done.output


def test_adapter_training_stopped_mid_epoch_resumes_to_the_same_head(tmp_path, encoder,
                                                                     wordnet):
    """A run stopped within an epoch (``stop_after``, as a killed run leaves its last
    checkpoint) continues from its step on a rerun and ends with the head an uninterrupted
    run makes, bit for bit on a CPU (data order, sampler and torch random states kept)."""
    pytest.importorskip("peft")
    from conftest import MINI_GOLD, MINI_XML

    from sensedb.corpora.raganato import read_raganato
    from sensedb.head.adapter_data import build_adapter_data, labelled_usages
    from sensedb.head.adapter_train import AdapterConfig, train_adapter

    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    data = build_adapter_data({"corpus": labelled_usages(documents)}, encoder, wordnet,
                              examples=False)
    config = AdapterConfig(epochs=2, rank=2, batch=1, limit=3)
    train = [("corpus", np.arange(data.usages("corpus")))]

    def run(out, stop_after=None):
        return train_adapter(data, config, model_path=encoder.model_path, train=train,
                             out=out, stop_after=stop_after)

    whole = run(tmp_path / "whole")
    assert whole["finished"] and whole["steps"] == 6 and len(whole["history"]) == 2
    steps = []
    while True:  # stop_after=0: every call trains one step, then stops checkpointed
        part = run(tmp_path / "parts", stop_after=0.0)
        steps.append(part["step"])
        if part["finished"]:
            break
    assert steps == [1, 2, 3, 4, 5, 6]
    # other settings do not resume the checkpoint, and say so (a tester: it was silent)
    with pytest.warns(UserWarning, match=r"other settings \(seed\): training starts again"):
        train_adapter(data, AdapterConfig(epochs=2, rank=2, batch=1, limit=3, seed=1),
                      model_path=encoder.model_path, train=train, out=tmp_path / "parts",
                      stop_after=0.0)
    assert part["history"] == whole["history"]
    for name, array in whole["adapter"].items():
        np.testing.assert_array_equal(part["adapter"][name], array)
    assert max(np.abs(v).max() for v in whole["adapter"].values()) > 0


def test_gloss_vectors_by_length_and_from_the_frozen_layers(encoder, wordnet):
    """Glosses encoded in batches of similar length, and through the adapted layers only on
    the frozen layers' cached states (``LowerStates``), give the vectors of one padded batch
    through the whole model (the training step's gloss side, made 4x faster on a CPU)."""
    pytest.importorskip("peft")
    from conftest import MINI_GOLD, MINI_XML
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel

    from sensedb.corpora.raganato import read_raganato
    from sensedb.head import adapter_train
    from sensedb.head.adapter_data import build_adapter_data, labelled_usages

    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    data = build_adapter_data({"corpus": labelled_usages(documents)}, encoder, wordnet,
                              examples=False)
    torch.manual_seed(0)
    model = get_peft_model(AutoModel.from_pretrained(encoder.model_path), LoraConfig(
        r=2, lora_alpha=4, target_modules=adapter_train.targets(3, 6), init_lora_weights=False))
    model.eval()
    senses = np.arange(len(data.sense_pieces))[::-1].copy()
    lengths = {len(data.sense_pieces[s]) for s in senses}
    assert len(lengths) > 3  # batches of other widths are really made
    ids, mask = adapter_train._pad([data.sense_pieces[s] for s in senses],
                                   data.meta["pad_id"], "cpu")
    with torch.no_grad():
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).float()
        one_batch = torch.nn.functional.normalize((hidden * m).sum(1) / m.sum(1), dim=-1)
        budget = adapter_train.GLOSS_BATCH_PIECES
        adapter_train.GLOSS_BATCH_PIECES = 2 * max(lengths)  # several batches
        try:
            by_length = adapter_train.gloss_vectors(model, data, senses, "cpu")
            lower = adapter_train.LowerStates.build(model, data, 3, "cpu")
            assert lower is not None
            cached = lower.gloss_vectors(data, senses, "cpu")
        finally:
            adapter_train.GLOSS_BATCH_PIECES = budget
        with model.disable_adapter():  # random LoRA matrices: the adapters move the glosses
            bare = adapter_train.gloss_vectors(model, data, senses, "cpu")
    assert float((bare - one_batch).abs().max()) > 1e-3
    torch.testing.assert_close(by_length, one_batch, atol=1e-5, rtol=0)
    torch.testing.assert_close(cached, one_batch, atol=1e-5, rtol=0)
    assert lower.first_layer == 3 and lower.states[0].shape[1] == hidden.shape[-1]
