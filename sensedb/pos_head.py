"""Part of speech from context: a small softmax probe on one hidden layer of the encoder.

The head reads the word vectors of one layer spec (``"3"`` for all-MiniLM-L6-v2) and gives
each word a distribution over the 12 universal tags of Petrov et al. (2012), the tagset of the
unified WSD format. It is meant as *soft* evidence for scoring (a log-probability feature per
candidate sense's POS), never as a hard filter.

No second encoder pass is needed: the caller asks the encoder for the head's layer together
with the index's layer in one forward pass::

    specs = {"index": encoder.layer_spec, "pos": head.layers}
    out = encoder.word_vectors_multi(sentences, specs)   # {name: [(n_words, dim) per sentence]}
    logp = head.content_log_probabilities(out["pos"][0])  # (n_words, 4): NOUN VERB ADJ ADV

The default model's head ships in the package (:func:`default_head_path`); it is trained by
``scripts/train_pos_head.py`` from SemCor, and its provenance (data, seed, settings, accuracy)
is stored inside the file and beside it as JSON.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np

from .errors import ConfigurationError, IndexFormatError, InputError
from .vocabulary import LETTER_POS, POS_TAGS

__all__ = ["CONTENT_TAGS", "FORMAT", "TAGS", "POSHead", "content_log_probabilities",
           "default_head_path", "window_features"]

#: The universal tagset (Petrov et al. 2012) in the order of the head's rows.
TAGS: tuple[str, ...] = ("NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM", "CONJ",
                         "PRT", ".", "X")
#: The tags WordNet has senses for, in WordNet's order.
CONTENT_TAGS: tuple[str, ...] = POS_TAGS
#: Format name written into every head file.
FORMAT = "sensedb-pos-head/1"
DEFAULT_HEAD_FILE = "pos_head_all-MiniLM-L6-v2.npz"
_MAX_BYTES = 1 << 20


def default_head_path() -> Path:
    """The head shipped for the default model (``sensedb/data/pos_head_all-MiniLM-L6-v2.npz``)."""
    from importlib.resources import files

    return Path(str(files("sensedb") / "data" / DEFAULT_HEAD_FILE))


@dataclass(eq=False)
class POSHead:
    """A multinomial logistic probe: ``softmax(weights @ v + bias)`` over ``tag_set``.

    ``weights``: (n_tags, dim) float32; ``bias``: (n_tags,) float32; ``layers``: the encoder
    layer spec it reads (``"3"``, ``"last"``; see :class:`sensedb.encoder.LayerSpec`);
    ``model``: the encoder model name it was trained for; ``provenance``: JSON-able record of
    the data and settings it was fitted on; ``window``: how many neighbours on each side it
    reads with each word (weights then (n_tags, (2 * window + 1) * dim), see
    :func:`window_features`).
    """

    weights: np.ndarray
    bias: np.ndarray
    layers: str
    model: str
    tag_set: tuple[str, ...] = TAGS
    provenance: dict = field(default_factory=dict)
    window: int = 0

    def __post_init__(self) -> None:
        self.weights = np.ascontiguousarray(self.weights, dtype=np.float32)
        self.bias = np.ascontiguousarray(self.bias, dtype=np.float32)
        self.tag_set = tuple(str(t) for t in self.tag_set)
        self.layers = str(self.layers)
        self.window = int(self.window)
        n = len(self.tag_set)
        if self.window < 0 or self.weights.ndim != 2 or (
                self.weights.shape[1] % (2 * self.window + 1)):
            raise ConfigurationError(
                f"POS head window {self.window} does not divide its {self.weights.shape} "
                "weights")
        if self.weights.ndim != 2 or self.weights.shape[0] != n or self.bias.shape != (n,):
            raise ConfigurationError(
                f"POS head shapes disagree: weights {self.weights.shape}, bias "
                f"{self.bias.shape}, {n} tags (want ({n}, dim) and ({n},))")
        if len(set(self.tag_set)) != n or n < 2:
            raise ConfigurationError(f"POS head tags must be 2 or more distinct: {self.tag_set}")
        if not (np.isfinite(self.weights).all() and np.isfinite(self.bias).all()):
            raise ConfigurationError("POS head weights are not all finite")

    @property
    def dim(self) -> int:
        """Width of the word vectors the head reads (its weights read ``2 * window + 1``
        times that: the word and its neighbours, see :func:`window_features`)."""
        return int(self.weights.shape[1]) // (2 * self.window + 1)

    # ------------------------------------------------------------------ applying
    def check_encoder(self, encoder) -> None:
        """Raise ConfigurationError unless ``encoder`` (a :class:`sensedb.Encoder`) has the
        model and width this head was trained for."""
        if encoder.dim != self.dim or encoder.name != self.model:
            raise ConfigurationError(
                f"POS head was trained for {self.model} ({self.dim}-d), not for "
                f"{encoder.name} ({encoder.dim}-d)")

    def log_probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Natural-log tag probabilities: (n, dim) float32 -> (n, n_tags) float64, columns in
        ``tag_set`` order; each row's exp sums to 1. With a ``window``, ``vectors`` are the
        words of one sentence in order (each word is read with its neighbours).

        Raises ConfigurationError for vectors of another width (a head of another model),
        InputError for anything that is not a 2-D array of finite numbers."""
        x = np.asarray(vectors)
        if x.ndim != 2:
            raise InputError(f"POS head wants a (n, dim) array of vectors, got shape {x.shape}")
        if x.shape[1] != self.dim:
            raise ConfigurationError(
                f"POS head for {self.model} reads {self.dim}-d vectors, got {x.shape[1]}-d: "
                "use a head trained for this encoder")
        x = window_features(x.astype(np.float64), self.window)
        logits = x @ self.weights.T.astype(np.float64) + self.bias
        if not np.isfinite(logits).all():
            raise InputError("POS head got vectors with NaN or infinite values")
        return _log_softmax(logits)

    def tags(self, vectors: np.ndarray) -> list[str]:
        """The most probable tag of each of the (n, dim) vectors."""
        logp = self.log_probabilities(vectors)
        return [self.tag_set[i] for i in np.argmax(logp, axis=1)]

    def content_log_probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """log P(tag | word is a content word) for NOUN VERB ADJ ADV: (n, 4) float64, each
        row renormalized over the four (the feature a candidate sense of that POS gets)."""
        logp = self.log_probabilities(vectors)
        missing = [t for t in CONTENT_TAGS if t not in self.tag_set]
        if missing:
            raise ConfigurationError(f"POS head has no tag {', '.join(missing)}")
        sub = logp[:, [self.tag_set.index(t) for t in CONTENT_TAGS]]
        return _log_softmax(sub)

    @staticmethod
    def content_column(pos: str) -> int:
        """Column of :meth:`content_log_probabilities` for a universal tag or WordNet letter
        (``n v a s r``); InputError for anything else."""
        tag = LETTER_POS.get(pos, pos) if len(pos) == 1 else pos.upper()
        if tag not in CONTENT_TAGS:
            raise InputError(f"not a content part of speech: {pos!r} (use {CONTENT_TAGS})")
        return CONTENT_TAGS.index(tag)

    # ------------------------------------------------------------------ fitting
    @classmethod
    def fit(cls, vectors: np.ndarray, tags, *, layers: str, model: str,
            tag_set: tuple[str, ...] = TAGS, l2: float = 1e-4, epochs: int = 20,
            batch_size: int = 512, learning_rate: float = 3e-3, seed: int = 0,
            provenance: dict | None = None, progress=None, window: int = 0) -> POSHead:
        """Fit softmax regression on (n, dim) float32 ``vectors`` and their ``tags`` (strings
        from ``tag_set``): minibatch Adam on mean cross-entropy + ``l2``/2 * |W|^2 (bias not
        penalized), features standardized per dimension, learning rate decayed on a cosine to
        0 over ``epochs``; the standardization is then folded into ``weights`` and ``bias``.

        Deterministic for a given ``seed`` (which only orders the minibatches; the weights
        start at 0). This is sensedb's own code, not a library's, because it is tiny (a
        convex problem of 12 x 385 numbers) and the product should not depend on
        scikit-learn for it. ``progress``: optional callback ``(epoch, loss)``. ``window``:
        the rows are :func:`window_features` of that window (the head then reads them so).
        """
        x = np.asarray(vectors)
        tag_set = tuple(tag_set)
        if x.ndim != 2 or len(x) != len(tags) or len(x) == 0:
            raise InputError(f"fit wants (n, dim) vectors and n tags: got {x.shape} and "
                             f"{len(tags)} tags")
        index = {t: i for i, t in enumerate(tag_set)}
        unknown = sorted({t for t in tags if t not in index})
        if unknown:
            raise InputError(f"tags not in the tag set: {unknown[:5]}")
        if epochs < 1 or batch_size < 1 or l2 < 0 or learning_rate <= 0:
            raise ConfigurationError("fit needs epochs >= 1, batch_size >= 1, l2 >= 0, "
                                     "learning_rate > 0")
        y = np.fromiter((index[t] for t in tags), dtype=np.int64, count=len(tags))
        x = x.astype(np.float64)
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-8] = 1.0
        z = (x - mean) / scale
        n, dim = z.shape
        k = len(tag_set)
        params = np.zeros((k, dim + 1))  # last column: bias
        m = np.zeros_like(params)
        v = np.zeros_like(params)
        b1, b2, eps = 0.9, 0.999, 1e-8
        rng = np.random.default_rng(seed)
        steps_per_epoch = -(-n // batch_size)
        total, step = epochs * steps_per_epoch, 0
        for epoch in range(epochs):
            order = rng.permutation(n)
            loss_sum = 0.0
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                zb, yb = z[rows], y[rows]
                logits = zb @ params[:, :dim].T + params[:, dim]
                logp = _log_softmax(logits)
                loss_sum += -logp[np.arange(len(rows)), yb].sum()
                delta = np.exp(logp)
                delta[np.arange(len(rows)), yb] -= 1.0
                delta /= len(rows)
                grad = np.empty_like(params)
                grad[:, :dim] = delta.T @ zb + l2 * params[:, :dim]
                grad[:, dim] = delta.sum(axis=0)
                step += 1
                m = b1 * m + (1 - b1) * grad
                v = b2 * v + (1 - b2) * grad * grad
                rate = learning_rate * 0.5 * (1 + np.cos(np.pi * (step - 1) / total))
                params -= rate * (m / (1 - b1 ** step)) / (np.sqrt(v / (1 - b2 ** step)) + eps)
            if progress is not None:
                progress(epoch + 1, loss_sum / n)
        weights = params[:, :dim] / scale
        bias = params[:, dim] - weights @ mean
        record = dict(provenance or {})
        record.setdefault("fit", {"n": int(n), "l2": l2, "epochs": epochs,
                                  "batch_size": batch_size, "learning_rate": learning_rate,
                                  "seed": seed})
        return cls(weights.astype(np.float32), bias.astype(np.float32), layers, model,
                   tag_set, record, window)

    # ------------------------------------------------------------------ files
    def save(self, path: str | PathLike[str]) -> None:
        """Write one .npz (arrays ``weights``, ``bias``, ``meta``: a JSON string with format,
        layers, model, tags and provenance). The zip entries carry a fixed date, so equal
        heads give byte-identical files."""
        meta = json.dumps({"format": FORMAT, "layers": self.layers, "model": self.model,
                           "tags": list(self.tag_set), "provenance": self.provenance}
                          | ({"window": self.window} if self.window else {}),
                          sort_keys=True, ensure_ascii=False)
        arrays = {"weights": self.weights, "bias": self.bias, "meta": np.array(meta)}
        target = Path(path)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, buffer.getvalue())

    @classmethod
    def load(cls, path: str | PathLike[str]) -> POSHead:
        """Read a file written by :meth:`save`; IndexFormatError if it is missing, too large
        or not a POS head."""
        source = Path(path)
        try:
            if source.stat().st_size > _MAX_BYTES:
                raise IndexFormatError(f"{source}: too large for a POS head file (> 1 MiB)")
            with np.load(source, allow_pickle=False) as data:
                weights, bias, meta = data["weights"], data["bias"], json.loads(str(data["meta"]))
        except IndexFormatError:
            raise
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise IndexFormatError(f"{source}: not a readable POS head file ({exc})") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise IndexFormatError(f"{source}: not a {FORMAT} file")
        try:
            return cls(weights, bias, meta["layers"], meta["model"], tuple(meta["tags"]),
                       meta.get("provenance") or {}, int(meta.get("window", 0)))
        except (KeyError, TypeError, ConfigurationError) as exc:
            raise IndexFormatError(f"{source}: broken POS head file ({exc})") from exc

    @classmethod
    def default(cls) -> POSHead:
        """The head shipped for the default model (all-MiniLM-L6-v2)."""
        path = default_head_path()
        if not path.exists():
            raise ConfigurationError(f"the packaged POS head is missing: {path}")
        return cls.load(path)


def window_features(vectors: np.ndarray, window: int) -> np.ndarray:
    """Each word's vector followed by its neighbours' up to ``window`` words away, nearest
    first, left before right: (n, dim) -> (n, (2 * window + 1) * dim), same dtype; zeros past
    the sentence's ends. ``vectors``: one sentence's words in order. Window 0: unchanged.

    Example: window 1 reads [v_i, v_(i-1), v_(i+1)], so a linear head sees that "maul" in
    "watched duffers maul the tee" follows a plural noun and precedes a determiner."""
    if window == 0:
        return vectors
    n, dim = vectors.shape
    out = np.zeros((n, (2 * window + 1) * dim), dtype=vectors.dtype)
    out[:, :dim] = vectors
    for step in range(1, window + 1):
        left, right = (2 * step - 1) * dim, 2 * step * dim
        out[step:, left:left + dim] = vectors[:n - step]
        out[:n - step, right:right + dim] = vectors[step:]
    return out


def content_log_probabilities(logp: np.ndarray, tag_set: tuple[str, ...] = TAGS
                              ) -> np.ndarray:
    """Tag log-probabilities ((n_tags,) or (n, n_tags) float64, columns in ``tag_set``
    order) renormalized over the content tags NOUN VERB ADJ ADV: (4,) or (n, 4) float64."""
    rows = np.atleast_2d(np.asarray(logp, dtype=np.float64))
    sub = _log_softmax(rows[:, [tag_set.index(t) for t in CONTENT_TAGS]])
    return sub[0] if np.ndim(logp) == 1 else sub


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
