"""The word-piece data for training and checking an adapter head
(:mod:`sensedb.head.adapter_data`): SemCor (document numbers from ids ``dNNN``, so
scripts/train_adapter_head.py can hold folds out), SemEval-2007 (a check, never a selector)
and WordNet's usage examples of every candidate sense. One ``.npz`` (about 6 MB), so training
needs neither WordNet's database, FAISS nor SQLAlchemy.

    python scripts/adapter_head_data.py --data ../shared/data --out runs/adapter/data.npz
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sensedb import Encoder, read_raganato
from sensedb.head.adapter_data import build_adapter_data, labelled_usages
from sensedb.inventory import default_wordnet


def build(data: Path, out: Path) -> None:
    t0 = time.perf_counter()
    wsd = data / "wsd"
    parts = {name: labelled_usages(
        read_raganato(wsd / name / f"{name}.data.xml", wsd / name / f"{name}.gold.key.txt"),
        doc_number=(lambda d: int(d.lstrip("d"))) if name == "semcor" else (lambda d: 0))
        for name in ("semcor", "semeval2007")}
    made = build_adapter_data(parts, Encoder(head=None), default_wordnet(), examples=True,
                              log=print)
    made.save(out)
    print(f"{len(made.meta['senses'])} senses, {len(made.meta['groups'])} groups; {out} "
          f"({out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs/adapter/data.npz"))
    args = parser.parse_args()
    build(args.data, args.out)
