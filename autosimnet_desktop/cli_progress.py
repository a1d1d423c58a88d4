"""The command line's progress bar: one line on a terminal's stderr."""

from __future__ import annotations

import shutil
import time
from typing import TextIO

from autosimnet_desktop.core.records import Progress


class ProgressBar:
    """A one-line terminal progress bar on stderr, redrawn at most 10 times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last = 0.0
        self._drawn = False

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and p.done < p.total:
            return
        self._last = now
        width = shutil.get_terminal_size((80, 20)).columns
        if p.stage in ("scanning", "checking") or p.total == 0:
            line = f"{p.stage or 'working'}..."
        else:
            filled = int(20 * p.fraction)
            eta = f" ETA {_clock(p.eta)}" if p.eta is not None and p.done < p.total else ""
            doing = "saving..." if p.stage == "saving" else f"{p.rate:.0f} img/s{eta} {p.current}"
            line = f"[{'#' * filled}{'.' * (20 - filled)}] {p.done}/{p.total} {doing}"
        self.stream.write("\r" + line[: max(10, width - 1)].ljust(max(10, width - 1)))
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """Clear the bar's line."""
        if self._drawn:
            width = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r" + " " * max(10, width - 1) + "\r")
            self.stream.flush()


def _clock(seconds: float) -> str:
    """Seconds as m:ss or h:mm:ss."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
