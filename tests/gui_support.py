"""Helpers for the GUI tests: real image folders, a small in-memory catalogue with the core's API, a window."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from autosimnet_desktop.core.catalogue.info import CatalogueInfo
from autosimnet_desktop.core.catalogue.protocol import QueryImage
from autosimnet_desktop.core.images.decode import Preprocess, open_image
from autosimnet_desktop.core.model.card import ModelCard
from autosimnet_desktop.core.model.encoder import ModelInfo
from autosimnet_desktop.core.products.assign import Grouping, Photo, assign_products
from autosimnet_desktop.core.products.book import parse_rule
from autosimnet_desktop.core.products.grouping import GroupingRule
from autosimnet_desktop.core.products.listing import product_page
from autosimnet_desktop.core.products.matching import match_photos
from autosimnet_desktop.core.products.records import MatchResult, ProductHit, ProductPage, ProductSort, ProductSummary
from autosimnet_desktop.core.products.scoring import product_distance
from autosimnet_desktop.core.products.shopfile import ShopFile, read_product_file
from autosimnet_desktop.core.records import (
    CancelToken,
    Failure,
    FolderError,
    IndexReport,
    ModelChange,
    ModelError,
    NotIndexedError,
    Progress,
    ProgressCallback,
    SearchHit,
)
from autosimnet_desktop.core.search.fusion import Segments

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"}


def make_image(path: Path, shade: int, shape: str = "box", size: tuple[int, int] = (96, 96)) -> Path:
    """A product-like photo: a dark shape on white whose grey level is `shade`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    w, h = size
    box = (w // 5, h // 5, 4 * w // 5, 4 * h // 5)
    colour = (shade, shade, shade)
    if shape == "box":
        draw.rectangle(box, fill=colour)
    else:
        draw.ellipse(box, fill=colour)
    img.save(path)
    return path


def make_catalogue(folder: Path, count: int = 12) -> Path:
    """`count` distinct images in two subfolders of `folder`."""
    for i in range(count):
        sub = "boxes" if i % 2 == 0 else "round"
        make_image(folder / sub / f"item-{i:03d}.png", shade=10 + i * (200 // max(1, count)),
                   shape="box" if i % 2 == 0 else "ellipse")
    return folder


def fake_model() -> ModelInfo:
    """ModelInfo for the fake catalogue (what the About box shows)."""
    meta = {"model_name": "fake-dae", "model_version": "9.9", "training_data": "test pixels", "embedding_size": "64"}
    return ModelInfo(path=Path("fake-model.onnx"), sha256="ab" * 32, card=ModelCard.read(meta, "fake-model", None),
                     metadata=meta)


class FakeCatalogue:
    """The core's CatalogueAPI over real files: 8x8 grey thumbnails as embeddings, exact search.

    `permits` (if set) is acquired before each file, so a test decides how far indexing gets.
    tests/test_boundary.py checks that its public signatures are the Protocol's.
    """

    segments: Segments | None = None  # no colour part: the colour weight cannot change

    def __init__(self, folder: Path, permits: threading.Semaphore | None = None, delay: float = 0.0) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FolderError(f"the folder {self.folder} does not exist")
        self.data_dir = self.folder.parent / ".fake-data"
        self.model = fake_model()
        self.changed_from: ModelChange | None = None  # what model_change() answers
        self.permits = permits
        self.delay = delay
        self.closed = False
        self.index_calls = 0
        self._vectors: dict[str, tuple[float, np.ndarray]] = {}
        self._failures: dict[str, str] = {}
        self._lock = threading.Lock()
        self._grouping_rule = GroupingRule.AUTO
        self._shop: ShopFile | None = None

    def _files(self) -> dict[str, float]:
        found = {}
        for path in self.folder.rglob("*"):
            rel = path.relative_to(self.folder)
            if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not any(
                    p.startswith(".") for p in rel.parts):
                found[rel.as_posix()] = path.stat().st_mtime
        return found

    @staticmethod
    def _embed(source: QueryImage) -> np.ndarray:
        img = open_image(source, "L").resize((8, 8))
        return np.asarray(img, dtype=np.float32).ravel() / 255.0

    def index(self, progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> IndexReport:
        """Embed new and changed files, drop removed ones; stops between files when cancelled."""
        self.index_calls += 1
        start = time.monotonic()
        files = self._files()
        with self._lock:
            known = dict((rel, mtime) for rel, (mtime, _) in self._vectors.items())
        removed = [rel for rel in known if rel not in files]
        todo = sorted(rel for rel, mtime in files.items() if known.get(rel) != mtime and rel not in self._failures)
        report = IndexReport(unchanged=len(files) - len(todo), removed=len(removed))
        with self._lock:
            for rel in removed:
                del self._vectors[rel]
        for done, rel in enumerate(todo):
            if cancel is not None and cancel.cancelled:
                report.cancelled = True
                break
            if self.permits is not None and not self.permits.acquire(timeout=10):
                raise TimeoutError("the test never let this file through")
            if self.delay:
                time.sleep(self.delay)
            try:
                vector = self._embed(self.folder / rel)
            except Exception as exc:  # mirrors the core: a bad file is recorded, not fatal
                self._failures[rel] = str(exc)
                report.unreadable += 1
                report.failures.append(Failure(rel, str(exc)))
            else:
                with self._lock:
                    if rel in known:
                        report.changed += 1
                    else:
                        report.new += 1
                    self._vectors[rel] = (files[rel], vector)
            if progress is not None:
                elapsed = max(1e-6, time.monotonic() - start)
                rate = (done + 1) / elapsed
                progress(Progress(done + 1, len(todo), rate, (len(todo) - done - 1) / rate, rel, "indexing"))
        report.seconds = time.monotonic() - start
        return report

    def _search(self, vector: np.ndarray, k: int, exclude: str | None = None) -> list[SearchHit]:
        with self._lock:
            items = [(rel, v) for rel, (_, v) in self._vectors.items() if rel != exclude]
        hits = [SearchHit(rel, float(np.linalg.norm(v - vector)), 0.0) for rel, v in items]
        hits = [SearchHit(h.path, h.distance, math.exp(-h.distance / 2)) for h in hits]
        return sorted(hits, key=lambda h: (h.distance, h.path))[:k]

    def _check_weight(self, colour_weight: float | None) -> None:
        """Like the core: a colour weight needs a model with a colour part."""
        if colour_weight is not None and self.segments is None:
            raise ModelError("this fake model has no colour part")

    def query(self, image: QueryImage, k: int = 10, colour_weight: float | None = None) -> list[SearchHit]:
        """The k nearest files to an image path, bytes or PIL image (the colour weight changes nothing)."""
        self._check_weight(colour_weight)
        return self._search(self._embed(image), k)

    def similar_to(self, relpath: str, k: int = 10, colour_weight: float | None = None) -> list[SearchHit]:
        """The k nearest other files to a catalogue file."""
        self._check_weight(colour_weight)
        with self._lock:
            vector = self._vectors[relpath][1]
        return self._search(vector, k, exclude=relpath)

    def related(self, k: int = 10, progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                colour_weight: float | None = None) -> dict[str, list[SearchHit]]:
        """Each file's k nearest others."""
        self._check_weight(colour_weight)
        with self._lock:
            rels = sorted(self._vectors)
        return {rel: self.similar_to(rel, k) for rel in rels}

    def duplicates(self, min_similarity: float = 0.95, progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None) -> list[list[SearchHit]]:
        """Groups of files at least min_similarity alike (greedy)."""
        groups, seen = [], set()
        for rel in sorted(self._vectors):
            if rel in seen:
                continue
            close = [h for h in self.similar_to(rel, 1000) if h.similarity >= min_similarity and h.path not in seen]
            if close:
                group = [SearchHit(rel, 0.0, 1.0), *close]
                owner = {photo: pid for pid, p in self._grouping().products.items() for photo in p.photos}
                group = [SearchHit(h.path, h.distance, h.similarity, owner.get(h.path)) for h in group]
                seen.update(h.path for h in group)
                groups.append(group)
        return groups

    # -- products: the core's own pure grouping, exact search over the fake vectors --

    def _grouping(self) -> Grouping:
        with self._lock:
            photos = [Photo(i, rel, round(self._vectors[rel][0] * 1e9)) for i, rel in enumerate(sorted(self._vectors))]
        return assign_products(photos, self._grouping_rule, self._shop)

    def _product_search(self, query: np.ndarray, k: int, exclude: str | None = None,
                        keep: Callable[[str], bool] | None = None) -> list[ProductHit]:
        grouping = self._grouping()
        with self._lock:
            vectors = {rel: v for rel, (_, v) in self._vectors.items()}
        hits = []
        for pid, product in grouping.products.items():
            if pid == exclude or (keep is not None and not keep(pid)):
                continue
            d, best = product_distance(query, np.stack([vectors[p] for p in product.photos]))
            hits.append(ProductHit(pid, product.name, product.category, product.photos[best], d, math.exp(-d / 2),
                                   len(product.photos)))
        return sorted(hits, key=lambda h: (h.distance, h.product))[:k]

    def product_summary(self) -> ProductSummary:
        """Photos, products and how they are grouped."""
        return self._grouping().summary

    def set_grouping(self, rule: GroupingRule | str, product_file: str | os.PathLike[str] | None = None,
                     remember: bool = True) -> ProductSummary:
        """Like the core: the file is read and checked before anything changes."""
        chosen = parse_rule(rule)
        shop = read_product_file(product_file) if product_file is not None else None
        self._grouping_rule, self._shop = chosen, shop
        return self.product_summary()

    def query_products(self, image: QueryImage, k: int = 10, colour_weight: float | None = None) -> list[ProductHit]:
        """The k nearest products to an image."""
        self._check_weight(colour_weight)
        return self._product_search(self._embed(image)[None], k)

    def similar_products(self, product: str, k: int = 10, colour_weight: float | None = None) -> list[ProductHit]:
        """The k nearest other products, searched with all the product's photos."""
        self._check_weight(colour_weight)
        grouping = self._grouping()
        if product not in grouping.products:
            raise NotIndexedError(f"no product {product!r} in the index")
        with self._lock:
            query = np.stack([self._vectors[p][1] for p in grouping.products[product].photos])
        return self._product_search(query, k, exclude=product)

    def related_products(self, k: int = 10, progress: ProgressCallback | None = None,
                         cancel: CancelToken | None = None, colour_weight: float | None = None,
                         same_category: bool = False) -> dict[str, list[ProductHit]]:
        """Each product's k nearest other products."""
        self._check_weight(colour_weight)
        grouping = self._grouping()
        if same_category and not any(p.category for p in grouping.products.values()):
            raise ValueError("same-category related products need categories from the shop's product file")
        out = {}
        for pid in sorted(grouping.products):
            category = grouping.products[pid].category
            if same_category and not category:
                out[pid] = []
                continue
            keep = (lambda other: grouping.products[other].category == category) if same_category else None
            with self._lock:
                query = np.stack([self._vectors[p][1] for p in grouping.products[pid].photos])
            out[pid] = self._product_search(query, k, exclude=pid, keep=keep)
        return out

    def match(self, paths: Sequence[str | os.PathLike[str]], k: int = 5, min_similarity: float = 0.0,
              progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> list[MatchResult]:
        """The core's own match over this fake's product search."""
        return match_photos(paths, lambda path: self.query_products(path, k), min_similarity, progress, cancel)

    def list_products(self, text: str = "", sort: ProductSort = ProductSort.NAME, offset: int = 0,
                      limit: int = 100) -> ProductPage:
        """The core's own listing over this fake's grouping."""
        return product_page(self._grouping(), text, sort, offset, limit)

    def count(self) -> int:
        """Files indexed."""
        with self._lock:
            return len(self._vectors)

    def model_change(self) -> ModelChange | None:
        """The model the stored index was built with, if this one must rebuild it (`changed_from`)."""
        return self.changed_from

    def failures(self) -> list[Failure]:
        """Files that could not be read."""
        return [Failure(rel, reason) for rel, reason in sorted(self._failures.items())]

    def info(self) -> CatalogueInfo:
        """A summary like the core's."""
        return CatalogueInfo(folder=self.folder, data_dir=self.data_dir, model_label=self.model.label,
                             model_sha256=self.model.sha256, count=self.count(), failures=len(self._failures),
                             last_indexed=None, index_bytes=0, distance_scale=2.0, scale_source="model")

    def close(self) -> None:
        """Nothing to save."""
        self.closed = True


def gated_factory(permits: threading.Semaphore) -> tuple[Callable[[Path], FakeCatalogue], list[FakeCatalogue]]:
    """A catalogue factory whose catalogues index one file per released permit, and the list they go to."""
    made: list[FakeCatalogue] = []

    def factory(path: Path) -> FakeCatalogue:
        made.append(FakeCatalogue(path, permits=permits))
        return made[-1]

    return factory, made


@dataclass
class RecordingDesktop:
    """Stands in for the system viewer / file manager: records what the window asked for."""

    opened: list[Path] = field(default_factory=list)
    revealed: list[Path] = field(default_factory=list)
    file_manager: str = "answers"  # "answers", "refuses" (at once) or "silent" (no file manager answers later)

    def open_file(self, path: Path) -> bool:
        """Record an open request."""
        self.opened.append(Path(path))
        return True

    def show_in_folder(self, path: Path, failed: Callable[[], None] | None = None) -> bool:
        """Record a show-in-folder request; fail it as `file_manager` says."""
        self.revealed.append(Path(path))
        if self.file_manager == "silent" and failed is not None:
            failed()
        return self.file_manager != "refuses"


@pytest.fixture()
def clean_clipboard() -> Iterator[None]:
    """Empty the clipboard after the test: Qt's offscreen platform crashes at exit holding our QMimeData."""
    yield
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().clear()


def refuse_dialog(*_args: Any) -> None:
    """A chooser that fails the test: no test may open a real file dialog."""
    raise AssertionError("a file dialog was opened in a test")


def build_window(qtbot: Any, tmp_path: Path, factory: Callable[[Path], Any] = FakeCatalogue,
                 **services: Any) -> Any:
    """A MainWindow with private settings, its own pool, a recording desktop and no real dialogs."""
    from PySide6.QtCore import QSettings

    from autosimnet_desktop.gui.runtime.choosers import Choosers
    from autosimnet_desktop.gui.main_window import MainWindow
    from autosimnet_desktop.gui.runtime.services import Services
    from autosimnet_desktop.gui.runtime.settings import Settings
    from autosimnet_desktop.gui.runtime.tasks import TaskRunner, make_pool

    settings = services.pop("settings", None) or Settings(
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    defaults: dict[str, Any] = {
        "desktop": RecordingDesktop(),
        "choosers": Choosers(refuse_dialog, refuse_dialog, refuse_dialog, refuse_dialog, refuse_dialog),
        "watcher": lambda runner: None,
        "thumbnail_dir": lambda catalogue: tmp_path / "thumbnails",
    }
    defaults.update(services)
    window = MainWindow(settings, Services(factory=factory, runner=TaskRunner(make_pool()), **defaults))
    qtbot.addWidget(window)
    return window


def open_and_index(qtbot: Any, window: Any, folder: Path, timeout: int = 10_000) -> None:
    """Open `folder` in `window` and wait until its first indexing run has finished."""
    window.open_folder(folder)
    qtbot.waitUntil(lambda: window.session is not None and window.session.is_open, timeout=timeout)
    session = window.session
    qtbot.waitUntil(lambda: session.last_report is not None and not session.job_kind
                    and session.count == session.catalogue.count(), timeout=timeout)


def result_rows(window: Any) -> int:
    """Search results shown in the grid (0 while it lists the catalogue's own products)."""
    return 0 if window.page.browsing else int(window.page.model.rowCount())


def wait_for_browse(qtbot: Any, window: Any, rows: int | None = None, timeout: int = 5000) -> None:
    """Wait until the grid lists the catalogue's products (`rows` of them, if given)."""
    page = window.page
    qtbot.waitUntil(lambda: page.browsing and page.model.browse_total is not None
                    and (rows is None or page.model.rowCount() == rows), timeout=timeout)


def make_product_shop(folder: Path, products: int = 6, views: int = 3) -> Path:
    """`products` products of `views` photos each, named like a shop's exports: SKU-000_1.png, SKU-000_2.png..."""
    for p in range(products):
        shade = 10 + p * (200 // max(1, products))
        for v in range(views):
            make_image(folder / f"SKU-{p:03d}_{v + 1}.png", shade=min(255, shade + v), shape="box" if p % 2 else "ellipse",
                       size=(96 + 8 * v, 96))
    return folder


def write_product_csv(path: Path, rows: Sequence[tuple[str, str, str, str]]) -> Path:
    """A WooCommerce product export: SKU, Name, Categories, Images (comma-separated URLs)."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["ID", "Type", "SKU", "Name", "Categories", "Images"])
        for i, (sku, name, category, images) in enumerate(rows, start=1):
            writer.writerow([i, "simple", sku, name, category, images])
    return path
