"""The page shown while a catalogue is open: the query panel beside the grid of similar products."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from autosimnet_desktop.core.products.records import ProductHit, ProductPage, ProductSort
from autosimnet_desktop.gui.catalogue.browse_bar import BrowseBar
from autosimnet_desktop.gui.runtime.formatting import percent, plural
from autosimnet_desktop.gui.runtime.scrolling import scrollable
from autosimnet_desktop.gui.runtime.tasks import TaskRunner
from autosimnet_desktop.gui.search.result_preview import ResultPreview
from autosimnet_desktop.gui.search.query_panel import QueryPanel
from autosimnet_desktop.gui.search.result_item import ResultItem
from autosimnet_desktop.gui.search.results_model import ResultsModel
from autosimnet_desktop.gui.search.results_view import ResultsView

HINT_NO_QUERY = ("Drop a product photo anywhere on this window, paste one (Ctrl+V) or click “Open image…”.\n\n"
                 "The most similar products in your catalogue appear here.")
HINT_EMPTY_CATALOGUE = "No photos are indexed yet. Your products appear here as soon as indexing has found some."
ALL_PRODUCTS = "All products"
Lister = Callable[[str, ProductSort, int, int, Callable[[ProductPage], None]], None]  # text, sort, offset, limit


class CataloguePage(QSplitter):
    """Query panel on the left, results header and grid in the middle, the selected result large on the right."""

    def __init__(self, result_count: int, min_similarity: float, runner: TaskRunner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.panel = QueryPanel(result_count, min_similarity, self)
        self.model = ResultsModel(self)
        self.model.set_min_similarity(min_similarity)
        self.view = ResultsView(self)
        self.view.setModel(self.model)
        self.view.set_placeholder(HINT_NO_QUERY)
        self.title = QLabel("Similar products", self)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.summary = QLabel(self)
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        for label in (self.title, self.summary):  # a long query name must not widen the window past the screen
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.browse_bar = BrowseBar(self)
        self.browse_bar.hide()
        self.browse_bar.changed.connect(self._browse_again)
        right = QWidget(self)
        layout = QVBoxLayout(right)
        layout.setContentsMargins(8, 12, 12, 4)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.browse_bar)
        layout.addWidget(self.view, 1)
        self.addWidget(scrollable(self.panel, self, horizontal=False))  # a short screen scrolls the panel
        self.addWidget(right)
        self.preview = ResultPreview(runner, self)
        self.addWidget(self.preview)
        self.setStretchFactor(0, 0)
        self.setStretchFactor(1, 1)
        self.setStretchFactor(2, 0)
        self.setChildrenCollapsible(False)
        self.setCollapsible(2, True)  # squeezed, the preview gives way before the grid does
        self.setSizes([280, 640, 320])
        self.view.selectionModel().currentChanged.connect(lambda *_: self._preview_selected())
        self.model.modelReset.connect(self._preview_selected)
        self.panel.min_similarity_changed.connect(self._filter)
        self._catalogue_count: int | None = None
        self._has_query = False
        self._among: int | None = None  # photos the results shown were searched among
        self._empty_reason: str | None = None  # what the folder holds instead of photos, once indexed
        self._lister: Lister | None = None  # set while browsing
        self._folder = Path()
        self.model.rowsInserted.connect(lambda *_: self._browsed())
        self.model.modelReset.connect(self._browsed)
        self.product_sentence = ""  # '1,748 photos in 612 products, grouped by file name'

    def show_results(self, folder: Path, hits: list[ProductHit], query_name: str, keep_selection: bool = False,
                     among: int | None = None) -> None:
        """Fill the grid with `hits` for the query called `query_name`, found `among` so many photos.

        `keep_selection`: the same search again (the index grew): the selected result stays selected if still there.
        """
        self._among = among
        row = self.current_row()
        selected = self.model.hit(row).product if keep_selection and row is not None else None
        self._has_query, self._lister = True, None
        self.browse_bar.hide()
        self.model.set_results(folder, [ResultItem.from_hit(h) for h in hits])
        self.title.setText(f"Products similar to {query_name}" if query_name else "Similar products")
        self._update_summary()
        if not self.model.rowCount():
            return
        again = self.model.row_of_product(selected) if selected is not None else None
        if again is None:
            self.view.scrollToTop()
        self.view.setCurrentIndex(self.model.index(again or 0))

    def show_browse(self, folder: Path, lister: Lister) -> None:
        """List the catalogue's own products (filtered and sorted by the browse bar), fetched in pages."""
        self._has_query, self._among, self._lister, self._folder = False, None, lister, Path(folder)
        self.browse_bar.show()
        self.title.setText(ALL_PRODUCTS)
        self._browse_again()

    def refresh_browse(self) -> None:
        """The catalogue changed while browsing: list its products again, keeping the rows that stay."""
        if self._lister is not None:
            self.model.refresh_browsing()

    @property
    def browsing(self) -> bool:
        """True while the grid lists the catalogue's own products."""
        return self._lister is not None

    def _browse_again(self) -> None:
        lister = self._lister
        if lister is None:
            return
        text, sort = self.browse_bar.text, self.browse_bar.sort
        self.model.browse(self._folder, lambda offset, limit, deliver: lister(text, sort, offset, limit, deliver))
        self._update_summary()

    def _browsed(self) -> None:
        """A page of products came: say how many there are, and select the first for the preview."""
        if self._lister is None:
            return
        self._update_summary()
        if self.model.rowCount() and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0))

    def clear_results(self) -> None:
        """Empty the grid (a new catalogue was opened)."""
        self._has_query, self._lister = False, None
        self.browse_bar.hide()
        self._among = None
        self.model.clear()
        self.title.setText("Similar products")
        self._update_summary()

    def set_catalogue_count(self, count: int | None) -> None:
        """How many photos the catalogue holds (for the empty-grid hint and the summary)."""
        self._catalogue_count = count
        if count:
            self._empty_reason = None
        self._update_summary()

    def set_empty_reason(self, text: str | None) -> None:
        """Indexing found no photo: say what the folder holds instead (None: indexing has not finished)."""
        self._empty_reason = text
        self._update_summary()

    def current_row(self) -> int | None:
        """The selected result's row, if any."""
        index: QModelIndex = self.view.currentIndex()
        return index.row() if index.isValid() else None

    def _preview_selected(self) -> None:
        row = self.current_row()
        if row is None:
            self.preview.show_photo(None)
        else:
            self.preview.show_item(self.model.folder, self.model.hit(row))

    def _filter(self, value: float) -> None:
        self.model.set_min_similarity(value)
        self._update_summary()

    def refresh_summary(self) -> None:
        """Say again what the grid shows (the product sentence changed)."""
        self._update_summary()

    def _update_summary(self) -> None:
        if self._lister is not None:
            self._browse_summary()
            return
        total, shown = self.model.total_hits, self.model.visible_hits
        if not self._has_query or total == 0:
            self.summary.setText("")
            empty = (self._empty_reason or HINT_EMPTY_CATALOGUE) if self._catalogue_count == 0 else None
            hint = empty or (HINT_NO_QUERY if not self._has_query else "Nothing similar was found.")
            self.view.set_placeholder(hint)
            return
        minimum = percent(self.panel.min_similarity)
        text = f"The {plural(shown, 'most similar product')}" if shown else "No results"
        among = self._among if self._among is not None else self._catalogue_count
        if among:
            text += f" among {plural(among, 'photo')}"
        if total > shown:
            text += f" ({total - shown:,} less than {minimum} similar hidden)"
        self.summary.setText(text)
        self.view.set_placeholder(f"None of the {plural(total, 'result')} is at least {minimum} similar.\n\n"
                                  "Move the “At least” slider to the left to see them.")

    def _browse_summary(self) -> None:
        total, text = self.model.browse_total, self.browse_bar.text
        if total is None:
            self.summary.setText(self.product_sentence)
            self.view.set_placeholder("")
            return
        if text:
            self.summary.setText(f"{plural(total, 'product')} match “{text}”")
            self.view.set_placeholder(f"No product's name, id or folder contains “{text}”.")
            return
        self.summary.setText(self.product_sentence or plural(total, "product"))
        empty = (self._empty_reason or HINT_EMPTY_CATALOGUE) if not total else ""
        self.view.set_placeholder(empty)
