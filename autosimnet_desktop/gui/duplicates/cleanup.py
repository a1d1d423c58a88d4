"""Acting on duplicates: the list as CSV, and moving chosen copies to a folder or the system trash.

Nothing is ever deleted: files move to a folder the owner chose, or to the trash they can restore from, and
only after a question that names them.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QFile
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from autosimnet_desktop.core.records import Progress, SearchHit
from autosimnet_desktop.gui.runtime.formatting import plural

COPY_SIMILARITY = 0.995  # shown as 100%: the same photo saved twice, not a look-alike
NAMED_IN_QUESTION = 12  # files listed by name in a confirmation; the rest are counted


def is_copy_group(group: list[SearchHit]) -> bool:
    """True when every photo of the group is a copy of its first."""
    return all(hit.similarity >= COPY_SIMILARITY for hit in group[1:])


def sort_groups(groups: list[list[SearchHit]]) -> list[list[SearchHit]]:
    """Copies first, then look-alikes; the most alike groups first within each."""
    return sorted(groups, key=lambda g: (not is_copy_group(g), -min((h.similarity for h in g[1:]), default=1.0)))


def list_csv(groups: list[list[SearchHit]], delimiter: str = ",") -> str:
    """The groups as CSV with a header: group, kind, path, similarity to the group's first photo, product."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["group", "kind", "path", "similarity", "product"])
    for number, group in enumerate(groups, 1):
        kind = "copy" if is_copy_group(group) else "look-alike"
        for hit in group:
            writer.writerow([number, kind, hit.path, f"{hit.similarity:.4f}", hit.product or ""])
    return out.getvalue()


@dataclass
class MoveOutcome:
    """Which files moved and which could not, with the reason."""

    moved: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


Report = Callable[[Progress], None]


def _reporter(report: Report | None, total: int) -> Callable[[int, Path], None]:
    """Progress for a move run on the pool: 'Moving 120 of 300 photos'."""
    started = time.monotonic()

    def step(done: int, path: Path) -> None:
        if report is not None:
            rate = done / max(1e-6, time.monotonic() - started)
            report(Progress(done, total, rate, (total - done) / rate if rate else None, path.name, "moving"))
    return step


def move_to_trash(paths: list[Path], report: Report | None = None) -> MoveOutcome:
    """Move `paths` to the system trash (restorable); never deletes. Runs on a pool thread."""
    outcome = MoveOutcome()
    step = _reporter(report, len(paths))
    for done, path in enumerate(paths, 1):
        step(done, path)
        if QFile.moveToTrash(str(path)):
            outcome.moved.append(path)
        else:
            outcome.failed.append((path, "this system has no trash for it"))
    return outcome


def move_to_folder(paths: list[Path], root: Path, target: Path, report: Report | None = None) -> MoveOutcome:
    """Move `paths` (inside `root`) to `target`, keeping their sub-folders; never overwrites a file.
    Runs on a pool thread."""
    outcome = MoveOutcome()
    step = _reporter(report, len(paths))
    for done, path in enumerate(paths, 1):
        step(done, path)
        try:
            relative = path.relative_to(root)
        except ValueError:
            relative = Path(path.name)
        destination = target / relative
        try:
            if destination.exists():
                raise FileExistsError(f"{destination} already exists")
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), str(destination))
        except OSError as exc:
            outcome.failed.append((path, str(exc)))
        else:
            outcome.moved.append(path)
    return outcome


def question(action: str, paths: list[Path], root: Path) -> str:
    """'Move these 3 photos to the trash? …' naming the files."""
    names = [p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p) for p in paths]
    listed = "\n".join(f"• {n}" for n in names[:NAMED_IN_QUESTION])
    more = f"\n…and {len(names) - NAMED_IN_QUESTION:,} more" if len(names) > NAMED_IN_QUESTION else ""
    return f"Move {plural(len(paths), 'photo')} {action}?\n\n{listed}{more}"


def confirm(parent: QWidget, text: str) -> bool:
    """Ask before moving files."""
    answer = QMessageBox.question(parent, "Move photos", text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                  QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def choose_target_folder(parent: QWidget, start: Path) -> Path | None:
    """Ask where the chosen copies go."""
    folder = QFileDialog.getExistingDirectory(parent, "Move the chosen photos to…", str(start))
    return Path(folder) if folder else None


def choose_list_file(parent: QWidget, start: Path) -> Path | None:
    """Ask where to save the list."""
    name, _ = QFileDialog.getSaveFileName(parent, "Save the list of duplicates", str(start), "CSV files (*.csv)")
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".csv" else path.with_name(path.name + ".csv")
