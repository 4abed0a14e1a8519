"""Parameters of the similarity methods: what they are, where they come from, their JSON.

Everything fitted for in-context similarity (temperatures, mixture weights, the combined
method's logistic regression, each method's threshold) is one :class:`SimilarityParams`.
Which parameters a query uses, first found (:func:`resolve_params`):

1. ``params=``: an object, or a JSON file written by :func:`save_params` (e.g. by
   ``sensedb evaluate-wic ... --train DATA GOLD --save FILE``);
2. the index manifest's key ``"similarity"`` (:func:`store_params_in_index`);
   then the parameters the index's retrieval head carries for its family (:func:`head_params`);
3. the built-in parameters of the index's family (:func:`builtin_params`), read from the
   package data file ``sensedb/data/similarity_params.json``: one set for indexes with
   labelled corpus tokens (``"corpus"``, fitted on a SemCor index) and one for the
   WordNet-only ones (``"wordnet_only"``, fitted on the default index), the families of the
   WSD scoring formulas (``sensedb.retriever.scoring.weights_for``). The two kinds of index
   give the regression's features other ranges: a WordNet-only index has no nearest labelled
   usages and its WSD probabilities come from another formula, so one set fitted on a
   SemCor index scored the default index's WiC dev pairs 63.2% against 65.8% for a set
   fitted on the default index (BENCHMARKS.md, "Similarity parameters per kind of index").
   Each set's ``"provenance"`` says on which data, with which index and command it was
   fitted, and when; ``scripts/bench_similarity.py --write-builtin`` writes the set of the
   index it fits on.
"""

from __future__ import annotations

import copy
import enum
import json
import math
import os
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError, InputError
from ..retriever.scoring import formula_family
from ..vocabulary import SimilarityMethod

if TYPE_CHECKING:
    from ..head import RetrievalHead
    from ..indexer import Manifest
    from ..retriever import SenseIndex

__all__ = [
    "BUILTIN_PARAMS", "BUILTIN_PARAMS_FILE", "BUILTIN_PROVENANCE", "COMPONENTS",
    "DEFAULT_METHOD", "FAMILIES", "FEATURES", "LOG_SIGNS", "MANIFEST_KEY", "METHODS",
    "PARAMS_VERSION", "REPRESENTATIONS", "Representation", "SimilarityParams",
    "builtin_params", "builtin_params_document", "family_of", "head_params", "load_params",
    "params_source",
    "method_key",
    "resolve_params", "save_params", "store_params_in_index",
]


class Representation(str, enum.Enum):
    """A space in which the ``raw`` method takes the cosine of two word vectors.

    ``index``: the index's own layers and normalizer (the cosine of
    ``SenseIndex.cosine``, formerly ``SenseIndex.similarity``); ``last`` / ``last4``: the last
    layer / the mean of the last four, L2-normalized; ``zscore``: the index's layers z-scored
    with the index's corpus statistics (``Manifest.zscore_normalizer()``, dead dimensions
    zeroed), whether or not the index itself is standardized; ``shift-diff``: ``h^L - h^0``
    (last layer minus the input embeddings: how far the context moved the word);
    ``shift-log``: ``log(h^L / h^0)`` element-wise (``shift-log:SIGN`` names a sign rule
    explicitly where a representation is given as text).

    A ratio is negative wherever the context flipped a coordinate's sign, and its log is
    undefined there. ``SimilarityParams.log_sign`` says what happens, with ``log|r|``
    computed as ``log(|h^L| + eps) - log(|h^0| + eps)`` (``eps = 1e-3``, so a coordinate near
    0 does not explode): ``"zero"`` (default) = ``log|r|`` where the sign is kept, 0 where it
    flipped (the baseline's NaN -> 0); ``"signed"`` = ``sign(r) * log|r|``; ``"magnitude"``
    = ``log|r|`` ignoring the sign. Measured (scripts/bench_similarity.py, WiC train / dev
    accuracy, percent): zero 57.2 / 57.7, magnitude 57.2 / 54.9, signed 55.7 / 56.3; all
    below the raw cosine.
    """

    INDEX = "index"
    LAST = "last"
    LAST4 = "last4"
    ZSCORE = "zscore"
    SHIFT_DIFF = "shift-diff"
    SHIFT_LOG = "shift-log"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def check(cls, text: str) -> str:
        """``text`` if it names a representation (``shift-log:SIGN`` with a sign of
        LOG_SIGNS too).

        Raises:
            ConfigurationError: any other text."""
        name, _, sign = str(text).partition(":")
        if name not in {r.value for r in cls} or (sign and (name != "shift-log"
                                                            or sign not in LOG_SIGNS)):
            raise ConfigurationError(f"unknown representation {text!r}: use one of "
                                     f"{', '.join(r.value for r in cls)} (or shift-log:SIGN, "
                                     f"SIGN one of {', '.join(LOG_SIGNS)})")
        return str(text)


METHODS: tuple[str, ...] = tuple(m.value for m in SimilarityMethod)
REPRESENTATIONS: tuple[str, ...] = tuple(r.value for r in Representation)
LOG_SIGNS = ("signed", "magnitude", "zero")
COMPONENTS = ("wsd", "gloss", "knn")  # the sense method's mixture, in this order
FEATURES = ("cos_index", "cos_zscore", "cos_last4", "cos_shift_diff", "cos_centered",
            "cos_context", "sense", "wsd", "gloss", "knn", "shared_neighbors", "same_top",
            "log_senses")  # the combined method's inputs, columns of methods.features
MANIFEST_KEY = "similarity"
PARAMS_VERSION = 1
BUILTIN_PARAMS_FILE = "similarity_params.json"  # in the package data (sensedb/data)
#: The families of built-in parameters, as the WSD scoring formulas' (``weights_for``):
#: indexes with labelled corpus tokens, and WordNet-only ones.
FAMILIES = ("corpus", "wordnet_only")


@dataclass
class SimilarityParams:
    """Everything fitted for the similarity methods (JSON via :func:`save_params`).

    ``representation`` (a :class:`Representation` value) is the ``raw`` method's space;
    ``log_sign`` the sign rule of ``shift-log``; ``k`` the number of nearest labelled usages
    behind the ``knn`` component; ``temperature`` / ``gloss_temperature`` the softmax
    temperatures of the ``wsd`` scores and of the cosines to the gloss-context word vectors;
    ``mix`` the mixture weights of the components (:data:`COMPONENTS`). ``thresholds`` maps a
    method key (:func:`method_key`: ``"raw"``, ``"sense"``, ``"combined"``; for other raw
    representations ``"raw:REPR"``) to the score above which two usages count as the same
    sense (a cosine for raw, a probability otherwise). ``combined`` holds the logistic
    regression: ``features``, ``mean``, ``scale`` (standardization), ``coef``,
    ``intercept``. ``default_method`` is a :class:`~sensedb.vocabulary.SimilarityMethod`
    value; ``fitted_on`` says on what the numbers were fitted.

    Raises:
        ConfigurationError: an unknown representation, log sign or default method.
    """

    representation: str = "index"
    log_sign: str = "zero"
    k: int = 10
    temperature: float = 0.05
    gloss_temperature: float = 0.05
    mix: dict[str, float] = field(default_factory=lambda: {"wsd": 1.0, "gloss": 1.0,
                                                           "knn": 1.0})
    combined: dict[str, Any] | None = None
    thresholds: dict[str, float] = field(default_factory=dict)
    default_method: str = "combined"
    fitted_on: str = ""

    def __post_init__(self) -> None:
        if self.representation not in REPRESENTATIONS:
            raise ConfigurationError(f"unknown representation {self.representation!r}: use one "
                                     f"of {', '.join(REPRESENTATIONS)}")
        if self.log_sign not in LOG_SIGNS:
            raise ConfigurationError(f"unknown log_sign {self.log_sign!r}: use one of "
                                     f"{', '.join(LOG_SIGNS)}")
        if self.default_method not in METHODS:
            raise ConfigurationError(f"unknown default method {self.default_method!r}")
        if not _is_number(self.k) or self.k < 0 or int(self.k) != self.k:
            raise ConfigurationError(f"k must be a whole number >= 0, not {self.k!r}")
        for name in ("temperature", "gloss_temperature"):
            value = getattr(self, name)
            if not _is_number(value) or value <= 0:
                raise ConfigurationError(f"{name} must be a number > 0, not {value!r}")
        if not isinstance(self.mix, dict) or set(self.mix) - set(COMPONENTS) or not all(
                _is_number(v) and v >= 0 for v in self.mix.values()):
            raise ConfigurationError(f"mix must map components ({', '.join(COMPONENTS)}) to "
                                     f"weights >= 0, not {self.mix!r}")
        if not isinstance(self.thresholds, dict) or not all(
                _is_number(v) for v in self.thresholds.values()):
            raise ConfigurationError(f"thresholds must map methods to numbers, not "
                                     f"{self.thresholds!r}")
        if self.combined is not None:
            _check_regression(self.combined)

    def to_dict(self) -> dict:
        """The JSON form: ``{"version": PARAMS_VERSION, <every field>}``."""
        return {"version": PARAMS_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> SimilarityParams:
        """From :meth:`to_dict`'s form.

        Raises:
            ConfigurationError: not a JSON object; unknown keys (a document of sets such as
                ``sensedb/data/similarity_params.json``, or one set with its provenance, is
                named as such); another version; an invalid value (see the class).
        """
        if not isinstance(data, dict):
            raise ConfigurationError(f"similarity parameters must be a JSON object, not "
                                     f"{type(data).__name__}")
        data = copy.deepcopy(dict(data))  # never aliases the caller's (or built-in) dicts
        version = data.pop("version", PARAMS_VERSION)
        if version != PARAMS_VERSION:
            raise ConfigurationError(f"similarity parameters of version {version}, this sensedb "
                                     f"reads {PARAMS_VERSION}")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if set(data) & set(FAMILIES):
            raise ConfigurationError(
                f"these are sets of similarity parameters ({', '.join(sorted(data))}), as in "
                f"sensedb/data/{BUILTIN_PARAMS_FILE}: give one set's \"params\" object")
        if "params" in data:
            raise ConfigurationError('these are similarity parameters with their provenance: '
                                     'give the "params" object alone')
        if unknown:
            raise ConfigurationError(f"unknown similarity parameter(s): {', '.join(unknown)}")
        return cls(**data)

    def threshold(self, method: SimilarityMethod | str,
                  representation: str | None = None) -> float | None:
        """The stored threshold of ``method`` (raw: in ``representation``, default this
        parameters' own), or None when none was fitted."""
        return self.thresholds.get(method_key(method, representation or self.representation))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


def _check_regression(model: object) -> None:
    """Raise ConfigurationError unless ``model`` is the combined method's regression:
    ``features`` (names in FEATURES), ``mean``, ``scale`` and ``coef`` (numbers, one per
    feature) and a number ``intercept``."""
    if not isinstance(model, dict):
        raise ConfigurationError(f"combined must be a JSON object, not {model!r}")
    names = model.get("features")
    if not isinstance(names, list) or not names or set(names) - set(FEATURES):
        raise ConfigurationError(f"combined.features must name features of {', '.join(FEATURES)}"
                                 f", not {names!r}")
    for column in ("mean", "scale", "coef"):
        values = model.get(column)
        if not isinstance(values, list) or len(values) != len(names) or not all(
                _is_number(v) for v in values):
            raise ConfigurationError(f"combined.{column} must be {len(names)} numbers, one per "
                                     f"feature")
    if not _is_number(model.get("intercept")):
        raise ConfigurationError("combined.intercept must be a number")


def method_key(method: SimilarityMethod | str, representation: str = "index") -> str:
    """The key of a method in :attr:`SimilarityParams.thresholds`: the method's name, or
    ``"raw:REPR"`` for the raw cosine in a representation other than ``index``.

    Raises:
        ConfigurationError: an unknown method.
    """
    name = SimilarityMethod.parse(method).value
    return f"raw:{representation}" if name == "raw" and representation != "index" else name


def builtin_params_document() -> dict[str, Any]:
    """The package data file ``sensedb/data/similarity_params.json``: per family
    (:data:`FAMILIES`) ``{"provenance": {data, index, command, date, result}, "params":
    <to_dict form>}``.

    Raises:
        ConfigurationError: the file is missing, not JSON or lacks a family (a broken
            installation).
    """
    try:
        text = resources.files("sensedb").joinpath("data", BUILTIN_PARAMS_FILE).read_text(
            encoding="utf-8")
        document = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigurationError(f"cannot read the built-in similarity parameters "
                                 f"(sensedb/data/{BUILTIN_PARAMS_FILE}): {exc}") from exc
    missing = [f for f in FAMILIES if not isinstance(document.get(f), dict)
               or not {"params", "provenance"} <= set(document[f])]
    if missing:
        raise ConfigurationError(f"the built-in similarity parameters (sensedb/data/"
                                 f"{BUILTIN_PARAMS_FILE}) lack the {missing[0]!r} set")
    return document


_DOCUMENT = builtin_params_document()
# Fitted by scripts/bench_similarity.py on WiC train (5,428 pairs), WiC dev never used: the
# "corpus" set with a SemCor index, the "wordnet_only" set with the default index. The
# numbers and their provenance are in sensedb/data/similarity_params.json.
BUILTIN_PARAMS: dict[str, dict[str, Any]] = {f: _DOCUMENT[f]["params"] for f in FAMILIES}
BUILTIN_PROVENANCE: dict[str, dict[str, str]] = {f: _DOCUMENT[f]["provenance"]
                                                 for f in FAMILIES}
DEFAULT_METHOD: str = BUILTIN_PARAMS["corpus"]["default_method"]
if any(p["default_method"] != DEFAULT_METHOD for p in BUILTIN_PARAMS.values()):
    raise ConfigurationError(f"the built-in similarity parameters (sensedb/data/"
                             f"{BUILTIN_PARAMS_FILE}) name two default methods")


def family_of(index: SenseIndex) -> str:
    """The family of built-in parameters for ``index``: ``"corpus"`` when it holds labelled
    corpus tokens, else ``"wordnet_only"`` (the rule of the WSD scoring formulas)."""
    return formula_family(index.tokens.ntotal > 0)


def builtin_params(family: str) -> SimilarityParams:
    """A fresh copy of the built-in parameters of ``family`` (one of :data:`FAMILIES`).

    Raises:
        ConfigurationError: an unknown family.
    """
    if family not in BUILTIN_PARAMS:
        raise ConfigurationError(f"no built-in similarity parameters for {family!r}: one of "
                                 f"{', '.join(FAMILIES)}")
    return SimilarityParams.from_dict(BUILTIN_PARAMS[family])


def save_params(params: SimilarityParams, path: str | os.PathLike) -> None:
    """Write parameters as JSON (read back with :func:`load_params` or ``--params FILE``).

    Raises:
        OSError: the file cannot be written.
    """
    Path(path).write_text(json.dumps(params.to_dict(), indent=2) + "\n")


def load_params(path: str | os.PathLike) -> SimilarityParams:
    """Parameters from a JSON file written by :func:`save_params`.

    Raises:
        InputError: the file cannot be read or is not JSON.
        ConfigurationError: another version or an invalid value.
    """
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"cannot read similarity parameters: {exc.strerror or exc}",
                         path=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc}", path=str(path)) from exc
    try:
        return SimilarityParams.from_dict(data)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{path}: {exc}") from None


def store_params_in_index(index: SenseIndex, params: SimilarityParams) -> None:
    """Record parameters in the index manifest (key ``"similarity"``), where
    :func:`resolve_params` finds them for every later query of that index.

    Raises:
        IndexLockedError: another process holds the index's writer lock.
    """
    with index.directory.lock():
        index.directory.set_manifest(**{MANIFEST_KEY: params.to_dict()})
    index.manifest = index.directory.manifest()


def resolve_params(index: SenseIndex,
                   params: SimilarityParams | dict | str | os.PathLike | None = None
                   ) -> SimilarityParams:
    """``params`` (an object, its :meth:`~SimilarityParams.to_dict` form, or a JSON path),
    else the index manifest's, else the built-in ones of the index's family
    (:func:`family_of`).

    Raises:
        InputError: a JSON path that cannot be read.
        ConfigurationError: parameters of another version, with an unknown key or an
            invalid value.
    """
    if isinstance(params, SimilarityParams):
        return params
    if isinstance(params, dict):
        return SimilarityParams.from_dict(params)
    if params is not None:
        return load_params(params)
    stored = index.manifest.similarity
    if stored:
        return SimilarityParams.from_dict(stored)
    family = family_of(index)
    fitted = head_params(index, family)
    return fitted if fitted is not None else builtin_params(family)


def head_params(index: SenseIndex, family: str) -> SimilarityParams | None:
    """The parameters of ``family`` that the retrieval head ``index`` was built through
    carries (``RetrievalHead.similarity``, fitted on that head's vectors by
    ``scripts/bench_similarity.py --write-head``), or None: no head, or none for the family.
    A head changes every vector, so the package's built-in parameters, fitted on the bare
    model's, do not suit it.

    Raises:
        ConfigurationError: the index's head cannot be found, or its parameters are invalid.
    """
    found = _head_entry(index.manifest, family)
    return SimilarityParams.from_dict(found[1]["params"]) if found else None


def _head_entry(manifest: Manifest, family: str) -> tuple[RetrievalHead, dict] | None:
    """The retrieval head ``manifest`` records and its ``similarity`` entry for ``family``
    (``{"params": ..., "provenance": ...}``), or None: no head, or no entry for the family.

    Raises:
        ConfigurationError: the index's head cannot be found."""
    from ..head import head_for_manifest

    recorded = manifest.encoder.head
    head = head_for_manifest(recorded) if recorded else None
    entry = (head.similarity or {}).get(family) if head is not None else None
    return (head, entry) if entry else None


def params_source(manifest: Manifest, family: str) -> str:
    """Which parameters :func:`resolve_params` takes for an index of ``manifest`` when none
    are given, in its order, as ``sensedb info`` shows it: ``"stored in the index"``,
    ``"retrieval head <sha256 prefix> <family>"`` (those the index's head carries), else
    ``"built-in <family>"`` (``family``: :func:`family_of`'s). A head that cannot be found
    counts as none: opening the index already required it, and info still answers."""
    if manifest.similarity:
        return "stored in the index"
    try:
        found = _head_entry(manifest, family)
    except ConfigurationError:
        found = None
    return f"retrieval head {found[0].sha256[:12]} {family}" if found else f"built-in {family}"
