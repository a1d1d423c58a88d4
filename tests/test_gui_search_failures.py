"""Issue 19, points 1 and 5: a failed search leaves the search shown as it was; drops never answer Move."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from autosimnet_desktop.gui.search.sources import QuerySource

from .gui_support import build_window, make_catalogue, open_and_index, result_rows


def file_mime(path: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def shown(window) -> list[str]:
    model = window.page.model
    return [model.hit(row).path for row in range(model.rowCount())]


def test_a_failed_search_keeps_the_search_shown_and_is_not_run_again(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 12)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    photo = folder / "boxes" / "item-000.png"
    window.query(QuerySource.file(photo))
    qtbot.waitUntil(lambda: result_rows(window) == 12)
    before = shown(window)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    window.query(QuerySource.file(notes))
    qtbot.waitUntil(lambda: window.messages.level == "error" and "notes.txt" in window.messages.text)
    # The photo, its name and its results stay together: what is shown is still one search.
    assert window.page.panel.name_label.text() == "item-000.png"
    assert window.page.panel.preview.has_image()
    assert window.page.title.text() == "Products similar to item-000.png"
    assert shown(window) == before
    assert window.searches.current is not None and window.searches.current.path == photo
    # Changing Show searches again for the photo shown, not for the file that failed.
    window.messages.clear()
    window.page.panel.count_spin.setValue(3)
    qtbot.waitUntil(lambda: result_rows(window) == 3)
    assert shown(window) == before[:3]
    assert window.messages.text == ""
    window.actions_.back.trigger()  # the failed file is not a search to go back to: back to the product list
    qtbot.waitUntil(lambda: window.page.browsing)


def test_drops_are_taken_as_a_copy_never_a_move(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 4)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    mime = file_mime(folder / "boxes" / "item-000.png")
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    shift = Qt.KeyboardModifier.ShiftModifier  # a file manager proposes Move when Shift is held
    enter = QDragEnterEvent(QPoint(200, 200), actions, mime, Qt.MouseButton.LeftButton, shift)
    assert enter.proposedAction() == Qt.DropAction.MoveAction
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted() and enter.dropAction() == Qt.DropAction.CopyAction
    event = QDropEvent(QPointF(200, 200), actions, mime, Qt.MouseButton.LeftButton, shift)
    assert event.proposedAction() == Qt.DropAction.MoveAction
    QApplication.sendEvent(window, event)
    assert event.isAccepted() and event.dropAction() == Qt.DropAction.CopyAction
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    # A source that offers only Move is refused: the app would never give the photo back.
    only_move = QDragEnterEvent(QPoint(200, 200), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, only_move)
    assert not only_move.isAccepted()
