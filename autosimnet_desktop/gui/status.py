"""Status-bar pieces: the long-job progress (done/total, rate, time left, Cancel) and the catalogue summary."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QToolButton, QWidget

from ..core.records import Progress
from .formatting import plural, progress_text

# What the progress line says for each job kind: (verb, noun).
JOB_WORDS = {
    "index": ("Indexing", "photo"),
    "related": ("Finding related products for", "product"),
    "duplicates": ("Looking for duplicates among", "product"),
}
STARTING = {"index": "Looking for photos…", "related": "Finding related products…",
            "duplicates": "Looking for duplicates…"}


class JobProgress(QWidget):
    """A progress bar with a readable line and a Cancel button; hidden when no job runs."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(220)
        self.bar.setMaximumHeight(14)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop now; everything finished so far is kept")
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._kind = ""
        self.hide()

    def start(self, kind: str) -> None:
        """Show an indeterminate bar for a job that just started."""
        self._kind = kind
        self.label.setText(STARTING.get(kind, "Working…"))
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.show()

    def update_progress(self, progress: Progress) -> None:
        """Show where the job stands."""
        verb, noun = JOB_WORDS.get(self._kind, ("Working on", "item"))
        self.label.setText(progress_text(progress, verb, noun))
        if progress.total > 0 and progress.stage != "scanning":
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(progress.fraction * 1000))
        else:
            self.bar.setRange(0, 0)

    def finish(self) -> None:
        """Hide: the job is over."""
        self._kind = ""
        self.hide()

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Stopping…")
        self.cancel_requested.emit()


class CatalogueSummary(QWidget):
    """'sample-catalogue · 300 photos' and a clickable count of unreadable files."""

    failures_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.failures_button = QToolButton(self)
        self.failures_button.setAutoRaise(True)
        self.failures_button.setToolTip("Show the files that could not be read, with the reason for each")
        self.failures_button.clicked.connect(self.failures_clicked)
        self.failures_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.label)
        layout.addWidget(self.failures_button)

    def set_catalogue(self, name: str, count: int | None) -> None:
        """Name the open catalogue and how many photos it holds (None while loading)."""
        self.label.setText(name if count is None else f"{name} · {plural(count, 'photo')} indexed")

    def set_unreadable(self, count: int) -> None:
        """Show '⚠ 3 unreadable files' (hidden at zero)."""
        self.failures_button.setText(f"⚠ {plural(count, 'unreadable file')}")
        self.failures_button.setVisible(count > 0)
