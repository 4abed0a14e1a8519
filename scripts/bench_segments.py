"""What adding a lemma's WordNet vectors costs when the WordNet store is large: a segment
against a rewrite of the whole store.

A fresh index gets ``--rows`` synthetic WordNet gloss rows (random float64 sums, count 1, five
senses per lemma; the store is then 384 x 4 x rows bytes, 77 MB at 50,000 rows, about the
size the issue saw), built once into its base. Then ``--lemmas`` times: one more lemma's 5
rows are added and written as a segment (``wordnet_vectors.add_segments``, given the stores
as an open index holds them), and, for the
comparison, the same store is rebuilt whole (``rebuild.finalize``, what every addition did
before segments). No encoder pass is timed: only what the store costs.

    python scripts/bench_segments.py --rows 50000 --lemmas 5 --json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def add_rows(directory, start: int, count: int, dim: int, rng) -> None:
    from sqlalchemy import insert

    from sensedb.schema import WordNetSenseRow

    with directory.db.session() as session:
        session.execute(insert(WordNetSenseRow.__table__), [
            {"key": f"synthetic{i}%1:00:00::", "source": "gloss", "lemma": f"syn{i // 5}",
             "pos": "NOUN", "count": 1, "vec_sum": rng.normal(size=dim).tobytes()}
            for i in range(start, start + count)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--lemmas", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from sensedb.indexer import WORDNET, IndexDirectory
    from sensedb.indexer.rebuild import finalize
    from sensedb.indexer.wordnet_vectors import add_segments

    dim, rng = 384, np.random.default_rng(13)
    with tempfile.TemporaryDirectory(prefix="sensedb-bench-segments-") as work:
        directory = IndexDirectory(Path(work) / "index")
        directory.create({"model": "synthetic", "dim": dim, "layers": "last",
                          "layer_pooling": "mean"}, standardize=False, inventory="synthetic")
        for start in range(0, args.rows, 5000):
            add_rows(directory, start, min(5000, args.rows - start), dim, rng)
        with directory.lock():
            finalize(directory, [WORDNET])
        segment, rewrite = [], []
        rows = args.rows
        for _ in range(args.lemmas):
            add_rows(directory, rows, 5, dim, rng)
            rows += 5
            # an open index holds its stores: the segment is written without reading them
            loaded = (directory.manifest(), directory.load_stores())
            with directory.lock():
                t0 = time.perf_counter()
                add_segments(directory, [WORDNET], loaded=loaded)
                segment.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                finalize(directory, [WORDNET])  # the whole store, as before segments
                rewrite.append(time.perf_counter() - t0)
        found = {"rows": args.rows, "store_mb": round(args.rows * dim * 4 / 1e6, 1),
                 "lemmas": args.lemmas,
                 "segment_ms_median": round(1e3 * statistics.median(segment), 1),
                 "rewrite_ms_median": round(1e3 * statistics.median(rewrite), 1),
                 "speedup": round(statistics.median(rewrite) / statistics.median(segment), 1)}
    print(json.dumps(found, indent=2) if args.json else
          "\n".join(f"{k}: {v}" for k, v in found.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
