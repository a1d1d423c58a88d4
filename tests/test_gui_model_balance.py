"""The Model menu (shipped models by display name, remembered, one index per model) and the Shape … Colour slider."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from autosimnet_desktop.core.search.fusion import Segments
from autosimnet_desktop.core.model.encoder import Encoder
from autosimnet_desktop.core.model.shipped import shipped_models
from autosimnet_desktop.gui.app import catalogue_factory
from autosimnet_desktop.gui.runtime.settings import Settings
from autosimnet_desktop.gui.search.sources import QuerySource
from autosimnet_desktop.locations import DEFAULT_MODEL, resolve_model, sample_catalogue

from .gui_support import FakeCatalogue, build_window, make_catalogue, open_and_index, result_rows


class FusedFake(FakeCatalogue):
    """A fake catalogue of a fused model: it records the colour weight of each search."""

    segments = Segments(slice(0, 32), slice(32, 64), 0.45)
    weights: list[float | None]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.weights = []

    def query_products(self, image: Any, k: int = 10, colour_weight: float | None = None) -> list[Any]:
        self.weights.append(colour_weight)
        return super().query_products(image, k)

    def similar_products(self, product: str, k: int = 10, colour_weight: float | None = None) -> list[Any]:
        self.weights.append(colour_weight)
        return super().similar_products(product, k)


def test_the_balance_slider_is_hidden_for_a_model_without_a_colour_part(qtbot, tmp_path: Path) -> None:
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, make_catalogue(tmp_path / "shop"))
    panel = window.page.panel
    assert not panel.options.isRowVisible(panel.balance_row) and panel.colour_weight is None


def test_moving_the_slider_searches_again_with_the_new_balance_and_remembers_it(qtbot, tmp_path: Path) -> None:
    made: list[FusedFake] = []
    window = build_window(qtbot, tmp_path, factory=lambda folder: made.append(FusedFake(folder)) or made[-1])
    folder = make_catalogue(tmp_path / "shop")
    open_and_index(qtbot, window, folder)
    panel, catalogue = window.page.panel, made[0]
    assert panel.options.isRowVisible(panel.balance_row)
    assert panel.balance_slider.value() == 45 and panel.colour_weight == 0.45  # the model's own balance
    window.query(QuerySource.item("boxes/item-000.png", "boxes/item-000.png"))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    assert catalogue.weights == [0.45]
    for value in (50, 60, 70, 80):  # a drag: searches are throttled, the last position always searched
        panel.balance_slider.setValue(value)
    qtbot.waitUntil(lambda: catalogue.weights[-1] == 0.8, timeout=3000)  # the throttle's search has run
    qtbot.waitUntil(lambda: not window.runner.busy)  # and every search started before it has delivered
    assert catalogue.weights == [0.45, 0.8]
    assert window.settings.colour_weight == 0.8
    window.query(QuerySource.file(folder / "round" / "item-001.png"))
    qtbot.waitUntil(lambda: len(catalogue.weights) >= 3 and catalogue.weights[-1] == 0.8)
    again = build_window(qtbot, tmp_path, factory=FusedFake, settings=window.settings)
    open_and_index(qtbot, again, folder)
    assert again.page.panel.balance_slider.value() == 80


def test_the_model_menu_lists_the_shipped_models_by_name_and_remembers_the_choice(qtbot, tmp_path: Path) -> None:
    asked: list[str | None] = []
    window = build_window(qtbot, tmp_path, factory=lambda f: asked.append(window.current_model()) or FakeCatalogue(f))
    models = shipped_models()
    assert [m.file for m in models] == [DEFAULT_MODEL, "autosimnet-fast.onnx", "autosimnet-paper.onnx"]
    assert all(m.fused and m.dim <= 256 for m in models[:2]) and not models[2].fused and models[2].dim == 2048
    window.actions_.model_menu.aboutToShow.emit()
    entries = lambda: [a.text() for a in window.actions_.model_group.actions()]
    qtbot.waitUntil(lambda: len(entries()) == 3, timeout=10_000)
    # The display name in the model's metadata, without sizes or versions.
    assert entries() == ["Best match (default)", "Fast", "Paper (AutoSimNet DAE)"]
    assert [a.isChecked() for a in window.actions_.model_group.actions()] == [True, False, False]

    open_and_index(qtbot, window, make_catalogue(tmp_path / "shop"))
    first = window.session
    window.actions_.model_group.actions()[2].trigger()
    qtbot.waitUntil(lambda: window.session is not None and window.session is not first and window.session.is_open,
                    timeout=10_000)
    assert first.catalogue is None  # the old catalogue was closed before the new one opened
    assert asked == [None, "autosimnet-paper.onnx"]
    assert window.settings.model == "autosimnet-paper.onnx"
    reread = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert reread.model == "autosimnet-paper.onnx"
    window.choose_model(DEFAULT_MODEL)
    assert window.settings.model == "" and window.current_model() is None


def test_switching_models_on_the_real_engine_keeps_each_index_and_searches_again(qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "sample"
    for name in ("bag", "sneaker"):
        shutil.copytree(sample_catalogue() / name, folder / name)
    window = build_window(qtbot, tmp_path, factory=catalogue_factory(lambda: window.current_model(), None))
    open_and_index(qtbot, window, folder, timeout=60_000)
    segments = Encoder(resolve_model(None)).info.card.segments
    assert segments is not None
    default_weight = segments.default_weight
    assert window.page.panel.colour_weight == default_weight
    query = next((folder / "bag").iterdir())
    window.query(QuerySource.file(query))
    qtbot.waitUntil(lambda: result_rows(window) == 20, timeout=10_000)

    window.set_models(shipped_models())
    window.choose_model("autosimnet-paper.onnx")
    qtbot.waitUntil(lambda: "re-indexing" in window.messages.text, timeout=20_000)
    assert window.messages.text.startswith("Model changed to autosimnet-paper-dae 1.1: re-indexing all 60 photos")
    qtbot.waitUntil(lambda: window.messages.text.startswith("Re-indexed 60 photos with autosimnet-paper-dae 1.1"),
                    timeout=60_000)
    assert window.page.panel.colour_weight is None  # the paper's model has no colour part
    qtbot.waitUntil(lambda: result_rows(window) == 20, timeout=10_000)
    assert window.page.model.hit(0).path == f"bag/{query.name}"  # the search was run again on the new index
    assert [a.isChecked() for a in window.actions_.model_group.actions()] == [False, False, True]
    paper_dir = window.session.catalogue.data_dir

    window.choose_model(DEFAULT_MODEL)  # back: the default model's own index is still there, nothing re-indexed
    qtbot.waitUntil(lambda: window.session is not None and window.session.is_open
                    and window.page.panel.colour_weight == default_weight, timeout=20_000)
    assert window.session.catalogue.data_dir != paper_dir and window.session.catalogue.model_change() is None
    qtbot.waitUntil(lambda: result_rows(window) == 20, timeout=10_000)
    assert window.page.model.hit(0).path == f"bag/{query.name}"
    assert "re-indexing" not in window.messages.text


def test_a_remembered_model_that_is_no_longer_shipped_falls_back_to_the_default(qtbot, tmp_path: Path) -> None:
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    settings.model = "autosimnet-gone.onnx"  # e.g. a model an older version shipped
    window = build_window(qtbot, tmp_path, settings=settings)
    assert window.current_model() is None  # the default model, instead of failing to open every catalogue
    settings.model = "autosimnet-product.onnx"  # the default before issue 17: its successor opens
    again = build_window(qtbot, tmp_path, settings=settings)
    assert again.current_model() == "autosimnet-product.onnx" and resolve_model(again.current_model()).is_file()
