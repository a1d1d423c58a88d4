"""The core-GUI boundary: the real Catalogue and the GUI tests' fake both offer exactly what CatalogueAPI promises."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Callable

import pytest

from autosimnet_desktop.core.catalogue.catalogue import Catalogue
from autosimnet_desktop.core.catalogue.factory import open_catalogue
from autosimnet_desktop.core.catalogue.protocol import CatalogueAPI

from .conftest import PAPER_MODEL
from .gui_support import FakeCatalogue, make_catalogue

IMPLEMENTATIONS = [Catalogue, FakeCatalogue]


def members() -> tuple[list[str], list[str]]:
    """(methods, properties) the Protocol declares."""
    public = {name: value for name, value in vars(CatalogueAPI).items() if not name.startswith("_")}
    methods = sorted(name for name, value in public.items() if inspect.isfunction(value))
    properties = sorted(name for name, value in public.items() if isinstance(value, property))
    return methods, properties


def parameters(function: Callable[..., object]) -> list[tuple[str, object, object]]:
    """(name, kind, default) of each parameter: what a caller relies on."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_protocol_declares_the_whole_boundary() -> None:
    methods, properties = members()
    assert {"index", "query", "similar_to", "related", "duplicates", "count", "model_change", "failures", "info",
            "close"} <= set(methods)
    assert properties == ["folder", "model", "segments"]


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("method", members()[0])
def test_each_method_takes_the_protocols_parameters(implementation: type, method: str) -> None:
    promised = parameters(getattr(CatalogueAPI, method))
    offered = parameters(getattr(implementation, method))
    assert offered == promised, f"{implementation.__name__}.{method} differs from CatalogueAPI.{method}"


def test_both_have_the_protocols_properties(tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 2)
    real = open_catalogue(folder, PAPER_MODEL, data_dir=tmp_path / "data")
    try:
        for catalogue in (real, FakeCatalogue(folder)):
            assert isinstance(catalogue, CatalogueAPI)  # every member is there
            assert catalogue.folder == folder.resolve() or catalogue.folder == folder
            assert catalogue.model.path.name.endswith(".onnx")
            assert catalogue.segments is None  # neither model has a colour part
            assert catalogue.model_change() is None
    finally:
        real.close()
