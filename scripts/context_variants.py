"""Two ways to take the target word's own weight out of the gloss cosines, measured.

    python scripts/context_variants.py --data ../shared/data --set se07
    python scripts/context_variants.py --data ../shared/data --set semcor --json out.json

Short glosses encoded as "lemma: gloss" are mostly their lemma, and a short sentence is
mostly its target word, so the sentence-vs-gloss cosine (``context_gloss_cos``) can prefer
the shortest gloss whatever the context ("She tasted the soup": "soup: an unfortunate
situation" 0.67, "soup: liquid food ..." 0.44). Two variants of the WordNet-only formula's
gloss evidence, each scored against the shipped formula on the raw-text candidates of
``scripts/tune_weights.py`` (:func:`raw_instance_features`: every POS of the surface form;
argmax accuracy in percent):

- ``masked``: the sentence vector pooled WITHOUT the target's word pieces (the mean of the
  model's last layer over every other piece, [CLS] and [SEP] included, L2-normalized; with
  nothing left out this reproduces the product's sentence vector: the script checks it);
  it replaces or joins ``context_gloss_cos``.
- ``bare gloss``: each candidate's gloss encoded without its "lemma: " prefix
  (``Encoder.sentence_vectors``), against the sentence vector (in place of, or beside,
  ``context_gloss_cos``) and against the usage's word vector (``gloss_cos``).

Sets: ``se07`` (SemEval-2007, 455 instances) or ``semcor`` (SemCor documents d000, d010,
... : the 36 documents the tuning caches use), scored by the default index of
``SENSEDB_HOME`` (WordNet vectors of new lemmas are added to it). Neither variant helps
(BENCHMARKS.md "Measured, not shipped: the target's weight ..."); nothing here is
shipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import sensedb
from sensedb.retriever import scoring

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tune_weights  # noqa: E402  (a sibling script: the tuning caches' instances)

NAMES = list(scoring.FEATURES)
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 1.5)  # the variant's weight, in units of the feature it joins


def token_states(index, sentences: list[tuple[str, ...]]) -> dict:
    """Per sentence: the model's last layer over its pieces (pieces, dim) float32 and each
    piece's word number (-1 for [CLS]/[SEP])."""
    import torch

    model = index.encoder._st
    tokenizer, transformer = model.tokenizer, model[0].auto_model
    found = {}
    with torch.inference_mode():
        for start in range(0, len(sentences), 32):
            batch = sentences[start:start + 32]
            encoded = tokenizer([list(s) for s in batch], is_split_into_words=True,
                                truncation=True, max_length=256, padding=True,
                                return_tensors="pt")
            states = transformer(**encoded).last_hidden_state.numpy()
            for row, words in enumerate(batch):
                mask = encoded["attention_mask"][row].numpy().astype(bool)
                numbers = np.array([-1 if w is None else w for w in encoded.word_ids(row)])
                found[words] = (states[row][mask], numbers[mask])
    return found


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--set", choices=("se07", "semcor"), default="se07")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    wsd = args.data / "wsd"
    if args.set == "se07":
        data = wsd / "semeval2007" / "semeval2007.data.xml"
        documents = None
    else:
        data = wsd / "semcor" / "semcor.data.xml"
        documents = tune_weights.SEMCOR_DOCUMENTS
    gold = data.with_name(data.name.replace(".data.xml", ".gold.key.txt"))
    index = sensedb.open()
    rows = tune_weights.raw_instance_features(index, data, gold, documents=documents)
    instances = list(tune_weights.raw_instances(index.inventory, data, gold, documents))
    states = token_states(index, list(dict.fromkeys(tuple(w) for _, w, _, _ in instances)))
    candidates = [[s for lemma, pos in pairs for s in index.inventory.candidates(lemma, pos)]
                  for _, _, _, pairs in instances]
    glosses = {s.key: s.gloss for found in candidates for s in found}
    keys = list(glosses)
    bare = index.encoder.sentence_vectors([glosses[k] for k in keys])
    bare = bare / np.linalg.norm(bare, axis=1, keepdims=True)
    row_of = {k: n for n, k in enumerate(keys)}
    extra, drift = [], 0.0
    context_at = NAMES.index("context_gloss_cos")
    for (_, words, position, _), found, (features, _, _) in zip(instances, candidates, rows,
                                                                   strict=True):
        pieces, numbers = states[tuple(words)]
        whole, masked = unit(pieces.mean(0)), unit(pieces[numbers != position].mean(0))
        word = unit(pieces[numbers == position].mean(0))
        product_gloss = index.source.wordnet_vectors([s.key for s in found], "gloss")
        has, vectors = product_gloss
        drift = max(drift, max((abs(float(vectors[n] @ whole) - features[n, context_at])
                                for n in range(len(found)) if has[n]), default=0.0))
        plain = bare[[row_of[s.key] for s in found]]
        extra.append({"masked": np.array([float(vectors[n] @ masked) if has[n] else 0.0
                                          for n in range(len(found))]),
                      "bare_context": np.where(has, plain @ whole, 0.0),
                      "bare_word": np.where(has, plain @ word, 0.0)})
    shipped = scoring.weights_for(None, corpus=False)

    def accuracy(replace: str, variant: str, keep: float, weight: float) -> float:
        at = NAMES.index(replace)
        right = 0
        for (features, golds, _), more in zip(rows, extra, strict=True):
            scores = (features @ shipped + (keep - 1) * shipped[at] * features[:, at]
                      + weight * shipped[at] * more[variant])
            right += bool(golds[int(np.argmax(scores))])
        return round(100.0 * right / len(rows), 2)

    table = {}
    for variant, replace in (("masked", "context_gloss_cos"),
                             ("bare_context", "context_gloss_cos"),
                             ("bare_word", "gloss_cos")):
        for keep in (1.0, 0.5, 0.0):
            table[f"{variant}, {replace} x{keep}"] = {
                str(w): accuracy(replace, variant, keep, w) for w in WEIGHTS}
    result = {"set": args.set, "instances": len(rows), "shipped": accuracy(
        "gloss_cos", "bare_word", 1.0, 0.0), "sentence_vector_drift": round(drift, 6),
        "variant_weight_in_units_of_the_replaced_feature": table}
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
