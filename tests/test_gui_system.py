"""'Show in folder' on Linux, for real: the D-Bus call a file manager answers, and the fall-back to the folder.

A stand-in `dbus-send` on PATH records its arguments and answers as a file manager would (or as a desktop
without one would); a URL handler records what Qt would have opened."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QObject, QProcess, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from autosimnet_desktop.gui.runtime.desktop import reveal_in_file_manager

pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the freedesktop path is Linux's")


class UrlRecorder(QObject):
    """Receives the file:// URLs Qt would hand to the desktop."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def record(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opened(qapp):  # pytest-qt's application fixture
    recorder = UrlRecorder()
    QDesktopServices.setUrlHandler("file", recorder, "record")
    yield recorder.urls
    QDesktopServices.unsetUrlHandler("file")


def fake_dbus_send(folder: Path, exit_code: int) -> Path:
    """A `dbus-send` that writes its arguments, one per line, next to itself and exits with `exit_code`."""
    folder.mkdir()
    log = folder / "calls.txt"
    script = folder / "dbus-send"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{log}"\nexit {exit_code}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return log


def photo(tmp_path: Path) -> Path:
    path = tmp_path / "my shop" / "red dress.jpg"
    path.parent.mkdir()
    path.write_bytes(b"not looked at")
    return path


def test_a_file_manager_is_asked_to_select_the_file(tmp_path: Path, qtbot, opened: list[QUrl],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    log = fake_dbus_send(tmp_path / "bin", 0)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    target = photo(tmp_path)
    assert reveal_in_file_manager(target)
    qtbot.waitUntil(log.exists, timeout=10_000)
    args = log.read_text().splitlines()
    assert "org.freedesktop.FileManager1.ShowItems" in args and "--dest=org.freedesktop.FileManager1" in args
    assert f"array:string:{QUrl.fromLocalFile(str(target)).toString()}" in args
    app = QCoreApplication.instance()
    qtbot.waitUntil(lambda: not app.findChildren(QProcess))  # dbus-send's answer was handled, its process deleted
    assert opened == []  # the file manager answered: nothing else is opened


def test_without_a_file_manager_the_folder_is_opened(tmp_path: Path, qtbot, opened: list[QUrl],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    log = fake_dbus_send(tmp_path / "bin", 1)  # "The name org.freedesktop.FileManager1 was not provided"
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    target = photo(tmp_path)
    assert reveal_in_file_manager(target)
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    assert log.exists()
    assert [Path(url.toLocalFile()) for url in opened] == [target.parent]


def test_without_dbus_the_folder_is_opened(tmp_path: Path, opened: list[QUrl],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    target = photo(tmp_path)
    assert reveal_in_file_manager(target)
    assert [Path(url.toLocalFile()) for url in opened] == [target.parent]
