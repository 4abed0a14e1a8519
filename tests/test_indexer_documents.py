"""Document identity by name and content, --replace, and jobs that are refused before they
write: a rejected job leaves the index file-for-file and row-for-row as it was."""

from __future__ import annotations

import functools
import hashlib
import json

import numpy as np
import pytest
from click.testing import CliRunner
from indexer_helpers import assert_same_sums, open_index, sense_rows

import sensedb.api
from sensedb import ConfigurationError, IndexFormatError, InputError, build_index
from sensedb.cli import cli
from sensedb.indexer import IndexDirectory


def notes(path, *sentences):
    """A JSONL file of labelled 'bank' sentences, without a doc field (one document named
    after the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"text": text, "senses": [{"at": at, "key": key}]})
             for text, at, key in sentences]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


RIVER = ("He sat on the bank of the river", 4, "bank%1:17:01::")
MONEY = ("She paid the money into the bank", 6, "bank%1:14:00::")
SHORE = ("The boat drifted to the bank", 5, "bank%1:17:01::")


def build(corpus, index, encoder, wordnet, **options):
    return build_index(corpus, index, encoder=encoder, wordnet=wordnet, progress=False,
                       **options)


def state(path) -> dict:
    """Every file's SHA-256 (SQLite's transient -wal and -shm files aside) and every
    table's row count: what a rejected job must not change."""
    from sqlalchemy import func, select

    from sensedb.schema import Base

    files = {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(path.rglob("*"))
             if p.is_file() and p.name != ".lock" and not p.name.endswith(("-wal", "-shm"))}
    directory = IndexDirectory(path)
    with directory.db.session() as session:
        rows = {name: session.execute(select(func.count()).select_from(table)).scalar()
                for name, table in Base.metadata.tables.items()}
    directory.close()
    return {"files": files, "rows": rows}


def test_same_name_other_content_is_refused_then_replaced(tmp_path, encoder, wordnet):
    index = tmp_path / "idx"
    build(notes(tmp_path / "a" / "notes.jsonl", RIVER, SHORE), index, encoder, wordnet)
    before_sums = sense_rows(IndexDirectory(index))
    before = state(index)
    other = notes(tmp_path / "b" / "notes.jsonl", MONEY)
    with pytest.raises(InputError, match=r'document "notes" .*--replace'):
        build(other, index, encoder, wordnet)
    assert state(index) == before  # refused before anything was written

    generations = IndexDirectory(index).manifest().generations
    again = build(tmp_path / "a" / "notes.jsonl", index, encoder, wordnet)  # resume: skipped
    assert (again.documents, again.skipped_documents) == (0, 1)
    assert_same_sums(sense_rows(IndexDirectory(index)), before_sums)
    # nothing new, no new generation (the sense store was rebuilt each time, and a serving
    # index reloaded for it: a tester's report)
    assert IndexDirectory(index).manifest().generations == generations

    report = build(other, index, encoder, wordnet, replace=True)
    assert report.documents == 1 and report.tokens == 1
    sums = sense_rows(IndexDirectory(index))
    assert sums["bank%1:17:01::"][0] == 0  # the old document's tokens left the means
    np.testing.assert_allclose(sums["bank%1:17:01::"][1], 0, atol=1e-5)
    assert sums["bank%1:14:00::"][0] == 1
    opened = open_index(index, encoder, wordnet)
    opened.check()
    assert opened.tokens.ntotal == 1
    usages = opened.neighbors("I went to the bank", "bank", k=5)
    assert [u.sentence for u in usages] == ["She paid the money into the bank"]

    # the replaced content equals a fresh index of it
    fresh = tmp_path / "fresh"
    build(other, fresh, encoder, wordnet)
    assert_same_sums({k: v for k, v in sums.items() if v[0]},
                     sense_rows(IndexDirectory(fresh)))


def test_cli_replace_and_message(tmp_path, encoder, wordnet):
    index = tmp_path / "idx"
    build(notes(tmp_path / "a" / "notes.jsonl", RIVER), index, encoder, wordnet)
    other = notes(tmp_path / "b" / "notes.jsonl", MONEY)
    runner = CliRunner()
    result = runner.invoke(cli, ["index", str(other), "--index", str(index), "--json"])
    assert result.exit_code == 1
    assert result.output == (
        f'Error: the index already holds a document "notes" of corpus "notes" with other '
        f"content than the one in {other}. To index the new content in its place, add "
        '--replace (replace=True); to keep both, give this one another name (a "doc" field, '
        "or --corpus-name).\n")
    result = runner.invoke(cli, ["index", str(other), "--index", str(index), "--replace",
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["documents"] == 1


def test_error_after_the_first_chunk_leaves_the_index_unchanged(tmp_path, encoder, wordnet,
                                                                monkeypatch):
    index = tmp_path / "idx"
    build(notes(tmp_path / "a.jsonl", RIVER), index, encoder, wordnet)
    before = state(index)
    bad = tmp_path / "bad.jsonl"
    lines = [json.dumps({"doc": f"d{n}", "text": MONEY[0],
                         "senses": [{"at": MONEY[1], "key": MONEY[2]}]}) for n in range(3)]
    lines.append(json.dumps({"doc": "d3", "text": "a bank", "senses": [{"at": 9,
                                                                         "key": MONEY[2]}]}))
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # one document per chunk: without the check first, three chunks would commit
    monkeypatch.setattr(sensedb.api, "index_documents",
                        functools.partial(sensedb.api.index_documents, chunk_words=1))
    with pytest.raises(InputError, match=r"bad\.jsonl:4, .*out of range"):
        build(bad, index, encoder, wordnet)
    assert state(index) == before
    opened = open_index(index, encoder, wordnet)
    opened.check()
    assert opened.wsd("She paid the money into the bank", "bank").best is not None


def test_bad_layers_leave_no_directory_and_settings_mismatch_is_refused(tmp_path, encoder,
                                                                        wordnet):
    corpus = notes(tmp_path / "a.jsonl", RIVER)
    index = tmp_path / "new"
    with pytest.raises(ConfigurationError, match="layer 99 does not exist"):
        build_index(corpus, index, wordnet=wordnet, layers="99", progress=False)
    assert not index.exists()
    with pytest.raises(ConfigurationError):
        build_index(corpus, index, wordnet=wordnet, pooling="max", progress=False)
    assert not index.exists()

    build(corpus, index, encoder, wordnet)
    before = state(index)
    more = notes(tmp_path / "b.jsonl", MONEY)
    for option, shown in (({"standardize": True}, "standardize=False"),
                          ({"layers": "last4"}, "layers='last'"),
                          ({"pooling": "sum"}, "pooling='mean'")):
        with pytest.raises(IndexFormatError, match=shown):
            build_index(more, index, wordnet=wordnet, progress=False, **option)
    assert state(index) == before
    build_index(more, index, wordnet=wordnet, progress=False, layers="last",
                standardize=False)  # its own settings, spelled out: accepted


def test_layer_specs_are_compared_as_layers_and_an_empty_one_is_refused(tmp_path, encoder,
                                                                        wordnet):
    from sensedb.encoder import Encoder

    def layers_of(path):
        directory = IndexDirectory(path)
        try:
            return directory.manifest().encoder.layers
        finally:
            directory.close()

    corpus = notes(tmp_path / "a.jsonl", RIVER)
    index = tmp_path / "six"
    for empty in ("", " , "):
        with pytest.raises(ConfigurationError, match="empty layer spec"):
            build(corpus, index, encoder, wordnet, layers=empty)
    assert not index.exists()
    # layer 6 of the 6-layer model is its last layer: saved as "last"
    build(corpus, index, Encoder(layers="6"), wordnet)
    assert layers_of(index) == "last"
    for same in ("last", "-1", "6"):  # appending with any spelling of it is accepted
        build(notes(tmp_path / f"more{same}.jsonl", MONEY), index, encoder, wordnet,
              layers=same, corpus_name=f"more{same}")
    with pytest.raises(IndexFormatError, match="layers='last'"):
        build(notes(tmp_path / "b.jsonl", MONEY), index, encoder, wordnet, layers="5")
    # the last four layers written out are "last4", and compare equal to it
    four = tmp_path / "four"
    last4 = Encoder(layers="3,4,5,6")
    build(corpus, four, last4, wordnet)
    assert layers_of(four) == "last4"
    build(notes(tmp_path / "c.jsonl", MONEY), four, Encoder(layers="last4"), wordnet,
          layers="-4,-3,-2,-1")


def test_creation_killed_half_way_is_created_again(tmp_path, encoder, wordnet, monkeypatch):
    from sensedb.indexer import directory as directory_module

    corpus = notes(tmp_path / "a.jsonl", RIVER)
    index = tmp_path / "idx"

    def killed(self, *args, **kwargs):
        raise KeyboardInterrupt("killed while creating")

    real = directory_module.IndexDirectory.set_manifest
    monkeypatch.setattr(directory_module.IndexDirectory, "set_manifest", killed)
    with pytest.raises(KeyboardInterrupt):
        build(corpus, index, encoder, wordnet)
    monkeypatch.setattr(directory_module.IndexDirectory, "set_manifest", real)
    assert not IndexDirectory(index).exists()  # no half index that asks to be rebuilt
    report = build(corpus, index, encoder, wordnet)
    assert report.tokens == 1
    open_index(index, encoder, wordnet).check()
    assert not (index / "sensedb.sqlite.creating").exists()


@pytest.mark.parametrize("killed_at", ["second chunk", "rebuild"])
def test_queries_on_a_killed_job_answer_from_the_last_generation(tmp_path, encoder, wordnet,
                                                                 monkeypatch, killed_at):
    from indexer_helpers import mini_copy

    from sensedb import read_jsonl
    from sensedb.indexer import chunks as chunks_module
    from sensedb.indexer import index_documents
    from sensedb.indexer import rebuild as rebuild_module

    path = mini_copy(tmp_path, encoder, wordnet)
    corpus = tmp_path / "notes.jsonl"
    corpus.write_text("\n".join(json.dumps(
        {"doc": f"d{n}", "text": text, "senses": [{"at": at, "key": key}]})
        for n, (text, at, key) in enumerate((MONEY, SHORE, MONEY))) + "\n", encoding="utf-8")
    if killed_at == "rebuild":
        target, name = rebuild_module, "finalize"
    else:
        target, name = chunks_module, "commit_chunk"
    real, calls = getattr(target, name), []

    def killed(*args, **kwargs):
        calls.append(1)
        if len(calls) == (1 if killed_at == "rebuild" else 2):
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, killed)
    directory = IndexDirectory(path)
    with pytest.raises(KeyboardInterrupt), directory.lock():
        index_documents(directory, encoder, wordnet, read_jsonl(corpus), corpus="notes",
                        chunk_words=1, progress=False)
    directory.close()
    monkeypatch.setattr(target, name, real)

    reader = open_index(path, encoder, wordnet)
    answer = reader.wsd("She paid the money into the bank", "bank")
    assert answer.best is not None
    assert all(u.corpus != "notes" for u in answer.evidence)  # not in the generation
    writer = open_index(path, encoder, wordnet, wordnet_evidence=True)
    assert writer.wsd("She paid the money into the bank", "bank").best is not None
    writer.check()  # the query left the index whole
    open_index(path, encoder, wordnet).check()
    build(corpus, path, encoder, wordnet)  # the job run again completes it
    final = open_index(path, encoder, wordnet)
    final.check()
    assert final.queries.counts()[0]["notes"] == 3


def test_a_small_corpus_is_parsed_once_and_a_large_one_streamed_twice(tmp_path, encoder,
                                                                     wordnet, monkeypatch):
    from sqlalchemy import select

    from sensedb.corpora import Document, read_jsonl
    from sensedb.indexer import documents as documents_module
    from sensedb.schema import DocumentHashRow, DocumentRow

    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps({"doc": f"d{n}", "text": text,
                                            "senses": [{"at": at, "key": key}]})
                                for n, (text, at, key) in enumerate((RIVER, MONEY, SHORE)))
                      + "\n", encoding="utf-8")
    reads = []

    def read():
        reads.append(1)
        return read_jsonl(corpus, key_check=wordnet.has_key)

    once = documents_module.ReadOnce(read)
    checked = list(once.check_pass())
    held = once._kept
    handed = once.job_pass()
    assert next(handed) is checked[0] and len(held) == len(checked) - 1  # let go as taken
    assert list(once.job_pass()) != [] and len(reads) == 2  # handed over once: then read
    rest = list(handed)  # the same objects, no new read
    assert all(a is b for a, b in zip(rest, checked[1:], strict=True)) and len(held) == 0
    words = sum(len(s.tokens) for d in checked for s in d.sentences)
    twice = documents_module.ReadOnce(read, keep_words=words - 1)
    first = [d.content_hash() for d in twice.check_pass()]
    assert [d.content_hash() for d in twice.job_pass()] == first and len(reads) == 4
    unfinished = documents_module.ReadOnce(read)
    next(unfinished.check_pass())  # a check that stopped early: the job reads anew
    assert len(list(unfinished.job_pass())) == 3 and len(reads) == 6
    # through build_index: one read of a small corpus, the same index as two reads
    counted = []
    real = sensedb.api.corpus_reader

    def counting(*args, **kwargs):
        read, files = real(*args, **kwargs)
        return (lambda: (counted.append(1), read())[1]), files

    monkeypatch.setattr(sensedb.api, "corpus_reader", counting)
    hashed = []
    real_hash = Document.content_hash
    monkeypatch.setattr(Document, "content_hash",
                        lambda self: (hashed.append(self.id), real_hash(self))[1])
    report = build(corpus, tmp_path / "one", encoder, wordnet)
    assert len(counted) == 1 and report.documents == 3 and report.tokens == 3
    assert sorted(hashed) == ["d0", "d1", "d2"]  # by the check; the job takes its hashes
    monkeypatch.setattr(documents_module, "KEEP_WORDS", 1)
    two = build(corpus, tmp_path / "two", encoder, wordnet)
    assert len(counted) == 3 and two.tokens == 3
    assert len(hashed) == 3 + 6  # read twice: hashed twice (the file may have changed)
    one_dir, two_dir = IndexDirectory(tmp_path / "one"), IndexDirectory(tmp_path / "two")
    assert_same_sums(sense_rows(one_dir), sense_rows(two_dir))
    with one_dir.db.session() as session, two_dir.db.session() as other:
        rows = select(DocumentRow.key, DocumentHashRow.sha256).join(
            DocumentHashRow, DocumentHashRow.document_id == DocumentRow.id)
        assert sorted(session.execute(rows).all()) == sorted(other.execute(rows).all())
    one_dir.close()
    two_dir.close()


def test_a_file_name_with_a_leading_dot_names_its_corpus(tmp_path, encoder, wordnet):
    """The corpus name is the file name up to its first dot: ".notes.jsonl" gave the empty
    name, which --corpus-name " " is refused for."""
    index = tmp_path / "idx"
    build(notes(tmp_path / ".notes.jsonl", RIVER), index, encoder, wordnet)
    info = open_index(index, encoder, wordnet).info()
    assert info["corpora"] == {"notes": 1}


@pytest.mark.parametrize(("file", "options"), [("wordnet.jsonl", {}),
                                                ("notes.jsonl", {"corpus_name": "wordnet"})])
def test_the_corpus_name_wordnet_is_refused(tmp_path, encoder, wordnet, file, options):
    """A corpus named "wordnet" (a file wordnet.jsonl) was filed as WordNet's own usage
    examples: its labelled tokens went to the examples store, none to the corpus tokens,
    and its documents shared a name space with WordNet's lemma documents."""
    index = tmp_path / "idx"
    with pytest.raises(ConfigurationError, match="the corpus name 'wordnet' is sensedb's own"):
        build(notes(tmp_path / file, RIVER), index, encoder, wordnet, **options)
    assert not index.exists()


def test_a_corpus_name_with_a_control_character_is_refused(tmp_path, encoder, wordnet):
    """``--corpus-name $'x\\x1fretired:9'`` was taken: U+001F marks a retired document's key
    (``fold.RETIRED``), so a name or id holding it could pose as a deleted document (a
    breaker's). Refused before anything is written."""
    index = tmp_path / "idx"
    with pytest.raises(ConfigurationError, match="corpus name has U[+]001F"):
        build(notes(tmp_path / "notes.jsonl", RIVER), index, encoder, wordnet,
              corpus_name="x\x1fretired:9")
    assert not index.exists()


def test_a_label_on_the_wrong_token_is_refused_before_anything_is_written(tmp_path, encoder,
                                                                          wordnet):
    index = tmp_path / "idx"
    build(notes(tmp_path / "good.jsonl", RIVER), index, encoder, wordnet)
    before = state(index)
    off = notes(tmp_path / "off.jsonl", MONEY, ("Don't sit on the bank.", 4, "bank%1:17:01::"))
    with pytest.raises(InputError, match=r"off.jsonl:2, id off.s2.t0: .*token 4 is 'the'"):
        build(off, index, encoder, wordnet)
    assert state(index) == before  # files and rows as they were: the first line neither
    report = build(off, index, encoder, wordnet, unchecked_labels=True)  # the escape
    assert (report.documents, report.tokens) == (1, 2)


def test_a_copied_file_is_skipped_unless_duplicates_are_allowed(tmp_path, encoder, wordnet):
    index = tmp_path / "idx"
    first = tmp_path / "mine.jsonl"
    first.write_text("\n".join(json.dumps({"doc": name, "id": f"{name}.s1", "text": text,
                                           "senses": [{"at": at, "key": key}]})
                               for name, (text, at, key) in
                               (("river", RIVER), ("money", MONEY))) + "\n", encoding="utf-8")
    build(first, index, encoder, wordnet)
    before = state(index)
    copy = tmp_path / "minecopy.jsonl"
    copy.write_bytes(first.read_bytes())
    for _ in range(2):  # and again: a rerun skips them the same way
        report = build(copy, index, encoder, wordnet)
        assert (report.documents, report.duplicate_documents, report.tokens) == (0, 2, 0)
        assert report.notices[0] == (
            'skipped document "river" of corpus "minecopy": the same content is already '
            'indexed as document "river" of corpus "mine" (--allow-duplicates, '
            "allow_duplicates=True, indexes it again)")
        rows = state(index)["rows"]
        assert {**rows, "jobs": 0} == {**before["rows"], "jobs": 0}  # only the job's own row
    report = build(copy, index, encoder, wordnet, allow_duplicates=True)
    assert (report.documents, report.duplicate_documents, report.tokens) == (2, 0, 2)
    assert sense_rows(IndexDirectory(index))["bank%1:17:01::"][0] == 2  # counted twice now


def test_unified_xml_labels_that_cannot_be_their_lemma_are_indexed_and_counted(
        tmp_path, encoder, wordnet):
    from indexer_helpers import MINI_GOLD, MINI_XML

    xml = tmp_path / "off.data.xml"
    xml.write_text(MINI_XML.read_text().replace(
        '<instance id="d000.s000.t001" lemma="bank" pos="NOUN">bank</instance>',
        '<instance id="d000.s000.t001" lemma="bank" pos="NOUN">the</instance>'))
    report = build(xml, tmp_path / "idx", encoder, wordnet, gold=MINI_GOLD)
    assert report.implausible_labels == 1 and report.tokens > 1
    assert report.notices == [f"{xml}:9, id d000.s000.t001: instance d000.s000.t001 of "
                              "sentence d000.s000: 'the' cannot be bank (gold key "
                              "bank%1:17:01::) (indexed as labelled)"]
    report = build(xml, tmp_path / "unchecked", encoder, wordnet, gold=MINI_GOLD,
                   unchecked_labels=True)
    assert report.implausible_labels == 0 and report.notices == []
    # a rerun that indexes nothing counts no label of its own ("indexed 0 documents ...
    # (1 whose words cannot be their key's lemma)" before: a breaker's)
    report = build(xml, tmp_path / "idx", encoder, wordnet, gold=MINI_GOLD)
    assert (report.documents, report.implausible_labels, report.notices) == (0, 0, [])
    # a job indexing one of the two documents (the other there already) counts its own
    # document's labels only (a breaker's: a resumed job counted the whole corpus's)
    changed = tmp_path / "changed.data.xml"
    changed.write_text(xml.read_text().replace(
        '<instance id="d001.s000.t000" lemma="plant" pos="NOUN">plant</instance>',
        '<instance id="d001.s000.t000" lemma="plant" pos="NOUN">the</instance>'))
    report = build(changed, tmp_path / "idx", encoder, wordnet, gold=MINI_GOLD,
                   corpus_name="off", replace=True)
    assert (report.documents, report.implausible_labels) == (1, 1)
    assert len(report.notices) == 1 and "d001.s000.t000" in report.notices[0]
