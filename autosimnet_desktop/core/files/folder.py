"""A catalogue folder as the user gave it: made absolute, and checked before anything is built on it."""

from __future__ import annotations

import os
from pathlib import Path

from autosimnet_desktop.core.files.errors import os_error_reason
from autosimnet_desktop.core.records import FolderError


def absolute_folder(folder: str | os.PathLike[str]) -> Path:
    """The catalogue folder as an absolute path with symlinks resolved (one folder, one key)."""
    return Path(folder).expanduser().resolve()


def check_folder(folder: str | os.PathLike[str]) -> Path:
    """The absolute catalogue folder, or FolderError if it is missing, not a folder or unreadable."""
    try:
        path = absolute_folder(folder)
        if not path.is_dir():
            reason = "not a folder" if path.exists() else "folder not found"
            raise FolderError(f"{reason}: {folder}")
        with os.scandir(path):
            pass
    except FolderError:
        raise
    except OSError as exc:
        raise FolderError(f"cannot read folder {folder}: {os_error_reason(exc)}") from None
    except RuntimeError as exc:  # Path.resolve on a symlink loop (Python < 3.13)
        raise FolderError(f"cannot read folder {folder}: {exc}") from None
    return path
