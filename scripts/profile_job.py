"""Where an index job's time goes beyond encoding: the real job with a cheap stand-in model.

    python scripts/profile_job.py --data ../shared/data/wsd/semcor/semcor.data.xml \\
        --index runs/profile-job --json runs/profile_job.json
    python scripts/profile_job.py --data ../shared/data/wsd/semcor/semcor.data.xml \\
        --documents 20 --index runs/profile-job-20 --cprofile runs/profile_job.prof

Runs ``build_index`` (the job ``sensedb index`` runs: the check pass, the chunks, the fold,
the FAISS rebuild) on a corpus, with one thing replaced: the encoder's model pass
(``Encoder._forward``, the seam where the transformer runs) returns, for every batch, a fixed
random vector per word-piece id plus one per position (a seeded table: deterministic, the
same on every run and every source tree) in place of the model's hidden states. Tokenizing,
windowing, batching and pooling still run, so the job is the job, minus the model's
arithmetic: what is left is the work beyond encoding that the issue's ratio (a job against
a bare encoder pass, ``scripts/bench_index.py``) pays for.

Reports, for each step of the job, the process CPU seconds (``time.process_time``: every
thread of this process, robust to other processes sharing the machine) and the wall
seconds, inclusive and exclusive of the steps timed inside it, as a tree; Python's garbage
collector (``gc.callbacks``) is timed as a step of its own wherever it ran. A step is a
function of sensedb wrapped by name (``STEPS``); one that a source tree does not have is
left out (listed under ``missing``), so the same script profiles older and newer code.
``beyond_encoding`` is the whole job less the encoder's steps (``Encoder.word_matrix`` and
``Encoder.prepare``/``encode_prepared``, the stand-in included).

``--digest FILE`` writes what identifies the built index (every SQLite table's rows but the
job's times, in id order, and every file under the index directory, as SHA-256 digests);
``--compare A B`` prints which parts of two digests differ: the index a branch builds
against main's, from the same stand-in vectors. ``--cprofile FILE`` also runs the job under
cProfile (slower; the step seconds then include its overhead) and prints the top functions.
Only a serial job is profiled (``pipeline=False``): the wrapping is not thread-safe.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import hashlib
import importlib
import io
import json
import os
import pstats
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: The job's steps, wrapped by name: (label, module, attribute path). A function imported
#: by name into another module is wrapped where the caller looks it up.
STEPS: tuple[tuple[str, str, str], ...] = (
    ("check pass", "sensedb.api", "check_documents"),
    ("document hash", "sensedb.corpora.model", "Document.content_hash"),
    ("job's read", "sensedb.indexer.job", "_pending_chunks"),
    ("encode", "sensedb.encoder", "Encoder.word_matrix"),
    ("encode", "sensedb.encoder", "Encoder.encode_prepared"),
    ("tokenize + plan", "sensedb.encoder", "Encoder.prepare"),
    ("commit chunk", "sensedb.indexer.chunks", "commit_chunk"),
    ("save shard", "sensedb.indexer.directory", "IndexDirectory.save_shard"),
    ("SQL insert", "sensedb.schema.database", "Database.insert_rows"),
    ("SQL update", "sensedb.schema.database", "Database.update_rows"),
    ("new sense rows", "sensedb.indexer.chunks", "_new_senses"),
    ("synset + gloss", "sensedb.inventory.wordnet", "WordNet.synset_gloss"),
    ("sense sums", "sensedb.indexer.fold", "Committed.add"),
    ("shard precision", "sensedb.indexer.chunks", "shard_precision"),
    ("shard precision", "sensedb.indexer.chunks", "shard_rounded"),
    ("running stats", "sensedb.store.normalize", "RunningStats.update"),
    ("read manifest", "sensedb.indexer.directory", "IndexDirectory.manifest"),
    ("set manifest", "sensedb.indexer.directory", "IndexDirectory.set_manifest"),
    ("create indexes", "sensedb.schema.database", "Database.create_missing_indexes"),
    ("drop indexes", "sensedb.schema.database", "Database.drop_indexes"),
    ("fold", "sensedb.indexer.fold", "fold_sense_sums"),
    ("add to sense rows", "sensedb.indexer.fold", "add_to_rows"),
    ("finalize", "sensedb.indexer.rebuild", "finalize"),
    ("token rows", "sensedb.indexer.fold", "Committed.token_rows"),
    ("sense stores", "sensedb.indexer.rebuild", "sense_stores"),
    ("flat token store", "sensedb.indexer.rebuild", "token_store"),
    ("partitioned token store", "sensedb.indexer.token_stores", "partitioned_store"),
    ("append segment", "sensedb.indexer.token_stores", "append_segment"),
    ("partitioned build", "sensedb.store.partitioned", "PartitionedStore.build"),
    ("train codec", "sensedb.store.partitioned", "train_ivf"),
    ("any-lemma ANN train", "sensedb.store.anylemma", "AnyLemmaIndex.train"),
    ("any-lemma ANN add", "sensedb.store.anylemma", "AnyLemmaIndex.add"),
    ("add to lists", "sensedb.store.partitioned", "add_to_lists"),
    ("group sums", "sensedb.store.partitioned", "add_by_group"),
    ("save FAISS files", "sensedb.indexer.directory", "IndexDirectory.save_store"),
    ("record checksums", "sensedb.indexer.directory", "IndexDirectory.record_checksums"),
    ("remove old generations", "sensedb.indexer.directory",
     "IndexDirectory.remove_other_generations"),
)
ENCODING = ("encode",)  # labels whose time is the encoder's (the bare pass does it too)


class StepClock:
    """Inclusive and exclusive process-CPU and wall seconds of nested steps, keyed by the
    path of labels from the outermost step; the garbage collector's passes are a step
    ``gc`` under whatever step was running."""

    def __init__(self) -> None:
        self.stats: dict[tuple[str, ...], list[float]] = {}  # calls, cpu, wall, excl cpu, wall
        self._stack: list[list[Any]] = []  # label, cpu0, wall0, child cpu, child wall
        self._gc: tuple[float, float] | None = None

    def enter(self, label: str) -> None:
        self._stack.append([label, time.process_time(), time.perf_counter(), 0.0, 0.0])

    def leave(self) -> None:
        label, cpu0, wall0, child_cpu, child_wall = self._stack.pop()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        self._add(label, cpu, wall, cpu - child_cpu, wall - child_wall)

    def _add(self, label: str, cpu: float, wall: float, excl_cpu: float,
             excl_wall: float) -> None:
        path = (*(frame[0] for frame in self._stack), label)
        entry = self.stats.setdefault(path, [0, 0.0, 0.0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += cpu
        entry[2] += wall
        entry[3] += excl_cpu
        entry[4] += excl_wall
        if self._stack:
            self._stack[-1][3] += cpu
            self._stack[-1][4] += wall

    def collector(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self._gc = (time.process_time(), time.perf_counter())
        elif self._gc is not None:
            cpu = time.process_time() - self._gc[0]
            wall = time.perf_counter() - self._gc[1]
            self._gc = None
            self._add("gc", cpu, wall, cpu, wall)

    def timed(self, label: str, function: Callable) -> Callable:
        """``function`` timed as ``label``; a generator function's iterator is timed at
        every item it yields (the job's reading is a generator)."""
        clock = self

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            clock.enter(label)
            try:
                result = function(*args, **kwargs)
            finally:
                clock.leave()
            if label == "job's read":
                return clock._timed_iterator(label, result)
            return result

        return wrapper

    def _timed_iterator(self, label: str, iterator):
        iterator = iter(iterator)
        while True:
            self.enter(label)
            try:
                item = next(iterator, None)
            finally:
                self.leave()
            if item is None:
                return
            yield item


def instrument(clock: StepClock) -> list[str]:
    """Wrap every step of :data:`STEPS` that this source tree has; returns those it lacks."""
    missing = []
    for label, module_name, attribute in STEPS:
        try:
            owner: Any = importlib.import_module(module_name)
        except ImportError:
            missing.append(f"{module_name}.{attribute}")
            continue
        *parents, name = attribute.split(".")
        for parent in parents:
            owner = getattr(owner, parent, None)
        raw = None if owner is None else (owner.__dict__.get(name) if isinstance(owner, type)
                                          else getattr(owner, name, None))
        if raw is None:
            missing.append(f"{module_name}.{attribute}")
            continue
        if isinstance(raw, staticmethod):
            setattr(owner, name, staticmethod(clock.timed(label, raw.__func__)))
        elif isinstance(raw, classmethod):
            setattr(owner, name, classmethod(clock.timed(label, raw.__func__)))
        else:
            setattr(owner, name, clock.timed(label, raw))
    return missing


class StandInModel:
    """The encoder's model pass replaced: hidden states (every layer, the embeddings
    included) = a fixed random vector per word-piece id + one per position, float32
    (batch, width, dim), from a seeded generator. Deterministic and cheap; not a model."""

    def __init__(self, encoder, seed: int = 0) -> None:
        import torch

        rng = np.random.default_rng(seed)
        vocabulary = len(encoder.tokenizer)
        self.pieces = torch.from_numpy(
            rng.standard_normal((vocabulary, encoder.dim), dtype=np.float32))
        self.positions = torch.from_numpy(
            0.1 * rng.standard_normal((encoder.max_length + 2, encoder.dim), dtype=np.float32))
        self.layers = encoder.num_layers + 1

    def __call__(self, input_ids: np.ndarray, mask: np.ndarray):
        import torch

        ids = torch.from_numpy(np.ascontiguousarray(input_ids))
        states = self.pieces[ids] + self.positions[:ids.shape[1]]
        return (states,) * self.layers


#: Columns a run writes its clock's time to, by table (left out of :func:`digest`).
TIMES = {"jobs": ("started", "finished"), "file_checksums": ("written",)}


def digest(index: Path) -> dict[str, str]:
    """SHA-256 of every SQLite table's rows in order (without the times a run writes: the
    job's start and end, the checksum rows' times, the manifest's ``created``) and of every
    file under ``index`` but the SQLite files and the lock."""
    out: dict[str, str] = {}
    connection = sqlite3.connect(index / "sensedb.sqlite")
    tables = [r[0] for r in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for table in tables:
        columns = [r[1] for r in connection.execute(f"PRAGMA table_info({table})")]
        columns = [c for c in columns if c not in TIMES.get(table, ())]
        order = ", ".join(columns)
        where = " WHERE key != 'created'" if table == "manifest" else ""
        h = hashlib.sha256()
        rows = 0
        for row in connection.execute(f"SELECT {order} FROM {table}{where} ORDER BY {order}"):
            h.update(repr(row).encode())
            rows += 1
        out[f"table {table}"] = f"{rows} rows {h.hexdigest()[:16]}"
    indexes = sorted(r[0] for r in connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
    out["sql indexes"] = hashlib.sha256("\n".join(indexes).encode()).hexdigest()[:16]
    connection.close()
    for path in sorted(index.rglob("*")):
        if path.is_file() and not path.name.startswith(("sensedb.sqlite", ".lock")):
            out[f"file {path.relative_to(index)}"] = hashlib.sha256(
                path.read_bytes()).hexdigest()[:16]
    return out


def compare(a: Path, b: Path) -> int:
    """Print what differs between two digests; 0 when nothing does."""
    x, y = json.loads(a.read_text()), json.loads(b.read_text())
    differ = [k for k in sorted(x.keys() | y.keys()) if x.get(k) != y.get(k)]
    for key in differ:
        print(f"{key}: {x.get(key)} | {y.get(key)}")
    print(f"{len(x)} parts compared, {len(differ)} differ")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="CORPUS.data.xml")
    parser.add_argument("--gold", default=None, help="gold keys (default: beside --data)")
    parser.add_argument("--documents", type=int, default=None,
                        help="only the corpus's first N documents (a slice beside the index)")
    parser.add_argument("--index", help="index directory (replaced)")
    parser.add_argument("--chunk-words", type=int, default=None,
                        help="words per chunk (default: the job's)")
    parser.add_argument("--json", default=None, help="also write the figures here")
    parser.add_argument("--digest", default=None, help="write the built index's digest here")
    parser.add_argument("--compare", nargs=2, default=None, metavar=("A", "B"),
                        help="compare two digests and stop")
    parser.add_argument("--cprofile", default=None,
                        help="also run under cProfile, stats written here")
    parser.add_argument("--top", type=int, default=30, help="cProfile functions printed")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(Path(args.compare[0]), Path(args.compare[1]))
    if not args.data or not args.index:
        parser.error("--data and --index are required")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import sensedb
    from sensedb import Encoder, build_index
    from sensedb.inventory import default_wordnet

    data = Path(args.data)
    gold = Path(args.gold) if args.gold else data.with_name(
        data.name.replace(".data.xml", ".gold.key.txt"))
    index = Path(args.index)
    if args.documents is not None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from kill_resume import prepare_corpus

        work = index.parent / (index.name + "-corpus")
        work.mkdir(parents=True, exist_ok=True)
        data, gold = prepare_corpus(data, gold, args.documents, 1, work)
    if args.chunk_words is not None:
        import sensedb.api

        sensedb.api.CHUNK_WORDS = args.chunk_words
    encoder = Encoder()
    encoder._forward = StandInModel(encoder)
    wordnet = default_wordnet()
    wordnet.has_key("entity%1:03:00::")  # the sense index read now, not inside a step
    clock = StepClock()
    missing = instrument(clock)
    shutil.rmtree(index, ignore_errors=True)
    gc.collect()
    gc.callbacks.append(clock.collector)
    profiler = cProfile.Profile() if args.cprofile else None
    load = [os.getloadavg()[0]]
    clock.enter("job")
    try:
        if profiler is not None:
            profiler.enable()
        report = build_index(data, index, gold=gold, encoder=encoder, wordnet=wordnet,
                             progress=False, pipeline=False)
    finally:
        if profiler is not None:
            profiler.disable()
        clock.leave()
        gc.callbacks.remove(clock.collector)
    load.append(os.getloadavg()[0])

    def total(label: str, column: int) -> float:
        return sum(v[column] for p, v in clock.stats.items() if p[-1] == label
                   and not any(x == label for x in p[:-1]))

    job = clock.stats[("job",)]
    encode_cpu = sum(total(label, 1) for label in ENCODING)
    encode_wall = sum(total(label, 2) for label in ENCODING)
    steps = {" > ".join(path): {"calls": int(v[0]), "cpu": round(v[1], 3), "wall": round(v[2], 3),
                                "cpu_exclusive": round(v[3], 3), "wall_exclusive": round(v[4], 3)}
             for path, v in sorted(clock.stats.items())}
    figures = {
        "corpus": str(data), "sensedb": str(Path(sensedb.__file__).parent),
        "documents": report.documents, "words": report.words, "tokens": report.tokens,
        "load_average_1min": [round(x, 2) for x in load],
        "job_cpu": round(job[1], 2), "job_wall": round(job[2], 2),
        "encode_cpu": round(encode_cpu, 2), "encode_wall": round(encode_wall, 2),
        "beyond_encoding_cpu": round(job[1] - encode_cpu, 2),
        "beyond_encoding_wall": round(job[2] - encode_wall, 2),
        "gc_cpu": round(total("gc", 1), 2), "gc_wall": round(total("gc", 2), 2),
        "report": report.to_dict(), "missing": missing, "steps": steps,
    }
    print(f"sensedb from {figures['sensedb']}; {report.documents} documents, "
          f"{report.words} words, {report.tokens} labelled tokens; load {load}")
    print(f"{'step (seconds)':58} {'calls':>6} {'cpu':>8} {'excl':>8} {'wall':>8} {'excl':>8}")
    for path, v in sorted(clock.stats.items()):
        name = "  " * (len(path) - 1) + path[-1]
        print(f"{name:58} {int(v[0]):6d} {v[1]:8.2f} {v[3]:8.2f} {v[2]:8.2f} {v[4]:8.2f}")
    print(f"beyond encoding: cpu {figures['beyond_encoding_cpu']} s, wall "
          f"{figures['beyond_encoding_wall']} s (job cpu {figures['job_cpu']}, encoding cpu "
          f"{figures['encode_cpu']}); gc cpu {figures['gc_cpu']} s")
    if missing:
        print("not in this tree:", ", ".join(missing))
    if profiler is not None:
        profiler.dump_stats(args.cprofile)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
    if args.digest:
        Path(args.digest).parent.mkdir(parents=True, exist_ok=True)
        Path(args.digest).write_text(json.dumps(digest(index), indent=1) + "\n")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
