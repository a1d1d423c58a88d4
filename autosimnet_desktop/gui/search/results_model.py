"""The result grid's Qt model: a thin adapter over a plain list of SearchHit, best first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QObject, QPersistentModelIndex, Qt, QUrl
from PySide6.QtGui import QPixmap

from autosimnet_desktop.core.records import SearchHit
from autosimnet_desktop.gui.runtime.formatting import file_size, percent
from autosimnet_desktop.gui.runtime.thumbnails import ThumbnailLoader

Index = QModelIndex | QPersistentModelIndex

HIT_ROLE = Qt.ItemDataRole.UserRole + 1  # the SearchHit
PATH_ROLE = Qt.ItemDataRole.UserRole + 2  # absolute Path of the file
CARD_ROLE = Qt.ItemDataRole.UserRole + 5  # a Card: all the delegate paints, in one call

FETCH_BATCH = 60  # rows handed to the view at a time: a huge duplicate list stays cheap to show


@dataclass(frozen=True)
class Card:
    """What one result card shows."""

    path: str  # relative, '/' separators
    name: str
    folder: str  # the folder part of `path` ('' at the top level)
    similarity: float
    pixmap: QPixmap | None
    state: str  # "loading", "ready" or "failed"


class ResultsModel(QAbstractListModel):
    """Search hits above the minimum similarity, with thumbnails from a ThumbnailLoader."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._folder = Path()
        self._all: list[SearchHit] = []
        self._hits: list[SearchHit] = []
        self._shown = 0
        self._min_similarity = 0.0
        self._rows: dict[str, int] = {}
        self._thumbnails: ThumbnailLoader | None = None

    # -- content ---------------------------------------------------------------------------------
    def set_thumbnails(self, loader: ThumbnailLoader | None) -> None:
        """Use `loader` for decorations (one per open catalogue)."""
        if self._thumbnails is not None:
            self._thumbnails.ready.disconnect(self._thumbnail_ready)
        self._thumbnails = loader
        if loader is not None:
            loader.ready.connect(self._thumbnail_ready)

    def set_results(self, folder: Path, hits: list[SearchHit]) -> None:
        """Show `hits` (relative to `folder`), best first."""
        self._folder = Path(folder)
        self._all = sorted(hits, key=lambda h: -h.similarity)
        self._refilter()

    def clear(self) -> None:
        """Show nothing."""
        self._all = []
        self._refilter()

    def set_min_similarity(self, value: float) -> None:
        """Hide hits below `value` (0..1) without asking the catalogue again."""
        self._min_similarity = value
        self._refilter()

    def _refilter(self) -> None:
        self.beginResetModel()
        self._hits = [h for h in self._all if h.similarity >= self._min_similarity]
        self._rows = {str(self._folder / h.path): row for row, h in enumerate(self._hits)}
        self._shown = min(len(self._hits), FETCH_BATCH)
        self.endResetModel()

    @property
    def total_hits(self) -> int:
        """Hits the last query returned, before the similarity filter."""
        return len(self._all)

    @property
    def visible_hits(self) -> int:
        """Hits that pass the similarity filter (some may not be fetched into the view yet)."""
        return len(self._hits)

    def hit(self, row: int) -> SearchHit:
        """The hit shown in `row`."""
        return self._hits[row]

    def row_of(self, relpath: str) -> int | None:
        """The row showing `relpath`, if it is fetched into the view."""
        row = self._rows.get(str(self._folder / relpath))
        return row if row is not None and row < self._shown else None

    def absolute_path(self, row: int) -> Path:
        """The file shown in `row`."""
        return self._folder / self._hits[row].path

    # -- QAbstractListModel ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        """Rows fetched into the view so far."""
        return 0 if parent.isValid() else self._shown

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        """True while filtered hits remain beyond what the view has."""
        return not parent.isValid() and self._shown < len(self._hits)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        """Hand the view the next batch of rows."""
        if parent.isValid():
            return
        more = min(FETCH_BATCH, len(self._hits) - self._shown)
        if more > 0:
            self.beginInsertRows(QModelIndex(), self._shown, self._shown + more - 1)
            self._shown += more
            self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Name, thumbnail, tooltip and the custom roles for one hit."""
        if not index.isValid() or not 0 <= index.row() < self._shown:
            return None
        hit = self._hits[index.row()]
        path = self._folder / hit.path
        if role == CARD_ROLE:
            pixmap = self._thumbnails.pixmap(path) if self._thumbnails else None
            folder, _, name = hit.path.rpartition("/")
            return Card(hit.path, name, folder, hit.similarity, pixmap,
                        "ready" if pixmap is not None else self._state(path))
        if role == Qt.ItemDataRole.DisplayRole:
            return Path(hit.path).name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnails.pixmap(path) if self._thumbnails else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(hit, path)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{Path(hit.path).name}, {percent(hit.similarity)} similar"
        if role == HIT_ROLE:
            return hit
        if role == PATH_ROLE:
            return path
        return None

    def _state(self, path: Path) -> str:
        if self._thumbnails is None:
            return "loading"
        if self._thumbnails.failure(path) is not None:
            return "failed"
        return "ready" if self._thumbnails.details(path) is not None else "loading"

    def _tooltip(self, hit: SearchHit, path: Path) -> str:
        lines = [f"<b>{_escape(hit.path)}</b>", f"{percent(hit.similarity)} similar"]
        details = self._thumbnails.details(path) if self._thumbnails else None
        if details is not None:
            lines.append(f"{details.width} × {details.height} pixels, {file_size(details.file_size)}")
        failure = self._thumbnails.failure(path) if self._thumbnails else None
        if failure:
            lines.append(f"Can't show this file: {_escape(failure)}")
        return "<br>".join(lines)

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Results can be selected and dragged out (to a file manager, or back in as a query)."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        """Dragged results are file URLs."""
        return ["text/uri-list"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """File URLs of the dragged results."""
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(self.absolute_path(i.row()))) for i in indexes if i.isValid()])
        return mime

    def _thumbnail_ready(self, key: str) -> None:
        row = self._rows.get(key)
        if row is not None and row < self._shown:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole, CARD_ROLE,
                                                 Qt.ItemDataRole.ToolTipRole])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
