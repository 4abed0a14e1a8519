"""Where opening an index and its first answer go, step by step, in one process.

    python scripts/bench_open_steps.py --index runs/semcor-index

A stopwatch over the steps a first ``wsd`` takes from process start, in their order:
importing torch, the device's context (the first tensor on CUDA, where there is one),
importing transformers, its model code and sensedb, opening the index, the first answer
(the model's load, WordNet's readers, the forward passes) and a second one. (The GPU figures
of BENCHMARKS.md were taken when the default model still loaded through sentence-transformers,
with a step importing it in place of the model code's.) Wall
seconds, printed one line a step. ``scripts/bench_open.py`` times whole CLI processes and
profiles them; this script needs no profiler and no match of library paths, so it reads
the same on any machine's installation (the GPU machine's, ``scripts/gpu_bench.sh``).
"""

from __future__ import annotations

import argparse
import time

SENTENCES = ("The children skipped stones from the muddy bank of the stream",
             "He sat on the bank of the river")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, help="an index directory")
    args = parser.parse_args()
    start = last = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal last
        now = time.perf_counter()
        print(f"{step}: {now - last:.2f} s", flush=True)
        last = now

    import torch
    lap("import torch")
    torch.zeros(1, device="cuda" if torch.cuda.is_available() else "cpu")
    lap("the device's context (a first tensor on it)")
    import transformers  # noqa: F401
    lap("import transformers")
    from transformers import AutoModel  # noqa: F401
    lap("import transformers' model code (AutoModel)")
    import sensedb.retriever.index as retriever
    lap("import sensedb")
    index = retriever.open(args.index)
    lap("open the index")
    index.wsd(SENTENCES[0], "bank")
    lap("the first wsd (the model's load, WordNet's readers, forward passes)")
    index.wsd(SENTENCES[1], "bank")
    lap("a second wsd")
    print(f"total: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
