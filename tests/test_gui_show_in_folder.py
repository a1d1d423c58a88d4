"""Issue 19, point 4: Show in folder never fails silently; without a file manager the app says where the file is."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from autosimnet_desktop.gui.duplicates.dialog import DuplicatesDialog
from autosimnet_desktop.gui.search.sources import QuerySource

from .gui_support import RecordingDesktop, build_window, make_catalogue, make_image, open_and_index, result_rows
from .gui_support import clean_clipboard  # a fixture the tests below ask for by name


@pytest.mark.usefixtures("clean_clipboard")
@pytest.mark.parametrize("file_manager", ["refuses", "silent"])
def test_show_in_folder_without_a_file_manager_says_where_the_photo_is(qtbot, tmp_path: Path,
                                                                       file_manager: str) -> None:
    folder = make_catalogue(tmp_path / "shop", 4)
    window = build_window(qtbot, tmp_path, desktop=RecordingDesktop(file_manager=file_manager))
    open_and_index(qtbot, window, folder)
    window.query(QuerySource.file(folder / "boxes" / "item-000.png"))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    window.messages.clear()
    window.actions_.show_in_folder.trigger()
    first = window.page.model.absolute_path(0)
    assert window.services.desktop.revealed == [first]
    assert f"No file manager could show {first.name}. It is in {first.parent}" in window.messages.text
    window.messages._action.click()  # "Copy path"
    assert QGuiApplication.clipboard().text() == str(first)


def test_the_export_message_and_the_duplicates_dialog_say_it_too(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 4)
    make_image(folder / "copy" / "item-000-again.png", 10)
    window = build_window(qtbot, tmp_path, desktop=RecordingDesktop(file_manager="silent"))
    open_and_index(qtbot, window, folder)
    written = tmp_path / "related.csv"
    window.related_export.finished(written)
    window.messages._action.click()  # "Show in folder"
    assert "No file manager could show it" in window.messages.text and str(written) in window.messages.text
    window.actions_.duplicates.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(DuplicatesDialog)), timeout=10_000)
    dialog = window.findChildren(DuplicatesDialog)[0]
    group = dialog.tree.topLevelItem(0)
    dialog.tree.setCurrentItem(group.child(0))
    dialog._reveal()
    assert dialog.unrevealed_box is not None and "No file manager could show" in dialog.unrevealed_box.text()
