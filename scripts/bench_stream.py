"""``tag_stream``'s chunk size against tagging the whole text at once, in one process.

    python scripts/bench_stream.py --data ../shared/data --sentences 400 whole 64 256 1024 whole

Takes ``--sentences`` SemCor sentences (from its 3,000th on, unique text), tags them once to
build their WordNet vectors (not timed), then times each mode in the order given: ``whole``
(``sensedb.tag`` of the lines joined) or a number (``tag_stream`` with that
``max_sentences``); prints the tagged words, seconds and words per second of each.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import sensedb
from sensedb.corpora import read_raganato
from sensedb.streaming import tag_stream


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("modes", nargs="+", help="'whole' or a max_sentences")
    args = parser.parse_args()
    lines: list[str] = []
    for document in read_raganato(args.data / "wsd/semcor/semcor.data.xml"):
        lines.extend(" ".join(s.words) for s in document.sentences)
        if len(lines) >= 3000 + args.sentences:
            break
    lines = lines[3000:3000 + args.sentences]
    index = sensedb.open()
    sensedb.tag(index, "\n".join(lines))  # WordNet vectors built, not timed
    words = sum(len(line.split()) for line in lines)
    for mode in args.modes:
        start = time.perf_counter()
        if mode == "whole":
            tagged = len(sensedb.tag(index, "\n".join(lines)))
        else:
            tagged = sum(1 for _ in tag_stream(index, lines, max_sentences=int(mode)))
        seconds = time.perf_counter() - start
        print(f"{mode}: {tagged} tagged words, {seconds:.1f} s, {words / seconds:.0f} words/s",
              flush=True)


if __name__ == "__main__":
    main()
