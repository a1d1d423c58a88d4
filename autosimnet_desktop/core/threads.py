"""Thread counts and priorities for background work: one rule each, shared by the indexer, the bench and the GUI."""

from __future__ import annotations

import contextlib
import os
import sys
import threading


def worker_count(requested: int | None = None) -> int:
    """Threads for parallel work: `requested` if given, else one per core (at least one)."""
    return max(1, requested or os.cpu_count() or 1)


def lower_thread_priority(niceness: int, *, relative: bool = True, batch: bool = False) -> None:
    """Lower the calling thread's priority: by `niceness`, or (not `relative`) to at least `niceness`, so a
    reused pool thread does not sink further with each job; `batch` also makes it a SCHED_BATCH thread.

    Only on Linux, where both belong to each thread (elsewhere `setpriority` would change the whole
    process). A batch thread does not preempt a running one when it wakes up. Neither needs a privilege;
    failing to is harmless."""
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        now = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, now + niceness if relative else max(now, niceness)))
    if batch:
        with contextlib.suppress(OSError, AttributeError):
            os.sched_setscheduler(thread, os.SCHED_BATCH, os.sched_param(0))
