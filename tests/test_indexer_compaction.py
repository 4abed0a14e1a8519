"""Partitioned token stores through the indexer: append without rebuild, compact, delete,
readers answering throughout (sensedb.indexer.token_stores, sensedb.indexer.compaction)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from indexer_helpers import assert_same_sums, open_index, sense_rows
from sqlalchemy import func, select

from sensedb import build_index
from sensedb.cli import cli
from sensedb.errors import InputError
from sensedb.indexer import IndexDirectory, documents
from sensedb.indexer.compaction import compact, delete_document
from sensedb.indexer.verify import verify
from sensedb.schema import DocumentRow, TokenRow
from sensedb.store.partitioned import PartitionedStore
from sensedb.vocabulary import group_key

A = [("He sat on the bank of the river", 4, "bank%1:17:01::"),
     ("She paid the money into the bank", 6, "bank%1:14:00::"),
     ("The boat drifted to the bank", 5, "bank%1:17:01::")]
B = [("They robbed the bank downtown", 3, "bank%1:14:00::"),
     ("Fish swam near the bank of the stream", 4, "bank%1:17:01::"),
     ("The bank raised its interest rates", 1, "bank%1:14:00::")]


def corpus(path, documents):
    """A JSONL corpus of labelled 'bank' sentences: ``documents`` maps a name to its
    sentences."""
    lines = [json.dumps({"doc": name, "text": text, "senses": [{"at": at, "key": key}]})
             for name, sentences in documents.items() for text, at, key in sentences]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def token_rows(path) -> int:
    """The token rows in the index's database, a retired document's included."""
    with IndexDirectory(path).db.session() as session:
        return int(session.execute(select(func.count()).select_from(TokenRow)).scalar())


def build(corpus_path, index, encoder, wordnet, **options):
    return build_index(corpus_path, index, encoder=encoder, wordnet=wordnet, progress=False,
                       corpus_name="notes", **options)


def answers(path, encoder, wordnet, db_url=None) -> list:
    """Every token's restricted and --any-lemma neighbours as (sentence, position, cosine
    to 4 decimals: the encoder's batches differ between jobs in the last float bits): what
    a query returns, whatever the row ids."""
    index = open_index(path, encoder, wordnet, db_url=db_url)
    ids, vectors = index.tokens.all_vectors()
    out = []
    for vector in vectors:
        for groups in ([group_key("bank", "NOUN")], None):
            scores, found = index.tokens.search(vector, 4, groups)
            usages = index.usages([(int(i), float(s)) for i, s in zip(found[0], scores[0],
                                                                       strict=True) if i >= 0])
            out.append([(u.sentence, u.position, round(u.score, 4)) for u in usages])
    index.directory.close()
    return out


@pytest.mark.parametrize("kind", ["sq8", "pq", "rabitq"])
def test_append_then_compact_answers_as_a_one_shot_build(tmp_path, encoder, wordnet, kind,
                                                        monkeypatch):
    # one token more on three: within token_stores.APPEND_AT_MOST, so appended
    both = corpus(tmp_path / "both.jsonl", {"a": A, "b": B[:1]})
    build(both, tmp_path / "once", encoder, wordnet, store=kind)
    build(corpus(tmp_path / "a.jsonl", {"a": A}), tmp_path / "grown", encoder, wordnet,
          store=kind)
    builds = count_builds(monkeypatch)
    build(corpus(tmp_path / "b.jsonl", {"b": B[:1]}), tmp_path / "grown", encoder, wordnet)
    assert builds == [1]  # a segment of the one new token, the base not rebuilt
    assert len(IndexDirectory(tmp_path / "grown").manifest().segments["tokens"]) == 1
    monkeypatch.undo()
    once = answers(tmp_path / "once", encoder, wordnet)
    assert all(once) and len(once) == 8
    appended = answers(tmp_path / "grown", encoder, wordnet)
    # re-ranked from the same float vectors: the same neighbours before compacting too
    assert appended == once
    compact(IndexDirectory(tmp_path / "grown"))
    assert answers(tmp_path / "grown", encoder, wordnet) == once
    manifest = IndexDirectory(tmp_path / "grown").manifest()
    assert manifest.extra["token_store"] == kind and not manifest.segments.get("tokens")


def count_builds(monkeypatch) -> list[int]:
    """Record the tokens of every PartitionedStore.build from now on."""
    builds: list[int] = []
    real_build = PartitionedStore.build.__func__

    def counted(cls, kind, dim, base, shards, *args, **kwargs):
        builds.append(sum(len(s.rows) for s in shards))
        return real_build(cls, kind, dim, base, shards, *args, **kwargs)

    monkeypatch.setattr(PartitionedStore, "build", classmethod(counted))
    return builds


def test_partitioned_appends_write_segments_and_merge_by_size(tmp_path, encoder, wordnet,
                                                              monkeypatch):
    """An append to an sq8 store writes a segment of the new tokens (not the whole store
    file again); segments merge into one past MAX_SEGMENTS, and into the base once they
    would outgrow it; readers of every generation answer; the answers equal a one-shot
    build's."""
    from sensedb.indexer import token_stores

    C = [("The bank of the canal was steep", 1, "bank%1:17:01::"),
         ("A bank lent them the money", 1, "bank%1:14:00::")]
    build(corpus(tmp_path / "all.jsonl", {"a": A, "b": B[:1], "c": B[1:2], "d": C}),
          tmp_path / "once", encoder, wordnet, store="sq8")
    once = answers(tmp_path / "once", encoder, wordnet)
    grown = tmp_path / "grown"
    build(corpus(tmp_path / "a.jsonl", {"a": A}), grown, encoder, wordnet, store="sq8")
    builds = count_builds(monkeypatch)
    monkeypatch.setattr(token_stores, "MAX_SEGMENTS", 1)
    readers = [open_index(grown, encoder, wordnet)]
    for name, sentences in (("b", B[:1]), ("c", B[1:2])):
        build(corpus(tmp_path / f"{name}.jsonl", {name: sentences}), grown, encoder, wordnet)
        readers.append(open_index(grown, encoder, wordnet))
    # the first job built a segment of its one token; the second merged both segments
    assert builds == [1, 2]
    manifest = IndexDirectory(grown).manifest()
    assert len(manifest.segments["tokens"]) == 1
    assert [r.tokens.ntotal for r in readers] == [3, 4, 5]
    for reader in readers:
        assert reader.neighbors("He sat on the bank of the river", "bank", k=10)
        reader.directory.close()
    assert verify(grown).problems == []  # a base and a partitioned segment
    # segments and new tokens (2 + 2) would outgrow the base (3): into the base's lists,
    # here more than APPEND_AT_MOST of it, so the codec is trained again on all 7
    build(corpus(tmp_path / "d.jsonl", {"d": C}), grown, encoder, wordnet)
    manifest = IndexDirectory(grown).manifest()
    assert builds == [1, 2, 7] and not manifest.segments.get("tokens")
    assert answers(grown, encoder, wordnet) == once
    assert verify(grown).problems == []


@pytest.mark.parametrize("kind", ["flat", "sq8"])
def test_delete_document_never_tears_a_readers_answer(tmp_path, encoder, wordnet, kind,
                                                      monkeypatch):
    build(corpus(tmp_path / "both.jsonl", {"a": A, "b": B}), tmp_path / "idx", encoder,
          wordnet, store=kind)
    build(corpus(tmp_path / "a.jsonl", {"a": A}), tmp_path / "only-a", encoder, wordnet,
          store=kind)
    path = tmp_path / "idx"
    reader = open_index(path, encoder, wordnet)
    before = reader.neighbors("He sat on the bank of the river", "bank", k=10)
    assert len(before) == 6
    old_store = reader.tokens  # an answer begun on the old generation, still running
    assert delete_document(IndexDirectory(path), "b") == 3
    # ... finds every usage it began with, document b's included: its rows are kept
    ids = old_store.search(old_store.vectors([old_store.ids()[0]]), 10,
                           [group_key("bank", "NOUN")])[1][0]
    rows = reader.queries.usage_rows([int(i) for i in ids if i >= 0])
    assert len(rows) == 6 and sorted(r.document for r in rows.values()) == list("aaabbb")
    # the reader's next answer reloads first: the new generation, without b, whole
    after = reader.neighbors("He sat on the bank of the river", "bank", k=10)
    assert sorted(u.sentence for u in after) == sorted(t for t, _, _ in A)
    assert reader.manifest.generations == IndexDirectory(path).manifest().generations
    assert verify(path).problems == []  # b's rows are listed as left out
    assert_same_sums(sense_rows(IndexDirectory(tmp_path / "only-a")),
                     {k: v for k, v in sense_rows(IndexDirectory(path)).items() if v[0] > 0})
    with pytest.raises(InputError, match="no document 'b'"):
        delete_document(IndexDirectory(path), "b")
    assert token_rows(path) == 6  # within the grace period
    assert reader.queries.counts()[1]["tokens"] == 3  # info counts b no more
    monkeypatch.setattr(documents, "PURGE_GRACE", 0.0)
    compact(IndexDirectory(path))  # a rebuild after it purges b's rows
    assert token_rows(path) == 3
    assert verify(path).problems == []
    assert answers(path, encoder, wordnet) == answers(tmp_path / "only-a", encoder, wordnet)
    reader.directory.close()


def test_cli_store_delete_compact_and_info(tmp_path, encoder, wordnet, monkeypatch):
    import sensedb.api

    monkeypatch.setattr(sensedb.api, "default_wordnet", lambda: wordnet)
    monkeypatch.setattr(sensedb.api, "Encoder", lambda *a, **k: encoder)
    runner = CliRunner()
    data = corpus(tmp_path / "both.jsonl", {"a": A, "b": B})
    index = str(tmp_path / "idx")
    result = runner.invoke(cli, ["index", str(data), "--index", index, "--store", "rabitq",
                                 "--json"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["index", str(data), "--index", index, "--store", "zip"])
    assert result.exit_code == 2 and "zip" in result.output
    result = runner.invoke(cli, ["delete", "--index", index, "--document", "nope"])
    assert result.exit_code == 1 and "no document 'nope'" in result.output
    result = runner.invoke(cli, ["delete", "--index", index, "--document", "a", "--json"])
    assert json.loads(result.output) == {"document": "a", "tokens_removed": 3}
    assert runner.invoke(cli, ["compact", "--index", index]).exit_code == 0
    result = runner.invoke(cli, ["info", "--index", index, "--no-wordnet-vectors", "--check",
                                 "--json"])
    assert result.exit_code == 0, result.output
    store = json.loads(result.output)["token_store"]
    assert store["type"] == "rabitq" and store["tokens"] == 3
    assert 0 < store["resident_bytes_per_token"] < store["disk_bytes_per_token"]
    assert np.isfinite(store["disk_bytes_per_token"])


def test_the_automatic_store_type_and_float16_shards(tmp_path, encoder, wordnet, monkeypatch):
    from sensedb.indexer import token_stores

    build(corpus(tmp_path / "a.jsonl", {"a": A}), tmp_path / "idx", encoder, wordnet)
    directory = IndexDirectory(tmp_path / "idx")
    assert "token_store" not in directory.manifest().extra  # 3 tokens: flat, not recorded
    assert token_stores.store_type_of(directory.manifest(), 3) == "flat"
    shard = directory.load_shard(directory.shard_name(1))
    assert shard["vectors"].dtype == np.float16
    # the sense sums are sums of exactly what the shard holds
    sums = sense_rows(directory)
    linked = {key: shard["vectors"][[n for n, (_, _, k) in enumerate(A) if k == key]]
              .astype(np.float64).sum(axis=0) for key in {k for _, _, k in A}}
    for key, total in linked.items():
        np.testing.assert_array_equal(sums[key][1], total)
    directory.close()
    monkeypatch.setattr(token_stores, "AUTO_AT", 5)  # the next job crosses the threshold
    build(corpus(tmp_path / "b.jsonl", {"b": B}), tmp_path / "idx", encoder, wordnet)
    assert IndexDirectory(tmp_path / "idx").manifest().extra["token_store"] == \
        token_stores.AUTO_TYPE
    index = open_index(tmp_path / "idx", encoder, wordnet)
    assert isinstance(index.tokens, PartitionedStore) and index.tokens.ntotal == 6
    index.directory.close()


def test_flat_appends_write_segments_and_merge_by_size(tmp_path, encoder, wordnet,
                                                       monkeypatch):
    from sensedb.indexer import rebuild, token_stores

    C = [("The bank of the canal was steep", 1, "bank%1:17:01::"),
         ("A bank lent them the money", 1, "bank%1:14:00::")]
    build(corpus(tmp_path / "all.jsonl", {"a": A, "b": B[:1], "c": B[1:2], "d": C}),
          tmp_path / "once", encoder, wordnet)
    once = answers(tmp_path / "once", encoder, wordnet)
    grown = tmp_path / "grown"
    build(corpus(tmp_path / "a.jsonl", {"a": A}), grown, encoder, wordnet)
    full_builds = []
    real = rebuild.token_store

    def counted(*args, **kwargs):
        rows = kwargs.get("rows", args[1] if len(args) > 1 else None)
        full_builds.append(len(rows.ids))
        return real(*args, **kwargs)

    monkeypatch.setattr(rebuild, "token_store", counted)
    monkeypatch.setattr(token_stores, "MAX_SEGMENTS", 1)
    readers = [open_index(grown, encoder, wordnet)]
    for name, sentences in (("b", B[:1]), ("c", B[1:2])):
        build(corpus(tmp_path / f"{name}.jsonl", {name: sentences}), grown, encoder, wordnet)
        readers.append(open_index(grown, encoder, wordnet))
    # each job built a store of its one new token only, never the 3 + 1 already there
    assert full_builds == [1, 1]
    manifest = IndexDirectory(grown).manifest()
    # MAX_SEGMENTS 1: the second job's segment merged with the first into one segment
    assert len(manifest.segments["tokens"]) == 1
    assert [r.tokens.ntotal for r in readers] == [3, 4, 5]  # each reader its generation
    for reader in readers:
        assert reader.neighbors("He sat on the bank of the river", "bank", k=10)
        reader.directory.close()
    # segments together outgrow the base (2 + 2 > 3): merged into a new base
    build(corpus(tmp_path / "d.jsonl", {"d": C}), grown, encoder, wordnet)
    manifest = IndexDirectory(grown).manifest()
    assert full_builds == [1, 1, 2] and not manifest.segments.get("tokens")
    assert answers(grown, encoder, wordnet) == once
    # a deletion rebuilds from the shards
    delete_document(IndexDirectory(grown), "d")
    assert full_builds[-1] == 5


def test_a_damaged_any_lemma_index_is_found_and_repaired(tmp_path, encoder, wordnet):
    from sensedb.indexer.repair import repair
    from sensedb.indexer.verify import verify
    from sensedb.store.anylemma import ann_path

    build(corpus(tmp_path / "a.jsonl", {"a": A, "b": B}), tmp_path / "idx", encoder, wordnet,
          store="rabitq")
    once = answers(tmp_path / "idx", encoder, wordnet)
    directory = IndexDirectory(tmp_path / "idx")
    ann = ann_path(directory.store_paths("tokens", directory.manifest().generations["tokens"])[0])
    directory.close()
    data = bytearray(ann.read_bytes())
    data[len(data) // 2] ^= 0xFF
    ann.write_bytes(bytes(data))
    report = verify(tmp_path / "idx", deep=True, encoder=encoder, reencode=False)
    assert not report.ok and ann.name in "\n".join(map(str, report.problems))
    repair(tmp_path / "idx")
    assert verify(tmp_path / "idx", deep=True, encoder=encoder, reencode=False).ok
    assert answers(tmp_path / "idx", encoder, wordnet) == once


C = [("The bank of the canal was steep", 1, "bank%1:17:01::"),
     ("A bank lent them the money", 1, "bank%1:14:00::")]


def shard_ids(path, db_url=None) -> list[list[int]]:
    """The token ids each recorded shard holds, shard by shard."""
    from sqlalchemy import select

    from sensedb.schema import ShardRow

    directory = IndexDirectory(path, db_url)
    with directory.db.session() as session:
        recorded = session.execute(select(ShardRow.path).order_by(ShardRow.id)).scalars().all()
    out = [directory.load_shard(r)["ids"].tolist() for r in recorded]
    directory.close()
    return out


def delete_purge_append(path, tmp_path, encoder, wordnet, monkeypatch, db_url=None) -> None:
    """a and b in one job (b holds the highest token ids), b deleted and purged by a
    compaction, then c appended: the reproduction of the reused-id bug."""
    build(corpus(tmp_path / "ab.jsonl", {"a": A, "b": B}), path, encoder, wordnet,
          db_url=db_url)
    delete_document(IndexDirectory(path, db_url), "b")
    monkeypatch.setattr(documents, "PURGE_GRACE", 0.0)
    compact(IndexDirectory(path, db_url))  # the rebuild purges b's rows (ids 4..6)
    assert sum(sense_rows(IndexDirectory(path, db_url))[k][0]
               for k in ("bank%1:14:00::", "bank%1:17:01::")) == 3
    build(corpus(tmp_path / "c.jsonl", {"c": C}), path, encoder, wordnet, db_url=db_url)


def test_purged_token_ids_are_never_handed_out_again(tmp_path, db_url, encoder, wordnet,
                                                     monkeypatch):
    path = tmp_path / "idx"
    delete_purge_append(path, tmp_path, encoder, wordnet, monkeypatch, db_url)
    first, second = shard_ids(path, db_url)
    assert first == [1, 2, 3, 4, 5, 6]  # b's purged ids stay in its immutable shard
    assert second == [7, 8]  # above every shard's ids, not the tokens table's highest (3)
    report = verify(path, deep=True, db_url=db_url, encoder=encoder)
    assert report.problems == []
    build(corpus(tmp_path / "ac.jsonl", {"a": A, "c": C}), tmp_path / "once", encoder,
          wordnet)
    assert answers(path, encoder, wordnet, db_url) == answers(tmp_path / "once", encoder,
                                                              wordnet)


def test_an_index_that_reused_purged_ids_verifies_and_rebuilds_from_the_right_shard(
        tmp_path, encoder, wordnet, monkeypatch):
    # what the code before the fix wrote: new token ids from the tokens table's highest only
    monkeypatch.setattr(IndexDirectory, "highest_shard_token_id", lambda self: 0)
    path = tmp_path / "idx"
    delete_purge_append(path, tmp_path, encoder, wordnet, monkeypatch)
    first, second = shard_ids(path)
    assert first == [1, 2, 3, 4, 5, 6] and second == [4, 5]  # 4, 5: two shards claim them
    monkeypatch.undo()
    # each token's vector is compared with (and rebuilt from) its own row's shard only
    assert verify(path, deep=True, encoder=encoder).problems == []
    build(corpus(tmp_path / "ac.jsonl", {"a": A, "c": C}), tmp_path / "once", encoder,
          wordnet)
    once = answers(tmp_path / "once", encoder, wordnet)
    assert answers(path, encoder, wordnet) == once
    compact(IndexDirectory(path))  # a full rebuild reads 4, 5 from the newer shard
    assert answers(path, encoder, wordnet) == once
    assert verify(path, deep=True, encoder=encoder).problems == []
    # deleting c takes its vectors out of the sense sums (from its own shard only)
    delete_document(IndexDirectory(path), "c")
    build(corpus(tmp_path / "a.jsonl", {"a": A}), tmp_path / "only-a", encoder, wordnet)
    assert_same_sums(sense_rows(IndexDirectory(tmp_path / "only-a")),
                     {k: v for k, v in sense_rows(IndexDirectory(path)).items() if v[0] > 0})
    # and the next job's ids lie above both shards' now
    build(corpus(tmp_path / "b.jsonl", {"b": B[:1]}), path, encoder, wordnet)
    assert shard_ids(path)[2] == [7]


def test_a_delete_killed_before_its_rebuild_is_finished_by_running_it_again(tmp_path, encoder,
                                                                             wordnet):
    """Killed between retiring the document (its name gone, its vectors out of the sums)
    and writing the generation without it: its tokens still answered neighbours, verify
    found the sense vectors off, and running the delete again said there was no such
    document. Run again, it finishes."""
    path = tmp_path / "idx"
    build(corpus(tmp_path / "both.jsonl", {"a": A, "b": B}), path, encoder, wordnet)
    build(corpus(tmp_path / "a.jsonl", {"a": A}), tmp_path / "only-a", encoder, wordnet)
    directory = IndexDirectory(path)
    with directory.db.session() as session:
        row_id = session.execute(select(DocumentRow.id).where(DocumentRow.key == "b")).scalar()
    with directory.lock():
        documents.retire_document(directory, row_id)  # ... and the process dies here
    directory.close()
    assert len(open_index(path, encoder, wordnet).neighbors(A[0][0], "bank", k=10)) == 6
    assert verify(path, deep=True, reencode=False).problems  # sense vectors lag their sums
    assert delete_document(IndexDirectory(path), "b") == 3
    after = open_index(path, encoder, wordnet).neighbors(A[0][0], "bank", k=10)
    assert sorted(u.sentence for u in after) == sorted(t for t, _, _ in A)
    assert verify(path, deep=True, reencode=False).problems == []
    with pytest.raises(InputError, match="no document 'b'"):
        delete_document(IndexDirectory(path), "b")
    assert answers(path, encoder, wordnet) == answers(tmp_path / "only-a", encoder, wordnet)


def test_delete_a_whole_corpus(tmp_path, encoder, wordnet, monkeypatch):
    import sensedb.api

    index = tmp_path / "idx"
    build(corpus(tmp_path / "a.jsonl", {"a": A}), index, encoder, wordnet)
    build_index(corpus(tmp_path / "b.jsonl", {"b": B, "c": B[:1]}), index, encoder=encoder,
                wordnet=wordnet, progress=False, corpus_name="more")
    monkeypatch.setattr(sensedb.api, "default_wordnet", lambda: wordnet)
    runner = CliRunner()
    result = runner.invoke(cli, ["delete", "--index", str(index), "--corpus", "more", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"corpus": "more", "documents_removed": 2,
                                         "tokens_removed": 4}
    assert verify(index).problems == []
    reader = open_index(index, encoder, wordnet)
    assert reader.info()["corpora"] == {"notes": 1} and reader.tokens.ntotal == 3
    reader.directory.close()
    sums = sense_rows(IndexDirectory(index))
    assert sums["bank%1:14:00::"][0] == 1 and sums["bank%1:17:01::"][0] == 2  # A's alone
    result = runner.invoke(cli, ["delete", "--index", str(index), "--corpus", "more"])
    assert result.exit_code == 1 and "no corpus 'more'" in result.output \
        and "(it holds: notes)" in result.output
    result = runner.invoke(cli, ["delete", "--index", str(index)])
    assert result.exit_code == 2 and "give --document NAME, --corpus NAME" in result.output
    # a name holding U+001F named a retired document, which was retired again (a breaker's)
    for option, name in (("--document", "a\x1fretired:1"), ("--corpus", "more\x1f")):
        result = runner.invoke(cli, ["delete", "--index", str(index), option, name])
        assert result.exit_code == 1 and "has U+001F (a unit separator)" in result.output
    assert verify(index).problems == []
    result = runner.invoke(cli, ["delete", "--help"])
    assert "default-index-<the first 12 hex digits" in " ".join(result.output.split())
    assert "Example:" in result.output and "--corpus mine1copy" in result.output


def test_delete_corpus_killed_after_retiring_finishes_when_run_again(tmp_path, encoder,
                                                                     wordnet, monkeypatch):
    from sensedb.indexer import compaction

    index = tmp_path / "idx"
    build(corpus(tmp_path / "a.jsonl", {"a": A, "b": B}), index, encoder, wordnet)
    directory = IndexDirectory(index)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # killed between the retiring commit and the generation

    monkeypatch.setattr(compaction, "finalize", killed)
    with pytest.raises(KeyboardInterrupt):
        compaction.delete_corpus(directory, "notes")
    monkeypatch.undo()
    assert compaction.delete_corpus(directory, "notes") == (2, 6)
    directory.close()
    assert verify(index).problems == []
    reader = open_index(index, encoder, wordnet)
    assert reader.tokens.ntotal == 0
    reader.directory.close()
