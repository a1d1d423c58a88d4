"""The main window: welcome page or open catalogue, drops and pastes, jobs, results and their actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from ..core.records import IndexReport, Progress
from .actions import Actions
from .catalogue_page import CataloguePage
from .dialogs import AboutDialog
from .duplicates_flow import DuplicatesFlow
from .errors import describe
from .formatting import index_report_message, reindexed_message, reindexing_message
from .icons import app_icon
from .message_bar import MessageBar
from .mime import OpenFolder, acceptable, interpret
from .model_menu import ModelMenu
from .related_export import RelatedExport
from .result_actions import ResultActions
from .searches import Searches
from .services import Services
from .session import DUPLICATES, INDEX, RELATED, CatalogueSession
from .settings import Settings
from .sources import QuerySource
from .status import CatalogueSummary, JobProgress
from .tasks import freeze_long_lived_objects, thaw_frozen_objects
from .thumbnails import ThumbnailCache, ThumbnailLoader
from .unreadable import UnreadableFiles
from .welcome import WelcomePage


class MainWindow(QMainWindow):
    """AutoSimNet's one window."""

    def __init__(self, settings: Settings, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.services = services
        self.runner = services.runner
        self.session: CatalogueSession | None = None
        self._retired: set[CatalogueSession] = set()
        self._thumbnails: ThumbnailLoader | None = None
        self.icon = app_icon()
        self.setWindowIcon(self.icon)
        self.setWindowTitle("AutoSimNet")
        self.setAcceptDrops(True)
        self.actions_ = Actions(self)
        self.actions_.build_menus(self)
        self.toolbar = self.actions_.build_toolbar(self)
        self._build_body()
        self.duplicates_flow = DuplicatesFlow(settings, services.desktop, lambda: self.session,
                                              lambda: self._thumbnails, self)
        self.models = ModelMenu(self.actions_, settings, self.runner, lambda: self.session,
                                lambda file: self.choose_model(file),
                                lambda text: self.messages.show_message(text, "error"), self)
        self.related_export = RelatedExport(services, lambda: self.session, self.page, self.messages, self)
        self.unreadable = UnreadableFiles(lambda: self.session, self.summary, self.messages, self)
        self.searches = Searches(lambda: self.session, self.page, self.messages, settings,
                                 lambda: self._update_actions(), self)
        self._connect()
        self._update_actions()
        self.runner.unhandled_error.connect(lambda exc: self.messages.show_message(describe(exc), "error"))
        self._restore_layout()
        self.show_welcome()

    # -- building --------------------------------------------------------------------------------
    def _build_body(self) -> None:
        self.messages = MessageBar(self)
        self.welcome = WelcomePage(self.icon, self)
        self.page = CataloguePage(self.settings.result_count, self.settings.min_similarity, self)
        self.page.view.addActions(self.actions_.result_actions)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.page)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self.messages)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self.summary = CatalogueSummary(self)
        self.progress = JobProgress(self)
        self.statusBar().addWidget(self.summary, 1)
        self.statusBar().addPermanentWidget(self.progress)

    def _connect(self) -> None:
        a = self.actions_
        a.open_folder.triggered.connect(self.choose_folder)
        a.open_sample.triggered.connect(self.open_sample)
        a.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        a.open_image.triggered.connect(self.choose_image)
        a.paste.triggered.connect(self.paste)
        a.back.triggered.connect(self.searches.back)
        a.export_related.triggered.connect(self.export_related)
        a.duplicates.triggered.connect(self.find_duplicates)
        a.rescan.triggered.connect(lambda: self.session.reindex() if self.session else None)
        a.failures.triggered.connect(self.show_failures)
        a.quit.triggered.connect(self.close)
        a.about.triggered.connect(self.show_about)
        self.results = ResultActions(a, self.page, self.services.desktop, self.runner, self.messages,
                                     lambda relpath: self.query(QuerySource.item(relpath)), self)
        self.welcome.open_folder_clicked.connect(self.choose_folder)
        self.welcome.sample_clicked.connect(self.open_sample)
        self.welcome.recent_clicked.connect(self.open_folder)
        panel = self.page.panel
        panel.open_image_clicked.connect(self.choose_image)
        panel.paste_clicked.connect(self.paste)
        panel.result_count_changed.connect(self.searches.result_count_changed)
        panel.min_similarity_changed.connect(self.searches.min_similarity_changed)
        panel.colour_weight_changed.connect(self.searches.colour_weight_changed)
        a.model_menu.aboutToShow.connect(self.models.ask)
        self.page.view.selectionModel().currentChanged.connect(lambda *_: self._update_actions())
        self.page.model.modelReset.connect(self._update_actions)
        self.progress.cancel_requested.connect(lambda: self.session.cancel_job() if self.session else None)
        self.summary.failures_clicked.connect(self.show_failures)

    def _restore_layout(self) -> None:
        geometry = self.settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            screen = QGuiApplication.primaryScreen().availableGeometry()
            self.resize(min(1280, int(screen.width() * 0.92)), min(820, int(screen.height() * 0.9)))
        state = self.settings.splitter_state
        if state is not None:
            self.page.restoreState(state)

    # -- pages and catalogue lifecycle -----------------------------------------------------------
    @property
    def showing_welcome(self) -> bool:
        """True while the welcome page is shown."""
        return self.stack.currentWidget() is self.welcome

    def show_welcome(self) -> None:
        """The first-run page, listing recent catalogues."""
        self.welcome.set_recent(self.settings.recent_folders)
        self.stack.setCurrentWidget(self.welcome)
        self.summary.set_catalogue("No catalogue open", None)

    def choose_folder(self) -> None:
        """Ask for a catalogue folder and open it."""
        start = self.session.folder.parent if self.session else self.settings.last_folder
        folder = self.services.choosers.folder(self, start)
        if folder is not None:
            self.open_folder(folder)

    def open_sample(self) -> None:
        """Open the bundled sample catalogue."""
        self.open_folder(self.services.sample_folder())

    def open_folder(self, folder: Path) -> None:
        """Open `folder` as the catalogue (loading and indexing run in the background)."""
        folder = Path(folder).expanduser().absolute()
        if self.session is not None and self.session.folder == folder and self.session.is_open:
            self.session.reindex()
            return
        self._retire_session()
        session = CatalogueSession(folder, self.services.factory, self.runner, self.services.watcher(self.runner),
                                   self.services.thumbnail_dir, parent=self)
        session.opened.connect(self._on_opened)
        session.open_failed.connect(self._on_open_failed)
        session.job_started.connect(self._on_job_started)
        session.job_progress.connect(self._on_job_progress)
        session.job_finished.connect(self._on_job_finished)
        session.job_failed.connect(self._on_job_failed)
        session.count_changed.connect(self._on_count)
        session.query_finished.connect(self.searches.finished)
        session.query_failed.connect(self.searches.failed)
        self.session = session
        self.searches.reset()
        self.page.clear_results()
        self.page.panel.show_query(None, "", "")
        self.page.panel.reset_hint()
        self.messages.clear()
        self.stack.setCurrentWidget(self.page)
        self.summary.set_catalogue(f"Opening {folder.name}…", None)
        self.summary.set_unreadable(0)
        self.setWindowTitle(f"{folder.name} — AutoSimNet")
        self._update_actions()
        session.open()

    def _retire_session(self) -> None:
        self.duplicates_flow.close()
        old, self.session = self.session, None
        self.progress.finish()
        self._drop_thumbnails()
        if old is None:
            return
        for signal in (old.opened, old.open_failed, old.job_started, old.job_progress, old.job_finished,
                       old.job_failed, old.count_changed, old.query_finished, old.query_failed):
            signal.disconnect()
        # Closing waits for the old catalogue's running tasks; keep it alive until then, and not a moment longer.
        self._retired.add(old)
        old.closed.connect(lambda: self._release(old))
        old.shutdown()

    def _drop_thumbnails(self) -> None:
        """Free the tiles of the catalogue being replaced: up to a few hundred QPixmaps."""
        loader, self._thumbnails = self._thumbnails, None
        if loader is not None:
            self.page.model.set_thumbnails(None)
            loader.close()

    def _release(self, old: CatalogueSession) -> None:
        """Delete a retired session (with its watcher and thumbnail loader) once its catalogue is closed."""
        self._retired.discard(old)
        # Its catalogue tasks have all delivered by now; a thumbnail decode or folder scan still running holds
        # nothing of it, and the runner drops results whose owner is gone. Deleted later, on this thread.
        old.deleteLater()
        thaw_frozen_objects()  # its closed catalogue may be a frozen cycle: let the collector free it

    def _on_opened(self, catalogue: Any) -> None:
        session = self.session
        assert session is not None
        self.settings.add_recent_folder(session.folder)
        freeze_long_lived_objects()
        self._thumbnails = ThumbnailLoader(self.runner, ThumbnailCache(session.thumbnail_dir),
                                           ratio=self.devicePixelRatioF(), parent=session)
        self.page.model.set_thumbnails(self._thumbnails)
        self.summary.set_catalogue(session.folder.name, None)
        segments = getattr(catalogue, "segments", None)
        default = segments.default_weight if segments is not None else None
        self.page.panel.set_balance(default, self.settings.colour_weight if default is not None else None)
        if session.model_change is not None:
            old, count = session.model_change
            self.messages.show_message(reindexing_message(catalogue.model.label, old, count), "info", timeout_ms=0)
        self.models.check()
        self._update_actions()
        self.searches.run_pending()

    def _on_open_failed(self, message: str) -> None:
        folder = self.session.folder if self.session else None
        self._retire_session()
        if folder is not None and not folder.is_dir():
            self.settings.remove_recent_folder(folder)  # it vanished: stop offering it
        self.show_welcome()
        self.setWindowTitle("AutoSimNet")
        self._update_actions()
        self.messages.show_message(f"Couldn't open {folder.name if folder else 'the folder'}: {message}", "error",
                                   "Choose another folder…", self.choose_folder)

    def _on_count(self, count: int) -> None:
        if self.session is not None:
            # While indexing, the progress line tells the story; a count lagging behind it would confuse.
            indexing = self.session.job_kind == INDEX
            self.summary.set_catalogue(self.session.folder.name, None if indexing else count)
            self.page.set_catalogue_count(count)

    # -- long jobs -------------------------------------------------------------------------------
    def _on_job_started(self, kind: str) -> None:
        self.progress.start(kind)
        if kind == INDEX and self.session is not None:
            self.summary.set_catalogue(self.session.folder.name, None)
        self._update_actions()

    def _on_job_progress(self, kind: str, progress: Progress) -> None:
        self.progress.update_progress(progress)
        self.duplicates_flow.job_progress(kind, progress)

    def _on_job_finished(self, kind: str, result: Any) -> None:
        self.progress.finish()
        self._update_actions()
        if self.duplicates_flow.job_finished(kind, result) or self.related_export.job_finished(kind, result):
            return
        if kind == INDEX:
            self._index_finished(result)
        elif result is None:
            self.messages.show_message("Stopped.", "info")

    def _index_finished(self, report: IndexReport) -> None:
        freeze_long_lived_objects()
        self.unreadable.recount()
        changed = report.new + report.changed + report.removed
        if report.changed and self._thumbnails is not None:
            self._thumbnails.forget()  # edited photos: the disk cache is keyed by mtime, memory only by path
        message = index_report_message(report)
        model_change = self.session.model_change if self.session is not None else None
        if report.rebuilt and not report.cancelled and model_change is not None and self.session is not None:
            self.session.model_change = None
            message = (reindexed_message(report, self.session.catalogue.model.label), "info", None)
        if message is not None:
            text, level, timeout = message
            self.messages.show_message(text, level, timeout_ms=timeout)
        if changed:
            self.searches.rerun()  # the results shown were computed on a smaller index

    def _on_job_failed(self, kind: str, message: str) -> None:
        self.progress.finish()
        self._update_actions()
        if self.duplicates_flow.job_failed(kind, message):
            return
        doing = {INDEX: "Indexing", RELATED: "Exporting related products", DUPLICATES: "Finding duplicates"}[kind]
        self.messages.show_message(f"{doing} failed: {message}", "error")

    def export_related(self) -> None:
        """Ask for a file and write every product's most similar products to it as CSV."""
        if self._can_start_job():
            self.related_export.start()

    def find_duplicates(self) -> None:
        """Look for groups of near-identical products."""
        if self._can_start_job():
            assert self.session is not None
            self.session.find_duplicates(self.settings.duplicate_similarity)

    def _can_start_job(self) -> bool:
        if self.session is None or not self.session.is_open:
            self.messages.show_message("Open a catalogue folder first.", "info")
            return False
        if self.session.job_kind:
            self.messages.show_message("Please wait until the current task has finished (or cancel it).", "info")
            return False
        return True

    def show_failures(self) -> None:
        """List the files that could not be read, with their reasons."""
        self.unreadable.show()

    def show_about(self) -> None:
        """Version and the loaded model's metadata."""
        model = getattr(self.session.catalogue, "model", None) if self.session and self.session.is_open else None
        dialog = AboutDialog(self.icon, model, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # -- queries ---------------------------------------------------------------------------------
    def query(self, source: QuerySource, remember: bool = True) -> None:
        """Search the open catalogue for `source` (queued until a catalogue is open)."""
        self.searches.query(source, remember)

    # -- model choice ----------------------------------------------------------------------------
    @property
    def model_override(self) -> str | None:
        """A --model given on the command line, until one is chosen in the Model menu."""
        return self.models.override

    @model_override.setter
    def model_override(self, file: str | None) -> None:
        self.models.override = file

    def current_model(self) -> str | None:
        """The model new catalogues open with: --model, else the Model menu's choice, else None (the default)."""
        return self.models.current()  # asked from a pool thread: reads no QSettings

    def set_models(self, models: Any) -> None:
        """Fill the Model menu with the shipped models (core.models.ShippedModel), the one in use checked."""
        self.models.set_models(models)

    def choose_model(self, file: str) -> None:
        """Use the shipped model `file` from now on (remembered); the open catalogue is re-opened with that model's
        own index (indexed on the model's first use, brought up to date otherwise)."""
        in_use = self.models.in_use()
        self.models.remember(file)
        if file == in_use or self.session is None:
            self.models.check()
            return
        folder, old, current = self.session.folder, self.session, self.searches.current
        self._retire_session()
        self.summary.set_catalogue(f"Switching {folder.name} to another model…", None)
        self.messages.show_message(f"Switching to {file.removesuffix('.onnx')}…", "info", timeout_ms=0)

        def reopen() -> None:
            if self.session is None:  # nothing else was opened meanwhile
                self.open_folder(folder)
                if current is not None:
                    self.searches.pending = current  # searched again once open, and again when re-indexed

        if old.is_closed:
            reopen()
        else:
            # The old catalogue saves and closes first, so the two never index the same data folder at once.
            old.closed.connect(reopen)

    def choose_image(self) -> None:
        """Ask for an image file and search for it."""
        path = self.services.choosers.image(self, self.settings.last_folder)
        if path is not None:
            self.query(QuerySource.file(path))

    def paste(self) -> None:
        """Search for the image, image file or image URL on the clipboard."""
        self.handle_mime(QGuiApplication.clipboard().mimeData(), "Pasted")

    def handle_mime(self, mime: QMimeData | None, origin: str) -> bool:
        """Act on dropped or pasted data; False (with a message) when it holds nothing usable."""
        meaning = interpret(mime, origin) if mime is not None else None
        if isinstance(meaning, OpenFolder):
            self.open_folder(meaning.path)
        elif isinstance(meaning, QuerySource):
            self.query(meaning)
        else:
            self.messages.show_message("There is no image on the clipboard: copy a photo or an image file first."
                                       if origin == "Pasted" else "That can't be used: drop a photo, an image "
                                       "file or a folder.", "info")
            return False
        return True

    # -- drag and drop ---------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept photos, image URLs and folders."""
        if acceptable(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Keep accepting while the drag moves over child widgets."""
        if acceptable(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Open a dropped folder or search for a dropped image."""
        if self.handle_mime(event.mimeData(), "Dropped"):
            event.acceptProposedAction()

    def _update_actions(self) -> None:
        a = self.actions_
        is_open = self.session is not None and self.session.is_open
        for action in a.catalogue_actions:
            action.setEnabled(is_open)
        busy = bool(self.session and self.session.job_kind)
        a.export_related.setEnabled(is_open and not busy)
        a.duplicates.setEnabled(is_open and not busy)
        a.failures.setEnabled(is_open)
        a.back.setEnabled(self.searches.can_go_back)
        self.results.update_enabled()

    def _fill_recent_menu(self) -> None:
        self.actions_.fill_recent_menu(self.settings.recent_folders, self.open_folder,
                                       self.settings.clear_recent_folders)

    # -- closing ---------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the layout; stop work, keeping what is finished, and close the catalogue."""
        self.settings.geometry = self.saveGeometry()
        self.settings.splitter_state = self.page.saveState()
        if self.session is not None:
            self.settings.last_folder = self.session.folder
            self.session.close_now()
        for old in list(self._retired):
            old.close_now()
        self.settings.sync()
        super().closeEvent(event)

