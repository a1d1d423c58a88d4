"""Products settings: how photos are grouped into products, and the shop's own product list.

Every change is applied at once on the pool (Catalogue.set_grouping); the dialog then shows the new grouping,
or the one sentence saying why not, and nothing changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QButtonGroup, QDialog, QDialogButtonBox, QGroupBox, QHBoxLayout, QLabel, \
    QListWidget, QPushButton, QRadioButton, QVBoxLayout, QWidget

from autosimnet_desktop.core.products.grouping import GroupingRule
from autosimnet_desktop.core.products.records import ProductSummary
from autosimnet_desktop.gui.dialogs.list_dialog import lay_out_list_dialog
from autosimnet_desktop.gui.runtime.formatting import plural

RULES = ((GroupingRule.AUTO, "Automatic"),
         (GroupingRule.FOLDER, "One product per folder"),
         (GroupingRule.STEM, "By file name (ABC-123_1.jpg and ABC-123_2.jpg are one product)"),
         (GroupingRule.NONE, "Every photo is its own product"))
PLATFORMS = {"woocommerce": "WooCommerce", "shopify": "Shopify", "magento": "Magento",
             "prestashop": "PrestaShop", "plain": "plain CSV"}
Apply = Callable[[GroupingRule, Path | None], None]  # rule, product file: set_grouping on the pool


def not_in_file_lines(summary: ProductSummary) -> list[str]:
    """What the product list misses or is missing: photos it does not mention, products without photos here."""
    lines = [f"Photo not in the list: {p}" for p in summary.unmatched_photos]
    lines += [f"Line {m.line}, product {m.product}: no image in the folder ({', '.join(m.images) or 'none given'})"
              for m in summary.missing]
    return lines


class ProductSettingsDialog(QDialog):
    """The grouping rule and the product list; `apply_requested` asks the window to set them."""

    apply_requested = Signal(object, object)  # GroupingRule, Path | None

    def __init__(self, choose_file: Callable[[], Path | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Products")
        self._choose_file = choose_file
        self.summary: ProductSummary | None = None
        self.sentence = QLabel("Reading the catalogue…", self)
        bold = QFont(self.sentence.font())
        bold.setBold(True)
        self.sentence.setFont(bold)
        self.sentence.setWordWrap(True)
        self.rules = QButtonGroup(self)
        rule_box = QGroupBox("Group photos into products", self)
        rule_layout = QVBoxLayout(rule_box)
        self.rule_buttons: dict[GroupingRule, QRadioButton] = {}
        for rule, words in RULES:
            button = QRadioButton(words, rule_box)
            self.rule_buttons[rule] = button
            self.rules.addButton(button)
            rule_layout.addWidget(button)
        self.rules.buttonClicked.connect(lambda _b: self._apply(self.rule, self.product_file))
        self.file_box = QGroupBox("Your shop's product list", self)
        self.file_label = QLabel(self.file_box)
        self.file_label.setWordWrap(True)
        self.use_file = QPushButton("Use product list…", self.file_box)
        self.use_file.clicked.connect(self._pick_file)
        self.drop_file = QPushButton("Stop using it", self.file_box)
        self.drop_file.clicked.connect(lambda: self._apply(self.rule, None))
        self.show_list = QPushButton("Show list", self.file_box)
        self.show_list.clicked.connect(self._show_list)
        buttons_row = QHBoxLayout()
        for push in (self.use_file, self.drop_file, self.show_list):
            buttons_row.addWidget(push)
        buttons_row.addStretch(1)
        file_layout = QVBoxLayout(self.file_box)
        file_layout.addWidget(self.file_label)
        file_layout.addLayout(buttons_row)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setForegroundRole(QPalette.ColorRole.Accent)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.hide()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sentence)
        layout.addWidget(rule_box)
        layout.addWidget(self.file_box)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(close)
        self.setMinimumWidth(520)
        self._set_enabled(False)

    @property
    def rule(self) -> GroupingRule:
        """The rule ticked."""
        return next((rule for rule, button in self.rule_buttons.items() if button.isChecked()), GroupingRule.AUTO)

    @property
    def product_file(self) -> Path | None:
        """The product list in use."""
        return self.summary.product_file if self.summary is not None else None

    def show_summary(self, summary: ProductSummary) -> None:
        """The grouping now: its sentence, its rule ticked, what the product list matched and missed."""
        self.summary = summary
        self.sentence.setText(summary.sentence()[:1].upper() + summary.sentence()[1:] + ".")
        self.rule_buttons[summary.rule].setChecked(True)
        self.rule_buttons[GroupingRule.AUTO].setText(f"Automatic (now: {summary.rule_used.label})")
        self.file_label.setText(self._file_words(summary))
        self.drop_file.setVisible(summary.product_file is not None)
        self.show_list.setVisible(bool(summary.unmatched_photos or summary.missing))
        self._set_enabled(True)

    @staticmethod
    def _file_words(summary: ProductSummary) -> str:
        if summary.product_file is None:
            return ("None. A product export from WooCommerce, Shopify, Magento or PrestaShop (or a CSV of sku and "
                    "image) gives your products their real ids, names and categories.")
        platform = PLATFORMS.get(summary.file_format, summary.file_format)
        lines = [f"{summary.product_file.name} ({platform}): {plural(summary.from_file, 'product')} matched."]
        if summary.unmatched_photos:
            lines.append(f"{plural(len(summary.unmatched_photos), 'photo')} not in the file, "
                         f"{summary.rule_used.label}.")
        if summary.missing:
            lines.append(f"{plural(len(summary.missing), 'product')} of the file with no image in the folder.")
        return "\n".join(lines)

    def show_error(self, message: str) -> None:
        """Why the change was refused (nothing changed)."""
        self.error.setText(message)
        self.error.show()
        self._set_enabled(True)
        if self.summary is not None:
            self.rule_buttons[self.summary.rule].setChecked(True)

    def _set_enabled(self, enabled: bool) -> None:
        for button in [*self.rule_buttons.values(), self.use_file, self.drop_file]:
            button.setEnabled(enabled)

    def _pick_file(self) -> None:
        path = self._choose_file()
        if path is not None:
            self._apply(self.rule, path)

    def _apply(self, rule: GroupingRule, product_file: Path | None) -> None:
        self.error.hide()
        self._set_enabled(False)
        self.apply_requested.emit(rule, product_file)

    def _show_list(self) -> None:
        if self.summary is None:
            return
        dialog = QDialog(self)
        dialog.setWindowTitle("Not in the product list")
        listing = QListWidget(dialog)
        listing.addItems(not_in_file_lines(self.summary))
        intro = QLabel("Photos the product list does not mention are grouped by the rule above; products of the "
                       "list with no image in the folder are left out.", dialog)
        intro.setWordWrap(True)
        lay_out_list_dialog(dialog, intro, listing, [])
        dialog.resize(560, 420)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
