"""The collector policy of bulk work: freeze what exists, unfreeze at the outermost end."""

from __future__ import annotations

import gc
import weakref

from sensedb.gc_policy import bulk_work


class Node:
    pass


def test_bulk_work_freezes_then_releases_everything():
    before = gc.get_freeze_count()
    threshold = gc.get_threshold()
    cycle = Node()
    cycle.self = cycle
    probe = weakref.ref(cycle)
    with bulk_work():
        assert gc.get_freeze_count() > before
        assert gc.get_threshold()[0] >= 100_000
        with bulk_work():  # nested bulk work keeps the outer freeze
            pass
        assert gc.get_freeze_count() > before
        del cycle
        gc.collect()
        assert probe() is not None  # frozen: full passes skip it
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold
    gc.collect()
    assert probe() is None  # collectable again once the bulk work ends


def test_bulk_work_unfreezes_when_the_body_raises():
    try:
        with bulk_work():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.get_freeze_count() == 0


def test_an_application_freeze_is_left_alone():
    gc.freeze()  # e.g. a server before it forks workers
    try:
        assert gc.get_freeze_count() > 0
        with bulk_work():
            pass
        assert gc.get_freeze_count() > 0  # an unfreeze would have emptied it
    finally:
        gc.unfreeze()
