"""Tagging raw text: every content word WordNet knows gets a sense and a confidence.

Text is split into sentences after ``.``, ``!`` or ``?`` followed by white space, then into
words by ``sensedb.tokenize``. Closed-class words (articles, pronouns, prepositions,
auxiliaries, ...) and tokens without letters are skipped. Multiword expressions WordNet knows
("took place", "look for") are found greedily, longest first (up to three words). With no
part-of-speech tagger, a word's candidates are its senses in every POS WordNet's morphology
allows; the scoring chooses among all of them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from ..corpora.tokenize import check_text, tokenize
from .discourse import one_sense_per_discourse as agree
from .target import merged

if TYPE_CHECKING:  # the facade delegates to tag_text: no import at module level
    from .index import SenseIndex

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
STOPWORDS = frozenset("""
a an the this that these those some any each every either neither no all both half
i me my mine myself you your yours yourself yourselves he him his himself she her hers
herself it its itself we us our ours ourselves they them their theirs themselves
who whom whose which what whatever whoever one ones
and or but nor so yet for if then than because while although though unless until since
whether as
of in on at by to from with without within into onto upon about above below over under
between among through during before after against across along around behind beyond
near off out up down per via like
be am is are was were been being have has had having do does did doing done
will would shall should can could may might must ought
not n't 's 're 've 'll 'd 'm there here also just very too only even
""".split())


@dataclass
class TaggedWord:
    """One tagged content word: its sentence number and token position, the chosen sense
    (``key`` None when abstaining), ``confidence`` (the sense's probability, 0-1), ``margin``
    (minus the runner-up's), ``novel`` (far from every labelled usage) and how many
    candidate senses it had."""

    sentence: int
    position: int  # token position in the sentence (first token of a multiword expression)
    word: str
    lemma: str
    pos: str
    key: str | None  # None when abstaining (confidence under the threshold)
    synset: str
    gloss: str
    confidence: float
    margin: float
    novel: bool
    candidates: int

    def to_dict(self) -> dict:
        return asdict(self)


@functools.lru_cache(maxsize=1)
def _sentencizer():
    """spaCy's blank English pipeline with its rule-based sentencizer (no model to download):
    its tokenizer keeps abbreviations such as "Mr.", "e.g." and "U.S." whole, so their periods
    end no sentence."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``[start, end)`` of ``text``'s sentences, outer white space left out
    and empty ones dropped, by spaCy's rule-based sentencizer (a well-kept library: sentence
    splitting is not this product's business). A text over spaCy's length limit is cut at
    ``.``, ``!`` or ``?`` followed by white space instead."""
    nlp = _sentencizer()
    if len(text) >= nlp.max_length:
        cuts = [(m.start(), m.end()) for m in SENTENCE_END.finditer(text)]
        bounds = list(zip([0] + [end for _, end in cuts], [s for s, _ in cuts] + [len(text)],
                          strict=True))
    else:
        bounds = [(s.start_char, s.end_char) for s in nlp(text).sents]
    spans = []
    for begin, end in bounds:
        part = text[begin:end]
        if part.strip():
            first = begin + len(part) - len(part.lstrip())
            spans.append((first, first + len(part.strip())))
    return spans


def split_sentences(text: str) -> list[str]:
    """``text``'s sentences (see :func:`sentence_spans`), each stripped."""
    return [text[begin:end] for begin, end in sentence_spans(text)]


def content_spans(index: SenseIndex, words: list[str]) -> list[tuple[int, int, list]]:
    """(start, end, [(lemma, POS), ...]) of every content word or known multiword."""
    spans, start = [], 0
    while start < len(words):
        for length in (3, 2, 1):
            end = start + length
            if end > len(words):
                continue
            piece = words[start:end]
            if length == 1 and (piece[0].lower() in STOPWORDS or
                                not any(c.isalpha() for c in piece[0])):
                break
            if length > 1 and not all(any(c.isalpha() for c in w) for w in piece):
                continue
            pairs = index.inventory.lemmatize(" ".join(piece))
            if pairs and (length == 1 or any("_" in lemma for lemma, _ in pairs)):
                if length > 1:
                    pairs = [(lemma, pos) for lemma, pos in pairs if "_" in lemma]
                spans.append((start, end, pairs))
                start = end - 1
                break
        start += 1
    return spans


def tag_text(index: SenseIndex, text: str, *, one_sense_per_discourse: bool = False,
             min_confidence: float = 0.0, progress: bool = False) -> list[TaggedWord]:
    """Tag every content word of raw ``text`` that WordNet knows with ``index``'s scoring.

    ``one_sense_per_discourse``: the text is one discourse (every occurrence of a lemma gets
    the same sense); ``min_confidence``: abstain (``key`` None) below that probability (0-1).
    WordNet vectors of new lemmas are added first (``index.ensure``).

    Raises:
        InputError: ``text`` is not a string or not valid Unicode.
        IndexFormatError: the index is damaged (see ``SenseIndex.check``).
    """
    check_text(text)
    sentences = [tokenize(s) for s in split_sentences(text)]
    targets, spans_of = [], []
    for number, words in enumerate(sentences):
        for start, end, pairs in content_spans(index, words):
            targets.append(merged(words, start, end))
            spans_of.append((number, pairs))
    if not targets:
        return []
    index.ensure((pair for _, pairs in spans_of for pair in pairs), progress=progress)
    index.prefetch(pair for _, pairs in spans_of for pair in pairs)
    vectors = index.query_vectors(targets, raw=True, progress=progress)
    contexts = index.context_vectors(targets)
    answers = [index.disambiguate(t, pairs, v, k=0, context=c)
               for t, (_, pairs), v, c in zip(targets, spans_of, vectors, contexts, strict=True)]
    if one_sense_per_discourse:  # the text is one discourse
        answers = agree(answers, ["text"] * len(answers))
    tagged = []
    for target, (number, _), answer in zip(targets, spans_of, answers, strict=True):
        best = answer.best
        confident = best is not None and (best.probability or 0.0) >= min_confidence
        tagged.append(TaggedWord(
            sentence=number, position=target.index, word=target.surface,
            lemma=best.lemma if best else answer.lemma, pos=best.pos if best else answer.pos,
            key=best.key if confident else None, synset=best.synset if best else "",
            gloss=best.gloss if best else "", confidence=round(answer.confidence, 4),
            margin=round(answer.margin, 4), novel=answer.novel,
            candidates=len(answer.senses)))
    return tagged
