"""Queries over an index: WSD, nearest usages, in-context similarity, evaluation."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from ..corpora import read_raganato
from ..corpora.tokenize import find_target, tokenize
from ..encoder import DEFAULT_MODEL, Encoder
from ..errors import ConfigurationError, IndexFormatError, IndexLockedError, InputError
from ..indexer import (
    EXAMPLES,
    SENSES,
    TOKENS,
    WORDNET,
    WORDNET_CORPUS,
    IndexDirectory,
    open_or_create,
)
from ..indexer.wordnet_vectors import add_wordnet_vectors, missing_lemmas
from ..inventory import SenseInfo, WordNet, default_wordnet
from ..paths import default_index_dir
from ..schema import (
    Database,
    DocumentRow,
    SenseRow,
    SentenceRow,
    ShardRow,
    TokenRow,
    WordNetSenseRow,
)
from ..store import Normalizer, group_key
from . import scoring
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


@dataclass
class CandidateEvidence:
    """What one usage's candidate senses are scored on (see ``SenseIndex.candidate_evidence``)."""

    vector: np.ndarray  # the usage's vector in the index's space
    candidates: list[SenseInfo]
    features: np.ndarray  # (candidates, len(scoring.FEATURES))
    corpus_cos: list[float | None]
    support: list[int]
    fallback: list[bool]
    near: list[tuple[int, float]]  # (token id, cosine) of the lemma's labelled tokens, best first


class SenseIndex:
    """An open index. ``path=None`` opens the default index, built from WordNet alone and
    extended lemma by lemma on first use (``autobuild``).

    ``wordnet_evidence``: add WordNet's gloss and example vectors of a lemma to the index the
    first time the lemma is queried (any index; False for a read-only one).
    ``scoring_method="cosine"``: the textbook method, argmax of the cosine to the corpus
    sense vectors (no WordNet evidence, no prior but WordNet's order for unseen senses).
    ``use_examples=False`` leaves WordNet's usage examples out of every answer (WiC is built
    from them).
    ``propagate=True``: a candidate without labelled corpus tokens takes its corpus cosine
    from a vector propagated through WordNet, as LMMS does: the mean corpus vector of its
    synset's other senses, else of its hypernyms' senses (``has_corpus`` stays 0)."""

    def __init__(self, path: str | os.PathLike | None = None, *, db_url: str | None = None,
                 model: str | None = None, device: str | None = None,
                 wordnet: WordNet | None = None, autobuild: bool | None = None,
                 batch_tokens: int = 4096, encoder: Encoder | None = None,
                 wordnet_evidence: bool = True, use_examples: bool = True,
                 scoring_method: str = "evidence", propagate: bool = False) -> None:
        self.directory = IndexDirectory(path if path is not None else default_index_dir(),
                                        db_url)
        self.autobuild = (path is None) if autobuild is None else autobuild
        # WordNet's glosses and examples are added to any index lemma by lemma on first use
        self.wordnet_evidence = wordnet_evidence
        self.use_examples = use_examples  # False: leave WordNet's examples out of the evidence
        self.propagate = propagate
        if scoring_method not in ("evidence", "cosine"):
            raise ConfigurationError(
                f"unknown scoring method {scoring_method!r}: use 'evidence' or 'cosine'")
        self.scoring_method = scoring_method
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
                open_or_create(self.directory, encoder, self.inventory,
                               scoring=scoring.DEFAULT_WEIGHTS)
        manifest = self.directory.manifest()
        if self.autobuild and manifest.scoring != scoring.DEFAULT_WEIGHTS:
            # the default index is the package's own: it follows the package's weights (an
            # index a user built keeps the weights in its manifest)
            try:
                with self.directory.lock(), self.directory.db.session() as session:
                    Database.set_manifest(session, {"scoring": scoring.DEFAULT_WEIGHTS})
            except IndexLockedError:  # another process is writing it: it will update it
                pass
        if encoder is not None:
            self.directory.check_encoder(encoder.describe())
        built_with = manifest.encoder.model
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
                described = self.directory.manifest().encoder
                model = described.model
                settings = {"layers": described.layers, "pooling": described.layer_pooling,
                            "max_length": described.max_length}
            self._encoder = Encoder(model, device=self._device,
                                    batch_tokens=self._batch_tokens, **settings)
        return self._encoder

    @property
    def encoder(self) -> Encoder:
        return self.encoder_for()

    def _load(self) -> None:
        self._row_cache: dict[str, dict] = {}
        self.manifest = self.directory.manifest()
        self.normalizer = self.manifest.normalizer()
        stores = self.directory.load_stores(self.manifest)
        self.tokens, self.senses = stores[TOKENS], stores[SENSES]
        self.examples, self.wordnet_senses = stores[EXAMPLES], stores[WORDNET]
        table = scoring.DEFAULT_WEIGHTS if self.autobuild else self.manifest.scoring
        self.weights = scoring.weights_for(table, corpus=self.tokens.ntotal > 0,
                                           method=self.scoring_method)
        with self.directory.db.session() as session:
            self._built_lemmas = set(session.execute(select(DocumentRow.key).where(
                DocumentRow.corpus == WORDNET_CORPUS)).scalars())

    def reload(self) -> None:
        """Pick up a newer generation written by another process."""
        self._load()

    def ensure(self, pairs: Iterable[tuple[str, str]], *, progress: bool = False) -> int:
        """Add WordNet's evidence (example tokens, gloss vectors) for the lemmas not yet in
        the index. Returns the number of lemmas added; 0 when another process is writing the
        index (the answer then uses the evidence already there)."""
        if not self.wordnet_evidence or self.scoring_method == "cosine":
            return 0
        missing = missing_lemmas(self.inventory, pairs, self._built_lemmas)
        if not missing:
            return 0
        try:
            add_wordnet_vectors(self.directory, self.encoder, self.inventory, missing,
                                progress=progress)
        except IndexLockedError as exc:
            warnings.warn(f"{exc}; answering without WordNet evidence for {len(missing)} "
                          "new lemmas", stacklevel=2)
            return 0
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

    def query_vectors(self, targets: Sequence[Target], *, progress: bool = False,
                      raw: bool = False) -> np.ndarray:
        """Vectors of the targets, (n, dim): normalized in the index's space, or the encoder's
        raw vectors with ``raw=True``."""
        if not targets:
            return np.zeros((0, self.tokens.dim), np.float32)
        sentences: dict[tuple[str, ...], int] = {}  # each sentence is encoded once
        for target in targets:
            sentences.setdefault(tuple(target.words), len(sentences))
        vectors = self.encoder.word_vectors([list(s) for s in sentences], progress=progress)
        found = np.stack([vectors[sentences[tuple(t.words)]][t.index] for t in targets])
        return found if raw else self.normalizer(found)

    def lemma_candidates(self, surface: str, pos: str | None = None) -> list[tuple[str, str]]:
        pairs = self.inventory.lemmatize(surface, pos)
        if not pairs:
            as_pos = f" as {pos}" if pos else ""
            raise InputError(f'"{surface}" is not a word {self.inventory.name} knows{as_pos}')
        return pairs

    # ------------------------------------------------------------------ queries
    def wsd(self, sentence: Words, target: str | None = None, *, at: int | None = None,
            pos: str | None = None, k: int = 5) -> Disambiguation:
        """Rank the target's candidate senses (best first) by the evidence score, with the
        ``k`` nearest labelled usages of the same lemma as evidence."""
        located = self.locate(sentence, target, at)
        pairs = self.lemma_candidates(located.surface, pos)
        self.ensure(pairs)
        raw = self.query_vectors([located], raw=True)[0]
        return self.disambiguate(located, pairs, raw, k=k)

    @property
    def uses_context(self) -> bool:
        """Whether the scoring weighs the sentence-vs-gloss feature (else no sentence vectors
        are computed)."""
        return bool(self.weights[scoring.FEATURES.index("context_gloss_cos")])

    def context_vectors(self, targets: Sequence[Target], *, force: bool = False
                        ) -> list[np.ndarray | None]:
        """The model's sentence vector of each target's sentence (normalized), or None for
        each when the scoring does not use it (unless ``force``)."""
        if not (self.uses_context or force):
            return [None] * len(targets)
        sentences: dict[str, int] = {}
        for target in targets:
            sentences.setdefault(" ".join(target.words), len(sentences))
        vectors = Normalizer(None, False)(self.encoder.sentence_vectors(list(sentences)))
        return [vectors[sentences[" ".join(t.words)]] for t in targets]

    def candidate_evidence(self, located: Target, pairs: list[tuple[str, str]],
                           raw: np.ndarray, *, context: np.ndarray | None = None,
                           every_feature: bool = False) -> CandidateEvidence:
        """Every candidate sense of ``pairs`` with its feature row (``scoring.FEATURES``) for
        the usage whose raw encoder vector is ``raw``; ``context``: the sentence's vector, or
        None to leave the sentence-vs-gloss feature out. The nearest-token feature needs every
        labelled token of the lemma ranked: it is computed only when weighted or when
        ``every_feature`` (else only the vote's few neighbours are searched)."""
        vector, plain = self.normalizer(raw), Normalizer(None, False)(raw)
        candidates = [s for lemma, pos in pairs for s in self.inventory.candidates(lemma, pos)]
        corpus = self._sense_rows(s.key for s in candidates)
        wordnet = self._wordnet_rows(s.key for s in candidates)
        corpus_cos = self._cosines(self.senses, [corpus.get(s.key) for s in candidates], vector)
        if self.propagate and self.senses.ntotal:
            for n, sense in enumerate(candidates):
                if corpus_cos[n] is None:
                    propagated = self._propagated_vector(sense)
                    if propagated is not None:
                        corpus_cos[n] = float(propagated @ vector)
        gloss_cos = self._cosines(self.wordnet_senses,
                                  [wordnet.get((s.key, "gloss")) for s in candidates], plain)
        example_cos = self._cosines(
            self.wordnet_senses, [wordnet.get((s.key, "examples")) if self.use_examples
                                  else None for s in candidates], vector)
        context_cos = self._cosines(self.wordnet_senses,
                                    [wordnet.get((s.key, "gloss")) if context is not None
                                     else None for s in candidates], context)
        # every labelled corpus token of the lemma(s), best first: the vote and the nearest
        groups = [group_key(lemma, pos) for lemma, pos in pairs]
        size = sum(self.tokens.group_size(g) for g in groups)
        if not (every_feature or self.weights[scoring.FEATURES.index("nn_cos")]):
            size = min(size, scoring.VOTE_K)
        near_scores, near_ids = self.tokens.search(vector[None, :], size, groups)
        near = [(int(i), float(c)) for i, c in zip(near_ids[0], near_scores[0], strict=True)
                if i >= 0]
        keys_of = self._token_keys([i for i, _ in near])
        voters = keys_of[:scoring.VOTE_K]
        nearest_of: dict[str, float] = {}
        for keys, (_, cos) in zip(keys_of, near, strict=True):
            for key in keys:
                nearest_of.setdefault(key, cos)
        features = np.array([scoring.candidate_features(
            corpus_cos=corpus_cos[n], support=corpus.get(s.key, (0, 0))[1],
            vote=sum(s.key in keys for keys in voters) / max(len(voters), 1),
            gloss_cos=gloss_cos[n], example_cos=example_cos[n],
            wordnet_count=s.count, rank=s.rank, nn_cos=nearest_of.get(s.key),
            context_gloss_cos=context_cos[n]) for n, s in enumerate(candidates)]
            ).reshape(len(candidates), len(scoring.FEATURES))
        support = [corpus.get(s.key, (0, 0))[1] for s in candidates]
        fallback = [corpus_cos[n] is None and gloss_cos[n] is None and example_cos[n] is None
                    for n in range(len(candidates))]
        return CandidateEvidence(vector, candidates, features, corpus_cos, support, fallback,
                                 near)

    def disambiguate(self, located: Target, pairs: list[tuple[str, str]], raw: np.ndarray,
                     *, k: int = 5, context: np.ndarray | None = None) -> Disambiguation:
        """Score every candidate sense of ``pairs`` for the usage whose raw encoder vector is
        ``raw``: w · features (see ``scoring``), probabilities by softmax over candidates.
        ``context``: the sentence's vector (``context_vectors``), computed when not given."""
        if context is None:
            context = self.context_vectors([located])[0]
        found = self.candidate_evidence(located, pairs, raw, context=context)
        vector, candidates, features = found.vector, found.candidates, found.features
        corpus_cos, near = found.corpus_cos, found.near
        scores = features @ self.weights if len(candidates) else np.zeros(0)
        probabilities = scoring.softmax(scores)
        order = sorted(range(len(candidates)), key=lambda n: (-scores[n], n))
        ranked = [SenseScore(
            key=s.key, synset=s.synset, lemma=s.lemma, pos=s.pos,
            score=round(float(scores[n]), 6), gloss=s.gloss,
            support=found.support[n], rank=s.rank, fallback=found.fallback[n],
            probability=round(float(probabilities[n]), 6),
            cosine=None if corpus_cos[n] is None else round(corpus_cos[n], 6))
            for n, s in ((n, candidates[n]) for n in order)]
        decided_by = scoring.decided_by(features[order[:2]], self.weights) \
            if len(order) > 1 else "single candidate"
        evidence = self.nearest(vector, pairs, k) if k > 0 else []
        nearest = ([near[0][1]] if near else []) + [u.score for u in evidence]
        nearest_cos = max(nearest, default=None)
        best = ranked[0] if ranked else None
        return Disambiguation(
            target=located.surface, position=located.index,
            lemma=best.lemma if best else pairs[0][0], pos=best.pos if best else pairs[0][1],
            senses=ranked, evidence=evidence, decided_by=decided_by,
            margin=round(float(probabilities[order[0]] - probabilities[order[1]]), 6)
            if len(order) > 1 else 1.0,
            nearest_cosine=None if nearest_cos is None else round(nearest_cos, 6),
            novel=nearest_cos is not None and nearest_cos < scoring.NOVELTY_COSINE)

    @staticmethod
    def _cosines(store, rows: list[tuple[int, int] | None], vector: np.ndarray | None
                 ) -> list[float | None]:
        ids = [row[0] for row in rows if row is not None]
        if not ids:
            return [None] * len(rows)
        found = iter((store.vectors(ids) @ vector).tolist())
        return [None if row is None else next(found) for row in rows]

    def tag(self, text: str, *, one_sense_per_discourse: bool = False,
            min_confidence: float = 0.0, progress: bool = False) -> list:
        """Tag every content word of raw ``text`` that WordNet knows (see ``tagger``)."""
        from .tagger import tag_text

        return tag_text(self, text, one_sense_per_discourse=one_sense_per_discourse,
                        min_confidence=min_confidence, progress=progress)

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
        """The k labelled usages nearest to ``vector`` (normalized, index space): corpus
        tokens and, unless ``use_examples`` is off, WordNet's example tokens."""
        groups = None if pairs is None else [group_key(lemma, pos) for lemma, pos in pairs]
        stores = [self.tokens] + ([self.examples] if self.use_examples else [])
        found = []
        for store in stores:
            scores, ids = store.search(vector[None, :], k, groups)
            found += [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True)
                      if i >= 0]
        found.sort(key=lambda item: -item[1])
        return self.usages(found[:k])

    def similarity(self, sentence_a: Words, target_a: str | None, sentence_b: Words,
                   target_b: str | None, *, at_a: int | None = None,
                   at_b: int | None = None) -> float:
        """Cosine of two usages in the index's space (standardized if the index is)."""
        a = self.locate(sentence_a, target_a, at_a)
        b = self.locate(sentence_b, target_b, at_b)
        va, vb = self.query_vectors([a, b])
        return float(va @ vb)

    def evaluate(self, data: str | os.PathLike, gold: str | os.PathLike, *,
                 out: str | os.PathLike | None = None, progress: bool = False,
                 min_confidence: float = 0.0, one_sense_per_discourse: bool = False) -> dict:
        """Disambiguate every instance of a data set in the unified format of Raganato et al.
        (2017) and score it like the framework's scorer (precision, recall, F1 in percent).

        Also reports coverage, how many answers each kind of evidence decided and how many
        fell back to WordNet's order. ``min_confidence``: abstain below that probability."""
        instances, targets, vectors, contexts = self._instances(data, gold, progress,
                                                                self.uses_context)
        answers = [self.disambiguate(target, [(token.lemma, token.pos)], vector, k=0,
                                     context=context)
                   for token, target, vector, context
                   in zip(instances, targets, vectors, contexts, strict=True)]
        if one_sense_per_discourse:  # the flag shadows the function of the same name
            answers = _agree_within_discourse(
                answers, [_document_of(t.instance_id) for t in instances])
        predictions, gold_keys, pos_of = {}, {}, {}
        decided: dict[str, int] = {}
        fallbacks = abstained = 0
        for token, answer in zip(instances, answers, strict=True):
            best = answer.best
            if best is not None and answer.confidence < min_confidence:
                best = None
                abstained += 1
            predictions[token.instance_id] = best.key if best else None
            fallbacks += answer.fallback
            decided[answer.decided_by] = decided.get(answer.decided_by, 0) + 1
            gold_keys[token.instance_id] = token.senses
            pos_of[token.instance_id] = token.pos
        result = score_predictions(predictions, gold_keys, pos_of)
        result["fallbacks"] = fallbacks
        result["abstained"] = abstained
        result["coverage"] = round(100.0 * result["answered"] / result["n"], 2)
        result["decided_by"] = dict(sorted(decided.items()))
        if out is not None:
            Path(out).write_text("".join(f"{i} {k}\n" for i, k in predictions.items() if k))
        return result

    def instance_features(self, data: str | os.PathLike, gold: str | os.PathLike, *,
                          progress: bool = False) -> list[tuple[np.ndarray, np.ndarray, dict]]:
        """Per instance of a labelled data set: the candidates' feature matrix (every feature,
        the sentence-vs-gloss one included), which candidates are gold, and
        ``{"id", "pos", "keys"}``; what scoring weights are tuned on (scripts/tune_weights.py)."""
        instances, targets, vectors, contexts = self._instances(data, gold, progress, True)
        rows = []
        for token, target, vector, context in zip(instances, targets, vectors, contexts,
                                                  strict=True):
            found = self.candidate_evidence(target, [(token.lemma, token.pos)], vector,
                                            context=context, every_feature=True)
            keys = [s.key for s in found.candidates]
            rows.append((found.features, np.array([k in token.senses for k in keys]),
                         {"id": token.instance_id, "pos": token.pos, "keys": keys}))
        return rows

    def _instances(self, data, gold, progress: bool, with_context: bool):
        """The instance tokens of a data set, their targets, raw vectors and sentence vectors
        (None each unless ``with_context``)."""
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
        self.prefetch((t.lemma, t.pos) for t in instances)
        vectors = self.query_vectors(targets, progress=progress, raw=True)
        contexts = (self.context_vectors(targets, force=True) if with_context
                    else [None] * len(targets))
        return instances, targets, vectors, contexts

    def info(self) -> dict:
        """What the index holds and how it was built."""
        with self.directory.db.session() as session:
            def count(table) -> int:
                return int(session.execute(select(func.count()).select_from(table)).scalar())

            corpora = dict(session.execute(
                select(DocumentRow.corpus, func.count()).group_by(DocumentRow.corpus)).all())
            counts = {"documents": count(DocumentRow), "sentences": count(SentenceRow),
                      "tokens": count(TokenRow), "senses": count(SenseRow),
                      "shards": count(ShardRow)}
        manifest = self.manifest
        files = [p for p in self.directory.path.rglob("*") if p.is_file()]
        return {
            "path": str(self.directory.path), "database": self.directory.db_url,
            "default_index": self.autobuild, "encoder": manifest.encoder.to_dict(),
            "standardize": manifest.standardize, "inventory": manifest.inventory,
            "generations": dict(manifest.generations),
            "versions": manifest.versions,
            "corpora": corpora, **counts,
            "token_vectors": self.tokens.ntotal, "sense_vectors": self.senses.ntotal,
            "example_vectors": self.examples.ntotal,
            "wordnet_sense_vectors": self.wordnet_senses.ntotal,
            "scoring_weights": dict(zip(scoring.FEATURES, self.weights.tolist(), strict=True)),
            "disk_bytes": sum(p.stat().st_size for p in files),
        }

    def check(self) -> None:
        """Verify the FAISS ids against the database rows (IndexFormatError if they differ)."""
        with self.directory.db.session() as session:
            tokens = session.execute(
                select(TokenRow.id, DocumentRow.corpus)
                .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
                .join(DocumentRow, SentenceRow.document_id == DocumentRow.id)).all()
            sense_ids = session.execute(
                select(SenseRow.id).where(SenseRow.count > 0)).scalars().all()
            wordnet_ids = session.execute(
                select(WordNetSenseRow.id).where(WordNetSenseRow.count > 0)).scalars().all()
        self.tokens.check_ids((i for i, c in tokens if c != WORDNET_CORPUS), "token index")
        self.examples.check_ids((i for i, c in tokens if c == WORDNET_CORPUS), "example index")
        self.senses.check_ids(sense_ids, "sense index")
        self.wordnet_senses.check_ids(wordnet_ids, "WordNet sense index")

    # ------------------------------------------------------------------ rows
    # Row lookups are cached until the next reload (rows change only through an index job or
    # ``ensure``, both of which reload): a text's words share lemmas, and three small queries
    # per word were most of the time ``tag`` spent beyond encoding.
    def _cached(self, table: str, items: Iterable, fetch) -> dict:
        """``{item: value}`` for ``items`` from the ``table`` cache; the missing ones come from
        ``fetch(session, part)``, which returns a value for every item of ``part``."""
        items = list(dict.fromkeys(items))
        cache = self._row_cache.setdefault(table, {})
        for part in Database.in_batches([i for i in items if i not in cache]):
            with self.directory.db.session() as session:
                cache.update(fetch(session, part))
        return {i: cache[i] for i in items}

    def _sense_rows(self, keys: Iterable[str]) -> dict[str, tuple[int, int]]:
        def fetch(session, part):
            rows = {row.key: (row.id, row.count) for row in session.execute(
                select(SenseRow.key, SenseRow.id, SenseRow.count).where(
                    SenseRow.key.in_(part), SenseRow.count > 0))}
            return {k: rows.get(k) for k in part}

        return {k: row for k, row in self._cached("senses", keys, fetch).items()
                if row is not None}

    def _wordnet_rows(self, keys: Iterable[str]) -> dict[tuple[str, str], tuple[int, int]]:
        def fetch(session, part):
            found: dict[str, dict[str, tuple[int, int]]] = {k: {} for k in part}
            for row in session.execute(select(
                    WordNetSenseRow.key, WordNetSenseRow.source, WordNetSenseRow.id,
                    WordNetSenseRow.count)
                    .where(WordNetSenseRow.key.in_(part), WordNetSenseRow.count > 0)):
                found[row.key][row.source] = (row.id, row.count)
            return found

        return {(k, source): row for k, sources in self._cached("wordnet", keys, fetch).items()
                for source, row in sources.items()}

    def _token_keys(self, ids: list[int]) -> list[list[str]]:
        """The gold sense keys of these tokens, in order."""
        def fetch(session, part):
            rows = dict(session.execute(select(TokenRow.id, TokenRow.sense_keys)
                                        .where(TokenRow.id.in_(part))).all())
            return {i: rows[i].split() if i in rows else [] for i in part}

        found = self._cached("token_keys", ids, fetch)
        return [found[i] for i in ids]

    def _propagated_vector(self, sense: SenseInfo) -> np.ndarray | None:
        """LMMS-style propagation: the normalized mean corpus vector of the senses of the
        sense's synset, else of its hypernyms' synsets; None when neither has any."""
        cache = self._row_cache.setdefault("propagated", {})
        if sense.key not in cache:
            found = None
            for synsets in ([sense.synset], self.inventory.hypernyms(sense.synset)):
                keys = [s.key for name in synsets for s in self.inventory.synset_senses(name)]
                rows = self._sense_rows(keys)
                if rows:
                    found = Normalizer(None, False)(
                        self.senses.vectors([row[0] for row in rows.values()]).mean(0))
                    break
            cache[sense.key] = found
        return cache[sense.key]

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Look up the rows of every candidate sense of ``pairs`` in a few queries (before
        scoring many usages)."""
        keys = [s.key for lemma, pos in set(pairs) for s in self.inventory.candidates(lemma, pos)]
        self._sense_rows(keys)
        self._wordnet_rows(keys)

    def usages(self, found: list[tuple[int, float]]) -> list[Usage]:
        """Labelled usages for (token id, score) pairs, in the given order."""
        if not found:
            return []
        ids = [i for i, _ in found]
        with self.directory.db.session() as session:
            rows = session.execute(
                select(TokenRow.id, TokenRow.surface, TokenRow.lemma, TokenRow.pos,
                       TokenRow.sense_keys,
                       TokenRow.position, SentenceRow.text, DocumentRow.key, DocumentRow.corpus)
                .join(SentenceRow, TokenRow.sentence_id == SentenceRow.id)
                .join(DocumentRow, SentenceRow.document_id == DocumentRow.id)
                .where(TokenRow.id.in_(ids))).all()
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


def one_sense_per_discourse(answers: list[Disambiguation],
                            discourses: list[str]) -> list[Disambiguation]:
    """Within a discourse (a document), give every occurrence of a lemma the sense with the
    largest summed probability over its occurrences (Gale et al. 1992): that sense is moved
    to the front of each answer's list."""
    from collections import defaultdict

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


def _document_of(instance_id: str) -> str:
    """'d000.s001.t002' → 'd000' ('senseval2.d000.s001.t002' → 'senseval2.d000')."""
    parts = instance_id.split(".")
    return ".".join(parts[:-2]) if len(parts) > 2 else instance_id


def _model_name(model: str) -> str:
    return DEFAULT_MODEL if model in ("default", DEFAULT_MODEL) else model


def open(path: str | os.PathLike | None = None, **options) -> SenseIndex:  # noqa: A001
    """Open an index directory (``None``: the default WordNet index)."""
    return SenseIndex(path, **options)


# ``SenseIndex.evaluate`` has a flag of the same name as the function: it calls this alias.
_agree_within_discourse = one_sense_per_discourse
