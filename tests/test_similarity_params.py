"""sensedb.similarity.params: parameters, their JSON, the built-in ones (package data)."""

from __future__ import annotations

import json
import shutil
from importlib import resources

from sensedb import SenseIndex
from sensedb.head import default_head
from sensedb.similarity import params as sim


def test_params_round_trip(tmp_path, mini_index, encoder, wordnet):
    params = sim.builtin_params("corpus")  # the mini index holds labelled tokens
    sim.save_params(params, tmp_path / "p.json")
    assert sim.load_params(tmp_path / "p.json") == params
    shutil.copytree(mini_index, tmp_path / "mini")
    copy = SenseIndex(tmp_path / "mini", encoder=encoder, wordnet=wordnet,
                      wordnet_evidence=False)
    # nothing stored: the retrieval head's own (the mini index is built through the
    # default encoder's head), else the built-in ones
    assert sim.resolve_params(copy) == (sim.head_params(copy, "corpus") or params)
    params.thresholds["sense"] = 0.123
    sim.store_params_in_index(copy, params)
    reopened = SenseIndex(tmp_path / "mini", encoder=encoder, wordnet=wordnet,
                          wordnet_evidence=False)
    assert sim.resolve_params(reopened).thresholds["sense"] == 0.123
    assert reopened.info()["similarity_parameters"] == "stored in the index"


def test_builtin_params_file_matches_the_features():
    document = json.loads(resources.files("sensedb").joinpath(
        "data", sim.BUILTIN_PARAMS_FILE).read_text(encoding="utf-8"))
    assert set(document) == set(sim.FAMILIES)
    for family in sim.FAMILIES:
        params = document[family]["params"]
        names = params["combined"]["features"]
        assert names == [f for f in sim.FEATURES if f in names]  # FEATURES' order
        for column in ("mean", "scale", "coef"):
            assert len(params["combined"][column]) == len(names)
        assert set(params["mix"]) == set(sim.COMPONENTS)
        assert {"data", "index", "command", "date"} <= set(document[family]["provenance"])
        assert sim.SimilarityParams.from_dict(params).to_dict() == params
        assert sim.DEFAULT_METHOD == params["default_method"] in sim.METHODS
        assert sim.builtin_params(family).to_dict() == params
    # each set was fitted on its kind of index; the default index has no labelled usages
    # once WordNet's examples are left out (WiC), so its set never uses them
    assert tuple(document["corpus"]["params"]["combined"]["features"]) == sim.FEATURES
    assert document["wordnet_only"]["params"]["mix"]["knn"] == 0.0
    assert "semcor" in document["corpus"]["provenance"]["index"].lower()
    assert "default-index" in document["wordnet_only"]["provenance"]["index"]


def test_builtin_params_are_not_aliased():
    params = sim.builtin_params("wordnet_only")
    params.thresholds["sense"] = -1.0
    params.mix["wsd"] = -1.0
    assert sim.BUILTIN_PARAMS["wordnet_only"]["thresholds"]["sense"] != -1.0
    assert sim.builtin_params("wordnet_only").mix["wsd"] != -1.0


def test_an_index_without_labelled_tokens_gets_the_wordnet_only_set(mini_index, encoder,
                                                                      wordnet, default_index):
    import pytest

    from sensedb.errors import ConfigurationError

    labelled = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    assert sim.family_of(labelled) == "corpus"
    assert sim.resolve_params(labelled) == (sim.head_params(labelled, "corpus")
                                            or sim.builtin_params("corpus"))
    default = default_index  # the WordNet-only default index
    assert sim.family_of(default) == "wordnet_only"
    # through the shipped retrieval head, the head's own set; else the built-in one
    own = sim.head_params(default, "wordnet_only")
    assert sim.resolve_params(default) == (own or sim.builtin_params("wordnet_only"))
    # `sensedb info` says which set its queries use
    head = default.manifest.encoder.head
    assert default.info()["similarity_parameters"] == (
        f"retrieval head {head['sha256'][:12]} wordnet_only" if own else
        "built-in wordnet_only")
    if default_head() is not None and default_head().similarity:
        assert own is not None and own != sim.builtin_params("wordnet_only")
    assert labelled.info()["similarity_parameters"] == (
        f"retrieval head {labelled.manifest.encoder.head['sha256'][:12]} corpus"
        if sim.head_params(labelled, "corpus") else "built-in corpus")
    with pytest.raises(ConfigurationError, match="no built-in similarity parameters"):
        sim.builtin_params("semcor")


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


def test_bad_parameter_files_are_one_line_errors(tmp_path, mini_index, encoder, wordnet):
    """A tester's files: the package's own document of sets, one set with its provenance
    (the old file format), a JSON list and a temperature that is text were taken silently
    (unfitted defaults: "the combined method has no fitted weights") or raised TypeError."""
    import pytest

    from sensedb.errors import ConfigurationError

    document = json.loads(resources.files("sensedb").joinpath(
        "data", sim.BUILTIN_PARAMS_FILE).read_text(encoding="utf-8"))
    one = sim.BUILTIN_PARAMS["corpus"]
    cases = [(document, "give one set's \"params\" object"),
             (document["corpus"], 'give the "params" object alone'),
             ([1, 2, 3], "must be a JSON object, not list"),
             ({**one, "temperature": "hot"}, "temperature must be a number > 0"),
             ({**one, "tempreature": 1.0}, "unknown similarity parameter(s): tempreature"),
             ({**one, "mix": {"wsd": 1, "votes": 2}}, "mix must map components"),
             ({**one, "combined": {**one["combined"], "coef": [1.0]}},
              "combined.coef must be 13 numbers")]
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    for number, (data, message) in enumerate(cases):
        path = tmp_path / f"p{number}.json"
        path.write_text(json.dumps(data))
        with pytest.raises(ConfigurationError) as info:
            sim.resolve_params(index, path)
        assert message in str(info.value) and str(path) in str(info.value)
        assert "\n" not in str(info.value)
    # a dict is taken as the to_dict form
    assert sim.resolve_params(index, dict(one)) == sim.builtin_params("corpus")
