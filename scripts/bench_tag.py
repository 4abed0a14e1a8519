"""``tag`` throughput on a fresh index, cold and warm, against a bare encoder pass.

The text is a Raganato data set's sentences as plain text (default: SemEval-2007's 135
sentences), tagged one sentence per call, as a pipeline feeding sentences would. Rows:

- **bare encoder**: one ``Encoder.word_vectors`` pass per sentence (the floor: no WordNet, no
  search, no scoring);
- **cold**: a fresh index (a copy of ``--index``, or without it a new default index: WordNet
  alone) that has no WordNet vectors yet: every call adds those of its new lemmas (a segment of
  the example and WordNet stores; ``sensedb.indexer.wordnet_vectors``) before it tags;
- **warm**: the same calls again on that index, every vector in place.

Words/s counts the text's words (tokens of the data set). The passes run one after the other
in one process with one torch thread (``--threads``).

    python scripts/bench_tag.py --data ../shared/data/wsd/semeval2007/semeval2007.data.xml
"""

from __future__ import annotations

import argparse
import json
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
    parser.add_argument("--limit", type=int, default=0, help="first N sentences only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import sensedb
    from sensedb import read_raganato

    sentences = [list(s.words) for d in read_raganato(args.data) for s in d.sentences]
    if args.limit:
        sentences = sentences[:args.limit]
    texts = [" ".join(words) for words in sentences]
    words = sum(len(w) for w in sentences)
    encoder = sensedb.Encoder(threads=args.threads)
    with tempfile.TemporaryDirectory(prefix="sensedb-bench-tag-") as work:
        path = Path(work) / "index"
        if args.index:
            shutil.copytree(args.index, path)
        index = sensedb.SenseIndex(path, encoder=encoder, autobuild=args.index is None)
        encoder.word_vectors([sentences[0]])  # warm up the model and WordNet's files
        index.inventory.candidates("bank", "NOUN")
        t0 = time.perf_counter()
        for words_of in sentences:
            encoder.word_vectors([words_of])
        bare = time.perf_counter() - t0
        passes = {}
        for name in ("cold", "warm"):
            t0 = time.perf_counter()
            tagged = sum(len(sensedb.tag(index, text)) for text in texts)
            passes[name] = (time.perf_counter() - t0, tagged)
        manifest = index.directory.manifest()
        found = {
            "sentences": len(sentences), "words": words,
            "bare_words_per_s": round(words / bare, 1),
            "cold_words_per_s": round(words / passes["cold"][0], 1),
            "warm_words_per_s": round(words / passes["warm"][0], 1),
            "cold_over_warm": round(passes["warm"][0] / passes["cold"][0], 3),
            "warm_over_bare": round(bare / passes["warm"][0], 3),
            "tagged_words": passes["warm"][1], "lemmas_added": index.info()["corpora"]
            .get("wordnet", 0), "segments": {k: len(v) for k, v in
                                             getattr(manifest, "segments", {}).items()},
            "generation": max(manifest.generations.values())}
    print(json.dumps(found, indent=2) if args.json else
          "\n".join(f"{k}: {v}" for k, v in found.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
