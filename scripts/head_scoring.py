"""Give a retrieval head the scoring formulas chosen on its own features.

    SENSEDB_HOME=H python scripts/tune_weights.py cache --data ../shared/data --cache C \\
        --head HEAD.npz
    python scripts/tune_weights.py tune --data ../shared/data --cache C --json TUNE.json
    python scripts/head_scoring.py HEAD.npz TUNE.json [--out NEW.npz]

For the corpus family too (a SemCor index through the head, without the tuning documents):

    python scripts/semcor_without_tuning.py --data ../shared/data --out S90
    sensedb index S90.data.xml --gold S90.gold.key.txt --index IDX --head HEAD.npz
    SENSEDB_HOME=H python scripts/tune_weights.py cache --data ../shared/data --cache C \
        --head HEAD.npz --index IDX
    python scripts/tune_weights.py tune --data ../shared/data --cache C --json TUNE.json

A head changes every vector, so the package's formulas (fitted on the bare model's features)
do not suit it (BENCHMARKS.md "The refit on a head's own features"). This writes
``scripts/tune_weights.py``'s result into the head's record: the weights of both families
(``scoring["corpus"]``, ``scoring["wordnet_only"]``) and their novelty thresholds
(``scoring["novelty"]``, fitted there on the same features:
``sensedb.retriever.scoring.novelty_threshold``), with the tuning's provenance under
``provenance["scoring"]``. The head's hash (its vectors) does not change, so an index built
through it stays valid; the default index of that head follows the new formulas when next
opened. Without ``--out`` the head file is rewritten in place.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sensedb.head import RetrievalHead
from sensedb.retriever.scoring import FEATURES

FAMILIES = ("corpus", "wordnet_only")


def scoring_from_tuning(tuned: dict) -> dict:
    """``{"corpus": {feature: w}, "wordnet_only": {...}, "novelty": {family: {POS: fit}}}``
    from ``scripts/tune_weights.py tune --json``'s file (``tuned``).

    Raises:
        SystemExit: a family missing, or a feature sensedb does not know."""
    scoring: dict = {"novelty": {}}
    for family in FAMILIES:
        entry = tuned.get(family)
        if not isinstance(entry, dict) or not isinstance(entry.get("weights"), dict):
            raise SystemExit(f"the tuning file has no {family!r} weights")
        unknown = set(entry["weights"]) - set(FEATURES)
        if unknown:
            raise SystemExit(f"{family}: features sensedb does not know: {sorted(unknown)}")
        scoring[family] = {name: float(w) for name, w in entry["weights"].items()}
        if isinstance(entry.get("novelty"), dict):
            scoring["novelty"][family] = {k: float(v) for k, v in entry["novelty"].items()}
    return scoring


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("head", type=Path)
    parser.add_argument("tuning", type=Path, help="scripts/tune_weights.py tune --json's file")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    head = RetrievalHead.load(args.head)
    tuned = json.loads(args.tuning.read_text())
    head.scoring = scoring_from_tuning(tuned)
    head.provenance = {**head.provenance, "scoring": {
        "command": "python scripts/tune_weights.py cache --head HEAD ...; "
                   "python scripts/tune_weights.py tune ...; python scripts/head_scoring.py",
        "formulas": {f: tuned[f].get("formula") for f in FAMILIES},
        "tuning": tuned.get("provenance")}}
    path = head.save(args.out or args.head)
    print(f"{path}: head {head.sha256[:12]} with its own formulas "
          f"({', '.join(sorted(head.scoring['novelty']))} novelty thresholds)")


if __name__ == "__main__":
    main()
