"""The product encoder: colour histogram, fusion re-weighting, a real tiny training run, ONNX export and speed."""

from __future__ import annotations

import csv
import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from autosimnet_desktop.core.fusion import (Segments, fused_distances, parse_segments, reweight,
                                            segments_from_metadata, similarity)

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
    seg = segments_from_metadata({"segments": "shape:0:192,colour:192:256", "default_colour_weight": "0.35"})
    assert seg == Segments(slice(0, 192), slice(192, 256), 0.35)
    assert segments_from_metadata({"distance": "l2"}) is None  # the paper model: no fusion
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
    assert similarity(np.array([0.0]), 1.0)[0] == pytest.approx(1.0)


def test_shipped_fast_model_keeps_the_product_contract() -> None:
    from autosimnet_desktop.core.encoder import Encoder

    path = Path(__file__).resolve().parent.parent / "resources" / "models" / "autosimnet-fast.onnx"
    assert path.stat().st_size <= 20_000_000
    enc = Encoder(path, threads=1)
    meta = enc.info.metadata
    assert enc.info.metric == "cosine" and enc.dim <= 256 and enc.preprocess.colour_mode == "RGB"
    seg = segments_from_metadata(meta)
    assert seg is not None and seg.colour.stop == enc.dim and 0 < seg.default_weight < 1
    assert float(meta["distance_scale"]) > 0
    e = enc.encode(np.random.default_rng(0).random((3, 3, 64, 64), dtype=np.float32))
    assert e.shape == (3, enc.dim) and np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    # the stored layout: each segment has length sqrt(its weight)
    assert np.allclose(np.linalg.norm(e[:, seg.colour], axis=1), np.sqrt(seg.default_weight), atol=1e-4)


# ---------------------------------------------------------------- the torch side

torch = pytest.importorskip("torch", reason="the training helper needs the 'train' extra (torch)")
onnx = pytest.importorskip("onnx", reason="the training helper needs the 'train' extra (onnx)")

from autosimnet_desktop.core.encoder import Encoder  # noqa: E402
from autosimnet_desktop.core.imaging import Preprocess  # noqa: E402
from export import evaluate as evaluate_mod  # noqa: E402
from export.product_model import ColourHistogram, ProductConfig, ProductEncoder  # noqa: E402
from export.speed import measure  # noqa: E402
from export.to_onnx import export_encoder, parity  # noqa: E402
from export.train_product import ProductTrainConfig, augment, train, validation  # noqa: E402


def _photo(colour: tuple[int, int, int], box: tuple[int, int, int, int]) -> torch.Tensor:
    """A 64x64 RGB product photo: a coloured box on white, as a 1 x 3 x 64 x 64 tensor in [0,1]."""
    x = torch.ones(1, 3, 64, 64)
    x0, y0, x1, y1 = box
    x[0, :, y0:y1, x0:x1] = torch.tensor(colour, dtype=torch.float32).view(3, 1, 1) / 255
    return x


def test_colour_histogram_ignores_the_white_background() -> None:
    hist = ColourHistogram(ProductConfig(colour="fixed", colour_bins=27)).eval()
    small_red = hist(_photo((200, 20, 20), (24, 24, 40, 40)))
    big_red = hist(_photo((200, 20, 20), (4, 4, 60, 60)))
    blue = hist(_photo((20, 20, 200), (4, 4, 60, 60)))
    white_on_white = hist(torch.ones(1, 3, 64, 64))
    cos = torch.nn.functional.cosine_similarity
    # a small red product and a large one look alike in colour: the background barely counts
    assert cos(small_red, big_red).item() > 0.95
    assert cos(big_red, blue).item() < 0.5
    assert torch.isfinite(white_on_white).all() and white_on_white.sum() > 0


def test_colour_membership_is_the_documented_formula() -> None:
    # The graph computes the membership with fewer operators (a softmax ignores the |x|^2 its inputs share);
    # the values must be those of the formula.
    torch.manual_seed(0)
    hist = ColourHistogram(ProductConfig(colour="learned", colour_bins=16, colour_pool=4)).eval()
    rgb = torch.rand(3, 3, 64, 64)
    pixels = torch.flatten(torch.nn.functional.avg_pool2d(rgb, 4), 2).transpose(1, 2)
    c, s2 = hist.prototypes, torch.exp(hist.log_sigma) ** 2
    member = torch.softmax(-((pixels[:, :, None, :] - c[None, None]) ** 2).sum(3) / (2 * s2), dim=2)
    mask = torch.flatten(torch.sigmoid(hist.cfg.mask_sharpness * ((1 - torch.nn.functional.avg_pool2d(rgb, 4)
                                                                  .amin(1, keepdim=True)) - hist.cfg.mask_threshold))
                         + hist.cfg.background_weight, 2)
    expected = torch.sqrt((mask @ member).squeeze(1) / (mask.sum(2) + 1e-6) + 1e-6)
    assert torch.allclose(hist(rgb), expected, atol=1e-5)


def test_encoder_output_layout_is_the_fusion_contract() -> None:
    cfg = ProductConfig(shape_dim=16, colour_bins=8, colour_dim=8, colour_weight=0.3, widths=(8, 8, 8, 8))
    enc = ProductEncoder(cfg).eval()
    x = torch.rand(4, 3, 64, 64)
    e = enc(x).detach().numpy()
    s, c = (t.detach().numpy() for t in enc.segments(x))
    assert e.shape == (4, 24) and cfg.segments() == "shape:0:16,colour:16:24"
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert np.allclose(e, _stored(s, c, 0.3), atol=1e-6)


def test_augment_keeps_a_white_border_and_the_colours() -> None:
    x = _photo((200, 20, 20), (16, 16, 48, 48)).repeat(8, 1, 1, 1)
    y = augment(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    assert y[:, :, 0, 0].min() > 0.95  # corners stay studio-white after a shift or zoom out
    assert (y[:, 0] > y[:, 2] + 0.3).any()  # still red somewhere


def _write_idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 200-image Fashion-MNIST look-alike and a 120-photo shop folder (two shapes x three colours)."""
    from PIL import Image

    root = tmp_path_factory.mktemp("tiny")
    fm = root / "fmnist"
    fm.mkdir()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:28, :28]
    for prefix, n in (("train", 200), ("t10k", 60)):
        labels = rng.integers(0, 10, n)
        images = np.zeros((n, 28, 28), np.uint8)
        for i, label in enumerate(labels):
            images[i][(yy - 14) ** 2 + (xx - 14) ** 2 <= (3 + label) ** 2] = 200
        _write_idx(fm / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(fm / f"{prefix}-labels-idx1-ubyte.gz", labels)
    shop = root / "shop"
    (shop / "images").mkdir(parents=True)
    colours = {"Red": (200, 30, 30), "Blue": (30, 30, 200), "Green": (30, 160, 40)}
    rows = []
    for i in range(120):
        name = list(colours)[i % 3]
        kind = "Tshirts" if (i // 3) % 2 else "Shoes"
        img = Image.new("RGB", (60, 80), "white")
        box = (10, 10, 50, 70) if kind == "Tshirts" else (5, 50, 55, 70)
        img.paste(tuple(int(v + rng.integers(-20, 20)) for v in colours[name]), box)
        img.save(shop / "images" / f"{i}.jpg")
        rows.append({"file": f"images/{i}.jpg", "articleType": kind, "subCategory": kind, "baseColour": name})
    with open(shop / "labels.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return fm, shop


@pytest.fixture(scope="module")
def product_run(tmp_path_factory: pytest.TempPathFactory, tiny_data: tuple[Path, Path]) -> Path:
    """Two real epochs of multi-task training on the tiny data, with a small network."""
    fm, shop = tiny_data
    out = tmp_path_factory.mktemp("product-run")
    model = ProductConfig(widths=(8, 16, 16, 32), shape_dim=32, colour_bins=16, colour_dim=16, colour_pool=4,
                          colour_attention=True)
    cfg = ProductTrainConfig(model=model, fashion_mnist=str(fm), folder=str(shop), epochs=2, batch_size=16,
                             cache=str(out / "cache"), threads=2,
                             heads=("articleType", "subCategory", "baseColour", "fmnist", "joint"))
    summary = train(cfg, out, log=lambda s: None)
    assert summary["epochs_run"] == 2
    return out


def test_colour_weight_rules() -> None:
    from export.train_product import select_colour_weight

    raw = {"articleType": 0.4, "baseColour": 0.2}
    sweep = [{"w": w, "articleType": a, "baseColour": c, "objective": min(a / 0.4 / 1.2, c / 0.2 / 1.8)}
             for w, a, c in [(0.0, 0.60, 0.20), (0.3, 0.55, 0.37), (0.5, 0.50, 0.38), (0.7, 0.45, 0.40),
                             (1.0, 0.10, 0.41)]]
    assert select_colour_weight(sweep, raw, "shape-first") == 0.3  # best shape among w meeting both targets
    assert select_colour_weight(sweep, raw, "balanced") == 0.5
    infeasible = [dict(s, baseColour=0.3) for s in sweep]
    assert 0.0 < select_colour_weight(infeasible, raw, "shape-first") < 1.0  # never 0 or 1: both segments stay


def test_training_uses_only_the_training_part_and_writes_its_summary(product_run: Path, tiny_data) -> None:
    from export.data import holdout, list_images

    _, shop = tiny_data
    summary = json.loads((product_run / "train.json").read_text())
    files = list_images(shop)
    trained = [f for f in files if not holdout(f)]
    assert f"({len([f for f in trained if not validation(f)])} train + {len([f for f in trained if validation(f)])} " \
           "validation" in summary["sources"][0]
    assert summary["kind"] == "product" and summary["best_epoch"] in (1, 2)
    assert 0.0 < summary["config"]["model"]["colour_weight"] < 1.0
    assert set(summary["classes"]) == {"articleType", "subCategory", "baseColour", "fmnist", "joint"}
    assert "Shoes|Red" in summary["classes"]["joint"]
    assert (product_run / "best.pt").exists()


def test_product_onnx_export_parity_metadata_and_fusion(product_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "product.onnx"
    meta = export_encoder(product_run, out, "test-product", "0.1")
    assert parity(product_run, out, batch=8) < 1e-4
    enc = Encoder(out)
    assert enc.info.metric == "cosine" and enc.dim == 48
    assert enc.preprocess == Preprocess(colour_mode="RGB")
    for key in ("input_size", "input_channels", "colour_mode", "embedding_size", "distance", "distance_scale",
                "model_name", "model_version", "training_data", "epochs", "final_val_loss", "parameter_count",
                "export_date", "segments", "default_colour_weight"):
        assert enc.info.metadata[key] == meta[key], key
    assert meta["segments"] == "shape:0:32,colour:32:48"
    assert 0 < float(meta["distance_scale"]) <= 2.0  # unit vectors: distances lie in 0..2
    seg = segments_from_metadata(enc.info.metadata)
    assert seg is not None
    x = np.random.default_rng(0).random((6, 3, 64, 64), dtype=np.float32)
    e = enc.encode(x)
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    # re-weighting the stored vectors at their own weight gives back plain Euclidean distances
    assert np.allclose(fused_distances(e[0], e, seg, seg.default_weight), np.linalg.norm(e - e[0], axis=1),
                       atol=1e-5)
    model = onnx.load(str(out))
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"


def test_evaluate_and_speed_take_the_product_model(product_run: Path, tiny_data, tmp_path: Path) -> None:
    _, shop = tiny_data
    out = tmp_path / "product.onnx"
    export_encoder(product_run, out, "test-product", "0.1")
    results = evaluate_mod.evaluate(str(shop), [out], part="all", log=lambda s: None)
    assert [m["name"] for m in results["methods"]] == [evaluate_mod.RAW, "test-product 0.1"]
    assert results["methods"][1]["metric"] == "cosine"
    speed = measure([out, out], batch=4, rounds=1)
    assert speed[0]["ratio_to_first"] == 1.0 and speed[1]["images_per_second"] > 0


def test_widths_option_needs_one_extra_conv_count_per_stage(capsys) -> None:
    from export.train_product import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--widths", "16,32,64", "--extra-convs", "0,0,1,0", "--epochs", "0"])
    assert exit_info.value.code == 2
    assert "--widths has 3 stages and --extra-convs 4" in capsys.readouterr().err
