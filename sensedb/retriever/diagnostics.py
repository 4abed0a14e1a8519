"""Anisotropy diagnostics of an index's vector space.

Contextual token vectors are anisotropic: two random tokens of unrelated sentences have a large
expected cosine (Ethayarajh 2019, "How contextual are contextualized word representations?"),
and a handful of *rogue dimensions* carry most of it (Timkey & van Schijndel 2021, "All bark
and no bite"). Both hurt a cosine that should tell senses apart; z-scoring every dimension
with the corpus mean and deviation (``sensedb index --standardize``) removes them.

:func:`anisotropy` measures both for every layer of the index's model and for the index's own
representation, on a sample of the index's sentences encoded once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..corpora.tokenize import tokenize
from ..encoder import Encoder, LayerSpec
from ..errors import InputError
from ..store import Normalizer, RunningStats
from .queries import sentence_ids, sentence_texts

if TYPE_CHECKING:
    from .index import SenseIndex

ROGUE_TOP = 5
_CHUNK = 4096  # pairs per block when summing products (bounds memory)


def anisotropy(index: SenseIndex, *, sample_sentences: int = 300, pairs: int = 20000,
               seed: int = 0) -> dict[str, Any]:
    """Expected cosine of random token pairs and the rogue dimensions, layer by layer.

    ``sample_sentences`` sentences are drawn from the index's database (reproducibly with
    ``seed``) and every word of them is encoded once, all layers from one forward pass.
    ``pairs`` random pairs of tokens from *different* sentences give, per representation:

    - ``cosine``: their mean cosine (Ethayarajh 2019);
    - ``cosine_standardized``: the same after z-scoring each dimension (the index's stored
      statistics for the index's own representation, the sample's for the layers; dimensions
      with ~zero deviation are zeroed, never divided by ~0);
    - ``rogue_dimensions``: the ``5`` dimensions with the largest contribution
      ``E[u_i v_i / (|u| |v|)]`` to the raw expected cosine (Timkey & van Schijndel 2021),
      each with its ``share``: contribution / sum of |contributions| over all dimensions
      (so the shares of any set of dimensions sum to at most 1).

    Representations: ``layer0`` (input embeddings) ... ``layerL``, ``last4`` (mean of the last
    four layers) and ``index (SPEC)``, the index's own layer setting.
    """
    if sample_sentences < 2:
        raise InputError("sample at least 2 sentences (pairs come from different sentences)")
    if pairs < 1:
        raise InputError("ask for at least 1 pair")
    rng = np.random.default_rng(seed)
    texts = _sample_sentences(index, sample_sentences, rng)
    words = [text.split() for text in texts]
    words = [w for w in words if w]
    if len(words) < 2:
        raise InputError(f"{index.directory.path}: the index holds fewer than 2 sentences; "
                         "nothing to compare")

    encoder = index.encoder
    own = encoder.layer_spec
    specs: dict[str, str | LayerSpec] = {
        f"layer{i}": str(i) for i in range(encoder.num_layers + 1)}
    specs["last4"] = LayerSpec((-4, -3, -2, -1), own.pooling)
    own_name = f"index ({own.describe()})"
    specs[own_name] = own
    encoded = encoder.word_vectors_multi(words, specs)

    sentence_of = np.repeat(np.arange(len(words)), [len(w) for w in words])
    first, second = _pairs(sentence_of, pairs, rng)

    own_normalizer = index.normalizer
    if not own_normalizer.standardize:  # an unstandardized index still has its statistics
        own_normalizer = index.manifest.zscore_normalizer()

    layers = []
    for name in specs:
        matrix = np.concatenate(encoded[name]).astype(np.float32)
        if name == own_name and own_normalizer.standardize:
            standardizer = own_normalizer
        else:
            stats = RunningStats.empty(matrix.shape[1])
            stats.update(matrix)
            standardizer = Normalizer(stats, True)
        layers.append(_measure(name, matrix, standardizer, first, second))
    return {
        "index": str(index.directory.path),
        "model": index.manifest.encoder.model,
        "representation": own.describe(),
        "standardized_index": index.manifest.standardize,
        "sentences": len(words),
        "tokens": int(len(sentence_of)),
        "pairs": int(len(first)),
        "seed": seed,
        "layers": layers,
    }


def _sample_sentences(index: SenseIndex, n: int, rng: np.random.Generator) -> list[str]:
    """The texts of ``n`` sentences drawn without replacement (all when fewer), by id."""
    ids = np.asarray(sentence_ids(index.directory.db), dtype=np.int64)
    if len(ids) > n:
        ids = np.sort(rng.choice(ids, size=n, replace=False))
    chosen = [int(i) for i in ids]
    texts = sentence_texts(index.directory.db, chosen)
    return [texts[i] for i in chosen]


def _pairs(sentence_of: np.ndarray, n: int,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random token pairs (with replacement) whose tokens lie in different sentences."""
    total = len(sentence_of)
    first, second = [], []
    have = 0
    for _ in range(1000):
        a = rng.integers(0, total, size=2 * (n - have) + 16)
        b = rng.integers(0, total, size=len(a))
        keep = sentence_of[a] != sentence_of[b]
        first.append(a[keep])
        second.append(b[keep])
        have += int(keep.sum())
        if have >= n:
            break
    return np.concatenate(first)[:n], np.concatenate(second)[:n]


def _unit(matrix: np.ndarray) -> np.ndarray:
    x = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def _contributions(unit: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Per-dimension mean of u_i v_i over the pairs (they sum to the mean cosine)."""
    total = np.zeros(unit.shape[1])
    for start in range(0, len(first), _CHUNK):
        a, b = first[start:start + _CHUNK], second[start:start + _CHUNK]
        total += (unit[a] * unit[b]).sum(0)
    return total / max(len(first), 1)


def _measure(name: str, matrix: np.ndarray, standardizer: Normalizer, first: np.ndarray,
             second: np.ndarray) -> dict[str, Any]:
    contributions = _contributions(_unit(matrix), first, second)
    standardized = _contributions(_unit(standardizer(matrix)), first, second)
    magnitude = float(np.abs(contributions).sum())
    top = np.argsort(-contributions, kind="stable")[:ROGUE_TOP]
    return {
        "layer": name,
        "cosine": round(float(contributions.sum()), 6),
        "cosine_standardized": round(float(standardized.sum()), 6),
        "rogue_dimensions": [
            {"dim": int(d), "contribution": round(float(contributions[d]), 6),
             "share": round(float(contributions[d]) / magnitude, 4) if magnitude > 0 else 0.0}
            for d in top],
        "zeroed_dimensions": [int(d) for d in standardizer.dead_dimensions],
    }


def format_anisotropy(report: dict[str, Any]) -> str:
    """A readable table of :func:`anisotropy`'s result."""
    lines = [
        f"{report['index']}: {report['sentences']} sentences, {report['tokens']} tokens, "
        f"{report['pairs']} random pairs of tokens from different sentences",
        "expected cosine (Ethayarajh 2019) raw and after z-scoring each dimension; rogue "
        "dimensions (Timkey & van Schijndel 2021): dim (share of the summed |contributions|)",
        "",
        f"{'representation':<16}{'cosine':>8}{'z-scored':>10}   rogue dimensions",
    ]
    for layer in report["layers"]:
        rogue = "  ".join(f"{d['dim']} ({d['share']:.2f})" for d in layer["rogue_dimensions"])
        zeroed = layer["zeroed_dimensions"]
        note = f"   [zeroed {len(zeroed)}: {', '.join(map(str, zeroed[:5]))}]" if zeroed else ""
        lines.append(f"{layer['layer']:<16}{layer['cosine']:>8.3f}"
                     f"{layer['cosine_standardized']:>10.3f}   {rogue}{note}")
    own = "standardized" if report["standardized_index"] else "not standardized"
    lines.append("")
    lines.append(f"the index uses {report['representation']} ({own}); its z-scoring uses the "
                 "index's stored statistics, the layers' use the sample's")
    return "\n".join(lines)


def attention_keywords(sentence: str | list[str], encoder: Encoder | None = None
                       ) -> list[dict[str, Any]]:
    """The words of ``sentence`` (raw text, tokenized by :func:`sensedb.tokenize`, or a list
    of words) ranked by the attention they receive in the model's last layer
    (:meth:`Encoder.attention_received`; scores sum to 1), best first, each
    ``{"word", "position", "score"}``."""
    words = tokenize(sentence) if isinstance(sentence, str) else list(sentence)
    if not words:
        raise InputError("empty sentence")
    scores = (encoder or Encoder()).attention_received(words)
    order = sorted(range(len(words)), key=lambda i: (-scores[i], i))
    return [{"word": words[i], "position": i, "score": round(float(scores[i]), 6)}
            for i in order]
