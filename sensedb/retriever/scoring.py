"""Scoring a target's candidate senses: features from an evidence source, weights, softmax.

score(s) = w · f(s), where f(s) are the candidate's features (FEATURES, below) and w are
the index's weights (manifest ``scoring``; the shipped ones, DEFAULT_WEIGHTS, are package
data: ``sensedb/data/scoring_weights.json``, written by ``scripts/tune_weights.py --write``);
see README "How senses are scored". A feature whose vector is missing is 0 (a penalty next to
the positive cosines of senses that have it) and its ``has_*`` indicator says so.

Everything here is a function of the query's vectors and an evidence source
(:class:`sensedb.retriever.sources.EvidenceSource`): an open index or numpy arrays in memory
give the same scores. *Evidence* means the nearest labelled usages: one search of the
lemma's labelled tokens serves the k-NN vote, the nearest-token feature and the usages an
answer shows (:attr:`CandidateFeatures.tokens`).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ..errors import ConfigurationError, IndexFormatError
from ..inventory import SenseInfo, WordNet
from ..vocabulary import POS_TAGS, ScoringMethod
from .constructions import ranked_out, shared_out
from .sources import EvidenceSource

FEATURES = (
    "corpus_cos",         # cosine to the sense's mean vector over labelled corpus tokens
    "has_corpus",         # the sense has labelled corpus tokens
    "vote",               # share of the k nearest corpus tokens of the lemma labelled s
    "gloss_cos",          # cosine to the sentence vector of "lemma: gloss"
    "has_gloss",
    "example_cos",        # cosine to the mean vector of the lemma in WordNet's examples
    "has_example",
    "log_support",        # log(1 + labelled corpus tokens of s)
    "log_wordnet_count",  # log(1 + WordNet's tag count of s)
    "first_sense",        # s is WordNet's first sense of the lemma
    "inv_rank",           # 1 / WordNet sense number
    "nn_cos",             # cosine to the nearest labelled corpus token of s (0 without one)
    "context_gloss_cos",  # cosine of the whole sentence's vector to the gloss vector
    "pos_logp",           # log P(the sense's POS | the word in context), the POS head's
                          # content-tag log-probability (sensedb.pos_head); 0 without a head
    "rare_base",          # the sense's lemma is a rare exception-list base of a form that is
                          # itself a lemma (stamina -> stamen; morphology.rare_bases)
    # Append new features at the end only: stored weights (manifests, retrieval heads) index
    # this tuple by position, and a formula that lacks a feature gives it weight 0.
    "example_nn_cos",     # cosine to the nearest WordNet example token of s (0 without one)
    "proper_name",        # s is a proper name (WordNet writes its lemma capitalized: Crane the
                          # writer) and the usage's form is written in lower case (a crane)
                          # or all in capitals (A CRANE) unless s is an initialism (US)
    "sense_cos",          # cosine of the usage's word vector to the sentence vector of the
                          # sense's richer text (indexer.wordnet.sense_text: gloss, synonyms,
                          # hypernyms, examples; 0 without one)
    "context_sense_cos",  # cosine of the whole sentence's vector to that sense-text vector
    "example_rel",        # example_cos minus its mean over the usage's candidates that have
                          # WordNet examples (0 without one): how much better than the others'
                          # this sense's examples fit (relative_examples)
    "example_nn_rel",     # the same for example_nn_cos
    "bare_gloss_cos",     # cosine of the sense's lemma encoded alone (no context: the
                          # model's reading of the bare word) to the gloss vector; weighed
                          # against gloss_cos, gloss_cos - a * bare_gloss_cos is how far the
                          # context moved the word towards this gloss (bare_cosines)
    "gloss_overlap",      # idf-weighted count of the lemmas the sentence shares with the
                          # sense's gloss and examples, in idf units (simplified Lesk:
                          # sensedb.retriever.overlap; 0 where nothing is shared)
    "related_overlap",    # the same for the lemmas it shares with the lemma names and
                          # definitions of the synsets the sense's synset points to (hypernyms,
                          # hyponyms, parts, ...) and not with its own gloss and examples
                          # (extended Lesk, Banerjee and Pedersen 2003)
    "common_name",        # s is not a proper name, a proper name of the same lemma competes
                          # (Turkey the country, turkey the bird) and the usage's form is
                          # capitalized inside its sentence ("a holiday in Turkey")
    "personal_name",      # s is not a person (WordNet's noun.person) and the usage's form is a
                          # person's name by its place: capitalized after an honorific
                          # ("Ms. Park", "Mr. John Brown"; names.personal_names)
)

VOTE_K = 5  # neighbours in the k-NN vote
# The cosine features: a candidate's *fit* to the usage is their mean weighted by the
# formula's (positive) weights (see :func:`fit`). The sentence-level cosines (the whole
# sentence against the gloss or sense text) and the sense-text cosines are left out: they say
# what the sentence is about, not whether this usage of the word fits a sense. With the
# sentence against the gloss in the fit, the novelty thresholds refitted on SemCor found 2 of
# the 17 novel usages of tests/fixtures/novel.tsv; without it 4 of 17, all 4 flagged right,
# as the fit of the gloss and example cosines did before (BENCHMARKS.md "Relative example
# evidence").
FIT_FEATURES = ("corpus_cos", "gloss_cos", "example_cos", "nn_cos", "example_nn_cos")

WEIGHTS_FILE = "data/scoring_weights.json"


def shipped_weights_file() -> dict:
    """The package's weights file (``sensedb/data/scoring_weights.json``): ``features``,
    ``weights`` (``{"corpus": {feature: w}, "wordnet_only": {...}}``) and ``provenance``
    (data sets, command, date).

    Raises:
        ConfigurationError: the file is missing, not JSON, or names a feature not in FEATURES.
    """
    path = resources.files("sensedb").joinpath(WEIGHTS_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"sensedb/{WEIGHTS_FILE}: cannot read the shipped scoring "
                                 f"weights ({exc}); reinstall sensedb") from None
    unknown = {name for family in data.get("weights", {}).values() for name in family}
    unknown -= set(FEATURES)
    if unknown or "corpus" not in data.get("weights", {}):
        raise ConfigurationError(f"sensedb/{WEIGHTS_FILE}: unknown features {sorted(unknown)} "
                                 "or no 'corpus' weights; reinstall sensedb")
    return data


# The shipped weights (provenance in the file; BENCHMARKS.md "Choosing the shipped weights"):
# "corpus" for indexes with labelled corpus tokens, "wordnet_only" for the others.
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = shipped_weights_file()["weights"]
# A usage is ``novel`` (no sense of the inventory fits it) when the best candidate's fit
# (:func:`fit`, a weighted mean cosine) is below the threshold of its formula's family and
# the best sense's POS: the 10th percentile of the best fit over ordinary labelled text of
# that POS (SemCor documents for "wordnet_only", SemEval-2007 for "corpus"), where a sense
# always fits, so about 1 ordinary usage in 10 is flagged; fitted by
# scripts/tune_weights.py and stored in the weights file beside the weights.
NOVELTY: dict[str, dict[str, float]] = {
    family: value for family, value in shipped_weights_file().get("novelty", {}).items()
    if isinstance(value, dict)}
#: The novelty thresholds of multiword readings (a best sense whose lemma has words joined by
#: "_"), per formula family and "VERB" / "other": the same quantile of the best fit over the
#: multiword readings SemCor has as one token, whose fit runs lower than single words' (at
#: the single-word thresholds one multiword verb in seven was flagged, against one single
#: word in sixteen); ``novelty`` in the weights file's ``multiword``, fitted by
#: ``scripts/tune_multiword.py novelty`` (BENCHMARKS.md "How sure a multiword reading is").
MULTIWORD_NOVELTY: dict[str, dict[str, float]] = {
    family: {str(group): float(value) for group, value in groups.items()}
    for family, groups in shipped_weights_file().get("multiword", {}).get("novelty", {}).items()
    if isinstance(groups, dict)}
# Lemmas never called novel and left out of the thresholds' fit: the copula's senses are
# grammatical (being, equality, location), which no gloss or example describes as it does a
# thing or an action, so their fit says nothing of a sense WordNet lacks. On the held-out
# SemCor documents "be" was half the time under the verb threshold (830 of 1,648 usages,
# nine in ten of the verbs flagged) and every other verb 0.8% of the time.
NEVER_NOVEL = frozenset({"be"})
# Lemmas whose WordNet usage examples are no evidence (their example features left empty, as
# for a sense without examples): the copula's examples are short clauses whose tense the
# usage's vector matches before its sense ("There *were* two hundred people at his funeral"
# of be "happen, occur" drew "The soup *was* cold" from the copula, "is" stayed the copula).
# On the 36 held-out SemCor documents, raw-text candidates, shipped weights: be right 1,051
# -> 1,090 of 1,649 (WordNet-only), 1,101 -> 1,104 (corpus); SE07 has no be instance
# (BENCHMARKS.md "The copula's examples").
NO_EXAMPLE_EVIDENCE = frozenset({"be"})

# When the tagger keeps a multiword reading over its words read one by one: where its best
# score minus the best score of its words is above a margin, in units of the formula's main
# weight (corpus_cos, else gloss_cos), one for verbs (phrasal verbs) and one for the other
# parts of speech; chosen by scripts/tune_multiword.py and stored in the weights file.
MULTIWORD: dict[str, float] = {
    str(pos): float(value) for pos, value in
    shipped_weights_file().get("multiword", {}).get("margin", {}).items()}
#: The corpus formula's margins (``corpus_margin`` in the weights file; the WordNet-only
#: ones where none is given): the margins were chosen on the default index's readings, and
#: the corpus formula keeps those chosen before the WordNet-only formula changed (a SemCor
#: index's SE07 raw-text gap: 2.78 with them, 3.22 with the default index's -0.9 of 2026-12-01).
MULTIWORD_CORPUS: dict[str, float] = {
    str(pos): float(value) for pos, value in
    shipped_weights_file().get("multiword", {}).get("corpus_margin", MULTIWORD).items()}

#: The weight, in units of the formula's main weight, of a multiword reading's
#: :func:`rate_log_odds` (how often SemCor writes it as one token) added to its score against
#: its words', for verbs and for the other parts of speech (``rate_weight`` in the weights
#: file's ``multiword``; chosen with the margins by scripts/tune_multiword.py --rates; 0
#: where none is stored).
MULTIWORD_RATE_WEIGHT: dict[str, float] = {
    str(pos): float(value) for pos, value in
    shipped_weights_file().get("multiword", {}).get("rate_weight", {}).items()}
#: The corpus formula's (``corpus_rate_weight``; chosen with its margins).
MULTIWORD_RATE_WEIGHT_CORPUS: dict[str, float] = {
    str(pos): float(value) for pos, value in
    shipped_weights_file().get("multiword", {}).get("corpus_rate_weight", {}).items()}

#: How likely a multiword reading the tagger keeps is one expression: ``[a, b]`` per group
#: (:func:`multiword_group`: "VERB", "function") of the logistic
#: ``1 / (1 + exp(-(a z + b)))`` of z, what the reading is kept by (its best score plus its
#: rate term minus its words' best minus the margin, in units of the formula's main
#: weight): ``whole`` in the weights file's
#: ``multiword`` (``corpus_whole``: the corpus formula's), fitted on SemCor's kept readings by
#: ``scripts/tune_multiword.py calibrate`` (BENCHMARKS.md "How sure a multiword reading is").
#: A kept reading that opens with a closed-class word is one token in SemCor less than half
#: the time, a phrasal verb kept by a clear margin nine times in ten; content-word compounds
#: have no entry (their probability is their sense's).
MULTIWORD_WHOLE: dict[str, tuple[float, float]] = {
    str(pos): (float(ab[0]), float(ab[1])) for pos, ab in
    shipped_weights_file().get("multiword", {}).get("whole", {}).items()}
#: The corpus formula's (``corpus_whole``).
MULTIWORD_WHOLE_CORPUS: dict[str, tuple[float, float]] = {
    str(pos): (float(ab[0]), float(ab[1])) for pos, ab in
    shipped_weights_file().get("multiword", {}).get("corpus_whole", {}).items()}

#: The margin, in units of the formula's main weight, a phrasal verb read with its particle
#: apart ("turn the lights off": ``tagger.separated_readings``) must beat its words' best
#: score by: stricter than a contiguous phrasal verb's (MULTIWORD's -0.6). Chosen on all of
#: SemCor (no held-out part; default index) by ``scripts/separated_verbs.py --margin -0.6
#: --gap 3``'s sweep, at most 2 words between: right answers gained minus lost (the
#: particles' own answers counted) +22 at -0.6, +38 at -0.5, +40 at -0.4, +46 at -0.3, +47 at
#: -0.2, +31 at -0.1, +23 at 0, +7 at +0.2. Measured with this margin: 127 readings kept,
#: 61 right (15 before), +45 net. SemEval-2007 keeps one, "thieves walk by to scoop it up":
#: scoop_up%2:35:00::, the synset of the annotation's scoop%2:35:01:: (-1; none at +0.2).
SEPARATED_MARGIN = -0.2
#: The same margin where the one word between verb and particle is a pronoun ("gave *it*
#: up", "think *it* over"): English puts a pronoun object of a phrasal verb there and
#: nowhere else ("gave up it" is not said), so the reading needs less over its words.
#: Chosen by the same sweep split by that (``scripts/separated_verbs.py --margin -2.0``, all
#: of SemCor, default index; right answers gained minus lost): readings with a pronoun
#: between +14 at -0.8, +21 at -0.6, +32 at -0.5, +36 at -0.4, +36 at -0.3, +33 at -0.2,
#: +22 at -0.1; the others +3 at -0.4, +9 at -0.3, +13 at -0.2, +8 at -0.1 (so they keep
#: SEPARATED_MARGIN). Both: +49 against +46 with -0.2 for all.
SEPARATED_MARGIN_PRONOUN = -0.4


RATES_FILE = "data/multiword_rates.json"


@functools.cache
def multiword_rates() -> dict[str, tuple[int, int]]:
    """How often SemCor writes each multiword lemma's span as one token: ``{lemma: (whole,
    apart)}`` from ``sensedb/data/multiword_rates.json`` (made by
    ``scripts/multiword_rates.py`` from SemCor without the tuning documents; its provenance
    is in the file). Read once per process.

    Raises:
        ConfigurationError: the file is missing or malformed."""
    path = resources.files("sensedb").joinpath(RATES_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["counts"]
        return {str(lemma): (int(whole), int(apart)) for lemma, (whole, apart) in data.items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"sensedb/{RATES_FILE}: cannot read the shipped multiword "
                                 f"counts ({exc}); reinstall sensedb") from None


def rate_log_odds(rates: dict[str, tuple[int, int]] | None, lemmas: Sequence[str]) -> float:
    """Evidence that a multiword reading is one word: ``log((whole + 1) / (apart + 1))`` of
    :func:`multiword_rates` (or ``rates``), the largest over the reading's ``lemmas``
    (natural log; 0 for a lemma the counts never met: go_to, which SemCor writes apart
    about nine times for each time it tags it, -2.2; give_up, never apart, +3.4)."""
    table = multiword_rates() if rates is None else rates
    found = [table[lemma] for lemma in lemmas if lemma in table]
    if not found:
        return 0.0
    return max(math.log((whole + 1) / (apart + 1)) for whole, apart in found)


def multiword_margin(weights: np.ndarray, pos: str) -> float:
    """The score margin (in ``weights``' units) a multiword reading of part of speech ``pos``
    must beat its words' best score by to be kept: MULTIWORD for a formula without corpus
    evidence, MULTIWORD_CORPUS for one with (``corpus_cos`` weighted), in units of the
    formula's main weight (0 where none is shipped)."""
    return _per_pos(weights, MULTIWORD_CORPUS, MULTIWORD, pos) * main_weight(weights)


def _per_pos(weights: np.ndarray, corpus: Mapping[str, float], wordnet_only: Mapping[str, float],
             pos: str) -> float:
    """The value for part of speech ``pos`` ("VERB", else "other"; 0 where none) of the
    table of ``weights``' family (:func:`_of_family`)."""
    return _of_family(weights, corpus, wordnet_only).get("VERB" if pos == "VERB" else "other",
                                                         0.0)


def _of_family(weights: np.ndarray, corpus: Mapping, wordnet_only: Mapping) -> Mapping:
    """``corpus`` for a formula with ``corpus_cos`` weighted, else ``wordnet_only``."""
    return corpus if float(weights[FEATURES.index("corpus_cos")]) else wordnet_only


def multiword_evidence(weights: np.ndarray, lemmas: Sequence[str], pos: str) -> float:
    """What a contiguous multiword reading of ``lemmas`` whose best sense has part of speech
    ``pos`` adds to its best score (in ``weights``' units) before it is weighed against its
    words' best score: the weight of MULTIWORD_RATE_WEIGHT (MULTIWORD_RATE_WEIGHT_CORPUS for
    a formula with corpus evidence) for verbs or for the others, times
    :func:`rate_log_odds`, in units of the formula's main weight."""
    rate = _per_pos(weights, MULTIWORD_RATE_WEIGHT_CORPUS, MULTIWORD_RATE_WEIGHT, pos)
    if not rate:
        return 0.0
    return rate * rate_log_odds(None, lemmas) * main_weight(weights)


def separated_margin(weights: np.ndarray, pronoun: bool = False) -> float:
    """The score margin (in ``weights``' units) a phrasal verb read with its particle apart
    must beat its words' best score by to be kept: SEPARATED_MARGIN, or
    SEPARATED_MARGIN_PRONOUN where the one word between is a pronoun (``pronoun``), in
    units of the formula's main weight (fitted on the WordNet-only formula; the corpus
    formula's unit, ``corpus_cos``, is used as is)."""
    margin = SEPARATED_MARGIN_PRONOUN if pronoun else SEPARATED_MARGIN
    return margin * main_weight(weights)


def multiword_group(pos: str, function_first: bool) -> str:
    """The calibration group of a multiword reading: "VERB" (phrasal verbs), "function"
    (a reading that opens with a closed-class word: "on the hook", "in the air", "of
    course") or "other" (content-word compounds: "ice cream", "credit card")."""
    return "VERB" if pos == "VERB" else "function" if function_first else "other"


def multiword_whole(weights: np.ndarray, pos: str, kept_by: float,
                    function_first: bool = False) -> float:
    """The probability (0-1) that a contiguous multiword reading of part of speech ``pos``
    which the tagger keeps is one expression as SemCor's annotators write it (one token),
    from ``kept_by``: its best score plus :func:`multiword_evidence` minus its words' best
    score minus :func:`multiword_margin`, in ``weights``' score units (> 0 when kept): the
    logistic of :data:`MULTIWORD_WHOLE` (:data:`MULTIWORD_WHOLE_CORPUS` for a formula with
    corpus evidence) for its :func:`multiword_group` (``function_first``: its first word is
    closed-class), of it in units of the formula's main weight; 1.0 where none is shipped
    for the family and group: content-word compounds, whose margin tells nothing of how
    SemCor writes them (they split names and compounds, "United States", about as often as
    not: cross-validated, the logistic did no better than the base rate)."""
    found = _of_family(weights, MULTIWORD_WHOLE_CORPUS, MULTIWORD_WHOLE).get(
        multiword_group(pos, function_first))
    if found is None:
        return 1.0
    a, b = found
    return float(1.0 / (1.0 + math.exp(-(a * kept_by / main_weight(weights) + b))))


def main_weight(weights: np.ndarray) -> float:
    """The formula's main weight: ``corpus_cos`` where weighted, else ``gloss_cos`` (1.0
    where neither is)."""
    corpus = float(weights[FEATURES.index("corpus_cos")])
    return float(corpus or weights[FEATURES.index("gloss_cos")] or 1.0)


# The textbook method (argmax of the cosine to corpus sense vectors; senses without one after,
# in WordNet order): the same machinery with these weights (set by hand, not fitted).
COSINE_WEIGHTS = {"corpus_cos": 1.0, "has_corpus": 100.0, "inv_rank": 1e-3}

GROUPS = {
    "corpus": ("corpus_cos", "has_corpus", "vote", "log_support", "nn_cos"),
    "gloss": ("gloss_cos", "has_gloss", "context_gloss_cos", "sense_cos", "context_sense_cos",
              "bare_gloss_cos", "gloss_overlap", "related_overlap"),
    "examples": ("example_cos", "has_example", "example_nn_cos", "example_rel",
                 "example_nn_rel"),
    "prior": ("log_wordnet_count", "first_sense", "inv_rank", "rare_base", "proper_name",
              "common_name", "personal_name"),
    "pos": ("pos_logp",),
}


def candidate_features(*, corpus_cos: float | None, support: float, vote: float,
                       gloss_cos: float | None, example_cos: float | None,
                       wordnet_count: float, sense_number: int, nn_cos: float | None = None,
                       context_gloss_cos: float | None = None,
                       pos_logp: float = 0.0, rare_base: bool = False,
                       example_nn_cos: float | None = None,
                       proper_name: bool = False, sense_cos: float | None = None,
                       context_sense_cos: float | None = None,
                       bare_gloss_cos: float | None = None,
                       gloss_overlap: float = 0.0, related_overlap: float = 0.0,
                       common_name: bool = False, personal_name: bool = False) -> np.ndarray:
    """The feature vector of one candidate sense, (len(FEATURES),) float64 in FEATURES order.
    ``example_rel`` and ``example_nn_rel`` are 0 here: they compare a sense with the usage's
    other candidates, so :func:`relative_examples` fills them over the whole matrix (as
    :func:`candidate_matrix` does).

    Cosines are None when the sense has no such vector; ``support``: its labelled corpus
    tokens; ``vote``: the share (0-1) of the k-NN vote labelled with it; ``wordnet_count``:
    WordNet's tag count; ``sense_number``: WordNet's 1-based sense number of the lemma;
    ``pos_logp``: natural log of the POS head's probability of the sense's POS (<= 0);
    ``rare_base``: the sense's lemma is a rare exception-list reading of the form;
    ``example_nn_cos``: cosine to the nearest of the sense's WordNet example tokens;
    ``proper_name``: the sense is a proper name read from a lower-case form;
    ``common_name``: the sense is a common noun of a proper name's lemma read from a form
    capitalized inside its sentence (:func:`common_names`); ``personal_name``: the sense is not
    a person while the usage is a person's name by its place (``names.personal_names``);
    ``sense_cos`` / ``context_sense_cos``: cosine of the usage's (plain) word vector / of the
    sentence vector to the sense-text vector; ``bare_gloss_cos``: cosine of the sense's lemma
    encoded alone to the gloss vector (:func:`bare_cosines`); ``gloss_overlap``: the
    sentence's idf-weighted word overlap with the sense's gloss and examples, in idf units,
    ``related_overlap`` with its related synsets' lemmas and definitions
    (``overlap.GlossOverlap.scores``)."""
    return np.array([
        corpus_cos or 0.0, float(corpus_cos is not None), vote,
        gloss_cos or 0.0, float(gloss_cos is not None),
        example_cos or 0.0, float(example_cos is not None),
        math.log1p(support), math.log1p(wordnet_count), float(sense_number == 1),
        1.0 / max(sense_number, 1), nn_cos or 0.0, context_gloss_cos or 0.0, pos_logp,
        float(rare_base), example_nn_cos or 0.0, float(proper_name), sense_cos or 0.0,
        context_sense_cos or 0.0, 0.0, 0.0, bare_gloss_cos or 0.0, gloss_overlap,
        related_overlap, float(common_name), float(personal_name),
    ], dtype=np.float64)


_RELATIVE = ((FEATURES.index("example_cos"), FEATURES.index("example_rel")),
             (FEATURES.index("example_nn_cos"), FEATURES.index("example_nn_rel")))
_HAS_EXAMPLE = FEATURES.index("has_example")


def relative_examples(features: np.ndarray) -> np.ndarray:
    """Fill ``example_rel`` / ``example_nn_rel`` of one usage's candidate matrix
    ((candidates, len(FEATURES)) float64, changed in place and returned): each candidate's
    ``example_cos`` / ``example_nn_cos`` minus their mean over the candidates with WordNet
    examples (``has_example``), 0 for a candidate without; both times the share of the
    candidates that have examples.

    Why: a usage's cosine to any sense's examples of the same word is high (0.8-0.9 on the
    default index), so the absolute cosine mostly rewards having examples at all (a verb
    sense with an example beat the noun "dive" of "a perfect dive" that has none). The
    difference from the mean keeps only how much better one sense's examples fit than the
    others': no evidence counts as average evidence. Chosen over the difference from the
    best (which ties a sense without examples with the best one) by scripts/tune_weights.py
    (BENCHMARKS.md, "Relative example evidence"). The share: a comparison among a few of the
    candidates says less about all of them ("water from the spring": the season's examples
    fit better than the coil's, the only other sense of 9 with examples, and lifted the
    season over the water source, which has none); chosen by the same rule (BENCHMARKS.md
    "Relative example evidence by its share of the candidates")."""
    has = features[:, _HAS_EXAMPLE] > 0
    for absolute, relative in _RELATIVE:
        if has.any():
            column = features[:, absolute]
            features[:, relative] = np.where(has, column - column[has].mean(), 0.0) * has.mean()
        else:
            features[:, relative] = 0.0
    return features


def proper_names(inventory: WordNet, surface: str, candidates: Sequence[SenseInfo]
                 ) -> frozenset[str]:
    """The keys of ``candidates`` whose WordNet form ``surface``, the usage's form as
    written, does not fit: proper names (``WordNet.proper_name``: Crane the writer, Pound the
    poet) when ``surface`` has no capital letter ("a crane" is not a person), and
    initialisms (``WordNet.initialism``: OH Ohio, HI Hawaii) unless ``surface`` is written
    in capitals ("Oh no", "Hi there"). A capitalized form (a sentence's first word, a name)
    says nothing of proper names.

    A form written entirely in capitals, two letters or more ("CRANE", "US"), has lost its
    case (a headline, a shouted or all-caps text): it is read as lower case, except that it
    fits initialisms, whose lemma WordNet writes in capitals too. So in "THE CRANE LIFTED THE
    BEAM." Hart Crane (WordNet writes "Crane") is flagged as for "crane", while "US" (the
    United States, written "US") and "OH" (Ohio) are not. A single capital letter ("A", "C")
    is only capitalized: it says nothing of proper names."""
    if surface == surface.lower():
        return frozenset(s.key for s in candidates if inventory.proper_name(s))
    if surface.isupper():
        if sum(c.isalpha() for c in surface) < 2:
            return frozenset()
        return frozenset(s.key for s in candidates
                         if inventory.proper_name(s) and not inventory.initialism(s))
    return frozenset(s.key for s in candidates if inventory.initialism(s))


def title_case(words: Sequence[str]) -> bool:
    """Whether a sentence is written in title case ("Local Man Visits Turkey"): its words
    after the first that are longer than three letters, two at least, all capitalized. Its
    capitals then say nothing of names. (Most of them was too loose: "Yesterday Mr. Brown
    visited Turkey" has two names among three such words.)"""
    long = [w for w in words[1:] if len(w) > 3 and w.isalpha()]
    return len(long) >= 2 and all(w[0].isupper() for w in long)


def capitalized_inside(words: Sequence[str], at: int) -> bool:
    """Whether the form ``words[at]`` is capitalized (not all capitals) inside its sentence,
    where the capital is the name's: not the sentence's first word, nor a form after ". ! ?
    :" or an opening quote or bracket, nor a word of a title-case sentence ("Local Man
    Visits Turkey")."""
    if not _capitalized(words[at]):
        return False
    before = [w for w in words[:at] if any(c.isalnum() for c in w)]
    return bool(before) and not _opens_sentence(words, at) and not title_case(words)


def without_slurs(inventory: WordNet, words: Sequence[str], at: int,
                  candidates: Sequence[SenseInfo]) -> list[SenseInfo]:
    """``candidates`` without WordNet's ethnic slurs (``WordNet.ethnic_slur``) where the form
    ``words[at]`` is capitalized (not all capitals), inside its sentence or first: a name
    ("dinner at *Tom*'s house", "*Paddy* is my friend"), which WordNet's "Tom" (of Uncle Tom,
    sense 1, written capitalized, so also read as the proper name the capital points to) and
    "Paddy" are not; all of them where nothing else is left. A word in lower case keeps
    them."""
    if not _capitalized(words[at]):
        return list(candidates)
    kept = [s for s in candidates if not inventory.ethnic_slur(s)]
    return kept or list(candidates)


def common_names(inventory: WordNet, words: Sequence[str], at: int,
                 candidates: Sequence[SenseInfo]) -> frozenset[str]:
    """The keys of ``candidates`` that the usage's case speaks against the other way round
    from :func:`proper_names`: common senses (turkey the bird, dickens the exclamation)
    of a lemma that also names a proper-name candidate (Turkey the country, Dickens the
    writer) when the form ``words[at]`` is capitalized (not all capitals) inside its
    sentence, i.e. after a word that is not sentence punctuation. A sentence's first word,
    a form after ". ! ? :" or an opening quote or bracket, and a title-case sentence
    ("Local Man Visits Turkey") say nothing: their capitals are the writing's, not the
    name's. The weight the flag gets is chosen with the others (``scripts/tune_weights.py``):
    SemCor writes "the Army" and "the Senate" capitalized for the common senses, so it is
    kept small."""
    if not capitalized_inside(words, at):
        return frozenset()
    names = {s.lemma.lower() for s in candidates if inventory.proper_name(s)}
    return frozenset(s.key for s in candidates
                     if s.lemma.lower() in names and not inventory.proper_name(s))


#: Honorifics written before a person's name ("Mr." is "Mr" "." to sensedb's tokenizer and
#: "Mr." to spaCy's); matched as written, capitalized, so "miss" the verb is none.
HONORIFICS = frozenset({"Mr", "Mrs", "Ms", "Miss", "Mx", "Messrs", "Mmes", "Dr", "Prof",
                        "Sir", "Dame", "Mme", "Mlle", "Rev",
                        # ranks and offices, as abbreviated before a name ("Capt. Hook",
                        # "Sen. Smith"; SemCor annotates none of the 79 words after them)
                        "Capt", "Lt", "Sgt", "Col", "Gen", "Maj", "Cpl", "Pvt", "Adm",
                        "Cmdr", "Gov", "Sen", "Rep", "Pres", "Fr", "Hon"})
# WordNet's lexicographer file of people (noun.person, lex_filenum 18 of a noun's sense key).
_PERSON = "1:18:"


def is_person(sense: SenseInfo) -> bool:
    """Whether the sense is in WordNet's lexicographer file noun.person (its key's
    ``ss_type:lex_filenum`` is ``1:18``): a person or a kind of person."""
    return sense.key.partition("%")[2].startswith(_PERSON)


def _capitalized(form: str) -> bool:
    """Whether a form is capitalized and has kept its case: its first letter a capital, not
    every letter of two or more (a word in capitals has lost its case)."""
    return form[:1].isupper() and not (form.isupper() and sum(c.isalpha() for c in form) > 1)


def _opens_sentence(words: Sequence[str], at: int) -> bool:
    """Whether ``words[at]`` follows sentence punctuation or an opening quote or bracket
    (:data:`_SENTENCE_OPENERS`). A period after an abbreviation (sensedb's tokenizer writes
    "Mr." as "Mr" ".") or after an initial ("J . Smith") ends no sentence."""
    previous = words[at - 1]
    if previous != ".":
        return previous in _SENTENCE_OPENERS
    word = words[at - 2] if at >= 2 else ""
    return not (len(word) == 1 and word.isupper()) and f"{word}." not in _abbreviations()


@functools.lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    """The abbreviations spaCy's English tokenizer keeps whole with their period ("Mr.",
    "Dr.", "St.", "Jan.", "e.g."; a well-kept list, read only when a period precedes a
    capitalized word)."""
    from spacy.lang.en import English

    return frozenset(w for w in English.Defaults.tokenizer_exceptions if w.endswith("."))


# Tokens after which a capital opens a sentence or a quotation (common_names).
_SENTENCE_OPENERS = frozenset({".", "!", "?", ":", '"', "'", "``", "(", "[", "\u201c",
                               "\u2018", "--", "\u2014"})


@dataclass
class CandidateFeatures:
    """What one usage's candidate senses are scored on (see :func:`candidate_matrix`)."""

    vector: np.ndarray  # (dim,) float32: the usage's vector in the index's space
    candidates: list[SenseInfo]
    features: np.ndarray  # (candidates, len(FEATURES)) float64
    corpus_cos: list[float | None]  # cosine to each candidate's corpus sense vector
    support: list[int]  # labelled corpus tokens of each candidate
    fallback: list[bool]  # no corpus, gloss or example vector: WordNet's order and counts
    # (and the gloss overlap, which reads the gloss's words) speak
    near: list[tuple[int, float]]  # (token id, cosine) the features ranked, best first
    tokens: list[tuple[int, float]]  # the whole token search (near, then more for evidence)
    # the groups' WordNet example tokens, (token id, cosine) best first, all of them; None
    # when examples were not searched (an answer's evidence takes its best from here)
    examples: list[tuple[int, float]] | None = None


def _cosines(found: list[bool], vectors: np.ndarray, query: np.ndarray | None
             ) -> list[float | None]:
    """Cosines of the found rows to ``query``, None where a key has no vector."""
    if not any(found) or query is None:
        return [None] * len(found)
    values = iter((vectors @ query).tolist())
    return [next(values) if present else None for present in found]


def bare_cosines(candidates: Sequence[SenseInfo], found: list[bool], gloss: np.ndarray,
                 bare: Mapping[str, np.ndarray] | None) -> list[float | None]:
    """Each candidate's ``bare_gloss_cos``: the cosine of its gloss vector (``found``, ``gloss``
    as ``EvidenceSource.wordnet_vectors`` gives them) to ``bare[sense.lemma]``, the (dim,)
    float32 L2-normalized raw vector of the sense's lemma encoded alone, a one-word sentence
    (``SenseIndex.bare_vectors``); None without either.

    Why: MiniLM's vector of a word carries its common reading whatever a few words around it
    say. In "We fished from the bank." the word's cosine to the financial gloss is 0.635 and to
    the river gloss 0.327; the bare word "bank" leans the same way. The gloss cosine minus a
    share of the bare word's counts only what the context added, which the frequency prior
    (``log_wordnet_count``) already counts otherwise. Its weight is chosen with the others by
    scripts/tune_weights.py (BENCHMARKS.md "The gloss cosine relative to the bare word")."""
    if bare is None or not any(found):
        return [None] * len(candidates)
    rows = iter(range(len(gloss)))
    out: list[float | None] = []
    for sense, present in zip(candidates, found, strict=True):
        row = next(rows) if present else None
        vector = bare.get(sense.lemma)
        out.append(None if row is None or vector is None else float(gloss[row] @ vector))
    return out


def candidate_matrix(source: EvidenceSource, candidates: Sequence[SenseInfo],
                     groups: Sequence[str], vector: np.ndarray, plain: np.ndarray, *,
                     context: np.ndarray | None = None, use_examples: bool = True,
                     propagate: bool = False, rank_every_token: bool = False,
                     evidence_k: int = 0, pos_logp: np.ndarray | None = None,
                     rare: frozenset[tuple[str, str]] = frozenset(),
                     proper: frozenset[str] = frozenset(),
                     bare: Mapping[str, np.ndarray] | None = None,
                     overlap: np.ndarray | None = None,
                     common: frozenset[str] = frozenset(),
                     personal: frozenset[str] = frozenset(),
                     prior: Mapping[str, float] | None = None) -> CandidateFeatures:
    """The feature matrix of ``candidates`` for one usage.

    Args:
        source: where the sense, WordNet and token vectors come from.
        candidates: the candidate senses (of every lemma/POS of ``groups``).
        groups: the lemma/POS group keys whose labelled tokens are searched.
        vector: (dim,) float32, the usage's vector in the index's space (normalized).
        plain: (dim,) float32, the usage's raw vector L2-normalized (compared with gloss
            vectors, which are sentence vectors and never z-scored).
        context: (dim,) float32 normalized sentence vector, or None to leave the
            sentence-vs-gloss and sentence-vs-sense-text features at 0.
        use_examples: False leaves WordNet's example vectors and example tokens out (else
            the lemma's example tokens are searched for the nearest-example feature, which
            an answer's ``nearest_cosine`` reports whether or not the formula weighs it).
            A candidate of a lemma in :data:`NO_EXAMPLE_EVIDENCE` (the copula) gets no
            example features either way.
        propagate: give candidates without a corpus sense vector a propagated one.
        rank_every_token: the nearest-token feature ranks every labelled token of the lemma
            (else only the vote's VOTE_K neighbours are searched and it sees those).
        evidence_k: also return this many nearest tokens for an answer's evidence (one
            search serves both: k = max(needed)).
        pos_logp: (4,) float64, the POS head's log-probabilities of NOUN VERB ADJ ADV for
            this usage (``POSHead.content_log_probabilities``), or None (feature 0): soft
            evidence, never a filter.
        rare: the (lemma, POS) pairs that are rare exception-list readings of the surface
            form (``sensedb.inventory.morphology.rare_bases``).
        proper: the sense keys of candidates that are proper names while the usage's form is
            in lower case (:func:`proper_names`).
        bare: ``{lemma: (dim,) float32}``, each candidate lemma encoded alone, normalized
            (``SenseIndex.bare_vectors``), or None (``bare_gloss_cos`` 0; :func:`bare_cosines`).
        overlap: (len(candidates), 2) float64, each candidate's ``gloss_overlap`` and
            ``related_overlap`` (``overlap.GlossOverlap.scores``), or None (0 for every
            candidate).
        common: the sense keys of common-noun candidates whose proper-name namesake the
            usage's capitalized form points to (:func:`common_names`).
        personal: the sense keys of candidates that are not people while the usage is a
            person's name by its place (``names.personal_names``).
        prior: ``{sense key: probability}`` of a construction the usage stands in
            (``constructions.construction_prior``: the existential "there is"), or None:
            those candidates' WordNet counts and labelled tokens are their totals shared out
            by it (``constructions.shared_out``), and their sense numbers given out in its
            order (``constructions.ranked_out``), before the prior features are taken.
    """
    candidates = list(candidates)
    keys = [s.key for s in candidates]
    found, sense_vectors = source.sense_vectors(keys)
    corpus_cos = _cosines(found, sense_vectors, vector)
    if propagate:
        for n, sense in enumerate(candidates):
            if corpus_cos[n] is None:
                propagated = source.propagated_vector(sense)
                if propagated is not None:
                    corpus_cos[n] = float(propagated @ vector)
    gloss_found, gloss = source.wordnet_vectors(keys, "gloss")
    gloss_cos = _cosines(gloss_found, gloss, plain)
    example_cos = ([None] * len(keys) if not use_examples
                   else _cosines(*source.wordnet_vectors(keys, "examples"), vector))
    context_cos = _cosines(gloss_found, gloss, context)
    bare_cos = bare_cosines(candidates, gloss_found, gloss, bare)
    sense_found, sense_text = source.wordnet_vectors(keys, "sense")
    sense_cos = _cosines(sense_found, sense_text, plain)
    context_sense_cos = _cosines(sense_found, sense_text, context)
    size = source.token_count(groups)
    if not rank_every_token:
        size = min(size, VOTE_K)
    tokens = source.search_tokens(vector, groups, max(size, evidence_k))
    near = tokens[:size]
    keys_of = source.token_keys([i for i, _ in near])
    voters = keys_of[:VOTE_K]
    nearest_of: dict[str, float] = {}
    for token_keys, (_, cos) in zip(keys_of, near, strict=True):
        for key in token_keys:
            nearest_of.setdefault(key, cos)
    example_near: dict[str, float] = {}
    example_hits: list[tuple[int, float]] | None = None
    if use_examples:
        example_hits = []
        for token_id, cos, token_keys in source.search_examples(
                vector, groups, source.example_count(groups)):
            example_hits.append((token_id, cos))
            for key in token_keys:
                example_near.setdefault(key, cos)
    support_of = source.support(keys)
    support = [support_of.get(k, 0) for k in keys]
    counts: list[float] = [s.count for s in candidates]
    support_prior: list[float] = list(support)
    ranks: list[int] = [s.rank for s in candidates]
    if prior:
        counts = shared_out(counts, keys, prior)
        support_prior = shared_out(support_prior, keys, prior)
        ranks = ranked_out(ranks, keys, prior)
    examples = [s.lemma not in NO_EXAMPLE_EVIDENCE for s in candidates]
    features = np.array([candidate_features(
        corpus_cos=corpus_cos[n], support=support_prior[n],
        vote=sum(s.key in k for k in voters) / max(len(voters), 1),
        gloss_cos=gloss_cos[n], example_cos=example_cos[n] if examples[n] else None,
        wordnet_count=counts[n], sense_number=ranks[n], nn_cos=nearest_of.get(s.key),
        context_gloss_cos=context_cos[n],
        pos_logp=0.0 if pos_logp is None else float(pos_logp[POS_TAGS.index(s.pos)]),
        rare_base=(s.lemma, s.pos) in rare,
        example_nn_cos=example_near.get(s.key) if examples[n] else None,
        proper_name=s.key in proper, sense_cos=sense_cos[n],
        context_sense_cos=context_sense_cos[n], bare_gloss_cos=bare_cos[n],
        gloss_overlap=0.0 if overlap is None else float(overlap[n][0]),
        related_overlap=0.0 if overlap is None else float(overlap[n][1]),
        common_name=s.key in common, personal_name=s.key in personal)
        for n, s in enumerate(candidates)]).reshape(len(candidates), len(FEATURES))
    relative_examples(features)
    fallback = [corpus_cos[n] is None and gloss_cos[n] is None and example_cos[n] is None
                for n in range(len(candidates))]
    return CandidateFeatures(vector, candidates, features, corpus_cos, support, fallback,
                             near, tokens, example_hits)


@dataclass
class Scored:
    """The candidates of one usage scored: ``scores`` (n,) float64 = features @ weights,
    ``probabilities`` their softmax, ``order`` the candidates best first (ties by WordNet's
    order of candidates), ``decided_by`` the evidence group that put the winner ahead
    (``single candidate`` when there is one), ``margin`` the best probability minus the
    second (1.0 with fewer than two answers), ``best_fit`` the highest :func:`fit` of any
    candidate (None without candidates).

    A synset reached through several lemmas of the form (fulfil and fulfill for "fulfilled")
    is one answer (:func:`one_key_per_synset`): ``order`` lists its chosen key only, whose
    score is the best of the synset's keys' scores; the others' scores are -inf and their
    probabilities 0 (the softmax is over one score per synset)."""

    found: CandidateFeatures
    scores: np.ndarray
    probabilities: np.ndarray
    order: list[int]
    decided_by: str
    margin: float
    best_fit: float | None = None


def score_candidates(source: EvidenceSource, candidates: Sequence[SenseInfo],
                     groups: Sequence[str], vector: np.ndarray, plain: np.ndarray,
                     weights: np.ndarray, *, context: np.ndarray | None = None,
                     use_examples: bool = True, propagate: bool = False,
                     evidence_k: int = 0, pos_logp: np.ndarray | None = None,
                     rare: frozenset[tuple[str, str]] = frozenset(),
                     proper: frozenset[str] = frozenset(), form: str = "",
                     bare: Mapping[str, np.ndarray] | None = None,
                     overlap: np.ndarray | None = None,
                     common: frozenset[str] = frozenset(),
                     personal: frozenset[str] = frozenset()) -> Scored:
    """Score every candidate: :func:`candidate_matrix` (arguments as there; the nearest-token
    feature ranks every token only when it is weighted; the nearest WordNet example token is
    always searched, for the answer's ``nearest_cosine``), then ``features @ weights``
    (``weights``: (len(FEATURES),) float64, see :func:`weights_for`) and a softmax over one
    score per synset (:func:`one_key_per_synset`; ``form``: the usage's form, normalized)."""
    found = candidate_matrix(
        source, candidates, groups, vector, plain, context=context, use_examples=use_examples,
        propagate=propagate, rank_every_token=bool(weights[FEATURES.index("nn_cos")]),
        evidence_k=evidence_k, pos_logp=pos_logp, rare=rare, proper=proper, bare=bare,
        overlap=overlap, common=common, personal=personal)
    return score_features(found, weights, form)


def score_features(found: CandidateFeatures, weights: np.ndarray, form: str = "") -> Scored:
    """Score one usage's candidate features (:func:`candidate_matrix`): ``found.features @
    weights`` (``weights``: (len(FEATURES),) float64), one score per synset
    (:func:`one_key_per_synset`; ``form``: the usage's form, normalized), a softmax over
    those, the evidence group that decided (:func:`decided_by`), the margin of the best
    probability over the second and the best candidate's :func:`fit`."""
    n = len(found.candidates)
    own = found.features @ weights if n else np.zeros(0)
    best_of = one_key_per_synset(found.candidates, own, form)
    scores = np.full(n, -np.inf)
    for key_at, best_at in best_of.items():
        scores[key_at] = own[best_at]
    probabilities = softmax(scores)
    order = sorted(best_of, key=lambda i: (-scores[i], i))
    two = len(order) > 1
    return Scored(found, scores, probabilities, order,
                  decided_by(found.features[[best_of[i] for i in order[:2]]], weights)
                  if two else "single candidate",
                  round(float(probabilities[order[0]] - probabilities[order[1]]), 6)
                  if two else 1.0,
                  round(float(fit(found.features, weights).max()), 6) if n else None)


def one_key_per_synset(candidates: Sequence[SenseInfo], scores: np.ndarray,
                       form: str = "") -> dict[int, int]:
    """One key per synset among a usage's candidates: ``{index of the key answered: index of
    the synset's best-scoring key}``, for (n,) ``scores``; a synset with one key maps it to
    itself. A raw-text form can reach one synset through several lemmas (fulfil and fulfill
    for "fulfilled", wood and woods for "woods", marry and get_married for "getting
    married"); the synset's score is its best key's, and the key answered is the one whose
    lemma is the form as written (``form``, normalized: ``vocabulary.normalize_lemma``) when
    the synset has it, else the one WordNet counts most often in that synset
    (``SenseInfo.count``), then the lower sense number, then the earlier candidate
    (``WordNet.lemmatize``'s order: the lemma with the higher tag-count total).

    Where this comes from: of the 92 SemCor 3.0 instances outside scripts/raw_gap.py's slice
    whose synset two lemmas of the form share, the annotation uses this rule's key in 73,
    the most counted key first in 66, ``lemmatize``'s first lemma in 61 (the form itself
    alone decides 43, right in 35; the base form in 8 of those); 9 of the slice's 10
    (``scripts/shared_synsets.py``; BENCHMARKS.md "One key per synset"; WordNet's counts were
    counted on SemCor, which flatters the count rules there). On tune_weights.py's
    SemCor documents the shipped scores answer as many instances right either way."""
    members: dict[str, list[int]] = {}
    for at, sense in enumerate(candidates):
        members.setdefault(sense.synset, []).append(at)
    out = {}
    for group in members.values():
        chosen = max(group, key=lambda i: (candidates[i].lemma == form, candidates[i].count,
                                           -candidates[i].rank, -i))
        out[chosen] = max(group, key=lambda i: (scores[i], -i))
    return out


def fit_weights(features: Sequence[np.ndarray], golds: Sequence[np.ndarray], *,
                mask: np.ndarray | None = None, l2: float = 1e-3, steps: int = 600,
                rate: float = 0.05) -> np.ndarray:
    """Conditional-logit weights: maximize the mean log-probability of the gold candidates
    (softmax over each instance's candidates), with an L2 penalty; full-batch Adam.

    ``features``: per instance a (candidates, len(FEATURES)) matrix; ``golds``: per instance
    a (candidates,) bool mask of the gold senses; ``mask``: (len(FEATURES),) bool, zeroes the
    features left out (for ablations). Returns (len(FEATURES),) float64 weights."""
    width = len(FEATURES)
    mask = np.ones(width, bool) if mask is None else np.asarray(mask, bool)
    usable = [(x, g) for x, g in zip(features, golds, strict=True)
              if len(x) > 1 and g.any() and not g.all()]
    if not usable:
        return np.zeros(width)
    x = np.concatenate([f for f, _ in usable]) * mask
    gold = np.concatenate([g for _, g in usable]).astype(np.float64)
    sizes = np.array([len(f) for f, _ in usable])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    owner = np.repeat(np.arange(len(usable)), sizes)
    weights = np.zeros(width)
    first, second = np.zeros(width), np.zeros(width)
    for step in range(1, steps + 1):
        logits = x @ weights
        peak = np.maximum.reduceat(logits, starts)[owner]
        exp = np.exp(logits - peak)
        total = np.add.reduceat(exp, starts)[owner]
        gold_total = np.add.reduceat(exp * gold, starts)[owner]
        # d/dlogit of -log(sum_gold p) = p - p_gold_normalized
        grad_logits = exp / total - exp * gold / gold_total
        grad = x.T @ grad_logits / len(usable) + l2 * weights
        first = 0.9 * first + 0.1 * grad
        second = 0.999 * second + 0.001 * grad * grad
        weights -= rate * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
        weights *= mask
    return weights


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities over candidates, (n,) float64 summing to 1; non-finite scores get 0."""
    scores = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(scores)
    out = np.zeros(len(scores))
    if finite.any():
        z = scores[finite] / max(temperature, 1e-6)
        z = np.exp(z - z.max())
        out[finite] = z / z.sum()
    return out


def weights_from(mapping: Mapping[str, float]) -> np.ndarray:
    """``{feature: weight}`` as a (len(FEATURES),) float64 vector (absent features: 0)."""
    return np.array([float(mapping.get(name, 0.0)) for name in FEATURES])


def formula_family(corpus: bool) -> str:
    """The family of an index's scoring formula (and of its novelty thresholds and built-in
    similarity parameters): ``"corpus"`` for an index with labelled corpus tokens
    (``corpus``), else ``"wordnet_only"``."""
    return "corpus" if corpus else "wordnet_only"


def weights_for(table: Mapping | None, *, corpus: bool,
                method: ScoringMethod | str = ScoringMethod.WEIGHTED,
                where: str = "the index") -> np.ndarray:
    """The weights of ``table`` (an index manifest's ``scoring``; None: DEFAULT_WEIGHTS) for
    an index with or without corpus tokens, (len(FEATURES),) float64;
    ``ScoringMethod.COSINE`` gives the textbook 1-nearest-sense-vector method.

    Raises:
        ConfigurationError: an unknown method name; the cosine method for an index without
            corpus tokens (no sense would have a corpus vector to rank by).
        IndexFormatError: ``table`` (the manifest of ``where``) lacks the formula needed."""
    if ScoringMethod.parse(method) is ScoringMethod.COSINE:
        if not corpus:  # every sense would tie: answers in WordNet's order, probabilities flat
            raise ConfigurationError(
                f"{where}: the cosine scoring ranks senses by their corpus sense vectors and "
                "this index has none (no labelled corpus): use the weighted scoring")
        return weights_from(COSINE_WEIGHTS)
    table = table or DEFAULT_WEIGHTS
    family = formula_family(corpus)
    if not isinstance(table.get(family), Mapping):
        raise IndexFormatError(f"{where}: its manifest's scoring weights have no {family!r} "
                               "formula (a damaged manifest: rebuild the index)")
    return weights_from(table[family])


def fit(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """How well each candidate's vectors fit the usage: the mean of its cosine features
    (FIT_FEATURES) weighted by the formula's positive weights on them, (n,) float64 for
    (n, len(FEATURES)) ``features``; a missing vector counts as cosine 0. Priors, counts
    and the POS term are left out: they say how common a sense is, not whether it fits."""
    columns = [FEATURES.index(name) for name in FIT_FEATURES]
    w = np.clip(weights[columns], 0.0, None)
    if not len(features) or w.sum() <= 0:
        return np.zeros(len(features))
    return features[:, columns] @ w / w.sum()


def novelty_threshold(weights: np.ndarray, corpus: bool,
                      table: Mapping | None = None) -> dict[str, float] | None:
    """``{POS or "all": fit}`` below which a usage is ``novel`` for an index of that family
    (NOVELTY), with ``multiword_VERB`` and ``multiword_other`` for a multiword best sense
    where shipped (MULTIWORD_NOVELTY), or None when ``weights`` are not the shipped ones of
    the family (a threshold is fitted for one formula) or none is shipped. A scoring
    ``table`` (a manifest's or a retrieval head's) that carries thresholds fitted for its
    own formulas (``table["novelty"][family]``, ``scripts/head_scoring.py``) gives those."""
    family = formula_family(corpus)
    own = (table or {}).get("novelty")
    if isinstance(own, Mapping) and isinstance(own.get(family), Mapping):
        return {str(group): float(value) for group, value in own[family].items()}
    if family not in NOVELTY or not np.allclose(weights, weights_from(DEFAULT_WEIGHTS[family])):
        return None
    return {**NOVELTY[family], **{f"multiword_{group}": value for group, value
                                  in MULTIWORD_NOVELTY.get(family, {}).items()}}


def decided_by(pair: np.ndarray, weights: np.ndarray) -> str:
    """Which evidence group (GROUPS: corpus, gloss, examples, prior, pos) put the winner
    ahead of the runner-up the most; ``pair``: (2, len(FEATURES)), winner first. A tie (no
    group puts the winner ahead: two senses with no vector and the same prior features) was
    broken by WordNet's order of senses: ``prior`` (it said ``corpus``, the first group, for
    an answer with no corpus vector)."""
    gap = (pair[0] - pair[1]) * weights
    totals = {name: sum(gap[FEATURES.index(f)] for f in fields)
              for name, fields in GROUPS.items()}
    best = max(totals, key=totals.get)
    return best if totals[best] > 0 else "prior"
