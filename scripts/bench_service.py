"""Load test of the HTTP service on loopback: QPS and latency percentiles of ``POST /wsd`` at
several numbers of concurrent clients, micro-batched vs unbatched, next to the in-process API.

Each setting starts ``python -m sensedb.service`` in a subprocess (``--batch-window-ms`` W;
0 = unbatched, one encoder pass per request), waits for ``/health``, then runs C asyncio
clients (httpx, one connection each) for ``--seconds`` seconds after a 1 s warm-up; each
client posts one query at a time, drawn in turn from the instances of a Raganato data set.
The in-process rows call ``index.wsd`` in a loop (1 client) and ``wsd_batch`` over 32
queries at a time. Bounded: the whole run takes about (2 x len(clients) + 1) x (seconds + 1)
seconds plus two server start-ups. Every process gets ``--threads`` torch threads
(OMP_NUM_THREADS).

    python scripts/bench_service.py --index /tmp/svc-mini --seconds 10 --out bench.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's sensedb, as the server subprocess uses
DEFAULT_DATA = ROOT / "tests" / "fixtures" / "mini.data.xml"


def queries_from(data: Path) -> list[dict]:
    """One ``/wsd`` body per instance of a Raganato data set (words pre-tokenized, ``at``)."""
    from sensedb import read_raganato

    found = []
    for document in read_raganato(data):
        for sentence in document.sentences:
            words = sentence.words
            for position, token in enumerate(sentence.tokens):
                if token.instance_id is not None:
                    found.append({"sentence": list(words), "at": position, "pos": token.pos})
    return found


def percentiles(latencies: list[float]) -> dict:
    """QPS-independent numbers of a latency list (seconds): p50 and p99 in milliseconds."""
    if not latencies:
        return {"p50_ms": None, "p99_ms": None}
    ordered = sorted(latencies)
    return {"p50_ms": round(1000 * statistics.median(ordered), 1),
            "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
                            1)}


async def load(url: str, queries: list[dict], clients: int, seconds: float, k: int) -> dict:
    """``clients`` concurrent clients posting ``/wsd`` for ``seconds`` (after 1 s warm-up)."""
    import httpx

    latencies: list[float] = []
    errors: dict[int, int] = {}
    counter = {"next": 0}

    async def client(session, until: float, record: bool) -> None:
        while time.perf_counter() < until:
            body = {**queries[counter["next"] % len(queries)], "k": k}
            counter["next"] += 1
            started = time.perf_counter()
            reply = await session.post("/wsd", json=body)
            if reply.status_code != 200:
                errors[reply.status_code] = errors.get(reply.status_code, 0) + 1
            elif record:
                latencies.append(time.perf_counter() - started)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as session:
        warm = time.perf_counter() + 1.0
        await asyncio.gather(*(client(session, warm, False) for _ in range(clients)))
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(client(session, until, True) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies),
            "qps": round(len(latencies) / elapsed, 1), **percentiles(latencies),
            "errors": errors}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(index: str, window_ms: float, env: dict) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sensedb.service", "--index", index, "--port", str(port),
         "--batch-window-ms", str(window_ms), "--no-wordnet-evidence", "--max-queue", "4096",
         "--log-level", "warning"], env=env, cwd=str(ROOT))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError("the server did not start within 300 s")


def in_process(index_dir: str, queries: list[dict], seconds: float, k: int) -> list[dict]:
    """``index.wsd`` in a loop (one client) and ``wsd_batch`` 32 queries at a time."""
    import sensedb
    from sensedb.service.batcher import WsdQuery, wsd_batch

    index = sensedb.open(index_dir, wordnet_evidence=False)
    rows = []
    for name, size in (("in-process index.wsd", 1), ("in-process wsd_batch(32)", 32)):
        latencies, done, n = [], 0, 0
        warm = time.perf_counter() + 1.0
        started = None
        while True:
            now = time.perf_counter()
            if started is None and now >= warm:
                started, latencies, done = now, [], 0
            if started is not None and now >= started + seconds:
                break
            batch = [queries[(n + i) % len(queries)] for i in range(size)]
            n += size
            begin = time.perf_counter()
            if size == 1:
                q = batch[0]
                index.wsd(q["sentence"], None, at=q["at"], pos=q["pos"], k=k)
            else:
                wsd_batch(index, [WsdQuery(q["sentence"], None, q["at"], q["pos"], k)
                                  for q in batch])
            latencies.append(time.perf_counter() - begin)
            done += size
        elapsed = time.perf_counter() - started
        rows.append({"mode": name, "clients": 1, "requests": done,
                     "qps": round(done / elapsed, 1), **percentiles(latencies), "errors": {}})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, help="Index directory to serve.")
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="Raganato data XML whose instances are the queries.")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--window-ms", type=float, default=5.0,
                        help="Batch window of the batched server (ms).")
    parser.add_argument("-k", type=int, default=5, help="Nearest usages per answer.")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process.")
    parser.add_argument("--out", default=None, help="Write the rows as JSON here.")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before torch is imported
    env = {**os.environ, "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1")}
    queries = queries_from(Path(args.data))
    clients = [int(c) for c in args.clients.split(",")]
    rows = []
    for mode, window in (("batched", args.window_ms), ("unbatched", 0.0)):
        process, url = start_server(args.index, window, env)
        try:
            for count in clients:
                row = {"mode": f"http {mode}",
                       **asyncio.run(load(url, queries, count, args.seconds, args.k))}
                print(json.dumps(row), flush=True)
                rows.append(row)
        finally:
            process.terminate()
            process.wait(30)
    for row in in_process(args.index, queries, args.seconds, args.k):
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(f"\n{'mode':<26}{'clients':>8}{'QPS':>9}{'p50 ms':>9}{'p99 ms':>9}  errors")
    for row in rows:
        print(f"{row['mode']:<26}{row['clients']:>8}{row['qps']:>9}{row['p50_ms']!s:>9}"
              f"{row['p99_ms']!s:>9}  {row['errors'] or ''}")
    top = max(clients)
    batched = next(r["qps"] for r in rows if r["mode"] == "http batched" and
                   r["clients"] == top)
    unbatched = next(r["qps"] for r in rows if r["mode"] == "http unbatched" and
                     r["clients"] == top)
    print(f"batched / unbatched at {top} clients: {batched / max(unbatched, 1e-9):.2f}x")
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
