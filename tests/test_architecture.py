"""The core stays Qt-free: the CLI and the GUI are two faces of one engine."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "autosimnet_desktop" / "core"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "torch")


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a file imports (including imports inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_qt_or_torch() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert files, "no core modules found"
    offenders = {f.name: sorted(imported_modules(f) & set(FORBIDDEN)) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_checker_catches_a_qt_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from PySide6.QtCore import QObject\n")
    assert imported_modules(bad) & set(FORBIDDEN) == {"PySide6"}
