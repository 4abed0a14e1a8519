"""Retrieval heads: small trained maps on the frozen encoder's vectors.

A head is two (dim, dim) float32 matrices: ``word`` maps every word vector the encoder
outputs (usages, labelled corpus tokens, WordNet example tokens) and ``sentence`` maps every
sentence vector (glosses, whole sentences). They are trained on a sense-labelled corpus
(``sensedb train-head``; ``scripts/train_head.py`` for the shipped one) so that a usage's
vector is nearest to its gold sense's vectors among the lemma's candidates. The index stays a
vector database: sense, gloss and example vectors are computed through the head and stored in
FAISS; a query is one forward pass, the map, and an inner-product search.

A head file is an ``.npz`` (``word``, ``sentence``) with a JSON record beside it (same stem,
``.json``): model, layers, the scoring formulas it was trained with, and its provenance
(data, command, seed, date, git commit). Its identity is the SHA-256 of the two arrays
(:attr:`RetrievalHead.sha256`), which an index manifest records: an index refuses vectors of
another head. The head of the default model ships in the package
(``sensedb/data/head_all-MiniLM-L6-v2.npz``) and is used by default with that model.
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

__all__ = ["FORMAT", "RetrievalHead", "default_head", "default_head_path", "load_head"]

FORMAT = "sensedb-retrieval-head/1"
DEFAULT_HEAD_FILE = "head_all-MiniLM-L6-v2.npz"
#: The model the shipped head was trained for.
DEFAULT_HEAD_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
HEAD_FILE = "head.npz"  # the file inside a head directory
_MAX_BYTES = 32 << 20


@dataclass(eq=False)
class RetrievalHead:
    """Linear maps applied to the encoder's vectors (row vectors: ``x @ word``).

    ``word``, ``sentence``: (dim, dim) float32; ``model``: the encoder model it was trained
    for; ``layers``: the layer spec of the word vectors it maps (``"last"``); ``scoring``:
    the evidence formulas trained with it (``{"corpus": {feature: w}, "wordnet_only":
    {...}}``, the manifest's ``scoring`` of an index built through it) or None;
    ``provenance``: JSON-able record of data, command, seed, date, commit."""

    word: np.ndarray
    sentence: np.ndarray
    model: str
    layers: str = "last"
    scoring: dict | None = None
    provenance: dict = field(default_factory=dict)
    source: str | None = None  # the file it was read from (None: made in memory)

    def __post_init__(self) -> None:
        self.word = np.ascontiguousarray(self.word, dtype=np.float32)
        self.sentence = np.ascontiguousarray(self.sentence, dtype=np.float32)
        dim = self.word.shape[0] if self.word.ndim == 2 else -1
        if self.word.shape != (dim, dim) or self.sentence.shape != (dim, dim):
            raise ConfigurationError(f"retrieval head shapes {self.word.shape} and "
                                     f"{self.sentence.shape}: want two square (dim, dim) maps")
        if not (np.isfinite(self.word).all() and np.isfinite(self.sentence).all()):
            raise ConfigurationError("retrieval head has non-finite weights")

    @property
    def dim(self) -> int:
        return int(self.word.shape[0])

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the two maps' float32 bytes: the identity an index records."""
        digest = hashlib.sha256()
        digest.update(self.word.tobytes())
        digest.update(self.sentence.tobytes())
        return digest.hexdigest()

    def words(self, vectors: np.ndarray) -> np.ndarray:
        """Word vectors through the head: (n, dim) float32 -> (n, dim) float32."""
        return np.asarray(vectors, dtype=np.float32) @ self.word

    def sentences(self, vectors: np.ndarray) -> np.ndarray:
        """Sentence vectors through the head, (n, dim) float32; rows that were unit length
        (the model normalizes its sentence vectors) are L2-normalized again."""
        vectors = np.asarray(vectors, dtype=np.float32)
        out = vectors @ self.sentence
        norms = np.linalg.norm(vectors, axis=1)
        unit = np.abs(norms - 1.0) < 1e-3
        if unit.any():
            out[unit] /= np.maximum(np.linalg.norm(out[unit], axis=1, keepdims=True), 1e-12)
        return out

    def describe(self) -> dict:
        """What an index manifest records about the head (``sha256`` is compared)."""
        described = {"sha256": self.sha256, "model": self.model, "layers": self.layers}
        if self.source and Path(self.source) != default_head_path():
            described["path"] = str(Path(self.source).resolve())
        return described

    def check_encoder(self, model: str, dim: int, layers: str) -> None:
        """Raises ConfigurationError when the head was trained for another encoder."""
        if dim != self.dim or model != self.model or layers != self.layers:
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
        record = {"format": FORMAT, "model": self.model, "layers": self.layers,
                  "scoring": self.scoring, "provenance": self.provenance}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in (("word", self.word), ("sentence", self.sentence),
                                ("record", np.frombuffer(json.dumps(record, sort_keys=True)
                                                         .encode(), dtype=np.uint8))):
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
            source = source / HEAD_FILE
        try:
            if source.stat().st_size > _MAX_BYTES:
                raise ConfigurationError(f"{source}: {source.stat().st_size} bytes is too "
                                         "large for a retrieval head")
            with np.load(source, allow_pickle=False) as data:
                record = json.loads(bytes(data["record"]).decode())
                word, sentence = data["word"], data["sentence"]
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ConfigurationError(f"{source}: not a readable retrieval head "
                                     f"({type(exc).__name__}: {exc})") from None
        if record.get("format") != FORMAT:
            raise ConfigurationError(f"{source}: format {record.get('format')!r}, this "
                                     f"sensedb reads {FORMAT!r}")
        return cls(word, sentence, model=str(record["model"]), layers=str(record["layers"]),
                   scoring=record.get("scoring"), provenance=record.get("provenance") or {},
                   source=str(source))


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
