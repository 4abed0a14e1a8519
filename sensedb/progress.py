"""Ending tqdm progress bars (indexing, encoding, training) without a repeated last line."""

from __future__ import annotations

import math
from typing import Any


def close_bar(bar: Any) -> None:
    """Close the tqdm bar ``bar`` (None: nothing to do). tqdm's ``close`` draws the bar once
    more, with the overall rate; on a terminal that draws over the line in place, but a file
    or a pipe keeps every drawing, so where the last update had drawn the final count
    already, ``sensedb index ... 2> log`` got it twice ("indexing: 100%|...| 5018/5018
    [...]\\rindexing: 100%|...| 5018/5018 [...]"). There the line is ended as it stands
    instead. A bar never drawn (under its ``delay``) writes nothing, and a notebook's widget
    closes as tqdm closes it. A bar closed already is left as it is."""
    if bar is None or getattr(bar, "disable", False):  # tqdm's close sets ``disable``
        return
    text_bar = getattr(bar, "sp", None) is not None  # a notebook's widget has none
    drawn = bar.last_print_t >= bar.start_t + bar.delay
    if not (text_bar and drawn and bar.n == bar.last_print_n and not _is_terminal(bar.fp)):
        bar.close()
        return
    bar.delay = math.inf  # close() draws nothing now: the line shows the final count
    bar.close()
    bar.fp.write("\n")
    bar.fp.flush()


def _is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal (a closed or odd stream is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
