"""Tests of sensedb.corpora.wic: the WiC reader."""

from __future__ import annotations

import pytest
from corpora_support import FIX, raises_at, shared

from sensedb.corpora import read_wic


def test_wic_good() -> None:
    pairs = read_wic(FIX / "good.data.txt", FIX / "good.gold.txt")
    assert len(pairs) == 2
    p = pairs[1]
    assert (p.lemma, p.pos, p.index1, p.index2, p.label, p.line) == ("go", "VERB", 0, 1, True, 2)
    assert p.tokens2 == ["She", "went", "away", "."]
    assert pairs[0].pos == "NOUN" and pairs[0].label is False
    assert all(p.label is None for p in read_wic(FIX / "good.data.txt"))


@pytest.mark.parametrize(("data", "gold", "file", "line", "text"), [
    ("bad_columns.data.txt", None, "bad_columns.data.txt", 2, "columns"),
    ("bad_indices.data.txt", None, "bad_indices.data.txt", 2, "i1-i2"),
    ("bad_range.data.txt", None, "bad_range.data.txt", 2, "out of range"),
    ("good.data.txt", "bad_count.gold.txt", "bad_count.gold.txt", 2, "1 labels"),
    ("good.data.txt", "bad_label.gold.txt", "bad_label.gold.txt", 2, "T or F"),
])
def test_wic_errors(data: str, gold: str | None, file: str, line: int, text: str) -> None:
    raises_at(lambda: read_wic(FIX / data, None if gold is None else FIX / gold),
              file, line, None, text)




@pytest.mark.slow
def test_wic_dev() -> None:
    pairs = read_wic(shared("wic/dev/dev.data.txt"), shared("wic/dev/dev.gold.txt"))
    assert len(pairs) == 638
    assert sum(p.label is True for p in pairs) == 319
    assert sum(p.pos == "NOUN" for p in pairs) == 395
