"""How many everyday sentences an index answers right (``wsd``, best sense), never tuned on.

    python scripts/everyday_check.py [--index IDX] [--weights TUNE_JSON] [--json out.json]

Scores tests/fixtures/everyday_heldout.tsv (40 sentences), tests/fixtures/everyday.tsv (30),
tests/fixtures/everyday_tester.tsv (31, a tester's), tests/fixtures/everyday_tester2.tsv
(40, a second tester's), tests/fixtures/everyday_tester3.tsv (80, a third's; a row may
accept two keys, joined by "|"), tests/fixtures/everyday_tester4.tsv (50, a fourth's),
tests/fixtures/everyday_tester5.tsv (60, a fifth's), tests/fixtures/everyday_tester6.tsv
(60, a sixth's), tests/fixtures/everyday_tester7.tsv (60, a seventh's),
tests/fixtures/everyday_tester8.tsv (60, an eighth's), tests/fixtures/everyday_tester9.tsv (60,
a ninth's), tests/fixtures/everyday_tester10.tsv (60, a tenth's),
tests/fixtures/everyday_tester11.tsv (60, an eleventh's), tests/fixtures/everyday_tester12.tsv
(60, a twelfth's), tests/fixtures/everyday_tester13.tsv (60, a thirteenth's),
tests/fixtures/everyday_tester14.tsv (60, a fourteenth's) and CASES below
(sentences reported by users whose ambiguous word is plain to a person) and prints the
right count of each set with the wrong answers. BENCHMARKS.md "Context over the
prior" reports the figures.

Then the in-context similarity of tests/fixtures/similarity_everyday.tsv (24 pairs, 12 of
one sense and 12 of two): how many pairs ``similarity_batch``'s default method calls "same"
or "different" rightly (BENCHMARKS.md "Similarity parameters per kind of index").
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import sensedb
from sensedb.corpora.pairs import read_pairs_tsv
from sensedb.retriever import scoring

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
CASES = [
    ("The pitcher poured lemonade for the guests", "pitcher", "pitcher%1:06:00::"),
    ("He hurt his back lifting the heavy crate", "crate", "crate%1:06:00::"),
    ("The crane lifted the steel beam onto the roof", "crane", "crane%1:06:00::"),
    ("The mouse ran under the kitchen table", "mouse", "mouse%1:05:00::"),
    ("The waiter brought the bill after dinner", "bill", "bill%1:10:01::"),
    ("The children skipped stones from the muddy bank of the stream", "bank", "bank%1:17:01::"),
    ("He sat on the bank of the river", "bank", "bank%1:17:01::"),
    ("The river bank was full of dead fishes", "bank", "bank%1:17:01::"),
]


def rows_of(path: Path) -> list[tuple[str, str, str]]:
    return [(r[0], r[1], r[2]) for r in csv.reader(path.open(encoding="utf-8"), delimiter="\t")
            if r and not r[0].startswith("#")]


def check(index, rows) -> dict:
    answers = []
    for sentence, target, key in rows:
        answer = index.wsd(sentence, target)
        answers.append({"sentence": sentence, "target": target, "right": key,
                        "got": answer.best.key, "decided_by": answer.decided_by})
    return {"right": sum(right(a) for a in answers), "n": len(rows), "answers": answers}


def right(answer: dict) -> bool:
    """Whether the answer is the row's key or one of the keys it accepts ("k1|k2")."""
    return answer["got"] in answer["right"].split("|")


def check_similarity(index, path: Path) -> dict:
    """Right "same"/"different" calls of the default similarity method on the pairs of
    ``path`` (gold 1 = one sense)."""
    pairs, golds = read_pairs_tsv(path, gold=True)
    results = sensedb.similarity_batch(index, pairs, errors="raise")
    answers = [{"a": a.sentence, "b": b.sentence, "target": a.target, "same": r.same,
                "gold": bool(g), "score": r.score, "method": r.method}
               for (a, b), r, g in zip(pairs, results, golds, strict=True)]
    return {"right": sum(x["same"] == x["gold"] for x in answers), "n": len(answers),
            "answers": answers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=None, help="an index path (default: WordNet only)")
    parser.add_argument("--head", default="auto", help="retrieval head: a head file or "
                        "directory, 'none', or 'auto' (the shipped one)")
    parser.add_argument("--weights", default=None, metavar="TUNE_JSON",
                        help="answer with the WordNet-only weights an earlier "
                        "`tune_weights.py tune --json` chose instead of the index's (a formula "
                        "measured before it ships)")
    parser.add_argument("--set", dest="only", action="append", default=None, metavar="NAME",
                        help="score only this set (everyday_tester14, cases, "
                        "similarity_everyday, ...; repeatable): every set by default")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    index = sensedb.open(args.index, head=args.head)
    if args.weights:
        chosen = json.loads(Path(args.weights).read_text())["wordnet_only"]["weights"]
        index.weights = scoring.weights_from(chosen)
    sets = {"everyday_heldout": rows_of(FIXTURES / "everyday_heldout.tsv"),
            "everyday": rows_of(FIXTURES / "everyday.tsv"), "cases": CASES,
            "everyday_tester": rows_of(FIXTURES / "everyday_tester.tsv"),
            "everyday_tester2": rows_of(FIXTURES / "everyday_tester2.tsv"),
            "everyday_tester3": rows_of(FIXTURES / "everyday_tester3.tsv"),
            "everyday_tester4": rows_of(FIXTURES / "everyday_tester4.tsv"),
            "everyday_tester5": rows_of(FIXTURES / "everyday_tester5.tsv"),
            "everyday_tester6": rows_of(FIXTURES / "everyday_tester6.tsv"),
            "everyday_tester7": rows_of(FIXTURES / "everyday_tester7.tsv"),
            "everyday_tester8": rows_of(FIXTURES / "everyday_tester8.tsv"),
            "everyday_tester9": rows_of(FIXTURES / "everyday_tester9.tsv"),
            "everyday_tester10": rows_of(FIXTURES / "everyday_tester10.tsv"),
            "everyday_tester11": rows_of(FIXTURES / "everyday_tester11.tsv"),
            "everyday_tester12": rows_of(FIXTURES / "everyday_tester12.tsv"),
            "everyday_tester13": rows_of(FIXTURES / "everyday_tester13.tsv"),
            "everyday_tester14": rows_of(FIXTURES / "everyday_tester14.tsv")}
    if args.only and set(args.only) - {*sets, "similarity_everyday"}:
        parser.error(f"--set: no such set {sorted(set(args.only) - set(sets))}; the sets: "
                     + ", ".join([*sets, "similarity_everyday"]))
    out = {name: check(index, rows) for name, rows in sets.items()
           if not args.only or name in args.only}
    for name, result in out.items():
        print(f"{name}: {result['right']} / {result['n']}")
        for a in result["answers"]:
            if not right(a):
                print(f"   {a['target']:10s} got {a['got']:24s} want {a['right']}")
    if args.only and "similarity_everyday" not in args.only:
        if args.json:
            Path(args.json).write_text(json.dumps(out, indent=1) + "\n")
        return
    similar = check_similarity(index, FIXTURES / "similarity_everyday.tsv")
    out["similarity_everyday"] = similar
    print(f"similarity_everyday: {similar['right']} / {similar['n']}")
    for a in similar["answers"]:
        if a["same"] != a["gold"]:
            call = "same" if a["same"] else "different"
            print(f"   {a['target']:10s} {a['score']:.3f} wrongly {call}: {a['a']} | {a['b']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
