"""Where sensedb keeps its own files (prepared WordNet copy, default index)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The user data dir: ``$SENSEDB_HOME``, else ``$XDG_DATA_HOME/sensedb``, else
    ``~/.local/share/sensedb``."""
    if os.environ.get("SENSEDB_HOME"):
        return Path(os.environ["SENSEDB_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "sensedb"


def default_index_dir() -> Path:
    """The default index (built from WordNet alone with the default model)."""
    return data_dir() / "default-index"
