"""Strategies and entry points for fuzzing sensedb's public input paths (used by
tests/test_fuzz_inputs.py with a small fixed budget, and by scripts/fuzz_inputs.py for longer).

Every entry point takes one drawn input and either answers or raises a :class:`sensedb.Error`;
anything else is a bug. :func:`outcome` sorts a call into ``answer``, ``typed`` or ``other``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import sensedb

# text: printable words (some of them known), whitespace, controls, surrogates, odd scripts
WORDS = ["bank", "river", "the", "sat", "took place", "bank@2", "bank@²", "@", "%", "\t",
         "\n", "\r\n", "\x00", "\x1b[31m", "\udce9", "\ufeff", "\u200b", "\u2028", "é", "東京",
         "n't", "'s", "--", "…", " ", "ba\u200bnk", "\x7f", "\x9b", "\ufb01", "\uff42ank",
         "\u00ad", "\u202e", "e\u0301", "\x0c", "\x85"]
text = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.builds(lambda w, n: " ".join([w] * n), st.sampled_from(WORDS), st.integers(0, 600)),
)
target = st.one_of(st.sampled_from(WORDS), st.text(max_size=20))
file_bytes = st.one_of(
    st.binary(max_size=400),
    text.map(lambda t: t.encode("utf-8", "surrogateescape")),
    st.lists(st.sampled_from([b"<corpus>", b"<text id='d'>", b"<sentence id='s'>",
                              b"<instance id='i' lemma='bank' pos='NOUN'>bank</instance>",
                              b"<wf>x</wf>", b"</sentence>", b"</text>", b"</corpus>",
                              b'{"tokens": ["a", "bank"], "senses": [{"at": 1, "key": '
                              b'"bank%1:17:01::"}]}', b"\n", b"\t", b"i bank%1:17:01::",
                              b"bank\tN\t0-1\ta bank\tthe bank", b"\xef\xbb\xbf", b"\xe9",
                              b"T", b"F", b"0.5"]), max_size=30).map(b"".join),
)

COMMANDS = ["wsd", "neighbors", "tag", "similarity", "similarity-batch", "evaluate", "info",
            "evaluate-graded", "verify"]
OPTIONS = ["--at", "--pos", "-k", "--json", "--min-confidence", "--file", "--encoding",
           "--method", "--scoring", "--any-lemma", "--one-sense-per-discourse", "--help", "-",
           "--jsonl", "--tokenized", "--raw", "--deep", "raw", "sense", ""]


def cli_args(path_of: Callable[[bytes], str]) -> st.SearchStrategy[list[str]]:
    """Argument lists: a command, then words, options, numbers and files of random bytes."""
    argument = st.one_of(text, target, st.sampled_from(OPTIONS),
                         st.integers(-3, 99).map(str), st.sampled_from(["NOUN", "x", "nan"]),
                         file_bytes.map(path_of))
    return st.tuples(st.sampled_from(COMMANDS), st.lists(argument, max_size=6)).map(
        lambda t: [t[0], *t[1]])


def outcome(call: Callable[[], Any]) -> str:
    """``answer`` (returned), ``typed`` (raised a sensedb.Error, or answered a batch whose
    fuzzed item carries one) or ``other: Type: message`` (anything else: a bug, including a
    sensedb.Error message that is not one line of bounded length)."""
    from sensedb.errors import MAX_MESSAGE

    try:
        answer = call()
    except sensedb.Error as exc:
        message = str(exc)
        if "\n" in message or len(message) > MAX_MESSAGE:
            return f"other: unbounded message: {message[:200]!r}"
        return "typed"
    except Exception as exc:  # noqa: BLE001 - what the fuzzing looks for
        return f"other: {type(exc).__name__}: {str(exc)[:200]}"
    if isinstance(answer, list) and any(getattr(r, "error", None) is not None for r in answer):
        return "typed"
    return "answer"


class Files:
    """Writes drawn bytes to files in one temporary directory (named by ``suffix``)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sensedb-fuzz-"))
        self.n = 0

    def __call__(self, data: bytes, suffix: str = ".txt") -> str:
        self.n += 1
        path = self.root / f"f{self.n}{suffix}"
        path.write_bytes(data)
        return str(path)


def reader_calls(files: Files) -> dict[str, Callable[[bytes, bytes], Callable[[], Any]]]:
    """Each reader as (data bytes, second file bytes) -> a call that reads everything."""
    from sensedb.corpora.pairs import read_pairs_tsv

    return {
        "read_raganato": lambda a, b: lambda: list(sensedb.read_raganato(
            files(a, ".data.xml"), files(b, ".gold.key.txt"))),
        "read_jsonl": lambda a, b: lambda: list(sensedb.read_jsonl(files(a, ".jsonl"))),
        "read_wic": lambda a, b: lambda: sensedb.read_wic(files(a, ".data.txt"),
                                                         files(b, ".gold.txt")),
        "read_pairs_tsv": lambda a, b: lambda: read_pairs_tsv(files(a, ".tsv"), gold=bool(b)),
        "read_pairs": lambda a, b: lambda: pairs_with_lines(files(a, ".tsv"), bool(b)),
    }


def query_calls(index: sensedb.SenseIndex) -> dict[str, Callable[..., Callable[[], Any]]]:
    """Each query entry point as (sentence, target, other sentence, other target, at) ->
    a call."""
    return {
        "wsd": lambda s, t, s2, t2, at: lambda: index.wsd(s, t, at=at),
        "neighbors": lambda s, t, s2, t2, at: lambda: index.neighbors(s, t, at=at),
        "cosine": lambda s, t, s2, t2, at: lambda: index.cosine(s, t, s2, t2, at_a=at),
        "tag": lambda s, t, s2, t2, at: lambda: sensedb.tag(index, s),
        "similarity_batch": lambda s, t, s2, t2, at: lambda: sensedb.similarity_batch(
            index, [((s, t, at), (s2, t2, None))]),
        "similarity_batch_among_good": lambda s, t, s2, t2, at: lambda: batch_among_good(
            index, (s, t, at), (s2, t2, None)),
    }


#: Two usages every index built from the test corpus answers.
GOOD_PAIR = (("He sat on the bank of the river", "bank"), ("The bank raised its rates", "bank"))


def batch_among_good(index: sensedb.SenseIndex, a: Any, b: Any) -> list:
    """A batch of the fuzzed pair between two good ones (method ``raw``, and ``sense``): the
    good ones must answer whatever the fuzzed one is, and the fuzzed one answers or carries
    a sensedb.Error (else AssertionError, which :func:`outcome` counts as "other")."""
    out = []
    for method in ("raw", "sense"):
        results = sensedb.similarity_batch(index, [GOOD_PAIR, (a, b), GOOD_PAIR], method)
        assert len(results) == 3 and results[0].error is None and results[2].error is None, \
            [r.error for r in results]
        assert results[0].score == results[2].score
        middle = results[1]
        assert (middle.error is None) == (middle.score is not None), middle
        assert middle.error is None or isinstance(middle.error, sensedb.Error), middle.error
        out.extend(results)
    return out


def pairs_with_lines(path: str, gold: bool) -> list:
    """``read_pairs`` of ``path``, checking that every row names the file and a line (rows in
    file order) and that every error names the file (AssertionError otherwise)."""
    from sensedb.corpora.pairs import read_pairs

    try:
        rows = read_pairs(path, gold=gold)
    except sensedb.InputError as exc:
        assert str(exc).startswith(path), str(exc)
        raise
    lines = [r.line for r in rows]
    assert lines == sorted(set(lines)) and all(r.where == f"{path}:{r.line}" for r in rows)
    return rows
