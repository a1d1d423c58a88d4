"""The garbage collector, kept off the pool threads and away from long-lived objects."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


def freeze_long_lived_objects() -> None:
    """Hide the objects alive now (a just-opened catalogue, say) from the garbage collector's full passes.

    A full collection holds the interpreter for as long as it takes to walk every tracked object, and the
    GUI thread waits with it; objects that live as long as the catalogue need not be walked again and again.
    The collection first walks only what is not frozen yet (cheap) and frees its garbage, which gc.freeze()
    would otherwise keep forever.
    """
    gc.collect()  # a garbage cycle frozen now would never be freed
    gc.freeze()


def thaw_frozen_objects() -> None:
    """Let the collector see frozen objects again: some became garbage (a replaced catalogue and its model).

    Frozen objects are never collected, so anything frozen while its catalogue was open that ends up in a
    reference cycle (a closed dialog, a callback holding its session) would be kept forever. The next
    freeze_long_lived_objects() frees those and freezes the rest again (until then the collector's own
    full passes may free them).
    """
    gc.unfreeze()


class GuiThreadGarbageCollector(QObject):
    """Runs Python's cyclic garbage collector on the GUI thread only, from a timer.

    Left automatic, a collection runs on whichever thread happens to allocate at that moment, often a
    decoding thread; a Qt object in a cycle freed there would be destroyed off its own thread, which Qt
    does not allow (PySide defers only widgets to the GUI thread). Young objects are collected every
    `interval_ms`, everything every `full_every` ticks; most long-lived objects are frozen
    (freeze_long_lived_objects), so a full pass stays short.
    """

    def __init__(self, parent: QObject | None = None, interval_ms: int = 1000, full_every: int = 30) -> None:
        super().__init__(parent)
        self._ticks, self._full_every = 0, full_every
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)

    def start(self) -> None:
        """Take over from the automatic collector."""
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Give collection back to the interpreter (at exit, or in tests)."""
        self._timer.stop()
        gc.enable()

    def collect(self) -> int:
        """One tick: the young generations, or all of them every `full_every` ticks; returns objects freed."""
        self._ticks += 1
        return gc.collect(2 if self._ticks % self._full_every == 0 else 1)
