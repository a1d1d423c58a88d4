"""Plain records shared by the core, the CLI and the GUI: progress, cancellation, reports, hits."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, NamedTuple


@dataclass(frozen=True)
class Progress:
    """Where a long operation stands; handed to a progress callback once per batch."""

    done: int
    total: int
    rate: float = 0.0  # items per second so far
    eta: float | None = None  # seconds left, None while unknown
    current: str = ""  # the file being worked on (relative path), if any
    stage: str = ""  # e.g. "scanning", "indexing", "saving"

    @property
    def fraction(self) -> float:
        """done / total in 0..1 (1 when there is nothing to do)."""
        return 1.0 if self.total <= 0 else min(1.0, self.done / self.total)


ProgressCallback = Callable[[Progress], None]


class CancelToken:
    """A flag a long operation checks once per batch; safe to set from any thread."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the operation to stop after its current batch."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called."""
        return self._event.is_set()


class LinkedCancelToken(CancelToken):
    """Cancelled when an outer token is, or when an event is set (a catalogue being closed, say)."""

    def __init__(self, outer: CancelToken | None, event: threading.Event) -> None:
        super().__init__()
        self._outer = outer
        self._linked = event

    @property
    def cancelled(self) -> bool:
        """True once the outer token was cancelled or the event set."""
        return self._linked.is_set() or (self._outer is not None and self._outer.cancelled)


class CoreError(Exception):
    """Base of the errors the core raises with a message written for people."""


class FolderError(CoreError):
    """The catalogue folder is missing, not a folder or unreadable."""


class ModelError(CoreError):
    """The ONNX model cannot be found or loaded."""


class ImageError(CoreError):
    """An image that cannot be used, with a reason a shop owner can read."""


class StoreError(CoreError):
    """The catalogue's store or index cannot be used (e.g. written by a newer version, disk full)."""


class NotIndexedError(CoreError, LookupError):
    """A catalogue path that is not (or no longer) in the index."""


class BusyError(CoreError):
    """Another indexing run of the same catalogue is already going on."""


class ProductFileError(CoreError):
    """The shop's product file cannot be used (missing, too big, not UTF-8, no image column, duplicate ids)."""


class Cancelled(Exception):
    """Raised inside an operation when its CancelToken was set; work done so far is kept."""


@dataclass(frozen=True)
class Failure:
    """A file that could not be indexed, with its reason."""

    path: str  # relative to the catalogue folder, '/' separators
    reason: str


@dataclass(frozen=True)
class SearchHit:
    """One result: a catalogue file, its distance to the query and a similarity in 0..1 (and its product, if asked)."""

    path: str
    distance: float
    similarity: float
    product: str | None = None  # the product the photo belongs to, where the caller grouped photos


@dataclass
class IndexReport:
    """What an indexing run did."""

    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    unreadable: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    images_per_second: float = 0.0
    cancelled: bool = False
    rebuilt: bool = False  # everything was re-encoded because the model changed
    message: str = ""  # e.g. why a rebuild happened
    photos: int = 0  # searchable photos after the run
    products: int = 0  # the products they make
    grouping: str = ""  # how they were grouped, for people ("grouped by file name")

    @property
    def indexed(self) -> int:
        """Files encoded in this run."""
        return self.new + self.changed


class ModelChange(NamedTuple):
    """The model a stored index was built with, when the open model must re-encode it."""

    label: str
    photos: int  # photos the stored index held
