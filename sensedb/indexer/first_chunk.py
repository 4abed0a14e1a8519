"""An index job's first chunk, encoded while the check pass still reads the corpus.

``api.build_index`` reads and checks the whole corpus before anything is written, so that a
bad document cannot stop a job after its first commit. Nothing in that rule keeps the
encoder idle meanwhile: encoding writes nothing. :func:`check_while_encoding` runs the check
pass in a thread (``sensedb-check``) while the caller's thread loads the encoder and, for a
pipelined job, encodes the job's first chunk: the first documents the check finds to index
(``documents.check_documents(to_index=...)``: not already indexed as they are, not
duplicates), cut as the job cuts its first chunk (``chunks.chunk_documents``,
``chunks.first_chunk_words``: small on a CPU, a whole chunk on a GPU), encoded as soon as
the check has handed them over. The job (``job.index_documents(first=...)``) takes these
vectors for its first chunk when that chunk holds the same sentences, as it does unless the
index changed between the check and the job's lock; else it encodes its chunk itself (the
vectors are only ever those the job would compute: the same sentences, prepared and encoded
by the same call).

The check's outcome is the one a check run alone has: its error is raised before anything
is written, and before an error of the encoder's own loading (a bad corpus is named first,
whatever the model); an error found while the first chunk encodes stops the encoder at its
next batch. On a CPU whose cores the encoder's threads fill, the check thread is a busy
stage of the job's ``pipeline.CoreShare``: the encoder runs one thread fewer until the
check ends. BENCHMARKS.md, "The check pass beside the first chunk".
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np

from ..corpora import Document
from ..encoder import Encoder
from ..gc_policy import bulk_work
from . import pipeline as pipeline_module
from .chunks import chunk_documents

#: The check pass: (the corpus's documents, a call for each document the job will index)
#: -> the words to index (``documents.check_documents``).
Check = Callable[[Iterator[Document], Callable[[Document], object]], int]

_END = object()  # the check pass handed over its last document (or failed)


class _Stopped(Exception):
    """The caller stopped the check pass (its own work failed or was interrupted)."""


class _CheckFailed(Exception):
    """The check pass failed while the first chunk encoded: stop encoding."""


@dataclass
class FirstChunk:
    """A job's first chunk as :func:`check_while_encoding` encoded it: ``sentences`` (each
    sentence's words, in order), ``matrix`` (words, dim) float32 raw word vectors, ``offsets``
    (n_sentences,) int64 first row of each sentence, ``seconds`` of tokenizing and encoding
    (wall), ``counted`` its words already counted on a progress bar as they were encoded
    (0: none)."""

    sentences: list[list[str]]
    matrix: np.ndarray
    offsets: np.ndarray
    seconds: float
    counted: int = 0

    def matches(self, chunk: list[Document]) -> bool:
        """Whether ``chunk`` holds exactly the sentences encoded here, in order."""
        return [s.words for d in chunk for s in d.sentences] == self.sentences


class _BusyStage:
    """The check thread as a busy stage of a :class:`~pipeline.CoreShare` attached after it
    started (the share needs the encoder's threads): counted busy from :meth:`attach` until
    the thread ends or the share closes, whichever is first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._share: pipeline_module.CoreShare | None = None
        self._running = True

    def attach(self, share: pipeline_module.CoreShare) -> None:
        with self._lock:
            if self._running:
                share.enter()
                self._share = share

    def end(self) -> None:
        with self._lock:
            self._running = False
            if self._share is not None:
                self._share.leave()
                self._share = None


def check_while_encoding(check: Check, documents: Iterator[Document],
                         load: Callable[[], Encoder], *,
                         first_words: Callable[[Encoder], int], chunk_words: int,
                         progress: Callable[[int], object] | None = None
                         ) -> tuple[int, Encoder, FirstChunk | None]:
    """Run ``check`` over ``documents`` in a thread while this thread calls ``load()`` (the
    job's encoder) and, unless ``first_words(encoder)`` is 0, encodes the job's first chunk
    (``chunk_documents(..., chunk_words, first_words=first_words(encoder))``'s first) from
    the documents the check hands over, each batch's words to ``progress`` (a bar's
    ``update``) as it is encoded. Returns (the check's result: words to index, the
    encoder, the first chunk or None: not encoded, or no document to index).

    Raises:
        whatever the check raises (``InputError``: the corpus), before whatever ``load`` or
        the encoder raise (the check reads on to its end first, as it did before the model
        loaded); then theirs. An interrupt (``KeyboardInterrupt``) stops the check at its
        next document."""
    handoff: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    stage = _BusyStage()
    outcome: dict[str, object] = {}

    def until_stopped() -> Iterator[Document]:
        for document in documents:
            if stop.is_set():
                raise _Stopped
            yield document

    def run() -> None:
        try:
            with bulk_work():
                outcome["words"] = check(until_stopped(), handoff.put)
        except BaseException as error:  # raised in the caller's thread
            outcome["error"] = error
        finally:
            stage.end()
            handoff.put(_END)

    thread = threading.Thread(target=run, name="sensedb-check", daemon=True)
    thread.start()
    try:
        encoder = load()
        first, words = None, first_words(encoder)
        if words:
            first = _encode_first(encoder, iter(handoff.get, _END), outcome, stage,
                                  chunk_words, words, progress)
    except BaseException as failure:
        if not isinstance(failure, Exception):  # interrupted: stop the check too
            stop.set()
        thread.join()  # else the whole corpus is checked: its error is named first
        error = outcome.get("error")
        if isinstance(error, BaseException) and not isinstance(error, _Stopped):
            raise error from None
        raise
    thread.join()
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise error
    return int(outcome["words"]), encoder, first  # type: ignore[call-overload]


def _encode_first(encoder: Encoder, handed: Iterator[Document], outcome: dict[str, object],
                  stage: _BusyStage, chunk_words: int, first_words: int,
                  progress: Callable[[int], object] | None = None) -> FirstChunk | None:
    """The first chunk of ``handed`` encoded (None when the check hands over nothing);
    stops at the next batch once the check failed."""
    chunk = next(chunk_documents(handed, chunk_words, first_words=first_words), None)
    if chunk is None or "error" in outcome:
        return None
    sentences = [s.words for d in chunk for s in d.sentences]
    shares = pipeline_module.cores_filled(encoder.device, encoder.threads())
    t0 = time.perf_counter()
    with pipeline_module.shared_cores(encoder.threads()) if shares else nullcontext() as share:
        if share is not None:
            stage.attach(share)

        def before_batch() -> None:
            if "error" in outcome:
                raise _CheckFailed
            if share is not None:
                share.before_batch()

        try:
            prepared = encoder.prepare(sentences)
            matrices, offsets = encoder.encode_prepared(prepared, progress=progress or False,
                                                        before_batch=before_batch)
        except _CheckFailed:
            return None  # the caller raises the check's error
        finally:
            stage.end()  # the share closes: the check thread no longer counts in it
    return FirstChunk(sentences, matrices["v"], offsets, time.perf_counter() - t0,
                      len(matrices["v"]) if progress is not None else 0)
