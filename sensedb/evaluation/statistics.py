"""Rank statistics for graded evaluation: ranks with ties averaged, Pearson's r, Spearman's rho.

Plain numpy (scipy is only a development dependency); ``tests/test_evaluation_statistics.py``
checks them against ``scipy.stats`` where scipy is installed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["pearson", "ranks", "spearman"]


def ranks(x: np.ndarray) -> np.ndarray:
    """Ranks from 1 of the values of ``x`` (``(n,)``), ties averaged: float64 ``(n,)``
    (``scipy.stats.rankdata(x, "average")``)."""
    order = np.argsort(x, kind="stable")
    out = np.empty(len(x))
    sorted_x = x[order]
    start = 0
    while start < len(x):
        end = start
        while end + 1 < len(x) and sorted_x[end + 1] == sorted_x[start]:
            end += 1
        out[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return out


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's correlation coefficient r of two equally long sequences, in [-1, 1]; NaN
    with fewer than two values or a constant sequence."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho: Pearson's r of the ranks (ties averaged), in [-1, 1]; NaN as
    :func:`pearson`."""
    return pearson(ranks(np.asarray(x, float)), ranks(np.asarray(y, float)))
