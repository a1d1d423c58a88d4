"""The first-run page: open your catalogue folder, try the sample, or pick a recent catalogue."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QIcon, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomePage(QWidget):
    """A calm centred column of big choices for someone who has never used the app."""

    open_folder_clicked = Signal()
    sample_clicked = Signal()
    recent_clicked = Signal(Path)

    def __init__(self, icon: QIcon, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        logo = QLabel(self)
        logo.setPixmap(icon.pixmap(QSize(96, 96)))
        logo.setFixedSize(96, 96)
        title = QLabel("Find similar products in your own photos", self)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setWordWrap(True)
        subtitle = QLabel("Point AutoSimNet at the folder with your product photos, then drop any photo on the "
                          "window to see the most similar products you have. Everything stays on this "
                          "computer.", self)
        subtitle.setWordWrap(True)
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.open_button = QPushButton("Open your catalogue folder…", self)
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.open_folder_clicked)
        self.sample_button = QPushButton("Try the sample catalogue", self)
        self.sample_button.clicked.connect(self.sample_clicked)
        for button in (self.open_button, self.sample_button):
            big = QFont(button.font())
            big.setPointSizeF(big.pointSizeF() * 1.15)
            button.setFont(big)
            button.setMinimumHeight(44)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
        hint = QLabel("You can also drag a folder onto this window.", self)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self._recent_title = QLabel("Recent catalogues", self)
        bold = QFont(self._recent_title.font())
        bold.setBold(True)
        self._recent_title.setFont(bold)
        self._recent_box = QVBoxLayout()
        self._recent_box.setSpacing(2)

        column = QFrame(self)
        column.setFixedWidth(540)  # wrapped labels need a definite width to know their height
        inner = QVBoxLayout(column)
        inner.setSpacing(14)
        inner.addWidget(logo, 0, Qt.AlignmentFlag.AlignHCenter)
        inner.addWidget(title)
        inner.addWidget(subtitle)
        inner.addSpacing(10)
        inner.addWidget(self.open_button)
        inner.addWidget(self.sample_button)
        inner.addWidget(hint)
        inner.addSpacing(10)
        inner.addWidget(self._recent_title)
        inner.addLayout(self._recent_box)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(column, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.set_recent([])

    def set_recent(self, folders: list[Path]) -> None:
        """List recent catalogue folders as buttons (the section hides when there are none)."""
        while self._recent_box.count():
            item = self._recent_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for folder in folders:
            button = QPushButton(f"{folder.name or folder}    —    {folder.parent}", self)
            button.setFlat(True)
            button.setToolTip(str(folder))
            button.setStyleSheet("text-align: left; padding: 6px 8px;")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, f=folder: self.recent_clicked.emit(f))
            self._recent_box.addWidget(button)
        self._recent_title.setVisible(bool(folders))
