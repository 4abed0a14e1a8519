"""Tagging a stream of texts: one JSON-ready record per tagged word, as it goes.

:func:`tag_stream` reads texts (a file's lines, or any iterable of strings) lazily and tags
them the way ``SenseIndex.tag`` does (same sentence split, content words, multiword
expressions and scoring), a bounded number of sentences at a time: memory stays constant
however long the input, and each chunk of sentences is ONE encoder pass.

    >>> import sensedb, json
    >>> index = sensedb.open("./semcor-index")                        # doctest: +SKIP
    >>> with open("big.txt", encoding="utf-8") as lines:              # doctest: +SKIP
    ...     for record in sensedb.streaming.tag_stream(index, lines):
    ...         print(json.dumps(record))
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from .corpora.tokenize import check_text, source_offsets, token_offsets, tokenize
from .errors import Error, InputError
from .retriever.target import check_probability

__all__ = ["disambiguate_spans", "sentence_offsets", "tag_stream", "token_offsets",
           "write_jsonl"]


@dataclass
class Span:
    """A word (or multiword expression) to disambiguate: the sentence's ``words``, the
    token span ``[start, end)`` and its candidate (lemma, POS) pairs."""

    words: Sequence[str]
    start: int
    end: int
    pairs: list[tuple[str, str]]


def disambiguate_spans(index, spans: Sequence[Span], *, k: int = 0) -> list:
    """One ``Disambiguation`` per span, as ``SenseIndex.tag`` computes them: WordNet vectors
    of new lemmas added once, ONE ``encode_targets`` call for all the spans (one encoder
    pass: word vectors, POS tags and, when the scoring weighs them, sentence vectors), then
    ``index.disambiguate`` per span with ``k`` nearest labelled usages and the POS head's
    evidence.

    Raises:
        sensedb.Error: from the index (``IndexFormatError`` for a damaged one).
    """
    if not spans:
        return []
    targets = [index.locate(list(s.words[:s.start]) + [" ".join(s.words[s.start:s.end])]
                            + list(s.words[s.end:]), None, s.start) for s in spans]
    every_pair = [pair for span in spans for pair in span.pairs]
    index.ensure(every_pair)
    index.prefetch(every_pair)
    # with the POS head's tags and the sentence vectors, one pass
    vectors, tags, contexts = index.encode_targets(targets)
    return [index.disambiguate(target, span.pairs, vector, k=k, context=context, pos_logp=tag)
            for target, span, vector, context, tag in zip(targets, spans, vectors, contexts,
                                                          tags, strict=True)]


def sentence_offsets(text: str) -> list[tuple[int, int]]:
    """Character spans ``[start, end)`` of ``text``'s sentences, as the tagger splits them
    (:func:`sensedb.retriever.tagger.sentence_spans`)."""
    from .retriever.tagger import sentence_spans

    return sentence_spans(text)


#: Sentences held before a chunk is tagged (``max_sentences``' default): each chunk costs
#: its own lookups and a batch sorted by length within it, so small chunks are slower. 400
#: SemCor sentences (5,160 tagged words; ``scripts/bench_stream.py``, a loaded machine):
#: the whole text at once 11.4-13.5 s, chunks of 64 sentences 16.2-18.5 s, of 256 13.6-14.4 s,
#: of 1,024 14.2-15.2 s. (A tester's 2.2x for 64 came from text of a few sentences repeated,
#: which the whole text encodes once each.)
CHUNK_SENTENCES = 256
#: Words held before a chunk is tagged (with ``max_sentences``): 256 ordinary sentences are
#: about 6,000 words; pieces of a text without sentence punctuation (1,700 words each) go
#: four or five at a time.
CHUNK_WORDS = 8192


def tag_stream(index, texts: Iterable[str], *, min_confidence: float = 0.0,
               max_sentences: int = CHUNK_SENTENCES, offsets: bool = True
               ) -> Iterator[dict[str, Any]]:
    """Tag every content word of every text as :func:`~sensedb.retriever.tagger.tag_text`
    does (its words, readings and answers), yielding one dict per word in input order:

    ``{"text": n, "sentence": s, "position": p, "start": c0, "end": c1, "particle", "word",
    "lemma", "pos", "key", "synset", "offset", "gloss", "score", "confidence", "margin",
    "novel", "candidates", "components"}``

    ``text``: the 0-based number of the input text (a file's line number from 0);
    ``sentence``/``position``: the sentence within the text and the token within it (as
    ``tag --json``); ``start``/``end``: character offsets of the word in its text as given
    (``text[start:end]`` is the word as written there, before
    :func:`sensedb.corpora.tokenize.normalize_text`: a zero-width space inside it, an accent
    written as a combining mark; :func:`~sensedb.corpora.tokenize.source_offsets`; a
    multiword expression spans its words);
    ``particle``: for a phrasal verb whose particle stands apart ("*turn* the lights *off*":
    the record's word, start and end are the verb's) ``{"position", "word", "start",
    "end"}`` of the particle, likewise; else None;
    ``key`` is None below ``min_confidence`` (0-1; else InputError);
    ``offset`` the synset's WordNet offset and letter (``09213565-n``); ``score`` the best
    sense's evidence score, ``confidence`` its probability (0-1, 4 decimals as ``tag``);
    ``components``: for a multiword expression, each of its words WordNet knows read alone
    in the same context (``{"position", "start", "end", "word", "lemma", ... "candidates"}``,
    as ``TaggedWord.components``), else None.

    At most ``max_sentences`` sentences, and about :data:`CHUNK_WORDS` words, are held at a
    time (one encoder pass each chunk), so memory does not grow with the input and records
    come out as it is read (a sentence over ``tagger.MAX_SENTENCE_CHARS`` comes as pieces).
    Texts without content words yield nothing. A text that breaks the input policy (or an
    error ``texts`` raises: a file's line that is not its encoding) stops the stream after
    the texts before it are tagged.

    Raises:
        sensedb.Error: from the index (``IndexFormatError`` for a damaged one).
    """
    if max_sentences < 1:
        raise InputError(f"max_sentences must be at least 1, not {max_sentences}")
    min_confidence = check_probability(min_confidence)
    pending: list[tuple] = []  # text, sentence, its text, tokens, start, source offsets
    words = 0
    numbered = enumerate(texts)
    while True:
        try:
            number, given = next(numbered)
            text = check_text(given, f"text {number}")  # the policy; offsets to given
        except StopIteration:
            break
        except Error:  # a bad text (a file's bad line): the texts before it are tagged first
            if pending:
                yield from _tag_chunk(index, pending, min_confidence)
            raise
        source = source_offsets(given, text)
        for sentence_number, (start, end) in enumerate(sentence_offsets(text)):
            sentence = text[start:end]
            tokens = tokenize(sentence)
            pending.append((number, sentence_number, sentence, tokens, start, source))
            words += len(tokens)
            if len(pending) >= max_sentences or words >= CHUNK_WORDS:
                yield from _tag_chunk(index, pending, min_confidence)
                pending, words = [], 0
    if pending:
        yield from _tag_chunk(index, pending, min_confidence)


def _tag_chunk(index, chunk, min_confidence: float) -> Iterator[dict]:
    """The records of ``chunk``'s sentences ((text number, sentence number, sentence,
    its tokens, the sentence's first character in its text)), tagged together by
    ``tagger.tag_words`` as ``tag`` tags them (main verbs, multiword readings against their
    words from context): one encoder pass."""
    from .retriever.tagger import tag_words

    chunk = [place for place in chunk if place[3]]
    if not chunk:
        return
    tagged = tag_words(index, [place[3] for place in chunk],
                       texts=[place[2] for place in chunk])
    for (number, sentence_number, sentence, words, base, source), found in zip(
            chunk, tagged, strict=True):
        where = token_offsets(sentence, words, base)
        if source is not None:  # offsets into the text as given, not as normalized
            starts, ends = source
            where = [(starts[a], ends[b - 1]) for a, b in where]
        for target, _, answer in found:
            particle = target.particle
            yield word_record(index, answer, min_confidence,
                              lambda n, where=where: {"position": n, "start": where[n][0],
                                                      "end": where[n][1]},
                              text=number,
                              sentence=sentence_number, position=target.index,
                              start=where[target.index][0],
                              end=where[target.span_end(words) - 1][1],
                              particle=None if particle is None else {
                                  "position": particle, "word": words[particle],
                                  "start": where[particle][0], "end": where[particle][1]})


def word_record(index, answer, min_confidence: float = 0.0,
                component_place: Callable[[int], dict] | None = None,
                **place: Any) -> dict[str, Any]:
    """A tagged word as JSON: ``place`` (text, sentence, position, start, end), then the
    word and its best sense as ``TaggedWord`` shows it (``tagger.chosen_sense``: ``key``,
    ``synset``, ``offset``, ``gloss`` and ``score`` None below ``min_confidence``), and
    last ``components`` (a multiword expression's words read alone,
    ``tagger.component_records``; None for a single word), each placed by
    ``component_place(token position)`` (default: the position alone)."""
    from .retriever.tagger import chosen_sense, component_records

    return {**place, "word": answer.target, **chosen_sense(index, answer, min_confidence),
            "components": component_records(
                index, answer, min_confidence,
                component_place or (lambda position: {"position": position}))}


def write_jsonl(index, texts: Iterable[str], out: IO[str], *, min_confidence: float = 0.0,
                max_sentences: int = CHUNK_SENTENCES) -> int:
    """Write :func:`tag_stream`'s records to ``out``, one JSON object a line (UTF-8 text,
    flushed after each chunk of sentences); returns how many were written. ``texts`` is
    read lazily (an open file is read line by line, each line a text).

    Raises:
        sensedb.Error: from the index.
    """
    written = 0
    for record in tag_stream(index, texts, min_confidence=min_confidence,
                             max_sentences=max_sentences):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        written += 1
        if written % 256 == 0:
            out.flush()
    out.flush()
    return written
