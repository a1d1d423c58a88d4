"""The window over the real engine: the shipped model, SQLite store and HNSW index on sample photos."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autosimnet_desktop import __version__
from autosimnet_desktop.core.storage.datadirs import thumbnail_cache_dir
from autosimnet_desktop.gui.app import build_parser, catalogue_factory
from autosimnet_desktop.gui.dialogs.about import AboutDialog
from autosimnet_desktop.gui.search.results_model import CARD_ROLE
from autosimnet_desktop.gui.search.sources import QuerySource
from autosimnet_desktop.locations import DEFAULT_MODEL, sample_catalogue

from .gui_support import build_window, open_and_index, result_rows

CLASSES = ("bag", "sneaker", "trouser")


@pytest.fixture()
def small_sample(tmp_path: Path) -> Path:
    """Three classes of the shipped sample catalogue (90 photos)."""
    folder = tmp_path / "sample"
    for name in CLASSES:
        shutil.copytree(sample_catalogue() / name, folder / name)
    return folder


def test_a_query_on_the_real_engine_finds_the_same_kind_of_product(qtbot, tmp_path: Path,
                                                                   small_sample: Path) -> None:
    window = build_window(qtbot, tmp_path, factory=catalogue_factory(None, None),
                          thumbnail_dir=lambda cat: thumbnail_cache_dir(cat.folder))
    open_and_index(qtbot, window, small_sample, timeout=60_000)
    assert window.session.count == 90
    query = next((small_sample / "bag").iterdir())
    window.query(QuerySource.file(query))
    qtbot.waitUntil(lambda: result_rows(window) == 20, timeout=10_000)
    top = [window.page.model.hit(r).path for r in range(10)]
    assert top[0] == f"bag/{query.name}"
    assert sum(p.startswith("bag/") for p in top) >= 8
    model = window.page.model
    qtbot.waitUntil(lambda: model.data(model.index(0), CARD_ROLE).state == "ready", timeout=10_000)
    cache = thumbnail_cache_dir(small_sample)
    assert any(cache.rglob("*.png"))  # cached for the next query
    window.actions_.about.trigger()
    about = window.findChildren(AboutDialog)[0].details.toPlainText()
    default = window.session.catalogue.model  # the default model: read, not hard-coded
    assert default.path.name == DEFAULT_MODEL
    assert default.name in about and f"{default.embedding_size:,} numbers, {default.metric}" in about
    window.page.view.setCurrentIndex(model.index(3))
    window.actions_.find_similar.trigger()
    name = model.hit(3).path.rsplit("/", 1)[1]
    qtbot.waitUntil(lambda: window.page.title.text() == f"Products similar to {name}", timeout=10_000)


def test_reopening_a_folder_indexes_only_what_changed(qtbot, tmp_path: Path, small_sample: Path) -> None:
    window = build_window(qtbot, tmp_path, factory=catalogue_factory(None, None))
    open_and_index(qtbot, window, small_sample, timeout=60_000)
    window.close()
    shutil.rmtree(small_sample / "trouser")
    again = build_window(qtbot, tmp_path, factory=catalogue_factory(None, None))
    open_and_index(qtbot, again, small_sample, timeout=60_000)
    report = again.session.last_report
    assert (report.new, report.removed, report.unchanged) == (0, 30, 60)
    assert again.session.count == 60


def test_a_missing_folder_is_a_message_from_the_real_engine(qtbot, tmp_path: Path) -> None:
    window = build_window(qtbot, tmp_path, factory=catalogue_factory(None, None))
    window.open_folder(tmp_path / "nowhere")
    qtbot.waitUntil(lambda: window.messages.level == "error", timeout=10_000)
    assert "Couldn't open nowhere" in window.messages.text and "not found" in window.messages.text
    assert window.showing_welcome


def test_command_line() -> None:
    args = build_parser().parse_args(["shop", "--query", "a.jpg"])
    assert (args.folder, args.query) == (Path("shop"), Path("a.jpg"))
    done = subprocess.run([sys.executable, "-m", "autosimnet_desktop", "--version"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"AutoSimNet {__version__}"


MAIN_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from autosimnet_desktop.gui.app import main
from autosimnet_desktop.gui.main_window import MainWindow

def check():
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    if windows and windows[0].page.model.rowCount():
        print("TOP", windows[0].page.model.hit(0).path, flush=True)
        windows[0].close()
        QApplication.quit()
    else:
        QTimer.singleShot(50, check)

app = QApplication(sys.argv[:1])  # main() uses this one, so the timer below has an event loop to run in
QTimer.singleShot(50, check)
sys.exit(main(sys.argv[1:]))
"""


def test_main_opens_the_folder_and_runs_the_query(tmp_path: Path, small_sample: Path) -> None:
    # In its own process: after QApplication.exec() returns, PySide lets no pool thread back into Python.
    query = next((small_sample / "sneaker").iterdir())
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", MAIN_SCRIPT, str(small_sample), "--query", str(query)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"TOP sneaker/{query.name}" in done.stdout
    assert list((tmp_path / "config").rglob("*.conf"))  # settings went where XDG says, with the folder
    assert str(small_sample) in next((tmp_path / "config").rglob("*.conf")).read_text()
