"""WordNet's evidence vectors, encoded once per machine and shared by every index.

The vectors an index adds for a lemma (``wordnet_vectors``) are a function of the encoder
and the text alone: the model's sentence vector of each sense's ``lemma: gloss`` text, and the
raw vector (the index's layers and pooling) of the lemma in each WordNet usage example. Two
indexes with the same encoder setting (``Encoder.describe``) would encode the same texts to
the same vectors; the first to need them encodes them and keeps them here, the others read
them. ``sensedb default-index --all`` encodes every lemma once, after which any index of the
default model adds WordNet evidence without an encoder pass.

The vectors live in one SQLite file beside the default index (``$SENSEDB_HOME/
wordnet-evidence.sqlite``), keyed by a digest of the encoder setting and the text (for an
example, its words and the lemma's position), as float32 bytes. It is a cache: deleting it
loses nothing, and one that cannot be read or written is passed over (a warning, then the
encoder). ``SENSEDB_SHARED_EVIDENCE=0`` turns it off; ``SENSEDB_SHARED_EVIDENCE=FILE`` keeps
it in FILE. Written with the standard library's
``sqlite3`` rather than an index's SQLAlchemy database: it is a key-value file with one
table, shared by processes that may hold no index open (WAL mode lets them read while one
writes).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..corpora import Document
from ..encoder import Encoder
from ..paths import data_dir
from .job import Encode, Encoded
from .report import JobReport

log = logging.getLogger(__name__)

FILE_NAME = "wordnet-evidence.sqlite"
_SCHEMA = ("CREATE TABLE IF NOT EXISTS vectors (setting TEXT NOT NULL, key TEXT NOT NULL, "
           "vector BLOB NOT NULL, PRIMARY KEY (setting, key)) WITHOUT ROWID")


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:32]


class SharedEvidence:
    """The shared evidence file at ``path`` (default: :func:`default_path`) for ``encoder``.

    :meth:`sentence_vectors` and :meth:`encode_stage` answer from the file what it holds and
    encode the rest in one pass, keeping what they encoded."""

    def __init__(self, encoder: Encoder, path: str | os.PathLike | None = None) -> None:
        self.encoder = encoder
        self.path = Path(path) if path is not None else default_path()
        described = encoder.describe()
        self._words_setting = "words:" + _digest(described)
        # a sentence vector is the model's own pooling: the layer setting plays no part
        self._sentence_setting = "sentence:" + _digest(
            {k: described.get(k) for k in ("model", "dim", "max_length", "weights")})
        self._connection: sqlite3.Connection | None = None
        self._broken = False
        self.hits = self.misses = 0  # vectors read here / encoded (for reports and tests)

    # ------------------------------------------------------------------ the file
    def _db(self) -> sqlite3.Connection | None:
        if self._broken:
            return None
        if self._connection is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=30)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute(_SCHEMA)
                self._connection = connection
            except (sqlite3.Error, OSError) as exc:
                self._give_up(exc)
        return self._connection

    def _give_up(self, exc: Exception) -> None:
        log.warning("%s: shared WordNet evidence unavailable (%s); encoding instead",
                    self.path, exc)
        self._broken = True
        self._connection = None

    def _read(self, setting: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        db = self._db()
        if db is None or not keys:
            return {}
        found: dict[str, np.ndarray] = {}
        try:
            for start in range(0, len(keys), 500):
                part = list(keys[start:start + 500])
                marks = ",".join("?" * len(part))
                for key, blob in db.execute(
                        f"SELECT key, vector FROM vectors WHERE setting = ? AND key IN ({marks})",
                        [setting, *part]):
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if len(vector) == self.encoder.dim:
                        found[key] = vector
        except sqlite3.Error as exc:
            self._give_up(exc)
            return {}
        return found

    def _write(self, setting: str, items: dict[str, np.ndarray]) -> None:
        db = self._db()
        if db is None or not items:
            return
        try:
            with db:
                db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)",
                               [(setting, key, np.asarray(v, dtype=np.float32).tobytes())
                                for key, v in items.items()])
        except sqlite3.Error as exc:
            self._give_up(exc)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # ------------------------------------------------------------------ vectors
    def sentence_vectors(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """``Encoder.sentence_vectors`` of ``texts``: (n_texts, dim) float32, those the file
        lacks encoded in one pass (and kept)."""
        texts = list(texts)
        found = self._read(self._sentence_setting, list(dict.fromkeys(texts)))
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            encoded = self.encoder.sentence_vectors(missing, progress=progress)
            new = dict(zip(missing, encoded, strict=True))
            self._write(self._sentence_setting, new)
            found.update(new)
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if not texts:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack([found[t] for t in texts]).astype(np.float32, copy=False)

    def encode_stage(self) -> Encode:
        """An ``encode`` stage for ``index_documents`` over WordNet's example documents: the
        raw vector of each *labelled* word comes from the file or from one encoder pass over
        the sentences the file lacks; every other word's row is zero. Only for WordNet's
        corpus, whose chunks use their labelled rows alone (its words do not move the
        index's normalization statistics: ``chunks.commit_chunk``)."""
        def encode(pending: Iterator[list[Document]], report: JobReport) -> Iterator[Encoded]:
            for chunk in pending:
                yield (chunk, *self._labelled_matrix(chunk))

        return encode

    def _labelled_matrix(self, chunk: list[Document]) -> tuple[np.ndarray, np.ndarray]:
        sentences = [s for d in chunk for s in d.sentences]
        offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(s.tokens) for s in sentences])
        matrix = np.zeros((int(offsets[-1]), self.encoder.dim), dtype=np.float32)
        wanted: dict[str, list[int]] = {}  # key -> rows of the matrix
        keys_of: list[list[tuple[str, int]]] = []
        for number, sentence in enumerate(sentences):
            words = sentence.words
            text = "\x1f".join(words)
            labelled = [(f"{text}\x1e{p}", int(offsets[number]) + p)
                        for p, token in enumerate(sentence.tokens) if token.senses]
            keys_of.append(labelled)
            for key, row in labelled:
                wanted.setdefault(key, []).append(row)
        found = self._read(self._words_setting, list(wanted))
        todo = [n for n, labelled in enumerate(keys_of)
                if any(key not in found for key, _ in labelled)]
        if todo:
            encoded, encoded_offsets = self.encoder.word_matrix(
                [sentences[n].words for n in todo])
            new = {}
            for at, n in enumerate(todo):
                first = int(encoded_offsets[at])
                for key, row in keys_of[n]:
                    new[key] = encoded[first + row - int(offsets[n])]
            self._write(self._words_setting, new)
            found.update(new)
        self.hits += len(wanted) - sum(len(keys_of[n]) for n in todo)
        self.misses += sum(len(keys_of[n]) for n in todo)
        for key, rows in wanted.items():
            matrix[rows] = found[key]
        return matrix, offsets


def default_path() -> Path:
    """``$SENSEDB_HOME/wordnet-evidence.sqlite`` (see ``sensedb.paths.data_dir``)."""
    return data_dir() / FILE_NAME


def shared_evidence(encoder: Encoder) -> SharedEvidence | None:
    """The shared evidence for ``encoder``: in :func:`default_path`, or in the file that
    ``SENSEDB_SHARED_EVIDENCE`` names; None when that variable is ``0``/``off``/``false``/
    ``no`` (every index then encodes its own)."""
    setting = os.environ.get("SENSEDB_SHARED_EVIDENCE", "").strip()
    if setting.lower() in ("0", "off", "false", "no"):
        return None
    return SharedEvidence(encoder, setting if setting.lower() not in ("", "1", "on", "true",
                                                                       "yes") else None)
