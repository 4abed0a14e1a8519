"""From process start to the first answer of ``sensedb wsd``, and where that time goes.

    python scripts/bench_open.py --index runs/semcor-copy --index default --rounds 3 \
        --profile --json runs/bench_open.json
    python scripts/bench_open.py --index runs/semcor-copy --code runs/before-src --code . \
        --rounds 3    # two source trees side by side

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

from figures import write_figures  # scripts/figures.py

SENTENCE = "The children skipped stones from the muddy bank of the stream"
TARGET = "bank"
# (label, a substring of the function's file, the function's name): cumulative seconds (of
# several matches, the largest)
PARTS = [
    ("import torch", "torch/__init__.py", "<module>"),
    ("import transformers (model code)", "transformers/modeling_utils.py", "<module>"),
    ("import sentence-transformers", "sentence_transformers/__init__.py", "<module>"),
    ("import faiss", "faiss/__init__.py", "<module>"),
    ("import nltk", "nltk/__init__.py", "<module>"),
    ("import sqlalchemy", "sqlalchemy/__init__.py", "<module>"),
    ("import sensedb", "sensedb/__init__.py", "<module>"),
    ("open the index (SenseIndex)", "retriever/index.py", "open"),
    ("read FAISS files", "store/files.py", "read_faiss"),
    ("make the encoder (imports + model load)", "retriever/opening.py", "make_encoder"),
    ("load the model (sentence-transformers)", "encoder.py", "_load_sentence_transformer"),
    ("WordNet: lemmas missing WordNet vectors", "wordnet_vectors.py", "missing_lemmas"),
    ("WordNet: NLTK reader start", "inventory/wordnet.py", "_open_reader"),
    ("WordNet: sense index (index.sense)", "inventory/wordnet.py", "_index"),
    ("WordNet: senses (candidates)", "inventory/wordnet.py", "candidates"),
    ("POS head", "pos_head.py", "content_log_probabilities"),
    ("encoder forward passes", "encoder.py", "_forward"),
    ("wsd (the first answer, all of it)", "retriever/index.py", "wsd"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", action="append", required=True,
                        help="an index directory, or 'default' (repeat the option)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="also one cProfiled wsd per index, broken down")
    parser.add_argument("--code", action="append", default=None,
                        help="a source tree of sensedb to time (PYTHONPATH; repeat the option "
                             "to compare trees side by side; default: this checkout)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.child:
        _profile_child(args.index[0], args.child)
        return
    codes = args.code or [str(Path(__file__).resolve().parent.parent)]
    figures: dict = {"load_average_1min_each_round": [], "runs": {}}
    runs = [(code, index) for index in args.index for code in codes]
    for code, index in runs:
        figures["runs"][f"{code} {index}"] = {"wsd_seconds": [], "info_seconds": []}
    for _ in range(args.rounds):
        figures["load_average_1min_each_round"].append(round(os.getloadavg()[0], 1))
        for code, index in runs:
            entry = figures["runs"][f"{code} {index}"]
            entry["wsd_seconds"].append(_timed(["wsd", SENTENCE, TARGET], index, code))
            entry["info_seconds"].append(_timed(["info"], index, code))
    for code, index in runs:
        entry = figures["runs"][f"{code} {index}"]
        for name in ("wsd", "info"):
            entry[f"{name}_median_seconds"] = round(statistics.median(entry[f"{name}_seconds"]),
                                                    2)
        if args.profile:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp, "parts.json")
                subprocess.run([sys.executable, __file__, "--index", index, "--child",
                                str(out)], check=True, stdout=subprocess.DEVNULL,
                               env=_env(code))
                entry["profiled_parts_seconds"] = json.loads(out.read_text())
    write_figures(figures, args.json)


def _index_args(index: str) -> list[str]:
    return [] if index == "default" else ["--index", index]


def _env(code: str) -> dict[str, str]:
    """The environment with ``code`` first on PYTHONPATH (what was there stays after it:
    the GPU machine finds the wheels it was carried there)."""
    rest = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (code, rest) if p)}


def _timed(command: list[str], index: str, code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sensedb.cli", *command, *_index_args(index)],
                   check=True, stdout=subprocess.DEVNULL, env=_env(code))
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
    parts = {"total (imports included)": round(total, 2)}
    for label, file_part, function in PARTS:
        found = [row[3] for (file, _, name), row in stats.items()
                 if name == function and file.replace(os.sep, "/").endswith(file_part)]
        parts[label] = round(max(found), 2) if found else None
    Path(out).write_text(json.dumps(parts, indent=2))


if __name__ == "__main__":
    main()
