"""Tests of sensedb.encoder_windows: piece alignment, windows and batches (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from sensedb.encoder_windows import (
    Window,
    align_pieces,
    length_batches,
    plan_windows,
    split_windows,
)


def test_window_split_covers_every_word_once():
    ids = list(range(100))
    word_of = [i // 3 for i in range(100)]  # 34 words of up to 3 pieces
    windows = split_windows(0, ids, word_of, base=0, size=20)
    owned = [slot for w in windows for slot in w.piece_word if slot >= 0]
    assert sorted(set(owned)) == list(range(34))
    # each word's pieces all come from one window
    for word in range(34):
        owners = {n for n, w in enumerate(windows) for slot in w.piece_word if slot == word}
        assert len(owners) == 1
    assert all(len(w.piece_ids) <= 20 for w in windows)


def test_align_pieces_gives_every_word_a_piece():
    # word 1 yields no piece: it gets the [UNK] piece (100) at its place
    ids, words = align_pieces([7, 8, 9], [0, 0, 2], n_words=3, unk=100)
    assert ids == [7, 8, 100, 9] and words == [0, 0, 1, 2]
    assert align_pieces([7, 9], [0, 1], n_words=2, unk=100) == ([7, 9], [0, 1])


def test_plan_windows_uses_global_slots():
    pieces = [([1, 2], [0, 1]), ([3], [0])]
    windows = plan_windows(pieces, np.array([0, 2, 3]), size=10)
    assert [(w.sentence, w.piece_word) for w in windows] == [(0, [0, 1]), (1, [2])]


def test_length_batches_bound_padded_pieces():
    windows = [Window(i, [0] * n, [i] * n) for i, n in enumerate([3, 10, 1, 6])]
    batches = length_batches(windows, batch_tokens=16)
    assert sorted(i for b in batches for i in b) == [0, 1, 2, 3]
    for batch in batches:
        assert len(batch) * (max(len(windows[i].piece_ids) for i in batch) + 2) <= 16
    assert batches[0] == [1]  # longest first


def _greedy_batches(lengths, batch_tokens):
    """Each batch filled in turn, in sorted order (the cut length_batches replaced)."""
    batches, current, longest = [], [], 0
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        if current and max(longest, lengths[index] + 2) * (len(current) + 1) > batch_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(index)
        longest = max(longest, lengths[index] + 2)
    return batches + [current]


def _cost(batches, lengths, batch_cost):
    return sum(len(b) * (max(lengths[i] for i in b) + 2) + batch_cost for b in batches)


@pytest.mark.parametrize("seed", range(5))
def test_length_batches_cut_at_the_least_padding_plus_batch_cost(seed):
    import itertools

    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 40, size=9).tolist()
    windows = [Window(i, [0] * n, [i] * n) for i, n in enumerate(lengths)]
    ordered = sorted(lengths)
    for batch_tokens, batch_cost in ((64, 0), (64, 16), (128, 40), (200, 500)):
        batches = length_batches(windows, batch_tokens, batch_cost)
        assert sorted(i for b in batches for i in b) == list(range(9))
        assert all(len(b) * (max(lengths[i] for i in b) + 2) <= batch_tokens or len(b) == 1
                   for b in batches)
        # every way to cut the sorted lengths into runs that fit: none costs less
        best = min(
            sum(len(run) * (run[-1] + 2) + batch_cost for run in runs)
            for cuts in itertools.product((0, 1), repeat=8)
            for runs in [_runs(ordered, cuts)]
            if all(len(run) * (run[-1] + 2) <= batch_tokens or len(run) == 1 for run in runs))
        assert _cost(batches, lengths, batch_cost) == best
        assert best <= _cost(_greedy_batches(lengths, batch_tokens), lengths, batch_cost)


def _runs(ordered, cuts):
    runs, current = [], [ordered[0]]
    for value, cut in zip(ordered[1:], cuts, strict=True):
        if cut:
            runs.append(current)
            current = []
        current.append(value)
    return runs + [current]


def test_pack_batch_pads_and_points_at_each_word_piece():
    from sensedb.encoder_windows import Window, pack_batch

    windows = [Window(0, [11, 12, 13], [0, 0, 1]), Window(1, [21], [2]),
               Window(2, [31, 32], [-1, 3])]
    packed = pack_batch(windows, [0, 1, 2], cls_id=101, sep_id=102, pad_id=0)
    assert packed.input_ids.tolist() == [[101, 11, 12, 13, 102], [101, 21, 102, 0, 0],
                                         [101, 31, 32, 102, 0]]
    assert packed.mask.tolist() == [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 0]]
    # flat positions into (3 rows * 5 columns): row * 5 + column, [CLS] at column 0
    assert packed.take.tolist() == [1, 2, 3, 6, 12]
    assert packed.slots.tolist() == [0, 0, 1, 2, 3]
    assert packed.words == 4
