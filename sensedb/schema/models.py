"""The metadata schema, in one place.

Row ids of ``tokens`` and ``senses`` are the FAISS ids of the token and sense indexes.
Raw (unnormalized) token vectors live in shard files recorded in ``shards``; the FAISS indexes
are derived from them and from ``senses.vec_sum`` whenever an index job finishes.

The same models serve SQLite (the default) and PostgreSQL. Text that comes from a corpus
(keys, words, lemmas, POS tags, paths) is ``String`` without a length: PostgreSQL enforces a
``VARCHAR(n)`` length, which SQLite never did, so a bounded column would refuse on one engine
what the other takes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

FORMAT_VERSION = 1


class Base(DeclarativeBase):
    pass


class ManifestRow(Base):
    """Key → JSON value: model, layers, pooling, dimension, normalization, statistics,
    versions, current FAISS generations."""

    __tablename__ = "manifest"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    corpus: Mapped[str] = mapped_column(String)
    key: Mapped[str] = mapped_column(String)
    source: Mapped[str | None] = mapped_column(String, nullable=True)
    __table_args__ = (UniqueConstraint("corpus", "key", name="uq_document_corpus_key"),)


class DocumentHashRow(Base):
    """The SHA-256 of a document's content (``Document.content_hash``): a document of the
    same corpus and name is the same document only if its hash agrees. Documents indexed
    before this table existed have no row (compared by name only)."""

    __tablename__ = "document_hashes"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))


class SentenceRow(Base):
    __tablename__ = "sentences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    key: Mapped[str] = mapped_column(String)
    text: Mapped[str] = mapped_column(Text)  # words joined by single spaces


class TokenRow(Base):
    """A labelled token (one vector in the token index; id = FAISS id)."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentences.id"), index=True)
    # token index in the corpus's sentence (a multiword token is one; ``Usage.position``
    # counts the words of the sentence's text instead: ``queries.shown_position``)
    position: Mapped[int] = mapped_column(Integer)
    surface: Mapped[str] = mapped_column(String)
    lemma: Mapped[str] = mapped_column(String)
    pos: Mapped[str] = mapped_column(String)
    instance: Mapped[str | None] = mapped_column(String, nullable=True)
    sense_keys: Mapped[str] = mapped_column(Text)  # gold keys, space separated
    shard_id: Mapped[int] = mapped_column(ForeignKey("shards.id"), index=True)
    __table_args__ = (Index("ix_tokens_lemma_pos", "lemma", "pos"),)


class TokenSenseRow(Base):
    __tablename__ = "token_senses"
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id"), primary_key=True)
    sense_id: Mapped[int] = mapped_column(ForeignKey("senses.id"), primary_key=True, index=True)


class SenseRow(Base):
    """A WordNet sense seen in the indexed data; its vector is vec_sum / count (id = FAISS id)."""

    __tablename__ = "senses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String, unique=True)
    synset: Mapped[str] = mapped_column(String)
    lemma: Mapped[str] = mapped_column(String)
    pos: Mapped[str] = mapped_column(String)
    gloss: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer, default=0)
    # float64 running sum of raw vectors; empty (count 0) until a job folds its tokens in
    vec_sum: Mapped[bytes] = mapped_column(LargeBinary)
    __table_args__ = (Index("ix_senses_lemma_pos", "lemma", "pos"),)


class ShardRow(Base):
    """A file of raw token vectors written by one chunk of an index job."""

    __tablename__ = "shards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String)  # relative to the index directory
    count: Mapped[int] = mapped_column(Integer)


class JobRow(Base):
    """One run of ``sensedb index``: what was read, how far it got, how fast."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    corpus: Mapped[str] = mapped_column(String)
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # running | done
    started: Mapped[float] = mapped_column(Float)
    finished: Mapped[float | None] = mapped_column(Float, nullable=True)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    words: Mapped[int] = mapped_column(Integer, default=0)


class WordNetSenseRow(Base):
    """WordNet's own evidence for a sense, one row per source: ``gloss`` (the sentence vector
    of "lemma: gloss") or ``examples`` (the lemma's tokens in the synset's usage examples).
    Kept apart from corpus senses so each source can be weighed, reported or left out."""

    __tablename__ = "wordnet_senses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String)
    source: Mapped[str] = mapped_column(String(16))  # gloss | examples
    lemma: Mapped[str] = mapped_column(String)
    pos: Mapped[str] = mapped_column(String)
    count: Mapped[int] = mapped_column(Integer, default=0)
    vec_sum: Mapped[bytes] = mapped_column(LargeBinary)
    __table_args__ = (UniqueConstraint("key", "source", name="uq_wordnet_sense_source"),
                      Index("ix_wordnet_senses_lemma_pos", "lemma", "pos"))


class FileChecksumRow(Base):
    """The SHA-256 of a file the index wrote (a FAISS file, a group table, a raw shard's
    array), recorded when it was written; ``sensedb verify --deep`` re-reads files against it.
    A file without a row (written before checksums were kept) is unverified, not damaged."""

    __tablename__ = "file_checksums"
    path: Mapped[str] = mapped_column(String, primary_key=True)  # relative to the index
    sha256: Mapped[str] = mapped_column(String(64))  # hex digest
    bytes: Mapped[int] = mapped_column(BigInteger)  # file size
    written: Mapped[float] = mapped_column(Float)  # Unix time of the write
