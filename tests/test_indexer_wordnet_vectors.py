"""WordNet vectors added lemma by lemma go to segments (sensedb.indexer.wordnet_vectors)."""

from __future__ import annotations

import numpy as np
import pytest
from indexer_helpers import mini_copy, open_index

from sensedb.indexer import EXAMPLES, WORDNET, IndexDirectory
from sensedb.indexer import wordnet_vectors as wordnet_vectors_module
from sensedb.indexer.repair import repair
from sensedb.indexer.verify import verify
from sensedb.store import segments as segments_module

QUERIES = [("He sat on the bank of the river", "bank"),
           ("The mouse ran under the table", "mouse"),
           ("The plant needs water and light", "plant")]


def answers(index) -> list:
    return [[(s.key, round(s.score, 5)) for s in index.wsd(sentence, target).senses]
            for sentence, target in QUERIES]


def record_additions(monkeypatch) -> list[dict[str, str]]:
    """The outcomes of every ``add_segments`` call from now on, in order."""
    outcomes: list[dict[str, str]] = []
    real = wordnet_vectors_module.add_segments

    def recorded(*args, **kwargs):
        outcomes.append(real(*args, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(wordnet_vectors_module, "add_segments", recorded)
    return outcomes


def test_new_lemmas_go_to_segments_that_verify_and_repair_read(tmp_path, encoder, wordnet):
    path = mini_copy(tmp_path, encoder, wordnet)
    directory = IndexDirectory(path)
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    index.ensure([("bank", "NOUN")])  # the first addition is the base (nothing to add to)
    first = directory.manifest()
    assert first.segments == {} and first.generations[WORDNET] > 0
    base_files = {name: directory.store_paths(name, first.generations[name])[0]
                  for name in (EXAMPLES, WORDNET)}
    stamps = {name: (p.stat().st_ino, p.stat().st_mtime_ns) for name, p in base_files.items()}

    index.ensure([("mouse", "NOUN")])  # fewer vectors than the base: a segment
    second = directory.manifest()
    assert set(second.segments) == {EXAMPLES, WORDNET}
    assert second.generations == first.generations  # the bases were not rewritten
    assert {n: (p.stat().st_ino, p.stat().st_mtime_ns) for n, p in base_files.items()} == stamps
    segment = directory.store_paths(WORDNET, second.segments[WORDNET][0])
    sums = directory.checksums()
    assert all(directory.relative(p) in sums for p in segment)  # recorded like any store file
    assert index.wordnet_senses.ntotal == len(index.queries.stored_ids().wordnet_senses)
    index.check()
    mouse = index.wsd("The mouse ran under the table", "mouse")
    assert not any(s.fallback for s in mouse.senses)  # every sense has its gloss vector
    segmented = answers(index)

    report = verify(path, deep=True, encoder=encoder)
    assert report.problems == [] and report.verified > 0
    repaired = repair(path, encoder=encoder, wordnet=wordnet)  # a full rebuild merges them
    assert repaired.generation > max(second.generations.values())
    assert directory.manifest().segments == {}
    assert answers(open_index(path, encoder, wordnet, wordnet_evidence=True)) == segmented


def test_segments_are_merged_when_many(tmp_path, encoder, wordnet, monkeypatch):
    path = mini_copy(tmp_path, encoder, wordnet)
    directory = IndexDirectory(path)
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    monkeypatch.setattr(segments_module, "MAX_SEGMENTS", 2)
    index.ensure([("bank", "NOUN"), ("bank", "VERB")])  # a base of 18 senses
    outcomes = record_additions(monkeypatch)
    for lemma in ("river", "kitchen", "mouse"):  # 1, 1 and 4 senses: small segments
        index.ensure([(lemma, "NOUN")])
    assert [o[WORDNET] for o in outcomes] == ["segment", "segment", "merged"]
    manifest = directory.manifest()
    assert WORDNET not in manifest.segments  # each store merges by its own count
    # the merged base holds every row once and only its files are left
    assert directory.generations(WORDNET) == [manifest.generations[WORDNET]]
    index.check()
    ids, _ = index.wordnet_senses.all_vectors()
    assert len(np.unique(ids)) == len(ids)


def test_segments_merge_into_a_partitioned_examples_store(tmp_path, encoder, wordnet,
                                                         monkeypatch):
    """An index whose token stores are partitioned (``rabitq``: every SemCor-sized index)
    keeps WordNet's example tokens in a partitioned store too; new lemmas' examples go to
    flat segments, and merging them folds them into the lemma lists (it raised
    AttributeError: 'PartitionedStore' object has no attribute 'row_groups')."""
    from sensedb.indexer.rebuild import finalize
    from sensedb.indexer.token_stores import set_store_type
    from sensedb.store.partitioned import PartitionedStore

    path = mini_copy(tmp_path, encoder, wordnet)
    directory = IndexDirectory(path)
    set_store_type(directory, "rabitq")
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    index.ensure([("bank", "NOUN"), ("bank", "VERB")])
    finalize(directory, compact=True)  # every store rebuilt: examples partitioned now
    manifest = directory.manifest()
    base = directory.load_store(EXAMPLES, manifest.generations[EXAMPLES])
    assert isinstance(base, PartitionedStore)
    monkeypatch.setattr(segments_module, "MAX_SEGMENTS", 1)
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    outcomes = record_additions(monkeypatch)
    for lemma in ("light", "plant", "mouse"):  # each has WordNet examples
        index.ensure([(lemma, "NOUN")])
    examples = [o[EXAMPLES] for o in outcomes if EXAMPLES in o]
    assert examples[:2] == ["segment", "rebuilt"]  # the second addition outgrew MAX_SEGMENTS
    store = directory.load_stores()[EXAMPLES]
    parts = getattr(store, "parts", [store])
    assert isinstance(parts[0], PartitionedStore)  # the index's type is kept
    ids = np.concatenate([p.all_vectors()[0] for p in parts])
    assert len(np.unique(ids)) == len(ids) == len(index.queries.stored_ids().examples)
    index.check()
    assert verify(path, deep=True, encoder=encoder).problems == []
    fresh = open_index(path, encoder, wordnet, wordnet_evidence=True)
    assert answers(fresh) == answers(index)


def test_a_lemma_killed_before_its_glosses_gets_them_at_its_next_query(tmp_path, encoder,
                                                                        wordnet, monkeypatch):
    # an addition killed after its example documents were committed and before its gloss
    # vectors were written left the lemma built (its document is there) without gloss
    # vectors for good: it answered unlike the same lemma in a fresh index (the default
    # index of /work/runs/home-main had 8,639 of its 13,083 lemmas so)
    path = mini_copy(tmp_path / "killed", encoder, wordnet)
    fresh = open_index(mini_copy(tmp_path / "fresh", encoder, wordnet), encoder, wordnet,
                       wordnet_evidence=True)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(wordnet_vectors_module, "index_glosses", killed)
    with pytest.raises(KeyboardInterrupt):
        open_index(path, encoder, wordnet, wordnet_evidence=True).ensure([("bank", "NOUN")])
    monkeypatch.undo()
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    keys = [s.key for s in wordnet.candidates("bank", "NOUN")]
    assert not any(index.source.wordnet_vectors(keys, "gloss")[0])  # as the kill left it
    index.ensure([("bank", "NOUN")])
    assert all(index.source.wordnet_vectors(keys, "gloss")[0])
    got, want = answers(index)[0], answers(fresh)[0]
    assert [k for k, _ in got] == [k for k, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-4)
    index.check()
    assert verify(path, deep=True, encoder=encoder).problems == []


def test_a_deleted_wordnet_lemma_comes_back_as_a_fresh_index_has_it(tmp_path, encoder,
                                                                   wordnet, monkeypatch):
    """``sensedb delete --document mouse.NOUN --corpus wordnet`` on the default index left
    the lemma's example sums in place (still answering ``example_cos``), and the next
    addition of any lemma put the deleted example tokens back into the example store: when
    mouse came back, its WordNet example was listed twice and its sums counted twice. Now
    the next query of mouse rebuilds its evidence exactly as a fresh default index has it."""
    from click.testing import CliRunner

    from sensedb import SenseIndex
    from sensedb.cli import cli

    mouse = ("The mouse ran under the table", "mouse")
    keys = [s.key for s in wordnet.candidates("mouse", "NOUN")]

    def default(home: str) -> SenseIndex:  # the default (WordNet-only) index of a home
        monkeypatch.setenv("SENSEDB_HOME", str(tmp_path / home))
        return SenseIndex(encoder=encoder, wordnet=wordnet)

    def answer(index: SenseIndex) -> tuple:
        found = index.wsd(*mouse)
        return ([(s.key, round(s.score, 5)) for s in found.senses],
                [(u.sentence, u.document, round(u.score, 5)) for u in found.evidence])

    def examples(index: SenseIndex) -> dict:
        rows = SenseIndex(index.directory.path, encoder=encoder, wordnet=wordnet,
                          wordnet_evidence=False).queries.wordnet_rows(keys)
        return {key: count for (key, source), (_, count) in rows.items()
                if source == "examples"}

    index = default("home")
    answer(index)
    assert examples(index)  # mouse%1:06:00:: has a usage example
    deleted = CliRunner().invoke(cli, ["delete", "--index", str(index.directory.path),
                                       "--document", "mouse.NOUN", "--corpus", "wordnet"])
    assert deleted.exit_code == 0, deleted.output
    assert examples(index) == {}  # the deleted examples answer no more
    index.wsd("The plant needs water and light", "plant")  # another lemma is added
    bare = SenseIndex(index.directory.path, encoder=encoder, wordnet=wordnet,
                      wordnet_evidence=False)  # answers with what is stored, adds nothing
    assert [u for u in bare.neighbors(*mouse) if u.corpus == "wordnet"] == []
    again = answer(index)
    fresh = default("fresh")
    expected = answer(fresh)
    fresh.wsd("The plant needs water and light", "plant")
    assert again == expected and len(expected[1]) == len(set(expected[1]))
    assert examples(index) == examples(fresh)


def test_a_damaged_shard_of_wordnet_examples_names_the_delete_that_repairs_it(
        tmp_path, encoder, wordnet, monkeypatch):
    """`repair` of a damaged shard holding only a WordNet lemma's usage examples asked for
    --corpus, then refused WordNet's corpus (a breaker's): it now names the `delete` that
    drops the lemma's document, after which `repair` and `verify --deep` are clean."""
    from click.testing import CliRunner

    from sensedb import IndexFormatError, SenseIndex
    from sensedb.cli import cli
    from sensedb.indexer import IndexDirectory
    from sensedb.indexer.repair import repair
    from sensedb.indexer.verify import affected_documents, verify

    monkeypatch.setenv("SENSEDB_HOME", str(tmp_path / "home"))
    index = SenseIndex(encoder=encoder, wordnet=wordnet)
    index.wsd("The mouse ran under the table", "mouse")
    path = index.directory.path
    directory = IndexDirectory(path)
    with directory.db.session() as session:
        from sqlalchemy import select

        from sensedb.schema import ShardRow

        shards = list(session.execute(select(ShardRow.path)).scalars())
    held = affected_documents(directory, shards)
    shard = next(s for s, documents in held.items() if "wordnet/mouse.NOUN" in documents)
    vectors = next(f for f in directory.shard_files(shard) if f.name.endswith(".vectors.npy"))
    directory.close()
    data = bytearray(vectors.read_bytes())
    data[-60:-10] = bytes(50)
    vectors.write_bytes(bytes(data))
    with pytest.raises(IndexFormatError, match=r"delete them .*--document mouse\.NOUN"):
        repair(path, encoder=encoder, wordnet=wordnet)
    deleted = CliRunner().invoke(cli, ["delete", "--index", str(path), "--document",
                                       "mouse.NOUN", "--corpus", "wordnet"])
    assert deleted.exit_code == 0, deleted.output
    repair(path, encoder=encoder, wordnet=wordnet)
    assert verify(path, deep=True, reencode=False).ok
