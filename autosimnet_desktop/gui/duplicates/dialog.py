"""The 'Find duplicates' result: groups of near-identical products with thumbnails; a threshold to search again."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

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
from autosimnet_desktop.gui.runtime.tasks import TaskRunner
from autosimnet_desktop.gui.duplicates.cleanup import COPY_SIMILARITY, MoveOutcome, Report, choose_list_file, choose_target_folder, confirm, \
    is_copy_group, list_csv, move_to_folder, move_to_trash, question, sort_groups
from autosimnet_desktop.gui.runtime.desktop import Desktop, reveal, unrevealed_text
from autosimnet_desktop.gui.runtime.errors import describe
from autosimnet_desktop.gui.runtime.thumbnails import ThumbnailLoader

ICON = 96  # big enough to tell two look-alikes apart
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
        self.tree.setHeaderLabels(["Photo", "Similar to the first photo", "Product"])
        self.tree.setIconSize(QSize(ICON, ICON))
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemDoubleClicked.connect(self._open)
        self.tree.setColumnWidth(0, 440)
        self.tree.setColumnWidth(1, 150)
        self.runner: TaskRunner | None = None  # moves run on it (set by the window; None: here, for tests)
        self._moving = False
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)
            self.tree.itemExpanded.connect(self._expanded)
        # Asked through these, so tests answer instead of a person.
        self.confirm: Callable[[QWidget, str], bool] = confirm
        self.choose_target_folder: Callable[[QWidget, Path], Path | None] = choose_target_folder
        self.choose_list_file: Callable[[QWidget, Path], Path | None] = choose_list_file
        lay_out_list_dialog(self, self._build_header(), self.tree,
                            [("Show in folder", self._reveal), ("Copy list", self.copy_list),
                             ("Save list…", self.save_list), ("Move ticked to folder…", self.move_ticked_to_folder),
                             ("Move ticked to trash…", self.move_ticked_to_trash)])
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
        self.hint = QLabel("Lower finds more look-alikes; 100% finds only copies of the same photo. Tick the photos "
                           "you don't need, then move them to a folder or to the trash: nothing is deleted.", header)
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
            copies = sum(1 for g in self.groups if is_copy_group(g))
            return f"{plural(copies, 'group')} of copies of the same photo, then " \
                   f"{plural(len(self.groups) - copies, 'group')} of look-alikes ({plural(photos, 'photo')} " \
                   f"at {at} similarity or more), the most alike first."
        can_lower = self.min_similarity > DUPLICATE_SIMILARITY_RANGE[0]
        lower = " Try a lower similarity to find look-alikes." if can_lower else ""
        return f"No two products are at least {at} similar: no duplicates found.{lower}"

    def show_groups(self, groups: list[list[SearchHit]], min_similarity: float) -> None:
        """Show these groups, found at `min_similarity` (replacing what was shown)."""
        self._idle()
        self.groups, self.min_similarity = sort_groups(groups), min_similarity
        self.threshold_spin.setValue(whole_percent(min_similarity))
        self.intro.setText(self._summary())
        self.tree.clear()
        self._items = {}
        for number, group in enumerate(self.groups, 1):
            kind = "copies of the same photo" if is_copy_group(group) else "look-alikes"
            top = QTreeWidgetItem(self.tree, [f"Group {number} · {kind}: {plural(len(group), 'photo')}", ""])
            top.setFirstColumnSpanned(True)
            for rank, hit in enumerate(group):
                # Members are measured from the group's first photo; "100%" beside it would read as an exact copy.
                product = hit.product if hit.product and hit.product != hit.path else ""
                child = QTreeWidgetItem(top, [hit.path, self._similar_words(rank, hit), product])
                child.setData(0, Qt.ItemDataRole.UserRole, hit.path)
                child.setToolTip(0, hit.path)
                child.setFlags(child.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                child.setCheckState(0, Qt.CheckState.Unchecked)  # nothing is chosen for the owner
                self._items.setdefault(str(self.folder / hit.path), []).append(child)
            top.setExpanded(number <= EXPANDED_GROUPS)
        if self._thumbnails is not None:
            for index in range(min(EXPANDED_GROUPS, self.tree.topLevelItemCount())):
                header = self.tree.topLevelItem(index)
                if header is not None:
                    self._expanded(header)

    @staticmethod
    def _similar_words(rank: int, hit: SearchHit) -> str:
        if not rank:
            return "first photo"
        return "copy (100%)" if hit.similarity >= COPY_SIMILARITY else f"{percent(hit.similarity)} alike"

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
        """Put the list on the clipboard, tab-separated with a header (pastes into a spreadsheet)."""
        QGuiApplication.clipboard().setText(list_csv(self.groups, "\t"))

    def save_list(self) -> None:
        """Save the list to a CSV file with a header."""
        path = self.choose_list_file(self, Path.home() / f"{self.folder.name}-duplicates.csv")
        if path is None:
            return
        try:
            path.write_text(list_csv(self.groups), encoding="utf-8")
        except OSError as exc:
            self.intro.setText(describe(exc, f"Saving {path.name}"))
        else:
            self.intro.setText(f"List saved to {path}. {self._summary()}")

    def ticked(self) -> list[Path]:
        """The photos ticked for moving."""
        found: dict[Path, None] = {}
        for items in self._items.values():
            for item in items:
                if item.checkState(0) == Qt.CheckState.Checked:
                    found[self.folder / item.data(0, Qt.ItemDataRole.UserRole)] = None
        return list(found)

    def move_ticked_to_trash(self) -> None:
        """Move the ticked photos to the system trash, after asking."""
        paths = self.ticked()
        if self._can_move(paths) and self.confirm(self, question("to the trash", paths, self.folder)):
            self._move(lambda report: move_to_trash(paths, report), len(paths), "to the trash")

    def move_ticked_to_folder(self) -> None:
        """Move the ticked photos to a folder the owner chooses (outside the catalogue), after asking."""
        paths = self.ticked()
        if not self._can_move(paths):
            return
        target = self.choose_target_folder(self, self.folder.parent)
        if target is None:
            return
        if target.resolve().is_relative_to(self.folder.resolve()):
            self.intro.setText("Choose a folder outside the catalogue: photos moved inside it are still in it.")
            return
        if self.confirm(self, question(f"to {target}", paths, self.folder)):
            self._move(lambda report: move_to_folder(paths, self.folder, target, report), len(paths), f"to {target}")

    def _move(self, move: Callable[[Report | None], MoveOutcome], count: int, where: str) -> None:
        """Move on the pool (hundreds of files must not freeze the window), the progress line showing it."""
        if self.runner is None:
            self._moved(move(None), where)
            return
        self._moving = True
        self.intro.setText(f"Moving {plural(count, 'photo')} {where}…")
        self.progress.start(JobKind.MOVE)
        self.progress.cancel_button.setEnabled(False)  # half a move is worse than waiting for it
        self.runner.submit_job(lambda ctx: move(ctx.report), owner=self, on_progress=self.progress.update_progress,
                               on_result=lambda outcome: self._moved(outcome, where),
                               on_error=self._move_failed)

    def _move_failed(self, exc: BaseException) -> None:
        self._moving = False
        self.progress.finish()
        self.intro.setText(describe(exc, "Moving the photos"))

    @property
    def is_moving(self) -> bool:
        """True while ticked photos are being moved."""
        return self._moving

    def _can_move(self, paths: list[Path]) -> bool:
        if self._moving:
            self.intro.setText("Please wait: photos are still being moved.")
            return False
        if not paths:
            self.intro.setText("Tick the photos you want to move first (the box before each name).")
        return bool(paths)

    def _moved(self, outcome: MoveOutcome, where: str) -> None:
        """Take moved photos off the list and say what happened."""
        if self._moving:
            self._moving = False
            self.progress.finish()
        for path in outcome.moved:
            for item in self._items.pop(str(path), []):
                parent = item.parent()
                if parent is not None:
                    parent.removeChild(item)
        gone = {p.relative_to(self.folder).as_posix() for p in outcome.moved}
        self.groups = [[h for h in g if h.path not in gone] for g in self.groups]
        text = f"Moved {plural(len(outcome.moved), 'photo')} {where}."
        if outcome.failed:
            path, reason = outcome.failed[0]
            text += f" {plural(len(outcome.failed), 'photo')} could not be moved ({path.name}: {reason})."
        self.intro.setText(text)

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
