"""The result grid: a QListView in icon mode with cards showing thumbnail, similarity and name."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, \
    QWidget

from .formatting import percent
from .results_model import CARD_ROLE, Card
from .thumbnails import TILE, make_tile

THUMB = TILE  # logical pixels of the square thumbnail tile
PAD = 8


def card_size(metrics: QFontMetrics) -> QSize:
    """Thumbnail, padding and two lines of text (file name, folder)."""
    return QSize(THUMB + 2 * PAD, THUMB + 2 * PAD + 2 * metrics.height() + 6)


def paint_badge(painter: QPainter, x: int, y: int, similarity: float, font: QFont, palette: QPalette) -> None:
    """The similarity as a pill in the tile's top-left corner."""
    text = percent(similarity)
    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    metrics = painter.fontMetrics()
    badge = QRectF(x + 6, y + 6, metrics.horizontalAdvance(text) + 14, metrics.height() + 4)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
    painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
    painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)


def placeholder_tile(text: str, font: QFont, ratio: float) -> QPixmap:
    """The tile shown while a thumbnail loads ('…') or when it cannot be made."""
    tile = make_tile(None, ratio)
    painter = QPainter(tile)
    painter.setPen(QColor(150, 150, 150))
    painter.setFont(font)
    painter.drawText(QRectF(0, 0, THUMB, THUMB), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return QPixmap.fromImage(tile)


class ResultDelegate(QStyledItemDelegate):
    """Paints one result card: the thumbnail tile, its similarity badge and the file name.

    The tile is drawn on a pool thread (ThumbnailLoader), so a repaint is a handful of Qt calls per card
    and stays smooth while indexing threads compete for the Python interpreter.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placeholders: dict[tuple[str, float], QPixmap] = {}
        self.cell_width = 0  # set by the view so the columns fill its width; 0: just the card

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        """Every card has the same size (the view uses uniform item sizes)."""
        card = card_size(option.fontMetrics)
        return QSize(max(card.width(), self.cell_width), card.height())

    def clear_cache(self) -> None:
        """Forget drawn placeholder tiles (palette or screen changed)."""
        self._placeholders.clear()

    def _placeholder(self, state: str, font: QFont, ratio: float) -> QPixmap:
        key = (state, ratio)
        if key not in self._placeholders:
            self._placeholders[key] = placeholder_tile("Can't show\nthis file" if state == "failed" else "…",
                                                       font, ratio)
        return self._placeholders[key]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        """Draw the card for `index` inside option.rect: a few Qt calls, the tile itself was drawn off-thread."""
        card = index.data(CARD_ROLE)
        if not isinstance(card, Card):
            return
        palette = option.palette
        rect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected or option.state & QStyle.StateFlag.State_MouseOver:
            if selected:
                fill = QColor(palette.color(QPalette.ColorRole.Highlight))
                fill.setAlpha(60)
                painter.setPen(palette.color(QPalette.ColorRole.Highlight))
                painter.setBrush(fill)
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
            inset = (rect.width() - THUMB) // 2 - PAD + 2
            painter.drawRoundedRect(QRectF(rect).adjusted(inset, 2, -inset, -2), 8, 8)
        tile = card.pixmap or self._placeholder(card.state, option.font, painter.device().devicePixelRatioF())
        x, y = rect.x() + (rect.width() - THUMB) // 2, rect.y() + PAD  # centred in a widened cell
        painter.drawPixmap(x, y, tile)
        paint_badge(painter, x, y, card.similarity, option.font, palette)
        painter.setFont(option.font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        line = option.fontMetrics.height()
        painter.drawText(QRect(x, y + THUMB + 4, THUMB, line), Qt.AlignmentFlag.AlignCenter,
                         option.fontMetrics.elidedText(card.name, Qt.TextElideMode.ElideMiddle, THUMB))
        if card.folder:  # shops often sort photos into folders by category: say which one
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRect(x, y + THUMB + 4 + line, THUMB, line), Qt.AlignmentFlag.AlignCenter,
                             option.fontMetrics.elidedText(card.folder, Qt.TextElideMode.ElideLeft, THUMB))
        painter.restore()


class ResultsView(QListView):
    """Icon-mode grid of result cards with a centred hint when there is nothing to show."""

    open_requested = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setSpacing(6)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setMouseTracking(True)  # hover highlight on cards
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setItemDelegate(ResultDelegate(self))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.doubleClicked.connect(self.open_requested)
        self._placeholder = ""

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # QResizeEvent
        """Spread the columns over the full width instead of leaving a ragged gap on the right."""
        super().resizeEvent(event)
        self._fit_grid()

    def _fit_grid(self) -> None:
        delegate = self.itemDelegate()
        if not isinstance(delegate, ResultDelegate):
            return
        card = card_size(self.fontMetrics()).width()
        # Icon mode lays items out as (width + spacing) after a leading spacing, keeping room for the
        # scroll bar; widen the cells so the columns fill the width instead of leaving a ragged gap.
        extent = 0 if self.verticalScrollBar().isVisible() else \
            self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        available = self.viewport().width() - self.spacing() - extent - 1
        columns = max(1, available // (card + self.spacing()))
        width = max(card, available // columns - self.spacing())
        if width != delegate.cell_width:
            delegate.cell_width = width
            self.scheduleDelayedItemsLayout()

    def changeEvent(self, event: QEvent) -> None:
        """Redraw cached tiles in the new colours when the system palette (light/dark) changes."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            delegate = self.itemDelegate()
            if isinstance(delegate, ResultDelegate):
                delegate.clear_cache()
        super().changeEvent(event)

    def set_placeholder(self, text: str) -> None:
        """The hint shown in the empty grid ('' for none)."""
        if text != self._placeholder:  # a repaint of the whole grid is not free while indexing runs
            self._placeholder = text
            self.viewport().update()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # QKeyEvent
        """Enter opens the current result, like a double-click."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_requested.emit(self.currentIndex())
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint the cards, or the placeholder hint when the grid is empty."""
        super().paintEvent(event)
        model = self.model()
        if self._placeholder and (model is None or model.rowCount() == 0):
            painter = QPainter(self.viewport())
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 1.25)
            painter.setFont(font)
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            rect = self.viewport().rect().adjusted(40, 40, -40, -40)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
