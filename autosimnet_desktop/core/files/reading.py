"""Reading a catalogue file whole and digesting its content: the indexer's only door to the disk."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xxhash

from autosimnet_desktop.core.records import ImageError

# Binary, and non-blocking, so a FIFO swapped in since the scan can never hang the reader.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)



@dataclass(frozen=True)
class FileState:
    """What a stat says about one file: enough to notice most changes without reading it."""

    size: int
    mtime_ns: int


# (path, byte limit) -> (content, the state it was read in); raises ImageError or OSError.
FileReader = Callable[[Path, int], tuple[bytes, FileState]]


def digest_bytes(data: bytes) -> str:
    """Content digest stored per file: it detects changes that size and mtime cannot, and renames.

    XXH3-128 is not cryptographic, and need not be: nothing here is adversarial, and it is fast enough
    to cost nothing beside decoding."""
    return xxhash.xxh3_128_hexdigest(data)


def check_file_stat(st: os.stat_result) -> None:
    """Raise ImageError unless `st` describes a non-empty regular file."""
    if stat.S_ISDIR(st.st_mode):
        raise ImageError("is a folder, not an image")
    if not stat.S_ISREG(st.st_mode):
        raise ImageError("not a regular file (device, pipe or socket)")
    if st.st_size == 0:
        raise ImageError("empty file (0 bytes)")


def _read_to_end(fd: int, size: int) -> bytes:
    """Read an open file to its end, in one system call while it still has the `size` bytes it had.

    Asking for one byte more shows a file that grew; a short read goes on to the end. A buffered file
    object would make several more system calls per file, each a hand-over of the GIL."""
    data = os.read(fd, size + 1)
    if len(data) == size:
        return data
    parts = [data]
    while data:
        data = os.read(fd, 1 << 20)
        parts.append(data)
    return b"".join(parts)


def read_file(path: Path, max_bytes: int) -> tuple[bytes, FileState]:
    """Read a regular file whole, refusing pipes, devices, huge files and files that change while read."""
    for _attempt in range(2):
        fd = os.open(path, READ_FLAGS)
        try:
            before = os.fstat(fd)
            check_file_stat(before)
            if before.st_size > max_bytes:
                raise ImageError(f"file too large ({before.st_size / 2**20:.0f} MB)")
            data = _read_to_end(fd, before.st_size)
            after = os.fstat(fd)
        finally:
            os.close(fd)
        state = FileState(size=after.st_size, mtime_ns=after.st_mtime_ns)
        if (before.st_size, before.st_mtime_ns) == (state.size, state.mtime_ns) and len(data) == state.size:
            return data, state
    raise ImageError("file kept changing while it was read (still being copied?)")


def digest_file(read: FileReader, folder: Path, relpath: str,
                max_bytes: int) -> tuple[str, str | None, FileState | None]:
    """(relpath, digest, state) for a content comparison; (relpath, None, None) when it cannot be read."""
    try:
        data, state = read(folder / relpath, max_bytes)
    except (ImageError, OSError):
        return relpath, None, None
    return relpath, digest_bytes(data), state
