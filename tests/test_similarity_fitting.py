"""sensedb.similarity.fitting: thresholds, the logistic regression, the mixture grid."""

from __future__ import annotations

import numpy as np

from sensedb.similarity import fitting


def test_best_threshold():
    threshold, accuracy = fitting.best_threshold(np.array([0.1, 0.4, 0.35, 0.8]),
                                                 np.array([False, True, False, True]))
    assert 0.35 < threshold <= 0.4 and accuracy == 100.0


def test_fit_logistic_separates_and_keeps_constant_features():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=200), np.ones(200)])
    y = x[:, 0] > 0
    model = fitting.fit_logistic(x, y, ["signal", "constant"])
    assert model["features"] == ["signal", "constant"] and model["scale"][1] == 1.0
    assert model["coef"][0] > 1.0


def test_mixture_grid_keeps_every_component():
    assert len(fitting.MIXTURE_GRID) == 25  # 27 triples in 1..3 but (2,2,2), (3,3,3)
    assert all(min(mix.values()) >= 1.0 for mix in fitting.MIXTURE_GRID)


def test_fitted_parameters_say_what_they_were_fitted_on(mini_index, encoder, wordnet):
    """``evaluate-wic --train ... --save`` wrote the built-in parameters' provenance ("WiC
    train (5428 pairs), runs/semcor-index ...") over numbers fitted on the user's pairs."""
    from conftest import FIXTURES

    from sensedb import SenseIndex, evaluate_wic
    from sensedb.similarity.params import BUILTIN_PARAMS

    data, gold = FIXTURES / "corpora" / "good.data.txt", FIXTURES / "corpora" / "good.gold.txt"
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    fitted = evaluate_wic(index, data, gold, method="raw", train=(data, gold))["params"]
    assert fitted["fitted_on"] == (f"{data} (2 pairs), index {mini_index} "
                                   "(sentence-transformers/all-MiniLM-L6-v2, layers last), "
                                   "WordNet examples left out")
    assert BUILTIN_PARAMS["fitted_on"].startswith("WiC train (5428 pairs)")
    again = fitting.fit_params(index, data, gold)
    assert again.fitted_on.endswith("WordNet examples as evidence")
