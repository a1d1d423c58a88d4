"""The files the open catalogue could not read: their count in the status bar and the dialog listing them."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from autosimnet_desktop.gui.dialogs import FailuresDialog
from autosimnet_desktop.gui.message_bar import MessageBar
from autosimnet_desktop.gui.session import CatalogueSession
from autosimnet_desktop.gui.status import CatalogueSummary


class UnreadableFiles(QObject):
    """Asks the open session for its unreadable files, off the GUI thread, and shows them."""

    def __init__(self, session: Callable[[], CatalogueSession | None], summary: CatalogueSummary,
                 messages: MessageBar, parent: QWidget) -> None:
        super().__init__(parent)
        self._window = parent  # the dialog's parent
        self._session = session  # the window's open session, which changes as catalogues are opened
        self._summary = summary
        self._messages = messages

    def recount(self) -> None:
        """Update the status bar's count of unreadable files (after indexing)."""
        session = self._session()
        if session is not None:
            session.failures(self._count, lambda message: None)

    def show(self) -> None:
        """List the files that could not be read, with their reasons."""
        session = self._session()
        if session is not None:
            session.failures(self._show_dialog, lambda message: self._messages.show_message(message, "error"))

    def _count(self, failures: list[Any]) -> None:
        self._summary.set_unreadable(len(failures))

    def _show_dialog(self, failures: list[Any]) -> None:
        self._count(failures)
        if not failures:
            self._messages.show_message("Every file in the catalogue folder could be read.", "info")
            return
        dialog = FailuresDialog(failures, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
