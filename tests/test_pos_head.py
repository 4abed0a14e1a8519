"""The POS head: the shipped head on the real encoder, files, fitting, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import chosen_rows, shared

from sensedb import ConfigurationError, IndexFormatError, InputError
from sensedb.pos_head import CONTENT_TAGS, TAGS, POSHead, default_head_path, window_features

SENTENCES = {
    "dive": "She made a perfect dive into the pool",
    "left": "Turn left at the second light",
    "phone": "Apple released a new phone yesterday",
    "X-ray": "a well-known X-ray technician",
    "fruit": "Apple is my favourite fruit .",
}


@pytest.fixture(scope="module")
def head():
    return POSHead.default()


@pytest.fixture(scope="module")
def tagged(encoder, head):
    """{target: (words, index-layer vectors, POS-head vectors)} from ONE encoder pass."""
    words = [text.split() for text in SENTENCES.values()]
    out = encoder.word_vectors_multi(words, {"index": encoder.layer_spec, "pos": head.layers})
    return {target: (w, index, pos) for target, w, index, pos
            in zip(SENTENCES, words, out["index"], out["pos"], strict=True)}


def test_shipped_head_fits_the_default_encoder(encoder, head):
    path = default_head_path()
    assert path.name == "pos_head_all-MiniLM-L6-v2.npz" and path.stat().st_size < 1 << 20
    head.check_encoder(encoder)
    # issue 11's head: linear, the word and its two neighbours (window 1), 28,000 SemCor
    # sentences; SemEval-2007 95.50% of all tokens, 94.04% of content words
    assert head.tag_set == TAGS and head.window == 1 and head.hidden == 0
    assert head.weights.shape == (12, 3 * 384)
    assert head.weights.dtype == np.float32 and head.bias.shape == (12,)
    evaluation = head.provenance["evaluation"]["semeval2007"]
    assert evaluation["all"] >= 0.955 and evaluation["content"] >= 0.94


@pytest.mark.parametrize("target", ["dive", "phone", "X-ray", "fruit"])
def test_shipped_head_tags_nouns_in_context(tagged, head, target):
    words, index_vectors, pos_vectors = tagged[target]
    assert index_vectors.shape == pos_vectors.shape == (len(words), 384)
    assert head.tags(pos_vectors)[words.index(target)] == "NOUN"


def test_left_as_an_adverb_is_not_ruled_out(tagged, head):
    words, _, pos_vectors = tagged["left"]
    content = np.exp(head.content_log_probabilities(pos_vectors))[words.index("left")]
    # soft evidence keeps the adverb in play, barely: the window-1 head shipped for issue 11
    # gives ADJ 0.89, ADV 0.022 (the previous, word-alone head ADJ 0.62, ADV 0.30)
    assert content[head.content_column("r")] > 0.01


@pytest.mark.xfail(reason="the shipped head prefers ADJ (0.89) over ADV (0.022) for this 'left'",
                   strict=False)
def test_left_is_tagged_adverb(tagged, head):
    words, _, pos_vectors = tagged["left"]
    assert head.tags(pos_vectors)[words.index("left")] == "ADV"


def test_a_direction_after_a_verb_of_motion_is_an_adverb(tagged, head):
    """"Turn left at the second light" was answered left "being on the left side" (the
    head's ADJ 0.89): after a verb of motion, with no noun after it, "left"/"right" is an
    adverb at RULE_ADV_PROBABILITY; elsewhere the head's row is kept as is."""
    from sensedb.pos_head import RULE_ADV_PROBABILITY, directional_adverbs

    words, _, pos_vectors = tagged["left"]
    logp = head.log_probabilities(pos_vectors)
    ruled = directional_adverbs(words, logp)
    at = words.index("left")
    assert np.exp(ruled[at, TAGS.index("ADV")]) == pytest.approx(RULE_ADV_PROBABILITY)
    assert np.exp(ruled[at]).sum() == pytest.approx(1.0)
    others = [t for t in range(len(TAGS)) if t != TAGS.index("ADV")]
    share = np.exp(logp[at, others]) / np.exp(logp[at, others]).sum()
    assert np.allclose(np.exp(ruled[at, others]) / np.exp(ruled[at, others]).sum(), share)
    assert np.array_equal(np.delete(ruled, at, axis=0), np.delete(logp, at, axis=0))
    assert logp[at, TAGS.index("ADJ")] > logp[at, TAGS.index("ADV")]  # the input unchanged
    # not after another verb, not at the sentence start, not before a noun ("left knob")
    row = np.log(np.full((3, len(TAGS)), 1 / len(TAGS)))
    for sentence in (["He", "left", "."], ["left", "turn", "."], ["looks", "right", "."]):
        assert directional_adverbs(sentence, row) is row
    noun = row.copy()
    noun[2, TAGS.index("NOUN")] = 0.0
    assert directional_adverbs(["Turn", "left", "knob"], noun) is noun
    assert directional_adverbs(["Turn", "left", "."], row) is not row
    assert directional_adverbs([], np.zeros((0, len(TAGS)))).shape == (0, len(TAGS))


def test_a_word_after_a_with_no_noun_after_it_is_a_noun():
    """"She has a cold" was answered cold "having a low temperature" (the head: NOUN 0.53,
    ADJ 0.47, the adjective's prior won): after "a"/"an", a word the head tags ADJ or NOUN
    with nothing nominal after it is the noun at RULE_ADV_PROBABILITY; before a noun, an
    adjective or "and"/"," + adjective it is left as the head has it."""
    from sensedb.pos_head import RULE_ADV_PROBABILITY, article_nouns, rule_tags

    def rows(words: list[str], best: dict[int, str]) -> np.ndarray:
        logp = np.log(np.full((len(words), len(TAGS)), 0.01))
        logp[:, TAGS.index("X")] = np.log(0.5)  # the rows not given: X, which no rule reads
        for at, tag in best.items():
            logp[at, TAGS.index("X")] = np.log(0.01)
            logp[at, TAGS.index(tag)] = np.log(0.5)
            logp[at, TAGS.index("NOUN" if tag == "ADJ" else "ADJ")] = np.log(0.4)
        return logp - np.log(np.exp(logp).sum(1, keepdims=True))

    noun, adj = TAGS.index("NOUN"), TAGS.index("ADJ")
    for words, best in ((["She", "has", "a", "cold"], {3: "ADJ"}),
                        (["She", "has", "a", "cold", "."], {3: "NOUN", 4: "."}),
                        (["a", "cold", "and", "a", "fever"], {1: "ADJ", 2: "CONJ", 3: "DET"}),
                        (["It", "was", "a", "hit", "in", "Paris"], {3: "ADJ", 4: "ADP"}),
                        # a later tester: "It's my round" read round "circular"
                        (["It", "'s", "my", "round", ","], {3: "ADJ", 4: "."}),
                        (["at", "their", "best", "in", "summer"], {2: "ADJ", 3: "ADP"}),
                        # a last check: one adjective between, a time after
                        (["caught", "a", "bad", "cold", "last", "winter"], {2: "ADJ", 3: "ADJ"})):
        logp = rows(words, best)
        at = 3 if words[2] == "bad" else next(
            i for i, w in enumerate(words) if i and words[i - 1] in ("a", "my", "their"))
        if words[at] == "best":  # POSSESSIVE_NOT_A_NOUN: SemCor's adjective
            assert article_nouns(words, logp) is logp
            continue
        ruled = article_nouns(words, logp)
        assert np.exp(ruled[at, noun]) == pytest.approx(RULE_ADV_PROBABILITY), words
        assert np.exp(ruled[at]).sum() == pytest.approx(1.0)
        assert np.array_equal(np.delete(ruled, at, axis=0), np.delete(logp, at, axis=0))
        assert rule_tags(words, logp)[at, noun] == ruled[at, noun]
    # before a noun the adjective stays; that noun, closing the phrase, is read as one
    ruled = article_nouns(["a", "cold", "drink"], rows(["a", "cold", "drink"],
                                                       {1: "ADJ", 2: "NOUN"}))
    assert np.array_equal(ruled[:2], rows(["a", "cold", "drink"], {1: "ADJ", 2: "NOUN"})[:2])
    assert np.exp(ruled[2, noun]) == pytest.approx(RULE_ADV_PROBABILITY)
    for words, best in ((["a", "cold", ",", "dark", "night"], {1: "ADJ", 2: ".", 3: "ADJ"}),
                        (["a", "cold", "and", "windy", "day"], {1: "ADJ", 2: "CONJ", 3: "ADJ"}),
                        (["the", "cold", "."], {1: "ADJ", 2: "."}),
                        (["a", "second", "."], {1: "ADJ", 2: "."}),   # NOT_A_HEAD_NOUN
                        (["of", "his", "own", "."], {2: "ADJ", 3: "."}),
                        (["made", "her", "happy", "."], {2: "ADJ", 3: "."}),  # her: an object
                        (["my", "round", "table"], {1: "ADJ", 2: "NOUN"}),
                        # SemEval-2007's gerund: "our *driving* immediately to"
                        (["our", "driving", "immediately"], {1: "NOUN", 2: "ADV"}),
                        (["a", "run", "."], {1: "VERB", 2: "."}),
                        # past one adjective: AFTER_ARTICLE_NO_NOUN, and no time after it
                        (["a", "little", "cold", "."], {1: "ADJ", 2: "ADJ", 3: "."}),
                        (["a", "short", "one", "."], {1: "ADJ", 2: "ADJ", 3: "."}),
                        (["a", "good", "last", "season"], {1: "ADJ", 2: "ADJ", 3: "NOUN"})):
        logp = rows(words, best)
        assert article_nouns(words, logp) is logp, words
    assert rows(["a", "cold"], {1: "ADJ"})[1, adj] > np.log(0.4)  # the fixture's own check


def assert_ruled(encoder, head, cases: dict[str, tuple[str, str]]) -> None:
    """Each sentence of ``cases`` (words split at spaces: (word, its tag)) through the head
    and ``rule_tags``: the word's best tag is the one given, an adverb at
    RULE_ADV_PROBABILITY."""
    from sensedb.pos_head import RULE_ADV_PROBABILITY, rule_tags

    sentences = [text.split() for text in cases]
    vectors = encoder.word_vectors(sentences, layers=head.layers)
    for words, v, (word, tag) in zip(sentences, vectors, cases.values(), strict=True):
        at = words.index(word)
        ruled = rule_tags(words, head.log_probabilities(v))
        assert TAGS[int(np.argmax(ruled[at]))] == tag, words
        if tag == "ADV":
            assert np.exp(ruled[at, TAGS.index("ADV")]) == pytest.approx(RULE_ADV_PROBABILITY)


FLAT = {  # sentence: (word, the tag after the rules); a tester's "works hard" read "difficult"
    "He works hard every day .": ("hard", "ADV"),
    "I tried really hard but failed .": ("hard", "ADV"),
    "The kids came home early .": ("early", "ADV"),
    "The farmer must get up early .": ("early", "ADV"),
    "Hold on tight !": ("tight", "ADV"),
    "It was a hard decision .": ("hard", "ADJ"),
    "It is hard to say .": ("hard", "ADJ"),
    "It is getting late .": ("late", "ADJ"),
    # a third tester: linking uses of go, run and stay, linking phrasal verbs, passives
    "The bread went hard .": ("hard", "ADJ"),
    "Prices stayed high all year .": ("high", "ADJ"),
    "Tempers ran high .": ("high", "ADJ"),
    "The exam turned out easy .": ("easy", "ADJ"),
    "He ended up wrong .": ("wrong", "ADJ"),
    "It was considered wrong to lie .": ("wrong", "ADJ"),
    "Is that considered wrong ?": ("wrong", "ADJ"),
    "They keep close watch .": ("close", "ADJ"),
    "He is working late tonight .": ("late", "ADV"),
    # go, run and stay are no linking verbs before a time: "She stayed late" read "not on time"
    "She stayed late at the office .": ("late", "ADV"),
    "We stayed up late talking .": ("late", "ADV"),
    "The train was running late .": ("late", "ADV"),
    "She worked late last night .": ("late", "ADV"),
}


def test_a_flat_adverb_after_a_verb_is_an_adverb(encoder, head):
    """"He works *hard*", "came home *early*", "Hold on *tight*": the head tags these ADJ
    (SemCor's untagged words taught it); after a verb that is not a linking one (past an
    intensifier or a particle), with no noun after it, the word is the adverb at
    RULE_ADV_PROBABILITY; after a linking verb or before a noun the head's row stays."""
    from sensedb.pos_head import RULE_ADV_PROBABILITY, flat_adverbs

    assert_ruled(encoder, head, FLAT)
    # the rule alone, on rows of chosen tags: not before a noun, not after a linking verb
    rows = chosen_rows
    kept = ((["drove", "fast", "cars"], ["VERB", "ADJ", "NOUN"]),
            (["looks", "hard", "."], ["VERB", "ADJ", "."]),
            (["a", "hard", "."], ["DET", "ADJ", "."]),
            (["works", "hard", "."], ["VERB", "VERB", "."]),
            (["keep", "close", "watch"], ["VERB", "ADJ", "VERB"]),
            (["was", "marked", "wrong"], ["VERB", "VERB", "ADJ"]),
            (["turned", "out", "easy"], ["VERB", "PRT", "ADJ"]),
            (["stayed", "high", "working"], ["VERB", "ADJ", "VERB"]),
            (["got", "late", "."], ["VERB", "ADJ", "."]))
    for words, tags in kept:
        logp = rows(tags)
        assert flat_adverbs(words, logp) is logp, words
    logp = rows(["VERB", "ADJ", "."])
    ruled = flat_adverbs(["works", "hard", "."], logp)
    assert np.exp(ruled[1, TAGS.index("ADV")]) == pytest.approx(RULE_ADV_PROBABILITY)
    assert np.array_equal(np.delete(ruled, 1, axis=0), np.delete(logp, 1, axis=0))
    for words, tags in ((["stayed", "late", "."], ["VERB", "ADJ", "."]),
                        (["stayed", "late", "working"], ["VERB", "ADJ", "NOUN"]),
                        (["worked", "late", "last"], ["VERB", "ADJ", "ADJ"])):
        assert flat_adverbs(words, rows(tags))[1].argmax() == TAGS.index("ADV"), words
    for words, tags in ((["stayed", "late", "morning"], ["VERB", "ADJ", "NOUN"]),
                        # SemCor d150.s066: "capable of effecting *early* emergency ..."
                        (["effecting", "early", "emergency"], ["VERB", "ADJ", "ADJ"]),
                        # a tester: an -ing noun after a transitive verb is its object's
                        (["need", "early", "screening"], ["VERB", "ADJ", "NOUN"]),
                        (["runs", "early", "spring"], ["VERB", "ADJ", "VERB"]),
                        (["stayed", "high", "working"], ["VERB", "ADJ", "NOUN"])):
        logp = rows(tags)
        assert flat_adverbs(words, logp) is logp, words


DAYS = {  # sentence: (word, the tag after the rules); a tester's "I saw her yesterday" NOUN
    "I saw her yesterday .": ("yesterday", "ADV"),
    "The CEO resigned yesterday .": ("yesterday", "ADV"),
    "We are leaving tomorrow .": ("tomorrow", "ADV"),
    "Yesterday the weather was beautiful .": ("Yesterday", "ADV"),
    "What are you doing tonight ?": ("tonight", "ADV"),
    "Today is Monday .": ("Today", "NOUN"),
    "Wait until tomorrow .": ("tomorrow", "NOUN"),
    "I read it in today 's paper .": ("today", "NOUN"),
    # a tester: subjects inside the sentence, and after an inverted be
    "I think today is a good day .": ("today", "NOUN"),
    "She said tomorrow would be better .": ("tomorrow", "NOUN"),
    "Is today a holiday ?": ("today", "NOUN"),
    "Today and tomorrow are both holidays .": ("tomorrow", "NOUN"),
    "Tomorrow never comes .": ("Tomorrow", "NOUN"),
    "We leave tomorrow and return Friday .": ("tomorrow", "ADV"),
}


def test_a_day_counted_from_now_that_says_when_is_an_adverb(encoder, head):
    """SemCor files today/yesterday/tomorrow/tonight NOUN and the head learned it ("I saw
    her *yesterday*": NOUN 0.86); where the word says when it is WordNet's adverb at
    RULE_ADV_PROBABILITY, and the day itself (a subject, after a preposition or a
    determiner, a possessive, before a noun) keeps the head's row."""
    from sensedb.pos_head import RULE_ADV_PROBABILITY, days_from_now

    assert_ruled(encoder, head, DAYS)
    rows = chosen_rows
    for words, tags in ((["our", "tomorrow", "."], ["PRON", "NOUN", "."]),
                        (["tomorrow", "night", "."], ["NOUN", "NOUN", "."]),
                        (["Tomorrow", "comes", "."], ["NOUN", "VERB", "."]),
                        (["since", "yesterday", "."], ["ADP", "NOUN", "."])):
        logp = rows(tags)
        assert days_from_now(words, logp) is logp, words
    ruled = days_from_now(["left", "today", "."], rows(["VERB", "NOUN", "."]))
    assert np.exp(ruled[1, TAGS.index("ADV")]) == pytest.approx(RULE_ADV_PROBABILITY)


def _assert_capped(ruled: np.ndarray, logp: np.ndarray, at: int, column: int,
                   probability: float, words: list[str]) -> None:
    """Row ``at`` of ``ruled`` gives tag ``column`` ``probability`` and the other tags the
    rest in ``logp``'s proportions; every other row is ``logp``'s."""
    assert np.exp(ruled[at, column]) == pytest.approx(probability), words
    assert np.exp(ruled[at]).sum() == pytest.approx(1.0)
    others = np.delete(np.exp(ruled[at]), column)
    before = np.delete(np.exp(logp[at]), column)
    assert others / others.sum() == pytest.approx(before / before.sum())
    assert np.array_equal(np.delete(ruled, at, axis=0), np.delete(logp, at, axis=0))


def test_a_word_after_a_determiner_is_no_verb():
    """"they have absolutely no *wish* to see" read the verb wish (the head: NOUN 0.62,
    VERB 0.35): right after the/a/no/his/... a word is given VERB at most
    RULE_NOT_VERB_PROBABILITY, the other tags the rest in the head's proportions;
    participles ("the *going* rate") and words after "this"/"her" (pronouns too: "this
    *changes* everything", "saw her *leave*") keep the head's row."""
    from sensedb.pos_head import RULE_NOT_VERB_PROBABILITY, determiner_no_verb, rule_tags

    verb, noun = TAGS.index("VERB"), TAGS.index("NOUN")

    def rows(n: int, at: int, p_verb: float) -> np.ndarray:
        p = np.full((n, len(TAGS)), 0.01)
        p[at, verb], p[at, noun] = p_verb, 0.9 - p_verb
        return np.log(p / p.sum(1, keepdims=True))

    for words in (["they", "have", "no", "wish"], ["The", "change", "came"],
                  ["his", "walk", "home"], ["an", "offer"]):
        at = next(i for i, w in enumerate(words) if i and words[i - 1].lower() in
                  ("no", "the", "his", "an"))
        logp = rows(len(words), at, 0.6)
        ruled = determiner_no_verb(words, logp)
        _assert_capped(ruled, logp, at, verb, RULE_NOT_VERB_PROBABILITY, words)
        # rule_tags applies it (article_nouns after it may lower the verb further: "an offer")
        assert rule_tags(words, logp)[at, verb] <= ruled[at, verb] + 1e-12
    for words, at in ((["the", "going", "rate"], 1), (["a", "stopped", "truck"], 1),
                      (["this", "changes", "everything"], 1), (["saw", "her", "leave"], 2)):
        logp = rows(len(words), at, 0.6)
        assert determiner_no_verb(words, logp) is logp, words
    sure = rows(2, 1, 0.9 - 1e-9)  # the head sure of the verb: the rest shared evenly
    ruled = determiner_no_verb(["the", "wish"], sure)
    assert np.exp(ruled[1]).sum() == pytest.approx(1.0)
    assert np.exp(ruled[1, verb]) == pytest.approx(RULE_NOT_VERB_PROBABILITY)


def test_a_word_right_after_be_that_is_no_participle_is_no_verb(wordnet):
    """"Mum was *cross*" read the verb cross (travel across): right after a form of be (an
    adverb such as "not" may stand between) a word that cannot be a participle is given VERB
    at most RULE_COPULA_NOT_VERB_PROBABILITY; participles, irregular forms WordNet lists
    ("was *broken*", "I'm *broke*"), verbs whose participle is their base ("is *cut*"),
    "let's *go*", a pseudo-cleft ("All I did was *ask*") and "is *gonna*" keep the head's
    row."""
    from sensedb.pos_head import (
        RULE_COPULA_NOT_VERB_PROBABILITY,
        after_copula_no_verb,
        copula_no_bare_verb,
    )

    irregular = wordnet.irregular_forms("VERB")
    assert {"broke", "gone", "ran"} <= irregular and "cross" not in irregular
    verb = TAGS.index("VERB")
    for words, at in ((["Mum", "was", "cross"], 2), (["I", "'m", "free", "today"], 2),
                      (["It", "was", "not", "cross"], 3), (["She", "is", "very", "clean"], 3),
                      (["It", "\u2019s", "clear"], 2), (["Is", "table", "free", "?"], 1)):
        assert after_copula_no_verb(words, irregular) == [at], words
        p = np.full((len(words), len(TAGS)), 0.01)
        p[at, verb] = 0.8
        logp = np.log(p / p.sum(1, keepdims=True))
        ruled = copula_no_bare_verb(words, logp, irregular)
        assert np.exp(ruled[at, verb]) == pytest.approx(RULE_COPULA_NOT_VERB_PROBABILITY)
        assert np.exp(ruled[at]).sum() == pytest.approx(1.0)
        assert np.array_equal(np.delete(ruled, at, axis=0), np.delete(logp, at, axis=0))
    for words in (["It", "was", "broken"], ["I", "'m", "broke"], ["The", "glass", "is", "cut"],
                  ["Let", "'s", "go"], ["All", "I", "did", "was", "ask"],
                  ["It", "is", "gonna", "rain"], ["He", "was", "running"],
                  ["She", "'s", "come", "back"], ["We", "were", "goin"], ["It", "is", "3"],
                  # its breaker: a pseudo-cleft's do further back, a possessive whose noun is
                  # left out, a.m., participles written as their base
                  "What we did next was paint the fence".split(),
                  ["John", "'s", "needs", "a", "battery"], ["At", "9", "am", "call", "me"],
                  "The boat was refit".split(), "The final was telecast live".split(),
                  ["He", "'s", "bust", "his", "knee"]):
        assert after_copula_no_verb(words, irregular) == [], words


def test_a_polite_please_is_an_adverb():
    """"Set the table for dinner, please." and "Please log in" tagged please "give pleasure
    to": before a verb or alone between punctuation "please" is the adverb; "to please her"
    and "as you please" keep the head's row."""
    from sensedb.pos_head import RULE_ADV_PROBABILITY, polite_please, rule_tags

    def tags(*best: str) -> np.ndarray:
        row = np.log(np.full((len(best), len(TAGS)), 0.01))
        for at, tag in enumerate(best):
            row[at, TAGS.index(tag)] = 0.0
        return row

    adv = TAGS.index("ADV")
    cases = [(["Please", "log", "in", "."], tags("VERB", "VERB", "PRT", "."), 0),
             (["Dinner", ",", "please", "."], tags("NOUN", ".", "VERB", "."), 2),
             (["please"], tags("VERB"), 0),
             (["Will", "you", "please", "wait"], tags("VERB", "PRON", "VERB", "VERB"), 2)]
    for words, logp, at in cases:
        ruled = polite_please(words, logp)
        assert np.exp(ruled[at, adv]) == pytest.approx(RULE_ADV_PROBABILITY), words
        assert np.array_equal(rule_tags(words, logp), ruled)
    for words, logp in [(["to", "please", "her"], tags("PRT", "VERB", "PRON")),
                        (["as", "you", "please", "."], tags("ADP", "PRON", "VERB", ".")),
                        (["to", "please", "."], tags("PRT", "VERB", "."))]:
        assert polite_please(words, logp) is logp, words


def test_log_probabilities_shape_and_normalization(tagged, head):
    _, _, pos_vectors = tagged["dive"]
    logp = head.log_probabilities(pos_vectors)
    assert logp.shape == (len(pos_vectors), 12) and logp.dtype == np.float64
    np.testing.assert_allclose(np.exp(logp).sum(1), 1.0, rtol=1e-9)
    content = head.content_log_probabilities(pos_vectors)
    assert content.shape == (len(pos_vectors), len(CONTENT_TAGS))
    np.testing.assert_allclose(np.exp(content).sum(1), 1.0, rtol=1e-9)
    assert head.content_column("s") == head.content_column("ADJ") == 2
    with pytest.raises(InputError):
        head.content_column("DET")


def test_save_load_round_trip(tmp_path, head):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    head.save(first)
    again = POSHead.load(first)
    np.testing.assert_array_equal(again.weights, head.weights)
    np.testing.assert_array_equal(again.bias, head.bias)
    assert (again.tag_set, again.layers, again.model, again.provenance) == (
        head.tag_set, head.layers, head.model, head.provenance)
    again.save(second)
    assert first.read_bytes() == second.read_bytes()  # no timestamps in the file


def synthetic(seed: int = 0, per_tag: int = 30, dim: int = 8):
    rng = np.random.default_rng(seed)
    tags = ["NOUN", "VERB", "ADJ"]
    centres = np.eye(dim)[:3] * 6.0
    x = np.concatenate([c + rng.normal(size=(per_tag, dim)) for c in centres])
    y = [t for t in tags for _ in range(per_tag)]
    return x.astype(np.float32), y, tuple(tags)


def test_fit_separable_data_reaches_100_percent_and_is_deterministic():
    x, y, tags = synthetic()
    fit = dict(layers="3", model="toy", tag_set=tags, l2=1e-4, epochs=30, batch_size=16,
               learning_rate=0.05, seed=7)
    head = POSHead.fit(x, y, **fit)
    assert head.tags(x) == y
    again = POSHead.fit(x, y, **fit)
    np.testing.assert_array_equal(head.weights, again.weights)
    np.testing.assert_array_equal(head.bias, again.bias)


def test_window_features_put_neighbours_beside_each_word():
    from sensedb.pos_head import window_features

    v = np.arange(6, dtype=np.float32).reshape(3, 2)  # three words, 2-d
    assert window_features(v, 0) is v
    np.testing.assert_array_equal(window_features(v, 1), [[0, 1, 0, 0, 2, 3],
                                                          [2, 3, 0, 1, 4, 5],
                                                          [4, 5, 2, 3, 0, 0]])
    assert window_features(v, 2).shape == (3, 10)
    np.testing.assert_array_equal(window_features(v, 2)[0, 6:], [0, 0, 4, 5])


def test_windowed_head_reads_the_neighbours(tmp_path):
    from sensedb.pos_head import window_features

    # the word's own vector says nothing; the tag is the word before it's mark (a noun
    # before -> VERB, else NOUN), as "duffers maul" vs "the maul"
    rng = np.random.default_rng(0)
    rows, y = [], []
    for _ in range(200):
        words = rng.normal(size=(5, 4))
        words[:, 0] = rng.choice([-3.0, 3.0], size=5)
        tags = ["NOUN"] + ["VERB" if words[i - 1, 0] > 0 else "NOUN" for i in range(1, 5)]
        rows.append(window_features(words.astype(np.float32), 1))
        y += tags
    x = np.concatenate(rows)
    head = POSHead.fit(x, y, layers="3", model="toy", tag_set=("NOUN", "VERB"), epochs=20,
                       batch_size=64, learning_rate=0.05, window=1)
    assert head.window == 1 and head.dim == 4 and head.weights.shape == (2, 12)
    test = np.array([[3.0, 0, 0, 0], [-3.0, 0, 0, 0], [3.0, 0, 0, 0]], dtype=np.float32)
    assert head.tags(test) == ["NOUN", "VERB", "NOUN"]  # the sentence's words, in order
    alone = POSHead.fit(x[:, :4], y, layers="3", model="toy", tag_set=("NOUN", "VERB"),
                        epochs=20, batch_size=64, learning_rate=0.05)
    assert np.mean(np.array(alone.tags(x[:, :4])) == y) < 0.8  # the word alone cannot tell
    head.save(tmp_path / "w.npz")
    again = POSHead.load(tmp_path / "w.npz")
    assert again.window == 1 and again.tags(test) == head.tags(test)
    with pytest.raises(ConfigurationError, match="window"):
        POSHead(np.zeros((2, 10), np.float32), np.zeros(2, np.float32), "3", "toy",
                ("NOUN", "VERB"), window=1)


def xor_data(seed: int = 0, n: int = 400):
    """Two tags by the sign of x0 * x1: no linear head can tell them apart."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 4)).astype(np.float32)
    y = ["NOUN" if a * b > 0 else "VERB" for a, b in x[:, :2]]
    return x, y


def test_hidden_layer_head_learns_what_a_linear_one_cannot(tmp_path):
    x, y = xor_data()
    fit = dict(layers="3", model="toy", tag_set=("NOUN", "VERB"), epochs=60, batch_size=32,
               learning_rate=0.01, seed=3)
    linear = POSHead.fit(x, y, **fit)
    assert linear.hidden == 0 and np.mean(np.array(linear.tags(x)) == y) < 0.7
    deep = POSHead.fit(x, y, hidden=16, **fit)
    assert deep.hidden == 16 and deep.dim == 4 and deep.weights.shape == (2, 16)
    assert deep.hidden_weights.shape == (16, 4) and deep.hidden_bias.shape == (16,)
    assert np.mean(np.array(deep.tags(x)) == y) > 0.95
    again = POSHead.fit(x, y, hidden=16, **fit)  # deterministic for a seed
    np.testing.assert_array_equal(again.hidden_weights, deep.hidden_weights)
    np.testing.assert_array_equal(again.weights, deep.weights)
    first, second = tmp_path / "h.npz", tmp_path / "h2.npz"
    deep.save(first)
    loaded = POSHead.load(first)
    assert loaded.hidden == 16 and loaded.tags(x) == deep.tags(x)
    loaded.save(second)
    assert first.read_bytes() == second.read_bytes()
    with np.load(first) as data:
        assert '"sensedb-pos-head/2"' in str(data["meta"])
    linear.save(tmp_path / "l.npz")
    with np.load(tmp_path / "l.npz") as data:
        assert '"sensedb-pos-head/1"' in str(data["meta"]) and "hidden_weights" not in data
    with pytest.raises(ConfigurationError, match="hidden"):
        POSHead(np.zeros((2, 16), np.float32), np.zeros(2, np.float32), "3", "toy",
                ("NOUN", "VERB"), hidden_weights=np.zeros((8, 4), np.float32),
                hidden_bias=np.zeros(8, np.float32))


def test_the_previous_linear_head_file_still_loads_and_tags(encoder, tagged):
    from conftest import FIXTURES

    old = POSHead.load(FIXTURES / "pos_head_v1.npz")  # the head shipped before issue 11's
    assert old.hidden == 0 and old.window == 0 and old.layers == "1,2,3"
    old.check_encoder(encoder)
    words, _, pos_vectors = tagged["dive"]
    assert old.tags(pos_vectors)[words.index("dive")] == "NOUN"


def test_fit_refuses_unknown_tags():
    x, y, tags = synthetic()
    with pytest.raises(InputError, match="not in the tag set"):
        POSHead.fit(x, ["NOUNISH"] + y[1:], layers="3", model="toy", tag_set=tags)


def test_head_for_another_dimension_is_refused(encoder):
    x, y, tags = synthetic(dim=16)
    small = POSHead.fit(x, y, layers="3", model="toy", tag_set=tags, epochs=2)
    with pytest.raises(ConfigurationError, match="16-d"):
        small.check_encoder(encoder)
    with pytest.raises(ConfigurationError, match="reads 16-d vectors, got 384-d"):
        small.log_probabilities(np.zeros((2, 384), dtype=np.float32))
    with pytest.raises(InputError):
        small.log_probabilities(np.zeros(16, dtype=np.float32))


def test_bad_files_are_index_format_errors(tmp_path):
    with pytest.raises(IndexFormatError):
        POSHead.load(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(IndexFormatError):
        POSHead.load(junk)
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros((2, 3)))
    with pytest.raises(IndexFormatError):
        POSHead.load(other)


@pytest.mark.slow
def test_semeval2007_accuracy(encoder, head):
    from sensedb import read_raganato

    data = shared("wsd/semeval2007/semeval2007.data.xml")
    sentences = [s for d in read_raganato(data) for s in d.sentences]
    words = [[w for t in s.tokens for w in t.text.split()] for s in sentences]
    vectors = encoder.word_vectors_multi(words, {"pos": head.layers})["pos"]
    right = total = 0
    for sentence, v in zip(sentences, vectors, strict=True):
        # each word read with its neighbours in the sentence; a multiword token is the mean
        # of its words' rows (as scripts/train_pos_head.py scores it)
        rows = window_features(np.asarray(v, dtype=np.float64), head.window)
        start = 0
        for token in sentence.tokens:
            n = len(token.text.split())
            logits = head.logits(rows[start:start + n].mean(0, keepdims=True))
            right += head.tag_set[int(np.argmax(logits))] == token.pos
            total += 1
            start += n
    # the provenance's figure (95.50%; a token read without its neighbours: 93.94%)
    assert total == 3201 and right / total >= 0.955


def test_a_word_before_an_object_pronoun_is_no_noun():
    """A tester: "*Excuse* me, where is the station?" was tagged the noun excuse (MiniLM's
    head: NOUN). Before me/him/us/them NOUN keeps at most RULE_NOT_NOUN_PROBABILITY (SemCor's
    gold rate, 1%), the other tags the rest in the head's proportions; before "her", "it"
    or "you" (subjects and determiners too: "her *book*") the head's row stays."""
    from sensedb.pos_head import RULE_NOT_NOUN_PROBABILITY, object_pronoun_no_noun, rule_tags

    verb, noun = TAGS.index("VERB"), TAGS.index("NOUN")
    p = np.full((3, len(TAGS)), 0.01)
    p[0, noun], p[0, verb] = 0.6, 0.3
    logp = np.log(p / p.sum(1, keepdims=True))
    for words in (["Excuse", "me", ","], ["Tell", "him", "."], ["help", "us", "now"],
                  ["Thank", "THEM", "!"]):
        ruled = object_pronoun_no_noun(words, logp)
        assert np.exp(ruled[0, noun]) == pytest.approx(RULE_NOT_NOUN_PROBABILITY), words
        assert np.argmax(ruled[0]) == verb
        assert np.exp(ruled[0]).sum() == pytest.approx(1.0)
        others, before = np.delete(np.exp(ruled[0]), noun), np.delete(np.exp(logp[0]), noun)
        assert others / others.sum() == pytest.approx(before / before.sum())
        assert np.array_equal(ruled[1:], logp[1:])
        assert np.array_equal(rule_tags(words, logp)[0], ruled[0])
    for words in (["read", "her", "book"], ["the", "day", "it"], ["Thank", "you", "."]):
        assert object_pronoun_no_noun(words, logp) is logp, words


def test_thanks_opening_a_sentence_is_the_noun():
    """Testers: "*Thanks* a lot for your help!", "Hi Sarah, *Thanks* for the reply." were
    the verb thank (no subject); "He thanks you" stays as the head reads it."""
    from sensedb.pos_head import RULE_ADV_PROBABILITY, opening_thanks, rule_tags

    verb, noun = TAGS.index("VERB"), TAGS.index("NOUN")
    p = np.full((5, len(TAGS)), 0.01)
    p[:, verb], p[:, noun] = 0.7, 0.2
    full = np.log(p / p.sum(1, keepdims=True))
    for words, at in ((["Thanks", "a", "lot"], 0), (['"', "thanks", "!"], 1),
                      (["Hi", "Sarah", ",", "Thanks", "for"], 3), (["ok", "thanks"], 1)):
        logp = full[:len(words)]
        ruled = opening_thanks(words, logp)
        assert np.exp(ruled[at, noun]) == pytest.approx(RULE_ADV_PROBABILITY)
        assert np.array_equal(rule_tags(words, logp)[at], ruled[at])
    he = full[:3]
    assert opening_thanks(["He", "thanks", "you"], he) is he


def test_like_in_a_do_question_is_the_verb():
    """A third tester: "Does your mother *like* Italian food?" tagged Does "engage in" and
    left "like" out (the head: ADP). The first "like" after a question's opening do, no verb
    between, is a verb; "Did he act *like* a child?" (a verb between) and a statement stay."""
    from sensedb.pos_head import RULE_ADV_PROBABILITY, question_like, rule_tags

    def rows(tagged):
        p = np.full((len(tagged), len(TAGS)), 0.01)
        for at, tag in enumerate(tagged):
            p[at, TAGS.index(tag)] = 0.9
        return np.log(p / p.sum(1, keepdims=True))

    verb = TAGS.index("VERB")
    for words, tagged, at in (
            ("Does your mother like Italian food ?", "VERB PRON NOUN ADP ADJ NOUN .", 3),
            ("What do the kids like ?", "PRON VERB DET NOUN ADP .", 4)):
        logp = rows(tagged.split())
        ruled = question_like(words.split(), logp)
        assert np.exp(ruled[at, verb]) == pytest.approx(RULE_ADV_PROBABILITY), words
        assert np.array_equal(rule_tags(words.split(), logp)[at], ruled[at])
    for words, tagged in (("Did he act like a child ?", "VERB PRON VERB ADP DET NOUN ."),
                          ("Does it matter like that .", "VERB PRON VERB ADP DET .")):
        logp = rows(tagged.split())
        assert question_like(words.split(), logp) is logp, words


PLACES = {  # sentence: (word, the tag after the rules); a tester's "fees downtown" adjective
    "I work downtown .": ("downtown", "ADV"),
    "The council will raise parking fees downtown , a move .": ("downtown", "ADV"),
    "Let 's meet downtown tonight .": ("downtown", "ADV"),
    "She lives upstairs with her cat .": ("upstairs", "ADV"),
    "If you get there first , grab a table .": ("first", "ADV"),
    "I last saw him in May .": ("last", "ADV"),
    "She was last seen on Friday .": ("last", "ADV"),
    # a tester: the object of a transitive verb is the noun
    "I like downtown .": ("downtown", "NOUN"),
    "Read the last page first .": ("first", "ADV"),
    "The downtown office is closed .": ("downtown", "ADJ"),
    "The party will last all night .": ("last", "VERB"),
    "The last bus left .": ("last", "ADJ"),
}


def test_a_word_of_place_or_order_closing_a_verbs_clause_is_an_adverb(encoder, head):
    """"raise parking fees *downtown*" (SemCor has no adverb downtown: the head said ADJ),
    "get there *first*" (the head's ADJ): after a verb's clause, with no noun after it, such
    a word is WordNet's adverb at RULE_ADV_PROBABILITY, and "I *last* saw him"; after a
    determiner, a preposition, a possessive, a transitive verb ("I like *downtown*"), before
    a noun, and first after be or as a verb, the head's row is kept ("She arrived *last*" is
    WordNet's adjective: no rule)."""
    from sensedb.pos_head import place_adverbs

    assert_ruled(encoder, head, PLACES)
    rows = chosen_rows
    for words, tags in ((["the", "downtown", "area"], ["DET", "ADJ", "NOUN"]),
                        (["in", "downtown", "Chicago"], ["ADP", "NOUN", "NOUN"]),
                        (["our", "downtown", "."], ["PRON", "NOUN", "."]),
                        (["He", "was", "first", "."], ["PRON", "VERB", "ADJ", "."]),
                        (["it", "will", "last", "."], ["PRON", "VERB", "VERB", "."]),
                        (["downtown", "is", "busy"], ["NOUN", "VERB", "ADJ"]),
                        (["at", "last", "."], ["ADP", "ADJ", "."]),
                        (["They", "rebuilt", "downtown", "."], ["PRON", "VERB", "NOUN", "."]),
                        (["She", "arrived", "last", "."], ["PRON", "VERB", "ADJ", "."]),
                        (["the", "last", "remaining"], ["DET", "ADJ", "VERB"])):
        logp = rows(tags)
        assert place_adverbs(words, logp) is logp, words


def _rows(words: list[str], at: int, probabilities: dict[str, float]) -> np.ndarray:
    """Tag log-probabilities of ``words``: each row X 0.9 and the rest even, row ``at`` the
    given ``probabilities`` (the rest shared evenly)."""
    p = np.full((len(words), len(TAGS)), 0.1 / (len(TAGS) - 1))
    p[:, TAGS.index("X")] = 0.9
    rest = (1.0 - sum(probabilities.values())) / (len(TAGS) - len(probabilities))
    p[at] = rest
    for tag, value in probabilities.items():
        p[at, TAGS.index(tag)] = value
    return np.log(p)


def _tagged_rows(tags: list[str], at: int, probabilities: dict[str, float]) -> np.ndarray:
    """Tag log-probabilities of a sentence tagged ``tags``: each row its tag 0.9 and the rest
    even, row ``at`` the given ``probabilities`` (:func:`_rows`)."""
    logp = np.log(np.full((len(tags), len(TAGS)), 0.1 / (len(TAGS) - 1)))
    for i, tag in enumerate(tags):
        if i != at:
            logp[i, TAGS.index(tag)] = np.log(0.9)
    logp[at] = _rows(tags, at, probabilities)[at]
    return logp


def test_a_word_after_a_degree_adverb_is_no_noun():
    """"The cat seemed perfectly *content*" read the noun content (the head: NOUN 0.82): after
    one of DEGREE_ADVERBS a word is given NOUN at most RULE_NOT_NOUN_PROBABILITY, the other
    tags the rest in their proportions; "the very *soul*" (very an adjective after a
    determiner) and words after "so"/"pretty" keep the head's row."""
    from sensedb.pos_head import RULE_NOT_NOUN_PROBABILITY, degree_adverb_no_noun, rule_tags

    noun, verb = TAGS.index("NOUN"), TAGS.index("VERB")
    for words, at in ((["seemed", "perfectly", "content"], 2), (["was", "very", "cross"], 2),
                      (["Very", "kind"], 1), (["too", "tan", "."], 1)):
        logp = _rows(words, at, {"NOUN": 0.8, "VERB": 0.1})
        ruled = degree_adverb_no_noun(words, logp)
        _assert_capped(ruled, logp, at, noun, RULE_NOT_NOUN_PROBABILITY, words)
        assert rule_tags(words, logp)[at, noun] <= ruled[at, noun] + 1e-12
        assert np.exp(ruled[at, verb]) > np.exp(logp[at, verb])
    for words, at in ((["the", "very", "soul"], 2), (["so", "people", "left"], 1),
                      (["a", "pretty", "girl"], 2), (["really", "something"], 1)):
        logp = _rows(words, at, {"NOUN": 0.8})
        assert degree_adverb_no_noun(words, logp) is logp, words


def test_a_word_closing_a_noun_phrase_after_a_determiner_is_no_adverb():
    """"drank from the *well*" read the adverb well (the head: X 0.61, NOUN 0.21, ADV
    0.15): after one of DETERMINERS, a word with nothing nominal after it is given ADV and
    X at most RULE_NOT_ADVERB_PROBABILITY each; before a word it may modify ("the
    *recently* elected"), comparatives ("the *more*", "no *farther*"), "his *alone*" and
    -ly words keep the head's row."""
    from sensedb.pos_head import RULE_NOT_ADVERB_PROBABILITY, determiner_no_adverb

    adv, x, noun = TAGS.index("ADV"), TAGS.index("X"), TAGS.index("NOUN")
    for words, at in ((["from", "the", "well"], 2), (["the", "well", ",", "then"], 1),
                      (["my", "back", "in", "May"], 1), (["a", "fast", "."], 1)):
        logp = _rows(words, at, {"X": 0.6, "NOUN": 0.2, "ADV": 0.15})
        if len(words) > at + 1 and words[at + 1] == "in":
            logp[at + 1] = np.log(np.where(np.arange(len(TAGS)) == TAGS.index("ADP"), 0.9,
                                           0.1 / (len(TAGS) - 1)))
        ruled = determiner_no_adverb(words, logp)
        assert np.exp(ruled[at, adv]) == pytest.approx(RULE_NOT_ADVERB_PROBABILITY), words
        assert np.exp(ruled[at, x]) == pytest.approx(RULE_NOT_ADVERB_PROBABILITY), words
        assert np.exp(ruled[at]).sum() == pytest.approx(1.0)
        assert int(np.argmax(ruled[at])) == noun
        assert np.array_equal(np.delete(ruled, at, axis=0), np.delete(logp, at, axis=0))
    for words, at in ((["the", "recently", "elected"], 1), (["the", "more", "."], 1),
                      (["no", "farther", "."], 1), (["his", "alone", "."], 1),
                      (["every", "once", "in", "a", "while"], 1),
                      (["this", "well"], 1)):
        logp = _rows(words, at, {"ADV": 0.8})
        logp[-1] = np.log(np.where(np.arange(len(TAGS)) == TAGS.index("VERB"), 0.9,
                                   0.1 / (len(TAGS) - 1))) if words[-1] == "elected" \
            else logp[-1]
        assert np.array_equal(determiner_no_adverb(words, logp)[at], logp[at]), words


def test_a_bare_verb_after_an_object_noun_phrase_is_no_verb(wordnet):
    """"The kids set up a lemonade *stand* on the corner" read the verb stand (the head:
    VERB 0.83): right after "a"/"an" and a word the head tags NOUN, the article's phrase a
    verb's object (only pronouns, particles, prepositions, adverbs or determiners between),
    a word WordNet reads as a verb's base form only gets VERB at most
    RULE_AGREEMENT_NOT_VERB_PROBABILITY; an inflected or past form ("a dog *barks*", "a
    policeman *put* it"), be/have/do/modals, a subject ("Once a week *water* the plants",
    "Kids with a cold *stay* home", "insist that a doctor *check*": its breaker's), and an
    object of a verb that may take a bare verb after it (let, see, spot, do, a modal) keep
    the head's row."""
    from sensedb.pos_head import RULE_AGREEMENT_NOT_VERB_PROBABILITY, article_noun_no_bare_verb

    def base_verb(word: str) -> bool:
        return wordnet.lemmatize(word, "VERB") == [(word, "VERB")]

    assert base_verb("stand") and not base_verb("stands") and not base_verb("held")
    verb = TAGS.index("VERB")

    def rows(tagged: str) -> tuple[list[str], np.ndarray, int]:
        """"word/TAG ..." with the target marked "word/*": its row VERB 0.8, NOUN 0.15."""
        pairs = [item.rsplit("/", 1) for item in tagged.split()]
        words = [w for w, _ in pairs]
        at = next(i for i, (_, t) in enumerate(pairs) if t == "*")
        return words, _tagged_rows([t for _, t in pairs], at, {"VERB": 0.8, "NOUN": 0.15}), at

    for tagged in ("kids/NOUN set/VERB up/PRT a/DET lemonade/NOUN stand/* on/ADP",
                   "It/PRON was/VERB an/DET ice/NOUN cream/* van/NOUN",
                   "I/PRON bought/VERB her/PRON a/DET bus/NOUN pass/* ./."):
        words, logp, at = rows(tagged)
        ruled = article_noun_no_bare_verb(words, logp, base_verb)
        assert np.exp(ruled[at, verb]) == pytest.approx(RULE_AGREEMENT_NOT_VERB_PROBABILITY)
        assert np.exp(ruled[at]).sum() == pytest.approx(1.0)
        assert np.array_equal(np.delete(ruled, at, axis=0), np.delete(logp, at, axis=0))
    for tagged in ("saw/VERB a/DET dog/NOUN barks/*",
                   "said/VERB a/DET policeman/NOUN put/* it/PRON",
                   "ruled/VERB a/DET ball/NOUN be/* dropped/VERB",
                   "knows/VERB a/DET man/NOUN can/* swim/VERB",
                   "Once/ADV a/DET week/NOUN water/* the/DET plants/NOUN",
                   "Kids/NOUN with/ADP a/DET cold/NOUN stay/* home/ADV",
                   "insist/VERB that/ADP a/DET doctor/NOUN check/* him/PRON",
                   "A/DET couple/NOUN live/* next/ADJ door/NOUN",
                   "let/VERB a/DET child/NOUN stand/*",
                   "spotted/VERB a/DET deer/NOUN cross/* the/DET road/NOUN",
                   "Does/VERB a/DET brace/NOUN help/*",
                   "came/VERB ,/. a/DET man/NOUN stand/*"):
        words, logp, at = rows(tagged)
        assert article_noun_no_bare_verb(words, logp, base_verb) is logp, words


def test_no_bare_verb_after_an_inverted_copulas_subject(wordnet):
    """"Is the pharmacy *open* on Sundays?" read the verb open (the head's VERB before "on
    Sundays"; a fresh tester's): after the subject of a question opened by be, a verb's bare
    form is no verb (``pos_head.inverted_copula_no_bare_verb``). A participle ("Was the door
    *opened*", "Is the road *cut* off"), a subject the head does not end in a noun, a be
    inside a clause ("What matters is the price *rise*") and a word the head does not tag
    VERB are left alone."""
    from sensedb.pos_head import (
        RULE_COPULA_NOT_VERB_PROBABILITY,
        after_inverted_subject_no_verb,
        inverted_copula_no_bare_verb,
    )

    def base_verb(word: str) -> bool:
        return wordnet.lemmatize(word, "VERB") == [(word, "VERB")]

    def split(tagged: str) -> tuple[list[str], list[str]]:
        pairs = [item.rsplit("/", 1) for item in tagged.split()]
        return [w for w, _ in pairs], [t for _, t in pairs]

    for tagged, at in (("Is/VERB the/DET pharmacy/NOUN open/VERB on/ADP Sundays/NOUN ?/.", 3),
                       ("When/ADV was/VERB the/DET old/ADJ museum/NOUN open/VERB ?/.", 5),
                       ("Is/VERB n't/ADV it/PRON open/VERB late/ADV ?/.", 3),
                       ("Are/VERB your/PRON dog/NOUN bite/VERB marks/NOUN red/ADJ ?/.", 3)):
        words, best = split(tagged)
        assert after_inverted_subject_no_verb(words, best, base_verb) == [at], tagged
        logp = _tagged_rows(best, at, {"VERB": 0.8, "ADJ": 0.15})
        ruled = inverted_copula_no_bare_verb(words, logp, base_verb)
        assert np.exp(ruled[at, TAGS.index("VERB")]) == pytest.approx(
            RULE_COPULA_NOT_VERB_PROBABILITY)
        assert TAGS[int(np.argmax(ruled[at]))] == "ADJ"
        assert np.array_equal(np.delete(ruled, at, axis=0), np.delete(logp, at, axis=0))
    for tagged in ("Was/VERB the/DET door/NOUN opened/VERB ?/.",
                   "Is/VERB the/DET road/NOUN cut/VERB off/PRT ?/.",
                   "Is/VERB the/DET open/ADJ ?/.",
                   "What/PRON matters/VERB is/VERB the/DET price/NOUN rise/VERB ./.",
                   "Is/VERB the/DET store/NOUN open/ADJ ?/.",
                   "Are/VERB the/DET kids/NOUN have/VERB fun/NOUN ?/.",
                   # its breaker's: a relative clause without "that" after the subject,
                   # and a be inside a declarative
                   "What/PRON are/VERB the/DET things/NOUN people/NOUN say/VERB ?/.",
                   "Where/ADV is/VERB the/DET place/NOUN kids/NOUN play/VERB ?/.",
                   "He/PRON works/VERB and/CONJ is/VERB the/DET man/NOUN people/NOUN "
                   "trust/VERB ./.",
                   "and/CONJ is/VERB the/DET store/NOUN open/VERB"):
        words, best = split(tagged)
        assert after_inverted_subject_no_verb(words, best, base_verb) == [], tagged


def test_an_imperative_before_a_possessive_is_no_noun(wordnet):
    """"*Mind* your head, there's a low beam" read the noun mind, the intellect (the head:
    NOUN 0.70): a sentence's first word (after ".", "!", a quote, or "please") that
    WordNet reads as a verb's base form, right before a possessive, is given NOUN at most
    RULE_IMPERATIVE_NOT_NOUN_PROBABILITY, the rest of its NOUN probability moved to VERB
    (capping alone gave "Frank" ADJ 0.75: its breaker's). Before "the", "this" or "every"
    the head's row stays ("*Lunch* this Friday?", "*Work* the next day": its breaker's 44
    worse), as it does for an inflected form, a word inside a sentence (after ":" or "Oh,":
    "Reminder: *lunch* my treat", the next breaker's), be/have/do and modals, and a word
    no verb."""
    from sensedb.pos_head import RULE_IMPERATIVE_NOT_NOUN_PROBABILITY, imperative_no_noun

    def base_verb(word: str) -> bool:
        return wordnet.lemmatize(word, "VERB") == [(word, "VERB")]

    noun, verb = TAGS.index("NOUN"), TAGS.index("VERB")
    for words, at in ((["Mind", "your", "head", "."], 0), (["MIND", "YOUR", "STEP"], 0),
                      (["Careful", "!", "Mind", "your", "head"], 2),
                      (["please", "brush", "your", "teeth"], 1),
                      (["Please", ",", "mind", "your", "head"], 2),
                      (['"', "Mind", "your", "head"], 1)):
        logp = _rows(words, at, {"NOUN": 0.7, "VERB": 0.2, "ADJ": 0.05})
        ruled = imperative_no_noun(words, logp, base_verb)
        before, after = np.exp(logp[at]), np.exp(ruled[at])
        assert after[noun] == pytest.approx(RULE_IMPERATIVE_NOT_NOUN_PROBABILITY), words
        assert after[verb] == pytest.approx(before[verb] + before[noun]
                                            - RULE_IMPERATIVE_NOT_NOUN_PROBABILITY)
        others = [t for t in range(len(TAGS)) if t not in (noun, verb)]
        assert after[others] == pytest.approx(before[others])
        assert np.array_equal(np.delete(ruled, at, axis=0), np.delete(logp, at, axis=0))
    for words, at in ((["Time", "the", "race"], 0), (["Lunch", "this", "Friday", "?"], 0),
                      (["Work", "the", "next", "day"], 0), (["Books", "your", "list"], 0),
                      (["Evidence", "that", "it"], 0), (["Can", "your", "church"], 0),
                      (["We", "mind", "your", "dog"], 1), (["Mind", "you", ",", "it"], 0),
                      (["Reminder", ":", "lunch", "my", "treat"], 2),
                      (["Oh", ",", "shame", "your", "brother"], 2), (["Mind"], 0)):
        logp = _rows(words, at, {"NOUN": 0.7, "VERB": 0.25})
        assert imperative_no_noun(words, logp, base_verb) is logp, words
