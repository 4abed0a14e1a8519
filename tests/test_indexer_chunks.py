"""Chunks of an index job (sensedb.indexer.chunks): order and size, resume after a crash."""

from __future__ import annotations

from conftest import MINI_GOLD, MINI_XML
from indexer_helpers import kill_at_second_chunk, open_index

from sensedb import read_raganato
from sensedb.indexer import IndexDirectory, index_documents, open_or_create


def test_crashed_job_resumes_without_duplicates(tmp_path, encoder, wordnet, monkeypatch):
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    directory = IndexDirectory(tmp_path / "idx")
    open_or_create(directory, encoder, wordnet)
    kill_at_second_chunk(monkeypatch, directory, encoder, wordnet, documents)
    report = index_documents(directory, encoder, wordnet, documents, corpus="mini",
                             progress=False)
    assert (report.skipped_documents, report.documents) == (1, 1)
    index = open_index(directory.path, encoder, wordnet)
    assert index.info()["tokens"] == 19
    index.check()


def test_chunk_documents_keeps_order_and_size():
    from sensedb.corpora import Document, Sentence, Token
    from sensedb.indexer.chunks import chunk_documents

    documents = [Document(f"d{n}", [Sentence(f"d{n}.s0", [Token("w")] * (n + 1))])
                 for n in range(10)]
    chunks = list(chunk_documents(documents, chunk_words=6))
    assert [d.id for chunk in chunks for d in chunk] == [d.id for d in documents]
    sizes = [sum(len(s.tokens) for d in chunk for s in d.sentences) for chunk in chunks]
    assert all(size >= 6 for size in sizes[:-1]) and sizes[-1] > 0
    assert [len(chunk) for chunk in chunks] == [3, 2, 1, 1, 1, 1, 1]  # 1+2+3, 4+5, 6, ...


def test_verify_names_a_killed_job_and_its_rerun_mends_the_index(tmp_path, encoder, wordnet,
                                                                 monkeypatch):
    """After a killed job `verify` listed only store problems, each telling to run `sensedb
    repair`; it now names the job first with what mends it (its command again), and after
    that rerun the index verifies clean."""
    from sensedb.indexer.verify import verify

    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    directory = IndexDirectory(tmp_path / "idx")
    open_or_create(directory, encoder, wordnet)
    kill_at_second_chunk(monkeypatch, directory, encoder, wordnet, documents)
    report = verify(directory.path)
    assert not report.ok
    first = report.problems[0]
    assert "job 1 (corpus mini" in first.message and "did not finish" in first.message
    assert "run its `sensedb index` command again" in first.action
    index_documents(directory, encoder, wordnet, documents, corpus="mini", progress=False)
    report = verify(directory.path, deep=True, encoder=encoder)
    assert report.ok, report.problems
