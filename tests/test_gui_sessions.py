"""Opening one folder after another: each replaced catalogue session is released, thumbnails and all."""

from __future__ import annotations

import gc
import threading
import weakref
from pathlib import Path
from typing import Any

import shiboken6

from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.search.results_model import CARD_ROLE
from autosimnet_desktop.gui.catalogue.session import CatalogueSession
from autosimnet_desktop.gui.search.sources import QuerySource
from autosimnet_desktop.gui.runtime.thumbnails import ThumbnailLoader
from autosimnet_desktop.gui.runtime.watcher import FolderWatcher

from .gui_support import FakeCatalogue, build_window, gated_factory, make_catalogue, open_and_index, result_rows


class CyclicFake(FakeCatalogue):
    """A fake catalogue in a reference cycle, as the core's Catalogue is (its Searcher holds its method)."""

    def __init__(self, folder: Path, closings: list[Path]) -> None:
        super().__init__(folder)
        self.scale = self.count
        self.closings = closings

    def close(self) -> None:
        """Record the closing (the catalogue itself must be freed, so the test keeps no reference to it)."""
        super().close()
        self.closings.append(self.folder)


def sessions(window: Any) -> list[CatalogueSession]:
    """The catalogue sessions that are still QObjects under the window."""
    return window.findChildren(CatalogueSession)


def search_and_show_thumbnails(qtbot: Any, window: Any, folder: Path) -> list[Path]:
    """Search for one of the folder's photos and wait until every result card has its thumbnail in memory."""
    window.query(QuerySource.file(folder / "boxes" / "item-000.png"))
    model = window.page.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and window.page.title.text().endswith("item-000.png"))
    cards = lambda: [model.data(model.index(row), CARD_ROLE) for row in range(model.rowCount())]
    qtbot.waitUntil(lambda: all(card.state == "ready" for card in cards()), timeout=10_000)
    return [folder / card.path for card in cards()]


def test_replaced_sessions_are_released_with_their_thumbnails_and_catalogues(qtbot, tmp_path: Path) -> None:
    made: list[weakref.ref[CyclicFake]] = []
    closings: list[Path] = []

    def factory(folder: Path) -> CyclicFake:
        catalogue = CyclicFake(folder, closings)
        made.append(weakref.ref(catalogue))
        return catalogue

    window = build_window(qtbot, tmp_path, factory=factory,
                          watcher=FolderWatcher)  # a real watcher: its folder scans run on the pool too
    shop_a, shop_b = make_catalogue(tmp_path / "shop-a", 6), make_catalogue(tmp_path / "shop-b", 6)
    retired: list[tuple[weakref.ref[CatalogueSession], ThumbnailLoader, list[Path]]] = []
    for folder in (shop_a, shop_b, shop_a, shop_b, shop_a):
        if window.session is not None:
            loader = window.session.findChild(ThumbnailLoader)
            assert loader is not None and all(loader.details(path) is not None for path in shown)
            retired.append((weakref.ref(window.session), loader, shown))
        open_and_index(qtbot, window, folder)
        shown = search_and_show_thumbnails(qtbot, window, folder)
        qtbot.waitUntil(lambda: len(sessions(window)) == 1, timeout=5000)  # the one before is gone
        assert sessions(window) == [window.session]
    assert len(retired) == 4 and len(made) == 5
    assert closings == [shop_a, shop_b, shop_a, shop_b] and not made[-1]().closed
    window.runner.wait(5000)
    qtbot.waitUntil(lambda: not window.runner.busy)  # late results of retired sessions delivered: dropped quietly
    gc.collect()
    for session_ref, loader, paths in retired:
        assert not shiboken6.isValid(loader)
        assert all(loader.details(path) is None for path in paths)  # its cached tiles were dropped
        assert session_ref() is None  # nothing keeps the old session
    # Closed, and freed although each was frozen (gc.freeze) while open and is a reference cycle.
    assert [catalogue() for catalogue in made[:-1]] == [None] * 4
    assert result_rows(window) > 0 and sessions(window) == [window.session]


def test_a_session_is_released_only_after_its_running_job_has_finished(qtbot, tmp_path: Path) -> None:
    permits = threading.Semaphore(0)
    factory, catalogues = gated_factory(permits)
    window = build_window(qtbot, tmp_path, factory=factory)
    shop_a, shop_b = make_catalogue(tmp_path / "shop-a", 6), make_catalogue(tmp_path / "shop-b", 3)
    window.open_folder(shop_a)
    qtbot.waitUntil(lambda: window.session is not None and window.session.job_kind is JobKind.INDEX)
    old = window.session
    window.open_folder(shop_b)  # A's indexing is cancelled but waits for a permit for the file it is on
    qtbot.waitUntil(lambda: window.session.is_open and window.session.job_kind is JobKind.INDEX)  # B opened after
    assert shiboken6.isValid(old) and not catalogues[0].closed  # still in use by the pool: kept
    permits.release(100)
    qtbot.waitUntil(lambda: not shiboken6.isValid(old), timeout=5000)
    assert catalogues[0].closed and catalogues[0].count() <= 1  # cancelled after the file it was on
    assert old.catalogue is None
    qtbot.waitUntil(lambda: window.session.is_open and window.session.last_report is not None
                    and not window.session.job_kind, timeout=5000)
    assert sessions(window) == [window.session] and catalogues[1].count() == 3


def test_a_folder_that_fails_to_open_is_released_too(qtbot, tmp_path: Path) -> None:
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, make_catalogue(tmp_path / "shop", 3))
    window.open_folder(tmp_path / "missing")
    qtbot.waitUntil(lambda: window.showing_welcome and "Couldn't open missing" in window.messages.text)
    qtbot.waitUntil(lambda: not sessions(window), timeout=5000)
    assert window.session is None
