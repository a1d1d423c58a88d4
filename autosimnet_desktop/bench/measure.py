"""The bench's measurements: decoding alone, the indexing pipeline, the encoder alone and search at scale."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from autosimnet_desktop.bench.machine import peak_rss_bytes, rss_bytes
from autosimnet_desktop.bench.photos import clustered_embeddings
from autosimnet_desktop.core.catalogue.factory import build_catalogue
from autosimnet_desktop.core.files.reading import read_file
from autosimnet_desktop.core.indexing.decoding import decode_chunk, plan_chunks
from autosimnet_desktop.core.indexing.settings import IndexSettings
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.storage.store import INDEXED

Log = Callable[[str], None]


def decode_only(folder: Path, paths: list[Path], encoder: Encoder, workers: int) -> tuple[float, float]:
    """(images/s, CPU ms per image) of the indexer's decoding stage alone: read, digest, decode, preprocess.

    It runs the very function the indexer runs (`indexer.decode_chunk`) on the indexer's chunks, small files on
    one thread (the indexer's small-file lane) and big ones in a pool of `workers` threads, so the pipeline's
    only extra work is encoding and recording. `workers=1` decodes everything on one thread."""
    spec = encoder.preprocess
    files = [str(p.relative_to(folder)) for p in paths]
    settings = IndexSettings()
    chunks = plan_chunks([p.stat().st_size for p in paths], *settings.chunk_sizes(spec))  # the scan knows the sizes
    limit = settings.max_file_bytes

    def work(positions: list[int]) -> None:
        for decoded in decode_chunk(read_file, folder, [files[i] for i in positions], spec, limit).files:
            if decoded.array is None:
                raise RuntimeError(f"the benchmark could not decode its own photo {decoded.relpath}: "
                                   f"{decoded.error}")

    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(workers) as pool, ThreadPoolExecutor(1) as small_lane:
        lane = small_lane if workers > 1 else pool
        for future in [(lane if small else pool).submit(work, positions) for small, positions in chunks]:
            future.result()
    wall = time.perf_counter() - started
    return len(paths) / wall, (time.process_time() - cpu) * 1000 / len(paths)


def pipeline(folder: Path, encoder: Encoder, data_root: Path, workers: int) -> dict[str, float]:
    """Index `folder` from scratch through Catalogue.index: wall time, images/s, CPU and bytes per item."""
    peak_before = peak_rss_bytes()
    catalogue = build_catalogue(folder, encoder, data_root, settings=IndexSettings(workers=workers))
    started, cpu = time.perf_counter(), time.process_time()
    report = catalogue.index()
    seconds = time.perf_counter() - started
    cpu_ms = (time.process_time() - cpu) * 1000 / max(1, report.new)
    info = catalogue.info()
    started = time.perf_counter()
    again = catalogue.index()  # nothing changed: this is the cost of an incremental run's scan
    unchanged_seconds = time.perf_counter() - started
    catalogue.close()
    assert report.new and not report.unreadable and again.unchanged == report.new, (report, again)
    return {"images": report.new, "seconds": seconds, "images_per_second": report.new / seconds,
            "cpu_ms_per_image": cpu_ms, "unchanged_rerun_seconds": unchanged_seconds,
            "disk_bytes_per_item": info.index_bytes / report.new,
            "peak_rss_growth_mb": max(0, peak_rss_bytes() - peak_before) / 2**20}


def decode_vs_pipeline(root: Path, name: str, paths: list[Path], encoder: Encoder, workers: int,
                       rounds: int) -> dict[str, Any]:
    """Decode-only and the full pipeline, interleaved for `rounds` rounds: medians, and each round's ratio.

    A shared machine's speed drifts by tens of percent within a minute; a ratio taken within one round
    compares like with like, and the median of the rounds' ratios resists a disturbed round.
    """
    folder = root / name
    single, _ = decode_only(folder, paths[: max(1, len(paths) // 4)], encoder, 1)
    decode, decode_cpu, piped, ratios = [], [], [], []
    for round_ in range(rounds):
        rate, cpu = decode_only(folder, paths, encoder, workers)
        figures = pipeline(folder, encoder, root / f"data-{name}-{round_}", workers)
        decode.append(rate)
        decode_cpu.append(cpu)
        piped.append(figures)
        ratios.append(figures["images_per_second"] / rate)
    middle = sorted(range(rounds), key=lambda i: piped[i]["images_per_second"])[rounds // 2]
    decode_ms = float(np.median(decode_cpu))
    pipeline_ms = float(np.median([f["cpu_ms_per_image"] for f in piped]))
    # CPU time per image barely depends on what else the machine runs. When decoding saturates the cores
    # (big photos), the idle-machine ratio is the ratio of CPU costs. When decoding is held to one core by
    # the GIL (thumbnails), the pipeline can at best spend all cores' time: its ratio cannot exceed
    # workers / (pipeline CPU per image x decode-only rate), the ceiling.
    return {**piped[middle],  # the median round's own figures (time, disk, re-run), then the medians
            "decode_one_thread_images_per_second": single, "decode_only_images_per_second": float(np.median(decode)),
            "decode_cpu_ms_per_image": decode_ms, "cpu_ms_per_image": pipeline_ms,
            "images_per_second": float(np.median([f["images_per_second"] for f in piped])),
            "pipeline_vs_decode": float(np.median(ratios)), "pipeline_vs_decode_rounds": ratios,
            "pipeline_vs_decode_by_cpu": decode_ms / pipeline_ms,
            "pipeline_vs_decode_ceiling": workers * 1000 / (pipeline_ms * float(np.median(decode)))}


def encoder_only(encoder: Encoder, sample: np.ndarray, workers: int, seconds: float = 2.0,
                 batch: int = IndexSettings.chunk_size) -> float:
    """Images/s of the encoder alone on preprocessed batches in `workers` threads: the machine's encoding capacity.

    (The indexer runs two encoding threads beside its decoding threads: IndexSettings.encoding_threads.)"""
    data = np.stack([sample[i % len(sample)] for i in range(batch)])
    encoder.encode(data)  # warm-up
    started = time.perf_counter()

    def loop(_worker: int) -> int:
        done = 0
        while time.perf_counter() - started < seconds:
            encoder.encode(data)
            done += batch
        return done

    with ThreadPoolExecutor(workers) as pool:
        done = sum(pool.map(loop, range(workers)))
    return done / (time.perf_counter() - started)


def synthetic_catalogue(root: Path, encoder: Encoder, vectors: np.ndarray,
                        workers: int) -> tuple[Path, Path, float, np.ndarray]:
    """A catalogue whose store and index hold `vectors`: folder, data root, build s, labels.

    Its files are empty stand-ins: a query checks that each result's file is still there, as in a real
    catalogue, and nothing here decodes them."""
    folder = root / "folder"
    folder.mkdir(parents=True, exist_ok=True)
    data_root = root / "data"
    catalogue = build_catalogue(folder, encoder, data_root)  # the app's own wiring: data folder, store, index file
    store, index = catalogue.store, catalogue.vector_index
    store.begin()
    store.set_meta(model_sha256=encoder.info.sha256, model_label=encoder.info.label, model_dim=encoder.dim,
                   last_indexed=time.time())
    paths = [f"item{i // 1000:03d}/item-{i:06d}.jpg" for i in range(len(vectors))]
    for i, path in enumerate(paths):
        if i % 1000 == 0:
            (folder / path).parent.mkdir(exist_ok=True)
        (folder / path).touch()
    labels = [store.add(path, 1000, 0, None, INDEXED) for path in paths]
    started = time.perf_counter()
    for start in range(0, len(vectors), 5000):
        index.add(labels[start:start + 5000], vectors[start:start + 5000], threads=workers)
    build = time.perf_counter() - started
    index.save(catalogue.index_path)
    store.commit()
    catalogue.close()
    return folder, data_root, build, np.asarray(labels)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) of millisecond samples."""
    arr = np.asarray(samples)
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def search_figures(size: int, encoder: Encoder, query_images: list[Path], queries: int, workers: int,
                   root: Path, log: Log) -> dict[str, float]:
    """Query latency, search-only latency, recall@10 and speed-up over brute force at `size` items."""
    dim = encoder.dim
    data = clustered_embeddings(size + queries, dim, seed=size)
    base, probes = data[:size], data[size:]
    rss_before = rss_bytes()
    folder, data_root, build, label_of = synthetic_catalogue(root / f"n{size}", encoder, base, workers)
    log(f"  {size:,} items: index built in {build:.1f} s")
    catalogue = build_catalogue(folder, encoder, data_root)
    rss_after = rss_bytes()
    index = catalogue.vector_index
    full, full_cpu, search_only, exact, recall = [], [], [], [], []
    # Separate loops, queries first: numpy's BLAS threads keep spinning after the brute-force
    # products and would steal the CPU from (and bill their time to) an interleaved query.
    for i in range(queries):
        t0, c0 = time.perf_counter(), time.process_time()
        catalogue.query(query_images[i % len(query_images)], k=10)
        full.append((time.perf_counter() - t0) * 1000)
        full_cpu.append((time.process_time() - c0) * 1000)
    found = []
    for i in range(queries):
        t0 = time.perf_counter()
        (labels, _), = index.search(probes[i], 10)
        search_only.append((time.perf_counter() - t0) * 1000)
        found.append(labels)
    norms = np.einsum("ij,ij->i", base, base)
    for i in range(queries):
        t0 = time.perf_counter()
        truth = np.argpartition(norms - 2.0 * (base @ probes[i]), 10)[:10]
        exact.append((time.perf_counter() - t0) * 1000)
        recall.append(len(set(found[i].tolist()) & set(label_of[truth].tolist())) / 10)
    disk = catalogue.info().index_bytes
    catalogue.close()
    q50, q95 = percentiles(full)
    c50, c95 = percentiles(full_cpu)
    s50, s95 = percentiles(search_only)
    e50, _ = percentiles(exact)
    return {"items": size, "build_seconds": build, "query_p50_ms": q50, "query_p95_ms": q95,
            "query_cpu_p50_ms": c50, "query_cpu_p95_ms": c95,
            "search_p50_ms": s50, "search_p95_ms": s95, "brute_force_p50_ms": e50,
            "speedup_vs_brute_force": e50 / s50 if s50 > 0 else 0.0, "recall_at_10": float(np.mean(recall)),
            "memory_bytes_per_item": max(0, rss_after - rss_before) / size, "disk_bytes_per_item": disk / size}
