"""Index a corpus and compare with a bare encoder pass over the same sentences, in one run.

    python scripts/bench_index.py --data ../shared/data/wsd/semcor/semcor.data.xml \
        --index runs/semcor-index --json runs/bench_index.json

Prints wall time, word tokens/s and the ratio of indexing throughput to the bare pass. The
bare pass runs once before and once after the job and the ratio uses their mean, so a drift in
the machine's speed during the run does not favour either side (both passes are reported).
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from sensedb import Encoder, build_index, read_raganato


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CORPUS.data.xml (gold key beside it)")
    parser.add_argument("--index", required=True, help="index directory (replaced)")
    parser.add_argument("--layers", default="last")
    parser.add_argument("--standardize", action="store_true")
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    data = Path(args.data)
    gold = data.with_name(data.name.replace(".data.xml", ".gold.key.txt"))

    t0 = time.perf_counter()
    sentences = [s.words for d in read_raganato(data, gold) for s in d.sentences]
    read_seconds = time.perf_counter() - t0
    words = sum(len(s) for s in sentences)

    def bare_pass() -> float:
        encoder = Encoder(layers=args.layers)
        t0 = time.perf_counter()
        encoder.word_vectors(sentences, progress=True)
        return time.perf_counter() - t0

    bare_before = bare_pass()
    shutil.rmtree(args.index, ignore_errors=True)
    t0 = time.perf_counter()
    report = build_index(data, args.index, gold=gold, layers=args.layers,
                         standardize=args.standardize)
    index_seconds = time.perf_counter() - t0
    bare_after = bare_pass()
    bare_seconds = (bare_before + bare_after) / 2

    figures = {
        "corpus": str(data), "sentences": len(sentences), "words": words,
        "labelled_tokens": report.tokens, "senses": report.senses_touched,
        "read_seconds": round(read_seconds, 1),
        "bare_encoder_seconds_before": round(bare_before, 1),
        "bare_encoder_seconds_after": round(bare_after, 1),
        "bare_encoder_seconds": round(bare_seconds, 1),
        "bare_words_per_second": round(words / bare_seconds, 1),
        "index_seconds": round(index_seconds, 1),
        "index_words_per_second": round(words / index_seconds, 1),
        "index_read_seconds": round(report.read_seconds, 1),
        "index_encode_seconds": round(report.encode_seconds, 1),
        "index_write_seconds": round(report.write_seconds, 1),
        "index_finalize_seconds": round(report.finalize_seconds, 1),
        "throughput_ratio_index_to_bare": round(bare_seconds / index_seconds, 3),
        "index_disk_bytes": sum(p.stat().st_size for p in Path(args.index).rglob("*")
                                if p.is_file()),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
