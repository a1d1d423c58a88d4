"""Thumbnails: decoded off the GUI thread, cached on disk by path, size and mtime, errors remembered."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from autosimnet_desktop.core.imaging import ImageError
from autosimnet_desktop.gui.tasks import TaskRunner, make_pool
from autosimnet_desktop.gui.thumbnails import TILE, ThumbnailCache, ThumbnailLoader

from .gui_support import make_image


def test_the_disk_cache_is_keyed_by_path_size_and_mtime(tmp_path: Path, qtbot) -> None:
    photo = make_image(tmp_path / "shop" / "a.png", 30, size=(400, 300))
    cache = ThumbnailCache(tmp_path / "cache", size=128)
    first = cache.load(photo)
    assert (first.width, first.height, first.file_size) == (400, 300, photo.stat().st_size)
    assert max(first.image.width(), first.image.height()) == 128
    entries = list((tmp_path / "cache").rglob("*.png"))
    assert len(entries) == 1
    again = cache.load(photo)  # from the cache: same answer, no new file
    assert (again.width, again.height) == (400, 300) and list((tmp_path / "cache").rglob("*.png")) == entries
    st = photo.stat()
    os.utime(photo, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # edited: a new entry
    cache.load(photo)
    assert len(list((tmp_path / "cache").rglob("*.png"))) == 2


def test_a_broken_file_raises_a_readable_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg at all")
    with pytest.raises(ImageError, match="not an image"):
        ThumbnailCache(tmp_path / "cache").load(bad)


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path) -> None:
    photo = make_image(tmp_path / "a.png", 30)
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    assert ThumbnailCache(blocker).load(photo).width == 96


def test_the_loader_decodes_in_the_pool_and_announces_tiles(tmp_path: Path, qtbot) -> None:
    good = make_image(tmp_path / "good.png", 30)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG broken")
    runner = TaskRunner(make_pool())
    loader = ThumbnailLoader(runner, ThumbnailCache(tmp_path / "cache"), ratio=2.0)
    decoding_threads: list[bool] = []
    original = loader._cache.load

    def spy(path: Path):  # noqa: ANN202
        decoding_threads.append(threading.current_thread() is threading.main_thread())
        return original(path)

    loader._cache.load = spy  # type: ignore[method-assign]
    assert loader.pixmap(good) is None  # queued, not decoded here
    with qtbot.waitSignals([loader.ready, loader.ready], timeout=5000):
        assert loader.pixmap(bad) is None
    pixmap = loader.pixmap(good)
    assert pixmap is not None and pixmap.width() == TILE * 2 and pixmap.devicePixelRatio() == 2.0
    assert loader.details(good).width == 96 and loader.failure(good) is None
    assert loader.pixmap(bad) is None and "not an image" in (loader.failure(bad) or "")
    assert decoding_threads == [False, False]
    runner.wait(5000)


def test_a_closed_loader_frees_its_tiles_and_ignores_decodes_still_running(tmp_path: Path, qtbot) -> None:
    import shiboken6

    photos = [make_image(tmp_path / f"{i}.png", 30 + 40 * i) for i in range(3)]
    runner = TaskRunner(make_pool())
    loader = ThumbnailLoader(runner, ThumbnailCache(tmp_path / "cache"))
    with qtbot.waitSignal(loader.ready, timeout=5000):
        assert loader.pixmap(photos[0]) is None
    assert loader.pixmap(photos[0]) is not None
    gate = threading.Event()
    original = loader._cache.load
    loader._cache.load = lambda path: (gate.wait(5), original(path))[1]  # type: ignore[method-assign]
    assert loader.pixmap(photos[1]) is None and loader.pixmap(photos[2]) is None  # decoding, held at the gate
    loader.close()  # its catalogue was replaced
    assert loader.details(photos[0]) is None and loader.pixmap(photos[0]) is None  # freed, nothing new queued
    loader.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(loader))
    gate.set()
    assert runner.wait(5000)
    qtbot.wait(50)  # the decodes finish after their loader is gone: their tiles are dropped, nothing raises
    assert not runner.busy and loader.details(photos[1]) is None
