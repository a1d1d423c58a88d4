"""Exporting related products: asking where to write the CSV, starting the job and reporting where it went."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from autosimnet_desktop.gui.catalogue.page import CataloguePage
from autosimnet_desktop.gui.message_bar import MessageBar
from autosimnet_desktop.gui.runtime.desktop import reveal
from autosimnet_desktop.gui.runtime.services import Services
from autosimnet_desktop.gui.catalogue.session import SessionRef

RELATED_K = 10  # the contract's default for `autosimnet related`


class RelatedExport:
    """Starts the session's related-products export and tells the shop owner where the file is."""

    def __init__(self, services: Services, session: SessionRef, page: CataloguePage,
                 messages: MessageBar, window: QWidget) -> None:
        self._services = services
        self._session = session
        self._page = page
        self._messages = messages
        self._window = window  # the file chooser's parent

    def start(self) -> None:
        """Ask for a file and write every product's most similar products to it as CSV."""
        session = self._session()
        assert session is not None
        start = Path.home() / f"{session.folder.name}-related-products.csv"
        path = self._services.choosers.csv(self._window, start)
        if path is not None:
            session.export_related(path, RELATED_K, self._services.write_related, self._page.panel.colour_weight)

    def finished(self, written: Path | None) -> bool:
        """Say where a finished export wrote its file; False when it was stopped."""
        if written is None:
            return False
        self._messages.show_message(f"Related products saved to {written}.", "info", "Show in folder",
                                    lambda: self._show(written), timeout_ms=15000)
        return True

    def _show(self, written: Path) -> None:
        reveal(self._services.desktop, written,
               lambda path: self._messages.show_path(f"Related products saved to {path}. "
                                                     "No file manager could show it.", path))
