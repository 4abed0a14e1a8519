"""The one-call indexing entry point shared by the CLI and the Python API."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from .corpora import Document, read_jsonl, read_raganato
from .corpora.tokenize import check_text
from .encoder import DEFAULT_MODEL, Encoder, LayerSpec, canonical_layers
from .errors import ConfigurationError, IndexFormatError, InputError
from .head import RetrievalHead, head_for_manifest
from .indexer import (
    WORDNET_CORPUS,
    IndexDirectory,
    JobReport,
    Manifest,
    index_documents,
    open_or_create,
)
from .indexer.chunks import CHUNK_WORDS, first_chunk_words
from .indexer.directory import CREATING, first_missing, model_path
from .indexer.documents import LabelWarnings, ReadOnce, check_documents
from .indexer.first_chunk import check_while_encoding
from .indexer.job import check_layers, progress_bar
from .indexer.pipeline import pipeline_pays
from .indexer.token_stores import check_store_type, set_store_type
from .inventory import WordNet, default_wordnet
from .inventory.labels import LabelCheck
from .paths import model_name
from .progress import close_bar
from .retriever.opening import other_model
from .retriever.scoring import DEFAULT_WEIGHTS


def build_index(corpus: str | os.PathLike, index: str | os.PathLike, *,
                gold: str | os.PathLike | None = None, corpus_name: str | None = None,
                model: str | None = None, layers: str | None = None,
                pooling: str | None = None, standardize: bool | None = None,
                db_url: str | None = None, device: str | None = None,
                batch_tokens: int | None = None, wordnet: WordNet | None = None,
                encoder: Encoder | None = None, progress: bool = True,
                replace: bool = False, store: str | None = None,
                ray: str | None = None, ray_workers: int = 2,
                head: str | os.PathLike | RetrievalHead | None = "auto",
                dtype: str | None = None, pipeline: bool | None = None,
                unchecked_labels: bool = False, allow_duplicates: bool = False) -> JobReport:
    """Index a sense-labelled corpus (unified XML + gold keys, or JSONL) into ``index``.

    Creates the index, or adds to it (the sense means are updated incrementally). A document is
    identified by the corpus name, its name and its content (a SHA-256): one already indexed as
    it is is skipped, so a crashed job resumes; one with the same name and other content is
    refused, or with ``replace`` indexed in place of the old one (whose tokens leave the sense
    means). The whole corpus is read and checked before anything is written, so a rejected job
    leaves the index as it was (meanwhile the model loads and a pipelined job encodes its first
    chunk: ``indexer.first_chunk``; the corpus's error comes first). ``layers`` (default
    ``last``), ``pooling`` (``mean``) and ``standardize`` (False) are a new index's settings;
    given for an existing index they must be its own. ``store``: the token store type (``flat``,
    ``sq8``, ``pq``, ``rabitq``; ``sensedb.store.partitioned``), recorded in the manifest; None
    keeps the index's own (a new index: ``flat``). ``ray``: encode on Ray (``"local"``: a local
    runtime with ``ray_workers`` encoder workers; else a cluster address), committed here as
    usual (``indexer.ray_job``). ``head``: the retrieval head of a new index (``"auto"``: the
    shipped one for the default model; None: none; a head file or directory); an existing index
    keeps its own, and refuses another. ``dtype``: the model's floating-point type of a new
    index (``fp32``, ``bf16``, ``fp16`` on a GPU; default fp32), an existing index's own when
    None. ``batch_tokens``: padded word pieces per forward pass (None: the device's default,
    ``encoder.BATCH_TOKENS``). ``pipeline``: overlap reading, encoding and writing (None: where
    it pays; ``indexer.pipeline``). Returns the job's :class:`~sensedb.indexer.JobReport`
    (counts, seconds, ``notices``).

    Each label's words are checked against its key's lemma
    (``sensedb.inventory.labels.LabelCheck``) unless ``unchecked_labels``: in JSONL a label
    whose words cannot be the lemma (one on the wrong token) is an :class:`InputError`;
    in the unified XML, whose labels sit on their own elements, it is indexed, counted in
    the report's ``implausible_labels`` and its first few named in ``notices``. A document
    whose content the index already holds under another corpus or name (a copied or
    renamed file) is skipped with a notice and counted in ``duplicate_documents``, unless
    ``allow_duplicates``.

    Raises:
        InputError: the corpus or its gold file is missing or malformed, a sense key is not
            in the inventory (names the file, line or id), a JSONL label whose words cannot
            be its key's lemma (without ``unchecked_labels``), or a document changed
            without ``replace``.
        IndexFormatError: the index was built with another model, layers, pooling or
            standardization (names its settings), or is damaged.
        IndexLockedError: another process is writing the index.
        ConfigurationError: a bad model, layer setting (e.g. a layer the model does not
            have) or database URL, the corpus name ``wordnet`` (sensedb's own) or one
            holding a control character; nothing is written.
    """
    check_store_type(store)
    corpus = Path(corpus)
    if layers is not None:
        LayerSpec.parse(layers, pooling or "mean")  # an empty or malformed spec: refused now
    if corpus_name is not None and not corpus_name.strip():
        raise ConfigurationError("the corpus name is empty: give a name, or leave the option "
                                 "out to take the file's")
    inventory = wordnet or default_wordnet()
    # the file name up to its first dot, past leading ones (".notes.jsonl": "notes"; a
    # corpus file's name has a suffix, so this is never empty)
    name = corpus_name or corpus.name.lstrip(".").split(".")[0]
    try:  # a control character: U+001F would pose as a retired document's mark (fold.RETIRED)
        check_text(name, "the corpus name")
    except InputError as error:
        raise ConfigurationError(str(error)) from None
    if name == WORDNET_CORPUS:  # its tokens would be filed as WordNet's usage examples
        raise ConfigurationError(f"the corpus name {name!r} is sensedb's own (WordNet's "
                                 "glosses and usage examples, kept apart from corpus "
                                 "evidence): give another (--corpus-name)")
    warned: list[InputError] = []
    read, _ = corpus_reader(corpus, gold, inventory, label_check=None if unchecked_labels
                            else LabelCheck(inventory), warn=warned.append)
    corpus_passes = ReadOnce(read)  # parsed once for the check and the job (SemCor included)
    directory = IndexDirectory(index, db_url)
    made_here = first_missing(index)  # a failed job leaves no folder it made
    bar = None
    try:
        if directory.exists():
            manifest = directory.manifest()
            _check_settings(directory, manifest, layers, pooling, standardize, model)
            described = manifest.encoder
            model = model or model_path(directory, described)  # moved with its folder
            layers, pooling = described.layers, described.layer_pooling
            dtype = dtype or described.dtype
            if encoder is None and isinstance(head, str) and head == "auto":
                head = head_for_manifest(described.head)
        # every document read and checked before anything is written (the collector kept
        # from walking the documents kept for the job: BENCHMARKS.md, 2.4 s of SemCor), in
        # a thread while the encoder loads and encodes the job's first chunk from the
        # documents checked so far (indexer.first_chunk: nothing is written before the
        # check ends; its error is raised first)
        hashes: dict[str, str] = {}

        # the label warnings of the documents this job indexes (a resumed job counted the
        # whole corpus's)
        own_warnings = LabelWarnings(warned)

        def check(documents: Iterator[Document], to_index: Callable[[Document], object]) -> int:
            def indexed(document: Document) -> object:
                own_warnings.take(document)
                return to_index(document)

            words = check_documents(directory, documents, name, replace=replace,
                                    path=str(corpus), hashes=hashes,
                                    allow_duplicates=allow_duplicates, to_index=indexed)
            if bar is not None:  # the words to index known: drawn with its next update
                bar.total = words
            return words

        def load() -> Encoder:
            made = encoder or Encoder(model, layers=layers or "last",
                                      pooling=pooling or "mean", device=device,
                                      batch_tokens=batch_tokens, head=head,
                                      dtype=dtype or "fp32")
            check_layers(made)
            return made

        def encode_first(made: Encoder) -> int:  # a pipelined job in this process
            pipelined = pipeline if pipeline is not None else pipeline_pays(made.device,
                                                                            made.threads())
            return first_chunk_words(made.device, CHUNK_WORDS) if ray is None and pipelined \
                else 0

        directory.refuse_before_work()  # a foreign folder: refused before any encoding
        # the indexing bar counts the first chunk's words as they are encoded (its total is
        # set as soon as the check has counted them)
        bar = progress_bar(progress)
        total_words, encoder, first = check_while_encoding(
            check, corpus_passes.check_pass(), load, first_words=encode_first,
            chunk_words=CHUNK_WORDS, progress=None if bar is None else bar.update)
        warnings = list(own_warnings.taken)  # the check pass's (a second read warns again)
        encode, chunk_words = None, CHUNK_WORDS
        if ray is not None:
            from .indexer import ray_job

            encode = ray_job.ray_encoder(encoder, ray, workers=ray_workers)
            chunk_words = ray_job.chunk_words(total_words, ray_workers)
        with directory.lock():
            try:
                open_or_create(directory, encoder, inventory, standardize=bool(standardize),
                               scoring=DEFAULT_WEIGHTS)
                if store is not None:
                    set_store_type(directory, store)
                same = corpus_passes.hands_over  # the checked objects: their hashes hold
                report = index_documents(
                    directory, encoder, inventory, corpus_passes.job_pass(), corpus=name,
                    path=str(corpus), progress=progress, total_words=total_words,
                    replace=replace, encode=encode, chunk_words=chunk_words,
                    pipeline=pipeline, hashes=hashes if same else None,
                    allow_duplicates=allow_duplicates, first=first,
                    first_words=first_chunk_words(encoder.device, chunk_words), bar=bar)
            except BaseException:
                if made_here is not None:  # under the lock: no other writer starts in it
                    _remove_if_nothing_written(directory, made_here, lock_held=True)
                raise
        if not report.documents:  # every document was there: this job indexed no label
            warnings = []  # (the index changed between the check and the lock)
        report.implausible_labels = len(warnings)
        report.notices += [f"{w} (indexed as labelled)" for w in warnings[:NOTICED_LABELS]]
        if len(warnings) > NOTICED_LABELS:
            report.notices.append(f"{len(warnings) - NOTICED_LABELS} more labels whose words "
                                  "cannot be their key's lemma (indexed as labelled)")
        return report
    except BaseException:
        if made_here is not None:  # failed before the lock (an unreachable PostgreSQL)
            _remove_if_nothing_written(directory, made_here, lock_held=False)
        raise
    finally:
        close_bar(bar)  # the job closed it, unless it failed before the job
        directory.close()


def _remove_if_nothing_written(directory: IndexDirectory, made: Path, *,
                               lock_held: bool) -> None:
    """Remove ``made``, the outermost folder a failed job made, when nothing was written:
    no file in it but the writer's lock file (``lock_held``: this job holds it), and no
    index in the database (one elsewhere, ``--db``, that the job already wrote to keeps its
    folder, or a rerun could never resume). A bad ``--db`` URL left ``DIR/.lock`` and
    ``DIR/raw/``; an unreachable PostgreSQL an empty ``DIR``; a job stopped while it created
    the index its half-made database (``sensedb.sqlite.creating``, never an index: the next
    creation removes it)."""
    try:
        written = directory.exists()
    except Exception:  # noqa: BLE001 - its database cannot be reached: nothing went there
        written = False
    directory.close()
    if written:
        return
    try:
        leftovers = [p for p in made.rglob("*")
                     if p.is_file() and not (lock_held and p.name == ".lock")
                     and not p.name.startswith(CREATING)]
        if not leftovers:
            shutil.rmtree(made)
    except OSError:  # not ours to fight over: leave it
        pass


#: Implausible labels of a unified-XML corpus named one by one in a job's notices.
NOTICED_LABELS = 5


def corpus_reader(corpus: str | os.PathLike, gold: str | os.PathLike | None,
                  inventory: WordNet, *,
                  label_check: Callable[[str, tuple[str, ...]], bool] | None = None,
                  warn: Callable[[InputError], None] | None = None
                  ) -> tuple[Callable[[], Iterator[Document]], list[Path]]:
    """A function that streams the documents of ``corpus`` (unified XML with ``gold``, the
    gold file beside it when None, or ``.jsonl``), sense keys checked against ``inventory``
    and labels against their keys (``read_raganato(check_labels=True)``; the JSONL reader
    always checks them), and the files it reads. ``label_check``: each label's words
    against its key's lemma (``inventory.labels.LabelCheck``): a JSONL label that fails is
    an error, a unified-XML one is given to ``warn`` (an error without it).

    Raises:
        InputError: the corpus is missing or not a file; no gold file for an XML corpus;
            a gold file given with a JSONL corpus."""
    corpus = Path(corpus)
    if not corpus.is_file():
        raise InputError("file not found" if not corpus.exists() else "not a file",
                         path=str(corpus))
    if corpus.suffix.lower() not in (".jsonl", ".xml"):
        raise InputError("not a corpus sensedb reads: give JSONL (a .jsonl file) or the "
                         "unified XML of Raganato et al. (a .data.xml file with its gold "
                         "keys)", path=str(corpus))
    if corpus.suffix.lower() == ".jsonl":
        if gold is not None:  # was ignored in silence, a missing file too
            raise InputError(f"a JSONL corpus carries its sense keys itself: no gold file "
                             f"({gold}) is read with it", path=str(corpus))
        return lambda: read_jsonl(corpus, key_check=inventory.has_key,
                                  label_check=label_check), [corpus]
    if gold is None:
        guess = corpus.with_name(corpus.name.replace(".data.xml", ".gold.key.txt"))
        if guess == corpus or not guess.exists():
            raise InputError("no gold key file: give --gold FILE", path=str(corpus))
        gold = guess
    gold_path = Path(gold)
    return (lambda: read_raganato(corpus, gold_path, key_check=inventory.has_key,
                                  check_labels=True, label_check=label_check, warn=warn),
            [corpus, gold_path])


def _check_settings(directory: IndexDirectory, manifest: Manifest, layers: str | None,
                    pooling: str | None, standardize: bool | None,
                    model: str | None = None) -> None:
    """Refuse settings given for an existing index that are not its own; another model
    first (before a retrieval head made for it is judged: "give --no-head" was the first
    answer to adding with another model).

    Raises:
        IndexFormatError: naming the index's settings.
        ConfigurationError: a layer setting that cannot be parsed; a model path where no
            folder is."""
    built = manifest.encoder
    if model not in (None, "") and other_model(
            model if model in ("default", DEFAULT_MODEL) else model_name(model), built):
        raise IndexFormatError(
            f"{directory.path}: index was built with model {built.model!r}, not {model!r}: "
            "leave --model out to add to it, or index into another directory")
    asked = []
    if layers is not None and canonical_layers(LayerSpec.parse(layers).describe(),
                                               built.num_layers) \
            != canonical_layers(built.layers, built.num_layers):
        asked.append(f"--layers {layers}")
    if pooling is not None and pooling != built.layer_pooling:
        asked.append(f"--pooling {pooling}")
    if standardize is not None and bool(standardize) != manifest.standardize:
        asked.append("--standardize" if standardize else "--no-standardize")
    if asked:
        raise IndexFormatError(
            f"{directory.path}: the index was built with layers={built.layers!r}, "
            f"pooling={built.layer_pooling!r}, standardize={manifest.standardize} (model "
            f"{built.model}), not {' '.join(asked)}: leave these options out to add to it, "
            "or index into another directory")
