"""The selected result shown large inside the window: decoded on the pool, with its size and path; hideable."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from autosimnet_desktop.gui.runtime.formatting import file_size
from autosimnet_desktop.gui.search.sources import QuerySource

from .gui_support import build_window, make_catalogue, make_image, open_and_index, result_rows


def test_the_selected_result_is_shown_large_with_its_size_and_path(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 6)
    big = make_image(folder / "big" / "poster.png", 12, size=(1600, 1200))
    window = build_window(qtbot, tmp_path)
    # Offscreen, the screen is 800 pixels wide: on a screen that narrow the grid keeps the preview's room.
    assert not window.actions_.show_preview.isChecked() and window.settings.preview_visible is None
    window.actions_.show_preview.setChecked(True)
    window.show()
    qtbot.waitExposed(window)
    open_and_index(qtbot, window, folder)
    window.query(QuerySource.file(big))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    preview = window.page.preview
    assert preview.isVisible()
    first = window.page.model.absolute_path(0)
    qtbot.waitUntil(lambda: preview.loaded is not None and preview.loaded.path == first)
    assert preview.image.has_image() and preview.path_label.text() == str(first)
    assert preview.name_label.text() == first.name
    row = next(r for r in range(window.page.model.rowCount()) if window.page.model.hit(r).path == "big/poster.png")
    window.page.view.setCurrentIndex(window.page.model.index(row))
    qtbot.waitUntil(lambda: preview.loaded is not None and preview.loaded.path == big)
    details = preview.details_label.text()
    assert "1,600 × 1,200 pixels" in details and file_size(big.stat().st_size) in details
    # Decoded at the panel's size, not the file's: what is kept in memory follows the window.
    assert max(preview.loaded.image.width(), preview.loaded.image.height()) < 1600


def test_the_preview_can_be_hidden_and_remembers_it(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 4)
    window = build_window(qtbot, tmp_path)
    window.show()
    qtbot.waitExposed(window)
    open_and_index(qtbot, window, folder)
    window.actions_.show_preview.setChecked(True)
    window.actions_.show_preview.trigger()
    assert not window.page.preview.isVisible() and window.settings.preview_visible is False
    window.query(QuerySource.file(folder / "boxes" / "item-000.png"))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    assert window.page.preview.path_label.text() == str(window.page.model.absolute_path(0))
    window.actions_.show_preview.trigger()  # shown again: the photo selected meanwhile loads
    qtbot.waitUntil(lambda: window.page.preview.loaded is not None)


def test_f11_fills_the_screen(qtbot, tmp_path: Path) -> None:
    window = build_window(qtbot, tmp_path)
    assert "F11" in [k.toString() for k in window.actions_.full_screen.shortcuts()]
    window.actions_.full_screen.trigger()
    assert window.windowState() & Qt.WindowState.WindowFullScreen
    window.actions_.full_screen.trigger()
    assert not window.windowState() & Qt.WindowState.WindowFullScreen
