"""The check pass and a job's first chunk: one after the other, against both at once.

    python scripts/bench_first_chunk.py --data ../shared/data/wsd/semcor/semcor.data.xml \\
        --rounds 2 --json runs/bench_first_chunk.json

What ``api.build_index`` did before ``sensedb.indexer.first_chunk``: read and check the whole
corpus (``documents.check_documents`` over ``documents.ReadOnce``), then tokenize and encode
the job's first chunk; and what it does now: the check in a thread while this thread encodes
the first chunk from the documents the check hands over
(``first_chunk.check_while_encoding``, with the job's shared cores where torch's threads fill
the CPU). Both sides use one encoder, loaded before the rounds (a job's model load, which
also overlaps the check now, is left out), and alternate round by round (sequential, then
overlapped), so a drift in the machine's speed favours neither. Prints and with ``--json``
writes each round's seconds: the check, the first chunk's encoding and the whole.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from figures import write_figures  # scripts/figures.py

from sensedb import Encoder
from sensedb.api import corpus_reader
from sensedb.gc_policy import bulk_work
from sensedb.indexer.chunks import CHUNK_WORDS, FIRST_CHUNK_WORDS, chunk_documents
from sensedb.indexer.documents import ReadOnce, check_documents
from sensedb.indexer.first_chunk import check_while_encoding
from sensedb.inventory import default_wordnet
from sensedb.inventory.labels import LabelCheck


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="CORPUS.data.xml (gold key beside it)")
    parser.add_argument("--first-words", type=int, default=FIRST_CHUNK_WORDS,
                        help=f"words of the first chunk (default {FIRST_CHUNK_WORDS}, the job's)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    corpus = Path(args.data)
    inventory = default_wordnet()
    encoder = Encoder()

    def reader() -> ReadOnce:
        read, _ = corpus_reader(corpus, None, inventory, label_check=LabelCheck(inventory),
                                warn=lambda warning: None)
        return ReadOnce(read)

    def sequential() -> dict[str, float]:
        passes = reader()
        t0 = time.perf_counter()
        to_index: list = []
        with bulk_work():
            check_documents(None, passes.check_pass(), corpus.stem, to_index=to_index.append)
        t1 = time.perf_counter()
        chunk = next(chunk_documents(iter(to_index), CHUNK_WORDS, first_words=args.first_words))
        encoder.encode_prepared(encoder.prepare([s.words for d in chunk for s in d.sentences]))
        t2 = time.perf_counter()
        return {"check": round(t1 - t0, 2), "first_chunk": round(t2 - t1, 2),
                "whole": round(t2 - t0, 2)}

    def overlapped() -> dict[str, float]:
        passes = reader()
        t0 = time.perf_counter()
        _, _, first = check_while_encoding(
            lambda documents, to_index: check_documents(None, documents, corpus.stem,
                                                        to_index=to_index),
            passes.check_pass(), lambda: encoder, first_words=lambda made: args.first_words,
            chunk_words=CHUNK_WORDS)
        assert first is not None
        return {"first_chunk": round(first.seconds, 2),
                "whole": round(time.perf_counter() - t0, 2)}

    rounds = []
    for _ in range(args.rounds):
        rounds.append({"sequential": sequential(), "overlapped": overlapped()})
        print(json.dumps(rounds[-1]), flush=True)
    figures = {"corpus": str(corpus), "first_words": args.first_words, "rounds": rounds,
               "saved_seconds_each_round": [round(r["sequential"]["whole"]
                                                  - r["overlapped"]["whole"], 2)
                                            for r in rounds]}
    write_figures(figures, args.json)


if __name__ == "__main__":
    main()
