"""Where a catalogue's store, index and thumbnails live: user data/cache folders, never the catalogue itself."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from autosimnet_desktop.core.files.folder import absolute_folder

APP_NAME = "autosimnet-desktop"
ENV_DATA_DIR = "AUTOSIMNET_DATA_DIR"


def folder_key(folder: str | os.PathLike[str]) -> str:
    """A stable, file-name-safe key for a folder: its readable name plus a hash of its absolute path."""
    absolute = absolute_folder(folder)
    # normcase: on Windows C:\\Shop and c:\\shop are the same folder and must share one index.
    digest = hashlib.sha256(os.path.normcase(str(absolute)).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", absolute.name)[:40].strip("._") or "root"
    return f"{name}-{digest}"


def _root(override: str | os.PathLike[str] | None) -> Path | None:
    """The override (argument, then environment variable) if any, else None for the platform default."""
    chosen = override if override else os.environ.get(ENV_DATA_DIR)
    return Path(chosen).expanduser().resolve() if chosen else None


def catalogue_data_dir(folder: str | os.PathLike[str], override: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the store and vector index of `folder` (created on first use by the store)."""
    root = _root(override)
    base = root if root is not None else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return base / "catalogues" / folder_key(folder)


def model_data_dir(folder: str | os.PathLike[str], model: str | os.PathLike[str],
                   override: str | os.PathLike[str] | None = None) -> Path:
    """The store and vector index of `folder` as one model file encodes it.

    Each model keeps its own, so switching to another model and back re-encodes nothing; a model file
    replaced under the same name is noticed by its digest (the store records it) and re-encodes once."""
    key = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(model).stem)[:60].strip("._") or "model"
    return catalogue_data_dir(folder, override) / "models" / key


def thumbnail_cache_dir(folder: str | os.PathLike[str], override: str | os.PathLike[str] | None = None) -> Path:
    """The folder for cached thumbnails of `folder` (disposable: it lives in the user cache)."""
    root = _root(override)
    base = root if root is not None else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    return base / "thumbnails" / folder_key(folder)


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[bool]:
    """Hold an exclusive, non-blocking lock on `path` between processes; yields False if another holds it.

    The operating system drops the lock when its process dies, so a crash never leaves a stale lock.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True  # released when the handle closes
