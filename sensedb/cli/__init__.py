"""The ``sensedb`` command: a thin layer over the Python API (sensedb.open / build_index).

This module holds the group, :func:`main` (the console script) and the option decorators every
command shares; the commands live in ``index_cmds`` (index, info, default-index),
``query_cmds`` (wsd, neighbors, evaluate, tag), ``similarity_cmds`` (similarity,
similarity-batch, evaluate-wic, evaluate-graded), ``diagnostics_cmds`` (stats, keywords,
plot) and ``integrity_cmds`` (verify, repair). Each command is a few lines over one API
call, and its help ends with an example.
"""

from __future__ import annotations

import functools
import inspect
import json
import warnings
from collections.abc import Callable
from typing import Any

import click

from ..errors import Error
from ..vocabulary import LETTER_POS, POS, POS_TAGS, ScoringMethod, SimilarityMethod

__all__ = ["PROBABILITY", "cli", "emit", "head_options", "index_options", "main",
           "output_options", "pos_option", "similarity_options", "target_options",
           "writable_file"]

INDEX_HELP = "Index directory (default: the WordNet default index in the user data dir)."


#: Exit status when the reader of standard output went away (``sensedb tag ... | head -1``):
#: 128 + SIGPIPE, what a shell reports for ``cat`` in the same place.
BROKEN_PIPE_STATUS = 141


def keep_examples(text: str | None) -> str | None:
    """``text`` (a command's help) with every paragraph after its ``Example:`` line marked
    for click to print as written (``\\b``): click rewraps paragraphs to the terminal's
    width, which cut ``./semcor-index`` at its hyphen and ran two example lines into one, so
    that a copied example was no command."""
    if not text or "Example:" not in text:
        return text
    head, mark, examples = inspect.cleandoc(text).partition("Example:")
    return head + mark + "\n\n".join(
        "\b\n" + p.strip("\n") if p.strip() and not p.lstrip().startswith("\b") else p
        for p in examples.split("\n\n"))


class _Group(click.Group):
    """Turns sensedb's own errors and the system's refusals (``OSError``: an output path
    under a file, a full disk) into one-line messages and exit status 1, and a closed
    output pipe into a quiet exit (:data:`BROKEN_PIPE_STATUS`, no traceback); every
    command's examples are printed as written (:func:`keep_examples`)."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.help = keep_examples(cmd.help)
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Error as exc:
            raise click.ClickException(str(exc)) from exc
        except BrokenPipeError:
            _quiet_stdout()
            ctx.exit(BROKEN_PIPE_STATUS)
        except OSError as exc:  # the system refused a file (a folder that is a file, a full
            # disk, ...): one line naming it; what sensedb wrote before stays consistent
            raise click.ClickException(
                f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror
                else str(exc)) from exc
        except ValueError as exc:  # os.stat of a click.Path holding NUL (never from a shell)
            if "null" not in str(exc):
                raise
            raise click.UsageError("an argument holds a NUL character (\\x00), which no file "
                                   "name or option can: remove it") from None


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so that flushing what is left of it at exit does
    not raise again (the recipe of Python's documentation on SIGPIPE)."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor (an in-memory stdout)
        pass


class _Choice(click.Choice):
    """A case-insensitive :class:`click.Choice` whose value goes through ``parse`` (one of
    :mod:`sensedb.vocabulary`'s parsers); ``aliases`` are accepted without being listed."""

    def __init__(self, choices: list[str], parse: Callable[[str], Any],
                 aliases: tuple[str, ...] = ()) -> None:
        super().__init__(choices, case_sensitive=False)
        self.parse = parse
        self.aliases = aliases

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.strip().lower() in self.aliases:
            return self.parse(value)
        return self.parse(super().convert(value, param, ctx))


#: ``--pos``: a universal tag or a WordNet letter, any case; the value is the universal tag.
POS_TYPE = _Choice([*POS_TAGS, *LETTER_POS], lambda v: POS.parse(v).value)
#: ``--scoring``: a :class:`ScoringMethod` ("evidence", the old name of weighted, accepted).
SCORING_TYPE = _Choice([m.value for m in ScoringMethod], ScoringMethod.parse,
                       aliases=("evidence",))
#: ``--method`` of the similarity commands: a :class:`SimilarityMethod` name (a str).
SIMILARITY_TYPE = _Choice([m.value for m in SimilarityMethod],
                          lambda v: SimilarityMethod.parse(v).value)


class _Probability(click.ParamType):
    """A number from 0 to 1 (``--min-confidence``); NaN and infinities are refused, which
    :class:`click.FloatRange` lets through."""

    name = "probability"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        import math

        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not (math.isfinite(number) and 0.0 <= number <= 1.0):
            self.fail(f"{value!r} is not a probability from 0 to 1", param, ctx)
        return number


#: ``--min-confidence``: a probability, 0 to 1.
PROBABILITY = _Probability()


def writable_file(path: str | None, inputs: tuple[str, ...] = ()) -> None:
    """Refuse an output file that cannot be written before any work is done (a folder that
    does not exist or is not writable), or that is one of the command's ``inputs`` (writing
    it would replace the input: ``evaluate --out`` naming its gold file overwrote it).

    Raises:
        InputError: naming the file."""
    import os

    from ..errors import InputError

    if path is None:
        return
    for given in inputs:
        if os.path.exists(path) and os.path.exists(given) and os.path.samefile(path, given):
            raise InputError(f"the output file is the input {given}: writing it would "
                             "replace it; give another file", path=path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError("cannot write here: " + ("the folder does not exist"
                                                   if not os.path.exists(folder)
                                                   else f"{folder} is not a folder"),
                         path=path)
    if not os.access(folder, os.W_OK) or (os.path.exists(path)
                                           and not os.access(path, os.W_OK)):
        raise InputError("cannot write here: permission denied", path=path)


def output_options(function: Callable) -> Callable:
    """``--json`` for every command: machine-readable output instead of text."""
    return click.option("--json", "as_json", is_flag=True,
                        help="Print JSON instead of text.")(function)


def head_options(function: Callable) -> Callable:
    """``--head DIR`` / ``--no-head``: the command receives ``head`` ("auto": the index's own,
    or the shipped head for the default model; None: no head; else a head file or directory;
    see :func:`sensedb.head.load_head`)."""

    @click.option("--head", "head_path", type=click.Path(exists=True), default=None,
                  help="Retrieval head (a directory from `sensedb train-head`, or its .npz) "
                       "for a new index; default: the head shipped for the default model "
                       "(LoRA adapters trained on SemCor, sensedb/data/head_all-MiniLM-L6-v2.npz"
                       "), none for other models.")
    @click.option("--no-head", is_flag=True,
                  help="No retrieval head: raw encoder vectors (the behaviour before heads).")
    @functools.wraps(function)
    def wrapper(*args, head_path, no_head, **kwargs):
        if head_path and no_head:
            raise click.UsageError("give --head DIR or --no-head, not both")
        kwargs["head"] = None if no_head else (head_path or "auto")
        return function(*args, **kwargs)

    return wrapper


def index_options(function: Callable) -> Callable:
    """``--index``, ``--db``, ``--device``, ``--scoring``, ``--no-wordnet-vectors`` and
    ``--propagate``: the command receives ``index``, the opened :class:`SenseIndex`."""

    @click.option("--index", "index_dir", type=click.Path(file_okay=False), default=None,
                  help=INDEX_HELP)
    @click.option("--db", "db_url", default=None,
                  help="SQLAlchemy database URL of the metadata (default: DIR/sensedb.sqlite).")
    @click.option("--device", default=None, help="torch device (default: cuda if available).")
    @click.option("--scoring", "scoring", type=SCORING_TYPE, default=ScoringMethod.WEIGHTED.value,
                  show_default=True,
                  help="weighted ('evidence' is its old name): every source, the index's "
                       "weights; cosine: the textbook argmax of the cosine to corpus sense "
                       "vectors.")
    @click.option("--no-wordnet-vectors", is_flag=True,
                  help="Do not add WordNet's gloss/example vectors to the index on first use.")
    @click.option("--no-wordnet-evidence", "old_no_wordnet_vectors", is_flag=True, hidden=True,
                  help="Old spelling of --no-wordnet-vectors.")
    @click.option("--propagate", is_flag=True,
                  help="Senses without corpus tokens take a corpus vector propagated from "
                       "their synset or hypernyms (LMMS).")
    @head_options
    @functools.wraps(function)
    def wrapper(*args, index_dir, db_url, device, scoring, no_wordnet_vectors,
                old_no_wordnet_vectors, propagate, head, **kwargs):
        from .. import open as open_index

        kwargs["index"] = open_index(
            index_dir, db_url=db_url, device=device, scoring_method=scoring,
            wordnet_evidence=not (no_wordnet_vectors or old_no_wordnet_vectors),
            propagate=propagate, head=head)
        return function(*args, **kwargs)

    return wrapper


def pos_option(help: str) -> Callable[[Callable], Callable]:  # noqa: A002
    """``--pos``: NOUN VERB ADJ ADV or n v a s r, any case; the command receives the
    universal tag (``"NOUN"``) or None."""
    return click.option("--pos", type=POS_TYPE, default=None, help=help)


def target_options(function: Callable) -> Callable:
    """``--at`` (token position of the target) and ``--pos``."""
    function = click.option("--at", type=click.IntRange(min=0), default=None,
                            help="Token position (0-based) of the target, when it occurs twice.")(
        function)
    return pos_option("Only this part of speech.")(function)


def similarity_options(function: Callable) -> Callable:
    """``--method`` and ``--params`` for the in-context similarity commands."""
    function = click.option(
        "--params", "params_path", type=click.Path(dir_okay=False, exists=True), default=None,
        help="Fitted similarity parameters (JSON from evaluate-wic --save; default: the "
             "index manifest's, else the built-in set for the kind of index: one for "
             "indexes with labelled tokens, one for WordNet-only ones).")(function)
    return click.option(
        "--method", type=SIMILARITY_TYPE, default=None,
        help="raw cosine, sense agreement through the index, or both combined "
             "(default: the parameters' default method, which answers a pair of two "
             "different words, or with a word WordNet lacks, by the raw cosine; a method "
             "given here is used for every pair).")(function)


def emit(data: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    """Print ``data`` as indented JSON (non-ASCII kept) or as ``text(data)``."""
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(text(data))


@click.group(cls=_Group)
@click.version_option(package_name="sensedb")
def cli() -> None:
    """Word-sense retrieval: index sense-labelled text, then disambiguate, find similar
    usages and compare usages by nearest-neighbour search.

    Example:

        sensedb wsd "He sat on the bank of the river" bank
    """


def one_line_warning(message: Warning | str, category: type[Warning], filename: str,
                     lineno: int, line: str | None = None) -> str:
    """A warning as the command line shows it: ``Warning: MESSAGE`` on one line, not
    Python's default (the file, line number and source line of the code that warned: "another
    process is writing this index" came with ``index.py:615`` and ``self.ensure(pairs)``)."""
    return f"Warning: {message}\n"


def main() -> None:
    """The console script ``sensedb``. A usage error (a bad option value, a missing argument,
    an unknown command) is one line on standard error, ``Error: ... (see `sensedb wsd
    --help`)``, with exit status 2 (click's own standalone mode prints the usage, a hint and
    the error on three lines); other errors as click shows them."""
    import sys

    warnings.formatwarning = one_line_warning
    try:
        code = cli.main(prog_name="sensedb", standalone_mode=False)
    except click.UsageError as exc:
        if isinstance(exc, getattr(click.exceptions, "NoArgsIsHelpError", ())):
            exc.show()  # `sensedb` alone: the help
            sys.exit(exc.exit_code)
        where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        click.echo(f"Error: {exc.format_message()}{where}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


# The commands register themselves on ``cli``.
from ..service.cli import serve_command  # noqa: E402  (imports FastAPI only when run)
from . import (  # noqa: E402, F401
    diagnostics_cmds,
    head_cmds,
    index_cmds,
    integrity_cmds,
    query_cmds,
    similarity_cmds,
    store_cmds,
)

cli.add_command(serve_command)
