"""How the distances of a product's photos to a query make one product distance (the one place it is decided).

The default was chosen by measurement (export/product_score.py; figures in docs/products.md).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

import numpy as np

# (one query vector D, candidate vectors N x D) -> N distances; the plain L2 distance or a fused re-ranking.
DistanceFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


class ProductScore(str, Enum):
    """Ways to turn photo distances into a product distance."""

    BEST = "best"  # the product's best-matching photo
    MEAN_BEST_2 = "mean-best-2"  # the mean of its two best photos
    MEAN_BEST_3 = "mean-best-3"  # the mean of its three best photos
    CENTROID = "centroid"  # the distance between the mean vectors


DEFAULT_SCORE = ProductScore.BEST


def euclidean(query: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """L2 distances from one vector to each row of `candidates` (the HNSW index's own metric)."""
    diff = np.asarray(candidates, np.float32) - np.asarray(query, np.float32).reshape(1, -1)
    return np.sqrt(np.sum(diff * diff, axis=1))


def photo_distances(query: np.ndarray, photos: np.ndarray, distance: DistanceFn = euclidean) -> np.ndarray:
    """Each photo's distance to its nearest query vector (query: Q x D, photos: P x D) -> P distances."""
    rows = np.asarray(query, np.float32).reshape(-1, np.asarray(photos).shape[-1])
    return np.min(np.stack([distance(row, photos) for row in rows]), axis=0)


def product_distance(query: np.ndarray, photos: np.ndarray, distance: DistanceFn = euclidean,
                     score: ProductScore = DEFAULT_SCORE) -> tuple[float, int]:
    """(product distance, index of its best-matching photo) of a product's photos (P x D) to query vectors."""
    nearest = photo_distances(query, photos, distance)
    best = int(np.argmin(nearest))
    if score is ProductScore.CENTROID:
        rows = np.asarray(query, np.float32).reshape(-1, np.asarray(photos).shape[-1])
        centre = np.asarray(photos, np.float32).mean(axis=0, keepdims=True)
        return float(distance(rows.mean(axis=0), centre)[0]), best
    if score is ProductScore.BEST:
        return float(nearest[best]), best
    n = 2 if score is ProductScore.MEAN_BEST_2 else 3
    return float(np.mean(np.sort(nearest)[:n])), best
