"""Time the restricted (and ``--any-lemma``) queries of a store ``bench_store.py`` saved, from
any checkout of sensedb: the A/B of two versions of the store code on the same files.

    python scripts/bench_store_queries.py --work runs/bench10m/n10000000 --kind sq8 \\
        [--root CHECKOUT] [--passes 2] [--any]

Reads ``KIND.faiss`` / ``KIND.groups.npz``, the queries ``queries.npy`` / ``queries.json`` and
the exact answers ``exact-*.npz`` that a ``bench_store.py --keep`` run left in ``--work``;
opens the store read-only with the code under ``--root`` (default: this checkout) and
answers every query one at a time, ``--passes`` times. Prints, per pass, a JSON line: p50 /
p99 wall and p50 CPU milliseconds per query, and recall@10 against the exact answers. Run
two checkouts alternately, each in a fresh process, for a side-by-side figure
(BENCHMARKS.md, store round 5).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", required=True, help="a bench_store.py size directory")
    parser.add_argument("--kind", required=True, choices=("sq8", "pq", "rabitq"))
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1]),
                        help="the checkout whose sensedb answers (default: this one)")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--any", action="store_true",
                        help="time --any-lemma queries (the first 100) instead")
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    from sensedb.store.partitioned import open_store

    work = Path(args.work)
    store = open_store(work / f"{args.kind}.faiss", work / f"{args.kind}.groups.npz")
    queries = np.load(work / "queries.npy")
    groups = json.loads((work / "queries.json").read_text())
    saved = sorted(work.glob("exact-*.npz"))
    with np.load(saved[-1]) as data:
        exact = data["exact_any"] if args.any else data["exact"]
    if args.any:
        queries = queries[:len(exact)]
    for number in range(args.passes):
        wall, cpu, right = [], [], []
        for i, query in enumerate(queries):
            t0, c0 = time.perf_counter(), time.process_time()
            _, ids = store.search(query, 10, None if args.any else [groups[i]])
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            want = exact[i][exact[i] >= 0]
            right.append(len(set(ids[0].tolist()) & set(want.tolist())) / max(len(want), 1))
        print(json.dumps({"root": args.root, "kind": args.kind, "any_lemma": args.any,
                          "pass": number + 1,
                          "p50_ms": round(float(np.percentile(wall, 50)) * 1e3, 3),
                          "p99_ms": round(float(np.percentile(wall, 99)) * 1e3, 3),
                          "p50_cpu_ms": round(float(np.percentile(cpu, 50)) * 1e3, 3),
                          "recall@10": round(float(np.mean(right)), 4)}), flush=True)


if __name__ == "__main__":
    main()
