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
    """Ask where to save a file like `start` (.csv, or .json); the suffix is added when left out."""
    suffix = start.suffix.lower() if start is not None and start.suffix else ".csv"
    kind = "JSON files" if suffix == ".json" else "CSV files"
    name, _ = QFileDialog.getSaveFileName(parent, "Save as", str(start or Path.home()), f"{kind} (*{suffix})")
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def choose_product_file(parent: QWidget, start: Path | None) -> Path | None:
    """Ask for the shop's product export (a CSV file)."""
    name, _ = QFileDialog.getOpenFileName(parent, "Use your shop's product list", str(start or Path.home()),
                                          "CSV files (*.csv *.txt);;All files (*)")
    return Path(name) if name else None


def choose_photos(parent: QWidget, start: Path | None) -> list[Path]:
    """Ask for several photos (new supplier photos to check against the catalogue)."""
    patterns = " ".join(f"*{ext}" for ext in sorted(supported_extensions()))
    names, _ = QFileDialog.getOpenFileNames(parent, "Choose new photos to check", str(start or Path.home()),
                                            f"Images ({patterns});;All files (*)")
    return [Path(n) for n in names]


@dataclass(frozen=True)
class Choosers:
    """The questions the window may ask with a file dialog."""

    folder: Chooser = choose_folder  # also the folder of new photos to check
    image: Chooser = choose_image
    csv: Chooser = choose_csv  # where to save a CSV (or JSON) file
    product_file: Chooser = choose_product_file
    photos: Callable[[QWidget, Path | None], list[Path]] = choose_photos
