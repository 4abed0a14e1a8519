"""Retrieval heads: small trained maps on the frozen encoder's vectors.

A head has up to four parts, each optional (absent: identity): ``word``, a (dim, dim) float32
matrix that maps every word vector the encoder outputs (usages, labelled corpus tokens,
WordNet example tokens); ``sentence``, one that maps every sentence vector (glosses, whole
sentences); ``layer``, trained weights of the encoder's last transformer layer
(:mod:`sensedb.head.layer`), rerun on the hidden states of the layer below to give the word
vectors (one extra layer per forward pass; sentence vectors stay the model's); and
``adapter``, low-rank updates of the transformer's linear layers merged into the model when
an encoder loads (:mod:`sensedb.head.adapter`: every vector, word or sentence, comes from the
adapted model; no extra cost per query). They are trained on a sense-labelled corpus
(``sensedb train-head`` for linear maps or adapters; ``scripts/train_last_layer.py`` for a
layer; ``scripts/train_adapter_head.py`` for the measured adapter runs) so that a usage's
vector is nearest to its gold sense's vectors among the lemma's candidates. The index stays a
vector database: sense, gloss and example vectors are computed through the head and stored in
FAISS; a query is one forward pass, the map, and an inner-product search.

A head file is an ``.npz`` (``word``, ``sentence``, ``layer.<parameter>``,
``adapter.<module>.A``/``.B``: those present)
with a JSON record beside it (same stem, ``.json``): model, layers, the scoring formulas it was
trained with (``{family: {feature: weight}}`` by feature name, so features appended to
``scoring.FEATURES`` later get weight 0), and its provenance (data, command, seed, date, git
commit). Its identity is the SHA-256 of its arrays (:attr:`RetrievalHead.sha256`), which an
index manifest records: an index refuses vectors of another head. A head shipped in the
package for the default model (``sensedb/data/head_all-MiniLM-L6-v2.npz``) is used by
default with that model.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np

from ..errors import ConfigurationError
from ..paths import same_model

__all__ = ["FORMAT", "RetrievalHead", "default_head", "default_head_path", "load_head"]

FORMAT = "sensedb-retrieval-head/3"
#: /1: linear maps only; /2: a last layer too; /3: an adapter too
READS = ("sensedb-retrieval-head/1", "sensedb-retrieval-head/2", FORMAT)
DEFAULT_HEAD_FILE = "head_all-MiniLM-L6-v2.npz"
#: The model the shipped head was trained for.
DEFAULT_HEAD_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
HEAD_FILE = "head.npz"  # the file inside a head directory
_MAX_BYTES = 32 << 20


@dataclass(eq=False)
class RetrievalHead:
    """Trained maps applied to the encoder's vectors (row vectors: ``x @ word``).

    ``word``, ``sentence``: (dim, dim) float32 or None (identity); ``layer``: trained
    parameters of the encoder's last transformer layer by ``state_dict`` name
    (:data:`sensedb.head.layer.LAYER_KEYS`; float16 or float32; a parameter left out is the
    model's own) or None; ``model``: the encoder model it was trained for; ``layers``: the
    layer spec of the word vectors it maps (``"last"``); ``scoring``: the evidence formulas
    trained with it (``{"corpus": {feature: w}, "wordnet_only": {...}}``, the manifest's
    ``scoring`` of an index built through it) or None; ``provenance``: JSON-able record of
    data, command, seed, date, commit. ``adapter``: low-rank updates by module name
    (``<module>.A`` (r, in), ``<module>.B`` (out, r) float32; :mod:`sensedb.head.adapter`)
    or None, merged as ``W + adapter_scale * B @ A``. ``similarity``: the in-context
    similarity parameters fitted on the head's own vectors, by formula family
    (``{"wordnet_only": {"params": SimilarityParams.to_dict(), "provenance": {...}}}``: an
    index built through the head answers ``similarity`` with them where it stores none of
    its own; :func:`sensedb.similarity.params.resolve_params`) or None. Neither ``scoring``
    nor ``similarity`` is part of :attr:`sha256` (the vectors' identity)."""

    word: np.ndarray | None
    sentence: np.ndarray | None
    model: str
    layers: str = "last"
    scoring: dict | None = None
    provenance: dict = field(default_factory=dict)
    source: str | None = None  # the file it was read from (None: made in memory)
    layer: dict[str, np.ndarray] | None = None
    adapter: dict[str, np.ndarray] | None = None
    adapter_scale: float = 1.0
    similarity: dict | None = None

    def __post_init__(self) -> None:
        maps = [m for m in (self.word, self.sentence) if m is not None]
        if not maps and not self.layer and not self.adapter:
            raise ConfigurationError("retrieval head has no map, no layer and no adapter")
        if self.adapter:
            self.adapter = {str(k): np.ascontiguousarray(v, dtype=np.float32)
                            for k, v in sorted(self.adapter.items())}
            from .adapter import adapter_modules  # numpy only at this point

            adapter_modules(self.adapter)
            if not np.isfinite(self.adapter_scale):
                raise ConfigurationError("retrieval head adapter scale is not finite")
        if self.layer:
            self.layer = {str(k): np.ascontiguousarray(v) for k, v in sorted(self.layer.items())}
            if any(v.dtype not in (np.float16, np.float32) for v in self.layer.values()):
                raise ConfigurationError("retrieval head layer weights must be float16/32")
        if self.layer:
            dim = self._layer_dim()
        elif maps:
            dim = maps[0].shape[0] if maps[0].ndim else -1
        else:
            dim = self._adapter_dim()
        for name in ("word", "sentence"):
            value = getattr(self, name)
            if value is None:
                continue
            value = np.ascontiguousarray(value, dtype=np.float32)
            setattr(self, name, value)
            if value.shape != (dim, dim):
                raise ConfigurationError(f"retrieval head {name} map of shape {value.shape}: "
                                         f"want a square ({dim}, {dim}) map")
        arrays = [m for m in (self.word, self.sentence) if m is not None]
        arrays += list((self.layer or {}).values()) + list((self.adapter or {}).values())
        if not all(np.isfinite(a).all() for a in arrays):
            raise ConfigurationError("retrieval head has non-finite weights")
        self._dim = int(dim)

    def _layer_dim(self) -> int:
        for name, value in self.layer.items():
            if value.ndim == 1 or (value.ndim == 2 and name.endswith(".weight")):
                return int(value.shape[0])
        raise ConfigurationError("retrieval head layer has no usable parameter")

    def _adapter_dim(self) -> int:
        """The model width an adapter fits: the input width of its attention query maps
        (the first module's A when it has none)."""
        keys = [k for k in self.adapter if k.endswith("attention.self.query.A")]
        return int(self.adapter[keys[0] if keys else sorted(self.adapter)[0]].shape[1])

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the maps' float32 bytes, then each layer parameter's name and
        bytes in name order, then (an adapter head) its scale and each adapter array's name
        and bytes in name order: the identity an index records."""
        digest = hashlib.sha256()
        for matrix in (self.word, self.sentence):
            if matrix is not None:
                digest.update(matrix.tobytes())
        for name, value in (self.layer or {}).items():
            digest.update(f"{name}:{value.dtype.str}:{value.shape}".encode())
            digest.update(value.tobytes())
        if self.adapter:
            digest.update(f"adapter_scale:{float(self.adapter_scale)!r}".encode())
            for name, value in self.adapter.items():
                digest.update(f"adapter.{name}:{value.dtype.str}:{value.shape}".encode())
                digest.update(value.tobytes())
        return digest.hexdigest()

    def words(self, vectors: np.ndarray) -> np.ndarray:
        """Word vectors through the head's word map: (n, dim) float32 -> (n, dim) float32
        (the same array when there is no map: the layer, if any, already made them)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        return vectors if self.word is None else vectors @ self.word

    def sentences(self, vectors: np.ndarray) -> np.ndarray:
        """Sentence vectors through the head, (n, dim) float32; rows that were unit length
        (the model normalizes its sentence vectors) are L2-normalized again."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if self.sentence is None:
            return vectors
        out = vectors @ self.sentence
        norms = np.linalg.norm(vectors, axis=1)
        unit = np.abs(norms - 1.0) < 1e-3
        if unit.any():
            out[unit] /= np.maximum(np.linalg.norm(out[unit], axis=1, keepdims=True), 1e-12)
        return out

    def bind(self, model):
        """Fit the head to ``model`` (a transformers BERT-like model, freshly loaded: an
        adapter is merged into its weights, in place) and return the last-layer hook: a
        :class:`sensedb.head.layer.LastLayer`, or None for a head without a layer.

        Raises:
            ConfigurationError: the layer's parameters or the adapter's do not fit the
                model."""
        if self.adapter:
            from .adapter import merge_adapter  # torch: only when an encoder binds it

            merge_adapter(model, self.adapter, self.adapter_scale)
        if not self.layer:
            return None
        from .layer import LastLayer  # torch: only when an encoder binds a layer head

        return LastLayer(model, self.layer)

    def describe(self) -> dict:
        """What an index manifest records about the head (``sha256`` is compared)."""
        described = {"sha256": self.sha256, "model": self.model, "layers": self.layers}
        if self.source and Path(self.source) != default_head_path():
            described["path"] = str(Path(self.source).resolve())
        return described

    def check_encoder(self, model: str, dim: int, layers: str) -> None:
        """Raises ConfigurationError when the head was trained for another encoder."""
        if dim != self.dim or not same_model(model, self.model) or layers != self.layers:
            raise ConfigurationError(
                f"retrieval head trained for {self.model!r} (layers {self.layers}, {self.dim} "
                f"dims), not {model!r} (layers {layers}, {dim} dims): train one for this model "
                "with `sensedb train-head`, or give --no-head")

    # ------------------------------------------------------------------ files
    def save(self, path: str | PathLike[str]) -> Path:
        """Write ``path`` (a ``.npz`` file, or a directory that gets ``head.npz``) and its
        ``.json`` record; byte-identical for equal heads (fixed zip dates). Returns the npz."""
        target = Path(path)
        if target.suffix != ".npz":
            target = target / HEAD_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        record = {"format": FORMAT if self.adapter else READS[1] if self.layer else READS[0],
                  "model": self.model, "layers": self.layers, "scoring": self.scoring,
                  "provenance": self.provenance}
        if self.adapter:
            record["adapter_scale"] = float(self.adapter_scale)
        if self.similarity:
            record["similarity"] = self.similarity
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            arrays = [(n, a) for n, a in (("word", self.word), ("sentence", self.sentence))
                      if a is not None]
            arrays += [(f"layer.{n}", a) for n, a in (self.layer or {}).items()]
            arrays += [(f"adapter.{n}", a) for n, a in (self.adapter or {}).items()]
            arrays.append(("record", np.frombuffer(json.dumps(record, sort_keys=True)
                                                   .encode(), dtype=np.uint8)))
            for name, array in arrays:
                data = io.BytesIO()
                np.save(data, array, allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data.getvalue())
        target.write_bytes(buffer.getvalue())
        side = {**record, "file": target.name, "sha256": self.sha256,
                "file_bytes": target.stat().st_size}
        target.with_suffix(".json").write_text(json.dumps(side, indent=1) + "\n")
        return target

    @classmethod
    def load(cls, path: str | PathLike[str]) -> RetrievalHead:
        """Read a head file (or a directory holding ``head.npz``).

        Raises:
            ConfigurationError: missing, too large, not a head file, or damaged (names it)."""
        source = Path(path)
        if source.is_dir():
            if not (source / HEAD_FILE).exists():
                raise ConfigurationError(f"{source}: no {HEAD_FILE} in this directory (a "
                                         "retrieval head is a directory from `sensedb "
                                         "train-head`, or its .npz)")
            source = source / HEAD_FILE
        try:
            if source.stat().st_size > _MAX_BYTES:
                raise ConfigurationError(f"{source}: {source.stat().st_size} bytes is too "
                                         "large for a retrieval head")
            if not zipfile.is_zipfile(source):  # else numpy's message: "pickled data" ...
                raise ConfigurationError(f"{source}: not a retrieval head (an .npz file from "
                                         "`sensedb train-head`)")
            with np.load(source, allow_pickle=False) as data:
                if "record" not in data.files:
                    raise ConfigurationError(f"{source}: not a retrieval head (an .npz without "
                                             "a head's record; heads come from `sensedb "
                                             "train-head`)")
                record = json.loads(bytes(data["record"]).decode())
                word = data["word"] if "word" in data.files else None
                sentence = data["sentence"] if "sentence" in data.files else None
                layer = {name[len("layer."):]: data[name] for name in data.files
                         if name.startswith("layer.")}
                adapter = {name[len("adapter."):]: data[name] for name in data.files
                           if name.startswith("adapter.")}
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ConfigurationError(f"{source}: not a readable retrieval head "
                                     f"({type(exc).__name__}: {exc})") from None
        if record.get("format") not in READS:
            raise ConfigurationError(f"{source}: format {record.get('format')!r}, this "
                                     f"sensedb reads {' and '.join(map(repr, READS))}")
        return cls(word, sentence, model=str(record["model"]), layers=str(record["layers"]),
                   scoring=record.get("scoring"), provenance=record.get("provenance") or {},
                   source=str(source), layer=layer or None, adapter=adapter or None,
                   adapter_scale=float(record.get("adapter_scale", 1.0)),
                   similarity=record.get("similarity") or None)


def default_head_path() -> Path:
    """The head shipped for the default model (``sensedb/data/head_all-MiniLM-L6-v2.npz``)."""
    from importlib.resources import files

    return Path(str(files("sensedb") / "data" / DEFAULT_HEAD_FILE))


_DEFAULT: list[RetrievalHead] = []


def default_head() -> RetrievalHead | None:
    """The shipped head (read once per process), None when the package has none."""
    if not _DEFAULT:
        path = default_head_path()
        if not path.exists():
            return None
        _DEFAULT.append(RetrievalHead.load(path))
    return _DEFAULT[0]


def load_head(spec: str | PathLike[str] | RetrievalHead | None, *, model: str,
              layers: str) -> RetrievalHead | None:
    """The head an encoder of ``model``/``layers`` uses: ``"auto"`` the shipped head when
    it fits (the default model, last layer), else none; ``None``/``"none"`` none; a path a
    head file or directory; a head as it is.

    Raises:
        ConfigurationError: an unreadable head file, or one trained for another encoder."""
    if spec is None or (isinstance(spec, str) and spec.lower() in ("none", "no", "")):
        return None
    if isinstance(spec, str) and spec.lower() == "auto":
        head = default_head()
        if head is None or head.model != model or head.layers != layers:
            return None
        return head
    head = spec if isinstance(spec, RetrievalHead) else RetrievalHead.load(spec)
    return head


def head_for_manifest(recorded: dict | None, *, path_hint: str | None = None
                      ) -> RetrievalHead | None:
    """The head an index was built with, from its manifest's ``head`` entry: the shipped
    head when the hashes agree, else the file the entry names (``path``) when its hash agrees.

    Raises:
        ConfigurationError: the head cannot be found (names its hash)."""
    if not recorded:
        return None
    wanted = recorded.get("sha256")
    shipped = default_head()
    if shipped is not None and shipped.sha256 == wanted:
        return shipped
    for where in (recorded.get("path"), path_hint):
        if where and Path(where).exists():
            head = RetrievalHead.load(where)
            if head.sha256 == wanted:
                return head
    raise ConfigurationError(
        f"the index was built with retrieval head {str(wanted)[:12]}... (file "
        f"{recorded.get('path') or 'unknown'}), which is not found here: give it with --head")
