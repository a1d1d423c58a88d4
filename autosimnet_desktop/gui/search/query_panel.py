"""The left panel: the query photo shown large with its name, the Open/Paste buttons and query options."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QSpinBox, \
    QToolButton, QVBoxLayout, QWidget

from autosimnet_desktop.gui.runtime.settings import RESULT_COUNT_RANGE


class ImagePreview(QWidget):
    """Paints one image scaled to fit on a white tile, or a drop hint when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self.hint = "Drop a product photo here\n\nor paste one with Ctrl+V"
        self.setMinimumSize(160, 160)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # a square tile: no empty band below the photo
        self.setSizePolicy(policy)

    def set_image(self, image: QImage | None) -> None:
        """Show `image` (converted to a pixmap here, on the GUI thread); None shows the hint."""
        self._pixmap = QPixmap.fromImage(image) if image is not None and not image.isNull() else None
        self.update()

    def has_image(self) -> bool:
        """True while an image is shown."""
        return self._pixmap is not None

    def sizeHint(self) -> QSize:
        """Square by default."""
        return QSize(280, 280)

    def hasHeightForWidth(self) -> bool:
        """The tile is square."""
        return True

    def heightForWidth(self, width: int) -> int:
        """As tall as it is wide."""
        return width

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the tile and the image (or the dashed drop hint)."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        side = min(self.width(), self.height())
        tile = QRect(0, 0, self.width(), side)
        if self._pixmap is None:
            pen = painter.pen()
            pen.setColor(self.palette().color(QPalette.ColorRole.Mid))
            pen.setStyle(Qt.PenStyle.DashLine)
            pen.setWidth(2)
            painter.setPen(pen)
            painter.setBrush(self.palette().color(QPalette.ColorRole.Base))
            painter.drawRoundedRect(tile.adjusted(1, 1, -1, -1), 10, 10)
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 1.1)
            painter.setFont(font)
            painter.drawText(tile.adjusted(16, 16, -16, -16), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.hint)
            return
        painter.setPen(QColor(0, 0, 0, 40))
        painter.setBrush(QColor("white"))
        painter.drawRoundedRect(tile.adjusted(0, 0, -1, -1), 10, 10)
        size = self._pixmap.size().scaled(tile.adjusted(12, 12, -12, -12).size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(tile.center())
        painter.drawPixmap(target, self._pixmap)


class QueryPanel(QWidget):
    """Shows what was searched for and holds the result-count and minimum-similarity options."""

    open_image_clicked = Signal()
    paste_clicked = Signal()
    result_count_changed = Signal(int)
    min_similarity_changed = Signal(float)
    colour_weight_changed = Signal(float)  # the "Shape … Colour" balance moved (0 = shape only, 1 = colour only)

    def __init__(self, result_count: int, min_similarity: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Your photo", self)
        bold = QFont(title.font())
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        bold.setBold(True)
        title.setFont(bold)
        self.preview = ImagePreview(self)
        self.name_label = QLabel(self)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        name_font = QFont(self.name_label.font())
        name_font.setBold(True)
        self.name_label.setFont(name_font)
        self.detail_label = QLabel(self)
        self.detail_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.open_button = QPushButton("Open image…", self)
        self.open_button.setToolTip("Choose a photo to search for (Ctrl+I)")
        self.open_button.clicked.connect(self.open_image_clicked)
        self.paste_button = QPushButton("Paste", self)
        self.paste_button.setToolTip("Search for the image or image file on the clipboard (Ctrl+V)")
        self.paste_button.clicked.connect(self.paste_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button, 1)
        buttons.addWidget(self.paste_button)

        options = self._build_options(result_count, min_similarity)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 8, 12)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(self.preview)
        layout.addWidget(self.name_label)
        layout.addWidget(self.detail_label)
        layout.addLayout(buttons)
        layout.addSpacing(12)
        layout.addLayout(options)
        layout.addStretch(1)
        tips = QLabel("Press Enter to find products similar to the selected one; double-click (or Ctrl+Enter) "
                      "opens it. Right-click it to show it in its folder or copy it.", self)
        tips.setWordWrap(True)
        tips.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(tips)
        self._similarity_moved(self.similarity_slider.value())
        self.show_query(None, "", "")

    def _build_options(self, result_count: int, min_similarity: float) -> QFormLayout:
        """The Show / At least / Match rows (Match only for a model with a colour part)."""
        self.count_spin = QSpinBox(self)
        self.count_spin.setRange(*RESULT_COUNT_RANGE)
        self.count_spin.setValue(result_count)
        self.count_spin.setSuffix(" results")
        self.count_spin.setToolTip("How many similar products to show")
        self.count_spin.valueChanged.connect(self.result_count_changed)
        self.similarity_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.similarity_slider.setRange(0, 100)
        self.similarity_slider.setValue(round(min_similarity * 100))
        self.similarity_slider.setToolTip("Hide results that are less similar than this")
        self.similarity_label = QLabel(self)
        self.similarity_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("100%") + 4)
        self.similarity_slider.valueChanged.connect(self._similarity_moved)
        slider_row = QHBoxLayout()
        slider_row.addWidget(self.similarity_slider, 1)
        slider_row.addWidget(self.similarity_label)
        self.balance_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.balance_slider.setRange(0, 100)
        self.balance_slider.setPageStep(10)
        self.balance_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.balance_slider.setTickInterval(50)
        self.balance_slider.setToolTip("Left: find the same kind of product whatever its colour. "
                                       "Right: find products of the same colour.")
        self.balance_slider.valueChanged.connect(self._balance_moved)
        self._balance_default: float | None = None
        shape_label, colour_label = QLabel("Shape", self), QLabel("Colour", self)
        self.balance_value = QLabel(self)  # "45% colour"
        self.balance_value.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.balance_reset = QToolButton(self)
        self.balance_reset.setText("Reset")
        self.balance_reset.setAutoRaise(True)
        self.balance_reset.clicked.connect(self.reset_balance)
        self.balance_row = QWidget(self)
        rows = QVBoxLayout(self.balance_row)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(0)
        balance_row = QHBoxLayout()
        balance_row.addWidget(shape_label)
        balance_row.addWidget(self.balance_slider, 1)
        balance_row.addWidget(colour_label)
        value_row = QHBoxLayout()
        value_row.addWidget(self.balance_value, 1)
        value_row.addWidget(self.balance_reset)
        rows.addLayout(balance_row)
        rows.addLayout(value_row)
        self.options = options = QFormLayout()
        options.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        options.addRow("Show", self.count_spin)
        options.addRow("At least", slider_row)
        options.addRow("Match", self.balance_row)
        options.setRowVisible(self.balance_row, False)  # until a model with a colour part is loaded
        return options

    def show_query(self, image: QImage | None, name: str, detail: str) -> None:
        """Show the query image large with its name and a detail line."""
        self.preview.set_image(image)
        elided = self.name_label.fontMetrics().elidedText(name, Qt.TextElideMode.ElideMiddle, 260)
        self.name_label.setText(elided)
        self.name_label.setToolTip(name if elided != name else "")
        self.name_label.setVisible(bool(name))
        self.detail_label.setText(detail)
        self.detail_label.setVisible(bool(detail))

    def show_pending(self, name: str) -> None:
        """Name the image being searched for while it is decoded and searched."""
        self.show_query(None, name, "Searching…")
        self.preview.hint = "Searching…"

    def reset_hint(self) -> None:
        """Back to the drop hint."""
        self.preview.hint = "Drop a product photo here\n\nor paste one with Ctrl+V"
        self.preview.update()

    def set_balance(self, default: float | None, value: float | None = None) -> None:
        """Offer the Shape … Colour balance at `value` (else the model's `default`); None hides it.

        A model without separate shape and colour parts (the paper's) has no balance to move.
        """
        self._balance_default = default
        self.options.setRowVisible(self.balance_row, default is not None)
        if default is not None:
            self.balance_slider.blockSignals(True)
            self.balance_slider.setValue(round(100 * (default if value is None else value)))
            self.balance_slider.blockSignals(False)
            self.balance_slider.setToolTip(
                "Left: find the same kind of product whatever its colour. Right: find products of the same "
                f"colour. The model's own balance is {round(100 * default)}% colour.")
            self.balance_reset.setToolTip(f"Back to the model's own balance: {round(100 * default)}% colour")
            self._show_balance(self.balance_slider.value())

    def reset_balance(self) -> None:
        """Back to the model's own Shape … Colour balance (a search follows, as for any move)."""
        if self._balance_default is not None:
            self.balance_slider.setValue(round(100 * self._balance_default))

    def _balance_moved(self, value: int) -> None:
        self._show_balance(value)
        self.colour_weight_changed.emit(value / 100)

    def _show_balance(self, value: int) -> None:
        default = round(100 * self._balance_default) if self._balance_default is not None else None
        self.balance_value.setText(f"{value}% colour" + (" (the model's balance)" if value == default else ""))
        self.balance_reset.setEnabled(value != default)

    @property
    def colour_weight(self) -> float | None:
        """The balance as 0..1 (0 = shape only); None when the model has none."""
        return self.balance_slider.value() / 100 if self._balance_default is not None else None

    @property
    def min_similarity(self) -> float:
        """The slider as 0..1."""
        return self.similarity_slider.value() / 100

    def _similarity_moved(self, value: int) -> None:
        self.similarity_label.setText(f"{value}%")
        self.similarity_slider.setToolTip(f"Hide results less than {value}% similar" if value else
                                          "Show all results, however similar")
        self.min_similarity_changed.emit(value / 100)
