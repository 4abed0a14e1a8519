"""Reader of WiC (Words in Context, Pilehvar & Camacho-Collados 2019).

``*.data.txt``: one pair per line, tab-separated
``lemma <tab> N|V <tab> i1-i2 <tab> sentence1 <tab> sentence2``; the sentences are tokenized
and split on single spaces, ``i1``/``i2`` are 0-based indices of the target token.
``*.gold.txt``: ``T`` (same meaning) or ``F`` per line, aligned with the data lines.
"""

from __future__ import annotations

import re
from os import PathLike

from sensedb.corpora.model import WicPair
from sensedb.errors import InputError
from sensedb.vocabulary import POS

__all__ = ["read_wic"]

StrPath = str | PathLike[str]

#: WiC's POS column: WordNet letters in upper case, nouns and verbs only.
_WIC_POS = ("N", "V")
_INDICES_RE = re.compile(r"(\d+)-(\d+)")


def _lines(path: StrPath, what: str) -> list[str]:
    """The lines of a UTF-8 file without line ends; trailing blank lines dropped."""
    name = str(path)
    try:
        with open(name, encoding="utf-8", newline="") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8: {e.reason} at byte {e.start}", path=name) from e
    except OSError as e:
        raise InputError(f"cannot read {what}: {e.strerror or e}", path=name) from e
    lines = [ln.removesuffix("\r") for ln in text.removeprefix("\ufeff").split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _without_blanks(tokens: list[str], index: int) -> tuple[list[str], int]:
    """``tokens`` without blank ones (WiC train has a token of two no-break spaces, which no
    encoder takes as a word) and the target's ``index`` among those left."""
    kept = [t for t in tokens if t.strip()]
    return kept, index - sum(1 for t in tokens[:index] if not t.strip())


def read_wic(data_path: StrPath, gold_path: StrPath | None = None) -> list[WicPair]:
    """Read a WiC data file (and its gold labels, if given) into a list of pairs. Blank
    tokens (white space only, such as no-break spaces) are dropped and the target indices
    moved to match.

    Raises:
        InputError: unreadable files, a malformed line (columns, POS, indices out of range, a
            blank target token) or gold labels that are not T/F or do not match the pairs in
            number; each names the file and line.
    """
    data_name = str(data_path)
    pairs: list[WicPair] = []
    for lineno, line in enumerate(_lines(data_name, "WiC data file"), 1):
        cols = line.split("\t")
        if len(cols) != 5:
            raise InputError(f"expected 5 tab-separated columns (lemma, N|V, i1-i2, sentence1, "
                             f"sentence2), found {len(cols)}", path=data_name, line=lineno)
        lemma, pos, indices, s1, s2 = cols
        if not lemma.strip():
            raise InputError("empty lemma", path=data_name, line=lineno)
        if pos not in _WIC_POS:
            raise InputError(f"part of speech must be N or V, not {pos!r}",
                             path=data_name, line=lineno, item=lemma)
        m = _INDICES_RE.fullmatch(indices)
        if not m:
            raise InputError(f"indices must be i1-i2 (two 0-based token indices), "
                             f"not {indices!r}", path=data_name, line=lineno, item=lemma)
        found = []
        for n, (i, sentence) in enumerate(((int(m.group(1)), s1), (int(m.group(2)), s2)), 1):
            toks = sentence.split(" ")
            if i >= len(toks):
                raise InputError(f"index {i} is out of range for sentence {n}, which has "
                                 f"{len(toks)} tokens", path=data_name, line=lineno, item=lemma)
            if not toks[i].strip():
                raise InputError(f"target token {i} of sentence {n} is empty",
                                 path=data_name, line=lineno, item=lemma)
            found.append(_without_blanks(toks, i))
        (t1, i1), (t2, i2) = found
        pairs.append(WicPair(lemma, POS.parse(pos).value, t1, i1, t2, i2, None, lineno))
    if not pairs:
        raise InputError("no WiC pairs in the file", path=data_name)

    if gold_path is not None:
        gold_name = str(gold_path)
        labels = _lines(gold_name, "WiC gold file")
        if len(labels) != len(pairs):
            line = min(len(labels), len(pairs)) + 1
            raise InputError(f"the gold file has {len(labels)} labels but {data_name} has "
                             f"{len(pairs)} pairs", path=gold_name, line=line)
        for lineno, (label, pair) in enumerate(zip(labels, pairs, strict=True), 1):
            label = label.strip()
            if label not in ("T", "F"):
                raise InputError(f"label must be T or F, not {label!r}",
                                 path=gold_name, line=lineno, item=pair.lemma)
            pair.label = label == "T"
    return pairs
