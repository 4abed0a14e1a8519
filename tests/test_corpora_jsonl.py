"""Tests of sensedb.corpora.jsonl: sensedb's JSONL corpus format."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpora_support import FIX, raises_at

from sensedb import InputError
from sensedb.corpora import (
    Token,
    read_jsonl,
)


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
    ('{"tokens": ["a", "b"], "senses": [{"at": [1, 0], "key": "a%1:00:00::"}]}', "reversed"),
    ('{"id": "t.s1", "tokens": ["a"]}', "duplicate sentence id"),
    ('{"tokens": ["a"], "senses": [{"at": 0, "key": "a%1:00:00::", "id": "i1"}]}',
     "duplicate instance id"),
    ('{"doc": "t", "tokens": ["a"]}', "comes back"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),  # a RecursionError traceback before
])
def test_jsonl_more_errors(tmp_path: Path, line: str, text: str) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "t.s1", "tokens": ["x"], "senses": [{"at": 0, "key": "x%1:00:00::", '
                    '"id": "i1"}]}\n{"doc": "other", "tokens": ["y"]}\n' + line + "\n")
    raises_at(lambda: read_jsonl(path), "t.jsonl", 3, None, text)


def test_jsonl_reversed_span_is_called_reversed_not_out_of_range(tmp_path: Path) -> None:
    """A span [4, 2] lies inside a 6-token sentence: the error says it is reversed (end
    before start), on one line naming file, line and id, not that it is out of range."""
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "t.s1", "text": "He sat on the river bank"}\n'
                    '{"id": "t.s2", "text": "He sat on the river bank", "senses": '
                    '[{"id": "t.s2.bank", "at": [4, 2], "key": "bank%1:17:01::"}]}\n')
    err = raises_at(lambda: read_jsonl(path), "t.jsonl", 2, "t.s2.bank", "reversed")
    msg = str(err)
    assert "out of range" not in msg and "end is before its start" in msg
    assert "\n" not in msg


@pytest.mark.parametrize(("sense", "text"), [
    ('{"at": 1, "key": "sit%2:35:00::", "lemma": "zebra"}',
     "labelled zebra VERB but its sense key sit%2:35:00:: is of sit VERB"),
    ('{"at": 1, "key": "sit%2:35:00::", "pos": "NOUN"}', "labelled sit NOUN"),
    ('{"at": 1, "keys": ["sit%2:35:00::", "bank%1:17:01::"]}',
     "its sense key bank%1:17:01:: is of bank NOUN"),
])
def test_jsonl_labels_that_contradict_their_keys(tmp_path: Path, sense: str, text: str) -> None:
    """A sense whose lemma or POS contradicts its keys would file the usage under one word
    and count it as evidence of another: refused, naming file, line and id."""
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "t.s1", "text": "He sat down"}\n'
                    '{"id": "t.s2", "text": "He sat down", "senses": [' + sense + "]}\n")
    raises_at(lambda: read_jsonl(path), "t.jsonl", 2, "t.s2", text)


@pytest.mark.parametrize("line", ['{"tokens": ["He", "s\\u0000at"]}',
                                  '{"text": "He s\\u0000at down"}'])
def test_jsonl_control_characters_are_refused_with_their_line(tmp_path: Path,
                                                              line: str) -> None:
    """The input policy (no NUL, ESC, DEL) holds for a corpus's tokens and texts too, and
    the error names the file and line."""
    path = tmp_path / "t.jsonl"
    path.write_text('{"tokens": ["fine"]}\n' + line + "\n")
    raises_at(lambda: read_jsonl(path), "t.jsonl", 2, None, "U+0000 (NUL)")


def test_jsonl_keys_in_capitals_are_read_as_wordnet_writes_them(tmp_path: Path, encoder,
                                                                wordnet) -> None:
    """WordNet's key check takes BANK%1:17:01:: for bank%1:17:01::, so the reader does too:
    the key was stored as written, a sense row of its own (lemma BANK) whose usage never
    counted as bank%1:17:01::'s evidence."""
    from sensedb import build_index, open

    path = tmp_path / "caps.jsonl"
    path.write_text('{"doc": "a", "tokens": ["He", "sat", "on", "the", "bank"], '
                    '"senses": [{"at": 4, "key": "BANK%1:17:01::"}]}\n'
                    '{"doc": "a", "tokens": ["The", "muddy", "bank"], '
                    '"senses": [{"at": 2, "key": "bank%1:17:01::"}]}\n', encoding="utf-8")
    first, second = next(iter(read_jsonl(path, key_check=wordnet.has_key))).sentences
    assert first.tokens[4] == Token("bank", "bank", "NOUN", "a.s1.t0", ("bank%1:17:01::",))
    build_index(path, tmp_path / "index", encoder=encoder, wordnet=wordnet, progress=False)
    index = open(tmp_path / "index", encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    support = {s.key: s.support for s in index.wsd("He sat on the bank", "bank").senses}
    assert support["bank%1:17:01::"] == 2
    assert index.info()["senses"] == 1


@pytest.mark.parametrize(("line", "text"), [
    ('{"tokens": ["a", "bank", "\\ud83d"]}', "token 2 is not valid UTF-8: the lone surrogate"),
    ('{"doc": "x\\ud83d", "tokens": ["a"]}', '"doc" of the sentence is not valid UTF-8'),
    ('{"id": "s\\ud83d", "tokens": ["a"]}', '"id" of the sentence is not valid UTF-8'),
    ('{"doc": "x\\u0000y", "tokens": ["a"]}', '"doc" of the sentence has U+0000 (NUL)'),
    ('{"id": "s\\u001b[31m", "tokens": ["a"]}', '"id" of the sentence has U+001B'),
    ('{"doc": "d000\\u001fretired:1", "tokens": ["a"]}', '"doc" of the sentence has U+001F'),
    ('{"tokens": ["a", "\\u001f"]}', "token 1 has U+001F (a unit separator)"),
    ('{"tokens": ["a", "\\u200b"]}', "token 1 is empty under the input policy"),
])
def test_jsonl_ids_and_tokens_follow_the_input_policy(tmp_path: Path, line: str,
                                                      text: str) -> None:
    """A lone surrogate in a token or an id went on to a tokenizer's or the database's
    traceback (after the job had started writing); a NUL or an ESC in a document's id was
    stored, and such a document could not be named to `delete`. Each is a one-line error
    naming the file and line."""
    path = tmp_path / "t.jsonl"
    path.write_text('{"tokens": ["fine"]}\n' + line + "\n")
    raises_at(lambda: read_jsonl(path), "t.jsonl", 2, None, text)


def test_jsonl_tokens_are_normalized_as_text_is(tmp_path: Path) -> None:
    """Given as "tokens", "ba\\u200bnk" and a decomposed "café" were stored as written, so
    the same sentence given as "text" made other tokens and another document hash."""
    path = tmp_path / "t.jsonl"
    path.write_text('{"doc": "a", "tokens": ["the", "ba\\u200bnk", "cafe\\u0301"]}\n'
                    '{"doc": "b", "text": "the ba\\u200bnk cafe\\u0301"}\n')
    a, b = read_jsonl(path)
    assert [t.text for t in a.sentences[0].tokens] == ["the", "bank", "caf\u00e9"]
    assert [t.text for t in b.sentences[0].tokens] == ["the", "bank", "caf\u00e9"]
    # a newline or a tab inside a token is one space (the stored sentence read "river\n
    # bank"); a lemma is read as its tokens are ("ba\u200bnk" was "labelled ba\u200bnk")
    path.write_text('{"tokens": ["the", "river\\n\\tside"], "senses": [{"at": 1, '
                    '"key": "riverside%1:15:00::", "lemma": "river\\u200bside"}]}\n')
    (c,) = read_jsonl(path)
    (_, token) = c.sentences[0].tokens
    assert (token.text, token.lemma) == ("river side", "riverside")
    path.write_text('{"doc": "x\\ud83d", "tokens": ["a"]}\n')
    with pytest.raises(InputError, match="write the file as UTF-8") as info:
        list(read_jsonl(path))
    assert "--file" not in str(info.value)  # the query's advice: index has no such option


def test_jsonl_a_label_on_a_word_that_cannot_be_its_lemma_is_refused(tmp_path: Path,
                                                                     wordnet) -> None:
    from sensedb.inventory.labels import LabelCheck

    path = tmp_path / "dont.jsonl"
    path.write_text('{"doc": "d", "text": "Don\'t sit on the bank.", '
                    '"senses": [{"at": 4, "key": "bank%1:17:01::"}]}\n', encoding="utf-8")
    tokens = list(read_jsonl(path))[0].sentences[0].tokens
    assert (tokens[4].text, tokens[4].senses) == ("the", ("bank%1:17:01::",))  # unchecked
    with pytest.raises(InputError) as error:
        list(read_jsonl(path, label_check=LabelCheck(wordnet)))
    message = str(error.value)
    for part in (f"{path}:1", "id d.s1.t0", "sentence d.s1 (document d)",
                 "token 4 is 'the', not a form of bank (bank%1:17:01::)",
                 'splits "Don\'t" into "Do n\'t"', "tokens from 0: Do n't sit on the bank .",
                 "token 5 is 'bank'", "--unchecked-labels"):
        assert part in message, part
    path.write_text('{"doc": "d", "text": "Don\'t sit on the bank.", '
                    '"senses": [{"at": 5, "key": "bank%1:17:01::"}, '
                    '{"at": [0, 1], "key": "do%2:41:01::"}]}\n', encoding="utf-8")
    tokens = list(read_jsonl(path, label_check=LabelCheck(wordnet)))[0].sentences[0].tokens
    assert [t.text for t in tokens if t.is_instance] == ["Do n't", "bank"]
