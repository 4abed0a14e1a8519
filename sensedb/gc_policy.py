"""Garbage-collector policy for bulk work (encoding a corpus, indexing it).

A full collection walks every object the collector tracks: with torch, transformers and a
model loaded, hundreds of thousands. A bulk job that allocates millions of short-lived objects
(corpus tokens, word-piece windows) triggers such passes again and again: reading SemCor
inside an indexing job took 6.5 s, against 3.5 s alone (BENCHMARKS.md). ``bulk_work``
freezes what exists when the work starts (modules, the model: nothing the work frees), so
passes skip it, and raises the young-generation threshold, so passes come about a hundred
times less often. The outermost bulk work restores both when it ends; a freeze the
application made itself (a server before it forks) is left as it was. Nothing is leaked:
reference counting frees objects as usual, and the rare reference cycle waits for a later
pass.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_saved_threshold: tuple[int, int, int] | None = None
_froze = False  # whether the outermost bulk work froze (an application's own freeze stays)
YOUNG_THRESHOLD = 100_000  # allocations between young collections (CPython's default: 700)


@contextmanager
def bulk_work() -> Iterator[None]:
    """Run the body with the objects that exist now out of the collector's full passes."""
    global _depth, _saved_threshold, _froze
    with _lock:
        _depth += 1
        if _depth == 1:
            _saved_threshold = gc.get_threshold()
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
            gc.set_threshold(max(_saved_threshold[0], YOUNG_THRESHOLD), *_saved_threshold[1:])
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _froze:
                    gc.unfreeze()
                gc.set_threshold(*_saved_threshold)
