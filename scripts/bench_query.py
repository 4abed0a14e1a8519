"""wsd latency against a bare encoder forward of the same sentence, and query-time memory.

    python scripts/bench_query.py --index runs/semcor-index --repeat 50
    PYTHONPATH=. python scripts/bench_query.py --repeat 20 --two-pass   # the default index

Both are measured in the same process, interleaved, on sentences of SemEval-2007 (or a few
built-in ones). Prints p50/p95 in milliseconds, their ratio, and the peak RSS.
``--two-pass`` times a third call, interleaved with the others: the query path before the
sentence vector came from the word pass (word pass, then ``SenseIndex.context_vectors``'s own
sentence pass when the scoring weighs the sentence), same answer within float rounding.
Run it with ``PYTHONPATH=.`` from a checkout's root so that its ``sensedb`` is imported.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np

import sensedb

SENTENCES = [
    ("The children skipped stones from the muddy bank of the stream", "bank"),
    ("I deposited my salary at the bank this morning", "bank"),
    ("The plant needs more water and light", "plant"),
    ("She will serve dinner at eight", "serve"),
    ("Draw a line between the two points", "line"),
]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000.0, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=None, help="index dir (default: the default index)")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--json", default=None)
    parser.add_argument("--two-pass", action="store_true",
                        help="also time the two-pass query path (a sentence pass of its own)")
    parser.add_argument("--tag-text", default=None,
                        help="a data.xml whose sentences are tagged as raw text (throughput)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    index = sensedb.open(args.index)
    index.wsd(*SENTENCES[0])  # loads the model and WordNet, builds default lemmas
    for sentence, target in SENTENCES:
        index.wsd(sentence, target)
    warm_seconds = time.perf_counter() - t0
    encoder = index.encoder

    def two_pass(sentence: str, target: str) -> None:
        """``wsd`` as it ran before the one-pass sentence vector: ``disambiguate`` without a
        context computes it with ``context_vectors`` (a second forward pass)."""
        located = index.locate(sentence, target)
        pairs = index.lemma_candidates(located.surface)
        index.ensure(pairs)
        raw, tags = index.target_vectors([located])
        index.disambiguate(located, pairs, raw[0], k=5, pos_logp=tags[0])

    wsd_times, bare_times, two_times = [], [], []
    for _ in range(args.repeat):
        for sentence, target in SENTENCES:
            words = sensedb.tokenize(sentence)
            t = time.perf_counter()
            encoder.word_vectors([words])
            bare_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            index.wsd(sentence, target, k=5)
            wsd_times.append(time.perf_counter() - t)
            if args.two_pass:
                t = time.perf_counter()
                two_pass(sentence, target)
                two_times.append(time.perf_counter() - t)
    figures = {
        "index": str(index.directory.path),
        "queries": len(wsd_times),
        "open_and_first_answers_seconds": round(warm_seconds, 2),
        "wsd_ms_p50": round(percentile(wsd_times, 50), 2),
        "wsd_ms_p95": round(percentile(wsd_times, 95), 2),
        "bare_forward_ms_p50": round(percentile(bare_times, 50), 2),
        "bare_forward_ms_p95": round(percentile(bare_times, 95), 2),
        "ratio_p50_wsd_to_bare": round(percentile(wsd_times, 50) / percentile(bare_times, 50), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "token_vectors": index.tokens.ntotal,
        "uses_context": bool(getattr(index, "uses_context", False)),
        "load_average": [round(x, 1) for x in __import__("os").getloadavg()],
    }
    if two_times:
        figures.update({
            "two_pass_ms_p50": round(percentile(two_times, 50), 2),
            "two_pass_ms_p95": round(percentile(two_times, 95), 2),
            "ratio_p50_two_pass_to_bare": round(percentile(two_times, 50)
                                                / percentile(bare_times, 50), 2)})
    if args.tag_text:
        sentences = [" ".join(s.words) for d in sensedb.read_raganato(args.tag_text)
                     for s in d.sentences]
        text = "\n".join(sentences)
        sensedb.tag(index, text)  # first pass adds WordNet evidence for new lemmas; not timed
        t = time.perf_counter()
        tagged = sensedb.tag(index, text)
        tag_seconds = time.perf_counter() - t
        words = [sensedb.tokenize(s) for s in sentences]
        t = time.perf_counter()
        encoder.word_vectors(words)
        bare_seconds = time.perf_counter() - t
        n_words = sum(len(w) for w in words)
        figures.update({
            "tag_words": n_words, "tag_content_words_tagged": len(tagged),
            "tag_words_per_second": round(n_words / tag_seconds, 1),
            "bare_encoder_words_per_second": round(n_words / bare_seconds, 1),
            "ratio_tag_to_bare": round(bare_seconds / tag_seconds, 3),
        })
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
