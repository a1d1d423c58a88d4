"""The main window with a small fake catalogue: welcome, indexing and cancel, drops, paste, results, errors."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.search.sources import QuerySource

from .gui_support import FakeCatalogue, build_window, gated_factory, make_catalogue, make_image, open_and_index, result_rows
from .gui_support import clean_clipboard  # a fixture the tests below ask for by name


def drop(window, mime: QMimeData) -> None:
    """Deliver drag-enter then drop events to the window, as a file manager or browser would."""
    enter = QDragEnterEvent(QPoint(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted(), "the window refused the drag"
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    assert event.isAccepted()


def file_mime(path: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def results(window) -> list[str]:
    model = window.page.model
    return [model.hit(row).path for row in range(model.rowCount())]


def searched_shop(qtbot, tmp_path: Path, photos: int) -> tuple[Any, Path]:
    """A window over a fresh shop of `photos` photos, indexed, showing the results for its first photo."""
    folder = make_catalogue(tmp_path / "shop", photos)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    window.query(QuerySource.file(folder / "boxes" / "item-000.png"))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    return window, folder


def test_first_run_shows_the_welcome_state(qtbot, tmp_path: Path) -> None:
    window = build_window(qtbot, tmp_path)
    window.show()
    assert window.showing_welcome
    assert window.welcome.open_button.text() == "Open your catalogue folder…"
    assert window.welcome.sample_button.text() == "Try the sample catalogue"
    assert window.welcome._recent_title.isHidden()  # no history yet
    assert not window.actions_.open_image.isEnabled()


def test_recent_catalogues_are_offered_and_remembered(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 4)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    assert window.settings.recent_folders == [folder]
    window.show_welcome()
    assert not window.welcome._recent_title.isHidden()
    window.actions_.recent_menu.aboutToShow.emit()
    assert str(folder) in [a.text() for a in window.actions_.recent_menu.actions()]


def test_indexing_shows_progress_can_be_cancelled_and_keeps_finished_work(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 12)
    permits = threading.Semaphore(0)
    factory, catalogues = gated_factory(permits)

    window = build_window(qtbot, tmp_path, factory=factory)
    window.show()
    window.open_folder(folder)
    assert not window.showing_welcome
    qtbot.waitUntil(lambda: window.session.job_kind is JobKind.INDEX)
    permits.release(3)  # let three files through, hold the rest
    qtbot.waitUntil(lambda: "3 of 12 photos" in window.progress.label.text())
    assert window.progress.isVisible() and window.progress.cancel_button.isEnabled()
    assert "photos/s" in window.progress.label.text() and window.progress.bar.fraction is not None
    window.progress.cancel_button.click()
    assert window.progress.cancel_button.text() == "Stopping…"
    permits.release(1)  # the file in flight finishes; then the run stops
    qtbot.waitUntil(lambda: not window.session.job_kind)
    assert window.session.last_report.cancelled
    assert not window.progress.isVisible()
    assert "Indexing stopped" in window.messages.text
    assert catalogues[0].count() == 4
    permits.release(100)
    window.actions_.rescan.trigger()  # resumes where it stopped
    qtbot.waitUntil(lambda: window.session.last_report is not None and not window.session.job_kind
                    and catalogues[0].count() == 12)
    qtbot.waitUntil(lambda: "12 photos indexed" in window.summary.label.text())


def test_queries_work_while_indexing_runs(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 10)
    permits = threading.Semaphore(0)
    window = build_window(qtbot, tmp_path, factory=lambda p: FakeCatalogue(p, permits=permits))
    window.open_folder(folder)
    qtbot.waitUntil(lambda: window.session.job_kind is JobKind.INDEX)
    permits.release(3)
    qtbot.waitUntil(lambda: window.session.catalogue.count() == 3)
    window.query(QuerySource.file(folder / "boxes" / "item-000.png"))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    assert window.session.job_kind is JobKind.INDEX  # still going
    assert result_rows(window) == 3
    permits.release(100)
    qtbot.waitUntil(lambda: result_rows(window) == 10)  # re-queried when indexing finished


def test_dropping_a_file_searches_for_it_and_shows_it_large(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 12)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    photo = make_image(tmp_path / "customer photo.png", 10)  # darkest box, like item-000
    drop(window, file_mime(photo))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    assert results(window)[0] == "boxes/item-000.png"
    sims = [window.page.model.hit(r).similarity for r in range(window.page.model.rowCount())]
    assert sims == sorted(sims, reverse=True)
    assert window.page.panel.name_label.text() == "customer photo.png"
    assert window.page.panel.preview.has_image()
    assert "96 × 96 pixels" in window.page.panel.detail_label.text()
    assert window.page.title.text() == "Products similar to customer photo.png"
    assert result_rows(window) == 12  # fewer photos than the default 20 results


def test_dropping_image_data_and_a_folder(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 6)
    other = make_catalogue(tmp_path / "other shop", 3)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    mime = QMimeData()
    mime.setData("image/png", QByteArray(make_image(tmp_path / "x.png", 200, "ellipse").read_bytes()))
    drop(window, mime)
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    assert window.page.panel.name_label.text() == "Dropped image"
    drop(window, file_mime(other))
    qtbot.waitUntil(lambda: window.session.folder == other and window.session.is_open)
    assert result_rows(window) == 0 and window.windowTitle().startswith("other shop")


@pytest.mark.usefixtures("clean_clipboard")
def test_paste_an_image_or_a_copied_file(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 6)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    QGuiApplication.clipboard().setMimeData(file_mime(folder / "round" / "item-001.png"))
    window.actions_.paste.trigger()
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    assert results(window)[0] == "round/item-001.png"
    mime = QMimeData()
    mime.setData("image/png", QByteArray(make_image(tmp_path / "y.png", 90).read_bytes()))
    QGuiApplication.clipboard().setMimeData(mime)
    window.paste()
    qtbot.waitUntil(lambda: window.page.title.text() == "Products similar to Pasted image")
    QGuiApplication.clipboard().setText("hello")
    window.paste()
    assert "no image on the clipboard" in window.messages.text


def test_find_similar_browses_from_product_to_product_and_back(qtbot, tmp_path: Path) -> None:
    window, folder = searched_shop(qtbot, tmp_path, 12)
    view = window.page.view
    view.setCurrentIndex(window.page.model.index(2))
    chosen = window.page.model.hit(2).path
    assert window.actions_.find_similar.isEnabled()
    window.actions_.find_similar.trigger()
    qtbot.waitUntil(lambda: window.page.title.text() == f"Products similar to {Path(chosen).name}")
    assert chosen not in results(window)  # a product is not "similar to itself"
    assert "from your catalogue" in window.page.panel.detail_label.text()
    assert window.actions_.back.isEnabled()
    window.actions_.back.trigger()
    qtbot.waitUntil(lambda: window.page.title.text() == "Products similar to item-000.png")
    window.actions_.back.trigger()  # from the first search, back to the product list
    qtbot.waitUntil(lambda: window.page.browsing and window.page.title.text() == "All products")
    assert not window.actions_.back.isEnabled()


@pytest.mark.usefixtures("clean_clipboard")
def test_result_actions_use_the_system_through_one_door(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 6)
    window = build_window(qtbot, tmp_path)
    desktop = window.services.desktop
    window.show()
    qtbot.waitExposed(window)
    open_and_index(qtbot, window, folder)
    window.query(QuerySource.file(folder / "boxes" / "item-000.png"))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    first = folder / "boxes" / "item-000.png"
    window.page.view.setFocus()
    window.page.view.setCurrentIndex(window.page.model.index(0))
    qtbot.keyClick(window.page.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert desktop.opened == [first]
    rect = window.page.view.visualRect(window.page.model.index(0))
    qtbot.mouseClick(window.page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    window.actions_.show_in_folder.trigger()
    assert desktop.opened == [first, first] and desktop.revealed == [first]
    window.actions_.copy_path.trigger()
    assert QGuiApplication.clipboard().text() == str(first)
    window.actions_.copy_image.trigger()
    qtbot.waitUntil(lambda: not QGuiApplication.clipboard().image().isNull())
    assert QGuiApplication.clipboard().mimeData().urls()[0].toLocalFile() == str(first)
    assert window.actions_.copy_image in window.page.view.actions()  # the grid's context menu
    assert window.page.view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu


def test_keyboard_moves_through_the_results(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 8)
    window = build_window(qtbot, tmp_path)
    window.show()
    open_and_index(qtbot, window, folder)
    window.query(QuerySource.file(folder / "boxes" / "item-000.png"))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    view = window.page.view
    view.setFocus()
    assert window.page.current_row() == 0  # the best match is selected, ready for Enter
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert window.page.current_row() == 1
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert window.page.current_row() == 7


def test_the_similarity_slider_and_result_count(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 12)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    window.query(QuerySource.file(folder / "boxes" / "item-000.png"))
    qtbot.waitUntil(lambda: result_rows(window) == 12)
    window.page.panel.similarity_slider.setValue(50)
    shown = result_rows(window)
    assert 0 < shown < 12 and window.settings.min_similarity == 0.5
    assert "less than 50% similar hidden" in window.page.summary.text()
    window.page.panel.similarity_slider.setValue(0)
    window.page.panel.count_spin.setValue(3)
    qtbot.waitUntil(lambda: result_rows(window) == 3)
    assert window.settings.result_count == 3


def test_errors_show_as_a_message_never_a_traceback(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 4)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    text_file = tmp_path / "notes.jpg"
    text_file.write_text("this is not a photo")
    drop(window, file_mime(text_file))
    qtbot.waitUntil(lambda: window.messages.level == "error" and bool(window.messages.text))
    assert window.messages.text.startswith("Couldn't search for notes.jpg: This file is not an image this app can read")
    assert "Traceback" not in window.messages.text

    window.open_folder(tmp_path / "gone")
    qtbot.waitUntil(lambda: window.showing_welcome)
    assert "Couldn't open gone" in window.messages.text and "does not exist" in window.messages.text


def test_a_folder_that_vanished_leaves_the_recent_list(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 3)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    window.open_folder(tmp_path / "other")  # fails: never existed
    qtbot.waitUntil(lambda: window.showing_welcome)
    assert window.settings.recent_folders == [folder]
    window.settings.add_recent_folder(tmp_path / "moved")
    window.open_folder(tmp_path / "moved")
    qtbot.waitUntil(lambda: window.showing_welcome and (tmp_path / "moved") not in window.settings.recent_folders)


def test_a_model_that_fails_to_load_is_explained(qtbot, tmp_path: Path) -> None:
    from autosimnet_desktop.core.records import ModelError

    def broken(path: Path) -> FakeCatalogue:
        raise ModelError("cannot load model custom.onnx: invalid protobuf")

    window = build_window(qtbot, tmp_path, factory=broken)
    window.open_folder(make_catalogue(tmp_path / "shop", 2))
    qtbot.waitUntil(lambda: window.messages.level == "error" and "invalid protobuf" in window.messages.text)
    assert window.showing_welcome


def test_a_query_before_any_catalogue_waits_for_one(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 5)
    window = build_window(qtbot, tmp_path)
    window.query(QuerySource.file(folder / "round" / "item-001.png"))  # like --query IMAGE without a folder
    assert "Open your catalogue folder first" in window.messages.text
    open_and_index(qtbot, window, folder)
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    assert window.page.panel.name_label.text() == "item-001.png"


def test_export_related_products_writes_the_contract_csv(qtbot, tmp_path: Path) -> None:
    from autosimnet_desktop.gui.runtime.choosers import Choosers

    from .gui_support import refuse_dialog

    folder = make_catalogue(tmp_path / "shop", 5)
    target = tmp_path / "out" / "related.csv"
    target.parent.mkdir()
    window = build_window(qtbot, tmp_path, choosers=Choosers(refuse_dialog, refuse_dialog, lambda *_: target))
    open_and_index(qtbot, window, folder)
    window.actions_.export_related.trigger()
    qtbot.waitUntil(lambda: window.related_export.dialog is not None and window.related_export.dialog.isVisible())
    dialog = window.related_export.dialog
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findText("Plain CSV"))
    dialog.accept()
    qtbot.waitUntil(lambda: target.exists() and not window.session.job_kind)
    lines = target.read_text().splitlines()
    assert lines[0] == "product,rank,similar,similarity"
    assert len(lines) == 1 + 5 * 4 and lines[1].split(",")[1] == "1"
    assert "Related products saved" in window.messages.text
    window.messages._action.click()  # "Show in folder"
    assert window.services.desktop.revealed == [target]


def test_find_duplicates_shows_the_groups(qtbot, tmp_path: Path) -> None:
    from autosimnet_desktop.gui.duplicates.dialog import DuplicatesDialog

    folder = make_catalogue(tmp_path / "shop", 4)
    make_image(folder / "copy" / "item-000-again.png", 10)  # a duplicate of boxes/item-000.png
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    window.actions_.duplicates.trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, DuplicatesDialog) for w in window.findChildren(DuplicatesDialog)))
    dialog = window.findChildren(DuplicatesDialog)[0]
    assert len(dialog.groups) == 1
    assert {h.path for h in dialog.groups[0]} == {"boxes/item-000.png", "copy/item-000-again.png"}
    assert dialog.tree.topLevelItem(0).text(0).endswith(": 2 photos")
    dialog.close()


def test_unreadable_files_are_counted_and_listed(qtbot, tmp_path: Path) -> None:
    from autosimnet_desktop.gui.dialogs.unreadable import FailuresDialog

    folder = make_catalogue(tmp_path / "shop", 3)
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    qtbot.waitUntil(lambda: not window.summary.failures_button.isHidden())
    assert window.summary.failures_button.text() == "⚠ 1 unreadable file"
    window.summary.failures_button.click()
    qtbot.waitUntil(lambda: bool(window.findChildren(FailuresDialog)))
    table = window.findChildren(FailuresDialog)[0].table
    assert table.item(0, 0).text() == "broken.png" and table.item(0, 1).text()


def test_about_shows_the_version_and_the_model(qtbot, tmp_path: Path) -> None:
    from autosimnet_desktop import __version__
    from autosimnet_desktop.gui.dialogs.about import AboutDialog

    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, make_catalogue(tmp_path / "shop", 2))
    window.actions_.about.trigger()
    dialog = window.findChildren(AboutDialog)[0]
    text = dialog.details.toPlainText()
    assert "fake-dae" in text and "9.9" in text and "test pixels" in text and "64 numbers, l2" in text
    assert any(__version__ in label.text() for label in dialog.findChildren(type(window.summary.label)))
    dialog.close()


def test_closing_cancels_work_and_closes_the_catalogue(qtbot, tmp_path: Path) -> None:
    permits = threading.Semaphore(0)
    factory, catalogues = gated_factory(permits)

    window = build_window(qtbot, tmp_path, factory=factory)
    folder = make_catalogue(tmp_path / "shop", 5)
    window.open_folder(folder)
    qtbot.waitUntil(lambda: window.session.job_kind is JobKind.INDEX)
    permits.release(1)
    qtbot.waitUntil(lambda: catalogues[0].count() == 1)
    permits.release(1)  # in flight when the window closes: it finishes, the rest is cancelled
    window.close()
    assert catalogues[0].count() in (1, 2)
    assert catalogues[0].closed
    assert window.settings.last_folder == folder
    assert window.settings.geometry is not None


def test_a_result_can_be_dragged_back_in_to_search(qtbot, tmp_path: Path) -> None:
    window, folder = searched_shop(qtbot, tmp_path, 6)
    mime = window.page.model.mimeData([window.page.model.index(1)])
    drop(window, mime)
    second = window.page.model.hit(1).path
    qtbot.waitUntil(lambda: window.page.title.text() == f"Products similar to {Path(second).name}")
