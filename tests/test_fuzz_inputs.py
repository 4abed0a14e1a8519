"""Property: every public entry point answers or raises a sensedb.Error for any input:
readers over random bytes, queries over random text and targets, the CLI over random argument
lists (exit status 0, 1 or 2, never an uncaught exception). Fixed seed, small budget;
scripts/fuzz_inputs.py runs the same strategies for longer."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fuzz_support import (
    Files,
    cli_args,
    file_bytes,
    outcome,
    query_calls,
    reader_calls,
    target,
    text,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sensedb
from sensedb.cli import cli


def budget(examples: int) -> settings:
    """A fixed seed, no deadline, no example database, ``examples`` inputs."""
    return settings(derandomize=True, deadline=None, database=None, max_examples=examples,
                    suppress_health_check=list(HealthCheck))


FILES = Files()


@pytest.fixture(scope="module")
def index(mini_index, encoder, wordnet):
    # wordnet_evidence off: the fuzzing must not write to the shared index
    return sensedb.open(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)


@pytest.mark.parametrize("reader", sorted(reader_calls(FILES)))
@budget(40)
@given(data=file_bytes, second=file_bytes)
def test_readers_raise_only_typed_errors(reader, data, second):
    result = outcome(reader_calls(FILES)[reader](data, second))
    assert not result.startswith("other"), result


@budget(40)
@given(entry=st.sampled_from(["wsd", "neighbors", "cosine", "tag", "similarity_batch",
                              "similarity_batch_among_good"]),
       sentence=text, word=target, other=text, other_word=target,
       at=st.one_of(st.none(), st.integers(-2, 50)))
def test_queries_raise_only_typed_errors(index, entry, sentence, word, other, other_word, at):
    result = outcome(query_calls(index)[entry](sentence, word, other, other_word, at))
    assert not result.startswith("other"), result


@budget(30)
@given(args=cli_args(lambda data: FILES(data, ".tsv")))
def test_cli_exits_0_1_or_2(mini_index, encoder, wordnet, monkeypatch_module, args):
    runner = CliRunner()
    result = runner.invoke(cli, [*args, "--index", str(mini_index)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exc_info
    assert result.exit_code in (0, 1, 2), result.output


@pytest.fixture(scope="module")
def monkeypatch_module(encoder, wordnet):
    """The CLI opens indexes with the session's encoder and never writes to them."""
    real = sensedb.open
    mp = pytest.MonkeyPatch()
    mp.setattr(sensedb, "open", lambda path=None, **options: real(
        path, **{**options, "encoder": encoder, "wordnet": wordnet,
                 "wordnet_evidence": False}))
    yield mp
    mp.undo()
