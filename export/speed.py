"""Encoder speed in onnxruntime on the CPU, several models in one run: python -m export.speed --help.

Models are timed in interleaved rounds (A, B, A, B, ...) so a busy machine slows all of them alike,
and the median round is reported; the ratio to the first model is what the speed constraint is about.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from autosimnet_desktop.core.model.encoder import Encoder


def measure(models: list[Path], batch: int = 64, rounds: int = 7, batches_per_round: int = 5,
            threads: int | None = None, seed: int = 0) -> list[dict]:
    """Images/s of each model (median over interleaved rounds), with the app's own Encoder settings."""
    encoders = [Encoder(path, threads=threads) for path in models]
    rng = np.random.default_rng(seed)
    inputs = [rng.random((batch, e.preprocess.channels, e.preprocess.size, e.preprocess.size), np.float32)
              for e in encoders]
    for enc, x in zip(encoders, inputs):
        enc.encode(x)  # warm-up: first run allocates and optimises
    timings: list[list[float]] = [[] for _ in encoders]
    for _ in range(rounds):
        for i, (enc, x) in enumerate(zip(encoders, inputs)):
            t0 = time.perf_counter()
            for _ in range(batches_per_round):
                enc.encode(x)
            timings[i].append(batch * batches_per_round / (time.perf_counter() - t0))
    results = []
    for path, enc, t in zip(models, encoders, timings):
        results.append({"model": str(path), "name": enc.info.label, "embedding_size": enc.dim,
                        "file_bytes": path.stat().st_size, "images_per_second": round(statistics.median(t), 1)})
    base = results[0]["images_per_second"]
    for r in results:
        r["ratio_to_first"] = round(r["images_per_second"] / base, 3)
    return results


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m export.speed", description=__doc__)
    p.add_argument("--model", type=Path, action="append", required=True, help="ONNX encoder; the first is the reference")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads (default: the app's, all cores)")
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args(argv)
    for m in a.model:
        if not m.is_file():
            p.error(f"model not found: {m}")
    results = measure(a.model, a.batch, a.rounds, threads=a.threads)
    print("| model | dim | file size | images/s | ratio to first |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['name']} | {r['embedding_size']} | {r['file_bytes'] / 1e6:.2f} MB | {r['images_per_second']:.0f} | "
              f"{r['ratio_to_first']:.2f}x |")
    if a.json:
        a.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
