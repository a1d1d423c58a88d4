"""Typed settings over QSettings: recent folders, last folder and options survive, junk does not break them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from autosimnet_desktop.gui.runtime.settings import DEFAULT_DUPLICATE_SIMILARITY, DEFAULT_RESULT_COUNT, \
    DUPLICATE_SIMILARITY_RANGE, MAX_RECENT, Settings


def make(tmp_path: Path) -> tuple[Settings, QSettings]:
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    return Settings(store), store


def test_recent_folders_are_newest_first_unique_and_capped(tmp_path: Path) -> None:
    settings, _ = make(tmp_path)
    for i in range(MAX_RECENT + 3):
        settings.add_recent_folder(tmp_path / f"shop{i}")
    settings.add_recent_folder(tmp_path / "shop5")
    recent = settings.recent_folders
    assert recent[0] == tmp_path / "shop5"
    assert len(recent) == MAX_RECENT and len(set(recent)) == MAX_RECENT
    assert settings.last_folder == tmp_path / "shop5"


def test_values_survive_a_restart(tmp_path: Path) -> None:
    settings, store = make(tmp_path)
    settings.add_recent_folder(tmp_path / "only")
    settings.result_count = 50
    settings.min_similarity = 0.4
    settings.sync()
    again = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert again.recent_folders == [tmp_path / "only"]  # a one-item list comes back as a plain string
    assert again.result_count == 50
    assert again.min_similarity == 0.4


def test_junk_values_fall_back_to_defaults(tmp_path: Path) -> None:
    settings, store = make(tmp_path)
    store.setValue("query/result_count", "lots")
    store.setValue("query/min_similarity", "7")
    assert settings.result_count == DEFAULT_RESULT_COUNT
    assert settings.min_similarity == 1.0  # clamped into 0..1
    assert settings.geometry is None and settings.last_folder is None


def test_removing_a_vanished_folder_forgets_it_everywhere(tmp_path: Path) -> None:
    settings, _ = make(tmp_path)
    settings.add_recent_folder(tmp_path / "a")
    settings.add_recent_folder(tmp_path / "b")
    settings.remove_recent_folder(tmp_path / "b")
    assert settings.recent_folders == [tmp_path / "a"]
    assert settings.last_folder is None


def test_the_duplicate_similarity_is_remembered_within_its_range(tmp_path: Path) -> None:
    settings, store = make(tmp_path)
    assert settings.duplicate_similarity == DEFAULT_DUPLICATE_SIMILARITY
    settings.duplicate_similarity = 0.88
    settings.sync()
    assert Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)).duplicate_similarity == 0.88
    low, high = DUPLICATE_SIMILARITY_RANGE
    for stored, expected in ((0.3, low), (1.7, high), ("junk", DEFAULT_DUPLICATE_SIMILARITY)):
        store.setValue("duplicates/min_similarity", stored)
        assert settings.duplicate_similarity == expected
