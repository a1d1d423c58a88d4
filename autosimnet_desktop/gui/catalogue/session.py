"""One open catalogue, driven from the GUI: open, index, query and long jobs, all on the pool."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

from PySide6.QtCore import QObject, Signal

from autosimnet_desktop.core.catalogue.protocol import CatalogueAPI
from autosimnet_desktop.core.exports.formats import write_text_atomic
from autosimnet_desktop.core.exports.platforms import RelatedFormat, related_text
from autosimnet_desktop.core.products.grouping import GroupingRule
from autosimnet_desktop.core.products.records import ProductHit, ProductPage, ProductSort, ProductSummary
from autosimnet_desktop.core.records import Cancelled, Failure, IndexReport, ModelChange, Progress
from autosimnet_desktop.core.storage.datadirs import thumbnail_cache_dir
from autosimnet_desktop.gui.catalogue.empty_folder import describe_empty_folder
from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.runtime.errors import describe
from autosimnet_desktop.gui.runtime.tasks import PRIORITY_JOB, PRIORITY_QUERY, TaskContext, TaskHandle, TaskRunner
from autosimnet_desktop.gui.runtime.watcher import FolderWatcher
from autosimnet_desktop.gui.search.sources import Prepared, QuerySource, prepare

CatalogueFactory = Callable[[Path], CatalogueAPI]  # folder -> the opened catalogue; called on a pool thread
ThumbnailDir = Callable[[CatalogueAPI], Path | None]  # where a catalogue's thumbnails are cached (None: nowhere)
COUNT_REFRESH_SECONDS = 2.0
T = TypeVar("T")


@dataclass(frozen=True)
class QueryOutcome:
    """A finished query: what was asked, its decoded preview and the products found, best first."""

    source: QuerySource
    prepared: Prepared
    hits: list[ProductHit]
    generation: int
    searched: int = 0  # photos in the catalogue when the search ran: what "among N photos" says


@dataclass(frozen=True)
class Opened:
    """A catalogue opened on a pool thread, with what the window needs to know about it from the start."""

    catalogue: CatalogueAPI
    thumbnail_dir: Path | None
    model_change: ModelChange | None


def default_thumbnail_dir(catalogue: CatalogueAPI) -> Path | None:
    """The per-catalogue thumbnail cache folder from core.datadirs (None: decode without a disk cache)."""
    return thumbnail_cache_dir(catalogue.folder)


SessionRef = Callable[[], "CatalogueSession | None"]
"""How a window part reaches the open session: asked each time, as opening another catalogue replaces it."""


class CatalogueSession(QObject):
    """Owns one catalogue; every call that touches it runs on the app's pool, never on the GUI thread."""

    opened = Signal(object)  # the CatalogueAPI
    open_failed = Signal(str)
    job_started = Signal(object)  # JobKind
    job_progress = Signal(object, object)  # JobKind, Progress
    job_finished = Signal(object, object)  # JobKind, its result (IndexReport, written Path, groups; None: stopped)
    job_failed = Signal(object, str)  # JobKind, message
    count_changed = Signal(int)
    query_finished = Signal(object)  # QueryOutcome
    query_failed = Signal(object, str)  # QuerySource, message
    closed = Signal()

    def __init__(self, folder: Path, factory: CatalogueFactory, runner: TaskRunner,
                 watcher: FolderWatcher | None = None, thumbnail_dir: ThumbnailDir = default_thumbnail_dir,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self.catalogue: CatalogueAPI | None = None
        self.thumbnail_dir: Path | None = None
        self.count = 0
        self.last_report: IndexReport | None = None
        self.model_change: ModelChange | None = None  # until the re-indexing a change of model asks for ends
        self._factory = factory
        self._thumbnail_dir_for = thumbnail_dir
        self._runner = runner
        self._watcher = watcher
        self._job: TaskHandle | None = None
        self._job_kind: JobKind | None = None
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

    def _open_blocking(self) -> Opened:
        catalogue = self._factory(self.folder)
        try:
            cache = self._thumbnail_dir_for(catalogue)
        except Exception:  # no thumbnail cache only costs speed
            cache = None
        return Opened(catalogue, cache, catalogue.model_change())

    def _on_opened(self, opened: Opened) -> None:
        self.catalogue = opened.catalogue
        self.thumbnail_dir, self.model_change = opened.thumbnail_dir, opened.model_change
        self.folder = Path(opened.catalogue.folder)
        self.opened.emit(opened.catalogue)
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
            except Exception:  # nothing is left to show it in, and the index was checkpointed
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
    def job_kind(self) -> JobKind | None:
        """The long job now running (None when none)."""
        return self._job_kind

    def reindex(self) -> None:
        """Bring the index up to date with the folder (incremental); queued if another job runs."""
        catalogue = self.catalogue
        if catalogue is None or self._closing:
            return
        if self._job is not None:
            self._reindex_pending = True
            return
        self._start_job(JobKind.INDEX, lambda ctx: catalogue.index(progress=ctx.report, cancel=ctx.cancel))

    def export_related(self, path: Path, k: int, fmt: RelatedFormat, same_category: bool = False,
                       colour_weight: float | None = None) -> bool:
        """Compute every product's k most similar others and write them to `path` in `fmt`; False if busy."""
        catalogue = self.catalogue
        if catalogue is None:
            return False

        def run(ctx: TaskContext) -> Path:
            related = catalogue.related_products(k=k, progress=ctx.report, cancel=ctx.cancel,
                                                 colour_weight=colour_weight, same_category=same_category)
            write_text_atomic(path, related_text(related, fmt))
            return path

        return self._start_job(JobKind.RELATED, run)

    def match(self, paths: list[Path], k: int) -> bool:
        """For photos from elsewhere (files or folders), the catalogue's best products; False if busy."""
        catalogue = self.catalogue
        if catalogue is None:
            return False
        return self._start_job(JobKind.MATCH, lambda ctx: catalogue.match(
            paths, k=k, progress=ctx.report, cancel=ctx.cancel))

    def set_grouping(self, rule: GroupingRule, product_file: Path | None,
                     on_done: Callable[[ProductSummary], None], on_error: Callable[[str], None]) -> None:
        """Group the photos by `rule` (and the shop's product file); the new summary or one sentence follows."""
        catalogue = self.catalogue
        if catalogue is None or self._closing:
            return
        self._submit(lambda: catalogue.set_grouping(rule, product_file), on_result=on_done,
                     on_error=lambda exc: on_error(describe(exc)))

    def has_categories(self, deliver: Callable[[bool], None]) -> None:
        """Whether any product has a category (from the shop's product file), delivered on the GUI thread."""
        catalogue = self.catalogue
        if catalogue is None or self._closing:
            return
        self._submit(lambda: any(p.category for p in catalogue.list_products(limit=10**9).products),
                     on_result=deliver, on_error=lambda exc: deliver(False))

    def product_summary(self, deliver: Callable[[ProductSummary], None]) -> None:
        """How the photos are grouped into products, delivered on the GUI thread."""
        catalogue = self.catalogue
        if catalogue is None or self._closing:
            return
        self._submit(catalogue.product_summary, on_result=deliver, on_error=lambda exc: None)

    def find_duplicates(self, min_similarity: float) -> bool:
        """Group near-identical products; False if another job is running."""
        catalogue = self.catalogue
        if catalogue is None:
            return False
        return self._start_job(JobKind.DUPLICATES, lambda ctx: catalogue.duplicates(
            min_similarity=min_similarity, progress=ctx.report, cancel=ctx.cancel))

    def cancel_job(self) -> None:
        """Stop the running job after its current batch; finished work is kept."""
        if self._job is not None:
            self._job.cancel()
        self._reindex_pending = False

    def _start_job(self, kind: JobKind, fn: Callable[[TaskContext], object]) -> bool:
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

    def _on_job_progress(self, kind: JobKind, progress: Progress) -> None:
        if self._job_kind is kind:
            self.job_progress.emit(kind, progress)
        if kind is JobKind.INDEX and time.monotonic() - self._count_asked > COUNT_REFRESH_SECONDS:
            self.refresh_count()  # the status bar's count grows while indexing runs

    def _on_job_done(self, kind: JobKind, result: object, error: BaseException | None) -> None:
        self._in_flight -= 1
        self._job = None
        self._job_kind = None
        if self._closing:
            self._close_when_idle()
            return
        if isinstance(error, Cancelled):
            result, error = (IndexReport(cancelled=True) if kind is JobKind.INDEX else None), None
        if kind is JobKind.INDEX and isinstance(result, IndexReport):
            self.last_report = result
        if error is not None:
            self.job_failed.emit(kind, describe(error))
        else:
            self.job_finished.emit(kind, result)
        if kind is JobKind.INDEX:
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
            searched = catalogue.count()  # while indexing runs, the search sees at least these
            if source.kind == "catalogue":
                assert source.product is not None
                hits = catalogue.similar_products(source.product, k=k, colour_weight=colour_weight)
            else:
                assert prepared.query_input is not None
                hits = catalogue.query_products(prepared.query_input, k=k, colour_weight=colour_weight)
            return QueryOutcome(source, prepared, list(hits), generation, searched)

        self._submit(run, priority=PRIORITY_QUERY, on_result=self._on_query_done,
                     on_error=lambda exc: self._on_query_failed(generation, source, exc))
        return generation

    def _on_query_done(self, outcome: QueryOutcome) -> None:
        if outcome.generation == self._generation and not self._closing:
            self.query_finished.emit(outcome)

    def _on_query_failed(self, generation: int, source: QuerySource, exc: BaseException) -> None:
        if generation == self._generation and not self._closing:
            self.query_failed.emit(source, describe(exc))

    def refresh_count(self) -> None:
        """Ask the catalogue how many products it holds; `count_changed` follows."""
        if self.catalogue is None or self._closing:
            return
        self._count_asked = time.monotonic()
        self._submit(self.catalogue.count, on_result=self._on_count, on_error=lambda exc: None)

    def _on_count(self, count: int) -> None:
        self.count = int(count)
        self.count_changed.emit(self.count)

    def list_products(self, text: str, sort: ProductSort, offset: int, limit: int,
                      deliver: Callable[[ProductPage], None]) -> None:
        """A page of the catalogue's products, delivered on the GUI thread (nothing when it cannot be listed)."""
        catalogue = self.catalogue
        if catalogue is None or self._closing:
            return
        self._submit(lambda: catalogue.list_products(text, sort, offset, limit), on_result=deliver,
                     on_error=lambda exc: None)

    def product_photos(self, product: str, deliver: Callable[[tuple[str, ...]], None]) -> None:
        """All photos of `product` (relative paths), delivered on the GUI thread."""
        catalogue = self.catalogue
        if catalogue is None or self._closing:
            return

        def find() -> tuple[str, ...]:
            page = catalogue.list_products(product, ProductSort.NAME, 0, 100_000)
            return next((p.photos for p in page.products if p.id == product), ())

        self._submit(find, on_result=deliver, on_error=lambda exc: None)

    def describe_empty(self, callback: Callable[[str], None]) -> None:
        """Say what the folder holds instead of photos, delivered to `callback` on the GUI thread."""
        if self._closing:
            return
        self._submit(lambda: describe_empty_folder(self.folder), on_result=callback, on_error=lambda exc: None)

    def failures(self, callback: Callable[[list[Failure]], None], on_error: Callable[[str], None]) -> None:
        """The unreadable files with their reasons, delivered to `callback` on the GUI thread."""
        if self.catalogue is None or self._closing:
            return
        self._submit(self.catalogue.failures, on_result=callback,
                     on_error=lambda exc: on_error(describe(exc, "Listing unreadable files")))

    def _submit(self, fn: Callable[[], T], on_result: Callable[[T], None],
                on_error: Callable[[BaseException], None], priority: int = PRIORITY_QUERY) -> None:
        """Run fn on the pool, counting it so close() waits until no task still uses the catalogue."""
        self._in_flight += 1

        def wanted() -> bool:
            """Count the task as done; False when the session is closing and nobody wants its outcome."""
            self._in_flight -= 1
            if self._closing:
                self._close_when_idle()
            return not self._closing

        def succeeded(value: T) -> None:
            if self._closing and isinstance(value, Opened):
                self.catalogue = value.catalogue  # opened after all: close it too
            if wanted():
                on_result(value)

        def failed(exc: BaseException) -> None:
            if wanted():
                on_error(exc)

        self._runner.submit(fn, owner=self, priority=priority, on_result=succeeded, on_error=failed)
