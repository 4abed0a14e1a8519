"""Low-rank adapters merged into the encoder's weights: the adapter kind of retrieval head
(torch).

An adapter head holds, for linear layers of the encoder's transformer, a LoRA update (Hu et
al. 2021): ``A`` (r, in) and ``B`` (out, r) float32, and one ``scale`` (LoRA's alpha / r).
Trained as a bi-encoder for WSD (``scripts/train_adapter_head.py``, through ``peft``), it
changes every vector the encoder outputs: usages, corpus tokens, glosses, examples and
sentences all come from the adapted model. Merged once when an encoder loads
(``W += scale * B @ A``), it costs a query nothing: one forward pass of a model of the same
size.

Merging imports torch (as :mod:`sensedb.encoder`, which owns it, does); reading a head's
arrays (:func:`adapter_modules`) does not.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigurationError


def adapter_modules(adapter: dict[str, np.ndarray]) -> list[str]:
    """The module names an adapter updates (``<module>.A`` / ``<module>.B`` pairs), sorted.

    Raises:
        ConfigurationError: an array name is not ``<module>.A`` or ``<module>.B``, or a
            module lacks one of the pair."""
    names: dict[str, set[str]] = {}
    for key in adapter:
        module, _, part = key.rpartition(".")
        if part not in ("A", "B") or not module:
            raise ConfigurationError(f"retrieval head adapter array {key!r}: want "
                                     "'<module>.A' or '<module>.B'")
        names.setdefault(module, set()).add(part)
    broken = sorted(m for m, parts in names.items() if parts != {"A", "B"})
    if broken:
        raise ConfigurationError(f"retrieval head adapter lacks A or B for {broken[0]}")
    return sorted(names)


def merge_adapter(model, adapter: dict[str, np.ndarray], scale: float) -> int:
    """Add ``scale * B @ A`` to the weight of each adapted linear layer of ``model`` (a
    transformers model, in place; the update is computed in float32 and cast to the
    weight's dtype). Returns the number of layers updated.

    Raises:
        ConfigurationError: a module the adapter names is not a linear layer of ``model``,
            or its A/B shapes do not fit the layer's weight."""
    import torch

    merged = 0
    with torch.no_grad():
        for name in adapter_modules(adapter):
            try:
                layer = model.get_submodule(name)
            except AttributeError:
                raise ConfigurationError(f"retrieval head adapter names {name!r}, which this "
                                         "model does not have") from None
            weight = getattr(layer, "weight", None)
            a, b = adapter[f"{name}.A"], adapter[f"{name}.B"]
            if (weight is None or weight.ndim != 2 or a.ndim != 2 or b.ndim != 2
                    or b.shape[1] != a.shape[0] or (b.shape[0], a.shape[1]) != tuple(weight.shape)):
                raise ConfigurationError(
                    f"retrieval head adapter for {name}: A {a.shape} and B {b.shape} do not fit "
                    f"its weight {tuple(weight.shape) if weight is not None else None}")
            delta = torch.from_numpy(np.asarray(b, np.float32) @ np.asarray(a, np.float32))
            weight.add_((float(scale) * delta).to(device=weight.device, dtype=weight.dtype))
            merged += 1
    return merged
