"""Scoring: feature vectors, the conditional-logit fit, the shipped weights file."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from sensedb import ConfigurationError
from sensedb.retriever import scoring
from sensedb.vocabulary import ScoringMethod


def test_features_mark_missing_evidence():
    f = scoring.candidate_features(corpus_cos=None, support=0, vote=0.0, gloss_cos=0.4,
                                   example_cos=None, wordnet_count=0, sense_number=1)
    named = dict(zip(scoring.FEATURES, f, strict=True))
    assert named["has_corpus"] == 0 and named["corpus_cos"] == 0
    assert named["has_gloss"] == 1 and named["gloss_cos"] == pytest.approx(0.4)
    assert named["first_sense"] == 1 and named["inv_rank"] == 1


def test_fit_weights_learns_the_informative_feature():
    rng = np.random.default_rng(0)
    features, golds = [], []
    for _ in range(300):
        n = rng.integers(2, 6)
        x = rng.normal(size=(n, len(scoring.FEATURES))) * 0.1
        gold = np.zeros(n, bool)
        gold[rng.integers(n)] = True
        x[gold, scoring.FEATURES.index("gloss_cos")] += 1.0  # the gold sense's gloss fits
        x[:, scoring.FEATURES.index("inv_rank")] = rng.random(n)  # noise
        features.append(x)
        golds.append(gold)
    weights = scoring.fit_weights(features, golds)
    assert weights[scoring.FEATURES.index("gloss_cos")] > 5 * abs(
        weights[scoring.FEATURES.index("inv_rank")])
    right = sum(bool(g[np.argmax(x @ weights)]) for x, g in zip(features, golds, strict=True))
    assert right >= 295
    masked = scoring.fit_weights(features, golds,
                                 mask=np.array([n != "gloss_cos" for n in scoring.FEATURES]))
    assert masked[scoring.FEATURES.index("gloss_cos")] == 0


def test_decided_by_names_the_largest_gap():
    weights = scoring.weights_from({"gloss_cos": 2.0, "log_wordnet_count": 1.0})
    winner = scoring.candidate_features(corpus_cos=None, support=0, vote=0, gloss_cos=0.9,
                                        example_cos=None, wordnet_count=1, sense_number=2)
    second = scoring.candidate_features(corpus_cos=None, support=0, vote=0, gloss_cos=0.2,
                                        example_cos=None, wordnet_count=2, sense_number=1)
    assert scoring.decided_by(np.stack([winner, second]), weights) == "gloss"


def test_weights_file_names_the_scoring_features():
    text = resources.files("sensedb").joinpath(scoring.WEIGHTS_FILE).read_text()
    data = json.loads(text)
    assert data["features"] == list(scoring.FEATURES)
    for family in data["weights"].values():
        assert set(family) <= set(scoring.FEATURES)
    provenance = data["provenance"]
    assert provenance["command"].startswith("python scripts/tune_weights.py")
    assert provenance["date"] and provenance["data"]["corpus"]
    assert scoring.DEFAULT_WEIGHTS == data["weights"]
    # the numbers scripts/tune_weights.py chose (BENCHMARKS.md): unchanged by the move
    assert scoring.DEFAULT_WEIGHTS == {
        "corpus": {"corpus_cos": 4.6691, "gloss_cos": 3.5018, "example_cos": 1.1673,
                   "vote": 0.4669, "log_support": 0.4669},
        "wordnet_only": {"gloss_cos": 5.7205, "example_cos": 1.4301,
                         "context_gloss_cos": 2.8603, "log_wordnet_count": 0.5721,
                         "inv_rank": 0.5721}}


def test_weights_for_takes_the_method_enum():
    weighted = scoring.weights_for(None, corpus=True, method=ScoringMethod.WEIGHTED)
    assert weighted[scoring.FEATURES.index("corpus_cos")] == 4.6691
    assert np.array_equal(scoring.weights_for(None, corpus=True, method="evidence"), weighted)
    wordnet_only = scoring.weights_for(None, corpus=False)
    assert wordnet_only[scoring.FEATURES.index("corpus_cos")] == 0
    cosine = scoring.weights_for(None, corpus=True, method=ScoringMethod.COSINE)
    assert np.array_equal(cosine, scoring.weights_from(scoring.COSINE_WEIGHTS))
    with pytest.raises(ConfigurationError, match="scoring method"):
        scoring.weights_for(None, corpus=True, method="magic")


def test_tune_weights_writes_the_file_scoring_reads():
    import datetime
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "tune_weights.py"
    spec = importlib.util.spec_from_file_location("tune_weights", path)
    tune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tune)
    results = {
        "corpus": {"pos_logp": 0.1, "weights": {"corpus_cos": 4.669, "pos_logp": 0.4669},
                   "novelty": 0.31},
        "wordnet_only": {"formula": {"gloss_cos": 1.0, "inv_rank": 0.1},
                         "weights": {"gloss_cos": 5.72, "inv_rank": 0.572}, "novelty": 0.2},
    }
    data = tune.weights_file(results, ["tune", "--cache", "runs/c"],
                             datetime.date(2026, 11, 22))
    assert data["features"] == list(scoring.FEATURES)
    assert data["weights"] == {k: v["weights"] for k, v in results.items()}
    assert data["novelty"]["corpus"] == 0.31 and data["novelty"]["wordnet_only"] == 0.2
    assert data["provenance"]["command"] == "python scripts/tune_weights.py tune --cache runs/c"
    assert data["provenance"]["date"] == "2026-11-22"
    assert data["provenance"]["formulas"]["wordnet_only"] == {"gloss_cos": 1.0, "inv_rank": 0.1}
    shipped = json.loads(resources.files("sensedb").joinpath(scoring.WEIGHTS_FILE).read_text())
    assert set(data) == set(shipped) and set(data["provenance"]) == set(shipped["provenance"])


def test_a_manifest_without_the_formula_is_an_index_format_error():
    from sensedb import IndexFormatError

    with pytest.raises(IndexFormatError, match="idx: .*'wordnet_only'"):
        scoring.weights_for({"corpus": {"corpus_cos": 1.0}}, corpus=False, where="idx")
