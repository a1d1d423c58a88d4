"""The main window's collaborators, gathered in one record so tests can hand it small real ones or fakes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from autosimnet_desktop.locations import sample_catalogue
from autosimnet_desktop.gui.runtime.choosers import Choosers
from autosimnet_desktop.gui.catalogue.session import CatalogueFactory, ThumbnailDir, default_thumbnail_dir
from autosimnet_desktop.gui.runtime.desktop import Desktop
from autosimnet_desktop.gui.runtime.tasks import TaskRunner
from autosimnet_desktop.gui.runtime.watcher import FolderWatcher


@dataclass
class Services:
    """The window's collaborators, passed in so tests can use small real ones or fakes."""

    factory: CatalogueFactory
    runner: TaskRunner
    desktop: Desktop = field(default_factory=Desktop)
    choosers: Choosers = field(default_factory=Choosers)
    watcher: Callable[[TaskRunner], FolderWatcher | None] = FolderWatcher
    thumbnail_dir: ThumbnailDir = default_thumbnail_dir
    sample_folder: Callable[[], Path] = sample_catalogue
