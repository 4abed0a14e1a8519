"""The one import of FAISS in sensedb: every store module takes ``faiss`` from here."""

from __future__ import annotations

try:  # faiss prints nothing useful on import; keep it to this package
    import faiss
except ImportError as exc:  # pragma: no cover - install problem
    raise ImportError("sensedb needs faiss-cpu (pip install faiss-cpu)") from exc

__all__ = ["DAMAGED_ADVICE", "faiss", "faiss_failure", "library_versions"]

#: What a user does about a damaged store file (every store read error ends with it).
DAMAGED_ADVICE = ("run `sensedb verify --index DIR` to see what is damaged, then `sensedb "
                  "repair --index DIR` to rebuild it from the shards and the database")


def faiss_failure(exc: BaseException) -> str:
    """A short reason for a FAISS read error, without FAISS's C++ text (function
    signatures, source paths and line numbers; its messages are not meant for users):
    ``"truncated"``, ``"not a FAISS index"`` or ``"unreadable"``."""
    text = str(exc)
    if "read error" in text or "!= " in text:
        return "truncated"
    if "not recognized" in text or "Index type" in text:
        return "not a FAISS index"
    if isinstance(exc, MemoryError) or "alloc" in text:
        return "damaged sizes"
    return "unreadable"


def library_versions() -> dict[str, str]:
    """The version of the vector library the stores are written with, as an index manifest
    records it: ``{"faiss": "1.15.1"}``."""
    return {"faiss": faiss.__version__}
