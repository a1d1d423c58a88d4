"""Push a catalogue's vectors into a Qdrant collection, incrementally (what changed since the last push to it).

Order of work, so that an interruption at any point leaves nothing false behind: removed photos are deleted
first, then changed and new ones are sent in batches; the push state records a batch only after Qdrant has
acknowledged it (wait=True). The catalogue's inter-process lock is held, so no index run changes it meanwhile.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from autosimnet_desktop.core.catalogue.catalogue import LOCK_FILE, Catalogue
from autosimnet_desktop.core.products.assign import Grouping
from autosimnet_desktop.core.records import BusyError, CancelToken, Cancelled, NotIndexedError, Progress, ProgressCallback
from autosimnet_desktop.core.remote.payload import fingerprint, photo_payload, point_id
from autosimnet_desktop.core.remote.qdrant_store import RemoteCollection
from autosimnet_desktop.core.remote.state import PushState
from autosimnet_desktop.core.storage.datadirs import exclusive_lock

BATCH = 256  # points per upsert: big enough to amortise a round trip, small enough to resume cheaply


@dataclass
class PushReport:
    """What one push did."""

    collection: str
    address: str
    sent: int = 0
    deleted: int = 0
    unchanged: int = 0
    reset: bool = False  # the collection was new or made again: everything was sent
    seconds: float = 0.0

    @property
    def points_per_second(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Pending:
    """A photo to send: its row id (the vector's label), path and payload."""

    label: int
    path: str
    payload: dict[str, str]


def current_payloads(catalogue: Catalogue) -> list[Pending]:
    """Every searchable photo of the catalogue with the payload its point must carry, by path."""
    grouping: Grouping = catalogue.products.grouping()
    items = catalogue.store.items()
    searchable = set(catalogue.vector_index.labels())
    out = []
    for label, path, _mtime, _product in catalogue.store.photos():
        if label not in searchable:
            continue
        pid = grouping.product_of.get(path)
        product = grouping.products.get(pid) if pid is not None else None
        item = items.get(path)
        out.append(Pending(label, path, photo_payload(path, item.digest if item else None, product, catalogue.model)))
    return out


def push(catalogue: Catalogue, collection: RemoteCollection, state: PushState, *, recreate: bool = False,
         batch: int = BATCH, progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> PushReport:
    """Bring `collection` up to date with the catalogue; raises RemoteError (nothing false recorded), BusyError
    while the catalogue is being indexed, NotIndexedError when it has nothing searchable, Cancelled if cancelled."""
    started = time.perf_counter()
    with exclusive_lock(catalogue.data_dir / LOCK_FILE) as locked:
        if not locked:
            raise BusyError(f"{catalogue.folder} is being indexed; push when the index run has finished")
        info = catalogue.info()
        if info.last_indexed is None or catalogue.model_change() is not None:
            # An emptied catalogue pushes its deletions; one never indexed (or by another model) has nothing true.
            note = f" ({info.note})" if info.note else ""
            raise NotIndexedError(f"{catalogue.folder} has no index for {catalogue.model.label}{note}: "
                                  f"run autosimnet index {catalogue.folder} first")
        scale = catalogue.distance_scale()
        marker = collection.prepare(catalogue.model, scale, recreate)
        report = PushReport(collection.name, collection.address.text, reset=state.bind(marker.generation))
        current = current_payloads(catalogue)
        pushed = state.pushed()
        present = {p.path for p in current}
        gone = sorted(path for path in pushed if path not in present)
        todo = [p for p in current if pushed.get(p.path) != fingerprint(p.payload)]
        report.unchanged = len(current) - len(todo)
        for start in range(0, len(gone), batch):
            chunk = gone[start:start + batch]
            collection.delete([point_id(path) for path in chunk])
            state.forget(chunk)
            report.deleted += len(chunk)
        _send(catalogue, collection, state, todo, batch, report, progress, cancel, started)
        collection.set_scale(marker, scale)
    report.seconds = time.perf_counter() - started
    return report


def _send(catalogue: Catalogue, collection: RemoteCollection, state: PushState, todo: list[Pending], batch: int,
          report: PushReport, progress: ProgressCallback | None, cancel: CancelToken | None, started: float) -> None:
    """Upsert `todo` in batches, recording each acknowledged batch in the state."""
    for start in range(0, len(todo), batch):
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
        chunk = todo[start:start + batch]
        vectors = catalogue.vector_index.vectors([p.label for p in chunk])
        collection.upsert([point_id(p.path) for p in chunk], vectors, [p.payload for p in chunk])
        state.record((p.path, fingerprint(p.payload)) for p in chunk)
        report.sent += len(chunk)
        if progress is not None:
            elapsed = time.perf_counter() - started
            rate = report.sent / elapsed if elapsed > 0 else 0.0
            eta = (len(todo) - report.sent) / rate if rate > 0 else None
            progress(Progress(report.sent, len(todo), rate, eta, chunk[-1].path, "pushing"))
