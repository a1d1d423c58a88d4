"""Retrieval metrics: every item queried against all the others, itself excluded."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np


def nearest_neighbours(vectors: np.ndarray, k: int, metric: str = "l2", chunk: int = 1024) -> np.ndarray:
    """Exact k nearest neighbours of every row among the other rows (N x k indices, best first)."""
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if metric == "cosine":
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    sq = np.einsum("ij,ij->i", x, x)
    n = len(x)
    k = min(k, n - 1)
    out = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        # |a-b|^2 = |a|^2 - 2ab + |b|^2; the query's own |a|^2 does not change its ranking.
        d = sq[None, :] - 2.0 * (x[start:stop] @ x.T)
        d[np.arange(stop - start), np.arange(start, stop)] = np.inf  # never return the query itself
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(d, part, axis=1).argsort(axis=1, kind="stable")
        out[start:stop] = np.take_along_axis(part, order, axis=1)
    return out


@dataclass(frozen=True)
class Scores:
    """Retrieval figures for one label column."""

    p_at_1: float
    p_at_10: float
    map_at_10: float
    knn5_accuracy: float


def label_scores(neighbours: np.ndarray, labels: list[str]) -> Scores:
    """P@1, P@10, mAP@10 and 5-NN majority-vote accuracy of `neighbours` (N x >=10) against `labels`.

    AP@10 of a query = sum over ranks i <= 10 holding a relevant item of P@i, divided by
    min(10, number of relevant items among the others); queries with no relevant item count as 0.
    """
    y = np.asarray(labels)
    same = y[neighbours] == y[:, None]  # N x k relevance
    k = min(10, neighbours.shape[1])
    rel = same[:, :k]
    counts = Counter(labels)
    relevant = np.array([counts[v] - 1 for v in labels])
    precision_at_i = np.cumsum(rel, axis=1) / np.arange(1, k + 1)
    ap = (precision_at_i * rel).sum(axis=1) / np.maximum(np.minimum(relevant, k), 1)
    return Scores(
        p_at_1=float(same[:, 0].mean()),
        p_at_10=float(rel.mean()),
        map_at_10=float(ap.mean()),
        knn5_accuracy=float(np.mean([_vote(y[row[:5]]) == truth for row, truth in zip(neighbours, y)])),
    )


def _vote(labels: np.ndarray) -> str:
    """Majority label; a tie goes to the label seen first (the nearer neighbour)."""
    counts = Counter(labels.tolist())
    best = max(counts.values())
    return next(v for v in labels.tolist() if counts[v] == best)
