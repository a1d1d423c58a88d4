"""`AutoSimNet --self-test`: prove a build works end to end, without a window and without Qt.

It loads the default model, indexes the bundled sample catalogue into a temporary data folder (the
user's own data is never touched), queries with one catalogue image and checks that the image finds
itself first and that the similarities make sense. One line is printed; the exit code is 0 or 1.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from autosimnet_desktop import __version__
from autosimnet_desktop.locations import resolve_model, sample_catalogue

TOP_K = 10
MIN_SELF_SIMILARITY = 0.99  # an image compared with itself: distance ~0, so similarity ~1


class SelfTestError(Exception):
    """A check that failed, with what was expected and what was found."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestError(message)


def check(folder: Path | None = None, model: str | None = None, k: int = TOP_K) -> str:
    """Run the checks; returns the summary line or raises SelfTestError (or the core's own errors)."""
    # Imported here, not at module level: `--version` must stay instant.
    from autosimnet_desktop.core.catalogue.factory import open_catalogue
    from autosimnet_desktop.core.images.formats import supported_extensions

    start = time.perf_counter()
    folder = folder or sample_catalogue()
    model_path = resolve_model(model)
    _expect(model_path.is_file(), f"model not found: {model_path}")
    _expect(folder.is_dir(), f"sample catalogue not found: {folder}")
    images = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                    if p.is_file() and p.suffix.lower() in supported_extensions())
    _expect(len(images) >= 2, f"the sample catalogue has {len(images)} images, need at least 2")

    with tempfile.TemporaryDirectory(prefix="autosimnet-selftest-") as data_dir:
        catalogue = open_catalogue(folder, model=model_path, data_dir=data_dir)
        try:
            report = catalogue.index()
            _expect(not report.cancelled, "indexing was cancelled")
            _expect(report.unreadable == 0,
                    f"{report.unreadable} unreadable: " + "; ".join(f"{f.path}: {f.reason}" for f in report.failures[:3]))
            _expect(report.indexed == len(images), f"indexed {report.indexed} of {len(images)} images")
            _expect(catalogue.count() == len(images), f"index holds {catalogue.count()} of {len(images)} images")

            probe = images[len(images) // 2]  # any catalogue image must find itself first
            hits = catalogue.query(folder / probe, k)
            model_label = catalogue.model.label
        finally:
            catalogue.close()

    _expect(len(hits) == min(k, len(images)), f"query returned {len(hits)} hits, expected {min(k, len(images))}")
    best = hits[0]
    # Exact duplicates in the catalogue tie with the probe at distance 0; any of them may come first.
    ties = [hit.path for hit in hits if hit.distance <= best.distance + 1e-6]
    _expect(probe in ties, f"top hit for {probe} is {best.path} (distance {best.distance:.4g}), not the image itself")
    _expect(best.similarity >= MIN_SELF_SIMILARITY, f"self-similarity {best.similarity:.4f} < {MIN_SELF_SIMILARITY}")
    sims = [hit.similarity for hit in hits]
    dists = [hit.distance for hit in hits]
    _expect(all(0.0 <= s <= 1.0 for s in sims), f"similarity outside 0..1: {sims}")
    _expect(all(a >= b for a, b in zip(sims, sims[1:])), f"similarities not best first: {sims}")
    _expect(all(a <= b for a, b in zip(dists, dists[1:])), f"distances not nearest first: {dists}")
    _expect(len({hit.path for hit in hits}) == len(hits), "a file appears twice in the results")
    _expect(all(hit.path in images for hit in hits), "a hit is not a catalogue file")
    # A broken model (constant or NaN embeddings) makes everything equally similar: the last hit must differ.
    _expect(sims[-1] < sims[0] - 1e-3, f"all {len(hits)} hits equally similar ({sims[0]:.4f}): the model looks broken")

    seconds = time.perf_counter() - start
    return (f"AutoSimNet {__version__} self-test passed: {model_label}, {report.indexed} images indexed "
            f"in {report.seconds:.1f} s, {probe} found itself (similarity {best.similarity:.3f}), "
            f"#{len(hits)} at {sims[-1]:.3f}; {seconds:.1f} s in all")


def run_self_test(folder: Path | None = None, model: str | None = None, out: TextIO | None = None) -> int:
    """Run the self-test, print one line, return 0 on success and 1 on any failure."""
    out = out or sys.stdout
    try:
        line, code = check(folder, model), 0
    except Exception as exc:  # any failure is a failed self-test, reported on one line
        reason = " ".join(str(exc).split()) or type(exc).__name__
        line, code = f"AutoSimNet {__version__} self-test FAILED: {type(exc).__name__}: {reason}", 1
    print(line, file=out, flush=True)
    return code
