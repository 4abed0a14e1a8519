"""The retriever's read queries: cached row lookups, sentence reads, counts."""

from __future__ import annotations

import json

from cli_support import invoke
from click.testing import CliRunner

import sensedb
from sensedb import SenseIndex
from sensedb.retriever.queries import sentence_ids, sentence_texts


def test_row_cache_gives_the_same_answers(mini_index, encoder, wordnet):
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    text = "He sat on the bank of the river. The bank raised its rates."
    first = sensedb.tag(index, text)
    assert index.queries.cache["senses"]  # the lookups were cached...
    again = sensedb.tag(index, text)
    fresh = sensedb.tag(SenseIndex(mini_index, encoder=encoder, wordnet=wordnet,
                                   wordnet_evidence=False), text)
    assert first == again == fresh  # ...and change nothing
    index.reload()
    assert index.queries.cache == {}


def test_row_lookups_and_sentences(mini_index, encoder, wordnet):
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    queries = index.queries
    rows = queries.sense_rows(["bank%1:17:01::", "bank%1:14:00::", "bank%1:04:00::"])
    assert list(rows) == ["bank%1:17:01::", "bank%1:14:00::"]  # never labelled: left out
    assert all(count == 3 for _, count in rows.values())
    hits = index.tokens.search(index.tokens.vectors([int(index.tokens.ids()[0])]), 3)[1][0]
    keys = queries.token_keys([int(i) for i in hits] + [10**9])
    assert all(keys[:3]) and keys[3] == []
    usage_rows = queries.usage_rows([int(i) for i in hits])
    assert set(usage_rows) == {int(i) for i in hits}
    ids = sentence_ids(index.directory.db)
    assert len(ids) == 9 and ids == sorted(ids)
    texts = sentence_texts(index.directory.db, ids[:2] + [10**9])
    assert list(texts) == ids[:2] and all(texts.values())
    corpora, counts = queries.counts()
    assert corpora == {"mini": 2} and counts["tokens"] == 19
    stored = queries.stored_ids()
    assert len(stored.tokens) == 19 and stored.examples == []


def test_counts_leave_out_a_deleted_document_waiting_for_its_purge(tmp_path, encoder, wordnet):
    """``info`` after ``delete`` said the index still held the document (its rows stay
    until a rebuild at least PURGE_GRACE seconds on, which may never come)."""
    from sensedb.indexer import IndexDirectory
    from sensedb.indexer.compaction import delete_document

    corpus = tmp_path / "notes.jsonl"
    corpus.write_text('{"doc": "a", "text": "He sat on the bank", '
                      '"senses": [{"at": 4, "key": "bank%1:17:01::"}]}\n'
                      '{"doc": "b", "text": "The bank raised its rates", '
                      '"senses": [{"at": 1, "key": "bank%1:14:00::"}]}\n'
                      '{"doc": "b", "text": "She sat down", '
                      '"senses": [{"at": 1, "key": "sit%2:35:00::"}]}\n', encoding="utf-8")
    sensedb.build_index(corpus, tmp_path / "index", encoder=encoder, wordnet=wordnet,
                        progress=False)
    assert delete_document(IndexDirectory(tmp_path / "index"), "b") == 2
    info = SenseIndex(tmp_path / "index", encoder=encoder, wordnet=wordnet,
                      wordnet_evidence=False).info()
    assert info["corpora"] == {"notes": 1}
    assert (info["documents"], info["sentences"], info["tokens"]) == (1, 1, 1)
    assert info["token_vectors"] == 1
    # the senses only the deleted document had (bank%1:14:00::, sit) were still counted: 3
    # where a fresh index of what is left says 1 (a breaker's)
    assert info["senses"] == info["sense_vectors"] == 1


POSITIONS_CORPUS = [
    # the user's line: "took place" is one stored token, "bank" its sixth
    {"doc": "a", "text": "The meeting took place at the bank near the river .",
     "senses": [{"at": [2, 3], "key": "take_place%2:30:00::"},
                {"at": 6, "key": "bank%1:17:01::"}]},
    # an unlabelled token with a space ("New York") before the labelled one
    {"doc": "a", "tokens": ["They", "left", "New York", "by", "the", "river", "bank"],
     "senses": [{"at": 6, "key": "bank%1:17:01::"}]},
    # two multiword spans before the second of two banks: its position is its "at"
    {"doc": "b", "text": "The talks took place at the bank and came about near the bank .",
     "senses": [{"at": [2, 3], "key": "take_place%2:30:00::"},
                {"at": [8, 9], "key": "come_about%2:30:00::"},
                {"at": 12, "key": "bank%1:17:01::"}]},
]


def test_a_usage_position_indexes_the_sentence_shown(tmp_path, encoder, wordnet):
    """A usage after a multiword label showed the position of its stored token: "bank" in
    "The meeting took place at the bank ..." was position 5, the shown sentence's word 5
    being "the" ("took place" is one token of the corpus, two words of the sentence)."""
    corpus = tmp_path / "notes.jsonl"
    corpus.write_text("".join(json.dumps(line) + "\n" for line in POSITIONS_CORPUS),
                      encoding="utf-8")
    sensedb.build_index(corpus, tmp_path / "index", encoder=encoder, wordnet=wordnet,
                        progress=False)
    index = SenseIndex(tmp_path / "index", encoder=encoder, wordnet=wordnet,
                       wordnet_evidence=False)
    shown = {(u.sentence.split(" ")[1], u.surface): u.position
             for u in index.neighbors("The otter slid down the bank", "bank", k=10)
             + index.neighbors("The party took place at noon", "took place", k=10)}
    assert shown == {("meeting", "bank"): 6, ("left", "bank"): 7, ("talks", "bank"): 12,
                     ("meeting", "took place"): 2, ("talks", "took place"): 2}
    evidence = index.wsd("The otter slid down the bank", "bank", k=10).evidence
    assert {u.position for u in evidence} == {6, 7, 12}
    for usage in evidence:  # the usage's words, where its position says
        words = usage.sentence.split(" ")
        assert words[usage.position] == usage.surface == "bank"
    cli = json.loads(invoke(CliRunner(), "neighbors", "The otter slid down the bank", "bank",
                            "--index", tmp_path / "index", "-k", 50, "--json").output)
    assert sorted(u["position"] for u in cli if u["corpus"] == "notes") == [6, 7, 12]
    for usage in cli:  # WordNet's example usages too (the CLI's index builds them)
        n = len(usage["surface"].split(" "))
        words = usage["sentence"].split(" ")
        assert words[usage["position"]:usage["position"] + n] == usage["surface"].split(" ")
