"""The duplicates dialog's life: opening it on a result, searching again from it, and its progress and cancel."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from autosimnet_desktop.core.records import Progress, SearchHit
from autosimnet_desktop.gui.duplicates.dialog import DuplicatesDialog
from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.catalogue.session import SessionRef
from autosimnet_desktop.gui.runtime.settings import Settings
from autosimnet_desktop.gui.runtime.desktop import Desktop
from autosimnet_desktop.gui.runtime.tasks import TaskRunner
from autosimnet_desktop.gui.runtime.thumbnails import ThumbnailLoader


class DuplicatesFlow(QObject):
    """Routes the session's duplicates job to the open duplicates dialog, or opens one on its result."""

    def __init__(self, settings: Settings, desktop: Desktop, session: SessionRef,
                 thumbnails: Callable[[], ThumbnailLoader | None], parent: QWidget,
                 runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self._runner = runner  # ticked photos are moved on it
        self._window = parent  # the dialogs' parent
        self._settings = settings
        self._desktop = desktop
        self._session = session
        self._thumbnails = thumbnails
        self._dialog: DuplicatesDialog | None = None  # the open result dialog, which may search again
        self._again = False  # the running duplicates search was asked for by that dialog

    def close(self) -> None:
        """Close the dialog: its groups belong to the catalogue being closed."""
        self._again = False  # a search the dialog asked for dies with its catalogue
        if self._dialog is not None:
            self._dialog.close()

    def progress(self, progress: Progress) -> None:
        """Show a running search's progress in the dialog that asked for it."""
        if self._dialog is not None:
            self._dialog.update_progress(progress)

    def finished(self, result: list[list[SearchHit]] | None) -> bool:
        """Take a finished search's groups (None: stopped); False when the window should report it."""
        again, self._again = self._again, False
        if self._dialog is not None:
            if result is None:
                self._dialog.search_stopped()
            else:
                self._dialog.show_groups(result, self._settings.duplicate_similarity)
            return True
        if again:
            return True  # asked for by a dialog that was closed since: nobody is waiting for these groups
        if result is not None and self._session() is not None:
            self._show(result)
            return True
        return False

    def failed(self, message: str) -> bool:
        """Tell the dialog its search failed; False when the window should report the failure."""
        self._again = False
        if self._dialog is not None:
            self._dialog.search_refused(f"Finding duplicates failed: {message}")
            return True
        return False

    def _show(self, groups: list[list[SearchHit]]) -> None:
        session = self._session()
        assert session is not None
        dialog = DuplicatesDialog(session.folder, groups, self._settings.duplicate_similarity,
                                  self._thumbnails(), self._desktop, self._window)
        dialog.runner = self._runner
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.search_requested.connect(self._search_again)
        dialog.cancel_requested.connect(self._cancel)
        dialog.finished.connect(lambda _code: self._closed(dialog))
        self._dialog = dialog
        dialog.open()

    def _search_again(self, min_similarity: float) -> None:
        """The duplicates dialog asks for a new search at `min_similarity` (remembered for next time)."""
        dialog, session = self._dialog, self._session()
        if dialog is None:
            return
        if session is None or not session.is_open:
            dialog.search_refused("The catalogue is closed.")
        elif session.job_kind:
            dialog.search_refused("The catalogue is being updated right now: search again when that has finished."
                                  if session.job_kind is JobKind.INDEX else
                                  "Please wait until the current task has finished, then search again.")
        else:
            self._settings.duplicate_similarity = min_similarity
            threshold = self._settings.duplicate_similarity  # clamped into the allowed range
            if session.find_duplicates(threshold):
                self._again = True
                dialog.searching(threshold)

    def _closed(self, dialog: DuplicatesDialog) -> None:
        """Closing the dialog stops the search it asked for: a result nobody sees is wasted work."""
        if self._dialog is not dialog:
            return
        self._dialog = None
        session = self._session()
        if dialog.is_searching and session is not None and session.job_kind is JobKind.DUPLICATES:
            session.cancel_job()

    def _cancel(self) -> None:
        session = self._session()
        if session is not None:
            session.cancel_job()
