"""All-words WSD evaluation in the unified framework of Raganato et al. (2017).

:func:`evaluate` disambiguates every instance of a data set with an open index and scores
the answers like the framework's scorer (``metrics.score_predictions``);
:func:`instance_features` exports every instance's candidate feature matrix as
:func:`evaluate` scores it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..corpora import Token, read_raganato
from ..errors import InputError
from ..retriever.discourse import document_of
from ..retriever.discourse import one_sense_per_discourse as agree
from ..retriever.index import check_open_index
from ..retriever.target import Target, check_probability
from .metrics import score_predictions

if TYPE_CHECKING:
    from ..retriever.index import SenseIndex


def evaluate(index: SenseIndex, data: str | os.PathLike, gold: str | os.PathLike, *,
             out: str | os.PathLike | None = None, progress: bool = False,
             min_confidence: float = 0.0, one_sense_per_discourse: bool = False) -> dict:
    """Disambiguate every instance of a data set in the unified format (``data``: the
    ``.data.xml``, ``gold``: the ``.gold.key.txt``) and score it like the framework's scorer.

    Returns ``score_predictions``'s figures (precision, recall, F1 in percent, overall, by POS
    and by data set) plus ``fallbacks`` (answers WordNet's order decided alone),
    ``abstained``, ``coverage`` (percent answered) and ``decided_by`` (answers per evidence
    group). ``out``: write the predictions (``instance key`` lines) there.
    ``min_confidence``: abstain below that probability (0-1). ``one_sense_per_discourse``:
    one sense per (document, lemma, POS).

    Raises:
        InputError: ``index`` is not an open index (a path: open it with
            ``sensedb.open``), a malformed data set, unknown gold keys, or no instances;
            ``min_confidence`` not a number from 0 to 1.
        IndexFormatError: a damaged index.
    """
    check_open_index(index, "evaluate")
    min_confidence = check_probability(min_confidence)
    instances, targets, vectors, contexts = _instances(index, data, gold, progress,
                                                       index.uses_context)
    answers = [index.disambiguate(target, [(token.lemma, token.pos)], vector, k=0,
                                  context=context)
               for token, target, vector, context
               in zip(instances, targets, vectors, contexts, strict=True)]
    if one_sense_per_discourse:
        answers = agree(answers, [document_of(t.instance_id) for t in instances])
    predictions, gold_keys, pos_of = {}, {}, {}
    decided: dict[str, int] = {}
    fallbacks = abstained = 0
    for token, answer in zip(instances, answers, strict=True):
        best = answer.best
        if best is not None and answer.confidence < min_confidence:
            best = None
            abstained += 1
        predictions[token.instance_id] = best.key if best else None
        fallbacks += answer.fallback
        decided[answer.decided_by] = decided.get(answer.decided_by, 0) + 1
        gold_keys[token.instance_id] = token.senses
        pos_of[token.instance_id] = token.pos
    result = score_predictions(predictions, gold_keys, pos_of)
    result["fallbacks"] = fallbacks
    result["abstained"] = abstained
    result["coverage"] = round(100.0 * result["answered"] / result["n"], 2)
    result["decided_by"] = dict(sorted(decided.items()))
    if out is not None:
        try:
            Path(out).write_text("".join(f"{i} {k}\n" for i, k in predictions.items() if k))
        except OSError as exc:
            raise InputError(f"cannot write the predictions: {exc.strerror or exc}",
                             path=str(out)) from None
    return result


def instance_features(index: SenseIndex, data: str | os.PathLike, gold: str | os.PathLike,
                      *, progress: bool = False) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    """Per instance of a labelled data set: the candidates' feature matrix ((candidates,
    len(scoring.FEATURES)) float64) as :func:`evaluate` scores it
    (``SenseIndex.candidate_features``: the gold lemma and POS, no POS head, the case
    flags and rare readings of the written form), every feature computed, the ones the
    weights leave at 0 included; which candidates are gold ((candidates,) bool) and
    ``{"id", "pos", "keys"}``. ``features @ index.weights`` ranks the candidates as
    :func:`evaluate` does. scripts/tune_weights.py tunes on raw-text candidates instead
    (every POS of the form, with the POS head).

    Raises:
        InputError: as :func:`evaluate`.
    """
    instances, targets, vectors, contexts = _instances(index, data, gold, progress, True)
    # the bare-word vectors in one batch (kept by the index for candidate_features)
    index.bare_vectors(s.lemma for t in instances
                       for s in index.inventory.candidates(t.lemma, t.pos))
    rows = []
    for token, target, vector, context in zip(instances, targets, vectors, contexts,
                                              strict=True):
        found = index.candidate_features(target, [(token.lemma, token.pos)], vector,
                                         context=context, every_feature=True)
        keys = [s.key for s in found.candidates]
        rows.append((found.features, np.array([k in token.senses for k in keys]),
                     {"id": token.instance_id, "pos": token.pos, "keys": keys}))
    return rows


def _instances(index: SenseIndex, data, gold, progress: bool, with_context: bool
               ) -> tuple[list[Token], list[Target], np.ndarray, list[np.ndarray | None]]:
    """The instance tokens of a data set, their targets, raw vectors ((n, dim) float32) and
    sentence vectors (None each unless ``with_context``); WordNet vectors of new lemmas are
    added and the candidates' rows prefetched."""
    instances, targets = [], []
    for document in read_raganato(data, gold, key_check=index.inventory.has_key):
        for sentence in document.sentences:
            words = sentence.words
            for position, token in enumerate(sentence.tokens):
                if token.instance_id is not None:
                    instances.append(token)
                    targets.append(Target(words, position))
    if not instances:
        raise InputError("no instances to evaluate", path=str(data))
    index.ensure(((t.lemma, t.pos) for t in instances), progress=progress)
    index.prefetch((t.lemma, t.pos) for t in instances)
    # one forward pass: raw word vectors and, when wanted, the sentence vectors pooled
    # from it (no POS head: evaluation candidates are of the gold POS)
    vectors, _, contexts = index.encode_targets(targets, progress=progress,
                                                context=with_context, pos=False)
    return instances, targets, vectors, contexts
