"""Word-piece data for training an adapter head (:mod:`sensedb.head.adapter_train`): labelled
usages and the candidate senses' glosses, tokenized as the product's encoder tokenizes them,
so training needs neither WordNet's database nor the encoder's batching (numpy only here; the
encoder's tokenizer makes the pieces).

An :class:`AdapterData` holds, for each *part* (a labelled corpus such as ``semcor``, an
evaluation set, or ``examples``: WordNet's usage examples of the candidate senses, as
:func:`sensedb.indexer.wordnet.example_usages` finds the lemma):

- ``<part>.pieces`` / ``.piece_offsets``: each window's word-piece ids (``Encoder._pieces``:
  no [CLS]/[SEP]); a sentence longer than the encoder's window is cut to the window centred
  on each of its targets (the product's windows overlap; training sees one per target);
- ``<part>.sentence``, ``.start``, ``.stop``: each usage's window and its target word's piece
  span; ``.group``: its (lemma, POS) group; ``.gold`` / ``.gold_offsets``: its gold senses
  (rows of the sense table); ``.doc``: a document number; ``.pos``: 0-3 (NOUN VERB ADJ ADV);

and ``group.candidates`` / ``.offsets`` (each group's candidates in WordNet order),
``sense.pieces`` / ``.offsets`` (each sense's ``gloss_text`` as the model tokenizes a text,
[CLS]/[SEP] included, cut to the model's window), ``sense.count`` / ``.rank`` (WordNet's tag
count and sense number), with a JSON ``meta`` (model, special piece ids, sense keys, groups).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from ..corpora import Document
from ..indexer.wordnet import example_usages, gloss_text
from ..inventory import WordNet
from ..vocabulary import normalize_lemma

#: The parts of speech a usage's ``pos`` numbers.
POS_ORDER = ("NOUN", "VERB", "ADJ", "ADV")


def _split(values: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    """``values`` cut at ``offsets`` ((n + 1,), from 0 to len(values)): n arrays."""
    return [values[a:b] for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


class AdapterData:
    """The arrays described in the module docstring, by name, and ``meta``."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        self.arrays = arrays
        self.meta = meta
        g = arrays
        self.candidates = _split(g["group.candidates"], g["group.offsets"])
        self.sense_pieces = _split(g["sense.pieces"], g["sense.offsets"])
        self.count = g["sense.count"]

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.stem + ".tmp.npz")  # a killed run leaves no half file
        np.savez_compressed(partial, meta=np.array(json.dumps(self.meta)), **self.arrays)
        os.replace(partial, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> AdapterData:
        with np.load(path) as z:
            return cls({k: z[k] for k in z.files if k != "meta"}, json.loads(str(z["meta"])))

    def parts(self) -> list[str]:
        return sorted({k.split(".")[0] for k in self.arrays if k.endswith(".piece_offsets")})

    def part(self, name: str) -> dict:
        """One part's usages: ``windows`` (list of piece-id arrays) and, per usage,
        ``sentence``, ``start``, ``stop``, ``group``, ``doc``, ``pos`` (int arrays) and
        ``gold`` (list of sense-row arrays)."""
        g = self.arrays
        return {
            "windows": _split(g[f"{name}.pieces"], g[f"{name}.piece_offsets"]),
            **{k: g[f"{name}.{k}"] for k in ("sentence", "start", "stop", "group", "doc",
                                               "pos")},
            "gold": _split(g[f"{name}.gold"], g[f"{name}.gold_offsets"]),
        }

    def usages(self, name: str) -> int:
        return len(self.arrays[f"{name}.group"])


class _Builder:
    def __init__(self, encoder, inventory: WordNet) -> None:
        self.encoder = encoder
        self.inventory = inventory
        self.groups: dict[tuple[str, str], int] = {}
        self.group_candidates: list[list[int]] = []
        self.senses: dict[str, int] = {}
        self.sense_info: list = []
        self.window = encoder.window_pieces

    def group(self, lemma: str, pos: str) -> int | None:
        key = (lemma, pos)
        if key not in self.groups:
            candidates = self.inventory.candidates(lemma, pos)
            if not candidates:
                return None
            rows = []
            for s in candidates:
                if s.key not in self.senses:
                    self.senses[s.key] = len(self.sense_info)
                    self.sense_info.append(s)
                rows.append(self.senses[s.key])
            self.groups[key] = len(self.group_candidates)
            self.group_candidates.append(rows)
        return self.groups[key]

    def part(self, sentences: list[list[str]], usages: list[tuple]) -> tuple[dict, int]:
        """``usages``: (sentence number, word position, lemma, POS, gold keys, doc). Returns
        the part's arrays and the number of usages skipped (unknown lemma, or a gold key
        that is not a candidate)."""
        pieces = self.encoder._pieces(sentences) if sentences else []
        out_pieces: list[int] = []
        offsets, word_of, gold_offsets = [0], [], [0]
        out: dict[str, list[int]] = {k: [] for k in ("sentence", "start", "stop", "group",
                                                      "gold", "doc", "pos")}
        made: dict[tuple[int, int], int] = {}  # (sentence, window start) -> window
        skipped = 0
        for number, position, lemma, pos, keys, doc in usages:
            group = self.group(lemma, pos)
            gold = [self.senses[k] for k in keys if k in self.senses]
            if group is None or not gold or not set(gold) <= set(self.group_candidates[group]):
                skipped += 1
                continue
            ids, words = pieces[number]
            where = [i for i, w in enumerate(words) if w == position]
            start = 0
            if len(ids) > self.window:  # the window centred on the target
                start = max(0, min(len(ids) - self.window,
                                   (where[0] + where[-1]) // 2 - self.window // 2))
            window = made.get((number, start))
            if window is None:
                window = made[(number, start)] = len(offsets) - 1
                out_pieces.extend(ids[start:start + self.window])
                word_of.extend(words[start:start + self.window])
                offsets.append(len(out_pieces))
            out["sentence"].append(window)
            out["start"].append(where[0] - start)
            out["stop"].append(where[-1] + 1 - start)
            out["group"].append(group)
            out["gold"].extend(gold)
            gold_offsets.append(len(out["gold"]))
            out["doc"].append(doc)
            out["pos"].append(POS_ORDER.index(pos))
        arrays = {k: np.array(v, dtype=np.int32) for k, v in out.items()}
        arrays.update(pieces=np.array(out_pieces, np.int32),
                      piece_offsets=np.array(offsets, np.int64),
                      word_of=np.array(word_of, np.int32),
                      gold_offsets=np.array(gold_offsets, np.int64))
        return arrays, skipped


def labelled_usages(documents: Iterable[Document],
                    doc_number: Callable[[str], int] | None = None) -> tuple[list, list]:
    """The sentences (word lists) and labelled usages of ``documents``: (sentence number,
    word position, lemma, POS, gold keys, document number); ``doc_number`` maps a document id
    to its number (default: the documents' order)."""
    sentences: list[list[str]] = []
    usages: list[tuple] = []
    seen: dict[str, int] = {}
    for document in documents:
        number = (doc_number(document.id) if doc_number is not None
                  else seen.setdefault(document.id, len(seen)))
        for sentence in document.sentences:
            for position, token in enumerate(sentence.tokens):
                if token.senses and token.pos in POS_ORDER:
                    usages.append((len(sentences), position, normalize_lemma(token.lemma),
                                   token.pos, list(token.senses), number))
            sentences.append(list(sentence.words))
    return sentences, usages


def build_adapter_data(parts: dict[str, tuple[list, list]], encoder, inventory: WordNet, *,
                       examples: bool = True, log: Callable[[str], None] | None = None
                       ) -> AdapterData:
    """Tokenize ``parts`` (name -> :func:`labelled_usages`' sentences and usages) and, with
    ``examples``, WordNet's usage examples of every candidate sense met (part ``examples``),
    with the candidates' glosses. ``encoder``: an :class:`~sensedb.encoder.Encoder` (its
    tokenizer and window).

    Raises:
        InputError: no usage of any part has a lemma WordNet knows with its gold key among
            the candidates."""
    from ..errors import InputError

    builder = _Builder(encoder, inventory)
    arrays: dict[str, np.ndarray] = {}
    for name, (sentences, usages) in parts.items():
        made, skipped = builder.part(sentences, usages)
        arrays.update({f"{name}.{k}": v for k, v in made.items()})
        if log is not None:
            log(f"{name}: {len(made['group'])} usages in {len(made['piece_offsets']) - 1} "
                f"windows, {skipped} skipped (lemma unknown, or gold key not a candidate)")
    if not builder.sense_info:
        raise InputError("no labelled usage whose lemma WordNet knows with its gold key "
                         "among the candidates: nothing to train on")
    if examples:
        sentences, usages = [], []
        for sense in list(builder.sense_info):
            for words, at in example_usages(inventory, sense):
                usages.append((len(sentences), at, sense.lemma, sense.pos, [sense.key], -1))
                sentences.append(words)
        made, _ = builder.part(sentences, usages)
        arrays.update({f"examples.{k}": v for k, v in made.items()})
    tokenizer = encoder.tokenizer
    ids = tokenizer([gloss_text(s) for s in builder.sense_info], add_special_tokens=True,
                    return_attention_mask=False, return_token_type_ids=False)["input_ids"]
    limit = encoder.max_length
    ids = [row[:limit - 1] + [row[-1]] if len(row) > limit else row for row in ids]
    arrays["sense.pieces"] = np.array([p for row in ids for p in row], np.int32)
    arrays["sense.offsets"] = np.cumsum([0] + [len(row) for row in ids]).astype(np.int64)
    arrays["sense.count"] = np.array([s.count for s in builder.sense_info], np.int32)
    arrays["sense.rank"] = np.array([s.rank for s in builder.sense_info], np.int32)
    arrays["group.candidates"] = np.array(
        [s for g in builder.group_candidates for s in g], np.int32)
    arrays["group.offsets"] = np.cumsum(
        [0] + [len(g) for g in builder.group_candidates]).astype(np.int64)
    meta = {"model": encoder.name, "window": builder.window,
            "pad_id": int(tokenizer.pad_token_id or 0), "cls_id": int(tokenizer.cls_token_id),
            "sep_id": int(tokenizer.sep_token_id),
            "senses": [s.key for s in builder.sense_info],
            "groups": [f"{lemma}\t{pos}" for lemma, pos in builder.groups]}
    return AdapterData(arrays, meta)
