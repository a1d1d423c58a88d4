"""An in-window message strip (info, warning, error) with an optional action: errors never pop a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QToolButton, QWidget

# (light background, light border, light text, dark background, dark border, dark text)
_COLOURS = {
    "info": ("#e8f1fb", "#b6d3f2", "#0b3a66", "#17324d", "#2c5a88", "#d6e8fa"),
    "warning": ("#fff4e0", "#f3d199", "#5c3b00", "#4a3712", "#87652a", "#fbe6bf"),
    "error": ("#fdecea", "#f2b8b5", "#6b1a15", "#4d1f1f", "#8c3a3a", "#fbd5d2"),
}
_ICONS = {
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
}


class MessageBar(QFrame):
    """Shows one message at a time; info messages fade out by themselves, errors stay until closed.

    It floats over the foot of its parent (it is in no layout): showing or hiding it moves nothing, so a
    click never lands on a control that has just jumped.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBar")
        self.level = "info"
        self._icon = QLabel(self)
        self._text = QLabel(self)
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._action = QPushButton(self)
        self._action.hide()
        self._action.clicked.connect(self._run_action)
        self._close = QToolButton(self)
        self._close.setText("✕")
        self._close.setAutoRaise(True)
        self._close.setToolTip("Dismiss")
        self._close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        layout.addWidget(self._action)
        layout.addWidget(self._close)
        self._callback: Callable[[], None] | None = None
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.hide)
        self.setAutoFillBackground(True)
        if parent is not None:
            parent.installEventFilter(self)
        self.hide()

    @property
    def text(self) -> str:
        """The message now shown ('' when hidden)."""
        return "" if self.isHidden() else self._text.text()

    def show_message(self, text: str, level: str = "info", action: str = "",
                     callback: Callable[[], None] | None = None, timeout_ms: int | None = None) -> None:
        """Show `text`; an `action` button runs `callback`. Info messages hide after `timeout_ms`."""
        self.level = level
        self._text.setText(text)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self._icon.setPixmap(self.style().standardIcon(_ICONS[level]).pixmap(size, size))
        self._callback = callback
        self._action.setText(action)
        self._action.setVisible(bool(action and callback))
        self._apply_colours()
        self.show()
        self.place()
        self.raise_()
        if timeout_ms is None:
            timeout_ms = 8000 if level == "info" and not action else 0
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def show_path(self, text: str, path: Path, level: str = "warning") -> None:
        """Show `text` about a file, with a button that copies its full path (to paste into a file manager)."""
        self.show_message(text, level, "Copy path", lambda: QGuiApplication.clipboard().setText(str(path)))

    def place(self) -> None:
        """Span the parent's width at its foot, as tall as the wrapped text needs."""
        parent = self.parentWidget()
        if parent is None:
            return
        margin = 8
        width = max(100, parent.width() - 2 * margin)
        layout = self.layout()
        height = layout.heightForWidth(width) if layout is not None and layout.hasHeightForWidth() else -1
        height = height if height > 0 else self.sizeHint().height()  # the size hint wraps at a narrow width
        self.setGeometry(margin, max(0, parent.height() - height - margin), width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follow the parent's size."""
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and not self.isHidden():
            self.place()
        return False

    def clear(self, level: str | None = None) -> None:
        """Hide the message (only if it has `level`, when given)."""
        if level is None or self.level == level:
            self.hide()

    def _run_action(self) -> None:
        callback = self._callback
        self.hide()
        if callback is not None:
            callback()

    def _apply_colours(self) -> None:
        light_bg, light_border, light_text, dark_bg, dark_border, dark_text = _COLOURS[self.level]
        dark = self.palette().window().color().lightness() < 128  # follow the system's dark mode
        bg, border, text = (dark_bg, dark_border, dark_text) if dark else (light_bg, light_border, light_text)
        sheet = (f"#MessageBar {{ background: {bg}; border: 1px solid {border}; border-radius: 6px; }}"
                 f"#MessageBar QLabel {{ color: {text}; background: transparent; }}")
        if sheet != self.styleSheet():  # setting a style sheet sends a palette change of its own
            self.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:
        """Re-colour when the system switches between light and dark."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_colours()
        super().changeEvent(event)
