"""Readers that never break: an open index answers from one generation (its snapshot) until
it reloads, whatever other processes write (sensedb.retriever.index, .sources)."""

from __future__ import annotations

import importlib
import sys
from dataclasses import replace

from conftest import MINI_GOLD, MINI_XML
from indexer_helpers import mini_copy, open_index

from sensedb import read_raganato
from sensedb.indexer import SENSES, STORES, TOKENS, IndexDirectory, index_documents
from sensedb.indexer import documents as documents_module
from sensedb.indexer.rebuild import finalize
from sensedb.indexer.verify import verify

QUERIES = [("He deposited the money at the bank", "bank"),
           ("They sat on the bank of the river", "bank"),
           ("The party took place at noon", "took place")]


def answers(index) -> list:
    """Everything an answer reads from the index: keys, scores, supports, evidence ids."""
    found = []
    for sentence, target in QUERIES:
        result = index.wsd(sentence, target, k=3)
        found.append(([(s.key, round(s.score, 5), s.support) for s in result.senses],
                      [u.token_id for u in result.evidence]))
    return found


def more_documents():
    """The mini corpus again under new names: more tokens of the same senses."""
    return [replace(d, id=f"again-{d.id}") for d in read_raganato(MINI_XML, MINI_GOLD)]


def test_rows_written_before_their_generation_are_invisible(tmp_path, encoder, wordnet):
    path = mini_copy(tmp_path, encoder, wordnet)
    reader = open_index(path, encoder, wordnet)
    before = answers(reader)
    directory = IndexDirectory(path)
    # another process's job has committed its rows and sense counts, not yet the generation
    # that holds them: what readers see in between
    with directory.lock():
        index_documents(directory, encoder, wordnet, more_documents(), corpus="again",
                        rebuild=False, progress=False, allow_duplicates=True)
    assert answers(reader) == before
    assert answers(open_index(path, encoder, wordnet)) == before  # a fresh open: the same
    with directory.lock():
        finalize(directory, (TOKENS, SENSES))
    assert answers(reader) == before  # its snapshot, until it chooses to reload
    follower = open_index(path, encoder, wordnet)
    assert follower.follow() is False  # it opened on the newest generation
    reader.reload()
    after = answers(reader)
    assert after != before  # twice the tokens: supports and evidence changed
    assert after == answers(open_index(path, encoder, wordnet))
    # follow: a long-lived reader (the HTTP service, before each batch) reloads only when a
    # newer generation is current; a served index showed no appended document before
    assert reader.follow() is False
    with directory.lock():
        index_documents(directory, encoder, wordnet,
                        [replace(d, id=f"third-{d.id}") for d in more_documents()],
                        corpus="again", progress=False, allow_duplicates=True)
    assert reader.follow() is True and reader.follow() is False
    assert answers(reader) == answers(open_index(path, encoder, wordnet)) != after


def document_rows(directory: IndexDirectory) -> int:
    """The document rows in the database, a retired document's included."""
    from sqlalchemy import func, select

    from sensedb.schema import DocumentRow

    with directory.db.session() as session:
        return int(session.execute(select(func.count()).select_from(DocumentRow)).scalar())


def smaller_d000():
    """Document d000 of the mini corpus without its two sentences of the financial bank."""
    first = next(iter(read_raganato(MINI_XML, MINI_GOLD)))
    assert first.id == "d000"
    return [replace(first, sentences=[s for s in first.sentences
                                      if not s.id.endswith(("s002", "s003"))])]


def test_a_replaced_document_is_seen_whole_or_not_at_all(tmp_path, encoder, wordnet,
                                                         monkeypatch):
    path = mini_copy(tmp_path, encoder, wordnet)
    reader = open_index(path, encoder, wordnet)
    before = answers(reader)
    (name,) = reader.queries.counts()[0]
    directory = IndexDirectory(path)
    # the replacing job has retired the old content and committed the new, not yet the
    # generation that holds it: the old document's rows are all still there for readers
    with directory.lock():
        index_documents(directory, encoder, wordnet, smaller_d000(), corpus=name,
                        replace=True, rebuild=False, progress=False)
    assert answers(reader) == before
    assert answers(open_index(path, encoder, wordnet)) == before
    stale = open_index(path, encoder, wordnet)  # holds the old generation from here on
    with directory.lock():  # the new generation leaves the old document's tokens out
        finalize(directory, (TOKENS, SENSES))
    after = answers(reader)  # its next answer: reloaded first, the new generation whole
    assert after != before  # two usages of the financial bank fewer
    assert reader.manifest.generations == directory.manifest().generations
    assert after == answers(open_index(path, encoder, wordnet))
    assert verify(path).problems == []  # the left-out rows are not expected in the stores
    with directory.lock():  # a rebuild within the grace period keeps them
        finalize(directory, (TOKENS, SENSES))
    assert document_rows(directory) == 3
    assert reader.queries.counts()[0] == {name: 2}  # info counts the retired one no more
    monkeypatch.setattr(documents_module, "PURGE_GRACE", 0.0)
    with directory.lock():  # one after it deletes them
        finalize(directory, (TOKENS, SENSES))
    assert document_rows(directory) == 2  # no retired rows left behind
    assert answers(stale) == after  # an index of the old generation reloads before answering
    assert verify(path).problems == []


def test_a_load_racing_a_new_generation_loads_the_newer_one(tmp_path, encoder, wordnet,
                                                             monkeypatch):
    path = mini_copy(tmp_path, encoder, wordnet)
    reader = open_index(path, encoder, wordnet)
    real = IndexDirectory.load_store
    raced = []

    def writer_finishes_first(self, name, generation, dim=None):
        if not raced:  # between reading the manifest and its files, a writer replaces them
            raced.append(self.manifest().generations)
            with self.lock():
                finalize(self, STORES)
        return real(self, name, generation, dim)

    monkeypatch.setattr(IndexDirectory, "load_store", writer_finishes_first)
    reader._parts = {}  # nothing kept from its first load: every file is read again
    reader.reload()
    assert raced and reader.manifest.generations[SENSES] > raced[0][SENSES]
    assert reader.manifest.generations == IndexDirectory(path).manifest().generations
    assert answers(reader) == answers(open_index(path, encoder, wordnet))


def test_readers_and_writers_racing_across_processes(mini_index, tmp_path):
    """scripts/bench_race.py, short: 2 reader processes while one process appends the corpus
    sentence by sentence, another adds WordNet vectors and a third replaces a document over
    and over: no error, no torn read."""
    scripts = str(MINI_XML.parents[2] / "scripts")
    if scripts not in sys.path:  # the child processes import the module by name
        sys.path.insert(0, scripts)
    bench_race = importlib.import_module("bench_race")
    found = bench_race.run(mini_index, MINI_XML, MINI_GOLD, readers=2, seconds=5,
                           work=tmp_path, replace_corpus=MINI_XML, replace_gold=MINI_GOLD)
    # three writers share one lock: on a loaded machine one may get no turn in 5 s
    assert found["answers"] > 0 and found["appends"] + found["replacements"] > 0, found
    assert (found["other_errors"], found["sensedb_errors"], found["writer_errors"],
            found["torn_reads"]) == (0, 0, 0, 0), found
    assert found["generations_seen"] >= 2, found
