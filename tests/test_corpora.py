"""Tests of sensedb.corpora: Raganato XML + gold, JSONL, WiC, tokenizer."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sensedb.corpora import (
    Document,
    Token,
    dataset_prefix,
    find_target,
    is_sense_key,
    read_gold,
    read_gold_with_lines,
    read_jsonl,
    read_raganato,
    read_wic,
    tokenize,
)
from sensedb.errors import InputError

FIX = Path(__file__).resolve().parent / "fixtures" / "corpora"
SHARED = Path(os.environ.get("SENSEDB_SHARED_DATA")
              or Path(__file__).resolve().parents[2] / "shared" / "data")


def shared(rel: str) -> Path:
    """A file of the shared data, or skip the test when it is absent."""
    path = SHARED / rel
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (set SENSEDB_SHARED_DATA)")
    return path


def raises_at(fn: Callable[[], object], file: str, line: int | None,
              item: str | None = None, text: str | None = None) -> InputError:
    """Run ``fn`` (exhausting a generator) and check the InputError names file, line and id."""
    with pytest.raises(InputError) as info:
        result = fn()
        if not isinstance(result, list):
            list(result)  # type: ignore[call-overload]
    err = info.value
    msg = str(err)
    assert file in msg
    assert err.path is not None and Path(err.path).name == file
    if line is not None:
        assert err.line == line
        assert f"{file}:{line}" in msg
    if item is not None:
        assert err.item == item
        assert item in msg
    if text is not None:
        assert text in msg
    return err


def count(docs: list[Document]) -> tuple[int, int, int, int]:
    sents = [s for d in docs for s in d.sentences]
    toks = [t for s in sents for t in s.tokens]
    return len(docs), len(sents), len(toks), sum(t.instance_id is not None for t in toks)


# --- Raganato unified format -------------------------------------------------------------

def test_raganato_good() -> None:
    docs = list(read_raganato(FIX / "good.data.xml", FIX / "good.gold.key.txt"))
    assert [d.id for d in docs] == ["d000", "d001"]
    assert [d.source for d in docs] == ["br-a01", None]
    assert count(docs) == (2, 3, 14, 4)
    s0, s1 = docs[0].sentences
    assert s0.id == "d000.s000"
    assert s0.words == ["The", "meeting", "took place", "at", "noon", "."]
    assert s0.tokens[0] == Token("The", "the", "DET")
    assert s0.tokens[2] == Token("took place", "take_place", "VERB", "d000.s000.t001",
                                 ("take_place%2:30:00::",))
    assert s1.words == ["Smith", "'s", "bank", "&", '"', "<"]
    assert s1.tokens[1].lemma == "'s"
    assert s1.tokens[2].senses == ("bank%1:17:01::", "bank%1:14:00::")
    hello, world = docs[1].sentences[0].tokens
    assert hello == Token("Hello")
    assert world.instance_id == "d001.s000.t000" and world.senses == ("world%1:14:02::",)


def test_raganato_without_gold() -> None:
    docs = list(read_raganato(str(FIX / "good.data.xml")))
    toks = [t for d in docs for s in d.sentences for t in s.tokens if t.instance_id]
    assert len(toks) == 4 and all(t.senses == () for t in toks)


def test_raganato_streams() -> None:
    it = read_raganato(FIX / "good.data.xml", FIX / "good.gold.key.txt")
    assert next(it).id == "d000"
    assert next(it).id == "d001"
    assert next(it, None) is None


def test_raganato_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    import sensedb.corpora.raganato as raganato

    whole = list(read_raganato(FIX / "good.data.xml", FIX / "good.gold.key.txt"))
    monkeypatch.setattr(raganato, "_CHUNK", 7)
    assert list(read_raganato(FIX / "good.data.xml", FIX / "good.gold.key.txt")) == whole
    raises_at(lambda: read_raganato(FIX / "bad_empty_sentence.data.xml"),
              "bad_empty_sentence.data.xml", 7, "d000.s001")


def test_raganato_prefixed_ids() -> None:
    (doc,) = read_raganato(FIX / "prefixed.data.xml", FIX / "prefixed.gold.key.txt")
    tok = doc.sentences[0].tokens[0]
    assert tok.instance_id == "senseval2.d000.s000.t000"
    assert tok.senses == ("art%1:06:00::", "art%1:09:00::")
    assert dataset_prefix(tok.instance_id) == "senseval2"


def test_dataset_prefix() -> None:
    assert dataset_prefix("senseval2.d000.s000.t000") == "senseval2"
    assert dataset_prefix("semeval2013.d012.s003.t004") == "semeval2013"
    assert dataset_prefix("d000.s000.t000") is None
    assert dataset_prefix("foo") is None


def test_read_gold() -> None:
    gold, lines = read_gold_with_lines(FIX / "good.gold.key.txt")
    assert gold == read_gold(FIX / "good.gold.key.txt")
    assert gold["d000.s001.t000"] == ("bank%1:17:01::", "bank%1:14:00::")
    assert lines == {"d000.s000.t000": 1, "d000.s000.t001": 2, "d000.s001.t000": 4,
                     "d001.s000.t000": 5}


@pytest.mark.parametrize(("gold", "line", "item", "text"), [
    ("bad_gold_nokey.gold.key.txt", 2, "d000.s000.t001", "no sense key"),
    ("bad_gold_dup.gold.key.txt", 3, "d000.s000.t000", "duplicate"),
    ("bad_gold_syntax.gold.key.txt", 2, "d000.s000.t001", "not a sense key"),
])
def test_gold_errors(gold: str, line: int, item: str, text: str) -> None:
    raises_at(lambda: read_gold(FIX / gold), gold, line, item, text)
    raises_at(lambda: read_raganato(FIX / "good.data.xml", FIX / gold), gold, line, item, text)


@pytest.mark.parametrize(("xml", "line", "item", "text"), [
    ("bad_malformed.data.xml", 6, "d000.s000", "malformed XML"),
    ("bad_dup_instance.data.xml", 8, "d000.s000.t000", "duplicate instance id"),
    ("bad_noid_instance.data.xml", 6, "d000.s000", "without id"),
    ("bad_empty_sentence.data.xml", 7, "d000.s001", "empty sentence d000.s001"),
])
def test_raganato_xml_errors(xml: str, line: int, item: str | None, text: str) -> None:
    raises_at(lambda: read_raganato(FIX / xml), xml, line, item, text)


def test_raganato_gold_id_not_in_xml() -> None:
    raises_at(lambda: read_raganato(FIX / "good.data.xml", FIX / "gold_extra.gold.key.txt"),
              "gold_extra.gold.key.txt", 4, "d009.s000.t000", "not in")


def test_raganato_instance_without_gold() -> None:
    raises_at(lambda: read_raganato(FIX / "good.data.xml", FIX / "gold_missing.gold.key.txt"),
              "good.data.xml", 15, "d000.s001.t000", "gold_missing.gold.key.txt")


def test_raganato_key_check() -> None:
    def check(key: str) -> bool:
        return not key.startswith("bank%1:14")
    err = raises_at(lambda: read_raganato(FIX / "good.data.xml", FIX / "good.gold.key.txt",
                                          key_check=check),
                    "good.gold.key.txt", 4, "d000.s001.t000", "not in WordNet")
    assert "bank%1:14:00::" in str(err)
    docs = list(read_raganato(FIX / "good.data.xml", FIX / "good.gold.key.txt",
                              key_check=lambda k: True))
    assert len(docs) == 2


def test_raganato_missing_file(tmp_path: Path) -> None:
    raises_at(lambda: read_raganato(tmp_path / "nope.data.xml"), "nope.data.xml", None)
    raises_at(lambda: read_gold(tmp_path / "nope.gold.key.txt"), "nope.gold.key.txt", None)


def test_raganato_truncated(tmp_path: Path) -> None:
    path = tmp_path / "cut.data.xml"
    path.write_text("\n".join((FIX / "good.data.xml").read_text().splitlines()[:12]))
    raises_at(lambda: read_raganato(path), "cut.data.xml", None, None, "malformed XML")


def test_is_sense_key() -> None:
    assert is_sense_key("bank%1:17:01::")
    assert is_sense_key("recent%5:00:00:past:00")
    assert is_sense_key("o'clock%4:02:00::")
    assert not is_sense_key("bank")
    assert not is_sense_key("bank%1:17:01")
    assert not is_sense_key("bank%6:17:01::")


# --- JSONL -------------------------------------------------------------------------------

def test_jsonl_good() -> None:
    docs = list(read_jsonl(FIX / "good.jsonl"))
    assert [d.id for d in docs] == ["notes-1", "good", "notes-2"]
    assert [[s.id for s in d.sentences] for d in docs] == [
        ["notes-1.s1", "notes-1.s2"], ["good.s4"], ["notes-2.s5"]]
    s1, s2 = docs[0].sentences
    assert s1.words == ["He", "sat", "on", "the", "river", "bank"]
    assert s1.tokens[5] == Token("bank", "bank", "NOUN", "notes-1.s1.t0", ("bank%1:17:01::",))
    assert s2.words == ["The", "meeting", "took place", "at", "noon", "."]
    assert s2.tokens[1] == Token("meeting", "meeting", "NOUN", "my-id",
                                 ("meeting%1:14:00::", "meeting%1:14:01::"))
    assert s2.tokens[2] == Token("took place", "take_place", "VERB", "notes-1.s2.t1",
                                 ("take_place%2:30:00::",))
    nice = docs[1].sentences[0].tokens[3]
    assert (nice.lemma, nice.pos, nice.instance_id) == ("nice", "ADJ", "good.s4.t0")
    assert docs[2].sentences[0].words == ["I", "do", "n't", "know", "."]
    assert docs[2].sentences[0].instances == []


@pytest.mark.parametrize(("name", "item", "text"), [
    ("bad_json.jsonl", None, "invalid JSON"),
    ("bad_notokens.jsonl", "x.s2", '"tokens"'),
    ("bad_empty.jsonl", "x.s2", "empty sentence"),
    ("bad_range.jsonl", "x.s2", "out of range"),
    ("bad_overlap.jsonl", "x.s2.place", "overlapping"),
    ("bad_keysyntax.jsonl", "x.s2.t0", "not a sense key"),
])
def test_jsonl_errors(name: str, item: str | None, text: str) -> None:
    raises_at(lambda: read_jsonl(FIX / name), name, 2, item, text)


def test_jsonl_key_check() -> None:
    assert len(list(read_jsonl(FIX / "bad_unknownkey.jsonl"))) == 1
    raises_at(lambda: read_jsonl(FIX / "bad_unknownkey.jsonl",
                                 key_check=lambda k: k != "bank%1:99:99::"),
              "bad_unknownkey.jsonl", 2, "x.s2.t0", "not in WordNet")


@pytest.mark.parametrize(("line", "text"), [
    ('{"tokens": ["a"], "sense": []}', "unknown field 'sense'"),
    ('{"tokens": ["a"], "text": "a"}', "either"),
    ('["a"]', "JSON object"),
    ('{"tokens": ["a", ""]}', "token 1"),
    ('{"tokens": ["a"], "senses": [{"at": 0}]}', '"key"'),
    ('{"tokens": ["a"], "senses": [{"at": [0, 0], "key": "a%1:00:00::", "pos": "n"}]}',
     '"pos"'),
    ('{"tokens": ["a"], "senses": [{"at": true, "key": "a%1:00:00::"}]}', '"at"'),
    ('{"tokens": ["a", "b"], "senses": [{"at": [1, 0], "key": "a%1:00:00::"}]}', "range"),
    ('{"id": "t.s1", "tokens": ["a"]}', "duplicate sentence id"),
    ('{"tokens": ["a"], "senses": [{"at": 0, "key": "a%1:00:00::", "id": "i1"}]}',
     "duplicate instance id"),
    ('{"doc": "t", "tokens": ["a"]}', "comes back"),
])
def test_jsonl_more_errors(tmp_path: Path, line: str, text: str) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "t.s1", "tokens": ["x"], "senses": [{"at": 0, "key": "x%1:00:00::", '
                    '"id": "i1"}]}\n{"doc": "other", "tokens": ["y"]}\n' + line + "\n")
    raises_at(lambda: read_jsonl(path), "t.jsonl", 3, None, text)


# --- WiC ---------------------------------------------------------------------------------

def test_wic_good() -> None:
    pairs = read_wic(FIX / "good.data.txt", FIX / "good.gold.txt")
    assert len(pairs) == 2
    p = pairs[1]
    assert (p.lemma, p.pos, p.index1, p.index2, p.label, p.line) == ("go", "VERB", 0, 1, True, 2)
    assert p.tokens2 == ["She", "went", "away", "."]
    assert pairs[0].pos == "NOUN" and pairs[0].label is False
    assert all(p.label is None for p in read_wic(FIX / "good.data.txt"))


@pytest.mark.parametrize(("data", "gold", "file", "line", "text"), [
    ("bad_columns.data.txt", None, "bad_columns.data.txt", 2, "columns"),
    ("bad_indices.data.txt", None, "bad_indices.data.txt", 2, "i1-i2"),
    ("bad_range.data.txt", None, "bad_range.data.txt", 2, "out of range"),
    ("good.data.txt", "bad_count.gold.txt", "bad_count.gold.txt", 2, "1 labels"),
    ("good.data.txt", "bad_label.gold.txt", "bad_label.gold.txt", 2, "T or F"),
])
def test_wic_errors(data: str, gold: str | None, file: str, line: int, text: str) -> None:
    raises_at(lambda: read_wic(FIX / data, None if gold is None else FIX / gold),
              file, line, None, text)


# --- tokenizer ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "tokens"), [
    ("He sat on the bank of the river.",
     ["He", "sat", "on", "the", "bank", "of", "the", "river", "."]),
    ("I don't know, it's well-known.",
     ["I", "do", "n't", "know", ",", "it", "'s", "well-known", "."]),
    ("at 3.5 o'clock, 1,000 people", ["at", "3.5", "o'clock", ",", "1,000", "people"]),
    ("can't they're we'll I've he'd I'm", ["ca", "n't", "they", "'re", "we", "'ll", "I",
                                           "'ve", "he", "'d", "I", "'m"]),
    ("isn\u2019t John\u2019s", ["is", "n\u2019t", "John", "\u2019s"]),
    ("it 's", ["it", "'s"]),
    ("(a)--b!?", ["(", "a", ")", "-", "-", "b", "!", "?"]),
    ("na\u00efve Z\u00fcrich cafe\u0301 \u6771\u4eac", ["na\u00efve", "Z\u00fcrich",
                                                        "cafe\u0301", "\u6771\u4eac"]),
    ("end of 1990, then", ["end", "of", "1990", ",", "then"]),
    ("snake_case $5", ["snake", "_", "case", "$", "5"]),
    ("  ", []),
])
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_find_target() -> None:
    toks = tokenize("The bank by the river bank.")
    assert find_target(toks, "bank") == (1, 2)
    assert find_target(toks, "Bank", at=5) == (5, 6)
    assert find_target(tokenize("The meeting Took Place at noon"), "took place") == (2, 4)
    assert find_target(["The", "meeting", "took place"], "took  place") == (2, 3)
    with pytest.raises(InputError, match=r'target "shore" is not in the sentence: 0:The 1:bank'):
        find_target(toks, "shore")
    with pytest.raises(InputError, match="at token 2"):
        find_target(toks, "bank", at=2)
    with pytest.raises(InputError, match="at token 99"):
        find_target(toks, "bank", at=99)
    with pytest.raises(InputError, match="empty sentence"):
        find_target(tokenize("   "), "bank")
    with pytest.raises(InputError, match="empty target"):
        find_target(toks, " ")


# --- shared data (skipped when absent) ---------------------------------------------------

@pytest.mark.slow
def test_semeval2007_counts() -> None:
    xml = shared("wsd/semeval2007/semeval2007.data.xml")
    gold = shared("wsd/semeval2007/semeval2007.gold.key.txt")
    docs = list(read_raganato(xml, gold, key_check=is_sense_key))
    assert count(docs) == (3, 135, 3201, 455)
    keys = [t.senses for d in docs for s in d.sentences for t in s.instances]
    assert sum(map(len, keys)) == 459


@pytest.mark.slow
def test_wic_dev() -> None:
    pairs = read_wic(shared("wic/dev/dev.data.txt"), shared("wic/dev/dev.gold.txt"))
    assert len(pairs) == 638
    assert sum(p.label is True for p in pairs) == 319
    assert sum(p.pos == "NOUN" for p in pairs) == 395


@pytest.mark.slow
def test_semcor_counts() -> None:
    xml = shared("wsd/semcor/semcor.data.xml")
    gold = shared("wsd/semcor/semcor.gold.key.txt")
    ndocs = nsents = ntoks = ninst = nkeys = nmwe = 0
    for doc in read_raganato(xml, gold):
        ndocs += 1
        for sent in doc.sentences:
            nsents += 1
            ntoks += len(sent.tokens)
            for tok in sent.instances:
                ninst += 1
                nkeys += len(tok.senses)
                nmwe += " " in tok.text
    assert (ndocs, nsents, ntoks, ninst) == (352, 37176, 802443, 226036)
    assert nkeys == 226695
    assert nmwe == 15294
