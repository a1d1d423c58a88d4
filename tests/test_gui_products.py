"""Products in the window: browsing the catalogue's own products, product cards, Find similar from a product."""

from __future__ import annotations

import os
import time
from pathlib import Path

from autosimnet_desktop.core.products.records import ProductSort
from autosimnet_desktop.gui.search.results_model import CARD_ROLE
from autosimnet_desktop.gui.search.sources import QuerySource

from .gui_support import (
    build_window,
    make_image,
    make_product_shop,
    open_and_index,
    result_rows,
    wait_for_browse,
    write_product_csv,
)


def test_an_open_folder_lists_its_products_in_pages_with_a_filter_and_an_order(qtbot, tmp_path: Path) -> None:
    from autosimnet_desktop.gui.search import results_model

    folder = make_product_shop(tmp_path / "shop", products=30, views=2)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    results_model.BROWSE_PAGE = 12  # (restored below) pages smaller than the listing
    try:
        window.searches.show_all()
        wait_for_browse(qtbot, window, rows=12)
        model = window.page.model
        assert model.browse_total == 30 and model.canFetchMore()
        assert [model.hit(r).product for r in range(3)] == ["SKU-000", "SKU-001", "SKU-002"]
        assert model.data(model.index(0), CARD_ROLE).photos == 2 and model.hit(0).similarity is None
        model.fetchMore()
        qtbot.waitUntil(lambda: model.rowCount() == 24)
        model.fetchMore()
        qtbot.waitUntil(lambda: model.rowCount() == 30)
        assert not model.canFetchMore()
        assert window.page.title.text() == "All products"
    finally:
        results_model.BROWSE_PAGE = 120
    bar = window.page.browse_bar
    bar.filter_edit.setText("sku-02")  # debounced: one listing once typing stops
    qtbot.waitUntil(lambda: model.browse_total == 10 and model.rowCount() == 10)
    assert "10 products match" in window.page.summary.text()
    newest = make_image(folder / "ZZZ-1_1.png", 90)  # the newest product
    os.utime(newest, (time.time() + 60, time.time() + 60))
    window.session.reindex()
    bar.filter_edit.clear()
    bar.sort_combo.setCurrentIndex(bar.sort_combo.findData(ProductSort.NEWEST.value))
    qtbot.waitUntil(lambda: model.browse_total == 31 and model.rowCount() > 0 and model.hit(0).product == "ZZZ-1",
                    timeout=5000)


def test_enter_on_a_listed_product_finds_products_similar_to_it_but_never_itself(qtbot, tmp_path: Path) -> None:
    folder = make_product_shop(tmp_path / "shop", products=6, views=3)
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, folder)
    wait_for_browse(qtbot, window, rows=6)  # the default page once a folder is open
    view = window.page.view
    view.setCurrentIndex(window.page.model.index(2))
    qtbot.keyClick(view, "\r")
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    assert window.page.title.text() == "Products similar to SKU-002"
    found = [window.page.model.hit(r).product for r in range(window.page.model.rowCount())]
    assert "SKU-002" not in found and len(found) == len(set(found)) == 5  # each product once, never itself
    assert window.session.catalogue.count() == 18


def test_search_results_are_products_with_their_names_ids_and_photo_counts(qtbot, tmp_path: Path) -> None:
    folder = make_product_shop(tmp_path / "shop", products=4, views=3)
    csv_file = write_product_csv(tmp_path / "wc.csv", [
        ("SKU-000", "Blue linen shirt", "Shirts", "https://shop.example/SKU-000_1.png, SKU-000_2.png, SKU-000_3.png"),
        ("SKU-001", "Red wool scarf", "Scarves", "SKU-001_1.png,SKU-001_2.png,SKU-001_3.png"),
    ])
    window = build_window(qtbot, tmp_path)
    window.show()
    qtbot.waitExposed(window)
    window.actions_.show_preview.setChecked(True)
    open_and_index(qtbot, window, folder)
    window.session.catalogue.set_grouping("auto", csv_file)
    window.query(QuerySource.file(folder / "SKU-000_1.png"))
    qtbot.waitUntil(lambda: result_rows(window) == 4)
    model = window.page.model
    best = model.data(model.index(0), CARD_ROLE)
    assert (best.name, best.folder, best.photos) == ("Blue linen shirt", "SKU-000", 3)
    assert [model.hit(r).product for r in range(4)].count("SKU-000") == 1
    preview = window.page.preview
    assert preview.name_label.text() == "Blue linen shirt"
    assert preview.product_label.text() == "Product SKU-000 · Shirts · 3 photos"
    qtbot.waitUntil(lambda: preview.strip.count() == 3)
    preview.strip.setCurrentRow(2)  # another photo of the product, large
    assert preview.path_label.text() == str(folder / "SKU-000_3.png")
    qtbot.waitUntil(lambda: preview.loaded is not None and "112 × 96 pixels" in preview.details_label.text())
