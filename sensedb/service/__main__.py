"""``python -m sensedb.service --index DIR [--host] [--port] ...``: the ``serve`` command."""

from .cli import serve_command

serve_command(prog_name="python -m sensedb.service")
