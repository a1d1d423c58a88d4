"""Above the grid while browsing: a filter box (name, id or folder) and the order of the products."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from autosimnet_desktop.core.products.records import ProductSort

FILTER_DELAY_MS = 250  # typing "blue shirt" asks the catalogue once, not ten times

SORTS = ((ProductSort.NAME, "Name"), (ProductSort.NEWEST, "Newest first"))


class BrowseBar(QWidget):
    """The filter text and sort order of the product listing; `changed` once the owner stops typing."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter by name, product id or folder")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter products")
        self.sort_combo = QComboBox(self)
        for sort, words in SORTS:
            self.sort_combo.addItem(words, sort.value)
        self.sort_combo.setAccessibleName("Sort products")
        sort_label = QLabel("Sort:", self)
        sort_label.setBuddy(self.sort_combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.filter_edit, 1)
        layout.addWidget(sort_label)
        layout.addWidget(self.sort_combo)
        self._timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._timer.timeout.connect(self.changed)
        self.filter_edit.textChanged.connect(lambda _text: self._timer.start())
        self.filter_edit.returnPressed.connect(self._now)
        self.sort_combo.currentIndexChanged.connect(lambda _index: self._now())

    @property
    def text(self) -> str:
        """The filter text ('' for every product)."""
        return self.filter_edit.text().strip()

    @property
    def sort(self) -> ProductSort:
        """The order chosen."""
        return ProductSort(self.sort_combo.currentData() or ProductSort.NAME.value)

    def _now(self) -> None:
        self._timer.stop()
        self.changed.emit()
