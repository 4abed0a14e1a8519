"""sensedb.similarity.fitting: thresholds, the logistic regression, the mixture grid."""

from __future__ import annotations

import numpy as np

from sensedb.similarity import fitting


def test_best_threshold():
    threshold, accuracy = fitting.best_threshold(np.array([0.1, 0.4, 0.35, 0.8]),
                                                 np.array([False, True, False, True]))
    assert 0.35 < threshold <= 0.4 and accuracy == 100.0


def test_fit_logistic_separates_and_keeps_constant_features():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=200), np.ones(200)])
    y = x[:, 0] > 0
    model = fitting.fit_logistic(x, y, ["signal", "constant"])
    assert model["features"] == ["signal", "constant"] and model["scale"][1] == 1.0
    assert model["coef"][0] > 1.0


def test_mixture_grid_keeps_every_component():
    assert len(fitting.MIXTURE_GRID) == 25  # 27 triples in 1..3 but (2,2,2), (3,3,3)
    assert all(min(mix.values()) >= 1.0 for mix in fitting.MIXTURE_GRID)


def test_fitted_parameters_say_what_they_were_fitted_on(mini_index, encoder, wordnet):
    """``evaluate-wic --train ... --save`` wrote the built-in parameters' provenance ("WiC
    train (5428 pairs), runs/semcor-index ...") over numbers fitted on the user's pairs."""
    from conftest import FIXTURES

    from sensedb import SenseIndex, evaluate_wic
    from sensedb.similarity.params import BUILTIN_PARAMS

    data, gold = FIXTURES / "corpora" / "good.data.txt", FIXTURES / "corpora" / "good.gold.txt"
    index = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    fitted = evaluate_wic(index, data, gold, method="raw", train=(data, gold))["params"]
    assert fitted["fitted_on"] == (f"{data} (2 pairs), index {mini_index} "
                                   "(sentence-transformers/all-MiniLM-L6-v2, layers last), "
                                   "WordNet examples left out")
    assert all(p["fitted_on"].startswith("WiC train (5428 pairs)")
               for p in BUILTIN_PARAMS.values())
    again = fitting.fit_params(index, data, gold)
    assert again.fitted_on.endswith("WordNet examples as evidence")


def test_a_component_no_training_usage_had_is_not_used(mini_index, encoder, wordnet,
                                                       default_index):
    """Fitted on a WordNet-only index with WordNet's examples left out (WiC), no usage has
    nearest labelled usages; the parameters gave the ``knn`` component a mixture weight and
    its features coefficients all the same, and at query time, where the examples are
    evidence, those fed the regression numbers it was never fitted on."""
    from conftest import FIXTURES

    from sensedb import SenseIndex
    from sensedb.corpora import WicPair
    from sensedb.similarity import analysis as analysis_module
    from sensedb.similarity.usages import labelled_wic_pairs, wic_queries

    data, gold = FIXTURES / "corpora" / "good.data.txt", FIXTURES / "corpora" / "good.gold.txt"
    pairs = labelled_wic_pairs(data, gold)
    default = default_index  # WordNet-only: no corpus tokens
    with fitting.leaving_out_examples(default):
        found = analysis_module.analyze(default, [wic_queries(p) for p in pairs])
        assert fitting.absent_components(found) == ["knn"]
        params = fitting.fit_params(default, data, gold)
    assert params.mix["knn"] == 0.0 and params.mix["wsd"] > 0 and params.mix["gloss"] > 0
    assert not {"knn", "shared_neighbors"} & set(params.combined["features"])
    assert "sense" in params.combined["features"]
    # an index whose labelled tokens the pairs' lemma has keeps the component
    labelled = SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)
    banks = [WicPair("bank", "NOUN", "They sat on the bank of the river .".split(), 3,
                     "The bank raised its rates .".split(), 1, False, 1),
             WicPair("bank", "NOUN", "He fished from the bank .".split(), 4,
                     "We walked along the river bank .".split(), 5, True, 2)]
    with fitting.leaving_out_examples(labelled):
        kept = fitting.fit_params(labelled, banks, None)
    assert kept.mix["knn"] >= 1.0 and "shared_neighbors" in kept.combined["features"]
