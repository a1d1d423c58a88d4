"""Notice changes in the catalogue folder while the app is open: directory watches plus a slow rescan."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from autosimnet_desktop.core.files.scanner import is_hidden
from autosimnet_desktop.gui.runtime.tasks import PRIORITY_THUMBNAIL, TaskRunner

MAX_WATCHED_DIRS = 2000  # inotify watches are a per-user budget; the periodic rescan covers the rest


def list_folders(root: Path, limit: int = MAX_WATCHED_DIRS) -> list[str]:
    """`root` and its non-hidden subfolders, breadth first, at most `limit` (runs on a pool thread)."""
    found = [str(root)]
    queue = [root]
    while queue and len(found) < limit:
        current = queue.pop(0)
        try:
            with os.scandir(current) as entries:
                subdirs = sorted(Path(e.path) for e in entries
                                 if not is_hidden(e.name) and e.is_dir(follow_symlinks=False))
        except OSError:
            continue  # unreadable or vanished: the indexer reports what matters
        for sub in subdirs[: limit - len(found)]:
            found.append(str(sub))
            queue.append(sub)
    return found


class FolderWatcher(QObject):
    """Emits `changed` (debounced) when files appear, vanish or change under the watched folder."""

    changed = Signal()

    def __init__(self, runner: TaskRunner, debounce_ms: int = 1500, rescan_ms: int = 120_000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._root: Path | None = None
        self._fs = QFileSystemWatcher(self)
        self._fs.directoryChanged.connect(self._on_directory_changed)
        self._debounce = QTimer(self, singleShot=True, interval=debounce_ms)
        self._debounce.timeout.connect(self._settled)
        # Edits in place (same name, new content) do not touch the directory; a slow rescan catches them.
        self._rescan = QTimer(self, interval=rescan_ms)
        self._rescan.timeout.connect(self.changed)

    def watch(self, folder: Path) -> None:
        """Start watching `folder` and its subfolders."""
        self.stop()
        self._root = Path(folder)
        self._refresh_watches()
        if self._rescan.interval() > 0:
            self._rescan.start()

    def stop(self) -> None:
        """Stop watching."""
        self._root = None
        self._debounce.stop()
        self._rescan.stop()
        watched = self._fs.directories()
        if watched:
            self._fs.removePaths(watched)

    def watched_folders(self) -> list[str]:
        """The folders currently watched (for tests and diagnostics)."""
        return list(self._fs.directories())

    def _refresh_watches(self) -> None:
        if self._root is not None:
            self._runner.submit(list_folders, self._root, on_result=self._set_watches,
                                on_error=lambda exc: None, owner=self, priority=PRIORITY_THUMBNAIL)

    def _set_watches(self, folders: list[str]) -> None:
        if self._root is None:
            return
        wanted = set(folders)
        current = set(self._fs.directories())
        if current - wanted:
            self._fs.removePaths(sorted(current - wanted))
        if wanted - current:
            self._fs.addPaths(sorted(wanted - current))

    def _on_directory_changed(self, _path: str) -> None:
        # Copying 500 photos fires 500 signals: wait until the folder is quiet, then rescan once.
        self._debounce.start()

    def _settled(self) -> None:
        self._refresh_watches()  # new subfolders need watches too
        self.changed.emit()
