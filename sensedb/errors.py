"""One exception family: callers catch :class:`Error` and nothing else.

Every message is one readable line: control characters (a newline, a tab, an escape sequence
in a user's text) are written as escapes and a message longer than :data:`MAX_MESSAGE` characters
is cut in the middle, so a 10,000-word sentence echoed in an error stays a line.
"""

from __future__ import annotations

import unicodedata

#: Unicode categories written as escapes: controls, format characters, line and paragraph
#: separators, and lone surrogates (undecodable bytes of a command line; unprintable).
_ESCAPED = ("Cc", "Cf", "Cs", "Zl", "Zp")

#: The longest message an error carries (characters); the middle of a longer one is left out.
MAX_MESSAGE = 400


def readable(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` as one line of at most ``limit`` characters: control and format characters
    (Unicode categories Cc, Cf, Cs, Zl, Zp) written as Python escapes, the middle of a longer text
    replaced by ``…[N characters]…``.

    Example:
        >>> readable("a\\tb\\x1b[31m")
        'a\\\\tb\\\\x1b[31m'
    """
    text = str(text)
    if any(unicodedata.category(ch) in _ESCAPED for ch in text):
        text = "".join(ch if unicodedata.category(ch) not in _ESCAPED
                       else ch.encode("unicode_escape").decode("ascii") for ch in text)
    if len(text) > limit:
        keep = max(limit - 40, 20)
        head, tail = text[:keep * 2 // 3], text[-(keep // 3):]
        text = f"{head}…[{len(text) - len(head) - len(tail)} characters]…{tail}"
    return text


def shown_path(path: str) -> str:
    """A file name as messages name it: standard input (``"-"``) as ``"<stdin>"``."""
    return "<stdin>" if path == "-" else path


class Error(Exception):
    """Base class of every error sensedb raises on purpose. The message is one line of at most
    :data:`MAX_MESSAGE` characters (see :func:`readable`)."""

    def __init__(self, message: object = "") -> None:
        super().__init__(readable(str(message)))


class InputError(Error):
    """Bad input data: malformed file, unknown id, empty sentence, missing target.

    The message names the file, line and id where they are known.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 item: str | None = None) -> None:
        where = []
        if path is not None:
            where.append(str(path) + (f":{line}" if line is not None else ""))
        elif line is not None:
            where.append(f"line {line}")
        if item is not None:
            where.append(f"id {item}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.path, self.line, self.item = path, line, item


class TargetNotFoundError(InputError):
    """A target word that is not in its sentence (as written, at the position given)."""


class InventoryError(Error):
    """The sense inventory (WordNet) is missing, broken, or does not know a key."""


class IndexFormatError(Error):
    """An index directory is missing, inconsistent, or was built with another model/format."""


class IndexLockedError(IndexFormatError):
    """Another process holds the index's writer lock (an index job, or a query adding WordNet
    vectors); retry later, or read without writing."""


class ConfigurationError(Error):
    """A setting (model, layers, database URL, ...) is invalid."""
