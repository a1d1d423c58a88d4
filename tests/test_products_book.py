"""A catalogue's grouping follows its store: photos recorded a moment ago (mid-run) are already products."""

from __future__ import annotations

from pathlib import Path

from autosimnet_desktop.core.products.book import ProductBook
from autosimnet_desktop.core.storage.store import INDEXED, Store


def test_photos_recorded_after_the_grouping_was_computed_join_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "catalogue.sqlite3")
    book = ProductBook(store)
    store.begin()
    first = store.add("ABC-1_1.jpg", 10, 1, "d1", INDEXED)
    store.commit()
    book.set_grouping("stem")
    assert book.grouping().product_of_label(first) == "ABC-1"
    store.begin()  # an index run records a batch; the run's refresh comes only at its end
    [second, third] = store.add_indexed([("ABC-1_2.jpg", 10, 1, "d2"), ("XYZ-9.jpg", 10, 1, "d3")], 1.0)
    grouping = book.grouping()
    assert grouping.product_of_label(second) == "ABC-1" and grouping.product_of_label(third) == "XYZ-9"
    store.rollback()  # a failed run: its rows are gone again, and so are their products
    assert book.grouping().product_of_label(third) is None
    assert book.grouping() is book.grouping()  # nothing changed: computed once
    store.close()
