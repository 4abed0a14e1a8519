"""What each route does with its validated items, and how errors become statuses.

Each ``POST`` handler takes the batcher, the limits, the items (pydantic models, or
:class:`ItemError` for items that did not validate) and whether the body was a list, and
returns one result per item: a JSON-ready value or an :class:`ItemError`. Index work runs
on the batcher's worker thread; ``/wsd`` items are batched across requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..corpora.tokenize import tokenize
from ..errors import Error, IndexFormatError, InputError
from ..retriever.tagger import tag_text
from .batcher import Batcher, ItemError, Timing, WsdQuery, locate_field
from .guard import note


@dataclass(frozen=True)
class Limits:
    """``max_words``: words per sentence or text; ``max_items``: items per list body."""

    max_words: int = 1000
    max_items: int = 64


class TooLarge(InputError):
    """A sentence or text over the words limit (answered 413)."""


def status_of(error: Error) -> int:
    """The HTTP status of a sensedb error: 413 over a limit, 503 for an index that cannot be
    read or is locked (not the client's fault), 422 for any other bad input."""
    if isinstance(error, TooLarge):
        return 413
    if isinstance(error, IndexFormatError):
        return 503
    return 422  # InputError, InventoryError, ConfigurationError: the request's fault


def note_timings(timings: Sequence[Timing]) -> None:
    """Record the slowest item's queue wait and worker time, and the largest batch, on the
    request's log line."""
    if timings:
        note(items=len(timings), batch=max(t.batch for t in timings),
             queued_ms=max(t.queued_ms for t in timings),
             work_ms=max(t.work_ms for t in timings))


def count_words(sentence: str | Sequence[str]) -> int:
    """Words the encoder would see: ``len(sensedb.tokenize(sentence))`` for raw text, else
    the list's length."""
    return len(tokenize(sentence)) if isinstance(sentence, str) else len(sentence)


def check_words(sentence: str | Sequence[str], field: str, limits: Limits, *,
                empty: bool = False) -> int:
    """The sentence's word count. Raises :class:`TooLarge` over ``limits.max_words`` and
    ``InputError`` for a sentence without words (unless ``empty``); the caller names
    ``field``."""
    words = count_words(sentence)
    if words == 0 and not empty:
        raise InputError(f"{field} has no words")
    if words > limits.max_words:
        raise TooLarge(f"{field} has {words} words; at most {limits.max_words} per request "
                       "item")
    return words


def _guarded(items: list, check: Callable[[Any], None]) -> list:
    """``items`` with those failing ``check`` (a sensedb.Error naming a field in its
    ``field`` attribute) replaced by :class:`ItemError`."""
    out = []
    for item in items:
        if isinstance(item, ItemError):
            out.append(item)
            continue
        try:
            check(item)
            out.append(item)
        except _FieldError as exc:
            out.append(ItemError(exc.error, exc.field))
    return out


class _FieldError(Exception):
    def __init__(self, error: Error, field: str) -> None:
        super().__init__(str(error))
        self.error, self.field = error, field


def _words_of(sentence, field: str, limits: Limits, *, empty: bool = False) -> int:
    try:
        return check_words(sentence, field, limits, empty=empty)
    except Error as exc:
        raise _FieldError(exc, field) from None


async def wsd(batcher: Batcher, limits: Limits, items: list, many: bool) -> list:
    """``/wsd``: ``Disambiguation.to_dict()`` plus ``abstained`` (best probability under
    ``min_confidence``) per item, answered through the micro-batcher."""
    sizes: dict[int, int] = {}

    def check(item) -> None:
        sizes[id(item)] = _words_of(item.sentence, "sentence", limits)

    items = _guarded(items, check)
    asked = [(n, item) for n, item in enumerate(items) if not isinstance(item, ItemError)]
    answers = await batcher.wsd([WsdQuery(item.sentence, item.target, item.at, item.pos,
                                          item.k, sizes[id(item)]) for _, item in asked])
    note_timings([timing for _, timing in answers])
    out: list = list(items)
    for (n, item), (answer, _) in zip(asked, answers, strict=True):
        if isinstance(answer, ItemError):
            out[n] = answer
            continue
        data = answer.to_dict()
        data["abstained"] = answer.confidence < item.min_confidence
        out[n] = data
    return out


async def _per_item(batcher: Batcher, items: list,
                    function: Callable[[Any, Any], Any]) -> list:
    """``function(index, item)`` for every valid item, each a job of its own on the worker
    thread, submitted when the one before it is answered: a job of another request queued
    meanwhile runs between two items (one ``/tag`` of 64 texts of 999 words held the worker
    57 s in one job, and a ``/wsd`` behind it waited 57.5 s: a breaker's). A
    ``sensedb.Error`` becomes that item's :class:`ItemError` (field from a
    :class:`_FieldError`, else none). The batcher's ``timeout_s`` bounds the whole list (a
    503 after it, as for one job; the items not yet run are not run).

    Raises:
        Overloaded, asyncio.TimeoutError: as ``Batcher.run``."""
    def job(item) -> Callable[[Any], Any]:
        def run(index) -> Any:
            try:
                return function(index, item)
            except _FieldError as exc:
                return ItemError(exc.error, exc.field)
            except Error as exc:
                return ItemError(exc)

        return run

    out: list = []
    timings: list[Timing] = []

    async def each() -> None:
        for item in items:
            if isinstance(item, ItemError):
                out.append(item)
                continue
            result, timing = await batcher.run(job(item))
            out.append(result)
            timings.append(timing)

    await asyncio.wait_for(each(), batcher.timeout_s)
    note_timings(timings)
    return out


def _locate(index, sentence, target, at, prefix: str = "") -> None:
    """Locate the target first so that an error names the field to blame."""
    try:
        index.locate(sentence, target, at)
    except Error as exc:
        raise _FieldError(exc, prefix + locate_field(sentence, target, at)) from None


async def tag(batcher: Batcher, limits: Limits, items: list, many: bool) -> list:
    """``/tag``: ``[TaggedWord.to_dict(), ...]`` per item (the CLI's ``tag --json``)."""
    items = _guarded(items, lambda item: _words_of(item.text, "text", limits, empty=True))

    def one(index, item) -> list:
        try:
            words = tag_text(index, item.text,
                             one_sense_per_discourse=item.one_sense_per_discourse,
                             min_confidence=item.min_confidence)
        except InputError as exc:
            raise _FieldError(exc, "text") from None
        return [w.to_dict() for w in words]

    return await _per_item(batcher, items, one)


async def neighbors(batcher: Batcher, limits: Limits, items: list, many: bool) -> list:
    """``/neighbors``: ``[Usage.to_dict(), ...]`` per item (the CLI's ``neighbors --json``)."""
    items = _guarded(items, lambda item: _words_of(item.sentence, "sentence", limits))

    def one(index, item) -> list:
        _locate(index, item.sentence, item.target, item.at)
        try:
            usages = index.neighbors(item.sentence, item.target, at=item.at, pos=item.pos,
                                     k=item.k, any_lemma=item.any_lemma)
        except InputError as exc:
            raise _FieldError(exc, "target") from None
        return [u.to_dict() for u in usages]

    return await _per_item(batcher, items, one)


async def similarity(batcher: Batcher, limits: Limits, items: list, many: bool) -> list:
    """``/similarity``: ``SimilarityResult.to_dict()`` per item; the valid items of one
    method go through ``sensedb.similarity_batch`` together (one encoder pass), and through
    ``sensedb.similarity`` one by one when that batch fails."""
    def check(item) -> None:
        _words_of(item.a.sentence, "a.sentence", limits)
        _words_of(item.b.sentence, "b.sentence", limits)

    items = _guarded(items, check)

    def job(index) -> list:
        from .. import similarity as compare
        from .. import similarity_batch

        out: list = list(items)
        by_method: dict[Any, list[int]] = {}
        for n, item in enumerate(items):
            if isinstance(item, ItemError):
                continue
            try:
                _locate(index, item.a.sentence, item.a.target, item.a.at, "a.")
                _locate(index, item.b.sentence, item.b.target, item.b.at, "b.")
            except _FieldError as exc:
                out[n] = ItemError(exc.error, exc.field)
                continue
            by_method.setdefault(item.method, []).append(n)
        for method, numbers in by_method.items():
            usages = [(_usage(items[n].a), _usage(items[n].b)) for n in numbers]
            try:
                # each usage's top senses under every method, as the CLI's --json shows
                results = similarity_batch(index, usages, method, evidence=True)
                for n, result in zip(numbers, results, strict=True):
                    out[n] = result.to_dict() if result.error is None \
                        else ItemError(result.error, _usage_field(result.error))
                continue
            except IndexFormatError:
                raise
            except Error:
                pass
            for n, (a, b) in zip(numbers, usages, strict=True):
                try:
                    out[n] = compare(index, a, b, method).to_dict()
                except IndexFormatError:
                    raise
                except Error as exc:
                    out[n] = ItemError(exc, _usage_field(exc))
        return out

    result, timing = await batcher.run(job)
    note_timings([timing])
    return result


def _usage_field(error: Error) -> str | None:
    """The request field a similarity error concerns: ``a.target`` / ``b.target`` for one
    that names its usage (``usage`` set by the analysis: "usage a: "xyzzy" is not a word
    WordNet-3.0 knows"), else None."""
    usage = getattr(error, "usage", None)
    return None if usage is None else f"{usage}.target"


def _usage(usage) -> tuple:
    return (usage.sentence, usage.target, usage.at)


def senses(index, key: str, pos: str | None = None) -> list[dict] | ItemError:
    """``GET /senses/{key}``: a sense key's sense, or every sense of a word (each POS
    WordNet's morphology finds, or ``pos`` alone), as ``LemmaSense`` fields
    (``SenseIndex.senses_of``: the ``sensedb senses`` command's ``--json``). An unknown key
    or word is an :class:`ItemError`."""
    try:
        return [s.to_dict() for s in index.senses_of(key, pos)]
    except Error as exc:
        return ItemError(exc, "key")
