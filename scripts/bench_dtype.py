"""The encoder in bf16 (or fp16 on a GPU) against fp32: speed, cosine drift, SE07 F1.

    python scripts/bench_dtype.py --data ../shared/data/wsd/semcor/semcor.data.xml \
        --documents 20 --rounds 2 --se07 ../shared/data/wsd/semeval2007 \
        --work runs/bench-dtype --json runs/bench_dtype.json

Encodes the sentences of a corpus (``--documents N``: its first N documents) with an fp32
and a ``--dtype`` encoder, alternating (fp32, other, fp32, ..., ``--rounds`` of each), and
reports words/s of each and the cosine between the two vectors of every word (mean, 1st
percentile, minimum). With ``--se07 DIR``, also builds an index of the same documents with
each dtype (``sensedb index --dtype``) and scores SemEval-2007 with each (``sensedb
evaluate``): the F1 a bf16 index loses or gains, on the same (slice) corpus.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from figures import write_figures  # scripts/figures.py

from sensedb import Encoder, SenseIndex, build_index, evaluate, read_raganato


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CORPUS.data.xml (gold key beside it)")
    parser.add_argument("--documents", type=int, default=None,
                        help="only the corpus's first N documents (default: all)")
    parser.add_argument("--dtype", default="bf16", help="compared with fp32 (default bf16)")
    parser.add_argument("--device", default=None)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--se07", default=None,
                        help="SemEval-2007 directory: also index with each dtype and score it")
    parser.add_argument("--work", required=True, help="a directory for the slice and indexes")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    data = Path(args.data)
    gold = data.with_name(data.name.replace(".data.xml", ".gold.key.txt"))
    if args.documents is not None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from kill_resume import prepare_corpus

        data, gold = prepare_corpus(data, gold, args.documents, 1, work)
    sentences = [s.words for d in read_raganato(data, gold) for s in d.sentences]
    words = sum(len(s) for s in sentences)
    encoders = {name: Encoder(dtype=name, device=args.device) for name in ("fp32", args.dtype)}
    seconds: dict[str, list[float]] = {name: [] for name in encoders}
    matrices = {}
    load = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for name, encoder in encoders.items():
            t0 = time.perf_counter()
            matrices[name], _ = encoder.word_matrix(sentences)
            seconds[name].append(round(time.perf_counter() - t0, 2))
            load.append(os.getloadavg()[0])
    a, b = matrices["fp32"], matrices[args.dtype]
    cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    figures = {
        "corpus": str(data), "sentences": len(sentences), "words": words,
        "dtype": args.dtype, "device": encoders["fp32"].device, "cpu_count": os.cpu_count(),
        "load_average_1min_each_step": [round(x, 1) for x in load],
        "seconds_each": seconds,
        "words_per_second": {n: round(words / float(np.mean(s)), 1) for n, s in seconds.items()},
        "speed_over_fp32": round(float(np.mean(seconds["fp32"]) / np.mean(seconds[args.dtype])),
                                 3),
        "cosine_to_fp32": {"mean": round(float(cosine.mean()), 6),
                           "p1": round(float(np.percentile(cosine, 1)), 6),
                           "min": round(float(cosine.min()), 6)},
        "max_abs_difference": float(np.abs(a - b).max()),
    }
    del matrices, a, b
    if args.se07:
        se07 = Path(args.se07)
        scores = {}
        for name in encoders:
            index = work / f"index-{name}"
            shutil.rmtree(index, ignore_errors=True)
            build_index(data, index, gold=gold, encoder=encoders[name], progress=False)
            result = evaluate(SenseIndex(index, encoder=encoders[name]),
                              se07 / "semeval2007.data.xml", se07 / "semeval2007.gold.key.txt")
            scores[name] = round(float(result["f1"]), 2)
        figures["se07_f1_slice_index"] = scores
    write_figures(figures, args.json)


if __name__ == "__main__":
    main()
