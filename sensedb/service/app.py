"""The HTTP service: :func:`create_app` builds the FastAPI app over one open index.

Routes (JSON in, JSON out; each POST takes one object or a list of them):

- ``POST /wsd``        ``{"sentence", "target", "at", "pos", "k", "min_confidence"}`` ->
  the CLI's ``wsd --json`` object (``Disambiguation.to_dict()`` and ``abstained``)
- ``POST /tag``        ``{"text", "one_sense_per_discourse", "min_confidence"}`` -> the CLI's
  ``tag --json`` list (``TaggedWord.to_dict()`` per word)
- ``POST /similarity`` ``{"a": {"sentence", "target", "at"}, "b": {...}, "method"}`` ->
  ``SimilarityResult.to_dict()``
- ``POST /neighbors``  ``{"sentence", "target", "at", "pos", "k", "any_lemma"}`` -> usages
- ``GET /senses/{key}`` a sense key (``bank%1:17:01::``, URL-encoded) or a word -> its senses
- ``GET /info`` the CLI's ``info --json`` and the service's settings; ``GET /health``

A list body answers a list in the same order; an item that fails carries
``{"error": ..., "field": ...}`` in its place and the others answer (status 200). A single
body that fails is answered with that error object and a status: 400 (not JSON), 401 (API
key), 404 (unknown sense key or route), 413 (body or words over the limits), 422 (a bad
field), 429 (queue full; retry), 503 (index unavailable or timed out). 500 only for a bug
(logged with its traceback and the request id).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import Error, InputError
from ..vocabulary import POS
from . import handlers
from .batcher import Batcher, ItemError, Overloaded
from .guard import Guard
from .models import (
    ErrorBody,
    NeighborsRequest,
    SimilarityRequest,
    TagRequest,
    WsdRequest,
)

log = logging.getLogger("sensedb.service")
MODELS: tuple[type[BaseModel], ...] = (WsdRequest, TagRequest, SimilarityRequest,
                                       NeighborsRequest, ErrorBody)


class ApiError(Exception):
    """An answer other than 200: ``status`` and the JSON ``{"error", "field"}``."""

    def __init__(self, status: int, error: str, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.field, self.headers = status, error, field, headers


class SafeJSONResponse(JSONResponse):
    """JSON with NaN and infinities written as null (strict JSON), never an exception."""

    def render(self, content: Any) -> bytes:
        try:
            text = json.dumps(content, ensure_ascii=False, allow_nan=False)
        except ValueError:
            text = json.dumps(_finite(content), ensure_ascii=False, allow_nan=False)
        return text.encode("utf-8")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def create_app(index_dir: str | os.PathLike | None = None, *, db_url: str | None = None,
               index: Any = None, open_options: dict | None = None,
               max_words: int = 1000, max_items: int = 64, max_body_bytes: int = 1_000_000,
               batch_window_ms: float = 5.0, batch_max_words: int = 4096,
               max_queue: int = 256, timeout_s: float = 60.0,
               api_key: str | None = None, body_timeout_s: float = 30.0) -> FastAPI:
    """The service over the index at ``index_dir`` (None: the default index), opened once at
    start-up (``sensedb.open(index_dir, db_url=db_url, **open_options)``) on the worker
    thread; or over ``index``, an already open ``SenseIndex`` (then used only by that thread
    while the app runs).

    Limits: ``max_words`` words per sentence or text (413 above), ``max_items`` items per list
    body (413), ``max_body_bytes`` bytes per body (413), ``max_queue`` items waiting for the
    worker (429 above), ``timeout_s`` seconds per request (503 after), ``body_timeout_s``
    seconds for a request's body to arrive whole (408 after). Batching:
    ``batch_window_ms`` milliseconds a ``/wsd`` batch stays open (0: off, one encoder pass per
    item), ``batch_max_words`` words per batch. ``api_key``: required in ``X-API-Key``.

    Raises (at start-up, from the lifespan): whatever ``sensedb.open`` raises
    (``IndexFormatError``, ``ConfigurationError``).
    """
    batcher = Batcher(window_ms=batch_window_ms, max_words=batch_max_words,
                      max_queue=max_queue, timeout_s=timeout_s)
    limits = handlers.Limits(max_words=max_words, max_items=max_items)
    settings = {"max_words": max_words, "max_items": max_items,
                "max_body_bytes": max_body_bytes, "batch_window_ms": batch_window_ms,
                "batch_max_words": batch_max_words, "max_queue": max_queue,
                "timeout_s": timeout_s, "body_timeout_s": body_timeout_s,
                "api_key": bool(api_key)}

    def open_index() -> Any:
        if index is not None:
            return index
        from .. import open as open_sensedb

        opened = open_sensedb(index_dir, db_url=db_url, **(open_options or {}))
        warm_up(opened)
        return opened

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        await batcher.start(open_index)
        log.info("sensedb service ready: index %s", batcher.index.directory.path)
        try:
            yield
        finally:
            await batcher.stop()

    from .. import __version__

    app = FastAPI(title="sensedb", version=__version__, lifespan=lifespan,
                  default_response_class=SafeJSONResponse,
                  description="Word-sense disambiguation, tagging, in-context similarity "
                              "and nearest labelled usages over a sensedb index.")
    app.state.batcher = batcher
    app.add_middleware(Guard, api_key=api_key, max_body_bytes=max_body_bytes,
                       body_timeout_s=body_timeout_s)
    _install_errors(app)

    async def answer(request: Request, model: type[BaseModel],
                     work: Callable[[list, bool], Any]) -> Any:
        items, many = await _parse_body(request, model, max_items)
        try:
            results = await work(items, many)
        except Overloaded as exc:
            raise ApiError(429, str(exc), None, {"Retry-After": "1"}) from None
        except asyncio.TimeoutError:
            raise ApiError(503, f"no answer within {timeout_s:g} s", None,
                           {"Retry-After": "5"}) from None
        if many:
            return [r.to_dict() if isinstance(r, ItemError) else r for r in results]
        if isinstance(results[0], ItemError):
            raise _item_error(results[0])
        return results[0]

    item_body = {"application/json": {"schema": {"type": "object"}}}
    errors: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorBody, "description": text} for code, text in (
            (400, "Body is not JSON"), (401, "Missing or wrong X-API-Key"),
            (413, "Body, list or sentence over the limits"), (422, "A bad field"),
            (429, "Queue full: retry"), (503, "Index unavailable or timed out"))}

    def route(path: str, model: type[BaseModel], work, summary: str) -> None:
        async def endpoint(request: Request):
            return await answer(request, model, lambda items, many: work(
                batcher, limits, items, many))

        endpoint.__name__ = path.strip("/").replace("-", "_")
        app.post(path, summary=summary, responses={
            200: {"description": "One answer, or a list in the request's order",
                  "content": item_body}, **errors},
            openapi_extra={"requestBody": {"required": True, "content": {
                "application/json": {"schema": {"anyOf": [
                    {"$ref": f"#/components/schemas/{model.__name__}"},
                    {"type": "array", "maxItems": max_items,
                     "items": {"$ref": f"#/components/schemas/{model.__name__}"}}]}}}}},
        )(endpoint)

    route("/wsd", WsdRequest, handlers.wsd, "Rank the senses of a word in context")
    route("/tag", TagRequest, handlers.tag, "Tag every content word of a text")
    route("/similarity", SimilarityRequest, handlers.similarity,
          "How alike two usages of words are")
    route("/neighbors", NeighborsRequest, handlers.neighbors,
          "The nearest labelled usages of a word in context")

    @app.get("/senses/{key:path}", summary="A sense key's sense, or a word's senses "
             "(?pos=NOUN: that part of speech only)",
             responses={404: {"model": ErrorBody, "description": "Unknown key or word"},
                        422: {"model": ErrorBody, "description": "An empty word, or an "
                              "unknown part of speech"}})
    async def senses(key: str, pos: str | None = None):
        # a path parameter: words WordNet writes with a slash ("24/7") reach the handler
        if not key.strip():
            raise ApiError(422, "the word is empty", "key")
        if pos is not None:
            try:
                pos = POS.parse(pos).value
            except Error as exc:
                raise ApiError(422, str(exc), "pos") from None
        result = await _run(batcher, lambda index: handlers.senses(index, key, pos),
                            timeout_s)
        if isinstance(result, ItemError):
            raise ApiError(404, str(result.error), "key")
        return result

    @app.get("/info", summary="What the index holds and the service's settings")
    async def info():
        data = await _run(batcher, lambda index: index.info(), timeout_s)
        data["service"] = {**settings, "batches": batcher.batches, "items": batcher.items}
        return data

    @app.get("/health", summary="Liveness: the index is loaded")
    async def health():
        return {"status": "ok", "queued": batcher.queued, "batches": batcher.batches,
                "items": batcher.items}

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in MODELS:
                found = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(found.pop("$defs", {}))
                components[model.__name__] = found
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def warm_up(index: Any) -> None:
    """Load what the first query would (the model, WordNet's synsets) without writing to the
    index: one encoder pass over a short sentence and one word's candidate senses."""
    target = index.locate("The warm up", "warm")
    index.encode_targets([target])  # the query path's one pass (POS head, sentence vector)
    for lemma, pos in index.lemma_candidates("bank"):
        index.inventory.candidates(lemma, pos)


async def _run(batcher: Batcher, function: Callable[[Any], Any], timeout_s: float) -> Any:
    try:
        result, timing = await batcher.run(function)
    except Overloaded as exc:
        raise ApiError(429, str(exc), None, {"Retry-After": "1"}) from None
    except asyncio.TimeoutError:
        raise ApiError(503, f"no answer within {timeout_s:g} s", None) from None
    handlers.note_timings([timing])
    return result


async def _parse_body(request: Request, model: type[BaseModel], max_items: int
                      ) -> tuple[list, bool]:
    """The body's items (each a ``model`` or an :class:`ItemError`) and whether it was a
    list. Raises :class:`ApiError` for a body that is not JSON (400), neither an object nor a
    list (422), a list over ``max_items`` (413) or a single object that does not validate."""
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, f"body is not valid JSON: {str(exc)[:200]}", "body") from None
    if isinstance(data, list):
        if len(data) > max_items:
            raise ApiError(413, f"{len(data)} items in one request; at most {max_items}",
                           "body")
        return [_validate(model, item) for item in data], True
    if not isinstance(data, dict):
        raise ApiError(422, "the body must be a JSON object or a list of objects", "body")
    item = _validate(model, data)
    if isinstance(item, ItemError):
        raise _item_error(item)
    return [item], False


def _validate(model: type[BaseModel], data: Any) -> BaseModel | ItemError:
    if not isinstance(data, dict):
        return ItemError(InputError("an item must be a JSON object"), "body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "body"
        return ItemError(InputError(f"{field}: {first.get('msg', 'invalid')}"), field)


def _item_error(item: ItemError) -> ApiError:
    return ApiError(handlers.status_of(item.error), str(item.error), item.field)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return SafeJSONResponse({"error": exc.error, "field": exc.field},
                                status_code=exc.status, headers=exc.headers)

    @app.exception_handler(Error)
    async def sensedb_error(request: Request, exc: Error):
        return SafeJSONResponse({"error": str(exc), "field": None},
                                status_code=handlers.status_of(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return SafeJSONResponse({"error": str(exc.detail), "field": None},
                                status_code=exc.status_code, headers=exc.headers)

    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ())[1:]) or "body"
        return SafeJSONResponse({"error": f"{field}: {first.get('msg', 'invalid')}",
                                 "field": field}, status_code=422)
