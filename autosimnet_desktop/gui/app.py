"""`autosimnet-desktop [FOLDER] [--query IMAGE]`: start the window."""

from __future__ import annotations

import argparse
import importlib
import logging
import logging.handlers
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Callable, Sequence

from autosimnet_desktop import __version__

if TYPE_CHECKING:  # the window shows before the core's heavy imports (onnxruntime, hnswlib) load
    from autosimnet_desktop.core.catalogue.protocol import CatalogueAPI
    from autosimnet_desktop.gui.catalogue.session import CatalogueFactory

log = logging.getLogger("autosimnet_desktop")


def build_parser() -> argparse.ArgumentParser:
    """The desktop app's command line (packaging adds its own options to this parser)."""
    parser = argparse.ArgumentParser(prog="autosimnet-desktop",
                                     description="Find visually similar products in your own catalogue folder.")
    parser.add_argument("folder", nargs="?", type=Path, help="catalogue folder to open")
    parser.add_argument("--sample", action="store_true", help="open the bundled sample catalogue")
    parser.add_argument("--query", type=Path, metavar="IMAGE", help="search for this image once the folder is open")
    parser.add_argument("--model", metavar="NAME|PATH", help="shipped model name or ONNX file (default: autosimnet-best, 'Best match')")
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help="where index data is kept")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def catalogue_factory(model: str | None | Callable[[], str | None], data_dir: Path | None) -> CatalogueFactory:
    """folder -> open_catalogue(folder, model, data_dir); called on a pool thread.

    `model` may be a callable asked at each opening (the window's current model choice).
    """
    def open_folder(folder: Path) -> CatalogueAPI:
        # Imported here: the window shows before onnxruntime loads.
        from autosimnet_desktop.core.catalogue.factory import open_catalogue

        chosen = model() if callable(model) else model
        return open_catalogue(folder, model=chosen or None, data_dir=data_dir)

    return open_folder


def preload_engine() -> None:
    """Load onnxruntime (through the core: telemetry off), hnswlib and the catalogue code (run on a pool
    thread right after start-up)."""
    from autosimnet_desktop.core.model.runtime import onnxruntime

    onnxruntime()
    for module in ("hnswlib", "autosimnet_desktop.core.catalogue.factory"):
        importlib.import_module(module)


def _setup_logging() -> None:
    """Log to a rotating file in the user log folder (a GUI app's stderr is usually nowhere)."""
    from platformdirs import user_log_path

    handlers: list[logging.Handler] = []
    try:
        folder = user_log_path("AutoSimNet", appauthor=False, ensure_exists=True)
        handlers.append(logging.handlers.RotatingFileHandler(folder / "autosimnet-desktop.log",
                                                             maxBytes=1_000_000, backupCount=2, encoding="utf-8"))
    except OSError:
        pass
    if sys.stderr is not None:
        handlers.append(logging.StreamHandler())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        handlers=handlers)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app; returns the exit code."""
    args = build_parser().parse_args(argv)
    _setup_logging()
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from autosimnet_desktop.gui.main_window import MainWindow, Services
    from autosimnet_desktop.gui.runtime.settings import APPLICATION, ORGANIZATION, Settings
    from autosimnet_desktop.gui.runtime.memory import GuiThreadGarbageCollector, freeze_long_lived_objects
    from autosimnet_desktop.gui.runtime.tasks import TaskRunner, make_pool

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    QGuiApplication.setDesktopFileName("autosimnet-desktop")  # Wayland/GNOME match the window to its .desktop
    pool = make_pool()
    runner = TaskRunner(pool)
    from autosimnet_desktop.core.storage.datadirs import thumbnail_cache_dir

    services = Services(factory=catalogue_factory(lambda: window.current_model(), args.data_dir), runner=runner,
                        thumbnail_dir=lambda catalogue: thumbnail_cache_dir(catalogue.folder, args.data_dir))
    window = MainWindow(Settings(), services)
    window.model_override = args.model  # --model wins for this run, until a model is chosen in the Model menu
    app.setWindowIcon(window.icon)

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        # A bug in a slot must not kill the app or print a traceback at the user: log it, say it calmly.
        log.error("unhandled exception", exc_info=(kind, exc, tb))
        from autosimnet_desktop.gui.runtime.errors import describe

        window.messages.show_message(describe(exc), "error")

    sys.excepthook = excepthook
    runner.submit(preload_engine, on_error=lambda exc: log.warning("preloading the engine failed: %s", exc))
    window.show()
    if args.sample and args.folder is None:
        from autosimnet_desktop.locations import sample_catalogue

        args.folder = sample_catalogue()
    folder: Path | None = args.folder or window.settings.last_folder
    if folder is not None and (args.folder is not None or folder.is_dir()):
        window.open_folder(folder)  # a missing FOLDER argument is reported in the window
    if args.query is not None:
        from autosimnet_desktop.gui.search.sources import QuerySource

        window.query(QuerySource.file(args.query.expanduser().absolute()))  # waits for the folder to open
    freeze_long_lived_objects()  # what start-up built lives as long as the app
    collector = GuiThreadGarbageCollector(app)
    collector.start()
    code = app.exec()
    pool.waitForDone(10_000)
    collector.stop()
    return code
