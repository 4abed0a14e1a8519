"""From process start to the first answer of ``sensedb wsd``, and where that time goes.

    python scripts/bench_open.py --index runs/semcor-copy --index default --rounds 3 \
        --json runs/bench_open.json

Each round runs, for each ``--index`` in turn (``default``: the default index in
``$SENSEDB_HOME``), a fresh ``python -m sensedb.cli wsd SENTENCE TARGET --index DIR``
and times it from the process's start to its exit (it exits right after printing the
answer), and ``python -m sensedb.cli info --index DIR`` (no encoder needed). Runs of the
different indexes alternate, so the machine's drift favours none. Then, with ``--profile``,
one more ``wsd`` per index runs under cProfile in a child process and the script reports the
cumulative seconds of what opening and the first answer are made of: importing torch,
transformers, sentence-transformers, FAISS, NLTK and SQLAlchemy, loading the model, reading
the FAISS files, starting WordNet's reader and its sense index, the POS head, the encoder's
forward pass (cProfile slows Python-heavy parts more than the rest: read it as shares).
The first run of a round also pays for the OS's file cache; the load average is reported.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SENTENCE = "The children skipped stones from the muddy bank of the stream"
TARGET = "bank"
# (label, a substring of "file:line(function)" in cProfile's stats); the first match's
# cumulative seconds (several for a label: the largest)
PARTS = [
    ("import torch", "torch/__init__.py:1(<module>)"),
    ("import transformers (models)", "transformers/modeling_utils.py:1(<module>)"),
    ("import sentence-transformers", "sentence_transformers/__init__.py:1(<module>)"),
    ("import faiss", "faiss/__init__.py:1(<module>)"),
    ("import nltk", "nltk/__init__.py:1(<module>)"),
    ("import sqlalchemy", "sqlalchemy/__init__.py:1(<module>)"),
    ("sensedb.open (index object)", "sensedb/__init__.py"),
    ("make the encoder (imports + model load)", "retriever/opening.py:16(make_encoder)"),
    ("load the model (SentenceTransformer)", "encoder.py"),
    ("read FAISS files", "store/files.py"),
    ("WordNet reader start (NLTK)", "inventory/wordnet.py"),
    ("WordNet sense index", "(_index)"),
    ("POS head", "pos_head.py"),
    ("encoder forward", "(_forward)"),
    ("wsd (first answer, all of it)", "(wsd)"),
]
FUNCTIONS = {
    "sensedb.open (index object)": "(open)",
    "load the model (SentenceTransformer)": "(_load_sentence_transformer)",
    "read FAISS files": "(read_faiss)",
    "WordNet reader start (NLTK)": "(_nltk_reader)",
    "POS head": "(",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", action="append", required=True,
                        help="an index directory, or 'default' (repeat the option)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="also one cProfiled wsd per index, broken down")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.child:
        _profile_child(args.index[0], args.child)
        return
    figures: dict = {"load_average_1min_each_round": [], "indexes": {}}
    for index in args.index:
        figures["indexes"][index] = {"wsd_seconds": [], "info_seconds": []}
    for _ in range(args.rounds):
        figures["load_average_1min_each_round"].append(round(os.getloadavg()[0], 1))
        for index in args.index:
            entry = figures["indexes"][index]
            entry["wsd_seconds"].append(_timed(["wsd", SENTENCE, TARGET], index))
            entry["info_seconds"].append(_timed(["info"], index))
    for index in args.index:
        entry = figures["indexes"][index]
        for name in ("wsd", "info"):
            entry[f"{name}_median_seconds"] = round(statistics.median(entry[f"{name}_seconds"]),
                                                    2)
        if args.profile:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp, "parts.json")
                subprocess.run([sys.executable, __file__, "--index", index, "--child",
                                str(out)], check=True, stdout=subprocess.DEVNULL)
                entry["profiled_parts_seconds"] = json.loads(out.read_text())
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


def _index_args(index: str) -> list[str]:
    return [] if index == "default" else ["--index", index]


def _timed(command: list[str], index: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sensedb.cli", *command, *_index_args(index)],
                   check=True, stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - t0, 2)


def _profile_child(index: str, out: str) -> None:
    """One ``wsd`` through the CLI's code under cProfile; the parts' cumulative seconds."""
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.enable()
    from sensedb.cli import cli

    try:
        cli.main(["wsd", SENTENCE, TARGET, *_index_args(index)], standalone_mode=False)
    finally:
        profile.disable()
    total = time.perf_counter() - t0
    stats = pstats.Stats(profile).stats  # {(file, line, function): (cc, nc, tt, ct, callers)}
    names = {f"{file}:{line}({function})": row[3]
             for (file, line, function), row in stats.items()}
    parts = {"total (imports included)": round(total, 2)}
    for label, pattern in PARTS:
        function = FUNCTIONS.get(label)
        found = [seconds for name, seconds in names.items() if pattern in name
                 and (function is None or function in name)]
        parts[label] = round(max(found), 2) if found else None
    Path(out).write_text(json.dumps(parts, indent=2))


if __name__ == "__main__":
    main()
