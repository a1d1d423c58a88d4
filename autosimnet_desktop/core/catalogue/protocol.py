"""The core-GUI boundary: what a face (GUI, CLI) may ask of an open catalogue.

`Catalogue` implements it; test fakes implement it too, and tests/test_boundary.py compares their public
signatures with this Protocol so a fake cannot drift from the real thing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from PIL import Image

from autosimnet_desktop.core.catalogue.info import CatalogueInfo
from autosimnet_desktop.core.model.encoder import ModelInfo
from autosimnet_desktop.core.products.grouping import GroupingRule
from autosimnet_desktop.core.products.records import MatchResult, ProductHit, ProductPage, ProductSort, ProductSummary
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

    def product_summary(self) -> ProductSummary:
        """Photos, products, the grouping rule (and its words for people), the product file and what it misses."""

    def set_grouping(self, rule: GroupingRule | str, product_file: str | os.PathLike[str] | None = None,
                     remember: bool = True) -> ProductSummary:
        """Group photos by a rule and optionally the shop's product file (checked first; an error changes nothing)."""

    def query_products(self, image: QueryImage, k: int = 10, colour_weight: float | None = None) -> list[ProductHit]:
        """The k products most similar to an image, each once with its best-matching photo."""

    def similar_products(self, product: str, k: int = 10, colour_weight: float | None = None) -> list[ProductHit]:
        """The k products most similar to a product (searched with all its photos), never itself."""

    def related_products(self, k: int = 10, progress: ProgressCallback | None = None,
                         cancel: CancelToken | None = None, colour_weight: float | None = None,
                         same_category: bool = False) -> dict[str, list[ProductHit]]:
        """For every product, its k most similar other products."""

    def match(self, paths: Sequence[str | os.PathLike[str]], k: int = 5, min_similarity: float = 0.0,
              progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> list[MatchResult]:
        """For photos from elsewhere (files or folders), the catalogue's best products."""

    def list_products(self, text: str = "", sort: ProductSort = ProductSort.NAME, offset: int = 0,
                      limit: int = 100) -> ProductPage:
        """A page of products filtered by id, name or folder, sorted, with the total count."""

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
