"""Writing an indexing run's results: store rows and index vectors, in the order a query can trust."""

from __future__ import annotations

import time

import numpy as np

from autosimnet_desktop.core.files.reading import FileState
from autosimnet_desktop.core.indexing.decoding import Decoded
from autosimnet_desktop.core.indexing.plan import Plan
from autosimnet_desktop.core.records import IndexReport
from autosimnet_desktop.core.storage.store import FAILED, INDEXED, PENDING, Item, Store
from autosimnet_desktop.core.storage.vector_index import VectorIndex


class Recorder:
    """Records a run into a store and a vector index, and remembers whether the index needs saving."""

    def __init__(self, store: Store, index: VectorIndex, dirty: bool = False) -> None:
        self.store = store
        self.index = index
        self.dirty = dirty  # the index in memory differs from the saved file

    def _add(self, labels: list[int], vectors: np.ndarray) -> None:
        """Insert vectors on the calling thread: with threads of its own, hnswlib would start and join
        them for every batch."""
        self.dirty = True
        self.index.add(labels, vectors)

    def _remove(self, labels: list[int]) -> None:
        if labels:
            self.dirty = True
            self.index.remove(labels)

    def apply_plan(self, plan: Plan, scan_errors: dict[str, str], report: IndexReport) -> None:
        """Apply what needs no decoding: removals, renames, refreshed mtimes and the scan's errors."""
        now = time.time()
        rows = self.store.items()
        # Index first, store second: a query never sees a removed file, even between the two.
        self._remove([row.id for row in plan.removed if row.status == INDEXED])
        self.store.delete(row.id for row in plan.removed)
        report.removed = len(plan.removed)
        for row, state in plan.touched:
            self.store.update(row.id, size=state.size, mtime_ns=state.mtime_ns, error=None, checked_at=now)
        for row, relpath, state in plan.renamed:
            self.store.update(row.id, path=relpath, size=state.size, mtime_ns=state.mtime_ns, error=None,
                              checked_at=now)
        report.unchanged = plan.unchanged
        for relpath, reason in scan_errors.items():
            self.record_failure(relpath, rows.get(relpath), reason, None, None)

    def record_failure(self, relpath: str, row: Item | None, reason: str, state: FileState | None,
                       digest: str | None) -> None:
        """Store a file as unreadable (and take any old vector of it out of the index)."""
        size, mtime = (state.size, state.mtime_ns) if state else (0, 0)
        if row is None:
            self.store.add(relpath, size, mtime, digest, FAILED, reason)
            return
        if row.status == INDEXED:
            self._remove([row.id])
        self.store.update(row.id, size=size, mtime_ns=mtime, digest=digest, status=FAILED, error=reason,
                          checked_at=time.time())

    def record_batch(self, batch: list[Decoded], rows: dict[str, Item | None], report: IndexReport) -> None:
        """Record a batch of encoded files in the store and add their vectors to the index."""
        good = [d for d in batch if d.vector is not None]
        for item in batch:
            if item.vector is None:
                self.record_failure(item.relpath, rows[item.relpath], item.error or "unknown error",
                                    item.state, item.digest)
        if not good:
            return
        vectors = np.stack([d.vector for d in good if d.vector is not None])
        finite = np.isfinite(vectors).all(axis=1)
        labels: list[int] = []
        keep: list[int] = []
        fresh: list[tuple[int, str, FileState, str | None]] = []  # new files, recorded together below
        now = time.time()
        for position, item in enumerate(good):
            row = rows[item.relpath]
            assert item.state is not None  # a file with a vector was read
            if not finite[position]:
                self.record_failure(item.relpath, row, "the model produced no usable embedding", item.state,
                                    item.digest)
                continue
            if row is None:
                fresh.append((position, item.relpath, item.state, item.digest))
                continue
            self.store.update(row.id, size=item.state.size, mtime_ns=item.state.mtime_ns, digest=item.digest,
                              status=INDEXED, error=None, checked_at=now)
            labels.append(row.id)
            keep.append(position)
            if row.status in (INDEXED, PENDING):
                report.changed += 1
            else:
                report.new += 1  # failed before, readable now
        added = self.store.add_indexed([(path, state.size, state.mtime_ns, digest)
                                        for _, path, state, digest in fresh], now)
        report.new += len(added)
        self._add(labels + added, vectors[keep + [position for position, *_ in fresh]])
