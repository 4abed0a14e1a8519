"""Latency of a query's encoder pass with and without a retrieval head, side by side.

    python scripts/bench_head_latency.py runs/head12-heads/quick.npz [--threads 1]

One 12-word sentence: its word vectors and its sentence vector (what a `wsd` query encodes),
30 interleaved repetitions, medians.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sensedb import Encoder
from sensedb.head import RetrievalHead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("head", help="a head file or directory")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch threads (1 is steadier on a loaded machine)")
    args = parser.parse_args()
    head = RetrievalHead.load(args.head)
    plain = Encoder(head=None, threads=args.threads)
    headed = Encoder(head=head, threads=args.threads)
    words = "He sat on the bank of the river and watched the currents".split()
    for encoder in (plain, headed):  # warm up
        encoder.word_vectors([words])
        encoder.sentence_vectors([" ".join(words)])
    times: dict[str, list[float]] = {"bare": [], "head": []}
    for _ in range(30):
        for name, encoder in (("bare", plain), ("head", headed)):
            start = time.perf_counter()
            encoder.word_vectors([words])
            encoder.sentence_vectors([" ".join(words)])
            times[name].append(time.perf_counter() - start)
    ms = {name: 1000 * float(np.median(v)) for name, v in times.items()}
    print(f"bare {ms['bare']:.1f} ms, head {ms['head']:.1f} ms, "
          f"ratio {ms['head'] / ms['bare']:.2f}")


if __name__ == "__main__":
    main()
