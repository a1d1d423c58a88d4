"""The Catalogue facade: one catalogue folder with its store, vector index and encoder (used by CLI and GUI).

Thread safety: `index()` may run on one thread while `query()`, `similar_to()`, `related()`, `count()`,
`failures()` and `info()` run on others; they see the items indexed so far. The vector index has a
readers-writer lock, the store one shared connection under a lock, and onnxruntime sessions are
thread-safe. Only one `index()` runs at a time (a second raises BusyError).
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import weakref
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

from autosimnet_desktop.core.catalogue.info import CatalogueInfo
from autosimnet_desktop.core.files.folder import check_folder
from autosimnet_desktop.core.files.reading import FileReader, read_file
from autosimnet_desktop.core.storage.datadirs import exclusive_lock
from autosimnet_desktop.core.model.card import positive_float
from autosimnet_desktop.core.model.encoder import Encoder, ModelInfo
from autosimnet_desktop.core.search.fusion import Segments, fused_distances
from autosimnet_desktop.core.images.decode import load_for_model
from autosimnet_desktop.core.indexing.pipeline import Indexer
from autosimnet_desktop.core.indexing.settings import IndexSettings
from autosimnet_desktop.core.products.book import ProductBook
from autosimnet_desktop.core.products.grouping import GroupingRule
from autosimnet_desktop.core.products.listing import product_page
from autosimnet_desktop.core.products.matching import match_photos
from autosimnet_desktop.core.products.records import MatchResult, ProductHit, ProductPage, ProductSort, ProductSummary
from autosimnet_desktop.core.products.search import ProductSearch
from autosimnet_desktop.core.records import (
    BusyError,
    CancelToken,
    Failure,
    FolderError,
    IndexReport,
    LinkedCancelToken,
    ModelChange,
    ModelError,
    NotIndexedError,
    ProgressCallback,
    SearchHit,
    StoreError,
)
from autosimnet_desktop.core.threads import worker_count
from autosimnet_desktop.core.search.searcher import Rerank, Searcher, estimate_scale, sample_labels
from autosimnet_desktop.core.storage.store import PENDING, Store
from autosimnet_desktop.core.storage.vector_index import VectorIndex, file_signature

STORE_FILE = "catalogue.sqlite3"
INDEX_FILE = "vectors.hnsw"
LOCK_FILE = "index.lock"


def _present_paths(store: Store, folder: str, labels: list[int]) -> dict[int, str]:
    """Paths of indexed items whose file is still in the folder: a photo deleted since the last `index`
    never shows up in results (one stat per result; `related` and `duplicates` check every item once).
    A folder that is gone (a drive unplugged) has none, found with one stat."""
    if not os.path.isdir(folder):
        return {}
    return {label: path for label, path in store.paths(labels).items() if os.path.isfile(os.path.join(folder, path))}


class Catalogue:
    """One catalogue folder: its store, vector index and encoder, handed in by `factory.build_catalogue`."""

    def __init__(self, folder: Path, encoder: Encoder, store: Store, vector_index: VectorIndex, data_dir: Path,
                 settings: IndexSettings, read: FileReader = read_file, earlier: ModelChange | None = None) -> None:
        """`earlier`: the index another model keeps of this folder, when this model has none yet (the first
        index run then says it encodes the folder anew, and that the other index stays for switching back)."""
        self.folder = folder
        self.encoder = encoder
        self.model: ModelInfo = encoder.info
        # The colour <-> shape balance of a fused model (None: one embedding, no balance to change).
        self.segments: Segments | None = self.model.card.segments
        self.data_dir = data_dir
        self.settings = settings
        self.workers = worker_count(settings.workers)
        self.store = store
        self.index_path = data_dir / INDEX_FILE
        self.vector_index = vector_index
        self._read = read
        self._run_lock = threading.Lock()
        self._closing = threading.Event()
        self._scale_lock = threading.Lock()
        self._missing: set[int] = set()  # indexed in the store but absent from the index file: re-encode
        self._stale = ""  # why the stored index cannot be used with this model
        self._earlier = earlier if store.get_meta("model_sha256") is None else None
        self._note = self.store.note
        self._model_scale = self.model.card.distance_scale
        self._scale = (positive_float(self.store.get_meta("scale_estimate")) or 0.0,
                       int(self.store.get_meta("scale_count") or 0))
        self._load_index()
        # A weak method: the searcher must not keep its catalogue alive in a reference cycle, so a closed
        # catalogue (and its model and index) is freed as soon as the last reference goes, without gc.
        scale = weakref.WeakMethod(self.distance_scale)
        paths = functools.partial(_present_paths, self.store, str(self.folder))
        self.searcher = Searcher(self.vector_index, paths, lambda: scale()())  # type: ignore[misc]
        self.products = ProductBook(self.store)
        self.product_search = ProductSearch(self.vector_index, paths, lambda: scale()())  # type: ignore[misc]

    def _load_index(self) -> None:
        """Load the saved index if it was built by this model; otherwise remember why not."""
        stored_sha = self.store.get_meta("model_sha256")
        if stored_sha is None:
            return
        if stored_sha != self.model.sha256 or self.store.get_meta("model_dim") != str(self.encoder.dim):
            label = self.store.get_meta("model_label", "another model")
            self._stale = (f"the index was built with {label} ({stored_sha[:12]}); indexing again re-encodes "
                           f"every image with {self.model.label} ({self.model.sha256[:12]})")
            return
        expected = set(self.store.indexed())
        if not self.index_path.exists():
            self._missing = expected
            if expected:
                self._note = "the vector index file is missing; the next index run re-encodes the images"
            return
        try:
            self._missing = self.vector_index.load(self.index_path, expected)
        except StoreError as exc:
            self._missing = expected
            self._note = f"{exc}; the next index run re-encodes the images"

    # -- indexing -----------------------------------------------------------------------------------

    def index(self, progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> IndexReport:
        """Index the folder incrementally; cancelling keeps finished work (report.cancelled=True)."""
        if not self._run_lock.acquire(blocking=False):
            raise BusyError(f"{self.folder} is already being indexed")
        try:
            with exclusive_lock(self.data_dir / LOCK_FILE) as locked:
                if not locked:
                    raise BusyError(f"another program is indexing {self.folder}; try again when it has finished")
                return self._index(progress, cancel)
        finally:
            self._run_lock.release()

    def _index(self, progress: ProgressCallback | None, cancel: CancelToken | None) -> IndexReport:
        """index() once both the thread lock and the inter-process lock are held."""
        if self._closing.is_set():
            raise BusyError("the catalogue is closing")
        check_folder(self.folder)
        if file_signature(self.index_path) != self.vector_index.saved_as:
            # Another process indexed this folder since we loaded: start from its work, not ours.
            self._stale, self._missing = "", set()
            self.vector_index.clear()
            self._load_index()
        rebuild = self._prepare_model()
        indexer = Indexer(self.folder, self.store, self.vector_index, self.index_path, self.encoder, self.settings,
                          read=self._read, on_checkpoint=self._save_scale)
        missing, self._missing = self._missing, set()
        if missing:
            self.store.begin()
            self.store.set_status(missing, PENDING)
        try:
            report = indexer.run(progress, LinkedCancelToken(cancel, self._closing), rebuild_reason=rebuild)
        except BaseException:
            # The store went back to its last checkpoint; the index in memory must too, or it would keep
            # vectors of rows that no longer exist (count() would be wrong until the next run).
            with contextlib.suppress(Exception):
                self.vector_index.clear()
                self._load_index()
            raise
        summary = self.products.refresh()
        report.photos, report.products, report.grouping = summary.photos, summary.products, summary.label
        notes = [n for n in (rebuild, self._note) if n]
        report.message = "; ".join(notes)
        self._note = ""
        return report

    def _prepare_model(self) -> str:
        """Record the model in a fresh store, or start a rebuild if the store was built by another one."""
        if not self._stale and self.store.get_meta("model_sha256") is not None:
            return ""
        reason = self._stale or (f"first index with {self.model.label}; the index made with {self._earlier.label} "
                                 "is kept for switching back" if self._earlier else "")
        self._earlier = None
        self.store.begin()
        self.store.mark_all_pending()
        self.store.set_meta(model_sha256=self.model.sha256, model_label=self.model.label,
                            model_dim=self.encoder.dim, scale_estimate=None, scale_count=None)
        self.store.commit()
        # The old file may hold vectors of another dimension: it must never be loaded for this model.
        with contextlib.suppress(FileNotFoundError):
            self.index_path.unlink()
        self.vector_index.clear(self.encoder.dim)
        self._scale = (0.0, 0)
        self._stale = ""
        return reason

    def _save_scale(self) -> None:
        """At each checkpoint, keep the catalogue's distance-scale estimate with the store."""
        if self._model_scale is None:
            scale = self.distance_scale()
            if scale > 0:
                self.store.set_meta(scale_estimate=f"{scale:.6g}", scale_count=self._scale[1])

    # -- search -------------------------------------------------------------------------------------

    def distance_scale(self) -> float:
        """s in similarity = exp(-(d / s)^2): the model's distance_scale, else estimated from the catalogue."""
        if self._model_scale is not None:
            return self._model_scale
        count = len(self.vector_index)
        estimate, basis = self._scale
        # Re-estimate only when the catalogue has doubled or halved, so similarities stay stable.
        if estimate > 0 and basis // 2 <= count < 2 * basis:
            return estimate
        with self._scale_lock:
            try:
                vectors = self.vector_index.vectors(sample_labels(self.vector_index.labels()))
            except KeyError:  # an item was removed while sampling: keep the old figure this time
                return estimate
            fresh = estimate_scale(vectors)
            if fresh > 0:
                self._scale = (fresh, count)
                return fresh
        return estimate

    def _rerank(self, colour_weight: float | None) -> Rerank | None:
        """The re-ranking for a colour weight in 0..1; None when the stored embeddings already rank right.

        ValueError for a weight outside 0..1; ModelError for a model without separate shape and colour parts.
        """
        if colour_weight is None:
            return None
        weight = float(colour_weight)
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"the colour weight must be between 0 and 1, not {colour_weight}")
        segments = self.segments
        if segments is None:
            raise ModelError(f"{self.model.label} has no separate colour and shape parts, so the colour weight "
                             "cannot be changed (a fused model such as autosimnet-best or autosimnet-fast can)")
        if abs(weight - segments.default_weight) < 1e-6:
            return None  # the HNSW distances are exactly d_w at the model's own weight
        return lambda query, candidates: fused_distances(query, candidates, segments, weight)

    def _embed(self, image: str | Path | bytes | Image.Image) -> np.ndarray:
        """Decode and encode one query image (ImageError if it cannot be read)."""
        return self.encoder.encode(load_for_model(image, self.encoder.preprocess))

    def query(self, image: str | Path | bytes | Image.Image, k: int = 10,
              colour_weight: float | None = None) -> list[SearchHit]:
        """The k catalogue items most similar to an image file, raw bytes or PIL image, best first.

        `colour_weight` (0 = match shape only .. 1 = match colour only; None = the model's default) re-ranks
        a candidate list from the index; see core.fusion.
        """
        rerank = self._rerank(colour_weight)
        vector = self._embed(image)
        return self.searcher.nearest(vector, k, rerank=rerank) if self.count() else []

    def similar_to(self, relpath: str, k: int = 10, colour_weight: float | None = None) -> list[SearchHit]:
        """The k items most similar to a catalogue item (by its stored embedding), excluding itself."""
        rerank = self._rerank(colour_weight)
        label = self.store.id_of(relpath)
        if label is None:
            raise NotIndexedError(f"{relpath} is not in the index")
        try:
            vector = self.vector_index.vectors([label])
        except KeyError:
            raise NotIndexedError(f"{relpath} is not in the index") from None
        return self.searcher.nearest(vector, k, exclude=label, rerank=rerank)

    def related(self, k: int = 10, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None, colour_weight: float | None = None) -> dict[str, list[SearchHit]]:
        """For every item, its k most similar other items, best first (raises Cancelled if cancelled)."""
        rerank = self._rerank(colour_weight)
        return self.searcher.related(k, progress, cancel, threads=self.workers, rerank=rerank)

    def duplicates(self, min_similarity: float = 0.95, progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None) -> list[list[SearchHit]]:
        """Groups of near-identical photos (similarity >= min_similarity), biggest first, each hit naming its product;
        Cancelled if cancelled."""
        groups = self.searcher.duplicates(min_similarity, progress, cancel, threads=self.workers)
        product_of = self.products.grouping().product_of
        return [[replace(hit, product=product_of.get(hit.path)) for hit in group] for group in groups]

    # -- products -----------------------------------------------------------------------------------

    def product_summary(self) -> ProductSummary:
        """Photos, products and how they are grouped (rule, product file, what it does not cover)."""
        return self.products.summary()

    def set_grouping(self, rule: GroupingRule | str, product_file: str | os.PathLike[str] | None = None,
                     remember: bool = True) -> ProductSummary:
        """Group photos by `rule` (and the shop's product file, read and checked first: ProductFileError changes
        nothing); `remember=False` for this open catalogue only. BusyError while an index run is going on."""
        if not self._run_lock.acquire(blocking=False):
            raise BusyError(f"{self.folder} is being indexed; change the grouping when it has finished")
        try:
            return self.products.set_grouping(rule, product_file, remember)
        finally:
            self._run_lock.release()

    def query_products(self, image: str | Path | bytes | Image.Image, k: int = 10,
                       colour_weight: float | None = None) -> list[ProductHit]:
        """The k products most similar to an image, best first, each once with its best-matching photo."""
        distance = self._rerank(colour_weight)
        vector = self._embed(image)
        if not self.count():
            return []
        return self.product_search.nearest(vector, self.products.grouping(), k, distance=distance)

    def similar_products(self, product: str, k: int = 10, colour_weight: float | None = None) -> list[ProductHit]:
        """The k products most similar to a catalogue product, searched with all its photos; never itself."""
        distance = self._rerank(colour_weight)
        grouping = self.products.grouping()
        try:
            vectors = self.product_search.vectors_of(grouping, product)
        except KeyError:
            raise NotIndexedError(f"no product {product!r} in the index") from None
        return self.product_search.nearest(vectors, grouping, k, exclude=product, distance=distance)

    def related_products(self, k: int = 10, progress: ProgressCallback | None = None,
                         cancel: CancelToken | None = None, colour_weight: float | None = None,
                         same_category: bool = False) -> dict[str, list[ProductHit]]:
        """For every product, its k most similar other products, best first (of its own category with
        `same_category`, which needs categories from a product file: ValueError otherwise)."""
        distance = self._rerank(colour_weight)
        grouping = self.products.grouping()
        if same_category and not any(p.category for p in grouping.products.values()):
            raise ValueError("same-category related products need categories from the shop's product file")
        return self.product_search.related(grouping, k, distance, same_category, progress, cancel)

    def match(self, paths: Sequence[str | os.PathLike[str]], k: int = 5, min_similarity: float = 0.0,
              progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> list[MatchResult]:
        """For each photo given (files, or folders walked like the catalogue), the k best catalogue products at or
        above `min_similarity`; photos that cannot be read carry their reason."""
        return match_photos(paths, lambda path: self.query_products(path, k), min_similarity, progress, cancel)

    def list_products(self, text: str = "", sort: ProductSort = ProductSort.NAME, offset: int = 0,
                      limit: int = 100) -> ProductPage:
        """A page of products whose id, name or folder contains `text`, by name or newest first, with the total."""
        return product_page(self.products.grouping(), text, sort, offset, limit)

    # -- state --------------------------------------------------------------------------------------

    def count(self) -> int:
        """Searchable items now (0 while the stored index belongs to another model)."""
        return 0 if self._stale else len(self.vector_index)

    def model_change(self) -> ModelChange | None:
        """The model (and its photo count) whose index this model must make its own anew: the same store built
        by a replaced model file, or, before this model's first run, another model's index of the folder."""
        if not self._stale:
            return self._earlier
        return ModelChange(self.store.get_meta("model_label", "another model") or "another model", self.store.count())

    def failures(self) -> list[Failure]:
        """Files that could not be indexed, with their reasons."""
        return self.store.failures()

    def info(self) -> CatalogueInfo:
        """A summary: folder, data folder, model, counts, last indexed time and bytes on disk."""
        stamp = self.store.get_meta("last_indexed")
        index_bytes = self.store.disk_bytes() + (self.index_path.stat().st_size if self.index_path.exists() else 0)
        return CatalogueInfo(
            folder=self.folder,
            data_dir=self.data_dir,
            model_label=self.model.label,
            model_sha256=self.model.sha256,
            count=self.count(),
            failures=len(self.store.failures()),
            last_indexed=datetime.fromtimestamp(float(stamp), timezone.utc) if stamp else None,
            index_bytes=index_bytes,
            distance_scale=self.distance_scale() if self.count() else (self._model_scale or self._scale[0]),
            scale_source="model" if self._model_scale is not None else "catalogue",
            note=self._stale or self._note,
        )

    def close(self) -> None:
        """Cancel a running index() (it checkpoints first), then close the store."""
        self._closing.set()
        with self._run_lock:
            self.store.close()

    def __enter__(self) -> "Catalogue":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
