"""Scoring: feature vectors, the conditional-logit fit, the shipped weights file."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from sensedb import ConfigurationError
from sensedb.retriever import scoring
from sensedb.vocabulary import ScoringMethod


def test_features_mark_missing_evidence():
    f = scoring.candidate_features(corpus_cos=None, support=0, vote=0.0, gloss_cos=0.4,
                                   example_cos=None, wordnet_count=0, sense_number=1)
    named = dict(zip(scoring.FEATURES, f, strict=True))
    assert named["has_corpus"] == 0 and named["corpus_cos"] == 0
    assert named["has_gloss"] == 1 and named["gloss_cos"] == pytest.approx(0.4)
    assert named["first_sense"] == 1 and named["inv_rank"] == 1


def test_fit_weights_learns_the_informative_feature():
    rng = np.random.default_rng(0)
    features, golds = [], []
    for _ in range(300):
        n = rng.integers(2, 6)
        x = rng.normal(size=(n, len(scoring.FEATURES))) * 0.1
        gold = np.zeros(n, bool)
        gold[rng.integers(n)] = True
        x[gold, scoring.FEATURES.index("gloss_cos")] += 1.0  # the gold sense's gloss fits
        x[:, scoring.FEATURES.index("inv_rank")] = rng.random(n)  # noise
        features.append(x)
        golds.append(gold)
    weights = scoring.fit_weights(features, golds)
    assert weights[scoring.FEATURES.index("gloss_cos")] > 5 * abs(
        weights[scoring.FEATURES.index("inv_rank")])
    right = sum(bool(g[np.argmax(x @ weights)]) for x, g in zip(features, golds, strict=True))
    assert right >= 295
    masked = scoring.fit_weights(features, golds,
                                 mask=np.array([n != "gloss_cos" for n in scoring.FEATURES]))
    assert masked[scoring.FEATURES.index("gloss_cos")] == 0


def _example_row(example_cos, example_nn_cos=None):
    return scoring.candidate_features(corpus_cos=None, support=0, vote=0.0, gloss_cos=0.3,
                                      example_cos=example_cos, wordnet_count=0, sense_number=1,
                                      example_nn_cos=example_nn_cos)


def test_relative_examples_count_how_much_better_a_sense_examples_fit():
    # three candidates: two with WordNet examples (cosines 0.9 / 0.8, nearest 0.7 / 0.5), one
    # without: the relative features are the difference from the mean of the two, and 0 for
    # the sense without examples (no evidence counts as average evidence), times the share of
    # the candidates with examples (2 of 3)
    features = np.stack([_example_row(0.9, 0.7), _example_row(None), _example_row(0.8, 0.5)])
    scoring.relative_examples(features)
    named = {n: features[:, scoring.FEATURES.index(n)] for n in ("example_rel", "example_nn_rel")}
    assert named["example_rel"] == pytest.approx([0.05 * 2 / 3, 0.0, -0.05 * 2 / 3])
    assert named["example_nn_rel"] == pytest.approx([0.1 * 2 / 3, 0.0, -0.1 * 2 / 3])
    # every candidate with examples: the plain difference from their mean
    every = scoring.relative_examples(np.stack([_example_row(0.9), _example_row(0.8)]))
    assert every[:, scoring.FEATURES.index("example_rel")] == pytest.approx([0.05, -0.05])
    # a formula on the relative feature gives no bonus for merely having examples: the sense
    # without examples ties the average one, where the absolute cosine put it 0.85 behind
    weights = scoring.weights_from({"example_rel": 1.0})
    assert (features @ weights)[1] == pytest.approx(np.mean((features @ weights)[[0, 2]]))
    # no candidate with examples: all 0, never NaN
    alone = scoring.relative_examples(np.stack([_example_row(None), _example_row(None)]))
    assert not alone[:, scoring.FEATURES.index("example_rel")].any()
    assert np.isfinite(alone).all()


def test_decided_by_a_tie_is_prior_not_corpus():
    """Two senses with no vector and the same prior features tie: WordNet's order breaks
    it. decided_by said "corpus" (the first group) for an answer with no corpus vector."""
    weights = scoring.weights_from({"corpus_cos": 4.0, "gloss_cos": 2.0})
    one = scoring.candidate_features(corpus_cos=None, support=0, vote=0, gloss_cos=None,
                                     example_cos=None, wordnet_count=0, sense_number=1)
    two = scoring.candidate_features(corpus_cos=None, support=0, vote=0, gloss_cos=None,
                                     example_cos=None, wordnet_count=0, sense_number=2)
    assert scoring.decided_by(np.stack([one, two]), weights) == "prior"


def test_decided_by_names_the_largest_gap():
    weights = scoring.weights_from({"gloss_cos": 2.0, "log_wordnet_count": 1.0})
    winner = scoring.candidate_features(corpus_cos=None, support=0, vote=0, gloss_cos=0.9,
                                        example_cos=None, wordnet_count=1, sense_number=2)
    second = scoring.candidate_features(corpus_cos=None, support=0, vote=0, gloss_cos=0.2,
                                        example_cos=None, wordnet_count=2, sense_number=1)
    assert scoring.decided_by(np.stack([winner, second]), weights) == "gloss"


def test_weights_file_names_the_scoring_features():
    text = resources.files("sensedb").joinpath(scoring.WEIGHTS_FILE).read_text()
    data = json.loads(text)
    assert data["features"] == list(scoring.FEATURES)
    for family in data["weights"].values():
        assert set(family) <= set(scoring.FEATURES)
    provenance = data["provenance"]
    assert provenance["command"].startswith("python scripts/tune_weights.py")
    assert provenance["date"] and provenance["data"]["corpus"]
    assert scoring.DEFAULT_WEIGHTS == data["weights"]
    # the numbers scripts/tune_weights.py chose (BENCHMARKS.md "The corpus formula by the same
    # rule"; both formulas: "Extended gloss overlap"; common_name and the corpus formula's
    # POS weight: "A capital inside the sentence")
    assert scoring.DEFAULT_WEIGHTS == {
        "corpus": {"corpus_cos": 2.8101, "vote": 0.7025, "gloss_cos": 2.1075,
                   "example_cos": 0.7025, "context_gloss_cos": 2.8101,
                   "bare_gloss_cos": -1.405, "log_support": 0.1405, "nn_cos": 0.7025,
                   "pos_logp": 2.8101, "proper_name": -1.405, "gloss_overlap": 0.0281,
                   "related_overlap": 0.0169, "common_name": -2.8101, "rare_base": -2.8101,
                   "personal_name": -2.8101},
        "wordnet_only": {"gloss_cos": 4.6691, "example_rel": 4.6691, "example_nn_rel": 1.1673,
                         "context_gloss_cos": 5.8363, "log_wordnet_count": 0.7004,
                         "inv_rank": 0.2335, "pos_logp": 1.4007, "proper_name": -2.3345,
                         "bare_gloss_cos": -2.3345, "gloss_overlap": 0.0584,
                         "related_overlap": 0.028, "common_name": -1.1673,
                         "rare_base": -5.8363, "personal_name": -5.8363}}
    # set by hand at one unit of the formula's largest weight (scripts/tune_weights.py)
    assert set(provenance["set_by_hand"]) == {"rare_base", "personal_name"}
    assert set(scoring.NOVELTY) == {"corpus", "wordnet_only"}
    # the multiword margins scripts/tune_multiword.py chose (BENCHMARKS.md "multiword margins")
    assert scoring.MULTIWORD == {"VERB": -1.0, "other": -0.4}
    assert scoring.MULTIWORD_RATE_WEIGHT == {"VERB": 0.75, "other": 0.0}
    assert data["multiword"]["provenance"]["command"].startswith(
        "python scripts/tune_multiword.py")
    wordnet = scoring.weights_from(scoring.DEFAULT_WEIGHTS["wordnet_only"])
    assert scoring.multiword_margin(wordnet, "VERB") == pytest.approx(-1.0 * 4.6691)
    assert scoring.multiword_evidence(wordnet, ["give_up"], "VERB") == pytest.approx(
        0.75 * scoring.rate_log_odds(None, ["give_up"]) * 4.6691)
    assert scoring.multiword_evidence(wordnet, ["hot_dog"], "NOUN") == 0.0
    # the corpus formula's, chosen by the same rule on a SemCor index without the held-out
    # documents (BENCHMARKS.md "The corpus formula by the same rule")
    assert scoring.MULTIWORD_CORPUS == {"VERB": -2.0, "other": -0.4}
    assert scoring.MULTIWORD_RATE_WEIGHT_CORPUS == {"VERB": 1.0, "other": 0.1}
    assert data["multiword"]["corpus_provenance"]["command"].startswith(
        "python scripts/tune_multiword.py choose --corpus")
    corpus = scoring.weights_from(scoring.DEFAULT_WEIGHTS["corpus"])
    assert scoring.multiword_margin(corpus, "VERB") == pytest.approx(-2.0 * 2.8101)
    assert scoring.multiword_margin(corpus, "NOUN") == pytest.approx(-0.4 * 2.8101)
    assert all(0 < t < 1 for family in scoring.NOVELTY.values() for t in family.values())


def test_pos_feature_is_soft_evidence():
    weights = scoring.weights_from({"gloss_cos": 7.0, "pos_logp": 1.4})
    noun = scoring.candidate_features(corpus_cos=None, support=0, vote=0, gloss_cos=0.3,
                                      example_cos=None, wordnet_count=0, sense_number=1,
                                      pos_logp=np.log(0.9))
    verb = scoring.candidate_features(corpus_cos=None, support=0, vote=0, gloss_cos=0.3,
                                      example_cos=None, wordnet_count=0, sense_number=1,
                                      pos_logp=np.log(0.1))
    assert noun @ weights > verb @ weights  # the POS the head prefers wins a tie
    strong = verb.copy()
    strong[scoring.FEATURES.index("gloss_cos")] = 0.8
    assert strong @ weights > noun @ weights  # clear gloss evidence beats the head
    assert scoring.decided_by(np.stack([noun, verb]), weights) == "pos"


def test_fit_is_a_weighted_mean_cosine():
    weights = scoring.weights_from({"gloss_cos": 3.0, "example_cos": 1.0, "pos_logp": 5.0,
                                    "log_wordnet_count": 9.0})
    features = np.stack([scoring.candidate_features(
        corpus_cos=None, support=0, vote=0, gloss_cos=g, example_cos=e, wordnet_count=100,
        sense_number=1, pos_logp=-2.0) for g, e in ((0.4, 0.8), (0.2, None))])
    assert np.allclose(scoring.fit(features, weights), [0.5, 0.15])
    assert scoring.novelty_threshold(weights, corpus=False) is None  # fitted for one formula
    shipped = scoring.weights_for(None, corpus=False)
    assert scoring.novelty_threshold(shipped, corpus=False) == {
        **scoring.NOVELTY["wordnet_only"],
        **{f"multiword_{g}": t for g, t in scoring.MULTIWORD_NOVELTY["wordnet_only"].items()}}
    # a scoring table (a head's) with thresholds fitted for its own formula gives those
    table = {"wordnet_only": {"gloss_cos": 3.0}, "novelty": {"wordnet_only": {"NOUN": 0.2}}}
    assert scoring.novelty_threshold(weights, False, table) == {"NOUN": 0.2}
    assert scoring.novelty_threshold(weights, True, table) is None  # none for that family


def test_a_multiword_lemma_has_novelty_thresholds_of_its_own():
    """At the single-word thresholds one multiword verb SemCor has as one token in seven was
    flagged novel ("The meeting took place at noon"), one in four on a SemCor index: a
    multiword best sense is read against thresholds fitted on multiword readings."""
    from sensedb.retriever.results import SenseScore, novelty_of

    for family in ("wordnet_only", "corpus"):
        groups = scoring.MULTIWORD_NOVELTY[family]
        assert set(groups) == {"VERB", "other"} and all(0 < t < 1 for t in groups.values())
        assert groups["VERB"] < scoring.NOVELTY[family]["VERB"]
    novelty = scoring.novelty_threshold(scoring.weights_for(None, corpus=False), corpus=False)

    def sense(lemma, pos):
        return SenseScore(key=f"{lemma}%x", synset="s", lemma=lemma, pos=pos, score=1.0,
                          gloss="", support=0, rank=1)

    assert novelty_of(novelty, sense("take_place", "VERB")) == novelty["multiword_VERB"]
    assert novelty_of(novelty, sense("ice_cream", "NOUN")) == novelty["multiword_other"]
    assert novelty_of(novelty, sense("take", "VERB")) == novelty["VERB"]
    assert novelty_of({"all": 0.3}, sense("take_place", "VERB")) == 0.3  # none shipped


def test_weights_for_takes_the_method_enum():
    weighted = scoring.weights_for(None, corpus=True, method=ScoringMethod.WEIGHTED)
    assert weighted[scoring.FEATURES.index("corpus_cos")] == 2.8101
    assert np.array_equal(scoring.weights_for(None, corpus=True, method="evidence"), weighted)
    wordnet_only = scoring.weights_for(None, corpus=False)
    assert wordnet_only[scoring.FEATURES.index("corpus_cos")] == 0
    cosine = scoring.weights_for(None, corpus=True, method=ScoringMethod.COSINE)
    assert np.array_equal(cosine, scoring.weights_from(scoring.COSINE_WEIGHTS))
    with pytest.raises(ConfigurationError, match="scoring method"):
        scoring.weights_for(None, corpus=True, method="magic")


def test_tune_weights_writes_the_file_scoring_reads():
    import datetime
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "tune_weights.py"
    spec = importlib.util.spec_from_file_location("tune_weights", path)
    tune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tune)
    results = {
        "corpus": {"formula": {"corpus_cos": 1.0, "pos_logp": 0.1},
                   "weights": {"corpus_cos": 4.669, "pos_logp": 0.4669},
                   "novelty": {"all": 0.31}},
        "wordnet_only": {"formula": {"gloss_cos": 1.0, "inv_rank": 0.1},
                         "weights": {"gloss_cos": 5.72, "inv_rank": 0.572},
                         "novelty": {"all": 0.2}},
    }
    data = tune.weights_file(results, ["tune", "--cache", "runs/c"],
                             datetime.date(2026, 11, 22))
    assert data["features"] == list(scoring.FEATURES)
    assert data["weights"] == {k: v["weights"] for k, v in results.items()}
    assert data["novelty"]["corpus"] == {"all": 0.31}
    assert data["provenance"]["command"] == "python scripts/tune_weights.py tune --cache runs/c"
    assert data["provenance"]["date"] == "2026-11-22"
    assert data["provenance"]["formulas"]["wordnet_only"] == {"gloss_cos": 1.0, "inv_rank": 0.1}
    assert data["provenance"]["formulas"]["corpus"] == {"corpus_cos": 1.0, "pos_logp": 0.1}
    shipped = json.loads(resources.files("sensedb").joinpath(scoring.WEIGHTS_FILE).read_text())
    assert set(data) == set(shipped) and set(data["provenance"]) == set(shipped["provenance"])


def test_the_corpus_formula_is_tuned_only_on_an_index_without_its_held_out_documents(
        mini_index, wordnet):
    import importlib.util
    from pathlib import Path

    import sensedb

    path = Path(__file__).resolve().parents[1] / "scripts" / "tune_weights.py"
    spec = importlib.util.spec_from_file_location("tune_weights", path)
    tune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tune)
    index = sensedb.open(mini_index, wordnet=wordnet)  # documents d000 and d001
    with pytest.raises(ValueError, match="holds 1 of the held-out documents .e.g. d000."):
        tune.refuse_held_out(index, tune.SEMCOR_DOCUMENTS)
    tune.refuse_held_out(index, {"d010", "d020"})  # none of them indexed: no error


def test_a_manifest_without_the_formula_is_an_index_format_error():
    from sensedb import IndexFormatError

    with pytest.raises(IndexFormatError, match="idx: .*'wordnet_only'"):
        scoring.weights_for({"corpus": {"corpus_cos": 1.0}}, corpus=False, where="idx")


def _flagged(**flag: bool) -> dict[str, float]:
    """One candidate's features by name, with the case flag(s) ``flag`` set."""
    return dict(zip(scoring.FEATURES, scoring.candidate_features(
        corpus_cos=None, support=0, vote=0, gloss_cos=0.3, example_cos=None, wordnet_count=0,
        sense_number=1, **flag), strict=True))


def test_proper_names_count_only_against_a_lower_case_form(wordnet):
    cranes = wordnet.candidates("crane", "NOUN")
    proper = scoring.proper_names(wordnet, "crane", cranes)
    # Stephen and Hart Crane (the writers) and the constellation; not the machine or the bird
    assert proper == {"crane%1:18:01::", "crane%1:18:00::", "crane%1:17:00::"}
    assert scoring.proper_names(wordnet, "Crane", cranes) == frozenset()  # a name, perhaps
    # 'Earth' beside 'earth' in one synset is no proper name; 'bank' has none
    assert scoring.proper_names(wordnet, "earth", wordnet.candidates("earth", "NOUN")) == set()
    assert scoring.proper_names(wordnet, "bank", wordnet.candidates("bank", "NOUN")) == set()
    # initialisms fit a form written in capitals only: "Hi" is a greeting, not Hawaii's HI
    his = wordnet.candidates("hi", "NOUN")
    assert scoring.proper_names(wordnet, "Hi", his) == {"hi%1:15:00::"}
    assert scoring.proper_names(wordnet, "hi", his) == {"hi%1:15:00::"}
    assert scoring.proper_names(wordnet, "HI", his) == frozenset()
    # a capitalized chemical symbol ("In", indium) is no initialism; Indiana's "IN" is
    ins = wordnet.candidates("in", "NOUN")
    assert scoring.proper_names(wordnet, "In", ins) == {"in%1:15:00::"}
    assert _flagged(proper_name=True)["proper_name"] == 1.0


def test_one_key_per_synset_answers_the_form_else_the_most_counted_key(wordnet):
    # "fulfilled": fulfil and fulfill share carry_through.v.01; WordNet counts fulfill 10
    # times in it, fulfil 3: fulfill's key answers for the synset, with its best score
    candidates = wordnet.candidates("fulfill", "VERB") + wordnet.candidates("fulfil", "VERB")
    keys = [s.key for s in candidates]
    scores = np.zeros(len(candidates))
    scores[keys.index("fulfil%2:36:00::")] = 5.0  # the lower-counted key scores higher
    chosen = scoring.one_key_per_synset(candidates, scores, "fulfilled")
    assert keys.index("fulfil%2:36:00::") not in chosen
    assert chosen[keys.index("fulfill%2:36:00::")] == keys.index("fulfil%2:36:00::")
    assert len(chosen) == len({s.synset for s in candidates})
    # "profits": profit%1:21:00:: and profits%1:21:01:: are both net_income.n.01, counted 6
    # times each; the form as written is the lemma answered, whichever it is
    candidates = wordnet.candidates("profit", "NOUN") + wordnet.candidates("profits", "NOUN")
    keys = [s.key for s in candidates]
    scores = np.arange(len(candidates), dtype=np.float64)
    for form, key in (("profits", "profits%1:21:01::"), ("profit", "profit%1:21:00::")):
        chosen = scoring.one_key_per_synset(candidates, scores, form)
        assert keys.index(key) in chosen
        assert {keys[at] for at in chosen} & {"profit%1:21:00::", "profits%1:21:01::"} == {key}
    # one lemma's candidates: every key is its own synset's
    alone = wordnet.candidates("bank", "NOUN")
    assert scoring.one_key_per_synset(alone, np.zeros(len(alone)), "bank") == {
        n: n for n in range(len(alone))}


def test_tune_multiword_chooses_with_or_without_se07():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "tune_multiword.py"
    spec = importlib.util.spec_from_file_location("tune_multiword", path)
    tune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tune)

    def row(doc: str, score: float, right: bool, inner_right: int) -> dict:
        # a noun compound, its best word scoring 0: kept where `score` is above the margin
        return {"doc": doc, "score": score, "inner": [0.0], "right": right,
                "inner_right": inner_right, "lemma_pos": ("x_y", "NOUN"), "gold_span": right}

    # SemCor keeps its compounds whole (right as one, wrong as words), a weak one (1.2 below
    # its words) and a strong one; SE07 splits a weak compound (its two words right)
    semcor = [row(f"d{n:03d}", score, True, 0) for n in range(0, 50, 10) for score in (-1.2, .5)]
    se07 = [row("d000", -1.2, False, 2), row("d000", -1.2, False, 2)]
    alone = tune.choose(semcor, se07, se07_weight=0.0)
    both = tune.choose(semcor, se07)
    assert alone["margin"][1] < -1.2 and alone["semcor_cv_right"] == 10
    assert both["margin"][1] >= -1.2 and both["se07_right_at_choice"] == 4


def test_tune_multiword_holds_the_other_margin():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "tune_multiword.py"
    spec = importlib.util.spec_from_file_location("tune_multiword", path)
    tune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tune)
    # a phrasal verb right whole 0.45 behind its verb, a noun compound wrong whole 0.35 behind
    rows = [{"doc": f"d{n:03d}", "score": score, "inner": [0.0], "right": pos == "VERB",
             "inner_right": int(pos != "VERB"), "lemma_pos": (lemma, pos), "gold_span": True}
            for n in range(0, 50, 10)
            for lemma, pos, score in (("point_out", "VERB", -0.45), ("x_y", "NOUN", -0.35))]
    free = tune.choose(rows, [], se07_weight=0.0)
    held = tune.choose(rows, [], se07_weight=0.0, other=-0.4)
    assert free["margin"][0] < -0.45 and free["margin"][1] >= -0.35
    assert held["margin"][0] < -0.45 and held["margin"][1] == -0.4
    assert set(held["per_fold"].values()) == {held["margin"]}
    with pytest.raises(ValueError, match="not on the grid"):
        tune.choose(rows, [], other=-0.42)


def test_tune_multiword_counts_by_head_tags():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "tune_multiword.py"
    spec = importlib.util.spec_from_file_location("tune_multiword", path)
    tune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tune)

    def row(words, tags, next_tag, pos, score, right, inner_right, gold_span):
        return {"doc": "d000", "words": words, "score": score, "inner": [0.0],
                "right": right, "inner_right": inner_right, "lemma_pos": ("x_y", pos),
                "gold_span": gold_span, "tags": tags, "next_tag": next_tag}

    rows = [  # "talking about landing" (split in the data) and "fend for yourself" (one token)
        row(["talking", "about"], ["VERB", "ADP"], "VERB", "VERB", -0.1, False, 1, False),
        row(["fend", "for"], ["VERB", "ADP"], "VERB", "VERB", -0.6, True, 0, True),
        row(["mental", "illness"], ["ADJ", "NOUN"], None, "NOUN", -0.3, True, 0, True),
    ]
    groups = {g["group"]: g for g in tune.by_tags(rows, (-0.5, -0.4))}
    verb = groups["VERB ADP VERB"]
    # at -0.5 the first is kept (wrong), the second split (its words wrong): 0 right;
    # every one split: 1 right (talking); every one kept: 1 right (fend for)
    assert (verb["n"], verb["one_token"], verb["kept"]) == (2, 1, 1)
    assert (verb["right_at_margin"], verb["right_all_split"], verb["right_all_kept"]) == (0, 1, 1)
    assert groups["NOUN NOUN -"]["right_at_margin"] == 1 and list(groups)[0] == "VERB ADP VERB"


def test_personal_name_flag_is_its_own_column():
    """The flag of ``names.personal_names`` lands in the personal_name column alone."""
    flags = _flagged(personal_name=True)
    assert flags["personal_name"] == 1.0 and flags["common_name"] == 0.0


def test_common_names_count_against_a_capital_inside_the_sentence(wordnet):
    turkeys = wordnet.candidates("turkey", "NOUN")
    common = {s.key for s in turkeys if not wordnet.proper_name(s)}
    assert common and "turkey%1:15:00::" not in common  # Turkey the country is the name

    def flagged(sentence: str, at: int) -> frozenset[str]:
        return scoring.common_names(wordnet, sentence.split(), at, turkeys)

    assert flagged("We spent our holiday in Turkey last summer", 5) == common
    assert flagged("He said : Turkey was lovely", 3) == frozenset()  # ":" opens a sentence
    assert flagged("Turkey was lovely", 0) == frozenset()  # a sentence's first word
    assert flagged("It was cold . Turkey was lovely", 4) == frozenset()
    assert flagged("Holiday Deals In Turkey This Summer", 3) == frozenset()  # title case
    # two names among the long words of a sentence in sentence case are no title case
    assert flagged("Yesterday Mr . Brown visited Turkey", 5) == common
    assert flagged("We spent our holiday in TURKEY last summer", 5) == frozenset()  # no case
    assert flagged("We ate turkey at Thanksgiving", 2) == frozenset()  # lower case
    # the writer Dickens against the exclamation; a lemma without a proper name: nothing
    dickens = wordnet.candidates("dickens", "NOUN")
    assert scoring.common_names(wordnet, "I read Dickens".split(), 2, dickens) == {
        s.key for s in dickens if not wordnet.proper_name(s)} != frozenset()
    writer = {s.key for s in dickens if not wordnet.proper_name(s)}
    # a period after an abbreviation or an initial ends no sentence (tag's tokenizer writes
    # "Mr." as "Mr" "."; the spaCy component keeps "Mr." whole: both flag alike)
    for sentence in ("We met Mr . Dickens", "We met Mr. Dickens", "We met C . Dickens"):
        words = sentence.split()
        assert scoring.common_names(wordnet, words, words.index("Dickens"), dickens) == writer
    assert scoring.common_names(wordnet, "It was late . Dickens".split(), 4, dickens) == set()
    banks = wordnet.candidates("bank", "NOUN")
    assert scoring.common_names(wordnet, "I went to the Bank".split(), 4, banks) == frozenset()
    flags = _flagged(common_name=True)
    assert flags["common_name"] == 1.0 and flags["proper_name"] == 0.0


def test_a_form_in_capitals_counts_proper_names_except_initialisms(wordnet):
    # "THE CRANE LIFTED THE BEAM." was tagged crane%1:18:01:: (Hart Crane): a form in
    # capitals said nothing of proper names
    cranes = wordnet.candidates("crane", "NOUN")
    assert scoring.proper_names(wordnet, "CRANE", cranes) == scoring.proper_names(
        wordnet, "crane", cranes) == {"crane%1:18:01::", "crane%1:18:00::", "crane%1:17:00::"}
    # initialisms, written in capitals in WordNet too, still fit: "US", "OK", "HI"
    us = wordnet.candidates("us", "NOUN")
    assert us and all(wordnet.initialism(s) for s in us)
    assert scoring.proper_names(wordnet, "US", us) == frozenset()
    oks = [s for pos in ("NOUN", "ADJ", "ADV") for s in wordnet.candidates("ok", pos)]
    flagged = scoring.proper_names(wordnet, "OK", oks)
    assert not any(wordnet.initialism(s) for s in oks if s.key in flagged)
    assert any(wordnet.initialism(s) for s in oks)
    assert "hi%1:15:00::" not in scoring.proper_names(wordnet, "HI",
                                                      wordnet.candidates("hi", "NOUN"))
    # a single capital letter is only capitalized: it says nothing
    assert scoring.proper_names(wordnet, "C", wordnet.candidates("c", "NOUN")) == frozenset()


def test_bare_cosines_compare_each_gloss_with_its_lemma_alone(wordnet):
    """``bare_gloss_cos`` is the cosine of a candidate's gloss vector to the vector of ITS
    lemma encoded alone; None (feature 0) for a sense without a gloss vector or a lemma
    without a bare vector, and for every candidate when no bare vectors are given."""
    from sensedb.retriever.sources import ArraySource
    from sensedb.vocabulary import group_key

    bank = wordnet.candidates("bank", "NOUN")[:3]
    banking = wordnet.candidates("banking", "NOUN")[:1]
    candidates = bank + banking
    rng = np.random.default_rng(1)

    def unit(n):
        v = rng.normal(size=n).astype(np.float32)
        return v / np.linalg.norm(v)

    gloss = {s.key: unit(8) for s in candidates[1:]}  # the first sense has no gloss vector
    bare = {"bank": unit(8)}  # "banking" has no bare vector
    found, stacked = ArraySource(wordnet, gloss=gloss).wordnet_vectors(
        [s.key for s in candidates], "gloss")
    cosines = scoring.bare_cosines(candidates, found, stacked, bare)
    assert cosines[0] is None and cosines[3] is None
    for n in (1, 2):
        assert cosines[n] == pytest.approx(float(gloss[candidates[n].key] @ bare["bank"]))
    assert scoring.bare_cosines(candidates, found, stacked, None) == [None] * 4
    # through candidate_matrix: the column, and 0 without bare vectors
    source = ArraySource(wordnet, gloss=gloss)
    usage = unit(8)
    column = scoring.FEATURES.index("bare_gloss_cos")
    found = scoring.candidate_matrix(source, candidates, [group_key("bank", "NOUN")], usage,
                                     usage, bare=bare)
    assert found.features[:, column] == pytest.approx([c or 0.0 for c in cosines])
    without = scoring.candidate_matrix(source, candidates, [group_key("bank", "NOUN")], usage,
                                       usage)
    assert not without.features[:, column].any()
    assert np.array_equal(np.delete(without.features, column, axis=1),
                          np.delete(found.features, column, axis=1))


def test_tune_weights_fills_the_bare_column_and_recomputes_changed_rows():
    """``fill_column`` sets a feature per cached row and leaves (and names) a row whose
    candidates the product now lists differently."""
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    path = Path(__file__).resolve().parents[1] / "scripts" / "tune_weights.py"
    spec = importlib.util.spec_from_file_location("tune_weights", path)
    tune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tune)
    width = len(scoring.FEATURES)
    rows = [(np.zeros((2, width)), np.array([True, False]),
             {"id": "a", "cand_pos": ["NOUN", "VERB"]}),
            (np.zeros((1, width)), np.array([True]), {"id": "b", "cand_pos": ["NOUN"]})]
    listed = [[SimpleNamespace(pos="NOUN"), SimpleNamespace(pos="VERB")],
              [SimpleNamespace(pos="NOUN"), SimpleNamespace(pos="NOUN")]]  # b changed
    out, differ = tune.fill_column(rows, "bare_gloss_cos", [[0.5, 0.25], [0.1, 0.2]], listed)
    column = scoring.FEATURES.index("bare_gloss_cos")
    assert differ == [1]
    assert out[0][0][:, column] == pytest.approx([0.5, 0.25])
    assert out[1][0] is rows[1][0] and not rows[0][0].any()  # the cache's arrays untouched


def test_rate_log_odds_is_the_smoothed_log_odds_of_the_most_whole_lemma():
    rates = {"go_to": (27, 242), "give_up": (28, 0), "of_course": (91, 92)}
    assert scoring.rate_log_odds(rates, ["go_to"]) == pytest.approx(np.log(28 / 243))
    assert scoring.rate_log_odds(rates, ["give_up"]) == pytest.approx(np.log(29))
    assert scoring.rate_log_odds(rates, ["go_to", "give_up"]) == pytest.approx(np.log(29))
    assert scoring.rate_log_odds(rates, ["x_y"]) == 0.0  # never met: no evidence
    assert scoring.rate_log_odds(rates, []) == 0.0
    shipped = scoring.multiword_rates()
    # SemCor writes "go to" apart far more often than it tags go_to; never "give up" apart
    assert scoring.rate_log_odds(None, ["go_to"]) < -1.5 < 1.5 < scoring.rate_log_odds(
        None, ["give_up"])
    assert all(whole >= 0 and apart >= 0 and whole + apart > 0
               for whole, apart in shipped.values())


def test_multiword_evidence_uses_the_weight_of_the_formulas_family(monkeypatch):
    weights = np.zeros(len(scoring.FEATURES))
    weights[scoring.FEATURES.index("gloss_cos")] = 2.0
    monkeypatch.setattr(scoring, "MULTIWORD_RATE_WEIGHT", {"VERB": 0.5, "other": 0.1})
    monkeypatch.setattr(scoring, "MULTIWORD_RATE_WEIGHT_CORPUS", {"VERB": 0.0})
    odds = scoring.rate_log_odds(None, ["go_to"])
    # in units of the main weight (gloss_cos here), the weight of the reading's POS
    assert scoring.multiword_evidence(weights, ["go_to"], "VERB") == pytest.approx(
        0.5 * odds * 2.0)
    assert scoring.multiword_evidence(weights, ["go_to"], "NOUN") == pytest.approx(
        0.1 * odds * 2.0)
    weights[scoring.FEATURES.index("corpus_cos")] = 3.0  # a corpus formula: its own weight
    assert scoring.multiword_evidence(weights, ["go_to"], "VERB") == 0.0
    assert scoring.multiword_evidence(weights, ["go_to"], "NOUN") == 0.0


def test_tune_multiword_chooses_a_rate_weight_where_the_rates_tell_readings_apart():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "tune_multiword.py"
    spec = importlib.util.spec_from_file_location("tune_multiword", path)
    tune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tune)
    # two verb readings scoring alike: the corpus writes one whole (right kept) and the other
    # apart (right split); no margin alone gets both, the rates do
    rows = [{"doc": f"d{n:03d}", "score": -0.3, "inner": [0.0], "right": lemma == "come_out",
             "inner_right": int(lemma == "go_to"), "lemma_pos": (lemma, "VERB"),
             "gold_span": lemma == "come_out"}
            for n in range(0, 50, 10) for lemma in ("come_out", "go_to")]
    rates = {"come_out": (40, 4), "go_to": (27, 242)}
    without = tune.choose(rows, [], se07_weight=0.0)
    with_rates = tune.choose(rows, [], se07_weight=0.0, rates=rates)
    assert without["rate_weight"] == (0.0, 0.0) and without["semcor_cv_right"] == 5
    assert with_rates["rate_weight"][0] > 0 and with_rates["semcor_cv_right"] == 10


def test_multiword_rates_counts_spans_the_corpus_writes_whole_or_apart(index, tmp_path):
    import importlib.util
    import sys
    from pathlib import Path

    scripts = Path(__file__).resolve().parents[1] / "scripts"
    sys.path.insert(0, str(scripts))
    try:
        spec = importlib.util.spec_from_file_location("multiword_rates",
                                                      scripts / "multiword_rates.py")
        rates = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(rates)
    finally:
        sys.path.remove(str(scripts))
    xml = tmp_path / "c.data.xml"
    xml.write_text(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<corpus lang="en" source="t">\n'
        '<text id="d001"><sentence id="d001.s000">'
        '<wf lemma="we" pos="PRON">We</wf><instance id="d001.s000.t000" lemma="go" '
        'pos="VERB">went</instance><wf lemma="to" pos="ADP">to</wf><wf lemma="the" '
        'pos="DET">the</wf><instance id="d001.s000.t001" lemma="store" pos="NOUN">store'
        '</instance></sentence>'
        '<sentence id="d001.s001"><wf lemma="he" pos="PRON">He</wf>'
        '<instance id="d001.s001.t000" lemma="give_up" pos="VERB">gave up</instance>'
        '</sentence></text>\n'
        '<text id="d010"><sentence id="d010.s000"><wf lemma="he" pos="PRON">He</wf>'
        '<instance id="d010.s000.t000" lemma="give" pos="VERB">gave</instance>'
        '<wf lemma="up" pos="PRT">up</wf></sentence></text>\n</corpus>\n', encoding="utf-8")
    from sensedb import SenseIndex  # noqa: F401 - the fixture's index reads WordNet

    whole, apart, read = rates.count(index, xml, set())
    assert (whole["give_up"], apart["give_up"]) == (1, 1) and apart["go_to"] == 1
    assert whole["go_to"] == 0 and read == 3
    whole, apart, read = rates.count(index, xml, rates.excluded("d010"))
    assert (whole["give_up"], apart["give_up"], read) == (1, 0, 2)
    assert "d000" in rates.excluded("tuning") and "d015" in rates.excluded("slice")


def test_tune_weights_scan_and_examples_weight():
    """``tune --scan`` searches one feature around the shipped formula; ``--examples-weight``
    leans the rule's choice towards the WordNet-examples set."""
    import argparse
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "tune_weights.py"
    spec = importlib.util.spec_from_file_location("tune_weights", path)
    tune = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tune)
    grid = tune.around("wordnet_only", "common_name", (0.0, -0.5))
    shipped = scoring.shipped_weights_file()["provenance"]["formulas"]["wordnet_only"]
    assert grid["common_name"] == (0.0, -0.5)
    assert all(grid[name] == (weight,) for name, weight in shipped.items()
               if name != "common_name")
    assert tune.scan_argument("pos_logp=.3,1") == ("pos_logp", (0.3, 1.0))
    for bad in ("pos_logp", "no_such=1", "pos_logp=a"):
        with pytest.raises(argparse.ArgumentTypeError):
            tune.scan_argument(bad)
    gloss, count = scoring.FEATURES.index("gloss_cos"), scoring.FEATURES.index("log_wordnet_count")

    def row(prior_right: bool, meta: dict):
        features = np.zeros((2, len(scoring.FEATURES)))
        features[:, gloss] = (0.2, 0.6)  # the second candidate fits the gloss better
        features[:, count] = (1.0, 0.0)  # the first is the more frequent
        gold = np.array([prior_right, not prior_right])
        return features, gold, {"pos": "NOUN", "cand_pos": ["NOUN", "NOUN"], **meta}

    semcor = [row(True, {"doc": f"d{n:03d}"}) for n in range(0, 100, 10)]
    se07 = [row(True, {"doc": "se07"}) for _ in range(2)]
    examples = [row(False, {"fold": n % 5, "doc": "wnex"}) for n in range(10)]
    family = {"gloss_cos": (1.0,), "log_wordnet_count": (0.0, 1.0)}
    chosen = {w: tune.tune_formula(family, {"gloss_cos": 1.0}, semcor, se07, examples,
                                   examples_weight=w)["formula"]["log_wordnet_count"]
              for w in (1.0, 3.0)}
    # SemCor and SE07 (2 of 3 sets) want the prior; counted three times the examples win
    assert chosen == {1.0: 1.0, 3.0: 0.0}
    # --se07-weight 0: SE07 reported, never a selector (the SemCor folds choose the prior
    # that SE07 here refutes); counted three times SE07 would choose
    refuting = [row(False, {"doc": "se07"}) for _ in range(2)]
    found = {w: tune.tune_formula(family, {"gloss_cos": 1.0}, semcor, refuting,
                                  se07_weight=w) for w in (0.0, 3.0)}
    assert {w: f["formula"]["log_wordnet_count"] for w, f in found.items()} == {0.0: 1.0,
                                                                               3.0: 0.0}
    assert found[0.0]["se07_after"]["raw"]["all"] == 0.0  # reported all the same


def test_readme_formulas_are_the_shipped_weights():
    """A tester's report: the README gave the bare model's formulas as the ones the default
    index answers with, though the shipped head carries its own. Its four formulas (the
    head's corpus and WordNet-only ones, then the package's) must be the weights, each term a
    coefficient of the temperature it is written with."""
    import re
    from pathlib import Path

    from sensedb.head import RetrievalHead, default_head_path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"(corpus|WordNet-only) index:\s+score = ([\d.]+) · \((.*?)\)\n",
                       readme, re.S)
    head = RetrievalHead.load(default_head_path()).scoring
    package = scoring.shipped_weights_file()["weights"]
    expected = [head["corpus"], head["wordnet_only"], package["corpus"],
                package["wordnet_only"]]
    assert [family for family, _, _ in found] == ["corpus", "WordNet-only"] * 2
    for (_, temperature, body), weights in zip(found, expected, strict=True):
        terms = {}
        for sign, coefficient, name in re.findall(r"([+-]?)\s*(?:([\d.]+)·)?(\w+)",
                                                  " ".join(body.split())):
            terms[name] = (-1 if sign == "-" else 1) * float(coefficient or 1)
        nonzero = {name: w for name, w in weights.items() if w}
        assert set(terms) == set(nonzero), body
        for name, w in nonzero.items():
            assert terms[name] == pytest.approx(w / float(temperature), abs=1e-3), name
