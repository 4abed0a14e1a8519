"""The spaCy component on a blank English pipeline (no model download)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sensedb import ConfigurationError, InputError
from sensedb.retriever.tagger import tag_text
from sensedb.streaming import tag_stream

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
    nlp = blank(index, min_confidence=1.0)  # above 1 is refused (see test_a_bad_config...)
    doc = nlp(TEXTS[2])
    assert doc._.senses and all(s["key"] is None for s in doc._.senses
                                if s["confidence"] < 1)
    assert all(t._.sense is None for t in doc if t._.sense_score is None
               or t._.sense_score < 1)
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
    # a multiword expression's words read alone, placed by token and character
    took = next(s for s in tag_stream(index, ["It took place yesterday."]))
    whole = next(s for s in blank(index)("It took place yesterday.")._.senses)
    assert whole["word"] == took["word"] == "took place" and whole["components"]
    for part, alone in zip(whole["components"], took["components"], strict=True):
        assert (part["start"], part["end"]) == (alone["position"], alone["position"] + 1)
        assert (part["start_char"], part["end_char"]) == (alone["start"], alone["end"])
        assert (part["word"], part["key"]) == (alone["word"], alone["key"])


def test_a_stem_before_nt_is_not_tagged(index):
    # spaCy splits can't -> ca n't too: "ca" was tagged ca%1:27:00:: (calcium)
    doc = blank(index)("He can't swim and she won't fish.")
    assert [t.text for t in doc][1:3] == ["ca", "n't"]
    assert doc[1]._.sense is None and doc[5]._.sense is None
    assert not {s["word"] for s in doc._.senses} & {"ca", "wo"}


def _by_word(records):
    return {r["word"]: (r["key"], r["confidence"]) for r in records}


@pytest.mark.parametrize("text", ["Mr. Smith went to the bank.",
                                  "Dr. Jones sat on the bank of the river."])
def test_sentences_are_split_as_tag_splits_them(index, text):
    """Without a sentencizer the component cut after every token ending in "." before white
    space ("Mr." | "Smith went to the bank."), where tag's sentencizer keeps "Mr." in its
    sentence: the other words got other probabilities (and, on the default index, other
    senses) than tag's on the same text."""
    doc = blank(index)(text)
    tagged = {w.word: (w.key, w.confidence) for w in tag_text(index, text)}
    assert {w.sentence for w in tag_text(index, text)} == {0}
    mine = _by_word(doc._.senses)
    # spaCy keeps "Mr." and "Dr." whole, sensedb's tokenizer splits "Mr" "." (another word)
    tagged.pop("Mr", None)
    assert len(tagged) >= 3 and set(tagged) == set(mine) - {"Mr.", "Dr."}
    for word, (key, confidence) in tagged.items():
        assert mine[word][0] == key, word
        assert mine[word][1] == pytest.approx(confidence, abs=2e-4), word


@Language.component("test_cut_after_title")
def cut_after_title(doc):
    """Sentence boundaries from an earlier pipe: a sentence starts after "Mr." and "Dr."."""
    for token in doc:
        token.is_sent_start = token.i == 0 or doc[token.i - 1].text in ("Mr.", "Dr.")
    return doc


def test_an_earlier_pipes_sentence_boundaries_are_kept(index):
    nlp = blank(index)
    nlp.add_pipe("test_cut_after_title", first=True)
    text = "Dr. Jones sat on the bank of the river."
    doc = nlp(text)
    assert [[t.text for t in s] for s in doc.sents][0] == ["Dr."]
    apart = {w.word: (w.key, w.confidence)
             for w in tag_text(index, "Dr.") + tag_text(index, text[4:])}
    mine = _by_word(doc._.senses)
    for word, (key, confidence) in apart.items():  # read as two sentences, as the pipe says
        assert mine[word][0] == key and mine[word][1] == pytest.approx(confidence, abs=2e-4)


def test_a_control_character_is_refused_as_tag_refuses_it(index):
    """The component tagged "m" (m%1:23:00::) out of an escape sequence that tag refuses."""
    nlp = blank(index)
    text = "The bank\x1b[31m raised rates."
    with pytest.raises(InputError) as tag_error:
        tag_text(index, text)
    with pytest.raises(InputError) as error:
        nlp(text)
    assert str(error.value) == str(tag_error.value)
    assert "U+001B" in str(error.value) and "character 8" in str(error.value)
    assert "\n" not in str(error.value)
    fine = nlp.make_doc("The bank raised rates.")
    with pytest.raises(InputError):  # one bad doc of a batch: none is tagged
        list(nlp.get_pipe("sensedb").pipe([fine, nlp.make_doc(text)]))
    assert fine._.senses is None
    assert nlp("ba\u200bnk")[0]._.sense is not None  # a format character is still removed


@pytest.mark.parametrize(("config", "named"), [
    ({"k": -1}, "k must be a whole number >= 0, not -1"),
    ({"k": -1, "min_confidence": 5}, "k must be a whole number >= 0"),
    ({"min_confidence": 5}, "min_confidence must be a number from 0 to 1, not 5"),
    ({"min_confidence": -0.1}, "min_confidence must be a number from 0 to 1, not -0.1"),
    ({"index": ""}, "index must be an index directory or null"),
    ({"index": "/nonexistent/index"}, "index '/nonexistent/index' is no directory"),
    ({"options": {"wordnet_evidnce": False}}, "options has 'wordnet_evidnce'"),
    # a tester: spaCy's own type check answered these in a multi-line ConfigValidationError
    ({"index": 5}, "index must be an index directory or null, not 5"),
    ({"min_confidence": "x"}, "min_confidence must be a number from 0 to 1, not 'x'"),
    ({"options": 3}, "options must be a dict"),
])
def test_a_bad_config_is_refused_when_the_pipe_is_made(config, named):
    """k=-1 dropped the last candidate and min_confidence=5 untagged every word, silently."""
    nlp = spacy.blank("en")
    with pytest.raises(ConfigurationError) as error:
        nlp.add_pipe("sensedb", config=config)
    assert named in str(error.value) and "\n" not in str(error.value)
    assert nlp.pipe_names == []


def test_the_edges_of_the_config_are_taken(index):
    nlp = blank(index, k=0, min_confidence=1)
    doc = nlp("He sat on the bank of the river.")
    assert doc[4]._.sense_candidates == [] and doc._.senses


def test_an_untagged_word_names_no_sense(index):
    """Under min_confidence ``token._.sense`` was None but ``token._.synset`` still held the
    rejected candidate's synset (watch.v.01), and the doc's record its synset, gloss and
    offset."""
    doc = blank(index, min_confidence=0.9)("I watch the watch.")
    watches = [t for t in doc if t.text == "watch"]
    assert len(watches) == 2
    for token in watches:
        assert token._.sense is None and token._.synset is None
        assert token._.sense_score is not None and token._.sense_score < 0.9
        assert token._.sense_candidates  # what was weighed is still there
    assert len(doc._.senses) == 2
    for record in doc._.senses:
        assert record["key"] is None and record["synset"] is None
        assert record["gloss"] is None and record["offset"] is None
    tagged = blank(index)("I watch the watch.")  # without the threshold: named
    assert all(t._.synset for t in tagged if t.text == "watch")
    assert all(r["synset"] and r["gloss"] and r["offset"] for r in tagged._.senses)


READ_BACK = """
import json, sys
import spacy
from spacy.tokens import DocBin
import sensedb.spacy_component
sensedb.spacy_component.register_extensions()  # a second call changes nothing
nlp = spacy.blank("en")
docs = list(DocBin().from_disk(sys.argv[1]).get_docs(nlp.vocab))
print(json.dumps([{"tokens": [[t.text, t._.sense, t._.synset, t._.sense_score,
                               t._.sense_candidates] for t in doc],
                   "senses": doc._.senses,
                   "lists": [type(doc._.senses).__name__]
                            + [type(t._.sense_candidates).__name__ for t in doc
                               if t._.sense_candidates is not None]} for doc in docs]))
"""


def test_saved_docs_read_back_in_a_fresh_process(index, tmp_path):
    """Docs saved with DocBin(store_user_data=True) raised spaCy's E046 on ``token._.sense``
    in a new process, even after ``import sensedb.spacy_component``: the extensions were
    registered only when the component was made (which loads the index and the model)."""
    from spacy.tokens import DocBin

    nlp = blank(index, k=2)
    docs = list(nlp.pipe(TEXTS[:2]))
    DocBin(store_user_data=True, docs=docs).to_disk(tmp_path / "docs.spacy")
    package_root = str(Path(sensedb.spacy_component.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [package_root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-c", READ_BACK, str(tmp_path / "docs.spacy")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    back = json.loads(done.stdout)
    assert len(back) == 2
    for doc, read in zip(docs, back, strict=True):
        assert read["tokens"] == [[t.text, t._.sense, t._.synset, t._.sense_score,
                                   t._.sense_candidates] for t in doc]
        assert read["senses"] == doc._.senses  # JSON: the component's records, as lists
        assert set(read["lists"]) == {"list"}  # not DocBin's tuples
    bank = back[0]["tokens"][4]
    assert bank[:2] == ["bank", "bank%1:17:01::"] and 0 < bank[3] <= 1 and len(bank[4]) == 2
    took = next(s for s in back[1]["senses"] if s["word"] == "took place")
    assert took["key"].startswith("take_place%")


def test_read_back_docs_give_lists_that_keep_changes(index):
    from spacy.tokens import DocBin

    nlp = blank(index)
    saved = DocBin(store_user_data=True, docs=[nlp(TEXTS[2])]).to_bytes()
    doc = next(DocBin().from_bytes(saved).get_docs(nlp.vocab))
    assert isinstance(doc._.senses, list) and doc._.senses
    assert all(isinstance(t._.sense_candidates, list) for t in doc if t._.sense_candidates)
    doc._.senses.append({"word": "extra"})  # the list read back is the doc's own
    assert doc._.senses[-1] == {"word": "extra"}


def test_sense_score_is_the_probability_and_score_the_weighted_score(index):
    """``token._.sense_score`` (0.3785) and ``doc._.senses[i]["score"]`` (2.155) differ: the
    first is the best sense's probability, the second its weighted score. The record gives
    the probability under the token's name too."""
    doc = blank(index)(TEXTS[0])
    tagged = next(w for w in tag_text(index, TEXTS[0]) if w.word == "bank")
    bank = doc[4]
    record = next(s for s in doc._.senses if s["start"] == 4)
    assert record["sense_score"] == record["confidence"] == bank._.sense_score
    assert bank._.sense_score == pytest.approx(tagged.confidence, abs=2e-4)
    assert bank._.sense_candidates[0]["probability"] == pytest.approx(bank._.sense_score,
                                                                      abs=1e-4)
    assert record["score"] == bank._.sense_candidates[0]["score"]
    assert record["score"] == pytest.approx(tagged.score, abs=2e-4)
    assert record["score"] != pytest.approx(record["sense_score"], abs=1e-3)
    assert all(0 <= s["sense_score"] <= 1 for s in doc._.senses)
