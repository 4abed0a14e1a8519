"""Pipelined index jobs (sensedb.indexer.pipeline): the stages' threads, and a pipelined job
equal to a serial one, with --replace, a failing commit and a kill in a commit."""

from __future__ import annotations

import json
import os
import sys
import threading
import time

import numpy as np
import pytest
from conftest import MINI_GOLD, MINI_XML
from indexer_helpers import assert_same_sums, open_index, sense_rows, snapshot

from sensedb import InputError, build_index, read_raganato
from sensedb.indexer import IndexDirectory, index_documents, open_or_create
from sensedb.indexer import chunks as chunks_module
from sensedb.indexer.pipeline import (
    SHARED_SWITCH_INTERVAL,
    CoreShare,
    OrderedWriter,
    cores_filled,
    pipeline_pays,
    read_ahead,
    shared_cores,
)


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


def test_pipeline_pays_on_a_gpu_or_two_cores(monkeypatch):
    assert pipeline_pays("cuda", 2) and pipeline_pays("cuda:1", 64)
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert not pipeline_pays("cpu", 1) and not pipeline_pays("cpu", 4)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert pipeline_pays("cpu", 2) and pipeline_pays("cpu", 1)
    assert cores_filled("cpu", 2) and cores_filled("cpu", 8) and not cores_filled("cpu", 1)
    assert not cores_filled("cuda", 2)


def test_core_share_gives_a_busy_stage_a_core_and_takes_it_back(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    before, interval = torch.get_num_threads(), sys.getswitchinterval()
    try:
        with shared_cores(4) as share:
            assert sys.getswitchinterval() == pytest.approx(SHARED_SWITCH_INTERVAL)
            share.before_batch()
            assert torch.get_num_threads() == 4
            with share.busy():
                share.before_batch()
                assert torch.get_num_threads() == 3
                with share.busy():  # two stages: two cores
                    share.before_batch()
                    assert torch.get_num_threads() == 2
            share.before_batch()
            assert torch.get_num_threads() == 4
            with share.busy():
                share.before_batch()  # left at 3: restored on leaving
                inside = torch.get_num_threads()
        assert inside == 3
        assert torch.get_num_threads() == 4 and sys.getswitchinterval() == interval
        share = CoreShare(8)  # more threads than cores: a busy stage leaves cores - 1
        with share.busy():
            share.before_batch()
            assert torch.get_num_threads() == 3
        one = CoreShare(1)  # never fewer than one thread
        with one.busy(), one.busy():
            one.before_batch()
            assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_writer_on_shared_cores_keeps_priority_and_counts_busy():
    share = CoreShare(2)
    seen = []
    with OrderedWriter(share=share) as writer:
        writer.submit(lambda: seen.append(share._busy))
        nice = writer.call(lambda: (share._busy,
                                    os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
                                    if sys.platform.startswith("linux") else 0))()
    assert seen == [1] and nice[0] == 1 and share._busy == 0
    if sys.platform.startswith("linux"):
        assert nice[1] == os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_job_on_shared_cores_encodes_beside_a_commit_on_fewer_threads(
        tmp_path, encoder, wordnet, monkeypatch):
    """On a CPU whose cores the encoder's threads fill, a pipelined job's encoder runs one
    thread fewer while the writer commits, and has every thread back afterwards; the index
    is the serial job's."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    real_commit, real_forward = chunks_module.commit_chunk, type(encoder)._forward
    started = threading.Event()
    threads_seen = []

    def slow_commit(*args):
        started.set()
        time.sleep(1.0)  # the next chunk's batches run meanwhile
        return real_commit(*args)

    def forward(self, *args):
        if started.is_set():
            threads_seen.append(torch.get_num_threads())
        return real_forward(self, *args)

    try:
        documents = list(read_raganato(MINI_XML, MINI_GOLD))
        directory = IndexDirectory(tmp_path / "shared")
        open_or_create(directory, encoder, wordnet)
        monkeypatch.setattr(chunks_module, "commit_chunk", slow_commit)
        monkeypatch.setattr(type(encoder), "_forward", forward)
        real_prepare = type(encoder).prepare
        prepared = []

        def prepare(self, sentences):  # the second chunk waits for the first commit
            prepared.append(1)
            if len(prepared) > 1 and not started.wait(5):
                raise AssertionError("no commit started")
            return real_prepare(self, sentences)

        monkeypatch.setattr(type(encoder), "prepare", prepare)
        report = job(directory, encoder, wordnet, documents, pipeline=True)
        assert (report.documents, report.tokens, len(prepared)) == (2, 19, 2)
    finally:
        torch.set_num_threads(before)
    assert threads_seen and threads_seen[0] == 1  # beside the first commit: one thread
    assert torch.get_num_threads() == before
    reference = IndexDirectory(tmp_path / "serial")
    open_or_create(reference, encoder, wordnet)
    job(reference, encoder, wordnet, documents, pipeline=False)
    assert_same_sums(sense_rows(directory), sense_rows(reference))


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



def test_overlapping_jobs_restore_the_switch_interval_and_threads_whatever_the_order():
    """Two jobs of one process sharing cores: the second saved the first's 0.1 ms and
    restored it for good (a breaker's); now the last to end restores what the first found."""
    torch = pytest.importorskip("torch")
    before, interval = torch.get_num_threads(), sys.getswitchinterval()
    try:
        for order in ("first ends first", "second ends first"):
            first = shared_cores(before)
            share_a = first.__enter__()
            with share_a.busy():
                share_a.before_batch()  # one thread fewer while A's writer works
                second = shared_cores(torch.get_num_threads())
                share_b = second.__enter__()
            assert share_b.threads == share_a.threads == before  # not the lowered count
            if order == "first ends first":
                first.__exit__(None, None, None)
                assert sys.getswitchinterval() == pytest.approx(SHARED_SWITCH_INTERVAL)
                second.__exit__(None, None, None)
            else:
                second.__exit__(None, None, None)
                first.__exit__(None, None, None)
            assert sys.getswitchinterval() == interval
            assert torch.get_num_threads() == before
    finally:
        torch.set_num_threads(before)
        sys.setswitchinterval(interval)
