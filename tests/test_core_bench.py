"""`autosimnet bench --quick` runs end to end and reports every figure the issue asks for (not timed)."""

from __future__ import annotations

import json

import pytest

from autosimnet_desktop.cli import main
from autosimnet_desktop.bench.machine import VECTOR_FLAGS
from autosimnet_desktop.bench.runner import format_results


def test_bench_quick_reports_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--quick", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    machine = results["machine"]
    assert machine["cpu"] and set(machine["vector_flags"]) <= set(VECTOR_FLAGS)
    assert machine["cpu"] in format_results(results).splitlines()[0]  # the report says which processor it ran on
    for name in ("small", "big"):
        assert {"decode_only_images_per_second", "images_per_second", "pipeline_vs_decode",
                "disk_bytes_per_item"} <= set(results[name])
    assert results["encoder_only_images_per_second"] > 0
    assert [s["items"] for s in results["search"]] == [500, 1000]
    for figures in results["search"]:
        assert {"query_p50_ms", "query_p95_ms", "search_p50_ms", "search_p95_ms", "recall_at_10",
                "speedup_vs_brute_force", "memory_bytes_per_item", "disk_bytes_per_item"} <= set(figures)
        assert figures["recall_at_10"] > 0.9
    assert set(results["targets"]) == {"pipeline_vs_decode", "big_images_per_second", "small_images_per_second",
                                       "query_p95_ms_100k", "recall_at_10", "index_10k_small_seconds"}



def test_the_bench_loads_and_measures_memory_without_posix_only_modules() -> None:
    import subprocess
    import sys

    # As on Windows: no `resource` module (a None entry in sys.modules makes its import fail).
    code = ("import sys; sys.modules['resource'] = None\n"
            "from autosimnet_desktop.bench import measure, runner\n"
            "from autosimnet_desktop.bench.machine import peak_rss_bytes\n"
            "assert peak_rss_bytes() == 0\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
