"""Product searches in a pushed collection: the same ranking as the local index (core.products.search).

A product's distance is that of its best-matching photo (core.products.scoring's default, BEST) and a search with
several query vectors (a product's photos) takes, for each product, the smallest distance over them. Qdrant's
group-by search returns each product's nearest photo, so merging the per-vector top k by that minimum gives
exactly the top k products of an exact search (tests/test_remote_search.py checks that the local default is
still the best-photo score).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from qdrant_client import models

from autosimnet_desktop.core.products.records import ProductHit
from autosimnet_desktop.core.records import CancelToken, Cancelled, ProgressCallback, Progress
from autosimnet_desktop.core.remote.payload import CATEGORY, NAME, PATH, PRODUCT, Marker
from autosimnet_desktop.core.remote.qdrant_store import Found, RemoteCollection, match
from autosimnet_desktop.core.search.searcher import similarity


def _filter(category: str | None, exclude: str | None) -> models.Filter | None:
    """Only `category` (if given), never product `exclude` (if given)."""
    must: list[models.Condition] = [models.FieldCondition(key=CATEGORY, match=models.MatchValue(value=category))] if category is not None \
        else []
    must_not: list[models.Condition] = [models.FieldCondition(key=PRODUCT, match=models.MatchValue(value=exclude))] if exclude else []
    return models.Filter(must=must or None, must_not=must_not or None) if must or must_not else None


def nearest_products(collection: RemoteCollection, marker: Marker, queries: np.ndarray, k: int,
                     category: str | None = None, exclude: str | None = None,
                     photos: Callable[[str], int] | None = None) -> list[ProductHit]:
    """The k products nearest to the query vectors (Q x D), best first, of `category` only, never `exclude`.
    `photos` gives a product's photo count (default: counted in the collection)."""
    if k <= 0:
        return []
    rows = np.asarray(queries, np.float32).reshape(-1, marker.dim)
    where = _filter(category, exclude)
    best: dict[str, tuple[float, Found]] = {}
    for row in rows:
        for found in collection.best_per_product(row, k, where):
            d = marker.distance(found.score)
            if found.product not in best or d < best[found.product][0]:
                best[found.product] = (d, found)
    ranked = sorted(best.items(), key=lambda item: (item[1][0], item[0]))[:k]
    count = photos or collection.photo_count
    return [ProductHit(pid, found.name, found.category, found.path, d, similarity(d, marker.distance_scale),
                       count(pid)) for pid, (d, found) in ranked]


class ProductTable:
    """Every product's photo vectors, name and category, read from the collection once (for `related`)."""

    def __init__(self, collection: RemoteCollection, where: models.Filter | None = None) -> None:
        self.vectors: dict[str, list[np.ndarray]] = {}
        self.info: dict[str, tuple[str, str]] = {}
        for point in collection.points(where):
            pid = str(point.payload.get(PRODUCT) or point.payload.get(PATH, ""))
            self.vectors.setdefault(pid, []).append(point.vector)
            self.info[pid] = (str(point.payload.get(NAME, "")), str(point.payload.get(CATEGORY, "")))

    def photos(self, pid: str) -> int:
        return len(self.vectors.get(pid, ()))


def related_products(collection: RemoteCollection, marker: Marker, k: int, category: str | None = None,
                     product: str | None = None, same_category: bool = False,
                     progress: ProgressCallback | None = None,
                     cancel: CancelToken | None = None) -> dict[str, list[ProductHit]]:
    """For every product (or only `product`; only those of `category`), its k most similar other products (of
    `category`, or of its own category with `same_category`), keyed by id in id order."""
    where = match(PRODUCT, product) if product else (match(CATEGORY, category) if category else None)
    table = ProductTable(collection, where)
    # Photo counts of the products found come from the table when it holds them all, else from the collection.
    counts = table.photos if product is None and category is None else None
    out: dict[str, list[ProductHit]] = {}
    ids = sorted(table.vectors)
    for done, pid in enumerate(ids, start=1):
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
        wanted = table.info[pid][1] if same_category else category  # "" keeps products without one, as locally
        out[pid] = nearest_products(collection, marker, np.asarray(table.vectors[pid]), k, wanted, pid, counts)
        if progress is not None:
            progress(Progress(done, len(ids), current=pid, stage="related"))
    return out
