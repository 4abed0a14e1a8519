"""Reader of PAIRS.tsv: pairs of usages of words in context, optionally with a gold score.

One pair per line, tab-separated::

    sentence_a <tab> target_a <tab> sentence_b <tab> target_b [<tab> gold]

``scripts/make_graded_set.py`` writes such files; ``sensedb similarity-batch`` and
``sensedb evaluate-graded`` read them.
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Iterator
from typing import NamedTuple

from ..errors import InputError, shown_path

__all__ = ["PairRow", "UsageSpec", "parse_target", "read_pairs", "read_pairs_tsv"]

_POSITION = re.compile(r"[0-9]+")  # a token position after "@": ASCII digits only ("²" is not)


class UsageSpec(NamedTuple):
    """One usage as a PAIRS.tsv row gives it: the raw ``sentence``, the ``target`` word as
    written and, with ``word@N``, its 0-based token position ``at`` in
    ``sensedb.tokenize(sentence)`` (None: the target's first occurrence).

    A tuple ``(sentence, target, at)``: ``sensedb.similarity_batch`` takes it as a usage
    (``UsageQuery.of``). Read with ``tokenized=True``, ``sentence`` is the tuple of the row's
    space-separated tokens and ``at`` indexes them."""

    sentence: str | tuple[str, ...]
    target: str
    at: int | None = None


class PairRow(NamedTuple):
    """One pair of a PAIRS.tsv with where it came from: the file ``path``, its 1-based
    ``line``, the two usages and the ``gold`` score (None when not read)."""

    path: str
    line: int
    a: UsageSpec
    b: UsageSpec
    gold: float | None = None

    @property
    def where(self) -> str:
        """``path:line``, as error messages name a row."""
        return f"{self.path}:{self.line}"


#: The white space stripped around a target: not ``str.strip``'s, which takes the
#: information separators U+001C-U+001F too and so answered a target the input policy
#: refuses (``bank\x1f``; a breaker's).
_SPACES = " \t\r\n\x0b\x0c"


def parse_target(spec: str) -> tuple[str, int | None]:
    """``"word"`` -> ``("word", None)``; ``"word@N"`` -> ``("word", N)`` (N a 0-based token
    position). Anything else after an ``@`` (``"a@b"``, ``"@3"``) is part of the word."""
    word, sep, number = spec.rpartition("@")
    if sep and word and _POSITION.fullmatch(number.strip()):
        return word, int(number)
    return spec, None


def read_pairs_tsv(path: str | os.PathLike, *, gold: bool = False, tokenized: bool = False
                   ) -> tuple[list[tuple[UsageSpec, UsageSpec]], list[float]]:
    """:func:`read_pairs` as ``(pairs, golds)``: one ``(UsageSpec, UsageSpec)`` per row, and
    the gold scores in the same order (empty without ``gold``). Same errors."""
    rows = read_pairs(path, gold=gold, tokenized=tokenized)
    return [(r.a, r.b) for r in rows], [r.gold for r in rows] if gold else []


def read_pairs(path: str | os.PathLike, *, gold: bool = False, tokenized: bool = False
               ) -> list[PairRow]:
    """Read ``sentence_a <tab> target_a <tab> sentence_b <tab> target_b [<tab> gold]``.

    Sentences are raw text (split by :func:`sensedb.tokenize` when encoded); a target is the
    word as written (its first occurrence) or ``word@N`` with N its 0-based token position.
    Blank lines and lines starting with ``#`` are skipped, and so is a header: a first row
    whose second column is ``target_a``, or whose fifth column is not a number and which
    reads as column names (:func:`_names_row`: ``sentence1 word1 sentence2 word2 score``); a
    first row of data with a typo in its score is an error like any other row's. With
    ``gold=True`` the fifth column (a number, e.g. a graded similarity) is required;
    otherwise it is ignored. ``tokenized=True``: the sentences are given tokenized, tokens
    separated by single spaces (the usual form of graded data sets), and ``word@N`` is token N
    of that list (sensedb does not tokenize them again).

    Returns:
        one :class:`PairRow` per pair, in file order, each naming its file and line.

    Raises:
        InputError: the file cannot be read, is a directory or is not UTF-8; a row with the
            wrong number of columns or a gold score that is not a finite number (naming file
            and line); no pairs in the file. A row whose target is not in its sentence is
            read: the similarity functions answer it with an error of its own.
    """
    name = str(path)
    shown = shown_path(name)
    pairs: list[PairRow] = []
    first = True
    for line, row in _rows(name):
        if not row or (len(row) == 1 and not row[0].strip()) or \
                row[0].lstrip().startswith("#"):
            continue  # a blank line; one of tabs only is a row of empty columns, whose pair
            #           fails on its own (it was skipped: "no pairs in the file")
        if first:
            first = False
            if (len(row) > 1 and row[1].strip().lower() == "target_a") or (
                    len(row) == 5 and not _is_number(row[4]) and _names_row(row)):
                continue  # a header
        if len(row) < (5 if gold else 4) or len(row) > 5:
            raise InputError(f"expected sentence_a, target_a, sentence_b, target_b"
                             f"{', gold' if gold else ''} (tab-separated), found {len(row)} "
                             "columns", path=shown, line=line)
        score = None
        if gold:
            if not _is_number(row[4]):
                raise InputError(f"gold score must be a number, not {row[4]!r}", path=shown,
                                 line=line)
            score = float(row[4])
        pairs.append(PairRow(shown, line, UsageSpec(_sentence(row[0], tokenized, shown, line),
                                                   *parse_target(row[1].strip(_SPACES))),
                             UsageSpec(_sentence(row[2], tokenized, shown, line),
                                       *parse_target(row[3].strip(_SPACES))), score))
    if not pairs:
        raise InputError("no pairs in the file", path=shown)
    return pairs


def _sentence(text: str, tokenized: bool, name: str, line: int) -> str | tuple[str, ...]:
    """A row's sentence: the raw text, or with ``tokenized`` its single-space-separated tokens.

    Raises:
        InputError: a tokenized sentence with an empty token (two spaces in a row, or an
            outer space), naming file and line."""
    if not tokenized:
        return text
    tokens = tuple(text.split(" "))
    if not all(tokens):
        raise InputError("a tokenized sentence has an empty token (two spaces in a row or an "
                         "outer space)", path=name, line=line)
    return tokens


def _rows(name: str) -> Iterator[tuple[int, list[str]]]:
    """(1-based line, columns) of every row of the tab-separated file ``name`` (``"-"``:
    standard input; UTF-8, a byte order mark dropped).

    Raises:
        InputError: the file cannot be read or is a folder; a line that is not UTF-8 or has a
            field longer than the csv module's limit (128 KiB) (names the line)."""
    import contextlib
    import sys

    try:
        with (contextlib.nullcontext(sys.stdin.buffer) if name == "-"
              else open(name, "rb")) as handle:
            reader = csv.reader(_decoded(handle, shown_path(name)),
                                delimiter="\t", quoting=csv.QUOTE_NONE)
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise InputError(f"unreadable row: {exc}", path=shown_path(name),
                                     line=reader.line_num) from None
                yield reader.line_num, row
    except IsADirectoryError:
        raise InputError("is a directory, not a PAIRS.tsv file", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot read pairs: {exc.strerror or exc}",
                         path=shown_path(name)) from None


def _decoded(handle, name: str) -> Iterator[str]:
    """The lines of a binary file as text, each decoded on its own so that an error names its
    line (a decoding text stream reads ahead by blocks)."""
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8: {exc.reason} at byte {exc.start} of the line",
                             path=name, line=number) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def _names_row(row: list[str]) -> bool:
    """Whether a row reads as column names, not a pair: every field one non-empty word of
    at most 40 characters without white space (a sentence of data has several words), and
    neither target equal to its sentence (the one-word sentences of ``bank bank shore
    shore``)."""
    names = [field.strip() for field in row]
    if not all(0 < len(name) <= 40 and not any(c.isspace() for c in name) for name in names):
        return False
    return names[1].lower() != names[0].lower() and names[3].lower() != names[2].lower()


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
