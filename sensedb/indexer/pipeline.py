"""Overlapping an index job's stages: reading and tokenizing, encoding, writing chunks.

A pipelined job runs three stages at once, each in its own thread, joined by bounded
hand-offs: a reader thread reads the next chunk's documents and tokenizes and plans them
(``Encoder.prepare``) while the model encodes the current chunk (``Encoder.encode_prepared``,
in the job's thread), and a writer thread commits the previous chunk (``chunks.commit_chunk``).
At most ``depth`` chunks wait at each hand-off, so memory stays bounded; the writer is one
thread that commits in chunk order, so ids, rows and crash behaviour are those of a serial job
(a kill loses at most the chunks not yet committed; a rerun redoes them).

The hand-offs are ``concurrent.futures`` executors with one worker each (the standard
library's FIFO thread pool; a future carries the stage's exception to the job's thread), not
a queue protocol of our own.

Overlap pays only where the encoder leaves the processor idle: on a GPU, or on a CPU with
more cores than torch's threads. On a CPU whose cores torch already fills, the reader and
writer take cores from the encoder (BENCHMARKS.md); :func:`pipeline_pays` decides for
``pipeline=None``. On Linux the reader and writer threads run at the lowest scheduling
priority (``BACKGROUND_NICE``; a Linux thread is a task with its own nice value), so they
take the cycles the encoder's threads leave idle rather than time from them.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

#: Chunks waiting at each hand-off of a pipelined job (read ahead, and committed behind).
DEPTH = 1
#: The nice value of the reader and writer threads on Linux (19: the lowest priority).
BACKGROUND_NICE = 19


def _background_priority() -> None:
    """Lower the calling thread's scheduling priority (Linux: per thread; elsewhere
    ``setpriority`` would change the whole process, so nothing is done)."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
        except OSError:  # not permitted here: run at the process's priority
            pass


def pipeline_pays(device: str, torch_threads: int) -> bool:
    """Whether overlapping reading and writing with encoding can pay on ``device``: a
    GPU (the reader and writer use the CPU the GPU leaves idle), or a CPU with more cores
    than ``torch_threads`` (the encoder's intra-op threads)."""
    if not str(device).startswith("cpu"):
        return True
    return (os.cpu_count() or 1) > torch_threads


def read_ahead(produce: Callable[[], T | None], depth: int = DEPTH) -> Iterator[T]:
    """The items ``produce()`` returns until it returns None, made in a reader thread up to
    ``depth`` items ahead of the consumer. An exception in ``produce`` is raised here, at
    the item where it happened; closing the iterator early waits for the item in progress
    and makes no more."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sensedb-read",
                              initializer=_background_priority)
    ahead: deque[Future] = deque(pool.submit(produce) for _ in range(max(depth, 1)))
    try:
        while True:
            item = ahead.popleft().result()
            if item is None:
                return
            ahead.append(pool.submit(produce))
            yield item
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class OrderedWriter:
    """Runs calls in a writer thread, one at a time, in the order they are submitted, at
    most ``depth`` behind the caller: :meth:`submit` first waits for the oldest call when
    ``depth`` are pending (and raises its exception). Use as a context manager: leaving
    waits for every call (and raises the first exception, unless one is already raised)."""

    def __init__(self, depth: int = DEPTH) -> None:
        self.depth = max(depth, 1)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sensedb-write",
                                        initializer=_background_priority)
        self._pending: deque[Future] = deque()

    def submit(self, call: Callable[..., object], *args: object) -> None:
        while len(self._pending) >= self.depth:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(call, *args))

    def call(self, function: Callable[..., T]) -> Callable[..., T]:
        """``function`` run in the writer thread, after every call submitted before, from
        any thread: the caller waits for its result (its exception is raised there)."""
        def run(*args: object) -> T:
            return self._pool.submit(function, *args).result()

        return run

    def drain(self) -> None:
        """Wait for every pending call; raise the first exception among them."""
        while self._pending:
            self._pending.popleft().result()

    def __enter__(self) -> OrderedWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        try:
            if kind is None:
                self.drain()
            else:  # already failing: let committed-in-progress work end, keep that error
                for future in self._pending:
                    future.exception()
        finally:
            self._pool.shutdown(wait=True)
