"""Reader of the unified WSD format of Raganato et al. (2017): ``NAME.data.xml`` + gold keys.

The XML is parsed with :mod:`xml.parsers.expat` in 1 MiB chunks and documents are yielded one
at a time, so a corpus as large as SemCor is never held in memory. Every problem is an
:class:`~sensedb.errors.InputError` naming the file, the line and the id::

    <corpus lang="en" source="semcor">
    <text id="d000" source="br-a01">              (source is optional)
    <sentence id="d000.s000">
    <wf lemma="the" pos="DET">The</wf>
    <instance id="d000.s000.t000" lemma="group" pos="NOUN">Fulton County Grand Jury</instance>
    </sentence>
    </text>
    </corpus>

The gold file has one line per instance: ``instance_id key1 [key2 ...]``; keys are read in lower
case, as WordNet writes every key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from os import PathLike
from typing import NoReturn
from xml.parsers import expat

from sensedb.corpora.model import Document, Sentence, Token
from sensedb.corpora.tokenize import normalize_text
from sensedb.errors import InputError
from sensedb.vocabulary import is_sense_key, key_lemma, label_conflict

__all__ = ["dataset_prefix", "read_gold", "read_gold_with_lines", "read_raganato"]

StrPath = str | PathLike[str]
KeyCheck = Callable[[str], bool]
LabelCheck = Callable[[str, tuple[str, ...]], bool]

_CHUNK = 1 << 20
_PREFIX_RE = re.compile(r"(.+)\.d\d+\.s\d+\.t\d+")


def dataset_prefix(instance_id: str) -> str | None:
    """The data-set prefix of an id of the ALL set: ``'senseval2.d000.s000.t000'`` ->
    ``'senseval2'``; ``None`` for a plain ``'d000.s000.t000'``."""
    m = _PREFIX_RE.fullmatch(instance_id)
    return m.group(1) if m else None


def read_gold_with_lines(
    path: StrPath,
) -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """Read a gold key file; return ``({id: keys}, {id: 1-based line})``.

    Blank lines are ignored. A line with an id but no key, a duplicate id or a key that does
    not have the syntax of a WordNet sense key is an :class:`InputError`.
    """
    gold: dict[str, tuple[str, ...]] = {}
    lines: dict[str, int] = {}
    valid: set[str] = set()  # keys already checked: a corpus repeats its keys many times
    name = str(path)
    try:
        with open(path, encoding="utf-8-sig") as f:  # a byte order mark is dropped
            for lineno, raw in enumerate(f, 1):
                parts = raw.split()
                if not parts:
                    continue
                # WordNet's keys are lower case, as ``WordNet.has_key`` compares them
                iid, keys = parts[0], tuple(key.lower() for key in parts[1:])
                if not keys:
                    raise InputError(f"instance {iid} has no sense key", path=name,
                                     line=lineno, item=iid)
                if iid in gold:
                    raise InputError(f"duplicate instance id {iid} (first on line {lines[iid]})",
                                     path=name, line=lineno, item=iid)
                for key in keys:
                    if key not in valid and not is_sense_key(key):
                        raise InputError(f"{key!r} is not a sense key "
                                         "(lemma%ss_type:lex_filenum:lex_id:head_word:head_id)",
                                         path=name, line=lineno, item=iid)
                valid.update(keys)
                gold[iid] = keys
                lines[iid] = lineno
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8: {e.reason} at byte {e.start}", path=name) from e
    except OSError as e:
        raise InputError(f"cannot read gold file: {e.strerror or e}", path=name) from e
    return gold, lines


def read_gold(path: StrPath) -> dict[str, tuple[str, ...]]:
    """Read a gold key file (``instance_id key1 [key2 ...]`` per line) into ``{id: keys}``."""
    return read_gold_with_lines(path)[0]


def _check_keys(gold: dict[str, tuple[str, ...]], lines: dict[str, int], key_check: KeyCheck,
                gold_path: str) -> None:
    """Raise on the first gold key (in file order) that ``key_check`` rejects."""
    known: dict[str, bool] = {}
    for iid, keys in gold.items():
        for key in keys:
            ok = known.get(key)
            if ok is None:
                ok = known[key] = bool(key_check(key))
            if not ok:
                raise InputError(f"sense key {key} of instance {iid} is not in WordNet",
                                 path=gold_path, line=lines[iid], item=iid)


class _Builder:
    """Expat handlers that turn the element stream into finished Documents."""

    def __init__(self, parser: expat.XMLParserType, path: str,
                 gold: dict[str, tuple[str, ...]] | None, gold_path: str | None,
                 check_labels: bool = False, label_check: LabelCheck | None = None,
                 warn: Callable[[InputError], None] | None = None) -> None:
        self.parser = parser
        self.check_labels = check_labels
        self.label_check, self.warn = label_check, warn
        self.path = path
        self.gold = gold
        self.gold_path = gold_path
        self.ready: list[Document] = []
        self.doc: Document | None = None
        self.sent: Sentence | None = None
        self.sent_line = 0
        self.buf: list[str] | None = None  # text of the open token
        self.tok_attrs: dict[str, str] = {}
        self.tok_name = ""
        self.tok_line = 0
        self.doc_ids: set[str] = set()
        self.sent_ids: set[str] = set()
        self.instance_ids: set[str] = set()
        # one object per distinct lemma, POS and word: a corpus repeats them (SemCor's 802k
        # tokens have 34k distinct words), and a job may hold every document it reads
        self.strings: dict[str, str] = {}

    def fail(self, message: str, item: str | None = None,
             line: int | None = None) -> NoReturn:
        raise InputError(message, path=self.path,
                         line=self.parser.CurrentLineNumber if line is None else line, item=item)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        # wf and instance are nearly every element of a corpus: their checks come first and
        # stay short (SemCor has 840k of them)
        if name == "wf" or name == "instance":
            if self.buf is not None:
                self.fail(f"<{name}> inside <{self.tok_name}>", self.tok_attrs.get("id"))
            if self.sent is None:
                self.fail(f"<{name}> outside a <sentence>", attrs.get("id"))
            if name == "instance":
                iid = attrs.get("id")
                if not iid:
                    self.fail(f"<instance> without id in sentence {self.sent.id}",
                              self.sent.id)
                if iid in self.instance_ids:
                    self.fail(f"duplicate instance id {iid}", iid)
                self.instance_ids.add(iid)
            self.buf = []
            self.tok_attrs = attrs
            self.tok_name = name
            self.tok_line = self.parser.CurrentLineNumber
        elif name == "sentence":
            sid = attrs.get("id")
            if self.buf is not None or self.sent is not None or self.doc is None:
                self.fail("<sentence> outside a <text> or nested", sid)
            if not sid:
                self.fail(f"<sentence> without id in text {self.doc.id}",
                          self.doc.id)
            if sid in self.sent_ids:
                self.fail(f"duplicate sentence id {sid}", sid)
            self.sent_ids.add(sid)
            self.sent = Sentence(sid, [])
            self.sent_line = self.parser.CurrentLineNumber
        elif name == "text":
            did = attrs.get("id")
            if self.doc is not None or self.buf is not None:
                self.fail("nested <text>", did)
            if not did:
                self.fail("<text> without id")
            if did in self.doc_ids:
                self.fail(f"duplicate text id {did}", did)
            self.doc_ids.add(did)
            self.doc = Document(did, [], attrs.get("source"))
        elif name == "corpus":
            if self.doc is not None:
                self.fail("<corpus> inside a <text>")
        else:
            self.fail(f"unknown element <{name}> (expected corpus, text, sentence, wf, "
                      "instance)")

    def end(self, name: str) -> None:
        if name == "wf" or name == "instance":
            buf, attrs = self.buf, self.tok_attrs
            self.buf = None
            text = buf[0] if len(buf) == 1 else "".join(buf)
            if not text or text[0].isspace() or text[-1].isspace() or "  " in text \
                    or "\n" in text:
                text = " ".join(text.split())
                if not text:
                    self.fail(f"empty <{name}> in sentence {self.sent.id}",
                              attrs.get("id") or self.sent.id, self.tok_line)
            if not text.isascii():  # the input policy, as raw text gets it ("ba\u200bnk")
                try:
                    text = " ".join(normalize_text(text, what=f"<{name}>").split())
                except InputError as error:
                    self.fail(f"{error} in sentence {self.sent.id}",
                              attrs.get("id") or self.sent.id, self.tok_line)
                if not text:
                    self.fail(f"empty <{name}> in sentence {self.sent.id} (format characters "
                              "only)", attrs.get("id") or self.sent.id, self.tok_line)
            intern = self.strings.setdefault
            text = intern(text, text)
            lemma = attrs.get("lemma", "")
            pos = attrs.get("pos", "")
            lemma, pos = intern(lemma, lemma), intern(pos, pos)
            if name == "wf":
                self.sent.tokens.append(Token(text, lemma, pos))
                return
            iid = attrs["id"]
            keys: tuple[str, ...] = ()
            if self.gold is not None:
                keys = self.gold.get(iid)
                if keys is None:
                    self.fail(f"instance {iid} has no line in the gold file "
                              f"{self.gold_path}", iid, self.tok_line)
                conflict = self.check_labels and label_conflict(lemma, pos, keys)
                if conflict:
                    self.fail(f"instance {iid} {conflict} (gold file {self.gold_path})", iid,
                              self.tok_line)
                if self.label_check is not None and keys and not self.label_check(text, keys):
                    error = InputError(
                        f"instance {iid} of sentence {self.sent.id}: {text!r} cannot be "
                        f"{key_lemma(keys[0])} (gold key {keys[0]})", path=self.path,
                        line=self.tok_line, item=iid)
                    if self.warn is None:
                        raise error
                    self.warn(error)
            self.sent.tokens.append(Token(text, lemma, pos, iid, keys))
        elif name == "sentence":
            sent = self.sent
            self.sent = None
            if not sent.tokens:
                self.fail(f"empty sentence {sent.id} (no tokens)",
                          sent.id, self.sent_line)
            self.doc.sentences.append(sent)
        elif name == "text":
            doc = self.doc
            self.doc = None
            if doc.sentences:  # an empty <text> (no sentences) contributes nothing: its id
                self.ready.append(doc)  # is taken (a later duplicate is refused), no more

    def chars(self, data: str) -> None:
        if self.buf is not None:
            self.buf.append(data)
        elif not data.isspace():
            where = self.sent.id if self.sent is not None else None
            self.fail(f"text outside a token: {data.strip()[:40]!r}", where)


def _not_xml(path: str, start: bytes) -> None:
    """Raise a plain word on a file that fails to parse and is no XML at all (its first
    character after white space is not '<', or its name ends in .jsonl): "malformed XML: not
    well-formed (invalid token)" said nothing of what to give.

    Raises:
        InputError: that file, naming the unified XML format this reader takes."""
    if start in (b"", b"<") and not path.lower().endswith(".jsonl"):
        return
    what = ("a JSON Lines file" if path.lower().endswith(".jsonl") or start in (b"{", b"[")
            else "not XML (it does not start with '<')")
    raise InputError(f"{what}: expected the unified XML format of Raganato et al., the "
                     "WSD evaluation framework's (a .data.xml file of <corpus>, <text>, "
                     "<sentence> and <wf>/<instance> elements)", path=path)


def read_raganato(xml_path: StrPath, gold_path: StrPath | None = None, *,
                  key_check: KeyCheck | None = None,
                  check_labels: bool = False, label_check: LabelCheck | None = None,
                  warn: Callable[[InputError], None] | None = None) -> Iterator[Document]:
    """Stream the documents of a unified-format XML file, one :class:`Document` at a time.
    A ``<text>`` with no sentences is read and left out (an empty document contributes
    nothing to an evaluation or an index); an empty ``<sentence>`` is an error.

    With ``gold_path``, every instance token gets its gold keys in ``senses``; an instance
    without a gold line, or a gold line whose id is not in the XML (reported after the whole
    XML has been read), is an :class:`InputError`. ``key_check(key)`` (e.g. "is this key in
    WordNet?") is applied to every gold key before the XML is read. ``check_labels``: an
    instance whose gold keys are of another lemma or POS than its ``lemma`` / ``pos``
    attributes, or that has no lemma or a POS other than NOUN VERB ADJ ADV, is an
    :class:`InputError` (``vocabulary.label_conflict``): what an index job asks, since it
    files each labelled vector under its lemma and POS; an evaluation reads the data as it
    is. ``label_check(words, keys)`` (``sensedb.inventory.labels.LabelCheck``): an instance
    whose words cannot be its gold keys' lemma is given to ``warn`` as an
    :class:`InputError` (naming the file, line and instance), or raised without ``warn``
    (``sensedb index`` warns: SemCor's 163 such labels of 226,036 are its annotators'
    choices, not misplaced ones). Errors are raised while iterating (a generator), so
    documents before a bad line may already have been yielded.

    Raises:
        InputError: the file or its gold file cannot be read or is malformed (names the
            file, line and id), a gold key fails ``key_check``, a label conflicts
            (``check_labels``) or fails ``label_check`` without ``warn``.
    """
    path = str(xml_path)
    gold: dict[str, tuple[str, ...]] | None = None
    gold_lines: dict[str, int] = {}
    gold_name = None if gold_path is None else str(gold_path)
    if gold_name is not None:
        gold, gold_lines = read_gold_with_lines(gold_name)
        if key_check is not None:
            _check_keys(gold, gold_lines, key_check, gold_name)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    b = _Builder(parser, path, gold, gold_name, check_labels, label_check, warn)
    parser.StartElementHandler = b.start
    parser.EndElementHandler = b.end
    parser.CharacterDataHandler = b.chars
    try:
        f = open(path, "rb")
    except OSError as e:
        raise InputError(f"cannot read XML file: {e.strerror or e}", path=path) from e
    start = b""  # the file's first bytes after white space and a byte order mark
    with f:
        while True:
            try:
                chunk = f.read(_CHUNK)
                if not start:
                    start = chunk.lstrip().removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
                parser.Parse(chunk, not chunk)
            except expat.ExpatError as e:
                _not_xml(path, start)
                where = f" in sentence {b.sent.id}" if b.sent is not None else ""
                raise InputError(f"malformed XML{where}: {expat.ErrorString(e.code)} "
                                 f"(column {e.offset + 1})", path=path, line=e.lineno,
                                 item=b.sent.id if b.sent is not None else None) from e
            except OSError as e:
                raise InputError(f"cannot read XML file: {e.strerror or e}", path=path) from e
            if b.ready:
                ready, b.ready = b.ready, []
                yield from ready
            if not chunk:
                break

    # every instance has a gold line, so the gold has extra ids iff it is larger
    if gold is not None and len(gold) > len(b.instance_ids):
        extra = [i for i in gold if i not in b.instance_ids]
        first = min(extra, key=gold_lines.__getitem__)
        more = f" ({len(extra) - 1} more)" if len(extra) > 1 else ""
        raise InputError(f"gold keys for instance {first}, which is not in {path}{more}",
                         path=gold_name, line=gold_lines[first], item=first)
