"""A lemma's prior inside a construction: the existential "there is", and "so" standing for
a clause ("I think *so*").

WordNet's tag counts (the prior ``log_wordnet_count``) and a corpus index's labelled tokens
(``log_support``) count every usage of a lemma alike. Inside some constructions the senses
are distributed otherwise, and the construction is plain from the words around the target:
after an existential "there" ("There *is* a book on the table", "there will *be* rain",
"*Is* there a doctor here?") SemCor tags be "have an existence, be extant" (be%2:42:00::)
or "happen, occur, take place" (be%2:42:04::) 844 times of 967 (outside the tuning
documents), and the copula (be%2:42:03::, 10,742 of WordNet's 16,667 counts of be) 73
times. With the
counts of every usage the copula won nearly every existential be; the sentence's cosines
cannot say "existence" of a word whose glosses all describe grammar (the copula's examples
are no evidence either: ``scoring.NO_EXAMPLE_EVIDENCE``).

:func:`construction_prior` gives such a usage's candidates the construction's sense
probabilities, and ``scoring.candidate_matrix`` shares the lemma's prior counts (and
labelled-token counts) out by them: the same total, so the prior weighs as much as before
against the cosines, distributed as the construction distributes it; WordNet's sense
numbers (the prior ``inv_rank``) follow it too (:func:`ranked_out`). The probabilities are
SemCor's counts inside the construction (``sensedb/data/construction_counts.json``, made by
``scripts/construction_counts.py`` from SemCor without the tuning documents: its provenance
is in the file), add-:data:`SMOOTHING` smoothed over the lemma's senses.

Measured on the 36 held-out SemCor documents of ``scripts/tune_weights.py`` (raw-text
candidates, shipped weights): existential be right 29 -> 70 of 131 (WordNet-only formula),
44 -> 68 (corpus formula); BENCHMARKS.md "The existential there".

"So" ending its clause after a verb of saying or thinking, after "if" or after do ("I think
*so*", "I told you *so*", "If *so*, call me", "He did *so*": :func:`so_for_a_clause`)
stands for a clause: SemCor tags it "in such a condition or manner, especially as expressed
or implied" (so%4:02:05::), where WordNet's counts put "to a very great extent"
(so%4:02:02::, the "so" of "so tired") first.

Written here, not taken from a library: the rule is a few word tests on sensedb's own
tokens (no parser installs with a trained English model offline).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from importlib import resources

from ..errors import ConfigurationError
from ..inventory import SenseInfo, WordNet

EXISTENTIAL = "existential_there"
SO_FOR_A_CLAUSE = "so_for_a_clause"
COUNTS_FILE = "data/construction_counts.json"
# Add-half smoothing of the construction's counts over the lemma's senses (a sense the
# construction never met keeps a little of the prior; Jeffreys' prior).
SMOOTHING = 0.5

# Words that may stand between "there" and be: modals, auxiliaries, negations and a few
# adverbs ("there will not *be*", "there has always *been*", "there seems to *be*").
_BETWEEN = frozenset("""
will would may might must can could should shall 'll ’ll has have had 's ’s 'd ’d not n't n’t
never also still always often usually certainly probably surely perhaps ever to seems seemed
seem appears appeared appear used going ought be been being is are was were 're ’re
""".split())
MOST_BETWEEN = 4
# Words before "there" that make it a place ("the man over *there* is my father", "up there
# it was cold"), not the existential subject.
_PLACE_BEFORE = frozenset("""
over up down out in right back from around through under along near on
""".split())
# Forms of be that open a question with "there" after them ("*Is* there a God?")
_BE_FORMS = frozenset({"is", "are", "was", "were", "'s", "’s", "'re", "’re", "am", "ai"})
# What may stand before such a question: nothing, punctuation, a conjunction, a wh-word
# ("and *were* there others?", "why *is* there no milk?"), or a negative adverb that inverts
# its clause ("*Never was* there such a storm", "nowhere *is* there peace"); after anything
# else, "there" is a place: "He *is* there".
_QUESTION_OPENERS = frozenset("""
, ; : `` '' " ( -- and but or nor so yet if whether that which who why how what where when
never nowhere rarely seldom hardly scarcely
""".split())
_NEGATIONS = frozenset({"not", "n't", "n’t"})
# Words that end a clause's start looking back from "there" (punctuation is one too; not
# "since", "as", "until": prepositions as often, "*Since* the disaster there have been")
_CLAUSE_BOUNDARIES = frozenset("""
and but or nor so yet if whether that which who why how what where when because although
though while unless
""".split())
# A clause opened by one of these before "there" is a subject noun phrase: "there" after it
# is a place ("*The* people there are friendly", "*my* friends there were kind")...
_DETERMINERS = frozenset("""
the a an this that these those my your his her its our their every each no some any
""".split())
# ...as it is after a lone pronoun or quantifier ("Everyone there was happy"; a closed list)
_SUBJECT_PRONOUNS = frozenset("""
everyone everybody someone somebody anyone anybody nobody people those these they we you he
she it i both many most few others
""".split())
# The most words of such a subject before "there" (a determiner and up to two more)
MOST_SUBJECT = 3


def existential_there(words: Sequence[str], at: int,
                      inventory: WordNet | None = None) -> bool:
    """Whether ``words[at]`` (a form of be) is the verb of an existential "there": "there"
    before it, at most MOST_BETWEEN modals, auxiliaries, negations or adverbs between
    ("There *is*", "there will not *be*", "there seems to *be*"), itself not after a word
    that makes it a place ("the man over there *is* my father") nor after its clause's
    subject (:func:`_after_a_subject`: "The people there *are* friendly", "Everyone there
    *was* happy"); or "there" right after it, past "not"/"n't", in a question or an
    inverted clause, with a word after "there" ("*Is* there a doctor?", "*Is* n't there a
    bus?", "why *are* there no trains?", "Never *was* there such a storm"; not "He *is*
    there", "Who *is* there?"). Case and curly apostrophes are ignored. ``inventory``: tells
    a subject's noun from a verb ("The food there", not "The man said there"); without it
    only a determiner and a word WordNet has no part of speech for are taken for one."""
    def low(n: int) -> str:
        return words[n].lower()

    before = at - 1
    while before >= 0 and at - before <= MOST_BETWEEN and low(before) in _BETWEEN:
        before -= 1
    if before >= 0 and low(before) == "there":
        return before == 0 or (low(before - 1) not in _PLACE_BEFORE
                               and not _after_a_subject(words, before, inventory))
    after = at + 1
    while after < len(words) and low(after) in _NEGATIONS:
        after += 1
    return (after + 1 < len(words) and low(after) == "there" and low(at) in _BE_FORMS
            and any(c.isalnum() for c in words[after + 1])
            and (at == 0 or low(at - 1) in _QUESTION_OPENERS))


# The words before a "so" that stands for a clause ("I think *so*", "If *so*,"), and the
# verbs of telling whose object may stand between ("I told you *so*").
_BEFORE_CLAUSE_SO = frozenset("""
think thinks thought thinking hope hopes hoped believe believes believed say says said
suppose supposes supposed guess guessed expect expects expected imagine imagined fear
feared afraid seem seems seemed appear appears appeared if do does did done doing
""".split())
_TELLING = frozenset("tell tells told telling".split())
_OBJECTS = frozenset("me you him her us them".split())


def so_for_a_clause(words: Sequence[str], at: int,
                    inventory: WordNet | None = None) -> bool:
    """Whether ``words[at]`` is "so" standing for a clause: ending its clause (punctuation
    or the sentence's end next) right after one of _BEFORE_CLAUSE_SO ("I think *so*", "If
    *so*, call me", "I'm afraid *so*", "He did *so*") or after a verb of telling and its
    object ("I told you *so*"). ``inventory``: unused (the rules' common signature)."""
    if words[at].lower() != "so" or at == 0 or (
            at + 1 < len(words) and any(c.isalnum() for c in words[at + 1])):
        return False
    before = words[at - 1].lower()
    return before in _BEFORE_CLAUSE_SO or (at >= 2 and words[at - 2].lower() in _TELLING
                                           and before in _OBJECTS)


def _after_a_subject(words: Sequence[str], there: int, inventory: WordNet | None) -> bool:
    """Whether the words of the clause before ``words[there]`` are its subject, so that
    "there" is a place: a lone pronoun or quantifier (_SUBJECT_PRONOUNS: "Everyone there"),
    or a determiner and at most MOST_SUBJECT - 1 more words, the last a noun (with
    ``inventory``: WordNet reads it as a noun and not as a verb; "The people there",
    "The food there"; not "The man said there", "The report says there"). The clause starts
    after punctuation or a conjunction (_CLAUSE_BOUNDARIES); one that starts with a
    preposition or an adverb ("In the morning there was fog", "Yesterday there was rain")
    is no subject."""
    start = there
    while start > 0 and any(c.isalnum() for c in words[start - 1]) and (
            words[start - 1].lower() not in _CLAUSE_BOUNDARIES):
        start -= 1
    clause = [w.lower() for w in words[start:there]]
    if len(clause) == 1:
        return clause[0] in _SUBJECT_PRONOUNS
    if not 2 <= len(clause) <= MOST_SUBJECT or clause[0] not in _DETERMINERS:
        return False
    last = clause[-1]
    if last in _SUBJECT_PRONOUNS:
        return True
    if inventory is None:
        return False
    readings = {pos for _, pos in inventory.lemmatize(last)}
    return "NOUN" in readings and "VERB" not in readings


@functools.cache
def construction_counts() -> dict[str, tuple[str, str, dict[str, int]]]:
    """``{construction: (lemma, POS, {sense key: SemCor count inside it})}`` from
    ``sensedb/data/construction_counts.json`` (made by ``scripts/construction_counts.py``).
    Read once per process.

    Raises:
        ConfigurationError: the file is missing or malformed."""
    path = resources.files("sensedb").joinpath(COUNTS_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["constructions"]
        return {str(name): (str(entry["lemma"]), str(entry["pos"]),
                            {str(k): int(v) for k, v in entry["counts"].items()})
                for name, entry in data.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigurationError(f"sensedb/{COUNTS_FILE}: cannot read the shipped construction "
                                 f"counts ({exc}); reinstall sensedb") from None


def construction_of(words: Sequence[str], at: int,
                    inventory: WordNet | None = None) -> str | None:
    """The construction the word ``words[at]`` stands in (:data:`EXISTENTIAL`,
    :data:`SO_FOR_A_CLAUSE`), or None."""
    for name, rule in RULES.items():
        if rule(words, at, inventory):
            return name
    return None


#: Each construction's rule: (words, at, inventory) -> whether ``words[at]`` stands in it.
RULES = {EXISTENTIAL: existential_there, SO_FOR_A_CLAUSE: so_for_a_clause}


def construction_prior(words: Sequence[str], at: int, candidates: Sequence[SenseInfo],
                       inventory: WordNet | None = None) -> dict[str, float] | None:
    """``{sense key: probability}`` (summing to 1) of the candidates of the construction's
    lemma and POS, where the usage ``words[at]`` stands in a construction with counts
    (:func:`construction_counts`) and has such candidates; None otherwise (the prior as it
    is). Each probability is (count + SMOOTHING) / (total + SMOOTHING * senses), over the
    candidates of that lemma and POS. ``inventory``: see :func:`existential_there`.

    Raises:
        ConfigurationError: see :func:`construction_counts`."""
    table = construction_counts()
    if not any((s.lemma, s.pos) == (lemma, pos) for lemma, pos, _ in table.values()
               for s in candidates):
        return None  # before the word tests: most usages are of no construction's lemma
    name = construction_of(words, at, inventory)
    if name is None or name not in table:
        return None
    lemma, pos, counts = table[name]
    keys = [s.key for s in candidates if s.lemma == lemma and s.pos == pos]
    if not keys:
        return None
    total = sum(counts.get(k, 0) for k in keys) + SMOOTHING * len(keys)
    return {k: (counts.get(k, 0) + SMOOTHING) / total for k in keys}


def ranked_out(ranks: Sequence[int], keys: Sequence[str], prior: Mapping[str, float]
               ) -> list[int]:
    """WordNet's sense numbers ``ranks`` (one per candidate, in ``keys``' order) with those
    of the candidates in ``prior`` given out again in the order of its probabilities (the
    most probable takes the smallest of their numbers; ties keep WordNet's order); the
    others as they are. WordNet orders a lemma's senses by its tag counts, so inside a
    construction the order follows the construction as the counts do (``shared_out``):
    "I think *so*" ranks so%4:02:05:: first, where WordNet's order put "to a very great
    extent" first, a prior (``inv_rank``) the construction had left against it."""
    inside = [n for n, k in enumerate(keys) if k in prior]
    numbers = sorted(ranks[n] for n in inside)
    order = sorted(inside, key=lambda n: (-prior[keys[n]], ranks[n]))
    out = list(ranks)
    for n, number in zip(order, numbers, strict=True):
        out[n] = number
    return out


def shared_out(values: Sequence[float], keys: Sequence[str],
               prior: Mapping[str, float]) -> list[float]:
    """``values`` (one per candidate, in ``keys``' order: prior counts or labelled tokens)
    with the total of the candidates in ``prior`` shared out among them by its
    probabilities; the others as they are."""
    total = sum(v for v, k in zip(values, keys, strict=True) if k in prior)
    return [total * prior[k] if k in prior else v for v, k in zip(values, keys, strict=True)]
