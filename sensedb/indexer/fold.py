"""Folding token vectors into their senses' sums: what a sense vector (sum / count) is made of.

Chunks commit their tokens and links but not the sums: reading and rewriting every touched
sense's sum once per chunk cost more than the rest of a chunk's commit. A job folds its shards
once, at its end (:func:`fold_sense_sums`); after a crash the next job (or ``finalize``) folds
what the crashed one committed, so no token is lost or counted twice. The manifest's
``folded_shards`` records how far the sums go. What a job committed it keeps in memory
(:class:`Committed`), so its fold and its rebuild read none of it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ..errors import IndexFormatError
from ..schema import (
    Database,
    DocumentRow,
    SenseRow,
    SentenceRow,
    ShardRow,
    TokenRow,
    TokenSenseRow,
)
from ..store.floats import ADD_BLOCK, add_in_order
from ..vocabulary import group_key
from .directory import IndexDirectory

#: In a document's key: the document was replaced and is *retired*: its rows wait for the
#: readers of older generations (``documents.retire_document``, ``documents.purge_retired``).
RETIRED = "\x1fretired:"


@dataclass
class TokenRows:
    """Columns of the token rows a token store is built from (a few hundred thousand rows:
    arrays and lists, not row objects): ``ids`` int64 (n,), ``groups`` (n group keys,
    ``vocabulary.group_key``), ``shard_ids`` int64 (n,), ``corpus`` object (n,) corpus names."""

    ids: np.ndarray
    groups: list[str]
    shard_ids: np.ndarray
    corpus: np.ndarray  # object array of corpus names

    @classmethod
    def fetch(cls, session: Session) -> TokenRows:
        """Every token row of the index but those of retired documents (replaced, their
        rows kept for readers of an older generation: ``documents.RETIRED``)."""
        statement = (select(TokenRow.id, TokenRow.lemma, TokenRow.pos, TokenRow.shard_id,
                            DocumentRow.corpus)
                     .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
                     .join(DocumentRow, SentenceRow.document_id == DocumentRow.id)
                     .where(~DocumentRow.key.contains(RETIRED)))
        rows = Database.fetch_tuples(session, statement)
        return cls(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                   [group_key(r[1], r[2]) for r in rows],
                   np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows)),
                   np.asarray([r[4] for r in rows], dtype=object))

    @classmethod
    def joined(cls, parts: Sequence[TokenRows]) -> TokenRows:
        """The rows of ``parts`` one after the other."""
        if len(parts) == 1:
            return parts[0]
        return cls(np.concatenate([p.ids for p in parts]), [g for p in parts for g in p.groups],
                   np.concatenate([p.shard_ids for p in parts]),
                   np.concatenate([p.corpus for p in parts]))

    def select(self, chosen: np.ndarray) -> TokenRows:
        """The rows where the bool (n,) mask ``chosen`` is true."""
        chosen = np.asarray(chosen, dtype=bool)
        if chosen.all():
            return self
        return TokenRows(self.ids[chosen], [g for g, c in zip(self.groups, chosen, strict=True)
                                            if c], self.shard_ids[chosen], self.corpus[chosen])


class Committed:
    """What a job has committed, kept in memory so that its end reads none of it back: the
    sense sums of its shards (for the fold), its token rows and, up to ``keep_bytes``, its
    shards' vectors (for the token store) and, once folded, the new count and sum of every
    sense it touched (for the sense store). Reading them back from the shards and the
    database cost seconds of a SemCor job, most of it faulting in fresh memory
    (BENCHMARKS.md)."""

    def __init__(self, keep_bytes: int = 2 << 30) -> None:
        self.shard_ids: list[int] = []
        self.keep_bytes = keep_bytes
        self.vectors: dict[int, dict[str, np.ndarray]] = {}  # shard id -> ids, vectors
        self.folded: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._rows: list[TokenRows] = []
        # one float64 sum per sense, added to chunk by chunk; zeros() maps its rows lazily,
        # so unused capacity costs no memory
        self.first_rows = 1 << 16
        self._slot_of: dict[int, int] = {}  # sense row id -> row of _sums
        self._counts = np.zeros(0, dtype=np.int64)
        self._sums = np.zeros((0, 0))

    def add(self, shard_id: int, rows: TokenRows, vectors: np.ndarray,
            link_tokens: Sequence[int], link_senses: Sequence[int]) -> None:
        """A committed shard: its token rows and raw vectors (float32 (tokens, dim)), and its
        links as (row in ``vectors``, sense row id) pairs."""
        self.shard_ids.append(shard_id)
        self._rows.append(rows)
        kept = sum(v["vectors"].nbytes for v in self.vectors.values())
        if kept + vectors.nbytes <= self.keep_bytes:
            self.vectors[shard_id] = {"ids": rows.ids, "vectors": vectors}
        if not len(link_senses):
            return
        slot_of = self._slot_of
        slots = np.fromiter((slot_of.setdefault(s, len(slot_of)) for s in link_senses),
                            dtype=np.int64, count=len(link_senses))
        if len(slot_of) > len(self._sums):
            grown = np.zeros((max(len(slot_of), 2 * len(self._sums), self.first_rows),
                              vectors.shape[1]))
            if len(self._sums):
                grown[:len(self._sums)] = self._sums
            self._sums = grown
            self._counts = np.concatenate(
                [self._counts, np.zeros(len(grown) - len(self._counts), dtype=np.int64)])
        self._counts += np.bincount(slots, minlength=len(self._counts))
        add_rows(self._sums, slots, vectors, np.asarray(link_tokens, dtype=np.int64))

    def token_rows(self, session: Session) -> TokenRows:
        """Every token row of the index: this job's own when they are all there is (a bulk
        load), else read from the database."""
        held = sum(len(rows.ids) for rows in self._rows)
        if held and held == session.execute(select(func.count()).select_from(TokenRow)).scalar():
            return TokenRows.joined(self._rows)
        return TokenRows.fetch(session)

    def totals(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sense ids int64 (s,), counts int64 (s,), float64 sums (s, dim)), one row per
        distinct sense this job linked."""
        n = len(self._slot_of)
        return (np.fromiter(self._slot_of, dtype=np.int64, count=n), self._counts[:n],
                self._sums[:n])


def fold_sense_sums(directory: IndexDirectory, committed: Committed | None = None) -> int:
    """Add the token vectors of the shards not yet folded into their senses' sums and counts,
    in one transaction; returns how many shards were folded. The caller holds the lock.

    ``committed``: the job's own sums, used when its shards are exactly the ones not folded
    yet; the senses' new totals are left in its ``folded``. An index from before folding (no
    fold mark) is taken as wholly folded: the mark is set to its last shard.

    Raises:
        IndexFormatError: a shard is missing or damaged, or lacks a token row's vector.
    """
    manifest = directory.manifest()
    done = manifest.folded_shards
    with directory.db.session() as session:
        top = int(session.execute(select(func.max(ShardRow.id))).scalar() or 0)
        if done is None:  # an index from before folding: its chunks folded as they went
            directory.set_manifest(session, folded_shards=top)
            return 0
        if top <= done:
            return 0
        shards = session.execute(select(ShardRow.id, ShardRow.path).where(ShardRow.id > done)
                                 .order_by(ShardRow.id)).all()
        if committed is not None and sorted(committed.shard_ids) == [i for i, _ in shards]:
            committed.folded = add_to_rows(session, SenseRow.__table__, *committed.totals())
            directory.set_manifest(session, folded_shards=top)
            return len(shards)
        links = session.execute(
            select(TokenSenseRow.token_id, TokenSenseRow.sense_id)
            .join(TokenRow, TokenSenseRow.token_id == TokenRow.id)
            .where(TokenRow.shard_id > done)).all()
        if links:
            token_of_link = np.fromiter((t for t, _ in links), dtype=np.int64, count=len(links))
            sense_ids, sense_of_link = np.unique(
                np.fromiter((s for _, s in links), dtype=np.int64, count=len(links)),
                return_inverse=True)
            sums = np.zeros((len(sense_ids), manifest.encoder.dim), dtype=np.float64)
            found = np.zeros(len(links), dtype=bool)
            for _, path in shards:  # one shard in memory at a time
                data = directory.load_shard(path)
                rows, here = locate(data["ids"], np.argsort(data["ids"]), token_of_link)
                found |= here
                add_rows(sums, sense_of_link[here], data["vectors"], rows[here])
            if not found.all():
                missing = token_of_link[~found]
                raise IndexFormatError(f"{len(missing)} token rows have no vector in their "
                                       f"shard (e.g. {missing[:5].tolist()})")
            counts = np.bincount(sense_of_link, minlength=len(sense_ids))
            add_to_rows(session, SenseRow.__table__, sense_ids, counts, sums)
        directory.set_manifest(session, folded_shards=top)
    return len(shards)


def add_to_rows(session: Session, table: Table, row_ids: np.ndarray, counts: np.ndarray,
                sums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add ``counts`` (int (s,)) and float64 ``sums`` ((s, dim)) to the count and vec_sum of
    ``table``'s rows ``row_ids`` (int64 (s,); an empty vec_sum counts as zero); returns (row
    ids, new counts, new sums), the new sums in ``sums`` itself (a copy of a hundred MB would
    cost more than the fold)."""
    row_ids = np.asarray(row_ids, dtype=np.int64)
    new_counts = np.asarray(counts, dtype=np.int64).copy()
    changed = []
    for part in Database.in_batches(row_ids.tolist()):
        current = {row.id: (row.count, row.vec_sum) for row in session.execute(
            select(table.c.id, table.c.count, table.c.vec_sum).where(table.c.id.in_(part)))}
        for row_id in part:
            count, blob = current[row_id]
            n = len(changed)
            new_counts[n] += count
            if blob:
                sums[n] += np.frombuffer(blob, dtype=np.float64)
            changed.append((int(new_counts[n]), sums[n].tobytes(), row_id))
    Database.update_rows(session, table, ("count", "vec_sum"), "id", changed)
    return row_ids, new_counts, sums


def add_rows(totals: np.ndarray, targets: np.ndarray, vectors: np.ndarray,
             rows: np.ndarray, block: int = ADD_BLOCK) -> None:
    """``totals[targets[i]] += vectors[rows[i]]`` for every i, in float64, targets repeating.

    ``totals``: float64 (t, dim), updated in place; ``targets``, ``rows``: int64 (m,);
    ``vectors``: float32 (n, dim), possibly a read-only memory map. Each target's rows are
    added one by one in the order given (``store.floats.add_in_order``), so the sums are
    bit-identical to any sequential float64 accumulation in that order. Blocks of ``block``
    rows (``add_in_order``'s own block) bound the gathered copy of the rows."""
    for start in range(0, len(rows), block):
        add_in_order(totals, targets[start:start + block],
                     vectors[rows[start:start + block]])


def locate(ids: np.ndarray, sorter: np.ndarray,
           wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row in ``ids`` (int64 (n,); ``sorter`` sorts them) of each ``wanted`` id, and
    whether it is there at all: (int64 (m,), bool (m,))."""
    if len(ids) == 0:
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    rows = sorter[np.searchsorted(ids, wanted, sorter=sorter).clip(max=len(ids) - 1)]
    return rows, ids[rows] == wanted
