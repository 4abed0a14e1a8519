"""The one import of FAISS in sensedb: every store module takes ``faiss`` from here."""

from __future__ import annotations

try:  # faiss prints nothing useful on import; keep it to this package
    import faiss
except ImportError as exc:  # pragma: no cover - install problem
    raise ImportError("sensedb needs faiss-cpu (pip install faiss-cpu)") from exc

__all__ = ["faiss", "library_versions"]


def library_versions() -> dict[str, str]:
    """The version of the vector library the stores are written with, as an index manifest
    records it: ``{"faiss": "1.15.1"}``."""
    return {"faiss": faiss.__version__}
