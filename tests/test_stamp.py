"""export.stamp: metadata keys change, the graph and weights do not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx", reason="export.stamp needs the onnx package (test and train extras)")

from autosimnet_desktop.core.model.encoder import Encoder
from export import stamp as stamp_mod

from .conftest import PAPER_MODEL


def test_stamp_sets_a_key_and_keeps_the_graph(tmp_path: Path) -> None:
    model = tmp_path / "m.onnx"
    shutil.copy(PAPER_MODEL, model)
    before = onnx.load(str(model))
    assert stamp_mod.main([str(model), "--set", "display_name=My model", "--set", "weights_source=a=b"]) == 0
    after = onnx.load(str(model))
    assert after.graph.SerializeToString() == before.graph.SerializeToString()
    meta = {p.key: p.value for p in after.metadata_props}
    assert meta["display_name"] == "My model" and meta["weights_source"] == "a=b"
    assert {k: v for k, v in meta.items() if k not in ("display_name", "weights_source")} == \
        {p.key: p.value for p in before.metadata_props if p.key not in ("display_name", "weights_source")}
    assert Encoder(model).info.metadata["display_name"] == "My model"


def test_stamp_refuses_bad_arguments(tmp_path: Path) -> None:
    for argv in ([str(tmp_path / "missing.onnx"), "--set", "a=b"], [str(PAPER_MODEL), "--set", "no-equals"],
                 [str(PAPER_MODEL), "--set", "not_a_card_key=x"]):
        with pytest.raises(SystemExit) as exc:
            stamp_mod.main(argv)
        assert exc.value.code == 2
