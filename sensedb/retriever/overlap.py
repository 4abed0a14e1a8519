"""Gloss overlap: how many (rare) words a usage's sentence shares with a sense's definition.

The ``gloss_overlap`` feature of :mod:`sensedb.retriever.scoring`: for a candidate sense, the
sum of the inverse document frequencies of the lemmas that the usage's sentence (the target's
own words left out) shares with the sense's gloss and WordNet usage examples. This is the
simplified Lesk algorithm (Lesk 1986; "simplified" as in Kilgarriff and Rosenzweig 2000:
the sentence against each sense's definition, not definitions against definitions) with each
shared word weighted by its idf (Vasilescu, Langlais and Lapalme 2004). Every word is read as
its WordNet lemmas (``WordNet.lemmatize``: "fishes" and "fished" meet "fish"); a word WordNet
lacks is read as itself.

Why a word-overlap term beside the encoder's cosines: a sentence-embedding model reads "He sat
on the bank of the river" as a sentence about sitting and banks, and its cosine to "sloping
land (especially the slope beside a body of water)" is barely above its cosine to the
financial institution's gloss; the literal word shared with an example ("they pulled the
canoe up on the bank"; "river" in the gloss of other senses) is evidence of another kind,
which adds to the cosines rather than repeating them. Measured as a term of the WordNet-only
formula before it shipped (a sibling column of the tuning caches), and chosen with the other weights
by ``scripts/tune_weights.py`` (BENCHMARKS.md "Gloss overlap").

A second column, ``related_overlap``, does the same against the lemma names and definitions
of the synsets a sense's synset points to (:data:`RELATIONS`: hypernyms, hyponyms, parts,
wholes, similar adjectives, ...) that its own signature lacks: the extended gloss overlap of
Banerjee and Pedersen (2003), kept apart from the first column because it is noisier (a big
signature meets more words by chance) and so weighs less. "rock" of "a rock band" is in
no gloss of "band" but is a lemma of rock_group, a hyponym of the dance band; "baseball" is
in baseball_bat, a hyponym of the bat that is a club. The pointers are read from WordNet's
data lines (``WordNet.related``), no NLTK.

The idf table (``idf = ln(synsets / synsets whose gloss or examples hold the lemma)``, over
every synset of WordNet 3.0) is package data, ``sensedb/data/gloss_idf.json.gz``, made by
``scripts/gloss_idf.py`` (:func:`count_documents`); a lemma it lacks has the largest idf,
``ln(synsets)``. Own code: the method is the product (a retrieval feature), and its parts (a
regular expression, WordNet's lemmatizer, a dictionary of counts) need no library.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import re
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import ConfigurationError
from ..inventory import SenseInfo, WordNet
from ..inventory.wordnet_lines import synset_fields

__all__ = ["COLUMNS", "IDF_FILE", "RELATIONS", "GlossOverlap", "count_documents", "idf_table"]

IDF_FILE = "data/gloss_idf.json.gz"
#: A word: letters, with inner hyphens or apostrophes ("ice-cream", "o'clock"); numbers and
#: punctuation are no evidence of a sense.
WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*")
_DATA_FILES = ("data.noun", "data.verb", "data.adj", "data.adv")
#: The columns of :meth:`GlossOverlap.scores`, features of :mod:`sensedb.retriever.scoring`.
COLUMNS = ("gloss_overlap", "related_overlap")
#: The pointers whose synsets make a sense's related signature (``related_overlap``): the
#: relations of the extended Lesk algorithm (Banerjee and Pedersen 2003): hypernyms,
#: hyponyms (instances too), holonyms, meronyms, similar-to, also-see, attributes,
#: entailments, causes, verb groups, topic domains and their members.
RELATIONS = frozenset({"@", "@i", "~", "~i", "#m", "#s", "#p", "%m", "%s", "%p", "&", "^",
                       "=", "*", ">", "$", ";c", "-c"})


def _synset_texts(wordnet_dir: Path) -> Iterator[str]:
    """Every synset's gloss and examples (one string each) from WordNet's ``data.*`` files."""
    for name in _DATA_FILES:
        with open(wordnet_dir / name, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.startswith("  "):  # the license header
                    continue
                _, _, _, definition, examples = synset_fields(line)
                yield " ".join((definition, *examples))


def count_documents(inventory: WordNet) -> tuple[int, dict[str, int]]:
    """(synsets, ``{lemma: synsets whose gloss or examples hold it}``) over every synset of
    ``inventory``'s data files, each word read as :meth:`GlossOverlap.lemmas` reads it: what
    :func:`idf_table` ships (``scripts/gloss_idf.py`` writes it)."""
    reader = _Lemmas(inventory)
    synsets, frequency = 0, {}
    for text in _synset_texts(Path(inventory.wordnet_dir)):
        synsets += 1
        for lemma in reader.bag(text):
            frequency[lemma] = frequency.get(lemma, 0) + 1
    return synsets, frequency


@functools.cache
def idf_table() -> tuple[float, dict[str, float]]:
    """(the idf of a lemma no gloss holds, ``{lemma: idf}``), natural logs, from the package's
    ``sensedb/data/gloss_idf.json.gz`` (provenance in the file). Read once per process.

    Raises:
        ConfigurationError: the file is missing or malformed."""
    path = resources.files("sensedb").joinpath(IDF_FILE)
    try:
        data = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
        synsets = int(data["synsets"])
        idf = {str(k): math.log(synsets / int(n)) for k, n in data["documents"].items()}
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError) as exc:
        raise ConfigurationError(f"sensedb/{IDF_FILE}: cannot read the shipped gloss idf "
                                 f"table ({exc}); reinstall sensedb") from None
    return math.log(synsets), idf


class _Lemmas:
    """Words read as WordNet lemmas, cached (a word, a text)."""

    def __init__(self, inventory: WordNet) -> None:
        self.inventory = inventory
        self.lemmas = functools.lru_cache(maxsize=200_000)(self._lemmas)
        self.bag = functools.lru_cache(maxsize=50_000)(self._bag)

    def _lemmas(self, word: str) -> frozenset[str]:
        return frozenset({lemma for lemma, _ in self.inventory.lemmatize(word)} or {word})

    def _bag(self, text: str) -> frozenset[str]:
        return frozenset(x for w in WORD.findall(text.lower()) for x in self.lemmas(w))


class GlossOverlap:
    """The ``gloss_overlap`` feature for an inventory (see the module's docstring).

    Example:
        >>> wordnet = default_wordnet()
        >>> GlossOverlap(wordnet).scores("He sat on the bank of the river".split(), 3,
        ...                              [("bank", "NOUN")], wordnet.candidates("bank", "NOUN"))
    """

    def __init__(self, inventory: WordNet,
                 idf: tuple[float, dict[str, float]] | None = None,
                 min_idf: float = 0.0, synonyms: bool = False,
                 relations: frozenset[str] = RELATIONS) -> None:
        self.min_idf = min_idf  # shared lemmas of a lower idf count for nothing
        self.synonyms = synonyms  # the synset's other lemmas join each signature
        self.relations = relations  # the pointers of the related signature
        self._inventory = inventory
        self._read = _Lemmas(inventory)
        self._sentence = functools.lru_cache(maxsize=256)(
            lambda words: frozenset().union(*(self._read.bag(w) for w in words)))
        self._related = functools.lru_cache(maxsize=50_000)(self._related_bag)
        self._signatures: dict[tuple[str, bool, str | None], frozenset[str]] = {}
        self.unseen, self.idf = idf_table() if idf is None else idf

    def lemmas(self, word: str) -> frozenset[str]:
        """The WordNet lemmas of one word (lower-cased), or the word itself when WordNet
        knows none."""
        return self._read.lemmas(word.lower())

    def context(self, words: Sequence[str], skip: Sequence[int],
                pairs: Sequence[tuple[str, str]]) -> frozenset[str]:
        """The lemmas of ``words`` but those at the positions ``skip`` (the target, a
        separated particle), less the target's own lemmas (``pairs``' and those of the
        skipped words): the sentence's side of the overlap."""
        # every lemma of a skipped word is left out as the target's: the sentence's whole bag
        # (kept per sentence: the tagger asks once per word of it) less those is the same set
        skipped = frozenset().union(*(self._read.bag(words[n]) for n in skip))
        return self._sentence(tuple(words)) - skipped - {lemma for lemma, _ in pairs}

    def _synonyms(self, sense: SenseInfo) -> list[str]:
        names = self._inventory.synset_lemmas(sense.synset)
        return [name.replace("_", " ") for name in names if name.lower() != sense.lemma]

    def _signature(self, sense: SenseInfo, examples: bool, left_out: str | None
                   ) -> frozenset[str]:
        """The lemmas of the sense's gloss, its examples (unless ``examples`` is False; but
        ``left_out``) and, with ``synonyms``, its synset's other lemmas; kept by sense key
        (50,000 at most)."""
        key = (sense.key, examples, left_out)
        found = self._signatures.get(key)
        if found is None:
            found = self._read.bag(" ".join((
                sense.gloss, *(e for e in sense.examples if examples and e != left_out),
                *(self._synonyms(sense) if self.synonyms else ()))))
            if len(self._signatures) >= 50_000:
                self._signatures.clear()
            self._signatures[key] = found
        return found

    def _related_bag(self, key: str) -> frozenset[str]:
        """The lemmas of the lemma names and definitions of the synsets the sense's synset
        points to by ``relations``."""
        found = self._inventory.related(key, self.relations)
        return self._read.bag(" ".join(
            [name.replace("_", " ") for names, _ in found for name in names]
            + [definition for _, definition in found]))

    def _idf_sum(self, shared: frozenset[str]) -> float:
        # fsum: exact whatever order a set of strings iterates in (it varies by process)
        return math.fsum(v for v in (self.idf.get(x, self.unseen) for x in shared)
                         if v >= self.min_idf)

    def scores(self, words: Sequence[str], position: int, pairs: Sequence[tuple[str, str]],
               candidates: Sequence[SenseInfo], *, particle: int | None = None,
               left_out: str | None = None, examples: bool = True,
               skip: Sequence[int] = ()) -> np.ndarray:
        """Each candidate's two overlaps, (len(candidates), 2) float64 in idf units (natural
        log; 0 where nothing is shared), the columns of :data:`COLUMNS`:

        - ``gloss_overlap``: the sum of the idf of the lemmas the sentence ``words`` shares
          with the candidate's gloss and examples (its signature);
        - ``related_overlap``: the same for the lemmas it shares with the lemma names and
          definitions of the synsets the candidate's synset points to (:data:`RELATIONS`:
          the extended gloss overlap of Banerjee and Pedersen 2003) and not with its own
          signature (a lemma counts once, in the first column it meets).

        The target at ``position`` (and a separated ``particle``) and the lemmas of ``pairs``
        are left out on both sides. ``left_out``: an example text left out of every
        signature (an evaluation whose sentence is itself one of WordNet's examples);
        ``examples``: False leaves every example out (the gloss alone: an index answering
        without WordNet's examples); ``skip``: more positions whose words are no context
        (the other words of a multiword reading the target's word competes with:
        :func:`tagger.span_free_best`)."""
        skip = tuple({position, *skip} | ({particle} if particle is not None else set()))
        context = self.context(words, skip, pairs)
        out = np.zeros((len(candidates), len(COLUMNS)), dtype=np.float64)
        if not context:
            return out
        # the context holds none of the target's lemmas (``context`` leaves them out), so
        # sharing with the signature less the target is sharing with the signature
        for n, sense in enumerate(candidates):
            own = self._signature(sense, examples, left_out)
            shared = context & own  # most candidates share nothing: no sum to make
            if shared:
                out[n, 0] = self._idf_sum(shared)
            related = (context & self._related(sense.key)) - own
            if related:
                out[n, 1] = self._idf_sum(related)
        return out
