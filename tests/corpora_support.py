"""Helpers of the corpus-reader tests (tests/test_corpora_*.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sensedb.corpora import Document
from sensedb.errors import InputError

FIX = Path(__file__).resolve().parent / "fixtures" / "corpora"
SHARED = Path(os.environ.get("SENSEDB_SHARED_DATA")
              or Path(__file__).resolve().parents[2] / "shared" / "data")


def shared(rel: str) -> Path:
    """A file of the shared data, or skip the test when it is absent."""
    path = SHARED / rel
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (set SENSEDB_SHARED_DATA)")
    return path


def raises_at(fn: Callable[[], object], file: str, line: int | None,
              item: str | None = None, text: str | None = None) -> InputError:
    """Run ``fn`` (exhausting a generator) and check the InputError names file, line and id."""
    with pytest.raises(InputError) as info:
        result = fn()
        if not isinstance(result, list):
            list(result)  # type: ignore[call-overload]
    err = info.value
    msg = str(err)
    assert file in msg
    assert err.path is not None and Path(err.path).name == file
    if line is not None:
        assert err.line == line
        assert f"{file}:{line}" in msg
    if item is not None:
        assert err.item == item
        assert item in msg
    if text is not None:
        assert text in msg
    return err


def count(docs: list[Document]) -> tuple[int, int, int, int]:
    sents = [s for d in docs for s in d.sentences]
    toks = [t for s in sents for t in s.tokens]
    return len(docs), len(sents), len(toks), sum(t.instance_id is not None for t in toks)
