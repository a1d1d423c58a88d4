"""The task runner: results and errors come back on the GUI thread; jobs report progress and cancel."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QObject, QThread, QTimer

from autosimnet_desktop.core.records import Progress
from autosimnet_desktop.gui.runtime.memory import GuiThreadGarbageCollector
from autosimnet_desktop.gui.runtime.tasks import TaskContext, TaskRunner, _Runnable, make_pool


@pytest.fixture()
def runner(qtbot):
    runner = TaskRunner(make_pool())
    yield runner
    runner.wait(5000)


def test_result_is_delivered_on_the_gui_thread(qtbot, runner: TaskRunner) -> None:
    seen: list[tuple[object, bool, bool]] = []
    worker_threads: list[bool] = []

    def work(x: int) -> int:
        worker_threads.append(threading.current_thread() is threading.main_thread())
        return x * 2

    runner.submit(work, 21, on_result=lambda v: seen.append((v, QThread.currentThread() is qtbot_thread(),
                                                              runner.busy)))
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [(42, True, False)]
    assert worker_threads == [False]  # the function itself ran in the pool


def qtbot_thread() -> QThread:
    from PySide6.QtWidgets import QApplication

    return QApplication.instance().thread()


def test_error_is_delivered_instead_of_a_result(qtbot, runner: TaskRunner) -> None:
    results: list[object] = []
    errors: list[Exception] = []
    runner.submit(lambda: 1 / 0, on_result=results.append, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert results == [] and isinstance(errors[0], ZeroDivisionError)


def test_an_error_nobody_handles_is_announced(qtbot, runner: TaskRunner) -> None:
    with qtbot.waitSignal(runner.unhandled_error, timeout=5000) as blocker:
        runner.submit(lambda: [][1])
    assert isinstance(blocker.args[0], IndexError)


def test_nothing_is_delivered_to_a_deleted_owner(qtbot, runner: TaskRunner) -> None:
    owner = QObject()
    seen: list[object] = []
    gate = threading.Event()
    runner.submit(gate.wait, 5, owner=owner, on_result=seen.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _valid(owner))
    gate.set()
    runner.wait(5000)
    qtbot.waitUntil(lambda: not runner.busy)  # its outcome reached the GUI thread, and was dropped there
    assert seen == []


def _valid(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_job_progress_is_throttled_and_cancel_reaches_the_job(qtbot, runner: TaskRunner) -> None:
    progress: list[Progress] = []
    outcome: list[str] = []
    started = threading.Event()

    def job(ctx: TaskContext) -> str:
        for done in range(1, 10_001):
            ctx.report(Progress(done, 10_000))
            started.set()
            if ctx.cancel.cancelled:
                return f"stopped at {done}"
            if done > 5000:
                time.sleep(0.0005)
        return "finished"

    handle = runner.submit_job(job, on_result=outcome.append, on_progress=progress.append, interval=0.05)
    assert started.wait(5)
    qtbot.waitUntil(lambda: bool(progress))
    handle.cancel()
    qtbot.waitUntil(lambda: bool(outcome), timeout=10_000)
    assert outcome[0].startswith("stopped at")
    assert handle.finished and not runner.busy
    assert 1 <= len(progress) < 200  # 10 Hz at most, not one message per item
    assert [p.done for p in progress] == sorted(p.done for p in progress)


def test_the_newest_step_of_a_job_is_never_lost(qtbot, runner: TaskRunner) -> None:
    progress: list[Progress] = []

    def job(ctx: TaskContext) -> None:
        for done in range(1, 4):
            ctx.report(Progress(done, 3))

    runner.submit_job(job, on_progress=progress.append, interval=0.2)
    qtbot.waitUntil(lambda: any(p.done == 3 for p in progress))
    assert progress[-1].done == 3 and len(progress) <= 2  # the newest state arrives, however late


class _Witness:
    """Records whether it was freed on the GUI (main) thread."""

    def __init__(self, log: list[bool]) -> None:
        self.log = log

    def __del__(self) -> None:
        self.log.append(threading.current_thread() is threading.main_thread())


@pytest.mark.parametrize("fails", [False, True])
def test_a_task_lets_go_of_what_it_was_given_on_the_gui_thread(qtbot, runner: TaskRunner, monkeypatch,
                                                                fails: bool) -> None:
    # A QObject whose last reference a pool thread drops is deleted on that thread: a FolderWatcher's
    # QFileSystemWatcher then leaves a dangling socket notifier in the GUI thread's event loop (heap corruption).
    freed_on_gui_thread: list[bool] = []
    delivered = threading.Event()
    run = _Runnable.run

    def run_then_stall(self: _Runnable) -> None:  # the pool thread is preempted right after posting its outcome
        run(self)
        delivered.wait(5)

    monkeypatch.setattr(_Runnable, "run", run_then_stall)

    def work(witness: _Witness) -> str:
        if fails:
            raise ValueError("no")
        return "done"

    owner = QObject()
    owner.witness = _Witness(freed_on_gui_thread)
    runner.submit(work, _Witness(freed_on_gui_thread), owner=owner,
                  on_result=lambda _v, w=_Witness(freed_on_gui_thread): QTimer.singleShot(0, delivered.set),
                  on_error=lambda _e, w=_Witness(freed_on_gui_thread): QTimer.singleShot(0, delivered.set))
    del owner
    qtbot.waitUntil(delivered.is_set)
    assert runner.wait(5000)
    assert freed_on_gui_thread == [True] * 4


def test_garbage_cycles_are_collected_on_the_gui_thread_only(qtbot, runner: TaskRunner) -> None:
    import gc
    import weakref

    class Cycle:
        """Two objects that refer to each other: only the cyclic collector frees them."""

        def __init__(self) -> None:
            self.me = self

    collected_on: list[QThread] = []
    collector = GuiThreadGarbageCollector(interval_ms=20, full_every=2)
    collector.start()
    try:
        assert not gc.isenabled()
        made: list[weakref.ref] = []

        def make_garbage() -> None:  # on a pool thread: allocations there never trigger a collection now
            for _ in range(2000):
                cycle = Cycle()
                cycle.payload = [0] * 10
                made.append(weakref.ref(cycle, lambda _ref: collected_on.append(QThread.currentThread())))

        done = []
        runner.submit(make_garbage, on_result=lambda _r: done.append(True))
        qtbot.waitUntil(lambda: bool(done), timeout=5000)
        qtbot.waitUntil(lambda: all(ref() is None for ref in made), timeout=5000)
        gui_thread = QObject().thread()
        assert collected_on and all(thread is gui_thread for thread in collected_on)
    finally:
        collector.stop()
    assert gc.isenabled()
