"""Issue 19, point 7: a folder without photos the app reads says what it holds and what the app reads."""

from __future__ import annotations

from pathlib import Path

from .gui_support import build_window, make_catalogue, open_and_index


def test_a_folder_of_other_files_says_what_was_found(qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "price list.pdf").write_bytes(b"%PDF-1.4")
    (folder / "notes.txt").write_text("hello")
    (folder / "more notes.txt").write_text("hello")
    (folder / ".hidden.txt").write_text("not counted")
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    qtbot.waitUntil(lambda: "no photos the app can read" in window.page.view._placeholder)
    hint = window.page.view._placeholder
    assert "it found 3 files (.txt, .pdf)" in hint
    assert "It reads JPEG, PNG, WebP" in hint
    assert "No photos are indexed yet" not in hint


def test_an_empty_folder_says_so_and_photos_added_later_replace_the_words(qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "new shop"
    folder.mkdir()
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    qtbot.waitUntil(lambda: window.page.view._placeholder.startswith("This folder is empty."))
    make_catalogue(folder, 3)
    window.session.reindex()
    qtbot.waitUntil(lambda: window.session.count == 3)
    assert "empty" not in window.page.view._placeholder
