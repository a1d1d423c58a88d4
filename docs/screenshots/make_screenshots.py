"""Take the README screenshots of the real app: welcome, the product list, results on a shop of products made
from the sample catalogue (with the preview of the selected product), Check new photos, indexing in progress, and
the duplicates dialog.

    xvfb-run -s "-screen 0 1366x768x24" python docs/screenshots/make_screenshots.py [--size 1366x768] [--out docs]

Everything the app writes (index, thumbnails, settings) goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "benchmarks")]

from PIL import Image, ImageOps
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from autosimnet_desktop.core.storage.datadirs import thumbnail_cache_dir
from autosimnet_desktop.gui.app import catalogue_factory, preload_engine
from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.main_window import MainWindow
from autosimnet_desktop.gui.runtime.services import Services
from autosimnet_desktop.gui.runtime.settings import Settings
from autosimnet_desktop.gui.search.sources import QuerySource
from autosimnet_desktop.gui.runtime.tasks import TaskRunner, make_pool
from autosimnet_desktop.locations import sample_catalogue
from gui_stall import make_photos


def wait_until(condition: Callable[[], bool], timeout: float = 120) -> None:
    """Run the event loop until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        loop = QEventLoop()
        QTimer.singleShot(30, loop.quit)
        loop.exec()


def settle(seconds: float) -> None:
    """Let paints and thumbnails land."""
    end = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() > end, seconds + 5)


def new_window(work: Path, size: tuple[int, int]) -> MainWindow:
    """A fresh window with private settings and data, like a first run."""
    data = work / "data"
    services = Services(factory=catalogue_factory(None, data), runner=TaskRunner(make_pool()),
                        thumbnail_dir=lambda cat: thumbnail_cache_dir(cat.folder, data))
    settings = Settings(QSettings(str(work / f"settings-{time.monotonic_ns()}.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, services)
    window.actions_.show_preview.setChecked(size[0] >= 1000)  # the screen the shot stands for, not the one it runs on
    window.resize(*size)
    window.move(0, 0)
    window.show()
    return window


def customer_photo(work: Path) -> Path:
    """A photo that is not in the catalogue: Fashion-MNIST test image 122 (an ankle boot), as a JPEG.

    Without the shared data set, a mirrored sample bag stands in.
    """
    path = work / "new-ankle-boot.jpg"
    try:
        from export.data import DEFAULT_FASHION_MNIST, as_product_photo, fashion_mnist_raw

        images, _ = fashion_mnist_raw(DEFAULT_FASHION_MNIST, "t10k")
        photo = as_product_photo(images[122]).resize((336, 336), Image.Resampling.BICUBIC).convert("RGB")
    except OSError:
        path = work / "new-bag.jpg"
        photo = ImageOps.mirror(Image.open(sample_catalogue() / "bag" / "fmnist-test-04533.png").convert("RGB"))
    photo.save(path, quality=92)
    return path


def grab(window: MainWindow, path: Path) -> None:
    """Save the window's pixels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print("wrote", path)


def main() -> int:
    """Take the three screenshots."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--suffix", default="", help="added to the file names, e.g. -large")
    parser.add_argument("--only", default="welcome,browse,results,match,indexing,duplicates",
                        help="which screenshots to take")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("AutoSimNet Desktop")
    preload_engine()
    with tempfile.TemporaryDirectory(prefix="autosimnet-shots-") as tmp:
        work = Path(tmp)
        os.environ["AUTOSIMNET_DATA_DIR"] = str(work / "data")

        wanted = set(args.only.split(","))
        if "welcome" in wanted:
            window = new_window(work, size)  # first run: the welcome page
            settle(1.0)
            grab(window, args.out / f"screenshot-welcome{args.suffix}.png")
            window.close()
        if "browse" in wanted:
            shots_browse(work, size, args.out / f"screenshot-browse{args.suffix}.png")
        if "results" in wanted:
            shots_results(work, size, args.out / f"screenshot-results{args.suffix}.png")
        if "match" in wanted:
            shots_match(work, size, args.out / f"screenshot-match{args.suffix}.png")
        if "duplicates" in wanted:
            shots_duplicates(work, size, args.out / f"screenshot-duplicates{args.suffix}.png")
        if "indexing" in wanted:
            shots_indexing(work, size, args.out / f"screenshot-indexing{args.suffix}.png")
    return 0


def product_shop(work: Path) -> Path:
    """A shop of products with two or three views each (SKU-104_1.jpg, SKU-104_2.jpg...) made from the sample
    catalogue, and its WooCommerce product export (names and categories) beside it as products.csv."""
    import csv

    shop = work / "My shop"
    if shop.exists():
        return shop
    shop.mkdir()
    rows = []
    for c, category in enumerate(sorted(p for p in sample_catalogue().iterdir() if p.is_dir())):
        for i, photo in enumerate(sorted(category.iterdir())[:12]):
            sku = f"{category.name[:3].upper()}-{100 + c * 20 + i}"
            image = Image.open(photo).convert("RGB")
            views = [image, ImageOps.mirror(image), image.resize((image.width * 2, image.height * 2))][:2 + i % 2]
            for v, view in enumerate(views, 1):
                view.save(shop / f"{sku}_{v}.jpg", quality=92)
            name = f"{category.name.replace('-', ' ').capitalize()} {['Classic', 'Urban', 'Nova', 'Alpine'][i % 4]} {i + 1}"
            rows.append([sku, name, category.name.replace("-", " ").capitalize(),
                         ", ".join(f"https://shop.example/wp-content/uploads/{sku}_{v}.jpg"
                                   for v in range(1, len(views) + 1))])
    with (work / "products.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["ID", "Type", "SKU", "Name", "Categories", "Images"])
        writer.writerows([[n, "simple", *row] for n, row in enumerate(rows, 1)])
    return shop


def open_shop(work: Path, size: tuple[int, int]) -> MainWindow:
    """The product shop opened, indexed and grouped by its WooCommerce export."""
    shop = product_shop(work)
    window = new_window(work, size)
    window.open_folder(shop)
    wait_until(lambda: window.session is not None and window.session.last_report is not None
               and not window.session.job_kind)
    assert window.session is not None and window.session.catalogue is not None
    window.session.catalogue.set_grouping("auto", work / "products.csv")
    window.products.refresh_summary()
    window.searches.show_all(remember=False)
    window.messages.clear()
    return window


def shots_browse(work: Path, size: tuple[int, int], out: Path) -> None:
    """The catalogue's own products, the way a shop owner begins."""
    window = open_shop(work, size)
    wait_until(lambda: window.page.browsing and window.page.model.rowCount() > 0)
    settle(2.5)
    grab(window, out)
    window.close()


def shots_results(work: Path, size: tuple[int, int], out: Path) -> None:
    """A query on the product shop: products with their names, the best one in the preview."""
    window = open_shop(work, size)
    window.query(QuerySource.file(customer_photo(work)))
    wait_until(lambda: not window.page.browsing and window.page.model.rowCount() > 0)
    settle(2.5)
    grab(window, out)
    window.close()


def shots_match(work: Path, size: tuple[int, int], out: Path) -> None:
    """'Do I already sell this?' on a folder of supplier photos."""
    window = open_shop(work, size)
    supplier = work / "Supplier photos"
    supplier.mkdir(exist_ok=True)
    for n, photo in enumerate(sorted(product_shop(work).glob("*_1.jpg"))[::9][:7]):
        Image.open(photo).resize((400, 400)).save(supplier / f"offer-{n + 1:02d}.jpg", quality=90)
    shutil.copy(customer_photo(work), supplier / "new-ankle-boot.jpg")
    (supplier / "price list.jpg").write_text("not a photo")
    window.products.open_match()
    window.products.match([supplier])
    dialog = window.products.match_dialog
    assert dialog is not None
    wait_until(lambda: bool(dialog.results))
    dialog.resize(1000, 600)
    settle(2.0)
    dialog.grab().save(str(out))
    print("wrote", out)
    window.close()


def shots_duplicates(work: Path, size: tuple[int, int], out: Path) -> None:
    """The duplicates dialog on the sample catalogue with two photos saved twice."""
    from autosimnet_desktop.gui.duplicates.dialog import DuplicatesDialog

    shop = work / "Duplicated shop"
    shutil.copytree(sample_catalogue(), shop)
    (shop / "saved twice").mkdir()
    for folder in ("bag", "sneaker"):
        first = sorted((shop / folder).iterdir())[0]
        shutil.copy(first, shop / "saved twice" / f"copy of {first.name}")
    window = new_window(work, size)
    window.open_folder(shop)
    wait_until(lambda: window.session is not None and window.session.last_report is not None
               and not window.session.job_kind)
    window.find_duplicates()
    wait_until(lambda: bool(window.findChildren(DuplicatesDialog)))
    dialog = window.findChildren(DuplicatesDialog)[0]
    dialog.resize(900, 640)
    settle(2.0)
    dialog.grab().save(str(out))
    print("wrote", out)
    window.close()


def shots_indexing(work: Path, size: tuple[int, int], out: Path) -> None:
    """Indexing in progress, with a query answered from what is indexed so far."""
    big = work / "Big shop"
    shutil.copytree(sample_catalogue(), big / "catalogue")
    make_photos(big / "new-arrivals", 9000, size=900)  # indexing takes ~6 s: long enough to catch it running
    window = new_window(work, size)
    window.open_folder(big)
    wait_until(lambda: window.session is not None and window.session.count >= 800)
    window.query(QuerySource.file(customer_photo(work)))
    wait_until(lambda: not window.page.browsing and window.page.model.rowCount() > 0)  # the query's own results
    settle(0.8)  # the result thumbnails
    if window.session is None or window.session.job_kind is not JobKind.INDEX:
        raise SystemExit("indexing finished before the screenshot: give shots_indexing more photos")
    grab(window, out)
    window.close()


if __name__ == "__main__":
    raise SystemExit(main())
