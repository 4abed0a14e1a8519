"""SemCor without the 36 documents scripts/tune_weights.py chooses formulas on (d000, d010,
...), for the SemCor index whose corpus formula it cross-validates (``tune_weights.py cache
--index``; it refuses an index holding any of them).

    python scripts/semcor_without_tuning.py --data ../shared/data --out runs/semcor90
    sensedb index runs/semcor90.data.xml --gold runs/semcor90.gold.key.txt --index IDX [--head H]

Writes ``OUT.data.xml`` and ``OUT.gold.key.txt`` (the gold keys of the instances kept).
"""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from pathlib import Path

from tune_weights import SEMCOR_DOCUMENTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True, help="path prefix of the two files")
    args = parser.parse_args()
    semcor = args.data / "wsd" / "semcor"
    tree = ET.parse(semcor / "semcor.data.xml")
    root = tree.getroot()
    kept: set[str] = set()
    for text in list(root):
        if text.get("id") in SEMCOR_DOCUMENTS:
            root.remove(text)
        else:
            kept.update(instance.get("id") for instance in text.iter("instance"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tree.write(f"{args.out}.data.xml", encoding="utf-8", xml_declaration=True)
    with open(semcor / "semcor.gold.key.txt", encoding="utf-8") as gold, \
            open(f"{args.out}.gold.key.txt", "w", encoding="utf-8") as out:
        out.writelines(line for line in gold if line.split()[0] in kept)
    print(f"{args.out}.data.xml: {len(root)} documents, {len(kept)} instances "
          f"({len(SEMCOR_DOCUMENTS)} tuning documents left out)")


if __name__ == "__main__":
    main()
