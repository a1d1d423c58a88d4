"""File dialogs the window asks the user through (tests pass canned answers instead)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QFileDialog, QWidget

from autosimnet_desktop.core.images.formats import supported_extensions

Chooser = Callable[[QWidget, Path | None], Path | None]


def choose_folder(parent: QWidget, start: Path | None) -> Path | None:
    """Ask for the catalogue folder."""
    folder = QFileDialog.getExistingDirectory(parent, "Open your catalogue folder", str(start or Path.home()))
    return Path(folder) if folder else None


def choose_image(parent: QWidget, start: Path | None) -> Path | None:
    """Ask for a photo to search for."""
    patterns = " ".join(f"*{ext}" for ext in sorted(supported_extensions()))
    name, _ = QFileDialog.getOpenFileName(parent, "Search for a photo", str(start or Path.home()),
                                          f"Images ({patterns});;All files (*)")
    return Path(name) if name else None


def choose_csv(parent: QWidget, start: Path | None) -> Path | None:
    """Ask where to save the related-products CSV."""
    name, _ = QFileDialog.getSaveFileName(parent, "Export related products", str(start or Path.home()),
                                          "CSV files (*.csv)")
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".csv" else path.with_name(path.name + ".csv")


@dataclass(frozen=True)
class Choosers:
    """The three questions the window may ask with a file dialog."""

    folder: Chooser = choose_folder
    image: Chooser = choose_image
    csv: Chooser = choose_csv
