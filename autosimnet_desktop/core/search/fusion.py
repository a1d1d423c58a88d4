"""Re-weighting a fused [shape | colour] embedding: the 'match colour <-> match shape' balance.

A fused model (metadata ``segments`` = ``shape:0:192,colour:192:256`` and ``default_colour_weight`` = w0)
stores each image as

    e = [ sqrt(1 - w0) * s ,  sqrt(w0) * c ]        with |s| = |c| = 1, so |e| = 1,

where s is the unit shape segment and c the unit colour segment. For a user-chosen colour weight w in
0..1 the distance between a query q and an item x is

    d_w(q, x) = sqrt( (1 - w) * |s_q - s_x|^2  +  w * |c_q - c_x|^2 )

(each per-segment distance lies in 0..2). At w = w0 this is exactly the Euclidean distance of the stored
embeddings, so the HNSW index built on them works unchanged and only a candidate list has to be
re-ranked when w moves. Similarity stays exp(-(d_w / distance_scale)^2). For unit vectors the cosine
distance 1 - cos used by hnswlib's 'cosine' space is d^2 / 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Segments:
    """Where the shape and colour parts sit in a fused embedding, and the weight they were stored with."""

    shape: slice
    colour: slice
    default_weight: float


def parse_segments(value: str) -> dict[str, slice]:
    """'shape:0:192,colour:192:256' -> {'shape': slice(0, 192), 'colour': slice(192, 256)}."""
    out: dict[str, slice] = {}
    for part in value.split(","):
        name, start, stop = part.strip().split(":")
        if int(start) < 0 or int(stop) <= int(start):
            raise ValueError(f"bad segment {part!r} in {value!r}")
        out[name] = slice(int(start), int(stop))
    return out


def reweight(embeddings: np.ndarray, segments: Segments, weight: float) -> np.ndarray:
    """Stored embeddings (N x D or D) rescaled so their Euclidean distances are d_w of the module docstring.

    Queries and candidates reweighted with the same w can be compared by plain Euclidean distance.
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"colour weight must be in 0..1, not {weight}")
    w0 = segments.default_weight
    out = np.array(embeddings, dtype=np.float32, copy=True)
    out[..., segments.shape] *= np.sqrt((1.0 - weight) / (1.0 - w0))
    out[..., segments.colour] *= np.sqrt(weight / w0)
    return out


def fused_distances(query: np.ndarray, candidates: np.ndarray, segments: Segments, weight: float) -> np.ndarray:
    """d_w between one stored query embedding (D) and stored candidate embeddings (N x D): N distances."""
    q = reweight(query, segments, weight)
    c = reweight(candidates, segments, weight)
    return np.sqrt(np.maximum(((c - q) ** 2).sum(axis=-1), 0.0)).astype(np.float32)
