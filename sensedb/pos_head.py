"""Part of speech from context: a small softmax probe on hidden layers of the encoder.

The head reads the word vectors of one layer spec (``"1,2,3"`` for all-MiniLM-L6-v2), each
word with its neighbours' (a ``window``), optionally through one ReLU hidden layer, and gives
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
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np

from .errors import ConfigurationError, IndexFormatError, InputError
from .vocabulary import LETTER_POS, POS_TAGS

__all__ = ["CONTENT_TAGS", "FORMAT", "FORMAT_HIDDEN", "TAGS", "POSHead",
           "content_log_probabilities", "default_head_path", "directional_adverbs",
           "as_tag", "polite_please", "rule_tags", "window_features"]

#: The universal tagset (Petrov et al. 2012) in the order of the head's rows.
TAGS: tuple[str, ...] = ("NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM", "CONJ",
                         "PRT", ".", "X")
#: The tags WordNet has senses for, in WordNet's order.
CONTENT_TAGS: tuple[str, ...] = POS_TAGS
#: Format name written into a linear head's file.
FORMAT = "sensedb-pos-head/1"
#: Format name of a head with a hidden layer (arrays ``hidden_weights``, ``hidden_bias`` too).
FORMAT_HIDDEN = "sensedb-pos-head/2"
DEFAULT_HEAD_FILE = "pos_head_all-MiniLM-L6-v2.npz"
_MAX_BYTES = 2 << 20


def default_head_path() -> Path:
    """The head shipped for the default model (``sensedb/data/pos_head_all-MiniLM-L6-v2.npz``)."""
    from importlib.resources import files

    return Path(str(files("sensedb") / "data" / DEFAULT_HEAD_FILE))


@dataclass(eq=False)
class POSHead:
    """A multinomial logistic probe: ``softmax(weights @ v + bias)`` over ``tag_set``, where
    ``v`` is the word's :func:`window_features` row, or with a hidden layer
    ``softmax(weights @ relu(hidden_weights @ v + hidden_bias) + bias)``.

    ``weights``: (n_tags, width) float32 where width is the input width ``(2 * window + 1) *
    dim`` or, with a hidden layer, its size; ``bias``: (n_tags,) float32; ``layers``: the
    encoder layer spec it reads (``"3"``, ``"1,2,3"``, ``"last"``; see
    :class:`sensedb.encoder.LayerSpec`); ``model``: the encoder model name it was trained
    for; ``provenance``: JSON-able record of the data and settings it was fitted on;
    ``window``: how many neighbours on each side it reads with each word (see
    :func:`window_features`); ``hidden_weights``: None (a linear head) or (hidden,
    (2 * window + 1) * dim) float32, with ``hidden_bias`` (hidden,) float32.

    Raises ConfigurationError when the shapes disagree or a weight is not finite.
    """

    weights: np.ndarray
    bias: np.ndarray
    layers: str
    model: str
    tag_set: tuple[str, ...] = TAGS
    provenance: dict = field(default_factory=dict)
    window: int = 0
    hidden_weights: np.ndarray | None = None
    hidden_bias: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.weights = np.ascontiguousarray(self.weights, dtype=np.float32)
        self.bias = np.ascontiguousarray(self.bias, dtype=np.float32)
        self.tag_set = tuple(str(t) for t in self.tag_set)
        self.layers = str(self.layers)
        self.window = int(self.window)
        n = len(self.tag_set)
        if (self.hidden_weights is None) != (self.hidden_bias is None):
            raise ConfigurationError("POS head needs both hidden_weights and hidden_bias, "
                                     "or neither")
        if self.hidden_weights is not None:
            self.hidden_weights = np.ascontiguousarray(self.hidden_weights, dtype=np.float32)
            self.hidden_bias = np.ascontiguousarray(self.hidden_bias, dtype=np.float32)
            h = self.hidden_weights
            if (h.ndim != 2 or self.hidden_bias.shape != (h.shape[0],)
                    or self.weights.ndim != 2 or self.weights.shape[1] != h.shape[0]):
                raise ConfigurationError(
                    f"POS head hidden layer shapes disagree: hidden_weights {h.shape}, "
                    f"hidden_bias {self.hidden_bias.shape}, weights {self.weights.shape}")
            if not (np.isfinite(h).all() and np.isfinite(self.hidden_bias).all()):
                raise ConfigurationError("POS head weights are not all finite")
        width = self._input_width()
        if self.window < 0 or width is None or width % (2 * self.window + 1):
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

    def _input_width(self) -> int | None:
        first = self.weights if self.hidden_weights is None else self.hidden_weights
        return int(first.shape[1]) if first.ndim == 2 else None

    @property
    def dim(self) -> int:
        """Width of the word vectors the head reads (its first layer reads ``2 * window + 1``
        times that: the word and its neighbours, see :func:`window_features`)."""
        return int(self._input_width()) // (2 * self.window + 1)

    @property
    def hidden(self) -> int:
        """Size of the hidden layer; 0 for a linear head."""
        return 0 if self.hidden_weights is None else int(self.hidden_weights.shape[0])

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Tag scores of (n, (2 * window + 1) * dim) :func:`window_features` rows (already
        windowed): (n, n_tags) float64, before the softmax."""
        x = np.asarray(features, dtype=np.float64)
        if self.hidden_weights is not None:
            x = np.maximum(x @ self.hidden_weights.T.astype(np.float64) + self.hidden_bias, 0.0)
        return x @ self.weights.T.astype(np.float64) + self.bias

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
        logits = self.logits(window_features(x.astype(np.float64), self.window))
        if not np.isfinite(logits).all():
            raise InputError("POS head got vectors with NaN or infinite values")
        return _log_softmax(logits)

    def sentence_log_probabilities(self, words: Sequence[str], vectors: np.ndarray
                                   ) -> np.ndarray:
        """:meth:`log_probabilities` of one sentence's words ((len(words), dim) vectors) with
        the hand-written rules applied (:func:`rule_tags`): the tags ``wsd``, ``tag`` and
        the similarity methods all read, (len(words), len(tag_set)) float64. Same errors."""
        return rule_tags(words, self.log_probabilities(vectors))

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
            provenance: dict | None = None, progress=None, window: int = 0,
            hidden: int = 0) -> POSHead:
        """Fit the head on (n, width) ``vectors`` and their ``tags`` (strings from
        ``tag_set``): minibatch Adam on mean cross-entropy + ``l2``/2 * |W|^2 over the weight
        matrices (biases not penalized), features standardized per dimension (each minibatch
        on the fly, so the (n, width) rows are never copied), learning rate decayed on a
        cosine to 0 over ``epochs``; the standardization is then folded into the first
        layer's weights and bias.

        ``hidden`` 0: softmax regression in float64, weights starting at 0 (a convex problem
        of 12 x (width + 1) numbers). ``hidden`` > 0: one ReLU layer of that size, in float32,
        He-initialized from ``seed``, output weights starting at 0.

        Deterministic for a given ``seed`` (the minibatch order, and the hidden layer's
        start) on one machine. This is sensedb's own code, not a library's, because it is
        small and the product should not depend on scikit-learn or torch training for it.
        ``progress``: optional callback ``(epoch, loss)``. ``window``: the rows are
        :func:`window_features` of that window (the head then reads them so).

        Raises InputError for rows and tags that disagree or tags outside ``tag_set``,
        ConfigurationError for a bad setting."""
        x = np.asarray(vectors)
        tag_set = tuple(tag_set)
        if x.ndim != 2 or len(x) != len(tags) or len(x) == 0:
            raise InputError(f"fit wants (n, dim) vectors and n tags: got {x.shape} and "
                             f"{len(tags)} tags")
        index = {t: i for i, t in enumerate(tag_set)}
        unknown = sorted({t for t in tags if t not in index})
        if unknown:
            raise InputError(f"tags not in the tag set: {unknown[:5]}")
        if epochs < 1 or batch_size < 1 or l2 < 0 or learning_rate <= 0 or hidden < 0:
            raise ConfigurationError("fit needs epochs >= 1, batch_size >= 1, l2 >= 0, "
                                     "learning_rate > 0, hidden >= 0")
        y = np.fromiter((index[t] for t in tags), dtype=np.int64, count=len(tags))
        mean, scale = _column_stats(x)
        n, dim = x.shape
        k = len(tag_set)
        rng = np.random.default_rng(seed)
        dtype = np.float32 if hidden else np.float64
        if hidden:
            params = [rng.normal(size=(hidden, dim)) * np.sqrt(2.0 / dim), np.zeros(hidden),
                      np.zeros((k, hidden)), np.zeros(k)]
            penalized = [True, False, True, False]
        else:
            params = [np.zeros((k, dim)), np.zeros(k)]
            penalized = [True, False]
        params = [p.astype(dtype) for p in params]
        moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        b1, b2, eps = 0.9, 0.999, 1e-8
        steps_per_epoch = -(-n // batch_size)
        total, step = epochs * steps_per_epoch, 0
        mean_t, scale_t = mean.astype(dtype), scale.astype(dtype)
        for epoch in range(epochs):
            order = rng.permutation(n)
            loss_sum = 0.0
            for start in range(0, n, batch_size):
                rows = np.sort(order[start:start + batch_size])
                zb = (x[rows].astype(dtype) - mean_t) / scale_t
                yb = y[rows]
                if hidden:
                    h = np.maximum(zb @ params[0].T + params[1], 0)
                    logits = h @ params[2].T + params[3]
                else:
                    logits = zb @ params[0].T + params[1]
                logp = _log_softmax(logits)
                loss_sum += -float(logp[np.arange(len(rows)), yb].sum())
                delta = np.exp(logp)
                # probabilities under 1e-30 are 0: float32 denormals (exp of a large negative
                # log-probability, common once the head is confident) make BLAS ~100x slower
                delta[delta < 1e-30] = 0.0
                delta[np.arange(len(rows)), yb] -= 1.0
                delta /= len(rows)
                if hidden:
                    back = (delta @ params[2]) * (h > 0)
                    grads = [back.T @ zb, back.sum(axis=0), delta.T @ h, delta.sum(axis=0)]
                else:
                    grads = [delta.T @ zb, delta.sum(axis=0)]
                step += 1
                rate = learning_rate * 0.5 * (1 + np.cos(np.pi * (step - 1) / total))
                for p, g, (m, v), decay in zip(params, grads, moments, penalized, strict=True):
                    if decay:
                        g = g + l2 * p
                    m *= b1
                    m += (1 - b1) * g
                    v *= b2
                    v += (1 - b2) * g * g
                    if hidden:  # float32: the moments of a weight whose gradient stays 0 (a
                        # unit that never fires) decay into denormals, and arithmetic on
                        # denormals is ~100x slower (epoch 2 took 3x epoch 1 without this)
                        m[np.abs(m) < 1e-30] = 0.0
                        v[v < 1e-30] = 0.0
                    p -= (rate * (m / (1 - b1 ** step))
                          / (np.sqrt(v / (1 - b2 ** step)) + eps)).astype(dtype)
            if progress is not None:
                progress(epoch + 1, loss_sum / n)
        first = params[0].astype(np.float64) / scale
        first_bias = params[1].astype(np.float64) - first @ mean
        record = dict(provenance or {})
        record.setdefault("fit", {"n": int(n), "l2": l2, "epochs": epochs,
                                  "batch_size": batch_size, "learning_rate": learning_rate,
                                  "seed": seed, "hidden": hidden})
        if hidden:
            return cls(params[2], params[3], layers, model, tag_set, record, window,
                       first.astype(np.float32), first_bias.astype(np.float32))
        return cls(first.astype(np.float32), first_bias.astype(np.float32), layers, model,
                   tag_set, record, window)

    # ------------------------------------------------------------------ files
    def save(self, path: str | PathLike[str]) -> None:
        """Write one .npz (arrays ``weights``, ``bias``, ``meta``: a JSON string with format,
        layers, model, tags, window and provenance; a head with a hidden layer also
        ``hidden_weights`` and ``hidden_bias``, format ``sensedb-pos-head/2``). The zip
        entries carry a fixed date, so equal heads give byte-identical files."""
        meta = json.dumps({"format": FORMAT_HIDDEN if self.hidden else FORMAT,
                           "layers": self.layers, "model": self.model,
                           "tags": list(self.tag_set), "provenance": self.provenance}
                          | ({"window": self.window} if self.window else {}),
                          sort_keys=True, ensure_ascii=False)
        arrays = {"weights": self.weights, "bias": self.bias, "meta": np.array(meta)}
        if self.hidden:
            arrays |= {"hidden_weights": self.hidden_weights, "hidden_bias": self.hidden_bias}
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
        """Read a file written by :meth:`save` (a linear ``sensedb-pos-head/1`` head or one
        with a hidden layer, ``/2``); IndexFormatError if it is missing, too large (> 2 MiB)
        or not a POS head."""
        source = Path(path)
        try:
            if source.stat().st_size > _MAX_BYTES:
                raise IndexFormatError(f"{source}: too large for a POS head file (> 2 MiB)")
            with np.load(source, allow_pickle=False) as data:
                weights, bias, meta = data["weights"], data["bias"], json.loads(str(data["meta"]))
                hidden = ((data["hidden_weights"], data["hidden_bias"])
                          if isinstance(meta, dict) and meta.get("format") == FORMAT_HIDDEN
                          else (None, None))
        except IndexFormatError:
            raise
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise IndexFormatError(f"{source}: not a readable POS head file ({exc})") from exc
        if not isinstance(meta, dict) or meta.get("format") not in (FORMAT, FORMAT_HIDDEN):
            raise IndexFormatError(f"{source}: not a {FORMAT} or {FORMAT_HIDDEN} file")
        try:
            return cls(weights, bias, meta["layers"], meta["model"], tuple(meta["tags"]),
                       meta.get("provenance") or {}, int(meta.get("window", 0)), *hidden)
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


#: Directions read as adverbs after a verb of motion ("Turn *left* at the light", "go
#: *right*"): MiniLM's POS head calls such a "left" an adjective (0.89); SemCor, which it
#: learned from, has 15 left/right after turn, go, look, veer or swing, and POS-tags them
#: noun, adjective and adverb alike (the 3 with a sense annotated are adverbs): a
#: hand-written rule (:func:`directional_adverbs`) where the head has no data to learn from.
#: Not after look or glance: "That doesn't look *right*" is the adjective.
DIRECTIONS = frozenset({"left", "right"})
MOTION_VERB_FORMS = frozenset("""
turn turns turned turning go goes went going gone bear bears bore borne bearing veer veers
veered veering swerve swerves swerved swerving swing swings swung swinging head heads headed
heading keep keeps kept keeping steer steers steered steering move moves moved moving pull
pulls pulled pulling step steps stepped stepping lean leans leaned leaning fork forks forked
forking
""".split())
#: What may follow such a direction: the end, punctuation, or a word of these tags
#: ("turn left *at* the light", "turn left *and* ..."); a noun after it is modified by it
#: ("turned left *wing*" keeps the adjective).
AFTER_DIRECTION_TAGS = frozenset({"ADP", "CONJ", "ADV", "PRT", ".", "DET", "PRON", "VERB"})
#: The adverb's probability a word the rules make an adverb (a direction so placed, a polite
#: "please") is given (the rest shared as the head shared it): strong evidence, still not a
#: filter.
RULE_ADV_PROBABILITY = 0.95


def directional_adverbs(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, the head's tag log-probabilities of one
    sentence) with each word of DIRECTIONS that follows a form of MOTION_VERB_FORMS and is
    followed by nothing, a non-word or a word the head tags one of AFTER_DIRECTION_TAGS read
    as an adverb: ADV gets RULE_ADV_PROBABILITY, the other tags the rest in their
    proportions. A new array where a row changes; ``logp`` itself otherwise."""
    out = logp
    best = np.argmax(logp, axis=1) if len(words) else np.zeros(0, int)
    for at in range(1, len(words)):
        if (words[at].casefold() not in DIRECTIONS
                or words[at - 1].casefold() not in MOTION_VERB_FORMS):
            continue
        nxt = at + 1
        if nxt < len(words) and any(c.isalpha() for c in words[nxt]) and (
                TAGS[int(best[nxt])] not in AFTER_DIRECTION_TAGS):
            continue
        out = _as_adverb(out, logp, at)
    return out


#: "please" as a request, not the verb "give pleasure": before a verb ("*Please* come in",
#: "Will you *please* wait", "*please* don't go") or alone between punctuation ("..., *please*.",
#: "*Please*!"). SemCor POS-tags such a "please" VERB or ADV as it comes and annotates the
#: sense of none of them (23); each of its annotated ones ("to please her", "as you please")
#: has an object or a subject. MiniLM's POS head follows the VERB. Hand-written, as above.
POLITE = "please"


def polite_please(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, the head's tag log-probabilities of one
    sentence) with each "please" that the head's best tag of the next word makes a verb's
    request (VERB next) or that stands between punctuation or the sentence's ends read as an
    adverb, as :func:`directional_adverbs` does (POLITE). A new array where a row changes;
    ``logp`` itself otherwise."""
    out = logp
    best = np.argmax(logp, axis=1) if len(words) else np.zeros(0, int)
    for at, word in enumerate(words):
        if word.casefold() != POLITE:
            continue
        nxt, prev = at + 1, at - 1
        edge_after = nxt == len(words) or not any(c.isalpha() for c in words[nxt])
        edge_before = prev < 0 or not any(c.isalpha() for c in words[prev])
        if (nxt < len(words) and TAGS[int(best[nxt])] == "VERB") or (edge_after and edge_before):
            out = _as_adverb(out, logp, at)
    return out


#: "Thanks" opening a clause is the noun ("*Thanks* a lot for your help", "*Thanks*!", "Hi
#: Sarah, *thanks* for", "ok *thanks*", "No *thanks*"): a verb there would have no subject.
#: SemCor: "thanks" NOUN 21 times, VERB twice (each with a subject: "he thanks"). MiniLM's
#: head tags such a "Thanks" VERB. Hand-written.
THANKS = "thanks"
#: Words after which "thanks" still opens its clause.
BEFORE_THANKS = frozenset("ok okay no yes oh well many and but so".split())


def opening_thanks(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, the head's tag log-probabilities of one
    sentence) with each "thanks" first in the sentence, after punctuation or after one of
    BEFORE_THANKS read as a noun, as :func:`article_nouns` reads its nouns. A new array
    where a row changes; ``logp`` itself otherwise."""
    out = logp
    for at, word in enumerate(words):
        if word.casefold() != THANKS:
            continue
        before = words[at - 1] if at else ""
        if not any(c.isalnum() for c in before) or before.casefold() in BEFORE_THANKS:
            out = _as_tag(out, logp, at, "NOUN")
    return out


#: "like" in a question opened by do (or a wh-word and do) is the question's verb where no
#: verb stands between: "Does your mother *like* Italian food?", "What do the kids in your
#: class *like*?". MiniLM's head reads such a "like" after a longer subject as a
#: preposition (ADP), which left "Does" the main verb and "like" untagged. Hand-written.
DO_FORMS = frozenset("do does did".split())
WH_WORDS = frozenset("what which who whom whose where when why how".split())
MAX_BEFORE_DO = 3


def question_like(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, the head's tag log-probabilities of one
    sentence) with the first "like" after a question's opening do (first in the sentence,
    or after a wh-word and at most MAX_BEFORE_DO words) read as a verb, as
    :func:`article_nouns` reads its nouns, where the head tags no word between them VERB and
    the sentence holds a "?". A new array where a row changes; ``logp`` itself otherwise."""
    if "?" not in words:
        return logp
    lower = [w.casefold() for w in words]
    first = next((at for at, w in enumerate(words) if any(c.isalnum() for c in w)), None)
    if first is None:
        return logp
    opening = range(first, first + 1) if lower[first] not in WH_WORDS else range(
        first + 1, min(len(words), first + 2 + MAX_BEFORE_DO))
    do = next((at for at in opening if lower[at] in DO_FORMS), None)
    if do is None:
        return logp
    best = np.argmax(logp, axis=1)
    for at in range(do + 1, len(words)):
        if TAGS[int(best[at])] == "VERB" or words[at] == "?":
            return logp
        if lower[at] == "like":
            return _as_tag(logp, logp, at, "VERB")
    return logp


#: An adjective after "a"/"an" needs a noun after it; with none ("She has a *cold*", "Wait a
#: *little*", "He is a *natural*.") the word is the noun itself. The words after it that end
#: the noun phrase (the head's best tag), and punctuation or a conjunction unless an
#: adjective or noun follows them ("a cold, dark night", "a cold and windy day"). SemCor and
#: SemEval-2007, gold tags, "a"/"an" + a word WordNet has as noun and adjective + such an end:
#: NOUN 662, ADJ 190 (of these mostly ordinals and "as a whole", left out below). The
#: MiniLM POS head gives "cold" in "She has a cold" NOUN 0.53 and ADJ 0.47, and the adjective's
#: prior wins. Hand-written.
INDEFINITE_ARTICLES = frozenset({"a", "an"})
ENDS_A_NOUN_PHRASE = frozenset({"ADP", "ADV", "PRT", "DET", "PRON", "VERB"})
NOT_A_HEAD_NOUN = frozenset("""
more less most least much whole further other same few first second third fourth fifth
sixth seventh eighth ninth tenth hundred thousand million
""".split())


#: A time after a noun phrase, which it does not modify: "caught a *cold* last winter" read
#: the adjective cold (the head takes "last" for the phrase's next adjective). "last" or
#: "next" before one of these ends the phrase before it (not "a good *last* season").
TIME_NOUNS = frozenset("""
night week weekend month year time winter spring summer autumn fall morning afternoon
evening monday tuesday wednesday thursday friday saturday sunday
""".split())


def _noun_phrase_ends_after(words: Sequence[str], best: np.ndarray, at: int) -> bool:
    nxt = at + 1
    if nxt == len(words):
        return True
    if (words[nxt].casefold() in ("last", "next") and nxt + 1 < len(words)
            and words[nxt + 1].casefold() in TIME_NOUNS):
        return True
    if not any(c.isalpha() for c in words[nxt]) or TAGS[int(best[nxt])] == "CONJ":
        # "a cold." / "a cold and a fever", not "a cold, dark night" / "a cold and windy day"
        after = nxt + 1
        return after == len(words) or TAGS[int(best[after])] not in ("ADJ", "NOUN", "NUM")
    return TAGS[int(best[nxt])] in ENDS_A_NOUN_PHRASE


#: Possessive determiners before a noun phrase's last word, which is then its noun ("It's my
#: *round*": the head's ADJ, "circular"; a tester's). SemCor's gold tags of a word after one
#: of these where the noun phrase ends right after it: NOUN 6,776, ADJ 164, 55 of them "own"
#: and 13 "best" (POSSESSIVE_NOT_A_NOUN). "her" is left out: an object too ("made her
#: *happy*"); so is a gerund, which SemCor and SemEval-2007 tag VERB ("our *driving*
#: immediately to", "his *losing* a term"). Hand-written.
POSSESSIVE_DETERMINERS = frozenset("my your his its our their".split())
#: The words that keep :func:`article_nouns` from reading past one adjective after "a"/"an"
#: ("a bad *cold* last winter" read the adjective cold): as that adjective, "a little
#: *cold*" (an adverb's phrase); as the word read, "a short *one*", "a great *many*".
#: ``scripts/pos_rule_counts.py``: the 4,573 SemCor words it reads past an adjective are
#: SemCor's ADJ 22 times (0.5%). Hand-written.
AFTER_ARTICLE_NO_NOUN = NOT_A_HEAD_NOUN | frozenset("little one many".split())
POSSESSIVE_NOT_A_NOUN = NOT_A_HEAD_NOUN | frozenset("own best left right last".split())


def article_nouns(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, the head's tag log-probabilities of one
    sentence) with each word the head tags ADJ or NOUN right after "a"/"an"
    (INDEFINITE_ARTICLES, or those and one adjective not of AFTER_ARTICLE_NO_NOUN: "a bad
    *cold*"; a NOUN the head doubts, "She has a cold": NOUN 0.53, ADJ 0.47)
    or, where the head tags it ADJ, a possessive determiner (POSSESSIVE_DETERMINERS: "It's
    my *round*"; not an -ing word; a noun the head is sure of is left as it is there)
    and before the end of its noun phrase (:data:`ENDS_A_NOUN_PHRASE`, the sentence's end,
    punctuation or a conjunction not followed by an adjective or noun) read as a noun: NOUN
    gets RULE_ADV_PROBABILITY, the other tags the rest in their proportions (quantifiers,
    ordinals and comparatives, NOT_A_HEAD_NOUN, left as they are; after a possessive also
    POSSESSIVE_NOT_A_NOUN: "of his *own*"). A new array where a row changes; ``logp``
    itself otherwise."""
    out = logp
    best = np.argmax(logp, axis=1) if len(words) else np.zeros(0, int)
    for at in range(1, len(words)):
        before, word = words[at - 1].casefold(), words[at].casefold()
        if (at > 1 and words[at - 2].casefold() in INDEFINITE_ARTICLES
                and TAGS[int(best[at - 1])] == "ADJ" and before not in AFTER_ARTICLE_NO_NOUN
                and word not in AFTER_ARTICLE_NO_NOUN):
            before = words[at - 2].casefold()  # "a bad *cold* last winter"
        possessive = before in POSSESSIVE_DETERMINERS
        if (before not in INDEFINITE_ARTICLES and not possessive
                or TAGS[int(best[at])] not in (("ADJ",) if possessive else ("ADJ", "NOUN"))
                or word in (NOT_A_HEAD_NOUN if before in INDEFINITE_ARTICLES
                            else POSSESSIVE_NOT_A_NOUN)
                or before in POSSESSIVE_DETERMINERS and word.endswith("ing")
                or not _noun_phrase_ends_after(words, best, at)):
            continue
        out = _as_tag(out, logp, at, "NOUN")
    return out


#: After a determiner a word is no verb ("they have no *wish* to", "a few duffers", "the
#: *change*"), unless a participle ("the *going* rate", "a *stopped* truck": -ing, -ed, -en,
#: which SemCor tags VERB now and then). SemCor's gold tags, a word after one of these
#: (any case): of 73,318 not ending so, 105 VERB (0.14%: "the Buy American Act", "No holds
#: are barred", "If a is the axis"); of 5,157 ending so, 206 VERB. "this", "that", "these",
#: "those" and "her" are left out: pronouns too ("this *changes* everything", "saw her
#: *leave*"). Hand-written.
DETERMINERS = frozenset("the a an no every my your his its our their".split())
PARTICIPLE_ENDINGS = ("ing", "ed", "en")
#: The verb's probability left to such a word (the rest shared as the head shared it): about
#: SemCor's rate above (0.14%).
RULE_NOT_VERB_PROBABILITY = 0.002


def determiner_no_verb(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, the head's tag log-probabilities of one
    sentence) with each word right after one of DETERMINERS that does not end in one of
    PARTICIPLE_ENDINGS given VERB at most RULE_NOT_VERB_PROBABILITY, the other tags the
    rest in their proportions. A new array where a row changes; ``logp`` itself
    otherwise."""
    out = logp
    for at in range(1, len(words)):
        if (words[at - 1].casefold() not in DETERMINERS
                or words[at].casefold().endswith(PARTICIPLE_ENDINGS)):
            continue
        if tag_probability(logp[at], "VERB") > RULE_NOT_VERB_PROBABILITY:
            out = _as_tag(out, logp, at, "VERB", RULE_NOT_VERB_PROBABILITY)
    return out


#: After a degree adverb a word is no noun ("The cat seemed perfectly *content*", "was
#: perfectly *content*": the head NOUN 0.82, a tester's). SemCor's gold tags of the word after
#: one of these (``scripts/pos_rule_counts.py``; "very" after a determiner, a possessive or
#: this/that/these/those left out: "the very *soul*", "her very *bones*", "the dog's very
#: *bark*": the adjective very; its breaker's): of 1,170, NOUN 15 (1.3%: "too few", "quite
#: everything", SemCor's slips "You're awfully *kind*", "too *tan*"). "so", "really",
#: "pretty" and "real" are left out: a conjunction, a sentence adverb, adjectives ("so
#: *Irenaeus* portrays", "really *something*", "a pretty *girl*"). Hand-written.
DEGREE_ADVERBS = frozenset("""
very extremely perfectly incredibly terribly awfully fairly utterly highly quite too
completely totally
""".split())
_VERY_AS_ADJECTIVE_AFTER = frozenset("the a an no every my your his her its our their whose "
                                     "this that these those 's ’s".split())


def degree_adverb_no_noun(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, one sentence's tag log-probabilities) with
    each word right after one of DEGREE_ADVERBS (not "very" after a determiner: "the very
    *soul*") given NOUN at most RULE_NOT_NOUN_PROBABILITY, the other tags the rest in their
    proportions. A new array where a row changes; ``logp`` itself otherwise."""
    out = logp
    lower = [w.casefold() for w in words]
    for at in range(1, len(words)):
        degree = lower[at - 1]
        if degree not in DEGREE_ADVERBS or not words[at].isalpha() or (
                degree == "very" and at > 1 and lower[at - 2] in _VERY_AS_ADJECTIVE_AFTER):
            continue
        if tag_probability(logp[at], "NOUN") > RULE_NOT_NOUN_PROBABILITY:
            out = _as_tag(out, logp, at, "NOUN", RULE_NOT_NOUN_PROBABILITY)
    return out


#: After a determiner, a word that ends its noun phrase (the sentence's end, punctuation, a
#: preposition, a conjunction or a particle after it) is no adverb and no interjection ("a
#: singer drank from the *well*": the head X 0.61, NOUN 0.21, ADV 0.15, and ``tag`` read the
#: adverb well; a tester's). SemCor's gold tags of such words after one of DETERMINERS
#: (comparatives and superlatives, -ly words and NOT_ADVERB_EXCEPT left out: "the *more*",
#: "no *farther*", "his *alone*", "every *once* in a while", "every *now* and then"; the
#: next word's tag SemCor's own; ``scripts/pos_rule_counts.py``): of 30,979, ADV 35 (0.11%:
#: "the *back*" 16, "a *while*", "the *meantime*"), X 12 (foreign nouns, which the noun reads
#: as well). Hand-written.
NOT_ADVERB_EXCEPT = POSSESSIVE_NOT_A_NOUN | frozenset(
    "alone only above below farther farthest furthest once twice now then little".split())
_ENDS_AFTER_A_NOUN = frozenset({"ADP", "CONJ", "PRT", "."})
#: The ADV (and X) probability left to such a word: about SemCor's rate above.
RULE_NOT_ADVERB_PROBABILITY = 0.002


def determiner_no_adverb(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, one sentence's tag log-probabilities) with
    each word right after one of DETERMINERS that ends its noun phrase (the next word none,
    one without letters or digits, or one the head tags ADP, CONJ or PRT), is not one of
    NOT_ADVERB_EXCEPT and does not end in -er, -est or -ly, given ADV and X at most
    RULE_NOT_ADVERB_PROBABILITY each, the other tags the rest in their proportions. A new
    array where a row changes; ``logp`` itself otherwise."""
    out = logp
    best = [TAGS[int(i)] for i in np.argmax(logp, axis=1)] if len(words) else []
    for at in range(1, len(words)):
        word, nxt = words[at].casefold(), at + 1
        if (words[at - 1].casefold() not in DETERMINERS or not word.isalpha()
                or word in NOT_ADVERB_EXCEPT or word.endswith(("er", "est", "ly"))
                or nxt < len(words) and any(c.isalnum() for c in words[nxt])
                and best[nxt] not in _ENDS_AFTER_A_NOUN):
            continue
        out = _capped(out, logp, at, ("ADV", "X"), RULE_NOT_ADVERB_PROBABILITY)
    return out


#: Before an object pronoun a word is no noun ("*Excuse* me", "*Tell* him", "*Help* us": MiniLM's
#: head tags that "Excuse" NOUN). SemCor and SemEval-2007, gold tags of the content words
#: right before me/him/us/them: VERB 2,532, ADV 44, ADJ 29, NOUN 26 (1%; most of these
#: SemCor's own slips: "`` *Answer* me properly", "*Play* me", "hiring and *training*
#: them"). "her", "it" and "you" are left out: subjects or determiners too ("the day *it*
#: rained", "her *book*"). Hand-written.
OBJECT_ONLY_PRONOUNS = frozenset("me him us them".split())
#: The noun's probability left to such a word: SemCor's rate above.
RULE_NOT_NOUN_PROBABILITY = 0.01


def object_pronoun_no_noun(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, the head's tag log-probabilities of one
    sentence) with each word right before one of OBJECT_ONLY_PRONOUNS given NOUN at most
    RULE_NOT_NOUN_PROBABILITY, the other tags the rest in their proportions. A new array
    where a row changes; ``logp`` itself otherwise."""
    out = logp
    for at in range(len(words) - 1):
        if words[at + 1].casefold() not in OBJECT_ONLY_PRONOUNS:
            continue
        if tag_probability(logp[at], "NOUN") > RULE_NOT_NOUN_PROBABILITY:
            out = _as_tag(out, logp, at, "NOUN", RULE_NOT_NOUN_PROBABILITY)
    return out


#: A flat adverb (the adverb written as its adjective) right after a verb that is not a
#: linking verb: "He works *hard*", "came home *early*", "Hold on *tight*", "drive *slow*".
#: MiniLM's head reads most such words as adjectives (0.6-0.95), as SemCor's tags of its
#: unannotated words taught it (74 ADJ, 10 ADV where this rule fires); SemCor's sense
#: annotators chose the adverb's sense 70 times, the adjective's 29 (half of those on
#: adverbial uses: "work *hard*" given hard%3:00:06:: "not easy"). Counted over SemCor with
#: its own POS tags standing for the head's. Hand-written: the words are those WordNet has as
#: both adjective and adverb and English uses as adverbs after a verb.
FLAT_ADVERBS = frozenset("""
hard fast early late tight loud slow quick deep straight high low wide close wrong easy
""".split())
#: Forms of the linking verbs, after which such a word is the adjective it complements ("It
#: is *hard*", "looks *fine*", "got *late*", "grew *quiet*").
BE_FORMS = frozenset("be am is are was were been being 's 're 'm ’s ’re ’m".split())
GET_FORMS = frozenset("get gets got gotten getting".split())
#: The forms of go, run and stay, linking verbs before a state ("ran *high*", "stayed *calm*")
#: but not before a time: "stayed *late*", "stayed up *late*", "was running *late*", "went
#: *early*" are the adverbs (late%4:02:00:: "later than usual or than expected").
MOTION_LINKING_FORMS = frozenset("""
go goes went gone going run runs ran running stay stays stayed staying
""".split())
#: The flat adverbs of time, after which MOTION_LINKING_FORMS are no linking verbs.
TIME_FLAT_ADVERBS = frozenset("late early".split())
LINKING_VERB_FORMS = BE_FORMS | GET_FORMS | MOTION_LINKING_FORMS | frozenset("""
seem seems seemed seeming become becomes became becoming look looks looked looking feel feels
felt feeling sound sounds sounded sounding smell smells smelled smelt smelling taste tastes
tasted tasting appear appears appeared appearing prove proves proved proven proving remain
remains remained remaining grow grows grew grown growing turn turns turned turning
""".split())
#: After a particle only these make a linking phrasal verb ("turned out *easy*", "ended up
#: *wrong*"); "get up *early*" is no linking verb.
LINKING_PHRASAL_FORMS = (LINKING_VERB_FORMS - GET_FORMS) | frozenset(
    "end ends ended ending wind winds wound winding".split())
#: Forms before a verb's past participle that make it a passive ("was considered *wrong*",
#: "was deemed too *high*": the adjective complements its subject).
PASSIVE_FORMS = BE_FORMS | GET_FORMS
#: What may stand between the verb and the adverb: one intensifier ("tried *really* hard"),
#: one particle or adverb of place ("Hold *on* tight", "get *up* early", "came *home*
#: early"); after a particle a linking verb's form is a phrasal verb's ("get up early").
INTENSIFIERS = frozenset("really very so too pretty quite extremely real".split())
PARTICLES = frozenset("up on out down off back away around home here there".split())
#: The tags of a next word that make the flat word its modifier ("a *high* ten", "keep
#: *close* watch": the head reads that noun a verb), or a predicate ("swung *wide* open").
MODIFIED_TAGS = frozenset({"NOUN", "ADJ", "NUM", "VERB"})


def flat_adverbs(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, the head's tag log-probabilities of one
    sentence) with each word of FLAT_ADVERBS that the head tags ADJ (or ADV below
    RULE_ADV_PROBABILITY) read as an adverb, as :func:`directional_adverbs` does, where the
    word before it (past one of INTENSIFIERS, then past one of PARTICLES) is one the head
    tags VERB, not one of LINKING_VERB_FORMS (past a particle, of LINKING_PHRASAL_FORMS; for
    one of TIME_FLAT_ADVERBS, less MOTION_LINKING_FORMS) nor a passive's participle
    (:func:`_passive`), and the word after it is none, a non-word, or one the head does not
    tag one of MODIFIED_TAGS (after one of TIME_FLAT_ADVERBS, "last", "next" ... or an -ing
    word after an intransitive verb is allowed: :func:`_after_a_time_adverb`). A new array
    where a row changes; ``logp`` itself otherwise."""
    out = logp
    best = [TAGS[int(i)] for i in np.argmax(logp, axis=1)] if len(words) else []
    for at in range(1, len(words)):
        if (words[at].casefold() not in FLAT_ADVERBS or best[at] not in ("ADJ", "ADV")
                or tag_probability(logp[at], "ADV") >= RULE_ADV_PROBABILITY):
            continue
        verb = at - 1
        if verb > 0 and words[verb].casefold() in INTENSIFIERS:
            verb -= 1
        phrasal = (verb > 0 and words[verb].casefold() in PARTICLES
                   and best[verb - 1] == "VERB")
        verb -= phrasal
        linking = LINKING_PHRASAL_FORMS if phrasal else LINKING_VERB_FORMS
        if words[at].casefold() in TIME_FLAT_ADVERBS:
            linking = linking - MOTION_LINKING_FORMS
        if best[verb] != "VERB" or words[verb].casefold() in linking or _passive(words, verb):
            continue
        nxt = at + 1
        if (nxt < len(words) and any(c.isalpha() for c in words[nxt])
                and best[nxt] in MODIFIED_TAGS
                and not _after_a_time_adverb(
                    words[at], words[nxt], best[nxt],
                    intransitive=phrasal or words[verb].casefold() in MOTION_LINKING_FORMS)):
            continue
        out = _as_adverb(out, logp, at)
    return out


#: Days' parts a time word modifies ("came *early* morning"); another -ing word after it,
#: after an intransitive verb, is a verb's ("stayed up *late* talking", which the head may
#: tag NOUN; after "need" it is the object's noun: "need *early* screening").
TIMES_OF_DAY = frozenset("morning evening".split())
#: Words opening a time after a time adverb ("worked *late* last night", "left *early* this
#: morning"); another adjective after it is a noun phrase's ("effecting *early* emergency
#: reinforcement", SemCor's adjective).
TIME_OPENERS = frozenset("last next this every".split())


def _after_a_time_adverb(word: str, following: str, tag: str, *, intransitive: bool) -> bool:
    """Whether ``following`` (tagged ``tag``) after ``word`` leaves one of TIME_FLAT_ADVERBS
    an adverb: one of TIME_OPENERS, or, after an ``intransitive`` verb (a phrasal one, or
    one of MOTION_LINKING_FORMS: "stayed up *late* talking"), an -ing word other than
    TIMES_OF_DAY the head tags VERB or NOUN ("offer *early* booking discounts", "avoid
    *late* filing" keep the adjective)."""
    if word.casefold() not in TIME_FLAT_ADVERBS:
        return False
    following = following.casefold()
    stem = following.removesuffix("ing")  # an -ing form has a stem with a vowel: "spring"
    return following in TIME_OPENERS or intransitive and tag in ("VERB", "NOUN") and (
        stem != following and any(c in "aeiouy" for c in stem)
        and following not in TIMES_OF_DAY)


#: The days counted from now, adverbs where they say when ("I saw her *yesterday*", "We
#: leave *tomorrow*", "*Yesterday* the weather was beautiful", WordNet's own example of
#: yesterday%4:02:00:: "on the day preceding today"). SemCor files them NOUN (Brown's NR):
#: of its 400 today/tomorrow/yesterday/tonight, 317 are NOUN, "called for *yesterday*" among
#: them, and the head learned that (0.86 NOUN on "I saw her yesterday"); WordNet's nouns are
#: for the day itself: a subject ("*Today* is Monday"), after a determiner or preposition
#: ("until *tomorrow*", "of *today*"), a possessive ("*today*'s paper") or before a noun
#: ("*tomorrow* night"), where the head's row stays. Hand-written.
DAYS_FROM_NOW = frozenset("today yesterday tomorrow tonight".split())
#: Tags of the word before such a day that make it a noun ("the *day*", "until *tomorrow*").
_BEFORE_A_DAY_NOUN = frozenset({"DET", "ADP"})
#: Possessive determiners, which the head may tag PRON ("our *tomorrow*"); "her" is left
#: out, an object as often ("I saw her *today*").
_POSSESSIVES = frozenset("my your his its our their".split())


def days_from_now(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, the head's tag log-probabilities of one
    sentence) with each word of DAYS_FROM_NOW that says when read as an adverb at
    RULE_ADV_PROBABILITY (as :func:`directional_adverbs` does): not after a word the head
    tags DET or ADP or one of _POSSESSIVES, not before "'s" or a word the head tags NOUN,
    not a clause's subject (before a word the head tags VERB: :func:`_a_days_subject`) nor
    one after a form of be before a predicate ("Is *today* a holiday?"). A new array where
    a row changes; ``logp`` itself otherwise."""
    out = logp
    best = [TAGS[int(i)] for i in np.argmax(logp, axis=1)] if len(words) else []
    for at, word in enumerate(words):
        if (word.casefold() not in DAYS_FROM_NOW
                or tag_probability(logp[at], "ADV") >= RULE_ADV_PROBABILITY):
            continue
        prev, nxt = at - 1, at + 1
        opens = prev < 0 or not any(c.isalnum() for c in words[prev])
        if not opens and (best[prev] in _BEFORE_A_DAY_NOUN
                          or words[prev].casefold() in _POSSESSIVES):
            continue
        if nxt < len(words) and words[nxt].casefold() in ("'s", "’s", "s"):
            continue
        if _a_days_subject(words, best, at) or (
                not opens and words[prev].casefold() in BE_FORMS and nxt < len(words)
                and best[nxt] in ("DET", "ADJ", "NOUN")):  # "Is *today* a holiday?"
            continue
        out = _as_adverb(out, logp, at)
    return out


def _a_days_subject(words: Sequence[str], best: Sequence[str], at: int) -> bool:
    """Whether the day ``words[at]`` heads a noun phrase or a clause: a noun right after it
    ("*tomorrow* night"), or a verb after it, past "and"/"or" and other days and one adverb
    ("I think *today* is", "*Tomorrow* never comes", "*Today* and tomorrow are"). A tester
    found these read as adverbs."""
    nxt = at + 1
    while nxt + 1 < len(words) and words[nxt].casefold() in ("and", "or") \
            and words[nxt + 1].casefold() in DAYS_FROM_NOW:
        nxt += 2
    if nxt < len(words) and best[nxt] == "ADV" and nxt + 1 < len(words):
        nxt += 1
    return nxt < len(words) and (best[nxt] == "VERB" or best[nxt] == "NOUN" and nxt == at + 1)


#: Words of place WordNet reads as adverbs ("I work *downtown*", "raise fees *downtown*",
#: "lives *upstairs*") that the head tags an adjective or a noun where no noun follows:
#: SemCor has no adverb "downtown" (13 adjectives, 22 nouns), so the head read all three
#: examples above as the adjective or the noun (a fresh tester's). Each has a WordNet adverb.
PLACE_ADVERBS = frozenset("""
downtown uptown crosstown upstairs downstairs overseas abroad offshore inland upstream
downstream uphill downhill upstate nearby
""".split())
#: Verbs after which such a word of place says where, not what ("I work *downtown*", "Let's
#: meet *downtown*"): intransitive verbs of being, dwelling and motion. After another verb
#: it is the object ("I like *downtown*", "They rebuilt *downtown*": the noun); after the
#: object it says where again ("raise fees *downtown*").
PLACE_VERB_FORMS = BE_FORMS | MOTION_LINKING_FORMS | frozenset("""
live lives lived living work works worked working meet meets met meeting come comes came
coming move moves moved moving drive drives drove driving driven walk walks walked walking
head heads headed heading shop shops shopped shopping eat eats ate eating eaten park parks
parked parking wait waits waited waiting fly flies flew flying flown travel travels traveled
travelled traveling travelling relocate relocates relocated relocating sleep sleeps slept
sleeping study studies studied studying hang hangs hung hanging
""".split())
#: "first" closing a verb's clause ("get there *first*", "came *first* in the race"):
#: WordNet's adverb; SemCor's annotated ones so placed are adverbs (41 of 48), while its
#: unannotated ones are tagged ADJ as often, and the head followed. Not "last": "She arrived
#: *last*" is WordNet's adjective ("coming after all others"), its adverbs "most recently"
#: and "lastly" (a tester's); "last" is the adverb before a verb instead ("I *last* saw
#: him in May", "was *last* seen": LAST_BEFORE_A_VERB).
ORDER_ADVERBS = frozenset({"first"})
LAST_BEFORE_A_VERB = "last"
#: The head's tags of the word before such a word that leave it the head's: a determiner,
#: a preposition, an adjective ("the *first*", "at *last*", "the very *last*"), a
#: conjunction ("first and *last*"), a number.
_BEFORE_A_PLACE_NOT_ADVERB = frozenset({"DET", "ADP", "ADJ", "CONJ", "NUM"})
#: The head's tags of the word after it that make it a modifier ("*downtown* office", "*last*
#: week", "*first* three").
_AFTER_A_PLACE_NOT_ADVERB = frozenset({"NOUN", "ADJ", "NUM"})


def place_adverbs(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, the head's tag log-probabilities of one
    sentence) with each word of PLACE_ADVERBS (or of ORDER_ADVERBS, where the head does not
    tag it VERB: "will *last*") read as an adverb, as :func:`directional_adverbs` does, where
    it follows a word (not a sentence's first word) that is "there" or "here" (the head's
    DET: "get there *first*") or one the head does not tag one of
    _BEFORE_A_PLACE_NOT_ADVERB, none of _POSSESSIVES nor, before ORDER_ADVERBS, a form of be
    ("He was *first*" keeps the adjective), nor, before PLACE_ADVERBS, a verb the head tags
    VERB other than PLACE_VERB_FORMS ("I like *downtown*" is the noun), and no word the
    head tags one of _AFTER_A_PLACE_NOT_ADVERB follows it. "last" between a subject (or an
    auxiliary) and a verb is the adverb too ("I *last* saw him": LAST_BEFORE_A_VERB). A
    new array where a row changes; ``logp`` itself otherwise."""
    out = logp
    best = [TAGS[int(i)] for i in np.argmax(logp, axis=1)] if len(words) else []
    for at in range(1, len(words)):
        word = words[at].casefold()
        if (word == LAST_BEFORE_A_VERB and best[at] != "VERB" and at + 1 < len(words)
                and best[at + 1] == "VERB" and best[at - 1] in ("PRON", "NOUN", "VERB")
                and tag_probability(logp[at], "ADV") < RULE_ADV_PROBABILITY):
            out = _as_adverb(out, logp, at)  # "I *last* saw him", "was *last* seen"
            continue
        order = word in ORDER_ADVERBS
        if (not order and word not in PLACE_ADVERBS
                or order and best[at] == "VERB"
                or tag_probability(logp[at], "ADV") >= RULE_ADV_PROBABILITY):
            continue
        prev, nxt = words[at - 1].casefold(), at + 1
        if (not any(c.isalnum() for c in prev) or prev in _POSSESSIVES
                or best[at - 1] in _BEFORE_A_PLACE_NOT_ADVERB and prev not in ("there", "here")
                or order and prev in BE_FORMS
                or not order and best[at - 1] == "VERB" and prev not in PLACE_VERB_FORMS):
            continue
        if (nxt < len(words) and any(c.isalnum() for c in words[nxt])
                and best[nxt] in _AFTER_A_PLACE_NOT_ADVERB):
            continue
        out = _as_adverb(out, logp, at)
    return out


#: Verbs whose past participle is written as their base form, so that a passive or a perfect
#: reads them right after a form of be or have ("is *cut*", "was *put* off", "'s *come*
#: back", "Has the mail *come* yet?"): those :func:`copula_no_bare_verb` leaves alone, and
#: those the tagger reads as participles after an inverted have or be
#: (``retriever.tagger``). Hand-written from English's irregular verbs (WordNet's
#: ``verb.exc`` lists a form only where it differs from the base).
BASE_PARTICIPLES = frozenset("""
beat beset bet bid broadcast burst cast come cost cut become fit forecast hit hurt input
knit let offset outbid outcast outrun overcome overrun preset put quit read recast rerun
reset rid run set shed shut slit spit split spread thrust typeset undercut upset wed bust wet
sweat sublet telecast simulcast webcast refit miscast typecast proofread reread overbid
""".split())
#: The same as endings: a compound of one is one too ("*refit*", "*telecast*", "*sublet*"); a
#: noun ending so ("toilet") only loses :func:`after_copula_no_verb`'s help.
_BASE_PARTICIPLE_ENDINGS = tuple(sorted(BASE_PARTICIPLES))
#: A word between the form of be and the word that :func:`copula_no_bare_verb` looks past
#: ("was *not* cross", "is *so* free").
BEFORE_A_COMPLEMENT = frozenset(
    "not n't never so very really too quite pretty always still also just".split()
) | DEGREE_ADVERBS
#: Linking verbs that, like be, take no bare verb after them ("The cat seemed perfectly
#: *content*": the head's NOUN ruled out by :func:`degree_adverb_no_noun`, its VERB 0.11
#: became the best tag; a tester's): seem and become, whose verb complement is an
#: infinitive with "to". Not appear, which also stands alone ("If symptoms *appear* seek
#: help": its breaker's).
LINKING_AS_BE = frozenset("""
seem seems seemed seeming become becomes became becoming
""".split())
#: A form of do before be may open a pseudo-cleft, whose be a bare verb follows ("What we
#: did next was *paint* the fence").
PSEUDO_CLEFT_DO = frozenset("do does did done".split())
#: The words before an "'s" that make it is or has; after others it may be a possessive
#: whose noun is left out ("John's *needs* a new battery").
PRONOUNS_BEFORE_IS = frozenset("""
he she it that this there here what who where when how everything everyone everybody
someone somebody something nothing nobody one
""".split())
#: Colloquial contractions with "to" that follow be as verbs ("is *gonna* rain").
TO_CONTRACTIONS = frozenset("gonna gotta wanna".split())
#: The VERB probability left to such a word: below SemCor's rate where the rule fires
#: (:func:`after_copula_no_verb`).
RULE_COPULA_NOT_VERB_PROBABILITY = RULE_NOT_VERB_PROBABILITY


def copula_no_bare_verb(words: Sequence[str], logp: np.ndarray,
                        irregular_verb_forms: Collection[str]) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, one sentence's tag log-probabilities) with
    each word of :func:`after_copula_no_verb` given VERB at most
    RULE_COPULA_NOT_VERB_PROBABILITY, the other tags the rest in their proportions: "Mum
    was *cross*" (the head: VERB 0.6). A new array where a row changes; ``logp`` itself
    otherwise."""
    out = logp
    for at in after_copula_no_verb(words, irregular_verb_forms):
        if tag_probability(logp[at], "VERB") > RULE_COPULA_NOT_VERB_PROBABILITY:
            out = _as_tag(out, logp, at, "VERB", RULE_COPULA_NOT_VERB_PROBABILITY)
    return out


def after_copula_no_verb(words: Sequence[str], irregular_verb_forms: Collection[str]
                         ) -> list[int]:
    """Positions of the words right after a form of be (BE_FORMS) or of LINKING_AS_BE (one
    of BEFORE_A_COMPLEMENT may stand between) that cannot be a verb there: not an -ing, -ed or
    -en form, nor a dialect -in' form, nor in ``irregular_verb_forms`` (WordNet's
    ``verb.exc`` forms: "was *broken*", "is *gone*"; "I'm *broke*" is left to the head),
    nor one of BASE_PARTICIPLES or a word ending in one ("is *cut*", "was *refit*", "was
    *telecast*"), nor one of TO_CONTRACTIONS. Left alone too: a be after a do-form anywhere
    before it in the sentence (a pseudo-cleft: "All I did was *ask*", "What we did next was
    *paint* the fence"), an "'s" after a word other than a pronoun (PRONOUNS_BEFORE_IS:
    "John's *needs* a battery" leaves a noun out; "let's *go*" is us), and "am" after a
    number ("At 9 am *call*": a.m.). Counted over SemCor with its own tags
    (``scripts/copula_verbs.py``): of the 15,396 words these are, 12 are tagged VERB (0.08%:
    SemCor's slips, "are *engages*", "be *able*", "became *one* of"; 14,553 and 10 with be
    alone and the shorter list between). Hand-written."""
    lower = [w.casefold().replace("\u2019", "'") for w in words]
    found = []
    for at in range(1, len(words)):
        be = at - 1
        if lower[be] in BEFORE_A_COMPLEMENT and be > 0:
            be -= 1
        word = lower[at]
        if lower[be] not in BE_FORMS | LINKING_AS_BE or be > 0 and (
                lower[be] == "'s" and lower[be - 1] not in PRONOUNS_BEFORE_IS
                or lower[be] == "am" and _a_number(lower[be - 1])):
            continue
        if (not word.isalpha() or word.endswith(PARTICIPLE_ENDINGS + ("in",))
                or word in irregular_verb_forms or word.endswith(_BASE_PARTICIPLE_ENDINGS)
                or word in TO_CONTRACTIONS | BEFORE_A_COMPLEMENT
                or any(w in PSEUDO_CLEFT_DO for w in lower[:be])):
            continue
        found.append(at)
    return found


#: Forms of be that open a yes/no question ("*Is* the pharmacy open on Sundays?"), at the
#: sentence's start or after a wh-word ("When *is* the library open?").
INVERTED_BE = frozenset("is are was were am isn't aren't wasn't weren't".split())
#: A question's subject after such a be: a pronoun, or a determiner or possessive, up to
#: INVERTED_SUBJECT_WORDS words the head tags ADJ and one it tags NOUN. A second noun may
#: open a relative clause without "that" ("What are the things *people* say", "Where is the
#: place *kids* play": their verbs are verbs; its breaker's), so such a subject is passed by.
_SUBJECT_PRONOUNS = frozenset("it he she they you we i this that".split())
_SUBJECT_DETERMINERS = frozenset(
    "the a an this that these those my your his her its our their".split())
INVERTED_SUBJECT_WORDS = 3


def after_inverted_subject_no_verb(words: Sequence[str], best: Sequence[str],
                                   base_verb: Callable[[str], bool]) -> list[int]:
    """Positions of the words right after the subject of a question opened by a form of be
    (INVERTED_BE, at the sentence's start or after a wh-word; "not" may follow it)
    that the head tags VERB (``best``: its best tag of each word, which also finds the
    subject) and that are a verb's base form and nothing else (``base_verb(word)``, lower
    case; not one of BASE_PARTICIPLES, be, have, do or a modal): "Is the pharmacy *open* on
    Sundays?", "Was the museum *open* on Monday?" (the head read a verb before "on
    Sundays": a fresh tester's). Be is then the copula, whose complement a bare verb never
    is; "Was the door *opened*", "Is the road *cut* off" are left to the head, and the
    declarative "The store is *open*" is :func:`after_copula_no_verb`'s. Hand-written."""
    lower = [w.casefold().replace("\u2019", "'") for w in words]
    found = []
    for be, form in enumerate(lower):
        if form not in INVERTED_BE or be > 0 and lower[be - 1] not in WH_WORDS \
                and any(c.isalnum() for c in lower[be - 1]):
            continue
        at = be + 1
        if at < len(words) and lower[at] in ("not", "n't"):
            at += 1
        if at < len(words) and lower[at] in _SUBJECT_PRONOUNS:
            at += 1
        elif at < len(words) and lower[at] in _SUBJECT_DETERMINERS:
            at, adjectives = at + 1, 0
            while at < len(words) and adjectives < INVERTED_SUBJECT_WORDS and \
                    best[at] == "ADJ" and lower[at].isalpha():
                at, adjectives = at + 1, adjectives + 1
            if at >= len(words) or best[at] != "NOUN":
                continue
            at += 1  # the subject's one noun
            if at < len(words) and best[at] == "NOUN":
                continue  # a second: a compound's head, or a relative clause's subject
        else:
            continue
        word = lower[at] if at < len(words) else ""
        if (best[at:at + 1] == ["VERB"] and word.isalpha() and word not in _NOT_A_BARE_VERB
                and not word.endswith(_BASE_PARTICIPLE_ENDINGS) and base_verb(word)):
            found.append(at)
    return found


def inverted_copula_no_bare_verb(words: Sequence[str], logp: np.ndarray,
                                 base_verb: Callable[[str], bool]) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, one sentence's tag log-probabilities) with
    each word of :func:`after_inverted_subject_no_verb` given VERB at most
    RULE_COPULA_NOT_VERB_PROBABILITY, the other tags the rest in their proportions. A new
    array where a row changes; ``logp`` itself otherwise."""
    out = logp
    best = [TAGS[int(i)] for i in np.argmax(logp, axis=1)] if len(words) else []
    for at in after_inverted_subject_no_verb(words, best, base_verb):
        out = _as_tag(out, logp, at, "VERB", RULE_COPULA_NOT_VERB_PROBABILITY)
    return out


#: An object noun phrase ("a"/"an" and a noun after a verb of its clause) takes no bare verb
#: after it: "The kids set up a lemonade *stand* on the corner" read the verb stand (the
#: head: VERB 0.83; a tester's). Only after a verb the head tags VERB with nothing between it
#: and the article but pronouns, particles, prepositions, adverbs and determiners (no
#: punctuation, conjunction or word of CLAUSE_OPENERS): "a NOUN" as a subject may take a
#: bare verb ("Once a week *water* the plants", "Kids with a cold *stay* home", "A couple
#: *live* next door", "I insist that a doctor *check* him": its breaker's), and so may an
#: object after a verb of OPENS_A_BARE_VERB (anywhere before the article: "let a child
#: *stand*", "I spotted a deer *cross* the road", "Does a brace *help*", "Can a dog
#: *swim*"). SemCor's gold tags of the words it reads (``scripts/pos_rule_counts.py``):
#: of 197, VERB 2 (1.0%: "If you want a picture *get* to", "found a bus *stop* sign"; be,
#: have, do and the modals, "a man *can* swim", are left alone).
#: Hand-written.
OPENS_A_BARE_VERB = frozenset("""
let lets letting make makes made making have has had having see sees saw seen seeing watch
watches watched watching hear hears heard hearing help helps helped helping bid feel feels
felt feeling notice notices noticed noticing spot spots spotted spotting observe observes
observed observing witness witnesses witnessed witnessing overhear overhears overheard
do does did doing can could will would shall should may might must 'll 'd
""".split())
CLAUSE_OPENERS = frozenset("""
that which who whom whose what where when while if because unless until although though
whether since as once so and or nor but
""".split())
_BETWEEN_VERB_AND_OBJECT = frozenset({"PRON", "PRT", "ADP", "ADV", "DET"})
_NOT_A_BARE_VERB = BE_FORMS | frozenset(
    "have has had do does did can could will would shall should may might must ought need dare"
    .split())
#: The VERB probability left to such a word: about SemCor's rate above.
RULE_AGREEMENT_NOT_VERB_PROBABILITY = 0.01


def article_noun_no_bare_verb(words: Sequence[str], logp: np.ndarray,
                              base_verb: Callable[[str], bool]) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, one sentence's tag log-probabilities) with
    each word right after "a"/"an" and a word the head tags NOUN given VERB at most
    RULE_AGREEMENT_NOT_VERB_PROBABILITY (the other tags the rest in their proportions) where
    ``base_verb(word)`` (lower case: WordNet reads it as a verb's base form and nothing
    else) holds, the word is not one of BASE_PARTICIPLES (a past too: "a policeman *put*
    it"), be, have, do or a modal ("a man *can* swim", "a soldier *need* not"), the
    article's noun phrase is its clause's object (:func:`_object_of_a_verb`) and no word of
    OPENS_A_BARE_VERB stands anywhere before the article. A new array where a row changes;
    ``logp`` itself otherwise."""
    out = logp
    lower = [w.casefold().replace("\u2019", "'") for w in words]
    best = [TAGS[int(i)] for i in np.argmax(logp, axis=1)] if len(words) else []
    for at in range(2, len(words)):
        article, word = at - 2, lower[at]
        if (lower[article] not in INDEFINITE_ARTICLES or best[at - 1] != "NOUN"
                or not word.isalpha() or word in BASE_PARTICIPLES | _NOT_A_BARE_VERB
                or not _object_of_a_verb(lower, best, article)
                or any(w in OPENS_A_BARE_VERB for w in lower[:article])
                or not base_verb(word)):
            continue
        if tag_probability(logp[at], "VERB") > RULE_AGREEMENT_NOT_VERB_PROBABILITY:
            out = _as_tag(out, logp, at, "VERB", RULE_AGREEMENT_NOT_VERB_PROBABILITY)
    return out


def _object_of_a_verb(lower: Sequence[str], best: Sequence[str], article: int) -> bool:
    """Whether a word the head tags VERB stands before ``article`` with only words tagged
    one of _BETWEEN_VERB_AND_OBJECT between ("set *up* a", "bought *her* a", "put *it in*
    a"), none of them punctuation or one of CLAUSE_OPENERS."""
    for at in range(article - 1, -1, -1):
        if best[at] == "VERB":
            return lower[at] not in CLAUSE_OPENERS
        if (lower[at] in CLAUSE_OPENERS or not any(c.isalnum() for c in lower[at])
                or best[at] not in _BETWEEN_VERB_AND_OBJECT):
            return False
    return False


#: Before these a sentence's first word that WordNet reads as a verb's base form is the
#: imperative's verb, no noun ("*Mind* your head", "*Brush* your teeth"). Possessives only:
#: before "the", "this" or "every" a noun opens everyday sentences as often ("*Lunch* this
#: Friday?", "*Work* the next day", "*Water* the color of tea": a breaker's 44 worse of 54
#: changed), and the head reads most imperatives there anyway ("*Park* the car").
IMPERATIVE_OBJECTS = frozenset("my your his her its our their".split())
#: Tokens after which a sentence opens within the words given (its end, an opening quote).
#: Not ":", ";" nor "Oh,", "Now,": "Reminder: *lunch* my treat", "Oh, *shame* your brother
#: couldn't come" open with nouns (a breaker's).
_OPENS_A_CLAUSE = frozenset('. ! ? " \u201c ``'.split())
#: The NOUN probability left to such a word, the rest given to VERB. SemCor's gold tags
#: (scripts/pos_rule_counts.py, ``imperative_no_noun``): of the 46 words the rule reaches,
#: 41 VERB, 3 ADP ("*Like* his friend"), 1 ADV and 1 NOUN, an imperative ("*Read* your daily
#: newspaper !"). Hand-written.
RULE_IMPERATIVE_NOT_NOUN_PROBABILITY = 0.01


def imperative_no_noun(words: Sequence[str], logp: np.ndarray,
                       base_verb: Callable[[str], bool]) -> np.ndarray:
    """``logp`` ((len(words), len(TAGS)) float, one sentence's tag log-probabilities) with a
    sentence's first word (the first word given, one after ".", "!", "?" or an opening
    quote: _OPENS_A_CLAUSE, or after "please" or "please,") given NOUN at most
    RULE_IMPERATIVE_NOT_NOUN_PROBABILITY, the rest of its NOUN probability moved to VERB,
    where a possessive (IMPERATIVE_OBJECTS) follows it and ``base_verb(word)`` (lower case:
    WordNet reads it as a verb's base form and nothing else in the verb) holds; be, have,
    do and the modals are left out. The head reads "Mind your head" NOUN 0.70: a capital
    opening the sentence, the word alone. A new array where a row changes; ``logp``
    otherwise."""
    out = logp
    lower = [w.casefold() for w in words]
    noun, verb = TAGS.index("NOUN"), TAGS.index("VERB")
    for at in range(len(words) - 1):
        opens = (at == 0 or lower[at - 1] in _OPENS_A_CLAUSE or lower[at - 1] == "please"
                 or at >= 2 and lower[at - 1] == "," and lower[at - 2] == "please")
        if (not opens or lower[at + 1] not in IMPERATIVE_OBJECTS or not lower[at].isalpha()
                or lower[at] in _NOT_A_BARE_VERB or not base_verb(lower[at])):
            continue
        row = np.exp(logp[at] - np.max(logp[at]))
        row = row / row.sum()
        if row[noun] <= RULE_IMPERATIVE_NOT_NOUN_PROBABILITY:
            continue
        if out is logp:
            out = np.array(logp, dtype=np.float64)
        row[verb] += row[noun] - RULE_IMPERATIVE_NOT_NOUN_PROBABILITY
        row[noun] = RULE_IMPERATIVE_NOT_NOUN_PROBABILITY
        out[at] = np.log(np.maximum(row, 1e-12))
    return out


def _a_number(word: str) -> bool:
    """Whether ``word`` (lower case) is an hour's number: digits (with a colon) or one to
    twelve in words, as before "am" meaning a.m."""
    return word.replace(":", "").isdigit() or word in _HOUR_WORDS


_HOUR_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve".split())


def _passive(words: Sequence[str], verb: int) -> bool:
    """Whether ``words[verb]``, not an -ing form, follows one of PASSIVE_FORMS within two
    words ("was *considered*", "Is that *considered*"): a passive, whose flat word is the
    subject's adjective."""
    if words[verb].casefold().endswith("ing"):
        return False
    return any(words[at].casefold() in PASSIVE_FORMS for at in range(max(0, verb - 2), verb))


def rule_tags(words: Sequence[str], logp: np.ndarray) -> np.ndarray:
    """The head's tag log-probabilities of one sentence ((len(words), len(TAGS)) float) with
    the hand-written rules applied where the head has no data to learn from:
    :func:`directional_adverbs`, :func:`polite_please`, :func:`determiner_no_adverb`,
    :func:`determiner_no_verb`, :func:`degree_adverb_no_noun`,
    :func:`object_pronoun_no_noun`, :func:`opening_thanks`, :func:`question_like`,
    :func:`article_nouns`, :func:`flat_adverbs`, :func:`days_from_now` and
    :func:`place_adverbs`."""
    return place_adverbs(words, days_from_now(words, flat_adverbs(words, article_nouns(
        words, question_like(words, opening_thanks(words, object_pronoun_no_noun(
            words, degree_adverb_no_noun(words, determiner_no_verb(
                words, determiner_no_adverb(words, polite_please(
                    words, directional_adverbs(words, logp))))))))))))


def tag_probability(row: np.ndarray, tag: str) -> float:
    """The probability of ``tag`` in one word's row of tag log-probabilities ((len(TAGS),)
    float), the row renormalized first (a rule may have changed it)."""
    shifted = np.exp(row - np.max(row))
    return float(shifted[TAGS.index(tag)] / shifted.sum())


def as_tag(logp: np.ndarray, at: int, tag: str, probability: float) -> np.ndarray:
    """A copy of ``logp`` ((n, len(TAGS)) float, one sentence's tag log-probabilities) whose
    row ``at`` gives ``tag`` ``probability``, the other tags the rest in their proportions:
    what the rules here do, for a rule written elsewhere (``retriever.names.capital_nouns``,
    which needs WordNet)."""
    return _as_tag(logp, logp, at, tag, probability)


def _as_adverb(out: np.ndarray, logp: np.ndarray, at: int) -> np.ndarray:
    """Row ``at`` of ``out`` made an adverb (:func:`_as_tag`)."""
    return _as_tag(out, logp, at, "ADV")


def _as_tag(out: np.ndarray, logp: np.ndarray, at: int, tag: str,
            probability: float = RULE_ADV_PROBABILITY) -> np.ndarray:
    """Row ``at`` of ``out`` given ``tag`` at ``probability``, the other tags sharing the
    rest in their proportions (evenly where the head gave them nothing); ``out`` copied
    first while it is ``logp``."""
    if out is logp:
        out = np.array(logp, dtype=np.float64)
    column = TAGS.index(tag)
    row = np.exp(out[at] - np.max(out[at]))
    row[column] = 0.0
    if row.sum() <= 0:  # the head was sure of ``tag``
        row[:] = 1.0
        row[column] = 0.0
    row = row / row.sum() * (1.0 - probability)
    row[column] = probability
    out[at] = np.log(np.maximum(row, 1e-12))
    return out


def _capped(out: np.ndarray, logp: np.ndarray, at: int, tags: Sequence[str],
            probability: float) -> np.ndarray:
    """Row ``at`` of ``out`` with each of ``tags`` above ``probability`` given
    ``probability``, the other tags sharing the rest in their proportions (evenly where
    they had nothing); ``out`` itself where none is above, copied first while it is
    ``logp``."""
    row = np.exp(out[at] - np.max(out[at]))
    row = row / row.sum()
    capped = np.zeros(len(row), bool)
    capped[[TAGS.index(t) for t in tags]] = True
    capped &= row > probability
    if not capped.any():
        return out
    if out is logp:
        out = np.array(logp, dtype=np.float64)
    rest = row[~capped]
    if rest.sum() <= 0:
        rest = np.ones_like(rest)
    row[~capped] = rest / rest.sum() * (1.0 - probability * capped.sum())
    row[capped] = probability
    out[at] = np.log(np.maximum(row, 1e-12))
    return out


def content_log_probabilities(logp: np.ndarray, tag_set: tuple[str, ...] = TAGS
                              ) -> np.ndarray:
    """Tag log-probabilities ((n_tags,) or (n, n_tags) float64, columns in ``tag_set``
    order) renormalized over the content tags NOUN VERB ADJ ADV: (4,) or (n, 4) float64."""
    rows = np.atleast_2d(np.asarray(logp, dtype=np.float64))
    sub = _log_softmax(rows[:, [tag_set.index(t) for t in CONTENT_TAGS]])
    return sub[0] if np.ndim(logp) == 1 else sub


def _column_stats(x: np.ndarray, chunk: int = 65536) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and standard deviation of (n, d) rows in float64, read in chunks
    (standard deviations under 1e-8 become 1)."""
    n = len(x)
    total = np.zeros(x.shape[1])
    for start in range(0, n, chunk):
        total += x[start:start + chunk].astype(np.float64).sum(axis=0)
    mean = total / n
    squares = np.zeros(x.shape[1])
    for start in range(0, n, chunk):
        squares += ((x[start:start + chunk].astype(np.float64) - mean) ** 2).sum(axis=0)
    scale = np.sqrt(squares / n)
    scale[scale < 1e-8] = 1.0
    return mean, scale


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
