"""Index a corpus and compare with a bare encoder pass over the same sentences, in one run.

    python scripts/bench_index.py --data ../shared/data/wsd/semcor/semcor.data.xml \
        --index runs/semcor-index --json runs/bench_index.json

Prints wall time, word tokens/s and the ratio of indexing throughput to the bare pass. The
bare pass runs before and after the job and the ratio uses their mean, so a drift in the
machine's speed during the run does not favour either side. ``--rounds N`` alternates N jobs
with N + 1 bare passes (bare, job, bare, ..., bare) and compares the means: this machine's
speed swings by 10-20% over minutes, so one round's ratio says little on its own.
Also reports where the job's time went (reading, encoding, writing chunks, rebuilding FAISS),
how long Python's garbage collector ran in each pass, and how many padded word pieces the
job's chunks cost against one call over every sentence (``Encoder.batch_plan``).
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import time
from pathlib import Path

import numpy as np

from sensedb import Encoder, build_index, read_raganato
from sensedb.indexer.chunks import CHUNK_WORDS, chunk_documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CORPUS.data.xml (gold key beside it)")
    parser.add_argument("--index", required=True, help="index directory (replaced)")
    parser.add_argument("--layers", default="last")
    parser.add_argument("--standardize", action="store_true")
    parser.add_argument("--rounds", type=int, default=1,
                        help="index jobs, each between two bare passes (default 1)")
    parser.add_argument("--json", default=None, help="also write the figures here")
    parser.add_argument("--plan-chunk-words", default=str(CHUNK_WORDS),
                        help="chunk sizes (words, comma-separated) whose batch padding to plan "
                             f"against one call (default {CHUNK_WORDS}, the job's)")
    parser.add_argument("--plan-only", action="store_true",
                        help="print the padding plans and stop (no model run, seconds)")
    args = parser.parse_args()
    data = Path(args.data)
    gold = data.with_name(data.name.replace(".data.xml", ".gold.key.txt"))

    t0 = time.perf_counter()
    documents = list(read_raganato(data, gold))
    sentences = [s.words for d in documents for s in d.sentences]
    read_seconds = time.perf_counter() - t0
    words = sum(len(s) for s in sentences)
    # the padding of one call over every sentence against chunks like the job's
    planner = Encoder(layers=args.layers)
    plan_one_call = planner.batch_plan(sentences)
    chunk_plans = {}
    for size in (int(x) for x in args.plan_chunk_words.split(",")):
        plans = [planner.batch_plan([s.words for d in chunk for s in d.sentences])
                 for chunk in chunk_documents(documents, size)]
        totals = {key: sum(plan[key] for plan in plans) for key in plan_one_call}
        chunk_plans[size] = {"chunks": len(plans), **totals, "padded_over_one_call": round(
            totals["padded_pieces"] / plan_one_call["padded_pieces"], 4)}
    del planner, documents
    if args.plan_only:
        print(json.dumps({"one_call": plan_one_call, "chunk_words": chunk_plans}, indent=2))
        return

    collector = _CollectorClock()

    def bare_pass() -> float:
        encoder = Encoder(layers=args.layers)
        t0 = time.perf_counter()
        encoder.word_vectors(sentences, progress=True)
        return time.perf_counter() - t0

    def index_run():
        shutil.rmtree(args.index, ignore_errors=True)
        t0 = time.perf_counter()
        report = build_index(data, args.index, gold=gold, layers=args.layers,
                             standardize=args.standardize)
        return time.perf_counter() - t0, report

    # bare, job, bare, job, ..., bare: every job sits between two bare passes
    bare = [bare_pass()]
    gc_bare, gc_index = [collector.take()], []
    runs = []
    for _ in range(args.rounds):
        runs.append(index_run())
        gc_index.append(collector.take())
        bare.append(bare_pass())
        gc_bare.append(collector.take())
    bare_seconds = float(np.mean(bare))
    index_seconds = float(np.mean([seconds for seconds, _ in runs]))
    report = runs[-1][1]

    def mean_of(name: str) -> float:
        return round(float(np.mean([getattr(r, name) for _, r in runs])), 1)

    figures = {
        "corpus": str(data), "sentences": len(sentences), "words": words,
        "labelled_tokens": report.tokens, "senses": report.senses_touched,
        "read_seconds": round(read_seconds, 1),
        "rounds": args.rounds,
        "bare_encoder_seconds_each": [round(x, 1) for x in bare],
        "index_seconds_each": [round(x, 1) for x, _ in runs],
        "ratio_each_round": [round((bare[n] + bare[n + 1]) / 2 / x, 3)
                             for n, (x, _) in enumerate(runs)],
        "bare_encoder_seconds": round(bare_seconds, 1),
        "bare_words_per_second": round(words / bare_seconds, 1),
        "index_seconds": round(index_seconds, 1),
        "index_words_per_second": round(words / index_seconds, 1),
        "index_read_seconds": mean_of("read_seconds"),
        "index_encode_seconds": mean_of("encode_seconds"),
        "index_write_seconds": mean_of("write_seconds"),
        "index_finalize_seconds": mean_of("finalize_seconds"),
        "index_seconds_beyond_encoding": round(
            index_seconds - float(np.mean([r.encode_seconds for _, r in runs])), 1),
        "throughput_ratio_index_to_bare": round(bare_seconds / index_seconds, 3),
        "garbage_collector_seconds": {"bare": [round(x, 2) for x in gc_bare],
                                      "index": [round(x, 2) for x in gc_index]},
        "batch_plan_one_call": plan_one_call,
        "batch_plan_chunk_words": chunk_plans,
        "index_disk_bytes": sum(p.stat().st_size for p in Path(args.index).rglob("*")
                                if p.is_file()),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


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
