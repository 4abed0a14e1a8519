"""Whether a labelled token's words can be its sense key's lemma (:class:`LabelCheck`).

A corpus labels a token with a sense key; an index files the token's vector under the key's
lemma. A label placed one token off (``"at": 4`` on "the" of "sit on the bank", its key
``bank%1:17:01::``) would file "the" as evidence for *bank*. :class:`LabelCheck` accepts a
token as its key's lemma when one of these holds (``fold``: case-folded, with hyphens,
periods, apostrophes, underscores and spaces removed):

1. its fold is the lemma's fold (``Ice-cream`` ``ice_cream``, ``U.S.`` ``us``);
2. WordNet's morphology maps it to the lemma in any part of speech (``banks``, ``took``
   ``take``; :meth:`WordNet.lemmatize`; ``people`` ``person``, a plural WordNet keeps as a
   lemma of its own: :data:`SUPPLETIVE_PLURALS`), or the form with a dropped *g* does
   (``goin`` ``go``), or its words written together do (``fairy tales`` ``fairytale``);
3. it is a clitic the tokenizer splits off and the lemma is that clitic's word (``'s``
   *be* or *have*, ``n't`` *not*, ``ca`` *can*; :data:`CLITIC_LEMMAS`);
4. a multiword lemma or a multiword token: one of the token's words is one of the lemma's
   words by rule 1, 2 or 3 (``picked`` ``pick_up``, the particle apart; ``camp``
   ``concentration_camp``; ``made up his mind`` ``make_up_one's_mind``) -- a corpus may
   label a split expression on one of its parts, as SemCor does;
5. an abbreviation written with a period or in capitals (two letters or more) whose
   letters are the lemma's in order from its first (``Calif.`` ``california``, ``D.C.``
   ``district_of_columbia``), or any word the key's synset lists, or a form of one
   (``ft`` ``foot``, ``colour`` ``color``, ``2nd`` ``second``, ``Xmas`` ``christmas``,
   ``1000`` ``thousand``);
6. a number for an ordinal written with it (``17`` ``17th``);
7. a capitalized name labelled with one of :data:`NAME_CLASSES` (SemCor files a name WordNet
   lacks under the class of what it names: ``Mike`` ``person%1:03:00::``).

Measured on SemCor (226,036 labels, ``scripts/check_labels.py``): 154 fail (0.068%), all
annotators' choices rather than misplaced labels: eye-dialect and misspelled words
(``fathuh``, ``vioiln``), a word labelled with a relative (``placing`` *placement*,
``dairy`` *dairyman*), lower-case words under a name's class (``pa`` *person*) and
clipped words (``paleo``, ``bio``). The check added about 1 s to SemCor's 5-6 s read (on
a shared 2-core machine; verdicts cached per (surface, lemma), 35,493 of them).
"""

from __future__ import annotations

from sensedb.errors import InventoryError
from sensedb.inventory.wordnet import WordNet, close_spellings, derived
from sensedb.vocabulary import key_lemma, without_accents

__all__ = ["CLITIC_LEMMAS", "NAME_CLASSES", "SUPPLETIVE_PLURALS", "LabelCheck", "fold"]

#: Characters a surface form and a lemma are compared without.
_DROPPED = str.maketrans("", "", "-._'\u2019 \u2010\u2011")

#: The words a clitic that the tokenizer writes apart can be (lower case, ASCII apostrophe):
#: ``don't`` -> ``do n't``, ``can't`` -> ``ca n't``, ``it's`` -> ``it 's``.
CLITIC_LEMMAS: dict[str, frozenset[str]] = {
    "'s": frozenset({"be", "have", "us"}),
    "'re": frozenset({"be"}),
    "'m": frozenset({"be"}),
    "'ve": frozenset({"have"}),
    "'d": frozenset({"have", "would", "had"}),
    "'ll": frozenset({"will"}),
    "n't": frozenset({"not"}),
    "n": frozenset({"not"}),
    "ca": frozenset({"can"}),
    "wo": frozenset({"will"}),
    "sha": frozenset({"shall"}),
    "ai": frozenset({"be", "have"}),
}

#: Plurals of another word that WordNet's exception list lacks because WordNet has the plural
#: as a lemma of its own (its ``noun.exc`` has "children child" but no "people person"), so
#: its morphology never maps them to the singular a corpus labels them with
#: (``people`` for ``person%1:03:00::``: 3 of SemCor's labels).
SUPPLETIVE_PLURALS: dict[str, str] = {"people": "person"}

#: Sense keys a corpus may put on a proper name as the class of what it names (SemCor's
#: convention for names WordNet lacks: 8,743 of its labels).
NAME_CLASSES = frozenset({"person%1:03:00::", "group%1:03:00::", "location%1:03:00::"})

#: Distinct (surface, lemma) verdicts kept; SemCor has about 35,000.
_CACHE_LIMIT = 500_000


def fold(text: str) -> str:
    """``text`` case-folded without hyphens, periods, apostrophes, underscores and spaces:
    how a surface form and a lemma are compared (``"Ice-Cream"`` -> ``"icecream"``)."""
    return text.casefold().translate(_DROPPED)


class LabelCheck:
    """Whether a labelled token's words can be its key's lemma (module docstring), cached
    per (surface, lemma); a label that fails is probably one on the wrong token.

    Example:
        >>> check = LabelCheck(default_wordnet())  # doctest: +SKIP
        >>> check("banks", ("bank%1:17:01::",)), check("the", ("bank%1:17:01::",))
        (True, False)
    """

    def __init__(self, inventory: WordNet) -> None:
        self.inventory = inventory
        self._verdicts: dict[tuple[str, str], bool] = {}
        self._words: dict[tuple[str, str], bool] = {}
        self._base_cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, surface: str, keys: tuple[str, ...] | list[str]) -> bool:
        """Whether ``surface`` (a token's text, a multiword one's words joined by spaces)
        can be the lemma of ``keys`` (WordNet sense keys of one lemma, lower case, as the
        readers check them; the first key's lemma is compared).

        Raises:
            InventoryError: WordNet's data are missing or damaged."""
        lemma = key_lemma(keys[0]).lower()
        verdict = self._verdicts.get((surface, lemma))
        if verdict is None:
            verdict = self._plausible(surface, lemma)
            if len(self._verdicts) < _CACHE_LIMIT:
                self._verdicts[(surface, lemma)] = verdict
        return verdict or any(self._by_key(surface, key) for key in keys)

    def _plausible(self, surface: str, lemma: str) -> bool:
        words = surface.split()
        parts = [p for p in lemma.split("_") if p]
        if self._word_is(surface, lemma) or (len(words) > 1 and self._word_is(
                "".join(words), lemma)):
            return True
        if (len(words) > 1 or len(parts) > 1) and any(
                self._word_is(word, part) for word in words for part in parts):
            return True
        return _abbreviation(surface, lemma) or _number(surface, lemma)

    def _word_is(self, word: str, lemma: str) -> bool:
        """Rules 1-3 for one word (or the whole surface) and one lemma (or part of one)."""
        found = self._words.get((word, lemma))
        if found is None:
            target = fold(lemma)
            if fold(word) == target:  # most labels (61% of SemCor's)
                self._words[(word, lemma)] = True
                return True
            most = 2 if len(target) >= 10 else 1 if len(target) >= 6 else 0
            bases = self._bases(word)
            if not bases[0].isdigit() and word.casefold().endswith(("in", "in'")):
                bases += self._bases(word.rstrip("'\u2019") + "g")  # goin', takin
            found = _clitic_of(word, lemma) or target in bases or any(
                (most and close_spellings(base, target, most)) or _derived(base, target)
                for base in bases)
            if len(self._words) < _CACHE_LIMIT:
                self._words[(word, lemma)] = found
        return found

    def _bases(self, word: str) -> tuple[str, ...]:
        """The word and its base forms by WordNet's morphology in any POS (exception lists
        and detachment rules, ``WordNet.base_forms``), folded; also of the word without its
        periods (``yrs.``) and with its hyphens as spaces (``bucking-up`` ``buck_up``)."""
        found = self._base_cache.get(word)
        if found is None:
            variants = dict.fromkeys((word, word.replace(".", ""), word.replace("-", " ")))
            found = tuple(dict.fromkeys(fold(without_accents(base)) for variant in variants
                                        for base in (variant,
                                                     *self.inventory.base_forms(variant),
                                                     *_suppletive(variant))))
            if len(self._base_cache) < _CACHE_LIMIT:
                self._base_cache[word] = found
        return found

    def _by_key(self, surface: str, key: str) -> bool:
        """Rules 5 (a word the key's synset lists, or one of its forms: an abbreviation,
        a spelling, a number; "colour" for color%1:07:00::, "2nd", "lb", "Xmas", "1000" for
        thousand) and 7 (a name's class). Asked only of labels rules 1-4 and 6 refuse."""
        if key in NAME_CLASSES:
            return any(word[:1].isupper() for word in surface.split())
        folded = fold(surface)
        if not folded:
            return False
        try:
            members = self.inventory.synonyms(key)
        except InventoryError:  # an unknown key: the key check names it
            return False
        forms = {folded, *self._bases(surface)}
        return any(fold(member) in forms for member in members)


def _suppletive(word: str) -> tuple[str, ...]:
    """The singular of a plural WordNet's morphology cannot reach (:data:`SUPPLETIVE_PLURALS`,
    also as a compound's last part: ``spokespeople`` ``spokesperson``), or nothing.
    ("peoples" is people's own plural, the nations.)"""
    folded = word.casefold()
    for plural, singular in SUPPLETIVE_PLURALS.items():
        if folded.endswith(plural):
            return (folded[:-len(plural)] + singular,)
    return ()


def _clitic_of(word: str, lemma: str) -> bool:
    return lemma in CLITIC_LEMMAS.get(word.casefold().replace("\u2019", "'"), ())


def _letters_of(short: str, long: str) -> bool:
    """Whether ``short`` is shorter than ``long``, begins with its first letter and has its
    letters in ``long`` in order (``calif`` of ``california``)."""
    if not short or len(short) >= len(long) or short[0] != long[0]:
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


def _derived(base: str, lemma: str) -> bool:
    """A word of four letters or more labelled with a lemma derived from it by an ending
    (``actual`` for *actually*, ``nice`` for *nicely*; ``wordnet.derived``)."""
    return len(base) >= 4 and len(lemma) > len(base) and derived(base, lemma)


def _abbreviation(surface: str, lemma: str) -> bool:
    """Rule 5 without the synset: written with a period or in capitals."""
    letters = [c for c in surface if c.isalpha()]
    marked = "." in surface or (len(letters) >= 2 and all(c.isupper() for c in letters))
    return marked and _letters_of(fold(surface), fold(lemma))


_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL_ENDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                 "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def _number_words(n: int) -> tuple[str, str]:
    """The cardinal and ordinal of ``0 <= n < 100`` in words (``28``: twenty-eight,
    twenty-eighth)."""
    words = _UNITS[n] if n < 20 else _TENS[n // 10 - 2] + (
        f"-{_UNITS[n % 10]}" if n % 10 else "")
    head, _, last = words.rpartition("-")
    if last in _ORDINAL_ENDS:
        last = _ORDINAL_ENDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return words, f"{head}-{last}" if head else last


def _number(surface: str, lemma: str) -> bool:
    """Rule 6: ``17`` for ``17th``, ``28`` for ``twenty-eighth`` or ``twenty-eight``."""
    if not surface.isdigit():
        return False
    if lemma.startswith(surface) and lemma[len(surface):] in ("st", "nd", "rd", "th"):
        return True
    return int(surface) < 100 and lemma in _number_words(int(surface))
