"""Changes in the catalogue folder while the app is open are picked up without a restart."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QFileSystemWatcher

from autosimnet_desktop.gui.runtime.tasks import TaskRunner, make_pool
from autosimnet_desktop.gui.runtime.watcher import FolderWatcher, list_folders

from .gui_support import build_window, make_catalogue, make_image, open_and_index


@pytest.fixture()
def runner(qtbot) -> Iterator[TaskRunner]:
    """A runner kept until its pool is idle: a pool thread must never drop the last reference to it."""
    runner = TaskRunner(make_pool())
    yield runner
    runner.wait(5000)


def test_folders_to_watch_skip_hidden_ones_and_respect_the_limit(tmp_path: Path) -> None:
    for name in ("a", "a/deeper", "b", ".thumbnails"):
        (tmp_path / name).mkdir()
    assert list_folders(tmp_path) == [str(tmp_path), str(tmp_path / "a"), str(tmp_path / "b"),
                                      str(tmp_path / "a" / "deeper")]
    assert len(list_folders(tmp_path, limit=2)) == 2


def test_a_burst_of_copies_is_reported_once_when_things_settle(qtbot, runner: TaskRunner, tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    watcher = FolderWatcher(runner, debounce_ms=1000, rescan_ms=0)
    seen: list[set[str]] = []  # the files there were at each signal
    watcher.changed.connect(lambda: seen.append({p.name for p in sub.iterdir()}))
    watcher.watch(tmp_path)
    qtbot.waitUntil(lambda: len(watcher.watched_folders()) == 2)
    directory = watcher.findChild(QFileSystemWatcher)
    burst = set()
    for i in range(5):  # each copy reaches the watcher as its own change
        with qtbot.waitSignal(directory.directoryChanged, timeout=5000):
            burst.add(make_image(sub / f"new-{i}.png", 50).name)
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=5000)
    make_image(sub / "later.png", 60)  # a change after the burst: its own signal marks the burst's end
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    assert seen == [burst, burst | {"later.png"}]  # one signal for the whole burst, once it was complete
    watcher.stop()
    assert watcher.watched_folders() == []


def test_the_slow_rescan_catches_edits_in_place(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 4)
    window = build_window(qtbot, tmp_path, watcher=lambda runner: FolderWatcher(runner, debounce_ms=100,
                                                                                 rescan_ms=300))
    open_and_index(qtbot, window, folder)
    session = window.session
    qtbot.waitUntil(lambda: len(session._watcher.watched_folders()) == 3)
    edited = folder / "boxes" / "item-000.png"
    data = edited.read_bytes()
    with open(edited, "r+b") as fh:  # same name, new content: the folder's entries do not change
        fh.write(make_png(200))
        fh.truncate()
    assert edited.read_bytes() != data
    qtbot.waitUntil(lambda: session.last_report is not None and session.last_report.changed == 1, timeout=5000)


def make_png(shade: int) -> bytes:
    """A small PNG of another grey."""
    buffer = io.BytesIO()
    Image.new("RGB", (96, 96), (shade, shade, shade)).save(buffer, "PNG")
    return buffer.getvalue()


def test_files_added_and_removed_while_open_reach_the_index(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 4)
    window = build_window(qtbot, tmp_path, watcher=lambda runner: FolderWatcher(runner, debounce_ms=100,
                                                                                 rescan_ms=0))
    open_and_index(qtbot, window, folder)
    session = window.session
    qtbot.waitUntil(lambda: len(session._watcher.watched_folders()) == 3)
    make_image(folder / "round" / "brand-new.png", 99, "ellipse")
    qtbot.waitUntil(lambda: session.count == 5, timeout=10_000)
    assert "1 new" in window.messages.text
    os.remove(folder / "boxes" / "item-000.png")
    qtbot.waitUntil(lambda: session.count == 4, timeout=10_000)
    qtbot.waitUntil(lambda: "4 photos indexed" in window.summary.label.text())
