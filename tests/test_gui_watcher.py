"""Changes in the catalogue folder while the app is open are picked up without a restart."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def test_the_watcher_reports_a_new_file_once_things_settle(qtbot, runner: TaskRunner, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    watcher = FolderWatcher(runner, debounce_ms=100, rescan_ms=0)
    watcher.watch(tmp_path)
    qtbot.waitUntil(lambda: len(watcher.watched_folders()) == 2)
    with qtbot.waitSignal(watcher.changed, timeout=5000):
        for i in range(5):  # a burst of copies: one signal
            make_image(tmp_path / "sub" / f"new-{i}.png", 50)
    watcher.stop()
    assert watcher.watched_folders() == []


def test_the_slow_rescan_catches_edits_in_place(qtbot, runner: TaskRunner, tmp_path: Path) -> None:
    watcher = FolderWatcher(runner, debounce_ms=100, rescan_ms=150)
    watcher.watch(tmp_path)
    with qtbot.waitSignal(watcher.changed, timeout=3000):
        pass
    watcher.stop()


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
