"""The result grid: a QListView in icon mode with cards showing thumbnail, similarity and name."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, \
    QWidget

from .formatting import percent
from .results_model import SIMILARITY_ROLE, STATE_ROLE

THUMB = 160  # logical pixels of the square thumbnail area
PAD = 8


class ResultDelegate(QStyledItemDelegate):
    """Paints one result card: rounded thumbnail, a similarity badge and the file name."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        """Every card has the same size (the view uses uniform item sizes)."""
        line = option.fontMetrics.height()
        return QSize(THUMB + 2 * PAD, THUMB + 2 * PAD + line + 6)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        """Draw the card for `index` inside option.rect."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        palette = option.palette
        card = QRectF(option.rect).adjusted(2, 2, -2, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected:
            fill = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill.setAlpha(60)
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(fill)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase if hovered else QPalette.ColorRole.Base))
        painter.drawRoundedRect(card, 8, 8)

        area = QRect(option.rect.x() + PAD, option.rect.y() + PAD, THUMB, THUMB)
        self._paint_thumbnail(painter, area, index, palette)
        painter.save()
        self._paint_badge(painter, area, index.data(SIMILARITY_ROLE) or 0.0, palette)
        painter.restore()

        text_rect = QRect(option.rect.x() + PAD, area.bottom() + 4, THUMB, option.fontMetrics.height() + 2)
        name = option.fontMetrics.elidedText(str(index.data() or ""), Qt.TextElideMode.ElideMiddle, THUMB)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, name)
        if option.state & QStyle.StateFlag.State_HasFocus and selected:
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(card.adjusted(1, 1, -1, -1), 7, 7)
        painter.restore()

    @staticmethod
    def _paint_thumbnail(painter: QPainter, area: QRect, index: QModelIndex | QPersistentModelIndex,
                         palette: QPalette) -> None:
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(area), 6, 6)
        painter.save()
        painter.setClipPath(clip)
        # Product photos are shot on white: a white tile keeps letterboxed ones looking natural.
        painter.fillRect(area, QColor("white"))
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            size = pixmap.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(area.center())
            painter.drawPixmap(target, pixmap)
        else:
            failed = index.data(STATE_ROLE) == "failed"
            painter.setPen(QColor(150, 150, 150))
            font = QFont(painter.font())
            font.setPointSizeF(font.pointSizeF() * 0.9)
            painter.setFont(font)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "Can't show\nthis file" if failed else "…")
        painter.restore()
        painter.setPen(QColor(0, 0, 0, 30))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(area).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)

    @staticmethod
    def _paint_badge(painter: QPainter, area: QRect, similarity: float, palette: QPalette) -> None:
        text = percent(similarity)
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        badge = QRectF(area.x() + 6, area.y() + 6, metrics.horizontalAdvance(text) + 14, metrics.height() + 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
        painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)


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

    def set_placeholder(self, text: str) -> None:
        """The hint shown in the empty grid ('' for none)."""
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
