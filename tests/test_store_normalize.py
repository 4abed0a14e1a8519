"""Normalization (sensedb.store.normalize): corpus statistics, z-score, L2."""

from __future__ import annotations

import numpy as np

from sensedb.store import Normalizer, RunningStats, l2_normalize


def test_standardization_zeroes_dead_dimensions():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(200, 8)) * 3 + 5
    data[:, 2] = 7.0  # no variance at all
    stats = RunningStats.empty(8)
    stats.update(data[:100])
    other = RunningStats.empty(8)
    other.update(data[100:])
    merged = stats.merged(other)
    np.testing.assert_allclose(merged.mean, data.mean(0), atol=1e-9)
    np.testing.assert_allclose(merged.std, data.std(0), atol=1e-6)
    normalize = Normalizer(RunningStats.from_json(merged.to_json()), standardize=True)
    out = normalize(data)
    assert np.isfinite(out).all()
    assert normalize.dead_dimensions == [2]
    np.testing.assert_allclose(out[:, 2], 0.0)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    # standardized vectors are centred: random pairs are near-orthogonal on average
    assert abs(float((out[:100] * out[100:]).sum(1).mean())) < 0.1


def test_running_stats_match_a_float64_reference():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(10_000, 8)).astype(np.float32)
    stats = RunningStats.empty(8)
    stats.update(x[:3000])
    stats.update(x[3000:])
    reference = x.astype(np.float64)
    assert stats.n == 10_000
    np.testing.assert_allclose(stats.mean, reference.mean(0), rtol=1e-5)
    np.testing.assert_allclose(stats.std, reference.std(0), rtol=1e-4)




def test_l2_normalize_is_the_plain_normalizer():
    rng = np.random.default_rng(2)
    rows = rng.normal(size=(50, 16))
    rows[3] = 0.0  # a zero row stays zero
    plain = Normalizer(None, False)
    for x in (rows, rows.astype(np.float32), rows[:, ::2], rows[7]):
        out = l2_normalize(x)
        assert out.dtype == np.float32 and out.shape == x.shape and out.flags.c_contiguous
        np.testing.assert_array_equal(out, plain(x))
    np.testing.assert_array_equal(l2_normalize(rows)[3], 0.0)
    before = rows.copy()
    l2_normalize(rows)
    np.testing.assert_array_equal(rows, before)  # a copy, never in place
