"""The contextual encoder: word-level vectors for pre-tokenized sentences.

One class owns everything model-specific: loading by name or path, word-piece alignment,
layer pooling, windows for long sentences, length-bucketed batching, device and threads.
Everything else asks it for word vectors (``Encoder.word_vectors``) or sentence vectors.
Window planning and piece alignment (no model) are in :mod:`sensedb.encoder_windows`; layer
specs, dtypes and how a batch's hidden layers are combined in :mod:`sensedb.encoder_layers`.

This is the only module of sensedb that imports torch, transformers and
sentence-transformers (lazily, on first use); :func:`library_versions` reports theirs. A
local model directory whose sentence-transformers pipeline is a plain mean of the last layer
(the default model's) is loaded with transformers alone (:func:`plain_mean_pipeline`):
importing sentence-transformers costs ~1.5 s beyond transformers' own model code on the
2-core machine, and its import took 7-9 s of a 15-19 s first ``sensedb wsd`` on the GPU
machine (BENCHMARKS.md, "Opening an index on the GPU machine").
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, overload

import numpy as np

from .corpora.tokenize import encoder_words
from .encoder_layers import (
    DTYPES,
    LayerSpec,
    canonical_layers,
    check_batch_tokens,
    check_device,
    check_dtype,
    combine_layers,
)
from .encoder_windows import (
    Prepared,
    Window,
    align_pieces,
    length_batches,
    pack_batch,
    plan_windows,
    pool_windows,
    text_windows,
)
from .errors import ConfigurationError, InputError
from .gc_policy import bulk_work
from .head import RetrievalHead, load_head
from .paths import default_model_path, model_name
from .progress import close_bar

__all__ = ["DEFAULT_MODEL", "DTYPES", "Encoder", "LayerSpec", "Prepared", "canonical_layers",
           "check_device", "check_dtype", "default_model_path", "library_versions"]

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# Padded word pieces per forward pass when none is given: on a CPU larger batches gain
# nothing (BENCHMARKS.md); a GPU needs large ones to fill its cores (the H200: a
# forward pass of the default model reaches ~54k sequences/s in fp32 only at large batches).
BATCH_TOKENS = {"cpu": 4096, "cuda": 65536}
#: What one more forward pass costs, in padded pieces, as a share of ``batch_tokens``, when
#: ``encoder_windows.length_batches`` places the cuts between batches: a quarter gives as
#: many batches as filling each batch in turn did, with fewer padded pieces (SemCor's first
#: 20 documents: 2-3% fewer; BENCHMARKS.md). Fewer pieces in more batches do not pay on a
#: loaded CPU: there each forward pass costs far more than its pieces (torch's threads wait
#: for one another at every operation).
BATCH_COST_SHARE = 0.25


def library_versions() -> dict[str, str]:
    """The versions of the model libraries, as an index manifest records them:
    ``{"torch": ..., "transformers": ...}`` (imports both)."""
    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__}


class Encoder:
    """A BERT-style encoder: a model directory whose sentence-transformers pipeline is a plain
    mean (:func:`plain_mean_pipeline`, the default model's) loads through transformers alone,
    any other model through sentence-transformers; the vectors are the same either way.

    ``model``: ``None``/``"default"`` for the embedded all-MiniLM-L6-v2, or any
    sentence-transformers or Hugging Face model name or local path. ``batch_tokens``: padded
    word pieces per forward pass; ``max_length``: pieces per window ([CLS]/[SEP] included),
    at most the model's own limit; ``device``: a torch device (default cuda when available).
    ``local_files_only``: never reach the model hub (the model must be in the local cache or
    a local directory), as when an existing index's manifest names the model.
    ``head``: the retrieval head applied to every word vector of its layer spec and every
    sentence vector this encoder outputs (:mod:`sensedb.head`): ``"auto"`` the package's head
    when it fits the model and layers, None no head, a head file/directory or object.
    ``batch_tokens``: None for the device's default (``BATCH_TOKENS``: 4096 on a CPU, 65536
    on a GPU). ``dtype``: the model's floating-point type, ``fp32``, ``bf16`` or ``fp16``
    (``fp16`` on a GPU only); an index records it and refuses vectors of another.

    Raises:
        ConfigurationError: the model cannot be loaded, has no fast tokenizer, a bad layer
            spec, a window under 8 pieces, an unknown dtype or fp16 on a CPU.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        layers: str | Sequence[int] | LayerSpec = "last",
        pooling: str = "mean",
        device: str | None = None,
        batch_tokens: int | None = None,
        threads: int | None = None,
        max_length: int | None = None,
        local_files_only: bool = False,
        head: str | os.PathLike[str] | RetrievalHead | None = "auto",
        dtype: str = "fp32",
    ) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = check_device(device)
        self.dtype = check_dtype(dtype, device)
        self.layer_spec = LayerSpec.parse(layers, pooling)
        kind = torch.device(device).type
        self.batch_tokens = (check_batch_tokens(batch_tokens)
                             or BATCH_TOKENS.get(kind, BATCH_TOKENS["cuda"]))
        if model in (None, "", "default", DEFAULT_MODEL):
            self.name = DEFAULT_MODEL
            path = default_model_path()
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        else:  # a local directory by its absolute path, found from any folder later
            self.name = model_name(str(model))
            path = self.name
        self.model_path = str(path)  # what the model loads from (a directory or hub name)
        # a plain mean pipeline needs no sentence-transformers (its import is the largest
        # share of a first answer); anything else goes through it
        plain = plain_mean_pipeline(path)
        self._st = None
        if plain is not None:
            pipeline_length, normalized = plain
            self.tokenizer, self.model = _load_transformer(path, device, pipeline_length,
                                                           local_files_only)
            # sentence vectors through the encoder's own batching: a mean of the last layer,
            # L2-normalized when the pipeline ends in Normalize
            self._sentence_pooling: bool | None = normalized
        else:
            self._st = _load_sentence_transformer(path, device, local_files_only)
            first = self._st[0]
            self.tokenizer = first.tokenizer
            self.model = first.auto_model
            pipeline_length = getattr(self._st, "max_seq_length", None)
            # the same where the pipeline is such a mean; None: sentence vectors through it
            self._sentence_pooling = _mean_pooling(self._st)
        self.model.eval()
        # before any dtype change or head: the weights as their files hold them
        self.weights = weights_fingerprint(self.model)
        if self.dtype != "fp32":
            self.model.to({"bf16": torch.bfloat16, "fp16": torch.float16}[self.dtype])
        if not getattr(self.tokenizer, "is_fast", False):
            raise ConfigurationError(f"model {self.name}: a fast (Rust) tokenizer is required")
        config = self.model.config
        self.dim = int(config.hidden_size)
        self.num_layers = int(config.num_hidden_layers)
        limits = [
            pipeline_length,
            getattr(config, "max_position_embeddings", None),
            self.tokenizer.model_max_length if self.tokenizer.model_max_length < 10**6 else None,
            max_length,
        ]
        self.max_length = int(min(x for x in limits if x))
        self.window_pieces = self.max_length - 2  # room for [CLS] and [SEP]
        # windows handle long sentences; keep the tokenizer from warning about their length
        self.tokenizer.model_max_length = 10**9
        if self.window_pieces < 8:
            raise ConfigurationError(f"max_length {self.max_length} is too small")
        # the retrieval head maps every vector this encoder outputs (sensedb.head); the
        # layers as the index records them ("6" and "-1" of a 6-layer model are "last")
        layers_named = self.layer_spec.canonical(self.num_layers + 1).describe()
        self.head = load_head(head, model=self.name, layers=layers_named)
        if self.head is not None:
            self.head.check_encoder(self.name, self.dim, layers_named)
        # a head with a trained last layer reruns it on the layer below (sensedb.head.layer)
        self._head_layer = self.head.bind(self.model) if self.head is not None else None

    def threads(self) -> int:
        """torch's intra-op threads (what the encoder uses of a CPU)."""
        import torch

        return torch.get_num_threads()

    # ------------------------------------------------------------------ identity
    def describe(self) -> dict:
        """What an index records about the encoder; two encoders with equal descriptions
        produce comparable vectors."""
        return {
            "model": self.name,
            "dim": self.dim,
            "num_layers": self.num_layers,
            "layers": self.layer_spec.canonical(self.num_layers + 1).describe(),
            "layer_pooling": self.layer_spec.pooling,
            "piece_pooling": "mean",
            "max_length": self.max_length,
            **({"dtype": self.dtype} if self.dtype != "fp32" else {}),
            **({"head": self.head.describe()} if self.head is not None else {}),
            "weights": self.weights,
        }

    # ------------------------------------------------------------------ sentences
    def sentence_vectors(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """The model's own sentence embedding (its pooling and normalization) of each text:
        (n_texts, dim) float32.

        A text longer than the model's window (``window_pieces`` word pieces) is cut at white
        space into consecutive windows that fit; its vector is the mean of the windows'
        vectors weighted by their pieces (L2-normalized again when the model's own vectors
        are unit length), never a silent truncation or a position overflow."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = list(texts)
        # a word piece covers at least one byte of UTF-8: a text of no more bytes than a
        # window fits without being tokenized to count its pieces (the common, short case)
        fits = [len(text.encode("utf-8", "surrogatepass")) <= self.window_pieces
                or len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
                <= self.window_pieces for text in texts]
        windows = [[(text, 1)] if fit else self._text_windows(text)
                   for text, fit in zip(texts, fits, strict=True)]
        parts = [part for found in windows for part, _ in found]
        if self._sentence_pooling is not None:
            vectors = self._mean_sentence_vectors(parts, normalize=self._sentence_pooling,
                                                  progress=progress)
        else:
            vectors = self._st.encode(parts, batch_size=64, convert_to_tensor=True,
                                      show_progress_bar=progress)
            vectors = vectors.float().cpu().numpy()  # float32 whatever the model's dtype
        if len(parts) != len(texts):
            vectors = pool_windows(vectors, [[float(p) for _, p in found] for found in windows])
        return vectors if self.head is None else self.head.sentences(vectors)

    @bulk_work()
    def _mean_sentence_vectors(self, texts: list[str], *, normalize: bool,
                               progress: bool = False) -> np.ndarray:
        """The sentence vectors of a model whose sentence-transformers pipeline is a mean of
        its last layer over every piece ([CLS] and [SEP] included), L2-normalized when
        ``normalize`` (``_mean_pooling``): (n_texts, dim) float32, as that pipeline computes
        them (within float rounding: the rows share batches differently), each text fitting
        one window. Batched as word vectors are (``encoder_windows.length_batches``: sorted
        by pieces, ``batch_tokens`` padded pieces per forward pass) rather than as
        sentence-transformers does (64 texts sorted by characters): WordNet's glosses, the
        bulk of a cold index's new evidence, encode ~20-30% faster (BENCHMARKS.md)."""
        import torch

        ids = self.tokenizer(texts, add_special_tokens=True, return_attention_mask=False,
                             return_token_type_ids=False)["input_ids"]
        # length_batches counts two special pieces on top of piece_ids; these rows hold
        # theirs already: a batch is planned 2 pieces per row wider than it is
        rows = [Window(number, row, []) for number, row in enumerate(ids)]
        pad_id = self.tokenizer.pad_token_id or 0
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), unit="text", desc="encoding", smoothing=0.05,
                       delay=1)  # shown once the work has taken 1 s: not for a short query
        for batch in self._batches(rows):
            lengths = np.array([len(ids[i]) for i in batch], dtype=np.int64)
            input_ids = np.full((len(batch), int(lengths.max())), pad_id, dtype=np.int64)
            for row, i in enumerate(batch):
                input_ids[row, :lengths[row]] = ids[i]
            mask = (np.arange(input_ids.shape[1])[None, :] < lengths[:, None]).astype(np.int64)
            with torch.inference_mode():
                hidden = self.model(
                    input_ids=torch.from_numpy(input_ids).to(self.device, non_blocking=True),
                    attention_mask=torch.from_numpy(mask).to(self.device, non_blocking=True),
                ).last_hidden_state.float()
                weights = torch.from_numpy(mask).to(self.device).unsqueeze(-1).float()
                vectors = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
                if normalize:
                    vectors = torch.nn.functional.normalize(vectors, p=2, dim=-1)
            out[batch] = vectors.cpu().numpy()
            if bar is not None:
                bar.update(len(batch))
        close_bar(bar)
        return out

    def _text_windows(self, text: str) -> list[tuple[str, int]]:
        """``text`` cut at white space into windows of at most ``window_pieces`` pieces."""
        words = text.split()
        counts = [len(ids) for ids in self.tokenizer(
            words, add_special_tokens=False, return_attention_mask=False)["input_ids"]]
        return [(" ".join(words[start:end]), pieces)
                for start, end, pieces in text_windows(counts, self.window_pieces)]

    # ------------------------------------------------------------------ words
    def word_vectors(
        self,
        sentences: Sequence[Sequence[str]],
        *,
        layers: str | Sequence[int] | LayerSpec | None = None,
        progress: bool | Callable[[int], None] = False,
    ) -> list[np.ndarray]:
        """Contextual vectors of every word of every sentence: a list of (n_words, dim)
        float32 arrays, one per sentence.

        A word is any string; one with spaces (a multiword expression) gets the mean over all
        its pieces. Sentences longer than the model's limit are encoded in overlapping windows;
        each word takes its vector from the window where it sits farthest from an edge.
        ``progress``: True for a tqdm bar over words, or a callback receiving word counts.

        Raises:
            InputError: a sentence has no words.
            ConfigurationError: a bad ``layers`` spec.
        """
        spec = LayerSpec.parse(layers, self.layer_spec.pooling) if layers else self.layer_spec
        return self.word_vectors_multi(sentences, {"v": spec}, progress=progress)["v"]

    def word_vectors_multi(
        self,
        sentences: Sequence[Sequence[str]],
        specs: dict[str, str | Sequence[int] | LayerSpec],
        *,
        progress: bool | Callable[[int], None] = False,
    ) -> dict[str, list[np.ndarray]]:
        """Like :meth:`word_vectors` for several layer specs from one forward pass:
        ``{name: [array per sentence]}``."""
        matrices, offsets = self._word_matrices(sentences, specs, progress)
        return {name: [vectors[offsets[i]:offsets[i + 1]] for i in range(len(sentences))]
                for name, vectors in matrices.items()}

    def word_and_sentence_vectors(
        self,
        sentences: Sequence[Sequence[str]],
        specs: dict[str, str | Sequence[int] | LayerSpec] | None = None,
        *,
        progress: bool | Callable[[int], None] = False,
    ) -> tuple[dict[str, list[np.ndarray]], np.ndarray]:
        """Like :meth:`word_vectors_multi` (``specs`` default ``{"v": the encoder's}``), and
        each sentence's sentence embedding from the same forward pass: ``({name: [array per
        sentence]}, (n_sentences, dim) float32)``; see ``encode_prepared(sentences=True)``
        for how the sentence vectors are pooled (one pass for a mean-pooling model, else
        through :meth:`sentence_vectors`).

        Raises:
            InputError: a sentence has no words.
            ConfigurationError: a bad layer spec."""
        matrices, offsets, found = self.encode_prepared(
            self.prepare(sentences), specs or {"v": self.layer_spec}, progress=progress,
            sentences=True)
        return ({name: [vectors[offsets[i]:offsets[i + 1]] for i in range(len(sentences))]
                 for name, vectors in matrices.items()}, found)

    def word_matrix(
        self,
        sentences: Sequence[Sequence[str]],
        *,
        progress: bool | Callable[[int], None] = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`word_vectors`, as one (total_words, dim) float32 array and the
        (n_sentences + 1,) offsets of each sentence's rows in it: bulk jobs gather and reduce
        over it without touching one array per sentence."""
        matrices, offsets = self._word_matrices(sentences, {"v": self.layer_spec}, progress)
        return matrices["v"], offsets

    def prepare(self, sentences: Sequence[Sequence[str]]) -> Prepared:
        """Tokenize and plan a call over ``sentences`` without running the model: the
        windows, their length-bucketed batches as padded arrays and where each piece's
        vector goes (numpy only: a reader thread runs this while the model encodes the
        previous call; :meth:`encode_prepared` runs it).

        Raises:
            InputError: a sentence has no words."""
        for number, words in enumerate(sentences):
            if len(words) == 0:
                raise InputError("empty sentence (no words)", item=f"sentence #{number}")
        offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(w) for w in sentences])
        windows = self._windows(sentences, offsets)
        pad_id = self.tokenizer.pad_token_id or 0
        batches = [pack_batch(windows, batch, self.tokenizer.cls_token_id,
                         self.tokenizer.sep_token_id, pad_id)
                   for batch in self._batches(windows)]
        counts = np.zeros(int(offsets[-1]), dtype=np.float32)
        for batch in batches:
            counts += np.bincount(batch.slots, minlength=len(counts)).astype(np.float32)
        return Prepared(offsets, batches, counts,
                        [" ".join(encoder_words(words)) for words in sentences])

    @bulk_work()
    def _word_matrices(
        self,
        sentences: Sequence[Sequence[str]],
        specs: dict[str, str | Sequence[int] | LayerSpec],
        progress: bool | Callable[[int], None],
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        return self.encode_prepared(self.prepare(sentences), specs, progress=progress)

    @overload
    def encode_prepared(
        self,
        prepared: Prepared,
        specs: dict[str, str | Sequence[int] | LayerSpec] | None = None,
        *,
        progress: bool | Callable[[int], None] = False,
        sentences: Literal[False] = False,
        before_batch: Callable[[], None] | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray]: ...

    @overload
    def encode_prepared(
        self,
        prepared: Prepared,
        specs: dict[str, str | Sequence[int] | LayerSpec] | None = None,
        *,
        progress: bool | Callable[[int], None] = False,
        sentences: Literal[True],
        before_batch: Callable[[], None] | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]: ...

    @bulk_work()
    def encode_prepared(
        self,
        prepared: Prepared,
        specs: dict[str, str | Sequence[int] | LayerSpec] | None = None,
        *,
        progress: bool | Callable[[int], None] = False,
        sentences: bool = False,
        before_batch: Callable[[], None] | None = None,
    ) -> (tuple[dict[str, np.ndarray], np.ndarray]
          | tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]):
        """Run the model over a :meth:`prepare` d call: ``({name: (total_words, dim) float32},
        offsets)`` for each layer spec of ``specs`` (default ``{"v": the encoder's}``).

        Word pooling runs on the device: each batch's piece vectors are gathered and added
        to their words' rows with one ``index_add_`` (no loop over words), in float32
        whatever the model's dtype; the rows leave the device once, at the end.

        ``sentences=True`` returns a third item: the model's own sentence embedding of each
        sentence, (n_sentences, dim) float32, what :meth:`sentence_vectors` gives for the
        sentence's words joined by spaces, pooled from the SAME forward pass (no second
        one) when the model's sentence-transformers pipeline is a plain mean of its last
        layer (``_mean_pooling``; all-MiniLM-L6-v2): each window's vector is the mean of the
        last layer over every piece of the window, [CLS] and [SEP] included, L2-normalized
        when the pipeline normalizes; a sentence in several windows (longer than
        ``window_pieces``, ``encoder_windows.plan_windows``) takes the mean of its windows'
        vectors weighted by their pieces ([CLS]/[SEP] not counted), L2-normalized again when
        the pipeline normalizes, as ``sentence_vectors`` pools its windows
        (``encoder_windows.pool_windows``). The word pass's windows of a long sentence
        overlap (stride about half a window) where ``sentence_vectors`` cuts the text into
        consecutive windows: a piece in two windows counts in both, so a long sentence's
        vector differs a little from ``sentence_vectors``' (a sentence that fits one window,
        the common case, gets the same vector within float rounding). The retrieval head's
        sentence map applies (``head.sentences``) as in ``sentence_vectors``; a head's
        trained last layer changes word vectors only, never sentence vectors (the model's
        own last layer is pooled, as ``sentence_vectors`` does). Any other sentence pipeline
        (``_sentence_pooling`` None: CLS or max pooling, a Dense layer, lower-casing, ...)
        falls back to :meth:`sentence_vectors` over ``prepared.texts``: a second pass.
        ``before_batch``: called before each batch's forward pass (a pipelined job sets
        torch's threads there, ``indexer.pipeline.CoreShare``)."""
        import torch

        specs = specs or {"v": self.layer_spec}
        parsed = {name: LayerSpec.parse(spec, self.layer_spec.pooling)
                  for name, spec in specs.items()}
        total_words = len(prepared.counts)
        outs = {name: torch.zeros((total_words, self.dim), dtype=torch.float32,
                                  device=self.device) for name in parsed}
        n_sentences = len(prepared.offsets) - 1
        pooled = sentences and self._sentence_pooling is not None
        if pooled:  # piece-weighted sums of each sentence's window vectors, and the weights
            sums = torch.zeros((n_sentences, self.dim), dtype=torch.float32, device=self.device)
            weights = torch.zeros(n_sentences, dtype=torch.float32, device=self.device)
        bar = None
        if progress is True:
            from tqdm.auto import tqdm

            bar = tqdm(total=total_words, unit="word", desc="encoding", smoothing=0.05,
                       delay=1)  # shown once the work has taken 1 s: not for a short query
        callback = progress if callable(progress) else None
        for batch in prepared.batches:
            if before_batch is not None:
                before_batch()
            states = self._forward(batch.input_ids, batch.mask)
            # a head with a trained last layer: that layer rerun on the layer below
            headed = None if self._head_layer is None else self._head_layer(
                states, [int(n) for n in np.asarray(batch.mask).sum(1)])
            if len(batch.slots):
                slots = torch.from_numpy(batch.slots).to(self.device, non_blocking=True)
                take = torch.from_numpy(batch.take).to(self.device, non_blocking=True)
                for name, spec in parsed.items():
                    hidden = combine_layers(states if headed is None
                                      or spec.describe() != self.head.layers else headed, spec)
                    pieces = hidden.reshape(-1, hidden.shape[-1]).index_select(0, take)
                    outs[name].index_add_(0, slots, pieces.float())
            if pooled:
                self._add_window_vectors(states[-1], batch, sums, weights)
            if bar is not None:
                bar.update(batch.words)
            if callback is not None:
                callback(batch.words)
        if bar is not None:
            bar.close()
        divisor = torch.from_numpy(prepared.counts).to(self.device).clamp(min=1).unsqueeze(1)
        result = {name: out.div_(divisor).cpu().numpy() for name, out in outs.items()}
        if self.head is not None:  # the head maps the layer spec it was trained on
            for name, spec in parsed.items():
                if spec.describe() == self.head.layers and spec.pooling == "mean":
                    result[name] = self.head.words(result[name])
        if not sentences:
            return result, prepared.offsets
        if pooled:
            vectors = sums / weights.clamp(min=1e-9).unsqueeze(1)
            if self._sentence_pooling:  # pool_windows: unit windows, a unit mean
                vectors = torch.nn.functional.normalize(vectors, p=2, dim=-1)
            found = vectors.cpu().numpy()
            found = found if self.head is None else self.head.sentences(found)
        else:  # another sentence pipeline: through sentence-transformers, a second pass
            texts = prepared.texts if prepared.texts is not None else []
            if len(texts) != n_sentences:
                raise ValueError("this Prepared holds no sentence texts: make it with "
                                 "Encoder.prepare")
            found = self.sentence_vectors(texts)
        return result, prepared.offsets, found

    def _add_window_vectors(self, last, batch, sums, weights) -> None:
        """Add each row's window vector of one batch (the model's sentence pooling over the
        window: the mean of ``last``, the last layer (rows, width, dim), over the row's
        pieces, [CLS] and [SEP] included; L2-normalized when the pipeline normalizes),
        weighted by the window's pieces without [CLS]/[SEP], into ``sums`` (n_sentences,
        dim) and the weights into ``weights`` (n_sentences,) at the row's sentence."""
        import torch

        mask = torch.from_numpy(batch.mask).to(self.device, non_blocking=True).float()
        vectors = (last.float() * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(
            min=1e-9)
        if self._sentence_pooling:
            vectors = torch.nn.functional.normalize(vectors, p=2, dim=-1)
        owner = torch.from_numpy(batch.sentences).to(self.device, non_blocking=True)
        pieces = (mask.sum(1) - 2).clamp(min=1)
        sums.index_add_(0, owner, vectors * pieces.unsqueeze(1))
        weights.index_add_(0, owner, pieces)

    def batch_plan(self, sentences: Sequence[Sequence[str]]) -> dict[str, int]:
        """How a call over ``sentences`` would be batched, without running the model:
        windows, batches, word pieces and padded pieces ([CLS] and [SEP] included). Fewer
        sentences per call pad more: each batch then spans a wider range of lengths."""
        offsets = np.zeros(len(sentences) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(w) for w in sentences])
        windows = self._windows(sentences, offsets)
        batches = self._batches(windows)
        return {
            "windows": len(windows),
            "batches": len(batches),
            "pieces": sum(len(w.piece_ids) + 2 for w in windows),
            "padded_pieces": sum(len(b) * (max(len(windows[i].piece_ids) for i in b) + 2)
                                 for b in batches),
        }

    def _pieces(self, sentences: Sequence[Sequence[str]]) -> list[tuple[list[int], list[int]]]:
        """Piece ids and the word index of each piece, per sentence (see
        :func:`~sensedb.encoder_windows.align_pieces`: every word has at least one piece);
        a web or e-mail address is read as a stand-in word
        (:func:`~sensedb.corpora.tokenize.encoder_words`: "Visit *website* to renew", not
        its wordpieces, which made the verb before it a noun)."""
        encoded = self.tokenizer(
            [list(encoder_words(s)) for s in sentences], is_split_into_words=True,
            add_special_tokens=False
        )
        unk = self.tokenizer.unk_token_id
        return [align_pieces(encoded["input_ids"][number], encoded.word_ids(number), len(words),
                             unk)
                for number, words in enumerate(sentences)]

    def _windows(self, sentences: Sequence[Sequence[str]], offsets: np.ndarray) -> list[Window]:
        return plan_windows(self._pieces(sentences), offsets, self.window_pieces)

    def _batches(self, windows: list[Window]) -> list[list[int]]:
        return length_batches(windows, self.batch_tokens,
                              int(self.batch_tokens * BATCH_COST_SHARE))

    def _forward_pieces(self, pieces: Sequence[Sequence[int]]):
        """All hidden states of the sequences ``pieces`` (word-piece ids without [CLS] and
        [SEP]), padded into one batch (for the head's training scripts and tests)."""
        width = max(len(p) for p in pieces) + 2
        tok = self.tokenizer
        input_ids = np.full((len(pieces), width), tok.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(pieces), width), dtype=np.int64)
        for row, ids in enumerate(pieces):
            input_ids[row, :len(ids) + 2] = [tok.cls_token_id, *ids, tok.sep_token_id]
            mask[row, :len(ids) + 2] = 1
        return self._forward(input_ids, mask)

    def _forward(self, input_ids: np.ndarray, mask: np.ndarray):
        """All hidden states (embeddings + every layer) of one padded batch: ``input_ids``
        and ``mask`` int64 (batch, pieces), [CLS] and [SEP] included."""
        import torch

        with torch.inference_mode():
            output = self.model(
                input_ids=torch.from_numpy(input_ids).to(self.device, non_blocking=True),
                attention_mask=torch.from_numpy(mask).to(self.device, non_blocking=True),
                output_hidden_states=True,
            )
        return output.hidden_states

    def attention_received(self, words: Sequence[str]) -> np.ndarray:
        """How much attention each word receives in the last layer: (n_words,) float64 that
        sums to 1.

        Attention weights are averaged over heads and summed over query positions; [CLS] and
        [SEP] are left out as queries and as keys; a word's score is the sum over its pieces.
        The sentence must fit in one window of the model (InputError otherwise: attention is
        not comparable across windows). The model runs with eager attention for this call
        only (sdpa cannot return attention weights), then goes back to its setting.
        """
        import torch

        words = list(words)
        if not words:
            raise InputError("empty sentence (no words)")
        ids, word_of = self._pieces([words])[0]
        if len(ids) > self.window_pieces:
            raise InputError(
                f"sentence has {len(ids)} word pieces; attention key words need it to fit in "
                f"one window of the model ({self.window_pieces} pieces): shorten it")
        seq = [self.tokenizer.cls_token_id, *ids, self.tokenizer.sep_token_id]
        input_ids = torch.tensor([seq], dtype=torch.long, device=self.device)
        previous = getattr(self.model.config, "_attn_implementation", None)
        switch = hasattr(self.model, "set_attn_implementation") and previous != "eager"
        try:
            if switch:
                self.model.set_attn_implementation("eager")
            with torch.inference_mode():
                output = self.model(input_ids=input_ids,
                                    attention_mask=torch.ones_like(input_ids),
                                    output_attentions=True)
        finally:
            if switch:
                self.model.set_attn_implementation(previous)
        if not output.attentions:
            raise ConfigurationError(f"model {self.name} does not return attention weights")
        last = output.attentions[-1][0].float().mean(0)  # (queries, keys), heads averaged
        received = last[1:-1, 1:-1].sum(0).cpu().numpy().astype(np.float64)  # per key piece
        scores = np.zeros(len(words), dtype=np.float64)
        np.add.at(scores, np.asarray(word_of, dtype=np.int64), received)
        total = scores.sum()
        return scores / total if total > 0 else np.full(len(words), 1.0 / len(words))


def _mean_pooling(st) -> bool | None:
    """Whether the sentence-transformers pipeline ``st`` normalizes a plain mean of its
    transformer's last layer over every piece: True for [Transformer, mean Pooling,
    Normalize], False without Normalize, None for anything else (another pooling, a prompt
    left out or prepended by default, lower-casing, a Dense layer, ...: sentence vectors then
    go through ``st``)."""
    try:
        modules = list(st)
    except TypeError:
        return None
    names = [type(m).__name__ for m in modules]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    transformer, pooling = modules[0], modules[1]
    mode = getattr(pooling, "pooling_mode", None)
    if mode not in ("mean", ("mean",), ["mean"]) or not getattr(pooling, "include_prompt", False):
        return None
    if getattr(st, "default_prompt_name", None) or getattr(
            transformer, "do_lower_case", False) or getattr(
            transformer, "processing_kwargs", None) or getattr(
            transformer, "model_forward_params", None):
        return None
    return len(modules) == 3


# The module types of a plain mean pipeline in a model directory's modules.json, in order
_PLAIN_MODULES = ("sentence_transformers.models.Transformer",
                  "sentence_transformers.models.Pooling",
                  "sentence_transformers.models.Normalize")
# The keys of its sentence_bert_config.json that change nothing the encoder computes
_PLAIN_SETTINGS = {"max_seq_length", "do_lower_case"}


def plain_mean_pipeline(path: str | os.PathLike[str]) -> tuple[int | None, bool] | None:
    """Whether the local model directory ``path`` holds a sentence-transformers pipeline
    that is a plain mean of its transformer's last layer over every piece, read from its
    files without importing sentence-transformers: ``(max_seq_length or None, whether it
    ends in Normalize)`` for [Transformer at the directory's root, mean Pooling with the
    prompt included, optionally Normalize], no lower-casing, no other Transformer setting
    and no default prompt; None for anything else (a model name, another pooling, a Dense
    layer, a missing or unreadable file: the model then loads through sentence-transformers,
    which decides, as :func:`_mean_pooling` does).
    """
    root = Path(path)
    try:
        modules = json.loads((root / "modules.json").read_text(encoding="utf-8"))
        types = [m["type"] for m in modules]
        if (types not in (list(_PLAIN_MODULES[:2]), list(_PLAIN_MODULES))
                or modules[0].get("path", "") not in ("", ".")):
            return None
        settings = json.loads((root / "sentence_bert_config.json").read_text(encoding="utf-8"))
        pooling = json.loads((root / modules[1]["path"] / "config.json").read_text(
            encoding="utf-8"))
        prompts = root / "config_sentence_transformers.json"
        if prompts.exists() and json.loads(prompts.read_text(encoding="utf-8")).get(
                "default_prompt_name"):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    if not isinstance(settings, dict) or set(settings) - _PLAIN_SETTINGS or settings.get(
            "do_lower_case"):
        return None
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode")}
    mean_only = modes.get("pooling_mode_mean_tokens") is True and not any(
        v for k, v in modes.items() if k != "pooling_mode_mean_tokens")
    if not mean_only or not pooling.get("include_prompt", True):
        return None
    length = settings.get("max_seq_length")
    return (int(length) if length else None), len(types) == 3


def _load_transformer(path: str, device: str, max_seq_length: int | None,
                      local_files_only: bool = False):
    """The tokenizer and model of a plain mean pipeline's directory (:func:
    `plain_mean_pipeline`), loaded as sentence-transformers loads them (transformers'
    ``AutoConfig``, ``AutoModel`` and ``AutoTokenizer`` on the directory, the tokenizer
    limited to ``max_seq_length``) and the model moved to ``device``."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        config = AutoConfig.from_pretrained(path, local_files_only=local_files_only)
        model = AutoModel.from_pretrained(path, config=config, local_files_only=local_files_only)
        extra = {"model_max_length": max_seq_length} if max_seq_length else {}
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local_files_only,
                                                  **extra)
    except Exception as exc:  # the library raises many kinds; the user needs one message
        raise ConfigurationError(f"cannot load model {path!r}: {_one_line(exc)}") from exc
    return tokenizer, model.to(device)


def _one_line(exc: BaseException) -> str:
    """The library's message on one line (its own line breaks read as "\\n" in an error)."""
    return " ".join(str(exc).split())


#: Values read from each parameter tensor for :func:`weights_fingerprint`.
WEIGHTS_SAMPLE = 4096


def weights_fingerprint(model) -> str:
    """A SHA-256 (hex) of a model's weights: each parameter's name, shape and up to
    WEIGHTS_SAMPLE evenly strided values (float32, on the CPU), in name order. An index
    records it (``Encoder.describe()["weights"]``) and refuses vectors of a model whose files
    changed under the same name (a user's folder overwritten with other weights was mixed in
    silently; only ``verify --deep`` saw it). Milliseconds for a MiniLM (~100 tensors); the
    same files give the same value on any device."""
    import torch

    digest = hashlib.sha256()
    with torch.no_grad():
        for name, parameter in sorted(model.named_parameters()):
            flat = parameter.detach().reshape(-1)
            sample = flat[::max(1, flat.numel() // WEIGHTS_SAMPLE)]
            digest.update(f"{name}{tuple(parameter.shape)}".encode())
            digest.update(sample.to("cpu", torch.float32).numpy().tobytes())
    return digest.hexdigest()


def _load_sentence_transformer(path: str, device: str, local_files_only: bool = False):
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        return SentenceTransformer(path, device=device, local_files_only=local_files_only)
    except Exception as exc:  # the library raises many kinds; the user needs one message
        where = " (only the local cache was searched)" if local_files_only else ""
        raise ConfigurationError(
            f"cannot load model {path!r}{where}: {_one_line(exc)}. Give a "
            "sentence-transformers or Hugging Face model name that is in the local cache, "
            "or a local model directory "
            "(no download is attempted when HF_HUB_OFFLINE=1)."
        ) from exc
