"""A retrained last transformer layer: the expressive kind of retrieval head (torch).

The head holds a copy of the encoder's last BERT layer with trained weights. The encoder runs
its own model unchanged (sentence vectors stay the model's), takes the hidden states of the
layer below the last one, and runs this layer on them to get the word vectors: one forward
pass plus one extra layer, about 1/6 of a 6-layer model's cost.

:func:`layer_forward` is the BERT layer written out (self-attention, residual + LayerNorm,
feed-forward, residual + LayerNorm; no dropout) so that it can compute only chosen query
positions: training needs the output at a batch's target pieces only, while keys and values
still cover every piece. Checked against the model's own layer in tests/test_head_layer.py.

Like :mod:`sensedb.encoder`, which owns it, this module imports torch.
"""

from __future__ import annotations

import math

import numpy as np
import torch

#: The parameter names of a BERT layer a last-layer head stores (``state_dict`` names).
LAYER_KEYS = (
    "attention.self.query.weight", "attention.self.query.bias",
    "attention.self.key.weight", "attention.self.key.bias",
    "attention.self.value.weight", "attention.self.value.bias",
    "attention.output.dense.weight", "attention.output.dense.bias",
    "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
    "intermediate.dense.weight", "intermediate.dense.bias",
    "output.dense.weight", "output.dense.bias",
    "output.LayerNorm.weight", "output.LayerNorm.bias",
)


def layer_forward(layer, hidden: torch.Tensor, mask: torch.Tensor,
                  rows: torch.Tensor | None = None, cols: torch.Tensor | None = None
                  ) -> torch.Tensor:
    """One BERT layer (``transformers`` ``BertLayer``) on ``hidden`` (batch, pieces, dim) with
    ``mask`` (batch, pieces) bool (True: a real piece). Returns (batch, pieces, dim), or with
    ``rows``/``cols`` (q,) long the outputs at those positions only, (q, dim)."""
    batch, pieces, _ = hidden.shape
    whole = rows is None
    if whole:
        rows = torch.arange(batch).repeat_interleave(pieces)
        cols = torch.arange(pieces).repeat(batch)
    context, query_in = attention_context(layer, hidden, mask, rows, cols)
    out = layer_tail(layer, context, query_in)
    return out.view(batch, pieces, -1) if whole else out


def attention_context(layer, hidden: torch.Tensor, mask: torch.Tensor, rows: torch.Tensor,
                      cols: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The self-attention context (heads concatenated, before the output projection) at the
    positions ``rows``/``cols`` and the layer's input there: two (q, dim) tensors."""
    attention = layer.attention.self
    heads = attention.num_attention_heads
    size = attention.attention_head_size
    batch, pieces, _ = hidden.shape
    keys = attention.key(hidden).view(batch, pieces, heads, size)
    values = attention.value(hidden).view(batch, pieces, heads, size)
    query_in = hidden[rows, cols]
    queries = attention.query(query_in).view(-1, heads, size)
    scores = torch.einsum("qhd,qphd->qhp", queries, keys[rows]) / math.sqrt(size)
    scores = scores.masked_fill(~mask[rows].unsqueeze(1), torch.finfo(scores.dtype).min)
    context = torch.einsum("qhp,qphd->qhd", scores.softmax(-1), values[rows])
    return context.reshape(len(rows), heads * size), query_in


def layer_tail(layer, context: torch.Tensor, query_in: torch.Tensor) -> torch.Tensor:
    """The rest of the layer after attention: output projection, residual + LayerNorm,
    feed-forward, residual + LayerNorm; (q, dim) -> (q, dim)."""
    attended = layer.attention.output.LayerNorm(layer.attention.output.dense(context) + query_in)
    inner = layer.intermediate.intermediate_act_fn(layer.intermediate.dense(attended))
    return layer.output.LayerNorm(layer.output.dense(inner) + attended)


class LastLayer:
    """A trained last layer bound to an encoder's model: :meth:`__call__` maps the hidden
    states of one batch to new last-layer states.

    Raises:
        ConfigurationError: ``weights`` name a parameter the model's last layer lacks or
            have other shapes."""

    def __init__(self, model, weights: dict[str, np.ndarray]) -> None:
        import copy

        from ..errors import ConfigurationError

        self.layer = copy.deepcopy(model.encoder.layer[-1]).eval()
        own = self.layer.state_dict()
        unknown = sorted(set(weights) - set(LAYER_KEYS) - set(own))
        wrong = sorted(name for name in set(weights) & set(own)
                       if tuple(own[name].shape) != tuple(np.shape(weights[name])))
        if unknown or wrong:
            raise ConfigurationError(
                f"retrieval head layer does not fit the model's last layer (unknown "
                f"parameters {unknown}, other shapes {wrong})")
        state = {name: torch.from_numpy(np.asarray(value, dtype=np.float32))
                 for name, value in weights.items()}
        self.layer.load_state_dict(state, strict=False)
        self.layer.to(next(model.parameters()).device)

    def __call__(self, states: tuple, lengths: list[int]) -> tuple:
        """``states``: the model's hidden states of a batch (embeddings + every layer),
        ``lengths``: each row's pieces ([CLS] and [SEP] included); returns the states with
        the last replaced by this layer's output on the one below."""
        below = states[-2]
        mask = torch.arange(below.shape[1]).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
        with torch.inference_mode():
            out = layer_forward(self.layer, below.float(), mask.to(below.device))
        return (*states[:-1], out.to(below.dtype))
