"""One Qdrant collection of catalogue photos: connection, collection set-up and model check, writes and searches.

Every call to Qdrant goes through `RemoteCollection._call`, which turns whatever the client raises (a refused
connection, a wrong API key, a server gone, a closed local client) into one RemoteError with a readable line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import numpy as np
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from autosimnet_desktop.core.model.encoder import ModelInfo
from autosimnet_desktop.core.records import CoreError
from autosimnet_desktop.core.remote.payload import CATEGORY, MARKER_ID, PATH, PRODUCT, VECTOR_NAME, Marker

T = TypeVar("T")
DISTANCES = {"l2": models.Distance.EUCLID, "cosine": models.Distance.COSINE}
SCROLL_PAGE = 1024


class RemoteError(CoreError):
    """Qdrant could not be reached or refused a request, or the collection does not fit (exit status 1)."""


@dataclass(frozen=True)
class Address:
    """Where the collection lives: a server URL, or a local-mode folder (or ':memory:')."""

    text: str  # normalised: the URL without a trailing '/', or the absolute folder

    @property
    def is_server(self) -> bool:
        return self.text.startswith(("http://", "https://"))

    @classmethod
    def parse(cls, text: str) -> Address:
        """A URL (http:// or https://) or a folder for qdrant-client's local mode."""
        if text.startswith(("http://", "https://")):
            parts = urlsplit(text)
            if not parts.hostname:
                raise ValueError(f"not a Qdrant URL: {text!r}")
            return cls(text.rstrip("/"))
        if text == ":memory:":
            return cls(text)
        return cls(str(Path(text).expanduser().resolve()))


def connect(address: Address, api_key: str | None = None, timeout: int = 30) -> QdrantClient:
    """A client for `address` (a server is not contacted until the first request)."""
    try:
        if address.is_server:
            return QdrantClient(url=address.text, api_key=api_key, timeout=timeout, check_compatibility=False)
        if address.text == ":memory:":
            return QdrantClient(location=":memory:")
        os.makedirs(address.text, exist_ok=True)
        return QdrantClient(path=address.text)
    except Exception as exc:  # the local mode's lock, a folder that cannot be made, a malformed URL
        raise RemoteError(f"cannot open Qdrant at {address.text}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    """An exception's message in one line."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass(frozen=True)
class Found:
    """One photo found by a search, with its product as the payload says."""

    path: str
    product: str
    name: str
    category: str
    score: float


@dataclass(frozen=True)
class StoredPoint:
    """A photo's point read back: its payload and vector."""

    payload: dict[str, Any]
    vector: np.ndarray


class RemoteCollection:
    """A named collection at an address, through a client handed in (tests hand in their own)."""

    def __init__(self, client: QdrantClient, address: Address, name: str) -> None:
        self.client = client
        self.address = address
        self.name = name

    def _call(self, what: str, request: Callable[[], T]) -> T:
        """Run one request; any failure becomes a RemoteError that says what was being done, where, and why."""
        where = f"Qdrant at {self.address.text}"
        try:
            return request()
        except UnexpectedResponse as exc:
            code = exc.status_code
            if code in (401, 403):
                raise RemoteError(f"{where} refused the API key (HTTP {code}) while {what}: check --api-key-env"
                                  ) from None
            reason = _first_line(exc).split("Raw response content:")[0].strip()
            raise RemoteError(f"{where} answered HTTP {code} while {what}: {reason}") from None
        except ResponseHandlingException as exc:
            cause = exc.source if exc.source is not None else exc
            raise RemoteError(f"cannot reach {where} while {what}: {_first_line(cause)}") from None
        except Exception as exc:  # a closed local client, a server gone (httpx, grpc), a malformed reply
            raise RemoteError(f"{where} failed while {what}: {_first_line(exc)}") from None

    # -- the collection and its marker ------------------------------------------------------------------

    def marker(self) -> Marker | None:
        """The collection's marker; None if the collection does not exist; RemoteError if it is not ours."""
        if not self._call("looking for the collection", lambda: self.client.collection_exists(self.name)):
            return None
        records = self._call("reading the collection's marker",
                             lambda: self.client.retrieve(self.name, [MARKER_ID], with_payload=True))
        marker = Marker.from_payload(records[0].payload if records else None)
        if marker is None:
            raise RemoteError(f"collection {self.name!r} at {self.address.text} was not made by autosimnet push "
                              "(it has no autosimnet marker); choose another --collection, or --recreate to replace it")
        return marker

    def require_marker(self) -> Marker:
        """The marker of a collection that must exist (for searches)."""
        marker = self.marker()
        if marker is None:
            raise RemoteError(f"no collection {self.name!r} at {self.address.text} (push a catalogue first: "
                              "autosimnet push --folder FOLDER --qdrant ...)")
        return marker

    def prepare(self, model: ModelInfo, distance_scale: float, recreate: bool) -> Marker:
        """The collection ready for `model`: made if missing (or if `recreate`), refused if another model built it."""
        existing = None if recreate else self.marker()
        if existing is not None:
            if existing.model_sha256 != model.sha256:
                raise RemoteError(
                    f"collection {self.name!r} at {self.address.text} holds vectors of {existing.model_label} "
                    f"({existing.model_sha256[:12]}), not of {model.label} ({model.sha256[:12]}): push with the "
                    "same --model, or --recreate to replace the collection")
            return existing
        marker = Marker.new(model, distance_scale)
        params = models.VectorParams(size=model.embedding_size, distance=DISTANCES[model.card.metric])
        if self._call("looking for the collection", lambda: self.client.collection_exists(self.name)):
            self._call("deleting the old collection", lambda: self.client.delete_collection(self.name))
        self._call("creating the collection",
                   lambda: self.client.create_collection(self.name, vectors_config={VECTOR_NAME: params}))
        if self.address.is_server:  # local mode keeps no payload index (it warns), a server filters faster with one
            for field in (PRODUCT, CATEGORY):
                self._call("indexing the payload", lambda f=field: self.client.create_payload_index(  # type: ignore[misc]
                    self.name, f, models.PayloadSchemaType.KEYWORD, wait=True))
        self._write_marker(marker)
        return marker

    def _write_marker(self, marker: Marker) -> None:
        """Store the marker point (no vector)."""
        point = models.PointStruct(id=MARKER_ID, vector={}, payload=marker.payload())
        self._call("writing the collection's marker", lambda: self.client.upsert(self.name, [point], wait=True))

    def set_scale(self, marker: Marker, distance_scale: float) -> None:
        """Keep the catalogue's current similarity scale with the collection (what queries without a folder use)."""
        if abs(marker.distance_scale - distance_scale) > 1e-9 * max(1.0, distance_scale):
            self._call("updating the collection's marker", lambda: self.client.set_payload(
                self.name, {"distance_scale": distance_scale}, points=[MARKER_ID], wait=True))

    # -- writes -------------------------------------------------------------------------------------------

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, payloads: Sequence[dict[str, str]]) -> None:
        """Write a batch of points and wait until Qdrant has applied it."""
        points = [models.PointStruct(id=pid, vector={VECTOR_NAME: vector.tolist()}, payload=payload)
                  for pid, vector, payload in zip(ids, np.asarray(vectors, np.float32), payloads)]
        self._call(f"writing {len(points)} points", lambda: self.client.upsert(self.name, points, wait=True))

    def delete(self, ids: Sequence[str]) -> None:
        """Delete points (missing ones are ignored by Qdrant) and wait until it is applied."""
        selector = models.PointIdsList(points=list(ids))
        self._call(f"deleting {len(ids)} points", lambda: self.client.delete(self.name, selector, wait=True))

    # -- reads --------------------------------------------------------------------------------------------

    def best_per_product(self, vector: np.ndarray, limit: int, where: models.Filter | None) -> list[Found]:
        """The `limit` products nearest to one vector, each with its nearest photo, best first."""
        result = self._call("searching", lambda: self.client.query_points_groups(
            self.name, query=np.asarray(vector, np.float32).tolist(), using=VECTOR_NAME, group_by=PRODUCT,
            limit=limit, group_size=1, query_filter=where, with_payload=True))
        return [_found(group.hits[0].payload, group.hits[0].score) for group in result.groups if group.hits]

    def photo_count(self, product: str) -> int:
        """How many photos of a product the collection holds."""
        return self._call("counting photos", lambda: self.client.count(
            self.name, count_filter=match(PRODUCT, product), exact=True).count)

    def points(self, where: models.Filter | None = None) -> Iterator[StoredPoint]:
        """Every photo point (matching `where`) with payload and vector, page by page."""
        offset: Any = None
        while True:
            page, offset = self._call("reading points", lambda o=offset: self.client.scroll(  # type: ignore[misc]
                self.name, scroll_filter=where, limit=SCROLL_PAGE, offset=o, with_payload=True, with_vectors=True))
            for record in page:
                vector = record.vector.get(VECTOR_NAME) if isinstance(record.vector, dict) else None
                if record.payload and vector is not None:
                    yield StoredPoint(record.payload, np.asarray(vector, np.float32))
            if offset is None:
                return


def match(key: str, value: str) -> models.Filter:
    """A filter: payload `key` equals `value`."""
    return models.Filter(must=[models.FieldCondition(key=key, match=models.MatchValue(value=value))])


def _found(payload: dict[str, Any] | None, score: float) -> Found:
    """A search hit's payload as a Found."""
    data = payload or {}
    return Found(str(data.get(PATH, "")), str(data.get(PRODUCT, "")), str(data.get("name", "")),
                 str(data.get(CATEGORY, "")), float(score))
