"""Small dialogs: About (version and the loaded model's metadata) and the list of unreadable files."""

from __future__ import annotations

import html
import platform
from typing import Any, Callable

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt, qVersion
from PySide6.QtGui import QFont, QGuiApplication, QIcon
from PySide6.QtWidgets import QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel, \
    QPushButton, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget

from autosimnet_desktop import __version__
from autosimnet_desktop.core.model.encoder import ModelInfo
from autosimnet_desktop.core.records import Failure
from autosimnet_desktop.gui.formatting import plural

# Metadata keys shown first and named for people; the rest follow as they are.
_MODEL_FIELDS = (
    ("model_name", "Name"), ("model_version", "Version"), ("architecture", "Architecture"),
    ("training_data", "Trained on"), ("epochs_run", "Training epochs"), ("final_val_loss", "Validation loss"),
    ("export_date", "Exported"), ("similarity", "Similarity"),
)


def model_rows(model: ModelInfo | None) -> list[tuple[str, str]]:
    """(label, value) rows describing the loaded model, known fields first."""
    if model is None:
        return [("Model", "No catalogue is open yet, so no model is loaded.")]
    meta = dict(model.metadata)
    rows = [(label, meta.pop(key)) for key, label in _MODEL_FIELDS if meta.get(key)]
    pre = model.preprocess
    rows += [
        ("Input", f"{pre.size}×{pre.size} pixels, {'greyscale' if pre.colour_mode == 'L' else 'colour'}, "
                  f"{pre.resize}"),
        ("Embedding", f"{model.embedding_size:,} numbers, {model.metric} distance"),
        ("File", str(model.path)),
        ("SHA-256", model.sha256[:16] + "…"),
    ]
    skip = {"input_size", "input_channels", "colour_mode", "resize", "embedding_size", "distance"}
    rows += [(key, value) for key, value in sorted(meta.items()) if key not in skip]
    return rows


def lay_out_list_dialog(dialog: QDialog, intro: QWidget, body: QWidget,
                        actions: list[tuple[str, Callable[[], None]]]) -> None:
    """An intro line, the list itself, then action buttons beside Close: the shape of the app's list dialogs."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    for text, slot in actions:
        button = QPushButton(text, dialog)
        button.clicked.connect(slot)
        buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(intro)
    layout.addWidget(body, 1)
    layout.addWidget(buttons)


class AboutDialog(QDialog):
    """The app's version, what it does, and everything the model file says about itself."""

    def __init__(self, icon: QIcon, model: ModelInfo | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About AutoSimNet Desktop")
        logo = QLabel(self)
        logo.setPixmap(icon.pixmap(QSize(72, 72)))
        title = QLabel(f"AutoSimNet Desktop {__version__}", self)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        blurb = QLabel("Finds visually similar products in your own catalogue folder, on this computer. "
                       "It builds on AutoSimNet (Bayezid, Islam and Rabbi): a neural network turns each photo "
                       "into an embedding (the default model sees shape and colour; the paper's denoising "
                       "autoencoder can be chosen in the Model menu), and a nearest-neighbour search finds the "
                       "closest ones.", self)
        blurb.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(blurb)
        header.addLayout(text, 1)
        self.details = QTextBrowser(self)
        rows = "".join(f"<tr><td style='padding-right:12px'><b>{html.escape(k)}</b></td>"
                       f"<td>{html.escape(v)}</td></tr>" for k, v in model_rows(model))
        versions = (f"Python {platform.python_version()} · Qt {qVersion()} · PySide6 {pyside_version}"
                    f" · {html.escape(platform.system())}")
        self.details.setHtml(f"<h3>Model</h3><table>{rows}</table><p style='color:gray'>{versions}</p>")
        self.details.setMinimumSize(520, 260)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)


class FailuresDialog(QDialog):
    """A table of files that could not be indexed and why, with a copy button for support e-mails."""

    def __init__(self, failures: list[Failure] | list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Files that could not be read")
        self.failures = list(failures)
        intro = QLabel(f"{plural(len(self.failures), 'file')} in the catalogue folder could not be read, so "
                       "they are left out of searches. Fix or remove them; the next scan picks up the change.",
                       self)
        intro.setWordWrap(True)
        self.table = QTableWidget(len(self.failures), 2, self)
        self.table.setHorizontalHeaderLabels(["File", "Reason"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, failure in enumerate(self.failures):
            self.table.setItem(row, 0, QTableWidgetItem(failure.path))
            self.table.setItem(row, 1, QTableWidgetItem(failure.reason))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        lay_out_list_dialog(self, intro, self.table, [("Copy list", self.copy_list)])
        self.resize(720, 420)

    def copy_list(self) -> None:
        """Put 'path<TAB>reason' lines on the clipboard."""
        QGuiApplication.clipboard().setText("\n".join(f"{f.path}\t{f.reason}" for f in self.failures))
