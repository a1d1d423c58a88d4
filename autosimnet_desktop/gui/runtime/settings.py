"""Typed settings over QSettings: recent folders, last folder, window layout and query options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "AutoSimNet"
APPLICATION = "AutoSimNet Desktop"
MAX_RECENT = 8
DEFAULT_RESULT_COUNT = 20
RESULT_COUNT_RANGE = (1, 200)
DEFAULT_DUPLICATE_SIMILARITY = 0.95
# Below 80% photos are merely the same kind of product, not the same product: groups would swallow the shop.
DUPLICATE_SIMILARITY_RANGE = (0.80, 1.0)


def _as_int(value: Any, default: int) -> int:
    # INI and plist backends hand numbers back as strings; a hand-edited file may hold junk.
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _as_float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


class Settings:
    """The app's remembered state; each property reads and writes one QSettings key."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store if store is not None else QSettings(ORGANIZATION, APPLICATION)

    def sync(self) -> None:
        """Write pending changes to disk now."""
        self._store.sync()

    @property
    def recent_folders(self) -> list[Path]:
        """Most recently opened catalogue folders, newest first."""
        raw = self._store.value("catalogue/recent", [])
        if isinstance(raw, str):  # QSettings returns a lone string for a one-item list
            raw = [raw]
        seen: list[Path] = []
        for item in raw if isinstance(raw, list) else []:
            path = Path(str(item))
            if str(item) and path not in seen:
                seen.append(path)
        return seen[:MAX_RECENT]

    def add_recent_folder(self, folder: Path) -> None:
        """Put `folder` first in the recent list (and make it the last folder)."""
        folder = Path(folder)
        items = [folder] + [p for p in self.recent_folders if p != folder]
        self._store.setValue("catalogue/recent", [str(p) for p in items[:MAX_RECENT]])
        self.last_folder = folder

    def remove_recent_folder(self, folder: Path) -> None:
        """Forget `folder` (it vanished); also as last folder."""
        items = [p for p in self.recent_folders if p != Path(folder)]
        self._store.setValue("catalogue/recent", [str(p) for p in items])
        if self.last_folder == Path(folder):
            self.last_folder = None

    def clear_recent_folders(self) -> None:
        """Empty the recent-folders menu."""
        self._store.setValue("catalogue/recent", [])

    @property
    def last_folder(self) -> Path | None:
        """The catalogue that was open when the app last closed."""
        raw = self._store.value("catalogue/last", "")
        return Path(str(raw)) if raw else None

    @last_folder.setter
    def last_folder(self, folder: Path | None) -> None:
        self._store.setValue("catalogue/last", str(folder) if folder else "")

    @property
    def geometry(self) -> QByteArray | None:
        """The main window's saved geometry."""
        raw = self._store.value("window/geometry")
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._store.setValue("window/geometry", value)

    @property
    def splitter_state(self) -> QByteArray | None:
        """Where the query panel / results splitter was left."""
        raw = self._store.value("window/splitter")
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None

    @splitter_state.setter
    def splitter_state(self, value: QByteArray) -> None:
        self._store.setValue("window/splitter", value)

    @property
    def preview_visible(self) -> bool | None:
        """Whether the large preview of the selected result is shown beside the grid (None: never chosen)."""
        raw = self._store.value("window/preview")
        return None if raw is None else str(raw).lower() not in ("false", "0")

    @preview_visible.setter
    def preview_visible(self, value: bool) -> None:
        self._store.setValue("window/preview", "true" if value else "false")

    @property
    def result_count(self) -> int:
        """How many similar products a query asks for."""
        low, high = RESULT_COUNT_RANGE
        value = _as_int(self._store.value("query/result_count", DEFAULT_RESULT_COUNT), DEFAULT_RESULT_COUNT)
        return min(high, max(low, value))

    @result_count.setter
    def result_count(self, value: int) -> None:
        self._store.setValue("query/result_count", int(value))

    @property
    def min_similarity(self) -> float:
        """Results below this similarity (0..1) are hidden."""
        return min(1.0, max(0.0, _as_float(self._store.value("query/min_similarity", 0.0), 0.0)))

    @min_similarity.setter
    def min_similarity(self, value: float) -> None:
        self._store.setValue("query/min_similarity", float(value))

    @property
    def duplicate_similarity(self) -> float:
        """The threshold 'Find duplicates' last used (0..1, kept within DUPLICATE_SIMILARITY_RANGE)."""
        low, high = DUPLICATE_SIMILARITY_RANGE
        value = _as_float(self._store.value("duplicates/min_similarity", DEFAULT_DUPLICATE_SIMILARITY),
                          DEFAULT_DUPLICATE_SIMILARITY)
        return min(high, max(low, value))

    @duplicate_similarity.setter
    def duplicate_similarity(self, value: float) -> None:
        self._store.setValue("duplicates/min_similarity", float(value))

    @property
    def model(self) -> str:
        """The chosen model (a shipped file name such as 'autosimnet-paper.onnx'); '' means the default model."""
        return str(self._store.value("model/file", "") or "")

    @model.setter
    def model(self, value: str | None) -> None:
        self._store.setValue("model/file", value or "")

    @property
    def colour_weight(self) -> float | None:
        """Where the 'Shape … Colour' balance was left (0..1); None means the model's own default."""
        raw = self._store.value("query/colour_weight", "")
        if raw in ("", None):
            return None
        value = _as_float(raw, -1.0)
        return value if 0.0 <= value <= 1.0 else None

    @colour_weight.setter
    def colour_weight(self, value: float | None) -> None:
        self._store.setValue("query/colour_weight", "" if value is None else float(value))
