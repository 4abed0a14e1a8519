"""The ``sensedb serve`` command; register it on the CLI group with
``cli.add_command(serve_command)``. Imports FastAPI and uvicorn only when run."""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--index", "index_dir", type=click.Path(file_okay=False), default=None,
              help="Index directory (default: the WordNet default index).")
@click.option("--db", "db_url", default=None,
              help="SQLAlchemy database URL of the metadata (default: DIR/sensedb.sqlite).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback needs --api-key (or --no-api-key).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--api-key", envvar="SENSEDB_API_KEY", default=None,
              help="Require this value in the X-API-Key header (env SENSEDB_API_KEY).")
@click.option("--no-api-key", "no_api_key", is_flag=True,
              help="Serve a host other than loopback without a key (a trusted network, or "
                   "a proxy in front that checks callers).")
@click.option("--device", default=None, help="torch device (default: cuda if available).")
@click.option("--no-wordnet-vectors", "--no-wordnet-evidence", "no_wordnet_evidence",
              is_flag=True, help="Do not add WordNet glosses/examples to the index on first "
                                 "use (as every other command's --no-wordnet-vectors).")
@click.option("--batch-window-ms", type=click.FloatRange(min=0), default=5.0, show_default=True,
              help="How long a /wsd batch waits for more requests (0: no batching).")
@click.option("--batch-max-words", type=click.IntRange(min=1), default=4096, show_default=True,
              help="Words per encoder batch at most.")
@click.option("--max-words", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Words per sentence or text at most (413 above).")
@click.option("--max-items", type=click.IntRange(min=1), default=64, show_default=True,
              help="Items per list request at most (413 above).")
@click.option("--max-body-bytes", type=click.IntRange(min=1), default=1_000_000, show_default=True,
              help="Request body size at most (413 above).")
@click.option("--max-queue", type=click.IntRange(min=1), default=256, show_default=True,
              help="Requests waiting at most (429 above).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0, min_open=True),
              default=60.0, show_default=True,
              help="Seconds a request may wait for its answer (503 after).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]),
              default="info", show_default=True)
def serve_command(index_dir, db_url, host, port, api_key, no_api_key, device, no_wordnet_evidence,
                  batch_window_ms, batch_max_words, max_words, max_items, max_body_bytes,
                  max_queue, timeout_s, log_level):
    """Serve an index over HTTP (JSON; OpenAPI at /openapi.json, docs at /docs):
    POST /wsd, /tag, /similarity, /neighbors (one object or a list), GET /senses/KEY,
    /info, /health. Concurrent /wsd requests share one encoder pass. Needs the serve
    extra: pip install 'sensedb[serve]'. It binds to loopback; another --host needs
    --api-key (or --no-api-key, to serve it open on purpose). The port is bound before the
    index loads: one in use fails at once.

    Example:

        sensedb serve --index ./semcor-index --port 8000

        curl -s localhost:8000/wsd -d '{"sentence": "He sat on the bank", "target": "bank"}'

        sensedb serve --index ./semcor-index --host 0.0.0.0 --api-key "$KEY"

        sensedb serve --index ./semcor-index --host 0.0.0.0 --no-api-key
    """
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(
            f"the service needs the serve extra ({exc.name} is missing): "
            "pip install 'sensedb[serve]'") from exc
    from .server import serve

    if api_key and no_api_key:
        raise click.UsageError("give --api-key or --no-api-key, not both")
    options = {"device": device} if device else {}
    if no_wordnet_evidence:
        options["wordnet_evidence"] = False
    serve(index_dir, host=host, port=port, log_level=log_level, db_url=db_url,
          allow_no_api_key=no_api_key,
          api_key=api_key, open_options=options, batch_window_ms=batch_window_ms,
          batch_max_words=batch_max_words, max_words=max_words, max_items=max_items,
          max_body_bytes=max_body_bytes, max_queue=max_queue, timeout_s=timeout_s)
