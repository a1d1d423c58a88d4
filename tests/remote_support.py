"""Shared pieces of the remote (Qdrant) tests: a small shop of products in folders, and collections in local mode.

QDRANT_URL (set by .ci/run when a Qdrant server runs) makes the same tests use that server instead of local mode.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from PIL import Image

from autosimnet_desktop.core.remote.qdrant_store import Address, RemoteCollection, connect

from .core_helpers import photo

CATEGORIES = ("shoes", "bags", "hats")


def view(path: Path, seed: int, angle: float) -> None:
    """One view of product `seed`: the same photo turned a little."""
    path.parent.mkdir(parents=True, exist_ok=True)
    photo(seed).rotate(angle, fillcolor="white", resample=Image.Resampling.BILINEAR).save(path, quality=90)


def make_shop(folder: Path, products: int = 18, views: int = 3) -> Path:
    """`products` folders P00.. of `views` photos each, and a product file naming them with a category."""
    rows = ["sku,image,name,category"]
    for n in range(products):
        pid = f"P{n:02d}"
        for v in range(views):
            view(folder / pid / f"view-{v}.jpg", n * 11, v * 4.0)
            rows.append(f"{pid},{pid}/view-{v}.jpg,Product {n},{CATEGORIES[n % 3]}")
    products_csv = folder.parent / f"{folder.name}-products.csv"
    products_csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return products_csv


def address(tmp_path: Path) -> Address:
    """The server named by QDRANT_URL, else a local-mode folder under tmp_path."""
    url = os.environ.get("QDRANT_URL")
    return Address.parse(url) if url else Address.parse(str(tmp_path / "qdrant"))


def collection_name() -> str:
    """A fresh collection name (a shared server keeps other tests' collections)."""
    return f"test-{uuid.uuid4().hex[:12]}"


def open_collection(where: Address, name: str) -> RemoteCollection:
    """A collection through a new client (local mode allows one client per folder: close it after use)."""
    return RemoteCollection(connect(where, os.environ.get("QDRANT_API_KEY")), where, name)
