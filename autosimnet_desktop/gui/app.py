"""`autosimnet-desktop [FOLDER] [--query IMAGE]`: start the window."""

from __future__ import annotations

import argparse
import gc
import logging
import logging.handlers
import sys
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Sequence

from .. import __version__

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


def catalogue_factory(model: str | None | Callable[[], str | None], data_dir: Path | None) -> Any:
    """folder -> Catalogue.open(folder, model, data_dir); called on a pool thread.

    `model` may be a callable asked at each opening (the window's current model choice).
    """
    def open_catalogue(folder: Path) -> Any:
        from ..core.catalogue import Catalogue  # imported lazily: the window shows before onnxruntime loads

        chosen = model() if callable(model) else model
        return Catalogue.open(folder, model=chosen or None, data_dir=data_dir)

    return open_catalogue


def preload_engine() -> None:
    """Import onnxruntime, hnswlib and the catalogue code (run on a pool thread right after start-up)."""
    import hnswlib  # noqa: F401
    import onnxruntime  # noqa: F401

    from ..core import catalogue  # noqa: F401


def settle_memory() -> None:
    """Collect start-up garbage once, then move everything built at start-up out of the collector's sight."""
    gc.collect()
    gc.freeze()  # see tasks.freeze_long_lived_objects


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

    from .main_window import MainWindow, Services
    from .settings import APPLICATION, ORGANIZATION, Settings
    from .tasks import GuiThreadGarbageCollector, TaskRunner, make_pool

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QGuiApplication.setDesktopFileName("autosimnet-desktop")  # Wayland/GNOME match the window to its .desktop
    pool = make_pool()
    runner = TaskRunner(pool)
    from ..core.datadirs import thumbnail_cache_dir

    services = Services(factory=catalogue_factory(lambda: window.current_model(), args.data_dir), runner=runner,
                        thumbnail_dir=lambda catalogue: thumbnail_cache_dir(catalogue.folder, args.data_dir))
    window = MainWindow(Settings(), services)
    window.model_override = args.model  # --model wins for this run, until a model is chosen in the Model menu
    app.setWindowIcon(window.icon)

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        # A bug in a slot must not kill the app or print a traceback at the user: log it, say it calmly.
        log.error("unhandled exception", exc_info=(kind, exc, tb))
        from .errors import describe

        window.messages.show_message(describe(exc), "error")

    sys.excepthook = excepthook
    runner.submit(preload_engine, on_error=lambda exc: log.warning("preloading the engine failed: %s", exc))
    window.show()
    if args.sample and args.folder is None:
        from ..locations import sample_catalogue

        args.folder = sample_catalogue()
    folder = args.folder or window.settings.last_folder
    if args.folder is not None or (folder is not None and folder.is_dir()):
        window.open_folder(folder)  # a missing FOLDER argument is reported in the window
    if args.query is not None:
        from .sources import QuerySource

        window.query(QuerySource.file(args.query.expanduser().absolute()))  # waits for the folder to open
    settle_memory()
    collector = GuiThreadGarbageCollector(app)
    collector.start()
    code = app.exec()
    pool.waitForDone(10_000)
    collector.stop()
    return code
