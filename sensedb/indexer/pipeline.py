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

Where the encoder leaves the processor idle (a GPU, or a CPU with more cores than torch's
threads) the reader and writer threads run at the lowest scheduling priority on Linux
(``BACKGROUND_NICE``; a Linux thread is a task with its own nice value), so they take the
cycles the encoder leaves. On a CPU whose cores torch's threads fill (this project's 2-core
machines), a stage beside them oversubscribes the cores: torch's threads wait for each other
at every operation, and one preempted thread stalls both (the encoder ran 2.6x slower beside
a busy Python thread; BENCHMARKS.md, "Sharing two cores"). There the job shares the cores
(:class:`CoreShare`): while the writer commits, the encoder runs one torch thread fewer and
the writer has a core of its own, and the interpreter switches threads every 0.1 ms
(``SHARED_SWITCH_INTERVAL``) so that neither waits long for the other. The encoder's second
thread speeds it up only 1.8x on such a machine, so the commit's seconds cost the encoder
less than they cost run alone (SemCor: 16.3 -> 10.5 s beyond encoding). Tokenizing stays in
the job's thread there (the fast tokenizer's own threads would oversubscribe the cores
again). :func:`pipeline_pays` decides for ``pipeline=None``: everywhere but a 1-core CPU.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

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


#: Python's thread switch interval (seconds) while a job shares a CPU's cores: the encoder's
#: thread takes the interpreter back within this after each model operation (the default
#: 5 ms halved the encoder's speed beside a Python-heavy writer; 0.1 ms cost it ~5%).
SHARED_SWITCH_INTERVAL = 1e-4


class CoreShare:
    """The CPU cores of a job whose encoder's threads fill them: while a reader or writer
    stage works (:meth:`busy`), the encoder runs on the cores the busy stages leave (one
    fewer per stage, never fewer than one thread), so that a stage gets a core of its own
    instead of oversubscribing the cores torch's threads wait on each other across; between
    stages the encoder takes its ``threads`` back. :meth:`before_batch` applies it (the
    encoder calls it before each batch, ``Encoder.encode_prepared(before_batch=...)``).

    Why (BENCHMARKS.md, "Sharing two cores"): on 2 cores torch's second thread speeds a
    forward pass up 1.8x, so an encoder at one thread beside a stage on the other core
    loses less than the stage would cost run alone; a stage beside both torch threads slowed
    the encoder 2.6x."""

    def __init__(self, threads: int) -> None:
        self.threads = max(int(threads), 1)
        self._busy = 0
        self._lock = threading.Lock()
        self._set: int | None = None  # what this share last gave torch

    @contextmanager
    def busy(self) -> Iterator[None]:
        self.enter()
        try:
            yield
        finally:
            self.leave()

    def enter(self) -> None:
        """A stage starts working (:meth:`busy` calls it; a stage whose start and end fall
        in different threads calls this and :meth:`leave`)."""
        with self._lock:
            self._busy += 1

    def leave(self) -> None:
        """A stage of :meth:`enter` is done."""
        with self._lock:
            self._busy -= 1

    def before_batch(self) -> None:
        """Set torch's threads for the next batch: ``threads``, or while stages are busy the
        cores they leave (one fewer per busy stage, at least one)."""
        import torch

        busy = self._busy
        wanted = self.threads if not busy else max(
            min(self.threads, os.cpu_count() or 1) - busy, 1)
        if wanted != self._set:
            torch.set_num_threads(wanted)
            self._set = wanted


_SHARED_GUARD = threading.Lock()
#: Jobs of this process now sharing cores, and what the first of them found (switch
#: interval, torch threads): restored by the last to end, whatever the order.
_shared: dict[str, Any] = {"jobs": 0, "interval": None, "threads": None}


@contextmanager
def shared_cores(threads: int) -> Iterator[CoreShare]:
    """A :class:`CoreShare` for a job, with Python's switch interval at
    ``SHARED_SWITCH_INTERVAL`` until the job ends. Jobs of one process may overlap (two
    threads each running one): the first saves the switch interval and ``threads`` (torch's
    count before any share lowered it), every share takes that count as its own, and the
    last to end restores both (a second job restored the first's 0.1 ms: a breaker's)."""
    with _SHARED_GUARD:
        if _shared["jobs"] == 0:
            _shared["interval"], _shared["threads"] = sys.getswitchinterval(), threads
            sys.setswitchinterval(min(_shared["interval"], SHARED_SWITCH_INTERVAL))
        _shared["jobs"] += 1
        share = CoreShare(_shared["threads"])
    try:
        yield share
    finally:
        with _SHARED_GUARD:
            _shared["jobs"] -= 1
            if _shared["jobs"] == 0:
                import torch

                sys.setswitchinterval(_shared["interval"])
                if torch.get_num_threads() != _shared["threads"]:  # whichever share left it
                    torch.set_num_threads(_shared["threads"])


def _sharing(call: Callable[..., T], share: CoreShare | None) -> Callable[..., T]:
    """``call`` counted busy in ``share`` while it runs (as it is without one)."""
    if share is None:
        return call

    def run(*args: object) -> T:
        with share.busy():
            return call(*args)

    return run


def cores_filled(device: str, torch_threads: int) -> bool:
    """Whether the encoder's torch threads fill the CPU (a CPU device with no more cores
    than ``torch_threads``): a pipelined job then shares the cores (:class:`CoreShare`)."""
    return str(device).startswith("cpu") and (os.cpu_count() or 1) <= torch_threads


def pipeline_pays(device: str, torch_threads: int) -> bool:
    """Whether overlapping reading and writing with encoding can pay on ``device``: a GPU
    (the stages use the CPU the GPU leaves idle), a CPU with more cores than
    ``torch_threads`` (the encoder's intra-op threads), or a CPU whose cores they fill but
    which has two or more (the job shares them, :class:`CoreShare`); not one core."""
    if not str(device).startswith("cpu"):
        return True
    return (os.cpu_count() or 1) >= 2


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
    waits for every call (and raises the first exception, unless one is already raised).
    ``share``: each call counts as busy in it, and the thread keeps the process's priority
    (the core it is given is its own); without one it runs at ``BACKGROUND_NICE``."""

    def __init__(self, depth: int = DEPTH, share: CoreShare | None = None) -> None:
        self.depth = max(depth, 1)
        self.share = share
        self._pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="sensedb-write",
            initializer=_background_priority if share is None else None)
        self._pending: deque[Future] = deque()

    def submit(self, call: Callable[..., object], *args: object) -> None:
        while len(self._pending) >= self.depth:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(_sharing(call, self.share), *args))

    def call(self, function: Callable[..., T]) -> Callable[..., T]:
        """``function`` run in the writer thread, after every call submitted before, from
        any thread: the caller waits for its result (its exception is raised there)."""
        def run(*args: object) -> T:
            return self._pool.submit(_sharing(function, self.share), *args).result()

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
