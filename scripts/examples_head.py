"""A word map trained on WordNet's usage examples, scored on SemCor and SemEval-2007.

    python scripts/tune_weights.py cache --data ../shared/data --cache runs/cache
    python scripts/examples_head.py --data ../shared/data --cache runs/cache \\
        --vectors runs/examples-head.pkl --l2 0.001 --steps 150

The linear and last-layer heads of BENCHMARKS.md "A trained retrieval head" were trained on
SemCor and lost on SemEval-2007 (WSJ text): they learned SemCor. This one learns from the
other labelled text sensedb has, WordNet's own usage examples (27,654 instances of the
tuning caches' ``examples-wordnet``: short sentences whose senses are spread as a
lexicographer's, not as SemCor's counts), and is scored on every SemCor document of the
caches (all unseen) and SE07. The map is a (384, 384) matrix M on the word vectors (usage,
bare lemma and WordNet example vectors; ``sensedb.head``'s ``word`` part), initialised at
the identity; the objective is the softmax over each instance's raw-text candidates of the
shipped WordNet-only formula, whose ``gloss_cos``, ``bare_gloss_cos``, ``example_cos`` and
``example_rel`` terms are recomputed through M (the others as cached), plus
``l2 * ||M - I||^2``; full batch, Adam (lr 3e-3), seed 0. SemCor's counts are the honest
ones (``tune_weights.own_counts_left_out``).

``--vectors`` caches what the map needs (usage vectors, candidates, gloss / example / bare
vectors from the default index of ``SENSEDB_HOME``) on first use. Prints the argmax accuracy
(percent) of the three sets with the identity map, then every 25 steps. Measured, not
shipped (BENCHMARKS.md "Measured, not shipped: the target's weight ...").
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tune_weights  # noqa: E402  (a sibling script: the tuning caches)

import sensedb  # noqa: E402
from sensedb.inventory import WordNet  # noqa: E402
from sensedb.retriever import scoring  # noqa: E402
from sensedb.retriever.target import Target  # noqa: E402
from sensedb.store import l2_normalize  # noqa: E402

NAMES = tune_weights.NAMES
MAPPED = ("gloss_cos", "bare_gloss_cos", "example_cos", "example_rel")


def instances(inventory, data: Path) -> dict[str, tuple[list, list]]:
    """Per set, the targets and each one's (lemma, POS) pairs, in the caches' order."""
    wsd = data / "wsd"
    out = {}
    for name, xml, documents in (
            ("se07", wsd / "semeval2007" / "semeval2007.data.xml", None),
            ("semcor", wsd / "semcor" / "semcor.data.xml", tune_weights.SEMCOR_DOCUMENTS)):
        found = list(tune_weights.raw_instances(
            inventory, xml, xml.with_name(xml.name.replace(".data.xml", ".gold.key.txt")),
            documents))
        out[name] = ([Target(w, p) for _, w, p, _ in found], [pairs for *_, pairs in found])
    _, targets, pairs_of = tune_weights.example_instances(inventory)
    out["examples"] = (targets, pairs_of)
    return out


def vectors(path: Path, data: Path) -> dict:
    """The usage vectors and candidates of every set and the vector tables (cached)."""
    if path.exists():
        return pickle.loads(path.read_bytes())
    index = sensedb.open()
    inventory = index.inventory
    sets = {}
    for name, (targets, pairs_of) in instances(inventory, data).items():
        raw, _, _ = index.encode_targets(targets, context=False, pos=False, progress=True)
        candidates = [[s for lemma, pos in pairs for s in inventory.candidates(lemma, pos)]
                      for pairs in pairs_of]
        sets[name] = {"U": np.stack([l2_normalize(v) for v in raw]).astype(np.float32),
                      "keys": [[s.key for s in c] for c in candidates],
                      "lemmas": [[s.lemma for s in c] for c in candidates]}
    keys = sorted({k for s in sets.values() for ks in s["keys"] for k in ks})
    tables = {}
    for kind in ("gloss", "examples"):
        found, rows = index.source.wordnet_vectors(keys, kind)
        at = iter(range(len(rows)))
        tables[kind] = {k: rows[next(at)] for k, present in zip(keys, found, strict=True)
                        if present}
    lemmas = sorted({x for s in sets.values() for ls in s["lemmas"] for x in ls})
    tables["bare"] = dict(index.bare_vectors(lemmas))
    found = {"sets": sets, **tables}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(found))
    return found


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--cache", required=True, type=Path,
                        help="tune_weights.py's cache (semcor-, se07-, examples-wordnet.pkl)")
    parser.add_argument("--vectors", required=True, type=Path)
    parser.add_argument("--l2", type=float, default=0.001)
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args()
    torch.manual_seed(0)
    found = vectors(args.vectors, args.data)
    semcor = args.data / "wsd" / "semcor"
    rows = {name: tune_weights.load_rows(args.cache / f"{name}-wordnet.pkl")
            for name in ("semcor", "se07", "examples")}
    rows["semcor"], _ = tune_weights.own_counts_left_out(
        rows["semcor"], WordNet(), semcor / "semcor.data.xml", semcor / "semcor.gold.key.txt",
        tune_weights.SEMCOR_DOCUMENTS)
    weights = scoring.weights_from(scoring.DEFAULT_WEIGHTS["wordnet_only"])
    w = {name: float(weights[NAMES.index(name)]) for name in MAPPED}
    table = {}
    for kind in ("gloss", "examples", "bare"):
        names = sorted(found[kind])
        table[kind] = ({k: n for n, k in enumerate(names)},
                       torch.tensor(np.stack([np.asarray(found[kind][k]) for k in names])))

    def flat(name: str, examples: bool) -> dict:
        owner, gloss, bare, example, base, gold = [], [], [], [], [], []
        vectors_of = found["sets"][name]
        for n, ((features, golds, _), keys, lemmas) in enumerate(zip(
                rows[name], vectors_of["keys"], vectors_of["lemmas"], strict=True)):
            fixed = features.copy()
            fixed[:, [NAMES.index(m) for m in MAPPED]] = 0.0
            for j, key in enumerate(keys):
                owner.append(n)
                gloss.append(table["gloss"][0].get(key, -1))
                bare.append(table["bare"][0].get(lemmas[j], -1))
                example.append(table["examples"][0].get(key, -1) if examples else -1)
                base.append(float(fixed[j] @ weights))
                gold.append(bool(golds[j]))
        long = {"owner": owner, "gloss": gloss, "bare": bare, "example": example}
        out = {k: torch.tensor(v, dtype=torch.long) for k, v in long.items()}
        out.update(U=torch.tensor(vectors_of["U"]), n=len(rows[name]),
                   base=torch.tensor(base, dtype=torch.float32),
                   gold=torch.tensor(gold), G=table["gloss"][1][out["gloss"].clamp(min=0)])
        return out

    # WordNet's examples hold the example sentence itself: its example terms stay 0 there
    sets = {"semcor": flat("semcor", True), "se07": flat("se07", True),
            "examples": flat("examples", False)}

    def unit(x):
        return x / x.norm(dim=1, keepdim=True)

    def scores(d: dict, m) -> torch.Tensor:
        zero = torch.zeros(())
        u = unit(d["U"] @ m)[d["owner"]]
        has = d["gloss"] >= 0
        s = d["base"] + w["gloss_cos"] * torch.where(has, (u * d["G"]).sum(1), zero)
        b = unit(table["bare"][1] @ m)[d["bare"].clamp(min=0)]
        s = s + w["bare_gloss_cos"] * torch.where(has & (d["bare"] >= 0),
                                                  (b * d["G"]).sum(1), zero)
        ex = d["example"] >= 0
        if bool(ex.any()):
            e = unit(table["examples"][1] @ m)[d["example"].clamp(min=0)]
            cos = torch.where(ex, (u * e).sum(1), zero)
            total = torch.zeros(d["n"]).index_add(0, d["owner"], cos)
            count = torch.zeros(d["n"]).index_add(0, d["owner"], ex.float())
            rel = torch.where(ex, cos - (total / count.clamp(min=1))[d["owner"]], zero)
            s = s + w["example_cos"] * cos + w["example_rel"] * rel
        return s

    def loss_and_accuracy(d: dict, m) -> tuple[torch.Tensor, float]:
        s = scores(d, m)
        top = torch.full((d["n"],), -1e9).scatter_reduce(0, d["owner"], s, "amax")
        e = torch.exp(s - top[d["owner"]])
        total = torch.zeros(d["n"]).index_add(0, d["owner"], e)
        right = torch.zeros(d["n"]).index_add(0, d["owner"], e * d["gold"].float())
        some = right > 0
        loss = -(torch.log(right[some]) - torch.log(total[some])).mean()
        first = torch.full((d["n"],), len(s)).scatter_reduce(
            0, d["owner"], torch.where(s == top[d["owner"]], torch.arange(len(s)),
                                       torch.tensor(len(s))), "amin")
        return loss, 100.0 * float(d["gold"][first].float().mean())

    eye = torch.eye(found["sets"]["se07"]["U"].shape[1])
    with torch.no_grad():  # the identity: the formula as cached, its mapped terms recomputed
        print("identity:", {k: round(loss_and_accuracy(v, eye)[1], 2) for k, v in sets.items()},
              flush=True)
    m = eye.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([m], lr=3e-3)
    for step in range(args.steps + 1):
        optimizer.zero_grad()
        loss, _ = loss_and_accuracy(sets["examples"], m)
        (loss + args.l2 * ((m - eye) ** 2).sum()).backward()
        optimizer.step()
        if step % 25 == 0:
            with torch.no_grad():
                shown = {k: round(loss_and_accuracy(v, m)[1], 2) for k, v in sets.items()}
            print(f"step {step}: loss {float(loss.detach()):.4f}", shown, flush=True)


if __name__ == "__main__":
    main()
