"""Shared fixtures: no test needs a display, and none writes outside tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
PAPER_MODEL = ROOT / "resources" / "models" / "autosimnet-paper.onnx"
BEST_MODEL = ROOT / "resources" / "models" / "autosimnet-best.onnx"  # the default ("Best match")
FAST_MODEL = ROOT / "resources" / "models" / "autosimnet-fast.onnx"  # the 64x64 product encoder ("Fast")
PRODUCT_MODEL = FAST_MODEL  # tests that need any fused [shape | colour] model use the fast one


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own AUTOSIMNET_DATA_DIR so nothing lands in the user's data folders."""
    monkeypatch.setenv("AUTOSIMNET_DATA_DIR", str(tmp_path_factory.mktemp("autosimnet-data")))


def shared_data(name: str) -> Path:
    """A folder of ../shared/data, or skip the test with a clear reason when it is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} is not available (the shared data sets are only on developer and CI machines)")
    return path
