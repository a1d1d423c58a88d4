"""Thumbnails: decoded off the GUI thread, cached on disk by path, size and mtime, errors remembered."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

from autosimnet_desktop.core.images.decode import ImageError
from autosimnet_desktop.gui.runtime.tasks import TaskRunner, make_pool
from autosimnet_desktop.gui.runtime.thumbnails import PRUNE_TO, TILE, ThumbnailCache, ThumbnailLoader

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

    def spy(path: Path):
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
    qtbot.waitUntil(lambda: not runner.busy)  # the decodes finish after their loader is gone: their tiles are dropped
    assert loader.details(photos[1]) is None


def fake_entries(folder: Path, count: int, size: int = 1000) -> list[Path]:
    """`count` cache entries of `size` bytes in the cache's layout, oldest first (mtimes a minute apart)."""
    now = time.time()
    entries = []
    for i in range(count):
        digest = hashlib.sha1(str(i).encode()).hexdigest()
        path = folder / digest[:2] / f"{digest}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
        stamp = now - 3600 + 60 * i
        os.utime(path, (stamp, stamp))
        entries.append(path)
    return entries


def cache_bytes(folder: Path) -> int:
    """Bytes held by the cache's entries."""
    return sum(p.stat().st_size for p in folder.rglob("*.png") if not p.is_symlink())


def test_pruning_deletes_the_least_recently_used_entries_down_below_the_limit(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    entries = fake_entries(folder, 20)  # 20,000 bytes
    outside = tmp_path / "precious"  # never the cache's to delete, even when linked from inside it
    outside.mkdir()
    (outside / "photo.png").write_bytes(b"p" * 5000)
    os.utime(outside / "photo.png", (0, 0))
    (folder / entries[0].parent.name / f"{'0' * 40}.png").symlink_to(outside / "photo.png")
    (folder / "ff").symlink_to(outside, target_is_directory=True)
    (folder / "notes.txt").write_text("not a thumbnail")
    os.utime(folder / "notes.txt", (0, 0))
    old_temp = entries[0].parent / "tmpabc123.tmp"  # left by a crash
    new_temp = entries[0].parent / "tmpdef456.tmp"  # being written right now
    for temp, age in ((old_temp, 7200), (new_temp, 5)):
        temp.write_bytes(b"t" * 100)
        os.utime(temp, (time.time() - age, time.time() - age))

    freed = ThumbnailCache(folder).prune(limit_bytes=12_000)
    kept = [p for p in entries if p.exists()]
    assert kept == entries[-len(kept):]  # the oldest went first, the most recent stay
    assert cache_bytes(folder) <= 12_000 * PRUNE_TO and len(kept) == 10
    assert freed == 10 * 1000 + 100
    assert not old_temp.exists() and new_temp.exists()
    assert (outside / "photo.png").read_bytes() == b"p" * 5000 and (folder / "notes.txt").exists()
    assert (folder / "ff").is_symlink() and (folder / entries[0].parent.name / f"{'0' * 40}.png").is_symlink()
    assert ThumbnailCache(folder).prune(limit_bytes=12_000) == 0  # under the limit: nothing more to do
    assert ThumbnailCache(tmp_path / "never-made").prune() == 0 and ThumbnailCache(None).prune() == 0


def test_a_thumbnail_served_from_the_cache_counts_as_recently_used(tmp_path: Path, qtbot) -> None:
    folder = tmp_path / "cache"
    cache = ThumbnailCache(folder)
    photo = make_image(tmp_path / "shop" / "a.png", 30)
    cache.load(photo)
    (served,) = folder.rglob("*.png")
    os.utime(served, (time.time() - 7200, time.time() - 7200))  # made two hours ago...
    others = fake_entries(folder, 3, size=served.stat().st_size)  # ...before these
    cache.load(photo)  # ...and shown again now
    assert served.stat().st_mtime > time.time() - 60
    cache.prune(limit_bytes=3 * served.stat().st_size)
    assert served.exists() and not others[0].exists()


def test_files_vanishing_while_pruning_are_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autosimnet_desktop.gui.runtime import thumbnails

    folder = tmp_path / "cache"
    entries = fake_entries(folder, 10)
    real_scan = thumbnails.scan_cache

    def scan_then_race(*args):  # another app instance prunes between scan and delete
        found = real_scan(*args)
        for path in entries[:3] + entries[5:6]:
            path.unlink()
        return found

    monkeypatch.setattr(thumbnails, "scan_cache", scan_then_race)
    freed = ThumbnailCache(folder).prune(limit_bytes=6000)
    assert freed == 2000  # entries 3 and 4; the four that vanished count as gone
    assert [p.exists() for p in entries] == [False] * 6 + [True] * 4
    assert cache_bytes(folder) <= 6000 * PRUNE_TO


def test_a_new_loader_prunes_its_disk_cache_on_the_pool(tmp_path: Path, qtbot) -> None:
    folder = tmp_path / "cache"
    entries = fake_entries(folder, 10)
    runner = TaskRunner(make_pool())
    cache = ThumbnailCache(folder)
    threads: list[bool] = []
    original = cache.prune

    def spy(limit: int) -> int:
        threads.append(threading.current_thread() is threading.main_thread())
        return original(limit)

    cache.prune = spy  # type: ignore[method-assign]
    ThumbnailLoader(runner, cache, cache_limit=5000)
    assert runner.wait(5000)
    assert threads == [False]
    assert [p.exists() for p in entries] == [False] * 6 + [True] * 4
    ThumbnailLoader(runner, cache, cache_limit=None)  # pruning can be left out
    assert runner.wait(5000) and threads == [False]
