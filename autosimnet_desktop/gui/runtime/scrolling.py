"""A page that scrolls rather than growing the window's minimum height (short or scaled screens)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QStyle, QWidget


def scrollable(content: QWidget, parent: QWidget | None = None, horizontal: bool = True) -> QScrollArea:
    """`content` in a frameless scroll area that lets the window be shorter (and narrower) than it.

    `horizontal=False` keeps the content's width: the area is as wide as the content plus a scroll bar.
    """
    area = QScrollArea(parent)
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    if not horizontal:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar = area.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        area.setMinimumWidth(content.minimumSizeHint().width() + bar)
    return area
