"""Products in a real catalogue (real files, ONNX, SQLite, hnswlib): grouping kept up to date, product search,
the shop's product file, match and the browse listing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from autosimnet_desktop.core.catalogue.catalogue import Catalogue
from autosimnet_desktop.core.catalogue.factory import build_catalogue
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.products.grouping import GroupingRule
from autosimnet_desktop.core.products.records import ProductSort
from autosimnet_desktop.core.records import NotIndexedError, ProductFileError
from autosimnet_desktop.core.storage.store import SCHEMA_VERSION, Store

from .conftest import PAPER_MODEL
from .core_helpers import photo, write_photo


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    """The paper model, loaded once per module."""
    return Encoder(PAPER_MODEL)


def view(path: Path, seed: int, angle: float) -> None:
    """One view of product `seed`: the same photo turned a little, so views of one product are near-identical."""
    path.parent.mkdir(parents=True, exist_ok=True)
    photo(seed).rotate(angle, fillcolor="white", resample=Image.Resampling.BILINEAR).save(path, quality=90)


def stem_shop(folder: Path) -> Path:
    """Five products of three views each, named with different markers, plus one single photo."""
    markers = ("{id}_1.jpg", "{id}-back.jpg", "{id} (2).jpg")
    for seed, pid in enumerate(("ABC-123", "ABC-124", "Ünï,3", "SKU 4", "B00X.PT")):
        for n, marker in enumerate(markers):
            view(folder / "all" / marker.format(id=pid), seed * 7, n * 3.0)
    write_photo(folder / "all" / "lonely.jpg", 99)
    return folder


@pytest.fixture()
def shop(tmp_path: Path, encoder: Encoder) -> Catalogue:
    catalogue = build_catalogue(stem_shop(tmp_path / "shop"), encoder, tmp_path / "data")
    catalogue.index()
    yield catalogue
    catalogue.close()


def test_index_groups_by_file_name_and_says_so(shop: Catalogue) -> None:
    summary = shop.product_summary()
    assert (summary.photos, summary.products, summary.rule, summary.rule_used) == (16, 6, GroupingRule.AUTO,
                                                                                  GroupingRule.STEM)
    assert summary.sentence() == "16 photos in 6 products, grouped by file name (picked automatically)"
    stored = {path: product for _, path, _, product in shop.store.photos()}
    assert stored["all/Ünï,3 (2).jpg"] == "Ünï,3" and stored["all/lonely.jpg"] == "lonely"


def test_a_product_is_never_related_to_itself_or_a_photo_of_its_own(shop: Catalogue) -> None:
    photo_level = shop.related(k=1)
    assert photo_level["all/ABC-123_1.jpg"][0].path.startswith("all/ABC-123")  # what products fix
    related = shop.related_products(k=3)
    product_of = shop.products.grouping().product_of
    assert set(related) == {"ABC-123", "ABC-124", "Ünï,3", "SKU 4", "B00X.PT", "lonely"}
    for pid, hits in related.items():
        assert len(hits) == 3 and len({h.product for h in hits}) == 3
        assert all(h.product != pid and product_of[h.photo] == h.product for h in hits)
        assert [h.distance for h in hits] == sorted(h.distance for h in hits)


def test_product_queries_return_each_product_once_with_its_best_photo(shop: Catalogue) -> None:
    hits = shop.query_products(shop.folder / "all" / "ABC-124-back.jpg", k=4)
    assert hits[0].product == "ABC-124" and hits[0].photo == "all/ABC-124-back.jpg" and hits[0].photos == 3
    assert hits[0].similarity == pytest.approx(1.0, abs=1e-4) and len({h.product for h in hits}) == 4
    similar = shop.similar_products("ABC-124", k=10)
    assert "ABC-124" not in {h.product for h in similar} and len(similar) == 5
    with pytest.raises(NotIndexedError):
        shop.similar_products("no such product")


def test_a_new_view_joins_its_product_and_a_product_whose_photos_are_gone_disappears(shop: Catalogue) -> None:
    view(shop.folder / "all" / "ABC-124_detail.jpg", 7, 9.0)
    for name in ("SKU 4_1.jpg", "SKU 4-back.jpg", "SKU 4 (2).jpg"):
        (shop.folder / "all" / name).unlink()
    (shop.folder / "all" / "ABC-123-back.jpg").unlink()
    report = shop.index()
    assert (report.new, report.removed, report.photos, report.products) == (1, 4, 13, 5)
    products = {p.id: p for p in shop.list_products(limit=100).products}
    assert "SKU 4" not in products and len(products["ABC-124"].photos) == 4
    assert products["ABC-123"].photos == ("all/ABC-123 (2).jpg", "all/ABC-123_1.jpg")
    assert all(h.product != "SKU 4" for hits in shop.related_products(k=5).values() for h in hits)


def test_a_deleted_photo_never_shows_even_before_the_next_index(shop: Catalogue) -> None:
    (shop.folder / "all" / "ABC-124-back.jpg").unlink()
    hits = shop.query_products(shop.folder / "all" / "ABC-124_1.jpg", k=6)
    assert all(h.photo != "all/ABC-124-back.jpg" for h in hits)
    assert hits[0].product == "ABC-124"


def test_the_shop_file_names_products_and_lists_what_it_misses(shop: Catalogue, tmp_path: Path) -> None:
    file = tmp_path / "wc.csv"
    file.write_text('SKU,Name,Categories,Images\n'
                    '"WC,1",Red thing,Shoes,"https://s/u/ABC-123_1.jpg, https://s/u/ABC-123-back.jpg?x=1"\n'
                    'WC-2,Blue thing,Shoes,https://s/u/abc-124%20(2).JPG\n'
                    'WC-9,Not here,Bags,https://s/u/elsewhere.jpg\n', encoding="utf-8")
    summary = shop.set_grouping(GroupingRule.STEM, file)
    assert summary.file_format == "woocommerce" and summary.from_file == 2
    assert [m.product for m in summary.missing] == ["WC-9"]
    assert "all/ABC-123 (2).jpg" in summary.unmatched_photos and len(summary.unmatched_photos) == 13
    products = {p.id: p for p in shop.list_products(limit=100).products}
    assert products["WC,1"].name == "Red thing" and products["WC,1"].category == "Shoes"
    assert "ABC-123" in products  # its third view is not in the file: grouped by the rule
    assert products["WC-2"].photos == ("all/ABC-124 (2).jpg",)
    same = shop.related_products(k=5, same_category=True)
    assert [h.product for h in same["WC,1"]] == ["WC-2"] and same["lonely"] == []


def test_a_malformed_product_file_changes_nothing(shop: Catalogue, tmp_path: Path) -> None:
    good = tmp_path / "plain.csv"
    good.write_text("sku,image,name,category\nP1,ABC-123_1.jpg,One,Cat\n", encoding="utf-8")
    shop.set_grouping("stem", good)
    before = (shop.product_summary(), shop.store.shop_rows(), shop.store.photos())
    bad = tmp_path / "bad.csv"
    for text in ("sku,image,name\nP1,a.jpg,X\nP1,b.jpg,Y\n", "sku;name\nP1;x\n"):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ProductFileError):
            shop.set_grouping("folder", bad)
        assert (shop.product_summary(), shop.store.shop_rows(), shop.store.photos()) == before
    with pytest.raises(ValueError, match="unknown grouping rule"):
        shop.set_grouping("sku")


def test_the_rule_is_remembered_but_a_session_override_is_not(tmp_path: Path, encoder: Encoder,
                                                              shop: Catalogue) -> None:
    shop.set_grouping("none")
    assert shop.product_summary().products == 16
    shop.set_grouping("stem", remember=False)
    assert shop.product_summary().products == 6
    again = build_catalogue(shop.folder, encoder, tmp_path / "data")
    try:
        assert again.product_summary().rule is GroupingRule.NONE and again.product_summary().products == 16
        with pytest.raises(ValueError, match="categories"):
            again.related_products(same_category=True)
    finally:
        again.close()


def test_match_lists_each_photo_given_with_products_or_a_reason(shop: Catalogue, tmp_path: Path) -> None:
    outside = tmp_path / "new"
    view(outside / "like-abc-124.jpg", 7, 1.5)
    (outside / "notes.jpg").write_text("not a photo")
    results = shop.match([outside, tmp_path / "missing.jpg"], k=2, min_similarity=0.5)
    by_path = {Path(r.path).name: r for r in results}
    assert by_path["like-abc-124.jpg"].hits[0].product == "ABC-124" and len(by_path["like-abc-124.jpg"].hits) <= 2
    assert by_path["notes.jpg"].error and not by_path["notes.jpg"].hits
    assert by_path["missing.jpg"].error == "no such file or folder"


def test_the_listing_filters_sorts_and_pages(shop: Catalogue) -> None:
    page = shop.list_products(text="abc", limit=1)
    assert page.total == 2 and [p.id for p in page.products] == ["ABC-123"]
    assert [p.id for p in shop.list_products(text="ABC", offset=1).products] == ["ABC-124"]
    assert shop.list_products(text="all").total == 6  # the folder matches too
    newest = shop.list_products(sort=ProductSort.NEWEST).products
    assert [p.newest_ns for p in newest] == sorted((p.newest_ns for p in newest), reverse=True)


def test_duplicates_name_each_photos_product(shop: Catalogue) -> None:
    groups = shop.duplicates(min_similarity=0.9)
    assert groups and all(hit.product is not None and hit.path.startswith(f"all/{hit.product}")
                          for group in groups for hit in group)


def test_a_version_1_store_opens_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL, digest TEXT, status TEXT NOT NULL, error TEXT, checked_at REAL NOT NULL);
        INSERT INTO meta VALUES ('model_sha256', 'abc');
        INSERT INTO items(path, size, mtime_ns, digest, status, checked_at) VALUES ('a/1.jpg', 1, 2, 'd', 'indexed', 3);
        PRAGMA user_version=1;""")
    conn.close()
    store = Store(path)
    try:
        assert store.note == "" and store.get_meta("model_sha256") == "abc"
        assert store.photos() == [(1, "a/1.jpg", 2, None)] and store.shop_rows() == []
        store.set_products({1: "a"})
        assert store.photos() == [(1, "a/1.jpg", 2, "a")]
    finally:
        store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
