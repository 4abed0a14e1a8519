"""``tag`` throughput on a fresh index, cold and warm, against a bare encoder pass.

The text is a Raganato data set's sentences as plain text (default: SemEval-2007's 135
sentences), tagged by ``--mode``: ``stream``, as ``sensedb tag --file F --jsonl`` does
(``sensedb.streaming.tag_stream`` over the lines: 64 sentences, one encoder pass and one
addition of WordNet vectors at a time), or ``sentence``, one ``sensedb.tag`` call per sentence
(as a pipeline feeding single sentences would: one addition per call). Rows:

- **bare encoder**: one ``Encoder.word_vectors`` pass per sentence (the floor: no WordNet, no
  search, no scoring);
- **cold, nothing shared**: a fresh index (a copy of ``--index``, or without it a new default
  index: WordNet alone) without WordNet vectors, and an empty shared evidence file
  (``sensedb.indexer.shared_evidence``): every call adds its new lemmas' vectors (a segment of
  the example and WordNet stores), encoding every gloss and example;
- **cold, shared evidence**: a second fresh copy of the index, no WordNet vectors in it, the
  shared file filled by the first: the same additions, their vectors read, not encoded;
- **warm**: the same calls again on that index, every vector in place.

Words/s counts the text's words (tokens of the data set). The passes run one after the other
in one process with one torch thread (``--threads``); the shared file is a temporary one.

    python scripts/bench_tag.py --data ../shared/data/wsd/semeval2007/semeval2007.data.xml \
        --index MINI_INDEX --mode stream --json
"""

from __future__ import annotations

import argparse
import json
import os
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
    parser.add_argument("--index", type=Path, help="index to copy (default: a new default "
                        "index built from WordNet alone)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--batch-tokens", type=int, default=None,
                        help="padded word pieces per forward pass (default: the encoder's)")
    parser.add_argument("--limit", type=int, default=0, help="first N sentences only")
    parser.add_argument("--mode", choices=("stream", "sentence"), default="stream",
                        help="stream: as `tag --file --jsonl`; sentence: one call each")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import sensedb
    from sensedb import read_raganato
    from sensedb.streaming import tag_stream

    sentences = [list(s.words) for d in read_raganato(args.data) for s in d.sentences]
    if args.limit:
        sentences = sentences[:args.limit]
    texts = [" ".join(words) for words in sentences]
    words = sum(len(w) for w in sentences)
    encoder = sensedb.Encoder(threads=args.threads, batch_tokens=args.batch_tokens)

    def run(index) -> tuple[float, int]:
        t0 = time.perf_counter()
        if args.mode == "stream":
            tagged = sum(1 for _ in tag_stream(index, texts))
        else:
            tagged = sum(len(sensedb.tag(index, text)) for text in texts)
        return time.perf_counter() - t0, tagged

    with tempfile.TemporaryDirectory(prefix="sensedb-bench-tag-") as work:
        os.environ["SENSEDB_SHARED_EVIDENCE"] = str(Path(work) / "evidence.sqlite")

        def fresh(name: str):
            path = Path(work) / name
            if args.index:
                shutil.copytree(args.index, path)
            return sensedb.SenseIndex(path, encoder=encoder, autobuild=args.index is None)

        first = fresh("first")
        encoder.word_vectors([sentences[0]])  # warm up the model and WordNet's files
        # (the sense index and the synsets' reader, which proper names read: opening it
        # takes ~3 s once per process, which no pass should be charged)
        first.inventory.proper_name(first.inventory.candidates("bank", "NOUN")[0])
        t0 = time.perf_counter()
        for words_of in sentences:
            encoder.word_vectors([words_of])
        bare = time.perf_counter() - t0
        passes = {"cold": run(first)}
        index = fresh("second")
        passes["cold_shared"] = run(index)
        passes["warm"] = run(index)
        manifest = index.directory.manifest()
        found = {
            "mode": args.mode, "sentences": len(sentences), "words": words,
            "batch_tokens": encoder.batch_tokens,
            "bare_words_per_s": round(words / bare, 1),
            **{f"{name}_words_per_s": round(words / seconds, 1)
               for name, (seconds, _) in passes.items()},
            "cold_over_warm": round(passes["warm"][0] / passes["cold"][0], 3),
            "cold_shared_over_warm": round(passes["warm"][0] / passes["cold_shared"][0], 3),
            "warm_over_bare": round(bare / passes["warm"][0], 3),
            "tagged_words": passes["warm"][1], "lemmas_added": index.info()["corpora"]
            .get("wordnet", 0), "segments": {k: len(v) for k, v in
                                             getattr(manifest, "segments", {}).items()},
            "generation": max(manifest.generations.values()),
            "load_average": [round(x, 1) for x in os.getloadavg()]}
    print(json.dumps(found, indent=2) if args.json else
          "\n".join(f"{k}: {v}" for k, v in found.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
