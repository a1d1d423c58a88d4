"""The shipped models: each loads, keeps the metadata contract and has a name a shop owner understands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.model.shipped import shipped_models
from autosimnet_desktop.locations import DEFAULT_MODEL, models_dir, resolve_model

from .conftest import BEST_MODEL, FAST_MODEL, PAPER_MODEL

DISPLAY_NAMES = {BEST_MODEL.name: "Best match", FAST_MODEL.name: "Fast", PAPER_MODEL.name: "Paper (AutoSimNet DAE)"}
# Every key of the metadata contract (resources/models/README.md) the app or a reader relies on.
CONTRACT = ("input_size", "input_channels", "colour_mode", "resize", "resample", "pad_value", "normalisation",
            "mean", "std", "embedding_size", "distance", "distance_scale", "similarity", "model_name",
            "model_version", "architecture", "training_data", "epochs", "final_val_loss", "parameter_count",
            "export_date", "producer", "display_name")


def test_the_three_models_ship_with_the_best_one_as_default() -> None:
    assert DEFAULT_MODEL == BEST_MODEL.name
    assert sorted(p.name for p in models_dir().glob("*.onnx")) == sorted(DISPLAY_NAMES)
    models = shipped_models()
    assert models[0].file == DEFAULT_MODEL and models[0].default
    assert {m.file: m.display_name for m in models} == DISPLAY_NAMES  # the Model menu's entries


@pytest.mark.parametrize("path", [BEST_MODEL, FAST_MODEL, PAPER_MODEL], ids=lambda p: p.stem)
def test_a_shipped_model_keeps_the_metadata_contract(path: Path) -> None:
    assert path.stat().st_size <= 20_000_000
    enc = Encoder(path, threads=1)
    meta = enc.info.metadata
    assert [k for k in CONTRACT if not meta.get(k)] == []
    assert meta["display_name"] == DISPLAY_NAMES[path.name]
    assert float(meta["distance_scale"]) > 0
    spec = enc.preprocess
    x = np.random.default_rng(0).random((2, spec.channels, spec.size, spec.size), dtype=np.float32)
    assert enc.encode(x).shape == (2, enc.dim)


@pytest.mark.parametrize("path", [BEST_MODEL, FAST_MODEL], ids=lambda p: p.stem)
def test_the_product_models_are_fused_cosine_embeddings_of_at_most_256_values(path: Path) -> None:
    enc = Encoder(path, threads=1)
    assert enc.info.metric == "cosine" and enc.dim <= 256 and enc.preprocess.colour_mode == "RGB"
    seg = enc.info.card.segments
    assert seg is not None and seg.shape.start == 0 and seg.colour.stop == enc.dim
    assert 0 < seg.default_weight < 1
    spec = enc.preprocess
    e = enc.encode(np.random.default_rng(0).random((3, 3, spec.size, spec.size), dtype=np.float32))
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    # the stored layout: each segment has the length sqrt(its weight), so the app's balance slider works
    assert np.allclose(np.linalg.norm(e[:, seg.colour], axis=1), np.sqrt(seg.default_weight), atol=2e-3)


def test_the_best_model_carries_its_normalisation_and_licence() -> None:
    meta = Encoder(BEST_MODEL, threads=1).info.metadata
    assert meta["mean"] == "0.498,0.498,0.498" and meta["std"] == "0.502,0.502,0.502"
    assert "Apache-2.0" in meta["weights_licence"]


def test_the_retired_product_model_name_resolves_to_its_successor() -> None:
    assert resolve_model("autosimnet-product") == FAST_MODEL
    assert resolve_model("autosimnet-product.onnx") == FAST_MODEL
    assert resolve_model(None) == BEST_MODEL
    assert not resolve_model("no-such-model").exists()
