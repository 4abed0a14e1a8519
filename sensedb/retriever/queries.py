"""Every read-side SELECT of the retriever, its ``IN`` batching and its per-reload cache.

The facade (:class:`sensedb.retriever.index.SenseIndex`), the index-backed evidence source
and the diagnostics read the database only through this module; writes belong to the indexer.

Row lookups by sense key or token id are cached in :class:`IndexQueries` until the next
reload (rows change only through an index job or ``SenseIndex.ensure``, both of which
reload): a text's words share lemmas, and three small queries per word were most of the
time ``tag`` spent beyond encoding. ``IN`` lists are cut by :meth:`Database.in_batches`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select

from ..indexer import WORDNET_CORPUS, documents
from ..indexer.fold import RETIRED
from ..schema import (
    Database,
    DocumentRow,
    SenseRow,
    SentenceRow,
    ShardRow,
    TokenRow,
    WordNetSenseRow,
)

#: (row id, count) of a sense row: the id is its vector's id in the FAISS store, the count
#: the number of labelled tokens (corpus senses) or vectors (WordNet senses) averaged in it.
SenseRowRef = tuple[int, int]


@dataclass(frozen=True)
class UsageRow:
    """What a :class:`~sensedb.retriever.results.Usage` shows of one token: its row, its
    sentence's text and its document's key and corpus."""

    id: int
    surface: str
    lemma: str
    pos: str
    sense_keys: str  # space-separated gold sense keys ("" for an unlabelled token)
    position: int  # the token's first word in ``text`` (``text.split(" ")``): shown_position
    text: str
    document: str
    corpus: str


def shown_position(text: str, position: int, surface: str, multiwords: dict[int, str]
                   ) -> int:
    """The index in ``text.split(" ")`` of the first word of the token stored at
    ``position`` with ``surface``. A sentence is stored as its tokens joined by spaces and a
    token's position counts tokens, but a multiword token ("took place", a labelled span of
    a JSONL line or a Raganato instance) holds spaces: every token after it is that many
    words further into ``text``. ``multiwords`` maps the positions of the sentence's labelled
    multiword tokens to their surfaces (the database keeps no unlabelled token): the word
    index is at least ``position`` plus their extra words before it, and it is the first
    place from there where ``text``'s words are ``surface``'s (an unlabelled token with
    spaces before it, a Raganato ``<wf>`` such as "New York", shifts it further).
    ``position`` itself when ``surface`` is not found there (a damaged row)."""
    words, parts = text.split(" "), surface.split(" ")
    low = position + sum(len(shown.split(" ")) - 1
                         for at, shown in multiwords.items() if at < position)
    return next((start for start in range(low, len(words) - len(parts) + 1)
                 if words[start:start + len(parts)] == parts), position)


@dataclass(frozen=True)
class StoredIds:
    """The row ids that must have a vector in each FAISS store (see ``SenseIndex.check``)."""

    tokens: list[int]          # corpus tokens (the token store)
    examples: list[int]        # WordNet example tokens (the example store)
    senses: list[int]          # corpus senses with labelled tokens (the sense store)
    wordnet_senses: list[int]  # WordNet gloss/example vectors (the WordNet store)


# The query paths' statements, built once (expanding IN lists): building and caching a
# statement's key per call was a tenth of a millisecond of every query.
_SENSE_ROWS = select(SenseRow.key, SenseRow.id, SenseRow.count).where(
    SenseRow.key.in_(bindparam("keys", expanding=True)))
_WORDNET_ROWS = select(WordNetSenseRow.key, WordNetSenseRow.source, WordNetSenseRow.id,
                       WordNetSenseRow.count).where(
    WordNetSenseRow.key.in_(bindparam("keys", expanding=True)), WordNetSenseRow.count > 0)
_TOKEN_KEYS = select(TokenRow.id, TokenRow.sense_keys).where(
    TokenRow.id.in_(bindparam("ids", expanding=True)))
_USAGE_ROWS = (select(TokenRow.id, TokenRow.surface, TokenRow.lemma, TokenRow.pos,
                      TokenRow.sense_keys, TokenRow.position, SentenceRow.text,
                      DocumentRow.key, DocumentRow.corpus, TokenRow.sentence_id)
               .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
               .join(DocumentRow, SentenceRow.document_id == DocumentRow.id)
               .where(TokenRow.id.in_(bindparam("ids", expanding=True))))
_MULTIWORD_ROWS = select(TokenRow.sentence_id, TokenRow.position, TokenRow.surface).where(
    TokenRow.sentence_id.in_(bindparam("ids", expanding=True)),
    TokenRow.surface.like(literal_column("'% %'")))  # inline: select_in binds the ids only


class IndexQueries:
    """The read queries of one open index, with a cache that lives until the next reload.

    ``cache`` maps a table name (``"senses"``, ``"wordnet"``, ``"token_keys"``) to
    ``{item: value}``; a new :class:`IndexQueries` (made on every reload) starts empty.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.cache: dict[str, dict] = {}

    def _cached(self, table: str, items: Iterable, fetch: Callable[[Any, Sequence], dict]
                ) -> dict:
        """``{item: value}`` for ``items`` (deduplicated, in order) from the ``table`` cache;
        the missing ones come from ``fetch(connection, part)``, which returns a value for
        every item of ``part`` (one query per ``IN`` batch, on a read connection:
        ``Database.reading``)."""
        items = list(dict.fromkeys(items))
        cache = self.cache.setdefault(table, {})
        for part in Database.in_batches([i for i in items if i not in cache]):
            with self.db.reading() as connection:
                cache.update(fetch(connection, part))
        return {i: cache[i] for i in items}

    def sense_rows(self, keys: Iterable[str]) -> dict[str, SenseRowRef]:
        """``{key: (id, count)}`` of the corpus senses among ``keys``, in the order of
        ``keys``, whatever their count in the database: a sense whose labelled tokens all
        went (a replaced document) keeps its vector in the generation a reader holds, and the
        reader takes the count from there (``sources.IndexSource``)."""
        def fetch(connection, part):
            rows = {key: (i, count) for key, i, count in connection.execute(
                _SENSE_ROWS, {"keys": list(part)})}
            return {k: rows.get(k) for k in part}

        return {k: row for k, row in self._cached("senses", keys, fetch).items()
                if row is not None}

    def wordnet_rows(self, keys: Iterable[str]) -> dict[tuple[str, str], SenseRowRef]:
        """``{(key, source): (id, count)}`` of the WordNet vectors of ``keys``; ``source``
        is ``"gloss"``, ``"sense"`` or ``"examples"``."""
        def fetch(connection, part):
            found: dict[str, dict[str, SenseRowRef]] = {k: {} for k in part}
            for key, source, i, count in connection.execute(_WORDNET_ROWS,
                                                            {"keys": list(part)}):
                found[key][source] = (i, count)
            return found

        return {(k, source): row for k, sources in self._cached("wordnet", keys, fetch).items()
                for source, row in sources.items()}

    def token_keys(self, ids: Sequence[int]) -> list[list[str]]:
        """The gold sense keys of the tokens ``ids``, in order ([] for an unknown id)."""
        def fetch(connection, part):
            rows = dict(connection.execute(_TOKEN_KEYS, {"ids": list(part)}).all())
            return {i: rows[i].split() if i in rows else [] for i in part}

        found = self._cached("token_keys", ids, fetch)
        return [found[i] for i in ids]

    def usage_rows(self, ids: Sequence[int]) -> dict[int, UsageRow]:
        """``{id: UsageRow}`` of the tokens ``ids`` found in the database (not cached: the
        rows of an answer's evidence are read once), each ``position`` a word index in its
        ``text`` (:func:`shown_position`)."""
        stored: list[tuple] = []
        for part in Database.in_batches(list(dict.fromkeys(ids))):
            with self.db.reading() as connection:
                stored += self.db.select_in(connection, _USAGE_ROWS, "ids", part)
        multiwords: dict[int, dict[int, str]] = {}  # sentence id -> {position: surface}
        for part in Database.in_batches(list(dict.fromkeys(row[-1] for row in stored))):
            with self.db.reading() as connection:
                for sentence_id, position, surface in self.db.select_in(
                        connection, _MULTIWORD_ROWS, "ids", part):
                    multiwords.setdefault(sentence_id, {})[position] = surface
        found: dict[int, UsageRow] = {}
        for *fields, sentence_id in stored:
            row = UsageRow(*fields)
            found[row.id] = replace(row, position=shown_position(
                row.text, row.position, row.surface, multiwords.get(sentence_id, {})))
        for token_id, row in found.items():  # a replaced document's rows, kept for readers
            if RETIRED in row.document:  # of the generations that hold them
                found[token_id] = replace(row, document=row.document.split(RETIRED)[0])
        return found

    def built_lemmas(self) -> set[str]:
        """The document keys of the WordNet lemmas whose gloss and example vectors the
        index holds (``lemma\\tPOS``, see ``sensedb.indexer.wordnet.document_key``)."""
        with self.db.session() as session:
            return set(session.execute(select(DocumentRow.key).where(
                DocumentRow.corpus == WORDNET_CORPUS)).scalars())

    def retired_lemmas(self) -> set[str]:
        """The document keys (``lemma.POS``) of the WordNet lemmas a deletion retired whose
        rows are not purged yet (``indexer.documents.retire_document``): lemmas deleted from
        the index, not lemmas it never had."""
        with self.db.session() as session:
            keys = session.execute(select(DocumentRow.key).where(
                DocumentRow.corpus == WORDNET_CORPUS,
                DocumentRow.key.contains(RETIRED, autoescape=True))).scalars()
            return {key.split(RETIRED, 1)[0] for key in keys}

    def vector_keys(self) -> list[str]:
        """Every sense key with a corpus sense vector or a WordNet vector (corpus first)."""
        with self.db.session() as session:
            keys = session.execute(
                select(SenseRow.key).where(SenseRow.count > 0)).scalars().all()
            keys += session.execute(select(WordNetSenseRow.key)
                                    .where(WordNetSenseRow.count > 0)).scalars().all()
        return list(dict.fromkeys(keys))

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """``({corpus: documents}, {"documents", "sentences", "tokens", "senses", "shards":
        rows})``: the row counts ``SenseIndex.info`` reports. A deleted or replaced document
        whose rows wait for their purge (``documents.RETIRED``) is not counted, nor are its
        sentences and tokens; a sense is counted while a token is labelled with it (count >
        0, as the sense store holds it: a sense only a deleted document had is not)."""
        live = ~DocumentRow.key.contains(RETIRED)
        with self.db.session() as session:
            def count(statement) -> int:
                return int(session.execute(statement).scalar())

            corpora = dict(session.execute(
                select(DocumentRow.corpus, func.count()).where(live)
                .group_by(DocumentRow.corpus)).all())
            sentences = select(func.count(SentenceRow.id)).join(
                DocumentRow, SentenceRow.document_id == DocumentRow.id).where(live)
            tokens = select(func.count(TokenRow.id)).join(
                SentenceRow, TokenRow.sentence_id == SentenceRow.id).join(
                DocumentRow, SentenceRow.document_id == DocumentRow.id).where(live)
            counts = {"documents": sum(corpora.values()), "sentences": count(sentences),
                      "tokens": count(tokens),
                      "senses": count(select(func.count()).select_from(SenseRow)
                                      .where(SenseRow.count > 0)),
                      "shards": count(select(func.count()).select_from(ShardRow))}
        return corpora, counts

    def stored_ids(self) -> StoredIds:
        """The row ids each FAISS store must hold (what ``SenseIndex.check`` compares)."""
        left_out = documents.left_out(self.db.manifest())  # replaced, purged later
        with self.db.session() as session:
            tokens = [(i, c) for i, c, d in session.execute(
                select(TokenRow.id, DocumentRow.corpus, DocumentRow.id)
                .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
                .join(DocumentRow, SentenceRow.document_id == DocumentRow.id)).all()
                if d not in left_out]
            sense_ids = session.execute(
                select(SenseRow.id).where(SenseRow.count > 0)).scalars().all()
            wordnet_ids = session.execute(
                select(WordNetSenseRow.id).where(WordNetSenseRow.count > 0)).scalars().all()
        return StoredIds(tokens=[i for i, c in tokens if c != WORDNET_CORPUS],
                         examples=[i for i, c in tokens if c == WORDNET_CORPUS],
                         senses=list(sense_ids), wordnet_senses=list(wordnet_ids))


def sentence_ids(db: Database) -> list[int]:
    """Every sentence row id of the index, ascending."""
    with db.session() as session:
        return list(session.execute(select(SentenceRow.id).order_by(SentenceRow.id))
                    .scalars().all())


def sentence_texts(db: Database, ids: Sequence[int]) -> dict[int, str]:
    """``{id: text}`` of the sentence rows ``ids`` (unknown ids are left out)."""
    texts: dict[int, str] = {}
    with db.session() as session:
        for part in Database.in_batches(list(ids)):
            texts.update(session.execute(
                select(SentenceRow.id, SentenceRow.text).where(SentenceRow.id.in_(part))).all())
    return texts
