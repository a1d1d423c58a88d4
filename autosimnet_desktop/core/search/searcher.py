"""From vectors to ranked hits: the similarity scale, top-k search, related products and duplicate groups.

Similarity is derived from the Euclidean distance d between two embeddings as

    similarity = exp(-(d / s) ** 2)

where s is the model's `distance_scale` metadata value, or, for a model without one, the root-mean-square
distance between random pairs of the catalogue's own items. So an identical image scores 1.0, a typical
unrelated pair about exp(-1) = 0.37, and the score falls smoothly towards 0 for ever more distant images.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

import numpy as np

from autosimnet_desktop.core.records import CancelToken, Cancelled, Progress, ProgressCallback, SearchHit
from autosimnet_desktop.core.storage.vector_index import VectorIndex

SCALE_PAIRS = 2000  # random pairs for the scale estimate: enough for a stable figure
SCALE_SAMPLE = 2000  # at most this many vectors are read for it


def similarity(distance: float, scale: float) -> float:
    """exp(-(distance / scale)^2): 1.0 for identical embeddings, ~0.37 for a random pair of the catalogue."""
    if scale <= 0:
        return 1.0 if distance <= 0 else 0.0
    return float(math.exp(-((distance / scale) ** 2)))


def estimate_scale(vectors: np.ndarray, pairs: int = SCALE_PAIRS, seed: int = 0) -> float:
    """Root-mean-square Euclidean distance between random pairs of distinct rows of `vectors` (0 if < 2 rows)."""
    n = len(vectors)
    if n < 2:
        return 0.0
    rng = np.random.default_rng(seed)
    first = rng.integers(0, n, pairs)
    second = (first + rng.integers(1, n, pairs)) % n  # never the same row twice
    diff = vectors[first].astype(np.float64) - vectors[second]
    return float(np.sqrt(np.mean(np.sum(diff * diff, axis=1))))


def sample_labels(labels: list[int], size: int = SCALE_SAMPLE, seed: int = 0) -> list[int]:
    """A reproducible random subset of `labels` for the scale estimate."""
    if len(labels) <= size:
        return labels
    rng = np.random.default_rng(seed)
    return [labels[i] for i in sorted(rng.choice(len(labels), size, replace=False))]


PathLookup = Callable[[list[int]], dict[int, str]]
# (query vector D, candidate vectors N x D) -> N distances: a re-ranking of the HNSW candidates, e.g. the
# colour <-> shape balance of a fused model (core.fusion.fused_distances at a chosen weight).
Rerank = Callable[[np.ndarray, np.ndarray], np.ndarray]
RERANK_MIN_CANDIDATES = 200  # a re-ranked search looks at max(5k, 200) HNSW neighbours of the stored embedding


def search_size(k: int, reranked: bool) -> int:
    """How many HNSW neighbours a top-k search asks for: k, or the candidates a re-ranking re-scores
    (max(5k, 200)), plus one for the excluded item and a few for rows removed between search and lookup."""
    return (max(5 * k, RERANK_MIN_CANDIDATES) if reranked else k) + 1 + 4


class Searcher:
    """Ranked searches over a VectorIndex; labels become catalogue paths through `paths`."""

    def __init__(self, index: VectorIndex, paths: PathLookup, scale: Callable[[], float]) -> None:
        self.index = index
        self.paths = paths
        self.scale = scale

    def hits(self, labels: np.ndarray, distances: np.ndarray, k: int, exclude: int | None = None,
             scale: float | None = None, names: dict[int, str] | None = None) -> list[SearchHit]:
        """SearchHits for one knn row, skipping `exclude` and labels without a path (removed meanwhile)."""
        scale = self.scale() if scale is None else scale
        names = self.paths([int(x) for x in labels]) if names is None else names
        out: list[SearchHit] = []
        for label, distance in zip(labels, distances):
            path = names.get(int(label))
            if path is None or int(label) == exclude:
                continue
            out.append(SearchHit(path, float(distance), similarity(float(distance), scale)))
            if len(out) == k:
                break
        return out

    def nearest(self, vector: np.ndarray, k: int, exclude: int | None = None,
                rerank: Rerank | None = None) -> list[SearchHit]:
        """The k items nearest to `vector`, best first (never `exclude`); `rerank` re-scores a candidate list."""
        if k <= 0:
            return []
        size = first = search_size(k, rerank is not None)
        while True:
            (labels, distances), = self.index.search(vector, size)
            if rerank is not None:
                found = self.reranked(vector, labels, k, exclude, rerank)
            else:
                found = self.hits(labels, distances, k, exclude)
            # Short when neighbours were left out (files deleted since the last index): look further, but
            # not through the whole index when most files are gone (a folder emptied or unplugged).
            if len(found) >= k or size >= min(len(self.index), 16 * first):
                return found
            size *= 4

    def reranked(self, vector: np.ndarray, labels: np.ndarray, k: int, exclude: int | None, rerank: Rerank,
                 scale: float | None = None, names: dict[int, str] | None = None,
                 table: tuple[np.ndarray, np.ndarray] | None = None) -> list[SearchHit]:
        """The k best of candidate `labels` by `rerank` distance to `vector` (never `exclude`), best first.

        `table` (sorted labels, their vectors) saves reading the candidates from hnswlib one query at a time.
        """
        chosen = [int(x) for x in labels if int(x) != exclude]
        if table is not None:
            known, stored = table
            at = np.searchsorted(known, chosen)
            ok = (at < len(known)) & (known[np.minimum(at, len(known) - 1)] == chosen) if len(known) else at < 0
            chosen, vectors = [c for c, keep in zip(chosen, ok) if keep], stored[at[ok]]
        else:
            try:
                vectors = self.index.vectors(chosen)
            except KeyError:  # an item was removed meanwhile: re-score the survivors
                chosen, vectors = self._surviving(chosen)
        if not chosen:
            return []
        distances = np.asarray(rerank(np.asarray(vector, np.float32).reshape(-1), vectors), np.float32)
        order = np.argsort(distances, kind="stable")
        return self.hits(np.asarray(chosen, np.int64)[order], distances[order], k, exclude, scale, names)

    def related(self, k: int, progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                batch: int = 256, threads: int = 1, rerank: Rerank | None = None) -> dict[str, list[SearchHit]]:
        """For every item, its k most similar other items, best first; keyed and ordered by path."""
        return dict(sorted(self._neighbours(k, progress, cancel, batch, threads, rerank)))

    def _neighbours(self, k: int, progress: ProgressCallback | None, cancel: CancelToken | None,
                    batch: int, threads: int, rerank: Rerank | None = None, only: set[str] | None = None,
                    skip: Callable[[str], bool] | None = None) -> Iterator[tuple[str, list[SearchHit]]]:
        """(path, its k nearest other items) for every item (or the items at paths `only`), a batch of knn
        queries at a time; `skip(path)`, asked just before each batch, leaves an item out."""
        labels = self.index.labels()
        names = self.paths(labels)
        size = search_size(k, rerank is not None)
        others = len(names) - 1  # a row can be short only when files are gone: such an item is searched again
        if only is not None:
            labels = [label for label in labels if names.get(label) in only]
        scale = self.scale()
        total = len(labels)
        started = time.perf_counter()
        table = None
        if rerank is not None:  # every item's vector, read once (256 floats each for a fused model)
            known = [label for label in labels if label in names]
            try:
                table = (np.asarray(known, np.int64), self.index.vectors(known))
            except KeyError:
                kept, vectors = self._surviving(known)
                table = (np.asarray(kept, np.int64), vectors)
        for start in range(0, total, batch):
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            chunk = [label for label in labels[start:start + batch]
                     if label in names and (skip is None or not skip(names[label]))]
            try:
                vectors = self.index.vectors(chunk)
            except KeyError:  # an item was removed meanwhile: fetch the survivors one by one
                chunk, vectors = self._surviving(chunk)
            rows = self.index.search(vectors, size, threads=threads) if chunk else []
            for row, (label, (found, distances)) in enumerate(zip(chunk, rows)):
                if rerank is not None:
                    hits = self.reranked(vectors[row], found, k, label, rerank, scale, names, table)
                else:
                    hits = self.hits(found, distances, k, exclude=label, scale=scale, names=names)
                if len(hits) < min(k, others):  # neighbours whose file is gone were left out: look further
                    hits = self.nearest(vectors[row], k, exclude=label, rerank=rerank)
                yield names[label], hits
            if progress is not None:
                done = min(total, start + batch)
                elapsed = time.perf_counter() - started
                rate = done / elapsed if elapsed > 0 else 0.0
                eta = (total - done) / rate if rate > 0 else None
                progress(Progress(done, total, rate, eta, names.get(chunk[-1], "") if chunk else "", "related"))

    def _surviving(self, labels: list[int]) -> tuple[list[int], np.ndarray]:
        """The labels still in the index and their vectors."""
        kept, vectors = [], []
        for label in labels:
            try:
                vectors.append(self.index.vectors([label])[0])
                kept.append(label)
            except KeyError:
                continue
        return kept, np.asarray(vectors, np.float32).reshape(len(kept), self.index.dim)

    def duplicates(self, min_similarity: float, progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None, neighbours: int = 20,
                   threads: int = 1) -> list[list[SearchHit]]:
        """Groups of near-identical items, biggest first: an item, then the items at least `min_similarity` alike.

        Leader grouping (not transitive chaining, which would let A~B~C~D put very different A and D in one
        group): the item with the most near-identical neighbours leads a group of itself (distance 0,
        similarity 1) and those neighbours not already grouped, and so on. Every member is measured from
        its group's leader.
        """
        close = {path: [h for h in hits if h.similarity >= min_similarity]
                 for path, hits in self._neighbours(neighbours, progress, cancel, 256, threads)}
        # An item whose every neighbour looked at is near-identical may have more (30 copies of a "no photo"
        # placeholder): look further, 4x more neighbours a round, until some neighbour is not or the catalogue
        # is exhausted. One item per cluster is enough: an item already found near-identical to one searched
        # again in this round is skipped, so a round costs about 4x a cluster's size, not its square.
        k, items = neighbours, len(self.index)
        while k < items - 1:
            crowded = {path for path, hits in close.items() if len(hits) >= k}
            if not crowded:
                break
            k = min(4 * k, items - 1)
            covered: set[str] = set()
            batch = max(1, 256 * neighbours // k)  # ~5,000 hits in memory at a time, however far it looks
            for path, hits in self._neighbours(k, None, cancel, batch, threads, only=crowded,
                                               skip=covered.__contains__):
                close[path] = [h for h in hits if h.similarity >= min_similarity]
                covered.update(h.path for h in close[path])
        order = sorted((path for path, hits in close.items() if hits), key=lambda p: (-len(close[p]), p))
        grouped: set[str] = set()
        groups: list[list[SearchHit]] = []
        for leader in order:
            if leader in grouped:
                continue
            members = [hit for hit in close[leader] if hit.path not in grouped]
            if not members:
                continue
            grouped.add(leader)
            grouped.update(hit.path for hit in members)
            groups.append([SearchHit(leader, 0.0, 1.0)] + members)
        return sorted(groups, key=lambda g: (-len(g), g[0].path))
