"""Related products as files: the contract's json and csv, and the import files of four shop platforms.

Column names and value formats are each platform's importer's own; docs/products.md gives the sources and the
import steps. Every writer takes {product id: its related products, best first}.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import TextIO

from autosimnet_desktop.core.exports.formats import RELATED_CSV_HEADER
from autosimnet_desktop.core.products.records import ProductHit

Related = Mapping[str, Sequence[ProductHit]]

WOOCOMMERCE_HEADER = ("SKU", "Cross-sells")
MAGENTO_HEADER = ("sku", "related_skus")
PRESTASHOP_HEADER = ("Reference #", "Accessories (x,y,z...)")
SHOPIFY_RELATED_COLUMN = ("Related products "
                          "(product.metafields.shopify--discovery--product_recommendation.related_products)")
SHOPIFY_HEADER = ("Handle", SHOPIFY_RELATED_COLUMN)


class RelatedFormat(str, Enum):
    """`related --format`."""

    CSV = "csv"
    JSON = "json"
    WOOCOMMERCE = "woocommerce"
    SHOPIFY = "shopify"
    MAGENTO = "magento"
    PRESTASHOP = "prestashop"

    @property
    def where(self) -> str:
        """One line on where the file goes in the platform's admin (for the app's export dialog)."""
        return _WHERE[self]


_WHERE = {
    RelatedFormat.CSV: "A plain list: product, rank, similar product, similarity.",
    RelatedFormat.JSON: "For scripts: each product id with its related products.",
    RelatedFormat.WOOCOMMERCE: "WooCommerce: Products > All Products > Import, tick 'Update existing products'.",
    RelatedFormat.SHOPIFY: "Shopify (Search & Discovery app installed): Products > Import, tick 'Overwrite products "
                           "with matching handles'.",
    RelatedFormat.MAGENTO: "Magento: System > Data Transfer > Import, entity 'Products', behaviour 'Add/Update'.",
    RelatedFormat.PRESTASHOP: "PrestaShop: Advanced Parameters > Import, entity 'Products', separator ';', "
                              "'Use product reference as key' on.",
}


def product_hit_dict(hit: ProductHit) -> dict[str, object]:
    """One related product as the contract's JSON object (rounded for readable output)."""
    return {"product": hit.product, "similarity": round(hit.similarity, 4), "distance": round(hit.distance, 4),
            "photo": hit.photo}


def related_json(related: Related) -> str:
    """{"SKU-1": [{"product": "SKU-7", "similarity": 0.93, "distance": 0.41, "photo": "SKU-7/front.jpg"}, ...]}"""
    return json.dumps({pid: [product_hit_dict(h) for h in hits] for pid, hits in related.items()},
                      ensure_ascii=False, indent=2)


def write_related_csv(related: Related, out: TextIO) -> None:
    """product,rank,similar,similarity (rank from 1)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RELATED_CSV_HEADER)
    for pid, hits in related.items():
        for rank, hit in enumerate(hits, start=1):
            writer.writerow((pid, rank, hit.product, f"{hit.similarity:.4f}"))


def _two_columns(header: tuple[str, str], join: Callable[[list[str]], str], delimiter: str = ","
                 ) -> Callable[[Related, TextIO], None]:
    """A writer of one row per product: its id, then its related ids joined as the platform reads a list."""
    def write(related: Related, out: TextIO) -> None:
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        for pid, hits in related.items():
            writer.writerow((pid, join([hit.product for hit in hits])))
    return write


def _woocommerce_list(ids: list[str]) -> str:
    """WooCommerce splits a list cell on ',' and reads '\\,' as a comma inside a value (explode_values)."""
    return ",".join(i.replace(",", "\\,") for i in ids)


write_woocommerce = _two_columns(WOOCOMMERCE_HEADER, _woocommerce_list)
write_magento = _two_columns(MAGENTO_HEADER, ",".join)
write_prestashop = _two_columns(PRESTASHOP_HEADER, ",".join, delimiter=";")
write_shopify = _two_columns(SHOPIFY_HEADER, ", ".join)

CSV_WRITERS: dict[RelatedFormat, Callable[[Related, TextIO], None]] = {
    RelatedFormat.CSV: write_related_csv,
    RelatedFormat.WOOCOMMERCE: write_woocommerce,
    RelatedFormat.MAGENTO: write_magento,
    RelatedFormat.PRESTASHOP: write_prestashop,
    RelatedFormat.SHOPIFY: write_shopify,
}


def related_text(related: Related, fmt: RelatedFormat) -> str:
    """The whole export in format `fmt`."""
    if fmt is RelatedFormat.JSON:
        return related_json(related) + "\n"
    buffer = io.StringIO()
    CSV_WRITERS[fmt](related, buffer)
    return buffer.getvalue()
