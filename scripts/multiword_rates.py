"""Count how often a labelled corpus writes each multiword reading as one token.

    HF_HUB_OFFLINE=1 python scripts/multiword_rates.py \\
        --data ../shared/data/wsd/semcor/semcor.data.xml --exclude tuning,slice \\
        --out sensedb/data/multiword_rates.json

For every sentence of ``--data`` (its tokens split into words, as raw text would be) the
tagger's own multiword readings are found (``tagger.readings`` without POS tags: every span
WordNet knows as a multiword lemma, ``lemmatize("came out") -> come_out``); each lemma of a
reading counts as ``whole`` where the corpus has that span as one token and ``apart`` where
it does not ("went to the store": go_to apart; "of course": of_course whole). The tagger uses
``log((whole + 1) / (apart + 1))`` as evidence for keeping a reading whole
(``scoring.multiword_rate``): a corpus statistic of the annotators' convention that the
scores of the senses cannot give (SemCor writes "went to" apart about nine times for each
time it tags go_to).

``--exclude``: document ids left out, comma-separated; ``tuning`` stands for the 36
documents of scripts/tune_weights.py and scripts/tune_multiword.py (d000, d010, ...) and
``slice`` for scripts/raw_gap.py's SLICE, so that both stay held out from the counts.

Output: JSON ``{"counts": {lemma: [whole, apart]}, "provenance": {...}}``, lemmas sorted,
only lemmas seen at least ``--min-seen`` times (default 1). Rerunning with the same data and
arguments writes the same counts (the provenance's date aside).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shlex
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import sensedb
from sensedb.corpora import Sentence, read_raganato
from sensedb.retriever.tagger import readings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_gap import SLICE  # noqa: E402
from tune_multiword import SEMCOR_DOCUMENTS  # noqa: E402


def excluded(spec: str) -> set[str]:
    """Document ids of ``--exclude`` (``tuning`` and ``slice`` expanded)."""
    out: set[str] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        if part == "tuning":
            out |= SEMCOR_DOCUMENTS
        elif part == "slice":
            out |= set(SLICE)
        else:
            out.add(part)
    return out


def sentences(xml: Path, leave_out: set[str], *, gold: bool = False) -> Iterator[Sentence]:
    """The sentences of the documents of ``xml`` not in ``leave_out``, in order; with
    ``gold``, each labelled token's gold keys read from ``<name>.gold.key.txt`` beside it."""
    keys = xml.with_name(xml.name.replace(".data.xml", ".gold.key.txt")) if gold else None
    for document in read_raganato(xml, keys):
        if document.id not in leave_out:
            yield from document.sentences


def count(index, xml: Path, leave_out: set[str]) -> tuple[Counter, Counter, int]:
    """(whole, apart, sentences read) over the documents of ``xml`` not in ``leave_out``."""
    whole: Counter = Counter()
    apart: Counter = Counter()
    read = 0
    for sentence in sentences(xml, leave_out):
        words, spans = [], set()
        for token in sentence.tokens:
            parts = token.text.split() or [token.text]
            spans.add((len(words), len(words) + len(parts)))
            words.extend(parts)
        _, multi = readings(index, words, None)
        for start, end, pairs in multi:
            for lemma in {lemma for lemma, _ in pairs}:
                (whole if (start, end) in spans else apart)[lemma] += 1
        read += 1
        if read % 5000 == 0:
            print(f"{read} sentences", file=sys.stderr, flush=True)
    return whole, apart, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="labelled corpus, unified XML (SemCor's semcor.data.xml)")
    parser.add_argument("--exclude", default="tuning,slice",
                        help="document ids to leave out (tuning, slice: see above)")
    parser.add_argument("--min-seen", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    leave_out = excluded(args.exclude)
    index = sensedb.open(None)  # WordNet's lemmatizer only; no vector is read
    whole, apart, read = count(index, args.data, leave_out)
    counts = {lemma: [whole[lemma], apart[lemma]] for lemma in sorted(set(whole) | set(apart))
              if whole[lemma] + apart[lemma] >= args.min_seen}
    digest = hashlib.sha256(args.data.read_bytes()).hexdigest()
    out = {"counts": counts,
           "provenance": {
               "made_by": "scripts/multiword_rates.py",
               "command": "python scripts/multiword_rates.py " + shlex.join(sys.argv[1:]),
               "data": args.data.name, "data_sha256": digest,
               "excluded_documents": sorted(leave_out), "sentences": read,
               "lemmas": len(counts), "date": datetime.date.today().isoformat(),
               "rule": "whole: the corpus has the reading's span as one token; apart: it "
                       "does not (tagger.readings without POS tags)"}}
    args.out.write_text(json.dumps(out, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{len(counts)} lemmas from {read} sentences -> {args.out}")


if __name__ == "__main__":
    main()
