"""A target located in a sentence: the words the encoder sees and the target's position."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..corpora.pairs import parse_target
from ..corpora.tokenize import (
    check_text,
    find_target,
    merge_span,
    stem_reading,
    tokenize,
    written_span,
)
from ..errors import InputError
from ..pos_head import TAGS

if TYPE_CHECKING:
    from ..inventory import WordNet

Words = str | Sequence[str]


@dataclass
class Target:
    """A located target: the encoder's words (a multiword target merged into one word) and
    the target's index among them; ``written``: a target of several words as the raw sentence
    writes them (``"Alzheimer's disease"``, where ``words`` hold ``"Alzheimer 's disease"``),
    None when the sentence was given as words or the target is one word (see :attr:`shown`);
    ``particle``: a phrasal verb read with its particle apart ("*turn* the lights *off*",
    :func:`separated`), the particle's index among ``words`` (nothing merged), else None;
    ``lemma``: a target named by its lemma (``SenseIndex.locate``: "run" for "running"),
    whose readings are that lemma's alone, else None; ``token``: a word of a hyphenated
    token ("brown" of "quick-brown"), that token's position in the sentence (``words`` hold
    it split: :func:`hyphen_part`), else None."""

    words: list[str]
    index: int
    written: str | None = None
    particle: int | None = None
    lemma: str | None = None
    token: int | None = None

    @property
    def position(self) -> int:
        """The target's token position in its sentence as tokenized (answers' ``position``,
        what ``at`` takes): :attr:`index`, or for a word of a hyphenated token
        (:func:`hyphen_part`: ``words`` hold the token split) that token's position."""
        return self.index if self.token is None else self.token

    @property
    def surface(self) -> str:
        """The target as written (a multiword target's words joined by spaces), the form its
        senses are looked up by; a stem before "n't" as its modal (``"ca"`` of ``"I ca n't
        swim"`` is ``"can"``, not California: ``corpora.tokenize.stem_reading``). A separated
        phrasal verb is its verb and particle joined (``"turn off"``), as when contiguous."""
        if self.particle is not None:
            return f"{self.words[self.index]} {self.words[self.particle]}"
        following = self.words[self.index + 1] if self.index + 1 < len(self.words) else None
        return stem_reading(self.words[self.index], following)

    def span_end(self, words: Sequence[str]) -> int:
        """The end (exclusive) of the target's span among ``words``, its sentence's words
        before a multiword target was merged (``merged``): its index plus the words merged
        into it. A separated phrasal verb's span is its verb alone (the words between it and
        its particle are not the target's: :func:`separated`)."""
        return self.index + len(words) - len(self.words) + 1

    @property
    def shown(self) -> str:
        """The target as a user reads it (answers' ``target`` and ``word``): ``written``,
        else :attr:`surface`; a separated phrasal verb, its verb as written (the word at its
        span: ``"turn"`` of "turn the lights off", its lemma says ``turn_off``). Only
        display: senses are looked up by ``surface``."""
        if self.written is None and self.particle is not None:
            return self.words[self.index]
        return self.surface if self.written is None else self.written


def merged(words: Sequence[str], start: int, end: int, text: str | None = None,
           token: int | None = None) -> Target:
    """The target spanning ``words[start:end]``, its words merged into one; ``text``: the
    sentence ``words`` were tokenized from, as :func:`~sensedb.corpora.tokenize.normalize_text`
    gives it (a target of several words gets ``written`` from it), None when given as words;
    ``token``: :attr:`Target.token` (a word of a split hyphenated token, :class:`Span`)."""
    target = Target(*merge_span(list(words), start, end), token=token)
    if text is not None and end - start > 1:
        target.written = written_span(text, words, start, end)
    return target


def separated(words: Sequence[str], verb: int, particle: int) -> Target:
    """A phrasal verb whose particle stands apart from it ("*pick* it *up*"): the target at
    the verb's index among the unmerged ``words``, ``particle`` the particle's index. Its
    span (:meth:`Target.span_end`) and what it shows (:attr:`Target.shown`) are the verb
    alone, so a caller that places targets by index and span (``tag --jsonl`` offsets, the
    spaCy component's tokens, the raw-text evaluation) claims no word between the two."""
    if not 0 <= verb < particle < len(words):
        raise InputError(f"verb {verb} and particle {particle} are not in order inside the "
                         f"{len(words)} words")
    return Target(list(words), verb, particle=particle)


def target_vector(vectors: np.ndarray, target: Target) -> np.ndarray:
    """The target's word vector from its sentence's word vectors ((len(target.words), dim)
    float32, in :attr:`Target.words` order): the vector at its index, or for a phrasal verb
    with its particle apart the mean of the verb's and the particle's (as ``tag`` scores
    it), (dim,) float32."""
    if target.particle is None:
        return vectors[target.index]
    return vectors[[target.index, target.particle]].mean(axis=0)


def check_count(k: object, name: str = "k") -> int:
    """``k`` as an int: how many usages a query asks for (0 or more).

    Raises:
        InputError: ``k`` is not an integer (a bool is not one) or is negative (the CLI
            refuses ``-k -3``; the API returned nothing for it, silently)."""
    if isinstance(k, bool) or not isinstance(k, Integral):
        raise InputError(f"{name} must be an integer, not {type(k).__name__}")
    if k < 0:
        raise InputError(f"{name} must be 0 or more, not {k}")
    return int(k)


_NEGATIVE_POSITION = re.compile(r"-[0-9]+")  # "bank@-1": no word, a position below 0


def check_range(value: object, name: str, low: float, high: float, *,
                kind: str = "a number", where: str = "") -> float:
    """``value`` as a float from ``low`` to ``high``: a threshold given through the API.

    Raises:
        InputError: ``"{name} must be {kind} from {low} to {high}{where}, not ..."``: not a
            number (a bool is not one), not finite, or outside the range."""
    number = not isinstance(value, bool) and isinstance(value, Real)
    if not number or not math.isfinite(value) or not low <= value <= high:
        shown = repr(value) if number else type(value).__name__
        raise InputError(f"{name} must be {kind} from {low:g} to {high:g}{where}, not {shown}")
    return float(value)


def check_probability(value: object, name: str = "min_confidence") -> float:
    """``value`` as a float: a probability threshold from 0 to 1 (``min_confidence``).

    Raises:
        InputError: ``value`` is not a number (a bool is not one), not finite, or outside
            0-1 (a string made ``tag`` fail with a TypeError; 2 or NaN left every word
            untagged, silently)."""
    return check_range(value, name, 0.0, 1.0)


#: The hour words a clock time may be written with before "am"/"pm" ("at *six* pm").
HOUR_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve".split())
_MERIDIEM = {"am": "a.m.", "a.m": "a.m.", "a.m.": "a.m.", "pm": "p.m.", "p.m": "p.m.",
             "p.m.": "p.m."}
_HOUR = re.compile(r"(\d{1,2})(?::\d{2})?")  # "5", "5:30" (one token: corpora.tokenize)
_SUBJECTS = frozenset("i we you he she it they".split())  # "am I", not a clock time
_GLUED_TIME = re.compile(r"\d{1,2}(?::\d{2})?(a\.?m\.?|p\.?m\.?)")


def clock_time(words: Sequence[str], at: int) -> str | None:
    """WordNet's lemma ``"a.m."`` or ``"p.m."`` where ``words[at]`` says which half of the
    day a clock time is in: am/pm in any case, with or without periods, right after an hour
    ("5 PM", "5:30 p.m.", "six am", "6 a.m"; an hour of digits alone 1-12, and no subject
    pronoun after it: "At 40 *am* I too old?" is the verb), or glued to it ("7am", "9:30am",
    "10a.m."); else None.
    WordNet writes them with periods only, so "at 5 PM" reached the noun *pm* (prime
    minister, a postmortem) and "at 6 am" the verb *be*."""
    word = words[at].casefold()
    glued = _GLUED_TIME.fullmatch(word)
    if glued:
        return _MERIDIEM[glued.group(1).replace(".", "")]
    if word not in _MERIDIEM or at == 0:
        return None
    if at + 1 < len(words) and words[at + 1].casefold() in _SUBJECTS:
        return None  # "At 40 am I too old?", "Which one am I": the verb, inverted
    hour = words[at - 1].casefold()
    digits = _HOUR.fullmatch(hour)
    if digits:
        minutes = ":" in hour or (at >= 2 and words[at - 2] == ":")  # "5:30", "5 : 30"
        return _MERIDIEM[word] if minutes or 1 <= int(digits.group(1)) <= 12 else None
    return _MERIDIEM[word] if hour in HOUR_WORDS else None


#: English possessive endings as the tokenizer leaves them, a token of their own after the
#: word ("bank's" -> "bank" "'s", "James'" -> "James" "'"), casefolded
POSSESSIVES = frozenset({"'s", "\u2019s", "'", "\u2019"})


#: Words after which a verb stands in its base form: the infinitive's "to", the modals and
#: do-support. There a form that is a verb's base is that verb, not another verb's past: "They
#: plan to *found* a nonprofit" read find (found its past), as "will *wound*" would read wind
#: (a ninth tester's). Not "n't" or "not": "hadn't *found*" is find's participle; nor "'d",
#: had as often as would ("She'd *felt* sick": its breaker's).
BASE_FORM_AFTER = frozenset("""
to can could will would shall should may might must 'll do does did
""".split())
#: The POS head's tags of such a word that make it the infinitive's "to" or an auxiliary, not
#: a noun or a name ("The *can* felt cold", "*Will* found his keys": its breaker's).
_AUXILIARY_TAGS = frozenset({"VERB", "PRT"})


def base_form_readings(words: Sequence[str], at: int, pairs: list[tuple[str, str]],
                       tags: np.ndarray | None = None) -> list[tuple[str, str]]:
    """``pairs`` ((lemma, POS) readings of ``words[at]``) without the verb readings of other
    lemmas where the word follows one of BASE_FORM_AFTER (written in lower case, but "To")
    that the POS head's ``tags`` ((n_words, 12) log-probabilities; None: not looked at) read
    as an auxiliary or the infinitive's "to" (_AUXILIARY_TAGS) and is itself one of its verb
    lemmas (``"found"`` after "to": found, not find); ``pairs`` as they are otherwise."""
    word, before = words[at].casefold(), words[at - 1] if at else ""
    opener = before.casefold().replace("\u2019", "'")
    if (opener not in BASE_FORM_AFTER or not (before.islower() or opener == "to")
            or (word, "VERB") not in {(lemma.casefold(), p) for lemma, p in pairs}
            or tags is not None and TAGS[int(np.argmax(tags[at - 1]))] not in _AUXILIARY_TAGS):
        return pairs
    return [(lemma, p) for lemma, p in pairs if p != "VERB" or lemma.casefold() == word]


def without_possessive(surface: str) -> str | None:
    """``surface`` without its English possessive ending, None when it has none: a last
    token ``'s`` or ``'`` (``"bank 's"`` -> ``"bank"``, ``"James '"`` -> ``"James"``), or,
    in a word given whole (a list of words), ``'s`` or the apostrophe after ``s``
    (``"bank's"`` -> ``"bank"``, ``"bosses'"`` -> ``"bosses"``); ``’`` counts as ``'``."""
    words = surface.split(" ")
    if len(words) > 1 and words[-1].casefold() in POSSESSIVES:
        return " ".join(words[:-1])
    low = surface.casefold().replace("\u2019", "'")
    if len(low) > 2 and low.endswith("'s"):
        return surface[:-2]
    if len(low) > 2 and low.endswith("s'"):
        return surface[:-1]
    return None


def sentence_words(sentence: Words) -> list[str]:
    """The words of ``sentence``: raw text tokenized by ``sensedb.tokenize``, or a list of
    words checked as given.

    Raises:
        InputError: neither a string nor a list of words, text not valid Unicode, or an
            empty (all-space) word in a list of words."""
    if isinstance(sentence, str):
        return tokenize(sentence)
    if not isinstance(sentence, Sequence) or isinstance(sentence, bytes | bytearray):
        # None gave "TypeError: 'NoneType' object is not iterable" (tag's text: InputError)
        raise InputError("the sentence must be a string or a list of words, not "
                         f"{type(sentence).__name__}")
    words = [check_text(word, "a word of the sentence") for word in sentence]
    for i, word in enumerate(words):  # as the JSONL reader refuses ("token i must be ...")
        if not word.strip():
            raise InputError(f"word {i} of the sentence is empty ({word!r}; counted from 0): "
                             "give each word as a non-empty string")
    return words


#: The particles of phrasal verbs read with the particle apart from the verb ("*turn* the
#: lights *off*": ``tagger.separated_readings``, :func:`find_separated`).
PARTICLES = frozenset("""
about across ahead along apart around aside away back by down forth forward home in off on
out over round through together under up
""".split())


def phrasal_verbs(inventory: WordNet, verb: str, particle: str) -> list[tuple[str, str]]:
    """The phrasal verbs WordNet knows for a verb form and a particle: the VERB lemmas with
    "_" of ``inventory.lemmatize("<verb> <particle>")`` ("turned", "off" ->
    ``[("turn_off", "VERB")]``; not the noun "turnoff"): the candidates of a phrasal verb
    read with its particle apart, in ``tag`` and in ``wsd``
    (``SenseIndex.target_candidates``)."""
    return [(lemma, pos) for lemma, pos in inventory.lemmatize(f"{verb} {particle}", "VERB")
            if "_" in lemma]


#: The most words a target written as a phrasal verb may find between its verb and its
#: particle in the sentence (:func:`find_separated`; "*put* the old television set *away*").
#: Wider than the tagger's own search (``tagger.MAX_PARTICLE_GAP``): here the user names it.
MOST_BETWEEN = 4


def find_separated(words: Sequence[str], target: str, at: int | None,
                   verb_lemmas: Callable[[str], set[str]], *,
                   most_between: int = MOST_BETWEEN) -> tuple[int, int] | None:
    """The (verb, particle) token positions of a phrasal verb target whose particle stands
    apart in ``words`` ("gave up", "give up", "give_up" or "gave it up" in "She gave it
    up."), None where there is none. The target's words (split at spaces and "_"): the
    first is the verb (:func:`_verbs_at`), the last a particle of PARTICLES found 2 to
    ``most_between`` + 1 words after it (the first such; MOST_BETWEEN unless given: a larger
    one finds what the error message of a particle too far names); words named between
    must be the words between. ``at``: the verb's token position. Whether WordNet knows
    the phrasal verb is the caller's to check."""
    parts = _parts(target)
    if len(parts) < 2 or parts[-1] not in PARTICLES:
        return None
    low = [_fold(w) for w in words]
    for verb in _verbs_at(words, parts[0], at, verb_lemmas):
        last = min(len(words), verb + most_between + 2)
        particle = next((j for j in range(verb + 2, last) if low[j] == parts[-1]), None)
        if particle is None or (len(parts) > 2 and low[verb + 1:particle] != parts[1:-1]):
            continue
        return verb, particle
    return None


def find_by_verb_lemma(words: Sequence[str], target: str, at: int | None,
                       verb_lemmas: Callable[[str], set[str]]) -> tuple[int, int] | None:
    """The span ``[start, end)`` of a multiword verb target named by its lemma whose words
    stand together in ``words`` ("give up" or "give_up" in "She gave up smoking", "run into"
    in "I ran into a friend"), None where there is none: the first word the verb
    (:func:`_verbs_at`), the others as written right after it. ``at``: the verb's token
    position."""
    parts = _parts(target)
    if len(parts) < 2:
        return None
    low = [_fold(w) for w in words]
    for verb in _verbs_at(words, parts[0], at, verb_lemmas):
        if low[verb + 1:verb + len(parts)] == parts[1:]:
            return verb, verb + len(parts)
    return None


def _parts(target: str) -> list[str]:
    """A multiword target's words, split at spaces and "_", folded (:func:`_fold`)."""
    return [_fold(p) for p in target.replace("_", " ").split()]


def _verbs_at(words: Sequence[str], verb: str, at: int | None,
              verb_lemmas: Callable[[str], set[str]]) -> list[int]:
    """The positions (``at`` alone when given) of the words that are ``verb`` (folded) as
    written or by one of their verb lemmas (``verb_lemmas(word)``: "give" is "gave")."""
    starts = range(len(words)) if at is None else [at] if 0 <= at < len(words) else []
    return [i for i in starts if _fold(words[i]) == verb or verb in verb_lemmas(words[i])]


def _fold(word: str) -> str:
    return word.casefold().replace("\u2019", "'")


def compound_parts(word: str) -> list[str] | None:
    """The words of a hyphenated compound ("ex-boss" -> ["ex", "boss"], "quick-brown",
    "5-year-old"), None for a word that is not one: no inner hyphen, an empty part ("-ish",
    "re-"), a part of neither letters nor digits, or a last part without a letter
    ("COVID-19", "9-5")."""
    parts = word.split("-")
    if len(parts) < 2 or not all(any(c.isalnum() for c in part) for part in parts) or \
            not any(c.isalpha() for c in parts[-1]):
        return None
    return parts


#: First words of a compound that turn its head's meaning around ("*anti*-slavery",
#: "*non*-smoker", "*un*-American", "*counter*-intuitive", "*de*-icing"): such a compound is
#: not its head. Hand-written.
REVERSING_PREFIXES = frozenset({"anti", "non", "un", "counter", "contra", "de", "dis"})


def compound_head(word: str) -> str | None:
    """The last word of a hyphenated compound, its head in English ("ex-*boss*",
    "sugar-*free*", "quick-*brown*", "5-year-*old*", "ex-*CEO*"): what a compound WordNet lacks
    is read as (``SenseIndex.readings``); None for a word that is no compound
    (:func:`compound_parts`), a head of one letter ("man-*o*" of a split "man-o'-war"), a
    name (the head capitalized and not in capitals, or after a capital: "Wilkes-*Barre*",
    "Poynting-*Robertson*", "pro-*Western*") and a compound that reverses its head
    (:data:`REVERSING_PREFIXES`: "anti-slavery" is no slavery)."""
    parts = compound_parts(word)
    if parts is None or parts[0].lower() in REVERSING_PREFIXES:
        return None
    head = parts[-1]
    letters = sum(c.isalpha() for c in head)
    initialism = head.isupper() and letters > 1 and not parts[0][:1].isupper()
    if letters < 2 or head[:1].isupper() and not word.isupper() and not initialism:
        return None
    return head


class Span(NamedTuple):
    """A target found in a sentence (:func:`find_span`): the sentence's words, the target's
    span ``[start, end)`` in them, and ``token``: for a word of a hyphenated token, that
    token's position before it was split into ``words`` (:func:`hyphen_part`), else None."""

    words: list[str]
    start: int
    end: int
    token: int | None = None


def hyphen_part(words: Sequence[str], target: str, at: int | None = None) -> Span | None:
    """A target that is one word of a hyphenated token ("brown" in "the quick-brown fox"):
    the words with that token (the first holding it, or the one at ``at``) split into its
    words and hyphens (``the quick - brown fox``: the encoder's pieces are the same, each
    word now pooled alone), the target's span among them and the token's position; None
    where no token holds it (compared case-insensitively)."""
    wanted = _fold(target.strip())
    if not wanted or any(c.isspace() or c == "-" for c in wanted):
        return None
    starts = range(len(words)) if at is None else [at] if 0 <= at < len(words) else []
    for i in starts:
        parts = compound_parts(words[i])
        if parts is None:
            continue
        folded = [_fold(part) for part in parts]
        if wanted in folded:
            spelled = [piece for part in parts for piece in (part, "-")][:-1]
            start = i + 2 * folded.index(wanted)
            return Span([*words[:i], *spelled, *words[i + 1:]], start, start + 1, i)
    return None


def find_span(sentence: Words, target: str | None = None, at: int | None = None) -> Span:
    """The words of ``sentence`` and the target's span in them, as :func:`locate` finds it
    (same errors)."""
    words = sentence_words(sentence)
    if target is not None:
        check_text(target, "the target")
    if at is not None:
        if isinstance(at, bool) or not isinstance(at, Integral):
            raise InputError(f"the token position must be an integer, not {type(at).__name__}")
        at = int(at)
    if not words:
        raise InputError("empty sentence")
    if at is not None and not 0 <= at < len(words):  # with a target too (at=-1 said "not in
        # the sentence at token -1")
        raise InputError(f"token position {at} is outside the sentence "
                         f"({len(words)} tokens: {' '.join(words)})")
    if target is None:
        if at is None:
            raise InputError("give a target word or a token position")
        start, end = at, at + 1
    else:
        try:
            start, end = find_target(words, target, at)
        except InputError:
            split = hyphen_part(words, target, at)
            if split is not None:  # "brown" of "the quick-brown fox"
                return split
            # "watch@3": the word and its token position, as PAIRS.tsv and `similarity` write
            # a target (a token written so in the sentence is found above as itself)
            word, position = parse_target(target)
            if at is not None and position is not None and position != at:
                raise InputError(f"target {target!r} names token {position} and the position "
                                 f"given is {at}: give one of them") from None
            tail = target.rpartition("@")[2]
            if position is None and _NEGATIVE_POSITION.fullmatch(tail):
                raise InputError(f"{target}: a token position counts from 0, not {tail}") \
                    from None
            if position is None:
                raise
            if not 0 <= position < len(words):
                raise InputError(f"{target}: token position {position} is outside the "
                                 f"sentence ({len(words)} tokens: {' '.join(words)})") from None
            try:
                start, end = find_target(words, word, position)
            except InputError:
                split = hyphen_part(words, word, position)
                if split is None:
                    raise
                return split
    return Span(words, start, end)


def locate(sentence: Words, target: str | None = None, at: int | None = None) -> Target:
    """Tokenize ``sentence`` (raw text, by ``sensedb.tokenize``; or a list of words) and find
    the target: the first occurrence of ``target``, the one at token position ``at``, or the
    token at ``at`` when ``target`` is None; a ``target`` written ``word@N`` that is not
    itself in the sentence is ``word`` at token position N (as PAIRS.tsv and ``similarity``
    take it). A multiword target becomes one word.
    (``SenseIndex.locate`` also drops a possessive ending WordNet does not list.)

    Raises:
        InputError: a sentence that is neither a string nor a list of words, a target that
            is not a string, a position that is not an integer, text not valid Unicode, an
            empty sentence, an empty (or all-space) word in a list of words, no target and no
            position, a position outside the sentence, or a target not in the sentence.
    """
    words, start, end, token = find_span(sentence, target, at)
    return merged(words, start, end, check_text(sentence) if isinstance(sentence, str) else None,
                  token)


def multiword_text(piece: list[str]) -> str | None:
    """The words of a multiword reading's span as WordNet writes its lemmas: the words
    joined by spaces, an abbreviation's period (a "." token inside the span, after a word)
    glued back to its word ("St . Louis" -> "St. Louis", WordNet's st._louis; "Mt .
    Everest", "Dr . Seuss"); None where a token is neither a word nor such a period."""
    out: list[str] = []
    for at, word in enumerate(piece):
        if any(c.isalpha() for c in word):
            out.append(word)
        elif word == "." and out and 0 < at < len(piece) - 1 and \
                any(c.isalpha() for c in piece[at - 1]):
            out[-1] += "."
        else:
            return None
    return " ".join(out)
