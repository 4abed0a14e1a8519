"""Which hidden layers of the encoder's model make a word vector, and in which floating-point
type the model runs: the settings an index records and compares (``Encoder.describe``).

Owned by :mod:`sensedb.encoder` (which re-exports every name here): plain Python, no torch
at import (:func:`combine_layers` works on the torch tensors the encoder hands it).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import ConfigurationError

__all__ = ["DTYPES", "LayerSpec", "canonical_layers", "check_dtype", "combine_layers"]

#: The floating-point types the model can run in (``Encoder(dtype=...)``, ``--dtype``); word
#: vectors are pooled and returned in float32 whatever the model's type.
DTYPES = ("fp32", "bf16", "fp16")


@dataclass(frozen=True)
class LayerSpec:
    """Which hidden layers make a word vector, and how they are combined.

    ``layers`` are indices into the model's hidden states (0 = input embeddings, L = last).
    Negative indices count from the end (-1 = last).
    """

    layers: tuple[int, ...] = (-1,)
    pooling: str = "mean"  # mean | sum

    @classmethod
    def parse(cls, spec: str | Sequence[int] | LayerSpec, pooling: str = "mean") -> LayerSpec:
        """A spec from ``'last'``, ``'last4'``, ``'3,4,5,6'`` or a sequence of layer numbers
        (a LayerSpec is returned as it is).

        Raises:
            ConfigurationError: an unknown pooling, a malformed or empty spec.
        """
        if isinstance(spec, LayerSpec):
            return spec
        if pooling not in ("mean", "sum"):
            raise ConfigurationError(f"layer pooling must be 'mean' or 'sum', not {pooling!r}")
        if isinstance(spec, str):
            text = spec.strip().lower()
            if text == "last":
                return cls((-1,), pooling)
            if text in ("last4", "last-4"):
                return cls((-4, -3, -2, -1), pooling)
            try:
                layers = tuple(int(p) for p in text.replace(" ", "").split(",") if p)
            except ValueError:
                raise ConfigurationError(
                    f"bad layer spec {spec!r}: use 'last', 'last4' or layer numbers like '3,4,5,6'"
                ) from None
        else:
            try:
                layers = tuple(int(p) for p in spec)
            except (TypeError, ValueError):
                raise ConfigurationError(
                    f"bad layer spec {spec!r}: give layer numbers like (3, 4, 5, 6)") from None
        if not layers:
            raise ConfigurationError(f"empty layer spec {spec!r}: use 'last', 'last4' or layer "
                                     "numbers like '3,4,5,6'")
        return cls(layers, pooling)

    def resolve(self, num_hidden_states: int) -> tuple[int, ...]:
        """The layers as non-negative indices into ``num_hidden_states`` hidden states.

        Raises:
            ConfigurationError: a layer the model does not have.
        """
        out = []
        for layer in self.layers:
            index = layer if layer >= 0 else num_hidden_states + layer
            if not 0 <= index < num_hidden_states:
                raise ConfigurationError(
                    f"layer {layer} does not exist: the model has layers 0..{num_hidden_states - 1}"
                )
            out.append(index)
        return tuple(out)

    def describe(self) -> str:
        """The spec as written in a manifest: ``'last'``, ``'last4'`` or ``'3,4,5,6'``."""
        named = {(-1,): "last", (-4, -3, -2, -1): "last4"}
        return named.get(self.layers, ",".join(str(x) for x in self.layers))

    def canonical(self, num_hidden_states: int | None) -> LayerSpec:
        """The same layers written one way for a model with ``num_hidden_states`` hidden
        states (embeddings + layers): the last one is ``-1`` and the last four ``-4..-1``,
        others non-negative, so ``6``, ``-1`` and ``last`` of a 6-layer model are equal and
        compare equal. ``self`` when the count is unknown or a layer is outside it (checked
        elsewhere, by :meth:`resolve`)."""
        if not num_hidden_states:
            return self
        try:
            layers = self.resolve(num_hidden_states)
        except ConfigurationError:
            return self
        last = num_hidden_states - 1
        if layers == (last,):
            layers = (-1,)
        elif layers == tuple(range(last - 3, last + 1)) and last >= 3:
            layers = (-4, -3, -2, -1)
        return LayerSpec(layers, self.pooling)


def check_batch_tokens(batch_tokens: object) -> int | None:
    """``batch_tokens`` (padded word pieces per forward pass) checked: None (the device's
    default) or a whole number of at least 1.

    Raises:
        ConfigurationError: anything else (0 fell back to the default and -5 was kept,
            without a word)."""
    if batch_tokens is None:
        return None
    try:
        whole = operator.index(batch_tokens)  # int and numpy's integers, not 2.5 nor "10"
    except TypeError:
        whole = 0
    if isinstance(batch_tokens, bool) or whole < 1:
        raise ConfigurationError(f"batch_tokens must be a whole number of at least 1 (padded "
                                 f"word pieces per forward pass), not {batch_tokens!r}")
    return whole


def check_device(device: str) -> str:
    """``device`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``, ...) checked against this torch.

    Raises:
        ConfigurationError: not a torch device string, or a CUDA or MPS device that this
            torch build or machine does not have (before, the first was torch's traceback and
            the second a message blaming the model)."""
    import torch

    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError, ValueError):
        raise ConfigurationError(f"unknown device {device!r}: use cpu, cuda, cuda:N or "
                                 "mps") from None
    if kind == "cuda" and not torch.cuda.is_available():
        built = "a CPU-only torch build" if torch.version.cuda is None else "no GPU visible"
        raise ConfigurationError(f"device {device!r} is not available here ({built}, torch "
                                 f"{torch.__version__}): use --device cpu")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ConfigurationError(f"device {device!r} is not available here: use --device cpu")
    return device


def check_dtype(dtype: str, device: str) -> str:
    """``dtype`` (``fp32``, ``bf16``, ``fp16``) checked against ``device``.

    Raises:
        ConfigurationError: an unknown dtype, or fp16 on a CPU (torch's CPU kernels for
            half precision are slow or missing; bf16 runs there)."""
    if dtype not in DTYPES:
        raise ConfigurationError(f"unknown dtype {dtype!r}: use one of {', '.join(DTYPES)}")
    if dtype == "fp16" and not str(device).startswith("cuda"):
        raise ConfigurationError(f"dtype fp16 needs a GPU (device {device!r}): use bf16 or "
                                 "fp32 on a CPU")
    return dtype


def canonical_layers(spec: str, num_layers: int | None) -> str:
    """A manifest's or an option's layer spec (``'6'``, ``'last'``, ``'3,4,5,6'``) as
    :meth:`LayerSpec.canonical` writes it for a model of ``num_layers`` layers (the spec as
    it is when it does not parse or the count is unknown)."""
    try:
        parsed = LayerSpec.parse(spec)
    except ConfigurationError:
        return spec
    return parsed.canonical(num_layers + 1 if num_layers else None).describe()


def combine_layers(states, spec: LayerSpec):
    """The spec's layers of one batch (``states``: the model's hidden states, a tuple of
    torch tensors (batch, pieces, dim)), averaged or summed: (batch, pieces, dim)."""
    import torch

    chosen = [states[i] for i in spec.resolve(len(states))]
    if len(chosen) == 1:
        return chosen[0]
    stacked = torch.stack(chosen).sum(0)
    return stacked / len(chosen) if spec.pooling == "mean" else stacked
