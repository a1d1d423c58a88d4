"""An index run restricted to some relative paths (IndexSettings.only): the rest of the folder is not part of it."""

from __future__ import annotations

from pathlib import Path

from autosimnet_desktop.core.catalogue.factory import build_catalogue, load_encoder
from autosimnet_desktop.core.indexing.settings import IndexSettings

from .conftest import PAPER_MODEL
from .core_helpers import make_catalogue


def test_only_the_accepted_paths_are_indexed_and_the_others_count_as_absent(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    paths = make_catalogue(folder, 8)
    encoder = load_encoder(PAPER_MODEL)
    shoes = IndexSettings(only=lambda path: path.startswith("shoes/"))
    with build_catalogue(folder, encoder, tmp_path / "data", shoes) as catalogue:
        report = catalogue.index()
        assert report.new == 4
        assert sorted(catalogue.store.items()) == [p for p in paths if p.startswith("shoes/")]
    with build_catalogue(folder, encoder, tmp_path / "data", IndexSettings()) as catalogue:
        assert catalogue.index().new == 4  # the shirts were never part of it
    with build_catalogue(folder, encoder, tmp_path / "data", shoes) as catalogue:
        report = catalogue.index()
        assert report.removed == 4 and catalogue.count() == 4
