"""One sense per discourse (Gale et al. 1992): agreeing answers within a document."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from ..errors import InputError
from .results import Disambiguation


def one_sense_per_discourse(answers: list[Disambiguation],
                            discourses: list[str]) -> list[Disambiguation]:
    """Within a discourse (a document), give every occurrence of a lemma the sense with the
    largest summed probability over its occurrences (Gale et al. 1992): that sense is moved
    to the front of each answer's list (the others keep their order). ``discourses``: one
    document name per answer.

    Raises:
        InputError: ``answers`` and ``discourses`` differ in length.
    """
    if len(answers) != len(discourses):
        raise InputError(f"{len(answers)} answers but {len(discourses)} discourse names")
    totals: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for answer, discourse in zip(answers, discourses, strict=True):
        for sense in answer.senses:
            totals[(discourse, answer.lemma, answer.pos)][sense.key] += sense.probability or 0.0
    out = []
    for answer, discourse in zip(answers, discourses, strict=True):
        votes = totals[(discourse, answer.lemma, answer.pos)]
        winner = max(votes, key=votes.get) if votes else None
        out.append(replace(answer, senses=sorted(answer.senses, key=lambda s: s.key != winner)))
    return out


def document_of(instance_id: str) -> str:
    """The document of an instance id of the unified format: ``'d000.s001.t002'`` ->
    ``'d000'`` (``'senseval2.d000.s001.t002'`` -> ``'senseval2.d000'``)."""
    parts = instance_id.split(".")
    return ".".join(parts[:-2]) if len(parts) > 2 else instance_id
