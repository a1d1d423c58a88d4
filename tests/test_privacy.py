"""Everything stays on this computer, in the app's own folders: nothing is written anywhere else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .core_helpers import make_catalogue


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_indexing_and_searching_write_only_into_the_data_folder(tmp_path: Path) -> None:
    folder, home, data = tmp_path / "shop", tmp_path / "home", tmp_path / "data"
    make_catalogue(folder, 6)
    home.mkdir()
    before = files_under(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ORT_", "AUTOSIMNET_"))}
    env["HOME"] = str(home)
    for args in (["index", str(folder)], ["query", str(folder / "shoes" / "item-0000.jpg"), "--folder", str(folder)]):
        done = subprocess.run([sys.executable, "-m", "autosimnet_desktop.cli", *args, "--data-dir", str(data)],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert files_under(home) == set()  # onnxruntime's telemetry once wrote ~/.cache/Microsoft/...
    assert files_under(folder) == before
    assert any(name.endswith("catalogue.sqlite3") for name in files_under(data))
