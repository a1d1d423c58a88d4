"""Icons: the app icon from the shipped PNG sizes, action icons from the desktop theme or Qt's own set."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from autosimnet_desktop.locations import resource_path

APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """The AutoSimNet icon with every shipped size (so Qt never has to scale a tiny one up)."""
    icon = QIcon()
    for size in APP_ICON_SIZES:
        path = resource_path("icons", f"autosimnet-{size}.png")
        if path.is_file():
            icon.addFile(str(path))
    return icon


def themed(name: str, fallback: QStyle.StandardPixmap) -> QIcon:
    """The freedesktop theme icon `name`, or a Qt standard icon where no theme has it (Windows, macOS)."""
    icon = QIcon.fromTheme(name)
    if icon.isNull():
        icon = QApplication.style().standardIcon(fallback)
    return icon
