"""What every benchmark script does with its figures: print them as JSON and, given a path,
write them there too (its folder made). Run from ``scripts/`` (``python scripts/NAME.py``),
whose folder Python puts first on the import path."""

from __future__ import annotations

import json
from pathlib import Path


def write_figures(figures: dict, path: str | None, *, indent: int = 2) -> None:
    """Print ``figures`` as indented JSON; with ``path``, write the same text (and a newline)
    to it, making its folder."""
    text = json.dumps(figures, indent=indent)
    print(text)
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text + "\n")
