"""Scale benchmark: where one laptop stops (docs/scale.md quotes these figures).

    python tests/benchmarks/scale_bench.py hnsw [--count 1000000] [--dim 256] [--queries 1000] [--json]
    python tests/benchmarks/scale_bench.py push [--count 10000] [--dim 256] [--batch 256] [--memory] [--json]

`hnsw`: the local HNSW index (core.storage.vector_index.VectorIndex) filled with `count` generated embeddings
(bench.photos.clustered_embeddings): build time, resident memory, file size, single-query latency (k=10) and
recall@10 against an exact search. `push`: points per second upserted into qdrant-client's local mode (the same
upsert calls `autosimnet push` makes, payloads included). Everything is written to a temporary folder.
Not a timed test: run it by hand and quote the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout without installing

import numpy as np

from autosimnet_desktop.bench.machine import cpu_description, peak_rss_bytes, rss_bytes
from autosimnet_desktop.bench.measure import percentiles
from autosimnet_desktop.bench.photos import clustered_embeddings
from autosimnet_desktop.core.storage.vector_index import VectorIndex

BUILD_BATCH = 50_000


def log(line: str) -> None:
    """Progress on stderr (the figures go to stdout)."""
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {line}\n")
    sys.stderr.flush()


def exact_neighbours(data: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """The true k nearest rows of `data` for each query (squared L2, in blocks to bound memory)."""
    norms = np.einsum("ij,ij->i", data, data)
    out = []
    for query in queries:
        d2 = norms - 2.0 * (data @ query)
        top = np.argpartition(d2, k)[:k]
        out.append(top[np.argsort(d2[top])])
    return np.asarray(out)


def hnsw(count: int, dim: int, queries: int, threads: int) -> dict[str, Any]:
    """Build, save and query a VectorIndex of `count` generated vectors."""
    base_rss = rss_bytes()
    log(f"generating {count:,} x {dim} embeddings")
    data = clustered_embeddings(count + queries, dim, seed=1)
    held_out, data = data[count:], data[:count]
    data_bytes = data.nbytes
    index = VectorIndex(dim)
    started = time.perf_counter()
    for start in range(0, count, BUILD_BATCH):
        stop = min(count, start + BUILD_BATCH)
        index.add(range(start, stop), data[start:stop], threads=threads)
        elapsed = time.perf_counter() - started
        log(f"  {stop:,} inserted, {stop / elapsed:,.0f} vectors/s, rss {rss_bytes() / 2**30:.2f} GiB")
    build = time.perf_counter() - started
    index_rss = rss_bytes() - base_rss - data_bytes  # the numpy copy of the data is not the index's
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vectors.hnsw"
        started = time.perf_counter()
        index.save(path)
        save = time.perf_counter() - started
        file_bytes = path.stat().st_size
    latencies = []
    found = []
    for query in held_out:
        started = time.perf_counter()
        labels, _ = index.search(query, 10)[0]
        latencies.append(time.perf_counter() - started)
        found.append(labels)
    p50, p95 = percentiles(latencies)
    sample = min(queries, 200)
    truth = exact_neighbours(data, held_out[:sample], 10)
    recall = float(np.mean([len(set(truth[i]) & set(found[i].tolist())) / 10 for i in range(sample)]))
    return {"count": count, "dim": dim, "threads": threads, "build_seconds": round(build, 1),
            "insert_per_second": round(count / build), "save_seconds": round(save, 1),
            "file_bytes": file_bytes, "file_bytes_per_vector": round(file_bytes / count, 1),
            "index_rss_bytes": index_rss, "rss_bytes_per_vector": round(index_rss / count, 1),
            "raw_vector_bytes": dim * 4, "query_p50_ms": round(p50 * 1000, 3), "query_p95_ms": round(p95 * 1000, 3),
            "recall_at_10": round(recall, 4), "peak_rss_bytes": peak_rss_bytes()}


def push(count: int, dim: int, batch: int, memory: bool) -> dict[str, Any]:
    """Points per second upserted into a local-mode Qdrant collection (on disk, or in memory), with a push's
    payload."""
    from qdrant_client import QdrantClient, models

    data = clustered_embeddings(count, dim, seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        client = QdrantClient(location=":memory:") if memory else QdrantClient(path=tmp)
        client.create_collection("bench", vectors_config={"image": models.VectorParams(
            size=dim, distance=models.Distance.EUCLID)})
        started = time.perf_counter()
        for start in range(0, count, batch):
            rows = range(start, min(count, start + batch))
            points = [models.PointStruct(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"p/{i}")),
                                         vector={"image": data[i].tolist()},
                                         payload={"path": f"p/{i}.jpg", "product": f"P{i // 4}", "name": "",
                                                  "category": "c", "model": "m", "model_sha256": "0" * 64,
                                                  "digest": "0" * 32}) for i in rows]
            client.upsert("bench", points, wait=True)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        for query in data[:100]:
            client.query_points("bench", query=query.tolist(), using="image", limit=10)
        query_ms = (time.perf_counter() - started) * 10
        client.close()
    return {"count": count, "dim": dim, "batch": batch, "storage": "memory" if memory else "disk", "seconds": round(seconds, 1),
            "points_per_second": round(count / seconds), "local_mode_query_ms": round(query_ms, 1)}


def main() -> None:
    """Parse the arguments, run one measurement and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("hnsw")
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("push")
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--memory", action="store_true", help="local mode in memory instead of on disk")
    p.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.what == "hnsw":
        results = hnsw(args.count, args.dim, args.queries, args.threads)
    else:
        results = push(args.count, args.dim, args.batch, args.memory)
    results["machine"] = cpu_description()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:24s} {value}")


if __name__ == "__main__":
    main()
