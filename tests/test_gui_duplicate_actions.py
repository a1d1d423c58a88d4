"""Issue 19, point 6: duplicates the owner can act on: copies apart from look-alikes, the most alike first,
big thumbnails, the list saved or copied with a header, and ticked photos moved (never deleted) after asking."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from autosimnet_desktop.gui.duplicates.dialog import ICON, DuplicatesDialog

from .gui_support import build_window, make_catalogue, make_image, open_and_index
from .gui_support import clean_clipboard  # a fixture the tests below ask for by name


def shop(tmp_path: Path) -> Path:
    """Distinct products, an exact copy of one and a slightly lighter shot of another (a look-alike)."""
    folder = make_catalogue(tmp_path / "shop", 4)  # shades 10, 60, 110, 160
    make_image(folder / "copies" / "item-002-again.png", 110, "box")
    make_image(folder / "alike" / "item-000-lighter.png", 30, "box")
    return folder


def open_dialog(qtbot, tmp_path: Path):
    folder = shop(tmp_path)
    window = build_window(qtbot, tmp_path)
    window.settings.duplicate_similarity = 0.8
    open_and_index(qtbot, window, folder)
    window.actions_.duplicates.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(DuplicatesDialog)), timeout=10_000)
    return window, window.findChildren(DuplicatesDialog)[0], folder


def member(dialog: DuplicatesDialog, group: int, row: int):
    return dialog.tree.topLevelItem(group).child(row)


@pytest.mark.usefixtures("clean_clipboard")
def test_copies_come_first_apart_from_look_alikes_and_the_list_has_a_header(qtbot, tmp_path: Path) -> None:
    window, dialog, folder = open_dialog(qtbot, tmp_path)
    headers = [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]
    assert headers[0].startswith("Group 1 · copies of the same photo") and "look-alikes" in headers[1]
    assert member(dialog, 0, 1).text(1) == "copy (100%)" and member(dialog, 1, 1).text(1).endswith("% alike")
    assert dialog.tree.iconSize().width() == ICON >= 96
    dialog.copy_list()
    rows = list(csv.reader(QGuiApplication.clipboard().text().splitlines(), delimiter="\t"))
    assert rows[0] == ["group", "kind", "path", "similarity", "product"] and rows[1][:2] == ["1", "copy"]
    saved = tmp_path / "out" / "dupes.csv"
    saved.parent.mkdir()
    dialog.choose_list_file = lambda parent, start: saved
    dialog.save_list()
    with saved.open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert {row["path"] for row in table} == {"boxes/item-002.png", "copies/item-002-again.png",
                                              "boxes/item-000.png", "alike/item-000-lighter.png"}
    assert {row["kind"] for row in table} == {"copy", "look-alike"}


def test_ticked_photos_move_to_a_chosen_folder_only_after_a_question_naming_them(qtbot, tmp_path: Path) -> None:
    window, dialog, folder = open_dialog(qtbot, tmp_path)
    asked: list[str] = []
    dialog.confirm = lambda parent, text: asked.append(text) or False
    target = tmp_path / "set aside"
    dialog.choose_target_folder = lambda parent, start: target
    dialog.move_ticked_to_folder()
    assert asked == [] and "Tick the photos" in dialog.intro.text()  # nothing ticked: nothing asked, nothing moved
    member(dialog, 0, 1).setCheckState(0, Qt.CheckState.Checked)
    dialog.move_ticked_to_folder()
    assert "copies/item-002-again.png" in asked[0] and (folder / "copies" / "item-002-again.png").exists()
    dialog.confirm = lambda parent, text: True  # the owner says yes
    dialog.move_ticked_to_folder()
    qtbot.waitUntil(lambda: not dialog.is_moving)  # moved on the pool, not on the GUI thread
    assert (target / "copies" / "item-002-again.png").exists()
    assert not (folder / "copies" / "item-002-again.png").exists()
    assert "Moved 1 photo" in dialog.intro.text()
    assert dialog.tree.topLevelItem(0).childCount() == 1  # off the list


def test_ticked_photos_go_to_the_trash_never_deleted(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # Qt's trash on Linux: $XDG_DATA_HOME/Trash
    (tmp_path / "data").mkdir()
    window, dialog, folder = open_dialog(qtbot, tmp_path)
    dialog.confirm = lambda parent, text: True
    member(dialog, 1, 1).setCheckState(0, Qt.CheckState.Checked)
    photo = folder / member(dialog, 1, 1).data(0, Qt.ItemDataRole.UserRole)
    dialog.move_ticked_to_trash()
    qtbot.waitUntil(lambda: not dialog.is_moving)
    assert not photo.exists()
    trashed = list((tmp_path / "data" / "Trash" / "files").iterdir())
    assert [p.name for p in trashed] == [photo.name]


def test_each_photo_says_its_product_and_hundreds_move_off_the_gui_thread(qtbot, tmp_path: Path) -> None:
    import threading

    from autosimnet_desktop.gui.duplicates import cleanup

    folder = shop(tmp_path)
    window = build_window(qtbot, tmp_path)
    window.settings.duplicate_similarity = 0.8
    open_and_index(qtbot, window, folder)
    window.session.catalogue.set_grouping("folder")  # one product per folder: boxes, round, copies, alike
    window.actions_.duplicates.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(DuplicatesDialog)), timeout=10_000)
    dialog = window.findChildren(DuplicatesDialog)[0]
    products = {member(dialog, 0, r).text(0): member(dialog, 0, r).text(2) for r in range(2)}
    assert products == {"boxes/item-002.png": "boxes", "copies/item-002-again.png": "copies"}
    assert dialog.tree.headerItem().text(2) == "Product"
    threads: list[threading.Thread] = []
    real = cleanup.move_to_folder

    def spy(paths, root, target, report=None):
        threads.append(threading.current_thread())
        return real(paths, root, target, report)

    dialog.confirm = lambda parent, text: True
    dialog.choose_target_folder = lambda parent, start: tmp_path / "aside"
    member(dialog, 0, 1).setCheckState(0, Qt.CheckState.Checked)
    import autosimnet_desktop.gui.duplicates.dialog as dialog_module
    dialog_module.move_to_folder, saved = spy, dialog_module.move_to_folder
    try:
        dialog.move_ticked_to_folder()
        assert dialog.is_moving and dialog.progress.isVisibleTo(dialog)
        qtbot.waitUntil(lambda: not dialog.is_moving)
    finally:
        dialog_module.move_to_folder = saved
    assert threads and threads[0] is not threading.main_thread()
    assert "Moved 1 photo" in dialog.intro.text()
