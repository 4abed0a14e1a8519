"""tag_stream: the tagger's answers, one record per word with character offsets, lazily."""

from __future__ import annotations

import io
import json
import re

import pytest

from sensedb import InputError
from sensedb.retriever.tagger import tag_text
from sensedb.streaming import sentence_offsets, tag_stream, token_offsets, write_jsonl

TEXT = ("The bank raised its rates.  We walked along the river bank!\n"
        "She deposited the money in the bank and it took place yesterday.")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_offsets_of_sentences_and_tokens():
    text = "  One bank.  Two don't!\tThree?"
    assert [text[a:b] for a, b in sentence_offsets(text)] == ["One bank.", "Two don't!",
                                                              "Three?"]
    sentence = "Two don't!"
    assert token_offsets(sentence, ["Two", "do", "n't", "!"], 10) == [
        (10, 13), (14, 16), (16, 19), (19, 20)]


def test_stream_equals_tag_with_offsets(index):
    records = list(tag_stream(index, [TEXT]))
    tagged = tag_text(index, TEXT)
    assert len(records) == len(tagged) > 5
    for record, word in zip(records, tagged, strict=True):
        expected = word.to_dict()
        for name in ("sentence", "position", "word", "lemma", "pos", "key", "synset", "gloss",
                     "confidence", "margin", "novel", "candidates"):
            assert record[name] == expected[name], name
        assert record["text"] == 0
        surface = TEXT[record["start"]:record["end"]]
        assert " ".join(surface.split()) == record["word"]
        assert record["offset"] is None or record["offset"][-1] in "nvars"
        json.dumps(record)
    bank = next(r for r in records if r["key"] == "bank%1:17:01::")
    assert bank["offset"] == "09213565-n" and isinstance(bank["score"], float)
    assert any(" " in r["word"] for r in records)  # "took place" as one word
    for record, word in zip(records, tagged, strict=True):  # its words read alone, placed
        assert (record["components"] is None) == (word.components is None)
        for part, alone in zip(record["components"] or [], word.components or [], strict=True):
            assert record["start"] <= part["start"] < part["end"] <= record["end"]
            assert TEXT[part["start"]:part["end"]] == part["word"] == alone["word"]
            assert {k: v for k, v in part.items() if k not in ("start", "end")} == alone


def test_stream_reads_main_verbs_and_multiwords_as_tag_does(index):
    # tag --jsonl read a text greedily without context (no main verb be/have, a multiword
    # always whole) while tag decides from the POS head and the scores
    text = "The room is crowded. She has a lot of books. This is a kind of fruit."
    records = list(tag_stream(index, [text], max_sentences=2))
    tagged = tag_text(index, text)
    assert [(r["sentence"], r["position"], r["word"], r["key"]) for r in records] == [
        (w.sentence, w.position, w.word, w.key) for w in tagged]
    assert ("is", "be") in {(r["word"], r["lemma"]) for r in records}  # a main verb
    kind = next(r for r in records if r["word"].startswith("kind"))
    assert kind["word"] == "kind" and text[kind["start"]:kind["end"]] == "kind"


def test_stream_is_lazy_and_chunking_keeps_the_answers(index):
    consumed = []

    def lines():
        for n in range(12):
            consumed.append(n)
            yield "" if n % 5 == 4 else f"The bank raised rates number {n}. We sat by the river."

    stream = tag_stream(index, lines(), max_sentences=4)
    first = next(stream)
    assert first["text"] == 0 and len(consumed) <= 3  # two sentences a line, four a chunk
    rest = [first, *stream]
    assert len(consumed) == 12 and {r["text"] for r in rest} == {
        n for n in range(12) if n % 5 != 4}
    whole = list(tag_stream(index, (f"The bank raised rates number {n}. We sat by the river."
                                    for n in range(3)), max_sentences=64))
    assert [(r["text"], r["key"]) for r in whole] == [
        (r["text"], r["key"]) for r in rest if r["text"] < 3]
    for mine, theirs in zip(whole, rest, strict=False):
        assert mine["confidence"] == pytest.approx(theirs["confidence"], abs=2e-4)


def test_min_confidence_abstains_and_bad_chunk_size(index):
    records = list(tag_stream(index, [TEXT], min_confidence=1.0))
    every = list(tag_stream(index, [TEXT]))
    # only a lone candidate is sure, and "took place" (one sense, kept over its words) only as
    # sure as its words being one expression (scoring.multiword_whole)
    assert records and all((r["key"] is None) == (r["candidates"] > 1 or " " in r["word"])
                           for r in records)
    assert [r["word"] for r in every if r["candidates"] == 1] == ["river", "took place"]
    assert 0.5 < next(r["confidence"] for r in every if r["word"] == "took place") < 1.0
    with pytest.raises(InputError, match="min_confidence must be a number from 0 to 1"):
        list(tag_stream(index, [TEXT], min_confidence=1.01))
    with pytest.raises(Exception, match="max_sentences"):
        list(tag_stream(index, [TEXT], max_sentences=0))


def test_write_jsonl_reads_a_file_line_by_line(index, tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT + "\n\nThe river bank.\n", encoding="utf-8")
    out = io.StringIO()
    with path.open(encoding="utf-8") as lines:
        written = write_jsonl(index, lines, out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert written == len(records) > 5 and records[-1]["text"] == 3
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all(lines[r["text"]][r["start"]:r["end"]] == r["word"] for r in records
               if " " not in r["word"])


def test_offsets_point_into_the_text_as_given(index):
    """A zero-width space or a combining accent shifted every later offset by one: the
    offsets were into the normalized text, so the spans of the line as given were cut ('
    gave u' for "gave up")."""
    import unicodedata

    line = ("The bank\u200b raised its rates. A cafe\u0301 by the river bank took place "
            "yesterday.")
    records = list(tag_stream(index, [line]))
    assert len(records) > 3
    for record in records:
        written = line[record["start"]:record["end"]]
        plain = unicodedata.normalize("NFKC", written.replace("\u200b", ""))
        assert " ".join(plain.split()) == record["word"], (written, record["word"])
    cafe = [r for r in records if r["word"] == "café"]
    assert not cafe or line[cafe[0]["start"]:cafe[0]["end"]] == "cafe\u0301"
    assert [r["start"] for r in records if r["word"] == "raised"] == [line.index("raised")]


def test_records_come_out_as_the_input_is_read(index, monkeypatch):
    """A chunk is tagged once it holds CHUNK_WORDS words, not only max_sentences sentences:
    a 2.7 MB line without sentence punctuation wrote nothing for minutes (one sentence of
    675,000 words, one chunk); its pieces (tagger.MAX_SENTENCE_CHARS) now stream."""
    from sensedb import streaming

    monkeypatch.setattr(streaming, "CHUNK_WORDS", 12)

    def texts():
        yield "The bank raised its rates. We walked along the river bank. It rained."
        raise RuntimeError("read past the first chunk")

    stream = tag_stream(index, texts())
    first = next(stream)  # the first two sentences (13 words) are tagged before reading on
    assert (first["text"], first["sentence"], first["word"]) == (0, 0, "bank")
    with pytest.raises(RuntimeError, match="read past the first chunk"):
        list(stream)


def test_tag_json_shows_what_jsonl_shows(index):
    """`tag --json` (TaggedWord) lacked the score and the WordNet offset that `--jsonl` gives:
    both now come from one place (tagger.chosen_sense), field for field."""
    tagged = tag_text(index, TEXT)
    records = list(tag_stream(index, [TEXT]))
    assert len(tagged) == len(records)
    for word, record in zip(tagged, records, strict=True):
        shown = word.to_dict()
        assert shown["score"] is not None and re.fullmatch(r"\d{8}-[nvasr]", shown["offset"])
        for name in ("lemma", "pos", "key", "synset", "offset", "gloss", "score", "confidence",
                     "margin", "novel", "candidates"):
            assert shown[name] == record[name], name
    unsure = tag_text(index, TEXT, min_confidence=1.0)
    assert all(w.score is None and w.offset is None for w in unsure if w.key is None)
