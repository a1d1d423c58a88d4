"""The 'Find duplicates' result: groups of near-identical products, with thumbnails."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QAbstractItemView, QDialog, QLabel, QTreeWidget, QTreeWidgetItem, QWidget

from ..core.records import SearchHit
from .dialogs import lay_out_list_dialog
from .formatting import percent, plural
from .system import Desktop
from .thumbnails import ThumbnailLoader

ICON = 56


class DuplicatesDialog(QDialog):
    """One collapsible group per set of look-alikes; double-click opens a file, a button reveals it."""

    def __init__(self, folder: Path, groups: list[list[SearchHit]], min_similarity: float,
                 thumbnails: ThumbnailLoader | None, desktop: Desktop, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Duplicate products")
        self.folder = folder
        self.groups = groups
        self._desktop = desktop
        self._thumbnails = thumbnails
        self._items: dict[str, list[QTreeWidgetItem]] = {}
        photos = sum(len(g) for g in groups)
        text = (f"{plural(len(groups), 'group')} of look-alike products ({plural(photos, 'photo')}) at "
                f"{percent(min_similarity)} similarity or more." if groups else
                f"No products are {percent(min_similarity)} similar or more to each other: no duplicates found.")
        intro = QLabel(text, self)
        intro.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Product", "Similarity"])
        self.tree.setIconSize(QSize(ICON, ICON))
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemDoubleClicked.connect(self._open)
        for number, group in enumerate(groups, 1):
            top = QTreeWidgetItem(self.tree, [f"Group {number}: {plural(len(group), 'photo')}", ""])
            top.setFirstColumnSpanned(True)
            for hit in group:
                child = QTreeWidgetItem(top, [hit.path, percent(hit.similarity)])
                child.setData(0, Qt.ItemDataRole.UserRole, hit.path)
                child.setToolTip(0, hit.path)
                self._items.setdefault(str(folder / hit.path), []).append(child)
            top.setExpanded(number <= 50)  # expanding thousands of groups would ask for thousands of thumbnails
        self.tree.header().setStretchLastSection(False)
        self.tree.setColumnWidth(0, 520)
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)
            self.tree.itemExpanded.connect(self._expanded)
            for index in range(min(50, self.tree.topLevelItemCount())):
                self._expanded(self.tree.topLevelItem(index))
        lay_out_list_dialog(self, intro, self.tree, [("Show in folder", self._reveal), ("Copy list", self.copy_list)])
        self.resize(760, 560)

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
            self._desktop.show_in_folder(path)

    def copy_list(self) -> None:
        """Put 'group<TAB>path<TAB>similarity' lines on the clipboard."""
        lines = [f"{n}\t{hit.path}\t{hit.similarity:.4f}" for n, group in enumerate(self.groups, 1) for hit in group]
        QGuiApplication.clipboard().setText("\n".join(lines))

    def _expanded(self, top: QTreeWidgetItem) -> None:
        for index in range(top.childCount()):
            self._thumbnail_ready(str(self.folder / top.child(index).data(0, Qt.ItemDataRole.UserRole)))

    def _thumbnail_ready(self, key: str) -> None:
        items = self._items.get(key)
        if not items or self._thumbnails is None or not items[0].parent().isExpanded():
            return
        pixmap = self._thumbnails.pixmap(Path(key))
        if pixmap is not None:
            for item in items:
                item.setIcon(0, QIcon(pixmap))
