"""Drops and pastes on the main window: a folder opens a catalogue, an image (file, data, URL) is searched for."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QMainWindow

from autosimnet_desktop.gui.message_bar import MessageBar
from autosimnet_desktop.gui.runtime.mime import OpenFolder, accept_as_copy, acceptable, copy_action, interpret
from autosimnet_desktop.gui.search.sources import QuerySource


class DropsAndPastes(QMainWindow):
    """The window's drag-and-drop handlers and Paste; the window supplies open_folder, query and messages."""

    messages: MessageBar

    def open_folder(self, folder: Path) -> None:
        """Open `folder` as the catalogue (the window's)."""
        raise NotImplementedError

    def query(self, source: QuerySource, remember: bool = True) -> None:
        """Search for `source` (the window's)."""
        raise NotImplementedError

    def paste(self) -> None:
        """Search for the image, image file or image URL on the clipboard."""
        self.handle_mime(QGuiApplication.clipboard().mimeData(), "Pasted")

    def handle_mime(self, mime: QMimeData | None, origin: str) -> bool:
        """Act on dropped or pasted data; False (with a message) when it holds nothing usable."""
        meaning = interpret(mime, origin) if mime is not None else None
        if isinstance(meaning, OpenFolder):
            self.open_folder(meaning.path)
        elif isinstance(meaning, QuerySource):
            self.query(meaning)
        else:
            self.messages.show_message("There is no image on the clipboard: copy a photo or an image file first."
                                       if origin == "Pasted" else "That can't be used: drop a photo, an image "
                                       "file or a folder.", "info")
            return False
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept photos, image URLs and folders (as a copy: see accept_as_copy)."""
        if acceptable(event.mimeData()):
            accept_as_copy(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Keep accepting while the drag moves over child widgets."""
        if acceptable(event.mimeData()):
            accept_as_copy(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Open a dropped folder or search for a dropped image."""
        if copy_action(event) is not None and self.handle_mime(event.mimeData(), "Dropped"):
            accept_as_copy(event)

