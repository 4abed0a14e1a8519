"""Damage at rest, one file at a time: `verify --deep` finds it, `repair` mends what is derived
or a clear ``sensedb.Error`` names the file; plus random byte flips (a property test)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import MINI_GOLD, MINI_XML
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import sensedb
from sensedb import SenseIndex
from sensedb.cli import cli
from sensedb.indexer import IndexDirectory
from sensedb.indexer.repair import repair
from sensedb.indexer.verify import verify

QUERIES = [("They fished from the bank of the river", "bank"),
           ("I paid the money into my account at the bank", "bank"),
           ("The plant needs water and light", "plant")]


@pytest.fixture
def copy(mini_index, tmp_path):
    """A private copy of the mini index, to damage."""
    path = tmp_path / "index"
    shutil.copytree(mini_index, path)
    return path


def answers(path, encoder, wordnet):
    """The decisions of :data:`QUERIES`: ranked keys with rounded scores, evidence ids."""
    index = SenseIndex(path, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    found = []
    for sentence, target in QUERIES:
        answer = index.wsd(sentence, target, k=3)
        found.append(([(s.key, round(s.score, 4)) for s in answer.senses],
                      [(u.token_id, round(u.score, 4)) for u in answer.evidence]))
    index.directory.close()
    return found


@pytest.fixture(scope="module")
def reference(mini_index, encoder, wordnet):
    return answers(mini_index, encoder, wordnet)


def store_file(path: Path, name: str, suffix: str = ".faiss") -> Path:
    (found,) = sorted(path.glob(f"{name}.*{suffix}"))
    return found


def flip(path: Path, offset: int, mask: int = 0xFF) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= mask
    path.write_bytes(bytes(data))


def truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])


def set_manifest(path: Path, key: str, change) -> None:
    with sqlite3.connect(path / "sensedb.sqlite") as connection:
        (value,) = connection.execute("SELECT value FROM manifest WHERE key = ?", (key,)).fetchone()
        connection.execute("UPDATE manifest SET value = ? WHERE key = ?",
                           (json.dumps(change(json.loads(value))), key))


def problems(path, encoder, deep=True) -> str:
    report = verify(path, deep=deep, encoder=encoder)
    assert not report.ok
    return "\n".join(map(str, report.problems))


# --------------------------------------------------------------------------- derived files
@pytest.mark.parametrize("damage", [
    lambda f: f.unlink(),
    truncate,
    lambda f: flip(f, 2),  # the FAISS header's fourcc
    lambda f: flip(f, f.stat().st_size - 200),  # inside the vectors... or the id map
], ids=["deleted", "truncated", "header", "vectors"])
def test_damaged_faiss_file_found_and_repaired(copy, encoder, wordnet, reference, damage):
    target = store_file(copy, "tokens")
    damage(target)
    found = problems(copy, encoder)
    assert target.name in found and "sensedb repair" in found
    repair(copy)
    assert verify(copy, deep=True, encoder=encoder).ok
    assert answers(copy, encoder, wordnet) == reference


def test_flipped_vector_bytes_answer_until_verified(copy, encoder, wordnet, reference):
    """Bytes flipped inside the token vectors: queries still open (a cheap open reads no
    checksum), the deep check names the file, repair rebuilds it from the shards."""
    target = store_file(copy, "tokens")
    flip(target, 200)  # inside the first vector (after a short header)
    answers(copy, encoder, wordnet)  # opens: no error
    found = problems(copy, encoder)
    assert target.name in found and "checksum" in found
    repair(copy)
    assert verify(copy, deep=True, encoder=encoder).ok
    assert answers(copy, encoder, wordnet) == reference


def test_truncated_groups_file_is_a_sensedb_error(copy, encoder, wordnet, reference):
    target = store_file(copy, "senses", ".groups.npz")
    truncate(target)
    with pytest.raises(sensedb.IndexFormatError, match="groups.npz"):
        answers(copy, encoder, wordnet)
    assert target.name in problems(copy, encoder, deep=False)
    repair(copy)
    assert answers(copy, encoder, wordnet) == reference


def test_groups_of_another_store_swapped_in(copy, encoder, wordnet, reference):
    shutil.copy(store_file(copy, "senses", ".groups.npz"),
                store_file(copy, "tokens", ".groups.npz"))
    with pytest.raises(sensedb.IndexFormatError, match="do not belong together|groups"):
        answers(copy, encoder, wordnet)
    assert "tokens." in problems(copy, encoder, deep=False)
    repair(copy)
    assert answers(copy, encoder, wordnet) == reference


# --------------------------------------------------------------------------- the store of record
@pytest.mark.parametrize("damage", [
    lambda f: f.unlink(), truncate, lambda f: flip(f, f.stat().st_size - 7)],
    ids=["deleted", "truncated", "flipped"])
def test_damaged_shard_names_documents_and_is_reindexed(copy, encoder, wordnet, reference,
                                                         damage, tmp_path):
    (shard,) = sorted((copy / "raw").glob("shard-*.vectors.npy"))
    damage(shard)
    report = verify(copy, deep=True, encoder=encoder)
    assert not report.ok and shard.name in "\n".join(map(str, report.problems))
    documents = {d for found in report.damaged_shards.values() for d in found}
    assert documents == {"mini/d000", "mini/d001"}
    with pytest.raises(sensedb.IndexFormatError, match="mini/d000.*--corpus"):
        repair(copy)
    # another file (a tester's report: the damaged documents were dropped and the file's
    # own filed under their corpus, exit 0), the same documents changed, or extra ones:
    # refused before anything is written
    text = MINI_XML.read_text(encoding="utf-8")
    changed, extra = tmp_path / "changed.data.xml", tmp_path / "extra.data.xml"
    other = tmp_path / "notes.jsonl"
    other.write_text('{"doc": "notes-1", "text": "He sat on the bank.", "senses": '
                     '[{"at": 4, "key": "bank%1:17:01::"}]}\n', encoding="utf-8")
    changed.write_text(text.replace(">muddy<", ">sandy<"), encoding="utf-8")
    extra.write_text(text.replace("</corpus>", '<text id="d009">\n<sentence id="d009.s000">\n'
                                  '<wf lemma="hello" pos="X">Hello</wf>\n</sentence>\n'
                                  "</text>\n</corpus>"), encoding="utf-8")
    for corpus, message in ((other, "holds no document d000, d001 of corpus"),
                            (changed, "holds d000 of corpus \"mini\" with other content"),
                            (extra, "holds 1 documents corpus \"mini\" lacks \\(d009\\)")):
        with pytest.raises(sensedb.InputError, match=message):
            repair(copy, corpus=corpus, gold=MINI_GOLD if corpus.suffix == ".xml" else None,
                   encoder=encoder, wordnet=wordnet)  # a JSONL corpus carries its keys
    assert verify(copy, deep=True, encoder=encoder).damaged_shards == report.damaged_shards
    done = repair(copy, corpus=MINI_XML, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet)
    assert done.reindexed == ["mini/d000", "mini/d001"]
    assert verify(copy, deep=True, encoder=encoder).ok
    assert [[k for k, _ in senses] for senses, _ in answers(copy, encoder, wordnet)] == \
        [[k for k, _ in senses] for senses, _ in reference]


def test_damaged_shard_of_a_replaced_version_is_dropped_without_a_corpus(tmp_path, encoder,
                                                                          wordnet):
    """A tester's report: after --replace, the old version's rows wait in their shard for the
    readers of older generations; with that shard damaged, verify named a document key with a
    raw control character, repair asked for a corpus holding it (none can) and refused the real
    file. Nothing current lives there: repair drops it, no corpus needed."""
    def corpus(folder: str, text: str) -> Path:
        path = tmp_path / folder / "notes.jsonl"
        path.parent.mkdir()
        path.write_text(json.dumps({"doc": "docA", "text": text, "senses": [
            {"at": 4, "key": "bank%1:17:01::"}]}) + "\n", encoding="utf-8")
        return path

    index = tmp_path / "idx"
    for folder, text, replace in (("v1", "He sat on the bank of the river", False),
                                  ("v2", "He sat on the bank of the creek", True)):
        sensedb.build_index(corpus(folder, text), index, encoder=encoder, wordnet=wordnet,
                            progress=False, replace=replace)
    old = index / "raw" / "shard-000001.vectors.npy"
    flip(old, old.stat().st_size - 7)
    report = verify(index, deep=True, encoder=encoder)
    assert report.damaged_shards == {"raw/shard-000001": ["notes/docA (replaced)"]}
    text = "\n".join(map(str, report.problems))
    assert "0 documents (and 1 replaced versions' rows awaiting purge)" in text
    assert "\x1f" not in text and "no document needs re-indexing" in text
    assert "re-index the documents it holds" not in text  # the shard's own line agrees
    done = repair(index)  # no corpus
    assert done.reindexed == [] and done.damaged_shards == report.damaged_shards
    assert verify(index, deep=True, encoder=encoder).ok
    found = SenseIndex(index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    assert [u.sentence for u in found.neighbors("I went to the bank", "bank", k=5)] == [
        "He sat on the bank of the creek"]
    found.directory.close()


def test_repair_refuses_a_file_holding_a_replaced_version(tmp_path, encoder, wordnet):
    """A tester: a shard held current documents and a replaced version's rows; repair given
    the original file (the old version beside the damaged documents) dropped the damaged
    documents, then the re-index refused the old version: the documents were lost and
    verify said ok. The file is checked whole first: nothing is changed."""
    def corpus(folder: str, *documents: tuple[str, str]) -> Path:
        path = tmp_path / folder / "notes.jsonl"
        path.parent.mkdir()
        path.write_text("".join(json.dumps({"doc": doc, "text": text, "senses": [
            {"at": 4, "key": "bank%1:17:01::"}]}) + "\n" for doc, text in documents),
            encoding="utf-8")
        return path

    index = tmp_path / "idx"
    first = corpus("v1", ("d2", "He sat on the bank of the pond"),
                   ("d3", "He sat on the bank of the lake"),
                   ("d1", "He sat on the bank of the river"))
    sensedb.build_index(first, index, encoder=encoder, wordnet=wordnet, progress=False)
    sensedb.build_index(corpus("v2", ("d1", "He sat on the bank of the creek")), index,
                        encoder=encoder, wordnet=wordnet, progress=False, replace=True)
    old = index / "raw" / "shard-000001.vectors.npy"
    flip(old, old.stat().st_size - 7)
    report = verify(index, deep=True, encoder=encoder)
    assert report.damaged_shards == {"raw/shard-000001": [
        "notes/d1 (replaced)", "notes/d2", "notes/d3"]}
    with pytest.raises(sensedb.InputError, match="holds d1 of corpus \"notes\" with other "
                       "content than the index holds.*damaged documents \\(d2, d3\\)"):
        repair(index, corpus=first, encoder=encoder, wordnet=wordnet)
    assert verify(index, deep=True, encoder=encoder).damaged_shards == report.damaged_shards
    fixed = corpus("fix", ("d2", "He sat on the bank of the pond"),  # the lines d2, d3 had
                   ("d3", "He sat on the bank of the lake"))
    assert repair(index, corpus=fixed, encoder=encoder, wordnet=wordnet).reindexed == [
        "notes/d2", "notes/d3"]
    assert verify(index, deep=True, encoder=encoder).ok
    found = SenseIndex(index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    assert sorted(u.sentence for u in found.neighbors("I went to the bank", "bank", k=5)) == [
        "He sat on the bank of the creek", "He sat on the bank of the lake",
        "He sat on the bank of the pond"]
    found.directory.close()


def test_shard_without_checksum_that_disagrees_is_taken_as_damaged(copy, encoder):
    """An index from before checksums: a shard that disagrees with the FAISS file is suspect;
    repair records checksums for the shards that agree."""
    with sqlite3.connect(copy / "sensedb.sqlite") as connection:
        connection.execute("DELETE FROM file_checksums WHERE path LIKE 'raw/%'")
    (shard,) = sorted((copy / "raw").glob("shard-*.vectors.npy"))
    flip(shard, shard.stat().st_size - 1, 0x40)  # the last float's exponent
    report = verify(copy, deep=True, encoder=encoder)
    assert report.damaged_shards == {"raw/shard-000001": ["mini/d000", "mini/d001"]}
    assert "no checksum" in "\n".join(map(str, report.problems))
    with pytest.raises(sensedb.IndexFormatError, match="damaged shards"):
        repair(copy)


def test_repair_records_checksums_of_older_shards(copy, encoder):
    with sqlite3.connect(copy / "sensedb.sqlite") as connection:
        connection.execute("DELETE FROM file_checksums")
    assert len(verify(copy, deep=True, encoder=encoder).unverified) == 6
    repair(copy)
    report = verify(copy, deep=True, encoder=encoder)
    # the shards adopted, and every store written anew (the empty example and WordNet ones too)
    assert report.ok and not report.unverified and report.verified == 10


# --------------------------------------------------------------------------- the database
def test_flipped_database_page_found(copy, encoder):
    database = copy / "sensedb.sqlite"
    page = int.from_bytes(database.read_bytes()[16:18], "big")  # the file header's
    flip(database, 3 * page + 1)  # a b-tree page's header
    assert "sensedb.sqlite" in problems(copy, encoder)


@pytest.mark.parametrize("damage", [truncate, lambda f: flip(f, 3)], ids=["truncated", "header"])
def test_damaged_database_says_damaged_not_absent(copy, encoder, wordnet, damage):
    damage(copy / "sensedb.sqlite")
    with pytest.raises(sensedb.IndexFormatError, match="sensedb.sqlite.*damaged"):
        answers(copy, encoder, wordnet)
    assert "damaged" in problems(copy, encoder, deep=False)
    with pytest.raises(sensedb.IndexFormatError, match="damaged"):
        repair(copy)


def test_pages_overwritten_inside_the_database_are_one_line_errors(copy, encoder, wordnet):
    """Random bytes over pages inside the file (header sound, size whole): verify, info,
    repair and wsd printed an 80-line traceback ending in SQLAlchemy's "database disk image
    is malformed" (a tester's report)."""
    database = copy / "sensedb.sqlite"
    page = int.from_bytes(database.read_bytes()[16:18], "big")
    pages = database.stat().st_size // page
    with open(database, "r+b") as handle:  # every page but the first two, seeded
        handle.seek(2 * page)
        handle.write(np.random.default_rng(0).bytes((pages - 2) * page))
    assert IndexDirectory(copy).database_damage() is None  # the header checks pass
    with pytest.raises(sensedb.IndexFormatError, match="damaged.*malformed"):
        answers(copy, encoder, wordnet)
    assert "malformed" in problems(copy, encoder, deep=False)
    with pytest.raises(sensedb.IndexFormatError, match="damaged"):
        repair(copy)
    for args in (["info", "--index", str(copy)], ["wsd", "the bank", "bank", "--index",
                                                   str(copy)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.output.count("\n") == 1 and "malformed" in result.output, result.output


# --------------------------------------------------------------------------- the manifest
def test_manifest_dimension_wrong(copy, encoder, wordnet, reference):
    set_manifest(copy, "encoder", lambda e: {**e, "dim": 768})
    with pytest.raises(sensedb.IndexFormatError, match="dim=768, not 384"):
        answers(copy, encoder, wordnet)
    with pytest.raises(sensedb.IndexFormatError, match="384 wide, the manifest says 768"):
        SenseIndex(copy, wordnet=wordnet, wordnet_evidence=False)  # encoder not loaded yet
    assert "768" in problems(copy, encoder, deep=False)
    assert repair(copy).dimension == 384
    assert answers(copy, encoder, wordnet) == reference


def test_manifest_layers_wrong(copy, encoder):
    set_manifest(copy, "encoder", lambda e: {**e, "layers": "last4"})
    assert "last4" in problems(copy, encoder)


def test_manifest_names_a_model_not_available_locally(copy, encoder, wordnet, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    set_manifest(copy, "encoder", lambda e: {**e, "model": "bert-base-uncased-not-cached"})
    with pytest.raises(sensedb.ConfigurationError, match="bert-base-uncased-not-cached"):
        SenseIndex(copy, wordnet=wordnet, wordnet_evidence=False).encoder  # noqa: B018
    assert "bert-base-uncased-not-cached" in problems(copy, encoder)


def test_manifest_format_version_changed(copy, encoder):
    set_manifest(copy, "format_version", lambda v: v + 1)
    assert "format version" in problems(copy, encoder, deep=False)
    with pytest.raises(sensedb.IndexFormatError, match="format version"):
        repair(copy)


# --------------------------------------------------------------------------- checksums, CLI
def test_every_written_file_has_a_checksum(mini_index):
    directory = IndexDirectory(mini_index)
    recorded = set(directory.checksums())
    directory.close()
    written = {p.relative_to(mini_index).as_posix() for p in mini_index.rglob("*")
               if p.is_file() and p.suffix in (".faiss", ".npz", ".npy")}
    assert written and recorded == written


def test_cli_verify_and_repair(copy):
    runner = CliRunner()
    ok = runner.invoke(cli, ["verify", "--index", str(copy), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output)["ok"]
    store_file(copy, "senses").unlink()
    bad = runner.invoke(cli, ["verify", "--index", str(copy)])
    assert bad.exit_code == 1 and "sensedb repair" in bad.output
    count = len(json.loads(runner.invoke(cli, ["verify", "--index", str(copy), "--json"]
                                         ).output)["problems"])
    summary = bad.output.strip().splitlines()[-1]  # "1 problems" was printed for one
    assert f": {count} problem{'' if count == 1 else 's'} (" in summary
    mended = runner.invoke(cli, ["repair", "--index", str(copy)])
    assert mended.exit_code == 0, mended.output
    assert runner.invoke(cli, ["verify", "--index", str(copy)]).exit_code == 0


# --------------------------------------------------------------------------- random flips
@pytest.fixture(scope="module")
def pristine(mini_index, tmp_path_factory):
    files = sorted(p.relative_to(mini_index) for p in mini_index.rglob("*")
                   if p.is_file() and p.stat().st_size and not p.name.endswith("-shm"))
    return mini_index, files, tmp_path_factory.mktemp("flips")


@seed(16)
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_flips_are_found_or_harmless(pristine, encoder, wordnet, reference, data):
    source, files, scratch = pristine
    path = scratch / "index"
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(source, path)
    target = path / data.draw(st.sampled_from(files))
    size = target.stat().st_size
    flip(target, data.draw(st.integers(0, size - 1)), data.draw(st.integers(1, 255)))
    if not verify(path, deep=True, encoder=encoder).ok:
        return
    try:
        found = answers(path, encoder, wordnet)
    except sensedb.Error as exc:  # pragma: no cover - the property failing
        raise AssertionError(f"verify passed but the index does not open: {exc}") from exc
    assert found == reference
