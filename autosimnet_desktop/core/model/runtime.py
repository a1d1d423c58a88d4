"""The one door to onnxruntime: it is imported here, with its telemetry switched off first.

On Linux, onnxruntime's telemetry writes a device id and a database under ~/.cache/Microsoft when the
library loads; the app promises that nothing leaves the app's own folders, and the variable is read only
at load time, so it must be set before the first import anywhere in the process."""

from __future__ import annotations

import os
from types import ModuleType


def onnxruntime() -> ModuleType:
    """The onnxruntime module, loaded with telemetry off."""
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime as ort

    return ort
