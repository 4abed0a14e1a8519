"""Queries over an index: WSD, nearest usages, in-context similarity, evaluation."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from ..corpora import read_raganato
from ..corpora.tokenize import find_target, tokenize
from ..encoder import DEFAULT_MODEL, Encoder
from ..errors import IndexFormatError, InputError
from ..indexer import (
    WORDNET_CORPUS,
    IndexDirectory,
    document_key,
    index_documents,
    open_or_create,
    wordnet_documents,
)
from ..inventory import WordNet, default_wordnet
from ..paths import default_index_dir
from ..schema import Document, Sense, Sentence, Shard, Token
from ..store import group_key
from .metrics import score_predictions
from .results import Disambiguation, SenseScore, Usage

Words = str | Sequence[str]


@dataclass
class Target:
    """A located target: the encoder's words (a multiword target merged into one word) and
    the target's index among them."""

    words: list[str]
    index: int

    @property
    def surface(self) -> str:
        return self.words[self.index]


class SenseIndex:
    """An open index. ``path=None`` opens the default index, built from WordNet alone and
    extended lemma by lemma on first use (``autobuild``)."""

    def __init__(self, path: str | os.PathLike | None = None, *, db_url: str | None = None,
                 model: str | None = None, device: str | None = None,
                 wordnet: WordNet | None = None, autobuild: bool | None = None,
                 batch_tokens: int = 4096, encoder: Encoder | None = None) -> None:
        self.directory = IndexDirectory(path if path is not None else default_index_dir(),
                                        db_url)
        self.autobuild = (path is None) if autobuild is None else autobuild
        self.inventory = wordnet or default_wordnet()
        self._device, self._batch_tokens = device, batch_tokens
        self._encoder = encoder
        if not self.directory.exists():
            if not self.autobuild:
                raise IndexFormatError(
                    f"{self.directory.path}: no sensedb index here (build one with "
                    "`sensedb index CORPUS.data.xml --gold CORPUS.gold.key.txt --index DIR`)")
            encoder = self.encoder_for(model)
            with self.directory.lock():
                open_or_create(self.directory, encoder, self.inventory)
        manifest = self.directory.manifest()
        if encoder is not None:
            self.directory.check_encoder(encoder.describe())
        built_with = manifest["encoder"]["model"]
        if model not in (None, "", "default") and _model_name(model) != built_with:
            raise IndexFormatError(
                f"{self.directory.path}: index was built with model {built_with!r}, "
                f"not {model!r}")
        self._load()

    # ------------------------------------------------------------------ plumbing
    def encoder_for(self, model: str | None = None) -> Encoder:
        if self._encoder is None:
            settings = {}
            if self.directory.exists():
                described = self.directory.manifest()["encoder"]
                model = described["model"]
                settings = {"layers": described["layers"],
                            "pooling": described["layer_pooling"],
                            "max_length": described.get("max_length")}
            self._encoder = Encoder(model, device=self._device,
                                    batch_tokens=self._batch_tokens, **settings)
        return self._encoder

    @property
    def encoder(self) -> Encoder:
        return self.encoder_for()

    def _load(self) -> None:
        self.manifest = self.directory.manifest()
        self.normalizer = self.directory.normalizer(self.manifest)
        self.tokens, self.senses = self.directory.load_stores(self.manifest)
        with self.directory.db.session() as session:
            self._built_lemmas = set(session.execute(select(Document.key).where(
                Document.corpus == WORDNET_CORPUS)).scalars())

    def reload(self) -> None:
        """Pick up a newer generation written by another process."""
        self._load()

    def ensure(self, pairs: Iterable[tuple[str, str]], *, progress: bool = False) -> int:
        """Default index only: add WordNet's glosses and examples for lemmas not yet in it.
        Returns the number of lemmas added."""
        if not self.autobuild:
            return 0
        missing = []
        for lemma, pos in dict.fromkeys(pairs):
            senses = self.inventory.candidates(lemma, pos)
            if senses and document_key(senses[0].lemma, pos) not in self._built_lemmas:
                missing.append((senses[0].lemma, pos))
        if not missing:
            return 0
        with self.directory.lock():
            index_documents(self.directory, self.encoder, self.inventory,
                            wordnet_documents(self.inventory, missing), corpus=WORDNET_CORPUS,
                            progress=progress)
        self._load()
        return len(missing)

    def locate(self, sentence: Words, target: str | None = None,
               at: int | None = None) -> Target:
        """Tokenize (raw text) and find the target (first occurrence, or the one at token
        position ``at``); a multiword target becomes one word."""
        words = tokenize(sentence) if isinstance(sentence, str) else list(sentence)
        if not words:
            raise InputError("empty sentence")
        if target is None:
            if at is None:
                raise InputError("give a target word or a token position")
            if not 0 <= at < len(words):
                raise InputError(f"token position {at} is outside the sentence "
                                 f"({len(words)} tokens: {' '.join(words)})")
            start, end = at, at + 1
        else:
            start, end = find_target(words, target, at)
        merged = words[:start] + [" ".join(words[start:end])] + words[end:]
        return Target(merged, start)

    def query_vectors(self, targets: Sequence[Target], *, progress: bool = False) -> np.ndarray:
        """Normalized vectors of the targets in the index's space, (n, dim)."""
        if not targets:
            return np.zeros((0, self.tokens.dim), np.float32)
        sentences: dict[tuple[str, ...], int] = {}  # each sentence is encoded once
        for target in targets:
            sentences.setdefault(tuple(target.words), len(sentences))
        vectors = self.encoder.word_vectors([list(s) for s in sentences], progress=progress)
        raw = np.stack([vectors[sentences[tuple(t.words)]][t.index] for t in targets])
        return self.normalizer(raw)

    def lemma_candidates(self, surface: str, pos: str | None = None) -> list[tuple[str, str]]:
        pairs = self.inventory.lemmatize(surface, pos)
        if not pairs:
            as_pos = f" as {pos}" if pos else ""
            raise InputError(f'"{surface}" is not a word {self.inventory.name} knows{as_pos}')
        return pairs

    # ------------------------------------------------------------------ queries
    def wsd(self, sentence: Words, target: str | None = None, *, at: int | None = None,
            pos: str | None = None, k: int = 5) -> Disambiguation:
        """Rank the target's candidate senses by cosine to its usage (best first), with the
        ``k`` nearest labelled usages of the same lemma as evidence."""
        located = self.locate(sentence, target, at)
        pairs = self.lemma_candidates(located.surface, pos)
        self.ensure(pairs)
        vector = self.query_vectors([located])[0]
        return self.disambiguate(located, pairs, vector, k=k)

    def disambiguate(self, located: Target, pairs: list[tuple[str, str]], vector: np.ndarray,
                     *, k: int = 5) -> Disambiguation:
        candidates = [s for lemma, pos in pairs for s in self.inventory.candidates(lemma, pos)]
        rows = self._sense_rows(s.key for s in candidates)
        ids = [rows[s.key][0] for s in candidates if s.key in rows]
        scores = dict(zip(ids, (self.senses.vectors(ids) @ vector).tolist(), strict=True)) \
            if ids else {}
        ranked = []
        for order, sense in enumerate(candidates):
            row = rows.get(sense.key)
            score = scores.get(row[0]) if row else None
            ranked.append((order, SenseScore(
                key=sense.key, synset=sense.synset, lemma=sense.lemma, pos=sense.pos,
                score=None if score is None else round(float(score), 6), gloss=sense.gloss,
                support=row[1] if row else 0, rank=sense.rank, fallback=score is None)))
        ranked.sort(key=lambda item: (item[1].fallback, -(item[1].score or 0.0), item[0]))
        evidence = self.nearest(vector, pairs, k) if k > 0 else []
        best = ranked[0][1] if ranked else None
        return Disambiguation(
            target=located.surface, position=located.index,
            lemma=best.lemma if best else pairs[0][0], pos=best.pos if best else pairs[0][1],
            senses=[s for _, s in ranked], evidence=evidence)

    def neighbors(self, sentence: Words, target: str | None = None, *, at: int | None = None,
                  pos: str | None = None, k: int = 10, any_lemma: bool = False) -> list[Usage]:
        """The ``k`` labelled usages nearest to the target's usage: of the same lemma (any of
        its candidate lemma/POS), or of any word with ``any_lemma``."""
        located = self.locate(sentence, target, at)
        pairs = None if any_lemma else self.lemma_candidates(located.surface, pos)
        if pairs:
            self.ensure(pairs)
        vector = self.query_vectors([located])[0]
        return self.nearest(vector, pairs, k)

    def nearest(self, vector: np.ndarray, pairs: list[tuple[str, str]] | None,
                k: int) -> list[Usage]:
        groups = None if pairs is None else [group_key(lemma, pos) for lemma, pos in pairs]
        scores, ids = self.tokens.search(vector[None, :], k, groups)
        found = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        return self.usages(found)

    def similarity(self, sentence_a: Words, target_a: str | None, sentence_b: Words,
                   target_b: str | None, *, at_a: int | None = None,
                   at_b: int | None = None) -> float:
        """Cosine of two usages in the index's space (standardized if the index is)."""
        a = self.locate(sentence_a, target_a, at_a)
        b = self.locate(sentence_b, target_b, at_b)
        va, vb = self.query_vectors([a, b])
        return float(va @ vb)

    def evaluate(self, data: str | os.PathLike, gold: str | os.PathLike, *,
                 out: str | os.PathLike | None = None, progress: bool = False) -> dict:
        """Disambiguate every instance of a data set in the unified format of Raganato et al.
        (2017) and score it like the framework's scorer (precision, recall, F1 in percent)."""
        instances, targets = [], []
        for document in read_raganato(data, gold, key_check=self.inventory.has_key):
            for sentence in document.sentences:
                words = sentence.words
                for position, token in enumerate(sentence.tokens):
                    if token.instance_id is not None:
                        instances.append(token)
                        targets.append(Target(words, position))
        if not instances:
            raise InputError("no instances to evaluate", path=str(data))
        self.ensure(((t.lemma, t.pos) for t in instances), progress=progress)
        vectors = self.query_vectors(targets, progress=progress)
        predictions, gold_keys, pos_of = {}, {}, {}
        fallbacks = 0
        for token, target, vector in zip(instances, targets, vectors, strict=True):
            answer = self.disambiguate(target, [(token.lemma, token.pos)], vector, k=0)
            predictions[token.instance_id] = answer.best.key if answer.best else None
            fallbacks += answer.fallback
            gold_keys[token.instance_id] = token.senses
            pos_of[token.instance_id] = token.pos
        result = score_predictions(predictions, gold_keys, pos_of)
        result["fallbacks"] = fallbacks
        if out is not None:
            Path(out).write_text("".join(f"{i} {k}\n" for i, k in predictions.items() if k))
        return result

    def info(self) -> dict:
        """What the index holds and how it was built."""
        with self.directory.db.session() as session:
            def count(table) -> int:
                return int(session.execute(select(func.count()).select_from(table)).scalar())

            corpora = dict(session.execute(
                select(Document.corpus, func.count()).group_by(Document.corpus)).all())
            counts = {"documents": count(Document), "sentences": count(Sentence),
                      "tokens": count(Token), "senses": count(Sense), "shards": count(Shard)}
        manifest = self.manifest
        files = [p for p in self.directory.path.rglob("*") if p.is_file()]
        return {
            "path": str(self.directory.path), "database": self.directory.db_url,
            "default_index": self.autobuild, "encoder": manifest["encoder"],
            "standardize": manifest["standardize"], "inventory": manifest["inventory"],
            "generation": manifest["generation"], "versions": manifest["versions"],
            "corpora": corpora, **counts,
            "token_vectors": self.tokens.ntotal, "sense_vectors": self.senses.ntotal,
            "disk_bytes": sum(p.stat().st_size for p in files),
        }

    def check(self) -> None:
        """Verify the FAISS ids against the database rows (IndexFormatError if they differ)."""
        with self.directory.db.session() as session:
            token_ids = session.execute(select(Token.id)).scalars().all()
            sense_ids = session.execute(select(Sense.id).where(Sense.count > 0)).scalars().all()
        self.tokens.check_ids(token_ids, "token index")
        self.senses.check_ids(sense_ids, "sense index")

    # ------------------------------------------------------------------ rows
    def _sense_rows(self, keys: Iterable[str]) -> dict[str, tuple[int, int]]:
        keys = list(keys)
        if not keys:
            return {}
        with self.directory.db.session() as session:
            rows = session.execute(select(Sense.key, Sense.id, Sense.count).where(
                Sense.key.in_(keys), Sense.count > 0)).all()
        return {row.key: (row.id, row.count) for row in rows}

    def usages(self, found: list[tuple[int, float]]) -> list[Usage]:
        """Labelled usages for (token id, score) pairs, in the given order."""
        if not found:
            return []
        ids = [i for i, _ in found]
        with self.directory.db.session() as session:
            rows = session.execute(
                select(Token.id, Token.surface, Token.lemma, Token.pos, Token.sense_keys,
                       Token.position, Sentence.text, Document.key, Document.corpus)
                .join(Sentence, Token.sentence_id == Sentence.id)
                .join(Document, Sentence.document_id == Document.id)
                .where(Token.id.in_(ids))).all()
        by_id = {row.id: row for row in rows}
        usages = []
        for token_id, score in found:
            row = by_id.get(token_id)
            if row is None:
                raise IndexFormatError(
                    f"{self.directory.path}: token {token_id} is in FAISS but not in the "
                    "database; run `sensedb info --check`")
            usages.append(Usage(token_id=token_id, score=round(score, 6), surface=row.surface,
                                lemma=row.lemma, pos=row.pos, senses=row.sense_keys.split(),
                                sentence=row.text, position=row.position,
                                document=row.key, corpus=row.corpus))
        return usages


def _model_name(model: str) -> str:
    return DEFAULT_MODEL if model in ("default", DEFAULT_MODEL) else model


def open(path: str | os.PathLike | None = None, **options) -> SenseIndex:  # noqa: A001
    """Open an index directory (``None``: the default WordNet index)."""
    return SenseIndex(path, **options)
