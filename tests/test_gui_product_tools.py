"""The product tools of the window: Check new photos (match), the Products settings, Export related formats."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from PIL import Image

from autosimnet_desktop.core.exports.formats import MATCH_CSV_HEADER, as_text, write_matches_csv
from autosimnet_desktop.core.exports.platforms import SHOPIFY_HEADER, RelatedFormat
from autosimnet_desktop.core.products.grouping import GroupingRule
from autosimnet_desktop.gui.runtime.choosers import Choosers

from .gui_support import build_window, make_product_shop, open_and_index, refuse_dialog, write_product_csv


def shop_window(qtbot, tmp_path: Path, **choosers):
    folder = make_product_shop(tmp_path / "shop", products=4, views=3)
    answers = {"folder": refuse_dialog, "image": refuse_dialog, "csv": refuse_dialog, "product_file": refuse_dialog,
               "photos": refuse_dialog, **choosers}
    window = build_window(qtbot, tmp_path, choosers=Choosers(**answers))
    open_and_index(qtbot, window, folder)
    return window, folder


def test_check_new_photos_shows_each_ones_best_products_and_saves_the_cli_csv(qtbot, tmp_path: Path) -> None:
    new = tmp_path / "supplier"
    new.mkdir()
    target = tmp_path / "matches.csv"
    window, folder = shop_window(qtbot, tmp_path, folder=lambda *_: new, csv=lambda *_: target)
    Image.open(folder / "SKU-002_2.png").resize((300, 300)).save(new / "offer-17.jpg")
    (new / "notes.jpg").write_text("not a photo")
    window.actions_.check_photos.trigger()
    dialog = window.products.match_dialog
    assert dialog is not None and dialog.isVisible() and dialog.table.rowCount() == 0
    dialog.folder_button.click()
    qtbot.waitUntil(lambda: len(dialog.results) == 2 and not window.session.job_kind, timeout=5000)
    table = dialog.table
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in range(4)] for r in range(2)}
    assert rows["offer-17.jpg"][1] == "SKU-002" and rows["offer-17.jpg"][2].endswith("%")
    assert rows["offer-17.jpg"][3].count("%") == 3  # the next matches (k=5 of 4 products: 3 more)
    assert rows["notes.jpg"][1].startswith("Can't read this photo: ")
    assert table.item(0, 0).text() == "offer-17.jpg"  # best similarity first; unreadable last
    table.sortItems(2)  # ascending by similarity: the unreadable photo first
    assert table.item(0, 0).text() == "notes.jpg"
    assert "1 photo could not be read" in dialog.summary.text()
    dialog.save_button.click()
    qtbot.waitUntil(target.exists)
    text = target.read_text()
    assert next(csv.reader(io.StringIO(text))) == list(MATCH_CSV_HEADER)
    assert text == as_text(write_matches_csv, dialog.results)  # what `autosimnet match --format csv` writes
    assert "Matches saved to" in window.messages.text


def test_products_settings_apply_a_rule_and_refuse_a_malformed_product_list(qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("sku;name\nSKU-000;Shirt\n")  # no image column
    chosen: list[Path] = [bad]
    window, folder = shop_window(qtbot, tmp_path, product_file=lambda *_: chosen[0])
    window.actions_.products_settings.trigger()
    dialog = window.products.settings_dialog
    qtbot.waitUntil(lambda: dialog.summary is not None)
    assert dialog.sentence.text() == "12 photos in 4 products, grouped by file name (picked automatically)."
    assert dialog.rule is GroupingRule.AUTO and "(now: grouped by file name)" in dialog.rule_buttons[dialog.rule].text()
    dialog.rule_buttons[GroupingRule.NONE].click()
    qtbot.waitUntil(lambda: dialog.summary.products == 12)
    assert window.session.catalogue.product_summary().products == 12
    qtbot.waitUntil(lambda: window.page.summary.text().startswith("12 photos in 12 products"))
    before = window.session.catalogue.product_summary()
    dialog.use_file.click()
    qtbot.waitUntil(dialog.error.isVisible)
    assert dialog.error.text().count(".") >= 1 and "\n" not in dialog.error.text()
    assert window.session.catalogue.product_summary() == before  # nothing changed
    assert dialog.sentence.text().startswith("12 photos in 12 products")
    chosen[0] = write_product_csv(tmp_path / "wc.csv", [
        ("SKU-000", "Blue shirt", "Shirts", "SKU-000_1.png,SKU-000_2.png,SKU-000_3.png"),
        ("SKU-009", "Gone", "Shirts", "https://shop.example/SKU-009.png")])
    dialog.use_file.click()
    qtbot.waitUntil(lambda: dialog.summary.product_file is not None)
    assert not dialog.error.isVisible()
    words = dialog.file_label.text()
    assert "wc.csv (WooCommerce): 1 product matched" in words
    assert "9 photos not in the file" in words and "1 product of the file with no image" in words
    assert dialog.show_list.isVisibleTo(dialog)


def test_export_related_offers_each_platform_and_writes_its_import_file(qtbot, tmp_path: Path) -> None:
    target = tmp_path / "related.csv"
    window, folder = shop_window(qtbot, tmp_path, csv=lambda *_: target)
    window.actions_.export_related.trigger()
    qtbot.waitUntil(lambda: window.related_export.dialog is not None and window.related_export.dialog.isVisible())
    dialog = window.related_export.dialog
    offered = [dialog.format_combo.itemText(i) for i in range(dialog.format_combo.count())]
    assert offered == ["WooCommerce", "Shopify", "Magento", "PrestaShop", "Plain CSV", "JSON"]
    dialog.format_combo.setCurrentIndex(offered.index("Magento"))
    assert dialog.where.text() == RelatedFormat.MAGENTO.where
    assert not dialog.same_category.isEnabled()  # no product list, no categories
    dialog.format_combo.setCurrentIndex(offered.index("Shopify"))
    dialog.k_spin.setValue(2)
    dialog.accept()
    qtbot.waitUntil(lambda: target.exists() and not window.session.job_kind)
    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert tuple(rows[0]) == SHOPIFY_HEADER
    assert len(rows) == 5 and all(len(r[1].split(", ")) == 2 for r in rows[1:])
    assert {r[0] for r in rows[1:]} == {"SKU-000", "SKU-001", "SKU-002", "SKU-003"}
