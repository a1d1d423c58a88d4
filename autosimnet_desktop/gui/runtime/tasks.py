"""Background work on the app's one QThreadPool; results and errors come back on the GUI thread."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, QTimer, Signal, Slot

from autosimnet_desktop.core import threads as core_threads
from autosimnet_desktop.core.records import CancelToken, Progress

log = logging.getLogger(__name__)

T = TypeVar("T")
OnError = Callable[[BaseException], None]  # the exception a task raised, delivered on the GUI thread

# Ranks for QThreadPool.start: a query the user waits for jumps ahead of thumbnail decoding.
PRIORITY_QUERY = 10
PRIORITY_JOB = 5
PRIORITY_THUMBNAIL = 0


JOB_NICENESS = 10


def lower_thread_priority() -> None:
    """Make the calling pool thread (and threads it starts) yield the CPU to the GUI thread.

    Long jobs run at a lower priority so that, on a busy 2-core laptop, the window still gets the
    processor the moment it needs it. On Linux the nice value is per thread and inherited by the
    decoding threads the indexer starts; it cannot be raised back without privileges, so the pool
    thread keeps it until it expires (an idle pool thread ends after 30 s).
    """
    QThread.currentThread().setPriority(QThread.Priority.LowPriority)  # Windows and macOS
    core_threads.lower_thread_priority(JOB_NICENESS, relative=False)  # Linux


def make_pool() -> QThreadPool:
    """The app-owned pool: room for a long job, a query and a few thumbnail decoders at once."""
    pool = QThreadPool()
    pool.setMaxThreadCount(max(4, QThread.idealThreadCount() + 2))
    pool.setExpiryTimeout(30_000)
    return pool


class TaskContext:
    """Handed to a job function: report progress and check for cancellation."""

    def __init__(self, report: Callable[[Progress], None], cancel: CancelToken) -> None:
        self.report = report
        self.cancel = cancel


class _ProgressRelay:
    """The latest progress of one job: workers overwrite it, the GUI shows it at most every `interval`.

    At most one delivery is queued at a time, so a job reporting thousands of times a second cannot flood
    the event loop, and the newest state is never lost (only skipped-over ones are).
    """

    def __init__(self, callback: Callable[[Progress], None], owner: QObject | None, interval: float) -> None:
        self.callback = callback
        self.owner = owner
        self.interval = interval
        self.last_shown = 0.0
        self._lock = threading.Lock()
        self._latest: Progress | None = None
        self._queued = False

    def push(self, progress: Progress) -> bool:
        """Store `progress` (any thread); True when a delivery must be queued for it."""
        with self._lock:
            self._latest = progress
            if self._queued:
                return False
            self._queued = True
            return True

    def take(self) -> Progress | None:
        """The newest progress, clearing the queued flag (GUI thread)."""
        with self._lock:
            latest, self._latest, self._queued = self._latest, None, False
            return latest


@dataclass
class _Task:
    """A submitted task's function, callbacks and owner, and its outcome once it has run.

    Kept in the runner and dropped there, on the GUI thread: a pool thread never holds the last reference
    to any of it, or a QObject among it (or reachable from it) would be deleted on the wrong thread.
    """

    call: Callable[[], Any]  # tasks of every result type share one table: Any is their common type
    on_result: Callable[[Any], None] | None
    on_error: OnError | None
    owner: QObject | None
    ok: bool = False
    value: Any = None  # the result, or the exception


def _outcome(call: Callable[[], object]) -> tuple[bool, object]:
    """(True, call()) or (False, the exception it raised)."""
    try:
        return True, call()
    except BaseException as exc:  # every failure must reach the GUI as a message
        if not isinstance(exc, Exception):
            log.warning("background task interrupted: %r", exc)
        else:
            log.debug("background task failed", exc_info=exc)
        return False, exc


class TaskHandle:
    """A submitted task: its cancel token and whether it has finished."""

    def __init__(self, cancel: CancelToken) -> None:
        self.cancel_token = cancel
        self.finished = False

    def cancel(self) -> None:
        """Ask the task to stop after its current batch (work done so far is kept)."""
        self.cancel_token.cancel()


class _Runnable(QRunnable):
    """Runs one task on a pool thread; holds only the runner and the task's handle."""

    def __init__(self, runner: "TaskRunner", handle: TaskHandle) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._runner = runner
        self._handle = handle

    def run(self) -> None:
        """Run the task; its value or its exception is delivered, never both, never neither."""
        self._runner._execute(self._handle)


class TaskRunner(QObject):
    """Submits functions to the pool; their callbacks always run on the GUI thread.

    Keep the runner until wait() returns: a running task's pool thread holds it, and must not be the
    one to drop it last.
    """

    unhandled_error = Signal(object)  # an exception no caller asked to handle
    _delivered = Signal(object)  # the TaskHandle of a task that has run, emitted from pool threads
    _progressed = Signal(object)  # a _ProgressRelay with news, emitted from pool threads

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or make_pool()
        self._tasks: dict[TaskHandle, _Task] = {}
        # The runner lives on the GUI thread, so this cross-thread emit is queued onto it.
        self._delivered.connect(self._dispatch)
        self._progressed.connect(self._show_progress)

    def submit(self, fn: Callable[..., T], *args: object, on_result: Callable[[T], None] | None = None,
               on_error: OnError | None = None, owner: QObject | None = None,
               priority: int = PRIORITY_QUERY) -> TaskHandle:
        """Run fn(*args) in the pool; on_result(value) or on_error(exc) follows on the GUI thread."""
        handle = TaskHandle(CancelToken())
        return self._start(lambda: fn(*args), handle, on_result, on_error, owner, priority)

    def submit_job(self, fn: Callable[[TaskContext], T], *, on_result: Callable[[T], None] | None = None,
                   on_error: OnError | None = None, on_progress: Callable[[Progress], None] | None = None,
                   owner: QObject | None = None, interval: float = 0.1,
                   priority: int = PRIORITY_JOB) -> TaskHandle:
        """Run a long job fn(context) that reports progress and honours the handle's cancel token."""
        handle = TaskHandle(CancelToken())
        relay = _ProgressRelay(on_progress, owner, interval) if on_progress is not None else None

        def report(progress: Progress) -> None:
            if relay is not None and relay.push(progress):
                self._progressed.emit(relay)

        context = TaskContext(report, handle.cancel_token)

        def run() -> T:
            lower_thread_priority()
            return fn(context)

        return self._start(run, handle, on_result, on_error, owner, priority)

    def _start(self, call: Callable[[], T], handle: TaskHandle, on_result: Callable[[T], None] | None,
               on_error: OnError | None, owner: QObject | None, priority: int) -> TaskHandle:
        self._tasks[handle] = _Task(call, on_result, on_error, owner)
        self.pool.start(_Runnable(self, handle), priority)
        return handle

    def _execute(self, handle: TaskHandle) -> None:
        """On a pool thread: run the task, store its outcome and post its handle, keeping no reference."""
        task = self._tasks[handle]
        task.ok, task.value = _outcome(task.call)
        del task  # before posting: once posted, the GUI thread may drop the task first
        self._delivered.emit(handle)

    @property
    def busy(self) -> bool:
        """True while any submitted task has not delivered its outcome yet."""
        return bool(self._tasks)

    def wait(self, msecs: int = -1) -> bool:
        """Block until the pool is idle (used at shutdown and in tests); False on timeout."""
        return self.pool.waitForDone(msecs)

    @Slot(object)
    def _show_progress(self, relay: _ProgressRelay) -> None:
        wait = relay.interval - (time.monotonic() - relay.last_shown)
        if wait > 0:  # shown very recently: show the newest state a little later instead
            QTimer.singleShot(int(wait * 1000) + 1, self, lambda: self._show_progress(relay))
            return
        progress = relay.take()
        if progress is None or (relay.owner is not None and not shiboken6.isValid(relay.owner)):
            return
        relay.last_shown = time.monotonic()
        relay.callback(progress)

    @Slot(object)
    def _dispatch(self, handle: TaskHandle) -> None:
        handle.finished = True
        task = self._tasks.pop(handle)
        owner = task.owner
        if owner is not None and not shiboken6.isValid(owner):
            return  # the widget that asked is gone; nobody is left to show the outcome
        callback = task.on_result if task.ok else task.on_error
        if callback is not None:
            callback(task.value)
        elif not task.ok and isinstance(task.value, Exception):
            self.unhandled_error.emit(task.value)
