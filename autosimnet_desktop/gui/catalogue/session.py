"""One open catalogue, driven from the GUI: open, index, query and long jobs, all on the pool."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from autosimnet_desktop.core.records import Cancelled, IndexReport, Progress, SearchHit
from autosimnet_desktop.gui.runtime.errors import describe
from autosimnet_desktop.gui.search.sources import Prepared, QuerySource, prepare
from autosimnet_desktop.gui.runtime.tasks import PRIORITY_JOB, PRIORITY_QUERY, TaskContext, TaskHandle, TaskRunner
from autosimnet_desktop.gui.runtime.watcher import FolderWatcher

CatalogueFactory = Callable[[Path], Any]  # folder -> an opened Catalogue (core.catalogue.Catalogue)
COUNT_REFRESH_SECONDS = 2.0

INDEX = "index"
RELATED = "related"
DUPLICATES = "duplicates"


@dataclass(frozen=True)
class QueryOutcome:
    """A finished query: what was asked, its decoded preview and the hits, best first."""

    source: QuerySource
    prepared: Prepared
    hits: list[SearchHit]
    generation: int


def default_thumbnail_dir(catalogue: Any) -> Path | None:
    """The per-catalogue thumbnail cache folder from core.datadirs (None: decode without a disk cache)."""
    from autosimnet_desktop.core.storage.datadirs import thumbnail_cache_dir

    return thumbnail_cache_dir(catalogue.folder)


class CatalogueSession(QObject):
    """Owns one Catalogue; every call that touches it runs on the app's pool, never on the GUI thread."""

    opened = Signal(object)  # the catalogue
    open_failed = Signal(str)
    job_started = Signal(str)  # INDEX, RELATED or DUPLICATES
    job_progress = Signal(str, object)  # kind, Progress
    job_finished = Signal(str, object)  # kind, its result (IndexReport, written Path, duplicate groups)
    job_failed = Signal(str, str)  # kind, message
    count_changed = Signal(int)
    query_finished = Signal(object)  # QueryOutcome
    query_failed = Signal(object, str)  # QuerySource, message
    closed = Signal()

    def __init__(self, folder: Path, factory: CatalogueFactory, runner: TaskRunner,
                 watcher: FolderWatcher | None = None,
                 thumbnail_dir: Callable[[Any], Path | None] = default_thumbnail_dir,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self.catalogue: Any = None
        self.thumbnail_dir: Path | None = None
        self.count = 0
        self.last_report: IndexReport | None = None
        # (model the stored index was built with, photos it held) when the chosen model must re-index them
        self.model_change: tuple[str, int] | None = None
        self._factory = factory
        self._thumbnail_dir_for = thumbnail_dir
        self._runner = runner
        self._watcher = watcher
        self._job: TaskHandle | None = None
        self._job_kind = ""
        self._reindex_pending = False
        self._generation = 0
        self._in_flight = 0
        self._closing = False
        self._closed = False
        self._count_asked = 0.0
        if watcher is not None:
            watcher.setParent(self)
            watcher.changed.connect(self.reindex)

    # -- lifecycle -------------------------------------------------------------------------------
    def open(self) -> None:
        """Load the model and the catalogue store in the background; `opened` or `open_failed` follows."""
        self._submit(self._open_blocking, on_result=self._on_opened,
                     on_error=lambda exc: self.open_failed.emit(describe(exc)))

    def _open_blocking(self) -> tuple[Any, Path | None, tuple[str, int] | None]:
        catalogue = self._factory(self.folder)
        try:
            cache = self._thumbnail_dir_for(catalogue)
        except Exception:  # noqa: BLE001 - no thumbnail cache only costs speed
            cache = None
        model_change = getattr(catalogue, "model_change", None)
        return catalogue, cache, model_change() if model_change is not None else None

    def _on_opened(self, opened: tuple[Any, Path | None, tuple[str, int] | None]) -> None:
        catalogue, self.thumbnail_dir, self.model_change = opened
        self.catalogue = catalogue
        self.folder = Path(getattr(catalogue, "folder", self.folder))
        self.opened.emit(catalogue)
        if self._watcher is not None:
            self._watcher.watch(self.folder)
        self.refresh_count()
        self.reindex()

    @property
    def is_closed(self) -> bool:
        """True once `closed` has been emitted."""
        return self._closed

    @property
    def is_open(self) -> bool:
        """True once the catalogue is loaded and until shutdown."""
        return self.catalogue is not None and not self._closing

    def shutdown(self) -> None:
        """Stop watching, cancel the running job and close the catalogue once no task uses it."""
        if self._closing:
            return
        self._closing = True
        if self._watcher is not None:
            self._watcher.stop()
        self.cancel_job()
        self._close_when_idle()

    def close_now(self, timeout_ms: int = 10_000) -> None:
        """At exit: cancel, wait for the pool, close here (saving what the last batch finished)."""
        self._closing = True
        if self._watcher is not None:
            self._watcher.stop()
        self.cancel_job()
        self._runner.wait(timeout_ms)
        if self.catalogue is not None:
            catalogue, self.catalogue = self.catalogue, None
            try:
                catalogue.close()
            except Exception:  # noqa: BLE001 - nothing left to show it in; the index was checkpointed
                pass

    def _close_when_idle(self) -> None:
        if self._in_flight:
            return  # the last task to finish calls this again
        if self.catalogue is None:
            self._emit_closed()
            return
        catalogue, self.catalogue = self.catalogue, None
        self._runner.submit(catalogue.close, on_result=self._emit_closed, on_error=self._emit_closed,
                            owner=self, priority=PRIORITY_JOB)

    def _emit_closed(self, _: object = None) -> None:
        if not self._closed:
            self._closed = True
            self.closed.emit()

    # -- jobs: one long operation at a time ------------------------------------------------------
    @property
    def job_kind(self) -> str:
        """The long job now running ('' when none)."""
        return self._job_kind

    def reindex(self) -> None:
        """Bring the index up to date with the folder (incremental); queued if another job runs."""
        if not self.is_open:
            return
        if self._job is not None:
            self._reindex_pending = True
            return
        catalogue = self.catalogue
        self._start_job(INDEX, lambda ctx: catalogue.index(progress=ctx.report, cancel=ctx.cancel))

    def export_related(self, path: Path, k: int, write: Callable[[dict[str, list[SearchHit]], Path], Any],
                       colour_weight: float | None = None) -> bool:
        """Compute every product's k most similar others and write them with `write`; False if busy."""
        catalogue = self.catalogue
        balance = {"colour_weight": colour_weight} if colour_weight is not None else {}

        def run(ctx: TaskContext) -> Path:
            related = catalogue.related(k=k, progress=ctx.report, cancel=ctx.cancel, **balance)
            write(related, path)
            return path

        return self._start_job(RELATED, run)

    def find_duplicates(self, min_similarity: float) -> bool:
        """Group near-identical products; False if another job is running."""
        catalogue = self.catalogue
        return self._start_job(DUPLICATES, lambda ctx: catalogue.duplicates(
            min_similarity=min_similarity, progress=ctx.report, cancel=ctx.cancel))

    def cancel_job(self) -> None:
        """Stop the running job after its current batch; finished work is kept."""
        if self._job is not None:
            self._job.cancel()
        self._reindex_pending = False

    def _start_job(self, kind: str, fn: Callable[[TaskContext], Any]) -> bool:
        if not self.is_open or self._job is not None:
            return False
        self._job_kind = kind
        self._in_flight += 1
        self._job = self._runner.submit_job(
            fn, owner=self, priority=PRIORITY_JOB,
            on_progress=lambda p: self._on_job_progress(kind, p),
            on_result=lambda result: self._on_job_done(kind, result, None),
            on_error=lambda exc: self._on_job_done(kind, None, exc))
        self.job_started.emit(kind)
        return True

    def _on_job_progress(self, kind: str, progress: Progress) -> None:
        if self._job_kind == kind:
            self.job_progress.emit(kind, progress)
        if kind == INDEX and time.monotonic() - self._count_asked > COUNT_REFRESH_SECONDS:
            self.refresh_count()  # the status bar's count grows while indexing runs

    def _on_job_done(self, kind: str, result: Any, error: Exception | None) -> None:
        self._in_flight -= 1
        self._job = None
        self._job_kind = ""
        if self._closing:
            self._close_when_idle()
            return
        if isinstance(error, Cancelled):
            result, error = (IndexReport(cancelled=True) if kind == INDEX else None), None
        if kind == INDEX and isinstance(result, IndexReport):
            self.last_report = result
        if error is not None:
            self.job_failed.emit(kind, describe(error))
        else:
            self.job_finished.emit(kind, result)
        if kind == INDEX:
            self.refresh_count()
        if self._reindex_pending:
            self._reindex_pending = False
            self.reindex()

    # -- queries and look-ups --------------------------------------------------------------------
    def query(self, source: QuerySource, k: int, colour_weight: float | None = None) -> int:
        """Search for `source` in the background; returns its generation (older results are dropped).

        `colour_weight` (0..1) is the Shape … Colour balance of a fused model; None: the model's own.
        """
        self._generation += 1
        generation = self._generation
        catalogue, folder = self.catalogue, self.folder
        if catalogue is None:
            self.query_failed.emit(source, "Open a catalogue folder first.")
            return generation

        def run() -> QueryOutcome:
            prepared = prepare(source, folder)
            balance = {"colour_weight": colour_weight} if colour_weight is not None else {}
            if source.kind == "catalogue":
                hits = catalogue.similar_to(source.relpath, k=k, **balance)
            else:
                hits = catalogue.query(prepared.query_input, k=k, **balance)
            return QueryOutcome(source, prepared, list(hits), generation)

        self._submit(run, priority=PRIORITY_QUERY,
                     on_result=lambda outcome: self._on_query_done(outcome),
                     on_error=lambda exc: self._on_query_failed(generation, source, exc))
        return generation

    def _on_query_done(self, outcome: QueryOutcome) -> None:
        if outcome.generation == self._generation and not self._closing:
            self.query_finished.emit(outcome)

    def _on_query_failed(self, generation: int, source: QuerySource, exc: Exception) -> None:
        if generation == self._generation and not self._closing:
            self.query_failed.emit(source, describe(exc))

    def refresh_count(self) -> None:
        """Ask the catalogue how many products it holds; `count_changed` follows."""
        if not self.is_open:
            return
        self._count_asked = time.monotonic()
        self._submit(self.catalogue.count, on_result=self._on_count, on_error=lambda exc: None)

    def _on_count(self, count: int) -> None:
        self.count = int(count)
        self.count_changed.emit(self.count)

    def failures(self, callback: Callable[[list[Any]], None], on_error: Callable[[str], None]) -> None:
        """The unreadable files with their reasons, delivered to `callback` on the GUI thread."""
        if not self.is_open:
            return
        self._submit(self.catalogue.failures, on_result=callback,
                     on_error=lambda exc: on_error(describe(exc, "Listing unreadable files")))

    def _submit(self, fn: Callable[[], Any], on_result: Callable[[Any], None],
                on_error: Callable[[Exception], None], priority: int = PRIORITY_QUERY) -> None:
        """Run fn on the pool, counting it so close() waits until no task still uses the catalogue."""
        self._in_flight += 1

        def done(callback: Callable[[Any], None], value: Any, ok: bool) -> None:
            self._in_flight -= 1
            if self._closing:
                if ok and callback == self._on_opened:
                    self.catalogue = value[0]  # opened after all: close it too
                self._close_when_idle()
                return
            callback(value)

        self._runner.submit(fn, owner=self, priority=priority,
                            on_result=lambda value: done(on_result, value, True),
                            on_error=lambda exc: done(on_error, exc, False))
