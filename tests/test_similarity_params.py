"""sensedb.similarity.params: parameters, their JSON, the built-in ones (package data)."""

from __future__ import annotations

import json
import shutil
from importlib import resources

from sensedb import SenseIndex
from sensedb.similarity import params as sim


def test_params_round_trip(tmp_path, mini_index, encoder, wordnet):
    params = sim.SimilarityParams.from_dict(sim.BUILTIN_PARAMS)
    sim.save_params(params, tmp_path / "p.json")
    assert sim.load_params(tmp_path / "p.json") == params
    shutil.copytree(mini_index, tmp_path / "mini")
    copy = SenseIndex(tmp_path / "mini", encoder=encoder, wordnet=wordnet,
                      wordnet_evidence=False)
    assert sim.resolve_params(copy) == params  # nothing stored: the built-in ones
    params.thresholds["sense"] = 0.123
    sim.store_params_in_index(copy, params)
    reopened = SenseIndex(tmp_path / "mini", encoder=encoder, wordnet=wordnet,
                          wordnet_evidence=False)
    assert sim.resolve_params(reopened).thresholds["sense"] == 0.123


def test_builtin_params_file_matches_the_features():
    document = json.loads(resources.files("sensedb").joinpath(
        "data", sim.BUILTIN_PARAMS_FILE).read_text(encoding="utf-8"))
    params = document["params"]
    assert tuple(params["combined"]["features"]) == sim.FEATURES
    for column in ("mean", "scale", "coef"):
        assert len(params["combined"][column]) == len(sim.FEATURES)
    assert set(params["mix"]) == set(sim.COMPONENTS)
    assert {"data", "index", "command", "date"} <= set(document["provenance"])
    assert sim.SimilarityParams.from_dict(params).to_dict() == params
    assert sim.DEFAULT_METHOD == params["default_method"] in sim.METHODS


def test_builtin_params_are_not_aliased():
    params = sim.SimilarityParams.from_dict(sim.BUILTIN_PARAMS)
    params.thresholds["sense"] = -1.0
    params.mix["wsd"] = -1.0
    assert sim.BUILTIN_PARAMS["thresholds"]["sense"] != -1.0
    assert sim.BUILTIN_PARAMS["mix"]["wsd"] != -1.0


def test_method_keys_and_bad_values():
    import pytest

    from sensedb.errors import ConfigurationError, InputError
    from sensedb.vocabulary import SimilarityMethod

    assert sim.method_key("raw") == "raw" and sim.method_key("raw", "last4") == "raw:last4"
    assert sim.method_key(SimilarityMethod.SENSE, "last4") == "sense"
    assert sim.REPRESENTATIONS == tuple(r.value for r in sim.Representation)
    for bad in ({"representation": "first"}, {"log_sign": "nan"}, {"default_method": "x"},
                {"version": 99}):
        with pytest.raises(ConfigurationError):
            sim.SimilarityParams.from_dict(bad)
    with pytest.raises(ConfigurationError):
        sim.method_key("cosine")
    with pytest.raises(InputError):
        sim.load_params("/nonexistent/params.json")
