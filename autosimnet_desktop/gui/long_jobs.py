"""The open session's long jobs as the window shows them: whether one may start, its progress, its outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject

from autosimnet_desktop.core.products.records import MatchResult
from autosimnet_desktop.core.records import IndexReport, Progress, SearchHit
from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.catalogue.session import CatalogueSession, SessionRef
from autosimnet_desktop.gui.catalogue.status import CatalogueSummary, JobProgress
from autosimnet_desktop.gui.dialogs.related_export import RelatedExport
from autosimnet_desktop.gui.dialogs.unreadable import UnreadableFiles
from autosimnet_desktop.gui.duplicates.flow import DuplicatesFlow
from autosimnet_desktop.gui.message_bar import MessageBar
from autosimnet_desktop.gui.product_tools import ProductTools
from autosimnet_desktop.gui.runtime.formatting import index_report_message, reindexed_message
from autosimnet_desktop.gui.runtime.memory import freeze_long_lived_objects
from autosimnet_desktop.gui.runtime.thumbnails import ThumbnailLoader
from autosimnet_desktop.gui.search.searches import Searches


class LongJobs(QObject):
    """Hands each job of the open session, by its kind, to the part of the window that reports it."""

    def __init__(self, session: SessionRef, progress: JobProgress, summary: CatalogueSummary, messages: MessageBar,
                 duplicates: DuplicatesFlow, related: RelatedExport, unreadable: UnreadableFiles, searches: Searches,
                 thumbnails: Callable[[], ThumbnailLoader | None], changed: Callable[[], None],
                 parent: QObject) -> None:
        super().__init__(parent)
        self._session = session
        self._progress = progress
        self._summary = summary
        self._messages = messages
        self._duplicates = duplicates
        self._related = related
        self._unreadable = unreadable
        self._searches = searches
        self._thumbnails = thumbnails
        self._changed = changed  # called when what the window's actions depend on may have changed
        self.products: ProductTools | None = None  # set once the window has made it

    def follow(self, session: CatalogueSession) -> None:
        """Report the jobs of `session` (the window disconnects them when it retires the session)."""
        session.job_started.connect(self.started)
        session.job_progress.connect(self.progressed)
        session.job_finished.connect(self.finished)
        session.job_failed.connect(self.failed)

    def can_start(self) -> bool:
        """True when a long job may start now; otherwise says why not."""
        session = self._session()
        if session is None or not session.is_open:
            self._messages.show_message("Open a catalogue folder first.", "info")
            return False
        if session.job_kind:
            self._messages.show_message("Please wait until the current task has finished (or cancel it).", "info")
            return False
        return True

    def started(self, kind: JobKind) -> None:
        """Show the progress line of a job that just started."""
        self._progress.start(kind)
        session = self._session()
        if kind is JobKind.INDEX and session is not None:
            self._summary.set_catalogue(session.folder.name, None)
        self._changed()

    def progressed(self, kind: JobKind, progress: Progress) -> None:
        """Show where the running job stands (also in the duplicates dialog that asked for it)."""
        self._progress.update_progress(progress)
        if kind is JobKind.INDEX and progress.stage == "indexing":
            self._searches.photos_arriving()
        if kind is JobKind.DUPLICATES:
            self._duplicates.progress(progress)

    def finished(self, kind: JobKind, result: object) -> None:
        """Report a job's outcome; `result` is None when it was stopped."""
        self._progress.finish()
        self._changed()
        match kind:
            case JobKind.INDEX:
                assert isinstance(result, IndexReport)
                self._index_finished(result)
                return
            case JobKind.RELATED:
                assert result is None or isinstance(result, Path)
                reported = self._related.finished(result)
            case JobKind.DUPLICATES:
                assert result is None or isinstance(result, list)
                groups: list[list[SearchHit]] | None = result
                reported = self._duplicates.finished(groups)
            case JobKind.MATCH:
                assert result is None or isinstance(result, list)
                matches: list[MatchResult] | None = result
                reported = self.products is not None and self.products.match_finished(matches)
            case _:
                reported = False
        if not reported and result is None:
            self._messages.show_message("Stopped.", "info")

    def failed(self, kind: JobKind, message: str) -> None:
        """Say why a job failed (in the duplicates dialog, when it asked for the search)."""
        self._progress.finish()
        self._changed()
        if kind is JobKind.DUPLICATES and self._duplicates.failed(message):
            return
        if kind is JobKind.MATCH and self.products is not None:
            self.products.match_failed(message)
        self._messages.show_message(f"{kind.words.doing} failed: {message}", "error")

    def _index_finished(self, report: IndexReport) -> None:
        freeze_long_lived_objects()
        self._unreadable.recount()
        thumbnails = self._thumbnails()
        if report.changed and thumbnails is not None:
            thumbnails.forget()  # edited photos: the disk cache is keyed by mtime, memory only by path
        message = index_report_message(report)
        session = self._session()
        if report.rebuilt and not report.cancelled and session is not None and session.model_change is not None \
                and session.catalogue is not None:
            session.model_change = None
            message = (reindexed_message(report, session.catalogue.model.label), "info", None)
        if message is not None:
            text, level, timeout = message
            self._messages.show_message(text, level, timeout_ms=timeout)
        if session is not None and not report.cancelled and report.new + report.changed + report.unchanged == 0:
            session.describe_empty(self._searches.folder_without_photos)  # instead of "no photos yet" forever
        if report.new + report.changed + report.removed:
            self._searches.rerun()  # the results shown were computed on a smaller index
            if self.products is not None:
                self.products.refresh_summary()
