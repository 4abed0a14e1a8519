"""WordNet as sense-labelled text: each sense's usage examples and gloss.

For the lemma ``bank`` (NOUN), sense ``bank%1:17:01::`` gives each synset example in which the
lemma occurs (``they pulled the canoe up on the bank``), the occurrence labelled, and the gloss
text ``bank: sloping land (especially the slope beside a body of water)``, whose sentence
vector is stored apart (``index_glosses``), as is the vector of a richer text of the sense
(``sense_text``: the gloss with its synonyms, hypernyms and examples). One document per
(lemma, POS), keyed ``lemma.POS``, so an index can grow lemma by lemma and skip what it already has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..corpora import Document, Sentence, Token
from ..corpora.tokenize import merge_span, tokenize
from ..inventory import SenseInfo, WordNet

CORPUS = "wordnet"


def document_key(lemma: str, pos: str) -> str:
    return f"{lemma}.{pos}"


def gloss_text(sense: SenseInfo) -> str:
    """The text whose sentence vector stands for a sense's gloss: ``lemma: gloss``."""
    return f"{sense.lemma.replace('_', ' ')}: {sense.gloss}"


SENSE_TEXT_SYNONYMS = 4   # at most this many other lemmas of the synset
SENSE_TEXT_HYPERNYMS = 2  # at most this many hypernym synsets ...
SENSE_TEXT_HYPERNYM_LEMMAS = 3  # ... each named by at most this many lemmas
SENSE_TEXT_EXAMPLES = 2   # at most this many of the synset's usage examples


def sense_text(inventory: WordNet, sense: SenseInfo) -> str:
    """The richer text whose sentence vector stands for a sense (LMMS/SREF style, the
    ``sense`` WordNet vectors): the gloss text with the synset's other lemmas, its hypernyms'
    lemmas and its first usage examples, e.g. ``bat: nocturnal mouselike mammal ... . Also
    chiropteran. A kind of placental, placental mammal, eutherian. <example>``. The limits
    (SENSE_TEXT_*) keep it well inside the encoder's 256-piece window."""
    def words(lemma: str) -> str:
        return lemma.replace("_", " ")

    parts = [gloss_text(sense).rstrip(" .") + "."]
    synonyms = [x for x in inventory.synset_lemmas(sense.synset) if x != sense.lemma]
    if synonyms:
        parts.append("Also " + ", ".join(words(x) for x in synonyms[:SENSE_TEXT_SYNONYMS]) + ".")
    hypernyms = [words(x) for name in inventory.hypernyms(sense.synset)[:SENSE_TEXT_HYPERNYMS]
                 for x in inventory.synset_lemmas(name)[:SENSE_TEXT_HYPERNYM_LEMMAS]]
    if hypernyms:
        parts.append("A kind of " + ", ".join(dict.fromkeys(hypernyms)) + ".")
    parts += [e.strip().rstrip(".") + "." for e in sense.examples[:SENSE_TEXT_EXAMPLES]]
    return " ".join(parts)


def example_usages(inventory: WordNet, sense: SenseInfo) -> list[tuple[list[str], int]]:
    """The synset's usage examples that contain the sense's lemma (any inflection), as
    (words, index of the lemma) with a multiword lemma merged into one word."""
    usages = []
    for example in sense.examples:
        words = tokenize(example)
        span = _find_lemma(inventory, words, sense.lemma, sense.pos)
        if span is not None:
            start, end = span
            usages.append(merge_span(words, start, end))
    return usages


def wordnet_documents(inventory: WordNet,
                      lemmas: Iterable[tuple[str, str]]) -> Iterator[Document]:
    """A document of usage examples for each (lemma, POS) WordNet knows (possibly with no
    sentences: it still marks the lemma as done)."""
    for lemma, pos in dict.fromkeys(lemmas):
        senses = inventory.candidates(lemma, pos)
        if not senses:
            continue
        key = document_key(senses[0].lemma, pos)
        sentences = []
        for sense in senses:
            label = dict(lemma=sense.lemma, pos=sense.pos, senses=(sense.key,))
            for number, (words, index) in enumerate(example_usages(inventory, sense)):
                tokens = [Token(w) for w in words]
                tokens[index] = Token(words[index], instance_id=f"{sense.key}#ex{number}",
                                      **label)
                sentences.append(Sentence(f"{sense.key}#ex{number}", tokens))
        yield Document(key, sentences, source="WordNet")


def _find_lemma(inventory: WordNet, words: list[str], lemma: str,
                pos: str) -> tuple[int, int] | None:
    """The first span of ``words`` that is an inflection of ``lemma`` (multiword too)."""
    parts = lemma.split("_")
    n = len(parts)
    lowered = [w.lower() for w in words]
    for start in range(len(words) - n + 1):
        window = lowered[start:start + n]
        if window == parts:
            return start, start + n
        if n == 1:
            if (lemma, pos) in inventory.lemmatize(window[0], pos):
                return start, start + 1
        elif window[1:] == parts[1:] or window[:-1] == parts[:-1]:
            if (lemma, pos) in inventory.lemmatize(" ".join(window), pos):
                return start, start + n
    return None
