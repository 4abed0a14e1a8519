"""WordNet's morphology (morph.c): the base forms a surface form may have, per POS.

:func:`base_forms` lists candidates only; :meth:`sensedb.inventory.WordNet.lemmatize` keeps those
WordNet knows and orders them by tag count.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from pathlib import Path

from sensedb.errors import InventoryError

__all__ = ["EXCEPTION_FILES", "RARE_BASE_COUNT", "base_forms", "rare_bases", "read_exceptions"]

#: WordNet's detachment rules (morph.c; the same table as NLTK's MORPHOLOGICAL_SUBSTITUTIONS).
_SUFFIX_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "NOUN": (("s", ""), ("ses", "s"), ("ves", "f"), ("xes", "x"), ("zes", "z"), ("ches", "ch"),
             ("shes", "sh"), ("men", "man"), ("ies", "y")),
    "VERB": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
             ("ing", "e"), ("ing", "")),
    "ADJ": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "ADV": (),
}
#: The exception list of each universal tag (irregular forms -> bases).
EXCEPTION_FILES = {"NOUN": "noun.exc", "VERB": "verb.exc", "ADJ": "adj.exc", "ADV": "adv.exc"}
#: Above this many combinations a collocation's words are varied one at a time.
_MAX_COLLOCATION_COMBOS = 512

#: universal tag -> {irregular form: its bases}
Exceptions = dict[str, dict[str, tuple[str, ...]]]


def read_exceptions(wordnet_dir: Path) -> Exceptions:
    """The exception lists (``noun.exc`` …) of a dict directory: ``{tag: {form: bases}}``.

    Raises:
        InventoryError: a file cannot be read.
    """
    maps: Exceptions = {}
    for tag, fname in EXCEPTION_FILES.items():
        table: dict[str, tuple[str, ...]] = {}
        try:
            text = (wordnet_dir / fname).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InventoryError(f"cannot read {str(wordnet_dir / fname)!r}: {exc}") from exc
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 2:
                table[fields[0]] = tuple(fields[1:])
        maps[tag] = table
    return maps


def _word_bases(word: str, tag: str, exceptions: Exceptions) -> list[str]:
    """Unfiltered base forms of one word: exception-list entries, else the rules."""
    exc = exceptions[tag]
    if word in exc:
        return list(exc[word])
    if tag == "NOUN":
        if word.endswith("ful"):  # 'boxesful' -> 'boxful' (morph.c)
            return [b + "ful" for b in _word_bases(word[:-3], tag, exceptions) if b]
        if word.endswith("ss") or len(word) <= 2:  # morph.c leaves these alone
            return []
    return [word[: -len(old)] + new for old, new in _SUFFIX_RULES[tag] if word.endswith(old)]


def _candidates(form: str, tag: str, exceptions: Exceptions) -> Iterable[str]:
    yield form
    yield from _word_bases(form, tag, exceptions)
    words = form.split("_")
    if len(words) < 2:
        return
    options = [[w] + [b for b in _word_bases(w, tag, exceptions) if b] for w in words]
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


def base_forms(form: str, tag: str, exceptions: Exceptions) -> list[str]:
    """Candidate lemmas of a normalized form (``'took_place'``) in one POS, without
    duplicates, in morph.c's order: the form itself, its exception-list bases or
    detachment-rule bases, and for a collocation the combinations of each word's bases
    (one word at a time above 512 combinations). Not filtered by what WordNet has."""
    return list(dict.fromkeys(_candidates(form, tag, exceptions)))


#: An exception-list base with fewer tagged occurrences in WordNet (sense counts summed over
#: its senses in the POS) than this, or than the form itself has as a lemma, is a rare reading.
#: 5 separates the Latin and Greek plurals (stamen 1, colon 2, sternum 1, rend 2) from the
#: ordinary irregular forms (see 1211, find 705, feel 534, bear 83, grind 10, wind 7).
RARE_BASE_COUNT = 5


def rare_bases(form: str, tag: str, exceptions: Exceptions, known,
               count: Callable[[str, str], int] | None = None) -> set[str]:
    """The bases of ``form`` in ``tag`` that only its exception-list entry gives, when the
    form is itself a lemma WordNet knows in ``tag`` (``known(lemma, tag)``) and the base is
    rare: "stamina" is a noun, and also the rare Latin plural of "stamen" in noun.exc. Such a
    reading is what the exception list allows, not what a reader expects; scoring weighs it
    down (``scoring.FEATURES`` ``rare_base``) instead of letting it compete as an equal.

    How rare, by ``count(lemma, tag)`` (WordNet's tag-count total of the lemma in the POS):
    a base counted fewer than :data:`RARE_BASE_COUNT` times, or fewer times than the form
    itself, is rare (stamen 1: rare; datum 5 against data 76: rare); a common base is an
    ordinary reading of an irregular form ("saw" -> see 1211, "found" -> find 705, "lay" ->
    lie 192 against lay 45). Without ``count`` every such base is rare. A regular inflection
    ("banks" -> "bank", by a detachment rule) is never rare."""
    if not known(form, tag) or form not in exceptions[tag]:
        return set()
    regular = {form[: -len(old)] + new for old, new in _SUFFIX_RULES[tag] if form.endswith(old)}
    bases = {base for base in exceptions[tag][form] if base != form and base not in regular}
    if count is None or not bases:
        return bases
    floor = max(RARE_BASE_COUNT, count(form, tag))
    return {base for base in bases if count(base, tag) < floor}
