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
