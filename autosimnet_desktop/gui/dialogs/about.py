"""The About dialog: the app's version and everything the loaded model says about itself."""

from __future__ import annotations

import html
import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt, qVersion
from PySide6.QtGui import QFont, QIcon, QResizeEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QSizePolicy, QTextBrowser, \
    QToolButton, QVBoxLayout, QWidget

from autosimnet_desktop import __version__
from autosimnet_desktop.core.model.encoder import ModelInfo

# Metadata keys shown first and named for people; the rest follow as they are.
_MODEL_FIELDS = (
    ("model_name", "Name"), ("model_version", "Version"), ("architecture", "Architecture"),
    ("training_data", "Trained on"), ("epochs_run", "Training epochs"), ("final_val_loss", "Validation loss"),
    ("export_date", "Exported"), ("similarity", "Similarity"),
)


def summary_text(model: ModelInfo | None) -> str:
    """What a shop owner wants to know about the model in use: its name and what it learned from."""
    if model is None:
        return "No catalogue is open yet, so no model is loaded."
    trained = model.metadata.get("training_data")
    return f"Model in use: <b>{html.escape(model.card.display_name)}</b>" + \
        (f", trained on {html.escape(trained)}." if trained else ".")


def model_rows(model: ModelInfo | None) -> list[tuple[str, str]]:
    """(label, value) rows describing the loaded model for the technical details, known fields first."""
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
        self.summary = QLabel(summary_text(model), self)
        self.summary.setWordWrap(True)
        self.file_label = QLabel(self)  # a long path is elided in its middle; the tooltip has all of it
        self.file_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._file = str(model.path) if model is not None else ""
        self.file_label.setToolTip(self._file)
        self.file_label.setVisible(bool(self._file))
        text.addWidget(self.summary)
        text.addWidget(self.file_label)
        # Training figures and the network's layout mean nothing to a shop owner: one click away, not in sight.
        self.details_button = QToolButton(self)
        self.details_button.setText("Technical details")
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setAutoRaise(True)
        self.details_button.toggled.connect(self._show_details)
        self.details = QTextBrowser(self)
        rows = "".join(f"<tr><td style='padding-right:12px'><b>{html.escape(k)}</b></td>"
                       f"<td>{html.escape(v)}</td></tr>" for k, v in model_rows(model))
        versions = (f"Python {platform.python_version()} · Qt {qVersion()} · PySide6 {pyside_version}"
                    f" · {html.escape(platform.system())}")
        self.details.setHtml(f"<h3>Model</h3><table>{rows}</table><p style='color:gray'>{versions}</p>")
        self.details.setMinimumSize(520, 220)
        self.details.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def _show_details(self, shown: bool) -> None:
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.details.setVisible(shown)
        self.adjustSize()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Elide the model file's path in its middle to the width there is."""
        super().resizeEvent(event)
        width = max(50, self.file_label.width())
        self.file_label.setText(self.file_label.fontMetrics().elidedText(
            f"File: {self._file}", Qt.TextElideMode.ElideMiddle, width))
