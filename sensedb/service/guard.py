"""One ASGI middleware in front of every route: request id and the per-request log line,
the API key, and the body size limit.

- Every HTTP request gets an id (the client's ``X-Request-ID`` when it is a short printable
  token, else a new one), returned in the ``X-Request-ID`` header, and ONE log line on the
  ``sensedb.service`` logger: method, path, status, total milliseconds and, for index work,
  items, batch size, milliseconds queued and on the worker (see :func:`note`).
- With an API key configured, every path except ``/health``, ``/docs`` and
  ``/openapi.json`` needs the header ``X-API-Key`` (compared in constant time): 401 without.
- A body longer than ``max_body_bytes`` bytes is refused with 413 before it is parsed
  (by its ``Content-Length``, or while reading a chunked body); a body not received whole
  within ``body_timeout_s`` seconds with 408 (a client that stalls mid-upload held its
  connection open for good); a client that disconnects before its body is whole gets its
  one log line, status 499 (nginx's "client closed request"), and no traceback (each such
  request logged a 45-line "unexpected error": the app read a body the client never sent).
- An exception that escapes the app is a bug: logged with its traceback and the request id,
  answered 500 (when no response was started).
Every refusal is JSON ``{"error": ..., "field": ...}``.
"""

from __future__ import annotations

import asyncio
import contextvars
import hmac
import json
import logging
import re
import time
import uuid
from typing import Any

log = logging.getLogger("sensedb.service")

#: The status logged for a request whose client disconnected before its body was whole
#: (nginx's "client closed request"; nothing is sent).
CLIENT_CLOSED = 499
OPEN_PATHS = frozenset({"/health", "/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_current: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "sensedb_service_request", default=None)


def note(**values: Any) -> None:
    """Add ``values`` (e.g. ``items=3, batch=8, queued_ms=1.2, work_ms=9.5``) to the current
    request's log line (no-op outside a request)."""
    found = _current.get()
    if found is not None:
        found.update(values)


def current_request_id() -> str | None:
    """The id of the request being handled (None outside a request)."""
    found = _current.get()
    return None if found is None else found.get("id")


async def _send_json(send, status: int, body: dict, headers: list | None = None) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": data})


class Guard:
    """The middleware (see the module docstring). ``api_key``: None for no key;
    ``max_body_bytes``: the largest body accepted (bytes); ``body_timeout_s``: the longest a
    body may take to arrive (seconds)."""

    def __init__(self, app, *, api_key: str | None = None,
                 max_body_bytes: int = 1_000_000, body_timeout_s: float = 30.0) -> None:
        self.app, self.api_key, self.max_body_bytes = app, api_key, int(max_body_bytes)
        self.body_timeout_s = float(body_timeout_s)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        given = headers.get("x-request-id", "")
        info: dict[str, Any] = {"id": given if _REQUEST_ID.fullmatch(given)
                                else uuid.uuid4().hex[:12]}
        token = _current.set(info)
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500, "sent": False}
        id_header = (b"x-request-id", info["id"].encode())

        async def send_logged(message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                message = {**message, "headers": [*message.get("headers", []), id_header]}
            await send(message)

        try:
            refusal = self._refusal(scope, headers)
            if refusal is not None:
                await _send_json(send_logged, *refusal)
                return
            body, ended = await self._read_body(receive)
            if ended == "too long":
                await _send_json(send_logged, 413, self._too_long())
                return
            if ended == "timeout":
                await _send_json(send_logged, 408, {
                    "error": f"request body not received within {self.body_timeout_s:g} s",
                    "field": "body"})
                return
            if ended == "disconnect":
                status["code"] = CLIENT_CLOSED
                return
            await self.app(scope, _replay(body, receive), send_logged)
        except Exception:  # a bug: logged with its traceback, a 500 if nothing was sent
            log.exception("request id=%s %s %s: unexpected error", info["id"],
                          scope.get("method"), scope.get("path"))
            if not status["sent"]:
                await _send_json(send_logged, 500, {
                    "error": f"internal error (request {info['id']})", "field": None})
        finally:
            _current.reset(token)
            extra = " ".join(f"{k}={_fmt(v)}" for k, v in info.items() if k != "id")
            log.info("request id=%s %s %s %d %.1fms%s", info["id"], scope.get("method"),
                     scope.get("path"), status["code"], (time.perf_counter() - started) * 1e3,
                     f" {extra}" if extra else "")

    def _refusal(self, scope, headers: dict[str, str]) -> tuple | None:
        if self.api_key and scope.get("path") not in OPEN_PATHS:
            given = headers.get("x-api-key", "")
            if not hmac.compare_digest(given.encode(), self.api_key.encode()):
                return 401, {"error": "missing or wrong X-API-Key header",
                             "field": "X-API-Key"}
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return 400, {"error": "Content-Length is not a number",
                             "field": "Content-Length"}
            if int(length) > self.max_body_bytes:
                return 413, self._too_long()
        return None

    def _too_long(self) -> dict:
        return {"error": f"request body is larger than {self.max_body_bytes} bytes",
                "field": "body"}

    async def _read_body(self, receive) -> tuple[list, str | None]:
        """The request's body messages (at most ``max_body_bytes`` bytes in all) and how
        reading them ended early: None (whole), ``"too long"``, ``"timeout"`` (not whole
        within ``body_timeout_s``) or ``"disconnect"`` (the client went first)."""
        messages, size = [], 0
        deadline = asyncio.get_running_loop().time() + self.body_timeout_s
        while True:
            left = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(left, 0.0))
            except asyncio.TimeoutError:
                return messages, "timeout"
            messages.append(message)
            if message["type"] == "http.disconnect":
                return messages, "disconnect"
            if message["type"] != "http.request":
                return messages, None
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return messages, "too long"
            if not message.get("more_body", False):
                return messages, None


def _replay(messages: list, receive):
    """A ``receive`` that returns the buffered ``messages`` first, then the real ones."""
    pending = list(messages)

    async def replayed():
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def _fmt(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)
