"""Chunks of an index job (sensedb.indexer.chunks): order and size, resume after a crash."""

from __future__ import annotations

from conftest import MINI_GOLD, MINI_XML
from indexer_helpers import kill_at_second_chunk, open_index

from sensedb import read_raganato
from sensedb.corpora import Document, Sentence, Token
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


def test_chunk_documents_small_first_and_last_chunk():
    """With the job's words known, the first chunk ends at ``first_words`` and the chunk
    before the last is cut short so that the last holds ``last_words``; the first chunk's
    cut never depends on the total (the check pass's reader cuts it without one); a short
    total falls back to plain chunks."""
    from sensedb.corpora import Document, Sentence, Token
    from sensedb.indexer.chunks import chunk_documents

    documents = [Document(f"d{n}", [Sentence(f"d{n}.s0", [Token("w")] * 10)])
                 for n in range(20)]  # 200 words

    def sizes(**options):
        chunks = list(chunk_documents(documents, 60, first_words=20, **options))
        assert [d.id for chunk in chunks for d in chunk] == [d.id for d in documents]
        return [sum(len(s.tokens) for d in chunk for s in d.sentences) for chunk in chunks]

    assert sizes(total_words=200, last_words=30) == [20, 60, 60, 30, 30]
    assert sizes(total_words=200, last_words=20) == [20, 60, 60, 40, 20]
    assert sizes() == [20, 60, 60, 60]  # no total: the same first chunk, plain after it
    assert sizes(total_words=50, last_words=30) == [20, 30, 60, 60, 30]  # a short total
    assert [len(c) for c in chunk_documents(documents, 1000, total_words=200,
                                            first_words=500, last_words=500)] == [20]


def test_first_chunk_words_small_on_a_cpu_whole_on_a_gpu():
    from sensedb.indexer.chunks import CHUNK_WORDS, FIRST_CHUNK_WORDS, first_chunk_words

    assert FIRST_CHUNK_WORDS < CHUNK_WORDS
    assert first_chunk_words("cpu") == FIRST_CHUNK_WORDS
    assert first_chunk_words("cuda:0") == first_chunk_words("mps") == CHUNK_WORDS
    assert first_chunk_words("cpu", 1000) == first_chunk_words("cuda", 1000) == 1000


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


def test_a_killed_job_stays_named_after_a_later_writer_until_its_corpus_finishes(
        tmp_path, encoder, wordnet, monkeypatch):
    """A killed job whose stores a later writer rebuilt (here a job of another corpus; a query
    adding WordNet's vectors does the same) was marked ``interrupted`` and no longer named:
    `verify --deep` and `info` said nothing of a corpus holding 1 of its documents. It stays
    named (verify, ``info``'s ``unfinished_jobs``) until a job of its corpus and file
    finishes: another file indexed under the corpus's name hid it too (a breaker's)."""
    from sensedb.indexer.job import unfinished_jobs
    from sensedb.indexer.verify import verify

    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    directory = IndexDirectory(tmp_path / "idx")
    open_or_create(directory, encoder, wordnet)
    kill_at_second_chunk(monkeypatch, directory, encoder, wordnet, documents)
    other = [Document("o0", [Sentence("o0.s0", [
        Token("He"), Token("sat", "sit", "VERB", "o0.s0.t0", ("sit%2:35:00::",))])])]
    index_documents(directory, encoder, wordnet, other, corpus="other", progress=False)
    assert [(j.job, j.corpus, j.status) for j in unfinished_jobs(directory.db)] == [
        (1, "mini", "interrupted")]
    report = verify(directory.path, deep=True, encoder=encoder)
    assert len(report.problems) == 1, report.problems
    assert report.problems[0].message.startswith("job 1 (corpus mini")
    assert report.problems[0].message.endswith("was killed before it finished: the corpus "
                                               "may lack documents")
    assert "run its `sensedb index` command again" in report.problems[0].action
    info = open_index(directory.path, encoder, wordnet).info()
    assert [j["corpus"] for j in info["unfinished_jobs"]] == ["mini"]
    assert info["corpora"]["mini"] < len(documents)
    # another file under the corpus's name finishes: the killed job's file is still short
    elsewhere = [Document("e0", other[0].sentences)]
    index_documents(directory, encoder, wordnet, elsewhere, corpus="mini",
                    path=str(tmp_path / "elsewhere" / "mini.data.xml"), progress=False)
    assert [j.job for j in unfinished_jobs(directory.db)] == [1]
    index_documents(directory, encoder, wordnet, documents, corpus="mini", progress=False)
    assert unfinished_jobs(directory.db) == []
    assert verify(directory.path, deep=True, encoder=encoder).ok
