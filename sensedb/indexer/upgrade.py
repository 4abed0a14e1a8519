"""Bringing an index written by older code up to what readers rely on, once, on open.

Indexes written before sense counts were kept beside the sense vectors (the ``counts`` of a
sense store's group table, ``VectorStore.build``) have sense and WordNet stores whose readers
would take the counts from the live database, which runs ahead of the generation they loaded
(a writer commits rows and counts before the generation that holds them): an answer could mix
two generations. :func:`add_store_counts` rebuilds those stores from the database's sums
(``rebuild.finalize``: a new generation, the same vectors, with their counts), after which
every reader reads counts and vectors from one generation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ..errors import IndexFormatError, IndexLockedError
from .directory import SENSES, WORDNET, IndexDirectory
from .rebuild import finalize

log = logging.getLogger(__name__)

COUNTED = (SENSES, WORDNET)  # the stores of means, whose rows carry counts


def stores_without_counts(stores: Mapping) -> list[str]:
    """The names among :data:`COUNTED` of ``stores`` (name -> loaded store) that hold vectors
    but no counts: written by a version of sensedb that did not keep them."""
    return [name for name in COUNTED
            if name in stores and stores[name].ntotal and not stores[name].has_counts()]


def add_store_counts(directory: IndexDirectory, names: list[str]) -> int:
    """Rebuild the stores ``names`` (from :func:`stores_without_counts`) as a new generation
    that keeps the sense counts beside the vectors. Returns the new generation.

    Raises:
        IndexFormatError: the index cannot be upgraded now: another process is writing it,
            or it is read-only (the message says to run ``sensedb repair``, which does the
            same, once the writer is done or as a user who may write it); or a shard is
            damaged."""
    advice = (f"{directory.path}: written by an older sensedb, its {' and '.join(names)} "
              "store keeps no sense counts beside its vectors, and it cannot be upgraded now "
              "({why}); run `sensedb repair --index {path}` once (it rebuilds them with "
              "their counts)")
    try:
        with directory.lock():
            # another writer may have rebuilt them since the caller loaded its stores
            finalize(directory, names)
    except IndexLockedError:
        raise IndexFormatError(advice.format(why="another process is writing it",
                                             path=directory.path)) from None
    except PermissionError as exc:
        raise IndexFormatError(advice.format(why=f"not writable: {exc.strerror}",
                                             path=directory.path)) from None
    generation = directory.manifest().last_generation()
    log.info("%s: %s stores rebuilt with their sense counts (generation %d)",
             directory.path, ", ".join(names), generation)
    return generation
