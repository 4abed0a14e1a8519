"""Micro-batching: concurrent ``/wsd`` requests answered by one encoder pass, all index work on
one thread.

The encoder (torch) and the index (FAISS, SQLite, row caches) are not thread-safe, so every
call into the index runs on ONE worker thread (a single-thread executor). Requests reach it
through one bounded :class:`asyncio.Queue`; a collector task takes the first waiting item and,
when batching is on, keeps gathering ``/wsd`` items for up to ``window_ms`` milliseconds or
until ``max_words`` words are gathered, then hands the batch to :func:`wsd_batch` on the worker
thread. Items already queued when a batch ends are taken at once (under load the window is
rarely waited out). Other work (``/tag``, ``/similarity``, ...) travels the same queue as a
:class:`Job` and runs alone, in arrival order.

A full queue is :class:`Overloaded` (the service answers 429); nothing waits unbounded.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..corpora.tokenize import tokenize
from ..errors import Error, IndexFormatError
from ..retriever.target import find_span

log = logging.getLogger("sensedb.service")


class Overloaded(Exception):
    """The request queue is full: answer 429 and let the client retry."""


@dataclass
class ItemError:
    """One item's failure: a :class:`sensedb.Error` (``status`` 4xx/503) and the request
    field it concerns (``None`` when no single field is to blame)."""

    error: Error
    field: str | None = None

    def to_dict(self) -> dict:
        return {"error": str(self.error), "field": self.field}


@dataclass
class WsdQuery:
    """One ``/wsd`` item: as :meth:`SenseIndex.wsd` takes it (``sentence`` raw text or a list
    of words; ``at`` a 0-based token position) and its size in ``words`` (the batch budget)."""

    sentence: str | list[str]
    target: str | None = None
    at: int | None = None
    pos: str | None = None
    k: int = 5
    words: int = 1


@dataclass
class Timing:
    """Milliseconds an item waited in the queue and spent on the worker, and its batch size."""

    queued_ms: float = 0.0
    work_ms: float = 0.0
    batch: int = 1


@dataclass
class _Entry:
    payload: WsdQuery | Job
    future: asyncio.Future
    enqueued: float = field(default_factory=time.perf_counter)


@dataclass
class Job:
    """Any other index work: ``function(index)`` run alone on the worker thread."""

    function: Callable[[Any], Any]


def locate_field(sentence: str | Sequence[str], target: str | None, at: int | None) -> str:
    """The request field to name when ``index.locate(sentence, target, at)`` fails:
    ``"at"`` when ``at`` is given and is no token position of the sentence (not an integer,
    or outside it) while the target is missing or usable, else ``"target"`` (missing with no
    ``at``, not a string, empty, or not in the sentence, at ``at`` when given). The sentence
    is checked before, under its own field. Raises nothing."""
    if target is not None:
        try:
            if not tokenize(target):
                return "target"
        except Error:
            return "target"
    if at is None:
        return "target"
    try:
        find_span(sentence, None, at)
    except Error:
        return "at"
    return "target"


def wsd_batch(index, queries: Sequence[WsdQuery]) -> list[Any]:
    """Answer many ``/wsd`` queries with one encoder pass: each query's answer is what
    ``index.wsd(q.sentence, q.target, at=q.at, pos=q.pos, k=q.k)`` returns (a
    ``Disambiguation``), or an :class:`ItemError` for that query alone.

    Steps: locate every target and its candidate (lemma, POS) pairs, add WordNet vectors of
    new lemmas once (``index.ensure``), then ONE ``index.encode_targets`` call for the batch
    (one forward pass: word vectors, POS tags and, when the scoring weighs them, sentence
    vectors), and ``index.disambiguate`` per query. Must run
    on the thread that owns the index. Only non-``sensedb.Error`` exceptions (bugs) escape.
    """
    out: list[Any] = [None] * len(queries)
    located: dict[int, tuple[Any, list]] = {}
    for n, query in enumerate(queries):
        try:
            target = index.locate(query.sentence, query.target, query.at)
        except Error as exc:
            out[n] = ItemError(exc, locate_field(query.sentence, query.target, query.at))
            continue
        try:
            located[n] = (target, index.target_candidates(target, query.pos))
        except Error as exc:
            out[n] = ItemError(exc, "target")
    if not located:
        return out
    try:
        every = [pair for _, pairs in located.values() for pair in pairs]
        index.ensure(every)
        index.prefetch(every)  # the candidates' rows, and their lemmas' bare vectors at once
        targets = [target for target, _ in located.values()]
        # with the POS head's tags and the sentence vectors, one pass
        raws, tags, contexts = index.encode_targets(targets)
    except IndexFormatError:
        raise
    except Error:
        if len(located) == 1:
            raise
        # one query spoils the shared pass: answer each alone so only it fails
        for n in located:
            out[n] = _one(index, queries[n])
        return out
    for (n, (target, pairs)), raw, context, tag in zip(located.items(), raws, contexts, tags,
                                                       strict=True):
        try:
            out[n] = index.disambiguate(target, pairs, raw, k=queries[n].k, context=context,
                                        pos_logp=tag)
        except IndexFormatError:
            raise
        except Error as exc:
            out[n] = ItemError(exc)
    return out


def _one(index, query: WsdQuery) -> Any:
    try:
        return wsd_batch(index, [query])[0]
    except IndexFormatError:
        raise
    except Error as exc:
        return ItemError(exc)


class Batcher:
    """The queue, the collector task and the single worker thread.

    ``window_ms``: how long (milliseconds) a ``/wsd`` batch stays open for more items after its
    first; ``0`` turns batching off (one encoder pass per item). ``max_words``: a batch closes
    when its items hold this many words (an item larger than that runs alone).
    ``max_queue``: items waiting at most; beyond it :meth:`wsd` and :meth:`run` raise
    :class:`Overloaded`. ``timeout_s``: the longest an item may wait for its answer
    (``asyncio.TimeoutError`` after that).
    """

    def __init__(self, *, window_ms: float = 5.0, max_words: int = 4096, max_queue: int = 256,
                 timeout_s: float = 60.0) -> None:
        self.window_ms, self.max_words = float(window_ms), int(max_words)
        self.max_queue, self.timeout_s = int(max_queue), float(timeout_s)
        self.index: Any = None
        self.batches = self.items = 0  # counters for /info
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sensedb-index")
        self._queue: asyncio.Queue[_Entry] | None = None
        self._task: asyncio.Task | None = None
        self._taken: list[_Entry] = []  # taken from the queue by the collector, not answered

    # ----------------------------------------------------------------- lifecycle
    async def start(self, open_index: Callable[[], Any]) -> None:
        """Open the index on the worker thread (``open_index()``) and start collecting."""
        loop = asyncio.get_running_loop()
        self.index = await loop.run_in_executor(self._executor, open_index)
        self._queue = asyncio.Queue(maxsize=self.max_queue)
        self._task = asyncio.create_task(self._collect(), name="sensedb-batcher")

    async def stop(self) -> None:
        """Stop collecting; waiting items get ``CancelledError`` (queued ones, and those the
        collector holds: a batch still gathering, an item held for the next); the worker
        thread ends."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        while self._queue is not None and not self._queue.empty():
            self._queue.get_nowait().future.cancel()
        for entry in self._taken:  # a batch still gathering, or an item held for the next
            entry.future.cancel()
        self._taken = []
        self._executor.shutdown(wait=True, cancel_futures=True)

    @property
    def queued(self) -> int:
        """Items waiting for the worker now."""
        return self._queue.qsize() if self._queue is not None else 0

    # ----------------------------------------------------------------- submitting
    async def wsd(self, queries: Sequence[WsdQuery]) -> list[tuple[Any, Timing]]:
        """Answers of ``queries`` (each a ``Disambiguation`` or an :class:`ItemError`) and
        their timings, in order.

        Raises:
            Overloaded: fewer than ``len(queries)`` free places in the queue.
            asyncio.TimeoutError: no answer within ``timeout_s``.
        """
        return await self._submit(list(queries))

    async def run(self, function: Callable[[Any], Any]) -> tuple[Any, Timing]:
        """``function(index)`` on the worker thread, after what is queued before it.

        Raises:
            Overloaded, asyncio.TimeoutError: as :meth:`wsd`; whatever ``function`` raises.
        """
        return (await self._submit([Job(function)]))[0]

    async def _submit(self, payloads: list) -> list:
        if self._queue is None:
            raise RuntimeError("the batcher is not started")
        if self._queue.maxsize - self._queue.qsize() < len(payloads):
            raise Overloaded(f"server busy: {self._queue.qsize()} items queued, "
                             f"{len(payloads)} more do not fit (at most {self.max_queue})")
        loop = asyncio.get_running_loop()
        entries = [_Entry(p, loop.create_future()) for p in payloads]
        for entry in entries:  # no await between the check and these puts: they all fit
            self._queue.put_nowait(entry)
        try:
            return list(await asyncio.wait_for(asyncio.gather(*(e.future for e in entries)),
                                               self.timeout_s))
        except BaseException:
            for entry in entries:  # a client gone or timed out: the worker skips these
                entry.future.cancel()
            raise

    # ----------------------------------------------------------------- the collector
    async def _collect(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        held: _Entry | None = None
        while True:
            first = held if held is not None else await self._queue.get()
            held = None
            batch, words = [first], _words(first)
            self._taken = batch
            if isinstance(first.payload, WsdQuery) and self.window_ms > 0:
                deadline = loop.time() + self.window_ms / 1000.0
                while words < self.max_words:
                    try:
                        remaining = deadline - loop.time()
                        entry = (self._queue.get_nowait() if remaining <= 0 else
                                 await asyncio.wait_for(self._queue.get(), remaining))
                    except (asyncio.QueueEmpty, asyncio.TimeoutError):
                        break
                    if not isinstance(entry.payload, WsdQuery) \
                            or words + _words(entry) > self.max_words:
                        held = entry
                        self._taken = [*batch, entry]
                        break
                    batch.append(entry)
                    words += _words(entry)
            await self._execute(batch)
            self._taken = [held] if held is not None else []

    async def _execute(self, batch: list[_Entry]) -> None:
        live = [e for e in batch if not e.future.done()]
        if not live:
            return
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            # what other processes committed since the last batch (an appended corpus)
            await loop.run_in_executor(self._executor, self.index.follow)
            if isinstance(live[0].payload, Job):
                function = live[0].payload.function
                results = [await loop.run_in_executor(self._executor, function, self.index)]
            else:
                results = await loop.run_in_executor(
                    self._executor, wsd_batch, self.index, [e.payload for e in live])
        except Exception as exc:  # noqa: BLE001 - handed to every waiting request
            for entry in live:
                if not entry.future.done():
                    entry.future.set_exception(exc)
            return
        finished = time.perf_counter()
        self.batches += 1
        self.items += len(live)
        for entry, result in zip(live, results, strict=True):
            if not entry.future.done():
                entry.future.set_result((result, Timing(
                    queued_ms=(started - entry.enqueued) * 1000.0,
                    work_ms=(finished - started) * 1000.0, batch=len(live))))


def _words(entry: _Entry) -> int:
    return entry.payload.words if isinstance(entry.payload, WsdQuery) else 0
