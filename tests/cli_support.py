"""What the command-line tests share: one call of the ``sensedb`` group through click's runner."""

from __future__ import annotations

from click.testing import CliRunner, Result

from sensedb.cli import cli


def invoke(runner: CliRunner, *args: object, input: str | None = None) -> Result:  # noqa: A002
    """Run ``sensedb ARGS`` (each argument as ``str``) in ``runner``; an exception other than
    click's exit fails the test with its traceback."""
    result = runner.invoke(cli, [str(a) for a in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exc_info
    return result
