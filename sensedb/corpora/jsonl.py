"""Reader of sensedb's JSONL format for your own sense-labelled sentences.

One JSON object per line, one sentence each (blank lines are skipped)::

    {"doc": "notes-1", "id": "notes-1.s1", "tokens": ["He", "sat", "on", "the", "river", "bank"],
     "senses": [{"at": 5, "key": "bank%1:17:01::"}]}
    {"doc": "notes-1", "text": "The meeting took place at noon.",
     "senses": [{"at": [2, 3], "key": "take_place%2:30:00::"}]}

(each object on a single line in the file). Fields of a sentence:

``tokens`` *or* ``text`` (exactly one)
    ``tokens`` is the sentence as a list of non-empty strings; ``text`` is a raw string, split
    with :func:`sensedb.corpora.tokenize.tokenize` (so ``"don't"`` becomes ``do n't``).
``doc`` (optional)
    The document id; default: the file name without its extension. Consecutive lines with the
    same ``doc`` form one document; a ``doc`` may not come back after another one.
``id`` (optional)
    The sentence id, unique in the file; default ``<doc>.s<line>`` (1-based line number).
``senses`` (optional)
    The labelled tokens, a list of objects:

    * ``at``: the 0-based token index, or ``[start, end]`` (both inclusive) for a multiword
      expression; the tokens of a span become one token whose text joins them with spaces
      (``"took place"``). Spans may not overlap.
    * ``key``: one WordNet 3.0 sense key, or ``keys``: a list of keys, any of which is correct.
      A key is read in lower case, as WordNet writes every key (``BANK%1:17:01::`` is
      ``bank%1:17:01::``).
    * ``lemma`` (optional): default the lemma of the (first) key, the part before ``%``.
    * ``pos`` (optional): NOUN, VERB, ADJ or ADV; default from the key's ss_type
      (1 NOUN, 2 VERB, 3 and 5 ADJ, 4 ADV).
    * ``id`` (optional): the instance id, unique in the file; default ``<sentence id>.t<n>``,
      ``n`` counting the sentence's instances from 0 in token order.

Unknown fields are errors (they are usually typos). Every error is an
:class:`~sensedb.errors.InputError` naming the file, the line and the id.

With a ``label_check`` (``sensedb.inventory.labels.LabelCheck``, what ``sensedb index``
passes), a sense whose words cannot be its key's lemma is an error too: ``"at": 4`` on
"the" of ``"text": "Don't sit on the bank."`` (tokens ``Do n't sit on the bank .``) with
``bank%1:17:01::`` names token 4 and its word, the tokens, the split that moved the offsets
and the token that would fit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, NoReturn

from sensedb.corpora.model import Document, Sentence, Token
from sensedb.corpora.tokenize import check_text, tokenize
from sensedb.errors import InputError
from sensedb.vocabulary import POS_TAGS, is_sense_key, key_lemma, key_pos, label_conflict

__all__ = ["read_jsonl"]

StrPath = str | PathLike[str]
KeyCheck = Callable[[str], bool]
#: Whether a token's words (a span's joined by spaces) can be the lemma of its keys.
LabelCheck = Callable[[str, tuple[str, ...]], bool]

_SENTENCE_FIELDS = ("doc", "id", "tokens", "text", "senses")
_SENSE_FIELDS = ("at", "key", "keys", "lemma", "pos", "id")


@dataclass
class _Sense:
    start: int
    end: int  # inclusive
    keys: tuple[str, ...]
    lemma: str
    pos: str
    id: str | None


#: What an error for a corpus line that is not UTF-8 tells to do.
FILE_ADVICE = "write the file as UTF-8"


class _Line:
    """Parses one line (one sentence); errors name the file, the line and the id."""

    def __init__(self, path: str, line: int, key_check: KeyCheck | None,
                 checked: dict[str, bool], label_check: LabelCheck | None = None) -> None:
        self.path, self.line, self.key_check, self.checked = path, line, key_check, checked
        self.label_check = label_check
        self.item: str | None = None

    def fail(self, message: str, item: str | None = None) -> NoReturn:
        raise InputError(message, path=self.path, line=self.line, item=item or self.item)

    def string(self, obj: dict[str, Any], field: str, what: str,
               normalize: bool = False) -> str | None:
        """A string field: an id is kept as written (``normalize`` False), a lemma or POS is
        read under the input policy as tokens are; a lone surrogate or a control character
        is refused in either (NUL, ESC: such an id could not be named to `delete`)."""
        value = obj.get(field)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(f'"{field}" of {what} must be a non-empty string, not {value!r}')
        try:  # first: a control character is named (U+001F alone was "must be non-empty")
            checked = check_text(value, what=f'"{field}" of {what}', advice=FILE_ADVICE)
        except InputError as error:
            self.fail(str(error))
        if not value.strip():
            self.fail(f'"{field}" of {what} must be a non-empty string, not {value!r}')
        return checked if normalize else value

    def sentence(self, obj: Any, default_doc: str) -> tuple[str, Sentence]:
        if not isinstance(obj, dict):
            self.fail(f"expected a JSON object, not {type(obj).__name__}")
        doc = self.string(obj, "doc", "the sentence") or default_doc
        sid = self.string(obj, "id", "the sentence") or f"{doc}.s{self.line}"
        self.item = sid
        unknown = [k for k in obj if k not in _SENTENCE_FIELDS]
        if unknown:
            self.fail(f"unknown field {unknown[0]!r} (expected {', '.join(_SENTENCE_FIELDS)})")
        if ("tokens" in obj) == ("text" in obj):
            self.fail('give either "tokens" (a list of strings) or "text" (a string)')
        if "tokens" in obj:
            words = obj["tokens"]
            if not isinstance(words, list):
                self.fail(f'"tokens" must be a list of strings, not {type(words).__name__}')
            words = [self.token(i, w) for i, w in enumerate(words)]
        else:
            text = obj["text"]
            if not isinstance(text, str):
                self.fail(f'"text" must be a string, not {type(text).__name__}')
            try:
                words = tokenize(text)
            except InputError as error:  # the input policy's, without the file and line
                self.fail(str(error))
        if not words:
            self.fail(f"empty sentence {sid} (no tokens)")
        senses = obj.get("senses", [])
        if not isinstance(senses, list):
            self.fail(f'"senses" must be a list, not {type(senses).__name__}')
        parsed = sorted((self.sense(s, i, len(words)) for i, s in enumerate(senses)),
                        key=lambda s: s.start)
        for prev, cur in zip(parsed, parsed[1:], strict=False):
            if cur.start <= prev.end:
                self.fail(f"overlapping senses: at {_span(prev)} and at {_span(cur)}", cur.id)
        for n, s in enumerate(parsed):
            if s.id is None:
                s.id = f"{sid}.t{n}"
            for key in s.keys:
                self.check_key(key, s.id)
            self.check_label(s, words, obj.get("text"), doc, sid)
        return doc, Sentence(sid, self.tokens(words, parsed))

    def check_label(self, s: _Sense, words: list[str], text: str | None, doc: str,
                    sid: str) -> None:
        """Refuse a sense whose words cannot be its key's lemma (``label_check``), naming
        the token, the tokens around it, a split of ``text`` before it and a token that
        would fit."""
        if self.label_check is None:
            return
        surface = " ".join(words[s.start:s.end + 1])
        if self.label_check(surface, s.keys):
            return
        width = s.end - s.start
        fits = [i for i in sorted(range(len(words)), key=lambda i: abs(i - s.start))
                if i + width < len(words) and i != s.start
                and self.label_check(" ".join(words[i:i + width + 1]), s.keys)]
        first, last = max(0, s.start - 6), min(len(words), s.end + 7)
        shown = " ".join(words[first:last])
        around = (f"tokens from 0: {shown}" if first == 0 and last == len(words)
                  else f"tokens {first}-{last - 1}: {shown}")
        splits = _splits_before(text, words, s.start) if text is not None else []
        why = f"sensedb splits {' and '.join(splits)}; " if splits else ""
        fit = ""
        if fits:
            other = " ".join(words[fits[0]:fits[0] + width + 1])
            fit = f"; token {_span_at(fits[0], width)} is {other!r}"
        self.fail(f"sentence {sid} (document {doc}): token {_span(s)} is {surface!r}, not a "
                  f"form of {s.lemma} ({s.keys[0]}) ({why}{around}{fit}). Fix \"at\", or "
                  "pass --unchecked-labels if the label is meant", s.id)

    def token(self, i: int, word: Any) -> str:
        """Token ``i`` under the input policy, as a "text" line's tokens are
        (``tokenize.check_text``: a lone surrogate or a control character refused, format
        characters removed, NFKC): "ba\u200bnk" is "bank" either way."""
        if not isinstance(word, str):
            self.fail(f"token {i} must be a non-empty string, not {word!r}")
        try:  # white space inside (a newline, a tab, U+2028) is one space, as in XML
            text = " ".join(check_text(word, what=f"token {i}", advice=FILE_ADVICE).split())
        except InputError as error:  # first: U+001F alone was "must be a non-empty string"
            self.fail(str(error))
        if not word.strip():
            self.fail(f"token {i} must be a non-empty string, not {word!r}")
        if not text:
            self.fail(f"token {i} is empty under the input policy (format characters only: "
                      f"{word!r})")
        return text

    def sense(self, obj: Any, index: int, ntokens: int) -> _Sense:
        what = f"sense {index}"
        if not isinstance(obj, dict):
            self.fail(f"{what} must be a JSON object, not {type(obj).__name__}")
        iid = self.string(obj, "id", what)
        unknown = [k for k in obj if k not in _SENSE_FIELDS]
        if unknown:
            self.fail(f"unknown field {unknown[0]!r} in {what} "
                      f"(expected {', '.join(_SENSE_FIELDS)})", iid)
        at = obj.get("at")
        if _is_int(at):
            start = end = at
        elif isinstance(at, list) and len(at) == 2 and all(_is_int(x) for x in at):
            start, end = at
        else:
            self.fail(f'"at" of {what} must be a token index or [start, end], not {at!r}', iid)
        if end < start:
            self.fail(f'"at" of {what} is reversed: {at!r} (its end is before its start; '
                      "give [start, end] with start <= end)", iid)
        if not 0 <= start <= end < ntokens:
            self.fail(f'"at" of {what} is out of range: {at!r} (the sentence has {ntokens} '
                      "tokens, counted from 0)", iid)
        if ("key" in obj) == ("keys" in obj):
            self.fail(f'{what} needs either "key" (a string) or "keys" (a list)', iid)
        keys = [obj["key"]] if "key" in obj else obj["keys"]
        if not isinstance(keys, list) or not keys:
            self.fail(f'"keys" of {what} must be a non-empty list, not {keys!r}', iid)
        for key in keys:
            if not isinstance(key, str) or not is_sense_key(key):
                self.fail(f"{key!r} of {what} is not a sense key "
                          "(lemma%ss_type:lex_filenum:lex_id:head_word:head_id)", iid)
        keys = [key.lower() for key in keys]  # WordNet's keys are lower case (has_key's)
        lemma = self.string(obj, "lemma", what, normalize=True) or key_lemma(keys[0])
        pos = self.string(obj, "pos", what, normalize=True) or key_pos(keys[0])
        if pos not in POS_TAGS:
            self.fail(f'"pos" of {what} must be one of {", ".join(POS_TAGS)}, '
                      f"not {pos!r}", iid)
        conflict = label_conflict(lemma, pos, keys)
        if conflict:
            self.fail(f"{what} {conflict}", iid)
        return _Sense(start, end, tuple(keys), lemma, pos, iid)

    def check_key(self, key: str, iid: str) -> None:
        if self.key_check is None:
            return
        ok = self.checked.get(key)
        if ok is None:
            ok = self.checked[key] = bool(self.key_check(key))
        if not ok:
            self.fail(f"sense key {key} of instance {iid} is not in WordNet", iid)

    @staticmethod
    def tokens(words: list[str], senses: list[_Sense]) -> list[Token]:
        out: list[Token] = []
        i = 0
        for s in senses:
            out.extend(Token(w) for w in words[i:s.start])
            out.append(Token(" ".join(words[s.start:s.end + 1]), s.lemma, s.pos, s.id, s.keys))
            i = s.end + 1
        out.extend(Token(w) for w in words[i:])
        return out


def _span(s: _Sense) -> str:
    return _span_at(s.start, s.end - s.start)


def _span_at(start: int, width: int) -> str:
    return str(start) if not width else f"[{start}, {start + width}]"


def _splits_before(text: str, words: list[str], at: int) -> list[str]:
    """The words of ``text`` (split at white space) that the tokenizer splits, up to token
    ``at``, as ``"Don't" into "Do n't"`` (at most two, clitics first): what moves a
    count of the text's words off sensedb's tokens. Empty where the words, tokenized one
    by one, are not the sentence's tokens."""
    found: list[tuple[bool, str]] = []
    count = 0
    try:
        pieces = [(w, tokenize(w)) for w in text.split()]
    except InputError:
        return []
    if [t for _, ts in pieces for t in ts] != words:
        return []
    for word, tokens in pieces:
        if count > at:
            break
        if len(tokens) > 1:
            clitic = any(not t.isalnum() and any(c.isalpha() for c in t) for t in tokens)
            found.append((not clitic, f'"{word}" into "{" ".join(tokens)}"'))
        count += len(tokens)
    return [text for _, text in sorted(found, key=lambda f: f[0])[:2]]


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def read_jsonl(path: StrPath, *, key_check: KeyCheck | None = None,
               label_check: LabelCheck | None = None) -> Iterator[Document]:
    """Stream the documents of a JSONL file (format in the module docstring).

    ``key_check(key)`` (e.g. "is this key in WordNet?") is applied to every sense key;
    ``label_check(words, keys)`` (``sensedb.inventory.labels.LabelCheck``) to every sense's
    words and keys.

    Raises:
        InputError: the file cannot be read, a line is malformed, a key fails
            ``key_check``, or a sense's words fail ``label_check`` (each names the file,
            the line and the id; raised while iterating).
    """
    name = str(path)
    default_doc = Path(name).stem
    checked: dict[str, bool] = {}
    sentence_ids: set[str] = set()
    instance_ids: set[str] = set()
    done_docs: set[str] = set()
    current: Document | None = None
    try:
        f = open(name, "rb")
    except OSError as e:
        raise InputError(f"cannot read JSONL file: {e.strerror or e}", path=name) from e
    with f:
        for lineno, raw in enumerate(f, 1):
            p = _Line(name, lineno, key_check, checked, label_check)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                p.fail(f"not UTF-8: {e.reason} at byte {e.start} of the line")
            if lineno == 1:
                text = text.removeprefix("\ufeff")
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as e:
                p.fail(f"invalid JSON: {e.msg} (column {e.colno})")
            except RecursionError:  # json's decoder recurses once per nesting level
                p.fail("invalid JSON: nested too deeply (a sentence is one flat object)")
            doc_id, sent = p.sentence(obj, default_doc)
            if sent.id in sentence_ids:
                p.fail(f"duplicate sentence id {sent.id}")
            sentence_ids.add(sent.id)
            for tok in sent.tokens:
                if tok.instance_id is not None:
                    if tok.instance_id in instance_ids:
                        p.fail(f"duplicate instance id {tok.instance_id}", tok.instance_id)
                    instance_ids.add(tok.instance_id)
            if current is None or current.id != doc_id:
                if doc_id in done_docs:
                    p.fail(f'document {doc_id} comes back after another one (the lines of a '
                           'document must be consecutive)', doc_id)
                if current is not None:
                    done_docs.add(current.id)
                    yield current
                current = Document(doc_id, [])
            current.sentences.append(sent)
    if current is not None:
        yield current
