"""The two calls that leave the app for the operating system: open a file, show it in its folder.

Kept behind a small object so tests inject a recorder instead of launching viewers."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QCoreApplication, QProcess, QUrl
from PySide6.QtGui import QDesktopServices


def open_with_system(path: Path) -> bool:
    """Open `path` in the user's default viewer."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def reveal_in_file_manager(path: Path, failed: Callable[[], None] | None = None) -> bool:
    """Show `path` selected in the file manager (its folder, where selecting is not possible).

    False when it cannot at once; `failed` is called when it finds out later (no file manager on D-Bus,
    and nothing opens the folder either).
    """
    if sys.platform == "win32":
        return QProcess.startDetached("explorer.exe", [f"/select,{Path(path)}"])[0]
    if sys.platform == "darwin":
        return QProcess.startDetached("open", ["-R", str(path)])[0]
    if shutil.which("dbus-send"):
        # The freedesktop FileManager1 interface selects the file in Nautilus, Dolphin, Nemo, Thunar...
        args = ["--session", "--type=method_call", "--dest=org.freedesktop.FileManager1",
                "/org/freedesktop/FileManager1", "org.freedesktop.FileManager1.ShowItems",
                f"array:string:{QUrl.fromLocalFile(str(path)).toString()}", "string:"]
        process = QProcess(QCoreApplication.instance())
        folder = QUrl.fromLocalFile(str(Path(path).parent))

        answered: list[bool] = []

        def finished(code: int, _status: QProcess.ExitStatus) -> None:
            if answered:  # a failed start reports twice (errorOccurred, then finished)
                return
            answered.append(True)
            # No file manager owns the name: just open the folder.
            if code != 0 and not QDesktopServices.openUrl(folder) and failed is not None:
                failed()
            process.deleteLater()

        process.finished.connect(finished)
        process.errorOccurred.connect(lambda _error: finished(1, QProcess.ExitStatus.CrashExit))
        process.start("dbus-send", ["--print-reply", *args])  # asynchronous: the GUI never waits on D-Bus
        return True
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


@dataclass(frozen=True)
class Desktop:
    """The operating-system calls the window makes (tests pass recorders)."""

    open_file: Callable[[Path], bool] = open_with_system
    show_in_folder: Callable[[Path, Callable[[], None] | None], bool] = reveal_in_file_manager


def unrevealed_text(path: Path) -> str:
    """What to say when no file manager could show `path`."""
    return f"No file manager could show {path.name}. It is in {path.parent}"


def reveal(desktop: Desktop, path: Path, explain: Callable[[Path], None]) -> None:
    """Show `path` in the file manager; `explain(path)` says where it is when that fails (now or later)."""
    if not desktop.show_in_folder(path, lambda: explain(path)):
        explain(path)
