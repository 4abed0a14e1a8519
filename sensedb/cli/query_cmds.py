"""Commands that ask an index about words in context: ``wsd``, ``neighbors``, ``evaluate``
(all-words WSD against gold keys) and ``tag``."""

from __future__ import annotations

import click

from . import (
    PROBABILITY,
    cli,
    emit,
    index_options,
    output_options,
    pos_option,
    target_options,
    writable_file,
)


def _wsd_text(answer: dict) -> str:
    flags = [f"confidence {answer['confidence']:.2f}", f"margin {answer['margin']:.2f}",
             f"decided by {answer['decided_by']}"]
    if answer["fallback"]:
        flags.append("no vector evidence: WordNet order")
    if answer["novel"]:
        # the fit combines the gloss, example and usage evidence (scoring.fit), not the
        # nearest usage alone: "far from every labelled usage" misled a tester whose nearest
        # usage was at cosine 0.89
        fit = answer.get("fit")
        if answer.get("lacking_pos"):  # "Text me": the head's verb, WordNet's noun alone
            flags.append(f"read as a {answer['lacking_pos']}, which WordNet has no sense of "
                         "for this word: possibly a sense WordNet lacks")
        else:
            flags.append("no sense fits well" + (f" (fit {fit:.2f})" if fit is not None else "")
                         + ": possibly a sense WordNet lacks")
    if answer.get("abstained"):
        flags.append("ABSTAINED")
    lines = [f"{answer['target']} (position {answer['position']}): {answer['lemma']} "
             f"{answer['pos']}  [{', '.join(flags)}]"]
    for n, sense in enumerate(answer["senses"], 1):
        lines.append(f"{n:3}. p={sense['probability']:.3f}  {sense['key']:<28} "
                     f"{sense['synset']:<28} support {sense['support']:<4} {sense['gloss']}")
    if answer["evidence"]:
        lines.append("nearest labelled usages:")
        lines.extend(_usage_line(u) for u in answer["evidence"])
    return "\n".join(lines)


def _usage_line(usage: dict) -> str:
    return (f"  {usage['score']:.3f}  {' '.join(usage['senses']):<28} {usage['sentence']}  "
            f"[{usage['corpus']} {usage['document']}]")


@cli.command()
@click.argument("sentence")
@click.argument("target")
@index_options
@target_options
@click.option("-k", type=click.IntRange(min=0), default=5, show_default=True,
              help="Nearest labelled usages to show.")
@click.option("--min-confidence", type=PROBABILITY, default=0.0, show_default=True,
              help="Abstain (exit status 2) when the best sense's probability is lower.")
@output_options
def wsd(sentence, target, index, at, pos, k, min_confidence, as_json):
    """Rank the senses of TARGET as used in SENTENCE (raw text, tokenized into words and
    punctuation; TARGET is the word as written, its first occurrence unless --at).

    Example:

        sensedb wsd "The children skipped stones from the muddy bank of the stream" bank
    """
    answer = index.wsd(sentence, target, at=at, pos=pos, k=k)
    data = answer.to_dict()
    data["abstained"] = answer.confidence < min_confidence
    emit(data, as_json, _wsd_text)
    if data["abstained"]:
        raise SystemExit(2)


@cli.command()
@click.argument("sentence")
@click.argument("target")
@index_options
@target_options
@click.option("-k", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many usages.")
@click.option("--any-lemma", is_flag=True, help="Search the usages of every word.")
@output_options
def neighbors(sentence, target, index, at, pos, k, any_lemma, as_json):
    """The labelled usages nearest to TARGET as used in SENTENCE.

    Example:

        sensedb neighbors "I deposited my salary at the bank" bank -k 5
    """
    usages = index.neighbors(sentence, target, at=at, pos=pos, k=k, any_lemma=any_lemma)
    emit([u.to_dict() for u in usages], as_json,
         lambda us: "\n".join(_usage_line(u) for u in us) or "no labelled usages")


def _senses_text(senses: list[dict]) -> str:
    lines, lemma = [], None
    for sense in senses:
        if (sense["lemma"], sense["pos"]) != lemma:
            lemma = sense["lemma"], sense["pos"]
            lines.append(f"{sense['lemma']} {sense['pos']}")
        lines.append(f"{sense['rank']:4}. {sense['key']:<28} {sense['synset']:<28} "
                     f"count {sense['count']:<4} support {sense['support']:<4} {sense['gloss']}")
    return "\n".join(lines)


@cli.command()
@click.argument("word")
@index_options
@pos_option("Only this part of speech.")
@output_options
def senses(word, index, pos, as_json):
    """List the senses WORD can have, the sense keys `wsd` chooses among: every reading of
    the form as written (lemma and part of speech), each sense with its WordNet sense number,
    sense key, synset, WordNet tag count, labelled usages in the index (support) and gloss
    (--json adds the usage examples). No model runs.

    Example:

        sensedb senses wings --pos NOUN
    """
    emit([s.to_dict() for s in index.senses_of(word, pos)], as_json, _senses_text)


@cli.command()
@click.argument("data", type=click.Path(dir_okay=False, exists=True))
@click.argument("gold", type=click.Path(dir_okay=False, exists=True))
@index_options
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the predicted keys here (instance_id key per line).")
@click.option("--min-confidence", type=PROBABILITY, default=0.0, show_default=True,
              help="Abstain on instances whose best probability is lower.")
@click.option("--one-sense-per-discourse", is_flag=True,
              help="Give every occurrence of a lemma in a document its majority sense.")
@click.option("--raw", is_flag=True,
              help="Feed each sentence to the tagger as plain text (sensedb finds targets, "
                   "lemmas and POS); answers aligned to the instances by character offsets.")
@output_options
def evaluate(data, gold, index, out, min_confidence, one_sense_per_discourse, raw, as_json):
    """Disambiguate every instance of DATA (unified XML) and score against GOLD like the
    official scorer: precision, recall and F1 in percent, overall, by POS and by data set.
    With --raw, the sentences are tagged as plain text instead (missed targets count as
    unanswered; the share of wrong answers with the wrong POS is reported).

    Example:

        sensedb evaluate semeval2007.data.xml semeval2007.gold.key.txt --index ./semcor-index
        sensedb evaluate semeval2007.data.xml semeval2007.gold.key.txt --raw --json
    """
    from ..evaluation.allwords import evaluate as evaluate_all_words

    writable_file(out, inputs=(data, gold))
    if raw:
        from ..evaluation.rawtext import evaluate_raw

        if min_confidence or one_sense_per_discourse:
            raise click.UsageError("--raw takes neither --min-confidence nor "
                                   "--one-sense-per-discourse")
        result = evaluate_raw(index, data, gold, out=out)
        emit(result, as_json, lambda r: (
            f"raw text: F1 {r['f1']:.2f}  P {r['precision']:.2f}  R {r['recall']:.2f}  "
            f"n {r['n']}  missed {r['missed']}  wrong POS {r['wrong_pos']} "
            f"({r['wrong_pos_share']:.1f}% of errors)\n" + "\n".join(_group_rows(r))))
        return

    result = evaluate_all_words(index, data, gold, out=out, progress=not as_json,
                                min_confidence=min_confidence,
                                one_sense_per_discourse=one_sense_per_discourse)

    def text(r: dict) -> str:
        lines = [f"F1 {r['f1']:.1f}  P {r['precision']:.1f}  R {r['recall']:.1f}  "
                 f"n {r['n']}  coverage {r['coverage']:.1f}%  fallbacks {r['fallbacks']}",
                 "  decided by: " + ", ".join(f"{k} {v}" for k, v in r["decided_by"].items())]
        return "\n".join(lines + _group_rows(r))

    emit(result, as_json, text)


def _group_rows(result: dict) -> list[str]:
    """An evaluation's F1 per POS, then per data set, a line each (both modes' text)."""
    return [f"  {name:<12} F1 {v['f1']:.1f}  n {v['n']}"
            for group in ("by_pos", "by_dataset") for name, v in result.get(group, {}).items()]


@cli.command()
@click.argument("text", required=False)
@click.option("--file", "file_path", type=click.Path(dir_okay=False, allow_dash=True),
              default=None, help="Read the text from this file ('-': standard input).")
@click.option("--encoding", default="utf-8", show_default=True,
              help="Encoding of the file read (--file, '-', or TEXT naming a file).")
@index_options
@click.option("--one-sense-per-discourse", is_flag=True,
              help="Give every occurrence of a lemma in the text its majority sense "
                   "(Gale, Church and Yarowsky 1992: for one story or article; a text that "
                   "uses a word in two senses, as the first example does, loses one).")
@click.option("--min-confidence", type=PROBABILITY, default=0.0, show_default=True,
              help="Leave a word untagged (key null) when its best probability is lower.")
@click.option("--jsonl", is_flag=True,
              help="Stream one JSON object per tagged word as it goes (character offsets "
                   "start/end, key, synset, WordNet offset, score, confidence); a file is "
                   "read line by line, each line a text.")
@output_options
def tag(text, file_path, encoding, index, one_sense_per_discourse, min_confidence, jsonl,
        as_json):
    """Tag every content word of TEXT (a string; '-' or --file PATH reads a file) with its
    sense and confidence. Closed-class words are skipped; multiword expressions WordNet
    knows are tagged as one word (--json and --jsonl also give each of its words read
    alone: "components"). For compatibility, a TEXT that names an existing file is
    read from it (a note on standard error says so).

    Example:

        sensedb tag "The bank raised rates. We walked along the river bank." --json
        sensedb tag --file big.txt --jsonl --index ./semcor-index > tags.jsonl
        sensedb tag --file story.txt --one-sense-per-discourse
    """
    from ..errors import InputError
    from ..retriever.tagger import tag_text

    from_file = file_path is not None or text == "-" or (text is not None and names_a_file(text))
    if jsonl:
        import sys

        from ..streaming import write_jsonl

        if as_json:
            raise click.UsageError("--jsonl and --json are two output formats: give one")
        if one_sense_per_discourse:
            raise click.UsageError("--jsonl tags line by line; drop --one-sense-per-discourse")
        if not from_file and text is not None and _blank(text):
            raise InputError("empty text")  # as without --jsonl
        lines = text_lines(text, file_path, encoding)
        write_jsonl(index, lines, sys.stdout, min_confidence=min_confidence)
        return
    text = text_or_file(text, file_path, encoding)
    # an empty file (or standard input; white space and format characters only) has no
    # content words, as --jsonl says by printing nothing: a batch over many files does not
    # stop on one; an empty TEXT stays an error
    words = [] if from_file and _blank(text) else tag_text(
        index, text, one_sense_per_discourse=one_sense_per_discourse,
        min_confidence=min_confidence, progress=not as_json)
    emit([w.to_dict() for w in words], as_json, lambda ws: "\n".join(
        f"{w['sentence']}:{w['position']:<3} {_shown(w):<16} {w['key'] or '-':<30} "
        f"p={w['confidence']:.2f}  {(w['gloss'] or '-')[:60]}" for w in ws) or "no content words")


def _blank(text: str) -> bool:
    """Whether ``text`` holds nothing but white space and the format characters the input
    policy removes (``tokenize.check_text``); a text the policy refuses is not blank (the
    tagger then refuses it, naming file and line)."""
    from ..corpora.tokenize import check_text
    from ..errors import InputError

    try:
        return not check_text(text).strip()
    except InputError:
        return False


def _shown(word: dict) -> str:
    """A tagged word in ``tag``'s text output: a phrasal verb with its particle apart as
    "turn ... off" (its record's ``word`` is the verb alone)."""
    particle = word.get("particle")
    return word["word"] if particle is None else f"{word['word']} ... {particle['word']}"


def text_or_file(text: str | None, file_path: str | None, encoding: str) -> str:
    """The text a TEXT_OR_FILE command works on, decided without ever opening text as a
    path: ``--file PATH`` or ``-`` (standard input) is read in ``encoding``; a TEXT that
    names an existing file is read too (compatibility); any other TEXT is the text itself.

    Raises:
        InputError: an unknown encoding, a file that cannot be read or is not in
            ``encoding`` (names the byte offset).
        click.UsageError: both or neither of TEXT and --file.
    """

    if (text is None) == (file_path is None):
        raise click.UsageError("give TEXT or --file PATH (one of them)")
    if text == "-":
        file_path = "-"
    elif text is not None:
        if not names_a_file(text):
            refuse_a_folder(text)
            return text
        file_path = text
        note_file_read(text)
    return read_text_file(file_path, encoding)


def note_file_read(text: str) -> None:
    """Say on standard error that TEXT was read as the file it names (compatibility): a
    tester's ``sensedb tag notes`` in a folder holding a file "notes" tagged that file's
    words without a word about it."""
    click.echo(f"sensedb: reading the file {text!r} (TEXT names a file; --file PATH reads "
               "one without this note)", err=True)


def read_text_file(path: str, encoding: str) -> str:
    """The text of ``path`` (``-``: standard input) decoded as ``encoding``; a UTF-8 byte
    order mark is dropped.

    Raises:
        InputError: an unknown encoding, a file that cannot be read, bytes that are not
            ``encoding`` (names the file and the byte offset), or a control character the
            input policy refuses (``FILE:LINE: the line has U+001B ... at character C``,
            :func:`checked_line`).
    """
    import codecs
    import sys

    from ..errors import InputError, shown_path

    name = shown_path(path)
    try:
        codecs.lookup(encoding)
    except (LookupError, ValueError):  # ValueError: a name holding NUL
        raise InputError(f"unknown encoding {encoding!r}", path=name) from None
    try:
        if path == "-":
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else \
                sys.stdin.read().encode("utf-8", "surrogateescape")
        else:
            with open(path, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        raise InputError(f"cannot read the text: {exc.strerror or exc}", path=name) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        # a UTF-16 byte-order mark names the encoding; latin-1 would read it as garbage
        hint = encoding_hint(data)
        line = data.count(b"\n", 0, exc.start) + 1  # as the other readers' FILE:LINE
        raise InputError(f"not {encoding}: {exc.reason} at byte {exc.start} (give its "
                         f"encoding with --encoding, e.g. --encoding {hint})",
                         path=name, line=line) from None
    text = text.removeprefix("\ufeff")
    from ..corpora.tokenize import check_text

    try:
        check_text(text)
    except InputError:  # name the line (the other readers' FILE:LINE), not the character
        for number, line in enumerate(text.split("\n"), start=1):
            checked_line(line, name, number)
        raise
    return text


def checked_line(line: str, name: str, number: int) -> str:
    """``line`` (line ``number``, from 1, of the file ``name``) under the input policy
    (:func:`sensedb.corpora.tokenize.check_text`), as the tagger will read it.

    Raises:
        InputError: ``FILE:LINE: the line has U+001B (ESC, ...) at character C`` (C from 0,
            in the line); it said ``text has ... at character C`` of the whole file."""
    from ..corpora.tokenize import check_text
    from ..errors import InputError

    try:
        return check_text(line, "the line")
    except InputError as exc:
        raise InputError(str(exc), path=name, line=number) from None


def text_lines(text: str | None, file_path: str | None, encoding: str):
    """The texts ``tag --jsonl`` streams, read lazily in constant memory: each line of the
    file (``--file PATH``, ``-`` or a TEXT naming an existing file), else TEXT itself.

    Raises:
        InputError: an unknown encoding, an unreadable file, a line that is not
            ``encoding`` or holds a control character the input policy refuses (names the
            file and line, :func:`checked_line`).
        click.UsageError: both or neither of TEXT and --file.
    """
    import codecs
    import sys

    from ..errors import InputError, shown_path

    if (text is None) == (file_path is None):
        raise click.UsageError("give TEXT or --file PATH (one of them)")
    if text is not None and text != "-":
        if not names_a_file(text):
            refuse_a_folder(text)
            yield text
            return
        file_path = text
        note_file_read(text)
    path = "-" if text == "-" else file_path
    name = shown_path(path)
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except (LookupError, ValueError):  # ValueError: a name holding NUL
        raise InputError(f"unknown encoding {encoding!r}", path=name) from None
    try:
        handle = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read the text: {exc.strerror or exc}", path=name) from None
    try:
        for number, line in enumerate(decoded_lines(handle, decoder, name, encoding), start=1):
            if number == 1:
                line = line.lstrip("\ufeff")
            line = line.rstrip("\r")
            checked_line(line, name, number)
            yield line
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def encoding_hint(start: bytes) -> str:
    """The encoding a decoding error suggests for a file opening with the bytes ``start``:
    "utf-16" after a UTF-16 byte-order mark (latin-1 would read it as garbage), else
    "latin-1"."""
    import codecs

    return "utf-16" if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "latin-1"


#: Bytes read at a time by :func:`decoded_lines`.
READ_BYTES = 1 << 16


def decoded_lines(handle, decoder, name: str, encoding: str):
    """The lines of the binary stream ``handle`` decoded by the incremental ``decoder``
    first and split at "\n" after (each without its "\n"; a last line without one too):
    split as bytes first, a UTF-16 file was cut at every byte 0x0A, inside a character
    ("上" is 0x4E0A) and before the newline's second byte, each later line starting with the
    one before's newline (its offsets one character off; a tester's report).

    Raises:
        InputError: bytes that are not ``encoding``, naming the file, the line and the
            encoding to try (the whole lines before it given first)."""

    from ..errors import InputError

    pending, number, start = "", 1, None
    while True:
        raw = handle.read(READ_BYTES)
        start = raw[:2] if start is None else start  # the file's first bytes, for the hint
        try:
            text = decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            # the whole lines before the bad bytes are given first (a tester: a bad byte
            # lost every good line of its 64 KiB block)
            before = bytes(exc.object[:exc.start]).decode(encoding, errors="replace")
            lines = (pending + before).split("\n")
            yield from lines[:-1]
            raise InputError(f"not {encoding} text ({exc.reason}; give its encoding with "
                             f"--encoding, e.g. --encoding {encoding_hint(start)})", path=name,
                             line=number + len(lines) - 1) from None
        lines = (pending + text).split("\n")
        pending = lines.pop()
        number += len(lines)
        yield from lines
        if not raw:
            break
    if pending:
        yield pending


def names_a_file(text: str) -> bool:
    """Whether a TEXT argument names an existing file, decided without ever opening text as
    a path (a long text is no file name; any error of the check means "no")."""
    import os

    try:
        return len(text) < 4096 and "\n" not in text and "\0" not in text \
            and os.path.isfile(text)
    except (OSError, ValueError):
        return False


def refuse_a_folder(text: str) -> None:
    """Refuse a TEXT that names an existing folder: meant as a file to read, not as words.

    Raises:
        InputError: naming the folder and how to tag the words themselves."""
    import os

    from ..errors import InputError

    try:
        folder = len(text) < 4096 and "\0" not in text and os.path.isdir(text)
    except (OSError, ValueError):
        folder = False
    if folder:
        raise InputError("is a folder, not a text file: give a file, or to tag these words "
                         "as text pipe them in (echo TEXT | sensedb tag -)", path=text)
