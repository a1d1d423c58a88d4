"""The result grid: a QListView in icon mode with cards showing thumbnail, similarity and name."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPaintEvent, QPalette, QPixmap, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, \
    QWidget

from autosimnet_desktop.gui.runtime.formatting import percent
from autosimnet_desktop.gui.search.results_model import CARD_ROLE, Card
from autosimnet_desktop.gui.runtime.thumbnails import TILE, make_tile

THUMB = TILE  # logical pixels of the square thumbnail tile
PAD = 8
CARD_CACHE = 100  # drawn cards kept: a few screens of results (~130 KB each, 4x on a HiDPI screen)


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


def paint_count(painter: QPainter, x: int, y: int, photos: int, font: QFont) -> None:
    """A product's photo count ('3 photos') as a dark pill in the tile's top-right corner."""
    text = f"{photos} photos"
    painter.setFont(font)
    metrics = painter.fontMetrics()
    width = metrics.horizontalAdvance(text) + 12
    badge = QRectF(x + THUMB - width - 6, y + 6, width, metrics.height() + 4)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 150))
    painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
    painter.setPen(QColor(255, 255, 255))
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
    """Paints one result card: the thumbnail tile, its similarity and photo-count badges, name and id (or folder).

    The tile is drawn on a pool thread (ThumbnailLoader), and the whole card (tile, badge, name, folder) is
    drawn once into a pixmap that later repaints only blit: one Qt call per card, plus the highlight. Each
    Qt call lets go of the Python interpreter, and while indexing threads compete for it every call can
    cost the GUI thread a wait, so a card drawn call by call would stall the window.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placeholders: dict[tuple[str, float], QPixmap] = {}
        self._cards: OrderedDict[tuple[object, ...], QPixmap] = OrderedDict()  # least recently drawn first
        self.cell_width = 0  # set by the view so the columns fill its width; 0: just the card

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        """Every card has the same size (the view uses uniform item sizes)."""
        card = card_size(option.fontMetrics)
        return QSize(max(card.width(), self.cell_width), card.height())

    def clear_cache(self) -> None:
        """Forget drawn placeholder tiles and cards (palette or screen changed)."""
        self._placeholders.clear()
        self._cards.clear()

    @property
    def cached_cards(self) -> int:
        """How many drawn cards are kept."""
        return len(self._cards)

    def _placeholder(self, state: str, font: QFont, ratio: float) -> QPixmap:
        key = (state, ratio)
        if key not in self._placeholders:
            self._placeholders[key] = placeholder_tile("Can't show\nthis file" if state == "failed" else "…",
                                                       font, ratio)
        return self._placeholders[key]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        """Draw the card for `index` inside option.rect: its highlight, if any, and the card drawn before."""
        card = index.data(CARD_ROLE)
        if not isinstance(card, Card):
            return
        rect = option.rect
        state = option.state
        if state & (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_MouseOver):
            self._highlight(painter, rect, bool(state & QStyle.StateFlag.State_Selected), option.palette)
        x, y = rect.x() + (rect.width() - THUMB) // 2, rect.y() + PAD  # centred in a widened cell
        painter.drawPixmap(x, y, self._card(card, option, painter.device().devicePixelRatioF()))

    @staticmethod
    def _highlight(painter: QPainter, rect: QRect, selected: bool, palette: QPalette) -> None:
        """The rounded backdrop of a selected or hovered card."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
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
        painter.restore()

    def _card(self, card: Card, option: QStyleOptionViewItem, ratio: float) -> QPixmap:
        """The card drawn into a pixmap (tile, badge, name, folder), from the cache when it was drawn before."""
        palette, font, metrics = option.palette, option.font, option.fontMetrics
        key = (card.path, card.name, card.folder, card.photos,
               percent(card.similarity) if card.similarity is not None else "", card.state,
               card.pixmap.cacheKey() if card.pixmap is not None else 0, font.key(), palette.cacheKey(), ratio)
        drawn = self._cards.get(key)
        if drawn is not None:
            self._cards.move_to_end(key)
            return drawn
        line = metrics.height()
        height = THUMB + 4 + 2 * line
        drawn = QPixmap(round(THUMB * ratio), round(height * ratio))
        drawn.setDevicePixelRatio(ratio)
        drawn.fill(Qt.GlobalColor.transparent)
        painter = QPainter(drawn)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.drawPixmap(0, 0, card.pixmap or self._placeholder(card.state, font, ratio))
        if card.similarity is not None:
            paint_badge(painter, 0, 0, card.similarity, font, palette)
        if card.photos > 1:
            paint_count(painter, 0, 0, card.photos, font)
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(QRect(0, THUMB + 4, THUMB, line), Qt.AlignmentFlag.AlignCenter,
                         metrics.elidedText(card.name, Qt.TextElideMode.ElideMiddle, THUMB))
        if card.folder:  # shops often sort photos into folders by category: say which one
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRect(0, THUMB + 4 + line, THUMB, line), Qt.AlignmentFlag.AlignCenter,
                             metrics.elidedText(card.folder, Qt.TextElideMode.ElideLeft, THUMB))
        painter.end()
        self._cards[key] = drawn
        if len(self._cards) > CARD_CACHE:
            self._cards.popitem(last=False)
        return drawn


class ResultsView(QListView):
    """Icon-mode grid of result cards with a centred hint when there is nothing to show."""

    open_requested = Signal(QModelIndex)  # double-click, Ctrl+Enter
    find_similar_requested = Signal(QModelIndex)  # Enter

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

    def resizeEvent(self, event: QResizeEvent) -> None:
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

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter finds products similar to the current result; Ctrl+Enter opens it, like a double-click."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.open_requested.emit(self.currentIndex())
            else:
                self.find_similar_requested.emit(self.currentIndex())
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
