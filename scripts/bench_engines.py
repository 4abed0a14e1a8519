"""Index the same corpus with SQLite metadata, PostgreSQL metadata and on Ray (local runtime),
side by side, and compare wall times, query times and the indexes themselves.

    python scripts/bench_engines.py --data ../shared/data/wsd/semcor/semcor.data.xml \\
        --documents 20 --postgres 'postgresql+psycopg://USER@/postgres?host=/tmp/pg' \\
        --work runs/bench-engines --json runs/bench_engines.json

Jobs, in this order: single-process on SQLite, single-process on PostgreSQL, Ray (``--ray
-workers`` workers, local runtime) on SQLite, then the single-process SQLite job again (so a
drift of the machine's speed shows). Every job loads its own model (as `sensedb index` does).
Queries: ``--queries`` WSD queries (labelled tokens of the corpus, no WordNet evidence) on
the SQLite and the PostgreSQL index, alternating, after one warm-up query each; the time of
opening each index (first query included) is reported apart. Identity: every index's token
rows, token vectors and sense sums against the first SQLite index's (max absolute
difference).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kill_resume import canonical, prepare_corpus  # noqa: E402

from sensedb import InputError, SenseIndex, build_index, read_raganato  # noqa: E402


def fresh_database(server: str) -> str:
    from sqlalchemy import create_engine, make_url, text

    name = f"sensedb_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(False)


def compare(got: dict, want: dict) -> dict:
    """Max absolute differences of two ``kill_resume.canonical`` forms, and row equality."""
    def max_diff(a: dict, b: dict) -> float:
        return max((float(np.abs(np.asarray(a[k]) - np.asarray(b[k])).max()) for k in b),
                   default=0.0)

    sums = {k: v[1] for k, v in got["senses"].items() if v[1] is not None}
    want_sums = {k: v[1] for k, v in want["senses"].items() if v[1] is not None}
    return {"same_rows": all(got[n] == want[n] for n in ("documents", "sentences", "tokens",
                                                         "links")),
            "same_counts": {k: v[0] for k, v in got["senses"].items()}
            == {k: v[0] for k, v in want["senses"].items()},
            "token_vector_max_diff": max_diff(got["token_vectors"], want["token_vectors"]),
            "sense_sum_max_diff": max_diff(sums, want_sums)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--postgres", default=None, help="URL of a PostgreSQL server")
    parser.add_argument("--ray-workers", type=int, default=2)
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    gold = args.data.with_name(args.data.name.replace(".data.xml", ".gold.key.txt"))
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    corpus, corpus_gold = prepare_corpus(args.data, gold, args.documents, 1, args.work)
    documents = list(read_raganato(corpus, corpus_gold))
    words = sum(len(s.tokens) for d in documents for s in d.sentences)

    jobs = [("sqlite", None, None)]
    if args.postgres:
        jobs.append(("postgresql", fresh_database(args.postgres), None))
    if not args.no_ray:
        jobs.append((f"ray-{args.ray_workers}", None, "local"))
    jobs.append(("sqlite-again", None, None))
    results: dict = {"documents": len(documents), "words": words, "jobs": {}}
    forms = {}
    for name, db_url, ray in jobs:
        path = args.work / name
        t0 = time.perf_counter()
        report = build_index(corpus, path, gold=corpus_gold, db_url=db_url, progress=False,
                             ray=ray, ray_workers=args.ray_workers)
        seconds = time.perf_counter() - t0
        results["jobs"][name] = {"seconds": round(seconds, 2),
                                 "words_per_second": round(words / seconds),
                                 "encode_seconds": round(report.encode_seconds, 2),
                                 "write_seconds": round(report.write_seconds, 2),
                                 "finalize_seconds": round(report.finalize_seconds, 2)}
        forms[name] = (path, db_url, canonical(path, db_url))
        print(name, results["jobs"][name], file=sys.stderr)
    want = forms["sqlite"][2]
    results["identity"] = {name: compare(form, want) for name, (_, _, form) in forms.items()
                           if name != "sqlite"}

    # single-word labelled tokens (a query names its target by its surface form)
    targets = [(s.words, t.text) for d in documents for s in d.sentences
               for t in s.tokens if t.senses and " " not in t.text
               and "_" not in t.lemma][:args.queries]
    engines = [n for n in ("sqlite", "postgresql") if n in forms]
    opened, open_seconds, times = {}, {}, {n: [] for n in engines}
    for name in engines:
        path, db_url, _ = forms[name]
        t0 = time.perf_counter()
        opened[name] = SenseIndex(path, db_url=db_url, wordnet_evidence=False)
        opened[name].wsd(*targets[0])
        open_seconds[name] = round(time.perf_counter() - t0, 2)
    for words_, target in targets:
        for name in engines:
            t0 = time.perf_counter()
            try:
                opened[name].wsd(words_, target)
            except InputError:  # a form WordNet does not know: skipped on every engine
                continue
            times[name].append(time.perf_counter() - t0)
    results["queries"] = {name: {"open_and_first_seconds": open_seconds[name],
                                 "wsd_ms_median": round(1000 * statistics.median(times[name]), 2),
                                 "wsd_ms_mean": round(1000 * statistics.fmean(times[name]), 2),
                                 "n": len(times[name])} for name in engines}
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
