"""Readers and writers racing across processes: do readers ever break or see half a write?

``--readers`` reader processes answer a fixed set of WSD queries from one index, over and
over, reloading it at random moments, while, at the same time, one writer process appends a
corpus sentence by sentence (each sentence one index job: a new generation of the token and
sense stores), another adds WordNet vectors lemma by lemma (new segments of the example and
WordNet stores) and a third replaces a document of the index again and again (``--replace``
of the first document of ``--replace-corpus``, with and without two of its sentences: its old
tokens leave the stores and the database), for ``--seconds`` seconds. The index is a copy of
``--index``.

Counted: queries answered; errors (a ``sensedb.Error``, and anything else); torn reads. Every
answer (the ranked sense keys with their scores to 5 decimals and the evidence ids, of every
query) is recorded under the *signature* of the generation the reader's index had loaded (the
manifest's store generations and segments). A read is torn when two answers under one
signature differ: a reader that mixed rows or counts of a newer write into an older
generation's vectors would give a third answer under that signature. The parent adds a fresh
open's answers at the end. The query vectors are computed once, by the parent, so readers run
no encoder and differ only in what they read from the index.

    python scripts/bench_race.py --index IDX --corpus semeval2007.data.xml \\
        --gold semeval2007.gold.key.txt --readers 8 --seconds 60 --json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Queries whose answers change as the corpus and WordNet vectors grow (SemEval-2007's and
#: the mini corpus's words), and the lemmas whose WordNet vectors the second writer adds.
QUERIES = [("He sat on the bank of the river and watched the water", "bank"),
           ("The bank raised its interest rates again", "bank"),
           ("The company said profits would rise next year", "company"),
           ("She took a long walk in the park", "walk"),
           ("The mouse ran under the old table", "table"),
           ("They made a plan to go home early", "plan")]
WORDNET_LEMMAS = ["bank", "company", "walk", "table", "plan", "river", "money", "interest",
                  "rate", "year", "mouse", "home", "water", "house", "light", "play", "run",
                  "state", "point", "time", "work", "line", "head", "hand", "place"]


#: Seconds a writer waits after each write: the lock is taken without waiting
#: (``IndexLockedError``), so without a pause the writer that just released it wins it again.
PAUSE = 0.1


def wait_for_start(clock, ready) -> tuple[float, float]:
    """Say this process is ready, then wait until the parent has started the race; returns
    its (start, end) times."""
    ready.put(1)
    while clock[0] == 0:
        time.sleep(0.01)
    while time.time() < clock[0]:
        time.sleep(0.001)
    return clock[0], clock[1]


def signature(manifest) -> str:
    return json.dumps([manifest.generations, manifest.segments], sort_keys=True)


def answer(result) -> tuple:
    return (tuple((s.key, round(float(s.score), 5)) for s in result.senses),
            tuple((u.token_id, round(float(u.score), 5)) for u in result.evidence))


def reader(path: str, queries: list, seed: int, clock, ready, out) -> None:
    import sensedb
    from sensedb.inventory import default_wordnet

    counts: Counter = Counter()
    samples: dict[str, set] = {}
    problems: list[str] = []
    rng = random.Random(seed)
    wordnet = default_wordnet()
    index = sensedb.SenseIndex(path, wordnet=wordnet, wordnet_evidence=False)
    for located, pairs, raw, context in queries:  # warm up: WordNet's files read, caches
        index.disambiguate(located, pairs, raw, k=3, context=context)
    start, end = wait_for_start(clock, ready)
    while time.time() < end:
        try:
            if rng.random() < 0.2:
                if rng.random() < 0.5:
                    index = sensedb.SenseIndex(path, wordnet=wordnet, wordnet_evidence=False)
                    counts["opens"] += 1
                else:
                    index.reload()
                    counts["reloads"] += 1
            index.keep_whole()  # as an application driving disambiguate does per batch
            found = tuple(answer(index.disambiguate(located, pairs, raw, k=3, context=context))
                          for located, pairs, raw, context in queries)
            samples.setdefault(signature(index.manifest), set()).add(found)
            counts["answers"] += 1
            counts["queries"] += len(queries)
        except sensedb.Error as exc:
            counts["sensedb_errors"] += 1
            problems.append(f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # what the benchmark counts: must stay 0
            counts["other_errors"] += 1
            problems.append("".join(traceback.format_exception_only(exc)).strip())
    out.put(("reader", dict(counts), samples, problems[:5]))


def corpus_writer(path: str, corpus: str, gold: str | None, clock, ready, out) -> None:
    import sensedb
    from sensedb import read_raganato
    from sensedb.corpora.model import Document
    from sensedb.indexer import IndexDirectory, index_documents
    from sensedb.inventory import default_wordnet

    counts: Counter = Counter()
    problems: list[str] = []
    encoder, wordnet = sensedb.Encoder(threads=1), default_wordnet()
    directory = IndexDirectory(path)
    sentences = [s for d in read_raganato(corpus, gold) for s in d.sentences]
    def append(turn: int) -> None:
        sentence = sentences[turn % len(sentences)]
        document = Document(f"r{turn // len(sentences)}.{sentence.id}", [sentence])
        index_documents(directory, encoder, wordnet, [document], corpus="race",
                        progress=False)

    write_until(directory, wait_for_start(clock, ready)[1], append, "appends", counts,
                problems)
    out.put(("corpus_writer", dict(counts), {}, problems[:5]))


def write_until(directory, end: float, write, done: str, counts: Counter,
                problems: list[str]) -> None:
    """Call ``write(turn)`` under the index's writer lock until ``end`` (``time.time()``),
    pausing after each write so that the other writers take the lock; counts ``done``,
    ``lock_waits`` and ``writer_errors``."""
    import sensedb

    turn = 0
    while time.time() < end:
        try:
            with directory.lock():
                write(turn)
            counts[done] += 1
            turn += 1
            time.sleep(PAUSE)  # let the other writers take the lock
        except sensedb.IndexLockedError:
            counts["lock_waits"] += 1
            time.sleep(0.01)
        except Exception as exc:
            counts["writer_errors"] += 1
            problems.append("".join(traceback.format_exception_only(exc)).strip())


def wordnet_writer(path: str, clock, ready, out) -> None:
    import warnings

    import sensedb
    from sensedb.inventory import default_wordnet

    counts: Counter = Counter()
    problems: list[str] = []
    index = sensedb.SenseIndex(path, encoder=sensedb.Encoder(threads=1),
                               wordnet=default_wordnet(), wordnet_evidence=True)
    index.inventory.candidates("bank", "NOUN")  # warm up: WordNet's files read
    pending = list(WORDNET_LEMMAS)
    start, end = wait_for_start(clock, ready)
    while time.time() < end and pending:
        lemma = pending[0]
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                added = index.ensure([(lemma, "NOUN")])
            if caught and not added:  # the corpus writer held the lock: try again
                counts["lock_waits"] += 1
                time.sleep(0.01)
                continue
            counts["lemmas_added"] += added
            pending.pop(0)
            time.sleep(PAUSE)
        except Exception as exc:
            counts["writer_errors"] += 1
            problems.append("".join(traceback.format_exception_only(exc)).strip())
            pending.pop(0)
    manifest = index.directory.manifest()
    counts["segments_at_end"] = sum(len(v) for v in manifest.segments.values())
    out.put(("wordnet_writer", dict(counts), {}, problems[:5]))


def replacer(path: str, corpus: str, gold: str | None, clock, ready, out) -> None:
    from dataclasses import replace

    import sensedb
    from sensedb import read_raganato
    from sensedb.indexer import IndexDirectory, index_documents
    from sensedb.inventory import default_wordnet

    counts: Counter = Counter()
    problems: list[str] = []
    encoder, wordnet = sensedb.Encoder(threads=1), default_wordnet()
    directory = IndexDirectory(path)
    whole = next(iter(read_raganato(corpus, gold)))
    smaller = replace(whole, sentences=whole.sentences[:1] + whole.sentences[3:])
    corpora = sensedb.SenseIndex(path, encoder=encoder, wordnet=wordnet,
                                 wordnet_evidence=False).queries.counts()[0]
    name = next(c for c in corpora if c not in ("race", "wordnet"))
    def replace_document(turn: int) -> None:
        index_documents(directory, encoder, wordnet, [(smaller, whole)[turn % 2]],
                        corpus=name, replace=True, progress=False)

    write_until(directory, wait_for_start(clock, ready)[1], replace_document, "replacements",
                counts, problems)
    out.put(("replacer", dict(counts), {}, problems[:5]))


def prepare_queries(path: Path) -> list:
    import sensedb

    index = sensedb.SenseIndex(path, encoder=sensedb.Encoder(threads=1),
                               wordnet_evidence=False)
    prepared = []
    for sentence, target in QUERIES:
        located = index.locate(sentence, target)
        pairs = index.lemma_candidates(located.surface)
        raw = index.query_vectors([located], raw=True)[0]
        context = index.context_vectors([located], force=True)[0]
        prepared.append((located, pairs, raw, context))
    return prepared


def run(index: Path, corpus: Path, gold: Path | None, readers: int, seconds: float,
        work: Path, replace_corpus: Path | None = None, replace_gold: Path | None = None
        ) -> dict:
    """Copy ``index`` into ``work`` and race; returns the counts (see the module's doc)."""
    import sensedb
    from sensedb.inventory import default_wordnet

    path = work / "index"
    shutil.copytree(index, path)
    queries = prepare_queries(path)
    t0 = time.time()
    # children fork from one server process that imported sensedb (and torch) once, before
    # any thread pool started: N+2 processes start in the time of one import
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(["sensedb", "sensedb.inventory", "sensedb.indexer"])
    out = context.Queue()
    clock = context.Array("d", [0.0, 0.0])  # start, end: set once every process is ready
    ready = context.Queue()
    processes = [context.Process(target=reader, args=(str(path), queries, n, clock, ready, out))
                 for n in range(readers)]
    processes.append(context.Process(target=corpus_writer,
                                     args=(str(path), str(corpus), gold and str(gold), clock,
                                           ready, out)))
    processes.append(context.Process(target=wordnet_writer, args=(str(path), clock, ready,
                                                                  out)))
    if replace_corpus is not None:
        processes.append(context.Process(target=replacer, args=(
            str(path), str(replace_corpus), replace_gold and str(replace_gold), clock, ready,
            out)))
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()
    start = time.time() + 0.2
    print(f"{len(processes)} processes ready in {start - t0:.1f} s", file=sys.stderr)
    clock[1], clock[0] = start + seconds, start
    results = [out.get() for _ in processes]
    for process in processes:
        process.join()
    totals: Counter = Counter()
    samples: dict[str, set] = {}
    problems: list[str] = []
    for _, counts, found, seen in results:
        totals.update(counts)
        problems += seen
        for key, answers in found.items():
            samples.setdefault(key, set()).update(answers)
    final = sensedb.SenseIndex(path, wordnet=default_wordnet(), wordnet_evidence=False)
    samples.setdefault(signature(final.manifest), set()).add(tuple(
        answer(final.disambiguate(located, pairs, raw, k=3, context=ctx))
        for located, pairs, raw, ctx in queries))
    torn = sum(len(answers) - 1 for answers in samples.values())
    for key, answers in samples.items():
        if len(answers) > 1:  # name the queries whose answers differ under one generation
            differing = [q for q in range(len(queries)) if len({a[q] for a in answers}) > 1]
            variants = sorted({a[differing[0]] for a in answers}) if differing else []
            problems.append(f"torn under {key}: {[QUERIES[q][1] for q in differing]}; "
                            f"answers of the first: {variants}"[:2000])
    return {"readers": readers, "seconds": seconds,
            "queries": totals["queries"], "answers": totals["answers"],
            "opens": totals["opens"], "reloads": totals["reloads"],
            "generations_seen": len(samples),
            "distinct_answers": len({a for answers in samples.values() for a in answers}),
            "appends": totals["appends"], "lemmas_added": totals["lemmas_added"],
            "replacements": totals["replacements"],
            "segments_at_end": totals["segments_at_end"],
            "writer_lock_waits": totals["lock_waits"],
            "sensedb_errors": totals["sensedb_errors"],
            "other_errors": totals["other_errors"], "writer_errors": totals["writer_errors"],
            "torn_reads": torn, "problems": problems[:10]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="index to copy and race on")
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/fixtures/mini.data.xml",
                        help="Raganato XML the writer appends, one sentence per job")
    parser.add_argument("--gold", type=Path, default=ROOT / "tests/fixtures/mini.gold.key.txt",
                        help="its gold keys")
    parser.add_argument("--replace-corpus", type=Path,
                        default=ROOT / "tests/fixtures/mini.data.xml",
                        help="Raganato XML whose first document (already in the index) the "
                        "third writer replaces over and over ('' for no such writer)")
    parser.add_argument("--replace-gold", type=Path,
                        default=ROOT / "tests/fixtures/mini.gold.key.txt")
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sensedb-race-") as work:
        found = run(args.index, args.corpus, args.gold, args.readers, args.seconds, Path(work),
                    args.replace_corpus if str(args.replace_corpus) not in ("", ".") else None,
                    args.replace_gold)
    print(json.dumps(found, indent=2) if args.json else
          "\n".join(f"{k}: {v}" for k, v in found.items()))
    return 0 if not (found["other_errors"] or found["torn_reads"] or found["sensedb_errors"]
                     or found["writer_errors"]) else 1


if __name__ == "__main__":
    sys.exit(main())
