"""A page that scrolls rather than growing the window's minimum height (short or scaled screens)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QStyle, QWidget


class _VerticalScrollArea(QScrollArea):
    """Scrolls up and down only: always as wide as its content needs, plus the scroll bar."""

    def _width(self) -> int:
        content = self.widget()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return (content.minimumSizeHint().width() if content is not None else 0) + bar + 2 * self.frameWidth()

    def minimumSizeHint(self) -> QSize:
        """The content's width; any height (it scrolls)."""
        return QSize(self._width(), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        """The content's width and its preferred height."""
        content = self.widget()
        height = content.sizeHint().height() if content is not None else 0
        return QSize(self._width(), height)


def scrollable(content: QWidget, parent: QWidget | None = None, horizontal: bool = True) -> QScrollArea:
    """`content` in a frameless scroll area that lets the window be shorter (and narrower) than it.

    `horizontal=False` keeps the content's width: the area is as wide as the content plus a scroll bar.
    """
    area = QScrollArea(parent) if horizontal else _VerticalScrollArea(parent)
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if not horizontal:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
