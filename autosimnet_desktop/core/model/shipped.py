"""The shipped ONNX models, described by their own metadata (for the GUI's Model menu); Qt-free."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from autosimnet_desktop.locations import DEFAULT_MODEL, models_dir
from autosimnet_desktop.core.model.card import ModelCard
from autosimnet_desktop.core.model.runtime import onnxruntime


@dataclass(frozen=True)
class ShippedModel:
    """One model file in resources/models and what its metadata says about it."""

    file: str  # e.g. "autosimnet-best.onnx": what --model and the settings store
    name: str  # metadata model_name
    version: str
    dim: int
    colour: bool  # input in colour
    fused: bool  # separate shape and colour parts: the colour <-> shape balance applies
    default: bool
    display_name: str = ""  # what a shop owner sees ("Best match"); the name when the model has none

    @property
    def label(self) -> str:
        """A technical description, e.g. "autosimnet-best 2.0: shape and colour, 256 values"."""
        kind = "shape and colour" if self.fused else ("colour" if self.colour else "shape only, greyscale")
        return f"{self.name} {self.version}".strip() + f": {kind}, {self.dim:,} values"


def _describe(path: Path) -> ShippedModel:
    ort = onnxruntime()

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    size = session.get_outputs()[0].shape[-1]
    card = ModelCard.read(dict(session.get_modelmeta().custom_metadata_map), path.stem,
                          size if isinstance(size, int) else None)
    return ShippedModel(path.name, card.name, card.version, card.embedding_size, card.preprocess.colour_mode != "L",
                        card.segments is not None, path.name == DEFAULT_MODEL, card.display_name)


@cache
def shipped_models() -> tuple[ShippedModel, ...]:
    """The shipped models, the default first.

    Reads each file's metadata once per process; slow-ish, so not on a UI thread."""
    found = []
    for path in sorted(models_dir().glob("*.onnx")):
        try:
            found.append(_describe(path))
        except Exception:  # a damaged file is left out of the menu, not fatal
            continue
    return tuple(sorted(found, key=lambda m: (not m.default, m.file)))
