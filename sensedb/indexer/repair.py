"""Repairing an index from its store of record (the raw shards and the database).

Every derived file is rebuilt into a new generation (``rebuild.finalize`` with every store):
the token FAISS files from the shards, the corpus sense sums recomputed from the shards (so a
damaged sum in the database is not carried over), the sense FAISS files from the sums. A
manifest whose dimension disagrees with the shards takes the shards' width.

A damaged shard cannot be rebuilt: its vectors exist nowhere else. Its documents (shard ->
tokens -> sentences -> documents) are named; given their corpus, their rows are deleted (the
surviving shards that held some of their tokens are rewritten without them) and the ordinary
index job adds them again, as it adds any document the index lacks. The rows of a replaced
version (a retired document, waiting for the readers of older generations) are dropped with
the shard: no corpus holds them and no current answer reads them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select, update

from ..errors import IndexFormatError, InputError
from ..schema import (
    DocumentHashRow,
    DocumentRow,
    SenseRow,
    SentenceRow,
    ShardRow,
    TokenRow,
    TokenSenseRow,
)
from ..store.files import file_sum
from . import fold, rebuild
from .directory import STORES, IndexDirectory, model_path
from .verify import affected_documents, current_documents, shown_document, verify
from .wordnet import CORPUS as WORDNET_CORPUS


@dataclass
class RepairReport:
    """What :func:`repair` did. ``generation``: the new generation of every store;
    ``dimension``: the manifest's dimension set from the shards (None: it was right);
    ``damaged_shards``: recorded shard path -> its documents (``corpus/key``);
    ``reindexed``: the documents indexed again from the corpus; ``seconds``: wall time of the
    rebuild (``reindex_seconds``: of the re-indexing job)."""

    path: str
    generation: int = 0
    dimension: int | None = None
    damaged_shards: dict[str, list[str]] = field(default_factory=dict)
    reindexed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    reindex_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "generation": self.generation, "dimension": self.dimension,
                "damaged_shards": self.damaged_shards, "reindexed": self.reindexed,
                "seconds": round(self.seconds, 3),
                "reindex_seconds": round(self.reindex_seconds, 3)}


def repair(path: str | os.PathLike, *, db_url: str | None = None,
           corpus: str | os.PathLike | None = None, gold: str | os.PathLike | None = None,
           encoder=None, wordnet=None, progress: bool = False) -> RepairReport:
    """Rebuild every derived file of the index at ``path`` from its shards and database into
    a new generation; with damaged shards, re-index their documents from ``corpus`` (with its
    ``gold`` keys; ``encoder``, ``wordnet``: already loaded ones to use for that job).

    Raises:
        IndexFormatError: no index at ``path`` (nothing is created there), the database is
            damaged (the store of record: restore it or re-index), or shards holding
            current documents are damaged and no ``corpus`` was given (names the shards
            and their documents), or they hold WordNet's lemma documents (names them and
            the ``delete`` that drops them).
        IndexLockedError: another process is writing the index.
        InputError: the damaged documents belong to several corpora, or to WordNet's
            (re-index into a new directory instead); ``corpus`` misses some of them, holds
            one with other content than the index recorded, or holds documents their corpus
            lacks (another corpus's file): nothing is written then.
    """
    start = time.perf_counter()
    directory = IndexDirectory(path, db_url)
    report = RepairReport(str(directory.path))
    try:
        damage = directory.database_damage()
        if damage is not None:
            raise IndexFormatError(f"{damage}; the database is part of the store of record: "
                                   "restore it from a backup or re-index the corpus")
        directory.refuse_missing()  # before the lock: a mistyped path is left as it was
        with directory.lock():
            manifest = directory.manifest()
            damaged = _damaged_shards(directory)
            corpus_name = None
            if damaged:
                found = affected_documents(directory, damaged)
                report.damaged_shards = {shard: [shown_document(d) for d in names]
                                         for shard, names in found.items()}
                documents = sorted({d for names in found.values() for d in names})
                # a replaced version's rows (retired, awaiting purge) are dropped, not
                # re-indexed: no corpus holds them, and no answer of today's reads them
                current = current_documents(documents)
                lemmas = [d.split("/", 1)[1] for d in current
                          if d.split("/", 1)[0] == WORDNET_CORPUS]
                if lemmas:  # asked for --corpus, then refused WordNet's (a breaker's)
                    raise IndexFormatError(
                        f"{directory.path}: damaged shards ({', '.join(damaged[:5])}) hold "
                        f"WordNet's usage examples of {len(lemmas)} lemmas "
                        f"({', '.join(lemmas[:10])}), which no corpus file holds: delete them "
                        f"(`sensedb delete --index {directory.path} --corpus wordnet "
                        f"--document {lemmas[0]}`, one by one; a query that needs a lemma adds "
                        "it again), then run `sensedb repair` again")
                if current and corpus is None:
                    raise IndexFormatError(
                        f"{directory.path}: {len(damaged)} damaged shards "
                        f"({', '.join(damaged[:5])}) hold the vectors of {len(current)} "
                        f"documents ({', '.join(current[:10])}); give their corpus "
                        "(`sensedb repair --corpus FILE --gold FILE`) to re-index them")
                if current:
                    corpus_name = _one_corpus(current)
                    _check_corpus_file(directory, corpus, gold, corpus_name, current, wordnet)
                _drop_documents(directory, damaged, documents)
                report.reindexed = current
            report.dimension = _fix_dimension(directory, manifest)
            _refold(directory)
            rebuild.finalize(directory, STORES, compact=True)  # never append to damage
            report.generation = max(directory.manifest().generations.values())
        report.seconds = time.perf_counter() - start
        if corpus_name is not None:
            t0 = time.perf_counter()
            _reindex(directory, corpus, gold, corpus_name, encoder, wordnet, progress)
            report.reindex_seconds = time.perf_counter() - t0
            report.generation = max(directory.manifest().generations.values())
    finally:
        directory.close()
    return report


def _damaged_shards(directory: IndexDirectory) -> list[str]:
    """The recorded paths of the shards whose files are missing, short, changed since they
    were written (checksum), unreadable, or (without a checksum) disagree with the FAISS
    files. Shards written before checksums were kept that agree with the FAISS files get
    their checksums recorded now."""
    found = verify(directory.path, deep=True, db_url=directory.db_url, reencode=False)
    damaged = sorted(found.damaged_shards)
    sums = directory.checksums()
    with directory.db.session() as session:
        recorded = session.execute(select(ShardRow.path)).scalars().all()
    adopted = [file_sum(f) for shard in recorded if shard not in found.damaged_shards
               for f in directory.shard_files(shard) if directory.relative(f) not in sums]
    if adopted:
        directory.record_checksums(adopted)
    return damaged


def _one_corpus(documents: list[str]) -> str:
    """The one corpus name of ``documents`` (``corpus/key``).

    Raises:
        InputError: they belong to several corpora, or to WordNet's."""
    corpora = {d.split("/", 1)[0] for d in documents}
    if len(corpora) > 1 or WORDNET_CORPUS in corpora:
        raise InputError(f"the damaged shards hold documents of {sorted(corpora)}: repair "
                         "re-indexes one corpus at a time (not WordNet's); re-index into a new "
                         "index directory instead")
    return corpora.pop() if corpora else ""


def _check_corpus_file(directory: IndexDirectory, corpus, gold, corpus_name: str,
                       documents: list[str], wordnet) -> None:
    """Read ``corpus`` (with ``gold``) whole before anything is dropped: it must hold every
    damaged document (``documents``: ``corpus/key``), and every document it holds that the
    index holds must have the content the index recorded (its SHA-256: the re-index job
    would refuse another), and no document the corpus ``corpus_name`` lacks (another
    corpus's file would be filed under this name).

    Raises:
        InputError: the file misses damaged documents, holds one with other content, or
            holds documents the corpus lacks (names the file and the documents); nothing
            was changed."""
    from ..api import corpus_reader
    from ..inventory import WordNet
    from .documents import indexed_documents

    read, _ = corpus_reader(corpus, gold, wordnet or WordNet())
    found = {document.id: document.content_hash() for document in read()}
    indexed = indexed_documents(directory, corpus_name)
    keys = [d.split("/", 1)[1] for d in documents]
    name = f'corpus "{corpus_name}"'

    def listed(items: list[str]) -> str:
        return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")

    missing = [k for k in keys if k not in found]
    if missing:
        raise InputError(f"holds no document {listed(missing)} of {name}, which the damaged "
                         "shards held: give that corpus's file; nothing was changed",
                         path=str(corpus))
    # every document of the file, damaged or not: the re-index job refuses one the index
    # holds with other content (a version replaced since), and it runs after the damaged
    # documents are dropped (a tester: the drop went ahead and the job failed, losing them)
    changed = sorted(k for k in found
                     if indexed.get(k) and indexed[k].sha256 not in (None, found[k]))
    if changed:
        raise InputError(f"holds {listed(changed)} of {name} with other content than the "
                         "index holds (replaced since?): give a file with the damaged "
                         f"documents ({listed(keys)}) as they were indexed; nothing was "
                         "changed", path=str(corpus))
    foreign = sorted(k for k in found if k not in indexed)
    if foreign:
        raise InputError(f"holds {len(foreign)} documents {name} lacks ({listed(foreign)}): "
                         "repair re-indexes only the damaged documents from their own file; "
                         "index the others afterwards; nothing was changed", path=str(corpus))


def _drop_documents(directory: IndexDirectory, damaged: list[str], documents: list[str]
                    ) -> None:
    """Delete the rows of ``documents`` (``corpus/key``) and the ``damaged`` shards (rows and
    files); rewrite the surviving shards that held some of their tokens."""
    by_corpus: dict[str, list[str]] = {}
    for document in documents:
        corpus, key = document.split("/", 1)
        by_corpus.setdefault(corpus, []).append(key)
    with directory.db.session() as session:
        doc_ids = [doc_id for corpus, keys in by_corpus.items()
                   for doc_id in session.execute(select(DocumentRow.id).where(
                       DocumentRow.corpus == corpus, DocumentRow.key.in_(keys))).scalars()]
        sentence_ids = select(SentenceRow.id).where(SentenceRow.document_id.in_(doc_ids))
        tokens = session.execute(select(TokenRow.id, TokenRow.shard_id).where(
            TokenRow.sentence_id.in_(sentence_ids))).all()
        token_ids = np.asarray(sorted(t for t, _ in tokens), dtype=np.int64)
        for part in _batches(token_ids):
            session.execute(delete(TokenSenseRow).where(TokenSenseRow.token_id.in_(part)))
            session.execute(delete(TokenRow).where(TokenRow.id.in_(part)))
        session.execute(delete(SentenceRow).where(SentenceRow.document_id.in_(doc_ids)))
        session.execute(delete(DocumentHashRow).where(DocumentHashRow.document_id.in_(doc_ids)))
        session.execute(delete(DocumentRow).where(DocumentRow.id.in_(doc_ids)))
        shards = dict(session.execute(select(ShardRow.id, ShardRow.path)).all())
        for shard_id in sorted({s for _, s in tokens}):
            if shards[shard_id] in damaged:
                continue
            data = directory.load_shard(shards[shard_id])
            keep = ~np.isin(np.asarray(data["ids"]), token_ids)
            ids, vectors = np.array(data["ids"][keep]), np.array(data["vectors"][keep])
            del data
            directory.save_shard(shard_id, ids, vectors)
            session.execute(update(ShardRow).where(ShardRow.id == shard_id)
                            .values(count=int(len(ids))))
        session.execute(delete(ShardRow).where(ShardRow.path.in_(damaged)))
    files = [f for shard in damaged for f in directory.shard_files(shard)]
    for file in files:
        Path(file).unlink(missing_ok=True)
    directory.forget_checksums(files)


def _batches(ids: np.ndarray, size: int = 5000):
    for start in range(0, len(ids), size):
        yield ids[start:start + size].tolist()


def _fix_dimension(directory: IndexDirectory, manifest) -> int | None:
    """Set the manifest's dimension from the shards' width when they disagree."""
    with directory.db.session() as session:
        first = session.execute(select(ShardRow.path).order_by(ShardRow.id).limit(1)).scalar()
    if first is None:
        return None
    width = int(directory.load_shard(first)["vectors"].shape[1])
    if width == manifest.encoder.dim:
        return None
    described = {**manifest.encoder.to_dict(), "dim": width}
    directory.set_manifest(encoder=described)
    return width


def _refold(directory: IndexDirectory) -> None:
    """Recompute every corpus sense's count and sum from the shards (the store of record)."""
    with directory.db.session() as session:
        session.execute(update(SenseRow).values(count=0, vec_sum=b""))
        directory.set_manifest(session, folded_shards=0)
        top = session.execute(select(func.max(ShardRow.id))).scalar()
    if top:
        fold.fold_sense_sums(directory)


def _reindex(directory: IndexDirectory, corpus, gold, corpus_name: str, encoder, wordnet,
             progress: bool) -> None:
    """Run the ordinary index job on ``corpus``: it adds the documents the index lacks."""
    from ..api import build_index

    settings = directory.manifest().encoder
    options: dict[str, Any] = ({"encoder": encoder} if encoder is not None else
                               {"model": model_path(directory, settings),
                                "layers": settings.layers,
                                "pooling": settings.layer_pooling})
    build_index(corpus, directory.path, gold=gold, corpus_name=corpus_name or None,
                db_url=None if directory.db_url == directory._default_url() else directory.db_url,
                wordnet=wordnet, progress=progress, **options)
