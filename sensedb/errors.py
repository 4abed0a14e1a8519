"""One exception family: callers catch :class:`Error` and nothing else."""

from __future__ import annotations


class Error(Exception):
    """Base class of every error sensedb raises on purpose."""


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


class InventoryError(Error):
    """The sense inventory (WordNet) is missing, broken, or does not know a key."""


class IndexFormatError(Error):
    """An index directory is missing, inconsistent, or was built with another model/format."""


class IndexLockedError(IndexFormatError):
    """Another process holds the index's writer lock (an index job, or a query adding WordNet
    vectors); retry later, or read without writing."""


class ConfigurationError(Error):
    """A setting (model, layers, database URL, ...) is invalid."""
