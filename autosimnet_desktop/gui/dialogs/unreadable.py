"""The files the open catalogue could not read: their count in the status bar and the dialog listing them."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QDialog, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, \
    QWidget

from autosimnet_desktop.core.records import Failure
from autosimnet_desktop.gui.dialogs.list_dialog import lay_out_list_dialog
from autosimnet_desktop.gui.message_bar import MessageBar
from autosimnet_desktop.gui.runtime.formatting import plural
from autosimnet_desktop.gui.catalogue.session import SessionRef
from autosimnet_desktop.gui.catalogue.status import CatalogueSummary


class UnreadableFiles(QObject):
    """Asks the open session for its unreadable files, off the GUI thread, and shows them."""

    def __init__(self, session: SessionRef, summary: CatalogueSummary,
                 messages: MessageBar, parent: QWidget) -> None:
        super().__init__(parent)
        self._window = parent  # the dialog's parent
        self._session = session
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

    def _count(self, failures: list[Failure]) -> None:
        self._summary.set_unreadable(len(failures))

    def _show_dialog(self, failures: list[Failure]) -> None:
        self._count(failures)
        if not failures:
            self._messages.show_message("Every file in the catalogue folder could be read.", "info")
            return
        dialog = FailuresDialog(failures, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()


class FailuresDialog(QDialog):
    """A table of files that could not be indexed and why, with a copy button for support e-mails."""

    def __init__(self, failures: list[Failure], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Files that could not be read")
        self.failures = list(failures)
        intro = QLabel(f"{plural(len(self.failures), 'file')} in the catalogue folder could not be read, so "
                       "they are left out of searches. Fix or remove them; the next scan picks up the change.",
                       self)
        intro.setWordWrap(True)
        self.table = QTableWidget(len(self.failures), 2, self)
        self.table.setHorizontalHeaderLabels(["File", "Reason"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, failure in enumerate(self.failures):
            self.table.setItem(row, 0, QTableWidgetItem(failure.path))
            self.table.setItem(row, 1, QTableWidgetItem(failure.reason))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        lay_out_list_dialog(self, intro, self.table, [("Copy list", self.copy_list)])
        self.resize(720, 420)

    def copy_list(self) -> None:
        """Put 'path<TAB>reason' lines on the clipboard."""
        QGuiApplication.clipboard().setText("\n".join(f"{f.path}\t{f.reason}" for f in self.failures))
