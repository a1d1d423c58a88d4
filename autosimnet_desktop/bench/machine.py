"""What machine the bench runs on, and how much memory this process holds; works on Linux, macOS and Windows."""

from __future__ import annotations

import os
import platform
from typing import Any

# Instructions that set the encoder's speed: without an int8 dot product (VNNI) int8 convolutions run many
# times slower, so a figure means little without them (docs/performance.md).
VECTOR_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "asimddp")


def cpu_description() -> dict[str, Any]:
    """The processor's name and which of VECTOR_FLAGS it has (from /proc/cpuinfo on Linux)."""
    name, family, model, flags = platform.processor() or platform.machine(), "", "", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:  # the first processor's block is enough
                key, _, value = (part.strip() for part in line.partition(":"))
                if key == "model name":
                    name = value
                elif key == "cpu family":
                    family = value
                elif key == "model":
                    model = value
                elif key in ("flags", "Features"):
                    flags = set(value.split())
                    break
    except OSError:
        pass
    if family:
        name += f", family {family} model {model}"
    return {"cpu": name, "vector_flags": [flag for flag in VECTOR_FLAGS if flag in flags]}


def rss_bytes() -> int:
    """Resident memory of this process now (Linux), else the peak so far (0 where neither is known)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return peak_rss_bytes()


def peak_rss_bytes() -> int:
    """The most resident memory this process has held so far (0 where the platform does not say, e.g. Windows)."""
    try:
        import resource  # POSIX only
    except ImportError:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if platform.system() == "Darwin" else peak * 1024  # macOS counts bytes, Linux kilobytes
