"""sensedb.corpora.pairs: the PAIRS.tsv reader."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from sensedb.corpora.pairs import UsageSpec, parse_target, read_pairs_tsv
from sensedb.errors import InputError
from sensedb.retriever.target import locate
from sensedb.similarity.usages import UsageQuery

GRADED = FIXTURES / "graded.tsv"


def test_reads_graded_fixture():
    pairs, gold = read_pairs_tsv(GRADED, gold=True)
    assert len(pairs) == len(gold) == 7 and pairs[5][0].at == 5  # header, comment skipped
    assert all(isinstance(u, UsageSpec) for pair in pairs for u in pair)
    plain, none = read_pairs_tsv(GRADED)
    assert plain == pairs and none == []


def test_targets():
    assert parse_target("bank") == ("bank", None)
    assert parse_target("bank@3") == ("bank", 3)
    assert parse_target("a@b") == ("a@b", None) and parse_target("@3") == ("@3", None)
    assert UsageQuery.of(UsageSpec("The bank .", "bank", 1)) == UsageQuery("The bank .", "bank", 1)
    assert UsageQuery.parse_target("The bank .", "bank@1") == UsageQuery("The bank .", "bank", 1)


def test_a_targets_separator_character_is_kept_for_the_policy(tmp_path):
    """``str.strip`` took U+001F around a target for white space, so similarity-batch
    answered ``bank\\x1f`` where wsd and similarity refuse it (a breaker's): only ordinary
    white space is stripped, and the target keeps the character for the input policy."""
    path = tmp_path / "p.tsv"
    path.write_text("He sat on the bank\t bank\x1f \tThe bank closed\tbank\n", encoding="utf-8")
    ((a, b),), _ = read_pairs_tsv(path)
    assert (a.target, b.target) == ("bank\x1f", "bank")
    with pytest.raises(InputError, match=r"U\+001F"):
        locate(a.sentence, a.target)


@pytest.mark.parametrize("text, line", [
    ("a b\tb\tc d\n", 1),  # three columns
    ("# comment\na\ta\tb\tb\t1\n\na\ta\tb\tb\t1\t2\n", 4),  # six columns
    ("a\ta\tb\tb\t0.5\na\ta\tb\tb\thigh\n", 2),  # gold not a number
])
def test_malformed_rows_name_file_and_line(tmp_path, text, line):
    path = tmp_path / "pairs.tsv"
    path.write_text(text)
    with pytest.raises(InputError) as error:
        read_pairs_tsv(path, gold=True)
    assert error.value.path == str(path) and error.value.line == line


def test_a_first_row_with_a_bad_score_is_an_error_not_a_header(tmp_path):
    """A first row whose score was not a number was taken for a header and dropped without a
    word: a pair of data with a typo in its score was lost. Only a row of column names is a
    header now; a first row of data names its file, line and value."""
    path = tmp_path / "pairs.tsv"
    data = "He sat on the bank .\tbank\tThe bank lends money .\tbank\t"
    path.write_text(f"# graded\n{data}0,75\n{data}0.25\n{data}1.0\n")
    with pytest.raises(InputError, match="gold score must be a number, not '0,75'") as error:
        read_pairs_tsv(path, gold=True)
    assert (error.value.path, error.value.line) == (str(path), 2)
    assert str(error.value).startswith(f"{path}:2: ")
    # without gold scores the row is a pair like the others (the fifth column is ignored)
    assert len(read_pairs_tsv(path)[0]) == 3
    for header in ("sentence1\tword1\tsentence2\tword2\tscore",
                   "Sentence_A\ttarget_a\tSentence_B\ttarget_b\tGold"):
        path.write_text(f"{header}\n{data}0.25\n")
        assert read_pairs_tsv(path, gold=True)[1] == [0.25]


def test_unreadable_or_empty(tmp_path):
    with pytest.raises(InputError):
        read_pairs_tsv(tmp_path / "missing.tsv")
    (tmp_path / "empty.tsv").write_text("# nothing\n")
    with pytest.raises(InputError):
        read_pairs_tsv(tmp_path / "empty.tsv")
    (tmp_path / "latin.tsv").write_bytes("caf\xe9\tx\ty\tz\n".encode("latin-1"))
    with pytest.raises(InputError):
        read_pairs_tsv(tmp_path / "latin.tsv")


def test_tokenized_pairs_index_the_given_tokens(tmp_path):
    from sensedb import InputError
    from sensedb.corpora.pairs import read_pairs_tsv

    path = tmp_path / "tok.tsv"
    # "-ness" and the quotes would be re-tokenized differently: @N must count the given tokens
    path.write_text('By adding " -ness " , you can form a noun .\tform@8\t'
                    "They form a line .\tform@1\t3.5\n")
    pairs, golds = read_pairs_tsv(path, gold=True, tokenized=True)
    (a, b), = pairs
    assert a.sentence[a.at] == "form" and a.at == 8 and b.sentence[1] == "form"
    assert golds == [3.5]
    raw, _ = read_pairs_tsv(path, gold=True)
    assert raw[0][0].sentence == 'By adding " -ness " , you can form a noun .'
    path.write_text("two  spaces\tspaces\tok .\tok\n")
    with pytest.raises(InputError, match=r"tok.tsv:1: .*empty token"):
        read_pairs_tsv(path, tokenized=True)


def test_rows_carry_file_and_line(tmp_path):
    from sensedb.corpora.pairs import read_pairs

    path = tmp_path / "pairs.tsv"
    path.write_text("# comment\n\nA bank .\tbank\tThe bank .\tbank\t0.5\r\n"
                    "A \tx\t\tbank@2\t1\n")
    rows = read_pairs(path, gold=True)
    assert [r.line for r in rows] == [3, 4] and rows[0].where == f"{path}:3"
    assert rows[0].gold == 0.5 and rows[0].a.sentence == "A bank ."  # CRLF: no "\r" kept
    assert rows[1].b == ("", "bank", 2)  # an empty sentence is the pair's own error, later
    path.write_text("\t\t\t\n")  # tabs only: a row of empty columns, not a blank line
    assert [(r.line, r.a.sentence, r.b.target) for r in read_pairs(path)] == [(1, "", "")]


def test_a_directory_is_named(tmp_path):
    with pytest.raises(InputError, match="is a directory") as error:
        read_pairs_tsv(tmp_path)
    assert error.value.path == str(tmp_path)


def test_a_line_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "pairs.tsv"
    good = "A bank .\tbank\tThe bank .\tbank\n"
    path.write_bytes(("\ufeff" + good * 3000).encode("utf-8") + "caf\xe9\tx\ty\tz\n"
                     .encode("latin-1") + good.encode("utf-8"))
    with pytest.raises(InputError, match=r"pairs\.tsv:3001: not UTF-8: invalid continuation "
                                         r"byte at byte 3 of the line"):
        read_pairs_tsv(path)
    path.write_bytes(("\ufeff" + good).encode("utf-8"))  # a byte order mark: dropped
    assert read_pairs_tsv(path)[0][0][0].sentence == "A bank ."
