"""The index manifest, typed: what an index records about how it was built.

The manifest is stored as key -> JSON rows of the ``manifest`` table (``ManifestRow``); this
module is the one place that knows its keys. Readers get a :class:`Manifest`; writers give
keys and values to ``IndexDirectory.set_manifest(session, key=value, ...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import IndexFormatError
from ..paths import same_model
from ..store import Normalizer, RunningStats

#: The encoder settings whose values must agree for vectors to be comparable.
COMPARED_KEYS = ("model", "dim", "layers", "layer_pooling", "piece_pooling", "dtype")


@dataclass(frozen=True)
class EncoderSettings:
    """How an index's vectors were computed (``Encoder.describe()``)."""

    model: str            # model name or path, e.g. 'sentence-transformers/all-MiniLM-L6-v2'
    dim: int              # vector width, e.g. 384
    layers: str           # 'last', 'last4' or '3,4,5,6' (``LayerSpec.describe``)
    layer_pooling: str    # 'mean' | 'sum' over the chosen layers
    piece_pooling: str = "mean"   # how word pieces make a word's vector
    num_layers: int | None = None
    max_length: int | None = None  # word pieces per window
    # the retrieval head every vector went through (``RetrievalHead.describe()``: sha256,
    # model, layers, path), None for an index built without one (sensedb.head)
    head: dict[str, Any] | None = None
    # the model's floating-point type: 'fp32' (an index from before the setting), 'bf16' or
    # 'fp16' (``Encoder(dtype=...)``); vectors of another dtype are refused like another model
    dtype: str = "fp32"
    # the model's weights as ``encoder.weights_fingerprint`` hashes them; None for an index
    # from before 2026-12-05 (nothing to compare: its model is known by name alone)
    weights: str | None = None
    # a local model directory's path from the index directory ("../models/mine"), where an
    # index moved with its project folder looks for it; None for a hub name or an older index
    model_from_index: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EncoderSettings:
        return cls(model=data["model"], dim=int(data["dim"]), layers=data["layers"],
                   layer_pooling=data["layer_pooling"],
                   piece_pooling=data.get("piece_pooling", "mean"),
                   num_layers=data.get("num_layers"), max_length=data.get("max_length"),
                   head=data.get("head"), dtype=data.get("dtype") or "fp32",
                   weights=data.get("weights"), model_from_index=data.get("model_from_index"))

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "dim": self.dim, "num_layers": self.num_layers,
                "layers": self.layers, "layer_pooling": self.layer_pooling,
                "piece_pooling": self.piece_pooling, "max_length": self.max_length,
                **({"dtype": self.dtype} if self.dtype != "fp32" else {}),
                **({"head": self.head} if self.head else {}),
                **({"weights": self.weights} if self.weights else {}),
                **({"model_from_index": self.model_from_index}
                   if self.model_from_index else {})}

    @property
    def head_sha256(self) -> str | None:
        """The SHA-256 of the retrieval head the index was built through, None without."""
        return (self.head or {}).get("sha256")

    def mismatch(self, other: dict[str, Any]) -> str | None:
        """The first compared setting where ``other`` (an ``Encoder.describe()``) differs, as
        ``"key=built, not other"``; None when they agree."""
        from ..encoder import canonical_layers

        mine = {**self.to_dict(), "dtype": self.dtype}
        mine["layers"] = canonical_layers(self.layers, self.num_layers)  # "6" is "last" of 6
        other = {**other, "layers": canonical_layers(str(other.get("layers")),
                                                     other.get("num_layers")),
                 "dtype": other.get("dtype") or "fp32"}
        theirs_weights = other.get("weights")
        same_weights = bool(self.weights and theirs_weights and self.weights == theirs_weights)
        for key in COMPARED_KEYS:
            # a model: one local directory however spelled or wherever moved ("models/mine",
            # its path, the project folder moved), as the same weights say
            same = (same_model(mine.get(key), other.get(key)) or same_weights
                    if key == "model" else mine.get(key) == other.get(key))
            if not same:
                return f"{key}={mine.get(key)!r}, not {other.get(key)!r}"
        if self.weights and theirs_weights and self.weights != theirs_weights:
            return (f"model {self.model!r} with weights {self.weights[:12]}, not "
                    f"{theirs_weights[:12]} (the model's files changed since the index was "
                    "built: give the model it was built with)")
        theirs = (other.get("head") or {}).get("sha256")
        if self.head_sha256 != theirs:
            def name(sha: str | None) -> str:
                return "no retrieval head" if sha is None else f"retrieval head {sha[:12]}"
            return (f"{name(self.head_sha256)}, where {name(theirs)} was asked for (an index "
                    "refuses vectors of another head; --no-head or --head DIR selects one)")
        return None


@dataclass(frozen=True)
class Manifest:
    """Everything the manifest table says about an index.

    ``generations``: the current FAISS file generation of each vector store (0: none written).
    ``segments``: the generations of the segments read beside each store's base (WordNet
    vectors added lemma by lemma, ``sensedb.store.segments``), oldest first; empty for most.
    ``folded_shards``: the sense sums include the tokens of every shard up to this id; None
    for an index from before folding (its chunks folded their sums as they went: wholly
    folded, and the next fold records the mark).
    ``scoring``: the evidence weights the index answers with (``{"corpus": {feature: w},
    "wordnet_only": {...}}``), None for the package's defaults.
    ``similarity``: fitted similarity parameters stored in the index, None if none.
    ``extra``: keys this version does not know (kept, never interpreted).
    """

    format_version: int
    encoder: EncoderSettings
    standardize: bool
    inventory: str
    stats: RunningStats
    versions: dict[str, str] = field(default_factory=dict)
    created: float = 0.0
    generations: dict[str, int] = field(default_factory=dict)
    segments: dict[str, list[int]] = field(default_factory=dict)
    folded_shards: int | None = 0
    scoring: dict[str, dict[str, float]] | None = None
    similarity: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    _KNOWN = ("format_version", "encoder", "standardize", "inventory", "stats", "versions",
              "created", "generation", "generations", "segments", "folded_shards", "scoring",
              "similarity")

    @classmethod
    def from_entries(cls, entries: dict[str, Any], stores: tuple[str, ...],
                     where: str = "index") -> Manifest:
        """The manifest from the table's key -> value entries. ``stores``: the names of the
        vector stores (each gets a generation, 0 when none is recorded).

        Raises:
            IndexFormatError: a required key is missing or malformed (names ``where``)."""
        try:
            # indexes written before per-store generations kept one "generation" for the
            # token and sense stores; an index with no "folded_shards" is wholly folded
            generations = {name: 0 for name in stores}
            generations.update({name: int(entries.get("generation", 0))
                                for name in stores[:2]})
            generations.update({k: int(v) for k, v in (entries.get("generations") or {}).items()})
            return cls(
                format_version=int(entries["format_version"]),
                encoder=EncoderSettings.from_dict(entries["encoder"]),
                standardize=bool(entries["standardize"]),
                inventory=str(entries["inventory"]),
                stats=RunningStats.from_json(entries["stats"]),
                versions=dict(entries.get("versions") or {}),
                created=float(entries.get("created") or 0.0),
                generations=generations,
                segments={k: [int(g) for g in v] for k, v in
                          (entries.get("segments") or {}).items() if v},
                folded_shards=(None if entries.get("folded_shards") is None
                               else int(entries["folded_shards"])),
                scoring=entries.get("scoring"),
                similarity=entries.get("similarity"),
                extra={k: v for k, v in entries.items() if k not in cls._KNOWN},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexFormatError(f"{where}: the manifest is damaged ({type(exc).__name__}: "
                                   f"{exc}); rebuild the index") from None

    def store_files(self, name: str) -> list[int]:
        """The generations whose files make store ``name`` now: its base (when written) and
        its segments."""
        base = self.generations.get(name, 0)
        return ([base] if base else []) + list(self.segments.get(name, []))

    def last_generation(self) -> int:
        """The highest generation any store or segment uses (a new one must be above it)."""
        return max([0, *self.generations.values(), *(g for gs in self.segments.values()
                                                      for g in gs)])

    def normalizer(self) -> Normalizer:
        """The map from raw encoder vectors into this index's space (z-score if the index is
        standardized, then L2 normalization)."""
        return Normalizer(self.stats, self.standardize)

    def zscore_normalizer(self) -> Normalizer:
        """The z-score with this index's corpus statistics, whether or not the index itself is
        standardized (then L2 normalization)."""
        return Normalizer(self.stats, True)
