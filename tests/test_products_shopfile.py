"""The shop's product file: every platform's header, image references, tricky ids and malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from autosimnet_desktop.core.products.shopfile import MAX_BYTES, ShopFormat, image_key, read_product_file
from autosimnet_desktop.core.records import ProductFileError


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_image_keys_are_base_names_url_decoded_case_folded_without_query() -> None:
    assert image_key("https://shop.example/wp-content/uploads/2024/05/Red%20Shoe_1.JPG?v=3#x") == "red shoe_1.jpg"
    assert image_key("C:\\photos\\Bag.PNG") == "bag.png"
    assert image_key("  folder/sub/Hat.webp ") == "hat.webp"


def test_woocommerce_export(tmp_path: Path) -> None:
    file = write(tmp_path / "wc.csv", 'ID,Type,SKU,Name,Published,Categories,Images,Cross-sells\n'
                 '11,simple,"SKU,1","Shoe, red",1,"Shoes > Red","https://x/a/shoe_1.jpg, https://x/a/shoe_2.jpg",\n'
                 '12,simple,Ünï 2,Bag,1,Bags,bag.jpg,\n'
                 '13,variation,,Bag - L,1,,,\n')
    shop = read_product_file(file)
    assert shop.format is ShopFormat.WOOCOMMERCE
    assert [(p.id, p.name, p.category) for p in shop.products] == [("SKU,1", "Shoe, red", "Shoes > Red"),
                                                                   ("Ünï 2", "Bag", "Bags")]
    assert shop.by_image() == {"shoe_1.jpg": "SKU,1", "shoe_2.jpg": "SKU,1", "bag.jpg": "Ünï 2"}
    assert shop.skipped == (4,)  # a row without a SKU is listed, not silently dropped


def test_shopify_export_old_and_new_headers(tmp_path: Path) -> None:
    old = write(tmp_path / "old.csv", "Handle,Title,Product Category,Type,Image Src,Variant Image\n"
                "red-shoe,Red shoe,Apparel > Shoes,Shoes,https://cdn.shopify.com/s/files/1/red.jpg?v=17,\n"
                "red-shoe,,,,https://cdn.shopify.com/s/files/1/red-back.jpg?v=17,\n"
                "bag,Bag,,Bags,,https://cdn.shopify.com/bag%20blue.png\n")
    shop = read_product_file(old)
    assert shop.format is ShopFormat.SHOPIFY
    assert [(p.id, p.name, p.category, len(p.images)) for p in shop.products] == [
        ("red-shoe", "Red shoe", "Apparel > Shoes", 2), ("bag", "Bag", "Bags", 1)]
    assert shop.by_image()["bag blue.png"] == "bag"
    new = write(tmp_path / "new.csv", "Title,URL handle,Product category,Product image URL\nHat,hat,Hats,hat.jpg\n")
    assert read_product_file(new).products[0].id == "hat"


def test_magento_export_with_store_view_rows(tmp_path: Path) -> None:
    file = write(tmp_path / "mg.csv", "sku,store_view_code,name,categories,base_image,small_image,additional_images,"
                 "url_key\n"
                 'MJ01,,Jacket,"Default Category/Men/Jackets",/m/j/mj01.jpg,/m/j/mj01.jpg,'
                 '"/m/j/mj01_back.jpg,/m/j/mj01_side.jpg",jacket\n'
                 "MJ01,fr,Veste,,,,,\n")
    shop = read_product_file(file)
    assert shop.format is ShopFormat.MAGENTO and len(shop.products) == 1
    assert shop.products[0].name == "Jacket" and shop.products[0].url == "jacket"
    assert set(shop.by_image()) == {"mj01.jpg", "mj01_back.jpg", "mj01_side.jpg"}


def test_prestashop_import_file_with_semicolons(tmp_path: Path) -> None:
    file = write(tmp_path / "ps.csv", "Product ID;Active (0/1);Name *;Categories (x,y,z...);Reference #;"
                 "Image URLs (x,y,z...)\n"
                 "1;1;Mug;Home,Kitchen;MUG-1;http://ps/img/mug.jpg,http://ps/img/mug-2.jpg\n"
                 "2;1;Cap;Hats;;http://ps/img/cap.jpg\n")
    shop = read_product_file(file)
    assert shop.format is ShopFormat.PRESTASHOP
    assert [p.id for p in shop.products] == ["MUG-1", "2"]  # the reference, else the product id
    assert shop.by_image() == {"mug.jpg": "MUG-1", "mug-2.jpg": "MUG-1", "cap.jpg": "2"}


def test_plain_file_with_bom_paths_and_rows_per_image(tmp_path: Path) -> None:
    file = write(tmp_path / "plain.csv", "\ufeffsku,image,name,category,url\n"
                 'A "quoted" sku,photos/a 1.jpg|photos/a 2.jpg,A,Cat,https://shop/a\n'
                 'A "quoted" sku,photos/a 3.jpg,,,\n'
                 "B,b.jpg,B,Cat,\n")
    shop = read_product_file(file)
    assert shop.format is ShopFormat.PLAIN and [p.id for p in shop.products] == ['A "quoted" sku', "B"]
    assert shop.products[0].images == ("photos/a 1.jpg", "photos/a 2.jpg", "photos/a 3.jpg")


@pytest.mark.parametrize("text, words", [
    ("sku;name\nA;B\n", "no image column"),
    ("Name,Price\nShoe,3\n", "no image column"),
    ("Images,Name\na.jpg,Shoe\n", "image column but no product id column"),
    ("SKU,Images\nA,a.jpg\nA,b.jpg\n", "appears twice (lines 2 and 3)"),
    ("sku,image,name\nA,a.jpg,One\nA,b.jpg,Other\n", "appears twice"),
    ("", "empty"),
    ("SKU,Images\n", "lists no products"),
    ('SKU,Images\n"A,a.jpg\nB,b.jpg\n', "not a readable CSV file"),  # an unclosed quote would swallow the rest
])
def test_malformed_files_raise_one_clear_error(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ProductFileError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_product_file(write(tmp_path / "bad.csv", text))


def test_a_wrong_delimiter_is_named_in_the_error(tmp_path: Path) -> None:
    file = write(tmp_path / "bad.csv", "SKU|Images\nA|a.jpg\n")
    with pytest.raises(ProductFileError, match="separated by ',', ';' or a tab; first line: 'SKU\\|Images'"):
        read_product_file(file)


def test_non_utf8_is_refused_with_the_line(tmp_path: Path) -> None:
    file = write(tmp_path / "cp1252.csv", "SKU,Images,Name\nA,a.jpg,Café\n", encoding="cp1252")
    with pytest.raises(ProductFileError, match=r"not UTF-8 text \(line 2\)"):
        read_product_file(file)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    file = tmp_path / "huge.csv"
    with open(file, "wb") as fh:  # sparse: takes no disk space
        fh.write(b"SKU,Images\n")
        fh.truncate(200 * 2**20)
    assert file.stat().st_size > MAX_BYTES
    with pytest.raises(ProductFileError, match="200 MB"):
        read_product_file(file)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProductFileError, match="cannot read the product file"):
        read_product_file(tmp_path / "nope.csv")
