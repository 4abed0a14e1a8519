"""The facade (SenseIndex): index -> query round trips on the real model, FAISS and SQLite, what
bad input does, and one token search per wsd query serving the vote and the evidence."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import MINI_GOLD, MINI_XML

import sensedb
from sensedb import InputError, SenseIndex, build_index
from sensedb.retriever import scoring


@pytest.fixture()
def index(mini_index, encoder, wordnet):
    return SenseIndex(mini_index, encoder=encoder, wordnet=wordnet, wordnet_evidence=False)


def count_searches(monkeypatch, store) -> list:
    calls = []
    real = store.search

    def search(queries, k, groups=None):
        calls.append(k)
        return real(queries, k, groups)

    monkeypatch.setattr(store, "search", search)
    return calls


@pytest.mark.parametrize("k", [0, 1, 3, 5, 12])
def test_wsd_searches_the_token_store_once(index, monkeypatch, k):
    sentence = "They fished from the bank of the river"
    expected = index.nearest(index.query_vectors([index.locate(sentence, "bank")])[0],
                             index.lemma_candidates("bank"), k) if k else []
    tokens = count_searches(monkeypatch, index.tokens)
    answer = index.wsd(sentence, "bank", k=k)
    assert len(tokens) == 1
    # the evidence is what a separate nearest() search finds
    assert answer.evidence == expected
    assert len(answer.evidence) == min(k, 6)


@pytest.mark.parametrize("k", [0, 1, 4, 40])
def test_wsd_searches_the_example_store_once(mini_index, tmp_path, encoder, wordnet,
                                            monkeypatch, k):
    """The scoring's search of the lemma's WordNet examples serves the evidence too (the
    evidence searched the example store a second time: 0.1 ms of a query)."""
    shutil.copytree(mini_index, tmp_path / "copy")  # WordNet's vectors are added to it
    index = SenseIndex(tmp_path / "copy", encoder=encoder, wordnet=wordnet,
                       wordnet_evidence=True)
    sentence = "They fished from the bank of the river"
    index.wsd(sentence, "bank", k=0)  # builds the lemma's WordNet vectors
    expected = index.nearest(index.query_vectors([index.locate(sentence, "bank")])[0],
                             index.lemma_candidates("bank"), k) if k else []
    examples = count_searches(monkeypatch, index.examples)
    answer = index.wsd(sentence, "bank", k=k)
    assert len(examples) == 1
    assert answer.evidence == expected  # what a separate nearest() search finds
    assert {u.corpus for u in answer.evidence} <= {"wordnet", "mini"}
    if k >= 4:
        assert "wordnet" in {u.corpus for u in answer.evidence}


def test_threads_sharing_a_fresh_index_load_its_model_once(mini_index, wordnet, monkeypatch):
    """Four threads' first queries on an index opened without an encoder: each loaded the
    model, and transformers' lazy imports, run at once, failed in three of them with
    "ImportError: cannot import name 'AutoConfig'" (a tester's report)."""
    from concurrent.futures import ThreadPoolExecutor

    import sensedb.retriever.index as facade

    made = []
    real = facade.make_encoder

    def make_encoder(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(facade, "make_encoder", make_encoder)
    index = SenseIndex(mini_index, wordnet=wordnet, wordnet_evidence=False)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: index.wsd("They fished from the bank of the river",
                                                     "bank", k=2), range(4)))
    assert len(made) == 1
    assert {a.best.key for a in answers} == {"bank%1:17:01::"}
    assert len({tuple((u.document, u.score) for u in a.evidence) for a in answers}) == 1


def test_a_fallback_answer_is_scored_by_the_prior_as_the_readme_says(index):
    """No candidate of "account" has a corpus, gloss or example vector in the mini index
    opened without WordNet vectors: the answer and every sense are "fallback", yet each is
    scored (numbers, not null) by the features that need no vector, ranked by score with
    ties in WordNet order, and a tie is decided_by "prior" (it said "corpus"). The gloss
    overlap needs no vector either: "bank" in the sentence and in a gloss of "account" is
    evidence, decided_by "gloss", where the index's formula weighs an overlap (the
    package's corpus formula does; the shipped head's, chosen on its own features, does
    not: then the prior decides); alone, the word ties its senses but for the prior."""
    answer = index.wsd("He opened an account at the bank", "account")
    assert answer.fallback and all(s.fallback for s in answer.senses)
    assert all(isinstance(s.score, float) and s.probability is not None
               for s in answer.senses)
    scores = [s.score for s in answer.senses]
    assert scores == sorted(scores, reverse=True)
    for pos in {s.pos for s in answer.senses}:
        same = [s for s in answer.senses if s.pos == pos]
        assert all(a.score > b.score or a.rank < b.rank
                   for a, b in zip(same, same[1:], strict=False))
    overlaps = index.weights[[scoring.FEATURES.index("gloss_overlap"),
                              scoring.FEATURES.index("related_overlap")]]
    assert answer.decided_by == ("gloss" if overlaps.any() else "prior")
    alone = index.wsd("account", "account")
    assert alone.fallback and alone.decided_by == "prior"
    assert alone.to_dict()["decided_by"] == "prior"


def test_an_index_that_is_no_path_is_one_input_error():
    with pytest.raises(InputError, match="an index is a directory path, not int"):
        sensedb.open(5)  # was a TypeError from pathlib


def test_cosine_of_two_usages(index):
    same = index.cosine("He sat on the bank of the river", "bank",
                        "They fished from the river bank", "bank")
    assert isinstance(same, float) and -1 <= same <= 1
    assert not hasattr(index, "similarity")  # renamed: sensedb.similarity is the other one


def test_a_run_on_sentence_longer_than_the_model_is_answered(index):
    # a 694-word sentence used to crash the sentence vector (positions past 512)
    words = ("and then we walked and talked for hours about nothing " * 68).split()
    sentence = " ".join(words[:684] + "on the grassy bank of the river to fish".split())
    target = index.locate(sentence, "bank")
    context = index.context_vectors([target], force=True)[0]
    assert context.shape == (384,) and abs(float(context @ context) - 1.0) < 1e-4
    answer = index.disambiguate(target, index.lemma_candidates("bank"),
                                index.query_vectors([target], raw=True)[0], context=context)
    assert answer.best is not None and answer.best.key.startswith("bank%")
    import sensedb

    tagged = sensedb.tag(index, sentence)
    assert any(w.word == "bank" for w in tagged)


def open_index(path, encoder, wordnet, **options) -> SenseIndex:
    """An index with corpus evidence only, unless ``wordnet_evidence=True`` is given."""
    options.setdefault("wordnet_evidence", False)
    return SenseIndex(path, encoder=encoder, wordnet=wordnet, **options)


def test_round_trip_wsd(mini_index, encoder, wordnet):
    index = open_index(mini_index, encoder, wordnet)
    info = index.info()
    assert (info["documents"], info["sentences"], info["tokens"]) == (2, 9, 19)
    assert info["token_vectors"] == 19 and info["sense_vectors"] == info["senses"]
    index.check()
    river = index.wsd("They fished from the bank of the river", "bank", k=3)
    assert river.best.key == "bank%1:17:01::"
    assert river.best.support == 3 and not river.fallback
    assert river.evidence[0].senses == ["bank%1:17:01::"]
    assert len(river.evidence) == 3 and all(u.lemma == "bank" for u in river.evidence)
    money = index.wsd("I paid the money into my account at the bank", "bank")
    assert money.best.key == "bank%1:14:00::"
    # senses the corpus never labelled have no cosine and are flagged; the two it labelled do
    seen = [s for s in money.senses if not s.fallback]
    assert {s.key for s in seen} == {"bank%1:14:00::", "bank%1:17:01::"}
    assert all(s.cosine is not None and s.support == 3 for s in seen)
    unseen = [s for s in money.senses if s.fallback]
    assert len(unseen) == 16 and all(s.cosine is None and s.support == 0 for s in unseen)
    probabilities = [s.probability for s in money.senses]
    assert abs(sum(probabilities) - 1) < 1e-3 and probabilities == sorted(probabilities)[::-1]
    assert money.margin == pytest.approx(probabilities[0] - probabilities[1], abs=1e-5)
    assert money.decided_by in {"corpus", "gloss", "examples", "prior"}


def test_wordnet_evidence_is_added_on_first_use(tmp_path, encoder, wordnet):
    path = _mini_copy(tmp_path, encoder, wordnet)
    index = open_index(path, encoder, wordnet, wordnet_evidence=True)
    generations = index.directory.manifest().generations
    answer = index.wsd("The plant needs water and light", "plant")
    assert not any(s.fallback for s in answer.senses)  # every sense has a gloss vector
    after = index.directory.manifest().generations
    assert after["tokens"] == generations["tokens"]  # the corpus indexes were not rebuilt
    assert after["wordnet"] > generations["wordnet"] and index.wordnet_senses.ntotal >= 4
    assert index.info()["corpora"]["wordnet"] == 2  # plant as a noun and as a verb
    index.check()
    without = open_index(path, encoder, wordnet, wordnet_evidence=True, use_examples=False)
    usages = without.neighbors("The plant needs water", "plant", k=20)
    assert usages and {u.corpus for u in usages} == {"mini"}
    assert "wordnet" in {u.corpus for u in index.neighbors("The plant needs water", "plant",
                                                           k=40)}


def test_multiword_target_and_position(mini_index, encoder, wordnet):
    index = open_index(mini_index, encoder, wordnet)
    answer = index.wsd("The party took place at noon", "took place")
    assert answer.lemma == "take_place" and answer.best.key == "take_place%2:30:00::"
    second = index.wsd("the bank by the bank", "bank", at=4)
    assert second.position == 4
    with pytest.raises(InputError, match="not in the sentence"):
        index.wsd("He sat on the shore", "bank")
    with pytest.raises(InputError, match="empty sentence"):
        index.wsd("   ", "bank")
    with pytest.raises(InputError, match="not a word"):
        index.wsd("The xqzt was here", "xqzt")


def test_an_empty_word_in_a_pre_tokenized_sentence_is_refused(mini_index, encoder, wordnet):
    """The JSONL reader refuses an empty token; the API took ["He", "", "bank"] and encoded
    an empty word. It is an InputError on one line naming the word's position."""
    index = open_index(mini_index, encoder, wordnet)
    for words in (["He", "", "bank"], ["He", "  ", "bank"]):
        for call in (lambda w: index.wsd(w, "bank"), lambda w: index.neighbors(w, "bank")):
            with pytest.raises(sensedb.InputError, match="^word 1 of the sentence is empty") \
                    as info:
                call(words)
            assert "\n" not in str(info.value)
    assert index.wsd(["He", "sat", "by", "the", "bank"], "bank").position == 4


def test_a_negative_or_non_integer_k_is_a_sensedb_error(mini_index, encoder, wordnet):
    # index.neighbors(..., k=-3) returned [] and wsd(..., k=-3) no evidence, silently (the
    # CLI refuses -k -3)
    index = open_index(mini_index, encoder, wordnet)
    for call in (lambda k: index.neighbors("The bank", "bank", k=k),
                 lambda k: index.wsd("The bank", "bank", k=k)):
        with pytest.raises(sensedb.InputError, match="k must be 0 or more, not -3$"):
            call(-3)
        with pytest.raises(sensedb.InputError, match="k must be an integer, not (str|bool)$"):
            call("5")
        with pytest.raises(sensedb.InputError, match="k must be an integer, not bool$"):
            call(True)
    assert len(index.neighbors("The bank", "bank", k=2)) == 2
    assert index.wsd("The bank", "bank", k=0).evidence == []


def test_a_sentence_or_position_of_the_wrong_type_is_a_sensedb_error(mini_index, encoder,
                                                                     wordnet):
    # wsd(None, "bank") raised "TypeError: 'NoneType' object is not iterable" (tag's text
    # gave sensedb.Error "text must be a string"); neighbors, cosine, similarity likewise
    index = open_index(mini_index, encoder, wordnet)
    calls = [lambda: index.wsd(None, "bank"), lambda: index.neighbors(None, "bank"),
             lambda: index.cosine("The bank", "bank", None, "bank"),
             lambda: sensedb.similarity(index, (None, "bank"), ("The bank", "bank")),
             lambda: index.wsd(b"The bank", "bank"), lambda: index.wsd(7, "bank")]
    for call in calls:
        with pytest.raises(sensedb.Error, match="the sentence must be a string or a list of "
                                                "words, not (NoneType|bytes|int)$"):
            call()
    with pytest.raises(sensedb.Error, match="the target must be a string, not int"):
        index.neighbors("The bank", 3)
    with pytest.raises(sensedb.Error, match="token position must be an integer, not str"):
        sensedb.similarity(index, ("The bank", "bank", "x"), ("The bank", "bank"))
    import numpy as np

    assert index.wsd(["The", "bank"], at=np.int64(1)).position == 1  # numpy integers do
    # a position outside the sentence is named as such with a target too (at=-1 said
    # 'target "bank" is not in the sentence at token -1')
    for at in (-1, 2):
        with pytest.raises(sensedb.Error, match=f"^token position {at} is outside the "
                                                r"sentence \(2 tokens: The bank\)$"):
            index.wsd("The bank", "bank", at=at)


def test_neighbors_and_similarity(mini_index, encoder, wordnet):
    index = open_index(mini_index, encoder, wordnet)
    near = index.neighbors("We walked along the bank of the stream", "bank", k=10)
    assert len(near) == 6 and all(u.lemma == "bank" for u in near)
    assert [u.score for u in near] == sorted((u.score for u in near), reverse=True)
    anything = index.neighbors("We walked along the bank", "bank", k=19, any_lemma=True)
    assert len(anything) == 19 and {u.lemma for u in anything} > {"bank", "plant"}
    # a huge k is clamped to what can be returned (it sized result arrays: memory error)
    assert len(index.neighbors("We walked along the bank", "bank", k=10**9)) == len(near)
    assert len(index.neighbors("We walked along the bank", "bank", k=10**9,
                               any_lemma=True)) >= 19
    assert len(index.wsd("We walked along the bank", "bank", k=10**9).evidence) == len(near)
    same = index.cosine("He sat on the bank of the river", "bank",
                            "They fished from the river bank", "bank")
    other = index.cosine("He sat on the bank of the river", "bank",
                             "The bank raised its rates", "bank")
    assert -1 <= other < same <= 1
    # a usage with itself is 1.0 exactly (float32 rounding gave 1.0000001192092896)
    assert index.cosine("He sat on the bank of the river", "bank",
                        "He sat on the bank of the river", "bank") == 1.0


def _mini_copy(tmp_path, encoder, wordnet):
    path = tmp_path / "built"
    build_index(MINI_XML, path, gold=MINI_GOLD, encoder=encoder, wordnet=wordnet,
                progress=False)
    return path


def test_evaluate_scores_and_writes_predictions(mini_index, encoder, wordnet, tmp_path):
    index = open_index(mini_index, encoder, wordnet)
    out = tmp_path / "pred.key"
    result = sensedb.evaluate(index, MINI_XML, MINI_GOLD, out=out)
    assert result["n"] == 19 and result["answered"] == 19 and result["fallbacks"] == 0
    assert set(result["by_pos"]) == {"NOUN", "VERB"}
    assert result["f1"] >= 90  # each usage is part of its own sense's mean
    predicted = dict(line.split() for line in out.read_text().splitlines())
    gold = dict(line.split() for line in MINI_GOLD.read_text().splitlines())
    correct = sum(predicted[i] == gold[i] for i in gold)
    assert round(100 * correct / 19, 2) == result["recall"]
    json.dumps(result)


def test_default_index_builds_itself_from_wordnet(tmp_path, monkeypatch, encoder, wordnet):
    monkeypatch.setenv("SENSEDB_HOME", str(tmp_path / "home"))
    index = SenseIndex(encoder=encoder, wordnet=wordnet)
    assert index.autobuild and index.info()["tokens"] == 0
    river = index.wsd("The children skipped stones from the muddy bank of the stream", "bank")
    assert river.best.key == "bank%1:17:01::"
    salary = index.wsd("I deposited my salary at the bank this morning", "bank")
    assert salary.best.key == "bank%1:14:00::"
    assert {u.corpus for u in river.evidence} == {"wordnet"}
    lemmas = index.info()["documents"]
    assert lemmas == 2  # bank as a noun and as a verb, built once
    index.wsd("The bank was steep", "bank")
    assert SenseIndex(encoder=encoder, wordnet=wordnet).info()["documents"] == lemmas




def test_info_of_an_open_index_whose_old_files_a_writer_removed(mini_index, encoder, wordnet,
                                                                 tmp_path):
    """The service's /info answered 500 (FileNotFoundError in the token store's footprint)
    once another process had made a newer generation current and deleted the files of the
    one the server had loaded: ``info`` counts such files as gone."""
    import shutil

    from sensedb.indexer import TOKENS

    shutil.copytree(mini_index, tmp_path / "mini")
    index = open_index(tmp_path / "mini", encoder, wordnet, wordnet_evidence=False)
    before = index.info()
    for generation in index.manifest.store_files(TOKENS):  # as remove_other_generations
        for path in index.directory.store_paths(TOKENS, generation):
            path.unlink(missing_ok=True)
    after = index.info()
    assert after["tokens"] == before["tokens"] == 19
    assert after["disk_bytes"] < before["disk_bytes"]
    assert after["token_store"]["resident_bytes_per_token"] < before["token_store"][
        "resident_bytes_per_token"]


def test_senses_of_lists_every_reading_with_its_labelled_usages(index, wordnet):
    """``senses_of`` (the ``senses`` command, ``GET /senses``): every (lemma, POS) the form
    reads as, WordNet's senses in WordNet's order, each with the tokens the index labels
    with it: the mini corpus labels bank%1:17:01:: 3 times and bank%1:14:00:: 3 times."""
    gold = [line.split()[1] for line in MINI_GOLD.read_text().splitlines()]
    listed = index.senses_of("banks")
    assert [s.key for s in listed] == [s.key for lemma, pos in wordnet.lemmatize("banks")
                                       for s in wordnet.candidates(lemma, pos)]
    assert {s.pos for s in listed} == {"NOUN", "VERB"}
    for sense in listed:
        assert sense.support == gold.count(sense.key)
    assert {s.key: s.support for s in listed}["bank%1:14:00::"] == 3
    nouns = [s for s in index.senses_of("banks", "n") if s.lemma == "bank"]
    assert [s.rank for s in nouns] == list(range(1, len(nouns) + 1)) and len(nouns) == 10
    assert {s.pos for s in index.senses_of("banks", "n")} == {"NOUN"} and nouns[0].count == 25
    assert [s.key for s in index.senses_of("took  place")] == ["take_place%2:30:00::"]
    assert index.senses_of("bank%1:17:01::")[0].gloss.startswith("sloping land")
    for bad in ("", "  ", "xyzzyq"):
        with pytest.raises(InputError):
            index.senses_of(bad)
    with pytest.raises(InputError, match="as ADV"):
        index.senses_of("bank", "ADV")
    with pytest.raises(sensedb.Error):
        index.senses_of("bank%1:99:99::")
    # read as wsd reads a target (a breaker's): a pronoun's contraction is its verb (it was
    # helium, or no word), an abbreviation's period is read across the tokenizer's, the
    # text is normalized as a sentence is, a key of another POS is refused
    assert {(s.lemma, s.pos) for s in index.senses_of("He's")} == {("be", "VERB"),
                                                                   ("have", "VERB")}
    assert {s.lemma for s in index.senses_of("they're")} == {"be"}
    assert [s.key for s in index.senses_of("St. Louis")][0] == "st._louis%1:15:00::"
    assert index.senses_of("24/7")[0].key == "24/7%1:28:00::"
    assert [s.key for s in index.senses_of("b\u200bank")] == \
        [s.key for s in index.senses_of("bank")]
    assert index.senses_of("bank%1:17:01::")[0].offset == "09213565-n"
    with pytest.raises(InputError, match="a sense of a NOUN, not of a VERB"):
        index.senses_of("bank%1:17:01::", "v")
    with pytest.raises(InputError, match="control character"):
        index.senses_of("bank\x01")
    with pytest.raises(InputError, match=r"U\+001D \(a group separator\)"):
        index.senses_of("bank\x1d")  # split() read it as a space: bank's senses (a breaker's)


def test_wsd_of_a_name_with_an_abbreviations_period(index):
    """"St. Louis" as a target was "St . Louis", no word WordNet knows, where `tag` reads
    st._louis across the tokenizer's period (a breaker's)."""
    answer = index.wsd("I went to St. Louis last year", "St. Louis", k=0)
    assert answer.lemma == "st._louis" and answer.best.key.startswith("st._louis%1:15")
    assert index.wsd("We climbed Mt. Everest in May", "Mt. Everest", k=0).lemma == \
        "mt._everest"
