"""The spaCy component on a blank English pipeline (no model download)."""

from __future__ import annotations

import pytest

from sensedb.retriever.tagger import tag_text

spacy = pytest.importorskip("spacy")

from spacy.language import Language  # noqa: E402

import sensedb.spacy_component  # noqa: E402,F401 - registers the factory

TEXTS = ["He sat on the bank of the river. The bank raised its rates.",
         "She deposited the money in the bank and it took place yesterday.",
         "They pulled the canoe up on the muddy bank."]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def blank(index, **config):
    nlp = spacy.blank("en")
    component = nlp.add_pipe("sensedb", config={"index": str(index.directory.path),
                                                "options": {"wordnet_evidence": False},
                                                **config})
    component.index = index  # share the session's encoder instead of loading another
    return nlp


def test_extensions_on_a_blank_pipeline(index):
    nlp = blank(index, k=3)
    assert nlp.pipe_names == ["sensedb"]
    doc = nlp(TEXTS[0])
    bank = doc[4]
    assert bank.text == "bank" and bank._.sense == "bank%1:17:01::"
    assert bank._.synset == "bank.n.01" and 0 < bank._.sense_score <= 1
    assert len(bank._.sense_candidates) == 3
    assert bank._.sense_candidates[0]["key"] == bank._.sense
    assert doc[0]._.sense is None and doc[3]._.sense is None  # "He", "the": not tagged
    senses = doc._.senses
    assert [doc[s["start"]:s["end"]].text for s in senses] == [s["word"] for s in senses]
    assert all(doc.text[s["start_char"]:s["end_char"]] == s["word"] for s in senses)
    # the same answers as tag on the same text (one sentence split, one pass)
    tagged = tag_text(index, TEXTS[0])
    assert [(s["word"], s["key"]) for s in senses] == [(w.word, w.key) for w in tagged]
    multi = nlp(TEXTS[1])
    took = [t for t in multi if t.text in ("took", "place")]
    assert took[0]._.sense is not None and took[0]._.sense == took[1]._.sense
    assert any(s["word"] == "took place" for s in multi._.senses)


def test_pipe_batches_equal_one_by_one(index, monkeypatch):
    nlp = blank(index)
    calls = []
    original = index.encoder.word_vectors_multi  # word vectors and POS-head layers together
    monkeypatch.setattr(index.encoder, "word_vectors_multi",
                        lambda *a, **kw: calls.append(1) or original(*a, **kw))
    batched = list(nlp.pipe(TEXTS, batch_size=8))
    assert len(calls) == 1  # three docs, one encoder pass
    monkeypatch.undo()
    for doc, text in zip(batched, TEXTS, strict=True):
        alone = nlp(text)
        assert [(t.text, t._.sense, t._.synset) for t in doc] == \
            [(t.text, t._.sense, t._.synset) for t in alone]
        for mine, theirs in zip(doc, alone, strict=True):
            assert (mine._.sense_score is None) == (theirs._.sense_score is None)
            if mine._.sense_score is not None:
                assert mine._.sense_score == pytest.approx(theirs._.sense_score, abs=2e-4)


@Language.component("test_fake_tagger")
def fake_tagger(doc):
    """Tags "bank" VERB, "sat" VERB, everything else X (a pipeline with its own POS)."""
    for token in doc:
        token.pos_ = "VERB" if token.lower_ in ("bank", "sat") else "X"
    return doc


def test_the_pipelines_pos_tags_restrict_candidates(index):
    nlp = spacy.blank("en")
    nlp.add_pipe("test_fake_tagger")
    nlp.add_pipe("sensedb", config={"options": {"wordnet_evidence": False}}).index = index
    doc = nlp("He sat on the bank of the river.")
    assert doc[4]._.sense and "%2:" in doc[4]._.sense  # a verb sense of "bank"
    assert all(c["key"].split("%")[1].startswith("2") for c in doc[4]._.sense_candidates)
    assert doc[7]._.sense is None  # "river" tagged X: skipped
    assert [s["word"] for s in doc._.senses] == ["sat", "bank"]


def test_min_confidence_and_empty_docs(index):
    nlp = blank(index, min_confidence=1.01)
    doc = nlp(TEXTS[2])
    assert doc._.senses and all(s["key"] is None for s in doc._.senses)
    assert all(t._.sense is None for t in doc)
    assert any(t._.sense_candidates for t in doc)
    assert nlp("")._.senses == [] and nlp("   \n ")._.senses == []
    assert "sensedb" in spacy.registry.factories


def test_hyphenated_words_and_format_characters_read_as_tag_reads_them(index):
    """spaCy splits "ice-cream" at its hyphen, and kept a zero-width space inside "crane":
    the component tagged "ice" and "cream" apart and left "cr\u200bane" untagged, where
    ``tag`` reads ice_cream and crane. Every token of the hyphenated word gets its sense."""
    nlp = blank(index)
    text = "A state-of-the-art ice-cream machine stood by the cr\u200bane ."
    doc = nlp(text)
    tagged = {w.word: w.key for w in tag_text(index, text)}
    words = {s["word"]: s["key"] for s in doc._.senses}
    assert words["ice-cream"] == tagged["ice-cream"] and words["ice-cream"].startswith(
        "ice_cream%")
    assert words["state-of-the-art"] == tagged["state-of-the-art"]
    ice = [t for t in doc if t.text in ("ice", "-", "cream")][-3:]
    assert [t._.sense for t in ice] == [words["ice-cream"]] * 3
    crane = next(t for t in doc if "ane" in t.text)
    assert crane._.sense is not None and crane._.sense.startswith("crane%")
    assert all(doc.text[s["start_char"]:s["end_char"]] == s["word"] or "\u200b"
               in doc.text[s["start_char"]:s["end_char"]] for s in doc._.senses)


def test_a_blank_pipeline_reads_main_verbs_and_multiwords_as_tag_does(index):
    # the component read each sentence greedily without context: no main verb be/have,
    # "a kind of" always the adverb kind_of, where tag decides from the POS head and scores
    text = "The room is crowded. She has a lot of books. This is a kind of fruit."
    doc = blank(index)(text)
    assert [(s["word"], s["key"]) for s in doc._.senses] == [
        (w.word, w.key) for w in tag_text(index, text)]
    assert doc[2].text == "is" and doc[2]._.sense is not None and doc[2]._.sense.startswith(
        "be%")
    assert all(doc.text[s["start_char"]:s["end_char"]] == s["word"] for s in doc._.senses)


def test_a_stem_before_nt_is_not_tagged(index):
    # spaCy splits can't -> ca n't too: "ca" was tagged ca%1:27:00:: (calcium)
    doc = blank(index)("He can't swim and she won't fish.")
    assert [t.text for t in doc][1:3] == ["ca", "n't"]
    assert doc[1]._.sense is None and doc[5]._.sense is None
    assert not {s["word"] for s in doc._.senses} & {"ca", "wo"}
