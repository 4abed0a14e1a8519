"""A spaCy pipeline component: sensedb's word senses on spaCy's tokens.

    >>> import spacy, sensedb.spacy_component                          # doctest: +SKIP
    >>> nlp = spacy.blank("en")
    >>> nlp.add_pipe("sensedb", config={"index": "./semcor-index"})
    >>> doc = nlp("He sat on the bank of the river.")
    >>> doc[4]._.sense, doc[4]._.synset, doc[4]._.sense_score
    ('bank%1:17:01::', 'bank.n.01', 0.62)

Registered as the factory ``"sensedb"`` when this module is imported and through the
``spacy_factories`` entry point (the ``spacy`` extra), so ``nlp.add_pipe("sensedb")`` works
without an import. Config: ``index`` (an index directory; null: the default index),
``k`` (how many candidate senses ``token._.sense_candidates`` keeps), ``min_confidence``
(below it ``token._.sense`` is None; 0-1), ``options`` (keyword arguments of
``sensedb.open``, e.g. ``{"wordnet_evidence": false}``).

Extensions set on each tagged word (every token of a multiword expression):
``token._.sense`` (sense key or None), ``token._.synset`` (``bank.n.01``),
``token._.sense_score`` (the best sense's probability, 0-1),
``token._.sense_candidates`` (``[{"key", "synset", "probability", "score"}, ...]`` best
first, at most ``k``); on the doc, ``doc._.senses``: one dict per tagged word (``start``,
``end`` token indices, ``start_char``, ``end_char``, and the fields of ``tag_stream``'s
records; a phrasal verb whose particle stands apart is tagged on the verb and its
``particle`` gives the particle's ``start``, ``end``, ``start_char``, ``end_char`` and
``word``, else None).

Words are spaCy's tokens (their texts are passed to sensedb as a pre-tokenized sentence;
white-space tokens are skipped), except that a word spaCy splits at its hyphens is one word
again (``ice-cream``), and a word's text goes through sensedb's input policy (a zero-width
space removed), as ``tag`` reads them; sentences are ``doc.sents`` when the pipeline sets sentence
boundaries, else split after ``.``, ``!``, ``?`` followed by white space, as ``tag`` does.
Without a tagger in the pipeline, content words and multiword expressions are chosen as
``tag`` chooses them (``tagger.tag_words``). When the pipeline has a tagger (``token.pos_``
is set), a single-token word tagged NOUN/PROPN, VERB, ADJ or ADV gets only the senses of
that part of speech, a token with any other tag is skipped, and a multiword expression is
read whole. ``nlp.pipe`` disambiguates each
batch of docs in one encoder pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.util import minibatch

from .streaming import Span, disambiguate_spans, word_record

TOKEN_EXTENSIONS = ("sense", "synset", "sense_score", "sense_candidates")
CONTENT_POS = {"NOUN": "NOUN", "PROPN": "NOUN", "VERB": "VERB", "ADJ": "ADJ", "ADV": "ADV"}


def _register_extensions() -> None:
    for name in TOKEN_EXTENSIONS:
        if not Token.has_extension(name):
            Token.set_extension(name, default=None)
    if not Doc.has_extension("senses"):
        Doc.set_extension("senses", default=None)


class SenseTagger:
    """The ``"sensedb"`` component (see the module docstring). The index is opened on first
    use (``sensedb.open(index, **options)``); assign :attr:`index` an open ``SenseIndex`` to
    share one. Not thread-safe (neither is the encoder).

    Raises (on first use): ``sensedb.Error`` when the index cannot be opened.
    """

    def __init__(self, nlp: Language, name: str = "sensedb", *,
                 index: str | os.PathLike | None = None, k: int = 5,
                 min_confidence: float = 0.0, options: dict | None = None) -> None:
        _register_extensions()
        self.name, self.k, self.min_confidence = name, int(k), float(min_confidence)
        self.path, self.options = index, dict(options or {})
        self._index: Any = None

    @property
    def index(self) -> Any:
        """The open ``SenseIndex`` (opened now if not yet)."""
        if self._index is None:
            from . import open as open_index

            self._index = open_index(self.path, **self.options)
        return self._index

    @index.setter
    def index(self, value: Any) -> None:
        self._index = value

    def __call__(self, doc: Doc) -> Doc:
        """Tag ``doc``'s content words (one encoder pass)."""
        self.tag_docs([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 64) -> Iterator[Doc]:
        """Tag docs ``batch_size`` at a time, each batch in one encoder pass."""
        for batch in minibatch(stream, size=batch_size):
            docs = list(batch)
            self.tag_docs(docs)
            yield from docs

    def tag_docs(self, docs: list[Doc]) -> None:
        """Set the extensions on every doc of ``docs`` (one encoder pass for them all).

        A doc without POS tags is read as ``tag`` reads text (``tagger.tag_words``: main
        verbs be/have/do, a multiword reading weighed against its words in context); a doc
        the pipeline tagged gets, for each content word, the senses of its tag only."""
        from .retriever.tagger import content_spans, tag_words

        index = self.index
        spans: list[Span] = []
        places: list[tuple[Doc, list[Token]]] = []
        plain: list[tuple[Doc, list[list[Token]], list[str]]] = []
        for doc in docs:
            doc._.senses = []
            tagged_pos = doc.has_annotation("POS")
            for tokens in _sentences(doc):
                groups = _words(tokens)
                words = [_word_text(group) for group in groups]
                if not tagged_pos:
                    plain.append((doc, groups, words))
                    continue
                for start, end, pairs in content_spans(index, words):
                    if end - start == 1 and len(groups[start]) == 1:
                        pos = CONTENT_POS.get(groups[start][0].pos_)
                        pairs = [p for p in pairs if p[1] == pos] if pos else []
                        if not pairs:
                            continue
                    spans.append(Span(words, start, end, pairs))
                    places.append((doc, [t for group in groups[start:end] for t in group]))
        answers = disambiguate_spans(index, spans)
        for (doc, tokens), answer in zip(places, answers, strict=True):
            self._set(doc, tokens, answer)
        if not plain:
            return
        tagged = tag_words(index, [words for _, _, words in plain])
        for (doc, groups, words), found in zip(plain, tagged, strict=True):
            for target, _, answer in found:
                span = groups[target.index:target.span_end(words)]
                self._set(doc, [t for group in span for t in group], answer,
                          None if target.particle is None else groups[target.particle])

    def _set(self, doc: Doc, tokens: list[Token], answer,
             particle: list[Token] | None = None) -> None:
        apart: dict[str, int | str] | None = None
        if particle is not None:  # a phrasal verb's particle standing apart
            where = _place(particle)
            apart = {**where, "word": doc.text[where["start_char"]:where["end_char"]]}
        record = word_record(self.index, answer, self.min_confidence, **_place(tokens),
                             particle=apart)
        candidates = [{"key": s.key, "synset": s.synset, "probability": s.probability,
                       "score": s.score} for s in answer.senses[:self.k]]
        for token in tokens:
            token._.sense = record["key"]
            token._.synset = record["synset"] or None
            token._.sense_score = record["confidence"]
            token._.sense_candidates = candidates
        doc._.senses.append(record)


def _place(tokens: list[Token]) -> dict[str, int]:
    """Where a tagged word (or a separated particle) is in its doc, as its consecutive spaCy
    ``tokens``: ``start``/``end`` token indices, ``start_char``/``end_char``."""
    return {"start": tokens[0].i, "end": tokens[-1].i + 1, "start_char": tokens[0].idx,
            "end_char": tokens[-1].idx + len(tokens[-1].text)}


def _words(tokens: list[Token]) -> list[list[Token]]:
    """``tokens`` grouped into the words sensedb's own tokenizer reads (``tag``): spaCy splits
    a hyphenated word into its parts and the hyphens (``ice-cream`` -> ``ice``, ``-``,
    ``cream``), which WordNet has whole (``ice_cream``, ``state-of-the-art``); parts joined by
    a hyphen with no white space around it are one word again."""
    groups: list[list[Token]] = []
    for token in tokens:
        last = groups[-1] if groups else None
        if last is not None and not last[-1].whitespace_ and (
                (token.text == "-" and last[-1].text[-1:].isalnum())
                or (last[-1].text == "-" and len(last) > 1 and token.text[:1].isalnum())):
            last.append(token)
        else:
            groups.append([token])
    out: list[list[Token]] = []
    for group in groups:  # a hyphen left at a word's end ("well- known") stands apart
        if len(group) > 1 and group[-1].text == "-":
            out += [group[:-1], group[-1:]]
        else:
            out.append(group)
    return out


def _word_text(group: list[Token]) -> str:
    """The text of a word (:func:`_words`) under sensedb's input policy (format characters
    such as a zero-width space removed, NFKC: ``cr\u200bane`` is ``crane``, as ``tag`` reads
    it); a word the policy refuses (a control character) is passed as it is."""
    from .corpora.tokenize import normalize_text
    from .errors import InputError

    text = "".join(t.text for t in group)
    try:
        return normalize_text(text) or text
    except InputError:
        return text


def _sentences(doc: Doc) -> Iterator[list[Token]]:
    """The doc's sentences as lists of non-space tokens: ``doc.sents`` when sentence
    boundaries are set, else cut after a token ending in ``.``, ``!`` or ``?`` that is
    followed by white space."""
    if doc.has_annotation("SENT_START"):
        for sentence in doc.sents:
            words = [t for t in sentence if not t.is_space]
            if words:
                yield words
        return
    current: list[Token] = []
    for token in doc:
        if not token.is_space:
            current.append(token)
        ends = token.text[-1:] in (".", "!", "?") and (
            bool(token.whitespace_) or (token.i + 1 < len(doc) and doc[token.i + 1].is_space))
        if ends and current:
            yield current
            current = []
    if current:
        yield current


@Language.factory("sensedb", default_config={"index": None, "k": 5, "min_confidence": 0.0,
                                             "options": {}})
def make_sensedb(nlp: Language, name: str, index: str | None, k: int, min_confidence: float,
                 options: dict) -> SenseTagger:
    """The factory behind ``nlp.add_pipe("sensedb", config={...})``."""
    return SenseTagger(nlp, name, index=index, k=k, min_confidence=min_confidence,
                       options=options)
