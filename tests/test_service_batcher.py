"""Micro-batching: one encoder pass per batch, answers as index.wsd's, bounded queue."""

from __future__ import annotations

import asyncio
import threading
import time
from types import SimpleNamespace

import pytest

from sensedb import InputError
from sensedb.service.batcher import Batcher, ItemError, Overloaded, WsdQuery, wsd_batch

RIVER = "He sat on the bank of the river"
MONEY = "She deposited the money in the bank"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_wsd_batch_is_one_pass_and_answers_as_wsd(index, monkeypatch):
    queries = [WsdQuery(RIVER, "bank", k=2), WsdQuery(MONEY, "bank", k=0),
               WsdQuery(RIVER, "zebra"), WsdQuery(MONEY.split(), None, at=3),
               WsdQuery(RIVER, None, at=40)]
    calls = {"word_vectors_multi": 0, "sentence_vectors": 0}
    for name in calls:
        original = getattr(index.encoder, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(index.encoder, name, counted)
    answers = wsd_batch(index, queries)
    # one encoder pass (word vectors and the POS head's layers together)
    assert calls["word_vectors_multi"] == 1 and calls["sentence_vectors"] <= 1
    monkeypatch.undo()
    for query, answer in zip(queries[:2] + queries[3:4], answers[:2] + answers[3:4],
                             strict=True):
        alone = index.wsd(query.sentence, query.target, at=query.at, k=query.k)
        got = answer.to_dict()
        assert [s["key"] for s in got["senses"]] == [s.key for s in alone.senses]
        assert [u["token_id"] for u in got["evidence"]] == [u.token_id for u in alone.evidence]
        for mine, theirs in zip(got["senses"], alone.to_dict()["senses"], strict=True):
            assert mine["probability"] == pytest.approx(theirs["probability"], abs=1e-5)
            # relative: scores reach tens (float32 padding noise is ~1e-6 relative)
            assert mine["score"] == pytest.approx(theirs["score"], rel=1e-5, abs=1e-5)
    assert isinstance(answers[2], ItemError) and answers[2].field == "target"
    assert isinstance(answers[4], ItemError) and answers[4].field == "at"
    assert isinstance(answers[4].error, InputError)
    # no target and no position: the target is missing, not the position (was "at")
    missing, outside = wsd_batch(index, [WsdQuery(RIVER, None), WsdQuery(RIVER, "bank", at=40)])
    assert isinstance(missing, ItemError) and missing.field == "target"
    assert isinstance(outside, ItemError) and outside.field == "at"
    # a batch of one is exactly index.wsd
    assert wsd_batch(index, [WsdQuery(RIVER, "bank", k=3)])[0].to_dict() == \
        index.wsd(RIVER, "bank", k=3).to_dict()


class FakeIndex:
    """Records the batches ``wsd_batch`` sends and on which thread."""

    def __init__(self, delay: float = 0.0) -> None:
        self.passes: list[int] = []
        self.threads: set[str] = set()
        self.delay = delay
        self.followed = 0

    def follow(self) -> bool:  # the batcher looks for a newer generation before each batch
        self.followed += 1
        return False

    def locate(self, sentence, target, at):
        if target == "missing":
            raise InputError("not in the sentence")
        return SimpleNamespace(words=[sentence], surface=target)

    def target_candidates(self, target, pos):
        return [(target.surface, "NOUN")]

    def ensure(self, pairs):
        return 0

    def prefetch(self, pairs):
        return None

    def encode_targets(self, targets):
        self.threads.add(threading.current_thread().name)
        self.passes.append(len(targets))
        time.sleep(self.delay)
        return [None] * len(targets), [None] * len(targets), [None] * len(targets)

    def disambiguate(self, target, pairs, raw, *, k, context, pos_logp=None):
        return {"target": target.surface, "k": k}


async def _gather(batcher: Batcher, count: int):
    return await asyncio.gather(*(batcher.wsd([WsdQuery("s", f"w{n}", words=3)])
                                  for n in range(count)))


@pytest.mark.parametrize(("window_ms", "passes"), [(50, [8]), (0, [1] * 8)])
def test_concurrent_items_share_a_pass_unless_batching_is_off(window_ms, passes):
    fake = FakeIndex()

    async def main():
        batcher = Batcher(window_ms=window_ms)
        await batcher.start(lambda: fake)
        try:
            answers = await _gather(batcher, 8)
        finally:
            await batcher.stop()
        return answers

    answers = asyncio.run(main())
    assert fake.passes == passes
    assert [a[0][0]["target"] for a in answers] == [f"w{n}" for n in range(8)]
    assert answers[0][0][1].batch == passes[0]
    assert fake.threads == {t for t in fake.threads if t.startswith("sensedb-index")}


def test_word_budget_closes_a_batch():
    fake = FakeIndex()

    async def main():
        batcher = Batcher(window_ms=50, max_words=9)  # three items of 3 words per batch
        await batcher.start(lambda: fake)
        try:
            await _gather(batcher, 7)
        finally:
            await batcher.stop()

    asyncio.run(main())
    assert fake.passes == [3, 3, 1]
    assert fake.followed == 3  # each batch first picks up what other processes committed


def test_full_queue_is_overloaded_and_jobs_keep_their_order():
    fake = FakeIndex(delay=0.2)

    async def main():
        batcher = Batcher(window_ms=1, max_queue=2)
        await batcher.start(lambda: fake)
        try:
            first = asyncio.create_task(batcher.wsd([WsdQuery("s", "a")]))
            await asyncio.sleep(0.05)  # the worker is busy with it; the queue is empty
            with pytest.raises(Overloaded):
                await batcher.wsd([WsdQuery("s", "b")] * 3)
            order: list[str] = []
            jobs = [batcher.run(lambda index, n=n: order.append(n) or n) for n in "xy"]
            results = await asyncio.gather(first, *jobs)
            return results, order
        finally:
            await batcher.stop()

    results, order = asyncio.run(main())
    assert order == ["x", "y"] and [r[0] for r in results[1:]] == ["x", "y"]


def test_timeout_and_failed_items_never_hang():
    fake = FakeIndex(delay=0.3)

    async def main():
        batcher = Batcher(window_ms=1, timeout_s=0.1)
        await batcher.start(lambda: fake)
        try:
            with pytest.raises(asyncio.TimeoutError):
                await batcher.wsd([WsdQuery("s", "slow")])
            await asyncio.sleep(0.3)
            batcher.timeout_s = 5
            answer, _ = (await batcher.wsd([WsdQuery("s", "missing")]))[0]
            with pytest.raises(ZeroDivisionError):  # a bug in a job reaches its caller
                await batcher.run(lambda index: 1 / 0)
            return answer
        finally:
            await batcher.stop()

    answer = asyncio.run(main())
    assert isinstance(answer, ItemError) and answer.field == "target"


def test_stop_cancels_items_of_a_batch_still_gathering():
    """Items the collector had taken from the queue into a batch still gathering (its window
    open) waited at ``stop`` until their timeout (60 s by default) instead of being
    cancelled with the queued ones."""
    fake = FakeIndex()

    async def main():
        batcher = Batcher(window_ms=5_000, timeout_s=30)
        await batcher.start(lambda: fake)
        waiting = asyncio.gather(*(batcher.wsd([WsdQuery("s", f"w{n}", words=3)])
                                   for n in range(2)), return_exceptions=True)
        await asyncio.sleep(0.2)  # both items are in the gathering batch now
        assert batcher.queued == 0
        started = time.perf_counter()
        await batcher.stop()
        answers = await asyncio.wait_for(waiting, 5)
        return answers, time.perf_counter() - started

    answers, seconds = asyncio.run(main())
    assert all(isinstance(a, asyncio.CancelledError) for a in answers), answers
    assert seconds < 5 and fake.passes == []


def test_a_long_list_request_lets_another_requests_job_run_between_its_items():
    """``/tag`` and ``/neighbors`` lists run each item as a job of its own,
    submitted when the one before is answered: a job queued meanwhile by another request
    runs between two items (one /tag of 64 long texts held the worker 57 s in one job, a
    /wsd behind it waited 57.5 s: a breaker's)."""
    from sensedb.service.handlers import _per_item

    order: list[str] = []

    def slow(index, item):
        order.append(item)
        time.sleep(0.1)
        return item.upper()

    async def main():
        batcher = Batcher(window_ms=1)
        await batcher.start(lambda: FakeIndex())
        try:
            long_list = asyncio.create_task(
                _per_item(batcher, ["a", ItemError(InputError("bad"), "text"), "b", "c"],
                          slow))
            await asyncio.sleep(0.05)  # item "a" is running
            other = await batcher.run(lambda index: order.append("other") or "other")
            return await long_list, other
        finally:
            await batcher.stop()

    results, other = asyncio.run(main())
    assert results[0] == "A" and isinstance(results[1], ItemError) and results[2:] == ["B", "C"]
    assert other[0] == "other"
    assert order.index("other") < order.index("c")  # not behind the whole list



def test_a_list_request_is_bounded_by_the_timeout_as_one_job():
    """Item by item, a list still answers 503 after ``timeout_s`` in all (a breaker's: a
    20-text /tag list ran 7.6 s under --timeout 2), and its items not yet run never run."""
    from sensedb.service.handlers import _per_item

    ran: list[str] = []

    def slow(index, item):
        ran.append(item)
        time.sleep(0.15)
        return item

    async def main():
        batcher = Batcher(window_ms=1, timeout_s=0.4)
        await batcher.start(lambda: FakeIndex())
        try:
            with pytest.raises(asyncio.TimeoutError):
                await _per_item(batcher, list("abcdefgh"), slow)
            await asyncio.sleep(0.3)  # an item under way ends; no later one starts
        finally:
            await batcher.stop()

    asyncio.run(main())
    assert 1 <= len(ran) < 8 and ran == list("abcdefgh")[:len(ran)]
