"""sensedb.evaluation.statistics: ranks, Pearson, Spearman."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sensedb.evaluation import statistics


def test_spearman_with_ties():
    assert statistics.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert statistics.spearman([1, 2, 2, 3], [3, 2, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(statistics.pearson([1, 1, 1], [1, 2, 3]))


def test_match_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(1)
    x = rng.integers(0, 8, 50).astype(float)  # many ties
    y = x + rng.normal(size=50)
    assert statistics.ranks(x).tolist() == stats.rankdata(x, "average").tolist()
    assert statistics.spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    assert statistics.pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
