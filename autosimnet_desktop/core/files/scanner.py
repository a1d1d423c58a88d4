"""Walk a catalogue folder: which image files are there, with their size and mtime, and which cannot be used."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autosimnet_desktop.core.images.decode import has_image_signature
from autosimnet_desktop.core.images.formats import OPTIONAL_EXTENSIONS, supported_extensions
from autosimnet_desktop.core.files.errors import os_error_reason
from autosimnet_desktop.core.files.reading import FileState
from autosimnet_desktop.core.records import CancelToken, Cancelled, FolderError

# How often (in directory entries) the walk checks the cancel flag.
_CANCEL_EVERY = 2000


@dataclass
class ScanResult:
    """Image files found (relative path -> state) and files or folders that cannot be used, with reasons."""

    files: dict[str, FileState] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def restrict(found: ScanResult, only: Callable[[str], bool] | None) -> ScanResult:
    """The part of a scan whose relative paths `only` accepts (all of it for None): files outside are not part of
    this catalogue, so an index run treats them as absent."""
    if only is None:
        return found
    return ScanResult({p: s for p, s in found.files.items() if only(p)}, {p: e for p, e in found.errors.items() if only(p)})


def is_hidden(name: str) -> bool:
    """Dot-files and dot-folders are skipped (thumbnails caches, .git, macOS resource forks...)."""
    return name.startswith(".")


def readable_name(name: str) -> str | None:
    """`name` if it can be stored as UTF-8 text, else None (undecodable bytes in a Linux file name)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return name


def _printable(name: str) -> str:
    """A file name with undecodable bytes replaced, for an error message."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def scan(folder: Path, extensions: frozenset[str] | None = None,
         cancel: CancelToken | None = None) -> ScanResult:
    """Walk `folder` recursively (following folder symlinks once, skipping hidden entries) and list image files.

    Paths are relative to `folder` with '/' separators. Raises FolderError if `folder` itself cannot be read.
    """
    result = ScanResult()
    readable = extensions if extensions is not None else supported_extensions()
    try:
        root_stat = folder.stat()
    except OSError as exc:
        raise FolderError(f"cannot open folder {folder}: {os_error_reason(exc)}") from None
    if not stat.S_ISDIR(root_stat.st_mode):
        raise FolderError(f"not a folder: {folder}")
    # Directories already walked, by identity: a symlink back to an ancestor must not loop forever.
    visited: set[tuple[int, int]] = {(root_stat.st_dev, root_stat.st_ino)}
    stack: list[tuple[str, str]] = [(str(folder), "")]
    seen = 0
    while stack:
        directory, prefix = stack.pop()
        try:
            with os.scandir(directory) as entries:
                listing = list(entries)
        except OSError as exc:
            if not prefix:
                raise FolderError(f"cannot read folder {folder}: {os_error_reason(exc)}") from None
            result.errors[prefix] = f"folder cannot be read: {os_error_reason(exc)}"
            continue
        for entry in sorted(listing, key=lambda e: e.name):
            seen += 1
            if cancel is not None and seen % _CANCEL_EVERY == 0 and cancel.cancelled:
                raise Cancelled()
            if is_hidden(entry.name):
                continue
            _visit(entry, prefix, readable, visited, stack, result)
    return result


def _visit(entry: os.DirEntry[str], prefix: str, extensions: frozenset[str],
           visited: set[tuple[int, int]], stack: list[tuple[str, str]], result: ScanResult) -> None:
    """Classify one directory entry: recurse into folders, record image files or the reason they are unusable."""
    name = readable_name(entry.name)
    relpath = prefix + (name if name is not None else _printable(entry.name))
    dot = entry.name.rfind(".")  # os.path.splitext's extension (hidden names never get here), at half the cost
    ext = entry.name[dot:].lower() if dot > 0 else ""
    looks_like_image = ext in extensions or ext in OPTIONAL_EXTENSIONS
    try:
        st = entry.stat()  # follows symlinks: a link to a photo is a photo
    except OSError as exc:
        if looks_like_image:  # dangling link, link loop, permission
            dangling = exc.errno == errno.ENOENT and entry.is_symlink()
            result.errors[relpath] = "broken symbolic link (its target is missing)" if dangling \
                else os_error_reason(exc)
        return
    if stat.S_ISDIR(st.st_mode):
        key = (st.st_dev, st.st_ino)
        if key in visited:
            return
        visited.add(key)
        if name is None:
            result.errors[relpath + "/"] = "folder name is not valid UTF-8 text (rename it)"
            return
        stack.append((entry.path, relpath + "/"))
        return
    if not looks_like_image and (ext or not stat.S_ISREG(st.st_mode) or not has_image_signature(entry.path)):
        return  # not an image (a file without an extension counts when its first bytes say it is one)
    if name is None:
        result.errors[relpath] = "file name is not valid UTF-8 text (rename it)"
    elif not stat.S_ISREG(st.st_mode):
        result.errors[relpath] = "not a regular file (device, pipe or socket)"
    elif ext and ext not in extensions:
        result.errors[relpath] = (f"{ext[1:].upper()} images need the optional plugin "
                                  "(pip install 'autosimnet-desktop[heif]')")
    else:
        result.files[relpath] = FileState(size=st.st_size, mtime_ns=st.st_mtime_ns)
