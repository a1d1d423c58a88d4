"""Related-products files read back with the csv module, column by column, against each platform's importer."""

from __future__ import annotations

import csv
import io
import json

import pytest

from autosimnet_desktop.core.exports.platforms import RelatedFormat, related_text
from autosimnet_desktop.core.products.records import ProductHit

TRICKY = ['SKU,1', 'say "hi"', "two words", "Ünïcödé-ß", "plain"]


def hit(pid: str, similarity: float = 0.9) -> ProductHit:
    return ProductHit(pid, "", "", f"{pid}/front.jpg", 0.5, similarity, 2)


@pytest.fixture()
def related() -> dict[str, list[ProductHit]]:
    """Every tricky id related to the others, best first."""
    return {pid: [hit(other, 0.9 - i / 10) for i, other in enumerate(o for o in TRICKY if o != pid)]
            for pid in TRICKY}


def rows(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_woocommerce_sku_and_cross_sells(related: dict[str, list[ProductHit]]) -> None:
    table = rows(related_text(related, RelatedFormat.WOOCOMMERCE))
    assert table[0] == ["SKU", "Cross-sells"]  # WooCommerce's own column names (importer mapping)
    assert [r[0] for r in table[1:]] == TRICKY
    for sku, cell in table[1:]:
        # the importer splits on ',' and reads '\,' as a comma inside a SKU (explode_values)
        parsed = [part.replace("\0", ",").strip() for part in cell.replace("\\,", "\0").split(",")]
        assert parsed == [h.product for h in related[sku]] and sku not in parsed


def test_magento_sku_and_related_skus(related: dict[str, list[ProductHit]]) -> None:
    table = rows(related_text(related, RelatedFormat.MAGENTO))
    assert table[0] == ["sku", "related_skus"]
    assert table[5] == ["plain", 'SKU,1,say "hi",two words,Ünïcödé-ß']


def test_prestashop_reference_and_accessories_with_semicolons(related: dict[str, list[ProductHit]]) -> None:
    text = related_text(related, RelatedFormat.PRESTASHOP)
    table = rows(text, delimiter=";")
    assert table[0] == ["Reference #", "Accessories (x,y,z...)"]
    assert [r[0] for r in table[1:]] == TRICKY and all(len(r) == 2 for r in table)
    assert table[2][1].split(",") == ["SKU", "1", "two words", "Ünïcödé-ß", "plain"]  # see docs: commas in ids


def test_shopify_handle_and_the_search_and_discovery_metafield(related: dict[str, list[ProductHit]]) -> None:
    table = rows(related_text(related, RelatedFormat.SHOPIFY))
    assert table[0] == ["Handle", "Related products (product.metafields.shopify--discovery--product_recommendation"
                                  ".related_products)"]
    assert table[4] == ["Ünïcödé-ß", 'SKU,1, say "hi", two words, plain']


def test_plain_csv_and_json(related: dict[str, list[ProductHit]]) -> None:
    table = rows(related_text(related, RelatedFormat.CSV))
    assert table[0] == ["product", "rank", "similar", "similarity"]
    assert table[1] == ["SKU,1", "1", 'say "hi"', "0.9000"] and len(table) == 1 + 5 * 4
    data = json.loads(related_text(related, RelatedFormat.JSON))
    assert data["plain"][0] == {"product": "SKU,1", "similarity": 0.9, "distance": 0.5, "photo": "SKU,1/front.jpg"}


def test_every_format_has_a_line_on_where_it_goes() -> None:
    assert all(fmt.where for fmt in RelatedFormat)
