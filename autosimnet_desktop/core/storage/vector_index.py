"""The HNSW vector index (hnswlib): thread-safe, growing, with deletions whose slots are reused, saved atomically.

hnswlib allows parallel searches and parallel insertions, but a search running while an insertion or a
deletion changes the graph can crash the process (nmslib/hnswlib#562, #29). So every call goes through a
readers-writer lock: searches, reads and saves share it, additions, deletions and resizes take it alone.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import hnswlib
import numpy as np

from autosimnet_desktop.core.records import StoreError

M = 16  # graph degree: real embeddings have a low intrinsic dimension, so 16 finds nearly every neighbour
EF_CONSTRUCTION = 32  # as good as larger values on real embeddings, and cheaper to insert (docs/performance.md)
EF_SEARCH = 64  # hnswlib searches with max(ef, k), so a bigger k needs no change here
MIN_CAPACITY = 1024


class ReadWriteLock:
    """Many readers or one writer; a waiting writer holds new readers back so it cannot starve."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        """Hold the lock shared."""
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """Hold the lock alone."""
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


def fsync_replace(tmp: Path, final: Path) -> None:
    """Make `tmp` durable, then atomically rename it over `final` and make the rename durable too."""
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    if os.name == "posix":  # a directory fsync makes the rename itself survive a power cut
        fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def file_signature(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime, size) of a file, or None if it is missing: tells whether another process replaced it."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


class VectorIndex:
    """An L2 HNSW index of float32 vectors labelled by store row ids."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._lock = ReadWriteLock()
        self._live: set[int] = set()
        self._index = self._new(MIN_CAPACITY)
        self.saved_as: tuple[int, int, int] | None = None  # file_signature() of the file last loaded or saved

    def _new(self, capacity: int) -> hnswlib.Index:
        """An empty hnswlib index whose deleted slots can be reused."""
        index = hnswlib.Index(space="l2", dim=self.dim)
        index.init_index(max_elements=capacity, M=M, ef_construction=EF_CONSTRUCTION, random_seed=100,
                         allow_replace_deleted=True)
        index.set_ef(EF_SEARCH)
        return index

    # -- persistence --------------------------------------------------------------------------------

    def load(self, path: Path, expected: set[int]) -> set[int]:
        """Load `path` and keep exactly the labels in `expected`; returns the expected labels it lacked.

        Labels the file holds but `expected` lacks (saved just before a crash, before the store committed)
        are deleted, so the index and the store agree whatever point a crash interrupted.
        """
        index = hnswlib.Index(space="l2", dim=self.dim)
        try:
            index.load_index(str(path), allow_replace_deleted=True)
        except (RuntimeError, MemoryError, ValueError) as exc:
            raise StoreError(f"the vector index {path.name} cannot be read ({exc})") from exc
        index.set_ef(EF_SEARCH)
        present = {int(label) for label in index.get_ids_list()}
        for label in present - expected:
            with contextlib.suppress(RuntimeError):  # already deleted in the file
                index.mark_deleted(label)
        with self._lock.write():
            self._index = index
            self._live = present & expected
        self.saved_as = file_signature(path)
        return expected - present

    def save(self, path: Path) -> None:
        """Write the index to `path` atomically (temp file, fsync, rename): a crash keeps the old file."""
        tmp = path.with_name(path.name + ".tmp")
        with self._lock.read():  # saving only reads the graph, so searches may go on meanwhile
            self._index.save_index(str(tmp))
            expected = self._index.index_file_size()
        # hnswlib writes through an unchecked C++ stream: a full disk would leave a short file silently.
        written = tmp.stat().st_size if tmp.exists() else -1
        if written != expected:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"could not write the vector index to {path.parent} (disk full?)")
        fsync_replace(tmp, path)
        self.saved_as = file_signature(path)

    def clear(self, dim: int | None = None) -> None:
        """Drop every vector (and change the dimension if given)."""
        with self._lock.write():
            if dim is not None:
                self.dim = dim
            self._index = self._new(MIN_CAPACITY)
            self._live = set()

    # -- changes ------------------------------------------------------------------------------------

    def add(self, labels: Iterable[int], vectors: np.ndarray, threads: int = 1) -> None:
        """Insert or replace vectors; the index grows as needed and reuses the slots of deleted items."""
        ids = np.asarray(list(labels), dtype=np.int64)
        if not len(ids):
            return
        data = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        with self._lock.write():
            index = self._index
            needed = index.element_count + len(ids)
            if needed > index.max_elements:
                index.resize_index(max(needed, int(index.max_elements * 1.5)))
            index.add_items(data, ids, num_threads=threads, replace_deleted=True)
            self._live.update(ids.tolist())

    def remove(self, labels: Iterable[int]) -> None:
        """Delete vectors; their slots are reused by later additions."""
        with self._lock.write():
            for label in labels:
                label = int(label)
                with contextlib.suppress(RuntimeError):  # not present, or already deleted
                    self._index.mark_deleted(label)
                self._live.discard(label)

    # -- reads --------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._live)

    def labels(self) -> list[int]:
        """Labels of the searchable vectors, sorted."""
        with self._lock.read():
            return sorted(self._live)

    def vectors(self, labels: Iterable[int]) -> np.ndarray:
        """The stored vectors of `labels` (KeyError if one is not in the index)."""
        ids = [int(i) for i in labels]
        if not ids:
            return np.empty((0, self.dim), np.float32)
        with self._lock.read():
            missing = [i for i in ids if i not in self._live]
            if missing:
                raise KeyError(missing[0])
            return np.asarray(self._index.get_items(ids, return_type="numpy"), dtype=np.float32)

    def search(self, queries: np.ndarray, k: int, threads: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
        """The k nearest labels and their Euclidean distances for each query row, nearest first.

        Fewer than k come back when the index holds fewer items. hnswlib's 'l2' space returns squared
        distances; these are square-rooted here.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        with self._lock.read():
            k = min(k, len(self._live))
            if k <= 0:
                empty = (np.empty(0, np.int64), np.empty(0, np.float32))
                return [empty for _ in range(len(queries))]
            try:
                labels, dist2 = self._index.knn_query(queries, k=k, num_threads=threads)
                rows = list(zip(labels, dist2))
            except RuntimeError:
                # Deleted slots can leave the graph search short of k live items: retry row by row with less.
                rows = [self._search_one(q, k) for q in queries]
        return [(lab.astype(np.int64), np.sqrt(np.maximum(d2, 0.0))) for lab, d2 in rows]

    def _search_one(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """knn for one query, halving k until hnswlib can fill the result (caller holds the read lock)."""
        while k > 0:
            try:
                labels, dist2 = self._index.knn_query(query, k=k, num_threads=1)
                return labels[0], dist2[0]
            except RuntimeError:
                k //= 2
        return np.empty(0, np.uint64), np.empty(0, np.float32)
