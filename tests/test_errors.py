"""Every sensedb error is one readable line of bounded length."""

from __future__ import annotations

import pytest

from sensedb.errors import MAX_MESSAGE, Error, IndexLockedError, InputError, readable


def test_control_characters_are_escaped():
    error = InputError("target \"x\" is not in the sentence: a\tb\nc\x1b[31m", path="f.txt",
                       line=3)
    text = str(error)
    assert "\n" not in text and "\t" not in text and "\x1b" not in text
    assert text == 'f.txt:3: target "x" is not in the sentence: a\\tb\\nc\\x1b[31m'


def test_long_messages_are_cut_in_the_middle():
    words = " ".join(f"w{n}" for n in range(10_000))
    text = str(Error(f"target missing from: {words} END"))
    assert len(text) <= MAX_MESSAGE
    assert text.startswith("target missing from: w0 w1") and text.endswith("END")
    assert "characters]…" in text


def test_short_plain_messages_are_unchanged():
    assert readable("bank is not a word") == "bank is not a word"
    assert str(InputError("bad", item="d000.s000.t000")) == "id d000.s000.t000: bad"


def test_lock_error_is_an_index_format_error():
    with pytest.raises(Error):
        raise IndexLockedError("locked")
    assert issubclass(IndexLockedError, Error)
