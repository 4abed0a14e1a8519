"""Corpus readers: Raganato's unified WSD format, sensedb's JSONL, WiC; and a tokenizer.

``is_sense_key``, ``key_lemma`` and ``key_pos`` are :mod:`sensedb.vocabulary`'s, re-exported.
Every reader raises :class:`sensedb.errors.InputError` (naming file, line and id) on bad input.
"""

from sensedb.corpora.jsonl import read_jsonl
from sensedb.corpora.model import Document, Sentence, Token, WicPair
from sensedb.corpora.raganato import dataset_prefix, read_gold, read_gold_with_lines, read_raganato
from sensedb.corpora.tokenize import find_target, merge_span, tokenize
from sensedb.corpora.wic import read_wic
from sensedb.vocabulary import is_sense_key, key_lemma, key_pos

__all__ = [
    "Document",
    "Sentence",
    "Token",
    "WicPair",
    "dataset_prefix",
    "find_target",
    "is_sense_key",
    "key_lemma",
    "key_pos",
    "merge_span",
    "read_gold",
    "read_gold_with_lines",
    "read_jsonl",
    "read_raganato",
    "read_wic",
    "tokenize",
]
