"""The search shown on the catalogue page: running it, the history "Back" returns to, and searching again.
With no search, the page lists the catalogue's own products ("All products"), where a shop owner begins."""

from __future__ import annotations

from typing import Callable
from urllib.parse import urlparse

from PySide6.QtCore import QObject, QTimer

from autosimnet_desktop.core.products.records import ProductPage, ProductSort
from autosimnet_desktop.gui.catalogue.page import CataloguePage
from autosimnet_desktop.gui.message_bar import MessageBar
from autosimnet_desktop.gui.catalogue.session import QueryOutcome, SessionRef
from autosimnet_desktop.gui.runtime.settings import Settings
from autosimnet_desktop.gui.search.sources import QuerySource

MAX_HISTORY = 50  # searches "Back" can return to


class Searches(QObject):
    """Runs searches in the window's open session and shows their results on the catalogue page."""

    def __init__(self, session: SessionRef, page: CataloguePage, messages: MessageBar,
                 settings: Settings, changed: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._session = session
        self._page = page
        self._messages = messages
        self._settings = settings
        self._changed = changed  # called when what the window's actions depend on may have changed
        self.current: QuerySource | None = None  # the search shown (its photo, results and title)
        self._shown: QueryOutcome | None = None
        self._running: QuerySource | None = None  # asked for and not answered yet; shown once it succeeds
        self._remember = True
        self._history: list[QuerySource] = []
        self.pending: QuerySource | None = None  # searched for as soon as a catalogue is open
        self._requery_timer = QTimer(self, singleShot=True, interval=350)
        self._requery_timer.timeout.connect(lambda: self.rerun())
        # While the Shape … Colour slider moves, search again at most every 150 ms (the last position always).
        self._balance_timer = QTimer(self, singleShot=True, interval=150)
        self._balance_timer.timeout.connect(lambda: self.rerun())
        # While indexing adds photos, search again at most every 2 s, and once more after the last ones.
        self._arrival_timer = QTimer(self, singleShot=True, interval=2000)
        self._arrival_timer.timeout.connect(lambda: self.rerun())

    @property
    def can_go_back(self) -> bool:
        """True when there is an earlier search (or, from a search, the product list) to return to."""
        return bool(self._history) or self.current is not None or self._running is not None

    def reset(self) -> None:
        """Forget the search shown and its history: another catalogue is being opened."""
        self.current, self._shown, self._running, self._history = None, None, None, []

    def run_pending(self) -> None:
        """Search for what was asked for before the catalogue was open; with nothing asked, list the products."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self.query(pending)
        else:
            self.show_all(remember=False)

    def show_all(self, remember: bool = True) -> None:
        """The catalogue's own products, filtered and sorted, with no search shown ('All products')."""
        session = self._session()
        if session is None or not session.is_open:
            return
        if remember and self.current is not None:
            self._history = [*self._history[-(MAX_HISTORY - 1):], self.current]
        self.current = self._shown = self._running = None
        self._page.panel.show_query(None, "", "")
        self._page.panel.reset_hint()
        self._page.show_browse(session.folder, self._list_products)
        self._changed()

    def _list_products(self, text: str, sort: ProductSort, offset: int, limit: int,
                       deliver: Callable[[ProductPage], None]) -> None:
        session = self._session()
        if session is not None:
            session.list_products(text, sort, offset, limit, deliver)

    def query(self, source: QuerySource, remember: bool = True) -> None:
        """Search the open catalogue for `source` (queued until a catalogue is open)."""
        session = self._session()
        if session is None or not session.is_open:
            self.pending = source
            if session is None:
                self._messages.show_message(f"Open your catalogue folder first: {source.name} will be searched "
                                            "as soon as it is open.", "info", timeout_ms=0)
            return
        self._messages.clear()  # messages were about the search before
        self._running, self._remember = source, remember
        self._page.panel.show_pending(source.name)
        session.query(source, self._page.panel.count_spin.value(), self._page.panel.colour_weight)
        self._changed()

    def rerun(self) -> None:
        """Search again (the index or the settings changed): the search asked for, else the one shown."""
        session = self._session()
        source = self._running or self.current
        if source is None and self._page.browsing:
            self._page.refresh_browse()
        if source is not None and session is not None and session.is_open:
            if self._running is None:
                self._running, self._remember = source, False
            session.query(source, self._page.panel.count_spin.value(), self._page.panel.colour_weight)

    def folder_without_photos(self, text: str) -> None:
        """Indexing found no photo: the empty grid says what the folder holds instead (`text`)."""
        self._page.set_empty_reason(text)

    def photos_arriving(self) -> None:
        """Indexing added photos: the search shown (or waiting) is searched again, throttled."""
        showing = (self._running or self.current) is not None or self._page.browsing
        if showing and not self._arrival_timer.isActive():
            self._arrival_timer.start()

    def back(self) -> None:
        """Search again for the previous query; from the first search, back to the product list."""
        if self._history:
            self.query(self._history.pop(), remember=False)
        elif self.current is not None or self._running is not None:
            self.show_all(remember=False)

    def finished(self, outcome: QueryOutcome) -> None:
        """Show a search's query image and results."""
        session = self._session()
        if session is None:
            return
        source, prepared = outcome.source, outcome.prepared
        if source is not self._running and source is not self.current:
            return  # the owner went back to the product list meanwhile
        if source is self._running:
            if self._remember and self.current is not None and self.current is not source:
                self._history = [*self._history[-(MAX_HISTORY - 1):], self.current]
            self._running, self.current = None, source
        same_search = self._shown is not None and self._shown.source is source
        self._shown = outcome
        self._page.panel.show_query(prepared.preview, source.name, self._detail(outcome))
        self._page.show_results(session.folder, outcome.hits, source.name, keep_selection=same_search,
                                among=outcome.searched)
        self._messages.clear("error")
        self._changed()

    @staticmethod
    def _detail(outcome: QueryOutcome) -> str:
        """'1,200 × 800 pixels · from example.com': the query photo's size and where it came from."""
        source, prepared = outcome.source, outcome.prepared
        detail = f"{prepared.width:,} × {prepared.height:,} pixels"
        if source.kind == "url" and source.url:
            detail += f" · from {urlparse(source.url).netloc}"
        elif source.kind == "catalogue":
            detail += " · from your catalogue"
        return detail

    def failed(self, source: QuerySource, message: str) -> None:
        """Say why a search failed; the search shown before stays shown, and stays the one searched again.

        When the search shown itself fails (its file was removed since), the page empties instead.
        """
        if source is self._running:
            self._running = None
        text = f"Couldn't search for {source.name}: {message}"
        shown = self._shown
        if shown is None or shown.source is source:
            self.current = self._shown = None
            self._page.clear_results()
            self._page.panel.show_query(None, "", "")
            self._page.panel.reset_hint()
            self.show_all(remember=False)  # the product list, rather than an empty grid
        else:
            self._page.panel.show_query(shown.prepared.preview, shown.source.name, self._detail(shown))
            text += f" The results for {shown.source.name} are still shown."
        self._messages.show_message(text, "error")
        self._changed()

    def result_count_changed(self, value: int) -> None:
        """Remember the number of results and search again for it."""
        self._settings.result_count = value
        self._requery_timer.start()  # typing "50" is two changes: search once

    def min_similarity_changed(self, value: float) -> None:
        """Remember the lowest similarity shown."""
        self._settings.min_similarity = value

    def colour_weight_changed(self, value: float) -> None:
        """Remember the Shape … Colour balance and search again with it."""
        self._settings.colour_weight = value
        if not self._balance_timer.isActive():
            self._balance_timer.start()
