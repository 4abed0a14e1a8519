"""Index jobs end to end (sensedb.indexer.job): incremental = one shot, bad input, bulk load."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, MINI_GOLD, MINI_XML
from indexer_helpers import (
    assert_same_vectors,
    kill_at_second_chunk,
    mini_copy,
    open_index,
)

from sensedb import InputError, build_index, read_raganato
from sensedb.indexer import IndexDirectory, index_documents, open_or_create


def test_incremental_update_equals_one_shot(tmp_path, encoder, wordnet):
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    one_shot = IndexDirectory(tmp_path / "one")
    steps = IndexDirectory(tmp_path / "steps")
    for directory in (one_shot, steps):
        open_or_create(directory, encoder, wordnet, standardize=True)
    index_documents(one_shot, encoder, wordnet, documents, corpus="mini", progress=False)
    index_documents(steps, encoder, wordnet, documents[:1], corpus="mini", progress=False)
    index_documents(steps, encoder, wordnet, documents[1:], corpus="more", progress=False)
    assert_same_vectors(open_index(one_shot.path, encoder, wordnet),
                        open_index(steps.path, encoder, wordnet))
    words = sum(len(s.tokens) for d in documents for s in d.sentences)
    assert one_shot.manifest().stats.n == steps.manifest().stats.n == words


def test_bad_input_leaves_index_intact(tmp_path, encoder, wordnet):
    path = mini_copy(tmp_path, encoder, wordnet)
    bad_gold = tmp_path / "bad.gold.key.txt"
    lines = MINI_GOLD.read_text().splitlines()
    lines[3] = lines[3].split()[0] + " bank%1:99:99::"
    bad_gold.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as error:
        build_index(MINI_XML, path, gold=bad_gold, corpus_name="again", encoder=encoder,
                    wordnet=wordnet, progress=False)
    message = str(error.value)
    assert "bad.gold.key.txt:4" in message and "bank%1:99:99::" in message
    lines = MINI_GOLD.read_text().splitlines()  # a key of another word: lake's
    instance = lines[3].split()[0]
    lines[3] += " lake%1:17:00::"
    bad_gold.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=rf"mini\.data\.xml:\d+, id {instance}: instance "
                       rf"{instance} is labelled bank NOUN but its sense key lake%1:17:00:: "
                       "is of lake NOUN"):
        build_index(MINI_XML, path, gold=bad_gold, corpus_name="again", encoder=encoder,
                    wordnet=wordnet, progress=False)
    with pytest.raises(InputError, match=r"bad_malformed\.data\.xml:\d+"):
        build_index(FIXTURES / "corpora" / "bad_malformed.data.xml", path,
                    gold=FIXTURES / "corpora" / "good.gold.key.txt", encoder=encoder,
                    wordnet=wordnet, progress=False)
    index = open_index(path, encoder, wordnet)
    assert index.info()["tokens"] == 19
    index.check()
    assert index.wsd("He sat on the bank of the river", "bank").best.key == "bank%1:17:01::"


def test_bulk_load_builds_the_secondary_indexes_at_the_end(tmp_path, encoder, wordnet,
                                                           monkeypatch):
    from sqlalchemy import inspect

    from sensedb.schema.models import Base

    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    directory = IndexDirectory(tmp_path / "idx")
    open_or_create(directory, encoder, wordnet)

    def names() -> set[str]:
        inspector = inspect(directory.db.engine)
        return {i["name"] for t in Base.metadata.tables for i in inspector.get_indexes(t)}

    schema = {i.name for t in Base.metadata.sorted_tables for i in t.indexes}
    assert names() == schema
    kill_at_second_chunk(monkeypatch, directory, encoder, wordnet, documents)
    assert "ix_tokens_lemma_pos" not in names()  # the bulk load was writing without them
    index_documents(directory, encoder, wordnet, documents, corpus="mini", progress=False)
    assert names() == schema
