"""The main window: welcome page or open catalogue, drops and pastes, jobs, results and their actions."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from autosimnet_desktop.core.catalogue.protocol import CatalogueAPI
from autosimnet_desktop.core.model.shipped import ShippedModel
from autosimnet_desktop.gui.actions import Actions
from autosimnet_desktop.gui.drops import DropsAndPastes
from autosimnet_desktop.gui.catalogue.page import CataloguePage
from autosimnet_desktop.gui.dialogs.about import AboutDialog
from autosimnet_desktop.gui.duplicates.flow import DuplicatesFlow
from autosimnet_desktop.gui.runtime.errors import describe
from autosimnet_desktop.gui.runtime.formatting import reindexing_message
from autosimnet_desktop.gui.runtime.icons import app_icon
from autosimnet_desktop.gui.message_bar import MessageBar
from autosimnet_desktop.gui.product_tools import ProductTools
from autosimnet_desktop.gui.window_wiring import connect_window
from autosimnet_desktop.gui.dialogs.model_menu import ModelMenu
from autosimnet_desktop.gui.dialogs.related_export import RelatedExport
from autosimnet_desktop.gui.search.result_actions import ResultActions
from autosimnet_desktop.gui.search.searches import Searches
from autosimnet_desktop.gui.runtime.services import Services
from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.catalogue.session import CatalogueSession
from autosimnet_desktop.gui.long_jobs import LongJobs
from autosimnet_desktop.gui.runtime.settings import Settings
from autosimnet_desktop.gui.search.sources import QuerySource
from autosimnet_desktop.gui.catalogue.status import CatalogueSummary, JobProgress
from autosimnet_desktop.gui.runtime.memory import freeze_long_lived_objects, thaw_frozen_objects
from autosimnet_desktop.gui.runtime.scrolling import scrollable
from autosimnet_desktop.gui.runtime.thumbnails import ThumbnailCache, ThumbnailLoader
from autosimnet_desktop.gui.dialogs.unreadable import UnreadableFiles
from autosimnet_desktop.gui.welcome import WelcomePage


WIDE_ENOUGH_FOR_PREVIEW = 1000  # logical pixels of screen width for the photo panel, the grid and the preview


class MainWindow(DropsAndPastes):
    """AutoSimNet's one window."""

    results: ResultActions  # made by connect_window

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
        self.duplicates_flow = DuplicatesFlow(settings, services.desktop, self.open_session, self.thumbnails, self,
                                              self.runner)
        self.models = ModelMenu(self.actions_, settings, self.runner, self.open_session, self.choose_model,
                                lambda text: self.messages.show_message(text, "error"), self)
        self.related_export = RelatedExport(services, self.open_session, self.page, self.messages, self)
        self.unreadable = UnreadableFiles(self.open_session, self.summary, self.messages, self)
        self.searches = Searches(self.open_session, self.page, self.messages, settings, self._update_actions, self)
        self.jobs = LongJobs(self.open_session, self.progress, self.summary, self.messages, self.duplicates_flow,
                             self.related_export, self.unreadable, self.searches, self.thumbnails,
                             self._update_actions, self)
        self.products = ProductTools(services, settings, self.open_session, self.page, self.messages,
                                     self.jobs.can_start, self.searches.rerun, self)
        self.jobs.products = self.products
        connect_window(self)
        self._update_actions()
        self.runner.unhandled_error.connect(lambda exc: self.messages.show_message(describe(exc), "error"))
        self._restore_layout()
        self.show_welcome()

    # -- building --------------------------------------------------------------------------------
    def _build_body(self) -> None:
        body = QWidget(self)
        self.welcome = WelcomePage(self.icon, self)
        self.page = CataloguePage(self.settings.result_count, self.settings.min_similarity, self.runner, self)
        self.page.view.addActions(self.actions_.result_actions)
        self.stack = QStackedWidget(self)
        self._welcome_area = scrollable(self.welcome, self)  # a short screen scrolls it instead of hiding the status bar
        self.stack.addWidget(self._welcome_area)
        self.stack.addWidget(self.page)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 0)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self.messages = MessageBar(body)  # floats over the page's foot: showing it moves nothing
        self.summary = CatalogueSummary(self)
        self.progress = JobProgress(self)
        self.statusBar().addWidget(self.summary, 1)
        self.statusBar().addPermanentWidget(self.progress)

    def _restore_layout(self) -> None:
        geometry = self.settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            screen = QGuiApplication.primaryScreen().availableGeometry()
            self.resize(min(1280, int(screen.width() * 0.92)), min(820, int(screen.height() * 0.9)))
        state = self.settings.splitter_state
        if state is not None:
            self.page.restoreState(state)
        shown = self.settings.preview_visible
        if shown is None:  # a narrow screen (or a large scale) gives the grid the room the preview would take
            shown = QGuiApplication.primaryScreen().availableGeometry().width() >= WIDE_ENOUGH_FOR_PREVIEW
        self.actions_.show_preview.setChecked(shown)
        self.page.preview.setVisible(shown)

    # -- pages and catalogue lifecycle -----------------------------------------------------------
    def open_session(self) -> CatalogueSession | None:
        """The session of the open catalogue, if any (window parts ask for it each time: see SessionRef)."""
        return self.session

    def thumbnails(self) -> ThumbnailLoader | None:
        """The open catalogue's thumbnail loader, if any."""
        return self._thumbnails

    @property
    def showing_welcome(self) -> bool:
        """True while the welcome page is shown."""
        return self.stack.currentWidget() is self._welcome_area

    def show_welcome(self) -> None:
        """The first-run page, listing recent catalogues."""
        self.welcome.set_recent(self.settings.recent_folders)
        self.stack.setCurrentWidget(self._welcome_area)
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
        self.jobs.follow(session)
        session.count_changed.connect(self._on_count)
        session.query_finished.connect(self.searches.finished)
        session.query_failed.connect(self.searches.failed)
        self.session = session
        self.searches.reset()
        self.page.clear_results()
        self.page.set_empty_reason(None)
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
        self.products.close()
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

    def _on_opened(self, catalogue: CatalogueAPI) -> None:
        session = self.session
        assert session is not None
        self.settings.add_recent_folder(session.folder)
        freeze_long_lived_objects()
        self._thumbnails = ThumbnailLoader(self.runner, ThumbnailCache(session.thumbnail_dir),
                                           ratio=self.devicePixelRatioF(), parent=session)
        self.page.model.set_thumbnails(self._thumbnails)
        self.summary.set_catalogue(session.folder.name, None)
        default = catalogue.segments.default_weight if catalogue.segments is not None else None
        self.page.panel.set_balance(default, self.settings.colour_weight if default is not None else None)
        self.searches.run_pending()  # first: a new search clears the messages shown before it
        self.products.refresh_summary()
        if session.model_change is not None:
            change = session.model_change
            self.messages.show_message(reindexing_message(catalogue.model.label, change.label, change.photos), "info",
                                       timeout_ms=0)
        self.models.check()
        self._update_actions()

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
            indexing = self.session.job_kind is JobKind.INDEX
            self.summary.set_catalogue(self.session.folder.name, None if indexing else count)
            self.page.set_catalogue_count(count)

    # -- long jobs -------------------------------------------------------------------------------
    def export_related(self) -> None:
        """Ask for a file and write every product's most similar products to it as CSV."""
        if self.jobs.can_start():
            self.related_export.start()

    def find_duplicates(self) -> None:
        """Look for groups of near-identical products."""
        if self.jobs.can_start():
            assert self.session is not None
            self.session.find_duplicates(self.settings.duplicate_similarity)

    def _show_preview(self, shown: bool) -> None:
        self.page.preview.setVisible(shown)
        self.settings.preview_visible = shown

    def toggle_full_screen(self) -> None:
        """F11: fill the screen, or back."""
        self.setWindowState(self.windowState() ^ Qt.WindowState.WindowFullScreen)

    def escape(self) -> None:
        """Esc: dismiss the message shown; with none, stop the running job."""
        if self.messages.text:
            self.messages.clear()
        elif self.progress.isVisible() and self.progress.cancel_button.isEnabled():
            self.progress.cancel_button.click()

    def show_failures(self) -> None:
        """List the files that could not be read, with their reasons."""
        self.unreadable.show()

    def show_about(self) -> None:
        """Version and the loaded model's metadata."""
        catalogue = self.session.catalogue if self.session is not None and self.session.is_open else None
        model = catalogue.model if catalogue is not None else None
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

    def set_models(self, models: Iterable[ShippedModel]) -> None:
        """Fill the Model menu with the shipped models, the one in use checked."""
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

