"""The layers hold: import-linter's contracts (pyproject.toml) and mypy pass, and the checks can fail.

The core never imports Qt or torch (directly or through another module), the command line never loads Qt,
the GUI sits above the core and reaches catalogues only through their boundary; mypy is clean on the
package. Both run here so that the test suite, and so CI, fails when a change breaks a layer or a type."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """import-linter's command line on the pyproject.toml in `cwd`, with `cwd` first on the import path."""
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(cwd), "PATH": "", "HOME": str(cwd), "LC_ALL": "C.UTF-8"})


def test_the_layer_contracts_are_kept() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 kept, 0 broken" in done.stdout


def test_the_contracts_catch_an_indirect_qt_import_in_the_core(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "autosimnet_desktop", tmp_path / "autosimnet_desktop",
                    ignore=shutil.ignore_patterns("__pycache__", "resources"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    # A core module that imports a harmless-looking helper, which itself imports a GUI module.
    (tmp_path / "autosimnet_desktop" / "helper.py").write_text("from autosimnet_desktop.gui import app\n")
    (tmp_path / "autosimnet_desktop" / "core" / "sneaky.py").write_text("from autosimnet_desktop import helper\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "The core never imports Qt, torch or the faces built on it BROKEN" in done.stdout.replace("\n", " ")


def test_mypy_is_clean_on_the_package() -> None:
    from mypy import api

    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir",
                                str(ROOT / ".mypy_cache"), str(ROOT / "autosimnet_desktop")])
    assert status == 0, out + err


def test_importing_the_core_and_the_command_line_changes_nothing_and_loads_no_qt() -> None:
    code = ("import sys, PIL.Image as I, PIL.ImageFile as F\n"
            "before = (I.MAX_IMAGE_PIXELS, F.LOAD_TRUNCATED_IMAGES)\n"
            "import autosimnet_desktop.cli, autosimnet_desktop.core.catalogue.factory\n"
            "import autosimnet_desktop.core.indexing.pipeline, autosimnet_desktop.bench.runner\n"
            "assert (I.MAX_IMAGE_PIXELS, F.LOAD_TRUNCATED_IMAGES) == before, 'Pillow settings changed on import'\n"
            "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'torch'))]\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
