"""All-words evaluation (Raganato et al. 2017): coverage, abstaining, one sense per
discourse, feature export."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MINI_GOLD, MINI_XML

import sensedb
from sensedb import InputError, SenseIndex
from sensedb.evaluation.allwords import evaluate, instance_features
from sensedb.evaluation.metrics import prf, score_predictions
from sensedb.retriever import scoring


def test_evaluate_reports_coverage_and_abstains(mini_index, encoder, wordnet):
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    full = sensedb.evaluate(index, MINI_XML, MINI_GOLD)
    assert full["coverage"] == 100.0 and full["abstained"] == 0
    assert sum(full["decided_by"].values()) == full["n"] == 19
    shy = sensedb.evaluate(index, MINI_XML, MINI_GOLD, min_confidence=1.0)
    alone = full["decided_by"].get("single candidate", 0)  # probability 1: still answered
    assert shy["answered"] == alone and shy["abstained"] == 19 - alone
    with pytest.raises(InputError, match="min_confidence must be a number from 0 to 1"):
        sensedb.evaluate(index, MINI_XML, MINI_GOLD, min_confidence=1.01)
    textbook = sensedb.evaluate(SenseIndex(mini_index, encoder=encoder, wordnet=wordnet,
                                           scoring_method="cosine"), MINI_XML, MINI_GOLD)
    assert textbook["n"] == 19 and textbook["f1"] >= 90
    assert evaluate(index, MINI_XML, MINI_GOLD) == full  # sensedb.evaluate is this function


def test_evaluate_one_sense_per_discourse(mini_index, encoder, wordnet, tmp_path):
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    out = tmp_path / "pred.key"
    result = sensedb.evaluate(index, MINI_XML, MINI_GOLD, one_sense_per_discourse=True, out=out)
    assert result["n"] == 19 and result["coverage"] == 100.0
    predicted = dict(line.split() for line in out.read_text().splitlines())
    lemma_of = {}
    for line in MINI_XML.read_text().splitlines():
        if "<instance" in line:
            iid = line.split('id="')[1].split('"')[0]
            lemma_of[iid] = (iid.split(".")[0], line.split('lemma="')[1].split('"')[0],
                             line.split('pos="')[1].split('"')[0])
    chosen: dict[tuple, set[str]] = {}
    for iid, key in predicted.items():
        chosen.setdefault(lemma_of[iid], set()).add(key)
    assert all(len(keys) == 1 for keys in chosen.values())  # one sense per (doc, lemma, POS)


def test_instance_features_rank_like_evaluate(mini_index, encoder, wordnet, tmp_path):
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    rows = instance_features(index, MINI_XML, MINI_GOLD)
    assert len(rows) == 19
    out = tmp_path / "pred.key"
    sensedb.evaluate(index, MINI_XML, MINI_GOLD, out=out)
    predicted = dict(line.split() for line in out.read_text().splitlines())
    for features, gold, meta in rows:
        assert features.shape == (len(meta["keys"]), len(scoring.FEATURES))
        assert gold.dtype == bool and gold.any()
        # every feature is computed, but the index's weights rank them as evaluate does
        assert meta["keys"][int(np.argmax(features @ index.weights))] == predicted[meta["id"]]


def test_metrics_in_percent():
    assert prf(1, 2, 4) == {"f1": 33.33, "precision": 50.0, "recall": 25.0, "n": 4,
                            "answered": 2, "correct": 1}
    result = score_predictions({"a.d0.s0.t0": "k1", "a.d0.s0.t1": None},
                               {"a.d0.s0.t0": ["k1"], "a.d0.s0.t1": ["k2"]},
                               {"a.d0.s0.t0": "NOUN", "a.d0.s0.t1": "VERB"})
    assert (result["precision"], result["recall"]) == (100.0, 50.0)
    assert set(result["by_pos"]) == {"NOUN", "VERB"} and set(result["by_dataset"]) == {"a"}


def test_instance_features_carry_the_case_flags_evaluate_scores(mini_index, encoder, wordnet,
                                                                tmp_path):
    """instance_features is the query path's own feature matrix: a capitalized name after an
    honorific flags the senses that are not people (``personal_name``) as ``evaluate`` does
    (the matrix once left every case flag at 0)."""
    xml = tmp_path / "names.data.xml"
    xml.write_text(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<corpus lang="en" source="names">\n'
        '<text id="d000">\n<sentence id="d000.s000">\n'
        '<wf lemma="yesterday" pos="NOUN">Yesterday</wf>\n'
        '<wf lemma="mr." pos="NOUN">Mr.</wf>\n'
        '<instance id="d000.s000.t000" lemma="brown" pos="NOUN">Brown</instance>\n'
        '<instance id="d000.s000.t001" lemma="visit" pos="VERB">visited</instance>\n'
        '<instance id="d000.s000.t002" lemma="turkey" pos="NOUN">Turkey</instance>\n'
        '<wf lemma="." pos=".">.</wf>\n</sentence>\n</text>\n</corpus>\n')
    gold = tmp_path / "names.gold.key.txt"
    gold.write_text("d000.s000.t000 brown%1:18:00::\nd000.s000.t001 visit%2:38:00::\n"
                    "d000.s000.t002 turkey%1:15:00::\n")
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    rows = {meta["id"]: (features, meta) for features, _, meta
            in instance_features(index, xml, gold)}
    features, meta = rows["d000.s000.t000"]
    personal = features[:, scoring.FEATURES.index("personal_name")]
    not_people = {"brown%1:07:00::", "brown%1:06:00::"}  # the colour, the university
    assert {k for k, flag in zip(meta["keys"], personal, strict=True) if flag} == not_people
    out = tmp_path / "pred.key"
    sensedb.evaluate(index, xml, gold, out=out)
    predicted = dict(line.split() for line in out.read_text().splitlines())
    for features, meta in rows.values():
        assert meta["keys"][int(np.argmax(features @ index.weights))] == predicted[meta["id"]]
