"""The training helper: Table I architecture, a real short training run, ONNX export, evaluation."""

from __future__ import annotations

import csv
import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the training helper needs the 'train' extra (torch)")
onnx = pytest.importorskip("onnx", reason="the training helper needs the 'train' extra (onnx)")

from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.images.decode import Preprocess
from export import evaluate as evaluate_mod
from export.data import fashion_mnist, photo_folder, read_idx
from export.metrics import label_scores, nearest_neighbours
from export.model import Encoder as TorchEncoder
from export.model import PaperDAE, parameter_counts
from export.to_onnx import export_encoder, parity
from export.train import TrainConfig, train

# Table I as decoded in shared/paper/table-1-decoded.md: (layer type, output C, H, W) after each layer.
TABLE_I = [
    ("Conv2d", (32, 64, 64)), ("LeakyReLU", (32, 64, 64)), ("MaxPool2d", (32, 32, 32)), ("BatchNorm2d", (32, 32, 32)),
    ("Conv2d", (32, 32, 32)), ("LeakyReLU", (32, 32, 32)), ("MaxPool2d", (32, 16, 16)), ("BatchNorm2d", (32, 16, 16)),
    ("Conv2d", (32, 16, 16)), ("LeakyReLU", (32, 16, 16)), ("MaxPool2d", (32, 8, 8)),
    ("ConvTranspose2d", (32, 16, 16)), ("LeakyReLU", (32, 16, 16)),
    ("ConvTranspose2d", (32, 32, 32)), ("LeakyReLU", (32, 32, 32)),
    ("ConvTranspose2d", (32, 64, 64)), ("LeakyReLU", (32, 64, 64)),
    ("Conv2d", (1, 64, 64)), ("Sigmoid", (1, 64, 64)),
]


def test_parameter_counts_match_the_paper() -> None:
    assert parameter_counts(PaperDAE()) == (47_105, 46_977, 128)


def test_output_shapes_layer_by_layer() -> None:
    model = PaperDAE().eval()
    x = torch.rand(3, 1, 64, 64)
    seen = []
    for layer in [*model.encoder, *model.decoder]:
        x = layer(x)
        seen.append((type(layer).__name__, tuple(x.shape[1:])))
    assert seen == TABLE_I
    assert TorchEncoder(model)(torch.rand(2, 1, 64, 64)).shape == (2, 2048)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a gzipped unsigned-byte idx file, the Fashion-MNIST format."""
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def tiny_fashion_mnist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-image Fashion-MNIST look-alike in idx files: bright blobs whose size depends on the class."""
    root = tmp_path_factory.mktemp("fmnist")
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 300), ("t10k", 100)):
        labels = rng.integers(0, 10, n)
        yy, xx = np.mgrid[:28, :28]
        images = np.zeros((n, 28, 28), np.uint8)
        for i, label in enumerate(labels):
            radius = 3 + label
            images[i][(yy - 14) ** 2 + (xx - 14) ** 2 <= radius**2] = 200 + rng.integers(0, 55)
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return root


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory: pytest.TempPathFactory, tiny_fashion_mnist: Path) -> Path:
    """One real epoch of DAE training on 300 images."""
    out = tmp_path_factory.mktemp("run")
    cfg = TrainConfig(fashion_mnist=str(tiny_fashion_mnist), epochs=1, batch_size=32, threads=2)
    summary = train(cfg, out, log=lambda s: None)
    assert summary["epochs_run"] == 1
    return out


def test_idx_reader_round_trip(tiny_fashion_mnist: Path) -> None:
    images = read_idx(tiny_fashion_mnist / "train-images-idx3-ubyte.gz")
    assert images.shape == (300, 28, 28) and images.dtype == np.uint8
    ds = fashion_mnist(tiny_fashion_mnist, "train", Preprocess(), limit=10)
    assert ds.images.shape == (10, 1, 64, 64)
    # shown as a catalogue photo: white background, dark product
    assert ds.images[0, 0, 0, 0] == pytest.approx(1.0) and ds.images[0, 0, 32, 32] < 0.3


def test_one_epoch_trains_and_writes_its_outputs(trained_run: Path) -> None:
    summary = json.loads((trained_run / "train.json").read_text())
    assert summary["parameters"] == {"total": 47_105, "trainable": 46_977, "non_trainable": 128}
    assert summary["train_images"] == 270 and summary["val_images"] == 30
    loss = summary["history"][0]["val_loss"]
    assert 0 < loss < 0.25  # MSE of a sigmoid output against [0,1] targets
    assert (trained_run / "best.pt").stat().st_size > 100_000
    assert (trained_run / "learning-curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_onnx_export_matches_torch_and_carries_metadata(trained_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "enc.onnx"
    meta = export_encoder(trained_run, out, "test-dae", "0.1")
    assert parity(trained_run, out, batch=8) < 1e-4
    enc = Encoder(out)
    assert enc.dim == 2048 and enc.info.metric == "l2"
    assert enc.preprocess == Preprocess()  # preprocessing read back from metadata_props
    assert enc.info.name == "test-dae" and enc.info.version == "0.1"
    for key in ("input_size", "input_channels", "colour_mode", "resize", "normalisation", "embedding_size",
                "distance", "model_name", "model_version", "training_data", "epochs", "final_val_loss",
                "parameter_count", "export_date", "distance_scale"):
        assert enc.info.metadata[key] == meta[key]
    assert float(meta["distance_scale"]) > 0
    assert enc.encode(np.random.rand(5, 1, 64, 64).astype(np.float32)).shape == (5, 2048)
    model = onnx.load(str(out))
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"  # dynamic batch axis
    assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer)


def test_metrics_on_a_hand_checked_example() -> None:
    # four points on a line: 0, 1, 10, 11; labels a, a, b, a
    vectors = np.array([[0.0], [1.0], [10.0], [11.0]])
    nn = nearest_neighbours(vectors, 3)
    assert nn.tolist() == [[1, 2, 3], [0, 2, 3], [3, 1, 0], [2, 1, 0]]
    s = label_scores(nn, ["a", "a", "b", "a"])
    assert s.p_at_1 == pytest.approx(2 / 4)  # 0->1 yes, 1->0 yes, 2(b)->3(a) no, 3(a)->2(b) no
    assert s.knn5_accuracy == pytest.approx(3 / 4)  # only the lone 'b' is outvoted
    # P@10 over the 3 available ranks: rows have 2, 2, 0, 2 relevant of 3
    assert s.p_at_10 == pytest.approx((2 + 2 + 0 + 2) / 12)
    # AP: row0 ranks rel [1,0,1] -> (1 + 2/3)/2; row1 same; row2 0; row3 [0,1,1] -> (1/2 + 2/3)/2
    assert s.map_at_10 == pytest.approx(((1 + 2 / 3) / 2 * 2 + (1 / 2 + 2 / 3) / 2) / 4)


def test_evaluate_folder_against_raw_pixels(trained_run: Path, tmp_path: Path) -> None:
    from PIL import Image

    folder = tmp_path / "shop"
    (folder / "images").mkdir(parents=True)
    rng = np.random.default_rng(1)
    rows = []
    for i in range(40):
        colour = ("Red", (200, 30, 30)) if i % 2 else ("Blue", (30, 30, 200))
        kind = "Tshirts" if i % 4 < 2 else "Shoes"
        img = Image.new("RGB", (60, 80), "white")
        box = (10, 10, 50, 70) if kind == "Tshirts" else (5, 50, 55, 70)
        img.paste(tuple(int(c + rng.integers(-20, 20)) for c in colour[1]), box)
        img.save(folder / "images" / f"{i}.jpg")
        rows.append({"file": f"images/{i}.jpg", "articleType": kind, "subCategory": kind, "baseColour": colour[0]})
    with open(folder / "labels.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    model = tmp_path / "enc.onnx"
    export_encoder(trained_run, model, "test-dae", "0.1")
    results = evaluate_mod.evaluate(str(folder), [model], part="all", log=lambda s: None)
    names = [m["name"] for m in results["methods"]]
    assert names == [evaluate_mod.RAW, "test-dae 0.1"]
    raw = results["methods"][0]["scores"]
    assert set(raw) == {"articleType", "subCategory", "baseColour"}
    assert raw["articleType"]["p_at_1"] == pytest.approx(1.0)  # the two shapes are far apart in pixels
    table = evaluate_mod.markdown(results)
    assert "| test-dae 0.1 | 2048 | articleType |" in table
    assert len(photo_folder(folder, Preprocess(), "holdout").images) < 40
