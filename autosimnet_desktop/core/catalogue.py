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
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

from ..locations import resolve_model
from .datadirs import absolute_folder, exclusive_lock, model_data_dir
from .encoder import Encoder, ModelInfo
from .fusion import Segments, fused_distances, segments_from_metadata
from .imaging import load_for_model
from .indexer import IndexSettings, Indexer
from .records import (
    BusyError,
    CancelToken,
    Failure,
    FolderError,
    IndexReport,
    ModelError,
    NotIndexedError,
    ProgressCallback,
    SearchHit,
    StoreError,
)
from .scanner import os_error_reason
from .search import Rerank, Searcher, estimate_scale, sample_labels
from .store import PENDING, Store
from .vector_index import VectorIndex, file_signature

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


@dataclass(frozen=True)
class CatalogueInfo:
    """A summary of one catalogue for `autosimnet info` and the GUI's status bar."""

    folder: Path
    data_dir: Path
    model_label: str
    model_sha256: str
    count: int  # searchable items
    failures: int  # unreadable files
    last_indexed: datetime | None
    index_bytes: int  # store + vector index on disk
    distance_scale: float  # s in similarity = exp(-(d / s)^2)
    scale_source: str  # "model" (its metadata) or "catalogue" (estimated from random pairs)
    note: str = ""  # e.g. "built with another model: the next index run re-encodes everything"


class _RunToken(CancelToken):
    """Cancelled when the caller's token is, or when the catalogue is being closed."""

    def __init__(self, outer: CancelToken | None, closing: threading.Event) -> None:
        super().__init__()
        self._outer = outer
        self._closing = closing

    @property
    def cancelled(self) -> bool:
        """True once the caller cancelled or close() was called."""
        return self._closing.is_set() or (self._outer is not None and self._outer.cancelled)


def check_folder(folder: str | os.PathLike[str]) -> Path:
    """The absolute catalogue folder, or FolderError if it is missing, not a folder or unreadable."""
    try:
        path = absolute_folder(folder)
        if not path.is_dir():
            reason = "not a folder" if path.exists() else "folder not found"
            raise FolderError(f"{reason}: {folder}")
        with os.scandir(path):
            pass
    except FolderError:
        raise
    except OSError as exc:
        raise FolderError(f"cannot read folder {folder}: {os_error_reason(exc)}") from None
    except RuntimeError as exc:  # Path.resolve on a symlink loop (Python < 3.13)
        raise FolderError(f"cannot read folder {folder}: {exc}") from None
    return path


def load_encoder(model: str | os.PathLike[str] | None = None) -> Encoder:
    """The encoder for a shipped model name or an ONNX path (None: the default), or ModelError."""
    path = resolve_model(str(model) if model is not None else None)
    if not path.is_file():
        raise ModelError(f"model not found: {model or path}")
    try:
        return Encoder(path)
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types for bad files
        raise ModelError(f"cannot load model {path.name}: {str(exc).strip().splitlines()[0] if str(exc) else exc!r}")\
            from exc


class Catalogue:
    """One catalogue folder: its store, vector index and encoder."""

    def __init__(self, folder: Path, encoder: Encoder, data_dir: Path | None = None, workers: int | None = None,
                 settings: IndexSettings | None = None) -> None:
        self.folder = check_folder(folder)
        self.encoder = encoder
        self.model: ModelInfo = encoder.info
        try:
            # The colour <-> shape balance of a fused model (None: one embedding, no balance to change).
            self.segments: Segments | None = segments_from_metadata(self.model.metadata)
        except ValueError as exc:
            raise ModelError(f"{self.model.label}: {exc}") from None
        self.data_dir = model_data_dir(self.folder, self.model.path, data_dir)  # one index per model
        self.settings = settings or IndexSettings(workers=workers)
        self.workers = max(1, self.settings.workers or os.cpu_count() or 1)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {self.data_dir}: {os_error_reason(exc)}") from None
        self.store = Store(self.data_dir / STORE_FILE)
        self.index_path = self.data_dir / INDEX_FILE
        self.vector_index = VectorIndex(encoder.dim)
        self._run_lock = threading.Lock()
        self._closing = threading.Event()
        self._scale_lock = threading.Lock()
        self._missing: set[int] = set()  # indexed in the store but absent from the index file: re-encode
        self._stale = ""  # why the stored index cannot be used with this model
        self._note = self.store.note
        self._model_scale = _positive_float(self.model.metadata.get("distance_scale"))
        self._scale = (_positive_float(self.store.get_meta("scale_estimate")) or 0.0,
                       int(self.store.get_meta("scale_count") or 0))
        self._load_index()
        # A weak method: the searcher must not keep its catalogue alive in a reference cycle, so a closed
        # catalogue (and its model and index) is freed as soon as the last reference goes, without gc.
        scale = weakref.WeakMethod(self.distance_scale)
        paths = functools.partial(_present_paths, self.store, str(self.folder))
        self.searcher = Searcher(self.vector_index, paths, lambda: scale()())  # type: ignore[misc]

    @classmethod
    def open(cls, folder: str | Path, model: str | Path | None = None,
             data_dir: str | Path | None = None) -> "Catalogue":
        """Open a catalogue folder with a model (shipped name or path; None: the default model).

        `data_dir` overrides the root of the per-catalogue data folders (like AUTOSIMNET_DATA_DIR).
        Raises FolderError for a missing or unreadable folder, ModelError if the model cannot be loaded.
        """
        path = check_folder(folder)
        encoder = load_encoder(model)
        return cls(path, encoder, Path(data_dir) if data_dir is not None else None)

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
        indexer = Indexer(self.folder, self.store, self.vector_index, self.index_path, self.encoder,
                          self.settings)
        indexer.on_checkpoint = self._save_scale
        missing, self._missing = self._missing, set()
        if missing:
            self.store.begin()
            self.store.set_status(missing, PENDING)
        try:
            report = indexer.run(progress, _RunToken(cancel, self._closing), rebuild_reason=rebuild)
        except BaseException:
            # The store went back to its last checkpoint; the index in memory must too, or it would keep
            # vectors of rows that no longer exist (count() would be wrong until the next run).
            with contextlib.suppress(Exception):
                self.vector_index.clear()
                self._load_index()
            raise
        notes = [n for n in (rebuild, self._note) if n]
        report.message = "; ".join(notes)
        self._note = ""
        return report

    def _prepare_model(self) -> str:
        """Record the model in a fresh store, or start a rebuild if the store was built by another one."""
        if not self._stale and self.store.get_meta("model_sha256") is not None:
            return ""
        reason = self._stale
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

    @property
    def default_colour_weight(self) -> float | None:
        """The colour weight the model stores its embeddings with (None: the model has no colour part)."""
        return self.segments.default_weight if self.segments is not None else None

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
        """Groups of near-identical items (similarity >= min_similarity), biggest first; Cancelled if cancelled."""
        return self.searcher.duplicates(min_similarity, progress, cancel, threads=self.workers)

    # -- state --------------------------------------------------------------------------------------

    def count(self) -> int:
        """Searchable items now (0 while the stored index belongs to another model)."""
        return 0 if self._stale else len(self.vector_index)

    def model_change(self) -> tuple[str, int] | None:
        """(label of the model the stored index was built with, photos it held) if this model must rebuild it."""
        if not self._stale:
            return None
        return self.store.get_meta("model_label", "another model") or "another model", self.store.count()

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


def _positive_float(text: str | None) -> float | None:
    """A positive float parsed from metadata text, else None."""
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and value > 0 and np.isfinite(value) else None
