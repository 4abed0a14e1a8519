"""sensedb over HTTP: ``create_app`` (a FastAPI app over one index, micro-batched) and
``serve`` (run it with uvicorn). Needs the ``serve`` extra: ``pip install 'sensedb[serve]'``.

    >>> from sensedb.service import serve
    >>> serve("./semcor-index", port=8000)          # doctest: +SKIP

The names are imported on first use, so ``sensedb.service.cli`` loads without FastAPI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "serve":
        from .server import serve

        return serve
    raise AttributeError(f"module 'sensedb.service' has no attribute {name!r}")
