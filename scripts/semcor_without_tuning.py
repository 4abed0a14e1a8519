"""SemCor without the 36 documents scripts/tune_weights.py chooses formulas on (d000, d010,
...), for the SemCor index whose corpus formula it cross-validates (``tune_weights.py cache
--index``; it refuses an index holding any of them).

    python scripts/semcor_without_tuning.py --data ../shared/data --out runs/semcor90
    sensedb index runs/semcor90.data.xml --gold runs/semcor90.gold.key.txt --index IDX [--head H]

Writes ``OUT.data.xml`` and ``OUT.gold.key.txt`` (the gold keys of the instances kept).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from raw_gap import semcor_subset
from tune_weights import SEMCOR_DOCUMENTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True, help="path prefix of the two files")
    args = parser.parse_args()
    xml, gold = semcor_subset(args.data, lambda doc: doc not in SEMCOR_DOCUMENTS, args.out)
    documents = sum(line.startswith("<text ") for line in xml.read_text(
        encoding="utf-8").splitlines())
    instances = len(gold.read_text(encoding="utf-8").splitlines())
    print(f"{xml}: {documents} documents, {instances} instances "
          f"({len(SEMCOR_DOCUMENTS)} tuning documents left out)")


if __name__ == "__main__":
    main()
