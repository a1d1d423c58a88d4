"""Product-level search: photo neighbours from the HNSW index, gathered into products and scored (core.products.scoring).

Each product appears once, with its best-matching photo; the query's own product is left out; a photo whose file
is gone never counts (the path lookup only knows present files).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from autosimnet_desktop.core.products.assign import Grouping
from autosimnet_desktop.core.products.records import ProductHit
from autosimnet_desktop.core.products.scoring import DistanceFn, euclidean, product_distance
from autosimnet_desktop.core.records import CancelToken, Cancelled, Progress, ProgressCallback
from autosimnet_desktop.core.search.searcher import PathLookup, similarity
from autosimnet_desktop.core.storage.vector_index import VectorIndex

# Photo neighbours asked for per product wanted: products have several photos, and a few files may be gone.
NEIGHBOURS_PER_PRODUCT = 4
MIN_NEIGHBOURS = 32
# A filtered search (same category) looks at most this many times further than the first search.
MAX_WIDENING = 16


class ProductSearch:
    """Ranked product searches over a VectorIndex and a Grouping."""

    def __init__(self, index: VectorIndex, paths: PathLookup, scale: Callable[[], float]) -> None:
        self.index = index
        self.paths = paths
        self.scale = scale

    def nearest(self, query: np.ndarray, grouping: Grouping, k: int, exclude: str | None = None,
                distance: DistanceFn | None = None, keep: Callable[[str], bool] | None = None) -> list[ProductHit]:
        """The k products nearest to the query vectors (Q x D), best first, never `exclude`, only those `keep`s."""
        if k <= 0 or len(self.index) == 0:
            return []
        rows = np.asarray(query, np.float32).reshape(-1, self.index.dim)
        size = first = max(MIN_NEIGHBOURS, NEIGHBOURS_PER_PRODUCT * k)
        while True:
            candidates = self._candidates(rows, grouping, min(size, len(self.index)), exclude, keep)
            if len(candidates) >= k or size >= len(self.index) or size >= MAX_WIDENING * first:
                break
            size *= 4
        hits = [hit for pid in candidates if (hit := self._score(rows, grouping, pid, distance)) is not None]
        hits.sort(key=lambda h: (h.distance, h.product))
        return hits[:k]

    def _candidates(self, rows: np.ndarray, grouping: Grouping, size: int, exclude: str | None,
                    keep: Callable[[str], bool] | None) -> list[str]:
        """Products of the photo neighbours of every query row, in order of first appearance."""
        found: dict[str, None] = {}
        for labels, _ in self.index.search(rows, size):
            for label in labels:
                pid = grouping.product_of_label(int(label))
                if pid is not None and pid != exclude and (keep is None or keep(pid)):
                    found.setdefault(pid, None)
        return list(found)

    def _score(self, rows: np.ndarray, grouping: Grouping, pid: str, distance: DistanceFn | None) -> ProductHit | None:
        """A candidate product scored from all its photos whose file is present (None if none is)."""
        present = self.paths(list(grouping.labels.get(pid, ())))
        labels = [label for label in grouping.labels.get(pid, ()) if label in present]
        kept, vectors = [], []
        for label in labels:
            try:
                vectors.append(self.index.vectors([label])[0])
                kept.append(label)
            except KeyError:  # removed from the index meanwhile
                continue
        if not kept:
            return None
        d, best = product_distance(rows, np.asarray(vectors, np.float32), distance or euclidean)
        product = grouping.products[pid]
        return ProductHit(pid, product.name, product.category, present[kept[best]], d, similarity(d, self.scale()),
                          len(product.photos))

    def vectors_of(self, grouping: Grouping, pid: str) -> np.ndarray:
        """The stored vectors of a product's photos (KeyError if it has none in the index)."""
        kept = []
        for label in grouping.labels.get(pid, ()):
            try:
                kept.append(self.index.vectors([label])[0])
            except KeyError:
                continue
        if not kept:
            raise KeyError(pid)
        return np.asarray(kept, np.float32)

    def related(self, grouping: Grouping, k: int, distance: DistanceFn | None = None,
                same_category: bool = False, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None) -> dict[str, list[ProductHit]]:
        """For every product, its k most similar other products, keyed by id; with `same_category`, of its own
        category only (a product without a category then has none)."""
        out: dict[str, list[ProductHit]] = {}
        ids = sorted(grouping.products)
        started = time.perf_counter()
        for done, pid in enumerate(ids, start=1):
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            try:
                query = self.vectors_of(grouping, pid)
            except KeyError:
                continue
            category = grouping.products[pid].category
            if same_category and not category:
                out[pid] = []
                continue
            keep = (lambda other: grouping.products[other].category == category) if same_category else None
            out[pid] = self.nearest(query, grouping, k, exclude=pid, distance=distance, keep=keep)
            if progress is not None and (done % 64 == 0 or done == len(ids)):
                elapsed = time.perf_counter() - started
                rate = done / elapsed if elapsed > 0 else 0.0
                eta = (len(ids) - done) / rate if rate > 0 else None
                progress(Progress(done, len(ids), rate, eta, pid, "related"))
        return out
