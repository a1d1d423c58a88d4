"""'Do I already sell this?': new supplier photos beside the catalogue's best products, sortable, saved as CSV.

The table is filled from MatchResult records (Catalogue.match, run as a session job with progress and Cancel);
thumbnails are decoded on the pool. The CSV is the core's own `autosimnet match --format csv` writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, \
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from autosimnet_desktop.core.products.records import MatchResult, ProductHit
from autosimnet_desktop.gui.runtime.formatting import percent, plural
from autosimnet_desktop.gui.runtime.tasks import PRIORITY_QUERY, TaskRunner
from autosimnet_desktop.gui.runtime.thumbnails import decode_preview

THUMB = 64
COLUMNS = ("New photo", "Best match in your catalogue", "Similarity", "Next matches")
INTRO = ("Choose new photos (from a supplier, say) to see which products of your catalogue look like them: "
         "do you already sell this?")


def small_image(path: Path, size: int) -> QImage:
    """A thumbnail for the table (call on a pool thread)."""
    return decode_preview(path, size)[0]


class SortItem(QTableWidgetItem):
    """A cell sorted by a value of its own (a similarity) rather than by its text."""

    def __init__(self, text: str, key: float | str) -> None:
        super().__init__(text)
        self.key = key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        """Compare by key; rows of unreadable photos (no key) sort last."""
        if isinstance(other, SortItem) and type(self.key) is type(other.key):
            return self.key < other.key  # type: ignore[operator]
        return super().__lt__(other)


def hit_words(hit: ProductHit) -> str:
    """'Blue linen shirt (SKU-000)', or the id alone."""
    return f"{hit.name} ({hit.product})" if hit.name else hit.product


class MatchDialog(QDialog):
    """Choose the new photos, then read each one's best catalogue products; Save as CSV."""

    def __init__(self, runner: TaskRunner | None, choose_folder: Callable[[], None],
                 choose_files: Callable[[], None], save_csv: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check new photos")
        self.runner = runner
        self.folder = Path()
        self.results: list[MatchResult] = []
        self.intro = QLabel(INTRO, self)
        self.intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 8)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 240)
        self.table.setColumnWidth(1, 280)
        self.table.setColumnWidth(2, 90)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.folder_button = QPushButton("Choose a folder…", self)
        self.folder_button.clicked.connect(choose_folder)
        self.files_button = QPushButton("Choose photos…", self)
        self.files_button.clicked.connect(choose_files)
        self.save_button = QPushButton("Save as CSV…", self)
        self.save_button.clicked.connect(save_csv)
        self.save_button.setEnabled(False)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        for button in (self.folder_button, self.files_button, self.save_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        self.resize(900, 560)

    def set_busy(self, busy: bool, text: str = "") -> None:
        """While matching runs (progress and Cancel are in the status bar), nothing else can be chosen."""
        for button in (self.folder_button, self.files_button):
            button.setEnabled(not busy)
        if busy:
            self.save_button.setEnabled(False)
            self.summary.setText(text)

    def show_results(self, folder: Path, results: Sequence[MatchResult]) -> None:
        """One row per new photo: its best product, the similarity, the next matches; unreadable ones say why."""
        self.folder, self.results = Path(folder), list(results)
        self.set_busy(False)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.results))
        for row, result in enumerate(self.results):
            self._fill_row(row, result)
        self.table.setSortingEnabled(True)
        self.table.sortItems(2, Qt.SortOrder.DescendingOrder)
        unreadable = sum(1 for r in self.results if r.error)
        words = f"{plural(len(self.results), 'new photo')} checked"
        if unreadable:
            words += f"; {plural(unreadable, 'photo')} could not be read (the reason is in its row)"
        self.summary.setText(words + ". Click a column title to sort by it.")
        self.save_button.setEnabled(bool(self.results))

    def _fill_row(self, row: int, result: MatchResult) -> None:
        new = SortItem(Path(result.path).name, Path(result.path).name)
        new.setToolTip(result.path)
        self.table.setItem(row, 0, new)
        if result.error:
            self.table.setItem(row, 1, SortItem(f"Can't read this photo: {result.error}", ""))
            self.table.setItem(row, 2, SortItem("", -1.0))
            self.table.setItem(row, 3, SortItem("", ""))
        elif not result.hits:
            self.table.setItem(row, 1, SortItem("Nothing similar", ""))
            self.table.setItem(row, 2, SortItem("", -0.5))
            self.table.setItem(row, 3, SortItem("", ""))
        else:
            best = result.hits[0]
            match = SortItem(hit_words(best), best.name or best.product)
            match.setToolTip(best.photo)
            self.table.setItem(row, 1, match)
            self.table.setItem(row, 2, SortItem(percent(best.similarity), best.similarity))
            rest = ", ".join(f"{hit_words(h)} {percent(h.similarity)}" for h in result.hits[1:])
            self.table.setItem(row, 3, SortItem(rest, rest))
            self._thumbnail(match, self.folder / best.photo)
        if not result.error:
            self._thumbnail(new, Path(result.path))

    def _thumbnail(self, item: QTableWidgetItem, path: Path) -> None:
        if self.runner is None:
            return
        size = round(THUMB * self.devicePixelRatioF())
        results = self.results

        def ready(image: QImage) -> None:
            if results is self.results and item.tableWidget() is self.table:
                pixmap = QPixmap.fromImage(image)
                pixmap.setDevicePixelRatio(self.devicePixelRatioF())
                item.setIcon(QIcon(pixmap))

        self.runner.submit(small_image, path, size, owner=self, priority=PRIORITY_QUERY, on_result=ready,
                           on_error=lambda exc: None)
