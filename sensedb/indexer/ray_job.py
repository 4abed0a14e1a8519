"""Distributed encoding of an index job on Ray (``sensedb index CORPUS --ray [ADDRESS]``).

Only the encoding leaves the process: the job's chunks (``chunks.chunk_documents``, the same
ones a single-process job makes) become the rows of a Ray Data dataset, which
``map_batches`` hands to :class:`ChunkEncoder` actors, one model load per worker; their word
matrices come back in chunk order and are committed by the calling process through the same
chunk writer and fold (``job.index_documents``). So the index is the one a single-process job
would write: the same row ids, the same sense sums, vectors equal within float tolerance
(another thread count may round differently).

A worker killed mid-chunk is restarted by Ray and its chunk encoded again; since nothing is
written until a chunk's matrix reaches the caller, a redone chunk is committed once. A job
killed as a whole resumes like any other (its committed documents are skipped).

Ray is an optional extra (``pip install 'sensedb[ray]'``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..corpora import Document
from ..encoder import Encoder
from ..errors import ConfigurationError
from .report import JobReport

EncodedChunk = tuple[list[Document], np.ndarray, np.ndarray]
# Words per chunk of a Ray job, at most: smaller than a single-process job's
# (``chunks.CHUNK_WORDS``) so that SemCor's 802k words make enough chunks to keep several
# workers busy; the rows and ids are the same, the vectors differ only by the padding of
# other length buckets. A smaller corpus is cut into CHUNKS_PER_WORKER chunks per worker.
RAY_CHUNK_WORDS = 50_000
CHUNKS_PER_WORKER = 4
# Fault injection for the tests and scripts/kill_resume.py: when this variable names a file
# that exists, the first worker to remove it dies (exit without cleanup) in its chunk.
FAULT_FILE_ENV = "SENSEDB_RAY_FAULT_FILE"


class ChunkEncoder:
    """The callable class ``map_batches`` runs in each Ray worker: it loads the encoder once
    (``settings``: keyword arguments of :class:`~sensedb.encoder.Encoder`) and turns a batch
    of chunks (``words``: each chunk's sentences' words as JSON) into their word matrices
    (``matrix``: float32 (words, dim) bytes, ``offsets``: int64 (sentences,) bytes)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.encoder = Encoder(**settings)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        matrices, offsets, rows = [], [], []
        for words in batch["words"]:
            matrix, starts = self.encoder.word_matrix(json.loads(words))
            _injected_fault()
            matrices.append(np.ascontiguousarray(matrix, dtype=np.float32).tobytes())
            offsets.append(np.asarray(starts, dtype=np.int64).tobytes())
            rows.append(len(matrix))
        return {"chunk": batch["chunk"], "matrix": np.array(matrices, dtype=object),
                "offsets": np.array(offsets, dtype=object), "rows": np.asarray(rows)}


def chunk_words(total_words: int, workers: int) -> int:
    """Words per chunk of a Ray job over ``total_words`` words with ``workers`` workers:
    ``RAY_CHUNK_WORDS``, or fewer so that every worker gets ``CHUNKS_PER_WORKER`` chunks."""
    return max(1, min(RAY_CHUNK_WORDS, total_words // (CHUNKS_PER_WORKER * max(workers, 1))))


def _injected_fault() -> None:
    fault = os.environ.get(FAULT_FILE_ENV)
    if fault:
        try:
            os.remove(fault)
        except FileNotFoundError:
            return
        os._exit(1)


def worker_settings(encoder: Encoder, threads: int, device: str | None = None) -> dict:
    """The keyword arguments that make an encoder equal to ``encoder`` in a worker (its
    model, layers, pooling, window, batch size and retrieval head; ``threads`` torch
    threads)."""
    described = encoder.describe()
    return {"model": described["model"], "layers": described["layers"],
            "pooling": described["layer_pooling"], "max_length": described["max_length"],
            "batch_tokens": encoder.batch_tokens, "threads": threads,
            "device": device or "cpu", "local_files_only": True,
            "head": encoder.head, "dtype": encoder.dtype}


def ray_encoder(encoder: Encoder, address: str | None = None, workers: int = 2):
    """An ``encode`` stage for ``job.index_documents`` that encodes the job's chunks on Ray:
    on the cluster at ``address``, or a local runtime with ``workers`` CPUs when ``address``
    is None or ``"local"``. ``workers``: encoder actors (one model load each). A killed
    worker is restarted and its chunk encoded again (Ray Data's actor pools restart and retry
    without limit by default).

    Raises:
        ConfigurationError: Ray is not installed, or the cluster cannot be reached."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise ConfigurationError("--ray needs Ray: pip install 'sensedb[ray]'") from None

    def encode(pending: Iterator[list[Document]], report: JobReport) -> Iterator[EncodedChunk]:
        t0 = time.perf_counter()
        chunks = list(pending)  # the skip/replace decisions are made here, in order
        report.read_seconds += time.perf_counter() - t0
        if not chunks:
            return
        started = not ray.is_initialized()
        if started:
            local = address in (None, "", "local")
            try:
                ray.init(address=None if local else address,
                         num_cpus=max(workers, 1) if local else None,
                         include_dashboard=False, log_to_driver=False,
                         ignore_reinit_error=True, configure_logging=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ConfigurationError(f"cannot reach the Ray cluster at {address}: "
                                         f"{exc}") from None
        try:
            context = ray.data.DataContext.get_current()
            context.execution_options.preserve_order = True
            context.enable_progress_bars = False
            items = [{"chunk": n, "words": json.dumps([s.words for d in c for s in d.sentences])}
                     for n, c in enumerate(chunks)]
            settings = worker_settings(encoder, threads=max(1, (os.cpu_count() or 2)
                                                            // max(workers, 1)))
            dataset = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
                ChunkEncoder, fn_constructor_kwargs={"settings": settings}, batch_size=1,
                compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
                zero_copy_batch=True)
            t0 = time.perf_counter()
            dim, waiting, next_chunk = encoder.dim, {}, 0
            for row in dataset.iter_rows():
                # committed in chunk order whatever order results come in (ids follow it)
                waiting[int(row["chunk"])] = row
                while next_chunk in waiting:
                    done = waiting.pop(next_chunk)
                    report.encode_seconds += time.perf_counter() - t0
                    matrix = np.frombuffer(done["matrix"], dtype=np.float32).reshape(-1, dim)
                    offsets = np.frombuffer(done["offsets"], dtype=np.int64)
                    yield chunks[next_chunk], matrix, offsets
                    next_chunk += 1
                    t0 = time.perf_counter()
        finally:
            if started:
                ray.shutdown()

    return encode
