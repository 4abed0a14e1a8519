"""sensedb.evaluation.wic: WiC accuracy, with stored or fitted thresholds."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, shared

from sensedb import SenseIndex, evaluate_wic, read_wic

WIC_DATA = FIXTURES / "corpora" / "good.data.txt"
WIC_GOLD = FIXTURES / "corpora" / "good.gold.txt"


@pytest.fixture(scope="module")
def index(mini_index, encoder, wordnet):
    # corpus evidence only: the session's mini index must stay as built
    return SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)


def test_evaluate_wic_is_consistent_with_predictions(index):
    pairs = read_wic(WIC_DATA, WIC_GOLD)
    result = evaluate_wic(index, WIC_DATA, WIC_GOLD, method="sense", threshold=0.3,
                          with_predictions=True)
    assert 0.0 <= result["accuracy"] <= 100.0 and result["n"] == len(pairs) == 2
    hits = sum(p == pair.label for p, pair in zip(result["predictions"], pairs, strict=True))
    assert result["accuracy"] == pytest.approx(100.0 * hits / len(pairs))
    assert result["predictions"] == [s >= 0.3 for s in result["scores"]]
    fitted = evaluate_wic(index, WIC_DATA, WIC_GOLD, method="raw",
                          train=(WIC_DATA, WIC_GOLD))
    # fitted on the very pairs it is scored on: at least the majority class
    assert fitted["accuracy"] >= 50.0
    assert fitted["threshold"] == pytest.approx(fitted["params"]["thresholds"]["raw"], abs=1e-6)
    assert set(fitted["params"]["thresholds"]) >= {"raw", "sense", "combined"}


def test_unknown_method_and_missing_labels_are_sensedb_errors(index):
    from sensedb.errors import ConfigurationError, InputError

    with pytest.raises(ConfigurationError):
        evaluate_wic(index, WIC_DATA, WIC_GOLD, method="cosine")
    with pytest.raises(InputError):
        evaluate_wic(index, read_wic(WIC_DATA), method="raw", threshold=0.5)


@pytest.mark.parametrize(("method", "threshold"), [
    ("combined", 5.0), ("sense", -0.1), ("combined", float("nan")), ("raw", 1.5),
    ("raw", "0.5")])
def test_a_threshold_outside_the_methods_scores_is_refused(index, method, threshold):
    """--threshold 5 called every pair "different" and reported that as an accuracy."""
    from sensedb.errors import InputError

    with pytest.raises(InputError, match="threshold must be a"):
        evaluate_wic(index, WIC_DATA, WIC_GOLD, method=method, threshold=threshold)


def test_a_raw_threshold_may_be_a_negative_cosine(index):
    result = evaluate_wic(index, WIC_DATA, WIC_GOLD, method="raw", threshold=-0.5)
    assert result["threshold"] == -0.5 and result["accuracy"] == pytest.approx(
        100.0 * sum(read_wic(WIC_DATA, WIC_GOLD)[n].label for n in range(result["n"]))
        / result["n"], abs=0.01)


@pytest.mark.slow
def test_wic_dev_reads_and_scores(index):
    data = shared("wic/dev/dev.data.txt")
    gold = shared("wic/dev/dev.gold.txt")
    pairs = read_wic(data, gold)[:20]
    result = evaluate_wic(index, pairs, method="raw", threshold=0.8)
    assert result["n"] == 20 and 0 <= result["accuracy"] <= 100
