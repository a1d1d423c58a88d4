"""Read drops and pastes: a folder opens a catalogue; a file, image data or image URL makes a query."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QDropEvent, QImage

from autosimnet_desktop.gui.runtime.fetch import is_web_url
from autosimnet_desktop.gui.search.sources import QuerySource

# Encoded image formats we take as raw bytes, so Pillow (not Qt) decodes them on a pool thread.
_IMAGE_MIME = ("image/png", "image/jpeg", "image/webp", "image/gif", "image/bmp", "image/tiff")
_IMG_SRC = re.compile(r"""<img[^>]+src\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass(frozen=True)
class OpenFolder:
    """A dropped or pasted folder: open it as the catalogue."""

    path: Path


Dropped = QuerySource | OpenFolder


def _local_path(mime: QMimeData) -> Path | None:
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile():
            return Path(url.toLocalFile())
    return None


def _web_url(mime: QMimeData) -> str | None:
    for url in mime.urls():
        if url.scheme() in ("http", "https"):
            return bytes(url.toEncoded().data()).decode("ascii")  # keep %20 and friends as the server wants
    if mime.hasHtml():
        # Chrome and Firefox put the <img> of a dragged picture in text/html.
        match = _IMG_SRC.search(mime.html())
        if match and is_web_url(match.group(1)):
            return match.group(1)
    if mime.hasText() and is_web_url(mime.text().strip().splitlines()[0] if mime.text().strip() else ""):
        return mime.text().strip().splitlines()[0]
    return None


def interpret(mime: QMimeData, origin: str = "Dropped") -> Dropped | None:
    """What a drop or paste means; None when it holds nothing usable. `origin` names the image."""
    local = _local_path(mime)
    if local is not None:
        return OpenFolder(local) if local.is_dir() else QuerySource.file(local)
    for fmt in _IMAGE_MIME:
        if mime.hasFormat(fmt):
            data = bytes(mime.data(fmt).data())
            if data:
                return QuerySource.raw(data, f"{origin} image")
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            return QuerySource.qimage(image, f"{origin} image")
    url = _web_url(mime)
    if url is not None:
        return QuerySource.web(url)
    return None


def acceptable(mime: QMimeData) -> bool:
    """Cheap check for drag-enter: could this drop be used (without touching the disk)?"""
    if any(u.isLocalFile() or u.scheme() in ("http", "https") for u in mime.urls()):
        return True
    if mime.hasImage() or any(mime.hasFormat(f) for f in _IMAGE_MIME):
        return True
    return mime.hasText() and is_web_url(mime.text().strip().split("\n")[0]) or mime.hasHtml()


def copy_action(event: QDropEvent) -> Qt.DropAction | None:
    """Copy (else Link) when the drag source offers it; None when it offers only Move.

    The app reads a dropped file and never keeps it: a Move answer would let a file manager that takes
    it literally delete the original.
    """
    for action in (Qt.DropAction.CopyAction, Qt.DropAction.LinkAction):
        if event.possibleActions() & action:
            return action
    return None


def accept_as_copy(event: QDropEvent) -> None:
    """Accept a drag or drop as a copy (or link), whatever action was proposed; refuse a move-only drag."""
    action = copy_action(event)
    if action is None:
        event.ignore()
        return
    event.setDropAction(action)
    event.accept()
