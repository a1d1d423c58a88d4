"""The selected product shown large beside the grid: its name, id and category, a strip of its photos (click
one to see it large), and the shown photo's size in pixels and bytes and its path.

A double-click hands the photo to a desktop viewer that may not exist; this panel needs none. The photo is
decoded on a pool thread at the panel's size, so a 40-megapixel file never stalls the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFont, QIcon, QImage, QPalette, QPixmap, QShowEvent
from PySide6.QtWidgets import QLabel, QListView, QListWidget, QListWidgetItem, QSizePolicy, QVBoxLayout, QWidget

from autosimnet_desktop.gui.runtime.errors import describe
from autosimnet_desktop.gui.runtime.formatting import file_size, percent
from autosimnet_desktop.gui.runtime.tasks import PRIORITY_QUERY, TaskRunner
from autosimnet_desktop.gui.runtime.thumbnails import decode_preview
from autosimnet_desktop.gui.search.query_panel import ImagePreview
from autosimnet_desktop.gui.search.result_item import ResultItem

HINT = "Select a result to see it large here"
MAX_DECODE = 2048  # pixels on the long side: sharp on a HiDPI panel, bounded for a huge file
STRIP_ICON = 56  # logical pixels of a photo in the product's strip
PhotosOf = Callable[[str, Callable[[tuple[str, ...]], None]], None]  # product id, deliver its photos


def strip_icon(path: Path, size: int) -> tuple[Path, QImage]:
    """A small picture of one of the product's photos (call on a pool thread)."""
    return path, decode_preview(path, size)[0]


@dataclass(frozen=True)
class LoadedPhoto:
    """A result decoded for the panel, with what the panel says about its file."""

    path: Path
    image: QImage
    width: int
    height: int
    bytes: int


def load_photo(path: Path, size: int) -> LoadedPhoto:
    """Decode `path` to at most `size` pixels on its long side (call on a pool thread)."""
    image, width, height = decode_preview(path, size)
    return LoadedPhoto(path, image, width, height, path.stat().st_size)


class ResultPreview(QWidget):
    """The selected product: a photo large, the product's words, its photos as a strip, size and path; hideable."""

    def __init__(self, runner: TaskRunner | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.image = ImagePreview(self)
        self.image.hint = HINT
        self.image.setMinimumSize(120, 120)
        self.name_label = QLabel(self)
        bold = QFont(self.name_label.font())
        bold.setBold(True)
        self.name_label.setFont(bold)
        self.product_label = QLabel(self)
        self.product_label.setWordWrap(True)
        self.strip = QListWidget(self)
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setIconSize(QSize(STRIP_ICON, STRIP_ICON))
        self.strip.setFixedHeight(STRIP_ICON + 26)
        self.strip.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.strip.setAccessibleName("The product's photos")
        self.strip.currentItemChanged.connect(lambda item, _old: self._strip_chosen(item))
        self.strip.hide()
        self.details_label = QLabel(self)
        self.path_label = QLabel(self)
        self.path_label.setWordWrap(True)
        self.path_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        for label in (self.name_label, self.product_label, self.details_label, self.path_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # long names never widen it
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 12, 12, 8)
        layout.addWidget(self.image)
        layout.addWidget(self.strip)
        layout.addWidget(self.name_label)
        layout.addWidget(self.product_label)
        layout.addWidget(self.details_label)
        layout.addWidget(self.path_label)
        layout.addStretch(1)
        self._path: Path | None = None
        self._similarity: float | None = None
        self._item: ResultItem | None = None
        self._folder = Path()
        self._strip_generation = 0
        self.photos_of: PhotosOf | None = None  # how the panel learns a product's photos (set by the window)
        self.loaded: LoadedPhoto | None = None
        # Arrow keys move the selection faster than photos decode: decode only where it comes to rest.
        self._timer = QTimer(self, singleShot=True, interval=60)
        self._timer.timeout.connect(self._load)
        self.show_photo(None)

    def show_item(self, folder: Path, item: ResultItem) -> None:
        """Show the product `item` of the catalogue in `folder`; its photos come in a strip."""
        path = folder / item.path
        if self._item == item and path == self._path:
            return
        self._item, self._folder = item, folder
        self.name_label.setText(item.title)
        words = [] if item.id_is_path else [f"Product {item.product}"]
        if item.category:
            words.append(item.category)
        if item.photos > 1:
            words.append(f"{item.photos} photos")
        self.product_label.setText(" · ".join(words))
        self.product_label.setVisible(bool(words))
        self._clear_strip()
        self._show_file(path, item.similarity)
        if item.photos > 1 and self.photos_of is not None:
            product = item.product
            self.photos_of(product, lambda photos: self._fill_strip(product, photos))

    def show_photo(self, path: Path | None, similarity: float | None = None) -> None:
        """Show the photo at `path` alone (None: the hint)."""
        self._item = None
        self._clear_strip()
        self.product_label.hide()
        self.name_label.setText(path.name if path is not None else "")
        self._show_file(path, similarity)

    def _show_file(self, path: Path | None, similarity: float | None) -> None:
        if path == self._path and (path is None or self.loaded is not None):
            return
        self._path, self._similarity, self.loaded = path, similarity, None
        self.image.set_image(None)
        self.image.hint = HINT if path is None else "Loading…"
        self.details_label.setText(self._similar_words())
        self.path_label.setText(str(path) if path is not None else "")
        if path is not None and self.isVisible():
            self._timer.start()

    def _clear_strip(self) -> None:
        self._strip_generation += 1
        self.strip.clear()
        self.strip.hide()

    def _similar_words(self) -> str:
        return f"{percent(self._similarity)} similar" if self._path is not None and self._similarity is not None \
            else ""

    def _fill_strip(self, product: str, photos: tuple[str, ...]) -> None:
        """The product's photos as small pictures (decoded on the pool); the one shown is current."""
        item, runner = self._item, self.runner
        if item is None or item.product != product or len(photos) < 2:
            return
        self.strip.blockSignals(True)
        self._strip_generation += 1
        for row, rel in enumerate(photos):
            entry = QListWidgetItem(Path(rel).name)
            entry.setData(Qt.ItemDataRole.UserRole, rel)
            entry.setToolTip(rel)
            entry.setSizeHint(QSize(STRIP_ICON + 8, STRIP_ICON + 8))
            entry.setText("")
            self.strip.addItem(entry)
            if rel == item.path:
                self.strip.setCurrentItem(entry)
            if runner is not None:
                size = round(STRIP_ICON * self.devicePixelRatioF())
                self._ask_icon(runner, row, self._folder / rel, size)
        self.strip.blockSignals(False)
        self.strip.show()

    def _ask_icon(self, runner: TaskRunner, row: int, path: Path, size: int) -> None:
        generation = self._strip_generation

        def ready(done: tuple[Path, QImage]) -> None:
            entry = self.strip.item(row)
            if generation == self._strip_generation and entry is not None:
                self._icon_ready(entry, done[1])

        runner.submit(strip_icon, path, size, owner=self, priority=PRIORITY_QUERY, on_result=ready,
                      on_error=lambda exc: None)

    def _icon_ready(self, entry: QListWidgetItem, image: QImage) -> None:
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        entry.setIcon(QIcon(pixmap))

    def _strip_chosen(self, entry: QListWidgetItem | None) -> None:
        """A photo of the strip was clicked: show it large, with its own size and path."""
        if entry is None or self._item is None:
            return
        rel = entry.data(Qt.ItemDataRole.UserRole)
        if isinstance(rel, str):
            self._show_file(self._folder / rel, self._similarity if rel == self._item.path else None)

    def showEvent(self, event: QShowEvent) -> None:
        """A panel shown again loads the photo selected while it was hidden."""
        super().showEvent(event)
        if self._path is not None and self.loaded is None:
            self._timer.start()

    def _load(self) -> None:
        path, runner = self._path, self.runner
        if path is None or runner is None:
            return
        side = max(self.image.width(), self.image.height(), 200)
        size = min(MAX_DECODE, round(side * self.devicePixelRatioF()))
        runner.submit(load_photo, path, size, owner=self, priority=PRIORITY_QUERY,
                      on_result=self._loaded, on_error=lambda exc: self._failed(path, exc))

    def _loaded(self, photo: LoadedPhoto) -> None:
        if photo.path != self._path:
            return  # another result was selected meanwhile
        self.loaded = photo
        self.image.set_image(photo.image)
        words = [w for w in (self._similar_words(), f"{photo.width:,} × {photo.height:,} pixels",
                             file_size(photo.bytes)) if w]
        self.details_label.setText(" · ".join(words))

    def _failed(self, path: Path, exc: BaseException) -> None:
        if path == self._path:
            self.image.hint = describe(exc, f"Showing {path.name}")
            self.image.update()
