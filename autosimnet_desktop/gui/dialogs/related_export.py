"""Exporting related products: the shop platform's format (with where its file goes), how many related products,
the same category only; then where to write the file, the job, and where the file went."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, \
    QWidget

from autosimnet_desktop.core.exports.platforms import RelatedFormat
from autosimnet_desktop.gui.catalogue.page import CataloguePage
from autosimnet_desktop.gui.catalogue.session import SessionRef
from autosimnet_desktop.gui.message_bar import MessageBar
from autosimnet_desktop.gui.runtime.desktop import reveal
from autosimnet_desktop.gui.runtime.services import Services

RELATED_K = 10  # the contract's default for `autosimnet related`
FORMATS = ((RelatedFormat.WOOCOMMERCE, "WooCommerce"), (RelatedFormat.SHOPIFY, "Shopify"),
           (RelatedFormat.MAGENTO, "Magento"), (RelatedFormat.PRESTASHOP, "PrestaShop"),
           (RelatedFormat.CSV, "Plain CSV"), (RelatedFormat.JSON, "JSON"))
NO_CATEGORIES = "Needs categories from your shop's product list (Products > Use product list…)."


class RelatedExportDialog(QDialog):
    """Which platform's file, how many related products each, and whether only of the same category."""

    def __init__(self, categories: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export related products")
        self.format_combo = QComboBox(self)
        for fmt, words in FORMATS:
            self.format_combo.addItem(words, fmt.value)
        self.where = QLabel(self)
        self.where.setWordWrap(True)
        self.k_spin = QSpinBox(self)
        self.k_spin.setRange(1, 50)
        self.k_spin.setValue(RELATED_K)
        self.k_spin.setSuffix(" per product")
        self.same_category = QCheckBox("Only products of the same category", self)
        self.same_category.setEnabled(categories)
        if not categories:
            self.same_category.setToolTip(NO_CATEGORIES)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, parent=self)
        buttons.addButton("Export…", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("For:", self.format_combo)
        form.addRow("", self.where)
        form.addRow("Related products:", self.k_spin)
        form.addRow("", self.same_category)
        if not categories:
            note = QLabel(NO_CATEGORIES, self)
            note.setWordWrap(True)
            form.addRow("", note)
        form.addRow(buttons)
        self.format_combo.currentIndexChanged.connect(lambda _i: self._explain())
        self._explain()
        self.setMinimumWidth(460)

    @property
    def fmt(self) -> RelatedFormat:
        """The format chosen."""
        return RelatedFormat(self.format_combo.currentData() or RelatedFormat.CSV.value)

    def _explain(self) -> None:
        self.where.setText(self.fmt.where)


class RelatedExport:
    """Asks what to export, starts the session's related-products job and tells the owner where the file is."""

    def __init__(self, services: Services, session: SessionRef, page: CataloguePage,
                 messages: MessageBar, window: QWidget) -> None:
        self._services = services
        self._session = session
        self._page = page
        self._messages = messages
        self._window = window  # the dialogs' parent
        self.dialog: RelatedExportDialog | None = None

    def start(self) -> None:
        """Learn whether categories are known, then ask what to export."""
        session = self._session()
        assert session is not None
        session.has_categories(self._ask)

    def _ask(self, categories: bool) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = RelatedExportDialog(categories, self._window)
        self.dialog.accepted.connect(self._chosen)
        self.dialog.open()

    def _chosen(self) -> None:
        session, dialog = self._session(), self.dialog
        if session is None or dialog is None:
            return
        fmt = dialog.fmt
        suffix = ".json" if fmt is RelatedFormat.JSON else ".csv"
        start = Path.home() / f"{session.folder.name}-related-{fmt.value}{suffix}"
        path = self._services.choosers.csv(self._window, start)
        if path is not None:
            session.export_related(path, dialog.k_spin.value(), fmt, dialog.same_category.isChecked(),
                                   self._page.panel.colour_weight)

    def finished(self, written: Path | None) -> bool:
        """Say where a finished export wrote its file; False when it was stopped."""
        if written is None:
            return False
        self._messages.show_message(f"Related products saved to {written}.", "info", "Show in folder",
                                    lambda: self._show(written), timeout_ms=15000)
        return True

    def _show(self, written: Path) -> None:
        reveal(self._services.desktop, written,
               lambda path: self._messages.show_path(f"Related products saved to {path}. "
                                                     "No file manager could show it.", path))
