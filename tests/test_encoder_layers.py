"""Layer specs and dtypes (no model): parsing, resolving, the one way a manifest writes them."""

from __future__ import annotations

import pytest

from sensedb import ConfigurationError, LayerSpec
from sensedb.encoder_layers import canonical_layers, check_dtype


@pytest.mark.parametrize(("spec", "canonical"), [
    ("6", "last"), ("-1", "last"), ("last", "last"), ("3,4,5,6", "last4"),
    ("-4,-3,-2,-1", "last4"), ("5", "5"), ("-2", "5"), ("0,6", "0,6"), ("99", "99"),
])
def test_layer_specs_written_one_way(spec, canonical):
    assert LayerSpec.parse(spec).canonical(7).describe() == canonical  # 6 layers + embeddings
    assert canonical_layers(spec, 6) == canonical
    assert canonical_layers(spec, None) == LayerSpec.parse(spec).describe()  # count unknown


def test_layer_specs_refuse_what_they_cannot_resolve():
    with pytest.raises(ConfigurationError, match="bad layer spec"):
        LayerSpec.parse("top")
    with pytest.raises(ConfigurationError, match="empty layer spec"):
        LayerSpec.parse(",")
    with pytest.raises(ConfigurationError, match="pooling"):
        LayerSpec.parse("last", "max")
    with pytest.raises(ConfigurationError, match="layers 0..6"):
        LayerSpec.parse("7").resolve(7)
    assert LayerSpec.parse("-1,0").resolve(7) == (6, 0)


def test_dtypes_checked_against_the_device():
    assert check_dtype("bf16", "cpu") == "bf16"
    assert check_dtype("fp16", "cuda:0") == "fp16"
    with pytest.raises(ConfigurationError, match="fp16 needs a GPU"):
        check_dtype("fp16", "cpu")
    with pytest.raises(ConfigurationError, match="unknown dtype"):
        check_dtype("fp8", "cuda")


def test_devices_checked_before_the_model_loads():
    """``--device foo`` was torch's traceback; ``--device cuda`` on a CPU-only torch said the
    model could not be loaded and advised another model name."""
    import torch

    from sensedb import Encoder
    from sensedb.encoder_layers import check_device

    assert check_device("cpu") == "cpu"
    with pytest.raises(ConfigurationError, match="unknown device 'foo'"):
        Encoder(device="foo")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigurationError, match="device 'cuda' is not available here"):
            Encoder(device="cuda")


def test_the_encoder_module_keeps_its_names():
    import sensedb.encoder as encoder

    assert encoder.LayerSpec is LayerSpec and encoder.canonical_layers is canonical_layers
