"""Why a catalogue has no photos: what its folder holds instead, in words (listed on a pool thread)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from autosimnet_desktop.core.files.scanner import is_hidden
from autosimnet_desktop.core.images.formats import supported_extensions
from autosimnet_desktop.gui.runtime.formatting import plural

LISTING_LIMIT = 100_000  # files looked at: enough to describe any folder without walking a whole disk
SHOWN_EXTENSIONS = 5
# The formats a shop owner knows by name, in the order they meet them; the rest are read too.
_KNOWN_FORMATS = ((".jpg", "JPEG"), (".png", "PNG"), (".webp", "WebP"), (".gif", "GIF"), (".bmp", "BMP"),
                  (".tif", "TIFF"), (".heic", "HEIC"), (".avif", "AVIF"))


def formats_read() -> str:
    """'JPEG, PNG, WebP, GIF, BMP, TIFF and more': what the app reads, by the names people know."""
    supported = supported_extensions()
    names = [name for ext, name in _KNOWN_FORMATS if ext in supported]
    return ", ".join(names) + " and more" if len(supported) > len(names) else ", ".join(names)


def describe_empty_folder(folder: Path) -> str:
    """What `folder` holds when indexing found no photo in it (walks the folder: call on a pool thread)."""
    found: Counter[str] = Counter()
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not is_hidden(d)]
        for name in files:
            if not is_hidden(name):
                found[Path(name).suffix.lower() or "(no extension)"] += 1
        if sum(found.values()) >= LISTING_LIMIT:
            break
    reads = f"It reads {formats_read()} photos."
    if not found:
        return f"This folder is empty. Put your product photos in it (or open another folder). {reads}"
    kinds = [ext for ext, _ in found.most_common(SHOWN_EXTENSIONS)]
    if len(found) > SHOWN_EXTENSIONS:
        kinds.append("…")
    return (f"This folder has no photos the app can read: it found {plural(sum(found.values()), 'file')} "
            f"({', '.join(kinds)}). {reads}")
