"""export.quantize: an int8 encoder that keeps the float model's contract and follows its embeddings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="export.quantize needs the onnx package (test and train extras)")

from autosimnet_desktop.core.model.encoder import Encoder, file_sha256
from export import quantize as quantize_mod

from .conftest import PAPER_MODEL, PRODUCT_MODEL
from .core_helpers import make_catalogue


def test_quantized_model_keeps_the_contract_and_follows_the_float_model(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    make_catalogue(folder, 120)
    out = tmp_path / "int8.onnx"
    code = quantize_mod.main(["--model", str(PAPER_MODEL), "--folder", str(folder), "--per-source", "64",
                              "--version", "7.7", "--out", str(out), "--json", str(tmp_path / "agreement.json")])
    assert code == 0
    float_meta = {p.key: p.value for p in onnx.load(str(PAPER_MODEL)).metadata_props}
    model = onnx.load(str(out))
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["model_version"] == "7.7"
    assert {k: v for k, v in meta.items() if k not in ("model_version", "quantization")} == \
        {k: v for k, v in float_meta.items() if k != "model_version"}
    assert file_sha256(PAPER_MODEL) in meta["quantization"] and "int8" in meta["quantization"]
    ops = {node.op_type for node in model.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear", "Conv"} <= ops
    weights = [init for init in model.graph.initializer if init.data_type == onnx.TensorProto.INT8]
    assert weights, "the convolution weights are stored as int8"

    images = np.stack([np.random.default_rng(i).random((1, 64, 64), dtype=np.float32) for i in range(8)])
    a, b = Encoder(PAPER_MODEL).encode(images), Encoder(out).encode(images)
    cosine = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert cosine.min() > 0.95
    assert out.stat().st_size < PAPER_MODEL.stat().st_size


def test_quantize_refuses_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--model", str(tmp_path / "missing.onnx"), "--folder", str(tmp_path), "--out", "x.onnx"],
                 ["--model", str(PAPER_MODEL), "--out", "x.onnx"]):
        with pytest.raises(SystemExit) as exc:
            quantize_mod.main(argv)
        assert exc.value.code == 2
    assert "model not found" in capsys.readouterr().err


def requantisations(model: "onnx.ModelProto") -> list[str]:
    """QuantizeLinear nodes that quantise again what a DequantizeLinear has just dequantised (directly or
    through a ReLU, which onnxruntime drops, leaving the dequantise-quantise pair)."""
    producer = {out: node for node in model.graph.node for out in node.output}

    def dequantised(name: str) -> bool:
        node = producer.get(name)
        return node is not None and (node.op_type == "DequantizeLinear"
                                     or (node.op_type in ("Relu", "Clip") and dequantised(node.input[0])))

    return [node.name for node in model.graph.node if node.op_type == "QuantizeLinear" and dequantised(node.input[0])]


def test_shipped_fast_model_rounds_each_activation_once() -> None:
    # Version 1.1 quantised each convolution's output to its own range and then, after dequantising it, to the
    # ReLU's: four extra passes over the activations and a second rounding. export.quantize folds the ReLU in.
    model = onnx.load(str(PRODUCT_MODEL))
    assert sum(node.op_type == "QuantizeLinear" for node in model.graph.node) >= 5  # it is quantised
    assert requantisations(model) == []
