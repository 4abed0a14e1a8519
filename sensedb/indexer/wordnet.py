"""WordNet as a sense-labelled corpus: each sense's gloss and usage examples.

For the lemma ``bank`` (NOUN), sense ``bank%1:17:01::`` gives the labelled sentences
``bank : sloping land ( especially the slope beside a body of water )`` (the lemma token is
labelled) and each synset example in which the lemma occurs (``they pulled the canoe up on
the bank``), the occurrence labelled. One document per (lemma, POS), keyed ``lemma.POS``, so
the default index can grow lemma by lemma and skip what it already has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..corpora import Document, Sentence, Token
from ..corpora.tokenize import tokenize
from ..inventory import WordNet

CORPUS = "wordnet"


def document_key(lemma: str, pos: str) -> str:
    return f"{lemma}.{pos}"


def wordnet_documents(inventory: WordNet,
                      lemmas: Iterable[tuple[str, str]]) -> Iterator[Document]:
    """Documents of glosses and examples for each (lemma, POS) WordNet knows."""
    for lemma, pos in dict.fromkeys(lemmas):
        senses = inventory.candidates(lemma, pos)
        if not senses:
            continue
        key = document_key(senses[0].lemma, pos)
        sentences = []
        for sense in senses:
            surface = sense.lemma.replace("_", " ")
            label = dict(lemma=sense.lemma, pos=sense.pos, senses=(sense.key,))
            gloss_words = [Token(surface, instance_id=f"{sense.key}#gloss", **label),
                           Token(":")] + [Token(w) for w in tokenize(sense.gloss)]
            sentences.append(Sentence(f"{sense.key}#gloss", gloss_words))
            for number, example in enumerate(sense.examples):
                words = tokenize(example)
                span = _find_lemma(inventory, words, sense.lemma, pos)
                if span is None:
                    continue
                start, end = span
                tokens = ([Token(w) for w in words[:start]]
                          + [Token(" ".join(words[start:end]),
                                   instance_id=f"{sense.key}#ex{number}", **label)]
                          + [Token(w) for w in words[end:]])
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
