"""Issue 19, point 3: a search waiting for a new folder is searched again as photos arrive, and its summary
counts the photos the grid was searched among."""

from __future__ import annotations

import threading
from pathlib import Path

from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.search.sources import QuerySource

from .gui_support import build_window, gated_factory, make_catalogue, make_image, result_rows


def test_a_search_waiting_for_a_new_folder_fills_in_as_photos_are_indexed(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 12)
    photo = make_image(tmp_path / "customer.png", 10)
    permits = threading.Semaphore(0)
    factory, catalogues = gated_factory(permits)
    window = build_window(qtbot, tmp_path, factory=factory)
    window.query(QuerySource.file(photo))  # like --query IMAGE with a folder never indexed
    window.open_folder(folder)
    qtbot.waitUntil(lambda: window.session.job_kind is JobKind.INDEX)
    qtbot.waitUntil(lambda: window.page.title.text() == "Products similar to customer.png")  # searched at 0 photos
    assert result_rows(window) == 0
    permits.release(5)  # five photos indexed, seven still to come: indexing goes on
    qtbot.waitUntil(lambda: result_rows(window) == 5, timeout=10_000)
    assert window.session.job_kind is JobKind.INDEX
    assert "among 5 photos" in window.page.summary.text()
    permits.release(7)
    qtbot.waitUntil(lambda: result_rows(window) == 12, timeout=10_000)
    assert "among 12 photos" in window.page.summary.text()
