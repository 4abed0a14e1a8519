"""Benchmark of the token store types (flat, sq8, pq, rabitq) on synthetic labelled tokens.

    nice -n 5 python scripts/bench_store.py --tokens 1000000 2000000 --work /tmp/bench-store

Synthetic tokens (the parameters are options):
- ``--lemmas`` (lemma, POS) groups with Zipf sizes, size ∝ 1/rank^``--zipf``, capped at
  ``--cap`` of the tokens (the excess spread over the others), at least 1 token each. With
  the defaults (20,000 groups, exponent 1.0, cap 4%) a query (a token drawn at random) hits a
  group of p50 ~1.8k and p99 80k tokens at 2M, as in the issue's measurements.
- each group has 1-4 senses; a token is ``group centre + sense offset (0.6) + noise (1.0)``,
  every part i.i.d. normal in ``--dim`` (384) dimensions, float32, then L2-normalized by the
  store (z-score off). Written as raw shards of ``--shard`` (100,000) tokens, the index's own
  format (``ids.npy`` + ``vectors.npy``, float16 as a job writes them: ``shard_precision``).
- queries: ``--queries`` tokens drawn at random, each with fresh noise (0.3): a new usage.
  Ground truth (:func:`exact_truth`): exact top-10 over the query's group and, for
  ``--any-lemma``, over every token, computed from the raw shards a block at a time (no
  float32 copy of the corpus in memory: 10M tokens fit beside the stores).

Latency: restricted kNN per query, one query at a time (``store.search``), after 50 warm-up
queries: ``p50_ms``/``p99_ms`` on the first pass (each query's list mapped into the process
as it is first scanned) and ``p50_ms_again``/``p99_ms_again`` on a second pass over the same
queries (a reader that has answered a while). ``--skip-append`` measures queries only.

Everything goes through the product's store code: ``VectorStore.build_filled`` (flat, as
``rebuild.token_store`` fills it; built only for ``--kinds flat``: it holds every vector in
float32) and ``PartitionedStore.build`` / ``append`` / ``load``. ``--any-lemma`` on a
compressed store is its k-means ANN over every token (``sensedb.store.anylemma``), re-ranked
from the floats; on flat, an exact scan.
Appending 1% more tokens: what the indexer writes (``token_stores.append_segment``): a
segment, a store of the same type of the new tokens alone, saved beside the base (the
restricted search is timed again over base + segment); for a compressed store the append
into the base's lemma lists (load, append, save the whole file) is timed too.

10M tokens (``--extrapolate``): from the 1M and 2M reports, each figure ``f`` is fitted as
``a + b·n`` through the two points and evaluated at 10M (bytes per token, recall: reported as
measured at 2M, since they do not grow with n here; latencies and build times linearly, an
upper bound for a scan whose fixed part does not grow).
At 10M tokens on 2 busy cores the any-lemma ANN's assignment (n · sqrt(n) · dim
multiply-adds) takes most of a build: ``--ann-up-to`` skips it above a size (``--any-lemma``
is then the stores' fallback, a probe of the nearest group means' lists); ``--reuse-raw``
keeps shards written by an earlier run.

Re-rank depth (``--rerank-shares``): each pq / rabitq store is also searched with
``partitioned.RERANK_SHARE`` set to each share given (re-ranked: max(400, share × tokens
scanned), capped at ``RERANK_CAP``), reporting recall@10, p50 / p99 and the recall of the
queries whose group is among the largest tenth hit: the sweep that chose the shipped share.

Resident bytes: RssAnon of a fresh process after loading the store and answering the
queries (the heap; memory-mapped codes and raw floats are page cache, shared and evictable,
reported apart as RssFile). The raw floats were just written, so re-ranking reads them from
the page cache: the latency of a cold cache is not measured here.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sensedb.store import (  # noqa: E402
    GroupLayout,
    VectorStore,
    l2_normalize,
    partitioned,  # noqa: E402
    save_array,
    shard_precision,
    shard_vectors,
)
from sensedb.store.anylemma import ann_path  # noqa: E402
from sensedb.store.files import array_path  # noqa: E402
from sensedb.store.partitioned import PartitionedStore, Shard, open_store  # noqa: E402
from sensedb.store.segments import SegmentedStore  # noqa: E402

KINDS = ("flat", "sq8", "pq", "rabitq")


def group_sizes(n: int, lemmas: int, zipf: float, cap: float) -> np.ndarray:
    """int64 (lemmas,) Zipf sizes summing to ``n``, none above ``cap * n``."""
    weights = 1.0 / np.arange(1, lemmas + 1) ** zipf
    for _ in range(20):
        weights = weights / weights.sum()
        weights = np.minimum(weights, cap)
    sizes = np.maximum(1, np.floor(weights / weights.sum() * n)).astype(np.int64)
    sizes[-1] += n - sizes.sum()  # exact total; the last groups are tiny anyway
    return np.maximum(sizes, 1)


def write_corpus(work: Path, n: int, args) -> tuple[list[Shard], np.ndarray]:
    """Raw shards of ``n`` synthetic tokens under ``work/raw``; returns the shards and the
    group number of every token (token id = position)."""
    rng = np.random.default_rng(args.seed)
    sizes = group_sizes(n, args.lemmas, args.zipf, args.cap)
    group_of = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))[:n]
    centres = np.random.default_rng(1).normal(size=(len(sizes), args.dim)).astype(np.float32)
    senses = np.random.default_rng(2).integers(1, 5, len(sizes))
    offsets = np.random.default_rng(3).normal(size=(len(sizes), 4, args.dim)) \
        .astype(np.float32)
    (work / "raw").mkdir(parents=True, exist_ok=True)
    shards = []
    for start in range(0, n, args.shard):
        groups = group_of[start:start + args.shard]
        name = f"raw/shard-{start // args.shard:06d}"
        shards.append(Shard(name, np.arange(len(groups)), [f"w{g}\tNOUN" for g in groups]))
        if args.reuse_raw and array_path(work / name, "vectors").exists():
            continue  # written by an earlier run with the same parameters (atomically)
        part = np.random.default_rng([args.seed, start])
        sense = part.integers(0, 1 << 30, len(groups)) % senses[groups]
        x = centres[groups] + 0.6 * offsets[groups, sense] \
            + part.normal(size=(len(groups), args.dim)).astype(np.float32)
        save_array(work / name, ids=np.arange(start, start + len(groups), dtype=np.int64),
                   vectors=shard_vectors(shard_precision(x)))
    return shards, group_of


def build_flat(work: Path, shards: list[Shard], n: int, dim: int) -> VectorStore:
    groups = [g for s in shards for g in s.groups]
    layout = GroupLayout.of(np.arange(n, dtype=np.int64), groups)

    def fill(view: np.ndarray) -> None:
        start = 0
        position = np.empty(n, dtype=np.int64)
        position[layout.order] = np.arange(n)
        for shard in shards:
            x = np.load(array_path(work / shard.recorded, "vectors"), mmap_mode="r")
            view[position[start:start + len(x)]] = x
            start += len(x)
        for block in range(0, n, 100_000):
            view[block:block + 100_000] = l2_normalize(view[block:block + 100_000])

    return VectorStore.build_filled(dim, layout, fill)


def queries_of(work: Path, shards: list[Shard], group_of: np.ndarray, args
               ) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(args.seed + 7)
    picked = np.sort(rng.choice(len(group_of), args.queries, replace=False))
    out = np.empty((len(picked), args.dim), dtype=np.float32)
    for i, token in enumerate(picked):
        shard = shards[token // args.shard]
        x = np.load(array_path(work / shard.recorded, "vectors"), mmap_mode="r")
        out[i] = x[token % args.shard].astype(np.float32) + 0.3 * rng.normal(size=args.dim)
    return l2_normalize(out), [f"w{g}\tNOUN" for g in group_of[picked]]


def _top(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` columns of ``scores`` (n, m) per row, best first, and their ``ids``."""
    if scores.shape[1] > k:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        scores, ids = np.take_along_axis(scores, part, 1), np.take_along_axis(ids, part, 1)
    order = np.argsort(-scores, axis=1, kind="stable")
    return np.take_along_axis(scores, order, 1), np.take_along_axis(ids, order, 1)


def exact_truth(work: Path, shards: list[Shard], group_of: np.ndarray, queries: np.ndarray,
                groups: list[str], any_queries: int, shard_size: int, k: int = 10
                ) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` token ids (int64 (q, k), -1 pad) of every query within its group, and
    of the first ``any_queries`` over every token, from the raw shards (float16, normalized
    as the stores do) without holding the corpus: one group's rows at a time, then the
    shards one at a time."""
    def rows(tokens: np.ndarray) -> np.ndarray:
        out = np.empty((len(tokens), queries.shape[1]), dtype=np.float32)
        numbers = tokens // shard_size
        for number in np.unique(numbers).tolist():
            where = np.flatnonzero(numbers == number)
            x = np.load(array_path(work / shards[number].recorded, "vectors"), mmap_mode="r")
            out[where] = x[tokens[where] % shard_size]
        return l2_normalize(out)

    wanted = np.asarray([int(g.split("\t")[0][1:]) for g in groups])
    order = np.argsort(group_of, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(group_of))]
    exact = np.full((len(queries), k), -1, dtype=np.int64)
    for group in np.unique(wanted).tolist():
        asked = np.flatnonzero(wanted == group)
        tokens = order[bounds[group]:bounds[group + 1]]
        scores = queries[asked] @ rows(tokens).T
        found = _top(scores, np.broadcast_to(tokens, scores.shape), k)[1]
        exact[asked, :found.shape[1]] = found
    best = np.full((any_queries, k), -np.inf, dtype=np.float32)
    best_ids = np.full((any_queries, k), -1, dtype=np.int64)
    start = 0
    for shard in shards:
        x = np.load(array_path(work / shard.recorded, "vectors"), mmap_mode="r")
        for block in range(0, len(x), 25_000):
            scores = queries[:any_queries] @ l2_normalize(
                np.asarray(x[block:block + 25_000], dtype=np.float32)).T
            ids = np.arange(start + block, start + block + scores.shape[1])
            best, best_ids = _top(np.hstack([best, scores]), np.hstack(
                [best_ids, np.broadcast_to(ids, scores.shape)]), k)
        start += len(x)
    return exact, best_ids


def timed_search(store, queries: np.ndarray, groups: list[str] | None, k: int = 10
                 ) -> tuple[np.ndarray, np.ndarray]:
    found, seconds, cpu = [], [], []
    for i, query in enumerate(queries):
        t0, c0 = time.perf_counter(), time.process_time()
        _, ids = store.search(query, k, None if groups is None else [groups[i]])
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        found.append(ids[0])
    timed_search.cpu = np.asarray(cpu)  # the last call's CPU seconds per query
    return np.asarray(found), np.asarray(seconds)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f[f >= 0]) & set(e[e >= 0])) / max((e >= 0).sum(), 1)
                          for f, e in zip(found, exact, strict=True)]))


RESIDENT = """
import json, sys, numpy as np
sys.path.insert(0, {root!r})
from sensedb.store.partitioned import open_store
store = open_store({faiss!r}, {groups!r})
queries = np.load({queries!r}); groups = json.load(open({qgroups!r}))
for q, g in zip(queries, groups):
    store.search(q, 10, [g])
status = dict(line.split(':', 1) for line in open('/proc/self/status'))
print(json.dumps({{k: int(status[k].split()[0]) * 1024 for k in ('RssAnon', 'RssFile')}}))
"""


def resident(work: Path, paths: tuple[Path, Path], queries: np.ndarray, groups: list[str]
             ) -> dict[str, int]:
    """RssAnon and RssFile (bytes) of a fresh process that loads the store and answers the
    queries, less those of one that only imports sensedb's store package."""
    np.save(work / "queries.npy", queries)
    (work / "queries.json").write_text(json.dumps(groups))
    root = str(Path(__file__).resolve().parent.parent)

    def run(code: str) -> dict[str, int]:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    base = run(RESIDENT.replace("store = open_store({faiss!r}, {groups!r})", "")
               .replace("for q, g in zip(queries, groups):\n    store.search(q, 10, [g])", "")
               .format(root=root, queries=str(work / "queries.npy"),
                       qgroups=str(work / "queries.json")))
    full = run(RESIDENT.format(root=root, faiss=str(paths[0]), groups=str(paths[1]),
                               queries=str(work / "queries.npy"),
                               qgroups=str(work / "queries.json")))
    return {k: full[k] - base[k] for k in full}


def bench(n: int, args) -> dict:
    work = Path(args.work) / f"n{n}"
    if not args.reuse_raw:
        shutil.rmtree(work, ignore_errors=True)
    t0 = time.perf_counter()
    shards, group_of = write_corpus(work, n, args)
    report: dict = {"tokens": n, "write_raw_s": round(time.perf_counter() - t0, 1)}
    sizes = np.bincount(group_of)
    hit = sizes[group_of[np.random.default_rng(5).choice(n, 10_000)]]
    report["query_group_p50"], report["query_group_p99"] = \
        int(np.percentile(hit, 50)), int(np.percentile(hit, 99))
    raw_bytes = sum(f.stat().st_size for f in (work / "raw").glob("*.npy"))
    queries, groups = queries_of(work, shards, group_of, args)
    t0 = time.perf_counter()
    saved = work / f"exact-{args.queries}-{args.any_queries}.npz"
    if args.reuse_raw and saved.exists():  # same shards, same queries (seeded)
        with np.load(saved) as data:
            exact, exact_any = data["exact"], data["exact_any"]
    else:
        exact, exact_any = exact_truth(work, shards, group_of, queries, groups,
                                       args.any_queries, args.shard)
        np.savez(saved, exact=exact, exact_any=exact_any)
    report["exact_truth_s"] = round(time.perf_counter() - t0, 1)
    hit_sizes = sizes[[int(g.split("\t")[0][1:]) for g in groups]]
    big = hit_sizes >= np.percentile(hit_sizes, 90)
    flat = flat_build = None
    if "flat" in args.kinds:
        t0 = time.perf_counter()
        flat = build_flat(work, shards, n, args.dim)
        flat_build = time.perf_counter() - t0
    for kind in args.kinds:
        paths = (work / f"{kind}.faiss", work / f"{kind}.groups.npz")
        if kind == "flat":
            store, build_s = flat, flat_build
        elif args.reuse_stores and paths[1].exists():
            store, build_s = None, None  # built by an earlier run (--reuse-raw)
        else:
            t0 = time.perf_counter()
            store = PartitionedStore.build(kind, args.dim, work, shards,
                                           any_lemma=n <= args.ann_up_to)
            build_s = time.perf_counter() - t0
        if store is not None:
            store.save(*paths)
        if kind != "flat":
            del store
        loaded = flat if kind == "flat" else open_store(*paths)
        timed_search(loaded, queries[:50], groups)  # warm
        found, seconds = timed_search(loaded, queries, groups)
        cpu = timed_search.cpu
        # the same queries again: their lists' pages are mapped into this process by now,
        # as in a reader that has answered a while (the first pass maps them as it goes)
        again = timed_search(loaded, queries, groups)[1]
        found_any, seconds_any = timed_search(loaded, queries[:args.any_queries], None)
        store_bytes = sum(p.stat().st_size for p in (*paths, ann_path(paths[0]))
                          if p.exists())
        row = {"build_s": None if build_s is None else round(build_s, 1),
               "disk_B_per_token": round((store_bytes + raw_bytes) / n, 1),
               "store_file_B_per_token": round(store_bytes / n, 1),
               "p50_ms": round(float(np.percentile(seconds, 50)) * 1e3, 3),
               "p99_ms": round(float(np.percentile(seconds, 99)) * 1e3, 3),
               "p50_cpu_ms": round(float(np.percentile(cpu, 50)) * 1e3, 3),
               "p50_ms_again": round(float(np.percentile(again, 50)) * 1e3, 3),
               "p99_ms_again": round(float(np.percentile(again, 99)) * 1e3, 3),
               "recall@10": round(recall(found, exact), 4),
               "recall@10_largest_tenth": round(recall(found[big], exact[big]), 4),
               "any_lemma_p50_ms": round(float(np.percentile(seconds_any, 50)) * 1e3, 2),
               "any_lemma_recall@10": round(recall(found_any, exact_any), 4)}
        if kind != "flat":
            rss = resident(work, paths, queries, groups)
            row["resident_B_per_token"] = round(rss["RssAnon"] / n, 1)
            row["page_cache_B_per_token"] = round(rss["RssFile"] / n, 1)
            if not args.skip_append:
                row.update(append_one_percent(work, paths, n, args, kind, loaded, queries,
                                              groups))
            if kind in ("pq", "rabitq") and args.rerank_shares:
                row["rerank_sweep"] = rerank_sweep(loaded, kind, queries, groups, exact, big,
                                                   args.rerank_shares)
        else:
            row["resident_B_per_token"] = round(paths[0].stat().st_size / n, 1)
            row.update(append_flat(work, flat, n, args))
        report[kind] = row
        print(json.dumps({"tokens": n, kind: row}), flush=True)
        del loaded
    del flat
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return report


def rerank_sweep(store, kind: str, queries: np.ndarray, groups: list[str],
                 exact: np.ndarray, big: np.ndarray, shares: list[float]) -> list[dict]:
    """Recall@10 and latency of ``store`` with each re-rank share (module docstring)."""
    shipped, out = partitioned.RERANK_SHARE[kind], []
    try:
        for share in shares:
            partitioned.RERANK_SHARE[kind] = share
            found, seconds = timed_search(store, queries, groups)
            out.append({"share": share, "recall@10": round(recall(found, exact), 4),
                        "recall@10_largest_tenth": round(recall(found[big], exact[big]), 4),
                        "p50_ms": round(float(np.percentile(seconds, 50)) * 1e3, 3),
                        "p99_ms": round(float(np.percentile(seconds, 99)) * 1e3, 3)})
            print(json.dumps({kind: out[-1]}), flush=True)
    finally:
        partitioned.RERANK_SHARE[kind] = shipped
    return out


def append_one_percent(work: Path, paths: tuple[Path, Path], n: int, args, kind: str,
                       loaded, queries: np.ndarray, groups: list[str]) -> dict:
    """Seconds to append 1% more tokens (one new shard, existing groups) as the indexer
    does (``token_stores.append_segment``: a partitioned store of the new tokens alone,
    saved beside the base), against the build; the restricted p50 / p99 of the same queries
    over the base and that segment (``SegmentedStore``); and, for comparison, what the same
    append into the base's lemma lists costs (load, append, save the whole store file:
    what a merge into the base or a ``--replace`` writes)."""
    m = max(1, n // 100)
    rng = np.random.default_rng(11)
    groups_new = np.random.default_rng(12).integers(0, args.lemmas, m)
    name = "raw/shard-append"
    save_array(work / name, ids=np.arange(n, n + m, dtype=np.int64),
               vectors=rng.normal(size=(m, args.dim)).astype(np.float32))
    shard = Shard(name, np.arange(m), [f"w{g}\tNOUN" for g in groups_new])
    t0 = time.perf_counter()
    segment = PartitionedStore.build(kind, args.dim, work, [shard],
                                     any_lemma=n <= args.ann_up_to)
    segment.save(work / f"{kind}.seg.faiss", work / f"{kind}.seg.groups.npz")
    seconds = time.perf_counter() - t0
    both = SegmentedStore([loaded, open_store(work / f"{kind}.seg.faiss",
                                              work / f"{kind}.seg.groups.npz")])
    timed_search(both, queries[:50], groups)  # warm
    _, latency = timed_search(both, queries, groups)
    t0 = time.perf_counter()
    store = PartitionedStore.load(*paths, writable=True)
    store.append([shard])
    store.save(work / f"{kind}.2.faiss", work / f"{kind}.2.groups.npz")
    return {"append_1pct_s": round(seconds, 2),
            "p50_ms_with_segment": round(float(np.percentile(latency, 50)) * 1e3, 3),
            "p99_ms_with_segment": round(float(np.percentile(latency, 99)) * 1e3, 3),
            "append_into_lists_1pct_s": round(time.perf_counter() - t0, 2)}


def append_flat(work: Path, flat: VectorStore, n: int, args) -> dict:
    """Seconds to append 1% more tokens to a flat store: build and save a segment of them
    (what ``token_stores.append_segment`` writes; the base is not touched)."""
    m = max(1, n // 100)
    x = l2_normalize(np.random.default_rng(11).normal(size=(m, args.dim)).astype(np.float32))
    groups = [f"w{g}\tNOUN" for g in np.random.default_rng(12).integers(0, args.lemmas, m)]
    t0 = time.perf_counter()
    segment = VectorStore.build(args.dim, np.arange(n, n + m, dtype=np.int64), x, groups)
    segment.save(work / "flat.2.faiss", work / "flat.2.groups.npz")
    return {"append_1pct_s": round(time.perf_counter() - t0, 2)}


def extrapolate(one: dict, two: dict, n: int) -> dict:
    """Each store's figures at ``n`` tokens from the reports at two sizes (module
    docstring: linear in n for times, as measured at the larger size for bytes and
    recall)."""
    out: dict = {"tokens": n, "extrapolated_from": [one["tokens"], two["tokens"]]}
    for kind in KINDS:
        if kind not in one or kind not in two:
            continue
        row = {}
        for key, value in two[kind].items():
            if key.endswith("_s") or key.endswith("_ms"):
                slope = (value - one[kind][key]) / (two["tokens"] - one["tokens"])
                row[key] = round(max(value + slope * (n - two["tokens"]), value), 3)
            else:
                row[key] = value
        out[kind] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, nargs="+", default=[1_000_000, 2_000_000])
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--lemmas", type=int, default=20_000)
    parser.add_argument("--zipf", type=float, default=1.0)
    parser.add_argument("--cap", type=float, default=0.04)
    parser.add_argument("--shard", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--any-queries", type=int, default=100)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS,
                        help="store types to measure (flat is always built: the exact answer)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default="/tmp/bench-store")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic shards")
    parser.add_argument("--reuse-raw", action="store_true",
                        help="keep the shards an earlier run (same parameters) wrote")
    parser.add_argument("--reuse-stores", action="store_true",
                        help="with --reuse-raw: query the stores an earlier run saved")
    parser.add_argument("--skip-append", action="store_true",
                        help="measure queries only (no 1%% append: a quick re-measurement)")
    parser.add_argument("--ann-up-to", type=int, default=1 << 62,
                        help="build the --any-lemma ANN only up to this many tokens (its "
                             "k-means assignment costs n·sqrt(n)·dim)")
    parser.add_argument("--out", default=None, help="write the reports here (JSON)")
    parser.add_argument("--rerank-shares", type=float, nargs="*", default=[],
                        help="also measure pq / rabitq with these re-rank shares")
    parser.add_argument("--extrapolate", type=int, default=None,
                        help="also report this size from the last two sizes measured")
    args = parser.parse_args()
    reports = [bench(n, args) for n in args.tokens]
    if args.extrapolate and len(reports) >= 2:
        reports.append(extrapolate(reports[-2], reports[-1], args.extrapolate))
        print(json.dumps(reports[-1]), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(reports, indent=1))


if __name__ == "__main__":
    main()
