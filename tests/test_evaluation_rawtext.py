"""Raw-text evaluation: sensedb finds targets, lemmas and POS itself; answers are aligned to
the gold instances by character offsets."""

from __future__ import annotations

import pytest
from conftest import MINI_GOLD, MINI_XML

import sensedb
from sensedb import SenseIndex
from sensedb.evaluation.rawtext import align, evaluate_raw, instance_spans


def test_instance_spans_and_alignment_rules():
    text, spans = instance_spans(["It", "took place", "at", "the", "bank", "."],
                                 [None, "t1", None, None, "t2", None])
    assert text == "It took place at the bank ."
    assert spans == {"t1": (3, 13), "t2": (21, 25)}
    # exact span wins; else the largest overlap; no overlap: unanswered
    answers = [(3, 7, "take%2:40:05::"), (3, 13, "take_place%2:30:00::"),
               (21, 25, "bank%1:14:00::")]
    assert align(spans, answers) == {"t1": "take_place%2:30:00::", "t2": "bank%1:14:00::"}
    assert align(spans, [(8, 13, "place%1:15:00::")]) == {"t1": "place%1:15:00::", "t2": None}


def test_raw_evaluation_scores_every_instance(mini_index, encoder, wordnet, tmp_path):
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    out = tmp_path / "raw.key"
    raw = evaluate_raw(index, MINI_XML, MINI_GOLD, out=out)
    gold_pos = sensedb.evaluate(index, MINI_XML, MINI_GOLD)
    assert raw["n"] == gold_pos["n"] == 19
    assert raw["answered"] + raw["missed"] == 19
    assert raw["answered"] >= 15  # the tagger finds most targets by itself
    assert 0 <= raw["wrong_pos"] <= raw["answered"] - raw["correct"]
    assert raw["correct"] <= raw["answered"]
    lines = out.read_text().splitlines()
    assert len(lines) == raw["answered"] and all(" " in line for line in lines)
    assert set(raw["by_pos"]) <= {"NOUN", "VERB", "ADJ", "ADV"}


def test_an_instance_inside_a_kept_multiword_is_its_word_read_alone(default_index, tmp_path):
    """SemEval-2007 annotates "health" and "problem" apart where the tagger keeps "health
    problem" whole: both instances were answered with health_problem%1:26:00:: (the largest
    overlap). A component word's own reading now answers an instance of its span exactly;
    an instance of the whole expression is still answered by it."""
    words = ["Smoking", "is", "a", "serious", "health", "problem", "for", "many", "people", "."]
    rows = "".join(f'<instance id="d000.s000.t{n:03d}" lemma="{w}" pos="NOUN">{w}</instance>\n'
                   if w in ("health", "problem") else f'<wf lemma="{w.lower()}" pos="X">{w}</wf>\n'
                   for n, w in enumerate(words))
    whole = "".join(f'<wf lemma="{w.lower()}" pos="X">{w}</wf>\n' for w in words[:4]) + (
        '<instance id="d000.s001.t000" lemma="health_problem" pos="NOUN">health problem'
        '</instance>\n') + "".join(f'<wf lemma="{w}" pos="X">{w}</wf>\n' for w in words[6:])
    data = tmp_path / "split.data.xml"
    data.write_text('<?xml version="1.0" encoding="UTF-8" ?>\n<corpus lang="en">\n'
                    f'<text id="d000">\n<sentence id="d000.s000">\n{rows}</sentence>\n'
                    f'<sentence id="d000.s001">\n{whole}</sentence>\n</text>\n</corpus>\n')
    gold = tmp_path / "split.gold.key.txt"
    gold.write_text("d000.s000.t004 health%1:26:00::\nd000.s000.t005 problem%1:26:00::\n"
                    "d000.s001.t000 health_problem%1:26:00::\n")
    out = tmp_path / "split.key"
    raw = evaluate_raw(default_index, data, gold, out=out)
    assert sorted(out.read_text().split()) == sorted(gold.read_text().split())
    assert (raw["n"], raw["correct"], raw["missed"]) == (3, 3, 0)


def test_raw_evaluation_needs_instances(mini_index, encoder, wordnet, tmp_path):
    data = tmp_path / "empty.data.xml"
    data.write_text('<?xml version="1.0" encoding="UTF-8" ?>\n<corpus lang="en">\n'
                    '<text id="d000">\n<sentence id="d000.s000">\n<wf lemma="a" pos="DET">A'
                    '</wf>\n</sentence>\n</text>\n</corpus>\n')
    gold = tmp_path / "empty.gold.key.txt"
    gold.write_text("")
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    with pytest.raises(sensedb.InputError, match="no instances"):
        evaluate_raw(index, data, gold)
