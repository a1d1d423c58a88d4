"""export.graph_rewrite: a strided single-channel convolution rewritten over SpaceToDepth computes the same."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="export.graph_rewrite needs the onnx package (test and train extras)")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper

from export.graph_rewrite import space_to_depth_strided_convs


def conv_model(channels: int, size: int, stride: int = 2, bias: bool = True) -> onnx.ModelProto:
    """image (N x channels x size x size) -> 3x3 convolution with 8 outputs, padding 1 -> ReLU -> out."""
    rng = np.random.default_rng(channels * 100 + size)
    inits = [numpy_helper.from_array(rng.normal(size=(8, channels, 3, 3)).astype(np.float32), "w")]
    inputs = ["image", "w"]
    if bias:
        inits.append(numpy_helper.from_array(rng.normal(size=8).astype(np.float32), "b"))
        inputs.append("b")
    nodes = [helper.make_node("Conv", inputs, ["c"], kernel_shape=[3, 3], strides=[stride, stride], pads=[1, 1, 1, 1],
                              name="conv"),
             helper.make_node("Relu", ["c"], ["out"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                                                         ["N", channels, size, size])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", 8, None, None])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"image": x})[0]


@pytest.mark.parametrize("size,bias", [(64, True), (16, False), (2, True)])
def test_single_channel_strided_conv_is_rewritten_and_computes_the_same(size: int, bias: bool) -> None:
    model = conv_model(1, size, bias=bias)
    x = np.random.default_rng(size).random((3, 1, size, size), dtype=np.float32)
    expected = run(model, x)
    assert space_to_depth_strided_convs(model) == 1
    onnx.checker.check_model(model)
    assert [n.op_type for n in model.graph.node] == ["SpaceToDepth", "Conv", "Relu"]
    assert [init.name for init in model.graph.initializer if init.name == "w"] == []  # the 3x3 weights are gone
    got = run(model, x)
    assert got.shape == expected.shape == (3, 8, size // 2, size // 2)
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("channels,size,stride", [(3, 64, 2), (1, 63, 2), (1, 64, 1)])
def test_other_convolutions_are_left_alone(channels: int, size: int, stride: int) -> None:
    model = conv_model(channels, size, stride)
    before = model.SerializeToString()
    assert space_to_depth_strided_convs(model) == 0
    assert model.SerializeToString() == before
