"""Issue 19, point 9: words and keys for shop owners (Model menu, About, shortcuts, Enter, the balance slider)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from autosimnet_desktop.core.model.shipped import ShippedModel
from autosimnet_desktop.gui.dialogs.about import AboutDialog
from autosimnet_desktop.gui.search.sources import QuerySource

from .gui_support import build_window, make_catalogue, open_and_index, result_rows
from .test_gui_model_balance import FusedFake


def test_the_model_menu_names_models_as_people_do(qtbot, tmp_path: Path) -> None:
    window = build_window(qtbot, tmp_path)
    window.set_models([
        ShippedModel("autosimnet-product.onnx", "autosimnet-product", "1.2", 256, True, True, True, "Best match"),
        ShippedModel("autosimnet-paper.onnx", "autosimnet-paper-dae", "1.1", 2048, False, False, False),
    ])
    texts = [a.text() for a in window.actions_.model_group.actions()]
    assert texts == ["Best match (default)", "autosimnet-paper-dae"]  # no display name: the model's name
    tips = " ".join(a.toolTip() for a in window.actions_.model_group.actions())
    assert not any(word in " ".join(texts) + tips for word in ("values", "greyscale", "2,048", "256"))


def test_about_keeps_training_figures_behind_technical_details(qtbot, tmp_path: Path) -> None:
    window = build_window(qtbot, tmp_path)
    open_and_index(qtbot, window, make_catalogue(tmp_path / "shop", 2))
    model = window.session.catalogue.model
    model.metadata.update({"final_val_loss": "0.0123", "architecture": "conv-dae"})
    window.actions_.about.trigger()
    dialog = window.findChildren(AboutDialog)[0]
    qtbot.waitExposed(dialog)
    assert not dialog.details.isVisible() and "fake-dae" in dialog.summary.text()
    shown = " ".join(label.text() for label in dialog.findChildren(type(dialog.summary)) if label.isVisible())
    assert "0.0123" not in shown and "conv-dae" not in shown
    long_path = "/a/very/long/folder/" + "x" * 300 + "/model.onnx"
    dialog._file = long_path
    dialog.resize(560, dialog.height() + 1)  # the File row is elided to the dialog's width, never cut off
    qtbot.waitUntil(lambda: "…" in dialog.file_label.text())
    metrics = dialog.file_label.fontMetrics()
    assert metrics.horizontalAdvance(dialog.file_label.text()) <= dialog.file_label.width()
    assert dialog.file_label.text().endswith("model.onnx")
    dialog.details_button.click()
    assert dialog.details.isVisible() and "0.0123" in dialog.details.toPlainText()
    dialog.close()


def test_enter_finds_similar_and_ctrl_enter_opens(qtbot, tmp_path: Path) -> None:
    folder = make_catalogue(tmp_path / "shop", 6)
    window = build_window(qtbot, tmp_path)
    window.show()
    qtbot.waitExposed(window)
    open_and_index(qtbot, window, folder)
    window.query(QuerySource.file(folder / "boxes" / "item-000.png"))
    qtbot.waitUntil(lambda: result_rows(window) > 0)
    assert window.actions_.show_in_folder.shortcut().toString() == "Ctrl+Alt+R"
    view = window.page.view
    view.setFocus()
    view.setCurrentIndex(window.page.model.index(1))
    chosen = window.page.model.hit(1).path
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.services.desktop.opened == [folder / chosen]
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.page.title.text() == f"Products similar to {Path(chosen).name}")
    assert window.services.desktop.opened == [folder / chosen]  # Enter searched; it opened nothing


def test_the_balance_shows_its_value_and_resets_to_the_models_own(qtbot, tmp_path: Path) -> None:
    window = build_window(qtbot, tmp_path, factory=FusedFake)
    open_and_index(qtbot, window, make_catalogue(tmp_path / "shop", 4))
    panel = window.page.panel
    assert panel.options.isRowVisible(panel.balance_row)
    assert panel.balance_value.text() == "45% colour (the model's balance)" and not panel.balance_reset.isEnabled()
    panel.balance_slider.setValue(80)
    assert panel.balance_value.text() == "80% colour" and panel.balance_reset.isEnabled()
    panel.balance_reset.click()
    assert panel.balance_slider.value() == 45 and window.settings.colour_weight == 0.45
