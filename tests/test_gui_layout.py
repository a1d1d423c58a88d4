"""Issue 19, points 2 and 8: the window fits a short or scaled screen; the message bar never moves the page."""

from __future__ import annotations

from pathlib import Path

from .gui_support import build_window, make_catalogue, open_and_index, result_rows

# A 1366x768 laptop at 150%, or a 1400x900 screen at QT_SCALE_FACTOR=2, leaves about 450 logical pixels of
# height (700 of width) for a window with its title bar and the desktop's panel.
SHORT_SCREEN_HEIGHT = 400
NARROW_SCREEN_WIDTH = 680


def test_the_window_fits_a_short_scaled_screen_on_every_page(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 6)
    window = build_window(qtbot, tmp_path)
    window.settings.add_recent_folder(folder)
    window.show_welcome()  # with a recent catalogue listed: the welcome page's tallest state
    window.show()
    for page in ("welcome", "catalogue"):
        if page == "catalogue":
            open_and_index(qtbot, window, folder)
        hint = window.minimumSizeHint().expandedTo(window.minimumSize())
        assert hint.height() <= SHORT_SCREEN_HEIGHT, page
        assert hint.width() <= NARROW_SCREEN_WIDTH, page
    window.resize(NARROW_SCREEN_WIDTH, SHORT_SCREEN_HEIGHT)
    qtbot.waitUntil(lambda: window.height() == SHORT_SCREEN_HEIGHT)
    status = window.statusBar()
    assert status.isVisible() and status.geometry().bottom() < window.height()


def test_a_message_floats_over_the_page_instead_of_pushing_it_down(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 6)
    window = build_window(qtbot, tmp_path)
    window.show()
    open_and_index(qtbot, window, folder)
    window.messages.clear()
    layout = window.centralWidget().layout()
    layout.activate()
    before = window.stack.geometry()
    window.messages.show_message("Something to say, long enough to take a line of its own.", "error")
    layout.activate()  # what Qt does on its next layout pass: a bar in the layout moves the page now
    assert window.messages.isVisible() and window.messages.height() > 0
    assert window.stack.geometry() == before
    assert window.messages.geometry().intersects(window.stack.geometry())  # on top of the page, in sight


def test_esc_dismisses_the_message_then_stops_the_running_job(qtbot, tmp_path: Path) -> None:
    import threading

    from PySide6.QtCore import Qt

    from autosimnet_desktop.gui.catalogue.jobs import JobKind

    from .gui_support import gated_factory

    folder = make_catalogue(tmp_path / "shop", 8)
    permits = threading.Semaphore(0)
    factory, catalogues = gated_factory(permits)
    window = build_window(qtbot, tmp_path, factory=factory)
    window.show()
    qtbot.waitExposed(window)
    window.open_folder(folder)
    qtbot.waitUntil(lambda: window.session.job_kind is JobKind.INDEX)
    window.messages.show_message("An old message", "error")
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.messages.text == "" and window.session.job_kind is JobKind.INDEX  # first the message
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    permits.release(8)
    qtbot.waitUntil(lambda: window.session.last_report is not None and window.session.job_kind is None)
    assert window.session.last_report.cancelled


def test_a_new_search_clears_the_messages_about_the_last_one(qtbot, tmp_path: Path) -> None:
    from autosimnet_desktop.gui.search.sources import QuerySource

    folder = make_catalogue(tmp_path / "shop", 4)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    window.messages.show_message("Couldn't search for notes.txt: not an image", "error")
    window.query(QuerySource.file(folder / "boxes" / "item-000.png"))
    assert window.messages.text == ""


def test_a_long_query_name_does_not_widen_the_window(qtbot, tmp_path: Path) -> None:
    from autosimnet_desktop.gui.search.sources import QuerySource

    from .gui_support import make_image

    folder = make_catalogue(tmp_path / "shop", 4)
    photo = make_image(tmp_path / ("a very long supplier photo name " * 4 + ".png"), 10)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    window.query(QuerySource.file(photo))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    assert window.minimumSizeHint().width() <= NARROW_SCREEN_WIDTH
