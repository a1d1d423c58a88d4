"""Product records shared by the core, the CLI and the GUI: products, product hits, the grouping summary, pages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from autosimnet_desktop.core.products.grouping import GroupingRule


@dataclass(frozen=True)
class Product:
    """A SKU, handle or reference with its photos."""

    id: str
    name: str  # "" when no product file names it
    category: str  # "" when no product file gives one
    url: str
    folder: str  # the folder of its first photo, relative to the catalogue ('' at the top)
    photos: tuple[str, ...]  # relative paths, sorted
    newest_ns: int  # the newest photo's mtime (ns), for "newest first"


@dataclass(frozen=True)
class ProductHit:
    """A product found by a search: its best-matching photo and how close it is."""

    product: str
    name: str
    category: str
    photo: str  # relative path of its best-matching photo
    distance: float  # product distance (core.products.scoring)
    similarity: float
    photos: int  # how many photos the product has


@dataclass(frozen=True)
class MissingImages:
    """A product of the product file none of whose images is in the catalogue folder."""

    product: str
    images: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class ProductSummary:
    """How the catalogue's photos are grouped: for `index`, `info` and the app's status line."""

    photos: int
    products: int
    rule: GroupingRule  # as chosen (may be AUTO)
    rule_used: GroupingRule  # what grouped the photos the product file does not mention (never AUTO)
    label: str  # for people: "grouped by file name", "from products.csv, others grouped by folder"
    product_file: Path | None = None
    file_format: str = ""  # woocommerce, shopify, magento, prestashop, plain
    from_file: int = 0  # products of the file with at least one photo here
    unmatched_photos: tuple[str, ...] = ()  # photos the file does not mention (grouped by the rule)
    missing: tuple[MissingImages, ...] = ()  # products of the file with no photo here

    def sentence(self) -> str:
        """'1,748 photos in 612 products, grouped by file name'."""
        photos = f"{self.photos:,} photo{'s' if self.photos != 1 else ''}"
        return f"{photos} in {self.products:,} product{'s' if self.products != 1 else ''}, {self.label}"


class ProductSort(str, Enum):
    """Orders of the product listing."""

    NAME = "name"  # by name (id where no name is known), case-insensitive
    NEWEST = "newest"  # newest photo first


@dataclass(frozen=True)
class ProductPage:
    """One page of the product listing and how many products match in all."""

    total: int
    products: tuple[Product, ...]


@dataclass(frozen=True)
class MatchResult:
    """For one photo given to `match`: the catalogue's best products, or why the photo could not be read."""

    path: str  # as given (a file, or a file found in a folder given)
    hits: tuple[ProductHit, ...] = ()
    error: str = ""
