"""Reading a synset's name, definition and examples straight from WordNet's files, without
NLTK: a sense's description then costs a binary search in ``index.<pos>`` and two reads by
byte offset in ``data.<pos>`` (memory-mapped), where NLTK's reader first imports NLTK
(which imports scipy, scikit-learn and pandas) and reads every lemma index: 12.6 of the 43
seconds from process start to the first ``sensedb wsd`` answer on a SemCor index
(BENCHMARKS.md). The results are NLTK's, field for field (``tests/test_inventory.py``
compares them over thousands of senses), but for the definition of 743 of WordNet 3.0's
117,659 synsets, where NLTK keeps what follows the first example (``barely``: "only a very
short time before; ; ; ; ; - W.B.Yeats", an attribution and the separators of the quoted
examples it removed): :func:`definition_of` keeps the definition alone. A line this module
does not parse as NLTK would is left to NLTK's reader (:class:`~sensedb.inventory.WordNet`
falls back to it).

Own code rather than a library: the format is WordNet's ``wndb(5)``, and NLTK is the
library; this reads the three fields sensedb shows, in NLTK's words, from its own mapped
copy of the files.
"""

from __future__ import annotations

import re

__all__ = ["INDEX_FILES", "definition_of", "lemma_offsets", "read_line", "synset_fields",
           "synset_lemmas", "synset_pointers"]

#: The lemma index of each synset type (satellites are listed in ``index.adj``).
INDEX_FILES = {"n": "index.noun", "v": "index.verb", "a": "index.adj", "s": "index.adj",
               "r": "index.adv"}
_MARKER = re.compile(r"(.*?)(\([^()]*\))?$")  # NLTK's: an adjective's syntactic marker
_QUOTED = re.compile(r"[\"].*?[\"]")
_EXAMPLE = re.compile(r'"([^"]*)"')
#: A person's years closing a gloss after its examples (Theodore Roosevelt's "(1858-1919)"):
#: kept with the definition, as every other person's are.
_YEARS_AT_END = re.compile(r"\(\d{3,4}-\d{3,4}\)\s*$")


def definition_of(gloss: str) -> str:
    """The definition in a synset's gloss field (the text after the ``|`` of a ``data.<pos>``
    line): its ``;``-separated parts before the first quoted example, quoted words inside them
    removed as NLTK's ``definition()`` removes them. What follows the first example is not
    the definition (but a person's years at its end: "(1858-1919)"): more examples, their
    authors ("- W.B.Yeats", "--Genesis"), notes on a quoted form ("\"scribbling block\" is
    a British term"). A part with an unpaired quote (an example whose opening quote the file
    lacks: ``focus once again; The physicist refocused the light beam"``) begins the
    examples too; the first part is always kept, stray quotes removed.

    >>> definition_of(' only a very short time before; "they could barely hear"; "..."- W.B.Yeats')
    'only a very short time before'
    """
    parts = gloss.split(";")
    kept = []
    for number, part in enumerate(parts):
        if number and (part.strip().startswith('"') or part.count('"') % 2):
            break
        kept.append(part)
    definition = _QUOTED.sub("", ";".join(kept)).replace('"', "").strip().strip("; ")
    years = _YEARS_AT_END.search(_QUOTED.sub("", ";".join(parts[len(kept):])))
    return f"{definition} {years.group(0)}" if years and definition else definition


def read_line(data, offset: int) -> str:
    """The line at byte ``offset`` of a mapped WordNet file (``bytes`` or ``mmap``), UTF-8
    decoded, without its newline."""
    end = data.find(b"\n", offset)
    return data[offset:end if end >= 0 else len(data)].decode("utf-8")


def lemma_offsets(index, lemma: str) -> list[int] | None:
    """The synset offsets of ``lemma`` (lower case, underscores for spaces) in a mapped
    ``index.<pos>`` file, in the file's order (WordNet's sense order), or None when the file
    has no such lemma. A binary search over lines: the files are sorted by lemma, byte by
    byte, after license lines that begin with spaces (and sort before every lemma)."""
    target = lemma.encode("utf-8")
    lo, hi = 0, len(index)
    while lo < hi:  # the first line start at or after lo whose lemma is >= target
        mid = (lo + hi) // 2
        start = index.rfind(b"\n", 0, mid) + 1
        end = index.find(b"\n", start)
        end = len(index) if end < 0 else end
        line = index[start:end]
        key = b"" if line.startswith(b" ") else line.split(b" ", 1)[0]
        if key < target:
            lo = end + 1
        else:
            hi = start
    if lo >= len(index):
        return None
    fields = read_line(index, lo).split()
    if not fields or fields[0] != lemma:
        return None
    n_synsets, n_pointers = int(fields[2]), int(fields[3])
    first = 4 + n_pointers + 2  # lemma pos n_synsets n_pointers pointers... n_senses n_tagged
    return [int(x) for x in fields[first:first + n_synsets]]


def synset_fields(line: str) -> tuple[int, str, str, str, tuple[str, ...]]:
    """(offset, synset type, first lemma as written, definition, examples) of a
    ``data.<pos>`` line, parsed as NLTK's reader parses it, but for the definition
    (:func:`definition_of`).

    Raises:
        ValueError: a line NLTK would not parse this way (the caller asks NLTK)."""
    columns, gloss = line.strip().split("|")  # NLTK's: exactly one bar
    definition = definition_of(gloss)
    examples = tuple(_EXAMPLE.findall(gloss))
    fields = columns.split()
    offset, ss_type = int(fields[0]), fields[2]
    if int(fields[3], 16) < 1:
        raise ValueError("a synset without lemmas")
    match = _MARKER.match(fields[4])
    return offset, ss_type, match.group(1), definition, examples


def synset_lemmas(line: str) -> list[str]:
    """The lemma names of a ``data.<pos>`` line's synset as NLTK's ``Lemma.name()`` gives
    them: as written (case kept, underscores), an adjective's syntactic marker dropped.

    Raises:
        ValueError: a line NLTK would not parse this way (the caller asks NLTK)."""
    columns, _ = line.strip().split("|")  # NLTK's: exactly one bar
    fields = columns.split()
    count = int(fields[3], 16)
    if count < 1 or len(fields) < 4 + 2 * count:
        raise ValueError("a synset without lemmas, or a short line")
    return [_MARKER.match(word).group(1) for word in fields[4:4 + 2 * count:2]]


def synset_pointers(line: str) -> list[tuple[str, int, str]]:
    """The pointers of a ``data.<pos>`` line's synset, (symbol, target offset, target synset
    type), in the file's order: ``("@", 2084071, "n")`` for a hypernym (``wndb(5)``'s
    ``pointer_symbol synset_offset pos source/target``; the symbols are ``wninput(5)``'s:
    ``@`` hypernym, ``~`` hyponym, ``#p`` part holonym, ``&`` similar to, ...). Lexical
    pointers (between two words, not the synsets) are listed too.

    Raises:
        ValueError: a short or malformed line."""
    columns, _ = line.strip().split("|")
    fields = columns.split()
    count = int(fields[3], 16)
    at = 4 + 2 * count
    n_pointers = int(fields[at])
    pointers = fields[at + 1:at + 1 + 4 * n_pointers]
    if len(pointers) < 4 * n_pointers:
        raise ValueError("a short pointer list")
    return [(pointers[n], int(pointers[n + 1]), pointers[n + 2])
            for n in range(0, len(pointers), 4)]
