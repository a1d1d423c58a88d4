"""The Qt binding must survive what the app does: pool threads making QImages and emitting signals while the
GUI thread runs Python. PySide6 6.12.0 (with Python 3.11) corrupts reference counts in exactly this case and
aborts with 'Fatal Python error: none_dealloc' / 'bool_dealloc'; this test catches such a binding."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import sys, threading
from PySide6.QtCore import QCoreApplication, QObject, Signal, QTimer
from PySide6.QtGui import QImage

mode, count = sys.argv[1], int(sys.argv[2])
app = QCoreApplication([])

class Receiver(QObject):
    got = Signal(object)

    def __init__(self):
        super().__init__()
        self.n = 0
        self.got.connect(self.take)

    def take(self, value):
        self.n += 1
        if self.n >= count:
            app.quit()

receiver = Receiver()
done = []

def worker():
    for i in range(count):
        if mode == "emit":
            receiver.got.emit(i)
        else:
            image = QImage(8, 8, QImage.Format.Format_RGB888)
            image.fill(0)
    done.append(True)

def busy():  # the GUI thread keeps running Python, as it does while painting
    [None, True, False] * 10
    if mode == "qimage" and done:
        app.quit()

timer = QTimer(interval=0)
timer.timeout.connect(busy)
timer.start()
threading.Thread(target=worker).start()
app.exec()
print("ok")
"""


@pytest.mark.parametrize("mode", ["emit", "qimage"])
def test_threads_do_not_corrupt_the_interpreter(mode: str) -> None:
    import PySide6

    done = subprocess.run([sys.executable, "-c", PROBE, mode, "60000"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0 and done.stdout.strip() == "ok", (
        f"PySide6 {PySide6.__version__} crashed when threads used Qt ({mode}); pin a version without the bug. "
        + done.stderr[-600:])
