"""The first chunk of a job encoded while the check pass reads (sensedb.indexer.first_chunk):
taken by the job only when it holds the job's first chunk, the check's error first, the
check thread a busy stage of the shared cores."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import MINI_GOLD, MINI_XML
from indexer_helpers import assert_same_sums, sense_rows

import sensedb.api
from sensedb import ConfigurationError, IndexFormatError, InputError, build_index, read_raganato
from sensedb.indexer import IndexDirectory, index_documents, open_or_create
from sensedb.indexer import chunks as chunks_module
from sensedb.indexer import job as job_module
from sensedb.indexer import pipeline as pipeline_module
from sensedb.indexer.first_chunk import FirstChunk, check_while_encoding


def shard_vectors(path: Path) -> np.ndarray:
    files = sorted(Path(path, "raw").glob("shard-*.vectors.npy"))
    return np.concatenate([np.load(f) for f in files])


def first_chunk_of(documents, encoder, shift=0.0) -> FirstChunk:
    sentences = [s.words for d in documents for s in d.sentences]
    matrices, offsets = encoder.encode_prepared(encoder.prepare(sentences))
    return FirstChunk(sentences, matrices["v"] + np.float32(shift), offsets, 123.0)


def test_the_job_takes_a_first_chunk_only_when_it_holds_its_sentences(tmp_path, encoder,
                                                                      wordnet):
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    words = sum(len(s.tokens) for d in documents for s in d.sentences)

    def job(name, first):
        directory = IndexDirectory(tmp_path / name)
        open_or_create(directory, encoder, wordnet)
        report = index_documents(directory, encoder, wordnet, documents, corpus="mini",
                                 progress=False, total_words=words, first=first)
        return report, shard_vectors(directory.path)

    report, plain = job("plain", None)
    assert report.encode_seconds < 123.0
    # matching: its vectors (marked here by a shift) are the ones committed, its seconds
    # counted as encoding
    report, taken = job("taken", first_chunk_of(documents, encoder, shift=1.0))
    np.testing.assert_allclose(taken, plain + 1.0, atol=1e-2)
    assert report.encode_seconds >= 123.0 and report.tokens == 19
    # another chunk's sentences (the index changed after the check): encoded again
    report, again = job("again", first_chunk_of(documents[:1], encoder, shift=1.0))
    np.testing.assert_array_equal(again, plain)
    assert report.encode_seconds < 123.0


def test_build_index_encodes_the_first_chunk_while_the_check_reads(tmp_path, encoder,
                                                                   wordnet, monkeypatch):
    """A pipelined job's first chunk (here the first document: a first chunk of one word)
    is tokenized and encoded while the check thread still reads, and no sentence is
    encoded twice; the index is the serial job's."""
    real_check, real_prepare = sensedb.api.check_documents, type(encoder).prepare
    prepared = threading.Event()
    calls = []

    def slow_check(*args, **options):  # ends only once the encoder has started
        words = real_check(*args, **options)
        assert prepared.wait(30), "the first chunk was not encoded during the check"
        return words

    def prepare(self, sentences):
        calls.append((len(sentences), check_alive()))
        prepared.set()
        return real_prepare(self, sentences)

    monkeypatch.setattr(chunks_module, "FIRST_CHUNK_WORDS", 1)
    monkeypatch.setattr(sensedb.api, "check_documents", slow_check)
    monkeypatch.setattr(type(encoder), "prepare", prepare)
    report = build_index(MINI_XML, tmp_path / "early", gold=MINI_GOLD, encoder=encoder,
                         wordnet=wordnet, progress=False, pipeline=True)
    sentences = [len(d.sentences) for d in read_raganato(MINI_XML, MINI_GOLD)]
    assert calls == [(sentences[0], True), (sentences[1], False)] and report.tokens == 19
    monkeypatch.setattr(sensedb.api, "check_documents", real_check)
    monkeypatch.setattr(type(encoder), "prepare", real_prepare)
    build_index(MINI_XML, tmp_path / "serial", gold=MINI_GOLD, encoder=encoder,
                wordnet=wordnet, progress=False, pipeline=False)
    np.testing.assert_array_equal(shard_vectors(tmp_path / "early"),
                                  shard_vectors(tmp_path / "serial"))
    assert_same_sums(sense_rows(IndexDirectory(tmp_path / "early")),
                     sense_rows(IndexDirectory(tmp_path / "serial")))


def test_a_check_error_stops_the_encoder_and_is_raised(encoder, monkeypatch):
    """The check fails while the first chunk encodes: the encoder stops at its next batch
    and the check's error is raised, not the encoder's outcome."""
    documents = list(read_raganato(MINI_XML, MINI_GOLD)) * 20
    monkeypatch.setattr(encoder, "batch_tokens", 16)  # many batches
    batches = []
    first_batch = threading.Event()
    real_forward = type(encoder)._forward

    def forward(self, *args):
        batches.append(1)
        first_batch.set()
        return real_forward(self, *args)

    monkeypatch.setattr(type(encoder), "_forward", forward)

    def check(stream, to_index):
        for document in stream:
            to_index(document)
        assert first_batch.wait(30)
        raise InputError("bad key at line 9", path="corpus.xml")

    with pytest.raises(InputError, match="bad key at line 9"):
        check_while_encoding(check, iter(documents), lambda: encoder,
                             first_words=lambda e: words_of(documents),
                             chunk_words=10**6)
    plan = encoder.batch_plan([s.words for d in documents for s in d.sentences])
    assert 1 <= len(batches) < plan["batches"]


def test_the_corpus_error_comes_before_the_models(tmp_path, wordnet):
    """A bad corpus and a bad model: the corpus is named (as when the check ran first); a
    good corpus and a bad model: the model's error once the check has read on (no check
    thread left); nothing is written either way."""
    bad = tmp_path / "bad.data.xml"
    bad.write_text(MINI_XML.read_text()[:-40])  # cut short
    with pytest.raises(InputError, match="bad.data.xml"):
        build_index(bad, tmp_path / "a", gold=MINI_GOLD, model=str(tmp_path / "no-model"),
                    wordnet=wordnet, progress=False)
    with pytest.raises(ConfigurationError, match="no-model"):
        build_index(MINI_XML, tmp_path / "b", gold=MINI_GOLD,
                    model=str(tmp_path / "no-model"), wordnet=wordnet, progress=False)
    assert not check_alive()
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_the_check_thread_takes_a_core_from_the_encoder_while_it_runs(encoder, monkeypatch):
    """On a CPU whose cores the encoder's threads fill, the encoder runs one thread fewer
    while the check thread still reads, and every thread once it is done."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(encoder, "batch_tokens", 16)
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    seen = []
    first_batch = threading.Event()
    real_before = pipeline_module.CoreShare.before_batch

    def before_batch(self):
        if seen:  # every batch after the first waits for the check thread to end
            assert wait_for(lambda: not check_alive())
        real_before(self)
        seen.append(torch.get_num_threads())
        first_batch.set()

    monkeypatch.setattr(pipeline_module.CoreShare, "before_batch", before_batch)

    def check(stream, to_index):  # ends once the first batch has started
        for document in stream:
            to_index(document)
        assert first_batch.wait(30)
        return 19

    try:
        words, _, first = check_while_encoding(
            check, iter(documents), lambda: encoder,
            first_words=lambda e: words_of(documents), chunk_words=10**6)
    finally:
        torch.set_num_threads(before)
    assert words == 19 and first is not None and first.matches(documents)
    assert len(seen) >= 2 and seen[0] == 1 and seen[1:] == [2] * (len(seen) - 1)


def words_of(documents) -> int:  # a first chunk of them all, cut at the last document
    return sum(len(s.tokens) for d in documents for s in d.sentences)


def check_alive() -> bool:
    return any(t.name == "sensedb-check" and t.is_alive() for t in threading.enumerate())


def wait_for(condition, seconds=30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.parametrize("pipeline", [True, False])
def test_the_indexing_bar_counts_every_word_once_as_it_is_encoded(tmp_path, encoder, wordnet,
                                                                   monkeypatch, pipeline):
    """The bar counts words batch by batch as they are encoded (it stood still for a whole
    400k-word chunk when it counted commits), the first chunk's once, taken or not."""
    import io

    from tqdm import tqdm

    bars, updates = [], []

    def progress_bar(progress, total_words=None):
        bar = tqdm(total=total_words, file=io.StringIO(), delay=0, mininterval=0)
        real_update = bar.update
        bar.update = lambda n=1: (updates.append(n), real_update(n))[1]
        bars.append(bar)
        return bar

    monkeypatch.setattr(chunks_module, "FIRST_CHUNK_WORDS", 1)  # the first document
    monkeypatch.setattr(job_module, "progress_bar", progress_bar)
    monkeypatch.setattr(sensedb.api, "progress_bar", progress_bar)
    monkeypatch.setattr(encoder, "batch_tokens", 16)  # several batches per chunk
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    words = words_of(documents)
    report = build_index(MINI_XML, tmp_path / "index", gold=MINI_GOLD, encoder=encoder,
                         wordnet=wordnet, progress=True, pipeline=pipeline)
    assert len(bars) == 1 and bars[0].total == words and bars[0].n == words
    # the job's seconds hold the first chunk's encoding (a breaker's: 0.38 s reported
    # against 8.9 s of encoding, and 28k words/s)
    assert report.seconds >= report.encode_seconds > 0
    assert len(updates) > 2  # batch by batch, not one update per chunk
    # a first chunk the job does not take: its words are not counted
    bars.clear()
    directory = IndexDirectory(tmp_path / "other")
    open_or_create(directory, encoder, wordnet)
    index_documents(directory, encoder, wordnet, documents, corpus="mini", progress=True,
                    total_words=words, first=first_chunk_of(documents[:1][::-1], encoder),
                    pipeline=pipeline, first_words=10**6)
    assert bars[0].n == words


def test_a_folder_of_other_files_is_refused_before_any_encoding(tmp_path, encoder, wordnet,
                                                                monkeypatch):
    """A breaker's: the first chunk was encoded (and the bar drawn) before the lock found
    the target folder unusable; it is refused before the encoder runs."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "mydata.txt").write_text("mine\n")
    prepared = []
    real_prepare = type(encoder).prepare
    monkeypatch.setattr(type(encoder), "prepare",
                        lambda self, sentences: prepared.append(1) or real_prepare(self,
                                                                                   sentences))
    with pytest.raises(IndexFormatError, match="not a sensedb index and holds other files"):
        build_index(MINI_XML, mine, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                    progress=False, pipeline=True)
    assert prepared == [] and sorted(p.name for p in mine.iterdir()) == ["mydata.txt"]
