"""export.best_model / export.train_best: the default model's layout and how its w0 is chosen."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the training helper needs the 'train' extra (torch)")
pytest.importorskip("efficientnet_lite_pytorch", reason="export.train_best needs the 'train' extra")

from autosimnet_desktop.core.model.card import preprocess_metadata
from export.best_model import BestConfig, BestEncoder
from export.train_best import choose_weight, fused, spec, update_average


def test_the_encoder_writes_unit_shape_and_colour_segments_at_any_trained_size() -> None:
    cfg = BestConfig(colour_weight=0.3)
    encoder = BestEncoder(cfg, pretrained=False).eval()
    for size in (96, 128):
        with torch.no_grad():
            e = encoder(torch.rand(2, 3, size, size))
        assert e.shape == (2, cfg.embedding_dim) and cfg.embedding_dim <= 256
        assert torch.allclose(e.norm(dim=1), torch.ones(2), atol=1e-5)
        assert torch.allclose(e[:, cfg.shape_dim:].norm(dim=1), torch.full((2,), 0.3 ** 0.5), atol=1e-5)
    assert cfg.segments() == "shape:0:192,colour:192:256"
    assert preprocess_metadata(spec(96))["mean"] == "0.498,0.498,0.498"


def test_w0_balances_the_two_targets_and_ties_go_to_less_colour() -> None:
    rows = [{"w": 0.3, "objective": 0.8}, {"w": 0.5, "objective": 0.9}, {"w": 0.7, "objective": 0.9}]
    assert choose_weight(rows)["w"] == 0.5
    s, c = np.eye(2, dtype=np.float32), np.eye(2, dtype=np.float32)
    assert np.allclose(np.linalg.norm(fused(s, c, 0.25), axis=1), 1.0)


def test_the_weight_average_moves_towards_the_trained_weights_and_copies_batchnorm_statistics() -> None:
    cfg = BestConfig()
    trained, averaged = BestEncoder(cfg), BestEncoder(cfg)
    with torch.no_grad():
        for p in trained.parameters():
            p.fill_(1.0)
        for p in averaged.parameters():
            p.fill_(0.0)
        for b in trained.buffers():
            b.fill_(3.0)
    update_average(averaged, trained, decay=0.75)
    weights = torch.cat([p.flatten() for p in averaged.parameters()])
    assert torch.allclose(weights, torch.full_like(weights, 0.25))
    assert all(torch.all(b == 3.0) for b in averaged.buffers())
    update_average(averaged, trained, decay=0.75)
    assert torch.allclose(next(averaged.parameters()), torch.tensor(0.4375))
