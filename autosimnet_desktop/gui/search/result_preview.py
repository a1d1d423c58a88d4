"""The selected result shown large beside the grid, with its size in pixels and bytes and its path.

A double-click hands the photo to a desktop viewer that may not exist; this panel needs none. The photo is
decoded on a pool thread at the panel's size, so a 40-megapixel file never stalls the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QImage, QPalette, QShowEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from autosimnet_desktop.gui.runtime.errors import describe
from autosimnet_desktop.gui.runtime.formatting import file_size, percent
from autosimnet_desktop.gui.runtime.tasks import PRIORITY_QUERY, TaskRunner
from autosimnet_desktop.gui.runtime.thumbnails import decode_preview
from autosimnet_desktop.gui.search.query_panel import ImagePreview

HINT = "Select a result to see it large here"
MAX_DECODE = 2048  # pixels on the long side: sharp on a HiDPI panel, bounded for a huge file


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
    """The selected result: the photo large, its name, similarity, size and path; hideable."""

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
        self.details_label = QLabel(self)
        self.path_label = QLabel(self)
        self.path_label.setWordWrap(True)
        self.path_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        for label in (self.name_label, self.details_label, self.path_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # long names never widen it
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 12, 12, 8)
        layout.addWidget(self.image)
        layout.addWidget(self.name_label)
        layout.addWidget(self.details_label)
        layout.addWidget(self.path_label)
        layout.addStretch(1)
        self._path: Path | None = None
        self._similarity = 0.0
        self.loaded: LoadedPhoto | None = None
        # Arrow keys move the selection faster than photos decode: decode only where it comes to rest.
        self._timer = QTimer(self, singleShot=True, interval=60)
        self._timer.timeout.connect(self._load)
        self.show_photo(None)

    def show_photo(self, path: Path | None, similarity: float = 0.0) -> None:
        """Show the result at `path` (None: the hint)."""
        if path == self._path and (path is None or self.loaded is not None):
            return
        self._path, self._similarity, self.loaded = path, similarity, None
        self.image.set_image(None)
        self.image.hint = HINT if path is None else "Loading…"
        self.name_label.setText(path.name if path is not None else "")
        self.details_label.setText(f"{percent(similarity)} similar" if path is not None else "")
        self.path_label.setText(str(path) if path is not None else "")
        if path is not None and self.isVisible():
            self._timer.start()

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
        self.details_label.setText(f"{percent(self._similarity)} similar · {photo.width:,} × {photo.height:,} pixels"
                                   f" · {file_size(photo.bytes)}")

    def _failed(self, path: Path, exc: BaseException) -> None:
        if path == self._path:
            self.image.hint = describe(exc, f"Showing {path.name}")
            self.image.update()
