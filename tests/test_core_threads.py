"""One rule for worker counts and one for lowering a thread's priority."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from autosimnet_desktop.core.threads import lower_thread_priority, worker_count


def test_worker_count_is_the_request_or_one_per_core() -> None:
    assert worker_count(3) == 3
    assert worker_count(None) == max(1, os.cpu_count() or 1)
    assert worker_count(0) == worker_count(None)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread priorities are per thread only on Linux")
def test_relative_lowering_adds_up_and_absolute_lowering_does_not() -> None:
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    if own > 8:
        pytest.skip("the tests already run at a low priority: nothing to lower")
    seen: dict[str, list[int]] = {}

    def twice(name: str, **how: bool) -> None:
        seen[name] = []
        for _ in range(2):  # a pool thread is reused for a second job
            lower_thread_priority(5 if how.get("relative", True) else own + 5, **how)
            seen[name].append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    for name, how in (("relative", {}), ("absolute", {"relative": False})):
        thread = threading.Thread(target=twice, args=(name,), kwargs=how)
        thread.start()
        thread.join()
    assert seen == {"relative": [own + 5, own + 10], "absolute": [own + 5, own + 5]}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own  # the caller is untouched
