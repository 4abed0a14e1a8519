"""The field's small nouns, defined once: parts of speech, sense-key parts, lemma forms, group
keys and the names of methods.

Everything here is plain Python (no numpy, no model): any module may import it.

- :class:`POS` is the universal tag of a content word (Petrov et al. 2012, the tagset of the
  unified WSD format), with WordNet's letters ``n v a s r`` accepted on input
  (:meth:`POS.parse`; ``s``, the adjective satellite, is an ``ADJ``).
- A WordNet sense key is ``lemma%ss_type:lex_filenum:lex_id:head_word:head_id``; its ``ss_type``
  digit (1 noun, 2 verb, 3 adjective, 4 adverb, 5 adjective satellite) gives the POS
  (:func:`key_pos`).
- A lemma is written WordNet's way: lower case, words joined by underscores
  (:func:`normalize_lemma`).
- :class:`ScoringMethod` and :class:`SimilarityMethod` name the methods the API and the CLI
  accept, so their spellings are checked in one place.
"""

from __future__ import annotations

import enum
import re
import unicodedata

from .errors import ConfigurationError

__all__ = [
    "POS", "POS_TAGS", "SENSE_KEY_RE", "SS_TYPE_LETTER", "SS_TYPE_POS", "POS_SS_TYPES",
    "LETTER_POS", "POS_LETTER", "ScoringMethod", "SimilarityMethod", "group_key",
    "is_sense_key", "key_lemma", "key_pos", "key_ss_type", "label_conflict", "normalize_lemma",
    "without_accents",
]


class POS(str, enum.Enum):
    """A universal part-of-speech tag of a content word (the four WordNet has)."""

    NOUN = "NOUN"
    VERB = "VERB"
    ADJ = "ADJ"
    ADV = "ADV"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str | POS) -> POS:
        """A tag from a universal tag in any case (``noun``, ``NOUN``) or a WordNet letter
        (``n v a s r``; ``s`` = adjective satellite = ``ADJ``).

        Raises:
            ConfigurationError: anything else, naming what was given.

        Example:
            >>> POS.parse("a"), POS.parse("Verb")
            (<POS.ADJ: 'ADJ'>, <POS.VERB: 'VERB'>)
        """
        if isinstance(text, POS):
            return text
        if isinstance(text, str):
            value = text.strip()
            if value.upper() in cls.__members__:
                return cls[value.upper()]
            if len(value) == 1 and value.lower() in LETTER_POS:
                return cls(LETTER_POS[value.lower()])
        raise ConfigurationError(
            f"unknown part of speech {text!r}: use one of {', '.join(POS_TAGS)} or n/v/a/s/r")

    @property
    def letter(self) -> str:
        """WordNet's letter of the tag (``n v a r``)."""
        return POS_LETTER[self.value]


#: The universal tags of content words, in WordNet's order (noun, verb, adjective, adverb).
POS_TAGS: tuple[str, ...] = tuple(p.value for p in POS)
#: WordNet's synset letters -> universal tag (the satellite ``s`` is an adjective).
LETTER_POS = {"n": "NOUN", "v": "VERB", "a": "ADJ", "s": "ADJ", "r": "ADV"}
POS_LETTER = {"NOUN": "n", "VERB": "v", "ADJ": "a", "ADV": "r"}
#: Synset type digit of a sense key (``lemma%<ss_type>:...``) -> universal tag.
SS_TYPE_POS = {"1": "NOUN", "2": "VERB", "3": "ADJ", "4": "ADV", "5": "ADJ"}
#: Universal tag -> the synset type digits it covers (adjectives: heads 3 and satellites 5).
POS_SS_TYPES = {"NOUN": "1", "VERB": "2", "ADJ": "35", "ADV": "4"}
#: Synset type digit -> WordNet's synset letter.
SS_TYPE_LETTER = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "s"}

#: lemma%ss_type:lex_filenum:lex_id:head_word:head_id (matches every key of WordNet 3.0)
SENSE_KEY_RE = re.compile(r"[^%\s]+%[1-5]:\d{2}:\d{2}:[^:\s]*:(?:\d{2})?")


def is_sense_key(key: str) -> bool:
    """True when ``key`` has the syntax of a WordNet sense key (not whether WordNet has it)."""
    return SENSE_KEY_RE.fullmatch(key) is not None


def key_lemma(key: str) -> str:
    """The lemma part of a sense key: ``'take_place%2:30:00::'`` -> ``'take_place'``."""
    return key.partition("%")[0]


def key_ss_type(key: str) -> str:
    """The synset type digit of a sense key (``'1'`` … ``'5'``), ``""`` if it has none."""
    return key.partition("%")[2][:1]


def key_pos(key: str) -> str:
    """The universal POS of a sense key's ss_type (1 NOUN, 2 VERB, 3/5 ADJ, 4 ADV); "" if none."""
    return SS_TYPE_POS.get(key_ss_type(key), "")


def label_conflict(lemma: str, pos: str, keys: tuple[str, ...] | list[str]) -> str | None:
    """What is wrong with a labelled token whose annotation says ``lemma`` and ``pos`` (a
    universal tag) and whose gold sense keys are ``keys``, or None when they agree: an empty
    lemma, a POS that is not NOUN VERB ADJ ADV, or a key of another lemma or POS than the
    token's (``bass`` NOUN labelled ``lake%1:17:00::``). A token's vector is filed under
    its (lemma, POS) and counted in each key's sense, so a disagreement would file one
    usage as evidence of a word it is not. SemCor (226,036 instances) and SemEval-2007 (455)
    have none."""
    if not lemma.strip():
        return "has no lemma"
    if pos not in POS_TAGS:
        return f"has POS {pos!r}, not one of {', '.join(POS_TAGS)}"
    written = normalize_lemma(lemma)
    for key in keys:
        if key_lemma(key).lower() != written or key_pos(key) != pos:
            return (f"is labelled {written} {pos} but its sense key {key} is of "
                    f"{key_lemma(key)} {key_pos(key) or '?'}")
    return None


def normalize_lemma(text: str) -> str:
    """A lemma written WordNet's way: ``'Take  place'`` -> ``'take_place'`` (lower case, runs
    of white space as one underscore, outer white space dropped)."""
    return "_".join(text.strip().lower().split())


def without_accents(text: str) -> str:
    """``text`` with its combining marks dropped after canonical decomposition (NFD), as
    WordNet writes its lemmas: 'café' -> 'cafe', 'naïve' -> 'naive'; text without any is
    returned as it is."""
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(ch))


def group_key(lemma: str, pos: str) -> str:
    """The key of a (lemma, POS) group of vectors in a store: ``'bank\\tNOUN'``. Tokens of one
    group are stored under contiguous ids, so a search restricted to a lemma is a slice."""
    return f"{lemma}\t{pos}"


class ScoringMethod(str, enum.Enum):
    """How a target's candidate senses are scored (see ``sensedb.retriever.scoring``).

    ``weighted``: every feature (corpus sense vectors, nearest labelled usages, WordNet gloss
    and example vectors, priors) weighed by the index's weights (``evidence``, its earlier
    name, is still accepted); ``cosine``: the textbook 1-nearest-sense-vector method (argmax of
    the cosine to the corpus sense vectors, unseen senses after in WordNet order)."""

    WEIGHTED = "weighted"
    COSINE = "cosine"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str | ScoringMethod) -> ScoringMethod:
        """Raises ConfigurationError for an unknown name."""
        if isinstance(text, str) and text.strip().lower() == "evidence":
            return cls.WEIGHTED
        return _parse_enum(cls, text, "scoring method")


class SimilarityMethod(str, enum.Enum):
    """How two usages are compared (see ``sensedb.similarity``): ``raw`` cosine of the word
    vectors, ``sense`` agreement through the index, or both ``combined``."""

    RAW = "raw"
    SENSE = "sense"
    COMBINED = "combined"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str | SimilarityMethod) -> SimilarityMethod:
        """Raises ConfigurationError for an unknown name."""
        return _parse_enum(cls, text, "similarity method")


def _parse_enum(cls, text, what: str):
    if isinstance(text, cls):
        return text
    try:
        return cls(str(text).strip().lower())
    except ValueError:
        names = ", ".join(repr(m.value) for m in cls)
        raise ConfigurationError(f"unknown {what} {text!r}: use {names}") from None
