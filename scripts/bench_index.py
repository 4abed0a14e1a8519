"""Index a corpus and compare with a bare encoder pass over the same sentences, in one run.

    python scripts/bench_index.py --data ../shared/data/wsd/semcor/semcor.data.xml \
        --index runs/semcor-index --rounds 2 --json runs/bench_index.json
    python scripts/bench_index.py --data ../shared/data/wsd/semcor/semcor.data.xml \
        --index runs/bench-index --documents 40 --modes serial,pipelined --rounds 2

Prints (and with ``--json`` writes) wall time, word tokens/s and the ratio of indexing
throughput to the bare pass. Bare passes and jobs alternate: bare, job, bare, job, ..., bare
(``--rounds N`` rounds of every job mode in ``--modes``: ``serial`` and/or ``pipelined``,
``sensedb.indexer.pipeline``), and each job is compared with the mean of the bare passes
before and after it, so a drift in the machine's speed favours neither side. A bare pass is
the job's own encoder call (``Encoder.word_vectors``: the same tokenization, batching,
pooling on the device and torch threads) over all the sentences in one call; the job's
seconds include loading its model, so each bare pass's model load is timed too and a second
ratio counts it on the bare side (``..._with_model_load``); this machine's
speed swings by 10-20% over minutes, so one round's ratio says little on its own. The jobs
of different modes must build the same index: the script checks their token vectors.
``--documents N`` takes the corpus's first N documents (a slice, written beside the index).
Also reports where each job's time went (reading, encoding, writing chunks, finalize; a
pipelined job's stages overlap), how long Python's garbage collector ran, the load average
and, with ``--plan``, how many padded word pieces the job's chunks cost against one call over
every sentence (``Encoder.batch_plan``).

On a GPU (``--device cuda``; ``--dtype bf16`` for bfloat16 on both sides) the script also
samples the GPU's utilization and memory every 100 ms during each bare pass and each job
(``nvidia-smi -lms 100``, else ``torch.cuda.utilization``, else not reported) and reports
their means and peaks. The GPU figures of BENCHMARKS.md come from one call of
``scripts/gpu_bench.sh`` on the GPU machine (fp32 then bf16, serial and pipelined).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from figures import write_figures  # scripts/figures.py

import sensedb.api
from sensedb import Encoder, build_index, read_raganato
from sensedb.indexer.chunks import (
    CHUNK_WORDS,
    LAST_CHUNK_WORDS,
    chunk_documents,
    first_chunk_words,
)

MODES = ("serial", "pipelined")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CORPUS.data.xml (gold key beside it)")
    parser.add_argument("--index", required=True, help="index directory (replaced)")
    parser.add_argument("--documents", type=int, default=None,
                        help="only the corpus's first N documents (default: all)")
    parser.add_argument("--modes", default="serial",
                        help="job modes to alternate, comma-separated: serial, pipelined "
                             "(default serial)")
    parser.add_argument("--chunk-words", type=int, default=CHUNK_WORDS,
                        help=f"words per chunk of the jobs (default {CHUNK_WORDS}, the job's); "
                             "a slice needs smaller ones for a pipelined job to overlap chunks")
    parser.add_argument("--layers", default="last")
    parser.add_argument("--dtype", default="fp32", help="the model's dtype, both sides")
    parser.add_argument("--device", default=None)
    parser.add_argument("--standardize", action="store_true")
    parser.add_argument("--rounds", type=int, default=1,
                        help="rounds of jobs (one per mode), each between two bare passes")
    parser.add_argument("--json", default=None, help="also write the figures here")
    parser.add_argument("--plan", action="store_true",
                        help="also plan the batch padding (no model run; tokenizes twice)")
    parser.add_argument("--plan-chunk-words", default=str(CHUNK_WORDS),
                        help="chunk sizes (words, comma-separated) whose batch padding to plan "
                             f"against one call (default {CHUNK_WORDS}, the job's)")
    parser.add_argument("--plan-only", action="store_true",
                        help="print the padding plans and stop (no model run, seconds)")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    sensedb.api.CHUNK_WORDS = args.chunk_words  # what build_index cuts the job into
    if not modes or any(m not in MODES for m in modes):
        parser.error(f"--modes: give some of {', '.join(MODES)}")
    data = Path(args.data)
    gold = data.with_name(data.name.replace(".data.xml", ".gold.key.txt"))
    if args.documents is not None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from kill_resume import prepare_corpus

        work = Path(args.index).parent / (Path(args.index).name + "-corpus")
        work.mkdir(parents=True, exist_ok=True)
        data, gold = prepare_corpus(data, gold, args.documents, 1, work)

    t0 = time.perf_counter()
    documents = list(read_raganato(data, gold))
    sentences = [s.words for d in documents for s in d.sentences]
    read_seconds = time.perf_counter() - t0
    words = sum(len(s) for s in sentences)
    settings = {"layers": args.layers, "dtype": args.dtype, "device": args.device}
    plans = _plans(Encoder(**settings), documents, sentences, args.plan_chunk_words) \
        if args.plan or args.plan_only else None
    del documents
    if args.plan_only:
        print(json.dumps(plans, indent=2))
        return

    collector = _CollectorClock()

    gpu = _GpuSampler.for_device(args.device)
    gpu_figures: dict[str, list] = {"bare": []}

    model_load: list[float] = []
    Encoder(**settings)  # imports torch and the model code once: a load below is the model's

    def bare_pass() -> float:
        t0 = time.perf_counter()
        encoder = Encoder(**settings)  # the job loads its model too: timed apart
        model_load.append(time.perf_counter() - t0)
        with gpu.sampling() as samples:
            t0 = time.perf_counter()
            encoder.word_vectors(sentences, progress=True)
            seconds = time.perf_counter() - t0
        gpu_figures["bare"].append(samples.summary())
        return seconds

    def index_run(mode: str):
        path = f"{args.index}-{mode}"
        shutil.rmtree(path, ignore_errors=True)
        with gpu.sampling() as samples:
            t0 = time.perf_counter()
            report = build_index(data, path, gold=gold, layers=args.layers, dtype=args.dtype,
                                 device=args.device, standardize=args.standardize,
                                 pipeline=mode == "pipelined")
            seconds = time.perf_counter() - t0
        gpu_figures.setdefault(mode, []).append(samples.summary())
        return seconds, report

    # bare, job, bare, job, ..., bare: every job sits between two bare passes
    load = [os.getloadavg()[0]]
    bare = [bare_pass()]
    gc_bare = [collector.take()]
    runs: dict[str, list] = {mode: [] for mode in modes}
    ratios: dict[str, list[float]] = {mode: [] for mode in modes}
    loaded_ratios: dict[str, list[float]] = {mode: [] for mode in modes}
    gc_index: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(args.rounds):
        for mode in modes:
            seconds, report = index_run(mode)
            runs[mode].append((seconds, report))
            gc_index[mode].append(round(collector.take(), 2))
            bare.append(bare_pass())
            gc_bare.append(collector.take())
            ratios[mode].append(round((bare[-2] + bare[-1]) / 2 / seconds, 3))
            loaded_ratios[mode].append(round(
                (bare[-2] + bare[-1] + model_load[-2] + model_load[-1]) / 2 / seconds, 3))
            load.append(os.getloadavg()[0])
    bare_seconds = float(np.mean(bare))

    def mean_of(mode: str, name: str) -> float:
        return round(float(np.mean([getattr(r, name) for _, r in runs[mode]])), 1)

    jobs = {}
    for mode in modes:
        index_seconds = float(np.mean([seconds for seconds, _ in runs[mode]]))
        jobs[mode] = {
            "index_seconds_each": [round(x, 1) for x, _ in runs[mode]],
            "ratio_each_round": ratios[mode],
            "index_seconds": round(index_seconds, 1),
            "index_words_per_second": round(words / index_seconds, 1),
            "read_seconds": mean_of(mode, "read_seconds"),
            "encode_seconds": mean_of(mode, "encode_seconds"),
            "write_seconds": mean_of(mode, "write_seconds"),
            "finalize_seconds": mean_of(mode, "finalize_seconds"),
            "seconds_beyond_encoding": round(index_seconds - mean_of(mode, "encode_seconds"),
                                             1),
            "throughput_ratio_index_to_bare": round(bare_seconds / index_seconds, 3),
            # the bare pass with its model's load (the job's seconds include its own)
            "ratio_with_model_load_each_round": loaded_ratios[mode],
            "throughput_ratio_index_to_bare_with_model_load": round(
                (bare_seconds + float(np.mean(model_load))) / index_seconds, 3),
            "garbage_collector_seconds": gc_index[mode],
            "index_disk_bytes": sum(p.stat().st_size for p in
                                    Path(f"{args.index}-{mode}").rglob("*") if p.is_file()),
        }
    report = runs[modes[0]][-1][1]
    figures = {
        "corpus": str(data), "documents": report.documents, "sentences": len(sentences),
        "words": words, "labelled_tokens": report.tokens, "senses": report.senses_touched,
        "dtype": args.dtype, "cpu_count": os.cpu_count(), "chunk_words": args.chunk_words,
        "load_average_1min_each_step": [round(x, 1) for x in load],
        "read_seconds": round(read_seconds, 1), "rounds": args.rounds, "modes": modes,
        "bare_encoder_seconds_each": [round(x, 1) for x in bare],
        "bare_encoder_seconds": round(bare_seconds, 1),
        "model_load_seconds_each": [round(x, 2) for x in model_load],
        "bare_words_per_second": round(words / bare_seconds, 1),
        "garbage_collector_seconds_bare": [round(x, 2) for x in gc_bare],
        "jobs": jobs,
        **({"same_vectors_across_modes": _same_vectors([f"{args.index}-{m}" for m in modes])}
           if len(modes) > 1 else {}),
        **({"batch_plans": plans} if plans else {}),
        **({"gpu": {"sampler": gpu.kind, **gpu_figures}} if gpu.kind else {}),
    }
    write_figures(figures, args.json)


def _plans(planner: Encoder, documents, sentences, chunk_words: str) -> dict:
    """The padding of one call over every sentence against chunks like the job's (its
    small first and last chunks included, ``chunks.first_chunk_words``)."""
    one_call = planner.batch_plan(sentences)
    total = sum(len(s) for s in sentences)
    chunk_plans = {}
    for size in (int(x) for x in chunk_words.split(",")):
        plans = [planner.batch_plan([s.words for d in chunk for s in d.sentences])
                 for chunk in chunk_documents(documents, size, total_words=total,
                                              first_words=first_chunk_words(planner.device, size),
                                              last_words=LAST_CHUNK_WORDS)]
        totals = {key: sum(plan[key] for plan in plans) for key in one_call}
        chunk_plans[size] = {"chunks": len(plans), **totals, "padded_over_one_call": round(
            totals["padded_pieces"] / one_call["padded_pieces"], 4)}
    return {"one_call": one_call, "chunk_words": chunk_plans}


def _same_vectors(paths: list[str]) -> dict:
    """Whether the indexes at ``paths`` hold the same raw token vectors (their shards, in
    order): the largest absolute difference from the first."""
    def vectors(path: str) -> np.ndarray:
        files = sorted(Path(path, "raw").glob("shard-*.vectors.npy"))
        return np.concatenate([np.load(f) for f in files])

    first = vectors(paths[0])
    out = {}
    for path in paths[1:]:
        other = vectors(path)
        out[Path(path).name] = ("different shapes" if other.shape != first.shape
                                else float(np.abs(other - first).max()))
    return out


class _GpuSampler:
    """GPU utilization (%) and memory (MiB) every 100 ms while a timed step runs:
    ``nvidia-smi -lms 100`` in a child process, else ``torch.cuda.utilization`` (pynvml)
    in a thread; ``kind`` None where neither works (a CPU run)."""

    def __init__(self, kind: str | None) -> None:
        self.kind = kind

    @classmethod
    def for_device(cls, device: str | None) -> _GpuSampler:
        import torch

        if not torch.cuda.is_available() or not str(device or "cuda").startswith("cuda"):
            return cls(None)
        if shutil.which("nvidia-smi"):
            return cls("nvidia-smi")
        try:
            torch.cuda.utilization()
        except Exception:  # no pynvml: nothing to sample with
            return cls(None)
        return cls("torch.cuda.utilization")

    def sampling(self) -> _Samples:
        return _Samples(self.kind)


class _Samples:
    def __init__(self, kind: str | None) -> None:
        self.kind = kind
        self.utilization: list[float] = []
        self.memory: list[float] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> _Samples:
        if self.kind == "nvidia-smi":
            self._process = subprocess.Popen(
                ["nvidia-smi", "--query-gpu=utilization.gpu,memory.used",
                 "--format=csv,noheader,nounits", "-lms", "100"],
                stdout=subprocess.PIPE, text=True)
            self._threads.append(threading.Thread(target=self._read_smi, daemon=True))
        elif self.kind is not None:
            self._threads.append(threading.Thread(target=self._poll_torch, daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._process is not None:
            self._process.terminate()
            self._process.wait()
        for thread in self._threads:
            thread.join(timeout=2)

    def _read_smi(self) -> None:
        for line in self._process.stdout:  # one line per GPU per sample: the first GPU's
            parts = [p.strip() for p in line.split(",")]
            if len(parts) == 2 and parts[0].isdigit():
                self.utilization.append(float(parts[0]))
                self.memory.append(float(parts[1]))

    def _poll_torch(self) -> None:
        import torch

        while not self._stop.wait(0.1):
            self.utilization.append(float(torch.cuda.utilization()))
            self.memory.append(torch.cuda.memory_allocated() / 2**20)

    def summary(self) -> dict:
        if not self.utilization:
            return {}
        return {"samples": len(self.utilization),
                "utilization_mean_percent": round(float(np.mean(self.utilization)), 1),
                "utilization_max_percent": round(float(np.max(self.utilization)), 1),
                "memory_max_mib": round(float(np.max(self.memory)), 1)}


class _CollectorClock:
    """Seconds Python's garbage collector ran since the last ``take``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0
        gc.callbacks.append(self._tick)

    def _tick(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start

    def take(self) -> float:
        seconds, self.seconds = self.seconds, 0.0
        return seconds


if __name__ == "__main__":
    main()
