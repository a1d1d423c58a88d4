"""The grid's Qt model: a thin adapter over a plain list of ResultItem, best first, or the catalogue's own
products fetched a page at a time while browsing (like PySide6's fetchmore example, the pages asked of the pool)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QObject, QPersistentModelIndex, Qt, QUrl
from PySide6.QtGui import QPixmap

from autosimnet_desktop.core.products.records import ProductPage
from autosimnet_desktop.gui.runtime.formatting import file_size, percent, plural
from autosimnet_desktop.gui.runtime.thumbnails import ThumbnailLoader
from autosimnet_desktop.gui.search.result_item import ResultItem

Index = QModelIndex | QPersistentModelIndex

HIT_ROLE = Qt.ItemDataRole.UserRole + 1  # the ResultItem
PATH_ROLE = Qt.ItemDataRole.UserRole + 2  # absolute Path of the file
CARD_ROLE = Qt.ItemDataRole.UserRole + 5  # a Card: all the delegate paints, in one call

FETCH_BATCH = 60  # rows handed to the view at a time: a huge duplicate list stays cheap to show
BROWSE_PAGE = 120  # products asked of the catalogue at a time while browsing
PageFetcher = Callable[[int, int, Callable[[ProductPage], None]], None]  # offset, limit, deliver (GUI thread)


@dataclass(frozen=True)
class Card:
    """What one result card shows."""

    path: str  # relative, '/' separators
    name: str  # the product's name, else its id, else the file name
    folder: str  # the second line: the product id under a name, else the photo's folder
    similarity: float | None  # None while browsing: no badge
    pixmap: QPixmap | None
    state: str  # "loading", "ready" or "failed"
    photos: int = 1  # the product's photos: a badge when more than one


class ResultsModel(QAbstractListModel):
    """Search results above the minimum similarity, or the browsed products, with thumbnails."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._folder = Path()
        self._all: list[ResultItem] = []
        self._hits: list[ResultItem] = []
        self._fetch: PageFetcher | None = None  # set while browsing
        self._browse_total: int | None = None  # products the listing holds (None: not asked yet)
        self._asking = False
        self._generation = 0
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

    def set_results(self, folder: Path, hits: Sequence[ResultItem]) -> None:
        """Show `hits` (relative to `folder`), best first."""
        self._stop_browsing()
        self._folder = Path(folder)
        self._all = sorted(hits, key=lambda h: -(h.similarity or 0.0))
        self._refilter()

    def clear(self) -> None:
        """Show nothing."""
        self._stop_browsing()
        self._all = []
        self._refilter()

    # -- browsing: the catalogue's own products, a page at a time -------------------------------
    @property
    def browsing(self) -> bool:
        """True while the grid lists the catalogue's products rather than search results."""
        return self._fetch is not None

    @property
    def browse_total(self) -> int | None:
        """How many products the listing holds (None until the first page came)."""
        return self._browse_total

    def browse(self, folder: Path, fetch: PageFetcher) -> None:
        """List the products `fetch` pages through (a new filter or order starts again from the top)."""
        self._stop_browsing()
        self._folder, self._fetch = Path(folder), fetch
        self.beginResetModel()
        self._all, self._hits, self._rows, self._shown = [], [], {}, 0
        self.endResetModel()
        self._ask(0, BROWSE_PAGE)

    def refresh_browsing(self) -> None:
        """The catalogue changed: ask again for the products shown so far, keeping the rows that stay."""
        if self._fetch is not None and not self._asking:
            self._ask(0, max(BROWSE_PAGE, self._shown))

    def _stop_browsing(self) -> None:
        self._fetch, self._browse_total, self._asking = None, None, False
        self._generation += 1

    def _ask(self, offset: int, limit: int) -> None:
        assert self._fetch is not None
        self._asking = True
        generation = self._generation
        self._fetch(offset, limit, lambda page: self._page_arrived(generation, offset, page))

    def _page_arrived(self, generation: int, offset: int, page: ProductPage) -> None:
        if generation != self._generation or self._fetch is None:
            return  # another listing (or a search) replaced the one this page was for
        self._asking = False
        self._browse_total = page.total
        items = [ResultItem.from_product(p) for p in page.products if p.photos]
        if offset == 0 and self._shown and items[:self._shown] != self._hits[:self._shown]:
            self.beginResetModel()  # the catalogue changed under the rows shown: show the new ones
            self._hits, self._shown = [], 0
            self.endResetModel()
        new = items[self._shown - offset:] if offset <= self._shown else []
        if new:
            self.beginInsertRows(QModelIndex(), self._shown, self._shown + len(new) - 1)
            self._hits.extend(new)
            self._all = self._hits
            self._shown = len(self._hits)
            self._rows = {str(self._folder / h.path): row for row, h in enumerate(self._hits)}
            self.endInsertRows()

    def set_min_similarity(self, value: float) -> None:
        """Hide hits below `value` (0..1) without asking the catalogue again."""
        self._min_similarity = value
        if not self.browsing:
            self._refilter()

    def _refilter(self) -> None:
        self.beginResetModel()
        self._hits = [h for h in self._all if (h.similarity or 0.0) >= self._min_similarity]
        self._rows = {str(self._folder / h.path): row for row, h in enumerate(self._hits)}
        self._shown = min(len(self._hits), FETCH_BATCH)
        self.endResetModel()

    @property
    def folder(self) -> Path:
        """The catalogue folder the rows' paths are relative to."""
        return self._folder

    @property
    def total_hits(self) -> int:
        """Hits the last query returned, before the similarity filter."""
        return len(self._all)

    @property
    def visible_hits(self) -> int:
        """Hits that pass the similarity filter (some may not be fetched into the view yet)."""
        return len(self._hits)

    def hit(self, row: int) -> ResultItem:
        """The hit shown in `row`."""
        return self._hits[row]

    def row_of(self, relpath: str) -> int | None:
        """The row showing `relpath`, if it is fetched into the view."""
        row = self._rows.get(str(self._folder / relpath))
        return row if row is not None and row < self._shown else None

    def row_of_product(self, product: str) -> int | None:
        """The row showing `product`, if it is fetched into the view."""
        return next((row for row, h in enumerate(self._hits[:self._shown]) if h.product == product), None)

    def absolute_path(self, row: int) -> Path:
        """The file shown in `row`."""
        return self._folder / self._hits[row].path

    # -- QAbstractListModel ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        """Rows fetched into the view so far."""
        return 0 if parent.isValid() else self._shown

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        """True while filtered hits (or, browsing, products of the listing) remain beyond what the view has."""
        if parent.isValid():
            return False
        if self._fetch is not None:
            return not self._asking and self._browse_total is not None and self._shown < self._browse_total
        return self._shown < len(self._hits)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        """Hand the view the next batch of rows (browsing: ask the catalogue for the next page)."""
        if parent.isValid():
            return
        if self._fetch is not None:
            if self.canFetchMore(parent):
                self._ask(self._shown, BROWSE_PAGE)
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
            return Card(hit.path, hit.title, hit.subtitle, hit.similarity, pixmap,
                        "ready" if pixmap is not None else self._state(path), hit.photos)
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.title
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnails.pixmap(path) if self._thumbnails else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(hit, path)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return hit.title + (f", {percent(hit.similarity)} similar" if hit.similarity is not None else "")
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

    def _tooltip(self, hit: ResultItem, path: Path) -> str:
        lines = [f"<b>{_escape(hit.title)}</b>"]
        if not hit.id_is_path:
            lines.append(f"Product {_escape(hit.product)}" + (f" · {_escape(hit.category)}" if hit.category else "")
                         + (f" · {plural(hit.photos, 'photo')}" if hit.photos > 1 else ""))
        lines.append(_escape(hit.path))
        if hit.similarity is not None:
            lines.append(f"{percent(hit.similarity)} similar")
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
