"""What a point of a pushed collection holds: its id, its payload, and the collection's marker (one place each)."""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from autosimnet_desktop.core.model.encoder import ModelInfo
from autosimnet_desktop.core.products.records import Product

# Point ids are UUIDs derived from the photo's relative path in this fixed namespace: the same photo gets the same
# point on every push, from every machine and every shard, so a push that is repeated overwrites instead of adding.
POINT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_OID, "autosimnet-desktop.photo")
# The collection's marker is one point without a vector: searches never return it.
MARKER_ID = str(uuid.uuid5(POINT_NAMESPACE, "autosimnet:collection-marker"))
VECTOR_NAME = "image"
PATH, PRODUCT, NAME, CATEGORY, MODEL, MODEL_SHA, DIGEST = (
    "path", "product", "name", "category", "model", "model_sha256", "digest")
MARKER_KIND = "autosimnet-collection"


def point_id(relpath: str) -> str:
    """The stable point id of the photo at `relpath` (relative to the catalogue folder, `/` separators)."""
    return str(uuid.uuid5(POINT_NAMESPACE, relpath))


def photo_payload(relpath: str, digest: str | None, product: Product | None, model: ModelInfo) -> dict[str, str]:
    """The payload of one photo's point: path, product (its id, or the path when no product is known), name and
    category ("" when unknown), the model's label and SHA-256, and the file's content digest."""
    return {PATH: relpath, PRODUCT: product.id if product is not None else relpath,
            NAME: product.name if product is not None else "", CATEGORY: product.category if product is not None else "",
            MODEL: model.label, MODEL_SHA: model.sha256, DIGEST: digest or ""}


def fingerprint(payload: dict[str, str]) -> str:
    """What the push state remembers of a point: it changes when the vector (file digest, model) or any payload
    field changes, so an unchanged fingerprint means nothing needs sending."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8",
                                                                                         "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Marker:
    """The collection's own record: which model built it, its metric, the similarity scale and its generation
    (a new id every time the collection is made, so a push state left from an older one is dropped)."""

    model_sha256: str
    model_label: str
    dim: int
    metric: str  # "l2" or "cosine", as in the model card
    distance_scale: float
    generation: str
    kind: str = MARKER_KIND

    @classmethod
    def new(cls, model: ModelInfo, distance_scale: float) -> Marker:
        """The marker of a collection made now for `model`."""
        return cls(model.sha256, model.label, model.embedding_size, model.card.metric, distance_scale,
                   uuid.uuid4().hex)

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | None) -> Marker | None:
        """The marker read back from its point's payload (None if it is not ours or incomplete)."""
        if not payload or payload.get("kind") != MARKER_KIND:
            return None
        try:
            return cls(str(payload["model_sha256"]), str(payload["model_label"]), int(payload["dim"]),
                       str(payload["metric"]), float(payload["distance_scale"]), str(payload["generation"]))
        except (KeyError, TypeError, ValueError):
            return None

    def payload(self) -> dict[str, Any]:
        """The marker as its point's payload."""
        return asdict(self)

    def distance(self, score: float) -> float:
        """The Euclidean distance behind a Qdrant score: Euclid scores are the distance; cosine scores are the
        cosine of unit vectors (cosine models embed on the unit sphere), whose distance is sqrt(2 - 2 cos)."""
        if self.metric == "cosine":
            return math.sqrt(max(0.0, 2.0 - 2.0 * score))
        return float(score)
