"""People's names WordNet lacks, read as a person.

WordNet holds a few people by name (John the Apostle, King John, Mark the Evangelist) and
many first names as ordinary words: "I met *John* at the station" was "john: a room or
building equipped with one or more toilets", "Yesterday *Mark* called me" "a
distinguishing symbol", "We had dinner at *Tom*'s house" a male cat. SemCor tags such a
name ``person%1:03:00::`` ("a human being"), and so does the tagger now
(:func:`name_pairs`: the usage's reading is the noun *person*) where the sentence shows the
word is a name:

- the form is in the table of people's names (``sensedb/data/person_names.json``, made by
  ``scripts/person_names.py``: the US Census Bureau's 1990 first names of at least 0.005%
  of people, and the one-word forms SemCor tags as a person at least twice and at least
  three times in four it labels them: "Madden", "Summers");
- it is capitalized inside its sentence (``scoring.capitalized_inside``: not a sentence's
  first word, nor a title-case sentence's), or first in its sentence where SemCor names a
  person with it at least FIRST_WORD_SHARE of the time it labels it, at least
  FIRST_WORD_MIN times ("John met Mary": John; "Mark the date": no), or where a first name
  stands before a verb in the past and is no abstract noun (:func:`_subject_of_a_past_verb`:
  "Mark went home", not "Hope faded");
- no proper-name head follows it (PLACE_HEADS: "*Mary* Street", "*Grace* Church", "*Chase*
  Bank") and WordNet reads it as no capitalized adjective (a nationality or a faith:
  "German", "Christian", "American", census first names all);
- WordNet has no proper name of it that is a place, a time or a group
  (``WordNet.proper_name`` in the lexicographer files noun.location, noun.time, noun.group:
  PLACE_TIME_GROUP): "in *June*" is the month, "to *Paris*" the city, "in *Jackson*" stays
  WordNet's to decide; John the Gospel (noun.communication) does not keep "John" from
  being a person;
- and, for a form that is no census first name (SemCor's surnames), WordNet has no person
  of that name (``scoring.is_person``): "reading *Dickens*" is the writer, "*Lincoln*
  said" the president; a first name's people (John the Apostle) hardly ever are the one
  meant.

A capitalized word right after an honorific (:func:`after_honorific`: "Mr. *Smith*",
"Sen. *Warren*", "Mrs. *Benington*", "Mr. John *Brown*"; not "Miss *America*", WordNet's
place) is a person whatever else WordNet holds of it, and a word WordNet lacks there too:
SemCor files 363 of the 364 names it annotates with their honorific under *person* ("Mr.
Khrushchev" among them, WordNet's own Khrushchev notwithstanding; the other one a place),
where sensedb read "Mr. Smith" as a sculptor and "Ms. Smith" as a Rhodesian statesman.

A capitalized word whose every WordNet sense is an ethnic slur (``WordNet.ethnic_slur``:
"Mick", "Hymie") is read as a person's name wherever it stands, in or out of the table:
``scoring.without_slurs`` keeps a slur where nothing else is left, and a name it is.

Such an answer is ``novel`` (``results.disambiguation``, :func:`reads_a_name`), as "Mr. Bean"
is: WordNet holds no such person, the sense given is the class SemCor files names under.

Written here, not taken from a library: no named-entity recognizer installs with a trained
English model offline (spaCy's pipelines do not); the census lists are public data.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from importlib import resources

import numpy as np

from ..errors import ConfigurationError
from ..inventory import SenseInfo, WordNet
from ..pos_head import TAGS, as_tag
from .scoring import (
    HONORIFICS,
    capitalized_inside,
    common_names,
    is_person,
    proper_names,
    title_case,
)

NAMES_FILE = "data/person_names.json"
PERSON = ("person", "NOUN")
PERSON_KEY = "person%1:03:00::"
LOCATION = ("location", "NOUN")
# A street's name: a capitalized word before one of these, capitalized ("Elm *St.*", "Bonnet
# Street"), is the noun *location*, as SemCor files 32 of the 34 street names it annotates
# (the other two Wall Street, which WordNet holds: a multiword reading); the head itself is
# left untagged (:func:`street_head`). Not in a title-case sentence ("Man Crosses *Road*").
STREET_HEADS = frozenset("""
street st avenue ave road rd lane ln drive dr boulevard blvd highway hwy parkway pkwy terrace
""".split())
# A sentence's first word is read as a name only where SemCor names a person with it this
# share of the times it labels the form, and this often (John 39 of 39, Kate 43 of 43).
FIRST_WORD_SHARE = 0.9
FIRST_WORD_MIN = 5
# The lexicographer files (a noun key's ``1:NN``) of the proper names that keep a first name
# from being read as a person: noun.location, noun.time, noun.group.
PLACE_TIME_GROUP = ("1:15:", "1:28:", "1:14:")
# The lexicographer files of a first name's commonest noun sense that keep it from being read
# as a name first in its sentence before a verb: noun.feeling, noun.state, noun.attribute,
# noun.time ("Hope", "Joy", "Grace", "Patience", "Summer").
ABSTRACT = ("1:12:", "1:26:", "1:07:", "1:28:")
# The capitalized words after a first name that make it part of the name of a place, a
# building, an institution or a firm ("Mary Street", "Penny Lane", "Grace Church", "Chase
# Bank", "Victoria Station", "Charles River"): English proper-name heads, a closed list
# written here (no gazetteer installs offline).
# Heads that are common surnames too are left out ("Mary Hall", "Sally Field", "Benny
# Hill", "Margaret Court", "Tom House", "Mary Park", "Ricki Lake").
PLACE_HEADS = frozenset("""
street st road rd avenue ave lane ln drive dr boulevard blvd way place square terrace
crescent highway parkway bridge gardens church cathedral chapel abbey temple school college
university academy institute hospital clinic station airport harbor harbour hotel theatre
theater museum gallery library center centre tower building stadium arena river creek sea
bay island islands mountain mount mountains hills valley canyon falls county city village
state bank company corporation corp inc co ltd foundation fund trust association society
club group alert
""".split())


@functools.cache
def person_names() -> tuple[frozenset[str], dict[str, tuple[int, int]]]:
    """(the first names, ``{form: (SemCor's person tags, its labels)}``) of
    ``sensedb/data/person_names.json``. Read once per process.

    Raises:
        ConfigurationError: the file is missing or malformed."""
    path = resources.files("sensedb").joinpath(NAMES_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return (frozenset(str(f) for f in data["first_names"]),
                {str(f): (int(a), int(b)) for f, (a, b) in data["semcor"].items()})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"sensedb/{NAMES_FILE}: cannot read the shipped table of "
                                 f"people's names ({exc}); reinstall sensedb") from None


def person_name_at(inventory: WordNet, words: Sequence[str], at: int,
                   candidates: Sequence[SenseInfo]) -> bool:
    """Whether ``words[at]``, whose WordNet readings have the senses ``candidates``, is a
    person's name WordNet lacks (see the module's rules)."""
    form = words[at]
    if after_honorific(words, at):
        # "Mr. *Smith*", "Gov. *Garland* Byrd": a person SemCor files under person; after
        # "Miss" (a verb too, and a contest's title) not WordNet's place: "Miss *America*",
        # "Miss *Paris* already?"
        return not (_after_miss(words, at) and any(
            inventory.proper_name(s) and _place_time_group(s) for s in candidates))
    if candidates and all(inventory.ethnic_slur(s) for s in candidates):
        return True  # known to WordNet only as a slur: "*Mick* is my friend", "I called *Hymie*"
    first, semcor = person_names()
    if surname_after_first_name(inventory, words, at, candidates):
        return True
    if form not in first and form not in semcor:
        return False
    if not capitalized_inside(words, at):
        person, labelled = semcor.get(form, (0, 0))
        named = person >= FIRST_WORD_MIN and person >= FIRST_WORD_SHARE * labelled
        if at != _first_word(words) or not (named or form in first and (
                _subject_of_a_past_verb(inventory, words, at, candidates)
                or _before_a_surname(inventory, words, at)
                or _before_a_coordinated_name(inventory, words, at))):
            return False
    if at + 1 < len(words) and words[at + 1][:1].isupper() and (
            words[at + 1].lower().rstrip(".") in PLACE_HEADS):
        return False  # "Mary Street", "Grace Church": a place's or a firm's name
    if any(s.pos == "ADJ" and inventory.proper_name(s) for s in candidates):
        return False  # a nationality or a faith WordNet writes capitalized: German, Christian
    if any(inventory.proper_name(s) and _place_time_group(s) for s in candidates):
        return False
    # a surname WordNet holds a person of ("reading *Dickens*", "*Lincoln* said") is that
    # person; a first name's (John the Apostle, Mark the Evangelist) hardly ever is
    return form in first or not any(inventory.proper_name(s) and is_person(s)
                                    for s in candidates)


# Honorifics that are words too without their period ("*Rev* up your engines", "*Gen* Z",
# "*Rep* Power Gym", "*Col*" a mountain pass): honorifics only with it ("Gen. Motors" is
# left to be read as a name). "Dr." and "St." after a capitalized word are a street's
# ("Oak *Dr.* Park on the street").
PERIOD_ONLY_HONORIFICS = frozenset("""
Capt Lt Sgt Col Gen Maj Cpl Pvt Adm Cmdr Gov Sen Rep Pres Fr Hon Rev
""".split())
STREET_ABBREVIATIONS = frozenset({"dr", "st"})
# The most first names and initials between an honorific and the name it reads ("Mrs. J.
# M. *Cheshire*", "Mr. John *Brown*").
MAX_GIVEN_NAMES = 3


def after_honorific(words: Sequence[str], at: int) -> bool:
    """Whether ``words[at]`` is a person's name by an honorific before it (the sense is then
    *person*): capitalized (not all capitals), two letters or more, right after one of
    ``scoring.HONORIFICS`` (PERIOD_ONLY_HONORIFICS with their period; not "Dr."/"St."
    after a capitalized word inside the sentence: :func:`street_abbreviation`) or after one and at
    most MAX_GIVEN_NAMES first names or initials ("Mr. John *Brown*", "Mrs. J. M.
    *Cheshire*"). In a title-case sentence (by words besides the name: :func:`_headline`),
    only right after an honorific with its period: "Capt. Smith *Said* Sorry", "I Miss *You*
    So Much" are no names."""
    form = words[at]
    if len(form) < 2 or not form[:1].isupper() or form.isupper():
        return False
    first, _ = person_names()
    given = 0
    position = at - 1
    while position >= 0:
        period = words[position] == "."
        honorific = position - 1 if period else position
        if honorific >= 0 and _honorific(words, honorific, period or words[
                honorific].endswith(".")):
            return not _headline(words, honorific, at) or (given == 0 and period)
        name = words[honorific] if honorific >= 0 else ""
        if given == MAX_GIVEN_NAMES or not (
                name in first or len(name) == 1 and name.isupper()):
            return False
        given += 1
        position = honorific - 1
    return False


def _headline(words: Sequence[str], honorific: int, at: int) -> bool:
    """Whether a sentence whose name runs from ``words[honorific]`` to ``words[at]`` is in
    title case (``scoring.title_case``) by words besides the name: "I Miss *You* So Much"
    is, "We met Mrs. Jane *Park*" is not (its only long words are the name's)."""
    return _title_case_besides(words, set(range(honorific, at + 1)))


def _title_case_besides(words: Sequence[str], name: set[int]) -> bool:
    """``scoring.title_case`` of a sentence that has a long word (over three letters, after
    the first) outside the positions ``name``: a sentence whose long words are all a name's
    is no headline."""
    outside = [w for n, w in enumerate(words)
               if n and n not in name and len(w) > 3 and w.isalpha()]
    return bool(outside) and title_case(words)


def personal_names(words: Sequence[str], at: int, candidates: Sequence[SenseInfo]
                   ) -> frozenset[str]:
    """The keys of ``candidates`` that are not people (``scoring.is_person``) when the usage
    ``words[at]`` is a person's name by an honorific before it (:func:`after_honorific`):
    after "Ms." the land of "park" and after "Mr." the colour and the university of "brown"
    do not fit, the explorer Park and the abolitionist Brown are at least people (the
    ``personal_name`` feature, where a lemma or part of speech is given and the reading as
    the noun *person* of :func:`name_pairs` is not taken). When no candidate is a person
    the answer is ``novel`` (the name's bearer is not in WordNet; ``results.disambiguation``).
    The flag's weight is set by hand (one unit of the formula's main term, like
    ``rare_base``): SemCor and SemEval-2007 hold 8 and 0 annotated words after an honorific,
    too few to fit it."""
    if not after_honorific(words, at):
        return frozenset()
    return frozenset(s.key for s in candidates if not is_person(s))


#: The noun's probability given to a word the POS head reads as a verb, adjective or adverb
#: where its capital inside the sentence points to WordNet's proper noun ("moved to *Nice*",
#: "flew to *Split*"): the uncased model cannot see the capital. SemCor's annotated words so
#: capitalized whose form has a proper-noun sense and no capitalized sense of another part
#: of speech: NOUN 557, ADJ 84 (nearly all before a noun: "*Northern* liberals",
#: "*Communist* victory", which the rule leaves alone), VERB 4 and ADV 2 (titles, "up
#: *North*"); counted by ``scripts/capital_nouns.py``.
CAPITAL_NOUN_PROBABILITY = 0.9
#: Tags of the head's that the rule moves from; a word it reads as a noun already, or as a
#: closed-class word ("*As* far down as"), is left.
_OPEN_NOT_NOUN = frozenset({"VERB", "ADJ", "ADV"})
#: What "to" follows where the word after it is a place, not an infinitive ("flew to
#: *Split*", "a trip to *Nice*"; "love to *Cook*", "learn to *Land*" are verbs): verbs of
#: travel and nouns of a journey. Hand-written.
TRAVEL_BEFORE_TO = frozenset("""
go goes went gone going fly flies flew flown flying move moves moved moving drive drives drove
driven driving travel travels travelled traveled travelling traveling come comes came coming
return returns returned returning sail sails sailed sailing walk walks walked walking head
heads headed heading relocate relocated relocating emigrate emigrated emigrating get gets got
trip trips flight flights visit visits journey journeys road ticket tickets train trains bus
buses ferry ferries way back
""".split())


def capital_nouns(inventory: WordNet, words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float64, one sentence's tag log-probabilities from
    the POS head, its rules applied: ``pos_head.rule_tags``) with each word that is
    capitalized inside the sentence (``scoring.capitalized_inside``), whose WordNet
    readings include a proper noun and no capitalized sense of another part of speech
    (not "*French*", "*Christian*"), that the head reads as VERB, ADJ or ADV right after a
    preposition (the head's ADP, or "to" opening a place: :func:`_a_place_after_to`; not
    "will *Split* the prize", "You *May* leave", "love to *Cook*", "was *Swift* to respond")
    and before no word it reads as a noun (not "in *Northern* liberals"), given NOUN at
    CAPITAL_NOUN_PROBABILITY (the other tags the rest in their proportions). A new array
    where a row changes; ``logp`` itself otherwise. Hand-written: the head's encoder is
    uncased."""
    out = logp
    best = [TAGS[int(i)] for i in np.argmax(logp, axis=1)] if len(words) else []
    for at, word in enumerate(words):
        if best[at] not in _OPEN_NOT_NOUN or not capitalized_inside(words, at):
            continue
        if at + 1 < len(words) and best[at + 1] == "NOUN":
            continue
        before = words[at - 1].casefold()
        if not (before == "to" and _a_place_after_to(words, at)
                or before != "to" and best[at - 1] == "ADP"):
            continue
        senses = _senses_of(inventory, word)
        if not any(s.pos == "NOUN" and inventory.proper_name(s) for s in senses) or any(
                s.pos != "NOUN" and inventory.proper_name(s) for s in senses):
            continue
        out = as_tag(out, at, "NOUN", CAPITAL_NOUN_PROBABILITY)
    return out


def _a_place_after_to(words: Sequence[str], at: int) -> bool:
    """Whether "to" before ``words[at]`` opens a place, not an infinitive: it follows one of
    TRAVEL_BEFORE_TO ("flew to *Split*") or ends "from ... to" ("from Boston to *Reading*")."""
    return at >= 2 and (words[at - 2].casefold() in TRAVEL_BEFORE_TO
                        or any(w.casefold() == "from" for w in words[max(0, at - 5):at - 1]))


def case_flags(inventory: WordNet, target, candidates: Sequence[SenseInfo]
               ) -> dict[str, frozenset[str]]:
    """What the usage's case says of ``candidates``, as ``scoring.candidate_matrix`` takes
    it: ``proper`` (``scoring.proper_names`` of the target's surface), ``common``
    (``scoring.common_names``) and ``personal`` (:func:`personal_names`) of the located
    ``target`` (``retriever.target.Target``: its words, position and surface)."""
    return {"proper": proper_names(inventory, target.surface, candidates),
            "common": common_names(inventory, target.words, target.index, candidates),
            "personal": personal_names(target.words, target.index, candidates)}


def honorific_of_a_name(words: Sequence[str], at: int) -> bool:
    """Whether ``words[at]`` is an honorific before a name (:func:`after_honorific` of the
    word after it and its period): ``tag`` leaves it untagged, as SemCor writes it inside the
    name's *person* ("*Sen.* Warren" was a Japanese coin, "*Col.* Sanders" a mountain pass,
    "*Rev.* King" an engine's speed), also before "and" or "&" and another such honorific
    ("*Mr.* and Mrs. Brown")."""
    name = at + 2 if at + 1 < len(words) and words[at + 1] == "." else at + 1
    if words[at].removesuffix(".") not in HONORIFICS or name >= len(words):
        return False
    if words[name] in ("and", "&"):  # "*Mr.* and Mrs. Brown" (a tester: read as mister)
        return name + 1 < len(words) and honorific_of_a_name(words, name + 1)
    return after_honorific(words, name)


def _after_miss(words: Sequence[str], at: int) -> bool:
    """Whether ``words[at]`` comes right after "Miss"."""
    return at >= 1 and words[at - 1] == "Miss"


def _honorific(words: Sequence[str], at: int, period: bool) -> bool:
    """Whether ``words[at]`` (followed by a period where ``period``) is an honorific
    (:func:`after_honorific`'s rules)."""
    word = words[at].removesuffix(".")
    if word not in HONORIFICS or word in PERIOD_ONLY_HONORIFICS and not period:
        return False
    return not (at >= 1 and street_abbreviation(words[at - 1], word)
                and capitalized_inside(words, at - 1))


def street_abbreviation(before: str, word: str) -> bool:
    """Whether ``word`` ("St", "Dr.", any case) is a street's or a drive's abbreviation, not
    a title: one of STREET_ABBREVIATIONS after ``before``, a word written with a capital
    ("Elm *St.*", "Oak *Dr.* Park"). The one rule for names (no honorific there) and for the
    sentence splitter (``tagger``: where such a "St." ends a sentence)."""
    return (word.lower().rstrip(".") in STREET_ABBREVIATIONS and before[:1].isupper()
            and any(c.isalpha() for c in before))


def _subject_of_a_past_verb(inventory: WordNet, words: Sequence[str], at: int,
                            candidates: Sequence[SenseInfo]) -> bool:
    """Whether a sentence's first word, a first name, stands before a verb in the past
    ("*Mark* went home", "*Bill* paid for dinner", "*Rose* smiled": the next word has a verb
    reading whose lemma is not the word itself, and ends in neither -s nor -ing: not "*Mark*
    the date", "*Bill* me later", "*Rose* bushes") and the word's commonest noun sense is no
    feeling, state or quality (ABSTRACT: "*Hope* faded", "*Joy* filled the room", "*Grace*
    returned" keep WordNet's nouns)."""
    if at + 1 >= len(words):
        return False
    after = words[at + 1].lower()
    if not after.isalpha() or after.endswith(("s", "ing")):
        return False
    if not any(pos == "VERB" and lemma != after for lemma, pos in inventory.lemmatize(after)):
        return False
    return not _abstract_first(candidates)


def surname_after_first_name(inventory: WordNet, words: Sequence[str], at: int,
                             candidates: Sequence[SenseInfo]) -> bool:
    """Whether ``words[at]``, whose WordNet senses are ``candidates``, is the surname of the
    person whose first name stands before it, where WordNet would read another person of
    that surname: "Fed Chair Jerome *Powell*" was Colin Powell, "a book by Stephen *King*"
    Martin Luther King, "Taylor *Swift*" Jonathan Swift. The word is capitalized inside its
    sentence (``scoring.capitalized_inside``), not the head of a place's or a firm's name
    (PLACE_HEADS); WordNet holds a person of its name (``scoring.is_person`` of a proper
    name) and no place, time or group ("George *Washington*", "Jack *London*" are left to
    WordNet and its multiwords) and none of those people is named with this first name
    ("John *Lennon*", "Bill *Gates*": WordNet's bearer); the word before it is a census
    first name, capitalized inside the sentence or first in it, not itself a place, time or
    group of WordNet's ("*Georgia* Republicans"). SemCor writes a full name as one token
    (its "Robert Snodgrass" is one instance filed under *person*), so this reads two tokens
    as SemCor reads the one. Surnames WordNet holds no person of are left to the scoring ("Will
    *Smith*": the smith)."""
    if at < 1 or not capitalized_inside(words, at):
        return False
    if words[at].lower().rstrip(".") in PLACE_HEADS:
        return False
    people = [s for s in candidates if inventory.proper_name(s) and is_person(s)]
    if not people or any(inventory.proper_name(s) and _place_time_group(s)
                         for s in candidates):
        return False
    if not _first_name_at(inventory, words, at - 1):
        return False
    # WordNet's bearer of the full name is the one meant: "John *Lennon*", "Bill *Gates*",
    # "Martin Luther *King*" (john_lennon, bill_gates, martin_luther_king among its lemmas)
    given, surname = words[at - 1].casefold(), words[at].casefold()
    return not any(f"{given}_" in lemma and lemma.endswith(f"_{surname}")
                   for s in people for lemma in inventory.synset_lemmas(s.synset))


def _first_name_at(inventory: WordNet, words: Sequence[str], at: int) -> bool:
    """Whether ``words[at]`` is a census first name, capitalized inside the sentence or its
    first word, that WordNet reads as no place, time or group (see
    :func:`surname_after_first_name`)."""
    first, _ = person_names()
    given = words[at]
    if given not in first or not (capitalized_inside(words, at)
                                  or at == _first_word(words) and given[:1].isupper()):
        return False
    return not any(inventory.proper_name(s) and _place_time_group(s)
                   for s in _senses_of(inventory, given))


def _before_a_surname(inventory: WordNet, words: Sequence[str], at: int) -> bool:
    """Whether the first name ``words[at]``, first in its sentence, stands before a surname
    (:func:`surname_after_first_name`: "*Taylor* Swift played in Chicago")."""
    nxt = at + 1
    return nxt < len(words) and surname_after_first_name(inventory, words, nxt,
                                                          _senses_of(inventory, words[nxt]))


#: Words joining two names ("*Bill* and Rose went", "*Mark* & Sue").
NAME_CONJUNCTIONS = frozenset({"and", "or", "&"})


def _before_a_coordinated_name(inventory: WordNet, words: Sequence[str], at: int) -> bool:
    """Whether the first name ``words[at]``, first in its sentence, is joined by one of
    NAME_CONJUNCTIONS to a census first name capitalized inside the sentence that WordNet
    reads as no place, time or group: "*Bill* and Rose went to see Frank" read Bill as a
    poster, while Rose and Frank were read as people. Neither name may be a feeling, a state
    or a quality first (:func:`_abstract_first`): "*Hope* and Faith are virtues"."""
    name = at + 2
    if name >= len(words) or words[at + 1].casefold() not in NAME_CONJUNCTIONS:
        return False
    if any(_abstract_first(_senses_of(inventory, words[n])) for n in (at, name)):
        return False  # "*Hope* and Faith are virtues", "Joy and Hope": WordNet's nouns
    return _first_name_at(inventory, words, name)


def _abstract_first(candidates: Sequence[SenseInfo]) -> bool:
    """Whether the commonest noun sense among ``candidates`` is a feeling, a state or a
    quality (ABSTRACT: "Hope", "Joy", "Grace" are those first)."""
    noun = next((s for s in candidates if s.pos == "NOUN"), None)
    return noun is not None and noun.key.partition("%")[2].startswith(ABSTRACT)


def _senses_of(inventory: WordNet, form: str) -> list[SenseInfo]:
    """Every WordNet sense of every reading of ``form`` (``WordNet.lemmatize``)."""
    return [s for lemma, pos in inventory.lemmatize(form) for s in inventory.candidates(lemma, pos)]


def _place_time_group(sense: SenseInfo) -> bool:
    """Whether the sense is in noun.location, noun.time or noun.group (PLACE_TIME_GROUP)."""
    return sense.key.partition("%")[2].startswith(PLACE_TIME_GROUP)


def _first_word(words: Sequence[str]) -> int:
    """The position of a sentence's first word (past opening quotes and brackets)."""
    return next((n for n, w in enumerate(words) if any(c.isalnum() for c in w)), 0)


def street_name(words: Sequence[str], at: int) -> bool:
    """Whether ``words[at]`` is a street's name: capitalized (not all capitals), before one
    of STREET_HEADS written with a capital, in a sentence not in title case by words besides
    the street's and people's names ("I live on *Oak* St.", "*Main* Street is closed", "We
    met Mrs. Jane Park on *Oak* St."; not "Man Crosses *Oak* Road Today")."""
    nxt = at + 1
    if not (nxt < len(words) and words[at][:1].isupper() and not words[at].isupper()
            and any(c.isalpha() for c in words[at]) and words[nxt][:1].isupper()
            and words[nxt].lower().rstrip(".") in STREET_HEADS):
        return False
    people = {n for n in range(len(words)) if n not in (at, nxt) and after_honorific(words, n)}
    return not _title_case_besides(words, {at, nxt} | people)


def street_head(words: Sequence[str], at: int) -> bool:
    """Whether ``words[at]`` is the head of a street's name (:func:`street_name` of the word
    before it): ``tag`` leaves it untagged, the name being the *location*."""
    return at >= 1 and street_name(words, at - 1)


def reads_a_name(surface: str, pairs: Sequence[tuple[str, str]]) -> bool:
    """Whether a usage of ``surface`` whose readings are ``pairs`` is a name read as a person
    (:func:`name_pairs` gave it ``[("person", "NOUN")]``; "person" itself is no name)."""
    return list(pairs) == [PERSON] and surface.lower() not in ("person", "persons")


def name_pairs(inventory: WordNet, words: Sequence[str], at: int,
               pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs``, the (lemma, POS) readings of ``words[at]``, or ``[("person", "NOUN")]``
    where the word is a person's name WordNet lacks (:func:`person_name_at`; with no
    ``pairs``, only after an honorific: "Mrs. *Benington*"), or ``[("location", "NOUN")]``
    where it is a street's name (:func:`street_name`: "*Oak* St.")."""
    if not words[at][:1].isupper():
        return pairs
    if street_name(words, at):
        return [LOCATION]  # "I live on *Oak* St.": not the wood
    if not pairs:
        return [PERSON] if after_honorific(words, at) else pairs
    candidates = [s for lemma, pos in pairs for s in inventory.candidates(lemma, pos)]
    return [PERSON] if person_name_at(inventory, words, at, candidates) else pairs
