"""Tests of sensedb.corpora.raganato: unified XML and gold keys (and the sense-key syntax
the readers check)."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpora_support import FIX, count, raises_at, shared

from sensedb.corpora import (
    Token,
    dataset_prefix,
    is_sense_key,
    read_gold,
    read_gold_with_lines,
    read_raganato,
)


def test_an_empty_text_is_left_out_not_refused(tmp_path: Path) -> None:
    """A <text> with no sentences was "empty text d... (no sentences)", refusing the whole
    data set; it contributes nothing: left out, its id still taken (a duplicate is refused),
    and a file of empty texts only yields no document."""
    good = (FIX / "good.data.xml").read_text()
    path = tmp_path / "e.data.xml"
    path.write_text(good.replace('<text id="d000"', '<text id="e0">\n</text>\n<text id="e1"/>'
                                 '\n<text id="d000"', 1))
    docs = list(read_raganato(path, FIX / "good.gold.key.txt"))
    assert [d.id for d in docs] == ["d000", "d001"]
    assert count(docs) == (2, 3, 14, 4)
    path.write_text(good.replace('<text id="d001"', '<text id="d000"></text>\n<text id="d001"'))
    raises_at(lambda: read_raganato(path), "e.data.xml", None, "d000", "duplicate text id")
    path.write_text('<corpus lang="en">\n<text id="e0">\n</text>\n</corpus>\n')
    assert list(read_raganato(path)) == []


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


_LABELLED = """<?xml version="1.0" encoding="UTF-8"?>
<corpus lang="en" source="t">
<text id="d000">
<sentence id="d000.s000">
<wf lemma="he" pos="PRON">He</wf>
<wf lemma="catch" pos="VERB">caught</wf>
<wf lemma="a" pos="DET">a</wf>
<instance id="d000.s000.t000" {attrs}>bass</instance>
</sentence>
</text>
</corpus>
"""


@pytest.mark.parametrize(("attrs", "keys", "text"), [
    ('lemma="bass" pos="NOUN"', "bass%1:13:01:: lake%1:17:00::",
     "labelled bass NOUN but its sense key lake%1:17:00:: is of lake NOUN"),
    ('lemma="bass" pos="VERB"', "bass%1:13:01::", "is of bass NOUN"),
    ('pos="NOUN"', "bass%1:13:01::", "has no lemma"),
    ('lemma="bass" pos="FOO"', "bass%1:13:01::", "has POS 'FOO'"),
])
def test_raganato_labels_that_contradict_their_keys(tmp_path: Path, attrs: str, keys: str,
                                                    text: str) -> None:
    """An instance whose lemma or POS contradicts its gold keys (or has none) would file its
    vector under one word and count it as evidence of another: an index job's reader
    (``check_labels``) refuses it, naming file, line and id; an evaluation reads it."""
    xml, gold = tmp_path / "t.data.xml", tmp_path / "t.gold.key.txt"
    xml.write_text(_LABELLED.format(attrs=attrs))
    gold.write_text(f"d000.s000.t000 {keys}\n")
    raises_at(lambda: read_raganato(xml, gold, check_labels=True), "t.data.xml", 8,
              "d000.s000.t000", text)
    docs = list(read_raganato(xml, gold))
    assert docs[0].sentences[0].tokens[3].senses == tuple(keys.split())


def test_raganato_labels_of_the_fixtures_agree() -> None:
    docs = list(read_raganato(FIX / "good.data.xml", FIX / "good.gold.key.txt",
                              check_labels=True))
    assert count(docs) == (2, 3, 14, 4)


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




@pytest.mark.slow
def test_semeval2007_counts() -> None:
    xml = shared("wsd/semeval2007/semeval2007.data.xml")
    gold = shared("wsd/semeval2007/semeval2007.gold.key.txt")
    docs = list(read_raganato(xml, gold, key_check=is_sense_key))
    assert count(docs) == (3, 135, 3201, 455)
    keys = [t.senses for d in docs for s in d.sentences for t in s.instances]
    assert sum(map(len, keys)) == 459



@pytest.mark.slow
def test_semcor_counts() -> None:
    xml = shared("wsd/semcor/semcor.data.xml")
    gold = shared("wsd/semcor/semcor.gold.key.txt")
    ndocs = nsents = ntoks = ninst = nkeys = nmwe = 0
    for doc in read_raganato(xml, gold, check_labels=True):  # SemCor's labels agree
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


def test_a_file_that_is_no_xml_names_the_format_read(tmp_path: Path) -> None:
    # `sensedb evaluate corp/more.jsonl gold.txt` said "malformed XML: not well-formed
    # (invalid token)"
    jsonl = tmp_path / "more.jsonl"
    jsonl.write_text('{"id": "d0", "text": "The bank"}\n')
    err = raises_at(lambda: read_raganato(jsonl), "more.jsonl", None, None,
                    "a JSON Lines file: expected the unified XML format")
    assert "malformed" not in str(err)
    text = tmp_path / "plain.data.xml"
    text.write_text("\ufeff  The bank raised its rates.\n")
    raises_at(lambda: read_raganato(text), "plain.data.xml", None, None,
              "not XML (it does not start with '<'): expected the unified XML format")
    # a file that starts as XML is still malformed XML, with its line
    raises_at(lambda: read_raganato(FIX / "bad_malformed.data.xml"), "bad_malformed.data.xml",
              6, "d000.s000", "malformed XML")


def test_gold_keys_in_capitals_are_read_in_lower_case(tmp_path: Path) -> None:
    """As WordNet's key check reads them: stored as written, BANK%1:17:01:: became a sense
    of its own, and evaluate counted a right answer wrong."""
    gold = tmp_path / "caps.gold.key.txt"
    gold.write_text("d000.s000.t000 BANK%1:17:01:: Bank%1:14:00::\n", encoding="utf-8")
    assert read_gold(gold) == {"d000.s000.t000": ("bank%1:17:01::", "bank%1:14:00::")}


def test_raganato_tokens_are_normalized_as_text_is(tmp_path: Path) -> None:
    """A <wf>'s or an <instance>'s text gets the input policy raw text gets (format
    characters removed, NFKC): "ba&#x200B;nk" was stored with its zero-width space."""
    path = tmp_path / "x.data.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<corpus><text id="d">'
                    '<sentence id="d.s"><wf lemma="a" pos="DET">a</wf>'
                    '<instance id="d.s.t0" lemma="bank" pos="NOUN">ba&#x200B;nk</instance>'
                    '<wf lemma="x" pos="X">&#x200B;</wf></sentence></text></corpus>\n',
                    encoding="utf-8")
    raises_at(lambda: read_raganato(path), "x.data.xml", None, "d.s",
              "empty <wf> in sentence d.s (format characters only)")
    path.write_text(path.read_text(encoding="utf-8").replace(
        '<wf lemma="x" pos="X">&#x200B;</wf>', '<wf lemma="x" pos="X">cafe\u0301</wf>'),
        encoding="utf-8")
    (document,) = read_raganato(path)
    assert [t.text for t in document.sentences[0].tokens] == ["a", "bank", "caf\u00e9"]


def test_raganato_a_label_that_cannot_be_its_lemma_is_warned_or_refused(tmp_path: Path,
                                                                        wordnet) -> None:
    from sensedb.errors import InputError
    from sensedb.inventory.labels import LabelCheck

    xml = tmp_path / "off.data.xml"
    xml.write_text('<?xml version="1.0" encoding="UTF-8" ?>\n<corpus lang="en">\n'
                   '<text id="d0">\n<sentence id="d0.s0">\n'
                   '<wf lemma="sit" pos="VERB">Sit</wf>\n<wf lemma="on" pos="ADP">on</wf>\n'
                   '<instance id="d0.s0.t0" lemma="bank" pos="NOUN">the</instance>\n'
                   '<instance id="d0.s0.t1" lemma="bank" pos="NOUN">banks</instance>\n'
                   '</sentence>\n</text>\n</corpus>\n', encoding="utf-8")
    gold = tmp_path / "off.gold.key.txt"
    gold.write_text("d0.s0.t0 bank%1:17:01::\nd0.s0.t1 bank%1:17:01::\n", encoding="utf-8")
    warned: list[InputError] = []
    docs = list(read_raganato(xml, gold, label_check=LabelCheck(wordnet), warn=warned.append))
    assert [t.text for t in docs[0].sentences[0].instances] == ["the", "banks"]  # indexed
    assert [str(w) for w in warned] == [
        f"{xml}:7, id d0.s0.t0: instance d0.s0.t0 of sentence d0.s0: 'the' cannot be bank "
        "(gold key bank%1:17:01::)"]
    with pytest.raises(InputError, match=r"off.data.xml:7, id d0.s0.t0: .*'the' cannot be"):
        list(read_raganato(xml, gold, label_check=LabelCheck(wordnet)))
