"""sensedb.evaluation.graded: correlation with graded gold scores."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from sensedb import SenseIndex, evaluate_graded, similarity_batch
from sensedb.corpora.pairs import read_pairs_tsv

GRADED = FIXTURES / "graded.tsv"


@pytest.fixture(scope="module")
def index(mini_index, encoder, wordnet):
    # corpus evidence only: the session's mini index must stay as built
    return SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)


def test_graded_spearman_matches_scipy(index):
    stats = pytest.importorskip("scipy.stats")
    pairs, gold = read_pairs_tsv(GRADED, gold=True)
    assert len(pairs) == len(gold) == 7 and pairs[5][0].at == 5  # header, comment skipped
    result = evaluate_graded(index, GRADED, "sense")
    scores = [r.score for r in similarity_batch(index, pairs, "sense")]
    assert result["n"] == 7
    assert result["spearman"] == pytest.approx(stats.spearmanr(scores, gold)[0], abs=1e-3)
    assert result["pearson"] == pytest.approx(stats.pearsonr(scores, gold)[0], abs=1e-3)


def test_unanswerable_pairs_are_skipped_and_counted(index, tmp_path):
    rows = GRADED.read_text(encoding="utf-8")
    bad = tmp_path / "graded.tsv"
    bad.write_text(rows + "The zorbluxes sang .\tzorbluxes\tThe bank .\tbank\t0.3\n"
                   "A bank .\tbench\tThe bank .\tbank\t0.2\n", encoding="utf-8")
    lines = len(rows.splitlines())
    result = evaluate_graded(index, bad, "sense")
    good = evaluate_graded(index, GRADED, "sense")
    assert result["n"] == 7 and result["skipped"] == 2
    assert result["spearman"] == good["spearman"] and result["pearson"] == good["pearson"]
    assert result["errors"][0].startswith(f"{bad}:{lines + 1}: usage a:") \
        and "zorbluxes" in result["errors"][0]
    assert result["errors"][1].startswith(f"{bad}:{lines + 2}: usage a: target \"bench\"")
    raw = evaluate_graded(index, bad, "raw")  # raw needs no WordNet: only "bench" is skipped
    assert raw["n"] == 8 and raw["skipped"] == 1


def test_no_correlation_is_a_one_line_error_not_nan(index, tmp_path):
    """Gold scores all equal gave Spearman NaN, printed by --json as NaN (not JSON); one
    pair said "only 1 of 1 pairs could be answered"."""
    from sensedb.errors import InputError

    same = tmp_path / "same.tsv"
    same.write_text("He sat on the bank .\tbank\tThe bank raised rates .\tbank\t1\n"
                    "He ran home .\tran\tShe ran away .\tran\t1\n"
                    "The river bank .\tbank\tA muddy bank .\tbank\t1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"same.tsv: every answered pair has the gold score "
                                         r"1: a correlation needs gold scores that differ"):
        evaluate_graded(index, same, "raw")
    one = tmp_path / "one.tsv"
    one.write_text("He ran home .\tran\tShe ran away .\tran\t1\n", encoding="utf-8")
    with pytest.raises(InputError, match="a correlation needs at least 2 pairs; the file has 1"):
        evaluate_graded(index, one, "raw")
    twins = tmp_path / "twins.tsv"  # each usage compared with itself: every cosine alike
    twins.write_text("He ran home .\tran\tHe ran home .\tran\t1\n"
                     "He sat down .\tsat\tHe sat down .\tsat\t2\n", encoding="utf-8")
    with pytest.raises(InputError, match="gave every answered pair the same score"):
        evaluate_graded(index, twins, "raw")
