"""Scoring like the official scorer of Raganato et al. (2017): an answer is right when it is
one of the instance's gold keys; precision over answered instances, recall over all."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from ..corpora import dataset_prefix


def prf(correct: int, answered: int, total: int) -> dict:
    """``{"f1", "precision", "recall"}`` in percent (rounded to 2 places; 0.0 when
    undefined) with the counts ``n`` (total), ``answered`` and ``correct``."""
    precision = 100.0 * correct / answered if answered else 0.0
    recall = 100.0 * correct / total if total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": round(f1, 2), "precision": round(precision, 2), "recall": round(recall, 2),
            "n": total, "answered": answered, "correct": correct}


def score_predictions(predictions: Mapping[str, str | None],
                      gold: Mapping[str, Sequence[str]],
                      pos_of: Mapping[str, str]) -> dict:
    """Precision, recall and F1 (percent, see :func:`prf`) overall, ``by_pos`` and
    ``by_dataset`` (instance id prefix: ``senseval2.d000...`` -> ``senseval2``).

    ``predictions``: instance id -> predicted key (None: abstained); ``gold``: instance id ->
    gold keys (every instance scored); ``pos_of``: instance id -> POS ("?" when absent)."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for instance, keys in gold.items():
        predicted = predictions.get(instance)
        right = int(predicted is not None and predicted in keys)
        answered = int(predicted is not None)
        names = [("all", "all"), ("pos", pos_of.get(instance, "?"))]
        prefix = dataset_prefix(instance)
        if prefix:
            names.append(("dataset", prefix))
        for name in names:
            tally = groups[name]
            tally[0] += right
            tally[1] += answered
            tally[2] += 1
    result = prf(*groups[("all", "all")])
    result["by_pos"] = {p: prf(*t) for (kind, p), t in sorted(groups.items()) if kind == "pos"}
    result["by_dataset"] = {d: prf(*t) for (kind, d), t in sorted(groups.items())
                            if kind == "dataset"}
    return result
