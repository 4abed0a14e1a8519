"""Planning the encoder's work without the model: word-piece alignment, windows for long
sentences and length-bucketed batches.

Pure Python and numpy (no torch): :class:`sensedb.encoder.Encoder` tokenizes, asks these
functions which pieces go into which window and batch, and runs the model. Word slots are
global: word ``w`` of sentence ``s`` is row ``offsets[s] + w`` of the encoder's output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PackedBatch", "Prepared", "Window", "align_pieces", "length_batches", "pack_batch",
           "plan_windows", "split_windows"]


@dataclass
class Window:
    """One model input: a run of a sentence's word pieces (no special tokens).

    ``piece_word[i]`` is the global word slot that piece ``i`` contributes to, or -1 when that
    word takes its vector from another window of the sentence.
    """

    sentence: int
    piece_ids: list[int]
    piece_word: list[int]


def align_pieces(ids: Sequence[int], word_ids: Sequence[int | None], n_words: int,
                 unk: int) -> tuple[list[int], list[int]]:
    """Piece ids and the word index of each piece for one sentence of ``n_words`` words, from
    a fast tokenizer's ``input_ids`` and ``word_ids()`` (no special tokens). A word that
    yields no piece (e.g. a control character) gets the ``unk`` piece at its place, so every
    word has a vector."""
    ids, word_ids = list(ids), list(word_ids)
    seen = set(word_ids)
    if len(seen) < n_words:  # insert [UNK] for words without pieces, keeping order
        new_ids, new_words, cursor = [], [], 0
        for word in range(n_words):
            if word not in seen:
                new_ids.append(unk)
                new_words.append(word)
                continue
            while cursor < len(ids) and word_ids[cursor] == word:
                new_ids.append(ids[cursor])
                new_words.append(word)
                cursor += 1
        ids, word_ids = new_ids, new_words
    return ids, list(word_ids)


def plan_windows(pieces: Sequence[tuple[list[int], list[int]]], offsets: np.ndarray,
                 size: int) -> list[Window]:
    """The windows of every sentence: one per sentence that fits in ``size`` pieces, else
    :func:`split_windows`. ``pieces``: (piece ids, word index per piece) per sentence;
    ``offsets``: (n_sentences + 1,) int64, the first global word slot of each sentence."""
    windows: list[Window] = []
    for number, (ids, word_of) in enumerate(pieces):
        base = int(offsets[number])
        if len(ids) <= size:
            windows.append(Window(number, ids, [base + w for w in word_of]))
            continue
        windows.extend(split_windows(number, ids, word_of, base, size))
    return windows


def split_windows(number: int, ids: list[int], word_of: list[int], base: int,
                  size: int) -> list[Window]:
    """Overlapping windows of at most ``size`` pieces (stride about half a window) that start
    on word boundaries; each word is assigned to the window where its distance to the nearer
    edge is largest (a word longer than a window: its first window)."""
    n_words = word_of[-1] + 1
    first = np.full(n_words, -1)
    last = np.full(n_words, -1)
    for pos, word in enumerate(word_of):
        if first[word] < 0:
            first[word] = pos
        last[word] = pos
    starts = []
    start = 0
    while True:
        starts.append(start)
        if start + size >= len(ids):
            break
        target = start + size // 2
        # next start: the first word boundary at or after target (and after start)
        boundary = next((int(first[w]) for w in range(n_words) if first[w] >= target), None)
        if boundary is None or boundary <= start:
            boundary = start + size // 2
        start = boundary
    spans = [(s, min(s + size, len(ids))) for s in starts]
    owner = np.full(n_words, -1)
    best = np.full(n_words, -(10**9))
    for w_index, (a, b) in enumerate(spans):
        for word in range(n_words):
            lo, hi = int(first[word]), int(last[word]) + 1
            if lo >= a and hi <= b:
                margin = min(lo - a, b - hi)
                if margin > best[word]:
                    best[word], owner[word] = margin, w_index
    for word in range(n_words):  # a single word longer than a window: its first window
        if owner[word] < 0:
            owner[word] = next(i for i, (a, b) in enumerate(spans) if a <= first[word] < b)
    windows = []
    for w_index, (a, b) in enumerate(spans):
        piece_word = [
            base + word_of[p] if owner[word_of[p]] == w_index else -1 for p in range(a, b)
        ]
        windows.append(Window(number, ids[a:b], piece_word))
    return windows


def length_batches(windows: Sequence[Window], batch_tokens: int,
                   batch_cost: int = 0) -> list[list[int]]:
    """Length-bucketed batches of window indices: sorted by length, at most ``batch_tokens``
    padded pieces ([CLS] and [SEP] counted) per batch, longest batch first (memory problems
    show up at once, and a progress bar is honest).

    The cuts between batches minimize the padded pieces plus ``batch_cost`` pieces per batch
    (what one more forward pass costs beyond its pieces; dynamic programming over the
    sorted lengths, O(windows * rows per batch) in numpy). ``batch_cost=0`` would cut a
    batch at every new length; filling each batch up to ``batch_tokens`` in turn (the
    greedy cut) pads a call of a few hundred sentences by 20-25% (SemCor, 10,000-word
    chunks) where these cuts pad by 5% (BENCHMARKS.md)."""
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].piece_ids))
    widths = np.array([len(windows[i].piece_ids) + 2 for i in order], dtype=np.int64)
    n = len(widths)
    # best[j]: the least cost of the first j windows in batches; start[j]: where the last
    # of those batches begins. A batch [i, j) is padded to widths[j - 1] (sorted ascending).
    best = np.zeros(n + 1, dtype=np.int64)
    start = np.zeros(n + 1, dtype=np.int64)
    positions = np.arange(n + 1, dtype=np.int64)
    for j in range(1, n + 1):
        width = int(widths[j - 1])
        lo = max(0, j - max(1, batch_tokens // width))
        costs = best[lo:j] - width * positions[lo:j]
        k = int(np.argmin(costs))
        best[j] = batch_cost + width * j + costs[k]
        start[j] = lo + k
    batches = []
    j = n
    while j > 0:  # walked from the longest batch down
        batches.append(order[int(start[j]):j])
        j = int(start[j])
    return batches


def text_windows(counts: Sequence[int], limit: int) -> list[tuple[int, int, int]]:
    """Consecutive windows over words whose piece counts are ``counts``, each of at most
    ``limit`` pieces: ``[(start, end, pieces), ...]`` (word slices). A single word longer than
    ``limit`` is a window of its own.

    Example:
        >>> text_windows([2, 2, 2], 4)
        [(0, 2, 4), (2, 3, 2)]
    """
    windows: list[tuple[int, int, int]] = []
    start = pieces = 0
    for end, count in enumerate(counts):
        if pieces and pieces + count > limit:
            windows.append((start, end, pieces))
            start, pieces = end, 0
        pieces += count
    windows.append((start, len(counts), pieces))
    return windows


def pool_windows(vectors: np.ndarray, weights: Sequence[Sequence[float]]) -> np.ndarray:
    """One vector per text from its windows' vectors: ``vectors`` (n_windows, dim) float32 in
    text order, ``weights[i]`` the weights (word pieces) of text i's windows. Returns
    (n_texts, dim) float32, the weighted mean of each text's windows, L2-normalized again
    when the windows' vectors are unit length (the model normalizes its own output)."""
    sizes = [len(w) for w in weights]
    owner = np.repeat(np.arange(len(sizes)), sizes)
    flat = np.asarray([x for w in weights for x in w], dtype=np.float64)
    out = np.zeros((len(sizes), vectors.shape[1]), dtype=np.float64)
    np.add.at(out, owner, vectors.astype(np.float64) * flat[:, None])
    out /= np.bincount(owner, weights=flat, minlength=len(sizes))[:, None]
    norms = np.linalg.norm(vectors, axis=1)
    if np.allclose(norms[norms > 0], 1.0, atol=1e-3):
        lengths = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.where(lengths > 0, lengths, 1.0)
    return out.astype(np.float32)


@dataclass
class PackedBatch:
    """One forward pass, ready for the model: ``input_ids`` and ``mask`` int64 (rows,
    longest + 2) with [CLS] and [SEP], padded; the pieces whose vectors make words, as
    positions ``take`` int64 (n,) into the flattened (rows * (longest + 2)) hidden states
    and the word slot ``slots`` int64 (n,) each goes to, row by row; ``words``: how many
    words the batch completes (for progress); ``sentences`` int64 (rows,): the sentence
    (index into the call's sentences) each row is a window of (for the sentence vectors
    pooled from the same pass, ``Encoder.encode_prepared(sentences=True)``)."""

    input_ids: np.ndarray
    mask: np.ndarray
    take: np.ndarray
    slots: np.ndarray
    words: int
    sentences: np.ndarray | None = None


@dataclass
class Prepared:
    """A call tokenized and planned (``Encoder.prepare``): the (n_sentences + 1,) int64
    ``offsets`` of each sentence's words, the batches, ``counts`` float32 (total_words,)
    the pieces pooled into each word, and ``texts``: each sentence's words joined by single
    spaces (what ``Encoder.sentence_vectors`` encodes when the model's sentence pipeline
    cannot be pooled from the word pass)."""

    offsets: np.ndarray
    batches: list[PackedBatch]
    counts: np.ndarray
    texts: list[str] | None = None


def pack_batch(windows: Sequence[Window], batch: Sequence[int], cls_id: int, sep_id: int,
               pad_id: int) -> PackedBatch:
    """The windows ``batch`` (indices into ``windows``) as one padded model input and the
    gather/scatter indices that pool their pieces into words (numpy, no loop over pieces)."""
    lengths = np.array([len(windows[i].piece_ids) for i in batch], dtype=np.int64)
    width = int(lengths.max()) + 2
    rows = np.repeat(np.arange(len(batch), dtype=np.int64), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    cols = np.arange(len(rows), dtype=np.int64) - starts + 1  # +1 for [CLS]
    input_ids = np.full((len(batch), width), pad_id, dtype=np.int64)
    input_ids[rows, cols] = np.fromiter(
        (p for i in batch for p in windows[i].piece_ids), dtype=np.int64, count=len(rows))
    input_ids[:, 0] = cls_id
    input_ids[np.arange(len(batch)), lengths + 1] = sep_id
    mask = (np.arange(width)[None, :] < (lengths + 2)[:, None]).astype(np.int64)
    word = np.fromiter((w for i in batch for w in windows[i].piece_word), dtype=np.int64,
                       count=len(rows))
    kept = word >= 0
    slots = word[kept]
    return PackedBatch(input_ids, mask, (rows * width + cols)[kept], slots,
                       len(np.unique(slots)),
                       np.array([windows[i].sentence for i in batch], dtype=np.int64))
