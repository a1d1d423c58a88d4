"""The shipped ONNX models, described by their own metadata (for the GUI's Model menu); Qt-free."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..locations import DEFAULT_MODEL, models_dir
from .fusion import segments_from_metadata


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
    display_name: str = ""  # metadata display_name: what a shop owner reads, e.g. "Best match"

    @property
    def label(self) -> str:
        """The menu text: the display name ('Best match'), else e.g. 'my-model 1.0: shape and colour, 256 values'."""
        if self.display_name:
            return self.display_name
        kind = "shape and colour" if self.fused else ("colour" if self.colour else "shape only, greyscale")
        return f"{self.name} {self.version}".strip() + f": {kind}, {self.dim:,} values"


def _describe(path: Path) -> ShippedModel:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    meta = dict(session.get_modelmeta().custom_metadata_map)
    try:
        fused = segments_from_metadata(meta) is not None
    except ValueError:
        fused = False
    dim = int(meta.get("embedding_size") or session.get_outputs()[0].shape[-1])
    return ShippedModel(path.name, meta.get("model_name", path.stem), meta.get("model_version", ""), dim,
                        meta.get("colour_mode", "L") != "L", fused, path.name == DEFAULT_MODEL,
                        meta.get("display_name", "").strip())


@cache
def shipped_models() -> tuple[ShippedModel, ...]:
    """The shipped models, the default first.

    Reads each file's metadata once per process; slow-ish, so not on a UI thread."""
    found = []
    for path in sorted(models_dir().glob("*.onnx")):
        try:
            found.append(_describe(path))
        except Exception:  # noqa: BLE001 - a damaged file is left out of the menu, not fatal
            continue
    return tuple(sorted(found, key=lambda m: (not m.default, m.file)))
