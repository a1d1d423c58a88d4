"""The fused [shape | colour] embedding and its balance: numpy only, what the app itself runs (no torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autosimnet_desktop.core.model.card import read_segments
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.search.fusion import Segments, fused_distances, parse_segments, reweight

W0 = 0.35
SEG = Segments(shape=slice(0, 6), colour=slice(6, 10), default_weight=W0)


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _stored(shape: np.ndarray, colour: np.ndarray, w0: float = W0) -> np.ndarray:
    return np.concatenate([np.sqrt(1 - w0) * shape, np.sqrt(w0) * colour], 1)


# ---------------------------------------------------------------- fusion (numpy only, what the app calls)

def test_parse_segments_and_metadata() -> None:
    assert parse_segments("shape:0:192,colour:192:256") == {"shape": slice(0, 192), "colour": slice(192, 256)}
    seg = read_segments({"segments": "shape:0:192,colour:192:256", "default_colour_weight": "0.35"})
    assert seg == Segments(slice(0, 192), slice(192, 256), 0.35)
    assert read_segments({"distance": "l2"}) is None  # the paper model: no fusion
    with pytest.raises(ValueError):
        read_segments({"segments": "shape:0:192,colour:192:256", "default_colour_weight": "1"})
    with pytest.raises(ValueError):
        parse_segments("shape:10:5")


def test_reweighted_distance_is_the_documented_formula() -> None:
    rng = np.random.default_rng(0)
    s, c = _unit(rng, 5, 6), _unit(rng, 5, 4)
    stored = _stored(s, c)
    assert np.allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-6)  # unit: cosine and L2 agree
    for w in (0.0, 0.2, W0, 0.8, 1.0):
        d = fused_distances(stored[0], stored[1:], SEG, w)
        ds2 = ((s[1:] - s[0]) ** 2).sum(1)
        dc2 = ((c[1:] - c[0]) ** 2).sum(1)
        assert np.allclose(d, np.sqrt((1 - w) * ds2 + w * dc2), atol=1e-5)
    # at the default weight nothing changes: the HNSW index built on stored embeddings stays valid
    assert np.allclose(reweight(stored, SEG, W0), stored, atol=1e-7)
    assert np.allclose(fused_distances(stored[0], stored[1:], SEG, W0), np.linalg.norm(stored[1:] - stored[0], axis=1),
                       atol=1e-5)


def test_colour_weight_moves_the_ranking() -> None:
    # query: red dress; A: blue dress (same shape), B: red shoe (same colour)
    dress, shoe = np.array([[1, 0, 0, 0, 0, 0]], np.float32), np.array([[0, 1, 0, 0, 0, 0]], np.float32)
    red, blue = np.array([[1, 0, 0, 0]], np.float32), np.array([[0, 1, 0, 0]], np.float32)
    query, a, b = _stored(dress, red), _stored(dress, blue), _stored(shoe, red)
    items = np.concatenate([a, b])
    assert fused_distances(query[0], items, SEG, 0.1).argmin() == 0  # shape matters most: the blue dress
    assert fused_distances(query[0], items, SEG, 0.9).argmin() == 1  # colour matters most: the red shoe
    with pytest.raises(ValueError):
        reweight(items, SEG, 1.5)


def test_shipped_fast_model_keeps_the_product_contract() -> None:
    path = Path(__file__).resolve().parent.parent / "resources" / "models" / "autosimnet-fast.onnx"
    assert path.stat().st_size <= 20_000_000
    enc = Encoder(path, threads=1)
    meta = enc.info.metadata
    assert enc.info.metric == "cosine" and enc.dim <= 256 and enc.preprocess.colour_mode == "RGB"
    seg = enc.info.card.segments
    assert seg is not None and seg.colour.stop == enc.dim and 0 < seg.default_weight < 1
    assert float(meta["distance_scale"]) > 0
    e = enc.encode(np.random.default_rng(0).random((3, 3, 64, 64), dtype=np.float32))
    assert e.shape == (3, enc.dim) and np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    # the stored layout: each segment has length sqrt(its weight)
    assert np.allclose(np.linalg.norm(e[:, seg.colour], axis=1), np.sqrt(seg.default_weight), atol=1e-4)
