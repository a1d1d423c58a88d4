"""The core-GUI boundary: what a face (GUI, CLI) may ask of an open catalogue.

`Catalogue` implements it; test fakes implement it too, and tests/test_boundary.py compares their public
signatures with this Protocol so a fake cannot drift from the real thing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from PIL import Image

from autosimnet_desktop.core.catalogue.info import CatalogueInfo
from autosimnet_desktop.core.model.encoder import ModelInfo
from autosimnet_desktop.core.records import CancelToken, Failure, IndexReport, ModelChange, ProgressCallback, SearchHit
from autosimnet_desktop.core.search.fusion import Segments

QueryImage = str | Path | bytes | Image.Image


@runtime_checkable
class CatalogueAPI(Protocol):
    """One open catalogue folder: index it, search it, describe it. Methods may run on worker threads."""

    @property
    def folder(self) -> Path:
        """The absolute catalogue folder."""

    @property
    def model(self) -> ModelInfo:
        """The encoder's metadata."""

    @property
    def segments(self) -> Segments | None:
        """The shape and colour parts of a fused model (None: the colour weight cannot change)."""

    def index(self, progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> IndexReport:
        """Bring the index up to date with the folder."""

    def query(self, image: QueryImage, k: int = 10, colour_weight: float | None = None) -> list[SearchHit]:
        """The k items most similar to an image, best first."""

    def similar_to(self, relpath: str, k: int = 10, colour_weight: float | None = None) -> list[SearchHit]:
        """The k items most similar to a catalogue item, excluding itself."""

    def related(self, k: int = 10, progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                colour_weight: float | None = None) -> dict[str, list[SearchHit]]:
        """For every item, its k most similar other items."""

    def duplicates(self, min_similarity: float = 0.95, progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None) -> list[list[SearchHit]]:
        """Groups of near-identical items."""

    def count(self) -> int:
        """Searchable items now."""

    def model_change(self) -> ModelChange | None:
        """The model the stored index was built with, if this one must rebuild it."""

    def failures(self) -> list[Failure]:
        """Files that could not be indexed, with their reasons."""

    def info(self) -> CatalogueInfo:
        """A summary for `autosimnet info` and the status bar."""

    def close(self) -> None:
        """Cancel a running index() and release the store."""
