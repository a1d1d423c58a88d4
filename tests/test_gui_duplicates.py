"""The duplicates dialog: the shop owner sets how alike duplicates must be and searches again, in the background."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from autosimnet_desktop.core.records import Cancelled, Progress, SearchHit
from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.duplicates.dialog import DuplicatesDialog
from autosimnet_desktop.gui.runtime.settings import Settings

from .gui_support import FakeCatalogue, build_window, gated_factory, make_catalogue, make_image, open_and_index


def shop_with_copies(tmp_path: Path) -> Path:
    """Four distinct products, an exact copy of one (100% alike) and a slightly darker shot of it (about 88%)."""
    folder = make_catalogue(tmp_path / "shop", 4)
    make_image(folder / "copy" / "item-000-again.png", 10)
    make_image(folder / "copy" / "item-000-darker.png", 25)
    return folder


def group_paths(dialog: DuplicatesDialog) -> list[set[str]]:
    """The groups a dialog shows, as sets of paths."""
    return [{hit.path for hit in group} for group in dialog.groups]


def first_dialog(qtbot: Any, window: Any) -> DuplicatesDialog:
    """Run 'Find duplicates' from the toolbar and return the dialog it opens."""
    window.actions_.duplicates.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(DuplicatesDialog)), timeout=10_000)
    return window.findChildren(DuplicatesDialog)[0]


class SlowDuplicates(FakeCatalogue):
    """A fake catalogue whose second and later duplicate searches report progress, then wait for `gate`."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.gate = threading.Event()
        self.searches = 0

    def duplicates(self, min_similarity: float = 0.95, progress: Any = None,
                   cancel: Any = None) -> list[list[SearchHit]]:
        """Like the fake's, held at the gate (cancellable) after the first search."""
        self.searches += 1
        if self.searches > 1:
            if progress is not None:
                progress(Progress(2, self.count(), 10.0, 0.4, "", "searching"))
            while not self.gate.wait(0.01):
                if cancel is not None and cancel.cancelled:
                    raise Cancelled()
        return super().duplicates(min_similarity)


def test_searching_again_at_another_similarity_finds_other_groups_and_is_remembered(qtbot, tmp_path: Path) -> None:
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, shop_with_copies(tmp_path))
    dialog = first_dialog(qtbot, window)
    assert dialog.threshold_spin.value() == 95 and dialog.threshold_spin.minimum() == 80
    assert group_paths(dialog) == [{"boxes/item-000.png", "copy/item-000-again.png"}]

    dialog.threshold_spin.setValue(85)
    dialog.search_button.click()
    assert dialog.is_searching and not dialog.search_button.isEnabled()
    assert window.session.job_kind is JobKind.DUPLICATES  # the session's background job, as the first search
    qtbot.waitUntil(lambda: not dialog.is_searching, timeout=10_000)
    assert group_paths(dialog) == [{"boxes/item-000.png", "copy/item-000-again.png", "copy/item-000-darker.png"}]
    group = dialog.tree.topLevelItem(0)
    assert group.text(0) == "Group 1 · look-alikes: 3 photos"
    assert [group.child(i).text(1) for i in range(3)] == ["first photo", "copy (100%)", "88% alike"]  # measured from the first photo
    assert "85% similarity or more" in dialog.intro.text() and dialog.search_button.isEnabled()
    assert window.findChildren(DuplicatesDialog) == [dialog]  # the same dialog shows the new groups

    dialog.threshold_spin.setValue(100)  # only copies of the same photo
    dialog.search_button.click()
    qtbot.waitUntil(lambda: not dialog.is_searching, timeout=10_000)
    assert group_paths(dialog) == [{"boxes/item-000.png", "copy/item-000-again.png"}]

    dialog.threshold_spin.setValue(85)
    dialog.search_button.click()
    qtbot.waitUntil(lambda: not dialog.is_searching, timeout=10_000)
    assert window.settings.duplicate_similarity == 0.85
    window.settings.sync()
    assert Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)).duplicate_similarity == 0.85
    dialog.close()
    qtbot.waitUntil(lambda: not window.findChildren(DuplicatesDialog))
    again = first_dialog(qtbot, window)  # the toolbar's search uses the remembered similarity
    assert again.threshold_spin.value() == 85 and len(again.groups[0]) == 3
    again.close()


def search_again_slowly(qtbot: Any, tmp_path: Path) -> tuple[Any, DuplicatesDialog, list[SlowDuplicates]]:
    """A window over a shop with copies, its duplicates dialog open, searching again at 85% and held there."""
    made: list[SlowDuplicates] = []
    window = build_window(qtbot, tmp_path, factory=lambda folder: made.append(SlowDuplicates(folder)) or made[-1])
    open_and_index(qtbot, window, shop_with_copies(tmp_path))
    dialog = first_dialog(qtbot, window)
    dialog.threshold_spin.setValue(85)
    dialog.search_button.click()
    return window, dialog, made


def test_the_dialog_stays_usable_and_shows_progress_while_it_searches_again(qtbot, tmp_path: Path) -> None:
    window, dialog, made = search_again_slowly(qtbot, tmp_path)
    qtbot.waitUntil(lambda: "Looking for duplicates among 2 of 6 products" in dialog.progress.label.text())
    assert dialog.progress.isVisibleTo(dialog) and "2 of 6" in window.progress.label.text()
    assert "at least 85% similar" in dialog.intro.text()
    # The last groups stay listed and usable meanwhile.
    assert dialog.tree.isEnabled() and len(dialog.groups) == 1
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0).child(1))
    dialog._reveal()
    assert window.services.desktop.revealed == [window.session.folder / "copy/item-000-again.png"]
    made[0].gate.set()
    qtbot.waitUntil(lambda: not dialog.is_searching, timeout=10_000)
    assert len(dialog.groups[0]) == 3 and not dialog.progress.isVisibleTo(dialog)
    dialog.close()


def test_cancel_keeps_the_last_groups_and_closing_stops_the_search(qtbot, tmp_path: Path) -> None:
    window, dialog, _ = search_again_slowly(qtbot, tmp_path)
    dialog.progress.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.is_searching and not window.session.job_kind, timeout=10_000)
    assert dialog.intro.text().startswith("Search stopped.") and len(dialog.groups[0]) == 2
    assert dialog.search_button.isEnabled()

    dialog.search_button.click()
    assert window.session.job_kind is JobKind.DUPLICATES
    dialog.close()  # nobody will look at the result: the search stops, and no new dialog pops up
    qtbot.waitUntil(lambda: not window.session.job_kind, timeout=10_000)  # its outcome was handled then too
    assert not window.findChildren(DuplicatesDialog) and "Stopped" not in window.messages.text


def test_searching_again_while_the_folder_is_being_indexed_says_so(qtbot, tmp_path: Path) -> None:
    permits = threading.Semaphore(6)
    factory, _ = gated_factory(permits)
    window = build_window(qtbot, tmp_path, factory=factory)
    folder = shop_with_copies(tmp_path)
    open_and_index(qtbot, window, folder)
    dialog = first_dialog(qtbot, window)
    make_image(folder / "new.png", 200)
    window.session.reindex()  # held before its one new file
    dialog.threshold_spin.setValue(85)
    dialog.search_button.click()
    assert not dialog.is_searching and window.session.job_kind is JobKind.INDEX
    assert dialog.intro.text().startswith("The catalogue is being updated right now")
    assert len(dialog.groups[0]) == 2 and dialog.search_button.isEnabled()
    assert window.settings.duplicate_similarity == 0.95  # nothing ran at 85%: nothing to remember yet
    permits.release()
    qtbot.waitUntil(lambda: not window.session.job_kind, timeout=10_000)
    dialog.search_button.click()
    qtbot.waitUntil(lambda: not dialog.is_searching, timeout=10_000)
    assert len(dialog.groups[0]) == 3
    dialog.close()
