"""A small deterministic tokenizer for raw English text, and target lookup in a token list.

:func:`tokenize` splits text, left to right, into the first of these that matches:

1. a web or e-mail address or a handle: ``https://example.org/a?b=1``,
   ``www.example.com``, ``example.com`` (a known top-level domain in lower case: "it.Com"
   is a typo), ``jo.smith@mail.com``, ``@john_smith`` (its parts are no words to tag);
2. a number with ``.`` or ``,`` between digits: ``3.5``, ``1,000``, ``1,234.56``; a clock
   time, with am/pm glued to it or not: ``5:30``, ``9:30am``, ``9:30a.m.``, ``10a.m.``; an
   initialism of two or more single letters each followed by ``.``, its last ``.`` kept:
   ``U.S.``, ``U.S.A.``, ``e.g.``, ``a.m.`` (WordNet lists ``U.S.`` and ``a.m.`` as lemmas;
   split apart they read as ``U`` uranium and ``S`` second), or of capitalized parts of one
   or two letters, one of a single letter: ``Ph.D.``, ``M.Sc.`` (split, "Ph" was pH and
   "D" vitamin D; "No.No.No." and "Oh.My.God." stay words), and
   ``a.m``/``p.m`` written
   without their last period (not the letter *p* and the metre);
3. a clitic written apart: ``'s 're 'll 've 'd 'm`` (``it 's`` -> ``it``, ``'s``);
4. a word: letters, digits and combining marks, with single internal hyphens or apostrophes
   kept: ``well-known``, ``o'clock``, ``COVID-19``; the Penn Treebank clitics are then split
   off its end: ``don't`` -> ``do n't``, ``can't`` -> ``ca n't``, ``it's`` -> ``it 's``,
   ``they're``, ``we'll``, ``I've``, ``he'd``, ``I'm`` likewise; a whole number glued to
   a unit of UNITS is two tokens, as a decimal one is: ``80kg`` -> ``80``, ``kg`` (``500mg``,
   ``128GB``, ``5km``; not ``5G``, ``3D``, ``1990s``, ``2nd``); an amount of money stays
   one token, its multiplier glued to it, after a currency sign or before a currency word:
   ``$2.5m``, ``£1.2bn``, ``2.5m dollars`` (not 2.5 and the metre; ``1.85m`` tall is one);
5. any other non-space character, alone (punctuation, symbols, ``_``).

Before rule 2, markup and code are one token each (:data:`_MARKUP`): an HTML tag (``<br>``,
``</p>``), a character entity (``&amp;``), a file path (``C:\\Users\\bank``,
``/usr/local/bin``); before rule 4, words joined by ``_`` (``bank_balance``).

Letters and digits are Unicode (``naïve``, ``Zürich``, ``東京``); the typographic apostrophe
``’`` counts as an apostrophe and ``‐``/``‑`` as hyphens. The same text always gives the same
tokens.

Input policy (:func:`check_text`, the one boundary every sentence, target and text to tag goes
through: CLI, Python API and HTTP service alike):

- a lone surrogate (a byte of a command line that was not UTF-8) is refused;
- a control character (Unicode category Cc: NUL, an escape sequence's ESC, DEL, ...) is
  refused with its position, except those that are white space (tab, newline, carriage
  return, form feed, ...), which separate words, but not the information separators
  U+001C-U+001F, which Python calls white space and no text uses so;
- format characters (category Cf: zero-width space U+200B, zero-width (non-)joiner, soft
  hyphen, word joiner, byte order mark, direction marks) are removed, so ``ba\u200bnk`` is
  ``bank``;
- the text is then NFKC-normalized (compatibility forms folded: ``ﬁ`` -> ``fi``, full-width
  ``ｂａｎｋ`` -> ``bank``, ``e`` + combining acute -> ``é``).

Tokens are substrings of that normalized text, :func:`normalize_text` of the input; for text
already in NFKC without format characters (nearly all text) that is the input itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from itertools import chain

from sensedb.errors import InputError, TargetNotFoundError
from sensedb.vocabulary import without_accents

__all__ = ["check_text", "encoder_words", "find_target", "merge_span", "normalize_text",
           "token_offsets", "tokenize", "written_span"]

_APOS = "'\u2019"
_HYPHENS = "-\u2010\u2011"
_CLITICS = ("s", "re", "ll", "ve", "d", "m")


@cache
def _char_class(code_points: Iterable[int], keep: Callable[[str], bool]) -> str:
    """A regular-expression character class of the ``code_points`` (ascending) whose
    character passes ``keep``, written as ranges of consecutive code points."""
    ranges: list[str] = []
    start = prev = -1
    for cp in code_points:
        if keep(chr(cp)):
            if start < 0 or cp != prev + 1:
                if start >= 0:
                    ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
                start = cp
            prev = cp
    ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
    return "[" + "".join(ranges) + "]"


# Markup and code in ordinary text are one token each, no word to tag (a tester's report:
# "&amp;" was tagged the ampere, "<br>" a terrorist organization, "<b>" the barn, and
# "C:\\Users\\bank\\file.txt", "/usr/local/bin", "bank_balance" split into words tagged
# one by one): an HTML tag ("<br>", "</p>", '<a href="x">'), a character entity
# ("&amp;", "&#8212;"), a file path with two separators or more after a drive letter, "/"
# or "~/" ("C:\\Users\\bank", "/usr/local/bin", "~/bank/"), and a word joined to another
# by "_" ("bank_balance", "get_balance": `tag` leaves it, a code identifier; given to `wsd`
# as its target it is read as WordNet writes its lemmas, "ice_cream" ice cream).
# Hand-written, a tokenizer's rule.
_HTML_ELEMENTS = ("a|abbr|article|aside|b|blockquote|body|br|button|caption|code|dd|div|dl|dt|"
                  "em|figure|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|label|"
                  "li|link|main|meta|nav|ol|option|p|pre|q|s|script|section|select|small|span|"
                  "strike|strong|style|sub|sup|table|tbody|td|textarea|tfoot|th|thead|title|"
                  "tr|u|ul")
# an HTML element's tag (a name of _HTML_ELEMENTS, attributes only as name=value: "a<b and
# c>d" and "balance <limit and ... balance>" are prose, a tester's report)
_MARKUP = (rf"</?(?i:{_HTML_ELEMENTS})(?:\s+[A-Za-z][\w:-]*\s*=\s*"
           r"(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=]+))*\s*/?>"
           r"|&(?:[A-Za-z][A-Za-z0-9]{1,9}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"
           r"|(?<![^\s(\[\"'=:])(?:[A-Za-z]:\\|~/|/)(?:[^\s/\\<>\"'()]+[/\\])+"
           r"[^\s/\\<>\"'()]*(?<![.,;:!?])")


def _mark_class() -> str:
    """A character class of all Unicode combining marks (categories Mn, Mc, Me)."""
    planes = (range(plane << 16, (plane + 1) << 16) for plane in (0, 1, 14))  # marks' planes
    return _char_class(chain.from_iterable(planes),
                       lambda ch: unicodedata.category(ch)[0] == "M")


# A web address, an e-mail address or a handle is one token ("www.example.com",
# "https://x.org/a?b=1", "example.com", "jo.smith@mail.com", "@john_smith"; not a
# sentence's last period or a closing bracket after it, unless the address opened it:
# ".../wiki/Bank_(geography)"): split at its periods its parts read as words ("example"
# tagged a noun, "john" a toilet). Hand-written: a tokenizer's rule, no library's.
_LINK_CHAR = r"[^\s<>\"'\u201c\u201d\u2018\u2019()]"
_LINK_PATH = rf"(?:{_LINK_CHAR}|\({_LINK_CHAR}*\))"  # a bracket only as a pair
_LINK_TAIL = r"(?<![.,;:!?])"  # a sentence's punctuation after it is no part of it
_TOP_LEVEL_DOMAINS = "com|org|net|edu|gov|io|info|biz|ai|app|dev|co|uk|us|eu|de|fr|ca|au"
_LINK = (rf"(?:(?:https?|ftp)://|www\.){_LINK_PATH}+{_LINK_TAIL}"
         r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # from a run's start: linear
         r"|(?<![\w@])@[^\W_]\w*"
         rf"|(?<![\w@.])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?-i:{_TOP_LEVEL_DOMAINS})"
         rf"(?![\w-])(?:/{_LINK_PATH}*{_LINK_TAIL})?")


#: What the encoder reads in place of a web address and of an e-mail address or a handle
#: (:func:`encoder_words`): their wordpieces ("https", ":", "/", "/", "example", ...) read
#: as noise, and the verb before them as a noun ("*Visit* https://example.com to renew your
#: permit": NOUN 0.52 against VERB 0.93 before "website"; "*Email* jo@mail.com": 0.45
#: against 0.98 before "someone"; a fresh tester's).
LINK_STAND_IN = "website"
ADDRESS_STAND_IN = "someone"


@cache
def _link_re() -> re.Pattern[str]:
    return re.compile(_LINK, re.IGNORECASE)


def encoder_words(words: Sequence[str]) -> Sequence[str]:
    """``words`` as the encoder reads them: a web address (a token :func:`tokenize` keeps
    whole as one) as LINK_STAND_IN (also one with "@" in its path:
    "https://medium.com/@jo/post"), an e-mail address or a handle ("@john_smith") as
    ADDRESS_STAND_IN, the typographic apostrophe (U+2019, from word processors and phones)
    as the typed one (its own word piece made "I’m broke" and "I'm broke" two answers:
    the verb at 0.07 against the adjective; a fresh tester's); ``words`` itself (the same
    object) when it has none. One word stays one word, so the vectors of the others keep
    their positions."""
    def is_link(word: str) -> bool:  # a cheap look first: most words have none of .@/
        return ("." in word or "@" in word or "/" in word) and \
            _link_re().fullmatch(word) is not None

    def changed(word: str) -> bool:
        return "\u2019" in word or is_link(word)

    if not any(map(changed, words)):
        return words
    return [(ADDRESS_STAND_IN if "@" in w and "/" not in w else LINK_STAND_IN) if is_link(w)
            else w.replace("\u2019", "'") for w in words]


@cache
def _token_re() -> re.Pattern[str]:
    w = rf"(?:[^\W_]|{_mark_class()})"
    clitic = "|".join(_CLITICS)
    return re.compile(
        rf"(?P<link>{_LINK})"
        rf"|(?P<markup>{_MARKUP})"
        rf"|(?P<money>(?<=[{_CURRENCY}])\d+(?:[.,]\d+)+[^\W\d_]+(?![^\W_])"
        rf"|\d+(?:[.,]\d+)+[^\W\d_]+(?=\s+(?:{'|'.join(_CURRENCY_WORDS)})\b))"
        rf"|(?P<num>\d+(?:[.,]\d+)+)"
        r"|(?P<time>(?<![\d:])\d{1,2}(?::\d{2}(?:[ap]m)?|(?::\d{2})?[ap]\.m\.?)(?![^\W_]))"
        r"|(?P<initialism>(?<![^\W_])(?:[^\W\d_]\.){2,}"
        r"|(?<![^\W_])(?-i:(?=(?:[A-Z][a-z]?\.)*[A-Z]\.)[A-Z][a-z]?\.(?:[A-Z][a-z]?\.)+))"
        r"|(?P<meridiem>(?<![^\W_])[ap]\.m(?![^\W_]))"
        rf"|(?P<clitic>[{_APOS}](?:{clitic})(?![^\W_]))"
        rf"|(?P<joined>(?<!\w){w}+(?:_{w}+)+(?!\w))"
        rf"|(?P<word>{w}+(?:[{_HYPHENS}{_APOS}]{w}+)*)"
        r"|(?P<other>\S)",
        re.IGNORECASE,
    )


#: Units of measure written glued to a whole number ("80kg", "500mg", "128GB", "200ml"), as
#: WordNet lists them (kg%1:23:00:: ...): split off as their own token, as "1.85m" already was
#: (a decimal number is its own token). No single letter ("5m" is also five million, "4g" a
#: network, "5G", "4K") and no "ms", "s" or "h" ("1990s"; WordNet's "ms" is multiple
#: sclerosis); nothing after a currency sign ("$2mm", "£5bn").
UNITS = frozenset("""
kg mg km cm mm mi ft lb lbs ml gb mb tb kb ghz mhz khz hz mph kph kw sec min mins hr hrs yr
yrs cc
""".split())
_NUMBER_UNIT = re.compile(r"(\d+)([^\W\d_]+)")
_CURRENCY = "$£€¥₹"
#: Currency words after an amount: "2.5m *dollars*" is 2.5 million, not 2.5 metres.
_CURRENCY_WORDS = ("dollars", "euros", "pounds", "yen", "yuan", "rupees", "francs", "usd",
                   "eur", "gbp")


def _split_unit(word: str, before: str = "") -> list[str]:
    """``word`` as one token, or a whole number and its unit of UNITS as two (``before``:
    the character before the word in the text; none after a currency sign)."""
    m = _NUMBER_UNIT.fullmatch(word)
    if m is None or m.group(2).casefold() not in UNITS or (before and before in _CURRENCY):
        return [word]
    return [m.group(1), m.group(2)]


def _split_clitics(word: str) -> list[str]:
    """Split Penn-Treebank clitics off the end of a word: ``"don't"`` -> ``["do", "n't"]``."""
    tail: list[str] = []
    while True:
        low = word.lower()
        if len(word) > 3 and low[-3] == "n" and low[-2] in _APOS and low[-1] == "t":
            cut = 3
        else:
            apos = low.rfind("'"), low.rfind("\u2019")
            i = max(apos)
            cut = len(word) - i if i > 0 and low[i + 1:] in _CLITICS else 0
        if not cut:
            break
        tail.append(word[-cut:])
        word = word[:-cut]
    return [word, *reversed(tail)]


@cache
def _category_class(category: str, *, spaces: bool = True) -> re.Pattern[str]:
    """A compiled character class of every code point of a Unicode ``category`` (white space
    left out when ``spaces`` is False, except the information separators U+001C-U+001F,
    which Python calls white space and no text uses as such: ``_SEPARATORS``)."""
    return re.compile(_char_class(
        range(0x110000),
        lambda ch: unicodedata.category(ch) == category and (
            spaces or not ch.isspace() or ch in _SEPARATORS)))


#: The information separators (file, group, record, unit: U+001C-U+001F). Python's
#: ``str.isspace`` and ``str.split`` take them for white space; the index marks a retired
#: document's key with U+001F (``indexer.fold.RETIRED``), so a document id or text holding
#: one could pose as a retired document (a breaker's): refused like any control character.
_SEPARATORS = "\x1c\x1d\x1e\x1f"
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # Cc that are not white space
_CONTROL_NAMES = {0: "NUL", 0x1B: "ESC, as in an escape sequence", 0x7F: "DEL",
                  0x1C: "a file separator", 0x1D: "a group separator",
                  0x1E: "a record separator", 0x1F: "a unit separator"}


def normalize_text(text: str, what: str = "text") -> str:
    """``text`` under the input policy of the module docstring: control characters other
    than white space refused, format characters (Cf) removed, NFKC-normalized, the hyphens
    U+2010 and U+2011 written as "-" (each character for one, so offsets keep their
    places). ASCII text only has its control characters checked (NFKC leaves it as it is).

    >>> normalize_text("ba\u200bnk \ufb01sh")
    'bank fish'

    Raises:
        InputError: a control character that is not white space (names it and its 0-based
            position in characters, in ``what``).
    """
    ascii_text = text.isascii()
    found = (_ASCII_CONTROL if ascii_text else _category_class("Cc", spaces=False)).search(text)
    if found:
        code = ord(found.group())
        name = _CONTROL_NAMES.get(code, "a control character")
        raise InputError(f"{what} has U+{code:04X} ({name}) at character {found.start()}: "
                         "remove it (of the control characters only white space such as tab "
                         "and newline is taken)")
    if ascii_text:
        return text
    text = _category_class("Cf").sub("", text)
    text = text if unicodedata.is_normalized("NFKC", text) else \
        unicodedata.normalize("NFKC", text)
    return text.translate(_TO_HYPHEN_MINUS)


# U+2010 HYPHEN and U+2011 NON-BREAKING HYPHEN (NFKC makes the second the first) are the
# hyphen-minus of a compound as WordNet and the tokenizer write it: "hot‑dog" is "hot-dog".
_TO_HYPHEN_MINUS = str.maketrans({"\u2010": "-", "\u2011": "-"})


def source_offsets(text: str, normalized: str | None = None
                   ) -> tuple[list[int], list[int]] | None:
    """Where each character of ``normalize_text(text)`` (``normalized``, when the caller
    has it already) comes from in ``text``: ``(starts, ends)``, two lists as long as the
    normalized text, character ``i`` of it made from ``text[starts[i]:ends[i]]``; None
    where the normalized text is ``text`` itself (offsets are the same). A character and the
    combining marks after it are normalized together (NFKC composes within such a run: "e" +
    U+0301 -> "é" spans both), a format character maps to nothing; where that piecewise
    normalization would differ from the whole text's, each character is mapped in
    proportion (never the case for text NFKC composes only within runs).

    >>> source_offsets("a\u200bb")
    ([0, 2], [1, 3])
    """
    if normalized is None:
        normalized = normalize_text(text)
    if normalized == text:
        return None
    starts: list[int] = []
    ends: list[int] = []
    begin = 0
    for at in range(1, len(text) + 1):
        if at < len(text) and (unicodedata.combining(text[at])
                               or 0x1160 <= ord(text[at]) <= 0x11FF):
            continue  # a combining mark or a Hangul vowel/final joins the run before it
        piece = normalize_text(text[begin:at])
        starts += [begin] * len(piece)
        ends += [at] * len(piece)
        begin = at
    if len(starts) != len(normalized):
        scale = len(text) / max(len(normalized), 1)
        starts = [int(i * scale) for i in range(len(normalized))]
        ends = [max(int((i + 1) * scale), start + 1) for i, start in enumerate(starts)]
    return starts, ends


#: What :func:`check_text` tells to do about text that is not UTF-8 (a query's text).
UTF8_ADVICE = "give UTF-8 text, or a file with --file and --encoding"


def check_text(text: object, what: str = "text", advice: str = UTF8_ADVICE) -> str:
    """``text`` under the module's input policy (:func:`normalize_text`) when it is a string
    that can be written as UTF-8: callers use the returned text. ``advice``: what the error
    for text that is not UTF-8 tells to do (a corpus reader's own).

    Raises:
        InputError: ``text`` is not a string, or holds a lone surrogate: a byte that was not
            UTF-8 (a command line in another encoding arrives as ``\\udce9`` for the byte
            0xe9), or a control character other than white space; named with its position
            (0-based, in characters).
    """
    if not isinstance(text, str):
        raise InputError(f"{what} must be a string, not {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        char = ord(text[exc.start])
        byte = f"the byte 0x{char - 0xDC00:02x}" if 0xDC80 <= char <= 0xDCFF else \
            f"the lone surrogate U+{char:04X}"
        raise InputError(f"{what} is not valid UTF-8: {byte} at character {exc.start} "
                         f"({advice})") from None
    return normalize_text(text, what)


def tokenize(text: str) -> list[str]:
    """Split raw text into tokens (see the module docstring for the rules), after the input
    policy (:func:`check_text`): the tokens are substrings of :func:`normalize_text` of
    ``text``.

    Raises:
        InputError: ``text`` is not a string, not valid Unicode, or has a control character
            (:func:`check_text`).
    """
    text = check_text(text)
    tokens: list[str] = []
    for m in _token_re().finditer(text):
        if m.lastgroup == "word":
            before = text[m.start() - 1] if m.start() else ""
            tokens.extend(part for piece in _split_clitics(m.group())
                          for part in _split_unit(piece, before))
        else:
            tokens.append(m.group())
    return tokens


def _norm(s: str) -> str:
    """``s`` as a target is matched: single spaces, casefolded, the typographic apostrophe
    (U+2019, from word processors) read as the typed one."""
    return " ".join(s.split()).casefold().replace("\u2019", "'")


# The stems the Penn Treebank split leaves before "n't" (can't -> ca n't, won't -> wo n't,
# shan't -> sha n't) are the modals can, will, shall, never words as written ("ca" is
# California's and calcium's symbol, "wo" nothing); ain't -> ai n't is be ("ai" was tagged
# the three-toed sloth)
CLITIC_STEMS = {"ca": "can", "wo": "will", "sha": "shall", "ai": "be"}
#: The modal auxiliaries that take "n't" (can't, couldn't, won't, mustn't, needn't, ...):
#: negated, always the auxiliary, which WordNet has no sense of (its "can" is a tin, its
#: "will" a bequest): ``tag`` does not tag them and ``wsd`` refuses them.
NEGATED_MODALS = frozenset("can could will would shall should may might must ought need dare"
                           .split())
#: "do" with "n't" (don't, doesn't, didn't) is always do-support, the auxiliary: a main verb
#: "do" is negated through it ("I *don't* do that"). Refused and left untagged as above.
NEGATED_DO = frozenset({"do", "does", "did"})


def is_negation_clitic(word: str | None) -> bool:
    """Whether ``word`` is the ``n't`` the tokenizer splits off a negated auxiliary (either
    apostrophe, any case)."""
    return word is not None and _norm(word) == "n't"


def stem_reading(word: str, following: str | None) -> str:
    """``word`` as it is read: a stem of :data:`CLITIC_STEMS` that ``"n't"`` (either
    apostrophe) follows is its modal, in the stem's case (``"Ca"`` -> ``"Can"``); any other
    word is itself.

    >>> stem_reading("ca", "n't"), stem_reading("ca", "."), stem_reading("WO", "N'T")
    ('can', 'ca', 'WILL')
    """
    modal = CLITIC_STEMS.get(word.lower())
    if not modal or not is_negation_clitic(following):
        return word
    return modal.upper() if word.isupper() else \
        modal.capitalize() if word[:1].isupper() else modal


def clitic_stems(words: list[str]) -> list[str]:
    """``words`` with each stem before "n't" read as its modal (:func:`stem_reading`):
    ``["I", "ca", "n't"]`` -> ``["I", "can", "n't"]``."""
    return [stem_reading(word, words[at + 1] if at + 1 < len(words) else None)
            for at, word in enumerate(words)]


# The verb clitics the Penn Treebank split leaves after a word (he's -> he 's, they're ->
# they 're), each with the full forms it is read as: 's is "is" or "has" ("he's tired", "he's
# gone"), 'd "would" or "had"; WordNet has no entry for a clitic as written
CLITIC_VERBS = {"'s": ("is", "has"), "'re": ("are",), "'ve": ("have",), "'ll": ("will",),
                "'d": ("would", "had"), "'m": ("am",)}
# Words a verb clitic contracts with and never a possessive 's: personal pronouns, wh-words
# and there/here/that ("it's", "who's", "there's"); after any other word ("bank's", "John's")
# a target's 's is read as a possessive
CONTRACTING = frozenset("i you he she it we they who what where when why how that there here"
                        .split())


def clitic_verb_forms(word: str) -> tuple[str, ...]:
    """The full verb forms a clitic token is read as (:data:`CLITIC_VERBS`; either
    apostrophe, any case), () for any other word.

    >>> clitic_verb_forms("'s"), clitic_verb_forms("’RE"), clitic_verb_forms("bank")
    (('is', 'has'), ('are',), ())
    """
    return CLITIC_VERBS.get(word.lower().replace("\u2019", "'"), ())


def is_contraction(host: str, clitic: str) -> bool:
    """Whether ``host`` then ``clitic`` is a pronoun's verb contraction ("He" "'s", "they"
    "'re", "I" "'m": :data:`CONTRACTING`), not a possessive ("bank" "'s")."""
    return host.lower().replace("\u2019", "'") in CONTRACTING and bool(clitic_verb_forms(clitic))


#: How many of a sentence's tokens a target-not-found message lists (a long sentence's whole
#: listing ran to thousands of characters).
LISTED_TOKENS = 40


def find_target(tokens: list[str], target: str, at: int | None = None) -> tuple[int, int]:
    """The token span ``[start, end)`` of ``target`` in ``tokens``.

    The target goes through the input policy (:func:`check_text`), is tokenized with
    :func:`tokenize` (``"take place"`` spans two tokens; punctuation around its words is left
    out: ``"bank."`` is ``"bank"``) and matched case-insensitively, a
    typographic apostrophe (’) matching a typed one ('); a
    single token equal to the whole target (a multiword token such as ``"took place"``) also
    matches, and so do the target's words as written, split at white space only (a sentence
    given tokenized with ``"baker's"`` one token holds the target ``"baker's dozen"``); a
    target written with underscores as WordNet writes a lemma matches its words apart
    (``"ice_cream"`` is ``"ice cream"``), and so does a hyphenated target's words apart
    (``"ice-cream"`` is ``"ice cream"``); a
    stem before "n't" matches as its modal too (:func:`stem_reading`: the target
    ``"can"`` is the ``"ca"`` of ``"I ca n't swim"``). The first occurrence is returned, or
    the one that starts at token ``at`` (0-based) when ``at`` is given. A number glued
    to its unit (``"80kg"``) is the unit's token.
    """
    if not tokens or all(not t.strip() for t in tokens):
        raise InputError("empty sentence")
    given, target = target, check_text(target, "the target")  # messages quote it as given
    parts = [_norm(p) for p in tokenize(target)]
    if not parts:
        raise InputError("empty target")
    # punctuation typed around the word is not part of it: "bank." is "bank" ("bank ." was
    # looked up as a two-word expression WordNet does not know)
    while len(parts) > 1 and not any(c.isalnum() for c in parts[-1]):
        parts.pop()
    while len(parts) > 1 and not any(c.isalnum() for c in parts[0]):
        parts.pop(0)
    # a number glued to its unit: the target "80kg" is the unit, the word WordNet has
    if len(parts) == 2 and parts[0].isdigit() and _split_unit("".join(parts)) == parts:
        parts.pop(0)
    # a sentence given tokenized may keep "baker's" or "Achilles'" whole: the target's
    # words as written (split at white space) match too
    words = [_norm(w) for w in target.split()]
    # a lemma as WordNet writes it: "ice_cream" is "ice cream" in the sentence
    spaced = [_norm(p) for p in tokenize(target.replace("_", " "))] if "_" in target else []
    # and a hyphenated target's words written apart: "ice-cream" finds "ice cream" (the
    # other way, "ice cream" for "ice-cream", is the retriever's lemma lookup)
    unhyphened = [_norm(p) for p in tokenize(target.replace("-", " "))] if "-" in target else []
    stems = clitic_stems(list(tokens))  # "ca n't" read "can n't"
    starts = range(len(tokens)) if at is None else [at] if 0 <= at < len(tokens) else []
    # as written first; then with accents dropped on both sides ("cafe" finds "café",
    # "café" finds "cafe"), as WordNet writes its lemmas without them
    for fold in (str, without_accents):
        spellings = [[fold(p) for p in parts]]
        if words != parts:
            spellings.append([fold(w) for w in words])
        if spaced and spaced != parts:
            spellings.append([fold(w) for w in spaced])
        if len(unhyphened) > 1:
            spellings.append([fold(w) for w in unhyphened])
        whole = fold(_norm(target))
        low = [fold(_norm(t)) for t in tokens]
        read = [fold(_norm(t)) for t in stems]
        for i in starts:
            for spelling in spellings:
                n = len(spelling)
                if low[i:i + n] == spelling or read[i:i + n] == spelling:
                    return i, i + n
            if whole in (low[i], read[i]):
                return i, i + 1
    shown = [f"{i}:{t}" for i, t in enumerate(tokens[:LISTED_TOKENS])]
    if len(tokens) > LISTED_TOKENS:
        shown.append(f"... ({len(tokens)} tokens)")
    listing = " ".join(shown)
    if at is None:
        raise TargetNotFoundError(f'target "{given}" is not in the sentence: {listing}')
    try:  # elsewhere in the sentence? say where (it was "not in the sentence at token 0")
        start, _ = find_target(tokens, given)
    except TargetNotFoundError:
        raise TargetNotFoundError(f'target "{given}" is not in the sentence (asked at token '
                                  f'{at}): {listing}') from None
    found = [start]  # every place: "fan ... fan" named only the first
    while found[-1] + 1 < len(tokens):
        try:
            found.append(found[-1] + 1 + find_target(tokens[found[-1] + 1:], given)[0])
        except TargetNotFoundError:
            break
    places = found[0] if len(found) == 1 else ", ".join(map(str, found[:-1])) + \
        f" and {found[-1]}"
    raise TargetNotFoundError(f'target "{given}" is not at token {at} but at token'
                              f'{"s" if len(found) > 1 else ""} {places} (tokens count '
                              f'from 0): {listing}')


def token_offsets(sentence: str, tokens: Sequence[str], base: int = 0) -> list[tuple[int, int]]:
    """Character spans of ``tokens`` (``tokenize(sentence)``, each a substring in order) in
    ``sentence``, shifted by ``base``.

    Raises:
        InputError: a token is not found in order (the tokens are not ``sentence``'s).
    """
    spans, cursor = [], 0
    for token in tokens:
        at = sentence.find(token, cursor)
        if at < 0:
            raise InputError(f"token {token!r} is not in the sentence after character "
                             f"{cursor}")
        spans.append((base + at, base + at + len(token)))
        cursor = at + len(token)
    return spans


def written_span(sentence: str, tokens: Sequence[str], start: int, end: int) -> str:
    """``tokens[start:end]`` as ``sentence`` writes them (``tokens`` is ``tokenize(sentence)``,
    ``sentence`` as :func:`normalize_text` gives it): its characters from the first token's
    start to the last one's end, each run of white space as one space. A word the tokenizer
    split is whole again: what a user reads, not what the encoder and the lookup see.

    >>> written_span("Alzheimer's disease is common", ["Alzheimer", "'s", "disease", "is",
    ...                                                "common"], 0, 3)
    "Alzheimer's disease"

    Raises:
        InputError: the span is empty or outside the tokens, or a token is not found in
            order (:func:`token_offsets`).
    """
    if not 0 <= start < end <= len(tokens):
        raise InputError(f"span [{start}, {end}) is not inside the {len(tokens)} words")
    spans = token_offsets(sentence, tokens[:end])
    return " ".join(sentence[spans[start][0]:spans[end - 1][1]].split())


def merge_span(words: list[str], start: int, end: int) -> tuple[list[str], int]:
    """The words with the span ``[start, end)`` merged into one word (joined by single spaces,
    as a multiword target is encoded), and the index of that word (``start``).

    >>> merge_span(["It", "took", "place", "here"], 1, 3)
    (['It', 'took place', 'here'], 1)

    Raises:
        InputError: the span is empty or outside the words.
    """
    if not 0 <= start < end <= len(words):
        raise InputError(f"span [{start}, {end}) is not inside the {len(words)} words")
    return [*words[:start], " ".join(words[start:end]), *words[end:]], start
