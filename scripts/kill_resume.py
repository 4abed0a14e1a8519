"""Kill `sensedb index` at random points, rerun it, and check the index equals an
uninterrupted run: the same rows, the same vectors, the same sense sums, no token lost or
doubled.

    python scripts/kill_resume.py --kills 20 --seed 0            # the mini corpus x 6
    python scripts/kill_resume.py --corpus semcor.data.xml --gold semcor.gold.key.txt \\
        --documents 8 --kills 20 --db-server postgresql+psycopg://USER@/postgres?host=/tmp/pg

Each run is a child process running the real `sensedb index` command (one document per
chunk, so a small corpus has many chunks), killed with SIGKILL either by itself at the N-th
call of one of the job's steps, or by this script after a random delay:

    encode   on entry to the encoder's model pass (``Encoder.encode_prepared``)
    commit   after one of a chunk's bulk inserts, inside its transaction
    commit+  right after a transaction commits (before the job's next step)
    fold     while folding token vectors into the sense sums (inside that transaction)
    faiss    as a FAISS file starts being written
    rename   as any atomically written file (shard, FAISS, group table) is renamed into place
    timer    a random delay after the start (the script kills it)

N is drawn from the calls the uninterrupted run made. A trial is two killed runs then one
clean run (``--kills-per-trial``); the index is then compared with the reference
(``canonical``). Exit status 1 on
any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MINI_XML = ROOT / "tests" / "fixtures" / "mini.data.xml"
MINI_GOLD = ROOT / "tests" / "fixtures" / "mini.gold.key.txt"
POINTS = ("encode", "commit", "commit+", "fold", "faiss", "rename")


# ---------------------------------------------------------------------------- child process
def child(spec: dict, cli_args: list[str]) -> None:
    """Run `sensedb index` in this process with the kill points counted (``spec["counts"]``:
    where to write the counts at exit) or armed (``spec["point"]``, ``spec["n"]``)."""
    import functools

    import faiss
    from sqlalchemy.orm import Session

    import sensedb.api
    import sensedb.store.files as files
    from sensedb.cli import cli
    from sensedb.encoder import Encoder
    from sensedb.indexer import fold
    from sensedb.indexer import index_documents as real_index_documents
    from sensedb.schema import Database

    counts = dict.fromkeys(POINTS, 0)

    def hit(point: str) -> None:
        counts[point] += 1
        if spec.get("point") == point and counts[point] == spec["n"]:
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(point: str, real, after: bool):
        @functools.wraps(real)
        def wrapper(*args, **kwargs):
            if not after:
                hit(point)
            result = real(*args, **kwargs)
            if after:
                hit(point)
            return result
        return wrapper

    Encoder.encode_prepared = wrap("encode", Encoder.encode_prepared, after=False)
    Database.insert_rows = staticmethod(wrap("commit", Database.insert_rows, after=True))
    Session.commit = wrap("commit+", Session.commit, after=True)
    fold.add_to_rows = wrap("fold", fold.add_to_rows, after=True)
    faiss.write_index = wrap("faiss", faiss.write_index, after=False)

    class _Os:  # the store's ``os``, its renames counted
        def __getattr__(self, name):
            return getattr(os, name)

        replace = staticmethod(wrap("rename", os.replace, after=False))

    files.os = _Os()
    @functools.wraps(real_index_documents)
    def index_documents(*args, **kwargs):
        return real_index_documents(*args, **{**kwargs, "chunk_words": spec["chunk_words"]})

    sensedb.api.index_documents = index_documents
    try:
        cli.main(args=["index", *cli_args], prog_name="sensedb", standalone_mode=False)
    finally:
        if spec.get("counts"):
            Path(spec["counts"]).write_text(json.dumps(counts))


# ---------------------------------------------------------------------------- corpus
def prepare_corpus(xml: Path, gold: Path, documents: int | None, copies: int,
                   out: Path) -> tuple[Path, Path]:
    """The first ``documents`` documents of a unified-XML corpus (one element per line),
    written ``copies`` times under new document ids (``c1d000``, ...)."""
    lines = xml.read_text(encoding="utf-8").splitlines()
    head = [line for line in lines[:2]]
    body, kept = [], 0
    for line in lines[2:]:
        if line.startswith("</corpus"):
            break
        if line.startswith("<text") and documents is not None and kept >= documents:
            break
        body.append(line)
        kept += line.startswith("</text")
    doc_ids = set(re.findall(r'<text id="([^"]+)"', "\n".join(body)))
    gold_lines = [g for g in gold.read_text(encoding="utf-8").splitlines()
                  if g.split(".")[0] in doc_ids]
    xml_out, gold_out = out / "corpus.data.xml", out / "corpus.gold.key.txt"
    texts, keys = list(head), []
    for copy in range(copies):
        prefix = f"c{copy}" if copies > 1 else ""
        texts += [re.sub(r'id="', f'id="{prefix}', line) for line in body]
        keys += [prefix + g for g in gold_lines]
    texts.append("</corpus>")
    xml_out.write_text("\n".join(texts) + "\n", encoding="utf-8")
    gold_out.write_text("\n".join(keys) + "\n", encoding="utf-8")
    return xml_out, gold_out


# ---------------------------------------------------------------------------- comparison
def canonical(path: Path, db_url: str | None) -> dict:
    """An index in a form free of row ids and build order: rows keyed by (sentence key,
    position), token vectors from the FAISS token store and from the raw shards, sense
    counts and float64 sums by sense key, the sense store's vectors, the corpus statistics,
    and the files under ``raw/`` no shard row records."""
    from sqlalchemy import select

    from sensedb.indexer import IndexDirectory
    from sensedb.indexer.directory import SENSES, TOKENS
    from sensedb.schema import (
        DocumentRow,
        SenseRow,
        SentenceRow,
        ShardRow,
        TokenRow,
        TokenSenseRow,
    )

    directory = IndexDirectory(path, db_url)
    manifest = directory.manifest()
    with directory.db.session() as session:
        documents = sorted(tuple(r) for r in session.execute(
            select(DocumentRow.corpus, DocumentRow.key)))
        sentences = sorted(tuple(r) for r in session.execute(
            select(SentenceRow.key, SentenceRow.text)))
        tokens = session.execute(
            select(TokenRow.id, SentenceRow.key, TokenRow.position, TokenRow.surface,
                   TokenRow.lemma, TokenRow.pos, TokenRow.instance, TokenRow.sense_keys,
                   TokenRow.shard_id)
            .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)).all()
        links = sorted(tuple(r) for r in session.execute(
            select(SentenceRow.key, TokenRow.position, SenseRow.key)
            .select_from(TokenSenseRow)
            .join(TokenRow, TokenSenseRow.token_id == TokenRow.id)
            .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
            .join(SenseRow, TokenSenseRow.sense_id == SenseRow.id)))
        senses = {key: (count, np.frombuffer(blob, dtype=np.float64) if blob else None)
                  for key, count, blob in session.execute(
                      select(SenseRow.key, SenseRow.count, SenseRow.vec_sum))}
        sense_ids = dict(session.execute(select(SenseRow.id, SenseRow.key)).all())
        shards = dict(session.execute(select(ShardRow.id, ShardRow.path)).all())
    place = {t.id: (t.key, t.position) for t in tokens}
    stores = directory.load_stores(manifest)
    ids, vectors = stores[TOKENS].all_vectors()
    token_vectors = {place[i]: v for i, v in zip(ids.tolist(), vectors, strict=True)}
    ids, vectors = stores[SENSES].all_vectors()
    sense_vectors = {sense_ids[i]: v for i, v in zip(ids.tolist(), vectors, strict=True)}
    raw: dict[tuple, list[np.ndarray]] = {}
    for recorded in shards.values():
        data = directory.load_shard(recorded)
        for i, v in zip(data["ids"].tolist(), np.asarray(data["vectors"]), strict=True):
            raw.setdefault(place.get(i, ("?", i)), []).append(v)
    recorded_files = {p.name for r in shards.values() for p in directory.shard_files(r)}
    on_disk = {p.name for p in (path / "raw").iterdir()} if (path / "raw").exists() else set()
    current = {p.name for name, generation in manifest.generations.items() if generation
               for p in directory.store_paths(name, generation)}
    expected = {"raw", ".lock", "sensedb.sqlite", "sensedb.sqlite-wal", "sensedb.sqlite-shm",
                *current}
    stray = sorted({p.name for p in path.iterdir()} - expected)
    stray += [f"raw/{name}" for name in sorted(on_disk - recorded_files)]
    stray += [f"checksum row of {name}" for name in directory.checksums()
              if not (path / name).exists()]
    directory.close()
    return {"documents": documents, "sentences": sentences,
            "tokens": sorted(tuple(t[1:8]) for t in tokens), "links": links,
            "senses": senses, "token_vectors": token_vectors, "sense_vectors": sense_vectors,
            "raw": raw, "stats": (manifest.stats.n, manifest.stats.mean),
            "stray_files": stray}


def differences(got: dict, want: dict, atol: float = 1e-5) -> list[str]:
    """What differs between two ``canonical`` forms (empty: the same index)."""
    found = []
    for name in ("documents", "sentences", "links"):
        if got[name] != want[name]:
            found.append(f"{name} differ ({len(got[name])} vs {len(want[name])})")
    places = [t[:2] for t in got["tokens"]]
    doubled = len(places) - len(set(places))
    lost = len({t[:2] for t in want["tokens"]} - set(places))
    if doubled or lost or got["tokens"] != want["tokens"]:
        found.append(f"tokens: {lost} lost, {doubled} doubled")
    for name in ("token_vectors", "sense_vectors"):
        if got[name].keys() != want[name].keys():
            found.append(f"{name}: other keys")
        elif any(not np.allclose(got[name][k], want[name][k], atol=atol) for k in want[name]):
            found.append(f"{name} differ")
    if {k: len(v) for k, v in got["raw"].items()} != {k: 1 for k in want["raw"]}:
        found.append("raw shard vectors: a token lost, doubled or unknown")
    elif any(not np.allclose(got["raw"][k][0], want["raw"][k][0], atol=atol)
             for k in want["raw"]):
        found.append("raw shard vectors differ")
    if got["senses"].keys() != want["senses"].keys():
        found.append("sense rows differ")
    for key, (count, total) in want["senses"].items():
        other_count, other_total = got["senses"].get(key, (None, None))
        if other_count != count or (total is None) != (other_total is None) or (
                total is not None and not np.allclose(other_total, total, atol=1e-9)):
            found.append(f"sense sum of {key} differs ({other_count} vs {count} tokens)")
            break
    if got["stats"][0] != want["stats"][0] or not np.allclose(got["stats"][1],
                                                              want["stats"][1]):
        found.append(f"corpus statistics differ ({got['stats'][0]} vs {want['stats'][0]} "
                     "words)")
    if got["stray_files"]:
        found.append(f"files the index does not use: {got['stray_files'][:3]}")
    return found


# ---------------------------------------------------------------------------- driver
class Runner:
    """Runs the child `sensedb index` against one index (and its database)."""

    def __init__(self, corpus: Path, gold: Path, chunk_words: int, work: Path,
                 db_server: str | None, pipeline: bool = False) -> None:
        self.corpus, self.gold, self.chunk_words = corpus, gold, chunk_words
        self.work, self.db_server, self.pipeline = work, db_server, pipeline

    def database(self) -> str | None:
        """A fresh database on ``db_server`` (None: the index's own SQLite file)."""
        if not self.db_server:
            return None
        from sqlalchemy import create_engine, make_url, text

        name = f"sensedb_kill_{uuid.uuid4().hex[:10]}"
        admin = create_engine(self.db_server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return make_url(self.db_server).set(database=name).render_as_string(False)

    def drop(self, db_url: str | None) -> None:
        """Drop a database :meth:`database` made."""
        if not db_url:
            return
        from sqlalchemy import create_engine, make_url, text

        admin = create_engine(self.db_server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(db_url).database}" '
                                    "WITH (FORCE)"))
        admin.dispose()

    def run(self, index: Path, db_url: str | None, point: str | None = None, n: int = 0,
            delay: float | None = None, counts: Path | None = None) -> tuple[bool, float]:
        """One child run; returns (killed, seconds)."""
        spec = {"chunk_words": self.chunk_words, "point": point, "n": n,
                "counts": str(counts) if counts else None}
        args = [str(self.corpus), "--gold", str(self.gold), "--index", str(index), "--json",
                "--pipeline" if self.pipeline else "--no-pipeline"]
        if db_url:
            args += ["--db", db_url]
        command = [sys.executable, __file__, "--child", json.dumps(spec), "--", *args]
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            _, err = process.communicate(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            _, err = process.communicate()
        seconds = time.perf_counter() - start
        if process.returncode == -signal.SIGKILL:
            return True, seconds
        if process.returncode != 0:
            raise RuntimeError(f"sensedb index failed ({process.returncode}): "
                               f"{err.decode()[-2000:]}")
        return False, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=MINI_XML)
    parser.add_argument("--gold", type=Path, default=MINI_GOLD)
    parser.add_argument("--documents", type=int, default=None,
                        help="only the corpus's first N documents")
    parser.add_argument("--copies", type=int, default=6,
                        help="the documents this many times under new ids (default 6)")
    parser.add_argument("--kills", type=int, default=20, help="at least this many kills")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kills-per-trial", type=int, default=2,
                        help="killed runs before a trial's clean run (default 2; with 1, "
                             "every trial kills once: its run starts from a fresh index)")
    parser.add_argument("--chunk-words", type=int, default=1,
                        help="words per chunk (1: one document per chunk)")
    parser.add_argument("--db-server", default=None,
                        help="PostgreSQL URL of a server: each index gets a fresh database")
    parser.add_argument("--points", default=",".join((*POINTS, "timer")),
                        help="comma-separated kill points to draw from")
    parser.add_argument("--pipeline", action="store_true",
                        help="run the jobs pipelined (reader and writer threads; "
                             "sensedb.indexer.pipeline)")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="sensedb-kill-resume-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus, gold = prepare_corpus(args.corpus, args.gold, args.documents, args.copies, work)
    runner = Runner(corpus, gold, args.chunk_words, work, args.db_server, args.pipeline)
    rng = random.Random(args.seed)

    reference_db = runner.database()
    counts_file = work / "counts.json"
    _, reference_seconds = runner.run(work / "reference", reference_db, counts=counts_file)
    calls = json.loads(counts_file.read_text())
    want = canonical(work / "reference", reference_db)
    points = [p for p in args.points.split(",") if p == "timer" or calls.get(p)]
    summary = {"reference_seconds": round(reference_seconds, 2), "calls": calls,
               "kills": {}, "runs": 0, "trials": 0, "failures": []}
    kills = 0
    while kills < args.kills:
        trial = summary["trials"]
        summary["trials"] += 1
        index, db_url = work / f"trial-{trial:03d}", runner.database()
        drawn = []
        for _ in range(args.kills_per_trial):  # killed runs (each resumes the last), then clean
            point = rng.choice(points)
            if point == "timer":
                killed, _ = runner.run(index, db_url,
                                       delay=rng.uniform(0.5, reference_seconds))
            else:
                n = rng.randint(1, calls[point])
                killed, _ = runner.run(index, db_url, point=point, n=n)
                point = f"{point}#{n}"
            summary["runs"] += 1
            drawn.append(point + ("" if killed else " (finished)"))
            if killed:
                kills += 1
                name = point.split("#")[0]
                summary["kills"][name] = summary["kills"].get(name, 0) + 1
        runner.run(index, db_url)
        summary["runs"] += 1
        found = differences(canonical(index, db_url), want)
        print(f"trial {trial}: {', '.join(drawn)}: {'; '.join(found) or 'same index'}",
              file=sys.stderr)
        if found:
            summary["failures"].append({"trial": trial, "kills": drawn, "differences": found})
        else:
            shutil.rmtree(index, ignore_errors=True)
            runner.drop(db_url)
    summary["total_kills"] = kills
    summary["tokens"] = len(want["tokens"])
    print(json.dumps(summary, indent=None if args.json else 2))
    if not summary["failures"]:
        runner.drop(reference_db)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(json.loads(sys.argv[2]), sys.argv[4:])
    else:
        sys.exit(main())
