"""The WordNet reader's start: NLTK's own file reading against sensedb's (plain files for
what the start reads top to bottom), alternating, in one run.

    python scripts/bench_wordnet_start.py --rounds 3 --json runs/bench_wordnet_start.json

Prints the seconds of each start and whether both readers built the same lemma index,
exception and lexname maps.
"""

from __future__ import annotations

import argparse
import os
import time

from figures import write_figures  # scripts/figures.py
from nltk.corpus.reader.wordnet import WordNetCorpusReader

from sensedb.inventory import default_wordnet
from sensedb.inventory.wordnet import _open_reader


class NltkFiles(WordNetCorpusReader):
    """NLTK's reader without its Open Multilingual Wordnet map, as sensedb's: only the file
    reading differs."""

    def map_wn(self, version: str = "wordnet") -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    wordnet = default_wordnet()
    wordnet.candidates("bank", "NOUN")  # the reader's copy is prepared
    root = str(wordnet.wordnet_dir)
    seconds: dict[str, list[float]] = {"nltk_stream_reader": [], "plain_files": []}
    readers = {}
    load = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for name, make in (("nltk_stream_reader", lambda: NltkFiles(root, None)),
                           ("plain_files", lambda: _open_reader(root))):
            t0 = time.perf_counter()
            readers[name] = make()
            seconds[name].append(round(time.perf_counter() - t0, 2))
        load.append(os.getloadavg()[0])
    a, b = readers["nltk_stream_reader"], readers["plain_files"]
    figures = {"seconds_each": seconds, "load_average_1min": [round(x, 1) for x in load],
               "same_maps": a._lemma_pos_offset_map == b._lemma_pos_offset_map
               and a._exception_map == b._exception_map and a._lexnames == b._lexnames}
    write_figures(figures, args.json)


if __name__ == "__main__":
    main()
