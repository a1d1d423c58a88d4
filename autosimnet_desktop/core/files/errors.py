"""The one table that turns an operating-system error into words a shop owner can read."""

from __future__ import annotations

import errno

_REASONS = {
    errno.ENOENT: "file not found (moved or deleted)",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "symbolic link loop",
    errno.EISDIR: "is a folder, not an image",
    errno.ENOTDIR: "not a folder",
    errno.ENAMETOOLONG: "file name too long",
    errno.EIO: "input/output error (damaged disk or network drive?)",
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the disk is read-only",
}


def os_error_reason(exc: OSError) -> str:
    """A short, readable reason for an OSError met while reading or writing a file or folder."""
    return _REASONS.get(exc.errno or -1) or (exc.strerror or str(exc) or type(exc).__name__).lower()
