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


def test_wic_blank_tokens_are_dropped_and_the_index_follows(tmp_path) -> None:
    # WiC train line 5111: "... hard time . \xa0\xa0 He is ... doing time ." (a token of two
    # no-break spaces, which the analysis refuses as an empty word)
    data = tmp_path / "nbsp.data.txt"
    data.write_text("time\tN\t2-9\tno hard time .\tThe judge gave time . \xa0\xa0 He "
                    "is doing time .\n", encoding="utf-8")
    (pair,) = read_wic(data)
    assert pair.tokens2 == ["The", "judge", "gave", "time", ".", "He", "is", "doing", "time",
                            "."]
    assert (pair.index1, pair.index2) == (2, 8)
    assert pair.tokens2[pair.index2] == "time"
    blank_target = tmp_path / "blank.data.txt"
    blank_target.write_text("time\tN\t1-0\tno \xa0 time\ttime\n", encoding="utf-8")
    raises_at(lambda: read_wic(blank_target), "blank.data.txt", 1, "time", "is empty")


@pytest.mark.slow
def test_wic_dev() -> None:
    pairs = read_wic(shared("wic/dev/dev.data.txt"), shared("wic/dev/dev.gold.txt"))
    assert len(pairs) == 638
    assert sum(p.label is True for p in pairs) == 319
    assert sum(p.pos == "NOUN" for p in pairs) == 395


@pytest.mark.slow
def test_wic_train_has_no_blank_token_and_every_target_is_the_word_the_file_points_at() -> None:
    path = shared("wic/train/train.data.txt")
    pairs = read_wic(path, shared("wic/train/train.gold.txt"))
    assert len(pairs) == 5428
    assert all(w.strip() for p in pairs for w in (*p.tokens1, *p.tokens2))
    lines = path.read_text(encoding="utf-8").splitlines()
    for pair in pairs:
        _, _, at, s1, s2 = lines[pair.line - 1].split("\t")
        i1, i2 = map(int, at.split("-"))
        assert pair.tokens1[pair.index1] == s1.split(" ")[i1]
        assert pair.tokens2[pair.index2] == s2.split(" ")[i2]
    assert sum(len(p.tokens1) + len(p.tokens2) for p in pairs) == sum(
        len(ln.split("\t")[3].split(" ")) + len(ln.split("\t")[4].split(" "))
        for ln in lines) - 1  # the one token of two no-break spaces (line 5111)
