"""A lemma's prior inside a construction (sensedb.retriever.constructions): the existential
"there is" read as existence or occurrence, not as the copula."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import sensedb
from sensedb.corpora.tokenize import tokenize
from sensedb.retriever import constructions, scoring
from sensedb.retriever.constructions import (
    construction_prior,
    existential_there,
    ranked_out,
    shared_out,
)

ROOT = Path(__file__).resolve().parents[1]
COPULA, EXISTS, HAPPENS = "be%2:42:03::", "be%2:42:00::", "be%2:42:04::"


def _be_at(sentence: str) -> tuple[list[str], int]:
    words = tokenize(sentence)
    forms = {"is", "are", "was", "were", "be", "been", "'s", "am"}
    return words, next(n for n, w in enumerate(words) if w.lower() in forms)


@pytest.mark.parametrize(("sentence", "existential"), [
    ("There is a book on the table.", True),
    ("there's no milk left", True),
    ("There will not be a meeting tomorrow.", True),
    ("There has always been a gap between them.", True),
    ("There seems to be a problem.", True),
    ("Is there a doctor in the house?", True),
    ("Why are there no trains today?", True),
    ("And were there any others?", True),
    ("He is there now.", False),           # a place, not existence
    ("The tall man over there is my father.", False),
    ("Down there is the river.", False),
    ("The keys are over there.", False),
    ("The soup is cold.", False),
    ("Here is the book.", False),
    ("They said there, the man is tall.", False),  # a comma is no auxiliary
    # "there" after its clause's subject is a place
    ("The people there are friendly.", False),
    ("Everyone there was happy.", False),
    ("The food there is good.", False),
    ("My old friends there were kind.", False),
    # a clause opened by a preposition, an adverb or a verb before "there" is no subject
    ("In the morning there was fog.", True),
    ("On the table there is a book.", True),
    ("Yesterday there was rain.", True),
    ("I think there is a problem.", True),
    ("The man said there was a problem.", True),
    ("Since the 1946 disaster there have been 15 floods.", True),
    ("He knows that there are risks.", True),
    # questions and inverted clauses: a word after "there", "n't" between
    ("Who is there?", False),
    ("Isn't there a bus?", True),
    ("Wasn't there a party last night?", True),
    ("Never was there such a storm.", True),
    ("Nowhere is there peace.", True),
])
def test_existential_there(wordnet, sentence, existential):
    words, at = _be_at(sentence)
    assert existential_there(words, at, wordnet) is existential


def test_a_subject_without_wordnet():
    """Without an inventory only a lone pronoun or a determiner and a listed pronoun are
    taken for a subject: "The food there" stays existential (as before the rule)."""
    words, at = _be_at("Everyone there was happy.")
    assert not existential_there(words, at)
    words, at = _be_at("The food there is good.")
    assert existential_there(words, at)


def test_the_prior_of_an_existential_be(wordnet):
    """Inside the construction the copula's share of be's prior falls from 65% (WordNet's
    counts) to under 10%, and existence and occurrence take most of it; outside it, or for
    another lemma, there is no construction prior."""
    candidates = wordnet.candidates("be", "VERB")
    words, at = _be_at("There is a book on the table.")
    prior = construction_prior(words, at, candidates)
    assert prior is not None and set(prior) == {s.key for s in candidates}
    assert sum(prior.values()) == pytest.approx(1.0)
    assert prior[EXISTS] + prior[HAPPENS] > 0.8 and prior[COPULA] < 0.1
    assert min(prior.values()) > 0  # smoothed: a sense never counted keeps a little
    counts = {s.key: s.count for s in candidates}
    assert counts[COPULA] / sum(counts.values()) > 0.6
    words, at = _be_at("The soup is cold.")
    assert construction_prior(words, at, candidates) is None
    words, at = _be_at("There is a book on the table.")
    assert construction_prior(words, at, wordnet.candidates("book", "NOUN")) is None


def test_shared_out_keeps_the_total():
    values = [10.0, 30.0, 5.0]
    out = shared_out(values, ["a", "b", "c"], {"a": 0.75, "b": 0.25})
    assert out == [30.0, 10.0, 5.0]  # a and b share their 40; c as it was
    assert sum(out) == sum(values)


def test_ranked_out_gives_the_constructions_senses_its_order():
    """Inside a construction WordNet's sense numbers (the prior inv_rank) follow its
    probabilities, as the counts do: "I think so" kept so%4:02:02:: (sense 1, "to a very
    great extent") ahead of the construction's so%4:02:05:: (sense 3) through inv_rank, and
    a retrieval head's gloss cosines then decided for the degree."""
    keys = ["a", "b", "c", "d"]
    # c, most probable, takes the smallest number of those inside (1); a and d tie and
    # keep WordNet's order (a before d); b is outside the construction: as it was
    assert ranked_out([1, 2, 3, 4], keys, {"a": 0.1, "c": 0.8, "d": 0.1}) == [3, 2, 1, 4]
    assert ranked_out([1, 2, 3, 4], keys, {}) == [1, 2, 3, 4]
    assert sorted(ranked_out([4, 1, 3, 2], keys, {"a": 0.6, "b": 0.1, "c": 0.3})) == [1, 2, 3, 4]


@pytest.mark.parametrize(("sentence", "clause"), [
    ("I think so.", True), ("I told you so!", True), ("If so, call me.", True),
    ("He did so.", True), ("I'm afraid so", True),
    ("I was so tired.", False),      # the degree
    ("So do I.", False),             # first: "likewise"
    ("It costs ten dollars or so.", False),
    ("I think so many people came.", False),  # not ending its clause
])
def test_so_standing_for_a_clause(sentence, clause):
    """A tester: "I think *so*", "I told you *so*", "If *so*" were "to a very great extent";
    SemCor tags such a "so" so%4:02:05:: ("in such a condition or manner, especially as
    expressed or implied") every time the rule finds one outside the held-out documents."""
    words = tokenize(sentence)
    assert constructions.so_for_a_clause(words, words.index("so") if "so" in words
                                         else words.index("So")) is clause
    if clause:
        assert constructions.construction_of(words, words.index("so")) == (
            constructions.SO_FOR_A_CLAUSE)


def test_a_clauses_so_gets_semcors_sense(default_index):
    tagged = {w.word: w.key for w in sensedb.tag(default_index, "I think so.")}
    assert tagged["so"] == "so%4:02:05::"
    assert {w.word: w.key for w in sensedb.tag(default_index, "I was so tired.")}[
        "so"] != "so%4:02:05::"


def test_the_shipped_counts_and_their_provenance():
    """The file the scoring reads names the script, command and held-out documents, and the
    tuning documents are among those left out (the measurement's held-out set)."""
    data = json.loads((ROOT / "sensedb/data/construction_counts.json").read_text())
    entry = data["constructions"][constructions.EXISTENTIAL]
    assert (entry["lemma"], entry["pos"]) == ("be", "VERB")
    assert entry["usages_inside"] == sum(entry["counts"].values())
    assert data["provenance"]["made_by"] == "scripts/construction_counts.py"
    assert {f"d{n:03d}" for n in range(0, 352, 10)} <= set(
        data["provenance"]["excluded_documents"])
    lemma, pos, counts = constructions.construction_counts()[constructions.EXISTENTIAL]
    assert counts == entry["counts"] and counts[EXISTS] > counts[COPULA]
    so = data["constructions"][constructions.SO_FOR_A_CLAUSE]
    assert (so["lemma"], so["pos"]) == ("so", "ADV") and max(
        so["counts"], key=so["counts"].get) == "so%4:02:05::"


def test_the_counting_script_counts_the_construction(tmp_path):
    """scripts/construction_counts.py on a two-sentence corpus: the existential be counts,
    the copula outside the construction does not, a left-out document is not read."""
    xml = tmp_path / "tiny.data.xml"
    xml.write_text(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<corpus lang="en" source="t">\n'
        '<text id="d001"><sentence id="d001.s000">'
        '<wf lemma="there" pos="PRON">There</wf>'
        '<instance id="d001.s000.t000" lemma="be" pos="VERB">were</instance>'
        '<wf lemma="many" pos="ADJ">many</wf><wf lemma="people" pos="NOUN">people</wf>'
        '</sentence><sentence id="d001.s001">'
        '<wf lemma="the" pos="DET">The</wf><wf lemma="soup" pos="NOUN">soup</wf>'
        '<instance id="d001.s001.t000" lemma="be" pos="VERB">was</instance>'
        '<wf lemma="cold" pos="ADJ">cold</wf></sentence></text>\n'
        '<text id="d002"><sentence id="d002.s000">'
        '<wf lemma="there" pos="PRON">There</wf>'
        '<instance id="d002.s000.t000" lemma="be" pos="VERB">is</instance>'
        '<wf lemma="hope" pos="NOUN">hope</wf></sentence></text>\n</corpus>\n')
    (tmp_path / "tiny.gold.key.txt").write_text(
        "d001.s000.t000 be%2:42:04::\nd001.s001.t000 be%2:42:03::\n"
        "d002.s000.t000 be%2:42:00::\n")
    out = tmp_path / "counts.json"
    done = subprocess.run([sys.executable, "scripts/construction_counts.py", "--data", str(xml),
                           "--exclude", "d002", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    entry = json.loads(out.read_text())["constructions"][constructions.EXISTENTIAL]
    assert entry["counts"] == {HAPPENS: 1}
    assert (entry["usages_inside"], entry["usages_anywhere"]) == (1, 2)


def test_an_existential_be_is_not_the_copula(default_index):
    """``tag "There is a book on the table."`` read "is" as the copula ("have the quality of
    being"), as every existential be before; a copula stays the copula, and the prior's
    features are the only ones that move."""
    tagged = [w.key for w in sensedb.tag(
        default_index, "There is a book on the table. There were two hundred people at his "
                       "funeral. The soup is cold.") if w.lemma == "be"]
    assert len(tagged) == 3
    assert tagged[0] in (EXISTS, HAPPENS) and tagged[1] in (EXISTS, HAPPENS)
    assert tagged[2] == COPULA
    assert default_index.wsd("The soup is cold.", "is", k=0).best.key == COPULA
    sentence = "There will be rain tomorrow."
    assert default_index.wsd(sentence, "be", k=0).best.key in (EXISTS, HAPPENS)
    located = default_index.locate(sentence, "be")
    raw = default_index.query_vectors([located], raw=True)[0]
    found = default_index.candidate_features(located, [("be", "VERB")], raw)
    keys = [s.key for s in found.candidates]
    prior = found.features[:, scoring.FEATURES.index("log_wordnet_count")]
    assert prior[keys.index(EXISTS)] > prior[keys.index(COPULA)]
