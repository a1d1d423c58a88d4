"""Status-bar pieces: the long-job progress (done/total, rate, time left, Cancel) and the catalogue summary."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from autosimnet_desktop.core.records import Progress
from autosimnet_desktop.gui.catalogue.jobs import JobKind
from autosimnet_desktop.gui.runtime.formatting import plural, progress_text


class SlimProgressBar(QWidget):
    """A thin progress bar that only schedules repaints.

    QProgressBar.setValue repaints synchronously, which at ten updates a second drags a repaint of the
    whole window into every progress message while indexing runs.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fraction: float | None = None  # None: busy, amount unknown
        self.setFixedSize(220, 8)

    def set_fraction(self, fraction: float | None) -> None:
        """0..1, or None for 'working, amount unknown'."""
        if fraction != self.fraction:
            self.fraction = fraction
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """A rounded track with the done part in the highlight colour (striped while the amount is unknown)."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        track = QRectF(self.rect())
        radius = track.height() / 2
        painter.setBrush(self.palette().color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(track, radius, radius)
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        if self.fraction is None:
            painter.setBrush(QBrush(highlight, Qt.BrushStyle.BDiagPattern))
            painter.drawRoundedRect(track, radius, radius)
        elif self.fraction > 0:
            painter.setBrush(highlight)
            painter.drawRoundedRect(QRectF(0, 0, max(track.height(), track.width() * self.fraction),
                                           track.height()), radius, radius)


class JobProgress(QWidget):
    """A progress bar with a readable line and a Cancel button; hidden when no job runs."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = SlimProgressBar(self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop now; everything finished so far is kept")
        self.cancel_button.clicked.connect(self._cancel)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(10)
        self.row.addWidget(self.label)
        self.row.addWidget(self.bar)
        self.row.addWidget(self.cancel_button)
        self._kind: JobKind | None = None
        self.hide()

    def start(self, kind: JobKind) -> None:
        """Show an indeterminate bar for a job that just started."""
        self._kind = kind
        self.label.setText(kind.words.starting)
        self.bar.set_fraction(None)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.show()

    def update_progress(self, progress: Progress) -> None:
        """Show where the job stands."""
        verb, noun = (self._kind.words.verb, self._kind.words.noun) if self._kind else ("Working on", "item")
        self.label.setText(progress_text(progress, verb, noun))
        known = progress.total > 0 and progress.stage not in ("scanning", "saving")
        self.bar.set_fraction(progress.fraction if known else None)

    def finish(self) -> None:
        """Hide: the job is over."""
        self._kind = None
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
