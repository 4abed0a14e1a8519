"""cProfile of ``bench_tag``'s cold stream pass: ``tag_stream`` over a Raganato data set's
sentences as plain text on a fresh copy of ``--index``, nothing shared (an empty shared
evidence file), so every new lemma's glosses and examples are encoded as it goes. The model
and the sense index are warmed first; the stats (cumulative, then internal time) go to
``--out``.

    python scripts/profile_cold_tag.py --data ../shared/data/wsd/semeval2007/semeval2007.data.xml \\
        --index MINI_INDEX --out cold.prof.txt
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="Raganato .data.xml")
    parser.add_argument("--index", type=Path, required=True, help="index to copy")
    parser.add_argument("--out", type=Path, required=True, help="the stats, as text")
    parser.add_argument("--limit", type=int, default=0, help="first N sentences only")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args(argv)

    import sensedb
    from sensedb import read_raganato
    from sensedb.streaming import tag_stream

    sentences = [list(s.words) for d in read_raganato(args.data) for s in d.sentences]
    if args.limit:
        sentences = sentences[:args.limit]
    texts = [" ".join(words) for words in sentences]
    encoder = sensedb.Encoder(threads=args.threads)
    with tempfile.TemporaryDirectory(prefix="sensedb-profile-tag-") as work:
        os.environ["SENSEDB_SHARED_EVIDENCE"] = str(Path(work) / "evidence.sqlite")
        shutil.copytree(args.index, Path(work) / "index")
        index = sensedb.SenseIndex(Path(work) / "index", encoder=encoder, autobuild=False)
        encoder.word_vectors([sentences[0]])
        index.inventory.proper_name(index.inventory.candidates("bank", "NOUN")[0])
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        tagged = sum(1 for _ in tag_stream(index, texts))
        profile.disable()
        print(f"cold pass: {time.perf_counter() - start:.1f} s, {tagged} words tagged")
        with args.out.open("w") as out:
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
