"""The window's product tools: the Products settings dialog, 'Check new photos...', and the grouping sentence
('1,748 photos in 612 products, grouped by file name') on the catalogue page."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from autosimnet_desktop.core.exports import formats as exporting
from autosimnet_desktop.core.products.grouping import GroupingRule
from autosimnet_desktop.core.products.records import MatchResult, ProductSummary
from autosimnet_desktop.gui.catalogue.page import CataloguePage
from autosimnet_desktop.gui.catalogue.session import SessionRef
from autosimnet_desktop.gui.dialogs.match import MatchDialog
from autosimnet_desktop.gui.dialogs.product_settings import ProductSettingsDialog
from autosimnet_desktop.gui.message_bar import MessageBar
from autosimnet_desktop.gui.runtime.desktop import reveal
from autosimnet_desktop.gui.runtime.errors import describe
from autosimnet_desktop.gui.runtime.services import Services
from autosimnet_desktop.gui.runtime.settings import Settings

MATCH_K = 5  # the contract's default for `autosimnet match`


class ProductTools(QObject):
    """Opens the product dialogs of the open session and reports what they did."""

    def __init__(self, services: Services, settings: Settings, session: SessionRef, page: CataloguePage,
                 messages: MessageBar, can_start: Callable[[], bool], regrouped: Callable[[], None],
                 window: QWidget) -> None:
        super().__init__(window)
        self._services = services
        self._settings = settings
        self._session = session
        self._page = page
        self._messages = messages
        self._can_start = can_start  # a long job may start now (else says why not)
        self._regrouped = regrouped  # the products changed: list or search them again
        self._window = window
        self.settings_dialog: ProductSettingsDialog | None = None
        self.match_dialog: MatchDialog | None = None

    # -- the grouping sentence -------------------------------------------------------------------
    def refresh_summary(self) -> None:
        """Ask how photos are grouped now; the catalogue page (and an open settings dialog) say it."""
        session = self._session()
        if session is not None and session.is_open:
            session.product_summary(self._show_summary)

    def _show_summary(self, summary: ProductSummary) -> None:
        sentence = summary.sentence()
        self._page.product_sentence = sentence[:1].upper() + sentence[1:]
        self._page.refresh_summary()
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.show_summary(summary)

    # -- Products settings -----------------------------------------------------------------------
    def open_settings(self) -> None:
        """The grouping rule and the shop's product list."""
        session = self._session()
        if session is None or not session.is_open:
            self._messages.show_message("Open a catalogue folder first.", "info")
            return
        if self.settings_dialog is None:
            self.settings_dialog = ProductSettingsDialog(self._choose_product_file, self._parent_widget())
            self.settings_dialog.apply_requested.connect(self._apply)
        self.settings_dialog.show()
        self.settings_dialog.raise_()
        session.product_summary(self._show_summary)

    def _choose_product_file(self) -> Path | None:
        return self._services.choosers.product_file(self._parent_widget(), self._settings.last_folder)

    def _apply(self, rule: GroupingRule, product_file: Path | None) -> None:
        session, dialog = self._session(), self.settings_dialog
        if session is None or dialog is None:
            return
        session.set_grouping(rule, product_file, self._applied, dialog.show_error)

    def _applied(self, summary: ProductSummary) -> None:
        self._show_summary(summary)
        self._regrouped()

    # -- Check new photos ------------------------------------------------------------------------
    def open_match(self) -> None:
        """'Do I already sell this?': the dialog to choose new photos in."""
        session = self._session()
        if session is None or not session.is_open:
            self._messages.show_message("Open a catalogue folder first.", "info")
            return
        if self.match_dialog is None:
            self.match_dialog = MatchDialog(self._services.runner, self._choose_match_folder,
                                            self._choose_match_files, self._save_matches, self._parent_widget())
        self.match_dialog.show()
        self.match_dialog.raise_()

    def _choose_match_folder(self) -> None:
        folder = self._services.choosers.folder(self._parent_widget(), self._settings.last_folder)
        if folder is not None:
            self.match([folder])

    def _choose_match_files(self) -> None:
        files = self._services.choosers.photos(self._parent_widget(), self._settings.last_folder)
        if files:
            self.match(files)

    def match(self, paths: list[Path]) -> None:
        """Check `paths` (photos or folders of photos) against the catalogue, as a job with progress."""
        session, dialog = self._session(), self.match_dialog
        if session is None or dialog is None or not self._can_start():
            return
        if session.match(paths, MATCH_K):
            dialog.set_busy(True, "Checking the new photos… (Cancel is at the bottom of the window)")

    def match_finished(self, results: list[MatchResult] | None) -> bool:
        """Show the matches (None: stopped); False when nobody asked."""
        dialog, session = self.match_dialog, self._session()
        if dialog is None or session is None:
            return False
        if results is None:
            dialog.set_busy(False)
            dialog.summary.setText("Stopped.")
            return True
        dialog.show_results(session.folder, results)
        return True

    def match_failed(self, message: str) -> bool:
        """Say in the dialog why matching failed."""
        if self.match_dialog is None:
            return False
        self.match_dialog.set_busy(False)
        self.match_dialog.summary.setText(f"Checking the new photos failed: {message}")
        return True

    def _save_matches(self) -> None:
        dialog, session = self.match_dialog, self._session()
        if dialog is None or not dialog.results:
            return
        name = session.folder.name if session is not None else "catalogue"
        path = self._services.choosers.csv(dialog, Path.home() / f"{name}-new-photos.csv")
        if path is None:
            return
        text = exporting.as_text(exporting.write_matches_csv, dialog.results)
        self._services.runner.submit(exporting.write_text_atomic, path, text, owner=self,
                                     on_result=lambda _: self._saved(path),
                                     on_error=lambda exc: dialog.summary.setText(describe(exc, "Saving")))

    def _saved(self, path: Path) -> None:
        self._messages.show_message(f"Matches saved to {path}.", "info", "Show in folder",
                                    lambda: reveal(self._services.desktop, path, lambda p: self._messages.show_path(
                                        f"Matches saved to {p}. No file manager could show it.", p)),
                                    timeout_ms=15000)
        if self.match_dialog is not None:
            self.match_dialog.summary.setText(f"Saved to {path}.")

    def close(self) -> None:
        """Another catalogue is opened: the dialogs were about this one."""
        for dialog in (self.settings_dialog, self.match_dialog):
            if dialog is not None:
                dialog.close()
                dialog.deleteLater()
        self.settings_dialog = self.match_dialog = None

    def _parent_widget(self) -> QWidget:
        return self._window
