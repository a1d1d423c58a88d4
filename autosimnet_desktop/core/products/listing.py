"""The product listing of the browse grid: filtered by text, sorted, one page at a time (pure)."""

from __future__ import annotations

from autosimnet_desktop.core.products.assign import Grouping
from autosimnet_desktop.core.products.records import Product, ProductPage, ProductSort


def _matches(product: Product, needle: str) -> bool:
    """Whether the filter text is in the product's id, name or folder (case-insensitive)."""
    return any(needle in field.casefold() for field in (product.id, product.name, product.folder))


def product_page(grouping: Grouping, text: str = "", sort: ProductSort = ProductSort.NAME, offset: int = 0,
                 limit: int = 100) -> ProductPage:
    """Products whose id, name or folder contains `text`, sorted, from `offset`, at most `limit`."""
    needle = text.strip().casefold()
    chosen = [p for p in grouping.products.values() if not needle or _matches(p, needle)]
    if sort is ProductSort.NEWEST:
        chosen.sort(key=lambda p: (-p.newest_ns, p.id))
    else:
        chosen.sort(key=lambda p: ((p.name or p.id).casefold(), p.id))
    start = max(0, offset)
    return ProductPage(len(chosen), tuple(chosen[start:start + max(0, limit)]))
