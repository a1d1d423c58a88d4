"""The result grid's model: contents, best-first order, the similarity filter, batches, tooltips, drags."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt

from autosimnet_desktop.gui.search.result_item import ResultItem
from autosimnet_desktop.gui.search.results_model import CARD_ROLE, HIT_ROLE, PATH_ROLE, ResultsModel
from autosimnet_desktop.gui.runtime.tasks import TaskRunner, make_pool
from autosimnet_desktop.gui.runtime.thumbnails import ThumbnailCache, ThumbnailLoader

from .gui_support import make_image

def SearchHit(path: str, _distance: float, similarity: float) -> ResultItem:
    """A photo found as its own product (every photo its own product)."""
    return ResultItem(path, path, "", "", 1, similarity)


HITS = [SearchHit("b/two.png", 0.5, 0.6), SearchHit("a/one.png", 0.1, 0.95), SearchHit("c/three.png", 0.9, 0.2)]


def names(model: ResultsModel) -> list[str]:
    return [model.data(model.index(row)) for row in range(model.rowCount())]


def test_hits_are_shown_best_first_with_their_data(tmp_path: Path, qtbot) -> None:
    model = ResultsModel()
    model.set_results(tmp_path, HITS)
    assert names(model) == ["one.png", "two.png", "three.png"]
    first = model.index(0)
    assert model.data(first, HIT_ROLE) == HITS[1]
    assert model.data(first, PATH_ROLE) == tmp_path / "a" / "one.png"
    card = model.data(first, CARD_ROLE)
    assert (card.name, card.similarity, card.state) == ("one.png", 0.95, "loading")
    assert "a/one.png" in model.data(first, Qt.ItemDataRole.ToolTipRole)
    assert "95% similar" in model.data(first, Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(7)) is None


def test_the_minimum_similarity_hides_weak_hits(tmp_path: Path, qtbot) -> None:
    model = ResultsModel()
    model.set_results(tmp_path, HITS)
    model.set_min_similarity(0.5)
    assert names(model) == ["one.png", "two.png"]
    assert (model.total_hits, model.visible_hits) == (3, 2)
    model.set_min_similarity(0.0)
    assert model.rowCount() == 3


def test_a_long_list_is_handed_to_the_view_in_batches(tmp_path: Path, qtbot) -> None:
    model = ResultsModel()
    model.set_results(tmp_path, [SearchHit(f"{i:04d}.png", i, 1 - i / 1000) for i in range(150)])
    assert model.rowCount() == 60 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 150 and not model.canFetchMore(QModelIndex())


def test_results_drag_out_as_file_urls(tmp_path: Path, qtbot) -> None:
    model = ResultsModel()
    model.set_results(tmp_path, HITS)
    mime = model.mimeData([model.index(0), model.index(1)])
    assert [u.toLocalFile() for u in mime.urls()] == [str(tmp_path / "a/one.png"), str(tmp_path / "b/two.png")]
    assert model.flags(model.index(0)) & Qt.ItemFlag.ItemIsDragEnabled


def test_thumbnails_arrive_as_data_changes_with_size_in_the_tooltip(tmp_path: Path, qtbot) -> None:
    make_image(tmp_path / "a" / "one.png", 20, size=(120, 90))
    runner = TaskRunner(make_pool())
    model = ResultsModel()
    model.set_thumbnails(ThumbnailLoader(runner, ThumbnailCache(tmp_path / "cache")))
    model.set_results(tmp_path, HITS)
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        model.data(model.index(0), CARD_ROLE)  # painting asks for it: that queues the decode
    card = model.data(model.index(0), CARD_ROLE)
    assert card.state == "ready" and card.pixmap is not None
    assert "120 × 90 pixels" in model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        model.data(model.index(1), CARD_ROLE)  # b/two.png does not exist
    assert model.data(model.index(1), CARD_ROLE).state == "failed"
    assert "Can't show this file" in model.data(model.index(1), Qt.ItemDataRole.ToolTipRole)
    runner.wait(5000)


def test_cards_are_drawn_once_then_blitted_and_drawn_again_when_they_change(tmp_path: Path, qtbot,
                                                                           monkeypatch) -> None:
    from PySide6.QtGui import QColor, QPalette

    from autosimnet_desktop.gui.search import results_view
    from autosimnet_desktop.gui.search.results_view import PAD, THUMB, ResultsView

    badges: list[float] = []
    real_badge = results_view.paint_badge
    monkeypatch.setattr(results_view, "paint_badge", lambda painter, x, y, similarity, font, palette: (
        badges.append(similarity), real_badge(painter, x, y, similarity, font, palette)))
    model = ResultsModel()
    model.set_results(tmp_path, HITS)
    view = ResultsView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 500)
    first = view.viewport().grab().toImage()
    assert sorted(badges) == [0.2, 0.6, 0.95] and view.itemDelegate().cached_cards == 3
    again = view.viewport().grab().toImage()
    assert len(badges) == 3 and again == first  # the second paint only blits what was drawn
    rect = view.visualRect(model.index(0))
    x, y = rect.x() + (rect.width() - THUMB) // 2, rect.y() + PAD
    # inside the similarity pill of the best card: drawn in the palette's highlight colour
    assert QColor(first.pixel(x + 10, y + 10)) == view.palette().color(QPalette.ColorRole.Highlight)
    model.set_results(tmp_path, [SearchHit("a/one.png", 0.3, 0.5)])
    view.viewport().grab()
    assert badges[3:] == [0.5]  # a changed card is drawn anew
    view.itemDelegate().clear_cache()
    assert view.itemDelegate().cached_cards == 0
