"""Is an index whole? The fast check and the deep one behind ``sensedb verify``.

The fast check reads headers and sizes: the database file's header, the manifest, every
current FAISS file and group table (loaded: their ids against the database rows, their width
against the manifest's), every raw shard's ``.npy`` headers (shape against the shard's row and
the manifest's width) and every recorded size. The deep check also re-reads every file against
the checksum recorded when it was written, compares every shard's vectors with the token FAISS
files (same ids; normalized vectors equal within :data:`TOLERANCE`), the sense FAISS files with
the sums in the database, runs SQLite's ``PRAGMA integrity_check``, and re-encodes a few stored
sentences with the manifest's model and layers to compare them with the shards.

Nothing here writes: verifying an index leaves every file as it was. Every problem found is
reported (not just the first), each with its file and what to do.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from ..errors import ConfigurationError, Error, IndexFormatError
from ..paths import same_model
from ..schema import (
    FORMAT_VERSION,
    DocumentRow,
    SenseRow,
    SentenceRow,
    ShardRow,
    TokenRow,
    WordNetSenseRow,
    damaged_file,
    masked_url,
)
from ..store import SegmentedStore, VectorStore
from ..store.anylemma import ann_path
from ..store.files import file_sum
from .directory import EXAMPLES, SENSES, STORES, TOKENS, WORDNET, IndexDirectory, model_path
from .documents import left_out_documents
from .fold import RETIRED, locate
from .job import unfinished_jobs
from .manifest import Manifest
from .wordnet import CORPUS as WORDNET_CORPUS

#: Largest difference allowed between a shard's normalized vector and the FAISS file's.
TOLERANCE = 1e-5
#: Least cosine between a stored raw vector and the same token re-encoded by the manifest's
#: model and layers (batching and padding change the last digits, never this much).
REENCODE_COSINE = 0.99
#: Tokens re-encoded by the deep check.
REENCODE_TOKENS = 24

REPAIR = "run `sensedb repair --index DIR` (rebuilds it from the shards and the database)"
REINDEX = "re-index the corpus into a new index directory"


@dataclass(frozen=True)
class Problem:
    """One thing found wrong: ``file`` (its path), ``message`` (what is wrong) and ``action``
    (what to do about it)."""

    file: str
    message: str
    action: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}; {self.action}"


@dataclass
class VerifyReport:
    """What :func:`verify` found. ``problems``: every problem, in the order found;
    ``verified``: files whose checksum was re-read and matched (deep only); ``unverified``:
    files with no recorded checksum (written before checksums were kept: not damaged, not
    verified either); ``damaged_shards``: recorded shard path -> the documents
    (``corpus/key``) whose tokens it holds; ``differing_shards``: recorded shard path -> how
    many of its vectors differ from the FAISS files' (deep only); ``seconds``: wall time of
    the check."""

    path: str
    deep: bool
    problems: list[Problem] = field(default_factory=list)
    verified: int = 0
    unverified: list[str] = field(default_factory=list)
    damaged_shards: dict[str, list[str]] = field(default_factory=dict)
    differing_shards: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "deep": self.deep, "ok": self.ok,
                "problems": [asdict(p) for p in self.problems], "verified": self.verified,
                "unverified": self.unverified, "damaged_shards": self.damaged_shards,
                "differing_shards": self.differing_shards,
                "seconds": round(self.seconds, 3)}


def verify(path: str | os.PathLike, deep: bool = False, *, db_url: str | None = None,
           encoder=None, reencode: bool = True) -> VerifyReport:
    """Check the index at ``path`` (its database at ``db_url``, default ``sensedb.sqlite``)
    and report every problem found; writes nothing.

    ``deep``: also re-read every file against its checksum, compare the shards with the FAISS
    files and the sense sums with the sense FAISS files, run SQLite's integrity check and
    re-encode a few sentences with the manifest's model and layers (loads the model from
    the local cache only; ``encoder``: an already loaded ``Encoder`` of that model to use;
    ``reencode=False`` skips that step).

    Raises:
        Nothing for a damaged index: every problem is in the report.
    """
    start = time.perf_counter()
    directory = IndexDirectory(path, db_url)
    report = VerifyReport(str(directory.path), deep)
    try:
        _Checker(directory, report, encoder, reencode).run()
    finally:
        directory.close()
    report.seconds = time.perf_counter() - start
    return report


class _Checker:
    def __init__(self, directory: IndexDirectory, report: VerifyReport, encoder,
                 reencode: bool) -> None:
        self.directory, self.report, self.encoder = directory, report, encoder
        self.reencode = reencode
        self.recorded: dict[int, str] = {}  # shard id -> recorded path
        self.database = str(directory.database_file or masked_url(directory.db_url))
        self.sums: dict[str, Any] = {}
        self.damaged_files: set[str] = set()

    def problem(self, file: str | Path, message: str, action: str) -> None:
        self.report.problems.append(Problem(str(file), message, action))

    # ------------------------------------------------------------------ the steps
    def run(self) -> None:
        manifest = self.check_database()
        if manifest is None:
            return
        try:
            self.sums = self.directory.checksums()
        except SQLAlchemyError as exc:
            self.problem(self.database, f"the checksum table cannot be read ({exc.orig or exc})",
                         "restore the database from a backup or re-index the corpus")
        try:
            self.check_jobs()
            self.check_layers(manifest)
            stores = self.check_stores(manifest)
            self.check_store_ids(stores)
            shards = self.check_shards(manifest)
            if self.report.deep:
                self.check_integrity()
                self.check_shard_vectors(manifest, stores, shards)
                self.check_sense_sums(manifest, stores)
                if self.reencode:
                    self.check_encoder(manifest, shards)
            self.name_affected_documents()
        except (SQLAlchemyError, IndexFormatError) as exc:
            if not self.damaged_where_read(exc):
                raise

    def damaged_where_read(self, exc: BaseException) -> bool:
        """Report a page damaged inside the database file, which SQLite finds only where it
        reads it (the header checks of :meth:`check_database` pass) and after which nothing
        more can be read; False for any other error."""
        cause = exc if damaged_file(exc) else exc.__cause__
        if cause is None or not damaged_file(cause):
            return False
        self.problem(self.database, "the database is damaged where it was read (SQLite: "
                     f"{getattr(cause, 'orig', cause)})",
                     "restore the database from a backup or re-index the corpus (the "
                     "database is part of the store of record)")
        return True

    def check_database(self) -> Manifest | None:
        directory = self.directory
        damage = directory.database_damage()
        if damage is not None:
            self.problem(self.database, damage.split(": ", 1)[-1],
                         "restore sensedb.sqlite from a backup or re-index the corpus (the "
                         "database is part of the store of record)")
            return None
        if not directory.exists():
            self.problem(directory.path, "no sensedb index here (no database with a manifest)",
                         "build one with `sensedb index CORPUS --index DIR`")
            return None
        try:
            entries = directory.db.manifest()
            version = entries.get("format_version")
            if version != FORMAT_VERSION:
                self.problem(self.database, f"index format version {version}, this sensedb "
                             f"reads {FORMAT_VERSION}", REINDEX)
                return None
            from .directory import STORES as names

            return Manifest.from_entries(entries, names, self.database)
        except IndexFormatError as exc:
            if not self.damaged_where_read(exc):
                self.problem(self.database, str(exc), "restore the database from a backup or "
                             "re-index the corpus")
            return None

    def check_jobs(self) -> None:
        """A job that did not finish is named first, with what mends it: its own command
        again, which resumes it (``job.unfinished_jobs``). One still ``running`` (killed, or
        writing now) also leaves its rows out of the stores until it or any later writer
        rebuilds them: the store problems it leaves (rows without a vector, vectors without
        a row) follow alone, each telling to run `sensedb repair`. One a later writer marked
        ``interrupted`` (a query adding WordNet's vectors, a job of another corpus) left its
        corpus short of the documents it had not committed, with every store whole: named
        until a job of that corpus finishes."""
        for job in unfinished_jobs(self.directory.db):
            if job.status == "running":
                self.problem(self.database, f"job {job.job} (corpus {job.corpus}, {job.path}) "
                             "did not finish: it was killed, or it is writing now",
                             "if it was killed, run its `sensedb index` command again (it "
                             "resumes and rebuilds the stores), then verify again; the store "
                             "problems below may be only its unfinished work")
            else:
                self.problem(self.database, f"job {job.job} (corpus {job.corpus}, {job.path}) "
                             "was killed before it finished: the corpus may lack documents",
                             "run its `sensedb index` command again (it resumes: the "
                             "documents already indexed are skipped)")

    def check_layers(self, manifest: Manifest) -> None:
        from ..encoder import LayerSpec

        settings = manifest.encoder
        try:
            spec = LayerSpec.parse(settings.layers, settings.layer_pooling)
            if settings.num_layers:
                spec.resolve(settings.num_layers + 1)  # hidden states: embeddings + layers
        except (ConfigurationError, ValueError, IndexError) as exc:
            self.problem(self.database, f"the manifest's layers {settings.layers!r} do not fit "
                         f"the model's {settings.num_layers} layers ({exc})",
                         "the manifest is damaged: restore the database or re-index")

    def check_file(self, path: Path, action: str) -> bool:
        """Existence and recorded size (and, deep, the checksum) of one file; False when
        damaged (the problem is reported)."""
        relative = self.directory.relative(path)
        if not path.exists():
            self.problem(path, "the file is missing", action)
            self.damaged_files.add(relative)
            return False
        row = self.sums.get(relative)
        if row is None:
            self.report.unverified.append(relative)
            return True
        size = path.stat().st_size
        if size != row.bytes:
            self.problem(path, f"{size} bytes, {row.bytes} were written (truncated or "
                         "overwritten)", action)
            self.damaged_files.add(relative)
            return False
        if self.report.deep:
            try:
                digest = file_sum(path).sha256
            except OSError as exc:
                self.problem(path, f"cannot be read ({exc})", action)
                self.damaged_files.add(relative)
                return False
            if digest != row.sha256:
                self.problem(path, "its checksum differs from the one recorded when it was "
                             "written (bytes changed on disk)", action)
                self.damaged_files.add(relative)
                return False
            self.report.verified += 1
        return True

    def check_stores(self, manifest: Manifest) -> dict[str, VectorStore]:
        stores: dict[str, VectorStore] = {}
        dim = manifest.encoder.dim
        for name in manifest.generations:
            parts = [self.check_store_files(name, generation, dim)
                     for generation in manifest.store_files(name)]  # base, then segments
            if None in parts:
                continue
            # a base and its segments are checked as one store in one layout
            try:
                if len(parts) > 1 and not all(isinstance(p, VectorStore) for p in parts):
                    # a partitioned base (sq8/pq/rabitq token or example store) with flat
                    # segments: read as the index reads it; check_ids finds a shared id
                    stores[name] = SegmentedStore(parts)
                else:
                    stores[name] = (VectorStore.concatenate(parts) if len(parts) > 1
                                    else parts[0] if parts else VectorStore(dim))
            except Error as exc:  # two segments hold one id
                self.problem(self._store_file(name), f"its segments: {exc}", REPAIR)
        return stores

    def check_store_files(self, name: str, generation: int, dim: int) -> VectorStore | None:
        """One generation's files of store ``name`` (a base or a segment), loaded; None when
        damaged (the problem is reported)."""
        paths = self.directory.store_paths(name, generation)
        ann = ann_path(paths[0])  # a partitioned store's --any-lemma index, when it has one
        whole = [self.check_file(p, REPAIR) for p in (*paths, *([ann] if ann.exists() else []))]
        if not all(whole):
            return None
        try:
            store = self.directory.load_store(name, generation)
        except Error as exc:
            self.problem(paths[0], str(exc).replace(f"{paths[0]}: ", ""), REPAIR)
            return None
        if store.dim != dim:
            self.problem(paths[0], f"vectors are {store.dim} wide, the manifest says {dim}",
                         "the manifest's dimension is wrong: run `sensedb repair` (sets "
                         "it from the shards) or re-index")
            return None
        return store

    def check_store_ids(self, stores: dict[str, VectorStore]) -> None:
        left_out = left_out_documents(self.directory)  # replaced, purged at the next rebuild
        with self.directory.db.session() as session:
            tokens = [(i, c) for i, c, d in session.execute(
                select(TokenRow.id, DocumentRow.corpus, DocumentRow.id)
                .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
                .join(DocumentRow, SentenceRow.document_id == DocumentRow.id)).all()
                if d not in left_out]
            expected = {
                TOKENS: [i for i, c in tokens if c != WORDNET_CORPUS],
                EXAMPLES: [i for i, c in tokens if c == WORDNET_CORPUS],
                SENSES: session.execute(select(SenseRow.id).where(SenseRow.count > 0))
                .scalars().all(),
                WORDNET: session.execute(select(WordNetSenseRow.id)
                                         .where(WordNetSenseRow.count > 0)).scalars().all()}
        for name in STORES:
            if name in stores:
                try:
                    stores[name].check_ids(np.asarray(expected[name], dtype=np.int64),
                                           f"{name} index")
                except IndexFormatError as exc:
                    self.problem(self._store_file(name), str(exc), REPAIR)

    def _store_file(self, name: str) -> str:
        entries = self.directory.db.manifest().get("generations") or {}
        return str(self.directory.store_paths(name, int(entries.get(name, 0)))[0])

    def check_shards(self, manifest: Manifest) -> dict[int, dict[str, np.ndarray]]:
        """Every shard's files and headers; returns the readable shards by id."""
        with self.directory.db.session() as session:
            rows = session.execute(select(ShardRow.id, ShardRow.path, ShardRow.count)
                                   .order_by(ShardRow.id)).all()
        readable = {}
        self.recorded = {shard_id: recorded for shard_id, recorded, _ in rows}
        for shard_id, recorded, count in rows:
            action = (f"`sensedb repair` ({recorded}; with --corpus FILE where it holds current "
                      "documents: see the line naming them)")
            whole = [self.check_file(p, action) for p in self.directory.shard_files(recorded)]
            if not all(whole):
                self.report.damaged_shards[recorded] = []
                continue
            try:
                data = self.directory.load_shard(recorded)
                ids, vectors = data["ids"], data["vectors"]
                if ids.shape != (count,) or vectors.ndim != 2 or len(vectors) != count:
                    raise IndexFormatError(
                        f"holds ids {ids.shape} and vectors {vectors.shape}, its row says "
                        f"{count} tokens")
            except Error as exc:
                self.problem(self.directory.path / recorded, str(exc), action)
                self.report.damaged_shards[recorded] = []
                continue
            readable[shard_id] = data
        widths = {int(d["vectors"].shape[1]) for d in readable.values()}
        if widths and widths != {manifest.encoder.dim}:
            self.problem(self.database, f"the manifest says {manifest.encoder.dim} dimensions, "
                         f"the shards hold vectors of {sorted(widths)}",
                         "run `sensedb repair` (sets the manifest's dimension from the shards)")
            return {}
        return readable

    # ------------------------------------------------------------------ deep
    def check_integrity(self) -> None:
        if self.directory.db.engine.dialect.name != "sqlite":
            return
        try:
            with self.directory.db.engine.connect() as connection:
                found = [row[0] for row in connection.execute(text("PRAGMA integrity_check"))]
        except SQLAlchemyError as exc:
            found = [str(exc.orig or exc)]
        if found != ["ok"]:
            self.problem(self.database, f"SQLite's integrity check: {'; '.join(found[:5])}",
                         "restore the database from a backup or re-index the corpus")

    def check_shard_vectors(self, manifest: Manifest, stores: dict[str, VectorStore],
                            shards: dict[int, dict[str, np.ndarray]]) -> None:
        """Every readable shard's normalized vectors against the token FAISS files: each
        shard's vectors of the token rows that name it (``tokens.shard_id``). A shard may
        also hold the id of a purged row that an index written before token ids were kept
        above every shard's (``chunks.IdCounters``) gave to a newer token of another shard:
        that stale vector is not the token's and is not compared (the rebuilds read each
        row's vector from its own shard)."""
        normalizer = manifest.normalizer()
        with self.directory.db.session() as session:
            owned = session.execute(select(TokenRow.id, TokenRow.shard_id)).all()
        owner_ids = np.fromiter((i for i, _ in owned), dtype=np.int64, count=len(owned))
        owner_shards = np.fromiter((s for _, s in owned), dtype=np.int64, count=len(owned))
        by_owner = np.argsort(owner_ids)
        held = {}
        for name in (TOKENS, EXAMPLES):
            if name in stores and stores[name].ntotal:
                ids, vectors = stores[name].all_vectors()
                order = np.argsort(ids)
                held[name] = (ids[order], order, vectors)
        differing: dict[str, int] = {}
        for shard_id, data in shards.items():
            ids, raw = np.asarray(data["ids"]), data["vectors"]
            rows_here, listed = locate(owner_ids, by_owner, ids)
            own = listed & (owner_shards[rows_here] == shard_id)
            if not own.all():
                ids, raw = ids[own], raw[own]
            with np.errstate(all="ignore"):  # a damaged value may overflow: it then differs
                mine = normalizer(np.asarray(raw, dtype=np.float32), copy=True)
            for name, (sorted_ids, order, vectors) in held.items():
                where = np.clip(np.searchsorted(sorted_ids, ids), 0, max(len(sorted_ids) - 1, 0))
                here = sorted_ids[where] == ids
                if not here.any():
                    continue
                rows = order[where[here]]
                with np.errstate(all="ignore"):
                    diff = np.abs(vectors[rows] - mine[here]).max(axis=1)
                bad = int((~np.isfinite(diff) | (diff > TOLERANCE)).sum())
                if bad:
                    differing[name] = differing.get(name, 0) + bad
                    recorded = self.recorded[shard_id]
                    self.report.differing_shards[recorded] = \
                        self.report.differing_shards.get(recorded, 0) + bad
        for name, bad in differing.items():
            store_file = self._store_file(name)
            if self.directory.relative(store_file) in self.damaged_files:
                continue  # its checksum said so already
            # the one without a checksum is the suspect (both without one: the shard, as the
            # FAISS file was built from it; re-indexing its documents mends either)
            suspects = [r for r in self.report.differing_shards
                        if not all(self.directory.relative(f) in self.sums
                                   for f in self.directory.shard_files(r))]
            if self.directory.relative(store_file) in self.sums and not suspects:
                self.problem(store_file, f"{bad} vectors differ from their shards' (by more than "
                             f"{TOLERANCE} after normalization)", REPAIR)
                continue
            for recorded in suspects:
                self.problem(self.directory.path / recorded,
                             f"{self.report.differing_shards[recorded]} of its vectors differ from "
                             f"{Path(store_file).name}'s and it has no checksum: it is taken "
                             "as damaged", "`sensedb repair` (with --corpus FILE where it "
                             "holds current documents: see the line naming them)")
                self.report.damaged_shards.setdefault(recorded, [])

    def check_sense_sums(self, manifest: Manifest, stores: dict[str, VectorStore]) -> None:
        """The sense FAISS files against the sums in the database (what they are built from)."""
        from .rebuild import sense_stores

        names = [n for n in (SENSES, WORDNET) if n in stores]
        try:
            built = sense_stores(self.directory, manifest, names)
        except (Error, ValueError) as exc:
            self.problem(self.database, f"the sense sums cannot be read ({exc})",
                         "restore the database from a backup or re-index the corpus")
            return
        for name in names:
            ids, vectors = stores[name].all_vectors()
            want_ids, want = built[name].all_vectors()
            if not np.array_equal(ids, want_ids):
                continue  # reported by the id check
            diff = np.abs(vectors - want).max(axis=1) if len(ids) else np.zeros(0)
            bad = int((~np.isfinite(diff) | (diff > TOLERANCE)).sum())
            if bad:
                self.problem(self._store_file(name), f"{bad} sense vectors differ from the "
                             "sums in the database", REPAIR)

    def check_encoder(self, manifest: Manifest, shards: dict[int, dict[str, np.ndarray]]) -> None:
        """Re-encode a few stored tokens with the manifest's model and layers."""
        from ..encoder import Encoder, LayerSpec

        settings = manifest.encoder
        encoder = self.encoder
        if encoder is None or not same_model(encoder.name, settings.model):
            try:
                from ..head import head_for_manifest

                encoder = Encoder(model_path(self.directory, settings), layers=settings.layers,
                                  pooling=settings.layer_pooling, local_files_only=True,
                                  dtype=settings.dtype,
                                  head=head_for_manifest(settings.head))
            except ConfigurationError as exc:
                self.problem(self.database, f"the manifest names model {settings.model!r}, "
                             f"which cannot be loaded here: {exc}",
                             "install that model in the local cache, or restore the manifest")
                return
        if settings.weights and getattr(encoder, "weights", None) not in (None,
                                                                         settings.weights):
            self.problem(self.database, f"model {settings.model!r} has other weights than the "
                         f"index was built with ({encoder.weights[:12]}, not "
                         f"{settings.weights[:12]}): its files changed",
                         "restore the model's files the index was built with, or re-index")
            return
        if encoder.dim != settings.dim:
            self.problem(self.database, f"the manifest says {settings.dim} dimensions, model "
                         f"{settings.model!r} makes {encoder.dim}",
                         "the manifest is damaged: restore the database or re-index")
            return
        try:
            spec = LayerSpec.parse(settings.layers, settings.layer_pooling)
        except ConfigurationError:
            return  # reported by check_layers
        sample = self._sample(shards)
        if not sample:
            return
        words = [w for _, w, _ in sample]
        try:
            fresh = encoder.word_vectors(words, layers=spec)
        except (Error, IndexError) as exc:
            self.problem(self.database, f"the manifest's layers {settings.layers!r} cannot be "
                         f"used with model {settings.model!r} ({exc})",
                         "the manifest is damaged: restore the database or re-index")
            return
        cosines = []
        with np.errstate(all="ignore"):  # a damaged stored value may overflow
            for (position, _, stored), vectors in zip(sample, fresh, strict=True):
                new = vectors[position]
                cosines.append(float(stored @ new / (np.linalg.norm(stored)
                                                     * np.linalg.norm(new) + 1e-12)))
        if np.median(cosines) < REENCODE_COSINE:
            self.problem(self.database, f"the stored vectors are not what model "
                         f"{settings.model!r} with layers {settings.layers!r} "
                         f"({settings.layer_pooling}) makes (median cosine "
                         f"{np.median(cosines):.3f} over {len(cosines)} tokens)",
                         "the manifest's encoder settings are damaged, or the model's files "
                         "changed since the index was built: restore them or re-index")

    def _sample(self, shards) -> list[tuple[int, list[str], np.ndarray]]:
        """(word position, sentence words, stored raw vector) of a few corpus tokens."""
        if not shards:
            return []
        shard_id = min(shards)
        data = shards[shard_id]
        with self.directory.db.session() as session:
            rows = session.execute(
                select(TokenRow.id, TokenRow.position, TokenRow.surface, SentenceRow.text)
                .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
                .where(TokenRow.shard_id == shard_id).order_by(TokenRow.id)
                .limit(REENCODE_TOKENS * 20)).all()
        ids = np.asarray(data["ids"])
        position_of = {int(i): n for n, i in enumerate(ids)}
        sample = []
        for token_id, position, surface, sentence in rows:
            # the text is the words joined by spaces: a word with a space in it (a multiword
            # expression) shifts the positions after it; a token whose word is not where its
            # position says is left out
            words = sentence.split(" ")
            if (token_id in position_of and position < len(words)
                    and words[position] == surface):
                sample.append((position, words, np.asarray(data["vectors"][position_of[token_id]],
                                                           dtype=np.float32)))
            if len(sample) == REENCODE_TOKENS:
                break
        return sample

    # ------------------------------------------------------------------ what a shard holds
    def name_affected_documents(self) -> None:
        if not self.report.damaged_shards:
            return
        try:
            found = affected_documents(self.directory, list(self.report.damaged_shards))
        except SQLAlchemyError:  # the database is damaged too: reported already
            return
        self.report.damaged_shards.update(
            {shard: [shown_document(d) for d in names] for shard, names in found.items()})
        documents = sorted({d for names in found.values() for d in names})
        current = current_documents(documents)
        replaced = len(documents) - len(current)
        shown = ", ".join(current[:10]) + (f" and {len(current) - 10} more"
                                           if len(current) > 10 else "")
        held = f"{len(current)} documents" + (f": {shown}" if current else "") + (
            f" (and {replaced} replaced versions' rows awaiting purge)" if replaced else "")
        self.problem(self.directory.path / "raw", f"{len(self.report.damaged_shards)} damaged "
                     f"shards hold the vectors of {held}",
                     "re-index these documents from their corpus: `sensedb repair --index DIR "
                     "--corpus FILE [--gold FILE]`" if current else
                     "no document needs re-indexing: `sensedb repair --index DIR` drops the "
                     "damaged shards")


def current_documents(documents: list[str]) -> list[str]:
    """The documents (``corpus/key``) of ``documents`` that are not a replaced version's
    rows awaiting purge (``fold.RETIRED`` in the key): those a corpus holds."""
    return [d for d in documents if RETIRED not in d]


def shown_document(name: str) -> str:
    """A document (``corpus/key``) as reports name it: a retired one (replaced, its rows
    awaiting purge: ``fold.RETIRED`` in its key) as ``corpus/key (replaced)``."""
    return name.split(RETIRED, 1)[0] + " (replaced)" if RETIRED in name else name


def affected_documents(directory: IndexDirectory, shards: list[str]) -> dict[str, list[str]]:
    """Recorded shard path -> the documents (``corpus/key``) with tokens in it."""
    with directory.db.session() as session:
        rows = session.execute(
            select(ShardRow.path, DocumentRow.corpus, DocumentRow.key).distinct()
            .join(TokenRow, TokenRow.shard_id == ShardRow.id)
            .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
            .join(DocumentRow, SentenceRow.document_id == DocumentRow.id)
            .where(ShardRow.path.in_(shards))).all()
    found: dict[str, list[str]] = {path: [] for path in shards}
    for path, corpus, key in rows:
        found[path].append(f"{corpus}/{key}")
    return {path: sorted(keys) for path, keys in found.items()}
