"""A spaCy pipeline component: sensedb's word senses on spaCy's tokens.

    >>> import spacy, sensedb.spacy_component                          # doctest: +SKIP
    >>> nlp = spacy.blank("en")
    >>> nlp.add_pipe("sensedb", config={"index": "./semcor-index"})
    >>> doc = nlp("He sat on the bank of the river.")
    >>> doc[4]._.sense, doc[4]._.synset, doc[4]._.sense_score
    ('bank%1:17:01::', 'bank.n.01', 0.62)

Registered as the factory ``"sensedb"`` when this module is imported and through the
``spacy_factories`` entry point (the ``spacy`` extra), so ``nlp.add_pipe("sensedb")`` works
without an import. Config: ``index`` (an index directory, as a string: spaCy takes only JSON
values in a config; null: the default index), ``k`` (how many candidate senses
``token._.sense_candidates`` keeps), ``min_confidence`` (below it ``token._.sense`` is None;
0-1), ``options`` (keyword arguments of ``sensedb.open``, e.g. ``{"wordnet_evidence":
false}``). A bad setting (``k`` not a whole number >= 0, ``min_confidence`` not a number
from 0 to 1, ``index`` not a path or null, an ``options`` key ``sensedb.open`` does not
take) is refused when the pipe is made, with a one-line ``sensedb.ConfigurationError``
naming it.

Extensions set on each tagged word (every token of a multiword expression):
``token._.sense`` (sense key or None), ``token._.synset`` (``bank.n.01``),
``token._.sense_score`` (the best sense's probability, 0-1, rounded to 4 places: the
record's ``confidence``), ``token._.sense_candidates`` (``[{"key", "synset", "probability",
"score"}, ...]`` best first, at most ``k``); on the doc, ``doc._.senses``: one dict per
tagged word (``start``, ``end`` token indices, ``start_char``, ``end_char``, and the fields
of ``tag_stream``'s records but its places in the text (``text``, ``sentence``,
``position``, and ``start`` and ``end`` as characters: here they are the token indices
above); a phrasal verb whose particle stands apart is tagged on the verb and its
``particle`` gives the particle's ``start``, ``end``, ``start_char``, ``end_char`` and
``word``, else None; a multiword expression's ``components`` give each of its words read
alone with its ``start``, ``end``, ``start_char`` and ``end_char``, else None), and
``sense_score``, the same number as ``token._.sense_score`` and ``confidence``. Two
numbers are named score: ``sense_score`` (and ``confidence``, and a candidate's
``probability``) is a probability, 0-1, the softmax of the candidates' scores;
a record's and a candidate's ``score`` is the weighted score (w · features, as
``SenseScore.score``), unbounded and comparable only between the candidates of one word
(e.g. 0.3785 and 2.155 for one word). A word left untagged (its best sense's probability
under ``min_confidence``, or no sense at all) has ``token._.sense`` and ``token._.synset``
None, and its record ``key``, ``synset``, ``gloss``, ``offset`` and ``score`` None: nothing
names the rejected sense; ``token._.sense_score`` and the record's ``confidence`` and
``sense_score`` still give its probability (as ``tag``'s ``confidence``) and
``token._.sense_candidates`` the candidates.

Saved Docs (``DocBin(store_user_data=True)``) read back in another process once this module
is imported (it registers the extensions, :func:`register_extensions`; no index or model
is loaded):

    >>> import spacy, sensedb.spacy_component                          # doctest: +SKIP
    >>> from spacy.tokens import DocBin
    >>> nlp = spacy.blank("en")
    >>> docs = list(DocBin().from_disk("docs.spacy").get_docs(nlp.vocab))
    >>> docs[0][1]._.sense, docs[0]._.senses[0]["sense_score"]

with the same values, ``sense_candidates`` and ``senses`` lists as when they were set
(``DocBin`` gives tuples back; these two extensions read them as lists).

A doc's text goes through sensedb's input policy first, as ``tag``'s does
(``corpora.tokenize.check_text``): a control character that is not white space (an escape
sequence's ESC) or a lone surrogate is refused with a one-line ``sensedb.InputError`` naming
it and its position in the doc's text, and no doc of the batch is tagged.
Words are spaCy's tokens (their texts are passed to sensedb as a pre-tokenized sentence;
white-space tokens are skipped), except that a word spaCy splits at its hyphens is one word
again (``ice-cream``), and a word's text goes through the input policy (a zero-width space
removed), as ``tag`` reads them; sentences are ``doc.sents`` when an earlier pipe set sentence
boundaries (``doc.has_annotation("SENT_START")``: a ``sentencizer``, a parser), else the doc's
text is split as ``tag`` splits it (``tagger.sentence_spans``: spaCy's rule-based sentencizer,
so "Mr." ends no sentence) and each token goes to the sentence its first character is in.
Without a tagger in the pipeline, content words and multiword expressions are chosen as
``tag`` chooses them (``tagger.tag_words``). When the pipeline has a tagger (``token.pos_``
is set), a single-token word tagged NOUN/PROPN, VERB, ADJ or ADV gets only the senses of
that part of speech, a token with any other tag is skipped, and a multiword expression is
read whole (its record's ``components`` None: its words are not read apart). With neither
(no tagger, no sentence boundaries from an earlier pipe), a text's senses and probabilities
are ``tag``'s wherever spaCy's tokens, regrouped, are ``tag``'s words. ``nlp.pipe``
disambiguates each batch of docs in one encoder pass.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable, Iterable, Iterator
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.util import minibatch

from .corpora.tokenize import check_text, normalize_text
from .errors import ConfigurationError
from .streaming import Span, disambiguate_spans, word_record

TOKEN_EXTENSIONS = ("sense", "synset", "sense_score", "sense_candidates")
CONTENT_POS = {"NOUN": "NOUN", "PROPN": "NOUN", "VERB": "VERB", "ADJ": "ADJ", "ADV": "ADV"}


def register_extensions() -> None:
    """Register the component's extensions on spaCy's ``Token`` (``sense``, ``synset``,
    ``sense_score``, ``sense_candidates``) and ``Doc`` (``senses``), each unless already
    registered (calling it again does nothing). Importing this module calls it, so that Docs
    saved with ``DocBin(store_user_data=True)`` can be read back in a process that never made
    the component: ``import sensedb.spacy_component`` before reading ``token._.sense``
    (spaCy's E046 "unregistered extension attribute" otherwise).

    The values are kept in ``doc.user_data`` under spaCy's own keys (what ``DocBin`` saves);
    ``token._.sense_candidates`` and ``doc._.senses`` read back as lists of dicts, as the
    component set them, where ``DocBin`` gives tuples."""
    for name in TOKEN_EXTENSIONS:
        if Token.has_extension(name):
            continue
        if name == "sense_candidates":
            Token.set_extension(name, getter=_list_getter(name), setter=_list_setter(name))
        else:
            Token.set_extension(name, default=None)
    if not Doc.has_extension("senses"):
        Doc.set_extension("senses", getter=_list_getter("senses"),
                          setter=_list_setter("senses"))


def _user_data_key(owner: Doc | Token, name: str) -> tuple[str, str, int | None, None]:
    """The ``doc.user_data`` key spaCy keeps extension ``name`` of ``owner`` under (its
    ``Underscore``: the token's character offset, None for the doc), so that a doc saved
    before the extensions had a getter reads back the same."""
    return ("._.", name, owner.idx if isinstance(owner, Token) else None, None)


def _as_lists(value: Any) -> Any:
    """``value`` with every tuple, at any depth, a list (``DocBin`` reads lists back as
    tuples: msgpack with ``use_list=False``); dicts keep their keys."""
    if isinstance(value, (list, tuple)):
        return [_as_lists(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_lists(item) for key, item in value.items()}
    return value


def _list_getter(name: str):
    def get(owner: Doc | Token) -> list | None:
        data, key = owner.doc.user_data, _user_data_key(owner, name)
        value = data.get(key)
        if isinstance(value, tuple):  # read back from a DocBin: kept as a list from now on
            value = data[key] = _as_lists(value)
        return value
    return get


def _list_setter(name: str):
    def set_value(owner: Doc | Token, value: list | None) -> None:
        owner.doc.user_data[_user_data_key(owner, name)] = value
    return set_value


register_extensions()


class SenseTagger:
    """The ``"sensedb"`` component (see the module docstring). The index is opened on first
    use (``sensedb.open(index, **options)``); assign :attr:`index` an open ``SenseIndex`` to
    share one. Not thread-safe (neither is the encoder).

    Raises:
        ConfigurationError: (when made) a bad setting (:func:`check_config`).
        InputError: (on a doc) its text breaks the input policy (``check_text``).
        sensedb.Error: (on first use) the index cannot be opened.
    """

    def __init__(self, nlp: Language, name: str = "sensedb", *,
                 index: str | os.PathLike | None = None, k: int = 5,
                 min_confidence: float = 0.0, options: dict | None = None) -> None:
        self.name = name
        self.path, self.k, self.min_confidence, self.options = check_config(
            index, k, min_confidence, options)
        register_extensions()
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
        the pipeline tagged gets, for each content word, the senses of its tag only.

        Raises:
            InputError: a doc's text breaks the input policy (``check_text``: a control
                character, a lone surrogate; named with its position in that text); no doc
                is tagged then."""
        from .retriever.tagger import content_spans, tag_words

        for doc in docs:  # tag's input policy, before any work (no doc half tagged)
            check_text(doc.text)
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
                          None if target.particle is None else groups[target.particle],
                          lambda n, groups=groups: _place(groups[n]))

    def _set(self, doc: Doc, tokens: list[Token], answer,
             particle: list[Token] | None = None,
             component_place: Callable[[int], dict] | None = None) -> None:
        apart: dict[str, int | str] | None = None
        if particle is not None:  # a phrasal verb's particle standing apart
            where = _place(particle)
            apart = {**where, "word": doc.text[where["start_char"]:where["end_char"]]}
        # untagged (key None): word_record names no rejected sense (synset, gloss, offset)
        record = word_record(self.index, answer, self.min_confidence, component_place,
                             **_place(tokens), particle=apart)
        record["sense_score"] = record["confidence"]  # token._.sense_score, by its name
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
    it); a word of format characters only is passed as it is. The doc's text passed
    ``check_text`` before (:meth:`SenseTagger.tag_docs`): no word has a control character."""
    text = "".join(t.text for t in group)
    return normalize_text(text) or text


def _sentences(doc: Doc) -> Iterator[list[Token]]:
    """The doc's sentences as lists of non-space tokens: ``doc.sents`` when an earlier pipe
    set sentence boundaries, else the sentences ``tag`` reads in the doc's text
    (``tagger.sentence_spans``), each token in the one its first character is in (the
    sentence before, for a token starting before a sentence's first character)."""
    if doc.has_annotation("SENT_START"):
        for sentence in doc.sents:
            words = [t for t in sentence if not t.is_space]
            if words:
                yield words
        return
    from .retriever.tagger import sentence_spans

    starts = [begin for begin, _ in sentence_spans(doc.text)]
    current: list[Token] = []
    following = 1  # the next sentence's number in `starts`
    for token in doc:
        if token.is_space:
            continue
        while following < len(starts) and token.idx >= starts[following]:
            if current:
                yield current
                current = []
            following += 1
        current.append(token)
    if current:
        yield current


def _open_options() -> list[str]:
    """The ``options`` keys ``sensedb.open`` takes from a config: ``SenseIndex``'s keyword
    arguments, less the objects a JSON config cannot hold (``encoder``, ``wordnet``)."""
    from .retriever.index import SenseIndex

    return [name for name, p in inspect.signature(SenseIndex).parameters.items()
            if p.kind is p.KEYWORD_ONLY and name not in ("encoder", "wordnet")]


def check_config(index: object, k: object, min_confidence: object, options: object
                 ) -> tuple[str | os.PathLike | None, int, float, dict]:
    """The component's config checked: ``(index, k, min_confidence, options)`` as it uses
    them. ``index``: an existing index directory (a non-empty ``str`` or a path) or None
    (the default index); ``k``: a whole number >= 0 (a bool is not one); ``min_confidence``:
    a finite number from 0 to 1; ``options``: None or a dict whose keys are keyword arguments of
    ``sensedb.open`` (``SenseIndex``: ``wordnet_evidence``, ``model``, ...; their values are
    checked when the index is opened).

    Raises:
        ConfigurationError: one line naming the setting, its allowed values and the value
            given."""
    where = "the sensedb component's"
    if index is not None and not (isinstance(index, os.PathLike) or (
            isinstance(index, str) and index.strip())):
        raise ConfigurationError(f"{where} index must be an index directory or null, not "
                                 f"{index!r}")
    if index is not None and not Path(index).is_dir():  # said only at the first doc before
        raise ConfigurationError(f"{where} index {str(index)!r} is no directory: give an "
                                 "index made by `sensedb index`, or null for the default one")
    if isinstance(k, bool) or not isinstance(k, Integral) or k < 0:
        raise ConfigurationError(f"{where} k must be a whole number >= 0, not {k!r}")
    if (isinstance(min_confidence, bool) or not isinstance(min_confidence, Real)
            or not math.isfinite(min_confidence) or not 0.0 <= min_confidence <= 1.0):
        raise ConfigurationError(f"{where} min_confidence must be a number from 0 to 1, not "
                                 f"{min_confidence!r}")
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ConfigurationError(f"{where} options must be a dict of sensedb.open's keyword "
                                 f"arguments, not {options!r}")
    known = _open_options()
    unknown = [key for key in options if key not in known]
    if unknown:
        raise ConfigurationError(f"{where} options has {unknown[0]!r}, which sensedb.open "
                                 f"does not take: use {', '.join(known)}")
    return index, int(k), float(min_confidence), dict(options)


@Language.factory("sensedb", default_config={"index": None, "k": 5, "min_confidence": 0.0,
                                             "options": {}})
def make_sensedb(nlp: Language, name: str, index: Any, k: Any, min_confidence: Any,
                 options: Any) -> SenseTagger:
    """The factory behind ``nlp.add_pipe("sensedb", config={...})``. Its settings are typed
    ``Any`` so that spaCy's config validation lets them through to :func:`check_config`,
    whose one-line ``ConfigurationError`` names a bad one (spaCy's own was a multi-line
    ``ConfigValidationError`` for ``index: 5``)."""
    return SenseTagger(nlp, name, index=index, k=k, min_confidence=min_confidence,
                       options=options)
