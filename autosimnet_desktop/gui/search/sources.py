"""What a query is made from (a file, pasted or dropped image data, a web URL, a catalogue item) and
how a pool thread turns it into the catalogue's input plus a preview image."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QImageWriter

from autosimnet_desktop.gui.runtime.fetch import fetch_image
from autosimnet_desktop.gui.runtime.thumbnails import decode_preview

PREVIEW_SIZE = 720  # the query image shown large in the side panel


@dataclass(frozen=True, eq=False)
class QuerySource:
    """One query input; exactly one of path/data/image/url/relpath is set (by `kind`)."""

    kind: str  # "file", "data", "image", "url" or "catalogue" (a product of the catalogue)
    name: str  # what the window calls it
    path: Path | None = None
    data: bytes | None = None
    image: QImage | None = field(default=None, repr=False)
    url: str | None = None
    relpath: str | None = None  # for "catalogue": the photo shown for the product
    product: str | None = None  # for "catalogue": the product to find similar products of (with all its photos)

    @classmethod
    def file(cls, path: Path) -> "QuerySource":
        """An image file on disk."""
        return cls("file", Path(path).name, path=Path(path))

    @classmethod
    def raw(cls, data: bytes, name: str = "Dropped image") -> "QuerySource":
        """Encoded image bytes (PNG, JPEG...) from a drop or the clipboard."""
        return cls("data", name, data=bytes(data))

    @classmethod
    def qimage(cls, image: QImage, name: str = "Pasted image") -> "QuerySource":
        """An image Qt already decoded (clipboard or drag from another app)."""
        return cls("image", name, image=QImage(image))

    @classmethod
    def web(cls, url: str) -> "QuerySource":
        """An http(s) image address dragged out of a browser."""
        tail = PurePosixPath(unquote(urlparse(url).path)).name
        return cls("url", tail or urlparse(url).netloc, url=url)

    @classmethod
    def item(cls, product: str, photo: str, name: str = "") -> "QuerySource":
        """A catalogue product shown by `photo`: 'Find similar' browses from product to product."""
        return cls("catalogue", name or (PurePosixPath(photo).name if product == photo else product),
                   relpath=photo, product=product)


@dataclass(frozen=True)
class Prepared:
    """A source made ready on a pool thread: what to give Catalogue.query and what to show."""

    query_input: Path | bytes | None  # None for a catalogue item (use similar_to)
    preview: QImage
    width: int
    height: int


def _qimage_png(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    QImageWriter(buffer, QByteArray(b"PNG")).write(image)  # QImage.save's stubs and runtime disagree on the format type
    return bytes(QByteArray(buffer.data()).data())


def prepare(source: QuerySource, folder: Path) -> Prepared:
    """Fetch and decode `source` (call on a pool thread); raises ImageError, FetchError or OSError."""
    if source.kind == "catalogue":
        assert source.relpath is not None
        preview, width, height = decode_preview(folder / source.relpath, PREVIEW_SIZE)
        return Prepared(None, preview, width, height)
    if source.kind == "file":
        assert source.path is not None
        preview, width, height = decode_preview(source.path, PREVIEW_SIZE)
        return Prepared(source.path, preview, width, height)
    if source.kind == "url":
        assert source.url is not None
        data = fetch_image(source.url)
    elif source.kind == "image":
        assert source.image is not None
        data = _qimage_png(source.image)  # encoding here keeps big pastes off the GUI thread
    else:
        assert source.data is not None
        data = source.data
    preview, width, height = decode_preview(data, PREVIEW_SIZE)
    return Prepared(data, preview, width, height)
