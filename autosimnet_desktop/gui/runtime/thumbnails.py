"""Thumbnails: decoded to QImage on pool threads, cached on disk by path+size+mtime, QPixmap on the GUI thread.

The disk cache is kept under a size limit, least recently used entries first: serving an entry touches its
mtime, and each new loader (one per opened catalogue) prunes the cache on a pool thread.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import tempfile
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, PngImagePlugin
from PySide6.QtCore import QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from autosimnet_desktop.core.images.decode import open_image
from autosimnet_desktop.gui.runtime.tasks import PRIORITY_THUMBNAIL, TaskRunner

THUMBNAIL_SIZE = 256  # pixels on the long side: sharp in a 160-point cell up to 1.5x display scaling
TILE = 160  # logical pixels of the square tile a result card shows
MAX_DECODING = 2  # thumbnails made at the same time
TILE_MARGIN = 6  # keeps full-bleed photos off the tile's rounded edge and the similarity badge
_DIMS_KEY = "autosimnet-source-size"
CACHE_LIMIT_BYTES = 200 * 1024 * 1024  # per catalogue: room for a few thousand thumbnails
PRUNE_TO = 0.9  # of the limit: room for new entries, so the next opens have nothing to delete
STALE_TEMP_SECONDS = 3600  # a temp file this old was abandoned by a crash; a younger one may be being written
# The cache's own layout: <folder>/<2 hex digits>/<40 hex digits>.png (and mkstemp's 'tmp*.tmp' beside them).
_SHARD_NAME = re.compile(r"[0-9a-f]{2}")
_ENTRY_NAME = re.compile(r"[0-9a-f]{40}\.png")
_TEMP_NAME = re.compile(r"tmp[A-Za-z0-9_]+\.tmp")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Thumbnail:
    """A decoded thumbnail plus what a tooltip wants to say about its file."""

    image: QImage
    file_size: int
    width: int  # of the original image
    height: int


def qimage_from_pil(img: Image.Image) -> QImage:
    """A deep-copied QImage of an 'L' or 'RGB' Pillow image (safe to hand across threads)."""
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    fmt = QImage.Format.Format_Grayscale8 if img.mode == "L" else QImage.Format.Format_RGB888
    data = img.tobytes()
    stride = img.width * (1 if img.mode == "L" else 3)
    # QImage borrows `data`; copy() detaches it before the bytes object goes away.
    return QImage(data, img.width, img.height, stride, fmt).copy()


def _decode(source: str | os.PathLike[str] | bytes, size: int) -> tuple[Image.Image, int, int]:
    img = open_image(source, "RGB", draft_size=size)
    width, height = img.size
    img.thumbnail((size, size), Image.Resampling.LANCZOS)
    return img, width, height


def decode_preview(source: str | os.PathLike[str] | bytes, size: int) -> tuple[QImage, int, int]:
    """Decode an image file or bytes (safely, EXIF-rotated) to a QImage at most `size` pixels wide/high."""
    img, width, height = _decode(source, size)
    return qimage_from_pil(img), width, height


def make_tile(image: QImage | None, ratio: float, size: int = TILE) -> QImage:
    """A white rounded tile with `image` fitted inside: drawn on a pool thread, so painting a card is one blit.

    Product photos are shot on white, so a white tile keeps letterboxed ones looking natural.
    """
    px = max(1, round(size * ratio))
    tile = QImage(px, px, QImage.Format.Format_ARGB32_Premultiplied)
    tile.setDevicePixelRatio(ratio)
    tile.fill(Qt.GlobalColor.transparent)
    painter = QPainter(tile)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    area = QRectF(0, 0, size, size)
    painter.setPen(QColor(0, 0, 0, 30))
    painter.setBrush(QColor("white"))
    painter.drawRoundedRect(area.adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
    if image is not None and not image.isNull():
        inner = size - 2 * TILE_MARGIN
        fitted = image.size().scaled(QSize(inner, inner), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRectF(0, 0, fitted.width(), fitted.height())
        target.moveCenter(area.center())
        painter.drawImage(target, image)
    painter.end()
    return tile


@dataclass(frozen=True)
class CacheFile:
    """One file of the disk cache as a scan found it."""

    path: Path
    size: int
    mtime_ns: int


def scan_cache(folder: Path, now: float | None = None) -> tuple[list[CacheFile], list[CacheFile]]:
    """(entries, abandoned temp files) in the cache's own layout; anything else, symlinks included, is ignored.

    Files that vanish while the scan runs are skipped; a missing or unreadable folder is an empty cache.
    """
    stale_before = ((time.time() if now is None else now) - STALE_TEMP_SECONDS) * 1e9
    entries: list[CacheFile] = []
    temps: list[CacheFile] = []
    try:
        with os.scandir(folder) as shards:
            shard_dirs = [d.path for d in shards
                          if _SHARD_NAME.fullmatch(d.name) and d.is_dir(follow_symlinks=False)]
    except OSError:
        return entries, temps
    for shard in shard_dirs:
        try:
            with os.scandir(shard) as files:
                for item in files:
                    is_entry = _ENTRY_NAME.fullmatch(item.name) is not None
                    if not (is_entry or _TEMP_NAME.fullmatch(item.name)) or not item.is_file(follow_symlinks=False):
                        continue
                    try:
                        st = item.stat(follow_symlinks=False)
                    except OSError:
                        continue  # deleted meanwhile (another app instance pruning, say)
                    found = CacheFile(Path(item.path), st.st_size, st.st_mtime_ns)
                    if is_entry:
                        entries.append(found)
                    elif st.st_mtime_ns < stale_before:
                        temps.append(found)
        except OSError:
            continue
    return entries, temps


def _unlink_unchanged(found: CacheFile) -> bool:
    """Delete `found` unless it was used (touched) since it was scanned; False if it is kept or already gone."""
    try:
        if os.stat(found.path, follow_symlinks=False).st_mtime_ns != found.mtime_ns:
            return False
        os.unlink(found.path)
    except OSError:
        return False
    return True


class ThumbnailCache:
    """A folder of PNG thumbnails named by a hash of (absolute path, size, mtime, pixel size).

    An entry's mtime says when it was last used: load() touches it on every hit, prune() deletes the oldest.
    """

    def __init__(self, folder: Path | None, size: int = THUMBNAIL_SIZE) -> None:
        self.folder = folder
        self.size = size

    def entry(self, path: Path, st: os.stat_result) -> Path | None:
        """The cache file for this version of `path` (None when there is no cache folder)."""
        if self.folder is None:
            return None
        key = f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0{self.size}".encode("utf-8", "surrogatepass")
        digest = hashlib.sha1(key, usedforsecurity=False).hexdigest()
        return self.folder / digest[:2] / f"{digest}.png"

    def load(self, path: Path) -> Thumbnail:
        """The thumbnail of `path`, from the cache or decoded and stored; raises ImageError/OSError."""
        st = path.stat()
        entry = self.entry(path, st)
        if entry is not None and entry.is_file():
            image = QImage(str(entry))
            if not image.isNull():
                stored_width, _, stored_height = image.text(_DIMS_KEY).partition("x")
                if stored_width.isdigit() and stored_height.isdigit():
                    self._touch(entry)
                    return Thumbnail(image, st.st_size, int(stored_width), int(stored_height))
        img, width, height = _decode(path, self.size)
        if entry is not None:
            self._store(entry, img, width, height)
        return Thumbnail(qimage_from_pil(img), st.st_size, width, height)

    @staticmethod
    def _touch(entry: Path) -> None:
        """Mark the entry as just used (its mtime; atime is unreliable on relatime and noatime mounts)."""
        try:
            os.utime(entry)
        except OSError:
            pass  # pruned meanwhile, or a read-only cache: it only costs this entry its place in the order

    def prune(self, limit_bytes: int = CACHE_LIMIT_BYTES) -> int:
        """Keep the cache under `limit_bytes`: delete least recently used entries (down to PRUNE_TO of it).

        Also deletes temp files a crash left behind. Only files of the cache's own layout are ever deleted,
        an entry used after the scan is kept, and files vanishing meanwhile are fine. Returns bytes freed.
        """
        if self.folder is None:
            return 0
        entries, temps = scan_cache(self.folder)
        freed = sum(found.size for found in temps if _unlink_unchanged(found))
        total = sum(found.size for found in entries)
        if total <= limit_bytes:
            return freed
        target = int(limit_bytes * PRUNE_TO)
        for found in sorted(entries, key=lambda f: (f.mtime_ns, f.path.name)):
            if total <= target:
                break
            if _unlink_unchanged(found):
                freed += found.size
                total -= found.size
            elif not found.path.exists():
                total -= found.size  # deleted by someone else: it no longer counts either
        return freed

    @staticmethod
    def _store(entry: Path, img: Image.Image, width: int, height: int) -> None:
        """Write atomically (temp file + rename) so a half-written PNG is never read back."""
        tmp = ""
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            info = PngImagePlugin.PngInfo()
            info.add_text(_DIMS_KEY, f"{width}x{height}")
            fd, tmp = tempfile.mkstemp(suffix=".tmp", dir=entry.parent)
            with os.fdopen(fd, "wb") as fh:
                img.save(fh, "PNG", pnginfo=info, compress_level=1)
            os.replace(tmp, entry)
        except OSError:
            # A read-only or full cache disk only costs speed, never the thumbnail.
            if tmp:
                Path(tmp).unlink(missing_ok=True)


def make_thumbnail(cache: ThumbnailCache, path: Path, ratio: float) -> Thumbnail:
    """On a pool thread: load (or decode and cache) the thumbnail of `path` and draw its tile.

    A plain function of the cache, not a loader method: a decode still running when its loader is deleted
    touches nothing of it, and the runner drops the result.
    """
    thumb = cache.load(path)
    return Thumbnail(make_tile(thumb.image, ratio), thumb.file_size, thumb.width, thumb.height)


class ThumbnailLoader(QObject):
    """Hands out tile QPixmaps for files; missing ones are made in the pool and announced by `ready`."""

    ready = Signal(str)  # absolute path whose thumbnail (or failure) is now known

    def __init__(self, runner: TaskRunner, cache: ThumbnailCache, ratio: float = 1.0, memory_items: int = 800,
                 parent: QObject | None = None, cache_limit: int | None = CACHE_LIMIT_BYTES) -> None:
        """`cache_limit`: prune the disk cache to this many bytes now, on the pool (None: leave it alone)."""
        super().__init__(parent)
        self._runner = runner
        self._cache = cache
        self._ratio = ratio
        self._limit = memory_items
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._info: dict[str, Thumbnail] = {}
        self._failed: dict[str, str] = {}
        self._pending: set[str] = set()  # queued or being made
        self._queue: deque[str] = deque()
        self._in_flight = 0
        self._closed = False
        if cache_limit is not None and cache.folder is not None:
            # One loader per opened catalogue, so this runs once per open; never on the GUI thread (disk walk).
            runner.submit(cache.prune, cache_limit, owner=self, priority=PRIORITY_THUMBNAIL,
                          on_result=lambda freed: log.debug("thumbnail cache pruned: %d bytes freed", freed),
                          on_error=lambda exc: log.warning("pruning the thumbnail cache failed: %s", exc))

    def pixmap(self, path: Path) -> QPixmap | None:
        """The thumbnail if it is ready; otherwise None, and it is queued for decoding."""
        if self._closed:
            return None
        key = str(path)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            return pixmap
        if key not in self._pending and key not in self._failed:
            self._pending.add(key)
            self._queue.append(key)
            self._start_next()
        return None

    def _start_next(self) -> None:
        # A couple at a time: twenty decoders at once would fight the GUI thread for two cores.
        while self._queue and self._in_flight < MAX_DECODING:
            key = self._queue.popleft()
            self._in_flight += 1
            self._runner.submit(make_thumbnail, self._cache, Path(key), self._ratio, owner=self,
                                priority=PRIORITY_THUMBNAIL,
                                on_result=functools.partial(self._loaded, key),
                                on_error=functools.partial(self._not_loaded, key))

    def failure(self, path: Path) -> str | None:
        """Why this file's thumbnail could not be made, if it could not."""
        return self._failed.get(str(path))

    def details(self, path: Path) -> Thumbnail | None:
        """File size and original dimensions, once the thumbnail was loaded."""
        return self._info.get(str(path))

    def forget(self) -> None:
        """Drop everything held in memory (files changed on disk)."""
        self._pixmaps.clear()
        self._info.clear()
        self._failed.clear()

    def close(self) -> None:
        """Free every tile held in memory and decode nothing more (its catalogue was replaced)."""
        self._closed = True
        self._queue.clear()
        self._pending.clear()
        self.forget()

    def _loaded(self, key: str, thumb: Thumbnail) -> None:
        self._in_flight -= 1
        if self._closed:
            return
        self._start_next()
        self._pending.discard(key)
        # QPixmap lives in the window system: it may only be made here, on the GUI thread.
        self._pixmaps[key] = QPixmap.fromImage(thumb.image)
        self._info[key] = Thumbnail(QImage(), thumb.file_size, thumb.width, thumb.height)
        while len(self._pixmaps) > self._limit:
            old, _ = self._pixmaps.popitem(last=False)
            self._info.pop(old, None)
        self.ready.emit(key)

    def _not_loaded(self, key: str, exc: BaseException) -> None:
        self._in_flight -= 1
        if self._closed:
            return
        self._start_next()
        self._pending.discard(key)
        self._failed[key] = str(exc) or type(exc).__name__
        self.ready.emit(key)
