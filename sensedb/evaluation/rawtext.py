"""All-words WSD evaluation on raw text: what a pipeline that feeds plain sentences gets.

Each sentence of a data set in the unified format of Raganato et al. (2017) is given to the
tagger (:func:`sensedb.tag`) as plain text, its tokens joined by single spaces; sensedb finds
the targets, their lemmas and parts of speech itself. Answers are aligned to the gold
instances by character offsets:

- an instance is answered by the tagged word whose character span equals the instance's, or
  by a component word of a multiword expression the tagger kept whole whose span does
  (``TaggedWord.components``: the word read alone in the same context; SemEval-2007 annotates
  the words of *health problem* and *fend for* apart where SemCor, and the tagger, read them
  as one expression);
- else by the tagged word that overlaps it most (the tagger tagged one word of a multiword
  instance, or merged one it has no component reading of);
- an instance no tagged word overlaps is unanswered (counts against recall, as the
  framework's scorer counts a missing answer).

Scores are precision, recall and F1 in percent, overall and by the gold POS, like the
framework's scorer (:func:`sensedb.evaluation.metrics.score_predictions`), plus how many
instances got no answer and the share of wrong answers whose sense has another part of speech
than the gold one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..corpora import read_raganato
from ..corpora.tokenize import tokenize
from ..errors import InputError
from ..retriever.tagger import content_spans, sentence_spans, split_sentences, tag_text
from ..streaming import token_offsets
from ..vocabulary import key_pos
from .metrics import score_predictions

if TYPE_CHECKING:
    from ..retriever.index import SenseIndex


def instance_spans(words: list[str], ids: list[str | None]) -> tuple[str, dict[str, tuple]]:
    """The plain text of a sentence's tokens joined by single spaces and the character span
    ``(start, end)`` of every instance (``ids[i]`` not None) in it.

    Example:
        >>> instance_spans(["It", "took place", "."], [None, "t1", None])
        ('It took place .', {'t1': (3, 13)})
    """
    spans, at = {}, 0
    for word, instance in zip(words, ids, strict=True):
        if instance is not None:
            spans[instance] = (at, at + len(word))
        at += len(word) + 1
    return " ".join(words), spans


def _sentence_token_offsets(text: str) -> list[list[tuple[int, int]]]:
    """Per sentence of ``text`` as the tagger splits it, the ``(start, end)`` in ``text`` of
    each of its tokens as the tagger tokenizes it."""
    offsets = []
    for begin, end in sentence_spans(text):
        sentence = text[begin:end]
        offsets.append(token_offsets(sentence, tokenize(sentence), base=begin))
    return offsets


def _word_spans(offsets: list[list[tuple[int, int]]], tagged: list) -> list[tuple[int, int]]:
    """The character span of each tagged word from its sentence's token ``offsets``."""
    spans = []
    for word in tagged:
        tokens = offsets[word.sentence]
        last = word.position + len(tokenize(word.word)) - 1  # "Alzheimer's disease": 3
        spans.append((tokens[word.position][0], tokens[last][1]))
    return spans


def tagged_spans(text: str, tagged: list) -> list[tuple[int, int, str | None]]:
    """``(start, end, key)`` in ``text`` of every tagged word of ``tag_text(index, text)``,
    found again by splitting and tokenizing ``text`` as the tagger does."""
    spans = _word_spans(_sentence_token_offsets(text), tagged)
    return [(a, b, word.key) for (a, b), word in zip(spans, tagged, strict=True)]


def answer_spans(text: str, tagged: list) -> list[tuple[int, int, dict]]:
    """``(start, end, reading)`` in ``text`` of every tagged word of ``tag_text(index, text)``
    and then of every component word of the multiword expressions among them; ``reading``:
    the word's fields (``TaggedWord.to_dict()``, or its entry of ``components``: ``key``,
    ``lemma``, ``pos``, ...)."""
    offsets = _sentence_token_offsets(text)
    words = [word.to_dict() for word in tagged]
    found = [(a, b, word) for (a, b), word in
             zip(_word_spans(offsets, tagged), words, strict=True)]
    found += [(*offsets[word["sentence"]][part["position"]], part)
              for word in words for part in word["components"] or []]
    return found


Answer = TypeVar("Answer")


def align(instances: dict[str, tuple[int, int]], answers: list[tuple[int, int, Answer]]
          ) -> dict[str, Answer | None]:
    """Instance id -> the answer (a key, or whatever the third item of ``answers`` is) of
    the tagged word that answers it (see the module's rules); None when no tagged word
    overlaps it (a key None: the tagger abstained)."""
    chosen: dict[str, Answer | None] = {}
    for instance, (start, end) in instances.items():
        best, best_overlap = None, 0
        for a, b, key in answers:
            if (a, b) == (start, end):
                best = key
                break
            overlap = min(b, end) - max(a, start)
            if overlap > best_overlap:
                best, best_overlap = key, overlap
        chosen[instance] = best
    return chosen


def evaluate_raw(index: SenseIndex, data: str | os.PathLike, gold: str | os.PathLike, *,
                 out: str | os.PathLike | None = None) -> dict:
    """Score the tagger on the raw sentences of ``data`` against ``gold`` (see the module).

    Returns ``{"f1", "precision", "recall", "n", "answered", "correct", "by_pos",
    "by_dataset", "missed", "wrong_pos", "wrong_pos_share"}``: F1/P/R in percent; ``missed``
    instances no tagged word covers; ``wrong_pos`` wrong answers whose sense has another POS
    than the gold one, ``wrong_pos_share`` their percent of all wrong answers. ``out``: write
    the predictions as a key file (``instance_id key``).

    Raises:
        InputError: a malformed data or gold file, or one with no instances.
    """
    predictions: dict[str, str | None] = {}
    gold_keys, pos_of = {}, {}
    sentences = [s for d in read_raganato(data, gold, key_check=index.inventory.has_key)
                 for s in d.sentences if s.instances]
    texts = [instance_spans(s.words, [t.instance_id for t in s.tokens]) for s in sentences]
    # WordNet vectors of every lemma the tagger will meet, added in one step (not per sentence)
    index.ensure(pair for text, _ in texts for part in split_sentences(text)
                 for _, _, pairs in content_spans(index, tokenize(part)) for pair in pairs)
    for sentence, (text, spans) in zip(sentences, texts, strict=True):
        tagged = tag_text(index, text)
        predictions.update(align(spans, [(a, b, reading["key"]) for a, b, reading
                                         in answer_spans(text, tagged)]))
        for token in sentence.instances:
            gold_keys[token.instance_id] = token.senses
            pos_of[token.instance_id] = token.pos
    if not gold_keys:
        raise InputError("no instances to evaluate", path=str(data))
    result = score_predictions(predictions, gold_keys, pos_of)
    wrong = [i for i, key in predictions.items() if key is not None and key not in gold_keys[i]]
    wrong_pos = sum(key_pos(predictions[i] or "") != pos_of[i] for i in wrong)
    result["missed"] = sum(predictions.get(i) is None for i in gold_keys)
    result["wrong_pos"] = wrong_pos
    result["wrong_pos_share"] = round(100.0 * wrong_pos / len(wrong), 2) if wrong else 0.0
    if out is not None:
        try:
            Path(out).write_text("".join(f"{i} {k}\n" for i, k in predictions.items() if k))
        except OSError as exc:
            raise InputError(f"cannot write the predictions: {exc.strerror or exc}",
                             path=str(out)) from None
    return result
