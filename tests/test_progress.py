"""Progress bars end with their final count drawn once (sensedb.progress.close_bar)."""

from __future__ import annotations

import io
import re

from tqdm import tqdm

from sensedb.progress import close_bar


def final_drawings(text: str, total: int) -> int:
    return len(re.findall(rf"\b{total}/{total}\b", text))


def test_a_drawn_final_count_is_not_drawn_again_in_a_file():
    out = io.StringIO()  # a file, not a terminal
    bar = tqdm(total=3, file=out, delay=0, mininterval=0, desc="indexing")
    bar.update(1)
    bar.update(2)  # draws 3/3
    close_bar(bar)
    close_bar(bar)  # closed already (the job closes a bar its caller opened): nothing more
    assert final_drawings(out.getvalue(), 3) == 1
    assert out.getvalue().endswith("\n") and out.getvalue().count("\n") == 1
    plain = io.StringIO()  # tqdm's own close: the final count twice
    bar = tqdm(total=3, file=plain, delay=0, mininterval=0, desc="indexing")
    bar.update(3)
    bar.close()
    assert final_drawings(plain.getvalue(), 3) == 2


def test_an_undrawn_final_count_is_drawn_once_and_an_undrawn_bar_not_at_all():
    out = io.StringIO()
    bar = tqdm(total=3, file=out, delay=0, mininterval=3600, desc="indexing")
    bar.update(3)  # not drawn (under mininterval): close draws it
    close_bar(bar)
    assert final_drawings(out.getvalue(), 3) == 1 and out.getvalue().endswith("\n")
    quiet = io.StringIO()
    bar = tqdm(total=3, file=quiet, delay=3600, desc="indexing")  # a short job: never drawn
    bar.update(3)
    close_bar(bar)
    close_bar(None)
    assert quiet.getvalue() == ""
