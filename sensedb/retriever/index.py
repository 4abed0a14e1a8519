"""The facade over an open index: WSD, nearest usages, cosine of two usages, evaluation.

:class:`SenseIndex` answers; the work is elsewhere: reads in ``queries``, scoring in
``scoring`` (over the evidence source of ``sources``), tagging in ``tagger``, all-words
evaluation in ``sensedb.evaluation.allwords``, lazy WordNet vectors in
``sensedb.indexer.wordnet_vectors``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import warnings
from collections.abc import Iterable, Sequence
from typing import NoReturn

import numpy as np

from ..corpora.tokenize import (
    NEGATED_DO,
    NEGATED_MODALS,
    check_text,
    clitic_verb_forms,
    is_contraction,
    is_negation_clitic,
)
from ..encoder import DEFAULT_MODEL, Encoder
from ..encoder_layers import check_batch_tokens
from ..errors import (
    ConfigurationError,
    IndexFormatError,
    IndexLockedError,
    InputError,
    TargetNotFoundError,
)
from ..head import RetrievalHead, load_head
from ..indexer import EXAMPLES, SENSES, TOKENS, WORDNET, IndexDirectory, document_key
from ..indexer.documents import PURGE_STAMP
from ..indexer.manifest import Manifest
from ..indexer.upgrade import add_store_counts, stores_without_counts
from ..indexer.wordnet_vectors import (
    add_missing_text_vectors,
    add_wordnet_vectors,
    lemmas_lacking_texts,
    missing_lemmas,
)
from ..inventory import SenseInfo, WordNet, default_wordnet
from ..paths import default_index_dir
from ..pos_head import (
    POSHead,
    article_noun_no_bare_verb,
    content_log_probabilities,
    copula_no_bare_verb,
    imperative_no_noun,
    inverted_copula_no_bare_verb,
)
from ..store import SegmentedStore, VectorStore, l2_normalize
from ..vocabulary import POS, POS_TAGS, ScoringMethod, group_key, normalize_lemma
from . import names, scoring
from .constructions import construction_prior
from .names import name_pairs
from .opening import check_head, default_scoring, make_encoder, prepare_directory
from .overlap import COLUMNS as OVERLAP_COLUMNS
from .overlap import GlossOverlap
from .queries import IndexQueries
from .results import (
    LACKING_POS_PROBABILITY,
    Disambiguation,
    LemmaSense,
    Usage,
    disambiguation,
)
from .sources import IndexSource
from .status import check_index, index_info
from .target import (
    MOST_BETWEEN,
    POSSESSIVES,
    Target,
    Words,
    base_form_readings,
    check_count,
    clock_time,
    compound_head,
    compound_parts,
    find_by_verb_lemma,
    find_separated,
    find_span,
    merged,
    multiword_text,
    phrasal_verbs,
    sentence_words,
    separated,
    target_vector,
    without_possessive,
)
from .usages import merge_hits, read_usages, store_hits

logger = logging.getLogger(__name__)

#: Bare-word vectors kept per open index (``SenseIndex.bare_vectors``): 50,000 lemmas, 77 MB
#: of float32 vectors at MiniLM's 384 dimensions; the oldest go first.
BARE_CACHE = 50_000


#: The positions in ``scoring.FEATURES`` of the two overlap columns.
_OVERLAP_AT = [scoring.FEATURES.index(name) for name in OVERLAP_COLUMNS]
_NN_COS_AT = scoring.FEATURES.index("nn_cos")


class SenseIndex:
    """An open index. ``path=None`` opens the default index, built from WordNet alone and
    extended lemma by lemma on first use (``autobuild``).

    ``wordnet_evidence`` (the keyword keeps its name for compatibility): add WordNet's gloss
    and example *vectors* of a lemma to the index the first time the lemma is queried (any
    index; False for a read-only one).
    ``scoring_method``: ``ScoringMethod.WEIGHTED`` (``"weighted"``; ``"evidence"`` is its old
    name) weighs every feature by the index's weights; ``"cosine"`` is the textbook method,
    argmax of the cosine to the corpus sense vectors (no WordNet vectors, no prior but
    WordNet's order for unseen senses).
    ``use_examples=False`` leaves WordNet's usage examples out of every answer (WiC is built
    from them).
    ``propagate=True``: a candidate without labelled corpus tokens takes its corpus cosine
    from a vector propagated through WordNet, as LMMS does: the mean corpus vector of its
    synset's other senses, else of its hypernyms' senses (``has_corpus`` stays 0).

    Raises:
        IndexFormatError: no index at ``path`` (and no ``autobuild``), or one built with
            another model or format, or one written by older code without sense counts
            beside its vectors that cannot be upgraded now (another process writes it, or
            it is read-only: the message says to run ``sensedb repair``). Such an index is
            otherwise upgraded once, on open (``indexer.upgrade``).
        ConfigurationError: an unknown scoring method; ``batch_tokens`` not a whole number
            of at least 1.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, db_url: str | None = None,
                 model: str | None = None, device: str | None = None,
                 wordnet: WordNet | None = None, autobuild: bool | None = None,
                 batch_tokens: int = 4096, encoder: Encoder | None = None,
                 wordnet_evidence: bool = True, use_examples: bool = True,
                 scoring_method: ScoringMethod | str = ScoringMethod.WEIGHTED,
                 propagate: bool = False,
                 head: str | os.PathLike | RetrievalHead | None = "auto") -> None:
        if path is not None and not isinstance(path, str | os.PathLike):
            raise InputError(f"an index is a directory path, not {type(path).__name__}")
        chosen = None
        if path is None:  # the default index of this retrieval head
            chosen = load_head(head, model=model or DEFAULT_MODEL, layers="last")
            path = default_index_dir(chosen.sha256 if chosen is not None else None)
            autobuild = True if autobuild is None else autobuild
        self._head = head
        self._model = model  # another place of the index's model (its weights are checked)
        self._chosen_head = chosen  # the default index's head: its formulas are answered with
        self.directory = IndexDirectory(path, db_url)
        self.autobuild = (path is None) if autobuild is None else autobuild
        self.wordnet_evidence = wordnet_evidence  # add WordNet vectors lemma by lemma
        self.use_examples = use_examples  # False: leave WordNet's examples out of answers
        self.propagate = propagate
        self.scoring_method = ScoringMethod.parse(scoring_method)
        self.inventory = wordnet or default_wordnet()
        self._device, self._batch_tokens = device, check_batch_tokens(batch_tokens)
        self._encoder = encoder
        # what is made on first use is made once, whichever thread asks first (threads that
        # shared a fresh index each loaded the model, and transformers' lazy imports, run
        # from several threads at once, failed with an ImportError)
        self._making = threading.RLock()
        self._pos_head: POSHead | None | bool = False  # False: not looked up yet
        # the last target sentence the checks before scoring tagged: (words, head, tags)
        self._checked_tags: tuple | None = None
        self._stamp: tuple = (None, 0)  # the purge stamp's (mtime, size) and generation
        self._bare: dict[str, np.ndarray] = {}  # lemma -> its bare vector (bare_vectors)
        self._overlap: GlossOverlap | None = None  # made on first use (gloss_overlap)
        self._seen_lemmas: set[str] = set()  # WordNet lemmas seen built at any load
        prepare_directory(self.directory, autobuild=self.autobuild, model=model,
                          inventory=self.inventory, encoder=encoder,
                          encoder_for=self.encoder_for, head=chosen)
        check_head(self.directory, head)
        self._load()

    # ------------------------------------------------------------------ plumbing
    def encoder_for(self, model: str | None = None) -> Encoder:
        """The encoder (made on first use with the index's model and layer settings)."""
        if self._encoder is None:
            with self._making:
                if self._encoder is None:
                    self._encoder = make_encoder(self.directory, model or self._model,
                                                 device=self._device,
                                                 batch_tokens=self._batch_tokens,
                                                 head=self._head)
        return self._encoder

    @property
    def encoder(self) -> Encoder:
        return self.encoder_for()

    def _load(self) -> None:
        self.manifest, stores = self._snapshot()
        lacking = stores_without_counts(stores)
        if lacking:  # written by older code: its counts would come from the live database
            add_store_counts(self.directory, lacking)
            self.manifest, stores = self._snapshot()
        self.normalizer = self.manifest.normalizer()
        self._stores = stores
        self.tokens, self.senses = stores[TOKENS], stores[SENSES]
        self.examples, self.wordnet_senses = stores[EXAMPLES], stores[WORDNET]
        table = (default_scoring(self.directory, self._chosen_head) if self.autobuild
                 else self.manifest.scoring)
        self.weights = scoring.weights_for(table, corpus=self.tokens.ntotal > 0,
                                           method=self.scoring_method,
                                           where=str(self.directory.path))
        self.novelty = scoring.novelty_threshold(self.weights, self.tokens.ntotal > 0, table)
        self.queries = IndexQueries(self.directory.db)  # its cache lives until the reload
        self.source = IndexSource(self.queries, senses=self.senses, tokens=self.tokens,
                                  wordnet_senses=self.wordnet_senses,
                                  inventory=self.inventory, name=str(self.directory.path),
                                  examples=self.examples)
        self._built_lemmas = self.queries.built_lemmas()
        self._complete: set[tuple[tuple[str, str], bool]] = set()  # (pair, sense texts)
        # every lemma this reader has seen built: one missing now was deleted meanwhile
        self._seen_lemmas |= self._built_lemmas

    def _snapshot(self, attempts: int = 20) -> tuple[Manifest, dict]:
        """The manifest and the stores of its generation, loaded whole.

        A writer makes a new generation current and then deletes the files of the one
        before; a reader that read the manifest just before may find those files gone. It
        then reads the manifest again and loads the newer generation (``attempts`` times at
        most: a writer would have to finish a generation every few milliseconds to exhaust
        them).

        Raises:
            IndexFormatError: the files of the current generation are missing or damaged
                (the manifest did not move on while they were read)."""
        for attempt in range(attempts):
            manifest = self.directory.manifest()
            try:
                return manifest, self._load_stores(manifest)
            except IndexFormatError:
                now = self.directory.manifest()
                moved = (now.generations, now.segments) != (manifest.generations,
                                                            manifest.segments)
                if not moved or attempt == attempts - 1:
                    raise
                logger.debug("%s: generation moved on while loading; loading again",
                             self.directory.path)
        raise AssertionError("unreachable")  # pragma: no cover

    def _load_stores(self, manifest: Manifest) -> dict:
        """The stores of ``manifest``'s generation. A generation's files never change once
        written, so the parts (bases, segments) this index already loaded are kept, not read
        again: after adding a lemma's WordNet vectors, only the new segment is read."""
        dim = manifest.encoder.dim
        held = getattr(self, "_parts", {})
        parts: dict[tuple[str, int], VectorStore] = {}
        stores: dict = {}
        for name in manifest.generations:
            loaded = []
            for generation in manifest.store_files(name):
                key = (name, generation)
                parts[key] = held.get(key) or self.directory.load_store(name, generation, dim)
                loaded.append(parts[key])
            if not manifest.generations[name]:
                loaded.insert(0, VectorStore(dim))
            stores[name] = loaded[0] if len(loaded) == 1 else SegmentedStore(loaded)
        self._parts = parts
        return stores

    def reload(self) -> None:
        """Pick up a newer generation written by another process (and empty the caches).

        Until it reloads, an open index answers from the one generation it loaded (its
        snapshot): rows and vectors written since are invisible to it, never half seen
        (``sources.IndexSource``)."""
        self._load()

    def follow(self) -> bool:
        """Reload when another process has made a newer generation current since this index
        loaded its snapshot (documents indexed, appended, replaced or deleted meanwhile);
        returns whether it reloaded. A long-lived reader (the HTTP service, before each
        batch) calls it to answer from what was committed last; one read of the manifest
        table.

        Raises:
            IndexFormatError: the index is damaged (as when opening it)."""
        if self.directory.manifest().generations == self.manifest.generations:
            return False
        self._load()
        return True

    @property
    def pos_head(self) -> POSHead | None:
        """The POS head for the index's encoder (the packaged one for its model), or None
        when none fits: answers then carry no part-of-speech evidence."""
        if self._pos_head is False:
            with self._making:
                if self._pos_head is False:
                    try:
                        head = POSHead.default()
                        head.check_encoder(self.encoder)
                        self._pos_head = head
                    except (ConfigurationError, IndexFormatError):
                        self._pos_head = None
        return self._pos_head

    def encode_words(self, sentences: Sequence[Sequence[str]], *, progress: bool = False
                     ) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """One encoder pass over ``sentences``: per sentence the raw word vectors of the
        index's layer, (n_words, dim) float32, and the POS head's log-probabilities of the 12
        universal tags (``pos_head.TAGS`` order), (n_words, 12) float64, or None each without
        a head (the head reads its own layers from the same forward pass)."""
        vectors, tags, _ = self.encode_sentences(sentences, progress=progress, context=False)
        return vectors, tags

    def encode_sentences(self, sentences: Sequence[Sequence[str]], *, progress: bool = False,
                         context: bool | None = None, pos: bool = True
                         ) -> tuple[list[np.ndarray], list[np.ndarray | None],
                                    list[np.ndarray | None]]:
        """Like :meth:`encode_words`, and each sentence's sentence vector ((dim,) float32,
        L2-normalized, as :meth:`context_vectors` gives it) from the SAME forward pass
        (``Encoder.word_and_sentence_vectors``: the model's mean pooling over the word
        pass's last layer; a model whose sentence pipeline is not a plain mean falls back to
        a second pass). ``context``: compute the sentence vectors (None: when the scoring
        weighs them, ``uses_context``; else None each). ``pos=False``: no POS head (tags
        None each).

        Raises:
            InputError: a sentence has no words."""
        head = self.pos_head if pos else None
        specs = {"index": self.encoder.layer_spec}
        if head is not None:
            specs["pos"] = head.layers
        want = self.uses_context if context is None else context
        if want:
            out, found = self.encoder.word_and_sentence_vectors(sentences, specs,
                                                                progress=progress)
            contexts: list[np.ndarray | None] = list(l2_normalize(found))
        elif head is None:
            out = {"index": self.encoder.word_vectors(sentences, progress=progress)}
            contexts = [None] * len(sentences)
        else:
            out = self.encoder.word_vectors_multi(sentences, specs, progress=progress)
            contexts = [None] * len(sentences)
        tags = ([None] * len(sentences) if head is None
                else [self.sentence_tags(words, v)
                      for words, v in zip(sentences, out["pos"], strict=True)])
        return out["index"], tags, contexts

    def sentence_tags(self, words: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """One sentence's tag log-probabilities ((len(words), len(TAGS)) float64) from the
        POS head's layers' word vectors ``vectors`` ((len(words), dim) float32): the head's,
        its hand-written rules applied ("turn *left*", "*please*": adverbs;
        ``POSHead.sentence_log_probabilities``), then the five that need WordNet: no bare
        verb after be (``pos_head.copula_no_bare_verb``: "Mum was *cross*"), nor after the
        subject of a question opened by be (``pos_head.inverted_copula_no_bare_verb``: "Is
        the pharmacy *open* on Sundays?"), nor after an
        object "a NOUN" (``pos_head.article_noun_no_bare_verb``: "a lemonade *stand*"), no
        noun opening an imperative (``pos_head.imperative_no_noun``: "*Mind* your head") and
        the capital the head cannot see (``names.capital_nouns``: "moved to *Nice*"). What
        ``wsd``, ``tag`` and the similarity methods read.

        Raises:
            ConfigurationError: the index has no POS head."""
        head = self.pos_head
        if head is None:
            raise ConfigurationError("this index has no POS head to tag with")
        tags = copula_no_bare_verb(words, head.sentence_log_probabilities(words, vectors),
                                   self.inventory.irregular_forms("VERB"))
        tags = inverted_copula_no_bare_verb(words, tags, self._base_verb)
        tags = article_noun_no_bare_verb(words, tags, self._base_verb)
        tags = imperative_no_noun(words, tags, self._base_verb)
        return names.capital_nouns(self.inventory, words, tags)

    def _base_verb(self, word: str) -> bool:
        """Whether WordNet reads ``word`` (lower case) as a verb's base form and nothing
        else in the verb ("stand", "press"; not "stands", nor "ground", grind's past)."""
        return self.inventory.lemmatize(word, "VERB") == [(word, "VERB")]

    def target_vectors(self, targets: Sequence[Target], *, progress: bool = False
                       ) -> tuple[np.ndarray, list[np.ndarray | None]]:
        """Raw vectors of the targets, (n, dim) float32, and each target's content-POS
        log-probabilities ((4,) float64: NOUN VERB ADJ ADV, see ``scoring.candidate_matrix``;
        None without a POS head), from one encoder pass (no sentence vectors: see
        :meth:`encode_targets`)."""
        raw, pos, _ = self.encode_targets(targets, progress=progress, context=False)
        return raw, pos

    def encode_targets(self, targets: Sequence[Target], *, progress: bool = False,
                       context: bool | None = None, pos: bool = True
                       ) -> tuple[np.ndarray, list[np.ndarray | None], list[np.ndarray | None]]:
        """What a query needs from the encoder, from ONE forward pass over the targets'
        sentences (each sentence encoded once): the raw vectors of the targets, (n, dim)
        float32; each target's content-POS log-probabilities ((4,) float64, None without a
        POS head or with ``pos=False``); and each target's sentence vector ((dim,) float32,
        L2-normalized; ``context`` None: only when the scoring weighs it, ``uses_context``;
        else None each), pooled from that same pass (:meth:`encode_sentences`)."""
        if not targets:
            return np.zeros((0, self.tokens.dim), np.float32), [], []
        sentences: dict[tuple[str, ...], int] = {}  # each sentence is encoded once
        for target in targets:
            sentences.setdefault(tuple(target.words), len(sentences))
        vectors, tags, contexts = self.encode_sentences(
            [list(s) for s in sentences], progress=progress, context=context, pos=pos)
        at = [sentences[tuple(t.words)] for t in targets]
        raw = np.stack([target_vector(vectors[n], t) for n, t in zip(at, targets, strict=True)])
        tagged = [None if tags[n] is None else content_log_probabilities(tags[n][t.index])
                  for n, t in zip(at, targets, strict=True)]
        return raw, tagged, [contexts[n] for n in at]

    def ensure(self, pairs: Iterable[tuple[str, str]], *, progress: bool = False,
               sense_texts: bool | None = None) -> int:
        """Add WordNet's vectors (example tokens, gloss, sense-text and example vectors) for
        the lemmas of ``pairs`` ((lemma, POS)) not yet in the index; the gloss vectors of
        built lemmas that lack them (an addition killed before its glosses); and, when the
        scoring weighs the sense-text features, the sense-text vectors of lemmas added before
        those existed (``sense_texts``: True or False to add them or not whatever the scoring).
        Returns the number of lemmas added; 0 when another process is writing the index (the
        answer then uses the vectors already there: a warning says so)."""
        self.keep_whole()
        if not self.wordnet_evidence or self.scoring_method is ScoringMethod.COSINE:
            return 0
        pairs = list(pairs)
        texts = self.uses_sense_texts if sense_texts is None else sense_texts
        complete = self._complete  # of this load: a reload (another thread's) makes another
        if all((pair, texts) in complete for pair in pairs):
            return 0  # found whole since the last load (what is read below is per load)
        missing = missing_lemmas(self.inventory, pairs, self._built_lemmas)
        older: list[tuple[str, str]] = []
        try:
            if missing:
                add_wordnet_vectors(self.directory, self.encoder, self.inventory, missing,
                                    progress=progress, loaded=(self.manifest, self._stores),
                                    sense_texts=texts)
                self._load()
            # built lemmas without a gloss vector (an addition killed between its example
            # documents and its glosses) or, when weighed, a sense-text vector (added
            # before those existed) get them now
            rows = self.queries.wordnet_rows(
                s.key for lemma, pos in pairs for s in self.inventory.candidates(lemma, pos))
            older = lemmas_lacking_texts(
                self.inventory, pairs,
                lambda keys: [(k, "gloss") in rows and (not texts or (k, "sense") in rows)
                              for k in keys])
            if older and add_missing_text_vectors(self.directory, self.encoder,
                                                  self.inventory, older, sense_texts=texts,
                                                  loaded=(self.manifest, self._stores)):
                self._load()
        except IndexLockedError as exc:
            warnings.warn(f"{exc}; answering without {self._lacking(missing, older)}",
                          stacklevel=2)
            return 0
        if not missing and not older:
            complete.update((pair, texts) for pair in pairs)
        return len(missing)

    def _lacking(self, missing: list[tuple[str, str]], older: list[tuple[str, str]]) -> str:
        """What an answer goes without when another writer blocked :meth:`ensure`: the
        WordNet vectors of ``missing`` lemmas, those a deletion took out of the index (this
        reader saw them built, or their retired rows are still there) named apart from those
        never added; else the vectors the built lemmas ``older`` lack."""
        def named(lemmas: list[tuple[str, str]]) -> str:
            more = f" and {len(lemmas) - 5} more" if len(lemmas) > 5 else ""
            return ", ".join(f"{lemma}.{pos}" for lemma, pos in lemmas[:5]) + more

        if not missing:
            return f"the gloss or sense-text vectors they lack: {named(older)}"
        gone = self._seen_lemmas | self.queries.retired_lemmas()
        deleted = [(lemma, pos) for lemma, pos in missing if document_key(lemma, pos) in gone]
        added = [pair for pair in missing if pair not in deleted]
        parts = ([f"lemmas deleted from the index: {named(deleted)}"] if deleted else []) + (
            [f"lemmas not yet in the index: {named(added)}"] if added else [])
        return f"the WordNet vectors of {'; of '.join(parts)}"

    @property
    def uses_sense_texts(self) -> bool:
        """Whether the scoring weighs the sense-text features (``sense_cos``,
        ``context_sense_cos``): only then are sense-text vectors encoded for new lemmas."""
        return any(self.weights[scoring.FEATURES.index(name)]
                   for name in ("sense_cos", "context_sense_cos"))

    def keep_whole(self) -> None:
        """Reload when a newer generation has left out rows this index's generation holds
        (a replaced document's: ``indexer.documents``): their rows leave the database at
        the next rebuild, so an index that answers meanwhile moves to a whole newer
        generation first. Called at the start of every answer that reads token rows
        (:meth:`ensure`, :meth:`neighbors`); a caller that drives :meth:`disambiguate`
        itself calls it before each batch. Costs one ``stat`` of the stamp file."""
        stamp = self.directory.path / PURGE_STAMP
        try:
            stat = stamp.stat()
        except OSError:
            return
        if (stat.st_mtime_ns, stat.st_size) != self._stamp[0]:
            try:
                stamped = int(stamp.read_text() or 0)
            except (OSError, ValueError):
                stamped = 0
            self._stamp = ((stat.st_mtime_ns, stat.st_size), stamped)
        if self._stamp[1] > self.manifest.generations[TOKENS]:
            logger.debug("%s: generation %d left out rows of generation %d; reloading",
                         self.directory.path, self._stamp[1], self.manifest.generations[TOKENS])
            self._load()

    def locate(self, sentence: Words, target: str | None = None,
               at: int | None = None) -> Target:
        """See :func:`sensedb.retriever.target.locate` (raises InputError), and a target
        that ends in an English possessive (``"bank's"``, ``"James'"``: the tokenizer's
        ``'s`` or ``'`` after the word) is the word without it when the inventory does not
        list the whole but lists the word: the usage of ``bank`` in "The bank's vault", as
        ``tag`` reads it. A lemma written with the ending stays whole (``"Alzheimer's"``).
        A pronoun's verb contraction (``"He's"``, ``"they're"``, ``"I'm"``: the tokenizer's
        ``He`` ``'s``; :func:`~sensedb.corpora.tokenize.is_contraction`) is no possessive:
        the target is its clitic, read as its verb (:meth:`lemma_candidates`), so "He's" of
        "He's tired" is *be*, not the pronoun read as helium. A negated auxiliary
        (``"can't"``, ``"won't"``, ``"isn't"``: the tokenizer's ``ca`` ``n't``) is its verb
        without the negation, the stem read as its modal (``Target.surface``: can, will, be;
        a negated modal has no candidates: :meth:`target_candidates`).
        A phrasal verb target whose particle stands apart in the sentence ("gave up", "give
        up", "give_up" or "gave it up" in "She gave it up.": :func:`target.find_separated`)
        is read as ``tag`` reads it (:func:`target.separated`: at the verb, its vector the
        mean of the verb's and the particle's) where WordNet knows that phrasal verb; a
        multiword verb named by its lemma finds its inflected words together ("give up" in
        "She gave up smoking", "run into": :func:`target.find_by_verb_lemma`), and any other
        target named by its lemma finds a word WordNet reads as that lemma, answered with
        its readings alone ("run" in "She ran to the shop" or "She is running", "goose" in
        "The geese flew south", "ice cream" in "I love ice-cream": :meth:`_by_lemma`), and
        so does another form of a word in the sentence ("dusted" in "Dust the cake", "banks"
        in "the bank of the river")."""
        try:
            words, start, end, token = find_span(sentence, target, at)
        except TargetNotFoundError:  # sentence, target and position are valid
            found = self._by_verb_lemma(sentence, target, at) or self._by_lemma(
                sentence, target, at) or self._by_multiword_lemma(sentence, target, at)
            if found is None:
                self._particle_too_far(sentence_words(sentence), target, at)
                raise
            return found
        if (target is not None and end - start > 2
                and not self.inventory.lemmatize(" ".join(words[start:end]))):
            apart = self._separated(words, target, at)
            if apart is not None:
                return apart
        if target is not None and end - start == 2 and is_negation_clitic(words[end - 1]):
            end -= 1
        elif (target is not None and end - start == 2
                and is_contraction(words[start], words[start + 1])
                and not self.inventory.lemmatize(" ".join(words[start:end]))):
            start += 1
        elif target is not None and end - start > 1 and words[end - 1].casefold() in POSSESSIVES:
            whole, word = " ".join(words[start:end]), " ".join(words[start:end - 1])
            if not self.inventory.lemmatize(whole) and self.inventory.lemmatize(word):
                end -= 1
        return merged(words, start, end,
                      check_text(sentence) if isinstance(sentence, str) else None, token)

    def _verb_lemmas(self, word: str) -> set[str]:
        return {lemma for lemma, _ in self.inventory.lemmatize(word, "VERB")}

    def _separated(self, words: list[str], target: str, at: int | None) -> Target | None:
        """The phrasal verb ``target`` with its particle apart among ``words``
        (:func:`target.find_separated`) where WordNet knows it, else None."""
        found = find_separated(words, target, at, self._verb_lemmas)
        if found is None:
            return None
        verb, particle = found
        if not phrasal_verbs(self.inventory, words[verb], words[particle]):
            return None
        return separated(words, verb, particle)

    def _particle_too_far(self, words: list[str], target: str, at: int | None) -> None:
        """Raises TargetNotFoundError naming the distance where ``target`` is a phrasal
        verb WordNet knows whose particle stands later in ``words`` than MOST_BETWEEN
        words after its verb ("turn down" in "She turned the generous job offer from
        Chicago down" was only "not in the sentence"); returns otherwise."""
        found = find_separated(words, target, at, self._verb_lemmas, most_between=len(words))
        if found is None or not phrasal_verbs(self.inventory, *(words[i] for i in found)):
            return
        verb, particle = found
        raise TargetNotFoundError(
            f'target "{target}": its particle "{words[particle]}" stands {particle - verb - 1} '
            f'words after "{words[verb]}" (token {verb}), and a phrasal verb is read with at '
            f'most {MOST_BETWEEN} words between: give the verb alone ("{words[verb]}") or a '
            "shorter sentence")

    def _by_verb_lemma(self, sentence: Words, target: str, at: int | None) -> Target | None:
        """A target not written as in ``sentence`` that names a multiword verb by its lemma:
        its particle apart (:meth:`_separated`), or its words together, the verb inflected
        ("give up" in "She gave up smoking": :func:`target.find_by_verb_lemma`) where
        WordNet knows the words as written as a verb; else None."""
        words = sentence_words(sentence)
        apart = self._separated(words, target, at)
        if apart is not None:
            return apart
        found = find_by_verb_lemma(words, target, at, self._verb_lemmas)
        if found is None or not self.inventory.lemmatize(" ".join(words[slice(*found)]),
                                                         "VERB"):
            return None
        return merged(words, *found, check_text(sentence) if isinstance(sentence, str) else None)

    def _by_lemma(self, sentence: Words, target: str, at: int | None) -> Target | None:
        """A word of ``sentence`` that WordNet's morphology reads as the lemma ``target``
        (spaces or "_" between its words), answered with that lemma's readings alone
        (``Target.lemma``), None where none is: a target named by its lemma, as a multiword
        verb's already was (a tester's "run" in "She ran to the shop" was "not in the
        sentence" while "run into" found "ran into"). The word at ``at`` when given; else
        the first read as that lemma and no other ("ran"), or, where none is, the one word
        read as it among others ("running", "found"). Where no word is, another form of the
        target's: a word WordNet reads as the target's lemmas and no other (a tester's
        "dusted" for "Dust the cake", answered with dust's readings; not "felled" for "She
        fell asleep", whose fell is fall too), several such words asking for the position
        ("axes" in "the axe ... the axis").

        Raises:
            InputError: several words read as the lemma among others ("The saw was dull,
                so I saw the wood" for "see"): which one is asked for (the breaker of the
                first draft got the noun saw's senses)."""
        words = sentence_words(sentence)
        lemma = "_".join(target.replace("_", " ").split()).casefold().replace("\u2019", "'")
        starts = range(len(words)) if at is None else [at] if 0 <= at < len(words) else []
        found = self._read_as(words, starts, {lemma})
        restrict: str | None = lemma
        if not found:  # another form of the word: "dusted" for "Dust", "banks" for "bank"
            lemmas = {read.casefold() for read, _ in self.inventory.lemmatize(target)}
            read = {i: {r.casefold() for r, _ in self.inventory.lemmatize(words[i])}
                    for i in starts}
            found = [i for i in starts if read[i] and read[i] <= lemmas]
            if len(found) == 1:
                restrict = next(iter(read[found[0]])) if len(read[found[0]]) == 1 else None
        if not found:
            return None
        if len(found) > 1:
            self._several(words, target, found)
        located = merged(words, found[0], found[0] + 1,
                         check_text(sentence) if isinstance(sentence, str) else None)
        return dataclasses.replace(located, lemma=restrict)

    def _by_multiword_lemma(self, sentence: Words, target: str, at: int | None
                            ) -> Target | None:
        """A multiword target in another form than the sentence's ("gave up" for "She gives
        up smoking", "ice creams" for "I love ice cream"): located as its lemma would be
        (WordNet's morphology of the whole: give_up, ice_cream), None where it is no
        multiword or that finds nothing either."""
        written = " ".join(target.replace("_", " ").split())
        if " " not in written:
            return None
        for lemma, _ in self.inventory.lemmatize(written):
            form = lemma.replace("_", " ")
            if form.casefold() != written.casefold():
                try:
                    return self.locate(sentence, form, at)
                except TargetNotFoundError:
                    continue
        return None

    def _read_as(self, words: Sequence[str], starts: Iterable[int], lemmas: set[str]
                 ) -> list[int]:
        """Positions among ``starts`` of the words WordNet's morphology reads as one of
        ``lemmas`` (casefolded): the first read as one of them and nothing else alone, else
        every one read as one of them among others."""
        found: list[int] = []
        for i in starts:
            readings = {read.casefold() for read, _ in self.inventory.lemmatize(words[i])}
            if readings and readings <= lemmas:
                return [i]
            if readings & lemmas:
                found.append(i)
        return found

    @staticmethod
    def _several(words: Sequence[str], target: str, found: Sequence[int]) -> NoReturn:
        places = ", ".join(f"{i} ({words[i]})" for i in found)
        raise InputError(f'several words may be "{target}" here, at tokens {places}: give '
                         f"its position (--at N, or at=N)")

    def query_vectors(self, targets: Sequence[Target], *, progress: bool = False,
                      raw: bool = False) -> np.ndarray:
        """Vectors of the targets, (n, dim) float32: normalized in the index's space
        (cosine = inner product), or the encoder's raw vectors with ``raw=True``."""
        if not targets:
            return np.zeros((0, self.tokens.dim), np.float32)
        sentences: dict[tuple[str, ...], int] = {}  # each sentence is encoded once
        for target in targets:
            sentences.setdefault(tuple(target.words), len(sentences))
        vectors = self.encoder.word_vectors([list(s) for s in sentences], progress=progress)
        found = np.stack([target_vector(vectors[sentences[tuple(t.words)]], t)
                          for t in targets])
        return found if raw else self.normalizer(found)

    def readings(self, surface: str, pos: str | None = None) -> list[tuple[str, str]]:
        """The (lemma, POS) pairs WordNet's morphology gives ``surface`` (in ``pos``); for a
        verb clitic (``'s``, ``'re``, ``'ve``, ``'ll``, ``'d``, ``'m``: what the tokenizer
        splits off "He's", "they're", ...) the verb readings of its full forms
        (:data:`~sensedb.corpora.tokenize.CLITIC_VERBS`: ``'s`` -> be and have, ``'re`` ->
        be, ``'ll`` -> will); [] when WordNet knows none. ``tag`` and :meth:`wsd` read words
        through this. A hyphenated compound WordNet lacks is read as its last word, its
        head ("ex-boss" as boss, "sugar-free" as free: ``target.compound_head``)."""
        forms = clitic_verb_forms(surface)
        if not forms:
            return self.inventory.lemmatize(surface, pos) or self._compound_readings(surface,
                                                                                    pos)
        if pos not in (None, "VERB"):
            return []
        pairs = [p for form in forms for p in self.inventory.lemmatize(form, "VERB")]
        return list(dict.fromkeys(pairs))

    def _compound_readings(self, surface: str, pos: str | None) -> list[tuple[str, str]]:
        """The readings of a hyphenated compound WordNet lacks as written: a compound it
        knows with one word in its base form ("co-opted" is co-opt, "courts-martial"
        court-martial: WordNet's morphology leaves hyphenated words alone), else its head
        (``target.compound_head``: "ex-boss" is boss), else none (also for a word that is no
        compound: ``target.compound_parts``)."""
        parts = compound_parts(surface) or []
        for at, part in enumerate(parts):
            for lemma in dict.fromkeys(lemma for lemma, _ in self.inventory.lemmatize(part)):
                if lemma.casefold() == part.casefold():
                    continue
                pairs = self.inventory.lemmatize(
                    "-".join([*parts[:at], lemma, *parts[at + 1:]]), pos)
                if pairs:
                    return pairs
        head = compound_head(surface)
        return self.inventory.lemmatize(head, pos) if head else []

    def target_candidates(self, target: Target, pos: str | None = None
                          ) -> list[tuple[str, str]]:
        """The (lemma, POS) pairs of a located target: :meth:`lemma_candidates` of its
        surface, or for a phrasal verb with its particle apart (``target.particle``) the
        phrasal verbs WordNet knows for its verb and particle (``target.phrasal_verbs``, as
        ``tag`` scores it: "turn ... off" is turn_off, not also the noun "turnoff").

        A person's name WordNet lacks ("I met *John*", "Mrs. *Benington*") is the noun
        person (``names.name_pairs``) unless ``pos`` is given. Am/pm after an hour is the
        lemma a.m./p.m. (``target.clock_time``: "at 5 *PM*" is no prime minister), in
        ``pos`` where WordNet has it so (else the word's own readings).

        A negated modal (``can't``, ``won't``, ``mustn't``: ``NEGATED_MODALS``) or negated do
        (``don't``, ``didn't``: ``NEGATED_DO``) has none: it is the auxiliary, which WordNet
        has no sense of (its "can" is a tin), as ``tag`` leaves it untagged; so has, without
        ``pos``, a modal or form of be/have/do that ``tag`` reads as an auxiliary ("I *can*
        swim", "I *have* seen it": :meth:`_auxiliary_word`), a pronoun ("*He* sat":
        :meth:`_is_pronoun`) and a preposition WordNet also has as a noun ("*Despite* the
        rain": :meth:`_is_preposition`).

        Raises:
            InputError: WordNet knows no such word (in that POS); a negated modal; an
                auxiliary; a pronoun; a preposition."""
        clock = None if target.particle is not None else clock_time(target.words,
                                                                     target.index)
        timed = self.readings(clock, pos) if clock is not None else []
        if timed:  # "at 5 *PM*", "at 6 *am*": p.m., a.m. (target.clock_time)
            return timed
        after = target.index + 1
        if (target.particle is None and after < len(target.words)
                and is_negation_clitic(target.words[after])):
            modal = target.surface.casefold()
            if modal in NEGATED_MODALS or modal in NEGATED_DO:
                kind = "modal auxiliary" if modal in NEGATED_MODALS else "auxiliary"
                raise InputError(f'"{target.words[target.index]}{target.words[after]}" is the '
                                 f'{kind} "{modal}" negated: {self.inventory.name} '
                                 "has no sense of it (ask for the verb that follows it)")
        if target.particle is None and self._auxiliary_clitic(target):
            word = target.words[target.index]
            raise InputError(f'"{word}" is an auxiliary here '
                             f'({" or ".join(clitic_verb_forms(word))}): '
                             f"{self.inventory.name} has no sense of it (ask for the verb "
                             "that follows it)")
        asked = pos is None and target.particle is None  # what the POS head is to decide
        kind = self._auxiliary_word(target) if asked else None
        if kind is None and asked and self._is_pronoun(target):
            word = target.words[target.index]
            raise InputError(f'"{word}" is a pronoun here, which {self.inventory.name} has '
                             "no sense of and `tag` leaves untagged (give a part of speech "
                             "to read it as a noun anyway)")
        if kind is None and asked and self._is_preposition(target):
            word = target.words[target.index]
            raise InputError(f'"{word}" is a preposition here, which {self.inventory.name} '
                             "has no sense of and `tag` leaves untagged (give a part of "
                             "speech to read it as a noun anyway)")
        if kind is not None:
            word = target.words[target.index]
            # "He will *will* the house to his son": the other one is asked by its position
            others = [i for i, w in enumerate(target.words) if i != target.index
                      and w.casefold() == word.casefold()]
            elsewhere = (f'; another "{word}" stands at token {others[0]}: give its position '
                         f"(--at {others[0]}, or at={others[0]})" if others else "")
            raise InputError(f'"{word}" is the {kind} here, which {self.inventory.name} '
                             "has no sense of (ask for the verb that follows it, or give "
                             f"a part of speech to read it as a verb anyway){elsewhere}")
        if target.particle is None:
            if pos is None and not self.readings(target.surface):
                named = name_pairs(self.inventory, target.words, target.index, [])
                if named:  # "Mrs. *Benington*": a word WordNet lacks, read as a person
                    return named
            pairs = self._base_form(target, self.lemma_candidates(target.surface, pos))
            if asked:
                pairs = self._closed_class_reading(target, pairs)
            if target.lemma is not None:  # named by its lemma: that lemma's readings alone
                pairs = [p for p in pairs if p[0].casefold() == target.lemma] or pairs
            return pairs if pos is not None else name_pairs(
                self.inventory, target.words, target.index, pairs)
        pairs = phrasal_verbs(self.inventory, target.words[target.index],
                              target.words[target.particle])
        if pos is not None:
            wanted = POS.parse(pos).value
            pairs = [(lemma, p) for lemma, p in pairs if p == wanted]
        if not pairs:
            raise InputError(f'"{target.surface}" is not a word {self.inventory.name} knows'
                             + (f" as {POS.parse(pos).value}" if pos else ""))
        return pairs

    def _auxiliary_word(self, target: Target) -> str | None:
        """``tagger.auxiliary`` of the target: a modal or a form of be/have/do written out
        that ``tag`` reads as an auxiliary and leaves untagged ("I *can* swim", "I *have*
        seen it", "*Did* you go?"; the future's "I'm *going* to call":
        ``tagger.future_going``), else None; a clitic is :meth:`_auxiliary_clitic`'s.
        Costs a forward pass of the sentence, only for such a target."""
        from .tagger import LIGHT_VERBS, MODALS, auxiliary, future_going

        word = target.words[target.index].lower()
        if word not in LIGHT_VERBS | MODALS | {"going"} or clitic_verb_forms(word):
            return None
        tags = self._sentence_tags_of(target)
        if word == "going":
            return 'future\'s auxiliary ("going to")' if future_going(
                list(target.words), target.index, tags) else None
        return auxiliary(list(target.words), target.index, tags, self.inventory)

    def _sentence_tags_of(self, target: Target) -> np.ndarray | None:
        """The POS head's tags of a located target's sentence ((n_words, 12) float64, rules
        applied: :meth:`sentence_tags`), None without a head: one forward pass, for the
        checks of a target that need them before it is scored. The last sentence's tags are
        kept, so the several checks one target may need (an auxiliary, a pronoun, a
        preposition, a base form, a closed-class word: "even" took two passes) share one
        pass; read and replaced as one tuple, safe beside other threads."""
        words, head = tuple(target.words), self.pos_head
        last = self._checked_tags
        if last is not None and last[0] == words and last[1] is head:
            return last[2]
        _, tags, _ = self.encode_sentences([list(words)], context=False)
        self._checked_tags = (words, head, tags[0])
        return tags[0]

    def _is_pronoun(self, target: Target) -> bool:
        """Whether the target is a function word (``tagger.STOPWORDS``) written in lower
        case, "I", or capitalized only as a sentence's first word, that the POS head tags
        PRON, as ``tag`` leaves it untagged: `wsd "He sat on the
        bank" He` answered helium, p 0.72 (a tester's). Costs a forward pass of the
        sentence, only for such a target; without a POS head, False."""
        from .tagger import STOPWORDS, _best_tag

        word = target.words[target.index]
        if word.lower() not in STOPWORDS or self.pos_head is None or not (
                word.islower() or word == "I" or word.istitle() and (
                    target.index == 0 or not any(c.isalnum()
                                                 for c in target.words[target.index - 1]))):
            return False  # "the *US* economy", "*IT*", "Helium is *He*": the (uncased) head
            # cannot tell them from the pronouns; only a lower-case form, "I", or one
            # capitalized where a sentence opens is read as one
        tags = self._sentence_tags_of(target)
        return _best_tag(tags, target.index) == "PRON"

    def _is_preposition(self, target: Target) -> bool:
        """Whether the target is one of ``tagger.PREPOSITIONS`` that the POS head tags ADP,
        as ``tag`` leaves it untagged: `wsd "Despite the rain, ..." Despite` answered the
        noun despite "contemptuous disregard" (a breaker's). Costs a forward pass of the
        sentence, only for such a target; without a POS head, False."""
        from .tagger import PREPOSITIONS, _best_tag

        if target.words[target.index].lower() not in PREPOSITIONS or self.pos_head is None:
            return False
        tags = self._sentence_tags_of(target)
        return _best_tag(tags, target.index) == "ADP"

    def _auxiliary_clitic(self, target: Target) -> bool:
        """Whether the target is a verb clitic that ``tag`` reads as an auxiliary and leaves
        untagged: 'll (the modal will) always; 's, 're, 've, 'd, 'm where the POS head's
        tags of the sentence make it no main verb (``tagger.is_main_verb``: "It*'s*
        raining", "She*'s* got three kids", "He*'d* like some coffee"; "He*'s* tired" is
        the copula, a main verb). Without a POS head, never (nothing tells). Costs a
        forward pass of the sentence, only for such a target."""
        word = target.words[target.index].lower().replace("\u2019", "'")
        if not clitic_verb_forms(word):
            return False
        if word == "'ll":
            return True
        tags = self._sentence_tags_of(target)
        if tags is None:
            return False
        from .tagger import is_main_verb

        return not is_main_verb(list(target.words), target.index, tags, self.inventory)

    def lemma_candidates(self, surface: str, pos: str | None = None) -> list[tuple[str, str]]:
        """The (lemma, POS) pairs of ``surface`` (in ``pos``: :meth:`readings`; a merged span's
        abbreviation's period glued back to its word: "St . Louis" is st._louis,
        :func:`~sensedb.retriever.target.multiword_text`), or, when there are none, those of
        its word without a possessive ending (``"bank's"`` ->
        ``bank``, ``"James'"`` -> ``James``:
        :func:`~sensedb.retriever.target.without_possessive`).

        Raises:
            InputError: WordNet knows no such word (in that POS)."""
        pairs = self.readings(surface, pos)
        if not pairs and " . " in surface:  # a merged span: "St . Louis" is WordNet's
            glued = multiword_text(surface.split(" "))  # st._louis, as ``tag`` reads it
            pairs = self.readings(glued, pos) if glued else []
        stripped = None if pairs else without_possessive(surface)
        if stripped:
            pairs = self.inventory.lemmatize(stripped, pos)
        if not pairs:
            as_pos = f" as {POS.parse(pos).value}" if pos else ""  # "as ADJ", not "as a"
            forms = clitic_verb_forms(surface)
            read = f' (read as {" or ".join(forms)})' if forms else ""
            raise InputError(f'"{surface}"{read} is not a word {self.inventory.name} '
                             f'knows{as_pos}')
        return pairs

    def senses_of(self, word: str, pos: str | None = None) -> list[LemmaSense]:
        """Every sense of every reading of ``word``, a form as written ("wings" -> wing;
        "left" -> leave, left; "took place" -> take_place; "St. Louis" -> st._louis), in
        ``pos`` only when given: (lemma, POS) by (lemma, POS), each in WordNet's order, with
        its key, synset and its offset, sense number, WordNet tag count, the labelled corpus
        tokens this index holds of it, gloss and usage examples; a sense key
        (``bank%1:17:01::``) gives its one sense. The form is read as ``wsd`` reads a target
        that is its whole sentence (:meth:`locate`: the text checked and normalized as a
        sentence is, a pronoun's contraction its verb, "He's" be and have; a possessive
        ending dropped where WordNet lacks the whole), else as written ("24/7"). What ``wsd``
        chooses among, before any context; no encoder runs and nothing is added to the
        index.

        Raises:
            InputError: an empty word, a control character, a word WordNet knows no reading
                of (in that POS), or a sense key of another POS than ``pos``.
            InventoryError: a sense key WordNet lacks."""
        word = " ".join(check_text(word, "the word").split())  # a control character named
        if not word:  # (split() took U+001C-U+001F for spaces)
            raise InputError("the word is empty")
        if "%" in word:
            sense = self.inventory.sense(word)
            if pos is not None and POS.parse(pos).value != sense.pos:
                raise InputError(f"{word} is a sense of a {sense.pos}, not of a "
                                 f"{POS.parse(pos).value}")
            listed = [sense]
        else:
            surface = self.locate(word, word).surface
            try:
                pairs = self.lemma_candidates(surface, pos)
            except InputError:
                if surface == word:
                    raise
                pairs = self.lemma_candidates(word, pos)  # "24/7", split by the tokenizer
            listed = [s for lemma, p in pairs for s in self.inventory.candidates(lemma, p)]
        support = self.source.support([s.key for s in listed])
        return [LemmaSense(key=s.key, synset=s.synset,
                           offset=self.inventory.synset_gloss(s.key)[0], lemma=s.lemma,
                           pos=s.pos, rank=s.rank, count=s.count,
                           support=support.get(s.key, 0), gloss=s.gloss,
                           examples=list(s.examples)) for s in listed]

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Look up the rows of every candidate sense of ``pairs`` in a few queries (before
        scoring many usages), and encode their lemmas' bare vectors in one pass when the
        scoring weighs them (:meth:`bare_vectors`)."""
        candidates = self._candidates(set(pairs))
        self.source.prefetch(s.key for s in candidates)
        if self.uses_bare:
            self.bare_vectors(s.lemma for s in candidates)

    @property
    def uses_bare(self) -> bool:
        """Whether the scoring weighs ``bare_gloss_cos`` (else no bare vector is encoded)."""
        return bool(self.weights[scoring.FEATURES.index("bare_gloss_cos")])

    def bare_vectors(self, lemmas: Iterable[str], *, progress: bool = False
                     ) -> dict[str, np.ndarray]:
        """Each lemma encoded alone, as a one-word sentence ("bank"; a multiword lemma as one
        word, "river bank"), its raw word vector L2-normalized: ``{lemma: (dim,) float32}``.
        What the model reads in the bare word, which ``scoring.bare_cosines`` compares with
        each gloss. One forward pass for the lemmas not seen before; kept per open index
        (the latest BARE_CACHE lemmas): a vector depends on the encoder alone."""
        out: dict[str, np.ndarray] = {}
        todo = []
        for lemma in dict.fromkeys(lemmas):
            vector = self._bare.get(lemma)
            if vector is None:
                todo.append(lemma)
            else:
                out[lemma] = vector
        if todo:
            raw, _, _ = self.encode_targets(
                [Target([lemma.replace("_", " ")], 0) for lemma in todo], progress=progress,
                context=False, pos=False)
            found = dict(zip(todo, l2_normalize(raw), strict=True))
            out.update(found)
            self._bare.update(found)
            if len(self._bare) > BARE_CACHE:  # dicts keep insertion order: oldest first
                for lemma in list(self._bare)[:len(self._bare) - BARE_CACHE]:
                    self._bare.pop(lemma, None)
        return out

    @property
    def uses_overlap(self) -> bool:
        """Whether the scoring weighs ``gloss_overlap`` or ``related_overlap`` (else no
        overlap is computed)."""
        return bool(self.weights[_OVERLAP_AT].any())

    def gloss_overlaps(self, located: Target, pairs: Sequence[tuple[str, str]],
                       candidates: Sequence[SenseInfo], *, skip: Sequence[int] = ()
                       ) -> np.ndarray:
        """Each candidate's ``gloss_overlap`` and ``related_overlap`` for the usage
        ``located``: (len(candidates), 2) float64 in idf units
        (:class:`~sensedb.retriever.overlap.GlossOverlap`; its idf table is read on first
        use); ``skip``: more positions whose words are no context. WordNet's examples count
        only when the index answers with them (``use_examples``: the similarity fit leaves
        them out, WiC's sentences being such examples)."""
        if self._overlap is None:
            with self._making:
                if self._overlap is None:
                    self._overlap = GlossOverlap(self.inventory)
        return self._overlap.scores(located.words, located.index, pairs, candidates,
                                    particle=located.particle, examples=self.use_examples,
                                    skip=skip)

    def overlap_from(self, located: Target, pairs: Sequence[tuple[str, str]],
                     positions: Sequence[int]) -> dict[str, float]:
        """What the words at ``positions`` add to each candidate's score through the two
        overlaps: ``{sense key: weights . (overlaps - overlaps without them)}``, in score
        units (empty where the scoring weighs neither). The tagger takes it off a word's
        scores when the word competes with a multiword reading of those positions
        (:func:`tagger.span_free_best`)."""
        if not self.uses_overlap:
            return {}
        candidates = self._candidates(pairs)
        full = self.gloss_overlaps(located, pairs, candidates)
        apart = self.gloss_overlaps(located, pairs, candidates, skip=positions)
        weights = self.weights[_OVERLAP_AT]
        return {s.key: float((a - b) @ weights)
                for s, a, b in zip(candidates, full, apart, strict=True)}

    def _candidates(self, pairs: Iterable[tuple[str, str]]) -> list[SenseInfo]:
        return [s for lemma, pos in pairs for s in self.inventory.candidates(lemma, pos)]

    # ------------------------------------------------------------------ queries
    def wsd(self, sentence: Words, target: str | None = None, *, at: int | None = None,
            pos: str | None = None, k: int = 5) -> Disambiguation:
        """Rank the target's candidate senses (best first) by the weighted score, with the
        ``k`` nearest labelled usages of the same lemma as evidence.

        Raises:
            InputError: see :meth:`locate` and :meth:`lemma_candidates`; ``k`` not an
                integer or negative."""
        k = check_count(k)
        located = self.locate(sentence, target, at)
        pairs = self.target_candidates(located, pos)
        self.ensure(pairs)
        raw, tags, contexts = self.encode_targets([located])  # one forward pass
        return self.disambiguate(located, pairs, raw[0], k=k, context=contexts[0],
                                 pos_logp=tags[0])

    @property
    def uses_context(self) -> bool:
        """Whether the scoring weighs a sentence-level feature (sentence vs gloss or vs sense
        text; else no sentence vectors are computed)."""
        return any(self.weights[scoring.FEATURES.index(name)]
                   for name in ("context_gloss_cos", "context_sense_cos"))

    def context_vectors(self, targets: Sequence[Target], *, force: bool = False
                        ) -> list[np.ndarray | None]:
        """The model's sentence vector ((dim,) float32, L2-normalized) of each target's
        sentence, or None for each when the scoring does not use it (unless ``force``).

        A forward pass of its own (``Encoder.sentence_vectors`` of the words joined by
        spaces): the query paths take the sentence vector from the word pass instead
        (:meth:`encode_targets`, :meth:`encode_sentences`); this stays for callers that have
        word vectors already or want the model's pipeline on the text itself."""
        if not (self.uses_context or force):
            return [None] * len(targets)
        sentences: dict[str, int] = {}
        for target in targets:
            sentences.setdefault(" ".join(target.words), len(sentences))
        vectors = l2_normalize(self.encoder.sentence_vectors(list(sentences)))
        return [vectors[sentences[" ".join(t.words)]] for t in targets]

    def candidate_features(self, located: Target, pairs: list[tuple[str, str]],
                           raw: np.ndarray, *, context: np.ndarray | None = None,
                           pos_logp: np.ndarray | None = None, evidence_k: int = 0,
                           every_feature: bool = False) -> scoring.CandidateFeatures:
        """The feature matrix of every candidate sense of ``pairs`` for the usage ``located``
        whose raw encoder vector is ``raw`` ((dim,) float32): ``scoring.candidate_matrix``
        with everything the index knows of the usage (its rare exception-list readings,
        the case flags of ``scoring.case_flags`` (and no ethnic slur for a capitalized
        name: ``scoring.without_slurs``), the bare-word vectors, the gloss
        overlaps, the prior of a construction it stands in:
        ``constructions.construction_prior``). ``context``: the sentence's vector, (dim,)
        float32 normalized, or None (the sentence features 0). ``pos_logp``: (4,) float64
        POS-head log-probabilities, or None. ``evidence_k``: nearest tokens kept for an
        answer's evidence.
        ``every_feature``: compute the features the weights leave at 0 as well (the
        nearest-token feature over every token, the bare-word and overlap features), as a
        tuning script wants them; else only what the weights use is searched for.

        Raises:
            IndexFormatError: a FAISS id without its database row, or the reverse."""
        candidates = scoring.without_slurs(self.inventory, located.words, located.index,
                                           self._candidates(pairs))
        return scoring.candidate_matrix(
            self.source, candidates, [group_key(lemma, pos) for lemma, pos in pairs],
            self.normalizer(raw), l2_normalize(raw), context=context,
            use_examples=self.use_examples, propagate=self.propagate,
            rank_every_token=every_feature or bool(self.weights[_NN_COS_AT]),
            evidence_k=max(evidence_k, 0), pos_logp=pos_logp,
            rare=self.inventory.rare_readings(located.surface, pairs),
            **names.case_flags(self.inventory, located, candidates),
            bare=(self.bare_vectors(s.lemma for s in candidates)
                  if every_feature or self.uses_bare else None),
            overlap=(self.gloss_overlaps(located, pairs, candidates)
                     if every_feature or self.uses_overlap else None),
            prior=construction_prior(located.words, located.index, candidates,
                                     self.inventory))

    def disambiguate(self, located: Target, pairs: list[tuple[str, str]], raw: np.ndarray,
                     *, k: int = 5, context: np.ndarray | None = None,
                     pos_logp: np.ndarray | None = None) -> Disambiguation:
        """Score every candidate sense of ``pairs`` for the usage whose raw encoder vector is
        ``raw`` ((dim,) float32): w · features (:meth:`candidate_features`,
        ``scoring.score_features``), probabilities by softmax over candidates; the ``k``
        nearest labelled usages come from the same token search. ``context``: the
        sentence's vector (``encode_targets``), computed by ``context_vectors`` (a second
        forward pass) when not given and the scoring uses it. ``pos_logp``: the usage's
        content-POS log-probabilities (``encode_targets``), soft evidence for each
        candidate's POS.

        Raises:
            IndexFormatError: a FAISS id without its database row, or the reverse."""
        if context is None:
            context = self.context_vectors([located])[0]
        found = self.candidate_features(located, pairs, raw, context=context,
                                        pos_logp=pos_logp, evidence_k=k)
        scored = scoring.score_features(found, self.weights, normalize_lemma(located.surface))
        groups = [group_key(lemma, pos) for lemma, pos in pairs]
        evidence = (self._near_usages(scored.found.vector, groups, scored.found.tokens[:k], k,
                                      examples=scored.found.examples)
                    if k > 0 else [])
        return disambiguation(located, pairs, scored, evidence, self.novelty,
                              lacking_pos=self._lacking_pos(located, pairs, pos_logp))

    def _base_form(self, target: Target, pairs: list[tuple[str, str]]
                   ) -> list[tuple[str, str]]:
        """``target.base_form_readings`` of a located target, read with the POS head's tags
        of its sentence (a forward pass, only where the word before it may make it a base
        form and that would drop a reading: "to *found*", not "The can *felt* cold")."""
        fewer = base_form_readings(target.words, target.index, pairs)
        if fewer == pairs or self.pos_head is None:
            return fewer
        tags = self._sentence_tags_of(target)
        return base_form_readings(target.words, target.index, pairs, tags)

    def _closed_class_reading(self, target: Target, pairs: list[tuple[str, str]]
                              ) -> list[tuple[str, str]]:
        """A closed-class word's readings (``tagger.STOPWORDS``: "even", "on", "up") in the
        one content part of speech the POS head reads it in, as ``tag`` reads it
        (``tagger._content_tag``): "Pick an *even* number" is the adjective alone, where
        every part of speech competed and the adverb's examples won (a tester's: ``wsd``
        said "equal", ``tag`` "divisible by two"). ``pairs`` unchanged for another word, a
        head tag that is no content POS, or no reading in it, and for a modal, which the head
        reads as a verb wherever it stands ("She signed her *will*": VERB 0.59; the
        auxiliary is refused before this, :meth:`_auxiliary_word`). Costs a forward pass of
        the sentence, only for such a word."""
        from .tagger import MODALS, STOPWORDS, _content_tag

        word = target.surface.casefold()
        if self.pos_head is None or word not in STOPWORDS or word in MODALS:
            return pairs
        tag = _content_tag(self._sentence_tags_of(target), target.index)
        return [pair for pair in pairs if pair[1] == tag] or pairs

    def _lacking_pos(self, located: Target, pairs: list[tuple[str, str]],
                     pos_logp: np.ndarray | None) -> str | None:
        """The part of speech the POS head reads the usage in with probability at least
        ``1 - results.LACKING_POS_PROBABILITY`` (``pos_logp``: (4,) float64 content-POS
        log-probabilities) where no candidate of ``pairs`` has it and WordNet has no
        reading of the word in it ("*Text* me when you land": VERB 0.99, WordNet 3.0 has
        the noun text alone), else None; None for a phrasal verb or a multiword."""
        if pos_logp is None or located.particle is not None or \
                " " in located.words[located.index]:  # a multiword's POS is read from its
            return None  # words' ("down the *stairs*": NOUN), not the head's of the usage
        best = int(np.argmax(pos_logp))
        tag = POS_TAGS[best]
        if (np.exp(pos_logp[best]) < 1.0 - LACKING_POS_PROBABILITY
                or any(p == tag for _, p in pairs) or self.readings(located.surface, tag)):
            return None
        return tag

    def neighbors(self, sentence: Words, target: str | None = None, *, at: int | None = None,
                  pos: str | None = None, k: int = 10, any_lemma: bool = False) -> list[Usage]:
        """The ``k`` labelled usages nearest to the target's usage: of the same lemma (any of
        its candidate lemma/POS), or of any word with ``any_lemma``.

        Raises:
            InputError: see :meth:`locate` and :meth:`lemma_candidates`; ``k`` not an
                integer or negative."""
        k = check_count(k)
        located = self.locate(sentence, target, at)
        pairs = None if any_lemma else self.target_candidates(located, pos)
        if pairs:
            self.ensure(pairs)
        else:
            self.keep_whole()
        vector = self.query_vectors([located])[0]
        return self.nearest(vector, pairs, k)

    def nearest(self, vector: np.ndarray, pairs: list[tuple[str, str]] | None,
                k: int) -> list[Usage]:
        """The k labelled usages nearest to ``vector`` ((dim,) float32, normalized, index
        space) among the lemmas of ``pairs`` (None: every word): corpus tokens and, unless
        ``use_examples`` is off, WordNet's example tokens; best first by cosine."""
        groups = None if pairs is None else [group_key(lemma, pos) for lemma, pos in pairs]
        return self._near_usages(vector, groups, store_hits(self.tokens, vector, k, groups),
                                 k)

    def _near_usages(self, vector: np.ndarray, groups: list[str] | None,
                     tokens: list[tuple[int, float]], k: int, *,
                     examples: list[tuple[int, float]] | None = None) -> list[Usage]:
        """The k best of the corpus token hits ``tokens`` and the example store's hits:
        ``examples``, the groups' example hits best first when the scoring searched them
        already (``CandidateFeatures.examples``), else a search of the example store."""
        if not self.use_examples:
            examples = []
        elif examples is None:
            examples = store_hits(self.examples, vector, k, groups)
        return self.usages(merge_hits(tokens, examples[:k], k))

    def cosine(self, sentence_a: Words, target_a: str | None, sentence_b: Words,
               target_b: str | None, *, at_a: int | None = None,
               at_b: int | None = None) -> float:
        """Cosine of two usages in the index's space (standardized if the index is), in
        [-1, 1] (float32 rounding clipped); a usage with itself (the same words and target
        position) is 1.0 exactly, as ``similarity`` gives it (float32 rounding gave
        1.0000001 or 0.99999994); was ``SenseIndex.similarity``. Raises InputError (see
        :meth:`locate`)."""
        a = self.locate(sentence_a, target_a, at_a)
        b = self.locate(sentence_b, target_b, at_b)
        if a == b:
            return 1.0
        va, vb = self.query_vectors([a, b])
        return float(np.clip(va @ vb, -1.0, 1.0))

    def info(self) -> dict:
        """What the index holds and how it was built (:func:`status.index_info`)."""
        return index_info(self.directory, self.manifest, self.queries, self._stores,
                          self.weights, default_index=self.autobuild)

    def check(self) -> None:
        """Raise IndexFormatError where FAISS ids and rows differ (:func:`status.check_index`)."""
        check_index(self.queries, self._stores)

    def usages(self, found: list[tuple[int, float]]) -> list[Usage]:
        """Labelled usages for (token id, cosine) pairs, in the given order.

        Raises:
            IndexFormatError: a token id in FAISS but not in the database."""
        return read_usages(self.queries, found, str(self.directory.path))


def check_open_index(index: object, command: str) -> None:
    """Raise unless ``index`` is an open :class:`SenseIndex` (what ``tag`` and the
    similarity functions take).

    Raises:
        InputError: one line naming ``command`` and what was given instead."""
    if not isinstance(index, SenseIndex):
        raise InputError(f"{command}: the index must be an open index (sensedb.open()), not "
                         f"{type(index).__name__}")


def open(path: str | os.PathLike | None = None, **options) -> SenseIndex:  # noqa: A001
    """Open an index directory (``None``: the default WordNet index); ``options`` as
    :class:`SenseIndex`."""
    return SenseIndex(path, **options)
