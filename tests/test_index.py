"""Index → query round trips on the real model, FAISS and SQLite, and what bad input does."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import FIXTURES, MINI_GOLD, MINI_XML

from sensedb import IndexFormatError, InputError, SenseIndex, build_index, read_raganato
from sensedb.indexer import IndexDirectory, finalize, index_documents, open_or_create
from sensedb.indexer import job as job_module
from sensedb.schema import Database


def open_index(path, encoder, wordnet, **options) -> SenseIndex:
    """An index with corpus evidence only, unless ``wordnet_evidence=True`` is given."""
    options.setdefault("wordnet_evidence", False)
    return SenseIndex(path, encoder=encoder, wordnet=wordnet, **options)


def snapshot(index: SenseIndex) -> dict:
    """SenseRow vectors by key and token vectors by (sentence, position): build-order free."""
    from sqlalchemy import select

    from sensedb.schema import SenseRow, SentenceRow, TokenRow

    with index.directory.db.session() as session:
        senses = dict(session.execute(select(SenseRow.key, SenseRow.id)).all())
        tokens = session.execute(select(TokenRow.id, SentenceRow.key, TokenRow.position)
                                 .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)).all()
    return {
        "senses": {k: index.senses.vectors([i])[0] for k, i in senses.items()},
        "tokens": {(s, p): index.tokens.vectors([i])[0] for i, s, p in tokens},
    }


def test_round_trip_wsd(mini_index, encoder, wordnet):
    index = open_index(mini_index, encoder, wordnet)
    info = index.info()
    assert (info["documents"], info["sentences"], info["tokens"]) == (2, 9, 19)
    assert info["token_vectors"] == 19 and info["sense_vectors"] == info["senses"]
    index.check()
    river = index.wsd("They fished from the bank of the river", "bank", k=3)
    assert river.best.key == "bank%1:17:01::"
    assert river.best.support == 3 and not river.fallback
    assert river.evidence[0].senses == ["bank%1:17:01::"]
    assert len(river.evidence) == 3 and all(u.lemma == "bank" for u in river.evidence)
    money = index.wsd("I paid the money into my account at the bank", "bank")
    assert money.best.key == "bank%1:14:00::"
    # senses the corpus never labelled have no cosine and are flagged; the two it labelled do
    seen = [s for s in money.senses if not s.fallback]
    assert {s.key for s in seen} == {"bank%1:14:00::", "bank%1:17:01::"}
    assert all(s.cosine is not None and s.support == 3 for s in seen)
    unseen = [s for s in money.senses if s.fallback]
    assert len(unseen) == 16 and all(s.cosine is None and s.support == 0 for s in unseen)
    probabilities = [s.probability for s in money.senses]
    assert abs(sum(probabilities) - 1) < 1e-3 and probabilities == sorted(probabilities)[::-1]
    assert money.margin == pytest.approx(probabilities[0] - probabilities[1], abs=1e-5)
    assert money.decided_by in {"corpus", "gloss", "examples", "prior"}


def test_wordnet_evidence_is_added_on_first_use(tmp_path, encoder, wordnet):
    path = _mini_copy(tmp_path, encoder, wordnet)
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    generations = index.directory.manifest().generations
    answer = index.wsd("The plant needs water and light", "plant")
    assert not any(s.fallback for s in answer.senses)  # every sense has a gloss vector
    after = index.directory.manifest().generations
    assert after["tokens"] == generations["tokens"]  # the corpus indexes were not rebuilt
    assert after["wordnet"] > generations["wordnet"] and index.wordnet_senses.ntotal >= 4
    assert index.info()["corpora"]["wordnet"] == 2  # plant as a noun and as a verb
    index.check()
    without = open_index(path, encoder, wordnet, wordnet_evidence=True, use_examples=False)
    usages = without.neighbors("The plant needs water", "plant", k=20)
    assert usages and {u.corpus for u in usages} == {"mini"}
    assert "wordnet" in {u.corpus for u in index.neighbors("The plant needs water", "plant",
                                                           k=40)}


def test_multiword_target_and_position(mini_index, encoder, wordnet):
    index = open_index(mini_index, encoder, wordnet)
    answer = index.wsd("The party took place at noon", "took place")
    assert answer.lemma == "take_place" and answer.best.key == "take_place%2:30:00::"
    second = index.wsd("the bank by the bank", "bank", at=4)
    assert second.position == 4
    with pytest.raises(InputError, match="not in the sentence"):
        index.wsd("He sat on the shore", "bank")
    with pytest.raises(InputError, match="empty sentence"):
        index.wsd("   ", "bank")
    with pytest.raises(InputError, match="not a word"):
        index.wsd("The xqzt was here", "xqzt")


def test_neighbors_and_similarity(mini_index, encoder, wordnet):
    index = open_index(mini_index, encoder, wordnet)
    near = index.neighbors("We walked along the bank of the stream", "bank", k=10)
    assert len(near) == 6 and all(u.lemma == "bank" for u in near)
    assert [u.score for u in near] == sorted((u.score for u in near), reverse=True)
    anything = index.neighbors("We walked along the bank", "bank", k=19, any_lemma=True)
    assert len(anything) == 19 and {u.lemma for u in anything} > {"bank", "plant"}
    same = index.cosine("He sat on the bank of the river", "bank",
                            "They fished from the river bank", "bank")
    other = index.cosine("He sat on the bank of the river", "bank",
                             "The bank raised its rates", "bank")
    assert -1 <= other < same <= 1


def test_incremental_update_equals_one_shot(tmp_path, encoder, wordnet):
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    one_shot = IndexDirectory(tmp_path / "one")
    steps = IndexDirectory(tmp_path / "steps")
    for directory in (one_shot, steps):
        open_or_create(directory, encoder, wordnet, standardize=True)
    index_documents(one_shot, encoder, wordnet, documents, corpus="mini", progress=False)
    index_documents(steps, encoder, wordnet, documents[:1], corpus="mini", progress=False)
    index_documents(steps, encoder, wordnet, documents[1:], corpus="more", progress=False)
    a = snapshot(open_index(one_shot.path, encoder, wordnet))
    b = snapshot(open_index(steps.path, encoder, wordnet))
    assert a["senses"].keys() == b["senses"].keys() and a["tokens"].keys() == b["tokens"].keys()
    for key in a["senses"]:
        np.testing.assert_allclose(a["senses"][key], b["senses"][key], atol=1e-5)
    for key in a["tokens"]:
        np.testing.assert_allclose(a["tokens"][key], b["tokens"][key], atol=1e-5)
    words = sum(len(s.tokens) for d in documents for s in d.sentences)
    assert one_shot.manifest().stats.n == steps.manifest().stats.n == words


def kill_at_second_chunk(monkeypatch, directory, encoder, wordnet, documents) -> None:
    """Run a one-document-per-chunk job into ``directory`` that is killed as it commits its
    second chunk."""
    real_commit = job_module._commit_chunk
    calls = []

    def crash_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(job_module, "_commit_chunk", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        index_documents(directory, encoder, wordnet, documents, corpus="mini",
                        chunk_words=1, progress=False)
    monkeypatch.setattr(job_module, "_commit_chunk", real_commit)


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


def test_crash_during_finalize_keeps_previous_generation(tmp_path, encoder, wordnet,
                                                         monkeypatch):
    path = tmp_path / "idx"
    shutil.copytree(build_dir := _mini_copy(tmp_path, encoder, wordnet), path)
    before = open_index(path, encoder, wordnet)
    generation = before.directory.manifest().generations
    real = Database.set_manifest

    def fail_on_generation(session, values):
        if "generations" in values:
            raise OSError("power cut")
        return real(session, values)

    monkeypatch.setattr(Database, "set_manifest", staticmethod(fail_on_generation))
    with pytest.raises(OSError, match="power cut"):
        finalize(IndexDirectory(path))
    monkeypatch.undo()
    after = open_index(path, encoder, wordnet)
    assert after.directory.manifest().generations == generation
    assert after.wsd("He sat on the bank of the river", "bank").best.key == "bank%1:17:01::"
    after.check()
    assert build_dir.exists()


def _mini_copy(tmp_path, encoder, wordnet):
    path = tmp_path / "built"
    build_index(MINI_XML, path, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                progress=False)
    return path


def test_bad_input_leaves_index_intact(tmp_path, encoder, wordnet):
    path = _mini_copy(tmp_path, encoder, wordnet)
    bad_gold = tmp_path / "bad.gold.key.txt"
    lines = MINI_GOLD.read_text().splitlines()
    lines[3] = lines[3].split()[0] + " bank%1:99:99::"
    bad_gold.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as error:
        build_index(MINI_XML, path, gold=bad_gold, corpus_name="again", encoder=encoder,
                    wordnet=wordnet, progress=False)
    message = str(error.value)
    assert "bad.gold.key.txt:4" in message and "bank%1:99:99::" in message
    with pytest.raises(InputError, match=r"bad_malformed\.data\.xml:\d+"):
        build_index(FIXTURES / "corpora" / "bad_malformed.data.xml", path,
                    gold=FIXTURES / "corpora" / "good.gold.key.txt", encoder=encoder,
                    wordnet=wordnet, progress=False)
    index = open_index(path, encoder, wordnet)
    assert index.info()["tokens"] == 19
    index.check()
    assert index.wsd("He sat on the bank of the river", "bank").best.key == "bank%1:17:01::"


def test_index_built_with_other_settings_is_refused(tmp_path, encoder, wordnet):
    path = _mini_copy(tmp_path, encoder, wordnet)
    with pytest.raises(IndexFormatError, match="built with model"):
        SenseIndex(path, model="bert-base-uncased", wordnet=wordnet)
    with pytest.raises(IndexFormatError, match="layers='last'"):
        build_index(MINI_XML, path, gold=MINI_GOLD, layers="last4", model="default",
                    wordnet=wordnet, progress=False)
    directory = IndexDirectory(path)
    with directory.db.session() as session:
        Database.set_manifest(session, {"format_version": 99})
    with pytest.raises(IndexFormatError, match="format version 99"):
        open_index(path, encoder, wordnet)
    with pytest.raises(IndexFormatError, match="no sensedb index"):
        SenseIndex(tmp_path / "nothing", wordnet=wordnet)


def test_one_writer_at_a_time(tmp_path, encoder, wordnet):
    directory = IndexDirectory(tmp_path / "idx")
    with directory.lock():
        with pytest.raises(IndexFormatError, match="another process"):
            with IndexDirectory(tmp_path / "idx").lock():
                pass


def test_evaluate_scores_and_writes_predictions(mini_index, encoder, wordnet, tmp_path):
    index = open_index(mini_index, encoder, wordnet)
    out = tmp_path / "pred.key"
    result = index.evaluate(MINI_XML, MINI_GOLD, out=out)
    assert result["n"] == 19 and result["answered"] == 19 and result["fallbacks"] == 0
    assert set(result["by_pos"]) == {"NOUN", "VERB"}
    assert result["f1"] >= 90  # each usage is part of its own sense's mean
    predicted = dict(line.split() for line in out.read_text().splitlines())
    gold = dict(line.split() for line in MINI_GOLD.read_text().splitlines())
    correct = sum(predicted[i] == gold[i] for i in gold)
    assert round(100 * correct / 19, 2) == result["recall"]
    json.dumps(result)


def test_default_index_builds_itself_from_wordnet(tmp_path, monkeypatch, encoder, wordnet):
    monkeypatch.setenv("SENSEDB_HOME", str(tmp_path / "home"))
    index = SenseIndex(encoder=encoder, wordnet=wordnet)
    assert index.autobuild and index.info()["tokens"] == 0
    river = index.wsd("The children skipped stones from the muddy bank of the stream", "bank")
    assert river.best.key == "bank%1:17:01::"
    salary = index.wsd("I deposited my salary at the bank this morning", "bank")
    assert salary.best.key == "bank%1:14:00::"
    assert {u.corpus for u in river.evidence} == {"wordnet"}
    lemmas = index.info()["documents"]
    assert lemmas == 2  # bank as a noun and as a verb, built once
    index.wsd("The bank was steep", "bank")
    assert SenseIndex(encoder=encoder, wordnet=wordnet).info()["documents"] == lemmas


def sense_rows(directory: IndexDirectory) -> dict:
    """key -> (count, float64 sum or None) of every corpus sense row."""
    from sqlalchemy import select

    from sensedb.schema import SenseRow

    with directory.db.session() as session:
        return {key: (count, np.frombuffer(blob, dtype=np.float64) if blob else None)
                for key, count, blob in session.execute(
                    select(SenseRow.key, SenseRow.count, SenseRow.vec_sum))}


def assert_same_sums(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key, (count, total) in a.items():
        assert b[key][0] == count
        np.testing.assert_allclose(b[key][1], total, rtol=1e-6, atol=1e-6)


def test_job_killed_before_its_fold_leaves_the_sums_to_the_next(tmp_path, encoder, wordnet,
                                                               monkeypatch):
    """Chunks commit tokens, not sense sums; a job killed before it folds them in leaves
    count-0 senses, and the next job folds every shard exactly once."""
    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    one_shot = IndexDirectory(tmp_path / "one")
    open_or_create(one_shot, encoder, wordnet)
    index_documents(one_shot, encoder, wordnet, documents, corpus="mini", progress=False)
    killed = IndexDirectory(tmp_path / "killed")
    open_or_create(killed, encoder, wordnet)
    real_fold = job_module.fold_sense_sums

    def fold(directory, committed=None):
        if committed is not None:  # the fold at the job's end
            raise KeyboardInterrupt("killed")
        return real_fold(directory, committed)

    monkeypatch.setattr(job_module, "fold_sense_sums", fold)
    with pytest.raises(KeyboardInterrupt):
        index_documents(killed, encoder, wordnet, documents, corpus="mini", chunk_words=1,
                        progress=False)
    monkeypatch.setattr(job_module, "fold_sense_sums", real_fold)
    assert {count for count, _ in sense_rows(killed).values()} == {0}
    report = index_documents(killed, encoder, wordnet, documents, corpus="mini",
                             progress=False)
    assert (report.skipped_documents, report.documents) == (2, 0)
    assert_same_sums(sense_rows(one_shot), sense_rows(killed))
    assert job_module.fold_sense_sums(killed) == 0  # nothing is folded twice
    open_index(killed.path, encoder, wordnet).check()


def test_index_from_before_folding_keeps_its_sums(tmp_path, encoder, wordnet):
    """An index whose manifest has no fold mark folded its chunks as they went: the next job
    adds to those sums and does not fold the old shards again."""
    from sqlalchemy import delete

    from sensedb.schema import ManifestRow

    documents = list(read_raganato(MINI_XML, MINI_GOLD))
    one_shot = IndexDirectory(tmp_path / "one")
    older = IndexDirectory(tmp_path / "older")
    for directory in (one_shot, older):
        open_or_create(directory, encoder, wordnet)
    index_documents(one_shot, encoder, wordnet, documents, corpus="mini", progress=False)
    index_documents(older, encoder, wordnet, documents[:1], corpus="mini", progress=False)
    with older.db.session() as session:
        session.execute(delete(ManifestRow).where(ManifestRow.key == "folded_shards"))
    index_documents(older, encoder, wordnet, documents[1:], corpus="mini", progress=False)
    assert_same_sums(sense_rows(one_shot), sense_rows(older))


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


def test_committed_sums_match_a_plain_sum_as_they_grow():
    """The job's in-memory sense sums, added shard by shard past their first capacity, equal
    a float64 sum over the same links; vectors are kept up to the byte budget."""
    rng = np.random.default_rng(0)
    committed = job_module.Committed(keep_bytes=3 * 40 * 8 * 4)
    committed.first_rows = 4
    expected: dict[int, tuple[int, np.ndarray]] = {}
    for shard in range(1, 6):
        vectors = rng.standard_normal((40, 8)).astype(np.float32)
        link_tokens = rng.integers(0, 40, 60).tolist()
        link_senses = rng.integers(100, 130, 60).tolist()
        rows = job_module._TokenRow(np.arange(40) + 40 * shard, ["x\tNOUN"] * 40,
                                    np.full(40, shard), np.full(40, "c", dtype=object))
        committed.add(shard, rows, vectors, link_tokens, link_senses)
        for token, sense in zip(link_tokens, link_senses, strict=True):
            count, total = expected.get(sense, (0, np.zeros(8)))
            expected[sense] = (count + 1, total + vectors[token].astype(np.float64))
    ids, counts, sums = committed.totals()
    assert sorted(ids.tolist()) == sorted(expected) and len(set(ids.tolist())) == len(ids)
    for sense, count, total in zip(ids.tolist(), counts.tolist(), sums, strict=True):
        assert count == expected[sense][0]
        np.testing.assert_allclose(total, expected[sense][1], rtol=1e-12, atol=1e-12)
    assert sorted(committed.vectors) == [1, 2, 3]  # the budget holds three shards
    assert committed.shard_ids == [1, 2, 3, 4, 5]


def test_shards_of_the_older_npz_format_are_still_read(tmp_path, encoder, wordnet):
    """Shards used to be .npz files: an index that has them folds and rebuilds as before."""
    from sqlalchemy import select, update

    from sensedb.schema import SenseRow, ShardRow

    path = _mini_copy(tmp_path, encoder, wordnet)
    before = snapshot(open_index(path, encoder, wordnet))
    directory = IndexDirectory(path)
    with directory.db.session() as session:
        for shard_id, shard_path in session.execute(select(ShardRow.id, ShardRow.path)).all():
            ids = np.load(path / f"{shard_path}.ids.npy")
            vectors = np.load(path / f"{shard_path}.vectors.npy")
            np.savez(path / f"{shard_path}.npz", ids=ids, vectors=vectors)
            for member in ("ids", "vectors"):
                (path / f"{shard_path}.{member}.npy").unlink()
            session.execute(update(ShardRow).where(ShardRow.id == shard_id)
                            .values(path=f"{shard_path}.npz"))
        # and the sums are folded from those shards again
        session.execute(update(SenseRow).values(count=0, vec_sum=b""))
        Database.set_manifest(session, {"folded_shards": 0})
    finalize(directory)
    after = snapshot(open_index(path, encoder, wordnet))
    for store in ("senses", "tokens"):
        assert before[store].keys() == after[store].keys()
        for key in before[store]:
            np.testing.assert_allclose(before[store][key], after[store][key], atol=1e-6)


def test_chunk_documents_keeps_order_and_size():
    from sensedb.corpora import Document, Sentence, Token
    from sensedb.indexer.job import chunk_documents

    documents = [Document(f"d{n}", [Sentence(f"d{n}.s0", [Token("w")] * (n + 1))])
                 for n in range(10)]
    chunks = list(chunk_documents(documents, chunk_words=6))
    assert [d.id for chunk in chunks for d in chunk] == [d.id for d in documents]
    sizes = [sum(len(s.tokens) for d in chunk for s in d.sentences) for chunk in chunks]
    assert all(size >= 6 for size in sizes[:-1]) and sizes[-1] > 0
    assert [len(chunk) for chunk in chunks] == [3, 2, 1, 1, 1, 1, 1]  # 1+2+3, 4+5, 6, ...
