"""Choose the scoring weights by SemCor document cross-validation, SemEval-2007 as the check.

    python scripts/tune_weights.py cache --data ../shared/data --cache runs/p30/cache \
        --index runs/p30/semcor90 --examples-corpus
    python scripts/tune_weights.py tune --cache runs/raw11b-cache --json runs/tune_weights.json \
        --write sensedb/data/scoring_weights.json
    python scripts/tune_weights.py fill-case --from runs/s39/rel --cache runs/s40/case
    python scripts/tune_weights.py fill-bare --from runs/p26/cache2 --cache runs/p29/cache
    python scripts/tune_weights.py fill-overlap --from runs/s38/cache --cache runs/s38/lesk

``cache`` computes, once, every instance's candidate feature matrix the way a raw-text
pipeline meets it (:func:`raw_instance_features`: candidates of every part of speech the
surface form has, the POS head's log-probability and the proper-name flag included) and
pickles it under ``--cache``:
- ``semcor-wordnet.pkl``: SemCor documents d000, d010, d020, ... (every tenth, 36 documents)
  scored by the default (WordNet-only) index: no SemCor token is evidence there.
- ``se07-wordnet.pkl`` and ``se07-corpus.pkl``: SemEval-2007 by the default index and by the
  SemCor index ``--index``, which must lack documents d000, d010, ... (SemCor without them:
  ``sensedb index`` of a copy of semcor.data.xml and its keys with those 36 ``<text>``
  elements and their keys removed; :func:`refuse_held_out` checks it).
- ``semcor-corpus.pkl`` and, with ``--examples-corpus``, ``examples-corpus.pkl``: those
  SemCor documents and WordNet's usage examples scored by ``--index``.
- ``examples-wordnet.pkl``: WordNet's own usage examples, each labelled with the sense it
  illustrates (:func:`example_instance_features`; 27,654 instances), scored by the default
  index with the features that contain the sentence itself held at 0: short sentences whose
  senses are spread as a lexicographer's, not as SemCor's counts.
``fill-case`` copies a cache made before the case features (``proper_name``,
``common_name``, ``personal_name``) with those columns filled (:func:`fill_case`; no
encoder: the flags depend on the written words and WordNet alone).
``fill-bare`` copies a cache made before ``bare_gloss_cos`` with that column filled through
the product (``SenseIndex.bare_vectors``, ``scoring.bare_cosines``: the default index of
``SENSEDB_HOME`` and its encoder); rows whose candidates the product now lists differently
are computed again whole.
``fill-overlap`` copies a cache made before ``gloss_overlap`` and ``related_overlap`` with
those columns filled
(:func:`fill_overlap`; no encoder: the overlap depends on the words and WordNet alone).
``tune`` is then a numpy loop over those arrays: each formula is a short linear formula over
``scoring.FEATURES`` searched on a small grid by the accuracy of the argmax. The SemCor
documents' ``log_wordnet_count`` is first recounted without the document's own gold keys
(:func:`own_counts_left_out`: WordNet's counts were counted on SemCor; ``--counts-as-they-are``
keeps them whole, as before 2026-12-03; the same formula is chosen either way, BENCHMARKS.md
"Measured, not shipped: the target's weight ...").
- ``wordnet_only`` (the default index): 5-fold cross-validation over the SemCor documents
  (folds fixed by document id: d000, d050, ... in fold 0; d010, d060, ... in fold 1; ...):
  each fold is scored with the formula best on the mean accuracy over the other four folds,
  SE07 and the other four folds of the examples set (folds by lemma); never one set alone:
  SemCor alone drops WordNet's examples and leans on the prior, SE07 alone is 455
  instances, the examples set alone knows nothing of sense frequency. The formula written
  is the best over all of them; the shipped one was written so (BENCHMARKS.md "Relative
  example evidence"). WordNet's tag counts were counted on SemCor, so the prior terms
  stay on a small grid (<= 0.2 per log count, 0.05 / sense number).
- ``corpus`` (indexes with SemCor tokens): the same rule on :data:`CORPUS_GRID`, every set
  scored by the SemCor index without the held-out documents (``semcor-corpus``,
  ``se07-corpus``, ``examples-corpus``). Without them (no ``--index`` given to ``cache``)
  the shipped corpus formula is kept.
A temperature then scales each formula so that its softmax is calibrated (argmax unchanged).
Figures are reported in raw-text mode (every candidate POS) and gold-POS mode (candidates of
the gold POS only).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import pickle
import shlex
import sys
import zlib
from pathlib import Path

import numpy as np

import sensedb
from sensedb.corpora import tokenize
from sensedb.retriever import names, scoring
from sensedb.retriever.overlap import COLUMNS as OVERLAP_COLUMNS
from sensedb.retriever.overlap import GlossOverlap
from sensedb.retriever.target import Target

NAMES = list(scoring.FEATURES)
SEMCOR_DOCUMENTS = {f"d{n:03d}" for n in range(0, 352, 10)}
FOLDS = 5
WORDNET_GRID = {"gloss_cos": (1.0,), "example_cos": (0,),
                "example_rel": (.25, .5, 1), "example_nn_rel": (0, .25, .5),
                "has_example": (0,),
                "context_gloss_cos": (0, .5, .75, 1, 1.25, 1.5, 1.75, 2),
                "log_wordnet_count": (.05, .1, .15, .2), "inv_rank": (.05,),
                "pos_logp": (.2, .3), "proper_name": (-.5,), "common_name": (-.25,),
                "sense_cos": (0,),
                "context_sense_cos": (0,), "bare_gloss_cos": (0, -.25, -.5, -.75, -1),
                "gloss_overlap": (0, .0125, .025, .05),
                "related_overlap": (0, .003, .006)}
# ``common_name`` stands at the value ``tune --scan common_name=0,-.25,-.5,-1,-2`` chose
# around each shipped formula (-.25 WordNet-only, -1 corpus; BENCHMARKS.md "A capital inside
# the sentence"): it fires on 107 of the 23,204 SemCor instances and none of SE07's, too few
# to be worth tripling the grid.
# Earlier grids weighed the absolute example cosines (example_cos 0-.5, example_nn_cos 0-.25)
# with a has-example offset, and held context_gloss_cos at 0 (before the WordNet-examples set
# took part). The examples now count only relatively (scoring.relative_examples): the
# absolute cosine (0.8-0.9 for any usage of the word) and the offset reward a sense for
# having WordNet examples at all, a frequency prior in disguise (lexicographers exemplify the
# common senses) that put the verb ahead of the noun in "a perfect dive". The sense-text
# terms are held at 0: a sense text costs every cold lemma 2.2x the encoding (BENCHMARKS.md
# "One encoder pass for the sentence vector"), and with the examples set they gained SE07
# raw-text (5 of 455) while SemCor (107 of 23,204) and the everyday sentences lost
# (BENCHMARKS.md "Relative example evidence").
# The corpus formula's grid, in units of corpus_cos (the shipped formula's weights are a
# point of it: vote .1, gloss .75, example_cos .25, log support .1, POS .3, proper name -.5;
# the gloss overlap's, per idf unit, about the WordNet-only formula's 0.0125 of its gloss
# weight).
CORPUS_GRID = {"corpus_cos": (1.0,), "vote": (0, .1, .25), "gloss_cos": (.5, .75, 1),
               "example_cos": (0, .25), "example_rel": (0, .5, 1),
               "context_gloss_cos": (0, .5, 1, 1.5), "bare_gloss_cos": (0, -.25, -.5),
               "log_support": (0, .05, .1, .2), "nn_cos": (0, .25, .5),
               "pos_logp": (.3,), "proper_name": (-.5,), "common_name": (-1,),
               "gloss_overlap": (0, .01, .02),
               "related_overlap": (0, .003, .006)}
CACHES = ("semcor-wordnet", "se07-wordnet", "se07-corpus", "examples-wordnet", "semcor-corpus",
          "examples-corpus")
# The weights shipped before: the "before" of every figure this script reports (the
# WordNet-only formula's before the sense-text features; the corpus formula's before it was
# chosen on a SemCor index without the held-out documents).
PREVIOUS = {
    "corpus": {"corpus_cos": 4.6691, "vote": 0.4669, "gloss_cos": 3.5018,
               "example_cos": 1.1673, "log_support": 0.4669, "pos_logp": 1.4007,
               "proper_name": -2.3346, "rare_base": -4.6691},
    "wordnet_only": {"gloss_cos": 7.0087, "example_cos": 1.7522, "example_nn_cos": 0.7009,
                     "has_example": -0.7009, "log_wordnet_count": 0.7009, "inv_rank": 0.3504,
                     "pos_logp": 1.4017, "proper_name": -3.5044, "rare_base": -7.0087},
}
# The rare exception-list reading (stamina -> stamen) costs one full cosine of the formula's
# main term: set by hand, because SemCor and SE07 hold too few such readings to fit it. So
# does a sense that is no person where the usage is a person's name by its place ("Ms.
# Park": names.personal_names; 8 annotated words of SemCor and none of SE07 follow an
# honorific).
RARE_BASE = -1.0
PERSONAL_NAME = -1.0
BY_HAND = {"rare_base": f"{RARE_BASE} x the formula's largest weight (too few readings to fit)",
           "personal_name": f"{PERSONAL_NAME} x the formula's largest weight (8 SemCor words "
                            "and no SemEval-2007 word follow an honorific: too few to fit)"}
# A usage is novel below this quantile of the best candidate's fit on ordinary labelled text
# of the same POS: a 10% false-alarm rate on ordinary text, accepted because the fit is a weak
# signal (the 2% quantile lies below every fit seen on tests/fixtures/novel.tsv).
NOVELTY_QUANTILE = 0.10


def load_rows(path: Path) -> list:
    """A cache file's rows, features padded with 0 for features added after it was made and
    the relative example features computed from the cached columns (the product computes
    them the same way: ``scoring.relative_examples``)."""
    rows = pickle.loads(path.read_bytes())
    width = len(NAMES)
    return [(scoring.relative_examples(np.pad(f, ((0, 0), (0, width - f.shape[1])))), g, m)
            for f, g, m in rows]


def own_counts_left_out(rows, inventory, data: Path, gold: Path,
                        documents: set[str] | None) -> tuple[list, int]:
    """The rows of a SemCor cache with the ``log_wordnet_count`` column recounted as if the
    instance's own document were unseen: ``log(1 + max(0, count - n))``, ``n`` the times
    the document's gold keys name the sense. WordNet's tag counts were counted on SemCor
    (``cntlist``), so a held-out SemCor document otherwise meets a prior that has seen its
    own answers, and a formula tuned there trusts the prior more than text the counts never
    saw warrants (the prior beating the context on everyday sentences). Returns the new
    rows and how many candidates' counts went down. SE07 and WordNet's examples need
    nothing: the counts never saw them.

    Raises:
        ValueError: a row's candidates are not those the data set's instances give now."""
    from collections import Counter

    instances = list(raw_instances(inventory, data, gold, documents))
    seen: dict[str, Counter] = {}
    for token, _, _, _ in instances:
        seen.setdefault(token.instance_id.split(".")[0], Counter()).update(token.senses)
    listed = {token.instance_id: [s for lemma, pos in pairs
                                  for s in inventory.candidates(lemma, pos)]
              for token, _, _, pairs in instances}
    column = NAMES.index("log_wordnet_count")
    out, lowered = [], 0
    for features, golds, meta in rows:
        candidates = listed[meta["id"]]
        if len(candidates) != len(features):
            raise ValueError(f"{meta['id']}: {len(features)} candidates cached, "
                             f"{len(candidates)} now: make the cache again")
        own = seen[meta["doc"]]
        counts = np.array([max(0, s.count - own[s.key]) for s in candidates], np.float64)
        lowered += int(sum(own[s.key] > 0 and s.count > 0 for s in candidates))
        features = features.copy()
        features[:, column] = np.log1p(counts)
        out.append((features, golds, meta))
    return out, lowered


def novelty(rows, weights: np.ndarray, skip: frozenset[str] = frozenset()) -> dict[str, float]:
    """The NOVELTY_QUANTILE of the best candidate's ``scoring.fit`` over ``rows``, per gold
    POS (with at least 100 instances) and over all (``"all"``); the instances of ``skip``
    (ids) left out (:func:`never_novel_ids`)."""
    best = [(scoring.fit(f, weights).max(), m["pos"]) for f, _, m in rows
            if len(f) and m["id"] not in skip]
    out = {"all": round(float(np.quantile([b for b, _ in best], NOVELTY_QUANTILE)), 4)}
    for pos in ("NOUN", "VERB", "ADJ", "ADV"):
        values = [b for b, p in best if p == pos]
        if len(values) >= 100:
            out[pos] = round(float(np.quantile(values, NOVELTY_QUANTILE)), 4)
    return out


def never_novel_ids(data: Path, documents: set[str] | None) -> frozenset[str]:
    """The ids of the instances of ``data`` (in ``documents``) whose gold lemma is one of
    ``scoring.NEVER_NOVEL``: never called novel, so left out of the thresholds' fit."""
    from sensedb.corpora import read_raganato

    return frozenset(token.instance_id for document in read_raganato(data)
                     if documents is None or document.id in documents
                     for sentence in document.sentences for token in sentence.tokens
                     if token.instance_id and token.lemma in scoring.NEVER_NOVEL)


def raw_instances(inventory, data: Path, gold: Path, documents: set[str] | None = None):
    """The labelled instances of a data set as a raw-text pipeline meets them: per instance
    (token, its sentence's words, its position, pairs), ``pairs`` being every (lemma, POS)
    WordNet's morphology gives the surface form, plus the gold lemma/POS. ``documents``: only
    these document ids."""
    from sensedb.corpora import read_raganato

    for document in read_raganato(data, gold, key_check=inventory.has_key):
        for sentence in document.sentences:
            for position, token in enumerate(sentence.tokens):
                if token.instance_id is None:
                    continue
                if documents is not None and token.instance_id.split(".")[0] not in documents:
                    continue
                pairs = inventory.lemmatize(token.text)
                if (token.lemma, token.pos) not in pairs:
                    pairs.append((token.lemma, token.pos))
                yield token, sentence.words, position, pairs


def raw_instance_features(index, data: Path, gold: Path, *, documents: set[str] | None = None,
                          progress: bool = True, ids: set[str] | None = None
                          ) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    """Per instance of a labelled data set, the candidate features a raw-text pipeline meets:
    the candidates are the senses of every (lemma, POS) WordNet's morphology gives the
    instance's surface form (plus the gold lemma/POS: :func:`raw_instances`), with the POS
    head's log-probability, the bare word's gloss cosines and every other feature computed
    (``scoring.candidate_matrix``). Returns (features (candidates, len(FEATURES)) float64,
    gold (candidates,) bool, {"id", "pos", "doc", "cand_pos": [POS per candidate]}).
    ``ids``: only these instances."""
    tokens, targets, pairs_of = [], [], []
    for token, words, position, pairs in raw_instances(index.inventory, data, gold, documents):
        if ids is not None and token.instance_id not in ids:
            continue
        tokens.append(token)
        targets.append(Target(words, position))
        pairs_of.append(pairs)
    index.ensure((p for pairs in pairs_of for p in pairs), progress=progress, sense_texts=True)
    index.prefetch(p for pairs in pairs_of for p in pairs)
    # the bare-word vectors in one batch (kept by the index for candidate_features)
    index.bare_vectors(s.lemma for pairs in pairs_of for lemma, pos in pairs
                       for s in index.inventory.candidates(lemma, pos))
    # one forward pass, sentence vectors pooled from it as the query path does (caches made
    # before 2026-12-01's one-pass change hold the two-pass ``context_vectors`` instead:
    # equal within float rounding for sentences of one window)
    vectors, tags, contexts = index.encode_targets(targets, progress=progress, context=True)
    rows = []
    for token, target, pairs, vector, tag, context in zip(tokens, targets, pairs_of, vectors,
                                                           tags, contexts, strict=True):
        # the query path's own features (SenseIndex.candidate_features), every one computed
        found = index.candidate_features(target, pairs, vector, context=context, pos_logp=tag,
                                         every_feature=True)
        rows.append((found.features,
                     np.array([s.key in token.senses for s in found.candidates]),
                     {"id": token.instance_id, "pos": token.pos,
                      "doc": token.instance_id.split(".")[0],
                      "cand_pos": [s.pos for s in found.candidates]}))
    return rows


def fill_case(rows, inventory, instances) -> list:
    """``rows`` of a cache made before the case features, their columns filled:
    ``proper_name``, ``common_name`` and ``personal_name`` (``scoring.case_flags``) of each
    instance's candidates, listed again from ``instances`` (:func:`overlap_instances`; no
    encoder needed: the flags depend on the written words and WordNet alone).

    Raises:
        ValueError: an instance whose candidates differ from its cached row's."""
    columns: dict[str, list] = {"proper": [], "common": [], "personal": []}
    listed = []
    for words, position, pairs, _ in instances:
        candidates = [s for lemma, pos in pairs for s in inventory.candidates(lemma, pos)]
        flagged = names.case_flags(inventory, Target(words, position), candidates)
        for name, keys in flagged.items():
            columns[name].append([float(s.key in keys) for s in candidates])
        listed.append(candidates)
    differ = []  # the same rows differ in every column: the candidates are listed once
    for name, values in columns.items():
        rows, differ = fill_column(rows, f"{name}_name", values, listed)
    if differ:
        raise ValueError(f"{len(differ)} instances whose candidates differ from the cache's")
    return rows


def fill_column(rows, name: str, values: list, candidates: list) -> tuple[list, list[int]]:
    """``rows`` with feature ``name`` set to ``values[n]`` (one value per candidate of row
    n), and the rows left as they are (their positions) because ``candidates[n]`` (the
    senses listed again now) differ in number or POS from the cached row's (``cand_pos``):
    the candidates the product lists have changed since the cache was made."""
    column, out, differ = NAMES.index(name), [], []
    for n, ((features, gold_mask, meta), value, listed) in enumerate(
            zip(rows, values, candidates, strict=True)):
        if [s.pos for s in listed] != list(meta["cand_pos"]):
            differ.append(n)
            out.append((features, gold_mask, meta))
            continue
        features = features.copy()
        features[:, column] = value
        out.append((features, gold_mask, meta))
    return out, differ


def fill_bare(rows, index, candidates: list) -> tuple[list, list[int]]:
    """``rows`` of a cache made before the bare-word feature, ``bare_gloss_cos`` filled for
    each row's candidates (``candidates[n]``, listed again the way the cache listed them)
    through the product: ``SenseIndex.bare_vectors`` and ``scoring.bare_cosines`` over the
    index's gloss vectors. Returns the rows and those left as they are (:func:`fill_column`),
    which the caller computes again whole."""
    index.ensure({(s.lemma, s.pos) for listed in candidates for s in listed}, progress=True)
    bare = index.bare_vectors(s.lemma for listed in candidates for s in listed)
    values = []
    for listed in candidates:
        found, gloss = index.source.wordnet_vectors([s.key for s in listed], "gloss")
        values.append([c or 0.0 for c in scoring.bare_cosines(listed, found, gloss, bare)])
    return fill_column(rows, "bare_gloss_cos", values, candidates)


#: The features an instance of the WordNet-examples set would leak its answer through: the
#: sentence is one of its sense's usage examples, so the examples' mean vector, the nearest
#: example token and the sense text (which quotes the examples) all contain it.
EXAMPLE_LEAKS = ("example_cos", "has_example", "example_nn_cos", "sense_cos", "context_sense_cos",
                 "example_rel", "example_nn_rel")


def refuse_held_out(index, documents: set[str]) -> None:
    """Raise ValueError when ``index`` holds any of ``documents`` (document keys): their
    own tokens would be evidence for themselves (a SemCor index for the corpus formula's
    cross-validation is built from SemCor without them)."""
    from sqlalchemy import select

    from sensedb.schema.models import DocumentRow

    with index.directory.db.session() as session:
        held = set(session.scalars(select(DocumentRow.key))) & documents
    if held:
        raise ValueError(f"{index.directory.path} holds {len(held)} of the held-out documents "
                         f"(e.g. {sorted(held)[0]}): index SemCor without them")


def example_fold(lemma: str) -> int:
    """The fold of a WordNet-examples instance: by its lemma (crc32), so that no lemma is on
    both sides of a split."""
    return zlib.crc32(lemma.encode("utf-8")) % FOLDS


def example_instance_features(index, *, progress: bool = True,
                              positions: set[int] | None = None
                              ) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    """WordNet's own usage examples as a labelled set of short everyday sentences: every
    example usage (``indexer.wordnet.example_usages``) of every (lemma, POS) with at least two
    senses of which at least two have one; its gold sense is the sense it illustrates. Unlike
    SemCor and SE07, whose senses follow the frequencies WordNet's counts were taken from,
    these are spread over the senses (a lexicographer writes examples for rare senses too),
    which is what a person's test sentence with "one plainly ambiguous word" is like.

    Candidates and features as :func:`raw_instance_features` (every POS of the form as
    written), except the :data:`EXAMPLE_LEAKS` columns, which are 0 for every candidate:
    the WordNet-only index holds the sentence itself among its examples and sense texts.
    Rows as there, ``doc`` being ``"wnex"`` and ``fold`` :func:`example_fold`;
    ``positions``: only these instances (by their place in the whole set's order)."""
    from sensedb.store import l2_normalize
    from sensedb.vocabulary import group_key, key_pos

    inventory = index.inventory
    instances, targets, pairs_of = example_instances(inventory)
    if positions is not None:
        keep = sorted(positions)
        instances, targets, pairs_of = ([part[n] for n in keep]
                                        for part in (instances, targets, pairs_of))
    index.ensure((p for pairs in pairs_of for p in pairs), progress=progress)
    index.prefetch(p for pairs in pairs_of for p in pairs)
    bare = index.bare_vectors(s.lemma for pairs in pairs_of for lem, pos in pairs
                              for s in inventory.candidates(lem, pos))
    vectors, tags, contexts = index.encode_targets(targets, progress=progress, context=True)
    leaks = [NAMES.index(name) for name in EXAMPLE_LEAKS]
    overlap = GlossOverlap(inventory)
    rows = []
    for (lemma, _, key, _, _), target, pairs, vector, tag, context in zip(
            instances, targets, pairs_of, vectors, tags, contexts, strict=True):
        candidates = [s for lem, pos in pairs for s in inventory.candidates(lem, pos)]
        found = scoring.candidate_matrix(
            index.source, candidates, [group_key(lem, pos) for lem, pos in pairs],
            index.normalizer(vector), l2_normalize(vector), context=context,
            use_examples=False, pos_logp=tag,
            bare=bare, **names.case_flags(inventory, target, candidates),
            overlap=example_overlap(overlap, inventory, key, target, pairs, candidates))
        features = found.features
        features[:, leaks] = 0.0
        rows.append((features, np.array([s.key == key for s in candidates]),
                     {"id": key, "pos": key_pos(key), "doc": "wnex",
                      "fold": example_fold(lemma), "cand_pos": [s.pos for s in candidates]}))
    return rows


def example_overlap(overlap: GlossOverlap, inventory, key: str, target, pairs,
                    candidates) -> np.ndarray:
    """The overlap columns of one WordNet-examples instance: its sentence is one of
    the examples of sense ``key``, which is left out of every candidate's signature (it
    would share every word with the sentence)."""
    own = next((e for e in inventory.sense(key).examples if tokenize(e) == list(target.words)),
               None)
    return overlap.scores(target.words, target.index, pairs, candidates, left_out=own)


def fill_overlap(rows, inventory, instances, overlap: GlossOverlap | None = None
                 ) -> tuple[list, list[int]]:
    """``rows`` of a cache made before ``gloss_overlap`` and ``related_overlap``, those
    columns filled (no encoder
    needed: the overlap depends on the words and WordNet alone). ``instances``: per row
    (words, position, pairs, key of the sense whose example the sentence is, or None).
    Returns the rows and those whose candidates changed (:func:`fill_column`).
    ``overlap``: the feature's variant (default: the product's)."""
    overlap = overlap or GlossOverlap(inventory)
    values, listed = [], []
    for words, position, pairs, key in instances:
        candidates = [s for lemma, pos in pairs for s in inventory.candidates(lemma, pos)]
        listed.append(candidates)
        if key is None:
            values.append(overlap.scores(words, position, pairs, candidates))
        else:
            values.append(example_overlap(overlap, inventory, key, Target(words, position),
                                          pairs, candidates))
    differ: list[int] = []
    for column, name in enumerate(OVERLAP_COLUMNS):
        rows, differ = fill_column(rows, name, [v[:, column] for v in values], listed)
    return rows, differ


def overlap_instances(inventory, rows, data: Path | None = None, gold: Path | None = None,
                      documents: set[str] | None = None) -> list[tuple]:
    """What :func:`fill_overlap` needs for each of a cache's ``rows``: (words, position,
    pairs, None) of its instance in the labelled data set ``data``/``gold`` (``documents``:
    those the cache holds), or, without ``data``, the WordNet-examples set's (words,
    position, pairs, key of the exemplified sense), in the set's order."""
    if data is None:
        instances, _, pairs_of = example_instances(inventory)
        return [(words, at, pairs, key) for (_, _, key, words, at), pairs
                in zip(instances, pairs_of, strict=True)]
    found = {token.instance_id: (words, position, pairs, None)
             for token, words, position, pairs in raw_instances(inventory, data, gold,
                                                                documents)}
    return [found[meta["id"]] for _, _, meta in rows]


def example_instances(inventory) -> tuple[list[tuple], list, list[list[tuple[str, str]]]]:
    """The WordNet-examples set's instances (lemma, POS, key, words, position) of
    :func:`example_instance_features`, their targets and each one's (lemma, POS) pairs (every
    POS of the form as written, plus the exemplified lemma's)."""
    from sensedb.indexer.wordnet import example_usages

    instances = []
    for pos in ("NOUN", "VERB", "ADJ", "ADV"):
        for lemma in inventory.lemmas(pos):
            senses = inventory.candidates(lemma, pos)
            usages = [(s.key, u) for s in senses for u in example_usages(inventory, s)]
            if len(senses) >= 2 and len({key for key, _ in usages}) >= 2:
                instances += [(lemma, pos, key, words, at) for key, (words, at) in usages]
    targets = [Target(words, at) for *_, words, at in instances]
    pairs_of = []
    for (lemma, pos, *_), target in zip(instances, targets, strict=True):
        pairs = inventory.lemmatize(target.surface)
        pairs_of.append(pairs + [(lemma, pos)] * ((lemma, pos) not in pairs))
    return instances, targets, pairs_of


def gold_pos_rows(rows):
    """The same instances with only the candidates of the gold POS (what ``evaluate`` meets)."""
    out = []
    for features, gold, meta in rows:
        keep = np.array([p == meta["pos"] for p in meta["cand_pos"]])
        # the relative example features are relative to the candidates the product meets
        out.append((scoring.relative_examples(features[keep].copy()), gold[keep], meta))
    return out


def grid(family: dict[str, tuple]) -> tuple[list[dict], np.ndarray]:
    combos = [dict(zip(family, values, strict=True))
              for values in itertools.product(*family.values())]
    return combos, np.array([[c.get(n, 0.0) for n in NAMES] for c in combos])


def correct_matrix(rows, weights: np.ndarray, chunk: int = 128) -> np.ndarray:
    """(instances, weight vectors) bool: whether each weight vector's argmax (the first
    candidate of the highest score, as ``np.argmax``) is gold. All candidates of all
    instances are scored at once, ``chunk`` weight vectors at a time."""
    out = np.zeros((len(rows), len(weights)), bool)
    used = [i for i, (_, gold, _) in enumerate(rows) if len(gold)]
    if not used or not len(weights):
        return out
    features = np.concatenate([rows[i][0] for i in used])
    gold = np.concatenate([rows[i][1] for i in used]).astype(bool)
    sizes = np.array([len(rows[i][1]) for i in used])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    owner = np.repeat(np.arange(len(used)), sizes)
    position = np.arange(len(features), dtype=np.float64)[:, None]
    for first in range(0, len(weights), chunk):
        scores = features @ weights[first:first + chunk].T  # (candidates, chunk)
        best = np.maximum.reduceat(scores, starts)[owner]
        first_best = -np.maximum.reduceat(np.where(scores == best, -position, -np.inf), starts)
        out[used, first:first + chunk] = gold[first_best.astype(np.int64)]
    return out


def accuracy(right: np.ndarray, rows, pos: str | None = None) -> float:
    mask = np.array([pos is None or m["pos"] == pos for _, _, m in rows])
    return round(100 * float(right[mask].mean()), 2) if mask.any() else 0.0


def temperature(rows, weights: np.ndarray) -> float:
    """The scale of ``weights`` that maximizes the mean log-probability of the gold senses."""
    best, best_ll = 1.0, -np.inf
    usable = [(f, g) for f, g, _ in rows if len(g) > 1 and g.any()]
    for scale in np.geomspace(0.5, 200, 60):
        total = 0.0
        for features, gold in usable:
            z = features @ (weights * scale)
            z -= z.max()
            total += np.log(np.exp(z[gold]).sum()) - np.log(np.exp(z).sum())
        if total / len(usable) > best_ll:
            best, best_ll = float(scale), total / len(usable)
    return best


def fold_of(document: str) -> int:
    """SemCor fold of a document id (fixed: the held-out documents d000, d010, ... dealt out
    in turn, so fold 0 is d000, d050, d100, ...)."""
    return (int(document[1:]) // 10) % FOLDS


def summary(rows_raw, rows_gold, weights) -> dict:
    raw, gold = correct_matrix(rows_raw, weights[None]), correct_matrix(rows_gold, weights[None])
    return {"raw": {p or "all": accuracy(raw[:, 0], rows_raw, p)
                    for p in (None, "NOUN", "VERB", "ADJ", "ADV")},
            "gold_pos": {p or "all": accuracy(gold[:, 0], rows_gold, p)
                         for p in (None, "NOUN", "VERB", "ADJ", "ADV")}}


GRIDS = {"wordnet_only": WORDNET_GRID, "corpus": CORPUS_GRID}


def tune_family(family: str, semcor, se07, examples=None, scan: tuple | None = None,
                examples_weight: float = 1.0, se07_weight: float = 1.0) -> dict:
    """:func:`tune_formula` of ``family``'s formula on its grid (:data:`GRIDS`; the "before"
    of its figures, :data:`PREVIOUS`), or with ``scan`` on the grid :func:`around` the
    shipped formula (the shipped weights as "before"). The rows: ``wordnet_only``'s scored
    by the default index; ``corpus``'s by a SemCor index that lacks the held-out documents
    (``semcor``: :data:`SEMCOR_DOCUMENTS`; their tokens are no evidence for themselves)."""
    if scan:
        return tune_formula(around(family, *scan), scoring.DEFAULT_WEIGHTS[family], semcor,
                            se07, examples, examples_weight, se07_weight)
    return tune_formula(GRIDS[family], PREVIOUS[family], semcor, se07, examples,
                        examples_weight, se07_weight)


def around(family: str, feature: str, values: tuple[float, ...]) -> dict[str, tuple]:
    """The grid of one feature around the shipped formula of ``family``: every other weight
    as shipped, ``feature`` over ``values`` (``tune --scan``). For a feature that fires too
    rarely to move the whole grid's choice (``common_name``: 107 of 23,204 SemCor
    instances, none of SE07's), chosen by the same rule at a fraction of the grid's time."""
    formula = scoring.shipped_weights_file()["provenance"]["formulas"][family]
    return {**{name: (weight,) for name, weight in formula.items()}, feature: tuple(values)}


def scan_argument(text: str) -> tuple[str, tuple[float, ...]]:
    """``FEATURE=V1,V2,...`` as (feature, values).

    Raises:
        argparse.ArgumentTypeError: no ``=``, a feature not in ``scoring.FEATURES`` or a
            value that is not a number."""
    feature, sep, values = text.partition("=")
    if not sep or feature not in NAMES:
        raise argparse.ArgumentTypeError(f"{text!r}: expected FEATURE=V1,V2,... with FEATURE "
                                         "one of scoring.FEATURES")
    try:
        return feature, tuple(float(v) for v in values.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: the values must be numbers") from None


def tune_formula(family: dict[str, tuple], previous: dict[str, float], semcor, se07,
                 examples=None, examples_weight: float = 1.0,
                 se07_weight: float = 1.0) -> dict:
    """Each SemCor fold is scored with the formula best on the mean accuracy (raw-text
    candidates) over the other four folds, SE07 and, when given, the other four folds of the
    WordNet-examples set (:func:`example_instance_features`, folds by lemma), whose own
    held-out fold is scored the same way; the shipped formula is the best on the mean over
    all of them. ``previous``: the weights reported as "before". ``examples_weight``: the
    examples set's weight in the mean (1: the shipped rule; more leans the choice towards
    short sentences whose senses are spread as a lexicographer's, BENCHMARKS.md "Measured,
    not shipped: weighing WordNet's examples more"). ``se07_weight``: SE07's weight in the
    mean (1: the shipped rule; 0: SE07 only reported, never a selector, as the retrieval
    head's issue asks: BENCHMARKS.md "SemEval-2007 out of the selection")."""
    combos, weights = grid(family)
    right = correct_matrix(semcor, weights)
    dev = se07_weight * correct_matrix(se07, weights).mean(axis=0)
    folds = np.array([fold_of(m["doc"]) for _, _, m in semcor])
    sets = 1 + se07_weight
    if examples is not None:
        sets = 1 + se07_weight + examples_weight
        ex_right = correct_matrix(examples, weights)
        ex_folds = np.array([m["fold"] for _, _, m in examples])
    cv_right, ex_cv_right, per_fold = 0, 0, {}
    for fold in range(FOLDS):
        train, test = folds != fold, folds == fold
        criterion = right[train].mean(axis=0) + dev
        if examples is not None:
            criterion = criterion + examples_weight * ex_right[ex_folds != fold].mean(axis=0)
        pick = int(np.argmax(criterion / sets))
        cv_right += int(right[test, pick].sum())
        per_fold[fold] = {"n": int(test.sum()), "formula": combos[pick],
                          "accuracy": round(100 * right[test, pick].mean(), 2)}
        if examples is not None:
            ex_test = ex_folds == fold
            ex_cv_right += int(ex_right[ex_test, pick].sum())
            per_fold[fold]["examples_accuracy"] = round(100 * ex_right[ex_test, pick].mean(), 2)
    criterion = right.mean(axis=0) + dev
    if examples is not None:
        criterion = criterion + examples_weight * ex_right.mean(axis=0)
    pick = int(np.argmax(criterion / sets))
    shipped = scoring.weights_from(previous)
    shipped_right = correct_matrix(semcor, shipped[None])[:, 0]
    for fold in range(FOLDS):
        per_fold[fold]["before"] = round(100 * shipped_right[folds == fold].mean(), 2)
    scale = temperature(semcor + se07, weights[pick])
    out = {"formula": combos[pick], "temperature": round(scale, 3),
           "weights": {k: round(v * scale, 4) for k, v in combos[pick].items() if v},
           "semcor_cv": round(100 * cv_right / len(semcor), 2), "folds": per_fold,
           "semcor_before": accuracy(shipped_right, semcor),
           "semcor_all": accuracy(right[:, pick], semcor),
           "se07_after": summary(se07, gold_pos_rows(se07), weights[pick] * scale),
           "se07_before": summary(se07, gold_pos_rows(se07), shipped),
           "grid_size": len(combos)}
    if examples is not None:
        before = correct_matrix(examples, shipped[None])[:, 0]
        out["examples"] = {"n": len(examples),
                           "cv": round(100 * ex_cv_right / len(examples), 2),
                           "before": accuracy(before, examples),
                           "all": accuracy(ex_right[:, pick], examples),
                           "by_pos": {p: {"before": accuracy(before, examples, p),
                                          "after": accuracy(ex_right[:, pick], examples, p)}
                                      for p in ("NOUN", "VERB", "ADJ", "ADV")}}
    return out


def weights_file(results: dict, argv: list[str], today: datetime.date) -> dict:
    """The package's weights file (sensedb/data/scoring_weights.json): features, weights and
    provenance, the layout ``scoring.shipped_weights_file`` reads; the multiword margins
    (scripts/tune_multiword.py) are kept as the package has them."""
    return {
        "multiword": scoring.shipped_weights_file().get("multiword", {}),
        "description": "The shipped WSD scoring weights: score(s) = w . features(s) "
                       "(sensedb.retriever.scoring). Short formulas chosen on a small grid by "
                       "the argmax accuracy on raw-text candidates (every POS of the surface "
                       "form), scaled by a temperature that calibrates the softmax.",
        "features": NAMES,
        "weights": {"corpus": results["corpus"]["weights"],
                    "wordnet_only": results["wordnet_only"]["weights"]},
        "novelty": {"corpus": results["corpus"]["novelty"],
                    "wordnet_only": results["wordnet_only"]["novelty"],
                    "rule": f"novel when the best candidate's fit (scoring.fit) is below the "
                            f"{NOVELTY_QUANTILE:.0%} quantile of the best fit on ordinary "
                            "labelled text of the best sense's POS ('all' for a POS with "
                            "fewer than 100 instances; the held-out SemCor documents d000, "
                            "d010, ...); the copula's usages (scoring.NEVER_NOVEL) left out "
                            "and never novel"},
        "provenance": {
            "command": "python scripts/tune_weights.py " + shlex.join(argv),
            "date": today.isoformat(),
            "data": {
                "corpus": "the same rule as wordnet_only (SemCor documents d000, d010, ... "
                          "5-fold document CV, SemEval-2007, WordNet's usage examples), every "
                          "set scored by a SemCor index built without those 36 documents "
                          "(scripts/tune_weights.py refuse_held_out)",
                "wordnet_only": "mean accuracy over SemCor documents d000, d010, ... (36 "
                                "documents, 5-fold document CV reported), SemEval-2007 and "
                                "WordNet's own usage examples (every example of a lemma with "
                                "two or more exemplified senses, 5-fold CV by lemma; the "
                                "example and sense-text features, which contain the sentence, "
                                "held at 0 there), raw-text candidates scored by the "
                                "WordNet-only index; prior terms on a small grid (WordNet's "
                                "counts come from SemCor, which the examples do not follow)",
            },
            "formulas": {k: results[k]["formula"] for k in ("corpus", "wordnet_only")},
            "set_by_hand": BY_HAND,
            "see": "BENCHMARKS.md, sections 'Choosing the shipped weights' and 'WordNet's "
                   "usage examples as a third tuning set'",
        },
    }


def shipped_result(family: str) -> dict:
    """The shipped formula of ``family`` as a tune result marked ``kept``."""
    return {"weights": dict(scoring.DEFAULT_WEIGHTS[family]),
            "novelty": dict(scoring.NOVELTY.get(family, {})),
            "formula": scoring.shipped_weights_file()["provenance"]["formulas"][family],
            "kept": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("cache", "fill-case", "fill-bare", "fill-overlap",
                                         "tune"))
    parser.add_argument("--index", help="a SemCor index without the held-out documents "
                        "d000, d010, ... (cache step; see refuse_held_out)")
    parser.add_argument("--examples-corpus", action="store_true",
                        help="cache step: WordNet's examples scored by --index as well")
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--cache", default="runs/raw11-cache")
    parser.add_argument("--json", default="runs/tune_weights.json")
    parser.add_argument("--from", dest="older", default=None, metavar="DIR",
                        help="fill-case / fill-bare / fill-overlap: a cache made before "
                        "that feature")
    parser.add_argument("--counts-as-they-are", action="store_true",
                        help="tune: SemCor documents keep WordNet's counts whole, their own "
                        "answers included (how the weights were tuned before 2026-12-03)")
    parser.add_argument("--keep", action="append", default=[],
                        choices=("wordnet_only", "corpus"),
                        help="tune: keep the shipped formula of this family (not tuned again)")
    parser.add_argument("--reuse", action="append", default=[], metavar="JSON",
                        help="tune: the formulas an earlier tune's --json chose (those it "
                        "tuned), taken instead of tuning them again (two families tuned in "
                        "two processes, written as one file)")
    parser.add_argument("--scan", type=scan_argument, default=None,
                        metavar="FEATURE=V1,V2,...",
                        help="tune: each family's shipped formula with only FEATURE chosen "
                        "again, over these values (see around)")
    parser.add_argument("--examples-weight", type=float, default=1.0, metavar="W",
                        help="tune: the WordNet-examples set's weight in the rule's mean (1 as "
                        "shipped)")
    parser.add_argument("--se07-weight", type=float, default=1.0, metavar="W",
                        help="tune: SemEval-2007's weight in the rule's mean (1 as shipped; 0: "
                        "chosen on SemCor folds and WordNet's examples alone, SE07 reported)")
    parser.add_argument("--head", default="auto", metavar="HEAD",
                        help="cache / fill-bare: the retrieval head the indexes are opened "
                        "with: a head file or directory, 'none', or 'auto' (the shipped "
                        "one), so that a head's formula is chosen on its own features")
    parser.add_argument("--write", default=None, metavar="PATH",
                        help="write the chosen weights as sensedb/data/scoring_weights.json")
    args = parser.parse_args()

    def open_index(path: str | None) -> sensedb.SenseIndex:
        return sensedb.open(path, head=args.head)

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    data = Path(args.data) / "wsd"
    se07 = (data / "semeval2007" / "semeval2007.data.xml",
            data / "semeval2007" / "semeval2007.gold.key.txt")
    semcor = (data / "semcor" / "semcor.data.xml", data / "semcor" / "semcor.gold.key.txt")
    jobs = {"se07-wordnet": (None, se07, None), "se07-corpus": (args.index, se07, None),
            "semcor-wordnet": (None, semcor, SEMCOR_DOCUMENTS),
            "semcor-corpus": (args.index, semcor, SEMCOR_DOCUMENTS)}
    if args.step in ("fill-case", "fill-overlap"):  # no encoder: words and WordNet alone
        from sensedb.inventory import WordNet

        inventory = WordNet()
        sets = [(name, data) for name, (_, data, _) in jobs.items()]
        for name, data in [*sets, ("examples-wordnet", None), ("examples-corpus", None)]:
            older = Path(args.older) / f"{name}.pkl"
            if not older.exists():
                continue
            rows = load_rows(older)
            listed = (overlap_instances(inventory, rows) if data is None else
                      overlap_instances(inventory, rows, *data, jobs[name][2]))
            if args.step == "fill-case":
                rows = fill_case(rows, inventory, listed)
            else:
                rows, differ = fill_overlap(rows, inventory, listed)
                if differ:
                    raise ValueError(f"{name}: {len(differ)} instances whose candidates "
                                     "changed since the cache was made: make it again")
            (cache / f"{name}.pkl").write_bytes(pickle.dumps(rows))
            print(f"{name}: {len(rows)} instances", flush=True)
        return
    if args.step == "fill-bare":
        index = open_index(None)
        for name, (_, (xml, gold), documents) in jobs.items():
            older = Path(args.older) / f"{name}.pkl"
            if name.endswith("-corpus") or not older.exists():
                continue
            listed = {token.instance_id: [s for lemma, pos in pairs
                                          for s in index.inventory.candidates(lemma, pos)]
                      for token, _, _, pairs in raw_instances(index.inventory, xml, gold,
                                                              documents)}
            rows = load_rows(older)
            rows, differ = fill_bare(rows, index, [listed[meta["id"]] for _, _, meta in rows])
            again = {row[2]["id"]: row for row in raw_instance_features(
                index, xml, gold, documents=documents, ids={rows[n][2]["id"] for n in differ})}
            for n in differ:
                rows[n] = again[rows[n][2]["id"]]
            (cache / f"{name}.pkl").write_bytes(pickle.dumps(rows))
            print(f"{name}: {len(rows)} instances, {len(differ)} computed again whole "
                  "(their candidates changed)", flush=True)
        older = Path(args.older) / "examples-wordnet.pkl"
        if older.exists():
            _, _, pairs_of = example_instances(index.inventory)
            rows, differ = fill_bare(load_rows(older), index, [
                [s for lemma, pos in pairs for s in index.inventory.candidates(lemma, pos)]
                for pairs in pairs_of])
            again = example_instance_features(index, positions=set(differ))
            for n, row in zip(differ, again, strict=True):
                rows[n] = row
            (cache / "examples-wordnet.pkl").write_bytes(pickle.dumps(rows))
            print(f"examples-wordnet: {len(rows)} instances, {len(differ)} computed again "
                  "whole", flush=True)
        return
    if args.step == "cache":
        if args.index:  # before any set is scored by it
            refuse_held_out(open_index(args.index), SEMCOR_DOCUMENTS)
        for name, (index_path, (xml, gold), documents) in jobs.items():
            if (cache / f"{name}.pkl").exists() or (name.endswith("-corpus") and not args.index):
                continue
            rows = raw_instance_features(open_index(index_path), xml, gold,
                                         documents=documents)
            (cache / f"{name}.pkl").write_bytes(pickle.dumps(rows))
            print(f"{name}: {len(rows)} instances", flush=True)
        for name, index_path in (("examples-wordnet", None), ("examples-corpus", args.index)):
            if (cache / f"{name}.pkl").exists() or (name == "examples-corpus"
                                                    and not args.examples_corpus):
                continue
            rows = example_instance_features(open_index(index_path))
            (cache / f"{name}.pkl").write_bytes(pickle.dumps(rows))
            print(f"{name}: {len(rows)} instances", flush=True)
        return
    rows = {name: load_rows(cache / f"{name}.pkl") for name in CACHES
            if (cache / f"{name}.pkl").exists()}
    if not args.counts_as_they_are:
        from sensedb.inventory import WordNet

        rows["semcor-wordnet"], lowered = own_counts_left_out(
            rows["semcor-wordnet"], WordNet(), *semcor, SEMCOR_DOCUMENTS)
        print(f"semcor-wordnet: {lowered} candidates' WordNet counts without their own "
              "document's gold keys", flush=True)
    reused = {family: result for path in args.reuse
              for family, result in json.loads(Path(path).read_text()).items()
              if not result.get("kept")}
    results = {}
    if "wordnet_only" in reused:
        results["wordnet_only"] = reused["wordnet_only"]
    elif "wordnet_only" in args.keep:
        results["wordnet_only"] = shipped_result("wordnet_only")
    else:
        results["wordnet_only"] = tune_family("wordnet_only", rows["semcor-wordnet"],
                                              rows["se07-wordnet"], rows.get("examples-wordnet"),
                                              args.scan, args.examples_weight,
                                              args.se07_weight)
    if "corpus" in reused:
        results["corpus"] = reused["corpus"]
    elif "semcor-corpus" in rows and "se07-corpus" in rows and "corpus" not in args.keep:
        results["corpus"] = tune_family("corpus", rows["semcor-corpus"], rows["se07-corpus"],
                                        rows.get("examples-corpus"), args.scan,
                                        args.examples_weight, args.se07_weight)
    else:  # no SemCor index given to ``cache``: the shipped corpus formula is kept as it is
        print("the corpus formula and its novelty thresholds are kept")
        results["corpus"] = shipped_result("corpus")
    for family, data in (("wordnet_only", "semcor-wordnet"), ("corpus", "semcor-corpus")):
        if results[family].get("kept") or family in reused:
            continue
        chosen = results[family]["weights"]
        main = max(chosen.values())
        chosen["rare_base"] = round(RARE_BASE * main, 4)
        chosen["personal_name"] = round(PERSONAL_NAME * main, 4)
        results[family]["novelty"] = novelty(rows[data], scoring.weights_from(chosen),
                                             never_novel_ids(semcor[0], SEMCOR_DOCUMENTS))
    print(json.dumps(results, indent=1))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    if args.write:
        Path(args.write).write_text(json.dumps(
            weights_file(results, sys.argv[1:], datetime.date.today()), indent=2) + "\n")
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
