"""Which action, page and part of the main window calls which: kept out of main_window.py so it stays short."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autosimnet_desktop.gui.search.result_actions import ResultActions
from autosimnet_desktop.gui.search.sources import QuerySource

if TYPE_CHECKING:
    from autosimnet_desktop.gui.main_window import MainWindow


def connect_window(window: MainWindow) -> None:
    """Connect the window's actions, pages and parts."""
    a = window.actions_
    a.open_folder.triggered.connect(window.choose_folder)
    a.open_sample.triggered.connect(window.open_sample)
    a.recent_menu.aboutToShow.connect(window._fill_recent_menu)
    a.open_image.triggered.connect(window.choose_image)
    a.paste.triggered.connect(window.paste)
    a.back.triggered.connect(window.searches.back)
    a.export_related.triggered.connect(window.export_related)
    a.check_photos.triggered.connect(window.products.open_match)
    a.products_settings.triggered.connect(window.products.open_settings)
    a.duplicates.triggered.connect(window.find_duplicates)
    a.rescan.triggered.connect(lambda: window.session.reindex() if window.session else None)
    a.failures.triggered.connect(window.show_failures)
    a.quit.triggered.connect(window.close)
    a.about.triggered.connect(window.show_about)
    a.escape.triggered.connect(window.escape)
    a.show_preview.toggled.connect(window._show_preview)
    a.full_screen.triggered.connect(window.toggle_full_screen)
    window.results = ResultActions(a, window.page, window.services.desktop, window.runner, window.messages,
                                 lambda item: window.query(QuerySource.item(item.product, item.path, item.name)),
                                 window)
    a.all_products.triggered.connect(lambda: window.searches.show_all())
    window.page.preview.photos_of = lambda product, deliver: (
        window.session.product_photos(product, deliver) if window.session else None)
    window.welcome.open_folder_clicked.connect(window.choose_folder)
    window.welcome.sample_clicked.connect(window.open_sample)
    window.welcome.recent_clicked.connect(window.open_folder)
    panel = window.page.panel
    panel.open_image_clicked.connect(window.choose_image)
    panel.paste_clicked.connect(window.paste)
    panel.result_count_changed.connect(window.searches.result_count_changed)
    panel.min_similarity_changed.connect(window.searches.min_similarity_changed)
    panel.colour_weight_changed.connect(window.searches.colour_weight_changed)
    a.model_menu.aboutToShow.connect(window.models.ask)
    window.page.view.selectionModel().currentChanged.connect(lambda *_: window._update_actions())
    window.page.model.modelReset.connect(window._update_actions)
    window.progress.cancel_requested.connect(lambda: window.session.cancel_job() if window.session else None)
    window.summary.failures_clicked.connect(window.show_failures)
