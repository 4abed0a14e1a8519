"""The light objects answers are made of; ``to_dict`` gives their JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .queries import UsageRow
    from .scoring import Scored
    from .target import Target


@dataclass
class Usage:
    """A labelled usage from the index (evidence for an answer): ``score`` is its cosine to
    the query (rounded to 6 places), ``senses`` its gold sense keys, ``position`` the index
    of its first word in ``sentence``'s words: ``sentence.split(" ")[position:position + n]``
    is ``surface.split(" ")`` (n words; "took place" is two). ``sentence`` is the stored
    sentence, its corpus tokens joined by spaces; the corpus's own token index would point
    elsewhere after a multiword token (a labelled span is one token there), and the
    sentence shown is all a reader has to count in."""

    token_id: int
    score: float
    surface: str
    lemma: str
    pos: str
    senses: list[str]
    sentence: str
    position: int
    document: str
    corpus: str

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_row(cls, row: UsageRow, score: float) -> Usage:
        """The usage of a token row with its cosine ``score`` to the query."""
        return cls(token_id=row.id, score=round(score, 6), surface=row.surface,
                   lemma=row.lemma, pos=row.pos, senses=row.sense_keys.split(),
                   sentence=row.text, position=row.position, document=row.document,
                   corpus=row.corpus)


@dataclass
class SenseScore:
    """One candidate sense of a target.

    ``score`` is the weighted score (w · features), ``probability`` its softmax over the
    candidates, ``cosine`` the cosine to the sense's corpus vector (None without one),
    ``support`` its labelled corpus tokens, ``rank`` WordNet's sense number of the lemma
    (1 = first; the JSON key keeps the name ``rank``; for a spelling WordNet never counted,
    its counted spelling's: "colour" numbered as "color", ``WordNet.counted_spelling``).
    ``fallback`` is True when the sense has no vector at all (corpus sense, gloss or
    examples): only WordNet's order and counts, and the words its gloss and examples share
    with the sentence (``gloss_overlap``), and those of its related synsets
    (``related_overlap``), speak for it.
    """

    key: str
    synset: str
    lemma: str
    pos: str
    score: float | None
    gloss: str
    support: int
    rank: int
    fallback: bool = False
    probability: float | None = None
    cosine: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class LemmaSense:
    """One sense of a word as the inventory lists it (``SenseIndex.senses_of``), before any
    context: ``rank`` WordNet's sense number of the lemma in its POS (1 = first), ``count``
    WordNet's tag count (counted on SemCor; the prior ``wsd`` weighs), ``support`` the
    labelled corpus tokens this index holds of it (0 in a WordNet-only index), ``offset``
    the synset's WordNet offset and POS letter (``09213565-n``), ``examples`` the synset's
    usage examples."""

    key: str
    synset: str
    offset: str
    lemma: str
    pos: str
    rank: int
    count: int
    support: int
    gloss: str
    examples: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Disambiguation:
    """The answer to ``wsd``: candidate senses best first, and the nearest labelled usages."""

    target: str
    position: int
    lemma: str
    pos: str
    senses: list[SenseScore]
    evidence: list[Usage] = field(default_factory=list)
    decided_by: str = ""  # corpus | gloss | examples | prior | pos | single candidate
    margin: float = 0.0  # probability of the best minus that of the second
    nearest_cosine: float | None = None  # to the nearest labelled usage of the lemma
    novel: bool = False  # no candidate sense fits: possibly a sense the inventory lacks
    fit: float | None = None  # the best candidate's fit (scoring.fit), what novel is read from
    # the part of speech the POS head is sure of that WordNet has no sense of for the word
    # (novel then: "*Text* me" is a verb, WordNet 3.0's text a noun alone)
    lacking_pos: str | None = None
    # a multiword expression the tagger kept: each of its component words read alone in the
    # same context (their own answers, in word order), as a data set that annotates the words
    # of "health problem" apart asks for them; empty for any other answer (a wsd answer: not
    # in to_dict); the tagger shows them (TaggedWord.components)
    components: list[Disambiguation] = field(default_factory=list)

    @property
    def best(self) -> SenseScore | None:
        return self.senses[0] if self.senses else None

    @property
    def fallback(self) -> bool:
        """True when no candidate had any vector: WordNet's order and counts decided."""
        return bool(self.senses) and all(s.fallback for s in self.senses)

    @property
    def confidence(self) -> float:
        """The probability of the best sense."""
        return (self.senses[0].probability or 0.0) if self.senses else 0.0

    def scaled(self, factor: float) -> Disambiguation:
        """This answer with every sense's probability and the margin multiplied by
        ``factor`` (0-1): the probability that the reading itself is right (a multiword the
        tagger kept: ``scoring.multiword_whole``), the rest left to its words read apart."""
        return replace(self, senses=[
            replace(s, probability=None if s.probability is None
                    else round(s.probability * factor, 6)) for s in self.senses],
            margin=round(self.margin * factor, 6))

    def to_dict(self) -> dict:
        return {"target": self.target, "position": self.position, "lemma": self.lemma,
                "pos": self.pos, "fallback": self.fallback, "confidence": self.confidence,
                "margin": self.margin, "decided_by": self.decided_by,
                "nearest_cosine": self.nearest_cosine, "novel": self.novel, "fit": self.fit,
                "lacking_pos": self.lacking_pos,
                "senses": [s.to_dict() for s in self.senses],
                "evidence": [u.to_dict() for u in self.evidence]}


#: How little of the POS head's probability the candidates' parts of speech may have (the
#: head sure of another, at least 1 - this) for an answer to be novel whatever its fit, where
#: WordNet has no reading of the word in the head's part of speech ("*Text* me": VERB 0.99).
#: Where the head is that sure its tag is nearly always the gold one
#: (``scripts/pos_head_sure.py``: SemEval-2007, 1 of the 354 of 455 instances it is that sure
#: of; SemCor's first 25 documents, 55 of 18,170, 0.3%, many of them SemCor's own tags:
#: "head for *home*" ADV, "the April *4* ballot" NOUN). Hand-set.
LACKING_POS_PROBABILITY = 0.02


def disambiguation(located: Target, pairs: list[tuple[str, str]], scored: Scored,
                   evidence: list[Usage], novelty: dict[str, float] | None, *,
                   lacking_pos: str | None = None) -> Disambiguation:
    """The answer for a located target from its scored candidates (``scoring.Scored``) and
    the nearest labelled usages shown as evidence. ``nearest_cosine`` is the best cosine of
    the lemma's labelled tokens, its WordNet example tokens (``example_nn_cos``) and the
    evidence (rounded to 6 places), the same whatever the evidence shown; the answer is
    ``novel`` when its best candidate's fit (``scored.best_fit``) is below the threshold of
    ``novelty`` for the best sense (:func:`novelty_of`: its POS, or a multiword lemma's;
    ``scoring.novelty_threshold``; None: never novel); never when no candidate has any
    vector (``fit`` None then) or when the best sense's lemma is in ``scoring.NEVER_NOVEL``
    (the copula). It is
    ``novel`` too when the usage is a person's name by its place and no candidate is a
    person (every candidate flagged ``personal_name``: "Mr. Bean"), or a name WordNet lacks
    read as a person ("I met *John*": ``names.reads_a_name``), whatever the fit, and when
    ``lacking_pos`` is given (the POS head sure of a part of speech WordNet has no sense of
    for the word: ``SenseIndex._lacking_pos``)."""
    found, probabilities = scored.found, scored.probabilities
    ranked = [SenseScore(
        key=s.key, synset=s.synset, lemma=s.lemma, pos=s.pos,
        score=round(float(scored.scores[n]), 6), gloss=s.gloss,
        support=found.support[n], rank=s.rank, fallback=found.fallback[n],
        probability=round(float(probabilities[n]), 6),
        cosine=None if found.corpus_cos[n] is None else round(found.corpus_cos[n], 6))
        for n, s in ((n, found.candidates[n]) for n in scored.order)]
    from .names import reads_a_name
    from .scoring import FEATURES, NEVER_NOVEL

    # the nearest WordNet example token counts whether or not usages are shown (k = 0 too)
    examples = found.features[:, FEATURES.index("example_nn_cos")].tolist()
    nearest = ([found.near[0][1]] if found.near else []) + [u.score for u in evidence] + \
        [c for c in examples if c > 0]
    nearest_cos = max(nearest, default=None)
    best = ranked[0] if ranked else None
    # no candidate has a vector (``fallback``): the fit measured nothing, so it says nothing
    # of a sense the inventory lacks (it read 0.0 and flagged every such word novel)
    measured_nothing = bool(ranked) and all(s.fallback for s in ranked)
    unknown_person = (bool(ranked) and bool(found.features[:, FEATURES.index(
        "personal_name")].all())) or reads_a_name(located.surface, pairs)
    return Disambiguation(
        target=located.shown, position=located.position,
        lemma=best.lemma if best else pairs[0][0], pos=best.pos if best else pairs[0][1],
        senses=ranked, evidence=evidence, decided_by=scored.decided_by, margin=scored.margin,
        nearest_cosine=None if nearest_cos is None else round(nearest_cos, 6),
        novel=unknown_person or lacking_pos is not None or (
            novelty is not None and best is not None and scored.best_fit is not None
            and not measured_nothing and best.lemma not in NEVER_NOVEL
            and scored.best_fit < novelty_of(novelty, best)),
        fit=None if measured_nothing else scored.best_fit, lacking_pos=lacking_pos)


def novelty_of(novelty: dict[str, float], best: SenseScore) -> float:
    """The fit below which an answer whose best sense is ``best`` is novel: the threshold of
    its POS (else ``"all"``), or for a multiword lemma ("take_place") ``multiword_VERB`` /
    ``multiword_other`` where ``novelty`` has it (``scoring.novelty_threshold``)."""
    threshold = novelty.get(best.pos, novelty.get("all", 0.0))
    if "_" in best.lemma:
        return novelty.get("multiword_VERB" if best.pos == "VERB" else "multiword_other",
                           threshold)
    return threshold
