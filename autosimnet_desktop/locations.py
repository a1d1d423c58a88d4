"""Where shipped resources live: the installed package, a source checkout or a frozen app."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

DEFAULT_MODEL = "autosimnet-best.onnx"  # "Best match": fused shape+colour; "Fast" and the paper DAE stay selectable
# Shipped names that were retired, and the shipped model that took each one's place (scripts keep working).
RENAMED = {"autosimnet-product": "autosimnet-fast"}


def frozen_bundle() -> Path | None:
    """The folder a frozen (PyInstaller) app unpacked its files into; None when running from Python."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))


@cache
def resource_root() -> Path:
    """The folder holding models/, icons/ and sample-catalogue/."""
    bundle = frozen_bundle()
    if bundle is not None:
        return bundle / "autosimnet_desktop" / "resources"
    packaged = Path(__file__).resolve().parent / "resources"
    if packaged.is_dir():  # a wheel install: resources/ is force-included into the package
        return packaged
    return Path(__file__).resolve().parent.parent / "resources"  # a source checkout


def resource_path(*parts: str) -> Path:
    """Path of a shipped resource, e.g. resource_path("models", "autosimnet-paper.onnx")."""
    return resource_root().joinpath(*parts)


def models_dir() -> Path:
    """Folder of the shipped ONNX models."""
    return resource_path("models")


def resolve_model(name_or_path: str | None) -> Path:
    """A model given by shipped name (with or without .onnx) or by path; None means the default."""
    if not name_or_path:
        return models_dir() / DEFAULT_MODEL
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix == ".onnx" and candidate.exists():
        return candidate
    stem = name_or_path.removesuffix(".onnx")
    for name in (stem, RENAMED.get(stem)):
        shipped = models_dir() / f"{name}.onnx"
        if name and shipped.exists():
            return shipped
    return candidate


def sample_catalogue() -> Path:
    """The bundled sample catalogue folder."""
    return resource_path("sample-catalogue")
