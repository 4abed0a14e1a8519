"""Tagging raw text: every content word WordNet knows gets a sense and a confidence.

Text is split into sentences by spaCy's rule-based sentencizer, then into words by
``sensedb.tokenize``. Tokens without letters are skipped; so are closed-class words (articles,
pronouns, prepositions, modals, ...) except where the POS head tags them as a content word
("*not*", "I *like* it", "*one* of them", "*half* the cake": read in that POS only, as
SemCor annotates them); forms of be/have/do are tagged where the POS head makes them main
verbs ("I have five lights"), not as auxiliaries ("I have seen it").
A word's candidates are its senses in every POS WordNet's morphology allows; the POS head's
log-probability of each candidate's POS is one feature of the score (soft evidence, never a
filter). Multiword expressions WordNet knows (up to three words: "took place", "kind of")
are scored against their words read one by one and kept only where they score higher by a
margin fitted on SemCor (:func:`tag_words`), so "a kind of fruit" keeps the noun *kind* and
"pointed out" the phrasal verb (a kept one's confidence is its sense's probability times the
probability that its words are one expression, ``scoring.multiword_whole``); closed-class
multiwords whose first word is a plain preposition or particle ("flew out of the cave") are
no reading at all. A phrasal verb whose particle stands apart ("*turn* the lights *off*",
"*pick* it *up*") is read too (:func:`separated_readings`: at most MAX_PARTICLE_GAP words
between, an object among them) and competes with its words by the same rule with a stricter
margin (``scoring.separated_margin``); kept, it is one tagged word at the verb (its lemma the
phrasal verb's, its span the verb alone) and the particle is not tagged.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..corpora.tokenize import NEGATED_DO, check_text, clitic_stems, is_negation_clitic, tokenize
from ..errors import Error, InputError
from ..pos_head import (
    BASE_PARTICIPLES,
    CONTENT_TAGS,
    DO_FORMS,
    TAGS,
    WH_WORDS,
    content_log_probabilities,
    tag_probability,
)
from .discourse import one_sense_per_discourse as agree
from .names import honorific_of_a_name, name_pairs, street_abbreviation, street_head
from .scoring import (
    multiword_evidence,
    multiword_margin,
    multiword_rates,
    multiword_whole,
    separated_margin,
    title_case,
)
from .target import (
    PARTICLES,
    Target,
    base_form_readings,
    check_probability,
    clock_time,
    merged,
    multiword_text,
    phrasal_verbs,
    separated,
)

if TYPE_CHECKING:  # the facade delegates to tag_text: no import at module level
    from ..inventory import WordNet
    from .index import SenseIndex
    from .results import Disambiguation

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# A blank line: a line break, white space without one, a line break (text_blocks).
BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
# The longest sentence tagged whole, in characters (about 1,700 words): a longer one (a text
# without sentence punctuation: a 2.7 MB line of "the bank" was one sentence, tagged in one
# piece with nothing written for minutes) is cut at white space into pieces no longer, after
# a comma, semicolon or colon where one is in the piece's last quarter. No sentence of the
# evaluation sets comes near; a 694-word run-on sentence has about 4,000 characters.
MAX_SENTENCE_CHARS = 10_000
STOPWORDS = frozenset("""
a an the this that these those some any each every either neither no all both half
i me my mine myself you your yours yourself yourselves he him his himself she her hers
herself it its itself we us our ours ourselves they them their theirs themselves
who whom whose which what whatever whoever why one ones
and or but nor so yet for if then than because while although though unless until since
whether as
of in on at by to from with without within into onto upon about above below over under
between among through during before after against across along around behind beyond
near off out up down per via like
will would shall should can could may might must ought
not n't 's 're 've 'll 'd 'm there here also just very too only even
""".split())
# Prepositions WordNet also has as content words, tagged (where a POS head tags the sentence)
# only in the content POS the head gives them, as STOPWORDS are: "*Despite* the rain" was the
# noun despite "contemptuous disregard" (p 0.69; the head: ADP 0.96), a tester's. Only those
# whose content senses are rare in everyday text: past, inside, outside, till, underneath
# and beneath are left to their candidates, as the head takes their adverbs and verbs for
# prepositions ("Check *inside* before you lock", "They *till* the soil": its breaker's).
# Without a head they are read as before (nothing tells them apart).
PREPOSITIONS = frozenset("""
despite toward towards throughout beside besides amid amidst amongst unlike except versus
""".split())
# Letters that texting writes for a word ("text *u* later", "*r* u ok"), not tagged in lower
# case (not after a number either: a unit); other letters are ("200 *g* of sugar",
# "vitamin *c*": its breaker's), as is a capital ("plan *B*").
TEXTING_LETTERS = frozenset("u r".split())
# Modal verbs: as verbs, tagged only where no verb follows (``is_main_verb``): "I *can* swim"
# is no preserving in a tin, "I *will* do it" no decreeing; "we *can* tomatoes" is.
# 'll and 'd (will, would or had) likewise.
MODALS = frozenset("will would shall should can could may might must ought 'll 'd".split())
# Forms of be, have and do: tagged only where the POS head makes them main verbs.
LIGHT_VERBS = frozenset("""
be am is are was were been being have has had having do does did doing done
's 're 've 'd 'm
""".split())
NEGATIONS = frozenset({"not", "n't", "never"})
# "had better", "'d better", "had best", "'d rather": a modal idiom, its verb after it ("You'd
# *better* call her", "We had *best* leave", "I'd *rather* not"): the had/'d is no main verb,
# not "have or possess" (``is_main_verb``); "He had better grades" is.
MODAL_IDIOM_FORMS = frozenset({"had", "'d", "\u2019d"})
MODAL_IDIOM_WORDS = frozenset({"better", "best", "rather"})
# A prepositional phrase between an auxiliary and its verb ("will *of course* help", "has
# *in fact* gone", "does *by and large* agree", "will *as a matter of fact* leave"): at most
# MAX_ADVERBIAL words after the preposition, each tagged one of ADVERBIAL by the POS head (or
# a comma: "had, in fact, left").
MAX_ADVERBIAL = 4
ADVERBIAL = frozenset({"DET", "NOUN", "ADJ", "NUM", "ADV", "ADP", "CONJ"})
# The longest multiword reading proposed, in words: WordNet's idioms of four and five words
# ("on the other hand", "all of a sudden", "as a matter of fact") are everyday adverbials.
MAX_MULTIWORD = 5
# A stem before "n't" (``tokenize``: can't -> ca n't) is read as its modal
# (``corpora.tokenize.clitic_stems``). A modal with "n't" is always the auxiliary (the POS
# head, fed "ca", may call it a noun), so, like "can" in "He can swim", it is not tagged.
# A multiword reading made only of closed-class words ("out of", "at all") is no reading where
# the POS head tags its first word as one of these: "out" of "flew out of the cave" is a
# preposition in its plain sense, not the adverb out_of ("motivated by").
PLAIN_FUNCTION_TAGS = frozenset({"ADP", "PRT"})
# A phrasal verb with its particle apart (:func:`separated_readings`): the particles
# (``target.PARTICLES``), the most words between verb and particle, the POS head's tags a
# word between them may have (an object and its modifiers: "turn *the lights* off", "pick
# *it* up", "pick *it right* up") and the words that start a clause, which end the search
# ("turned the page *that* was on ...").
# MAX_PARTICLE_GAP, from SemCor (scripts/separated_verbs.py): of its 327 separated phrasal
# verbs (a one-word verb instance whose lemma is verb_particle, the particle a later word),
# 216 have one word between, 78 two, 21 three, 12 more; allowing three words between gains
# fewer right answers than two at every margin of its sweep (+46 against +47 at the shipped
# scoring.SEPARATED_MARGIN, +2 against +22 at -0.6).
MAX_PARTICLE_GAP = 2
GAP_TAGS = frozenset({"NOUN", "PRON", "DET", "ADJ", "NUM", "ADV", "PRT"})
CLAUSE_WORDS = frozenset("that which who whom whose where when why how what if".split())
# Where the words after a form of be/have/do stop being read past (:func:`is_main_verb`): a
# clause word ("was *when* they were talking") and, after be or do, an infinitive's "to"
# ("is *to* be commended"; "had to go" is the modal have to).
INFINITIVE_OR_CLAUSE = CLAUSE_WORDS | {"to"}
HAVE_FORMS = frozenset("have has had having 've 'd".split())
# The POS head's tags a particle may have ("on" of "turned the lights on" may be an ADJ); an
# ADP only where no phrase follows it ("gave it *up* after a year"), as one does a preposition
# ("turned the page *on the left*" is no turn_on).
PARTICLE_TAGS = frozenset({"PRT", "ADV", "ADJ"})
PHRASE_START_TAGS = frozenset({"DET", "NOUN", "PRON", "ADJ", "NUM"})
# The words between verb and particle hold its object: one of them is tagged so ("turn *it*
# off"; "go only up or down" is go and a directional up).
OBJECT_TAGS = frozenset({"NOUN", "PRON", "NUM"})
# What opens a noun phrase after a preposition ("a kind *of fruit*", "kind *of you*"): a span
# that ends in that preposition is read with its words' POS evidence (:func:`_span_pos`).
NOUN_PHRASE_TAGS = frozenset({"DET", "NOUN", "PRON", "NUM"})
# Words after which a clause begins, its subject next (:func:`_opens_a_clause`: "and *a lot*
# was lost"): conjunctions and subordinators
_CLAUSE_OPENERS = frozenset({"and", "but", "or", "so", "yet", "because", "since", "although",
                             "though", "while", "when", "if", "that"})


@dataclass
class TaggedWord:
    """One tagged content word: its sentence number and token position, the chosen sense
    (``key``, ``synset`` and ``gloss`` None when abstaining: the rejected candidate is not
    shown as if chosen), ``confidence`` (the sense's probability, 0-1), ``margin``
    (minus the runner-up's), ``novel`` (no sense fits: possibly one WordNet lacks), how many
    candidate senses it had, and for a phrasal verb whose particle stands apart ("*turn* the
    lights *off*": ``word`` is the verb) the ``particle``: ``{"position": token position,
    "word": as written}``, else None; ``score`` (the sense's evidence score) and ``offset``
    (its synset's WordNet offset and letter, ``09213565-n``), None with ``key``, as in
    ``tag --jsonl``. A multiword expression's ``components``: each of its words that WordNet
    knows read alone in the same context (``{"position", "word"}`` and the fields above from
    ``lemma`` to ``candidates``; :func:`component_records`), else None: "*health problem*"
    is ill health as one expression, and its words keep their own senses for a reader (or
    a data set) that wants them word by word."""

    sentence: int
    position: int  # token position in the sentence (first token of a multiword expression)
    word: str
    lemma: str
    pos: str
    key: str | None  # None when abstaining (confidence under the threshold)
    synset: str | None  # the chosen sense's; None with key (abstaining)
    gloss: str | None
    confidence: float
    margin: float
    novel: bool
    candidates: int
    particle: dict | None = None
    score: float | None = None
    offset: str | None = None
    components: list[dict] | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def chosen_sense(index: SenseIndex, answer: Disambiguation, min_confidence: float = 0.0
                 ) -> dict:
    """What a tagged word shows of ``answer``'s best sense: ``lemma`` and ``pos`` (the
    answer's own without a sense), and ``key``, ``synset``, ``offset``, ``gloss`` and
    ``score``, each None when there is no sense or its probability is under
    ``min_confidence`` (abstaining: the rejected candidate is not shown as if chosen);
    ``confidence`` and ``margin`` rounded to 4 places, ``novel`` and ``candidates``. Shared
    by :func:`tag_text` and ``tag --jsonl`` (``streaming.word_record``)."""
    best = answer.best
    confident = best is not None and (best.probability or 0.0) >= min_confidence
    offset = None
    if confident:
        try:
            offset = index.inventory.synset_gloss(best.key)[0]
        except Error:
            offset = None
    return {"lemma": best.lemma if best else answer.lemma,
            "pos": best.pos if best else answer.pos,
            "key": best.key if confident else None,
            "synset": best.synset if confident else None, "offset": offset,
            "gloss": best.gloss if confident else None,
            "score": best.score if confident else None,
            "confidence": round(answer.confidence, 4), "margin": round(answer.margin, 4),
            "novel": answer.novel, "candidates": len(answer.senses)}


@functools.lru_cache(maxsize=1)
def _sentencizer():
    """spaCy's blank English pipeline with its rule-based sentencizer (no model to download):
    its tokenizer keeps abbreviations such as "Mr.", "e.g." and "U.S." whole, so their periods
    end no sentence."""
    import spacy
    from spacy.symbols import ORTH

    nlp = spacy.blank("en")
    for degree in DEGREES:  # "an *M.Sc.* from Oxford" ended a sentence
        nlp.tokenizer.add_special_case(degree, [{ORTH: degree}])
    nlp.add_pipe("sentencizer")
    return nlp


#: Degrees written as initialisms with parts of two letters, which spaCy's tokenizer splits
#: ("M.Sc" + "."), so that its sentencizer ended a sentence after them ("She holds an
#: *M.Sc.* from Oxford", a tester's); sensedb's tokenizer keeps them whole.
DEGREES = ("Ph.D.", "M.Sc.", "B.Sc.", "M.Phil.", "D.Phil.", "M.Ed.", "B.Ed.", "LL.B.",
           "LL.M.", "Ed.D.", "Th.D.", "Sc.D.", "Pharm.D.")


# A line that opens with a list's mark: a bullet ("-", "*", "•") or an item's number ("1.",
# "2)"), then a word.
LIST_ITEM = re.compile(r"[^\S\n]*(?:[-*•]|\d{1,2}[.)])[^\S\n]+\w")
# An item's number that spaCy's sentencizer leaves at the end of the sentence before it
# ("Steps: *1.*" + "Open the box.") or alone ("*2.*"): after a colon and a space, or
# nothing (a list's lines are :func:`text_blocks` of their own).
ITEM_NUMBER_AT_END = re.compile(r"(?:^\s*|:\s+)(\d{1,2}[.)])$")  # not "10:30."


def _list_items(lines: list[str]) -> list[bool]:
    """Which of ``lines`` are a list's items: lines opening with a bullet or an item's number
    (LIST_ITEM) after a line ending in a colon, after another item, or before a line that
    opens so too; not wrapped prose that happens to ("I counted to\n10. Then I looked",
    "He went home\n- or so he said - and slept")."""
    marked = [bool(LIST_ITEM.match(line)) for line in lines]
    items = [False] * len(lines)
    for number in range(len(lines)):
        if not marked[number]:
            continue
        after_colon = number > 0 and lines[number - 1].rstrip().endswith(":")
        items[number] = (after_colon or number > 0 and items[number - 1]
                         or number + 1 < len(lines) and marked[number + 1])
    return items


# A letter's or a message's opening line ("Hi John", "Dear Ms. Smith,", "Good morning all"):
# at most MAX_SALUTATION words (MAX_SALUTATION_COMMA ending in a comma: "Dear Dr. Mary Ann
# Smith-Jones,"), opening with one of SALUTATIONS or "good" and one of GREETING_TIMES.
SALUTATIONS = frozenset("hi hello hey dear greetings hiya morning evening".split())
GREETING_TIMES = frozenset("morning afternoon evening day".split())
MAX_SALUTATION = 4
MAX_SALUTATION_COMMA = 8


def _salutation(words: list[str], comma: bool) -> bool:
    """Whether a line of ``words`` (ending in a comma where ``comma``) is a salutation
    (SALUTATIONS, GREETING_TIMES, MAX_SALUTATION, MAX_SALUTATION_COMMA)."""
    lower = [w.lower() for w in words]
    return 0 < len(words) <= (MAX_SALUTATION_COMMA if comma else MAX_SALUTATION) and (
        lower[0] in SALUTATIONS or lower[:1] == ["good"] and lower[1:2] and
        lower[1] in GREETING_TIMES)


def text_blocks(text: str) -> list[tuple[int, int]]:
    """Character spans ``[start, end)`` that cover ``text`` in order and that no sentence
    crosses: paragraphs, which a blank line (white space only) ends, a list's items
    (:func:`_list_items`), and in them a line
    written as a heading, which its line break ends: in title case or in capitals
    (``scoring.title_case`` of its words, as for a capital's evidence), with no sentence
    punctuation at its end ("BANKS FAIL AS MARKETS CRASH", "Apple Unveils New Phone"), or a
    paragraph's first line that is a salutation, before a line that opens with a capital
    (:func:`_salutation`: "Hi John\nThanks for the update."; "Dear John\nthe bank called"
    and "... said\nhi to Mary and\nJohn smiled" run on). Other line breaks are
    white space: wrapped prose runs on across them, as spaCy reads it."""
    cuts = {m.end() for m in BLANK_LINE.finditer(text)}
    lines = text.splitlines(keepends=True)
    items = _list_items(lines)
    start = 0
    for number, line in enumerate(lines):
        end = start + len(line)
        if items[number]:  # "- Buy milk\n- Call mom", "1. Milk\n2. Eggs": one item a line
            cuts.update((start, end))
        words = re.findall(r"[^\W\d_]+", line)
        body = line.rstrip()
        if body and body[-1] not in ".!?:;," and len(words) >= 3 and title_case(words):
            cuts.add(end)
        if (start == 0 or start in cuts) and _salutation(words, body.endswith(",")) and \
                number + 1 < len(lines) and lines[number + 1].lstrip()[:1].isupper():
            cuts.add(end)  # "Hi John\nThanks for the update." (a paragraph's first line)
        start = end
    bounds = sorted(c for c in cuts if 0 < c < len(text))
    return list(zip([0, *bounds], [*bounds, len(text)], strict=True))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``[start, end)`` of ``text``'s sentences, outer white space left out
    and empty ones dropped, by spaCy's rule-based sentencizer (a well-kept library: sentence
    splitting is not this product's business) inside each of :func:`text_blocks` (a blank
    line or a heading's line break ends a sentence). A text over spaCy's length limit is cut
    at ``.``, ``!`` or ``?`` followed by white space instead. A sentence longer than
    :data:`MAX_SENTENCE_CHARS` is given as pieces no longer (:func:`_pieces`)."""
    spans = []
    for begin, end in text_blocks(text):
        for first, last in _block_sentences(text[begin:end]):
            spans.extend(_pieces(text, begin + first, begin + last))
    return spans


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentence ``text[start:end]`` as spans of at most :data:`MAX_SENTENCE_CHARS`
    characters, cut at white space (after ``,``, ``;`` or ``:`` where one is in a piece's
    last quarter), outer white space left out; itself when short enough. A run of more
    than that without white space is cut where the limit falls."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        window = text[start:start + MAX_SENTENCE_CHARS + 1]
        spaces = [m.start() for m in re.finditer(r"\s", window) if m.start()]
        late = [at for at in spaces if at >= MAX_SENTENCE_CHARS * 3 // 4
                and window[at - 1] in ",;:"]
        cut = (late or spaces or [MAX_SENTENCE_CHARS])[-1]
        piece = text[start:start + cut].rstrip()
        if piece:
            pieces.append((start, start + len(piece)))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def _block_sentences(text: str) -> list[tuple[int, int]]:
    """:func:`sentence_spans` of one of :func:`text_blocks`."""
    nlp = _sentencizer()
    if len(text) >= nlp.max_length:
        cuts = [(m.start(), m.end()) for m in SENTENCE_END.finditer(text)]
        bounds = list(zip([0] + [end for _, end in cuts], [s for s, _ in cuts] + [len(text)],
                          strict=True))
    else:
        doc = nlp(text)
        bounds = [(s.start_char, s.end_char) for s in doc.sents]
        cuts = _abbreviation_ends(doc)
        if cuts:
            bounds = [(a, b) for begin, end in bounds
                      for a, b in zip([begin, *(c for c in cuts if begin < c < end)],
                                      [*(c for c in cuts if begin < c < end), end],
                                      strict=True)]
    merged_bounds: list[tuple[int, int]] = []
    for begin, end in bounds:
        if merged_bounds and _runs_on(text[merged_bounds[-1][0]:begin], text[begin:end]):
            begin = merged_bounds.pop()[0]
        elif merged_bounds and (moved := OPENING_QUOTE.search(
                text[merged_bounds[-1][0]:begin].rstrip()) or ITEM_NUMBER_AT_END.search(
                text[merged_bounds[-1][0]:begin].rstrip())):
            # a quotation's opening mark ('she said. "' + 'Let's go."') or an item's number
            # ("Steps: 1." + "Open the box.") left at the end of the sentence before: it
            # opens this one
            last = merged_bounds.pop()
            begin = last[0] + moved.start(1)
            if text[last[0]:begin].strip():
                merged_bounds.append((last[0], begin))
        merged_bounds.append((begin, end))
    spans = []
    for begin, end in merged_bounds:
        part = text[begin:end]
        if part.strip():
            first = begin + len(part) - len(part.lstrip())
            spans.append((first, first + len(part.strip())))
    return spans


# A sentence ends at an abbreviation's period where the next word is one that opens
# sentences, not one that follows an abbreviation in the sentence ("at 5 p.m. *Then* we
# left", "moved to the U.S. *The* next year"; "Mr. *Smith*", "the U.S. *Army*" do not end
# one). spaCy's tokenizer keeps "p.m.", "U.S.", "etc." whole, so its sentencizer never ends a
# sentence there. Not "I" or "A", capitals inside a sentence too ("the U.S. *I* know",
# "Type *A*"): a sentence left whole costs less than one cut in two.
SENTENCE_OPENERS = frozenset("""
The An We He She They It You This That These Those There Then But And So Yet However
Still Later Afterwards Meanwhile In On At After Before When While If As Our My Your His Her
Their Its Some Many Most All Each Every No Not Nobody Everyone Today Tomorrow Yesterday
Where What Who Why How Which Is Are Was Were Do Does Did Can Could Will Would Should Let
""".split())


# Abbreviations that end no sentence whatever follows: titles before a name ("Dr. *No*",
# "Prof. *Still*") and the connectives of a list or a citation ("e.g. *The* Hobbit", "Smith
# vs. *The* State").
NEVER_FINAL = frozenset("""
mr. mrs. ms. dr. prof. gen. capt. col. lt. sgt. cpl. adm. maj. rev. fr. hon. sen. rep. gov.
pres. st. mt. ft. messrs. mme. mlle. e.g. i.e. vs. v. cf. viz. feat. approx. ca. c.
""".split())


# Abbreviations after which spaCy's sentencizer ends a sentence that runs on: a list's or a
# citation's end before a lowercase word or a number ("pears, *etc.* and then", "Smith *et
# al.* found", "pages 3 *ff.* are"), and a number's label before its number ("See *No.* 5",
# "in *Vol.* 3", "*fig.* 4").
LIST_ENDS = frozenset("etc al ff".split())
NUMBER_LABELS = frozenset("""
no nos vol vols fig figs eq eqs p pp ch chap sec art para approx ca nr pt
""".split())
# Labels that are words or initialisms too: one only as written with a capital ("See *Art.*
# 5"; not "She studied art. 20 years later", "He moved to CA. 2 years later").
WORDLIKE_LABELS = frozenset("no nos sec art ca pt".split())
# Abbreviations inside a sentence, before a lowercase word or a number ("3 *lbs.* of rice",
# "10 *min.* before", "Oak *Ave.* near", "the *dept.* head", "6 *ft.* tall"); a day's or a
# month's only as written with a capital ("*Mon.* through Fri.", not "in the sun. then").
IN_SENTENCE = frozenset("""
ave apt blvd rd hwy lbs lb oz min mins secs hr hrs yd yds mi km kg cm mm ft sq temp dept
depts govt corp inc ltd co bros assn univ est misc
""".split())
DAYS_AND_MONTHS = frozenset("""
mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul aug sep sept oct nov dec
""".split())
ABBREVIATION_AT_END = re.compile(r"(?<![\w.])([A-Za-z]+)\.[\s\"'”)\]]*$")
# A quotation that ends in "?" or "!" (or ","), then its speech tag: "\"Stop!\" she shouted."
QUOTATION_AT_END = re.compile(r"[?!,][\"'”’]\s*$")
OPENING_QUOTE = re.compile(r"\s([\"“])$")


def _runs_on(before: str, after: str) -> bool:
    """Whether the sentence ``after`` is the rest of ``before``, which spaCy's sentencizer
    ended too early: at a title written with a capital or, before capitals, in capitals
    (NEVER_FINAL: "*Capt.* Hook", "*DR.* BROWN"; not a street's "St."/"Dr." before one of
    SENTENCE_OPENERS: ``names.street_abbreviation``), at one
    of LIST_ENDS before a lowercase letter or a digit ("al" only after "et"), at one of
    IN_SENTENCE before a lowercase letter, at one of DAYS_AND_MONTHS (with a capital) before
    either, at one of NUMBER_LABELS before a digit (WORDLIKE_LABELS only with a capital:
    "No. 5"), or at a quotation's "?" or "!" before its lowercase speech tag ("\"Where are
    you going?\" he asked.")."""
    first = after.lstrip()[:1]
    if not first:
        return False
    if first.islower() and QUOTATION_AT_END.search(before.rstrip()):
        return True
    found = ABBREVIATION_AT_END.search(before)
    if found is None:
        return False
    written = found.group(1)
    word = written.lower()
    title_case = written == written.capitalize()
    opener = after.split(maxsplit=1)[0].strip("\"'“")
    previous = before[:found.start(1)].split()
    if opener in SENTENCE_OPENERS and previous and street_abbreviation(previous[-1], written):
        return False  # "Turn onto Elm *St.* Then go left": a street's, ending the sentence
    if f"{word}." in NEVER_FINAL and (title_case or written.isupper() and opener.isupper()):
        return True  # "Capt. Hook", "DR. BROWN WILL SEE YOU"; not "6 ft. He is tall."
    if word in WORDLIKE_LABELS and not title_case:  # "The answer is no. 5 came."
        return False
    if word == "al" and not before.rstrip().endswith(("et al.", "et al.\"")):
        return False  # "I met Al. he was nice."
    lower_or_digit = first.islower() or first.isdigit()
    return (word in LIST_ENDS and lower_or_digit or word in IN_SENTENCE and first.islower()
            or word in DAYS_AND_MONTHS and title_case and lower_or_digit
            or word in NUMBER_LABELS and first.isdigit())


def _street(doc, token) -> bool:
    """Whether spaCy's ``token`` is "St." or "Dr." after a capitalized word: a street's or
    a drive's ("Elm *St.*", "Main *St.* It is quiet"), not a title
    (``names.street_abbreviation``)."""
    return token.i > 0 and street_abbreviation(doc[token.i - 1].text, token.text)


def _abbreviation_ends(doc) -> list[int]:
    """Character offsets in spaCy ``doc`` where a sentence starts after an abbreviation that
    ends one: SENTENCE_OPENERS next, past white space (a line break, two spaces), the
    abbreviation not one of NEVER_FINAL (but a street's "St.": :func:`_street`)."""
    cuts = []
    for token in doc:
        if len(token.text) < 2 or not token.text.endswith(".") or \
                token.text.lower() in NEVER_FINAL and not _street(doc, token):
            continue
        nxt = token.i + 1
        while nxt < len(doc) and doc[nxt].is_space:
            nxt += 1
        spaced = bool(token.whitespace_) or nxt > token.i + 1
        if spaced and nxt < len(doc) and doc[nxt].text in SENTENCE_OPENERS and \
                not doc[nxt].is_sent_start:
            cuts.append(doc[nxt].idx)
    return cuts


def split_sentences(text: str) -> list[str]:
    """``text``'s sentences (see :func:`sentence_spans`), each stripped."""
    return [text[begin:end] for begin, end in sentence_spans(text)]


def content_spans(index: SenseIndex, words: list[str]) -> list[tuple[int, int, list]]:
    """(start, end, [(lemma, POS), ...]) of every content word or known multiword, found
    greedily without context (longest first): what needs WordNet vectors before tagging.
    :func:`tag_words` decides between a multiword and its single words from context. A
    stem before "n't" is read as its modal, an auxiliary: no span (:func:`clitic_stems`)."""
    written, words = words, clitic_stems(words)
    spans, start = [], 0
    while start < len(words):
        for length in range(MAX_MULTIWORD, 0, -1):
            end = start + length
            if end > len(words):
                continue
            piece = words[start:end]
            if length == 1 and (piece[0].lower() in STOPWORDS | LIGHT_VERBS or
                                piece[0] != written[start] or
                                not any(c.isalpha() for c in piece[0])):
                break
            if length > 1 and not all(any(c.isalpha() for c in w) for w in piece):
                continue
            pairs = index.inventory.lemmatize(" ".join(piece))
            if length == 1 and pairs and _only_initialisms(index, piece[0], pairs):
                break
            if pairs and (length == 1 or any("_" in lemma for lemma, _ in pairs)):
                if length > 1:
                    pairs = [(lemma, pos) for lemma, pos in pairs if "_" in lemma]
                spans.append((start, end, pairs))
                start = end - 1
                break
        start += 1
    return spans


def _best_tag(tags: np.ndarray, at: int) -> str:
    """The POS head's most probable tag of word ``at`` (``tags``: (n_words, n_tags)
    log-probabilities, columns in ``pos_head.TAGS`` order)."""
    return TAGS[int(np.argmax(tags[at]))]


# The POS head's probability of X (interjections, foreign words) above which a word is no
# content word in ``tag``: SemCor tags "yes", "okay", "hello" X where it leaves them
# unannotated (86 of 101 "yes"), and the head gives "Yes," at the start X 1.00.
INTERJECTION_PROBABILITY = 0.9


def _interjection(tags: np.ndarray | None, at: int) -> bool:
    """Whether the POS head tags word ``at`` X (an interjection or a foreign word) with a
    probability of INTERJECTION_PROBABILITY or more; False without a head."""
    return tags is not None and float(np.exp(tags[at][TAGS.index("X")])) >= \
        INTERJECTION_PROBABILITY


# Words that open a sentence before a comma as discourse markers, which SemCor leaves
# unannotated there ("*So*, what's new?": 1 of 18 annotated; well 0 of 30, yes 0 of 19, no 1
# of 20, oh 0 of 13, why 0 of 11); "*Now*, ..." (16 of 35) and "*However*, ..." (54 of 113)
# are read as before.
DISCOURSE_MARKERS = frozenset("so well yes no oh why okay ok".split())


def _discourse_marker(words: list[str], at: int) -> bool:
    """Whether ``words[at]`` is one of DISCOURSE_MARKERS first in its sentence (past an
    opening quotation mark and other such markers: "Oh *well*, maybe next time") with a
    comma after it."""
    return (words[at].lower() in DISCOURSE_MARKERS and at + 1 < len(words)
            and words[at + 1] == "," and all(not any(c.isalnum() for c in w)
                                             or w.lower() in DISCOURSE_MARKERS
                                             for w in words[:at]))


# "so" opening a clause is the conjunction ("I was tired, *so* I went to bed", "*So* we left
# early"): SemCor leaves 214 of 247 such "so"s unannotated (first in the sentence or after
# , ; : and but, before a word it tags PRON, VERB, NOUN, DET, CONJ, PRT or punctuation);
# the head's ADV made them "to a very great extent". Not before an auxiliary that inverts
# ("*so* do I", "*so* was he": "likewise", annotated), nor before an adjective or adverb
# ("*so* tired", "*so* much": the degree).
SO_CLAUSE_AFTER = frozenset(", ; : and but".split())
SO_CONJUNCTION_BEFORE = frozenset({"PRON", "VERB", "NOUN", "DET", "CONJ", "PRT"})
# Adverbs that open the clause after such a "so" (", *so* please check", ", so maybe we"),
# where an adverb after it is otherwise its degree's ("*so* much", "*so* far").
CLAUSE_ADVERBS = frozenset("please maybe perhaps then now hopefully".split())


def _clause_so(words: list[str], at: int, best: list[str] | None) -> bool:
    """Whether ``words[at]`` is "so" opening a clause as a conjunction (SO_CLAUSE_AFTER,
    SO_CONJUNCTION_BEFORE or CLAUSE_ADVERBS, the POS head's ``best`` tags; a finite
    auxiliary next only when negated: "*so* don't be late", not "*so* do I"), or before a
    subject pronoun anywhere
    but after "or" ("closed *so* we went home"; SemCor: 44 of 58 unannotated, the others
    mostly "in order that")."""
    if best is None or words[at].lower() != "so":
        return False
    nxt = at + 1
    if at and words[at - 1].lower() != "or" and nxt < len(words) and \
            words[nxt].lower() in SUBJECT_PRONOUNS:
        return True  # "The store was closed *so* we went home" (not "or *so* he thought")
    if at and words[at - 1].lower() not in SO_CLAUSE_AFTER and any(
            c.isalnum() for w in words[:at] for c in w):
        return False
    if _clause_ends(words, nxt):
        return True  # "and *so*, ..."
    if words[nxt].lower() in AUXILIARY_FORMS and (
            nxt + 1 >= len(words) or words[nxt + 1].lower() not in NEGATIONS):
        return False
    return best[nxt] in SO_CONJUNCTION_BEFORE or words[nxt].lower() in CLAUSE_ADVERBS


# "going to" and a verb is the future, an auxiliary: SemCor leaves 147 of 153 such "going"s
# unannotated ("I'm *going* to call her"), and "going to" ending its clause is too ("I'm not
# *going* to."); "going to the store" is go, and so is going to one of the places English
# names without an article, which MiniLM's head may tag VERB ("going to *bed*", "to *court*").
BARE_DESTINATIONS = frozenset("""
bed school church work court market camp college class jail prison sea war town hospital
university lunch dinner breakfast trial press waste pieces seed hell heaven mass sleep
""".split())
def future_going(words: list[str], at: int, tags: np.ndarray | None) -> bool:
    """Whether ``words[at]`` is the future's "going": before "to" and a word the POS head
    tags VERB (``tags``: the sentence's (n_words, 12) log-probabilities; None: False)."""
    return tags is not None and _future_going(words, at, _best_tags(tags))


def _future_going(words: list[str], at: int, best: list[str] | None) -> bool:
    """Whether ``words[at]`` is "going" before "to" and a word the POS head (``best``) tags
    VERB, past adverbs ("*going* to really like it"; not one of BARE_DESTINATIONS: "going
    to bed"), or before "to" ending its clause ("I'm not *going* to.")."""
    if best is None or words[at].lower() != "going" or at + 1 >= len(words) or \
            words[at + 1].lower() != "to":
        return False
    nxt = at + 2
    if _clause_ends(words, nxt):
        return True
    while nxt < len(words) and best[nxt] == "ADV":
        nxt += 1
    return nxt < len(words) and best[nxt] == "VERB" and \
        words[nxt].lower() not in BARE_DESTINATIONS


def _best_tags(tags: np.ndarray) -> list[str]:
    """:func:`_best_tag` of every word of the sentence."""
    return [TAGS[int(i)] for i in np.argmax(tags, axis=1)]


def _ends_a_clause(words: list[str], at: int) -> bool:
    """Whether ``words[at]`` is the last word of its clause, past "not" and "n't": the end of
    the sentence or punctuation next. A modal there is an auxiliary whose verb is left out
    ("Of course I *will*.", "Yes, we *can*!", "He said he *would*, but"), not "decree" or
    "preserve in a can"."""
    return _clause_ends(words, _past_negations(words, at + 1))


def _past_negations(words: list[str], nxt: int) -> int:
    """The first position from ``nxt`` on that is not "not", "n't" or "never"."""
    while nxt < len(words) and words[nxt].lower() in NEGATIONS:
        nxt += 1
    return nxt


def _clause_ends(words: list[str], at: int) -> bool:
    """Whether the clause has ended by ``words[at]``: the sentence's end or punctuation."""
    return at == len(words) or not any(c.isalnum() for c in words[at])


# Where a modal's verb is left out (:func:`_verb_left_out`): a conjunction next ("I *can* and
# I will"), or a subject pronoun and then the clause's end ("Neither *can* I", "Nor *will*
# she.").
ELLIPSIS_CONJUNCTIONS = frozenset("and or but if because though although unless so".split())
SUBJECT_PRONOUNS = frozenset("i you he she it we they".split())
# Words the POS head may tag ADP before a modal that is still a modal ("as *can* be seen",
# "more than *can* be said", "the fact that *will* matter"): after any other preposition
# the word is a noun ("by *will*", "at *will*").
MODAL_AFTER_ADP = CLAUSE_WORDS | {"as", "than", "for"}


def _verb_left_out(words: list[str], at: int) -> bool:
    """Whether the modal at ``words[at]`` has its verb left out: :func:`_ends_a_clause`, or,
    past "not" and "n't", a conjunction next (ELLIPSIS_CONJUNCTIONS: "I *can* and I will",
    "I *will* if you will") or a subject pronoun that ends the clause ("Neither *can* I",
    "Nor *will* she."): the auxiliary, not "preserve in a can" or "decree"."""
    def ends(nxt: int) -> bool:  # the end, punctuation or a conjunction
        return _clause_ends(words, nxt) or words[nxt].lower() in ELLIPSIS_CONJUNCTIONS

    nxt = _past_negations(words, at + 1)
    return ends(nxt) or (words[nxt].lower() in SUBJECT_PRONOUNS and ends(nxt + 1))


# do standing for a verb left out ("So *do* I", "Yes, I *do*", "as we *did*"): its forms
# (pos_head.DO_FORMS), the words that invert it, and what before a subject shows the do is
# the main verb after all ("what *could* he do?", "*this* he did", "what they *did*": an
# object moved before it).
# Spoken forms of "going to" and "got to" after be and have: those are then auxiliaries
# ("I*'m* gonna go", "I*'ve* gotta run"), as before "going to" and "got to" written out.
INFORMAL_AUXILIARY_VERBS = frozenset({"gonna", "gotta"})
# Finite auxiliaries: reached past a comma, one opens a new clause ("Whatever you *do*, don't
# panic"), where "been" past one does not ("She *had*, in fact, been there").
AUXILIARY_FORMS = MODALS | DO_FORMS | frozenset("am is are was were have has had".split())
INVERTING = frozenset("so neither nor".split())
OBJECT_BEFORE = MODALS | DO_FORMS | {"this", "what", "whatever"}
# What before the subject makes it a relative clause whose object is that word ("all I *do*",
# "the work you *do*", "something I *did*"): a word the POS head tags NOUN, or one of these.
RELATIVE_HEADS = frozenset("all everything something anything nothing".split())
# Words after such a do before the clause ends ("I *did* too"), and between its subject and
# it ("I really *do*", "We all *did*"; with the POS head, any word it tags ADV).
ALSO_AFTER = frozenset("too either".split())
OBJECT_PRONOUNS = frozenset({"you", "it"})
# Punctuation after which a question's auxiliary opens a sentence (not "," or ")", after
# which a clause resumes), and the tags of a wh-phrase's words ("*how much* does", "*what
# kind of music* do").
QUESTION_OPENERS = frozenset(""". ! ? : ; " `` “ ( [ -- —""".split())
WH_PHRASE_TAGS = frozenset({"ADJ", "ADV", "NOUN", "DET", "NUM", "ADP"})
QUESTION_AUXILIARIES = DO_FORMS | frozenset("have has had".split())
# Finite be inverted the same way ("Where *was* the body found?"): the auxiliary only where its
# participle ends the question (:func:`_question_ends_after`; "*Is* the man sitting there
# your father?" is the copula).
BE_FINITE = frozenset("am is are was were".split())
# ... and only where the POS head is this sure the participle is a verb: one it doubts may be
# an adjective after the copula ("Are the results *surprising*?": VERB 0.68, "Was the evening
# *relaxing*?" 0.46; "Are the kids *sleeping*?" 0.99, "Is the baby *crying*?" 0.85, "Were the
# documents *signed*?" 0.94: MiniLM's head on a tester's questions).
BE_PARTICIPLE_PROBABILITY = 0.8
OBJECT_PHRASE_TAGS = frozenset({"DET", "PRON", "ADJ", "NUM", "NOUN"})
# Determiners that open have's object rather than an inverted subject after so/neither/nor
# ("Neither *had* any experience").
OBJECT_DETERMINERS = frozenset("a an any no some enough much many more little few".split())
# The longest noun phrase read as an inverted auxiliary's subject ("Nor did *the other two
# boys*", "Did *the old train* leave?"), and the longest wh-phrase before one ("*How much*
# does it cost?").
MAX_NOUN_SUBJECT = 4
# ... and with a prepositional phrase after its noun ("How much does *a ticket to Paris*
# cost?", "Has *the price of gas* risen?")
MAX_SUBJECT_WITH_PHRASE = 7
# A possessive's ending inside a subject ("Does your sister*'s* dog bite?"): the tokenizer's
# clitic, which the POS head tags PRT.
POSSESSIVE_ENDINGS = frozenset({"'s", "\u2019s", "'", "\u2019"})
MAX_WH_PHRASE = 3
# Adverbs that invert a statement when they open it ("*Rarely* does the sun shine here").
NEGATIVE_OPENERS = frozenset("never rarely seldom hardly scarcely nowhere".split())
BETWEEN_SUBJECT_AND_DO = frozenset("""
all both really certainly never always also just still actually sure indeed
""".split())


def _pro_form_do(words: list[str], at: int, best: list[str] | None = None) -> bool:
    """Whether the do, does or did at ``words[at]`` stands for a verb left out: after
    so/neither/nor with a subject pronoun and then the clause's end or a conjunction ("So
    *do* I", "Neither *did* she"), or after a subject pronoun at the clause's end ("Yes, I
    *do*", "as we *did*, the others"), unless a modal, a do or an object stands before the
    pronoun ("what could he *do*?", "this he *did*") or "what" earlier in the clause ("what
    they *did*"), or a noun the clause describes ("the work you *do*", "all I *did*": the
    head's tags ``best``, or RELATIVE_HEADS; not "of course they *do*"). SemCor and
    SemEval-2007 annotate 6 of the 104 dos this reads as such without the tags (98 not:
    do-support, which they leave out), "the last one we *did*" and "the more canvassing I
    *do*" among them, which the nouns before them now keep. Also a short question or a
    question tag ("*Did* you?", "..., *do* you?"; not the imperative "*Do* it."), a word
    between the subject and it ("I really *do*", "We all *did*") and "too"/"either" after it
    ("I *did* too"): 129 unannotated and the same 6 annotated over both corpora."""
    lower = [w.lower() for w in words]
    if lower[at] not in DO_FORMS:
        return False

    if at == 0 or _clause_ends(words, at - 1) or lower[at - 1] in INVERTING:
        # "So *do* I", and a short question or a question tag: "*Did* you?", ", *do* you?";
        # not the imperative "*Do* it." ("you" and "it" are objects too: a "?" must end it)
        nxt = _past_negations(words, at + 1)
        if at and lower[at - 1] in INVERTING and _noun_subject_ends(words, nxt, best) \
                and (lower[at] != "do" or lower[at - 1] != "so"):
            return True  # "So *does* my brother", "Nor *do* the others" ("So do your work.")
        if nxt >= len(words) or lower[nxt] not in SUBJECT_PRONOUNS or not _left_out_ends(
                words, nxt + 1):
            return False
        if at and not _clause_ends(words, at - 1):  # after so/neither/nor
            return True
        return lower[nxt] not in OBJECT_PRONOUNS or "?" in words[nxt + 1:nxt + 3]
    subject = at - 1
    if subject >= 1 and (lower[subject] in BETWEEN_SUBJECT_AND_DO or best is not None
                         and best[subject] == "ADV"):
        subject -= 1  # "I really *do*", "We all *did*"
    if lower[subject] not in SUBJECT_PRONOUNS or not _left_out_ends(
            words, _past_negations(words, at + 1)):
        return False
    if subject >= 1 and lower[subject - 1] in OBJECT_BEFORE:
        return False
    if subject >= 1 and (lower[subject - 1] in RELATIVE_HEADS or best is not None and
                         best[subject - 1] == "NOUN" and
                         lower[subject - 2:subject] != ["of", "course"]):
        return False
    before = subject - 1
    while before >= 0 and not _clause_ends(words, before):
        if lower[before] in ("what", "whatever"):
            return False
        before -= 1
    return True


def _pro_form_have(words: list[str], at: int, best: list[str]) -> bool:
    """Whether the have, has or had at ``words[at]`` stands for a verb left out after
    so/neither/nor, its subject a pronoun or a noun phrase and then the clause's end or a
    conjunction ("So *have* I.", "Neither *has* she", "So *have* the others."), as
    :func:`_pro_form_do` reads do there: the auxiliary ("So *have* a look." is no
    inversion: no subject ends it; nor is a noun phrase opening with one of
    OBJECT_DETERMINERS: SemCor's "Neither *had* any publishing experience, but" is the main
    verb, neither its subject)."""
    lower = words[at].lower()
    if lower not in QUESTION_AUXILIARIES - DO_FORMS or not at or \
            words[at - 1].lower() not in INVERTING:
        return False

    subject = _past_negations(words, at + 1)
    if subject < len(words) and words[subject].lower() in OBJECT_DETERMINERS:
        return False  # "Neither *had* any experience, but": had's object
    return _noun_subject_ends(words, subject, best)


#: Quantifiers floated after a pronoun subject: "Can *you all* review the logs?" (its modal
#: was read as the verb "can", preserve in a can; a fresh tester's).
PRONOUN_QUANTIFIERS = frozenset("all both each".split())
#: A demonstrative standing alone as a subject ("Can *this* be fixed?", "Can *that* wait?")
#: and the quantifiers heading a partitive one ("Can *all* of you come?", "Can *one* of you
#: help?"): a tester's modal questions still read as the verbs can and will.
DEMONSTRATIVES = frozenset("this that these those".split())
#: Coordinators joining a subject's noun phrases ("Can *John and Mary* come?", "Do *you or
#: your sister* drive?"): a tester's modal question read can as "preserve in a can".
COORDINATORS = frozenset("and or".split())
PARTITIVES = frozenset("all any some each one none most many few several both".split())


def _subject_ends(words: list[str], at: int, best: list[str]) -> list[int]:
    """The ends of the noun phrases that may be a subject opening at ``words[at]``: at most
    MAX_NOUN_SUBJECT words, each tagged NOUN_PHRASE_TAGS or ADJ by the POS head (``best``),
    none a clause word (but a first one the head tags DET: "*that* seat"), the last a noun
    (or a pronoun standing alone: "the only man *who*" is no subject, "*your* brother" is
    one), a possessive's ending no end ("your sister's dog"); or, up to
    MAX_SUBJECT_WITH_PHRASE words, such a noun phrase and a prepositional phrase after its
    noun ("a ticket to Paris", "all of *you*"); a pronoun with one of PRONOUN_QUANTIFIERS
    after it ("*you all*", "*we both*"), a demonstrative alone ("*this*", whatever the head
    tags it: "Does *that* matter?"), one of PARTITIVES or a number before "of" ("*all* of
    you", "the *two* of you") are ones too; and noun phrases joined by one of COORDINATORS,
    each within MAX_NOUN_SUBJECT words ("*John and Mary*", "*you and your sister*")."""
    ends: list[int] = []
    phrase = False  # past the preposition of a prepositional phrase after the noun
    start = at  # where the last conjunct opened ("John and *Mary*")
    for end in range(at + 1, min(len(words), at + MAX_SUBJECT_WITH_PHRASE) + 1):
        word, tag = words[end - 1].lower(), best[end - 1]
        if end - 1 == at and word in DEMONSTRATIVES and tag not in NOUN_PHRASE_TAGS:
            ends.append(end)  # "Does *that* matter?": the head tags it ADP, a complementizer
            continue
        if word in COORDINATORS and not phrase and ends and ends[-1] == end - 1 and \
                end < len(words):
            start = end  # "Can *John and Mary* come?": a second conjunct follows
            continue
        if word in CLAUSE_WORDS and not (end - 1 == start and tag == "DET"):
            break  # "the only man *who*"; not the determiner "*that* seat"
        if (tag == "ADP" or word == "to") and not phrase and ends and ends[-1] == end - 1:
            phrase = True  # "a ticket *to* Paris", "the price *of* gas"
            continue
        if word in POSSESSIVE_ENDINGS and ends and ends[-1] == end - 1:
            ends.pop()  # "your sister*'s* dog": the noun phrase goes on
            continue
        if tag not in NOUN_PHRASE_TAGS and tag != "ADJ" or \
                not phrase and end - start > MAX_NOUN_SUBJECT:
            break
        if tag == "NOUN" or tag == "PRON" and (end == start + 1 or phrase) or (
                word in PRONOUN_QUANTIFIERS and end == at + 2 and best[at] == "PRON") or (
                end == at + 1 and (word in DEMONSTRATIVES or word in PARTITIVES and
                                   words[end:end + 1] == ["of"])) or (
                tag == "NUM" and not phrase and words[end:end + 1] == ["of"]):
            ends.append(end)  # "Can *you all* review", "Can *this* be", "Can *all of you*"
    return ends


def _noun_subject_ends(words: list[str], at: int, best: list[str] | None) -> bool:
    """Whether a subject noun phrase (:func:`_subject_ends`) opens at ``words[at]`` and the
    clause ends right after it (:func:`_left_out_ends`): the subject of an inverted do or
    have ("So does *my brother*."). Without the POS head's tags ``best``, False."""
    return best is not None and any(_left_out_ends(words, end)
                                    for end in _subject_ends(words, at, best))


def _left_out_ends(words: list[str], nxt: int) -> bool:
    """Whether the clause of a do or have standing for a left-out verb ends at ``words[nxt]``,
    past "too"/"either" ("I *did* too."): the sentence's end, punctuation or a conjunction
    (ELLIPSIS_CONJUNCTIONS)."""
    while nxt < len(words) and words[nxt].lower() in ALSO_AFTER:
        nxt += 1
    return _clause_ends(words, nxt) or words[nxt].lower() in ELLIPSIS_CONJUNCTIONS


def _inverted(words: list[str], at: int, best: list[str]) -> bool:
    """Whether ``words[at]``, a finite do, have or be or a modal (QUESTION_AUXILIARIES,
    BE_FINITE, MODALS: "*Can* the team review it?"; not "*Doing* the laundry takes
    forever"; be's verb must also end the question: :func:`_question_ends_after`) in a
    sentence that ends in a question mark ("*Do* the things people love.", "*Have* the car
    washed." are imperatives), stands where a question or an inversion puts it (a statement
    opening with a negative adverb too: :func:`_after_negative_opener`): first in its sentence
    or after a sentence's punctuation (QUESTION_OPENERS: "*Did* the train leave?", "Tell me:
    *did* it?"; not after a comma or a bracket, where a clause resumes: "The man, who left,
    *has* a car washed weekly?", but a modal after a comma: "Sorry, *could* you repeat it?",
    whose subject and verb after it are checked as at a sentence's start), after so/neither/nor
    ("Nor *did* the boys eat?"), or after a wh-word that opens the clause with at most
    MAX_WH_PHRASE words of its phrase between (the POS head's ``best`` tags: WH_PHRASE_TAGS;
    "What *do* cats eat?", "How much *does* the car cost?"; not "which must *have*")."""
    if words[at].lower() not in QUESTION_AUXILIARIES | BE_FINITE | MODALS:
        return False  # "*Doing* the laundry takes forever"
    if _after_negative_opener(words, at):
        return True  # "Rarely *does* the sun shine here."
    if "?" not in words[at + 1:]:
        return False  # "*Have* the car washed."
    if at == 0 or words[at - 1] in QUESTION_OPENERS or words[at - 1].lower() in INVERTING:
        return True
    if words[at - 1] == "," and words[at].lower() in MODALS:
        return True  # "If it rains, *can* we stay in?", "The printer is jammed, *can* someone"
    for start in range(at - 1, max(-1, at - 2 - MAX_WH_PHRASE), -1):
        if _clause_ends(words, start):
            return False
        if words[start].lower() in WH_WORDS:
            return start == 0 or _clause_ends(words, start - 1)
        if best[start] not in WH_PHRASE_TAGS:
            return False
    return False


def _after_negative_opener(words: list[str], at: int) -> bool:
    """Whether the sentence opens with a negative or restrictive adverb (NEGATIVE_OPENERS:
    never, rarely, seldom, hardly, scarcely, nowhere; "only" and at most MAX_WH_PHRASE words
    after it) right before ``words[at]``: the inversion of a statement ("*Never* have the
    people suffered so", "*Only then* did the soldiers retreat")."""
    first = next((n for n, w in enumerate(words) if any(c.isalnum() for c in w)), None)
    if first is None or first >= at or any(w == "," for w in words[first:at]):
        return False
    opener = words[first].lower()
    return (opener in NEGATIVE_OPENERS and at == first + 1
            or opener == "only" and at - first <= 1 + MAX_WH_PHRASE)


def _verb_after_subject(words: list[str], at: int, best: list[str],
                        is_verb: Callable[[int], bool],
                        lemmas: Callable[[int], frozenset[str]],
                        be: Callable[[int], bool] | None = None) -> bool:
    """Whether a subject noun phrase (:func:`_subject_ends`) opens at ``words[at]`` with a
    verb right after it, past adverbs and negations but no comma and not past "to" ("*had*
    time to turn"): the subject of an inverted auxiliary ("Did *the train* leave?"; not
    "Have *some cake*, take a seat"). After have the verb is no bare infinitive (its
    ``lemmas`` are no more than the word itself: "*Have* the class lie down?" is the
    causative have, "Has the company *found* a buyer?" the participle of find, and so is one
    written as its base: BASE_PARTICIPLES, "Has the mail *come*?"); after be the
    verb passes ``be`` and ends the question (:func:`_question_ends_after`) and is no bare
    infinitive either ("Is the store *open*?" is the copula)."""
    for end in _subject_ends(words, at, best):
        nxt = end
        while nxt < len(words) and (best[nxt] in ("ADV", "PRT") or words[nxt].lower() in
                                    NEGATIONS) and words[nxt].lower() != "to":
            nxt += 1
        form = words[nxt].lower()
        if is_verb(nxt) and (lemmas(nxt) != {form} or form in BASE_PARTICIPLES) and (
                be is None or be(nxt) and _question_ends_after(words, nxt, best)):
            return True
    return False


def _question_ends_after(words: list[str], at: int, best: list[str]) -> bool:
    """Whether only adverbs, particles and prepositional phrases (the POS head's ``best``
    tags) stand between the verb at ``words[at]`` and the clause's end: an inverted be's
    participle ("Where was the body *found*?", "Was the letter *sent* to my sister
    yesterday?", "Is the car being *repaired*?"; an -ing participle's object or complement
    first: "Are the kids *eating* dinner?", "Is the soup *getting* cold?"), not a participle
    describing the subject
    before be's complement ("Is the man *sitting* there your father?", "... *sitting* in the
    corner your father?": a noun phrase outside a prepositional phrase, or a second one
    after its noun)."""
    if words[at].lower() in ("being", "been") and at + 1 < len(words) and \
            best[at + 1] == "VERB":
        at += 1  # "Is the car being *repaired*?"
    start = at + 1
    if words[at].lower().endswith("ing"):  # the progressive's object: "reading *a book*"
        while start < len(words) and best[start] in OBJECT_PHRASE_TAGS and \
                words[start].lower() not in CLAUSE_WORDS and (
                    best[start] == "NOUN" or best[start - 1] != "NOUN"):
            start += 1  # one noun phrase: "a book *your* father" is a second
    phrase = None  # outside a prepositional phrase; else whether its noun has come
    for nxt in range(start, len(words)):
        if _clause_ends(words, nxt):
            break
        word, tag = words[nxt], best[nxt]
        if tag == "ADP" and word.lower() not in CLAUSE_WORDS or word.lower() == "to":
            phrase = False  # "to" the head tags PRT: "sent *to* my sister"
        elif tag in ("ADV", "PRT") or word.lower() in NEGATIONS:
            continue
        elif phrase is None or tag not in ("NOUN", "DET", "PRON", "NUM", "ADJ") or (
                phrase and tag != "NOUN"):
            return False
        elif tag == "NOUN":
            phrase = True
    return True


def _modal_idiom(words: list[str], at: int, best: list[str]) -> bool:
    """Whether ``words[at]`` is the had/'d of "had better", "'d rather" (MODAL_IDIOM_FORMS,
    MODAL_IDIOM_WORDS) with a verb after it, past negations, or nothing ("You'd better!"):
    "You'd better call", not "He had better grades" (``best``: the POS head's best tags)."""
    if (words[at].lower() not in MODAL_IDIOM_FORMS or at + 1 >= len(words)
            or words[at + 1].lower() not in MODAL_IDIOM_WORDS):
        return False
    nxt = _past_negations(words, at + 2)
    return _clause_ends(words, nxt) or best[nxt] == "VERB"


def is_main_verb(words: list[str], at: int, tags: np.ndarray | None,
                 inventory: WordNet | None = None) -> bool:
    """Whether the form of be/have/do at ``words[at]`` is a main verb, from the POS head's
    tags of the sentence ((n_words, 12) log-probabilities; the head has no AUX tag): it is
    an auxiliary when the next word, past adverbs and particles ("not", "never"), is a verb
    (a participle or infinitive: "has gone", "did not go", "is running"), or is a pronoun
    followed by a verb ("Do you like it?"; not past a comma: "They *were*, I felt,
    friends"), or, where a question or an inversion puts it (:func:`_inverted`), is a noun
    phrase followed by a verb (:func:`_verb_after_subject`: "Did the train leave?", "What
    do cats eat?"; "She *had* the car washed" is no question), or is a short prepositional
    phrase followed by a verb ("will of course help": at least one word after the
    preposition, none a clause word or comma: MAX_ADVERBIAL,
    ADVERBIAL; "was like being drowned", "is by symbols that the mind speaks" are the
    copula), or, with ``inventory``, an adverb WordNet writes in words followed by a verb
    ("does by and large agree"), or is the had of "had better" (:func:`_modal_idiom`), or
    a do that stands for a verb left out (:func:`_pro_form_do`: "So *do* I"), or is
    followed by "gonna" or "gotta" (INFORMAL_AUXILIARY_VERBS: "I'm gonna go").
    The adverbs stop at a clause word, which opens no adverbial phrase either ("The problem
    *is* that nobody cares"), and, after be or do, at "to": "*is* to be commended",
    "*was* how to blend them", "*was* when they were talking" are main verbs; "*had* to
    leave" is the modal have to, which SemCor leaves unannotated (16 of 477).
    With ``inventory``, a word the head tags VERB counts as a verb only where WordNet has
    a verb of its form ("will be *available*", "are *outmoded*": adjectives the head may
    tag VERB after be; SemCor annotates 89-95% of be before an adjective as the main
    verb). Without a head, never a main verb (as before)."""
    if tags is None or _best_tag(tags, at) != "VERB":
        return False
    best = _best_tags(tags)
    if _modal_idiom(words, at, best) or _pro_form_do(words, at, best) or _pro_form_have(
            words, at, best):
        return False

    def adverb_words(nxt: int) -> int:  # an adverb WordNet writes in words: "by and large"
        if inventory is not None:
            for length in range(MAX_MULTIWORD, 1, -1):
                piece = words[nxt:nxt + length]
                if len(piece) == length and any("_" in lemma for lemma, _ in
                                                inventory.lemmatize(" ".join(piece), "ADV")):
                    return length
        return 0

    def past_adverbs(nxt: int) -> int:  # adverbs (also in words), particles, negations, commas
        while nxt < len(words) and words[nxt].lower() not in stops:
            if length := adverb_words(nxt):  # first: "by" of "by and large" is an adverb too
                nxt += length
            elif best[nxt] in ("ADV", "PRT") or words[nxt] == "," or \
                    words[nxt].lower() in NEGATIONS:
                nxt += 1
            else:
                break
        return nxt

    @functools.cache
    def verb_lemmas(nxt: int) -> frozenset[str]:  # WordNet's verb lemmas of words[nxt]
        return frozenset(lemma for lemma, _ in inventory.lemmatize(words[nxt], "VERB")) \
            if inventory is not None else frozenset()

    def is_verb(nxt: int) -> bool:  # tagged VERB, and a verb WordNet knows ("available" not)
        if nxt >= len(words) or best[nxt] != "VERB":
            return False
        if "," in words[at + 1:nxt] and words[nxt].lower() in AUXILIARY_FORMS:
            return False  # past a comma, a new clause: "Whatever you *do*, don't panic"
        if inventory is None:
            return True
        lemmas = verb_lemmas(nxt)
        # after do, the bare infinitive: "Nothing I *do* matters" is the main verb
        return bool(lemmas) and (not do or words[nxt].lower() in lemmas)

    do = words[at].lower() in DO_FORMS
    modal = words[at].lower() in MODALS  # a bare infinitive after its subject, as after do
    # "had to go": have to, the modal, which SemCor does not annotate (16 of 477)
    stops = CLAUSE_WORDS if words[at].lower() in HAVE_FORMS else INFINITIVE_OR_CLAUSE
    nxt = past_adverbs(at + 1)
    if nxt < len(words) and words[nxt].lower() in INFORMAL_AUXILIARY_VERBS:
        return False  # "I'm *gonna* go", "I've *gotta* run": going to, got to
    # an adverbial phrase between ("will of course help", "had, in fact, left"); a clause
    # word opens no such phrase ("The problem *is* that nobody cares": the copula)
    if nxt < len(words) and best[nxt] == "ADP" and words[nxt].lower() not in stops:
        phrase, last = nxt + 1, min(len(words), nxt + 1 + MAX_ADVERBIAL)
        while phrase < last and best[phrase] in ADVERBIAL and \
                words[phrase].lower() not in CLAUSE_WORDS:
            phrase += 1
        if phrase > nxt + 1 and is_verb(past_adverbs(phrase)):
            return False
    if nxt < len(words) and best[nxt] == "PRON" and "," not in words[at + 1:nxt] and \
            is_verb(nxt + 1):
        return False  # "Do *you* like it?"
    # after have, no bare infinitive (:func:`_verb_after_subject`); after do, is_verb's
    def sure_participle(nxt: int) -> bool:  # "Are the results *surprising*?" may be the copula
        return tag_probability(tags[nxt], "VERB") >= BE_PARTICIPLE_PROBABILITY

    if _inverted(words, at, best) and "," not in words[at + 1:nxt] and _verb_after_subject(
            words, nxt, best, is_verb, (lambda _: frozenset()) if do or modal else verb_lemmas,
            sure_participle if words[at].lower() in BE_FINITE else None):
        return False  # "Did *the train* leave?", "What do *cats* eat?"
    return not is_verb(nxt)


def auxiliary(words: list[str], at: int, tags: np.ndarray | None,
              inventory: WordNet | None = None) -> str | None:
    """``"modal auxiliary"`` or ``"auxiliary"`` where ``tag`` reads ``words[at]`` as one and
    leaves it untagged, else None: a modal (MODALS) the POS head tags VERB whose verb is
    left out (:func:`_verb_left_out`: "Yes, we *can*.", "Neither *can* I", "I *can* and I
    will") or that is no main verb ("I *can* swim"; "we *can* tomatoes" is), unless right
    after a preposition (not one of MODAL_AFTER_ADP: "by *will*" is the noun);
    a form of be/have/do (LIGHT_VERBS) the head tags VERB that is no main verb
    (:func:`is_main_verb`: "I *have* seen it", "*Did* you go?"); ``'ll`` always, as ``wsd``
    reads it ("I*'ll* text you later": WordNet has no verb "text" to follow it). ``tags``:
    the sentence's (n_words, 12) log-probabilities; None (no head): None. The other verb
    clitics (``'s``, ``'re``) are the facade's to judge (``SenseIndex._auxiliary_clitic``)."""
    if tags is None or _best_tag(tags, at) != "VERB":
        return None
    lower = words[at].lower().replace("\u2019", "'")
    if lower == "'ll":
        return "modal auxiliary"  # always, as wsd reads it ("I*'ll* text you": no verb text)
    if lower in MODALS:
        if at and _best_tag(tags, at - 1) == "ADP" and \
                words[at - 1].lower() not in MODAL_AFTER_ADP:
            return None
        if _verb_left_out(words, at) or not is_main_verb(words, at, tags, inventory):
            return "modal auxiliary"
    elif lower in LIGHT_VERBS and not is_main_verb(words, at, tags, inventory):
        return "auxiliary"
    return None


def _content_tag(tags: np.ndarray | None, at: int) -> str | None:
    """The POS head's tag of word ``at`` when it is a content tag (NOUN, VERB, ADJ, ADV),
    else None (also without a head): a closed-class word is read as a content word only where
    the head says so ("*not*", "*one* of them" as a noun, "I *like* it", "*half* the cake")."""
    if tags is None:
        return None
    best = _best_tag(tags, at)
    return best if best in CONTENT_TAGS else None


def readings(index: SenseIndex, words: list[str], tags: np.ndarray | None
             ) -> tuple[list[tuple[int, int, list]], list[tuple[int, int, list]]]:
    """The single-word readings (start, start + 1, pairs) of a sentence's content words
    (be/have/do as main verbs, see :func:`is_main_verb`, or as nouns where the head reads
    one: "1010 *AM* radio"; other closed-class words only
    in the POS the head tags them with, when that is a content POS: :func:`_content_tag`;
    no honorific before a name nor a street's head: ``names.honorific_of_a_name``,
    ``names.street_head``; am/pm after an hour as a.m./p.m.: ``target.clock_time``;
    ``tags`` None: neither; not a word whose only senses are initialisms it is not written
    as: :func:`_only_initialisms`; no word joined by "_", a code identifier:
    "interest_rate" in code was WordNet's interest rate at p 1.00) and every multiword reading
    WordNet knows (start, end, pairs), overlapping ones included, except closed-class ones
    whose first word the head tags as a preposition or particle (:func:`_plain_function_words`)
    and those opening with a preposition and ending in an adjective before a noun
    (:func:`_modifies_a_noun`); not "so" opening a clause (:func:`_clause_so`) nor the
    future's "going" or a multiword opening with it (:func:`_future_going`);
    :func:`tag_words` chooses. A stem before "n't" is read as its modal, an auxiliary: no
    single-word reading (:func:`clitic_stems`: "ca n't" as "can n't")."""
    written, words = words, clitic_stems(words)
    best = _best_tags(tags) if tags is not None else None
    singles, multi = [], []
    for at, word in enumerate(words):
        lower = word.lower().replace("\u2019", "'")  # ’s is 's
        if not any(c.isalpha() for c in word) or word != written[at] or "_" in word:
            continue  # "_": a code identifier ("bank_balance", "interest_rate"), no word
        if word in TEXTING_LETTERS and not (at and words[at - 1][-1:].isdigit()):
            continue  # "text *u* later": you, no letter of the alphabet
        if lower == "em" and at and words[at - 1] in ("'", "\u2019"):
            continue  # "get 'em": them (the tokenizer leaves the apostrophe apart), no quad
        if _interjection(tags, at) or _discourse_marker(words, at):
            continue  # "*Yes*, I do", "*Oh*, *hello*": no "affirmative", no "greeting"
        if best is not None and (_clause_so(words, at, best) or _future_going(words, at, best)):
            continue  # ", *so* I went", "I'm *going* to call"
        if honorific_of_a_name(words, at) or street_head(words, at):
            continue  # "*Sen.* Warren", "Oak *St.*" (names.honorific_of_a_name, street_head)
        clock = clock_time(words, at)
        if clock is not None:  # "at 5 *PM*", "at 6 *am*": p.m., a.m., no prime minister
            singles.append((at, at + 1, index.readings(clock)))
            continue
        content = "VERB"
        closed = lower in STOPWORDS or (lower in PREPOSITIONS and tags is not None)
        if lower in LIGHT_VERBS:
            if lower in NEGATED_DO and is_negation_clitic(
                    words[at + 1] if at + 1 < len(words) else None):
                continue  # "I *don't*.": do-support, always the auxiliary (wsd refuses it)
            if not is_main_verb(words, at, tags, index.inventory):
                # no verb here; the head's noun is read as one, as wsd reads it ("1010 *AM*
                # radio": amplitude modulation, "a strange *being*"); else left untagged
                content = _content_tag(tags, at)
                if content != "NOUN" or auxiliary(words, at, tags, index.inventory):
                    continue
        elif closed:
            content = _content_tag(tags, at)
            if content is None or auxiliary(words, at, tags, index.inventory):
                continue
        pairs = base_form_readings(words, at, index.readings(word), tags)  # a verb clitic as
        # its verb ('s as be or have); "to *found*" founds (target.base_form_readings)
        if lower in LIGHT_VERBS or closed:
            pairs = [p for p in pairs if p[1] == content]
        else:  # "I met *John*": a person, not the toilet (names.name_pairs)
            pairs = name_pairs(index.inventory, words, at, pairs)
        if tags is not None and _best_tag(tags, at) == "X":
            # "*Alas*, the ship sank": the head's interjection (below INTERJECTION_PROBABILITY)
            # is the word itself, no inflected form (the plural of "ala", a wing)
            pairs = [p for p in pairs if p[0] == lower]
        if pairs and not _only_initialisms(index, word, pairs):
            singles.append((at, at + 1, pairs))
    for start in range(len(words)):
        if _future_going(words, start, best):
            continue  # "I'm *going to* call her": no go_to
        auxiliary_first = _opens_with_auxiliary(index, words, tags, start)
        for length in range(MAX_MULTIWORD, 1, -1):
            piece = words[start:start + length]
            text = multiword_text(piece) if len(piece) == length else None
            if text is None:
                continue
            if _plain_function_words(words, start, start + length, tags) or _modifies_a_noun(
                    tags, start, start + length) or auxiliary_first and all(
                    _best_tag(tags, at) != "VERB" for at in range(start + 1, start + length)):
                continue  # "*Does it* matter?" (see _opens_with_auxiliary)
            pairs = [p for p in index.inventory.lemmatize(text) if "_" in p[0] and (
                "." in p[0] or "." not in piece)  # "St. Louis" is st._louis, no more
                and not _complement_missing(p[0], words, start + length, best,
                                            index.inventory)]
            if pairs:
                multi.append((start, start + length, pairs))
    return singles, multi


#: Multiword verbs WordNet writes without the preposition that opens their complement, read
#: whole only where it follows (:func:`_complement_missing`): be_due, "be the result of", is
#: "be due *to* X" ("The delay was due to fog"); "The rent *is due* on Friday", "The baby is
#: due in May" are the adjective due (owed, expected). SemCor labels be_due 25 times, 18
#: of them before "to" (the rest its annotators' slips on dates: "are due April 16", "is due
#: on or before the 15th"; counted with :func:`_complement_missing`). Hand-written.
COMPLEMENT_OPENERS: dict[str, str] = {"be_due": "to"}
#: Words that may stand between such a multiword and its preposition, commas not counted
#: ("is due *mainly* to", "was due *in no small part* to", "was due, *in part*, to").
_BEFORE_A_COMPLEMENT = 4
#: After "due to" these are whom something is owed to ("The refund is due *to you*"), as is
#: a noun whose first sense is a person (WordNet's lexicographer file noun.person: "due to
#: the *landlord*", "Thanks are due to my *editor*"): the adjective due, not be_due.
_OWED_TO_PRONOUNS = frozenset("me you him her us them".split())
_NOUN_PERSON = ":18:"
_BEFORE_A_HEAD_NOUN = frozenset({"DET", "ADJ", "PRON", "NUM"})


def _complement_missing(lemma: str, words: Sequence[str], end: int,
                        best: Sequence[str] | None, inventory: WordNet | None = None) -> bool:
    """Whether the multiword reading ``lemma`` of a span ending before ``words[end]`` lacks
    the preposition its complement needs (:data:`COMPLEMENT_OPENERS`): none within
    _BEFORE_A_COMPLEMENT words (commas not counted), or one the POS head's best tags
    ``best`` (None: no head) read as an infinitive's "to" (a verb after it, not an -ing
    form: "The train *is due* to arrive" is the adjective, "was due to *falling* sales" the
    cause), or one before whom something is owed (:data:`_OWED_TO_PRONOUNS`, or with
    ``inventory`` a noun whose first sense is a person: "The rent is due to the
    *landlord*")."""
    opener = COMPLEMENT_OPENERS.get(lemma)
    if opener is None:
        return False
    seen = 0
    for at in range(end, len(words)):
        word = words[at].casefold()
        if word == opener:
            return _infinitive_after(words, at, best) or _owed_to(words, at + 1, best,
                                                                  inventory)
        if word != ",":
            if not any(c.isalpha() for c in word) or seen == _BEFORE_A_COMPLEMENT:
                break
            seen += 1
    return True


def _infinitive_after(words: Sequence[str], at: int, best: Sequence[str] | None) -> bool:
    return (best is not None and at + 1 < len(best) and best[at + 1] == "VERB"
            and not words[at + 1].casefold().endswith("ing"))


def _owed_to(words: Sequence[str], at: int, best: Sequence[str] | None,
             inventory: WordNet | None) -> bool:
    """Whether the noun phrase opening at ``words[at]`` is whom something is owed to: one of
    _OWED_TO_PRONOUNS, or (with ``inventory`` and ``best``) its first noun's first sense a
    person."""
    if at >= len(words):
        return False
    if words[at].casefold() in _OWED_TO_PRONOUNS:
        return True
    if inventory is None or best is None:
        return False
    while at < len(words) and best[at] in _BEFORE_A_HEAD_NOUN:
        at += 1
    if at >= len(words) or best[at] != "NOUN":
        return False
    senses = [s for lemma, pos in inventory.lemmatize(words[at], "NOUN")
              for s in inventory.candidates(lemma, pos)]
    first = min(senses, key=lambda s: (-s.count, s.rank), default=None)
    return first is not None and _NOUN_PERSON in first.key


def _opens_with_auxiliary(index: SenseIndex, words: list[str], tags: np.ndarray | None,
                          start: int) -> bool:
    """Whether ``words[start]`` is a form of be/have/do that is an auxiliary
    (:func:`is_main_verb`): :func:`readings` reads no multiword opening with it whose other
    words hold no verb (its verb lies past the span): "*Does it* matter?" is no do_it ("have
    sex"), where "was born" (be_born, 51 times in SemCor) and "have got" (16) hold their
    verb."""
    return tags is not None and words[start].lower() in LIGHT_VERBS and not is_main_verb(
        words, start, tags, index.inventory)


def separated_readings(index: SenseIndex, words: list[str], tags: np.ndarray | None,
                       singles: list[tuple[int, int, list]]) -> list[tuple[int, int, list]]:
    """(verb, particle, pairs) of every phrasal verb WordNet knows whose particle stands apart
    from its verb ("*turn* the lights *off*": pairs ``[("turn_off", "VERB")]``).

    The verb: a word with a single-word verb reading (``singles``, from :func:`readings`)
    that the POS head tags VERB. The particle: the first word of PARTICLES after it, 2 to
    MAX_PARTICLE_GAP + 1 words later (next to it, it is an ordinary multiword reading),
    tagged PRT, ADV or ADJ (PARTICLE_TAGS), or ADP where no DET, NOUN, PRON, ADJ or NUM
    follows it (PHRASE_START_TAGS: "on" of "turned the page on the left" is a preposition,
    "up" of "gave it up after a year" a particle). The words between: each tagged with one
    of GAP_TAGS (no verb, punctuation, conjunction or preposition), none of CLAUSE_WORDS,
    one of them the object (OBJECT_TAGS: "go only up or down" is no go_up). The pairs: the
    VERB lemmas with "_" of ``lemmatize("<verb> <particle>")`` ("turned off" -> turn_off).
    ``tags`` None (no POS head): none."""
    if tags is None:
        return []
    best = _best_tags(tags)
    verbs = sorted({a for a, _, pairs in singles if any(pos == "VERB" for _, pos in pairs)})
    found = []
    for verb in verbs:
        if best[verb] != "VERB":
            continue
        for at in range(verb + 1, min(len(words), verb + MAX_PARTICLE_GAP + 2)):
            word = words[at].lower()
            if word in PARTICLES:
                if at > verb + 1 and _particle(best, at) and OBJECT_TAGS.intersection(
                        best[verb + 1:at]):
                    pairs = phrasal_verbs(index.inventory, words[verb], words[at])
                    if pairs:
                        found.append((verb, at, pairs))
                break
            if (best[at] not in GAP_TAGS or word in CLAUSE_WORDS
                    or not any(c.isalpha() for c in word)):
                break
    return found


def separated_pairs(index: SenseIndex, words: list[str]) -> list[tuple[str, str]]:
    """The (lemma, POS) pairs :func:`separated_readings` may give ``words`` whatever the POS
    head's tags (each word with the first word of PARTICLES 2 to MAX_PARTICLE_GAP + 1 words
    after it): what :func:`tag_words` adds WordNet vectors for and prefetches with the other
    readings, before the encoder pass that gives the tags."""
    pairs = []
    for verb in range(len(words)):
        for at in range(verb + 1, min(len(words), verb + MAX_PARTICLE_GAP + 2)):
            if words[at].lower() in PARTICLES:
                if at > verb + 1:
                    pairs += phrasal_verbs(index.inventory, words[verb], words[at])
                break
    return pairs


def _particle(best: list[str], at: int) -> bool:
    """Whether the particle word at ``at`` is read as a particle from the POS head's best tags
    ``best``: PARTICLE_TAGS, or ADP with no phrase after it (PHRASE_START_TAGS)."""
    if best[at] in PARTICLE_TAGS:
        return True
    return best[at] == "ADP" and (at + 1 == len(best) or best[at + 1] not in PHRASE_START_TAGS)


def _only_initialisms(index: SenseIndex, word: str, pairs: list[tuple[str, str]]) -> bool:
    """Whether every sense WordNet has for ``word``'s readings ``pairs`` is an initialism
    (``WordNet.initialism``) and ``word`` is not written in capitals: "Oh" and "oh" are not
    Ohio's "OH", so such a word is not tagged (read as an initialism it would be the only
    candidate, at p = 1.00); "OH" is."""
    if word.isupper():
        return False
    inventory = index.inventory
    return all(inventory.initialism(s) for lemma, pos in pairs
               for s in inventory.candidates(lemma, pos))


def opens_with_function_word(piece: Sequence[str]) -> bool:
    """Whether a multiword reading's words ``piece`` open with a closed-class word
    (:data:`STOPWORDS`: "on the hook", "of course"), its calibration group
    (``scoring.multiword_group``)."""
    return bool(piece) and piece[0].lower() in STOPWORDS


# How often SemCor must write a multiword of closed-class words whole (and at least as often
# as apart) for it to be read though its first word is a preposition
# (:func:`_plain_function_words`).
WHOLE_FUNCTION_WORDS = 3


def _plain_function_words(words: list[str], start: int, end: int, tags: np.ndarray | None
                          ) -> bool:
    """Whether the multiword span ``words[start:end]`` is closed-class words only, the first
    of them tagged as a preposition or particle (PLAIN_FUNCTION_TAGS) by the POS head's
    ``tags`` ((n_words, 12) log-probabilities; None: never), and no expression SemCor writes
    whole at least as often as apart (``scoring.multiword_rates``, at least
    WHOLE_FUNCTION_WORDS times: "Not bad *at all*", at_all 62 whole and 57 apart, where
    in_this is 3 and 321) unless a noun phrase or "of" follows it, which its last word opens
    ("Look *at all* the people", "smiled *at all* of us": the preposition's object; not
    after a negation where a time follows, TIME_AFTER_A_NEGATION: "didn't sleep *at all*
    last night"). Where nothing follows (the sentence's end or punctuation) the preposition has
    no object: one SemCor writes whole WHOLE_FUNCTION_WORDS times is read ("came *after
    all*.": after_all 19 whole, 20 apart, most of those before a noun phrase)."""
    piece = words[start:end]
    if tags is None or not all(w.lower() in STOPWORDS | LIGHT_VERBS for w in piece) or \
            _best_tag(tags, start) not in PLAIN_FUNCTION_TAGS:
        return False
    whole, apart = multiword_rates().get("_".join(w.lower() for w in piece), (0, 0))
    if whole < WHOLE_FUNCTION_WORDS:
        return True
    if end == len(words) or not any(c.isalnum() for c in words[end]):
        return False  # nothing the preposition could take: "came to the picnic *after all*."
    if words[end].lower() == "of" or _best_tag(tags, end) in OBJECT_PHRASE_TAGS:
        # the preposition's object, unless a negation before it asks for the adverb and a
        # time follows: "I didn't sleep *at all* last night" (not "never looks at all sides")
        return not (words[end].lower() in TIME_AFTER_A_NEGATION
                    and any(w.lower().replace("\u2019", "'") in NEGATIONS
                            for w in words[:start]))
    return whole < apart


# Words that make a sentence negative, after which "at all" before a time is the adverb of a
# negation ("I didn't sleep *at all* last night"; :func:`_plain_function_words`).
NEGATIONS = frozenset("not n't never no hardly barely scarcely nothing nobody none nowhere"
                      .split())
TIME_AFTER_A_NEGATION = frozenset(
    "last next this today yesterday tonight tomorrow anymore lately recently".split())



def _modifies_a_noun(tags: np.ndarray | None, start: int, end: int) -> bool:
    """Whether a reading that opens with a preposition (the POS head's ADP) ends in an
    adjective that modifies the noun after it: "in *general* terms", "in *short* supply",
    "for *good* reason", "at *large* companies" are no idioms (in_general, in_short,
    for_good, at_large), while "in general, cats ...", "at the same time prices ..." (no
    adjective last) are read as before. Such readings get no POS evidence
    (:func:`_span_pos`), so nothing else would tell them apart. Without a head: False."""
    if tags is None or end >= len(tags):
        return False
    best = [_best_tag(tags, at) for at in (start, end - 1, end)]
    return best == ["ADP", "ADJ", "NOUN"]


def _span_pos(tags: np.ndarray | None, start: int, end: int, words: Sequence[str],
              pairs: Sequence[tuple[str, str]]) -> np.ndarray | None:
    """Content-POS log-probabilities (4,) float64 (NOUN VERB ADJ ADV) of a multiword span,
    from the POS head's tags of its words ((n_words, n_tags) log-probabilities):

    - those of its first word the head tags as a content word (the head of "a lot", "kind
      of", "took place"), else of its last word;
    - but the NOUN column from its last word when the head tags that one as a content word:
      an English noun compound's head is its last word ("hot dog" is a noun though "hot" is
      an adjective; "cats sleep" of "cats sleep a lot" is no cat_sleep, "sleep" is a verb);
    - None (no evidence either way) for a span that opens with a word the head tags ADP: a
      prepositional phrase read as one adverb or adjective ("of course", "in fact", "by and
      large", "at large") has no word whose tag is the span's, and its content word's tag
      (course: NOUN) would count against the idiom;
    - None as well for an adverb its words' tags say nothing of (:func:`_adverbial_span`):
      "kind of", "sort of" before an adjective or a verb ("It was *kind of* strange", "he
      *sort of* smiled"; "kind" tagged ADJ there gave kind_of a POS log-probability of -6
      and the answer "kind: tender and considerate"), "a lot", "a bit" where no "of" or
      noun phrase follows ("likes him *a lot*"; "lot" is tagged NOUN wherever it stands).
      Before a noun phrase the preposition heads it ("a kind *of fruit*", "very kind *of
      you*", "*a lot* of books"), and a verb with its preposition ("look after") keeps its
      verb's evidence.

    ``tags`` None (no head): None."""
    if tags is None or _best_tag(tags, start) == "ADP" or _adverbial_span(
            words, tags, start, end, pairs):
        return None
    best = [_best_tag(tags, at) for at in range(start, end)]
    first = next((start + n for n, tag in enumerate(best) if tag in CONTENT_TAGS), end - 1)
    out = content_log_probabilities(tags[first]).copy()
    if best[-1] in CONTENT_TAGS:
        out[CONTENT_TAGS.index("NOUN")] = content_log_probabilities(tags[end - 1])[
            CONTENT_TAGS.index("NOUN")]
    return out


def _adverbial_span(words: Sequence[str], tags: np.ndarray, start: int, end: int,
                    pairs: Sequence[tuple[str, str]]) -> bool:
    """Whether a span of several words is read as an adverb whose words' tags say nothing of
    it (:func:`_span_pos`), from the POS head's ``tags`` and the span's readings ``pairs``:

    - its readings no verbs, it ends in a preposition (a word tagged ADP, or a closed-class
      word tagged ADV: "sort *of* smiled") that opens no noun phrase (the next word not
      NOUN_PHRASE_TAGS, or none) or stands before "a"/"an" as a hedge
      (:func:`_hedges_a_noun_phrase`): "*kind of* strange", "*kind of* a mess", not "a
      *kind of* fruit" nor "look after";
    - or its readings all adverbs, it opens with a word tagged DET and no "of" or noun
      phrase follows it: "likes him *a lot*", "*a bit* tired", not "*a lot* of books" nor
      "*a little* girl" (the head tags "lot" NOUN wherever it stands), nor the subject of a
      verb ("*A lot* has changed": opening its clause, :func:`_opens_a_clause`).
    """
    if end - start < 2:
        return False
    after = None if end >= len(tags) else _best_tag(tags, end)
    last = _best_tag(tags, end - 1)
    if (last == "ADP" or (last == "ADV" and words[end - 1].lower() in STOPWORDS)) and not any(
            pos == "VERB" for _, pos in pairs):
        return after not in NOUN_PHRASE_TAGS or _hedges_a_noun_phrase(words, tags, start, end)
    if _best_tag(tags, start) != "DET" or not all(pos == "ADV" for _, pos in pairs):
        return False
    if after == "VERB" and _opens_a_clause(words, start):
        return False  # the subject: "*A lot* has changed", "and *a bit* was left"
    return after is None or (after not in NOUN_PHRASE_TAGS and words[end].lower() != "of")


def _hedges_a_noun_phrase(words: Sequence[str], tags: np.ndarray, start: int,
                          end: int) -> bool:
    """Whether a span ending in a preposition ("kind of", "sort of") stands before "a"/"an"
    as a hedge, not after a determiner: "It was *kind of* a mess", "he is *sort of* an
    expert", not "*what kind of* a man" nor "a *kind of* a joke" (the noun kind)."""
    if end >= len(words) or words[end].lower() not in ("a", "an"):
        return False
    return start == 0 or (_best_tag(tags, start - 1) != "DET"
                          and words[start - 1].lower() not in ("what", "which", "whatever"))


def _opens_a_clause(words: Sequence[str], at: int) -> bool:
    """Whether ``words[at]`` opens its sentence or a clause: first, or after punctuation or
    a conjunction (_CLAUSE_OPENERS)."""
    before = words[at - 1].lower() if at > 0 else ""
    return at == 0 or not any(c.isalnum() for c in before) or before in _CLAUSE_OPENERS


def component_records(index: SenseIndex, answer: Disambiguation, min_confidence: float,
                      place: Callable[[int], dict]) -> list[dict] | None:
    """The ``components`` of a tagged word: for each component word of a multiword
    expression (``answer.components``, set by :func:`tag_words`), ``place(position)`` (where
    the word is: its token ``position``, and character offsets where the caller knows them),
    its ``word`` and :func:`chosen_sense` of its own answer; None for a single word."""
    if not answer.components:
        return None
    return [{**place(part.position), "word": part.target,
             **chosen_sense(index, part, min_confidence)} for part in answer.components]


def span_free_best(index: SenseIndex, target: Target, pairs: list[tuple[str, str]],
                   answer: Disambiguation, span: Sequence[int]) -> float:
    """A word's best score (``answer``: its reading one by one) as it competes with a
    multiword reading of the positions ``span`` (its own among them): its candidates' scores
    without what the span's other words add through the two overlaps
    (``SenseIndex.overlap_from``), -inf without candidates. The multiword reading cannot
    count its own words as context; the words inside it must not either, or every phrase
    ("by and large": "by" in a gloss of "large") would be read as its words.

    Measured by scripts/tune_multiword.py, which collects the readings this way
    (BENCHMARKS.md "Gloss overlap")."""
    scored = [s for s in answer.senses if s.score is not None and math.isfinite(s.score)]
    if not scored:
        return float("-inf")
    taken = index.overlap_from(target, pairs, [n for n in span if n != target.index])
    return max(s.score - taken.get(s.key, 0.0) for s in scored)


def tag_words(index: SenseIndex, sentences: list[list[str]], *, progress: bool = False,
              texts: list[str] | None = None
              ) -> list[list[tuple[Target, list, Disambiguation]]]:
    """Disambiguate every content word of tokenized ``sentences``: one encoder pass gives
    every word's vector and POS-head tags; each single word and each multiword reading is
    scored (``index.disambiguate``; a multiword's vector is the mean of its words'); a
    multiword is kept only where its best score beats the best score of every single-word
    reading inside it (its words read one by one) by more than ``scoring.multiword_margin``
    (negative for phrasal verbs: "pointed out" is kept though "pointed" alone scores a
    little higher), overlapping multiwords by best score. A kept multiword's probabilities
    are its senses' times the probability that it is one expression
    (``scoring.multiword_whole`` of what it was kept by, fitted on SemCor: "on the hook" in
    "hung her coat on the hook" is no longer sure at p 1.00). A phrasal verb with its particle
    apart (:func:`separated_readings`) is one more multiword reading of its two words (the
    mean of their vectors, the verb's POS tags; the words between are not part of it) under
    the same rule with its own margin, ``scoring.separated_margin`` (stricter, less so with
    a pronoun between: measured on SemCor by scripts/separated_verbs.py); kept, it is the
    target at the verb (``target.separated``: its span the verb alone) and the particle is
    not tagged. A kept multiword's answer carries its words' own answers, which weighing it
    scored anyway (``Disambiguation.components``: no second scoring).
    ``texts``: the sentences ``sentences`` were tokenized from, as
    :func:`~sensedb.corpora.tokenize.normalize_text` gives them, when there are such (a
    multiword is then shown as written there: ``Target.written``).
    Returns per sentence the (target, pairs, answer) of each tagged word, in word order."""
    found = [readings(index, words, None) for words in sentences]  # pairs for ensure
    every = [p for singles, multi in found for _, _, pairs in singles + multi for p in pairs]
    every += [p for words in sentences for p in separated_pairs(index, words)]
    every += [("be", "VERB"), ("have", "VERB"), ("do", "VERB")]
    index.ensure(every, progress=progress)
    index.prefetch(every)
    ensured = set(every)
    live = [n for n, words in enumerate(sentences) if words]
    unique: dict[tuple[str, ...], int] = {}  # a sentence met again is encoded once
    for n in live:
        unique.setdefault(tuple(sentences[n]), len(unique))
    # one forward pass: word vectors, POS tags and (when scored) the sentence vectors
    vectors, tags, found = index.encode_sentences([list(s) for s in unique], progress=progress)
    slot = {n: unique[tuple(sentences[n])] for n in live}
    by_sentence = {n: (vectors[slot[n]], tags[slot[n]]) for n in live}
    contexts = {n: found[slot[n]] for n in live}
    out = []
    for number, words in enumerate(sentences):
        if number not in by_sentence:
            out.append([])
            continue
        vecs, tag = by_sentence[number]
        singles, multi = readings(index, words, tag)
        apart = separated_readings(index, words, tag, singles)
        extra = [p for _, _, pairs in singles + apart for p in pairs if p not in ensured]
        if extra:  # closed-class words the head reads as content words, separated phrasal
            index.ensure(extra)  # verbs: not in `every`
            ensured.update(extra)
        text = None if texts is None else texts[number]
        # each reading by the positions of its words: (a,), (start, ..., end - 1), (verb,
        # particle); the target, its vector's words, its POS log-probabilities, its pairs
        found_readings = (
            [((a,), Target(list(words), a), pairs) for a, _, pairs in singles]
            + [(tuple(range(start, end)), merged(words, start, end, text), pairs)
               for start, end, pairs in multi]
            + [((verb, at), separated(words, verb, at), pairs) for verb, at, pairs in apart])
        scored = {}
        for places, target, pairs in found_readings:
            if len(places) == 1 or target.particle is not None:  # the verb's tags
                pos = None if tag is None else content_log_probabilities(tag[places[0]])
            else:
                pos = _span_pos(tag, places[0], places[-1] + 1, words, pairs)
            answer = index.disambiguate(target, pairs, vecs[list(places)].mean(axis=0), k=0,
                                        context=contexts[number], pos_logp=pos)
            scored[places] = (target, pairs, answer)
        best = {places: (a.senses[0].score if a.senses else float("-inf"))
                for places, (_, _, a) in scored.items()}
        taken: set[int] = set()
        chosen = []
        several = [places for places, _, _ in found_readings if len(places) > 1]
        for places in sorted(several, key=lambda m: -best[m]):
            inner = [span_free_best(index, *scored[(a,)], places)
                     for a, _, _ in singles if a in places]
            target, pairs, answer = scored[places]
            if target.particle is not None:  # "gave *it* up": a pronoun between
                pronoun = (target.particle == target.index + 2 and tag is not None
                           and _best_tag(tag, target.index + 1) == "PRON")
                margin, extra = separated_margin(index.weights, pronoun), 0.0
            else:
                sense_pos = answer.senses[0].pos if answer.senses else ""
                margin = multiword_margin(index.weights, sense_pos)
                extra = multiword_evidence(index.weights, [lemma for lemma, _ in pairs],
                                           sense_pos)
            if taken.intersection(places) or (
                    inner and best[places] + extra - max(inner) <= margin):
                continue
            taken.update(places)
            chosen.append(places)
            if inner and target.particle is None:  # how sure: one expression, or its words
                kept_by = best[places] + extra - max(inner) - margin
                scored[places] = (target, pairs, answer.scaled(multiword_whole(
                    index.weights, sense_pos, kept_by,
                    opens_with_function_word(words[places[0]:places[-1] + 1]))))
        for places in chosen:  # its words read alone, for a reader who wants them
            target, pairs, answer = scored[places]
            scored[places] = (target, pairs, replace(answer, components=[
                scored[(a,)][2] for a in places if (a,) in scored]))
        chosen += [(a,) for a, _, _ in singles if a not in taken]
        out.append([scored[places] for places in sorted(chosen)])
    return out


def tag_text(index: SenseIndex, text: str, *, one_sense_per_discourse: bool = False,
             min_confidence: float = 0.0, progress: bool = False) -> list[TaggedWord]:
    """Tag every content word of raw ``text`` that WordNet knows with ``index``'s scoring.

    ``one_sense_per_discourse``: the text is one discourse (every occurrence of a lemma gets
    the same sense; a multiword's ``components`` stay its words read alone);
    ``min_confidence``: abstain (``key`` None) below that probability (0-1). WordNet vectors
    of new lemmas are added first (``index.ensure``).

    Raises:
        InputError: ``index`` is not an open index (``sensedb.open()``); ``text`` is not a
            string, not valid Unicode, or empty (white space only: "empty text", as ``wsd``
            says "empty sentence"); ``min_confidence`` is not a number from 0 to 1.
        IndexFormatError: the index is damaged (see ``SenseIndex.check``).
    """
    from .index import check_open_index  # at run time: index.py imports this module

    check_open_index(index, "tag")
    min_confidence = check_probability(min_confidence)
    if not check_text(text).strip():
        raise InputError("empty text")
    texts = [check_text(s) for s in split_sentences(text)]  # the tokens are substrings of these
    sentences = [tokenize(s) for s in texts]
    found = [(number, target, answer) for number, words in
             enumerate(tag_words(index, sentences, progress=progress, texts=texts))
             for target, _, answer in words]
    if not found:
        return []
    answers = [answer for _, _, answer in found]
    if one_sense_per_discourse:  # the text is one discourse
        answers = agree(answers, ["text"] * len(answers))
    return [TaggedWord(sentence=number, position=target.index, word=target.shown,
                       particle=None if target.particle is None else {
                           "position": target.particle,
                           "word": target.words[target.particle]},
                       components=component_records(index, answer, min_confidence,
                                                    lambda n: {"position": n}),
                       **chosen_sense(index, answer, min_confidence))
            for (number, target, _), answer in zip(found, answers, strict=True)]
