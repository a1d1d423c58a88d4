"""The 'Find duplicates' result: groups of near-identical products with thumbnails; a threshold to search again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QAbstractItemView, QDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, \
    QSpinBox, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from autosimnet_desktop.core.records import Progress, SearchHit
from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.dialogs.list_dialog import lay_out_list_dialog
from autosimnet_desktop.gui.runtime.formatting import percent, plural
from autosimnet_desktop.gui.runtime.settings import DUPLICATE_SIMILARITY_RANGE
from autosimnet_desktop.gui.catalogue.status import JobProgress
from autosimnet_desktop.gui.runtime.desktop import Desktop, reveal, unrevealed_text
from autosimnet_desktop.gui.runtime.thumbnails import ThumbnailLoader

ICON = 56
EXPANDED_GROUPS = 50  # expanding thousands of groups would ask for thousands of thumbnails


def whole_percent(similarity: float) -> int:
    """A 0..1 threshold as the whole percent the spin box shows (0.95 -> 95)."""
    return round(similarity * 100)


class DuplicatesDialog(QDialog):
    """One collapsible group per set of look-alikes; double-click opens a file, a button reveals it.

    The threshold box and "Search again" ask the window (through `search_requested`) for a new search;
    the window answers with `searching`, `update_progress`, then `show_groups`, `search_stopped` or
    `search_refused`. The list stays usable meanwhile.
    """

    search_requested = Signal(float)  # search again at this similarity (0..1)
    cancel_requested = Signal()  # stop the search running for this dialog

    def __init__(self, folder: Path, groups: list[list[SearchHit]], min_similarity: float,
                 thumbnails: ThumbnailLoader | None, desktop: Desktop, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Duplicate products")
        self.folder = folder
        self.groups: list[list[SearchHit]] = []
        self.min_similarity = min_similarity
        self._desktop = desktop
        self.unrevealed_box: QMessageBox | None = None  # says where a file is when no file manager could show it
        self._thumbnails = thumbnails
        self._items: dict[str, list[QTreeWidgetItem]] = {}
        self._searching = False
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Product", "Similar to the first photo"])
        self.tree.setIconSize(QSize(ICON, ICON))
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemDoubleClicked.connect(self._open)
        self.tree.setColumnWidth(0, 520)
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)
            self.tree.itemExpanded.connect(self._expanded)
        lay_out_list_dialog(self, self._build_header(), self.tree,
                            [("Show in folder", self._reveal), ("Copy list", self.copy_list)])
        self.show_groups(groups, min_similarity)
        self.resize(760, 600)

    def _build_header(self) -> QWidget:
        """The intro line, the '… at least [95% similar] [Search again]' row with a hint, then the progress."""
        header = QWidget(self)
        self.threshold_spin = QSpinBox(header)
        low, high = DUPLICATE_SIMILARITY_RANGE
        self.threshold_spin.setRange(whole_percent(low), whole_percent(high))
        self.threshold_spin.setSuffix("% similar")
        self.threshold_spin.setValue(whole_percent(self.min_similarity))
        self.threshold_spin.setToolTip("How alike two photos must look to count as duplicates")
        label = QLabel("Count two products as duplicates when they are at least", header)
        label.setBuddy(self.threshold_spin)
        self.search_button = QPushButton("Search again", header)
        self.search_button.setToolTip("Look for duplicates again with this similarity")
        self.search_button.setDefault(True)  # Enter in the box searches instead of closing the dialog
        self.search_button.clicked.connect(self._search_again)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.threshold_spin)
        row.addWidget(self.search_button)
        row.addStretch(1)
        self.hint = QLabel("Lower finds more look-alikes; 100% finds only copies of the same photo.", header)
        self.hint.setWordWrap(True)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.progress = JobProgress(header)
        self.progress.label.setWordWrap(True)  # a long progress line wraps instead of widening the dialog
        self.progress.row.setStretchFactor(self.progress.label, 1)
        self.progress.cancel_requested.connect(self.cancel_requested)
        layout = QVBoxLayout(header)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addLayout(row)
        layout.addWidget(self.hint)
        layout.addWidget(self.progress)
        return header

    # -- searching again -------------------------------------------------------------------------
    @property
    def is_searching(self) -> bool:
        """True while a search this dialog asked for is running."""
        return self._searching

    def _search_again(self) -> None:
        self.threshold_spin.interpretText()  # a typed number counts even before the box loses focus
        self.search_requested.emit(self.threshold_spin.value() / 100)

    def searching(self, min_similarity: float) -> None:
        """The window started the search: show its progress; the list keeps the last groups until it ends."""
        self._searching = True
        self.search_button.setEnabled(False)
        self.intro.setText(f"Looking for products at least {whole_percent(min_similarity)}% similar… "
                           "The groups below are from the last search until it has finished.")
        self.progress.start(JobKind.DUPLICATES)

    def update_progress(self, progress: Progress) -> None:
        """Show how far the running search is."""
        if self.is_searching:
            self.progress.update_progress(progress)

    def search_stopped(self) -> None:
        """The search was cancelled: keep showing the last groups."""
        self._idle()
        self.intro.setText(f"Search stopped. {self._summary()}")

    def search_refused(self, message: str) -> None:
        """The search could not run (failed, or another task is busy): say why, keep the last groups."""
        self._idle()
        self.intro.setText(f"{message} {self._summary()}")

    def _idle(self) -> None:
        self._searching = False
        self.progress.finish()
        self.search_button.setEnabled(True)

    # -- the groups ------------------------------------------------------------------------------
    def _summary(self) -> str:
        photos = sum(len(g) for g in self.groups)
        at = f"{whole_percent(self.min_similarity)}%"
        if self.groups:
            return f"Showing {plural(len(self.groups), 'group')} of look-alike products ({plural(photos, 'photo')}) " \
                   f"at {at} similarity or more."
        can_lower = self.min_similarity > DUPLICATE_SIMILARITY_RANGE[0]
        lower = " Try a lower similarity to find look-alikes." if can_lower else ""
        return f"No two products are at least {at} similar: no duplicates found.{lower}"

    def show_groups(self, groups: list[list[SearchHit]], min_similarity: float) -> None:
        """Show these groups, found at `min_similarity` (replacing what was shown)."""
        self._idle()
        self.groups, self.min_similarity = groups, min_similarity
        self.threshold_spin.setValue(whole_percent(min_similarity))
        self.intro.setText(self._summary())
        self.tree.clear()
        self._items = {}
        for number, group in enumerate(groups, 1):
            top = QTreeWidgetItem(self.tree, [f"Group {number}: {plural(len(group), 'photo')}", ""])
            top.setFirstColumnSpanned(True)
            for rank, hit in enumerate(group):
                # Members are measured from the group's first photo; "100%" beside it would read as an exact copy.
                child = QTreeWidgetItem(top, [hit.path, percent(hit.similarity) if rank else ""])
                child.setData(0, Qt.ItemDataRole.UserRole, hit.path)
                child.setToolTip(0, hit.path)
                self._items.setdefault(str(self.folder / hit.path), []).append(child)
            top.setExpanded(number <= EXPANDED_GROUPS)
        if self._thumbnails is not None:
            for index in range(min(EXPANDED_GROUPS, self.tree.topLevelItemCount())):
                header = self.tree.topLevelItem(index)
                if header is not None:
                    self._expanded(header)

    def _selected_path(self) -> Path | None:
        item = self.tree.currentItem()
        relpath = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return self.folder / relpath if relpath else None

    def _open(self, item: QTreeWidgetItem, _column: int) -> None:
        relpath = item.data(0, Qt.ItemDataRole.UserRole)
        if relpath:
            self._desktop.open_file(self.folder / relpath)

    def _reveal(self) -> None:
        path = self._selected_path()
        if path is not None:
            reveal(self._desktop, path, self._explain_unrevealed)

    def _explain_unrevealed(self, path: Path) -> None:
        """No file manager: say where the file is, with a button that copies its path."""
        box = QMessageBox(QMessageBox.Icon.Information, "Show in folder", unrevealed_text(path) + ".",
                          QMessageBox.StandardButton.Close, self)
        copy = box.addButton("Copy path", QMessageBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(str(path)))
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.unrevealed_box = box
        box.open()

    def copy_list(self) -> None:
        """Put 'group<TAB>path<TAB>similarity' lines on the clipboard."""
        lines = [f"{n}\t{hit.path}\t{hit.similarity:.4f}" for n, group in enumerate(self.groups, 1) for hit in group]
        QGuiApplication.clipboard().setText("\n".join(lines))

    def _expanded(self, top: QTreeWidgetItem) -> None:
        for index in range(top.childCount()):
            child = top.child(index)
            if child is not None:
                self._thumbnail_ready(str(self.folder / child.data(0, Qt.ItemDataRole.UserRole)))

    def _thumbnail_ready(self, key: str) -> None:
        items = self._items.get(key)
        group = items[0].parent() if items else None
        if not items or group is None or self._thumbnails is None or not group.isExpanded():
            return
        pixmap = self._thumbnails.pixmap(Path(key))
        if pixmap is not None:
            for item in items:
                item.setIcon(0, QIcon(pixmap))
