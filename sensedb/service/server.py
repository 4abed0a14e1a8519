"""Run the service with uvicorn (one process: the index and the model are loaded once)."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

log = logging.getLogger("sensedb.service")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (``port`` 0: a free one), as uvicorn binds
    its own (IPv6 when ``host`` has a colon, ``SO_REUSEADDR``), for the server to listen on.

    Raises:
        ConfigurationError: the address cannot be bound (a port in use, a host that is not
            this machine's, a port below 1024 without the right), one line naming
            ``host:port``; uvicorn said ``[Errno 98]`` only after loading the model."""
    from ..errors import ConfigurationError

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        hint = " (another server holds it: stop it or give another --port)" \
            if exc.errno == errno.EADDRINUSE else ""
        shown = f"[{host}]" if ":" in host else host
        raise ConfigurationError(f"cannot listen on {shown}:{port}: {reason}{hint}") from None
    return sock


def serve(index_dir: str | os.PathLike | None = None, host: str = "127.0.0.1",
          port: int = 8000, *, log_level: str = "info", allow_no_api_key: bool = False,
          **options: Any) -> None:
    """Serve the index at ``index_dir`` (None: the default index) on ``host``:``port`` until
    interrupted. ``options`` go to :func:`sensedb.service.app.create_app` (``db_url``,
    ``api_key``, ``max_words``, ``max_body_bytes``, ``batch_window_ms``,
    ``batch_max_words``, ``max_queue``, ``timeout_s``, ``open_options``).

    Binds to loopback by default; any other host needs ``api_key``, or
    ``allow_no_api_key=True`` (``--no-api-key``: a trusted network, or a proxy in front that
    checks callers), which logs a warning. The address is bound before the index and the
    model are loaded, so that a port in use fails at once. The request log goes to the
    ``sensedb.service`` logger (configured here, at ``log_level``, when the application has
    not configured logging).

    Raises:
        ImportError: the ``serve`` extra (fastapi, uvicorn) is not installed.
        sensedb.ConfigurationError: a host other than loopback without ``api_key`` or
            ``allow_no_api_key``; ``host``:``port`` cannot be bound (:func:`listening_socket`).
        sensedb.Error: no index at ``index_dir``, or one that cannot be opened (checked
            before the server starts; a later failure, such as another model's index, is
            uvicorn's failed start-up, exit status 3).
    """
    import uvicorn

    from ..errors import ConfigurationError
    from .app import create_app

    open_to_others = not is_loopback(host) and not options.get("api_key")
    if open_to_others and not allow_no_api_key:
        raise ConfigurationError(
            f"--host {host} answers other machines: give --api-key KEY (clients send "
            "X-API-Key), or --no-api-key to serve it open on purpose")
    level = getattr(logging, log_level.upper(), logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format=LOG_FORMAT)
    logging.getLogger("sensedb").setLevel(level)
    if open_to_others:
        log.warning("serving on %s without an API key (--no-api-key): anyone who reaches "
                    "this port can use the service", host)
    if index_dir is not None:  # before the server starts: its failed start-up is a traceback
        from ..indexer import IndexDirectory

        directory = IndexDirectory(index_dir, options.get("db_url"))
        try:
            directory.refuse_missing()
        finally:
            directory.close()
    sock = listening_socket(host, port)
    try:
        app = create_app(index_dir, **options)
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level,
                                               access_log=False, workers=1, lifespan="on"))
        bound = sock.getsockname()[1]
        log.info("sensedb service: http://%s:%d bound; loading the index",
                 f"[{host}]" if ":" in host else host, bound)
        server.run(sockets=[sock])
    finally:
        sock.close()
    if not server.started:  # the lifespan failed (uvicorn logged why), as uvicorn.run exits
        sys.exit(3)


@contextlib.contextmanager
def background(app: Any, host: str = "127.0.0.1", port: int = 0, *,
               start_timeout_s: float = 120.0, log_level: str = "warning") -> Iterator[str]:
    """Run ``app`` on uvicorn in a background thread of this process for the ``with`` block;
    yields its base URL (``http://127.0.0.1:PORT``; ``port=0``: a free port). The app's
    lifespan (opening the index) has finished when the block starts; on leaving, the server
    stops and the thread is joined.

    Raises:
        RuntimeError: the server did not start within ``start_timeout_s`` seconds (or its
            start-up failed; the cause is logged by uvicorn).
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="sensedb-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(10)
            sock.close()
            raise RuntimeError(f"the service did not start on {host}:{bound}")
        time.sleep(0.02)
    try:
        yield f"http://{host if ':' not in host else f'[{host}]'}:{bound}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
