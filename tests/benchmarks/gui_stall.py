"""GUI responsiveness benchmark: the longest event-loop stall while 5,000 photos are indexed (the product list
showing) and a query runs.

    python tests/benchmarks/gui_stall.py [--images 5000] [--json]

A precise 5 ms QTimer ticks on the GUI thread the whole time; a stall is how much later than due a tick
arrives (the time the GUI thread could not react to input). Target: the longest stall under 100 ms.
Runs offscreen unless QT_QPA_PLATFORM says otherwise; everything is written to a temporary folder.
Not a timed test: run it by hand and quote the figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout without installing

from PIL import Image, ImageOps

from autosimnet_desktop.locations import sample_catalogue

TICK_MS = 5


def make_photos(folder: Path, count: int, size: int = 320, seed: int = 0) -> list[Path]:
    """`count` JPEG product photos (sample items shifted, mirrored and rescaled), in folders of 500."""
    rng = random.Random(seed)
    sources = sorted(sample_catalogue().rglob("*.png"))
    paths = []
    for i in range(count):
        src = Image.open(rng.choice(sources)).convert("RGB")
        if rng.random() < 0.5:
            src = ImageOps.mirror(src)
        scale = rng.uniform(0.7, 1.0)
        item = src.resize((round(size * scale), round(size * scale * rng.uniform(0.9, 1.3))),
                          Image.Resampling.BILINEAR)
        canvas = Image.new("RGB", (size, round(size * 1.3)), "white")
        canvas.paste(item, (rng.randint(0, max(0, size - item.width)),
                            rng.randint(0, max(0, canvas.height - item.height))))
        path = folder / f"batch-{i // 500:02d}" / f"photo-{i:05d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        canvas.save(path, quality=88)
        paths.append(path)
    return paths


class StallMeter:
    """Measures how late a fast GUI-thread timer fires: the GUI's worst unresponsive moment."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        """Begin ticking."""
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        """Stop ticking."""
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(max(0.0, (now - self._last) * 1000 - TICK_MS))
        self._last = now

    def summary(self) -> dict[str, float]:
        """Longest, 99th-percentile and median stall in ms, and the tick count."""
        gaps = sorted(self.gaps) or [0.0]
        return {"max_ms": round(gaps[-1], 1), "p99_ms": round(gaps[int(len(gaps) * 0.99) - 1], 1),
                "median_ms": round(gaps[len(gaps) // 2], 1), "ticks": len(self.gaps)}


def run(images: int, work: Path) -> dict[str, object]:
    """Index `images` photos in the real window with a query mid-way; return the figures."""
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from autosimnet_desktop.core.storage.datadirs import thumbnail_cache_dir
    from autosimnet_desktop.gui.app import catalogue_factory, preload_engine
    from autosimnet_desktop.gui.catalogue.jobs import JobKind
    from autosimnet_desktop.gui.runtime.memory import freeze_long_lived_objects
    from autosimnet_desktop.gui.main_window import MainWindow
    from autosimnet_desktop.gui.runtime.services import Services
    from autosimnet_desktop.gui.runtime.settings import Settings
    from autosimnet_desktop.gui.search.sources import QuerySource
    from autosimnet_desktop.gui.runtime.tasks import TaskRunner, make_pool

    folder = work / "catalogue"
    started = time.perf_counter()
    photos = make_photos(folder, images)
    made = time.perf_counter() - started
    query_image = work / "query.jpg"
    Image.open(photos[7]).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(query_image)

    app = QApplication.instance() or QApplication([])  # must exist while the window does
    data = work / "data"
    services = Services(factory=catalogue_factory(None, data), runner=TaskRunner(make_pool()),
                        thumbnail_dir=lambda cat: thumbnail_cache_dir(cat.folder, data))
    window = MainWindow(Settings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)), services)
    window.resize(1366, 768)
    window.show()
    preload_engine()  # as the app does right after start-up, before anyone can open a folder
    freeze_long_lived_objects()

    def wait_until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
        # A nested event loop, not processEvents(): PySide6 6.12's processEvents corrupts reference
        # counts while other Python threads run.
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                return False
            loop = QEventLoop()
            QTimer.singleShot(20, loop.quit)
            loop.exec()
        return True

    meter = StallMeter()
    meter.start()
    t0 = time.perf_counter()
    window.open_folder(folder)
    wait_until(lambda: window.session is not None and window.session.job_kind is JobKind.INDEX, 60)
    # The product list is the page shown meanwhile, following indexing (refreshed every 2 s); query once a
    # fifth of the photos are in: the search runs while indexing goes on.
    wait_until(lambda: window.session.count >= images // 5, 300)
    wait_until(lambda: window.page.browsing and window.page.model.rowCount() > 0, 10)
    browsed = window.page.model.rowCount() if window.page.browsing else 0
    asked = time.perf_counter()
    window.query(QuerySource.file(query_image))
    got_results = wait_until(lambda: not window.page.browsing and window.page.model.rowCount() > 0, 60)
    query_seconds = time.perf_counter() - asked
    finished = wait_until(lambda: window.session.last_report is not None and not window.session.job_kind, 900)
    index_seconds = time.perf_counter() - t0
    wait_until(lambda: False, 0.5)  # let the re-query and thumbnails after indexing land too
    meter.stop()
    report = window.session.last_report
    window.close()
    return {
        "images": images,
        "stall": meter.summary(),
        "target_max_ms": 100,
        "indexing_seconds": round(index_seconds, 1),
        "images_per_second": round(images / index_seconds, 1),
        "query_seconds_during_indexing": round(query_seconds, 3) if got_results else None,
        "products_listed_before_query": browsed,
        "indexing_finished": finished and report is not None and not report.cancelled,
        "photo_generation_seconds": round(made, 1),
        "cpu_count": os.cpu_count(),
        "qt_platform": os.environ.get("QT_QPA_PLATFORM", ""),
    }


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="autosimnet-gui-stall-") as tmp:
        result = run(args.images, Path(tmp))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        stall = result["stall"]
        print(f"longest GUI stall: {stall['max_ms']} ms (p99 {stall['p99_ms']} ms, median {stall['median_ms']} ms, "
              f"{stall['ticks']} ticks) while indexing {result['images']} photos in {result['indexing_seconds']} s "
              f"({result['images_per_second']} images/s); query during indexing: "
              f"{result['query_seconds_during_indexing']} s; target < {result['target_max_ms']} ms")
    return 0 if result["indexing_finished"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
