"""People's names WordNet lacks read as a person (sensedb.retriever.names)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import sensedb
from sensedb.corpora.tokenize import tokenize
from sensedb.retriever import names, scoring
from sensedb.retriever.names import PERSON, PERSON_KEY, name_pairs, person_name_at, reads_a_name

ROOT = Path(__file__).resolve().parents[1]


def _at(sentence: str, word: str) -> tuple[list[str], int]:
    words = tokenize(sentence)
    return words, words.index(word)


@pytest.mark.parametrize(("sentence", "word", "name"), [
    ("I met John at the station.", "John", True),        # a first name inside the sentence
    ("Yesterday Mark called me.", "Mark", True),
    ("We had dinner at Tom's house.", "Tom", True),
    ("John met Mary at noon.", "John", True),             # first, but SemCor: always a name
    ("Mark the date in your diary.", "Mark", False),       # first, and SemCor has no say
    ("We met in June.", "June", False),                   # WordNet's month
    ("We flew to Paris.", "Paris", False),                # no first name; WordNet's city
    ("I paid the bill.", "bill", False),                  # lower case
    # after an honorific, a person (SemCor: 363 of 364; "Mr. Smith" was a sculptor)
    ("Yesterday Mr. Brown called.", "Brown", True),
    ("Mr. Smith went to Washington.", "Smith", True),
    ("Sen. Warren spoke today.", "Warren", True),
    ("Dear Ms. Smith, thank you.", "Smith", True),
    ("Mrs. J. M. Cheshire arrived.", "Cheshire", True),  # past initials and first names
    # a second tester: not every capital after the name, not a headline's words, not a
    # period-only honorific without its period, not a street's "Dr.", not WordNet's place
    ("I met Dr. Jones Tuesday and she was great.", "Tuesday", False),
    ("Capt. Smith Said Sorry", "Said", False),
    ("Capt. Smith Said Sorry", "Smith", True),
    ("I Miss You So Much", "You", False),
    # a title-case test by the words besides the name: these long words are all the name's
    ("We met Mrs. Jane Park", "Park", True),
    ("We met Mrs. Jane Park", "Jane", True),
    ("Sen. John Tower spoke.", "Tower", True),  # SemCor d000: past a first name
    ("Lt. Gov. Garland Byrd spoke.", "Garland", True),  # a place too, but no Miss before
    ("Lt. Gov. Garland Byrd spoke.", "Byrd", True),
    ("Rep Power Gym opens at six.", "Power", False),
    ("Turn left onto Oak Dr. Park on the street.", "Park", False),
    ("Miss Paris already? You just got back.", "Paris", False),
    ("She was crowned Miss America last year.", "America", False),
    ("LOCAL MAN JOHN WINS", "JOHN", False),               # capitals lose case
    ("I have been reading Dickens all week.", "Dickens", False),  # WordNet's writer
    ("The report was written by Madden.", "Madden", True),  # SemCor's surname, no person
    ("Mark went home early.", "Mark", True),  # first, before a verb in the past
    ("Bill paid for dinner.", "Bill", True),
    ("Rose smiled at me.", "Rose", True),
    ("Mark left early.", "Mark", True),       # "left" a noun too, and the past of leave
    ("Bill me later.", "Bill", False),         # no verb in the past after it
    ("Rose bushes need sun.", "Rose", False),
    ("Mark sheets as read.", "Mark", False),
    ("Hope faded quickly.", "Hope", False),   # a feeling first: WordNet's noun
    ("Joy filled the room.", "Joy", False),
    ("We live on Mary Street.", "Mary", False),  # a street's name
    ("The wedding was at Grace Church.", "Grace", False),
    ("I opened an account at Chase Bank.", "Chase", False),
    ("We met at Victoria Station.", "Victoria", False),
    ("I met Mary Smith yesterday.", "Mary", True),  # a surname after it: still a person
    ("I met Sally Field yesterday.", "Sally", True),  # a surname that is a place's head too
    ("He married a German woman.", "German", False),  # a nationality WordNet capitalizes
    ("She is a devout Christian.", "Christian", False),
    ("Mick is my friend.", "Mick", True),     # first, but WordNet knows "mick" only as a slur
    ("I called Hymie yesterday.", "Hymie", True),         # a slur only, in no table
    # a fourth tester: a surname after a first name was WordNet's famous bearer of it
    ("Fed Chair Jerome Powell spoke on Tuesday.", "Powell", True),  # was Colin Powell
    ("I read a book by Stephen King.", "King", True),     # was Martin Luther King
    ("Taylor Swift played in Chicago.", "Swift", True),   # was Jonathan Swift
    ("Taylor Swift played in Chicago.", "Taylor", True),  # first, before a surname
    ("John Lennon wrote the song.", "Lennon", False),     # WordNet's john_lennon: its bearer
    ("Bill Gates founded Microsoft.", "Gates", False),
    ("We heard Martin Luther King speak.", "King", False),
    ("We met George Washington there.", "Washington", False),  # a place too: WordNet's
    ("The Georgia Republicans met.", "Republicans", False),  # a place's name before it
    ("revised the Taylor Scale for adults", "Scale", False),  # no person named Scale
    ("Taylor Scale results were low.", "Taylor", False),
    ("Bill and Rose went to see Frank.", "Bill", True),   # was a poster: joined to a name
    ("Joy and Hope are my cousins.", "Joy", False),       # a feeling first: left to WordNet
    ("Hope and Faith are virtues.", "Hope", False),       # (a third tester)
    ("Joy and happiness filled the room.", "Joy", False),
    ("Mark and sign the form.", "Mark", False),
])
def test_person_name_at(wordnet, sentence, word, name):
    words, at = _at(sentence, word)
    pairs = wordnet.lemmatize(word)
    candidates = [s for lemma, pos in pairs for s in wordnet.candidates(lemma, pos)]
    assert person_name_at(wordnet, words, at, candidates) is name
    street = names.street_name(words, at)  # "Mary Street": a location (see below)
    assert name_pairs(wordnet, words, at, pairs) == (
        [PERSON] if name else [names.LOCATION] if street else pairs)


def test_a_word_wordnet_lacks_after_an_honorific_is_a_person(wordnet):
    words, at = _at("Mrs. Benington arrived late.", "Benington")
    assert wordnet.lemmatize("Benington") == []
    assert name_pairs(wordnet, words, at, []) == [PERSON]
    words, at = _at("The Benington arrived late.", "Benington")
    assert name_pairs(wordnet, words, at, []) == []


def test_an_honorific_before_a_name_is_not_tagged(default_index):
    """A second tester: "*Sen.* Warren" was a Japanese coin, "*Col.* Sanders" a mountain
    pass: an honorific before the name it makes a person is left untagged; "Gen Z", "Rev
    up" (no period) and a single letter after a period-only honorific are no such thing."""
    assert names.honorific_of_a_name(tokenize("Sen. Warren spoke."), 0)
    assert not names.honorific_of_a_name(tokenize("Gen Z shoppers"), 0)
    assert not names.honorific_of_a_name(tokenize("See Rev. B of it"), 1)
    words = {w.word for w in sensedb.tag(default_index, "Col. Sanders founded the chain.")}
    assert "Col" not in words and "Sanders" in words
    # a tester: "*Mr.* and Mrs. Brown" tagged Mr as mister
    assert names.honorific_of_a_name(tokenize("Mr. and Mrs. Brown live here."), 0)
    assert names.honorific_of_a_name(tokenize("Mr & Mrs Smith arrived."), 0)
    assert not names.honorific_of_a_name(tokenize("Dr. and nurse came."), 0)
    assert not names.honorific_of_a_name(tokenize("Ask Dr. and"), 1)
    words = {w.word for w in sensedb.tag(default_index, "Mr. and Mrs. Brown live next door.")}
    assert not words & {"Mr", "Mrs"} and "Brown" in words


def test_a_streets_name_is_a_location(default_index):
    """A third tester: "I live on *Oak* St." read the wood, "on *Main* St." "important":
    before a street's head a capitalized word is the noun *location* (SemCor files 32 of its
    34 street names so) and the head is untagged; a headline's words and a multiword
    WordNet holds ("Wall Street") stay as they were."""
    words = tokenize("I live on Oak St. now")
    assert names.street_name(words, 3) and names.street_head(words, 4)
    assert name_pairs(default_index.inventory, words, 3, [("oak", "NOUN")]) == [
        names.LOCATION]
    assert not names.street_name(tokenize("Man Crosses Road Safely"), 1)
    assert not names.street_name(tokenize("I live on oak st. now"), 3)
    # title case told by words besides the street's and people's names ("Oak" was the wood)
    words = tokenize("We met Mrs. Jane Park on Oak St.")
    assert names.street_name(words, words.index("Oak"))
    words = tokenize("Man Crosses Oak Road Today")
    assert not names.street_name(words, words.index("Oak"))
    tagged = {w.word: w.key for w in sensedb.tag(default_index,
                                                 "The parade starts on Main St. at noon.")}
    assert tagged["Main"] == "location%1:03:00::" and "St" not in tagged
    assert "wall_street" in {w.lemma for w in sensedb.tag(default_index,
                                                          "He works on Wall Street.")}


def test_a_name_reading_is_told_from_the_word_person():
    assert reads_a_name("John", [PERSON])
    assert not reads_a_name("person", [PERSON]) and not reads_a_name("Persons", [PERSON])
    assert not reads_a_name("John", [("john", "NOUN")])


def test_the_shipped_table_and_its_provenance():
    data = json.loads((ROOT / "sensedb/data/person_names.json").read_text())
    assert data["provenance"]["made_by"] == "scripts/person_names.py"
    assert {f"d{n:03d}" for n in range(0, 352, 10)} <= set(
        data["provenance"]["excluded_documents"])
    first, semcor = names.person_names()
    assert {"John", "Mary", "Tom", "Mark"} <= first and "Lord" not in first
    assert all(person >= 0.75 * labelled for person, labelled in semcor.values())


def test_the_table_script(tmp_path):
    """scripts/person_names.py on a tiny census folder and corpus: a first name above the
    percent kept, a title and a rare name left out; a SemCor person name kept where it is
    one at least three times in four, a document left out unread."""
    census = tmp_path / "census"
    census.mkdir()
    (census / "dist.male.first").write_text(
        "JOHN           3.271  3.271      1\nLORD           0.010  3.281      2\n"
        "ZEB            0.001  3.282      3\n")
    (census / "dist.female.first").write_text("MARY           2.629  2.629      1\n")
    xml = tmp_path / "tiny.data.xml"
    sentence = ('<sentence id="{d}.s000"><instance id="{d}.s000.t000" lemma="person" '
                'pos="NOUN">{name}</instance><wf lemma="walk" pos="VERB">walked</wf></sentence>')
    xml.write_text('<?xml version="1.0" encoding="UTF-8" ?>\n<corpus lang="en" source="t">\n'
                   + "".join(f'<text id="{d}">{sentence.format(d=d, name=name)}</text>\n'
                             for d, name in (("d001", "Wilson"), ("d002", "Wilson"),
                                             ("d003", "Jones"), ("d004", "Jones")))
                   + "</corpus>\n")
    (tmp_path / "tiny.gold.key.txt").write_text("".join(
        f"{d}.s000.t000 person%1:03:00::\n" for d in ("d001", "d002", "d003", "d004")))
    out = tmp_path / "names.json"
    done = subprocess.run([sys.executable, "scripts/person_names.py", "--data", str(xml),
                           "--census", str(census), "--exclude", "d004", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())
    assert set(data["first_names"]) == {"John", "Mary"}  # Lord a title, Zeb too rare
    assert data["semcor"] == {"Wilson": [2, 2]}  # Jones once: d004 left out


def test_names_in_tag_and_wsd(default_index):
    """"I met John at the station" tagged John as the toilet (john%1:06:00::), "Yesterday Mark
    called me" Mark as "a distinguishing symbol": a person's name WordNet lacks is the noun
    person, "a human being" (SemCor's tag for such a name), and novel (WordNet holds no such
    person, as for "Mr. Bean"); a month stays a month, --pos asks for the word itself."""
    tagged = {w.word: w for w in sensedb.tag(
        default_index, "I met John at the station. We visited Rose in June.")}
    for word in ("John", "Rose"):
        assert (tagged[word].lemma, tagged[word].key, tagged[word].novel) == (
            "person", PERSON_KEY, True)
    assert tagged["June"].key == "june%1:28:00::" and not tagged["June"].novel
    answer = default_index.wsd("Yesterday Mark called me.", "Mark")
    assert (answer.lemma, answer.best.key, answer.novel) == ("person", PERSON_KEY, True)
    asked = default_index.wsd("Yesterday Mark called me.", "Mark", pos="NOUN")
    assert asked.lemma == "mark"
    plain = default_index.wsd("A person walked in.", "person")
    assert plain.best.key == PERSON_KEY and not plain.novel


def test_personal_names_after_an_honorific(wordnet):
    parks = wordnet.candidates("park", "NOUN")
    people = {s.key for s in parks if scoring.is_person(s)}
    assert people == {"park%1:18:00::"}  # Mungo Park, noun.person
    others = {s.key for s in parks} - people

    def flagged(sentence: str, word: str) -> frozenset[str]:
        words = sentence.split()
        return names.personal_names(words, words.index(word), parks)

    assert flagged("Yesterday Ms . Park arrived", "Park") == others
    assert flagged("Ms Park arrived", "Park") == others  # the honorific without its period
    assert flagged("Dr. Park arrived", "Park") == others  # spaCy's tokens keep "Dr." whole
    assert flagged("We met Mrs . Jane Park", "Park") == others  # a name after the honorific's
    assert flagged("We met Mrs . Jane Park", "Jane") == others
    for sentence, word in (("We walked in the Park today", "Park"),  # no honorific
                           ("We walked in the park today", "park"),
                           ("Ms . park", "park"),  # not capitalized
                           ("MS . PARK", "PARK"),  # all capitals: the case is lost
                           ("I miss Park", "Park"),  # "miss" the verb, lower case
                           ("Mr . Smith and Park", "Park")):  # "and" between
        assert flagged(sentence, word) == frozenset(), sentence
    assert names.after_honorific(["Sir", "Park"], 1)
    assert not names.after_honorific(["Park"], 0)
    # a tester: a rank before a name ("Capt. Hook" was "a sharp curve or crook", not novel)
    assert names.after_honorific(["Capt", ".", "Hook"], 2)
    assert names.after_honorific(["Sgt.", "Pepper"], 1)
    # one rule with name_pairs' (it was written twice): a street's "Dr." is no honorific,
    # a rank needs its period, a headline's later words are no names
    assert flagged("We parked on Oak Dr . Park was busy", "Park") == frozenset()
    assert flagged("The Gen Park story", "Park") == frozenset()


def test_a_capital_inside_the_sentence_is_wordnets_proper_noun(default_index, wordnet):
    """The uncased model's POS head read "moved to *Nice*" as the adjective and "flew to
    *Split*" as the verb (the city a few percent behind): a word capitalized inside its
    sentence whose form WordNet has as a proper noun, with no capitalized sense of another
    part of speech, is a noun at CAPITAL_NOUN_PROBABILITY unless a noun follows it; a
    nationality ("*French*": WordNet's adjective is capitalized too), a modifier before a
    noun ("*Northern* liberals") and a lower-case or sentence-first word keep the head's."""
    import numpy as np

    from sensedb.pos_head import TAGS

    for sentence, word, key in (
            ("Her cousin moved to Nice to work at a hotel.", "Nice", "nice%1:15:00::"),
            ("They spent a week in Nice last summer.", "Nice", "nice%1:15:00::"),
            ("We flew to Split for the holidays.", "Split", "split%1:15:00::"),
            ("We drove from Boston to Reading in two hours.", "Reading", "reading%1:15:00::"),
            ("She had a nice time.", "nice", "nice%3:00:00::"),
            ("Split the bill with me.", "Split", None),
            # a tester: verbs and adjectives written with a capital, not after a preposition
            ("Our team will Split the prize.", "Split", None),
            ("I love to Cook.", "Cook", None)):
        answer = default_index.wsd(sentence, word)
        if key is None:
            assert answer.best.pos == "VERB", sentence
        else:
            assert answer.best.key == key, sentence
    # the rule on rows of chosen tags
    from conftest import chosen_rows as rows

    noun = TAGS.index("NOUN")
    ruled = names.capital_nouns(wordnet, ["moved", "to", "Nice", "."],
                                rows(["VERB", "PRT", "ADJ", "."]))
    assert np.exp(ruled[2, noun]) == pytest.approx(names.CAPITAL_NOUN_PROBABILITY)
    ruled = names.capital_nouns(wordnet, ["in", "Nice", "."], rows(["ADP", "ADJ", "."]))
    assert np.exp(ruled[1, noun]) == pytest.approx(names.CAPITAL_NOUN_PROBABILITY)
    for words, tags in ((["in", "French", "."], ["ADP", "ADJ", "."]),        # capitalized adj
                        (["about", "Northern", "liberals"], ["ADP", "ADJ", "NOUN"]),
                        (["Nice", "work", "."], ["ADJ", "NOUN", "."]),           # first word
                        (["in", "nice", "."], ["ADP", "ADJ", "."]),              # lower case
                        (["in", "Zorblat", "."], ["ADP", "VERB", "."]),          # not WordNet's
                        (["love", "to", "Cook", "."], ["VERB", "PRT", "VERB", "."]),
                        (["will", "Split", "it"], ["VERB", "VERB", "PRON"]),
                        (["was", "Swift", "."], ["VERB", "ADJ", "."])):
        logp = rows(tags)
        assert names.capital_nouns(wordnet, words, logp) is logp, words
