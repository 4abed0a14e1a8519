"""Pipelined index jobs (sensedb.indexer.pipeline): the stages' threads, and a pipelined job
equal to a serial one, with --replace, a failing commit and a kill in a commit."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from conftest import MINI_GOLD, MINI_XML
from indexer_helpers import assert_same_sums, open_index, sense_rows, snapshot

from sensedb import InputError, build_index, read_raganato
from sensedb.indexer import IndexDirectory, index_documents, open_or_create
from sensedb.indexer import chunks as chunks_module
from sensedb.indexer.pipeline import OrderedWriter, pipeline_pays, read_ahead


def test_read_ahead_keeps_order_and_raises_where_it_failed():
    items = iter([1, 2, 3])
    threads = set()

    def produce():
        threads.add(threading.current_thread().name)
        value = next(items, None)
        if value == 3:
            raise ValueError("bad item 3")
        return value

    got = []
    with pytest.raises(ValueError, match="bad item 3"):
        for value in read_ahead(produce):
            got.append(value)
    assert got == [1, 2]
    assert threads and threading.current_thread().name not in threads


def test_ordered_writer_runs_in_order_and_raises():
    done = []
    with OrderedWriter() as writer:
        for n in range(5):
            writer.submit(done.append, n)
        assert writer.call(len)(done) == 5  # runs after every call submitted before
    assert done == [0, 1, 2, 3, 4]

    def fail(n):
        raise InputError(f"bad chunk {n}")

    with pytest.raises(InputError, match="bad chunk 0"):
        with OrderedWriter() as writer:
            writer.submit(fail, 0)
            writer.submit(done.append, 5)  # waits for the failed call: raises its error
    assert done == [0, 1, 2, 3, 4]


def test_pipeline_pays_on_a_gpu_or_idle_cores():
    assert pipeline_pays("cuda", 2) and pipeline_pays("cuda:1", 64)
    assert not pipeline_pays("cpu", 4096)


def job(directory, encoder, wordnet, documents, **options):
    return index_documents(directory, encoder, wordnet, documents, corpus="mini",
                           chunk_words=1, progress=False, **options)


def test_pipelined_job_equals_serial_job(tmp_path, encoder, wordnet):
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    reports = {}
    for name, pipeline in (("serial", False), ("pipelined", True)):
        directory = IndexDirectory(tmp_path / name)
        open_or_create(directory, encoder, wordnet)
        reports[name] = job(directory, encoder, wordnet, documents, pipeline=pipeline)
    assert (reports["serial"].documents, reports["serial"].tokens) \
        == (reports["pipelined"].documents, reports["pipelined"].tokens) == (2, 19)
    a, b = (open_index(tmp_path / n, encoder, wordnet) for n in ("serial", "pipelined"))
    x, y = snapshot(a), snapshot(b)
    assert x["tokens"].keys() == y["tokens"].keys() and x["senses"].keys() == y["senses"].keys()
    for part in ("tokens", "senses"):  # the same chunks: the same bits
        for key in x[part]:
            np.testing.assert_array_equal(x[part][key], y[part][key])
    assert_same_sums(sense_rows(a.directory), sense_rows(b.directory))
    b.check()


def test_pipelined_replace_and_a_failing_commit(tmp_path, encoder, wordnet, monkeypatch):
    def notes(folder, text, at, key):
        path = tmp_path / folder / "notes.jsonl"
        path.parent.mkdir()
        path.write_text(json.dumps({"text": text, "senses": [{"at": at, "key": key}]}) + "\n")
        return path

    river = notes("a", "He sat on the bank of the river", 4, "bank%1:17:01::")
    money = notes("b", "She paid the money into the bank", 6, "bank%1:14:00::")
    for name, pipeline in (("serial", False), ("pipelined", True)):
        for corpus in (river, money):
            build_index(corpus, tmp_path / name, encoder=encoder, wordnet=wordnet,
                        progress=False, replace=True, pipeline=pipeline)
    assert_same_sums(sense_rows(IndexDirectory(tmp_path / "serial")),
                     sense_rows(IndexDirectory(tmp_path / "pipelined")))
    assert sense_rows(IndexDirectory(tmp_path / "pipelined"))["bank%1:17:01::"][0] == 0

    # a commit that fails: the error reaches the caller, the chunks before it stay committed
    real = chunks_module.commit_chunk
    calls = []

    def fail_second(*args):
        calls.append(1)
        if len(calls) == 2:
            raise InputError("refused in the writer thread")
        return real(*args)

    monkeypatch.setattr(chunks_module, "commit_chunk", fail_second)
    directory = IndexDirectory(tmp_path / "failing")
    open_or_create(directory, encoder, wordnet)
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    with pytest.raises(InputError, match="refused in the writer thread"):
        job(directory, encoder, wordnet, documents, pipeline=True)
    monkeypatch.setattr(chunks_module, "commit_chunk", real)
    with directory.db.session() as session:
        from sqlalchemy import func, select

        from sensedb.schema import DocumentRow

        assert session.execute(select(func.count()).select_from(DocumentRow)).scalar() == 1
    resumed = job(directory, encoder, wordnet, documents, pipeline=True)
    assert (resumed.documents, resumed.skipped_documents) == (1, 1)
    reference = IndexDirectory(tmp_path / "reference")
    open_or_create(reference, encoder, wordnet)
    job(reference, encoder, wordnet, documents, pipeline=False)
    assert_same_sums(sense_rows(directory), sense_rows(reference))


def test_stage_threads_run_at_background_priority():
    import os
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("per-thread priorities are Linux's")
    main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    with OrderedWriter() as writer:
        nice = writer.call(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))()
    assert nice == 19 and os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main
