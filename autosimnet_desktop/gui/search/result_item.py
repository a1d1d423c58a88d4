"""One card of the grid: a product found by a search, or a product of the catalogue while browsing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from autosimnet_desktop.core.products.records import Product, ProductHit


@dataclass(frozen=True)
class ResultItem:
    """A product with the photo its card shows; `similarity` is None while browsing (nothing was searched)."""

    path: str  # the photo shown, relative to the catalogue, '/' separators
    product: str  # its id (SKU, handle, folder name, or the photo's path when every photo is its own product)
    name: str  # "" when no product file names it
    category: str
    photos: int
    similarity: float | None = None

    @classmethod
    def from_hit(cls, hit: ProductHit) -> "ResultItem":
        """A product a search found, with its best-matching photo."""
        return cls(hit.photo, hit.product, hit.name, hit.category, hit.photos, hit.similarity)

    @classmethod
    def from_product(cls, product: Product) -> "ResultItem":
        """A product of the listing, shown with its first photo."""
        return cls(product.photos[0] if product.photos else "", product.id, product.name, product.category,
                   len(product.photos))

    @property
    def id_is_path(self) -> bool:
        """True when the product is a photo of its own (its id is the photo's path: nothing to show)."""
        return self.product == self.path

    @property
    def title(self) -> str:
        """What the card calls it: the product's name, else its id, else (a photo of its own) the file name."""
        return self.name or (PurePosixPath(self.path).name if self.id_is_path else self.product)

    @property
    def subtitle(self) -> str:
        """The card's second line: the id under a name, else the photo's folder."""
        if self.name:
            return self.product
        return PurePosixPath(self.path).parent.as_posix().strip(".") if self.path else ""
